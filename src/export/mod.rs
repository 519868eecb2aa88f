//! Ledgers out: the report (台账) as CSV or XLSX, and printable route sheets.

pub mod report;
pub mod sheet;
