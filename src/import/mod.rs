//! Roster files in: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and XLSX, with Chinese or English
//! headers, parsed all-or-nothing into [`RosterRow`]s. Every problem is collected with its line and
//! column so the admin can fix the whole file in one pass. Nothing here touches the database.

mod csv;
mod xlsx;

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveTime;

pub use crate::domain::roster::{ColumnSet, Field, RosterRow};

/// The label of a column in the language of the sheet: the Chinese header for Chinese, the
/// English one otherwise.
pub fn column_label(canonical: &str, chinese: bool) -> &str {
    COLUMNS
        .iter()
        .find(|(en, _, _)| *en == canonical)
        .map_or(canonical, |(en, zh, _)| if chinese { zh } else { en })
}

/// Why a file (a roster, a config) could not be read at all, in words the edge chooses for the
/// user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    NotAFile,
    NotFound,
    PermissionDenied,
    /// Another I/O failure (a disk error, a file too large to hold).
    Io,
    /// Starts with a UTF-8 byte order mark but is not UTF-8.
    BadUtf8,
    /// Starts with a UTF-16 byte order mark but is not UTF-16.
    BadUtf16,
    /// Binary data: a picture, an archive, a workbook saved under a `.csv` name.
    Binary,
    /// Not UTF-8, UTF-16, GBK/GB18030 or Big5.
    UnknownEncoding,
    NotAWorkbook,
    /// The workbook's insides could not be read (the reader gave up on it).
    DamagedWorkbook,
    /// A CSV line that cannot be split into cells (an unmatched quote).
    BadCsvLine,
}

impl Unreadable {
    pub fn of_io(error: &std::io::Error) -> Unreadable {
        match error.kind() {
            std::io::ErrorKind::NotFound => Unreadable::NotFound,
            std::io::ErrorKind::PermissionDenied => Unreadable::PermissionDenied,
            std::io::ErrorKind::IsADirectory => Unreadable::NotAFile,
            _ => Unreadable::Io,
        }
    }
}

/// What is wrong with one place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file has no header row or no data rows.
    EmptyFile,
    /// The file cannot be read as text in any supported encoding, or is not a workbook.
    Unreadable(Unreadable),
    /// A header cell that matches no known column.
    UnknownColumn(String),
    /// A required column (`编号/id`, `姓名/name`) is not in the header.
    MissingColumn(&'static str),
    /// The same column appears twice in the header.
    DuplicateColumn(String),
    /// A required cell is empty.
    MissingValue,
    /// The id was already used on an earlier line.
    DuplicateId { id: String, first_line: usize },
    /// `顺序/route` is not a whole number.
    BadRoute(String),
    /// A window cell is not `HH:MM-HH:MM` with opens before closes.
    BadWindow(String),
    /// No sheet of the workbook has the required headers; lists the sheets found.
    NoRosterSheet(Vec<String>),
    /// The row has more cells than the header.
    ExtraCells,
    /// The header row as found, listed with every refusal so the admin sees what was read.
    HeadersFound(Vec<String>),
    /// A phone in scientific notation (`1.38E+10`): Excel turned it into a number and lost
    /// digits.
    PhoneScientific(String),
    /// A date or a time in a phone column: Excel took the number for a date.
    PhoneDateOrTime(String),
    /// Not a phone number: a phone is digits, with `-`, spaces, brackets, a leading `+` and an
    /// extension (`转 302`).
    BadPhone(String),
    /// A formula cell that was never calculated (saved by a program that does not), so its value
    /// is unknown.
    FormulaWithoutValue,
    /// A sheet that could not be read; its name is the problem's sheet.
    SheetUnreadable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The workbook's sheet, when the file has sheets.
    pub sheet: Option<String>,
    pub line: Option<usize>,
    /// The column's header as the file writes it (`姓 名`, `電話`, `Phone`).
    pub column: Option<String>,
    pub kind: ProblemKind,
}

impl Problem {
    fn at(line: usize, column: &str, kind: ProblemKind) -> Self {
        Problem {
            sheet: None,
            line: Some(line),
            column: Some(column.to_owned()),
            kind,
        }
    }

    fn on_line(line: usize, kind: ProblemKind) -> Self {
        Problem {
            sheet: None,
            line: Some(line),
            column: None,
            kind,
        }
    }

    fn whole_file(kind: ProblemKind) -> Self {
        Problem {
            sheet: None,
            line: None,
            column: None,
            kind,
        }
    }
}

/// A roster file read whole: its elders, and what the import should tell the admin about it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
    /// Each workbook sheet read, with how many elders it held (empty for a text file).
    pub sheets: Vec<(String, usize)>,
    /// Office columns that were recognised and left out (`序号`, `性别`, `年龄`…), as headed.
    pub ignored_columns: Vec<String>,
    /// Whether the file had ID-card numbers, which curtain never stores.
    pub had_id_numbers: bool,
}

/// How the bytes of a roster file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Delimited text: comma- or tab-separated, in any supported encoding.
    Csv,
    /// An Excel workbook. Legacy `.xls`, `.xlsb` and `.ods` are read too, since offices still
    /// keep rosters in them.
    Xlsx,
}

/// The header aliases, for help text: (canonical English name, Chinese name, required).
pub const COLUMNS: &[(&str, &str, bool)] = &[
    ("id", "编号", true),
    ("name", "姓名", true),
    ("address", "地址", false),
    ("grid", "网格", false),
    ("phone", "电话", false),
    ("contact", "紧急联系人", false),
    ("contact_phone", "联系电话", false),
    ("notes", "备注", false),
    ("window", "窗户", false),
    ("route", "顺序", false),
    ("keyholder", "钥匙保管人", false),
    ("keyholder_phone", "钥匙电话", false),
    ("morning_window", "晨巡时段", false),
    ("evening_window", "夜巡时段", false),
    ("community", "社区", false),
];

