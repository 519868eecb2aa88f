//! Workbooks, through calamine. Cells are turned into the text the admin sees in Excel, so that the
//! rest of the parser treats a workbook exactly like a CSV file.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Range, Reader, open_workbook_auto_from_rs};

use super::{Problem, ProblemKind, TableRow, clean_cell, find_header};

fn unreadable(detail: String) -> Vec<Problem> {
    vec![Problem::whole_file(ProblemKind::Unreadable(detail))]
}

pub(super) fn read_table(bytes: &[u8]) -> Result<Vec<TableRow>, Vec<Problem>> {
    // calamine parses zip and XML from an untrusted file; a panic deep inside it must still end as
    // a message to the admin, not a crash of the command.
    catch_unwind(AssertUnwindSafe(|| read_workbook(bytes))).unwrap_or_else(|_| {
        Err(unreadable(
            "the workbook is damaged and could not be read".to_owned(),
        ))
    })
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<TableRow>, Vec<Problem>> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| {
        unreadable("not an Excel workbook (.xlsx or .xls); save it again from Excel".to_owned())
    })?;
    let names = workbook.sheet_names();
    for name in &names {
        // A chart sheet or a damaged sheet holds no roster; the next sheet may.
        let Ok(range) = workbook.worksheet_range(name) else {
            continue;
        };
        let rows = table_rows(&range);
        if find_header(&rows, true).is_some() {
            return Ok(rows);
        }
    }
    Err(vec![Problem::whole_file(ProblemKind::NoRosterSheet(names))])
}

fn table_rows(range: &Range<Data>) -> Vec<TableRow> {
    // calamine's range starts at the first used cell; Excel numbers rows from 1.
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    range
        .rows()
        .enumerate()
        .map(|(i, cells)| TableRow {
            line: first_row + i + 1,
            cells: cells.iter().map(|c| clean_cell(&cell_text(c))).collect(),
        })
        .collect()
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            let serial = dt.as_f64();
            let time = if s == 0 {
                format!("{h:02}:{mi:02}")
            } else {
                format!("{h:02}:{mi:02}:{s:02}")
            };
            if dt.is_duration() || (0.0..1.0).contains(&serial) {
                time
            } else if serial.fract() == 0.0 {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {time}")
            }
        }
        Data::Error(e) => e.to_string(),
    }
}

/// A number as Excel shows it: phones and ids typed into number cells come back as floats
/// (13812345678.0, 12.0) and must read as the digits that were typed.
fn number_text(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    // Excel keeps 15 significant digits; more would show binary noise (0.30000000000000004).
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    rounded.to_string()
}

#[cfg(test)]
mod tests {
    use super::super::tests::{at, row, values_only};
    use super::super::{FileKind, RosterRow, parse_roster_bytes, parse_roster_file};
    use super::*;
    use chrono::NaiveTime;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

    #[derive(Clone, Copy)]
    enum Cell {
        S(&'static str),
        N(f64),
        B(bool),
        Date(u16, u8, u8),
        Blank,
    }
    use Cell::{B, Blank, Date, N, S};

