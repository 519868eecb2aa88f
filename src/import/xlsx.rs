//! Workbooks, through calamine. Cells are turned into the text the admin sees in Excel, so that the
//! rest of the parser treats a workbook exactly like a CSV file.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Range, Reader, SheetType, SheetVisible, open_workbook_auto_from_rs};

use super::{CellMark, Problem, ProblemKind, TableRow, Unreadable, clean_cell, find_header};

fn unreadable(why: Unreadable) -> Vec<Problem> {
    vec![Problem::whole_file(ProblemKind::Unreadable(why))]
}

/// Every visible worksheet that holds a roster header, by name, in the workbook's order.
pub(super) fn read_tables(bytes: &[u8]) -> Result<Vec<(String, Vec<TableRow>)>, Vec<Problem>> {
    // calamine parses zip and XML from an untrusted file; a panic deep inside it must still end as
    // a message to the admin, not a crash of the command.
    catch_unwind(AssertUnwindSafe(|| read_workbook(bytes)))
        .unwrap_or_else(|_| Err(unreadable(Unreadable::DamagedWorkbook)))
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<(String, Vec<TableRow>)>, Vec<Problem>> {
    let mut workbook = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|_| unreadable(Unreadable::NotAWorkbook))?;
    // Hidden sheets (an old roster kept out of sight, a lookup list) and chart sheets are not
    // the roster the office sees.
    let visible: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|sheet| sheet.visible == SheetVisible::Visible && sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect();
    let mut tables = Vec::new();
    let mut problems = Vec::new();
    let mut first_rows = Vec::new();
    for name in &visible {
        let Ok(range) = workbook.worksheet_range(name) else {
            problems.push(Problem {
                sheet: Some(name.clone()),
                ..Problem::whole_file(ProblemKind::SheetUnreadable)
            });
            continue;
        };
        let formulas = workbook.worksheet_formula(name).ok();
        let rows = table_rows(&range, formulas.as_ref());
        if find_header(&rows, true).is_some() {
            tables.push((name.clone(), rows));
        } else if let Some(first) = rows.iter().find(|row| !row.is_blank()) {
            first_rows.push((name.clone(), first.clone()));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if tables.is_empty() {
        let mut problems = vec![Problem::whole_file(ProblemKind::NoRosterSheet(visible))];
        for (name, row) in first_rows {
            problems.push(Problem {
                sheet: Some(name),
                ..Problem::on_line(
                    row.line,
                    ProblemKind::HeadersFound(
                        row.cells.into_iter().filter(|c| !c.is_empty()).collect(),
                    ),
                )
            });
        }
        return Err(problems);
    }
    Ok(tables)
}

fn table_rows(range: &Range<Data>, formulas: Option<&Range<String>>) -> Vec<TableRow> {
    // calamine's range starts at the first used cell; Excel numbers rows from 1.
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let formula_at = |row: usize, column: usize| {
        let at = (first_row + row as u32, first_column + column as u32);
        formulas
            .and_then(|formulas| formulas.get_value(at))
            .is_some_and(|formula| !formula.is_empty())
    };
    range
        .rows()
        .enumerate()
        .map(|(i, cells)| TableRow {
            line: first_row as usize + i + 1,
            cells: cells.iter().map(|c| clean_cell(&cell_text(c))).collect(),
            marks: cells
                .iter()
                .enumerate()
                .map(|(j, cell)| match cell {
                    Data::Empty if formula_at(i, j) => CellMark::FormulaWithoutValue,
                    Data::String(text) if text.is_empty() && formula_at(i, j) => {
                        CellMark::FormulaWithoutValue
                    }
                    Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
                        CellMark::DateOrTime
                    }
                    _ => CellMark::Plain,
                })
                .collect(),
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
    use super::super::{
        FileKind, RosterRow, parse_roster_bytes, parse_roster_file, read_roster_bytes,
    };
    use super::*;
    use chrono::NaiveTime;
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

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
                Err(vec![at(5, "姓名", MissingValue)]),
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
                    "编号",
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
                    sheet: None,
                    line: Some(1),
                    column: None,
                    kind: EmptyFile,
                }]),
            ),
            (
                "not a workbook",
                b"PK\x03\x04 not really a zip".to_vec(),
                Err(vec![Problem::whole_file(Unreadable(
                    super::Unreadable::NotAWorkbook,
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
    fn hidden_sheets_are_skipped_and_every_visible_roster_sheet_is_read() -> Result<(), XlsxError> {
        let mut wb = Workbook::new();
        for (sheet, id, name) in [("第一网格", "A1", "王秀英"), ("第二网格", "B1", "刘德明")]
        {
            let ws = wb.add_worksheet().set_name(sheet)?;
            ws.write_row(0, 0, ["编号", "姓名", "网格"])?;
            ws.write_row(1, 0, [id, name, sheet])?;
            if sheet == "第一网格" {
                // An old roster kept out of sight between the grids' sheets.
                let old = wb.add_worksheet().set_name("旧名单")?;
                old.write_row(0, 0, ["编号", "姓名"])?;
                old.write_row(1, 0, ["OLD1", "已搬走"])?;
                old.set_hidden(true);
            }
        }
        let notes = wb.add_worksheet().set_name("说明")?;
        notes.write(0, 0, "请勿修改表头")?;
        let bytes = wb.save_to_buffer()?;
        let roster = read_roster_bytes(&bytes, FileKind::Xlsx).unwrap_or_default();
        let ids: Vec<&str> = roster.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["A1", "B1"]);
        assert_eq!(
            roster.sheets,
            [("第一网格".to_string(), 1), ("第二网格".to_string(), 1)]
        );
        Ok(())
    }

    #[test]
    fn date_phones_and_uncalculated_formulas_are_refused() -> Result<(), XlsxError> {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet().set_name("名单")?;
        ws.set_formula_result_default("");
        ws.write_row(0, 0, ["编号", "姓名", "电话"])?;
        ws.write_row(1, 0, ["1", "张三"])?;
        let date = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2024, 3, 1)?, &date)?;
        ws.write_row(2, 0, ["2"])?;
        ws.write_formula(2, 1, "=A1&\"\"")?;
        let bytes = wb.save_to_buffer()?;
        let got = parse_roster_bytes(&bytes, FileKind::Xlsx);
        let Err(problems) = got else {
            panic!("refused: {got:?}");
        };
        let kinds: Vec<(Option<usize>, Option<&str>, &ProblemKind)> = problems
            .iter()
            .map(|p| (p.line, p.column.as_deref(), &p.kind))
            .collect();
        assert!(
            kinds.contains(&(
                Some(2),
                Some("电话"),
                &ProblemKind::PhoneDateOrTime("2024-03-01".into())
            )),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&(Some(3), Some("姓名"), &ProblemKind::FormulaWithoutValue)),
            "{kinds:?}"
        );
        assert!(problems.iter().all(|p| p.sheet.as_deref() == Some("名单")));
        Ok(())
    }

    #[test]
    fn a_workbook_without_a_roster_lists_the_headers_of_each_sheet() {
        let bytes = workbook(&[(
            "Sheet1",
            vec![vec![S("姓名"), S("住址")], vec![S("张三"), S("x")]],
        )]);
        let got = parse_roster_bytes(&bytes, FileKind::Xlsx);
        let Err(problems) = got else {
            panic!("refused: {got:?}");
        };
        assert_eq!(
            problems[1],
            Problem {
                sheet: Some("Sheet1".into()),
                line: Some(1),
                column: None,
                kind: ProblemKind::HeadersFound(vec!["姓名".into(), "住址".into()]),
            }
        );
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