/// Further header spellings seen in the wild, mapped to a canonical name: the short `钥匙`, the
/// `elder_id` key that `curtain elders` prints, and the struct's own `window_hint`.
const EXTRA_ALIASES: &[(&str, &str)] = &[
    ("钥匙", "keyholder"),
    ("elder_id", "id"),
    ("window_hint", "window"),
];

/// Header rows are looked for among this many non-empty rows, so that a title row such as
/// `南郊社区独居老人名单` above the header does not hide it.
const HEADER_SCAN: usize = 10;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// Legacy `.xls` files are OLE compound documents.
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Reads and parses a roster file, guessing its kind from its first bytes, then its extension
/// (`.csv`/`.txt` and anything unknown => CSV, `.xlsx`/`.xlsm`/`.xls` => workbook).
pub fn parse_roster_file(path: &Path) -> Result<Vec<RosterRow>, Vec<Problem>> {
    read_roster_file(path).map(|roster| roster.rows)
}

/// [`parse_roster_file`], with what the import should say about the file: its sheets and the
/// office columns left out.
pub fn read_roster_file(path: &Path) -> Result<Roster, Vec<Problem>> {
    let bytes = std::fs::read(path).map_err(|e| {
        vec![Problem::whole_file(ProblemKind::Unreadable(
            Unreadable::of_io(&e),
        ))]
    })?;
    let kind = if bytes.starts_with(ZIP_MAGIC) || bytes.starts_with(OLE_MAGIC) {
        FileKind::Xlsx
    } else {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("xlsx" | "xlsm" | "xls" | "xlsb" | "ods") => FileKind::Xlsx,
            _ => FileKind::Csv,
        }
    };
    read_roster_bytes(&bytes, kind)
}

/// Parses a roster already in memory. All or nothing: either every row, or every problem found.
pub fn parse_roster_bytes(bytes: &[u8], kind: FileKind) -> Result<Vec<RosterRow>, Vec<Problem>> {
    read_roster_bytes(bytes, kind).map(|roster| roster.rows)
}

/// [`parse_roster_bytes`] with the file's sheets and the columns left out. A workbook's visible
/// roster sheets are read together, all or nothing; an id may appear on one sheet only.
pub fn read_roster_bytes(bytes: &[u8], kind: FileKind) -> Result<Roster, Vec<Problem>> {
    let tables = match kind {
        FileKind::Csv => vec![(None, csv::read_table(bytes)?)],
        FileKind::Xlsx => xlsx::read_tables(bytes)?
            .into_iter()
            .map(|(name, rows)| (Some(name), rows))
            .collect(),
    };
    let mut roster = Roster::default();
    let mut problems = Vec::new();
    let mut first_place_of_id: HashMap<String, (Option<String>, usize)> = HashMap::new();
    for (sheet, rows) in tables {
        match rows_from_table(&rows) {
            Ok(table) => {
                for row in &table.rows {
                    if let Some((_, first_line)) = first_place_of_id.get(&row.id) {
                        problems.push(Problem {
                            sheet: sheet.clone(),
                            ..Problem::on_line(
                                row.line,
                                ProblemKind::DuplicateId {
                                    id: row.id.clone(),
                                    first_line: *first_line,
                                },
                            )
                        });
                    } else {
                        first_place_of_id.insert(row.id.clone(), (sheet.clone(), row.line));
                    }
                }
                if let Some(name) = &sheet {
                    roster.sheets.push((name.clone(), table.rows.len()));
                }
                for column in table.ignored {
                    if !roster.ignored_columns.contains(&column) {
                        roster.ignored_columns.push(column);
                    }
                }
                roster.had_id_numbers |= table.had_id_numbers;
                roster.rows.extend(table.rows);
            }
            Err(found) => problems.extend(found.into_iter().map(|problem| Problem {
                sheet: sheet.clone(),
                ..problem
            })),
        }
    }
    if problems.is_empty() {
        Ok(roster)
    } else {
        Err(problems)
    }
}

/// One row of a sheet reduced to text, whatever file it came from.
#[derive(Debug, Clone)]
struct TableRow {
    /// 1-based line (CSV) or row (XLSX), as the admin sees it.
    line: usize,
    /// Cells, each trimmed.
    cells: Vec<String>,
    /// What kind of value each cell held, where the file says (a workbook); empty for text.
    marks: Vec<CellMark>,
}

/// What a workbook cell held besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellMark {
    Plain,
    /// A date, a time or a date and time.
    DateOrTime,
    /// A formula with no calculated value saved.
    FormulaWithoutValue,
}

impl TableRow {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.is_empty())
    }

    fn cell(&self, index: usize) -> &str {
        self.cells.get(index).map_or("", String::as_str)
    }

    fn mark(&self, index: usize) -> CellMark {
        self.marks.get(index).copied().unwrap_or(CellMark::Plain)
    }
}

/// Trims a cell, and unwraps the `="0571…"` trick tools use to keep a phone's leading zero.
fn clean_cell(raw: &str) -> String {
    let t = raw.trim();
    let t = t
        .strip_prefix("=\"")
        .and_then(|s| s.strip_suffix('"'))
        .map_or(t, str::trim);
    t.to_owned()
}

/// Columns that offices keep in their own sheets and curtain has no use for: recognised so that
/// they do not refuse the file, and left out. (canonical English spelling, Chinese spellings)
const OFFICE_COLUMNS: &[&str] = &[
    "序号",
    "编码序号",
    "性别",
    "年龄",
    "出生日期",
    "出生年月",
    "生日",
    "民族",
    "籍贯",
    "户籍",
    "户籍地址",
    "户籍地",
    "政治面貌",
    "文化程度",
    "婚姻状况",
    "健康状况",
    "居住状况",
    "身体状况",
    "低保",
    "是否低保",
    "所属社区",
    "社区",
    "街道",
    "登记日期",
    "填表人",
    "签名",
    "no",
    "seq",
    "sex",
    "gender",
    "age",
    "birthday",
    "date_of_birth",
    "birth_date",
    "ethnicity",
];

