//! Delimited text as Excel and WPS save it on Chinese Windows: the encoding is not declared, so it
//! is decided from the bytes.

use encoding_rs::{BIG5, GB18030, UTF_16BE, UTF_16LE};

use super::{Problem, ProblemKind, TableRow, Unreadable, clean_cell};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16BE_BOM: &[u8] = b"\xFE\xFF";

fn unreadable(why: Unreadable) -> Vec<Problem> {
    vec![Problem::whole_file(ProblemKind::Unreadable(why))]
}

/// Text of the file, and whether it came as UTF-16 (Excel's "Unicode text", tab-separated).
fn decode(bytes: &[u8]) -> Result<(String, bool), Vec<Problem>> {
    let (text, utf16) = if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        let text = std::str::from_utf8(rest).map_err(|_| unreadable(Unreadable::BadUtf8))?;
        (text.to_owned(), false)
    } else if let Some(rest) = bytes.strip_prefix(UTF16LE_BOM) {
        let text = UTF_16LE
            .decode_without_bom_handling_and_without_replacement(rest)
            .ok_or_else(|| unreadable(Unreadable::BadUtf16))?;
        (text.into_owned(), true)
    } else if let Some(rest) = bytes.strip_prefix(UTF16BE_BOM) {
        let text = UTF_16BE
            .decode_without_bom_handling_and_without_replacement(rest)
            .ok_or_else(|| unreadable(Unreadable::BadUtf16))?;
        (text.into_owned(), true)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        (text.to_owned(), false)
    } else {
        (legacy_chinese(bytes)?, false)
    };
    // Every supported encoding decodes a workbook or a picture to *something*; a NUL gives it away.
    if text.contains('\0') {
        return Err(unreadable(Unreadable::Binary));
    }
    Ok((text, utf16))
}

/// Text from Chinese Windows: GBK/GB18030 on the mainland, Big5 in Hong Kong and Taiwan. The
/// same bytes often decode in both without an error, one of them as mojibake, so the one whose
/// first lines name the roster's columns wins (`編號,姓名,電話` in Big5); failing that, chardetng's
/// guess decides.
fn legacy_chinese(bytes: &[u8]) -> Result<String, Vec<Problem>> {
    // GB18030 is a superset of GBK and GB2312, so one decoder covers what the mainland saves.
    let gbk = GB18030.decode_without_bom_handling_and_without_replacement(bytes);
    let big5 = BIG5.decode_without_bom_handling_and_without_replacement(bytes);
    let text = match (gbk, big5) {
        (Some(gbk), None) => gbk,
        (None, Some(big5)) => big5,
        (None, None) => return Err(unreadable(Unreadable::UnknownEncoding)),
        (Some(gbk), Some(big5)) => {
            let (gbk_score, big5_score) = (header_score(&gbk), header_score(&big5));
            if big5_score > gbk_score {
                big5
            } else if gbk_score > big5_score {
                gbk
            } else {
                let mut detector =
                    chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                detector.feed(bytes, true);
                if detector.guess(None, chardetng::Utf8Detection::Deny) == BIG5 {
                    big5
                } else {
                    gbk
                }
            }
        }
    };
    Ok(text.into_owned())
}

/// How many known column names the first lines of a text hold.
fn header_score(text: &str) -> usize {
    let head: String = text.lines().take(3).collect::<Vec<_>>().join(",");
    let head = super::normalised_header(&head);
    super::COLUMNS
        .iter()
        .filter(|(_, chinese, _)| head.contains(chinese))
        .count()
}

/// Tab when the first line that has either separator has tabs and no commas. UTF-16 text is
/// Excel's tab-separated "Unicode text", so there the test is turned around.
fn delimiter(text: &str, utf16: bool) -> u8 {
    let Some(line) = text.lines().find(|l| l.contains([',', '\t'])) else {
        return b',';
    };
    let (commas, tabs) = (line.contains(','), line.contains('\t'));
    if utf16 {
        if commas && !tabs { b',' } else { b'\t' }
    } else if tabs && !commas {
        b'\t'
    } else {
        b','
    }
}

pub(super) fn read_table(bytes: &[u8]) -> Result<Vec<TableRow>, Vec<Problem>> {
    let (text, utf16) = decode(bytes)?;
    let lines = LineStarts::new(&text);
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text, utf16))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| lines.line_at(p.byte() as usize));
            vec![Problem {
                sheet: None,
                line,
                column: None,
                kind: ProblemKind::Unreadable(Unreadable::BadCsvLine),
            }]
        })?;
        let line = record
            .position()
            .map_or(0, |p| lines.line_at(p.byte() as usize));
        rows.push(TableRow {
            line,
            cells: record.iter().map(clean_cell).collect(),
            marks: Vec::new(),
        });
    }
    Ok(rows)
}

/// Physical line numbers, counted here because the csv crate's own count goes wrong on CRLF
/// (what Excel writes) and on blank lines. Its byte offsets are right, except that a record may
/// be said to start on the line break before it.
struct LineStarts<'t> {
    text: &'t [u8],
    /// Byte offset where each line starts; the first line starts at 0.
    starts: Vec<usize>,
}

impl<'t> LineStarts<'t> {
    fn new(text: &'t str) -> Self {
        let text = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in text.iter().enumerate() {
            let ends_line = b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n'));
            if ends_line {
                starts.push(i + 1);
            }
        }
        LineStarts { text, starts }
    }

    /// 1-based line of the first non-line-break byte at or after `offset`; no record starts with
    /// a line break, since blank lines are skipped and a line break inside a cell is quoted.
    fn line_at(&self, offset: usize) -> usize {
        let start = self
            .text
            .iter()
            .skip(offset)
            .position(|&b| b != b'\n' && b != b'\r')
            .map_or(self.text.len(), |n| offset + n);
        self.starts.partition_point(|&s| s <= start)
    }
}
