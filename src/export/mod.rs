//! Ledgers out: the report (台账) as CSV or XLSX, and printable route sheets. This module owns what
//! both share: checking the output path before anything is read, writing through a temporary
//! file that only becomes the named file when it is complete (never over an existing file), and
//! measuring text for spreadsheet column widths. The ledger's XLSX goes through [`xlsx`], a writer
//! of its own for a million rows; route sheets and the tally through rust_xlsxwriter.

pub mod report;
pub mod sheet;
pub mod tally;
pub mod xlsx;

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rust_xlsxwriter::Worksheet;
use unicode_width::UnicodeWidthStr;

use crate::error::Refusal;
use crate::i18n::{Lang, t};

/// The kinds of file the exports write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutKind {
    Csv,
    Xlsx,
}

impl OutKind {
    fn extension(self) -> &'static str {
        match self {
            OutKind::Csv => "csv",
            OutKind::Xlsx => "xlsx",
        }
    }
}

/// Checks an output path before anything is read or written: a known extension, not already
/// there (nothing is overwritten), in a directory that exists.
pub fn check_out_path(out: &Path, allowed: &[OutKind]) -> Result<OutKind, Refusal> {
    let extension = out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let kind = allowed
        .iter()
        .copied()
        .find(|kind| kind.extension() == extension)
        .ok_or_else(|| Refusal::BadOutputKind {
            path: out.to_path_buf(),
            allowed: allowed
                .iter()
                .map(|kind| format!(".{}", kind.extension()))
                .collect::<Vec<_>>()
                .join(" / "),
        })?;
    if out.exists() || out.is_symlink() {
        return Err(Refusal::WouldOverwrite {
            path: out.to_path_buf(),
        });
    }
    let dir = out_dir(out);
    if !dir.is_dir() {
        return Err(Refusal::NoOutputDir(dir));
    }
    Ok(kind)
}

fn out_dir(out: &Path) -> PathBuf {
    out.parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A file being written: a hidden temporary file beside the destination, removed again if it is
/// dropped before [`OutFile::finish`]. Elders' names and addresses are in it, so it is 0600.
pub struct OutFile {
    temp: PathBuf,
    dest: PathBuf,
    file: Option<File>,
}

impl OutFile {
    pub fn create(dest: &Path) -> anyhow::Result<OutFile> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = out_dir(dest).join(format!(".{name}.{}.part", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .read(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .with_context(|| format!("creating {}", temp.display()))?;
        Ok(OutFile {
            temp,
            dest: dest.to_path_buf(),
            file: Some(file),
        })
    }

    /// The open temporary file to write into.
    pub fn file(&mut self) -> anyhow::Result<&mut File> {
        self.file
            .as_mut()
            .context("the output file was already closed")
    }

    /// Flushes to disk and gives the file its name. Refuses if the name was taken meanwhile.
    pub fn finish(mut self) -> anyhow::Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all()
                .with_context(|| format!("writing {}", self.temp.display()))?;
        }
        place_without_overwriting(&self.temp, &self.dest)?;
        let _ = fs::remove_file(&self.temp);
        Ok(())
    }
}

impl Drop for OutFile {
    fn drop(&mut self) {
        self.file = None;
        let _ = fs::remove_file(&self.temp);
    }
}

/// A hard link cannot replace an existing file, so nothing is ever overwritten; file systems
/// without hard links (a FAT USB stick) fall back to a rename after a last look.
fn place_without_overwriting(temp: &Path, dest: &Path) -> anyhow::Result<()> {
    match fs::hard_link(temp, dest) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
            Err(Refusal::WouldOverwrite {
                path: dest.to_path_buf(),
            }
            .into())
        }
        Err(_) => {
            if dest.exists() {
                return Err(Refusal::WouldOverwrite {
                    path: dest.to_path_buf(),
                }
                .into());
            }
            fs::rename(temp, dest)
                .with_context(|| format!("naming the finished file {}", dest.display()))
        }
    }
}

/// The widest column a spreadsheet is given, in character widths.
pub const MAX_COLUMN_WIDTH: usize = 50;

/// How wide text shows in a spreadsheet column: a Chinese character takes two, capped.
pub fn text_width(text: &str) -> usize {
    text.lines()
        .map(line_width)
        .max()
        .unwrap_or(0)
        .min(MAX_COLUMN_WIDTH)
}

/// Printable ASCII only: as wide as it is long, on one line.
fn is_plain_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// How wide one line shows: most ledger cells are plain ASCII (ids, times, words in English), one
/// column each, without a look-up per character.
fn line_width(line: &str) -> usize {
    if is_plain_ascii(line) {
        line.len()
    } else {
        UnicodeWidthStr::width(line)
    }
}