/// Headers of ID-card numbers: recognised and never read, so never stored.
const ID_NUMBER_COLUMNS: &[&str] = &[
    "身份证号",
    "身份证号码",
    "身份证",
    "公民身份号码",
    "证件号码",
    "id_card",
    "id_number",
];

/// Traditional characters of the known headers, to their simplified forms: offices in Hong
/// Kong and Taiwan templates, and Big5 sheets, write `編號`, `電話`.
const TRADITIONAL: &[(char, char)] = &[
    ('編', '编'),
    ('號', '号'),
    ('電', '电'),
    ('話', '话'),
    ('網', '网'),
    ('聯', '联'),
    ('繫', '系'),
    ('係', '系'),
    ('緊', '紧'),
    ('備', '备'),
    ('註', '注'),
    ('順', '顺'),
    ('鑰', '钥'),
    ('時', '时'),
    ('齡', '龄'),
    ('別', '别'),
    ('證', '证'),
    ('碼', '码'),
    ('歲', '岁'),
    ('戶', '户'),
    ('籍', '籍'),
    ('貫', '贯'),
    ('況', '况'),
    ('狀', '状'),
    ('體', '体'),
    ('區', '区'),
    ('記', '记'),
    ('錄', '录'),
    ('簽', '签'),
    ('員', '员'),
    ('點', '点'),
    ('門', '门'),
    ('樓', '楼'),
    ('單', '单'),
    ('間', '间'),
    ('窗', '窗'),
];

/// What a header cell names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeaderKind {
    /// A roster column, by its canonical English name.
    Known(&'static str),
    /// An office column left out.
    Ignored,
    /// ID-card numbers: left out, and said so once.
    IdNumber,
    Unknown,
}

/// A header without its template marks (`姓名*（必填）`, `电话(选填)`) and BOM.
fn strip_marks(raw: &str) -> &str {
    let mut h = raw.trim().trim_start_matches('\u{feff}').trim();
    loop {
        let before = h;
        for mark in ["*", "＊", "（必填）", "(必填)", "（选填）", "(选填)"] {
            if let Some(s) = h.strip_suffix(mark) {
                h = s.trim_end();
            }
        }
        if h == before {
            break;
        }
    }
    h
}

/// The header with every space (ASCII and full-width) removed and traditional characters of
/// the known names made simplified: `姓 名` and `電　話` are `姓名` and `电话`.
fn normalised_header(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(traditional, _)| *traditional == c)
                .map_or(c, |(_, simplified)| *simplified)
        })
        .collect()
}

fn english_key(header: &str) -> String {
    header
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn lookup(header: &str) -> HeaderKind {
    let english = english_key(header);
    let known = COLUMNS
        .iter()
        .find(|(en, zh, _)| *en == english || *zh == header)
        .map(|(en, _, _)| *en)
        .or_else(|| {
            EXTRA_ALIASES
                .iter()
                .find(|(alias, _)| *alias == english || *alias == header)
                .map(|(_, en)| *en)
        });
    if let Some(known) = known {
        HeaderKind::Known(known)
    } else if ID_NUMBER_COLUMNS.contains(&header) || ID_NUMBER_COLUMNS.contains(&english.as_str()) {
        HeaderKind::IdNumber
    } else if OFFICE_COLUMNS.contains(&header) || OFFICE_COLUMNS.contains(&english.as_str()) {
        HeaderKind::Ignored
    } else {
        HeaderKind::Unknown
    }
}

fn classify_header(raw: &str) -> HeaderKind {
    let header = strip_marks(raw);
    match lookup(header) {
        HeaderKind::Unknown => lookup(&normalised_header(header)),
        kind => kind,
    }
}

/// The canonical English name for a header cell, if it is one we know.
fn canonical_column(raw: &str) -> Option<&'static str> {
    match classify_header(raw) {
        HeaderKind::Known(canonical) => Some(canonical),
        _ => None,
    }
}

fn is_roster_header(row: &TableRow) -> bool {
    let mut id = false;
    let mut name = false;
    for cell in &row.cells {
        match canonical_column(cell) {
            Some("id") => id = true,
            Some("name") => name = true,
            _ => {}
        }
    }
    id && name
}

/// Index of the header row: the first non-empty row naming both id and name among the first
/// few, else the first non-empty row (whose problems are then reported). `roster_only` asks for
/// a real roster header or nothing, to pick among a workbook's sheets.
fn find_header(rows: &[TableRow], roster_only: bool) -> Option<usize> {
    let mut non_empty = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .map(|(i, _)| i);
    let first = non_empty.next()?;
    let found = std::iter::once(first)
        .chain(non_empty)
        .take(HEADER_SCAN)
        .find(|&i| is_roster_header(&rows[i]));
    match found {
        Some(i) => Some(i),
        None if roster_only => None,
        None => Some(first),
    }
}

/// Where each known column sits in the header.
struct Header {
    line: usize,
    columns: HashMap<&'static str, usize>,
    /// Each known column's header as the file writes it, for messages.
    written: HashMap<&'static str, String>,
    /// Whether each position has header text. Values under an unknown or duplicated header are
    /// passed over, having been reported once at the header.
    named: Vec<bool>,
    /// Every non-empty header cell, in order, for refusals.
    found: Vec<String>,
    /// Office columns left out, as headed.
    ignored: Vec<String>,
    had_id_numbers: bool,
}

