//! Output of the non-interactive commands: aligned tables (CJK-aware widths), CSV and JSON.

use std::io::Write;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Pads a cell to a display width: Chinese characters take two columns.
pub fn pad(text: &str, width: usize) -> String {
    let shown = text.width();
    let mut out = text.to_string();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(shown)));
    out
}

/// A plain table: a header row, a rule, the rows; columns as wide as their widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            if let Some(width) = widths.get_mut(index) {
                *width = (*width).max(cell.width());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut out = String::new();
        for (index, cell) in cells.into_iter().enumerate() {
            if index == last {
                out.push_str(cell);
            } else {
                out.push_str(&pad(cell, widths[index]));
                out.push_str("  ");
            }
        }
        out.trim_end().to_string()
    };
    let mut out = line(headers.to_vec());
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)));
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

pub fn write_json<T: Serialize>(out: &mut impl Write, rows: &[T]) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, rows)?;
    writeln!(out)?;
    Ok(())
}

/// CSV with a header row, also when there are no rows (the csv crate writes the header with the
/// first record only, so an empty list borrows it from a default row).
pub fn write_csv<T: Serialize + Default>(out: &mut impl Write, rows: &[T]) -> anyhow::Result<()> {
    if rows.is_empty() {
        let mut header = csv::Writer::from_writer(Vec::new());
        header.serialize(T::default())?;
        let text = header.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        let first_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
        out.write_all(first_line)?;
        out.write_all(b"\n")?;
        return Ok(());
    }
    let mut writer = csv::Writer::from_writer(out);
    for row in rows {
        writer.serialize(row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_chinese_text_by_display_width() {
        let out = table(
            &["id", "name", "grid"],
            &[
                vec!["CQ001".into(), "王秀英".into(), "第一网格".into()],
                vec!["CQ002".into(), "Li".into(), "x".into()],
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[2], "CQ001  王秀英  第一网格");
        assert_eq!(lines[3], "CQ002  Li      x");
    }
}
