//! Rosters shaped the way community offices keep them (issue 12), in `tests/fixtures/office/`,
//! and what `curtain import` must do with each. The files are made by [`write_fixtures`] below;
//! after changing it, regenerate with
//! `cargo test --test office_sheets -- --ignored write_fixtures`.

mod common;

use std::path::{Path, PathBuf};

use common::{IMPORT_NOW, TestDb, by_elder};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

fn office(name: &str) -> PathBuf {
    common::repo_file("tests/fixtures/office").join(name)
}

const HEADER: [&str; 5] = ["编号", "姓名", "地址", "网格", "电话"];

fn grid_sheet(wb: &mut Workbook, sheet: &str, rows: &[[&str; 5]]) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet().set_name(sheet)?;
    ws.write_row(0, 0, HEADER)?;
    for (index, row) in rows.iter().enumerate() {
        ws.write_row(index as u32 + 1, 0, *row)?;
    }
    Ok(())
}

/// Writes every fixture. Run by hand (it is `#[ignore]`d): the files are committed.
#[test]
#[ignore]
fn write_fixtures() -> Result<(), Box<dyn std::error::Error>> {
    let dir = common::repo_file("tests/fixtures/office");
    std::fs::create_dir_all(&dir)?;
    let save = |name: &str, mut wb: Workbook| -> Result<(), XlsxError> { wb.save(dir.join(name)) };

    // One sheet per grid, an old roster hidden between them, an instructions sheet.
    let mut wb = Workbook::new();
    grid_sheet(
        &mut wb,
        "第一网格",
        &[
            [
                "A01",
                "王秀英",
                "长青小区 1栋 401",
                "第一网格",
                "13900007346",
            ],
            [
                "A02",
                "张建国",
                "长青小区 1栋 402",
                "第一网格",
                "13900001215",
            ],
        ],
    )?;
    grid_sheet(
        &mut wb,
        "旧名单",
        &[["X01", "已搬走", "老地址", "第一网格", "13900000000"]],
    )?;
    wb.worksheet_from_name("旧名单")?.set_hidden(true);
    grid_sheet(
        &mut wb,
        "第二网格",
        &[[
            "B01",
            "刘德明",
            "南郊新村 3幢 101",
            "第二网格",
            "0571-88880002",
        ]],
    )?;
    wb.add_worksheet()
        .set_name("填表说明")?
        .write(0, 0, "请勿修改表头")?;
    save("grid-per-sheet-hidden.xlsx", wb)?;

    // A merged title row, 序号, office columns with ID-card numbers, a spaced header.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("独居老人")?;
    ws.merge_range(0, 0, 0, 7, "南郊社区独居老人花名册", &Format::new())?;
    ws.write_row(
        1,
        0,
        [
            "序号",
            "编号",
            "姓 名",
            "性别",
            "年龄",
            "出生日期",
            "身份证号",
            "电　话",
        ],
    )?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (index, (id, name, phone)) in [
        ("S01", "陈桂兰", "13800002222"),
        ("S02", "赵大爷", "13800003333"),
    ]
    .into_iter()
    .enumerate()
    {
        let row = index as u32 + 2;
        ws.write_number(row, 0, index as f64 + 1.0)?;
        ws.write_row(row, 1, [id, name, "女"])?;
        ws.write_number(row, 4, 82.0)?;
        ws.write_datetime_with_format(row, 5, ExcelDateTime::from_ymd(1944, 3, 1)?, &date)?;
        ws.write_string(row, 6, "330102194403011234")?;
        ws.write_string(row, 7, phone)?;
    }
    save("title-and-office-columns.xlsx", wb)?;

    // A phone that Excel turned into scientific notation (saved as text that way) and a date.
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name("名单")?;
    ws.write_row(0, 0, ["编号", "姓名", "电话"])?;
    ws.write_row(1, 0, ["E01", "孙玉珍", "1.38E+10"])?;
    ws.write_row(2, 0, ["E02", "周福生"])?;
    ws.write_datetime_with_format(2, 2, ExcelDateTime::from_ymd(2024, 3, 1)?, &date)?;
    save("scientific-and-date-phones.xlsx", wb)?;

    // Traditional headers, in Big5, with CRLF.
    let big5 = "編號,姓名,地址,網格,電話\r\nT01,陳桂蘭,臺北市 信義路 5號,第一網格,02-27208889\r\n";
    std::fs::write(
        dir.join("traditional-big5.csv"),
        encoding_rs::BIG5.encode(big5).0,
    )?;

    // GBK with CRLF, as Excel on Chinese Windows saves "CSV (逗号分隔)".
    let gbk = "编号,姓名,地址,网格,电话,备注\r\nG01,李大爷,南郊新村 3幢 2单元 101,第一网格,13800001111,耳背\r\n";
    std::fs::write(dir.join("gbk-crlf.csv"), encoding_rs::GBK.encode(gbk).0)?;

    // UTF-16 with BOM, tab-separated: Excel's "Unicode text".
    let utf16 = "编号\t姓名\t网格\t电话\r\nU01\t吴翠英\t第二网格\t１３９００００１１１１\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(utf16.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(dir.join("utf16-tabs.txt"), bytes)?;
    Ok(())
}