fn read_header(row: &TableRow, problems: &mut Vec<Problem>) -> Header {
    let mut columns = HashMap::new();
    let mut written: HashMap<&'static str, String> = HashMap::new();
    let mut ignored = Vec::new();
    let mut had_id_numbers = false;
    for (i, raw) in row.cells.iter().enumerate() {
        if raw.is_empty() {
            // Excel leaves empty cells after the last column; an unnamed column in the middle is
            // treated the same, and values under either are reported as extra cells.
            continue;
        }
        match classify_header(raw) {
            HeaderKind::Known(canon) => {
                if let Some(first) = written.get(canon) {
                    problems.push(Problem::at(
                        row.line,
                        first,
                        ProblemKind::DuplicateColumn(raw.clone()),
                    ));
                } else {
                    columns.insert(canon, i);
                    written.insert(canon, raw.clone());
                }
            }
            HeaderKind::Ignored => ignored.push(raw.clone()),
            HeaderKind::IdNumber => {
                had_id_numbers = true;
                ignored.push(raw.clone());
            }
            HeaderKind::Unknown => {
                problems.push(Problem::at(
                    row.line,
                    raw,
                    ProblemKind::UnknownColumn(raw.clone()),
                ));
            }
        }
    }
    for (canon, _, required) in COLUMNS {
        if *required && !columns.contains_key(canon) {
            problems.push(Problem::on_line(
                row.line,
                ProblemKind::MissingColumn(canon),
            ));
        }
    }
    Header {
        line: row.line,
        columns,
        written,
        named: row.cells.iter().map(|c| !c.is_empty()).collect(),
        found: row
            .cells
            .iter()
            .filter(|c| !c.is_empty())
            .cloned()
            .collect(),
        ignored,
        had_id_numbers,
    }
}

impl Header {
    fn get<'r>(&self, row: &'r TableRow, column: &str) -> Option<&'r str> {
        let value = row.cell(*self.columns.get(column)?);
        (!value.is_empty()).then_some(value)
    }

    fn has(&self, column: &str) -> bool {
        self.columns.contains_key(column)
    }

    /// The column's header as the file writes it.
    fn name<'h>(&'h self, column: &'h str) -> &'h str {
        self.written.get(column).map_or(column, String::as_str)
    }

    fn mark(&self, row: &TableRow, column: &str) -> CellMark {
        self.columns
            .get(column)
            .map_or(CellMark::Plain, |&index| row.mark(index))
    }

    fn has_extra_cells(&self, row: &TableRow) -> bool {
        row.cells
            .iter()
            .enumerate()
            .any(|(i, c)| !c.is_empty() && !self.named.get(i).copied().unwrap_or(false))
    }
}

/// The elders of one table (a text file or one sheet).
struct TableRoster {
    rows: Vec<RosterRow>,
    ignored: Vec<String>,
    had_id_numbers: bool,
}

/// The phone columns, checked as phones.
const PHONE_COLUMNS: &[&str] = &["phone", "contact_phone", "keyholder_phone"];

fn rows_from_table(rows: &[TableRow]) -> Result<TableRoster, Vec<Problem>> {
    let Some(header_index) = find_header(rows, false) else {
        return Err(vec![Problem::whole_file(ProblemKind::EmptyFile)]);
    };
    let mut problems = Vec::new();
    let header = read_header(&rows[header_index], &mut problems);
    let mut first_line_of_id: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    let mut data_rows = 0usize;
    let columns = Field::ALL
        .into_iter()
        .filter(|field| header.has(field.column()))
        .fold(ColumnSet::NONE, ColumnSet::with);

    for row in rows[header_index + 1..].iter().filter(|r| !r.is_blank()) {
        data_rows += 1;
        let before = problems.len();
        let line = row.line;

        if header.has_extra_cells(row) {
            problems.push(Problem::on_line(line, ProblemKind::ExtraCells));
        }
        for (&column, &index) in &header.columns {
            if row.mark(index) == CellMark::FormulaWithoutValue {
                problems.push(Problem::at(
                    line,
                    header.name(column),
                    ProblemKind::FormulaWithoutValue,
                ));
            }
        }

        let id = header.get(row, "id");
        if header.has("id") {
            match id {
                None => problems.push(Problem::at(
                    line,
                    header.name("id"),
                    ProblemKind::MissingValue,
                )),
                Some(id) => {
                    if let Some(&first_line) = first_line_of_id.get(id) {
                        problems.push(Problem::at(
                            line,
                            header.name("id"),
                            ProblemKind::DuplicateId {
                                id: id.to_owned(),
                                first_line,
                            },
                        ));
                    } else {
                        first_line_of_id.insert(id.to_owned(), line);
                    }
                }
            }
        }
        let name = header.get(row, "name");
        if header.has("name") && name.is_none() {
            problems.push(Problem::at(
                line,
                header.name("name"),
                ProblemKind::MissingValue,
            ));
        }

        let route = header.get(row, "route").and_then(|raw| {
            let parsed = parse_route(raw);
            if parsed.is_none() {
                problems.push(Problem::at(
                    line,
                    header.name("route"),
                    ProblemKind::BadRoute(raw.to_owned()),
                ));
            }
            parsed
        });
        let mut window = |column: &str| {
            header.get(row, column).and_then(|raw| {
                let parsed = parse_window(raw);
                if parsed.is_none() {
                    problems.push(Problem::at(
                        line,
                        header.name(column),
                        ProblemKind::BadWindow(raw.to_owned()),
                    ));
                }
                parsed
            })
        };
        let morning_window = window("morning_window");
        let evening_window = window("evening_window");
        let mut phones = HashMap::new();
        for column in PHONE_COLUMNS {
            let Some(raw) = header.get(row, column) else {
                continue;
            };
            let date_cell = header.mark(row, column) == CellMark::DateOrTime;
            match parse_phone(raw, date_cell) {
                Ok(phone) => {
                    phones.insert(*column, phone);
                }
                Err(kind) => problems.push(Problem::at(line, header.name(column), kind)),
            }
        }

        if problems.len() != before {
            continue;
        }
        let (Some(id), Some(name)) = (id, name) else {
            // Only reachable when a required column is missing, which is already reported.
            continue;
        };
        let text = |column: &str| header.get(row, column).map(str::to_owned);
        out.push(RosterRow {
            line,
            id: id.to_owned(),
            name: name.to_owned(),
            address: text("address").unwrap_or_default(),
            grid: text("grid").unwrap_or_default(),
            phone: phones.remove("phone"),
            contact: text("contact"),
            contact_phone: phones.remove("contact_phone"),
            notes: text("notes"),
            window_hint: text("window"),
            route,
            keyholder: text("keyholder"),
            keyholder_phone: phones.remove("keyholder_phone"),
            morning_window,
            evening_window,
            community: text("community"),
            columns,
        });
    }

    if data_rows == 0 {
        problems.push(Problem::on_line(header.line, ProblemKind::EmptyFile));
    }
    if problems.is_empty() {
        Ok(TableRoster {
            rows: out,
            ignored: header.ignored,
            had_id_numbers: header.had_id_numbers,
        })
    } else {
        problems.push(Problem::on_line(
            header.line,
            ProblemKind::HeadersFound(header.found),
        ));
        Err(problems)
    }
}