/// Column widths that grow to fit the widest text seen in each column, up to the column's cap
/// (text beyond it wraps). A long header wraps onto a second line rather than widening a column
/// of short values.
#[derive(Debug, Clone)]
pub struct Widths {
    content: Vec<usize>,
    headers: Vec<usize>,
    caps: Vec<usize>,
}

/// Room beside the text in every column.
const PADDING: usize = 1;

impl Widths {
    pub fn of_headers(headers: &[&str]) -> Widths {
        Widths {
            content: vec![0; headers.len()],
            headers: headers.iter().map(|h| header_room(h)).collect(),
            caps: vec![MAX_COLUMN_WIDTH - PADDING; headers.len()],
        }
    }

    /// Text wider than `cap` wraps in this column.
    pub fn cap(mut self, column: usize, cap: usize) -> Widths {
        if let Some(slot) = self.caps.get_mut(column) {
            *slot = cap.min(MAX_COLUMN_WIDTH - PADDING);
        }
        self
    }

    pub fn fit(&mut self, column: usize, text: &str) {
        if let Some(width) = self.content.get_mut(column) {
            *width = (*width).max(text_width(text));
        }
    }

    /// Fits the column to `text` and says how many lines it takes there, as [`Widths::fit`] and
    /// [`Widths::lines`] would, measuring each line once (a district month has 37 M cells).
    pub fn measure(&mut self, column: usize, text: &str) -> usize {
        let cap = self.caps.get(column).copied().unwrap_or(MAX_COLUMN_WIDTH);
        let (widest, lines) = widest_and_lines(text, cap);
        if let Some(content) = self.content.get_mut(column) {
            *content = (*content).max(widest.min(MAX_COLUMN_WIDTH));
        }
        lines
    }

    /// The width text gets in a column before it wraps.
    pub fn text_room(&self, column: usize) -> usize {
        let content = self.content.get(column).copied().unwrap_or(0);
        let header = self.headers.get(column).copied().unwrap_or(0);
        let cap = self.caps.get(column).copied().unwrap_or(MAX_COLUMN_WIDTH);
        content.max(header).max(4).min(cap)
    }

    /// How many lines `text` takes in a column: more than one only past the column's cap.
    pub fn lines(&self, column: usize, text: &str) -> usize {
        let cap = self.caps.get(column).copied().unwrap_or(MAX_COLUMN_WIDTH);
        wrapped_lines(text, cap)
    }

    /// A column's width in Excel's units (one per narrow character), with padding.
    pub fn width(&self, column: usize) -> f64 {
        (self.text_room(column) + PADDING) as f64
    }

    pub fn columns(&self) -> impl Iterator<Item = (u16, f64)> + '_ {
        (0..self.content.len()).map(|index| {
            let column = u16::try_from(index).unwrap_or(u16::MAX);
            (column, self.width(index))
        })
    }
}

/// The room a header needs on at most two lines: half its width, but a Latin word whole (it
/// would break in the middle); Chinese breaks between any two characters.
fn header_room(header: &str) -> usize {
    let longest_word = header
        .split_whitespace()
        .map(|word| {
            if word.is_ascii() {
                text_width(word)
            } else {
                text_width(word).div_ceil(2)
            }
        })
        .max()
        .unwrap_or(0);
    longest_word.max(text_width(header).div_ceil(2))
}

/// How many printed lines text takes in a column `room` characters wide. Wrapping breaks at
/// spaces, so a line is counted as one character narrower than the room.
pub fn wrapped_lines(text: &str, room: usize) -> usize {
    widest_and_lines(text, room).1
}

/// The width of text's widest line, and the printed lines it takes `room` characters wide (as
/// [`wrapped_lines`] counts them), each line measured once.
fn widest_and_lines(text: &str, room: usize) -> (usize, usize) {
    let per_line = room.saturating_sub(1).max(1);
    if is_plain_ascii(text) {
        // One line (a newline is not plain), one column a character.
        return (text.len(), text.len().div_ceil(per_line).max(1));
    }
    let (widest, lines) = text.lines().fold((0, 0), |(widest, lines), line| {
        let width = line_width(line);
        (widest.max(width), lines + width.div_ceil(per_line).max(1))
    });
    (widest, lines.max(1))
}

/// Which way up a printed sheet goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Portrait,
    Landscape,
}

/// Printed margins in inches: left, right, top, bottom, header, footer.
pub const A4_MARGINS: [f64; 6] = [0.4, 0.4, 0.5, 0.6, 0.25, 0.3];