    type Sheet = (&'static str, Vec<Vec<Cell>>);

    /// A workbook with the given sheets; rows and columns from A1.
    fn workbook(sheets: &[Sheet]) -> Vec<u8> {
        let mut wb = Workbook::new();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (name, rows) in sheets {
            let ws = wb.add_worksheet();
            ws.set_name(*name).expect("sheet name");
            for (r, cells) in rows.iter().enumerate() {
                for (c, cell) in cells.iter().enumerate() {
                    let (r, c) = (r as u32, c as u16);
                    match *cell {
                        S(s) => ws.write_string(r, c, s).map(|_| ()),
                        N(n) => ws.write_number(r, c, n).map(|_| ()),
                        B(b) => ws.write_boolean(r, c, b).map(|_| ()),
                        Date(y, m, d) => ExcelDateTime::from_ymd(y, m, d)
                            .and_then(|dt| ws.write_datetime_with_format(r, c, dt, &date))
                            .map(|_| ()),
                        Blank => Ok(()),
                    }
                    .expect("cell");
                }
            }
        }
        wb.save_to_buffer().expect("workbook")
    }

    fn roster() -> Vec<Vec<Cell>> {
        vec![
            vec![S("编号"), S("姓名"), S("地址")],
            vec![S("E1"), S("王秀英"), S("长青小区 B区 6栋 1单元 302")],
        ]
    }

    type Outcome = Result<Vec<RosterRow>, Vec<Problem>>;

    fn cases() -> Vec<(&'static str, Vec<u8>, Outcome)> {
        use ProblemKind::*;
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        let roster_row = RosterRow {
            address: "长青小区 B区 6栋 1单元 302".into(),
            ..row(2, "E1", "王秀英")
        };
        vec![
            (
                "numeric id, phone and route cells read as typed",
                workbook(&[(
                    "名单",
                    vec![
                        vec![
                            S("ID"),
                            S("Name"),
                            S("Phone"),
                            S("Route"),
                            S("Morning_Window"),
                        ],
                        vec![
                            N(12.0),
                            S("王秀英"),
                            N(13812345678.0),
                            N(3.0),
                            S("8:00-9:30"),
                        ],
                        vec![N(7.0), S("刘德明"), S("0571-88880002"), Blank, Blank],
                    ],
                )]),
                Ok(vec![
                    RosterRow {
                        phone: Some("13812345678".into()),
                        route: Some(3),
                        morning_window: Some((t(8, 0), t(9, 30))),
                        ..row(2, "12", "王秀英")
                    },
                    RosterRow {
                        phone: Some("0571-88880002".into()),
                        ..row(3, "7", "刘德明")
                    },
                ]),
            ),
            (
                "dates and booleans become their text",
                workbook(&[(
                    "Sheet1",
                    vec![
                        vec![S("编号"), S("姓名"), S("备注"), S("窗户")],
                        vec![S("1"), S("张三"), Date(2024, 3, 1), B(true)],
                        vec![S("2"), S("李四"), N(0.1 + 0.2), N(2.5)],
                    ],
                )]),
                Ok(vec![
                    RosterRow {
                        notes: Some("2024-03-01".into()),
                        window_hint: Some("TRUE".into()),
                        ..row(2, "1", "张三")
                    },
                    RosterRow {
                        notes: Some("0.3".into()),
                        window_hint: Some("2.5".into()),
                        ..row(3, "2", "李四")
                    },
                ]),
            ),
            (
                "roster on the second sheet",
                workbook(&[
                    (
                        "填表说明",
                        vec![vec![S("请勿修改表头")], vec![S("姓名必填")]],
                    ),
                    ("名单", roster()),
                ]),
                Ok(vec![roster_row.clone()]),
            ),
            (
                "no sheet has a roster header",
                workbook(&[
                    (
                        "Sheet1",
                        vec![vec![S("姓名"), S("地址")], vec![S("张三"), S("x")]],
                    ),
                    ("统计", vec![vec![S("合计"), N(289.0)]]),
                    ("空表", vec![]),
                ]),
                Err(vec![Problem::whole_file(NoRosterSheet(vec![
                    "Sheet1".into(),
                    "统计".into(),
                    "空表".into(),
                ]))]),
            ),
            (
                "rows numbered as Excel shows them, below a title and from column B",
                workbook(&[(
                    "名单",
                    vec![
                        vec![Blank, S("南郊社区独居老人名单")],
                        vec![],
                        vec![Blank, S("编号"), S("姓名")],
                        vec![Blank, S("1"), S("张三")],
                        vec![Blank, S("2"), Blank],
                    ],
                )]),
                Err(vec![at(5, "name", MissingValue)]),
            ),
            (
                "a number id and the same id as text are duplicates",
                workbook(&[(
                    "名单",
                    vec![
                        vec![S("编号"), S("姓名")],
                        vec![N(12.0), S("张三")],
                        vec![S("12"), S("李四")],
                    ],
                )]),
                Err(vec![at(
                    3,
                    "id",
                    DuplicateId {
                        id: "12".into(),
                        first_line: 2,
                    },
                )]),
            ),
            (
                "header only",
                workbook(&[("名单", vec![vec![S("编号"), S("姓名")]])]),
                Err(vec![Problem {
                    line: Some(1),
                    column: None,
                    kind: EmptyFile,
                }]),
            ),
            (
                "not a workbook",
                b"PK\x03\x04 not really a zip".to_vec(),
                Err(vec![Problem::whole_file(Unreadable(
                    "not an Excel workbook (.xlsx or .xls); save it again from Excel".into(),
                ))]),
            ),
        ]
    }

    #[test]
    fn xlsx_table() {
        for (name, bytes, expect) in cases() {
            assert_eq!(
                values_only(parse_roster_bytes(&bytes, FileKind::Xlsx)),
                expect,
                "case: {name}"
            );
        }
    }

    #[test]
    fn file_kind_is_sniffed_before_the_extension() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let misnamed = dir.path().join("roster.csv");
        std::fs::write(&misnamed, workbook(&[("名单", roster())]))?;
        assert_eq!(parse_roster_file(&misnamed).map(|r| r.len()), Ok(1));

        let text = dir.path().join("roster.txt");
        std::fs::write(&text, "编号\t姓名\n1\t张三\n")?;
        assert_eq!(parse_roster_file(&text).map(|r| r.len()), Ok(1));
        Ok(())
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        for (f, want) in [
            (13812345678.0, "13812345678"),
            (3.0, "3"),
            (-2.0, "-2"),
            (0.5, "0.5"),
            (1e20, "100000000000000000000"),
            (f64::NAN, "NaN"),
        ] {
            assert_eq!(number_text(f), want, "{f}");
        }
    }
}