/// Full-width digits and signs (what a Chinese input method types) as ASCII.
fn half_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '－' | '—' | '–' => '-',
            '＋' => '+',
            '（' => '(',
            '）' => ')',
            '\u{3000}' => ' ',
            c => c,
        })
        .collect()
}

/// A phone as typed: a mobile, a landline with its area code, an extension (`转 302`, `ext 3`,
/// `#3`), digits separated by `-`, spaces or brackets. Full-width digits are made ASCII. What
/// Excel made of a phone (a number in scientific notation, a date, a time) is refused, since the
/// digits typed are lost.
fn parse_phone(raw: &str, date_cell: bool) -> Result<String, ProblemKind> {
    let cleaned = crate::domain::text::clean_line(raw);
    let phone = half_width(cleaned.trim());
    if date_cell {
        return Err(ProblemKind::PhoneDateOrTime(phone));
    }
    let bytes = phone.as_bytes();
    let scientific = phone.contains(['e', 'E'])
        && phone.parse::<f64>().is_ok()
        && bytes.first().is_some_and(u8::is_ascii_digit);
    if scientific {
        return Err(ProblemKind::PhoneScientific(phone));
    }
    let looks_like_date = {
        let parts: Vec<&str> = phone.split(['-', '/', '.']).collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            && parts[0].len() == 4
            && parts[1].len() <= 2
            && parts[2].len() <= 2
    };
    let looks_like_time = parse_time(&phone).is_some()
        || phone
            .split_once(' ')
            .is_some_and(|(_, time)| parse_time(time).is_some());
    if looks_like_date || looks_like_time || phone.contains(['年', '月', '日']) {
        return Err(ProblemKind::PhoneDateOrTime(phone));
    }
    // The number, then an optional extension after its marker.
    let lower = phone.to_ascii_lowercase();
    let (number, extension) = ["转", "分机", "ext.", "ext", "x", "#"]
        .iter()
        .find_map(|marker| lower.split_once(marker))
        .unwrap_or((lower.as_str(), ""));
    let number = number.trim();
    let number_ok = number
        .strip_prefix('+')
        .unwrap_or(number)
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')'))
        && number.bytes().filter(u8::is_ascii_digit).count() >= 3;
    let extension = extension.trim();
    let extension_ok = extension.bytes().all(|b| b.is_ascii_digit() || b == b' ');
    if number_ok && extension_ok {
        Ok(phone)
    } else {
        Err(ProblemKind::BadPhone(phone))
    }
}

/// A whole number; Excel hands back `3.0` or `3` for what the admin typed as 3.
fn parse_route(raw: &str) -> Option<i64> {
    if let Ok(n) = raw.parse::<i64>() {
        return Some(n);
    }
    let f: f64 = raw.parse().ok()?;
    // Beyond 2^53 a float no longer holds every whole number exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= EXACT).then_some(f as i64)
}

/// `07:00-09:30`, with the dashes, tildes and `至`/`到` people type on a Chinese keyboard.
pub fn parse_window(raw: &str) -> Option<(NaiveTime, NaiveTime)> {
    const SEPARATORS: &[char] = &['-', '－', '–', '—', '−', '~', '～', '〜', '至', '到'];
    let (opens, closes) = raw.split_once(SEPARATORS)?;
    // "07:00——09:30" doubles the dash.
    let closes = closes.trim_start().trim_start_matches(SEPARATORS);
    let opens = parse_time(opens)?;
    let closes = parse_time(closes)?;
    (opens < closes).then_some((opens, closes))
}