/// A4, one page wide and as many pages long as needed, `header_row` repeated at the top of every
/// page, page numbers in the footer.
pub fn print_on_a4(
    sheet: &mut Worksheet,
    lang: Lang,
    orientation: Orientation,
    header_row: u32,
) -> anyhow::Result<()> {
    const A4: u8 = 9;
    sheet.set_paper_size(A4);
    match orientation {
        Orientation::Portrait => sheet.set_portrait(),
        Orientation::Landscape => sheet.set_landscape(),
    };
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_row, header_row)?;
    let [left, right, top, bottom, header, footer] = A4_MARGINS;
    sheet.set_margins(left, right, top, bottom, header, footer);
    sheet.set_footer(format!("&C{}", t(lang).sheet_footer));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_counts_double_and_widths_are_capped() {
        assert_eq!(text_width("CQ001"), 5);
        assert_eq!(text_width("王秀英"), 6);
        assert_eq!(text_width(&"长".repeat(40)), MAX_COLUMN_WIDTH);
        assert_eq!(text_width("ab\n长青小区"), 8);
    }

    #[test]
    fn headers_wrap_onto_two_lines_but_never_inside_a_latin_word() {
        assert_eq!(header_room("查看时间"), 4);
        assert_eq!(header_room("expected"), 8);
        assert_eq!(header_room("flag state"), 5);
        assert_eq!(header_room("elder-rounds"), 12);
    }

    #[test]
    fn columns_fit_their_text_up_to_a_cap_and_wrap_beyond_it() {
        let mut widths = Widths::of_headers(&["标记状态", "id"]).cap(0, 10);
        widths.fit(0, "已被后续正常取代");
        widths.fit(1, "CQ001");
        assert_eq!(widths.text_room(0), 10);
        assert_eq!(widths.lines(0, "已被后续正常取代"), 2);
        assert_eq!(widths.lines(0, "待处理"), 1);
        assert_eq!(widths.text_room(1), 5);
        // One measure does both, by the same rules.
        let mut measured = Widths::of_headers(&["标记状态", "id"]).cap(0, 10);
        for (column, text, lines) in [
            (0, "已被后续正常取代", 2),
            (0, "待处理", 1),
            (1, "CQ001", 1),
            (1, "CQ001\nCQ0002", 2),
            (1, "", 1),
        ] {
            assert_eq!(measured.measure(column, text), lines, "{text:?}");
            assert_eq!(lines, widths.lines(column, text), "{text:?} as lines()");
        }
        assert_eq!(measured.text_room(0), 10, "capped as fit()");
        assert_eq!(measured.text_room(1), 6, "the widest line, as fit()");
        assert_eq!(wrapped_lines("a\nb", 10), 2);
    }

    #[test]
    fn the_extension_decides_the_kind_and_nothing_is_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let both = [OutKind::Csv, OutKind::Xlsx];
        let path = |name: &str| dir.path().join(name);
        assert_eq!(
            check_out_path(&path("a.csv"), &both).ok(),
            Some(OutKind::Csv)
        );
        assert_eq!(
            check_out_path(&path("a.XLSX"), &both).ok(),
            Some(OutKind::Xlsx)
        );
        assert!(matches!(
            check_out_path(&path("a.txt"), &both),
            Err(Refusal::BadOutputKind { .. })
        ));
        assert!(matches!(
            check_out_path(&path("a.csv"), &[OutKind::Xlsx]),
            Err(Refusal::BadOutputKind { .. })
        ));
        assert!(matches!(
            check_out_path(&path("missing/a.csv"), &both),
            Err(Refusal::NoOutputDir(_))
        ));
        fs::write(path("there.csv"), "x").unwrap();
        assert!(matches!(
            check_out_path(&path("there.csv"), &both),
            Err(Refusal::WouldOverwrite { .. })
        ));
    }

    #[test]
    fn an_unfinished_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("r.csv");
        {
            let mut out = OutFile::create(&dest).unwrap();
            io::Write::write_all(out.file().unwrap(), b"half").unwrap();
        }
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut out = OutFile::create(&dest).unwrap();
        io::Write::write_all(out.file().unwrap(), b"whole").unwrap();
        out.finish().unwrap();
        assert_eq!(fs::read_to_string(&dest).unwrap(), "whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_name_taken_meanwhile_is_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("r.csv");
        let mut out = OutFile::create(&dest).unwrap();
        io::Write::write_all(out.file().unwrap(), b"mine").unwrap();
        fs::write(&dest, "theirs").unwrap();
        assert!(out.finish().is_err());
        assert_eq!(fs::read_to_string(&dest).unwrap(), "theirs");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