fn import(db: &TestDb, file: &Path) -> String {
    db.ok(IMPORT_NOW, &["import", file.to_str().expect("utf-8 path")])
}

fn elders(db: &TestDb) -> std::collections::HashMap<String, serde_json::Value> {
    by_elder(db.json(IMPORT_NOW, &["elders", "--format", "json"]))
}

#[test]
fn grid_per_sheet_imports_every_visible_grid_and_skips_the_hidden_sheet() {
    let db = TestDb::new();
    let out = import(&db, &office("grid-per-sheet-hidden.xlsx"));
    assert!(out.contains("3 added"), "{out}");
    assert!(
        out.contains("sheets read: 第一网格 (2 rows), 第二网格 (1 rows)"),
        "{out}"
    );
    let got = elders(&db);
    assert!(
        !got.contains_key("X01"),
        "the hidden sheet is not the roster"
    );
    assert_eq!(got["B01"]["grid"], "第二网格");
}

#[test]
fn title_row_and_office_columns_are_read_and_id_numbers_never_stored() {
    let db = TestDb::new();
    let out = import(&db, &office("title-and-office-columns.xlsx"));
    assert!(out.contains("2 added"), "{out}");
    assert!(out.contains("ID-card numbers are never stored."), "{out}");
    assert!(
        out.contains("序号, 性别, 年龄, 出生日期, 身份证号"),
        "{out}"
    );
    assert_eq!(elders(&db)["S01"]["phone"], "13800002222");
    let needle = b"330102194403011234";
    for bytes in db.stored_bytes() {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "an ID number reached the database"
        );
    }
}

#[test]
fn scientific_and_date_phones_are_refused_with_what_to_do_in_excel() {
    let db = TestDb::new();
    let file = office("scientific-and-date-phones.xlsx");
    let stderr = db.refused(
        "zh",
        IMPORT_NOW,
        &["import", file.to_str().unwrap()],
        &[
            "工作表“名单”，第 2 行",
            "“电话”列",
            "1.38E+10",
            "2024-03-01",
            "设置单元格格式为文本后重新输入",
            "读到的表头：编号、姓名、电话",
        ],
    );
    assert!(
        !db.path.exists(),
        "a refused import made a database:\n{stderr}"
    );
}

#[test]
fn traditional_big5_is_read_as_big5() {
    let db = TestDb::new();
    import(&db, &office("traditional-big5.csv"));
    let got = elders(&db);
    assert_eq!(got["T01"]["name"], "陳桂蘭");
    assert_eq!(got["T01"]["grid"], "第一網格");
}

#[test]
fn gbk_with_crlf_and_utf16_tabs_import() {
    let db = TestDb::new();
    import(&db, &office("gbk-crlf.csv"));
    import(&db, &office("utf16-tabs.txt"));
    let got = elders(&db);
    assert_eq!(got["G01"]["notes"], "耳背");
    assert_eq!(
        got["U01"]["phone"], "13900001111",
        "full-width digits made ASCII"
    );
}
