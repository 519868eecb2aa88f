//! Roster files in: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) and XLSX, with Chinese or English
//! headers, parsed all-or-nothing into [`RosterRow`]s. Every problem is collected with its line and
//! column so the admin can fix the whole file in one pass. Nothing here touches the database.

use chrono::NaiveTime;

/// One elder as the office's sheet describes them. Optional text fields are `None` when the cell
/// is empty (after trimming).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// 1-based line (CSV) or row (XLSX) number in the file, for messages.
    pub line: usize,
    pub id: String,
    pub name: String,
    pub address: String,
    pub grid: String,
    pub phone: Option<String>,
    pub contact: Option<String>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    pub window_hint: Option<String>,
    pub route: Option<i64>,
    pub keyholder: Option<String>,
    pub keyholder_phone: Option<String>,
    /// The elder's own morning window, replacing the community's: (opens, closes).
    pub morning_window: Option<(NaiveTime, NaiveTime)>,
    pub evening_window: Option<(NaiveTime, NaiveTime)>,
}

/// What is wrong with one place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// The file has no header row or no data rows.
    EmptyFile,
    /// The file cannot be read as text in any supported encoding, or is not a workbook.
    Unreadable(String),
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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    /// The column's canonical English name (`name`, `route`…) or the raw header text.
    pub column: Option<String>,
    pub kind: ProblemKind,
}

/// Placeholder until the parser lands.
pub fn parse_roster_file(_path: &std::path::Path) -> Result<Vec<RosterRow>, Vec<Problem>> {
    Err(vec![])
}
