//! One elder's row of the roster as an import or a form gives it, and which of its optional
//! fields the source had at all: the shape `import` parses into and `store` writes from, so
//! neither depends on the other; and the building an address names.

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
    /// The community the elder lives in (`社区`); `None`: the configured community.
    pub community: Option<String>,
    /// The columns the row's sheet has. A re-import leaves a field whose column is absent as it
    /// was, and clears one whose cell is present but empty.
    pub columns: ColumnSet,
}

/// A field of the roster that a sheet may or may not have a column for (the id and the name
/// are always there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Address,
    Grid,
    Phone,
    Contact,
    ContactPhone,
    Notes,
    Window,
    Route,
    Keyholder,
    KeyholderPhone,
    MorningWindow,
    EveningWindow,
    Community,
}

impl Field {
    pub const ALL: [Field; 13] = [
        Field::Address,
        Field::Grid,
        Field::Phone,
        Field::Contact,
        Field::ContactPhone,
        Field::Notes,
        Field::Window,
        Field::Route,
        Field::Keyholder,
        Field::KeyholderPhone,
        Field::MorningWindow,
        Field::EveningWindow,
        Field::Community,
    ];

    /// The column's canonical English name, as in `import::COLUMNS`.
    pub fn column(self) -> &'static str {
        match self {
            Field::Address => "address",
            Field::Grid => "grid",
            Field::Phone => "phone",
            Field::Contact => "contact",
            Field::ContactPhone => "contact_phone",
            Field::Notes => "notes",
            Field::Window => "window",
            Field::Route => "route",
            Field::Keyholder => "keyholder",
            Field::KeyholderPhone => "keyholder_phone",
            Field::MorningWindow => "morning_window",
            Field::EveningWindow => "evening_window",
            Field::Community => "community",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Which of the optional [`Field`]s a sheet has columns for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSet(u16);

impl ColumnSet {
    /// Every column: a row that describes the whole elder (a form, a generated roster).
    pub const ALL: ColumnSet = ColumnSet(u16::MAX);
    /// Only the id and the name.
    pub const NONE: ColumnSet = ColumnSet(0);

    pub fn with(self, field: Field) -> ColumnSet {
        ColumnSet(self.0 | field.bit())
    }

    pub fn contains(self, field: Field) -> bool {
        self.0 & field.bit() != 0
    }
}

/// The part of a building's address that names the building (`长青小区 B区 6栋`), for grouping
/// the route by building.
pub fn building_of(address: &str) -> String {
    for marker in ["号楼", "栋", "幢", "座"] {
        if let Some(index) = address.find(marker) {
            return address[..index + marker.len()].trim().to_string();
        }
    }
    address
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildings_are_read_from_addresses() {
        let cases = [
            ("长青小区 B区 6栋 1单元 302", "长青小区 B区 6栋"),
            ("长青小区 12号楼 302", "长青小区 12号楼"),
            ("幸福里 3幢 101", "幸福里 3幢"),
            ("somewhere 5", "somewhere"),
            ("", ""),
        ];
        for (address, want) in cases {
            assert_eq!(building_of(address), want, "{address}");
        }
    }
}
