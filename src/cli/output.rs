//! Output of the non-interactive commands: aligned tables (CJK-aware widths), CSV and JSON.
//! Every command prints through [`table`], [`write_csv`] and [`write_json`], so this is where
//! text from the roster is cleaned of terminal escapes and bidi overrides, and where CSV cells
//! that a spreadsheet would run as formulas are kept as text.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter, PrettyFormatter};
use unicode_width::UnicodeWidthStr;

use crate::domain::text::{clean_line, clean_text, csv_cell, is_unsafe};

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
    let headers: Vec<String> = headers.iter().map(|h| clean_line(h).into_owned()).collect();
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| clean_line(c).into_owned()).collect())
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    for row in &rows {
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
    let mut out = line(headers.iter().map(String::as_str).collect());
    out.push('\n');
    out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1)));
    out.push('\n');
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// Pretty JSON whose strings keep `\n` and `\t` (escaped, as JSON does) but lose every other
/// control character and bidi override.
pub fn write_json<T: Serialize>(out: &mut impl Write, rows: &[T]) -> anyhow::Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut *out, CleanFormatter(PrettyFormatter::new()));
    rows.serialize(&mut serializer)?;
    writeln!(out)?;
    Ok(())
}

/// serde_json's pretty layout, with string contents cleaned as they are written.
struct CleanFormatter<'a>(PrettyFormatter<'a>);

impl Formatter for CleanFormatter<'_> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if fragment.chars().any(is_unsafe) {
            let kept: String = fragment.chars().filter(|c| !is_unsafe(*c)).collect();
            writer.write_all(kept.as_bytes())
        } else {
            writer.write_all(fragment.as_bytes())
        }
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        escape: CharEscape,
    ) -> io::Result<()> {
        let text: &[u8] = match escape {
            CharEscape::Quote => b"\\\"",
            CharEscape::ReverseSolidus => b"\\\\",
            CharEscape::LineFeed => b"\\n",
            CharEscape::Tab => b"\\t",
            // Other controls go, the carriage return of a CRLF among them.
            _ => b"",
        };
        writer.write_all(text)
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
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
    // Serialized as the csv crate lays the rows out, then every data cell cleaned and escaped.
    let mut plain = csv::Writer::from_writer(Vec::new());
    for row in rows {
        plain.serialize(row)?;
    }
    let plain = plain.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(plain.as_slice());
    let mut writer = csv::Writer::from_writer(out);
    for (index, record) in reader.records().enumerate() {
        let record = record?;
        if index == 0 {
            writer.write_record(record.iter().map(|cell| clean_text(cell).into_owned()))?;
        } else {
            writer.write_record(record.iter().map(|cell| csv_cell(cell).into_owned()))?;
        }
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

    #[derive(Default, Serialize)]
    struct Row {
        name: String,
        notes: Option<String>,
    }

    fn hostile() -> Vec<Row> {
        vec![Row {
            name: "王\x1b]0;pwned\x07秀英\u{202E}".into(),
            notes: Some("=1+1\r\n女儿 \x08\x08电话".into()),
        }]
    }

    #[test]
    fn table_cells_lose_escapes_and_line_breaks() {
        let out = table(
            &["name\x1b[2J"],
            &[vec!["王\x1b]0;pwned\x07秀英\n耳背".into()]],
        );
        assert!(!out.bytes().any(|b| b < 0x20 && b != b'\n'), "{out:?}");
        assert_eq!(out.lines().nth(2), Some("王]0;pwned秀英 耳背"));
    }

    #[test]
    fn csv_cells_are_clean_and_formulas_stay_text() -> anyhow::Result<()> {
        let mut out = Vec::new();
        write_csv(&mut out, &hostile())?;
        let text = String::from_utf8(out)?;
        assert_eq!(text, "name,notes\n王]0;pwned秀英,\"'=1+1\n女儿 电话\"\n");
        Ok(())
    }

    #[test]
    fn json_strings_are_clean() -> anyhow::Result<()> {
        let mut out = Vec::new();
        write_json(&mut out, &hostile())?;
        let text = String::from_utf8(out)?;
        assert!(
            !text.contains('\u{202E}') && !text.contains("\\u001b"),
            "{text}"
        );
        let value: serde_json::Value = serde_json::from_str(&text)?;
        assert_eq!(value[0]["name"], "王]0;pwned秀英");
        assert_eq!(value[0]["notes"], "=1+1\n女儿 电话");
        Ok(())
    }
}