fn parse_time(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    let (h, m) = raw.split_once([':', '：'])?;
    let digits = |s: &str, min: usize, max: usize| {
        (s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    NaiveTime::from_hms_opt(digits(h, 1, 2)?, digits(m, 2, 2)?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
    }

    pub(super) fn at(line: usize, column: &str, kind: ProblemKind) -> Problem {
        Problem::at(line, column, kind)
    }

    /// A row with only the required fields set.
    pub(super) fn row(line: usize, id: &str, name: &str) -> RosterRow {
        RosterRow {
            line,
            id: id.into(),
            name: name.into(),
            address: String::new(),
            grid: String::new(),
            phone: None,
            contact: None,
            contact_phone: None,
            notes: None,
            window_hint: None,
            route: None,
            keyholder: None,
            keyholder_phone: None,
            morning_window: None,
            evening_window: None,
            community: None,
            columns: ColumnSet::ALL,
        }
    }

    /// Parsed rows with their column sets set aside, to compare field values only (the column
    /// sets have tests of their own).
    pub(super) fn values_only(
        got: Result<Vec<RosterRow>, Vec<Problem>>,
    ) -> Result<Vec<RosterRow>, Vec<Problem>> {
        let got = got.map_err(|problems| {
            problems
                .into_iter()
                .filter(|p| !matches!(p.kind, ProblemKind::HeadersFound(_)))
                .map(|p| Problem { sheet: None, ..p })
                .collect()
        });
        got.map(|rows| {
            rows.into_iter()
                .map(|row| RosterRow {
                    columns: ColumnSet::ALL,
                    ..row
                })
                .collect()
        })
    }

    fn full_row() -> RosterRow {
        RosterRow {
            address: "长青小区 B区 6栋 1单元 302".into(),
            grid: "第一网格".into(),
            phone: Some("0571-88886666".into()),
            contact: Some("李建国".into()),
            contact_phone: Some("13900000001".into()),
            notes: Some("耳背".into()),
            window_hint: Some("朝南阳台，米色窗帘".into()),
            route: Some(3),
            keyholder: Some("邻居张阿姨".into()),
            keyholder_phone: Some("13700000001".into()),
            morning_window: Some((t(9, 0), t(10, 30))),
            evening_window: Some((t(20, 30), t(22, 0))),
            ..row(2, "E001", "王秀英")
        }
    }

    const FULL_VALUES: &str = "E001,王秀英,长青小区 B区 6栋 1单元 302,第一网格,0571-88886666,\
        李建国,13900000001,耳背,\"朝南阳台，米色窗帘\",3,邻居张阿姨,13700000001,09:00-10:30,20:30-22:00";

    fn utf8(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    fn utf16le_bom(s: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    enum Expect {
        Rows(Vec<RosterRow>),
        Problems(Vec<Problem>),
    }

    fn csv_cases() -> Vec<(&'static str, Vec<u8>, Expect)> {
        use Expect::{Problems, Rows};
        use ProblemKind::*;
        let both = |a: RosterRow, b: RosterRow| vec![a, b];
        vec![
            (
                "utf-8, phone keeps its leading zero",
                utf8("id,name,phone\n1,张三,0571-88886666\n2,李四,013800000000\n"),
                Rows(both(
                    RosterRow {
                        phone: Some("0571-88886666".into()),
                        ..row(2, "1", "张三")
                    },
                    RosterRow {
                        phone: Some("013800000000".into()),
                        ..row(3, "2", "李四")
                    },
                )),
            ),
            (
                "utf-8 with BOM, BOM not part of the first header",
                [
                    b"\xEF\xBB\xBF".as_slice(),
                    "编号,姓名\r\n1,王五\r\n".as_bytes(),
                ]
                .concat(),
                Rows(vec![row(2, "1", "王五")]),
            ),
            (
                "gbk bytes, Chinese names and addresses intact",
                gbk("编号,姓名,地址,网格\r\nE1,赵大爷,长青小区 B区 6栋 1单元 302,第一网格\r\n"),
                Rows(vec![RosterRow {
                    address: "长青小区 B区 6栋 1单元 302".into(),
                    grid: "第一网格".into(),
                    ..row(2, "E1", "赵大爷")
                }]),
            ),
            (
                "english headers, every column",
                utf8(&format!(
                    "id,name,address,grid,phone,contact,contact_phone,notes,window,route,\
                     keyholder,keyholder_phone,morning_window,evening_window\n{FULL_VALUES}\n"
                )),
                Rows(vec![full_row()]),
            ),
            (
                "chinese headers, every column",
                utf8(&format!(
                    "编号,姓名,地址,网格,电话,紧急联系人,联系电话,备注,窗户,顺序,\
                     钥匙保管人,钥匙电话,晨巡时段,夜巡时段\n{FULL_VALUES}\n"
                )),
                Rows(vec![full_row()]),
            ),
            (
                "mixed case english headers, spaces for underscores",
                utf8("ID,Name,Contact Phone,KEYHOLDER\n7,Wang,139,Li\n"),
                Rows(vec![RosterRow {
                    contact_phone: Some("139".into()),
                    keyholder: Some("Li".into()),
                    ..row(2, "7", "Wang")
                }]),
            ),
            (
                "required marks and the short 钥匙 alias",
                utf8("编号*,姓名（必填）,电话(选填),钥匙\n1,张三,138,王邻居\n"),
                Rows(vec![RosterRow {
                    phone: Some("138".into()),
                    keyholder: Some("王邻居".into()),
                    ..row(2, "1", "张三")
                }]),
            ),
            (
                "cells and headers are trimmed",
                utf8("  编号 , 姓名 \n 1 ,  张三  \n"),
                Rows(vec![row(2, "1", "张三")]),
            ),
            (
                "trailing empty header cells and empty rows from Excel",
                utf8("编号,姓名,,,\n1,张三,,,\n,,,,\n\n2,李四,,,\n"),
                Rows(both(row(2, "1", "张三"), row(5, "2", "李四"))),
            ),
            (
                "tab-separated",
                utf8("编号\t姓名\t地址\n1\t张三\t长青小区, 6栋\n"),
                Rows(vec![RosterRow {
                    address: "长青小区, 6栋".into(),
                    ..row(2, "1", "张三")
                }]),
            ),
            (
                "utf-16le with BOM, tab-separated (Excel unicode text)",
                utf16le_bom("编号\t姓名\r\n1\t张三\r\n"),
                Rows(vec![row(2, "1", "张三")]),
            ),
            (
                "full-width comma is not a delimiter",
                utf8("编号,姓名,备注\n1,张三,耳背，腿脚不便\n"),
                Rows(vec![RosterRow {
                    notes: Some("耳背，腿脚不便".into()),
                    ..row(2, "1", "张三")
                }]),
            ),
            (
                "title row above the header is skipped",
                utf8("南郊社区独居老人名单,,\n编号,姓名,地址\n1,张三,\n"),
                Rows(vec![row(3, "1", "张三")]),
            ),
            (
                "=\"…\" keeps a leading zero",
                utf8("编号,姓名,电话\n1,张三,=\"057188886666\"\n"),
                Rows(vec![RosterRow {
                    phone: Some("057188886666".into()),
                    ..row(2, "1", "张三")
                }]),
            ),
            (
                "route 3.0 is 3",
                utf8("编号,姓名,顺序\n1,张三,3.0\n2,李四, 12 \n"),
                Rows(both(
                    RosterRow {
                        route: Some(3),
                        ..row(2, "1", "张三")
                    },
                    RosterRow {
                        route: Some(12),
                        ..row(3, "2", "李四")
                    },
                )),
            ),
            (
                "window separators and H:MM",
                utf8(
                    "编号,姓名,晨巡时段,夜巡时段\n\
                     1,张三,7:30～9:00,19:00至21:30\n\
                     2,李四,07:00 ~ 09:30,20：00——22：00\n\
                     3,王五,8:00–9:00,\n",
                ),
                Rows(vec![
                    RosterRow {
                        morning_window: Some((t(7, 30), t(9, 0))),
                        evening_window: Some((t(19, 0), t(21, 30))),
                        ..row(2, "1", "张三")
                    },
                    RosterRow {
                        morning_window: Some((t(7, 0), t(9, 30))),
                        evening_window: Some((t(20, 0), t(22, 0))),
                        ..row(3, "2", "李四")
                    },
                    RosterRow {
                        morning_window: Some((t(8, 0), t(9, 0))),
                        ..row(4, "3", "王五")
                    },
                ]),
            ),
            (
                "missing name names its line and column",
                utf8("编号,姓名\n1,张三\n2,\n3,  \n"),
                Problems(vec![
                    at(3, "姓名", MissingValue),
                    at(4, "姓名", MissingValue),
                ]),
            ),
            (
                "missing id",
                utf8("id,name\n,张三\n"),
                Problems(vec![at(2, "id", MissingValue)]),
            ),
            (
                "duplicate id names both lines",
                utf8("编号,姓名\nE1,张三\nE2,李四\nE1,王五\n"),
                Problems(vec![at(
                    4,
                    "编号",
                    DuplicateId {
                        id: "E1".into(),
                        first_line: 2,
                    },
                )]),
            ),
            (
                "unknown column",
                utf8("编号,姓名,楼长\n1,张三,1\n"),
                Problems(vec![at(1, "楼长", UnknownColumn("楼长".into()))]),
            ),
            (
                "duplicate column",
                utf8("编号,姓名,钥匙保管人,钥匙\n1,张三,李,王\n"),
                Problems(vec![at(1, "钥匙保管人", DuplicateColumn("钥匙".into()))]),
            ),
            (
                "missing required column, rows still checked",
                utf8("编号,地址,顺序\n1,长青小区,x\n"),
                Problems(vec![
                    Problem {
                        column: None,
                        ..at(1, "", MissingColumn("name"))
                    },
                    at(2, "顺序", BadRoute("x".into())),
                ]),
            ),
            (
                "empty file",
                Vec::new(),
                Problems(vec![Problem::whole_file(EmptyFile)]),
            ),
            (
                "only blank lines and commas",
                utf8("\n , ,\n\r\n"),
                Problems(vec![Problem::whole_file(EmptyFile)]),
            ),
            (
                "header only",
                utf8("编号,姓名,地址\n,,\n"),
                Problems(vec![Problem {
                    sheet: None,
                    line: Some(1),
                    column: None,
                    kind: EmptyFile,
                }]),
            ),
            (
                "bad route",
                utf8("编号,姓名,顺序\n1,张三,三\n2,李四,3.5\n"),
                Problems(vec![
                    at(2, "顺序", BadRoute("三".into())),
                    at(3, "顺序", BadRoute("3.5".into())),
                ]),
            ),
            (
                "bad window",
                utf8(
                    "编号,姓名,晨巡时段,夜巡时段\n\
                     1,张三,9:00-8:00,21:00-21:00\n\
                     2,李四,早上,19:30-24:00\n\
                     3,王五,7:5-9:00,7-9\n",
                ),
                Problems(vec![
                    at(2, "晨巡时段", BadWindow("9:00-8:00".into())),
                    at(2, "夜巡时段", BadWindow("21:00-21:00".into())),
                    at(3, "晨巡时段", BadWindow("早上".into())),
                    at(3, "夜巡时段", BadWindow("19:30-24:00".into())),
                    at(4, "晨巡时段", BadWindow("7:5-9:00".into())),
                    at(4, "夜巡时段", BadWindow("7-9".into())),
                ]),
            ),
            (
                "extra cells beyond the header, empty ones ignored",
                utf8("编号,姓名\n1,张三,,\n2,李四,多余\n"),
                Problems(vec![Problem {
                    sheet: None,
                    line: Some(3),
                    column: None,
                    kind: ExtraCells,
                }]),
            ),
            (
                "quoted cell over two lines: later lines keep physical numbers",
                utf8("id,name,notes\n1,A,\"two\nlines\"\n2,,x\n"),
                Problems(vec![at(4, "name", MissingValue)]),
            ),
            (
                "CRLF, blank lines and a quoted CRLF cell keep physical line numbers",
                utf8("\r\n编号,姓名,备注\r\n\r\n1,,\"a\r\nb\"\r\n\r\n2,,x\r\n"),
                Problems(vec![
                    at(4, "姓名", MissingValue),
                    at(7, "姓名", MissingValue),
                ]),
            ),
            (
                "lone CR line ends (old Mac Excel)",
                utf8("编号,姓名\r1,张三\r2,\r"),
                Problems(vec![at(3, "姓名", MissingValue)]),
            ),
            (
                "values under an unnamed column are extra cells",
                utf8("编号,,姓名\n1,,张三\n2,x,李四\n"),
                Problems(vec![Problem {
                    sheet: None,
                    line: Some(3),
                    column: None,
                    kind: ExtraCells,
                }]),
            ),
            (
                "every problem in the file is collected",
                utf8("编号,姓名,楼长\n1,,80\n1,李四,\n,王五\n"),
                Problems(vec![
                    at(1, "楼长", UnknownColumn("楼长".into())),
                    at(2, "姓名", MissingValue),
                    at(
                        3,
                        "编号",
                        DuplicateId {
                            id: "1".into(),
                            first_line: 2,
                        },
                    ),
                    at(4, "编号", MissingValue),
                ]),
            ),
            (
                "not text in any supported encoding",
                vec![b'i', b'd', b',', 0x81, 0x20, 0xFF],
                Problems(vec![Problem::whole_file(Unreadable(
                    super::Unreadable::UnknownEncoding,
                ))]),
            ),
            (
                "binary data",
                vec![b'P', b'K', 3, 4, 0, 0, 0, 0],
                Problems(vec![Problem::whole_file(Unreadable(
                    super::Unreadable::Binary,
                ))]),
            ),
        ]
    }

    #[test]
    fn csv_table() {
        for (name, bytes, expect) in csv_cases() {
            let got = values_only(parse_roster_bytes(&bytes, FileKind::Csv));
            match expect {
                Expect::Rows(rows) => assert_eq!(got, Ok(rows), "case: {name}"),
                Expect::Problems(problems) => assert_eq!(got, Err(problems), "case: {name}"),
            }
        }
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    #[test]
    fn a_row_knows_which_columns_its_sheet_has() {
        let rows = parse_roster_bytes(b"id,name,phone,grid\n1,A,,\n", FileKind::Csv);
        let columns = rows.map(|rows| rows[0].columns);
        let want = ColumnSet::NONE.with(Field::Phone).with(Field::Grid);
        assert_eq!(columns, Ok(want));
        for field in Field::ALL {
            assert!(canonical_column(field.column()) == Some(field.column()));
        }
    }

    #[test]
    fn office_columns_are_left_out_and_headers_read_as_people_write_them() {
        let text = "序号,编号,姓 名,性别,年龄,身份证号,電話,联系\u{3000}电话\n\
                    1,E1,王秀英,女,82,330102194201011234,１３８００１３８０００,0571-88886666 转 302\n";
        let roster = read_roster_bytes(text.as_bytes(), FileKind::Csv).unwrap_or_default();
        assert_eq!(roster.rows.len(), 1);
        assert_eq!(roster.rows[0].phone.as_deref(), Some("13800138000"));
        assert_eq!(
            roster.rows[0].contact_phone.as_deref(),
            Some("0571-88886666 转 302")
        );
        assert_eq!(roster.ignored_columns, ["序号", "性别", "年龄", "身份证号"]);
        assert!(roster.had_id_numbers);
        let stored = format!("{:?}", roster.rows);
        assert!(!stored.contains("330102194201011234"), "{stored}");
    }

    #[test]
    fn phones_that_excel_mangled_are_refused_with_their_line_and_header() {
        use ProblemKind::*;
        let text =
            "编号,姓名,电话\n1,张三,1.38E+10\n2,李四,2024-03-01\n3,王五,8:30\n4,赵六,打不通\n";
        let got = parse_roster_bytes(text.as_bytes(), FileKind::Csv);
        let Err(problems) = got else {
            panic!("refused: {got:?}");
        };
        assert_eq!(
            problems[..4],
            [
                at(2, "电话", PhoneScientific("1.38E+10".into())),
                at(3, "电话", PhoneDateOrTime("2024-03-01".into())),
                at(4, "电话", PhoneDateOrTime("8:30".into())),
                at(5, "电话", BadPhone("打不通".into())),
            ]
        );
        assert_eq!(
            problems[4].kind,
            HeadersFound(vec!["编号".into(), "姓名".into(), "电话".into()])
        );
    }

    #[test]
    fn big5_text_is_read_as_big5_not_as_mojibake() {
        let text = "編號,姓名,地址,電話\r\nT1,陳桂蘭,臺北市 信義路 5號,02-27208889\r\n";
        let (bytes, _, unmappable) = encoding_rs::BIG5.encode(text);
        assert!(!unmappable);
        let rows = parse_roster_bytes(&bytes, FileKind::Csv).unwrap_or_default();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].name, "陳桂蘭");
        assert_eq!(rows[0].address, "臺北市 信義路 5號");
    }

    #[test]
    fn gbk_fixture_reads_every_elder() {
        let rows = parse_roster_file(&fixture("roster-gbk.csv")).unwrap_or_default();
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["王秀英", "刘德明", "陈桂兰", "赵大爷", "孙玉珍"]);
        let second = &rows[1];
        assert_eq!(second.address, "长青小区 B区 6栋 2单元 501");
        assert_eq!(second.grid, "第一网格");
        assert_eq!(second.phone.as_deref(), Some("0571-88880002"));
        assert_eq!(second.morning_window, Some((t(9, 0), t(10, 30))));
        assert_eq!(second.route, Some(2));
    }

    #[test]
    fn bad_fixture_names_every_problem() {
        use ProblemKind::*;
        // 年龄 is an office column, left out; the header row is listed with the problems.
        assert_eq!(
            parse_roster_file(&fixture("roster-bad.csv")),
            Err(vec![
                at(3, "姓名", MissingValue),
                at(
                    5,
                    "编号",
                    DuplicateId {
                        id: "E001".into(),
                        first_line: 2
                    }
                ),
                Problem::on_line(
                    1,
                    HeadersFound(
                        ["编号", "姓名", "地址", "网格", "电话", "年龄"]
                            .map(String::from)
                            .to_vec()
                    )
                ),
            ])
        );
    }

    #[test]
    fn missing_file_is_unreadable() {
        let got = parse_roster_file(Path::new("/nonexistent/roster.csv"));
        assert!(
            matches!(
                got.as_ref().map_err(Vec::as_slice),
                Err([Problem {
                    kind: ProblemKind::Unreadable(super::Unreadable::NotFound),
                    ..
                }])
            ),
            "{got:?}"
        );
    }

    #[test]
    fn columns_cover_every_field_once() {
        for (en, zh, _) in COLUMNS {
            assert_eq!(canonical_column(en), Some(*en));
            assert_eq!(canonical_column(zh), Some(*en));
        }
        let required: Vec<&str> = COLUMNS.iter().filter(|c| c.2).map(|c| c.0).collect();
        assert_eq!(required, ["id", "name"]);
    }

    proptest::proptest! {
        #[test]
        fn no_panic_on_any_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse_roster_bytes(&bytes, FileKind::Csv);
            let _ = parse_roster_bytes(&bytes, FileKind::Xlsx);
        }

        #[test]
        fn no_panic_on_any_text(text in "(编号|姓名|id|name|顺序|晨巡时段|[,\t\"\n ]|[0-9:~至-]|.){0,80}") {
            let _ = parse_roster_bytes(text.as_bytes(), FileKind::Csv);
            let _ = parse_roster_bytes(&encoding_rs::GBK.encode(&text).0, FileKind::Csv);
        }
    }
}
