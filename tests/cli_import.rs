//! `curtain import` on the built binary (DESIGN.md section 4): GBK and UTF-8 CSV, XLSX, Chinese
//! or English headers, re-import updating by id, `--dry-run` changing nothing.

mod common;

use std::collections::HashMap;

use common::{IMPORT_NOW, TestDb, by_elder, sample_roster};
use serde_json::Value;

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "test text is all in GBK");
    bytes.into_owned()
}

fn elders(db: &TestDb) -> HashMap<String, Value> {
    by_elder(db.json("2026-11-22 08:00", &["elders", "--format", "json"]))
}

const GBK_ROSTER: &str = "编号,姓名,地址,网格,电话,备注,顺序\r\n\
G001,李大爷,南郊新村 3幢 2单元 101,第一网格,13800001111,耳背，敲门要用力,1\r\n\
G002,欧阳秀兰,南郊新村 5幢 1单元 602,第二网格,13800002222,\"女儿在外地，周末回来\",2\r\n\
G003,喻德胜,长青小区 D区 11栋 1304,第二网格,,,3\r\n";

#[test]
fn gbk_csv_imports_with_chinese_intact() {
    let db = TestDb::new();
    let path = db.file("roster-gbk-made.csv");
    std::fs::write(&path, gbk(GBK_ROSTER)).unwrap();
    let out = db.ok(IMPORT_NOW, &["import", path.to_str().unwrap()]);
    assert!(out.contains("3 added"), "{out}");
    let got = elders(&db);
    assert_eq!(got.len(), 3);
    assert_eq!(got["G001"]["name"], "李大爷");
    assert_eq!(got["G001"]["address"], "南郊新村 3幢 2单元 101");
    assert_eq!(got["G001"]["grid"], "第一网格");
    assert_eq!(got["G001"]["phone"], "13800001111");
    assert_eq!(got["G001"]["active"], true);
    assert_eq!(got["G002"]["name"], "欧阳秀兰");
    assert_eq!(got["G002"]["notes"], "女儿在外地，周末回来");
    assert_eq!(got["G003"]["name"], "喻德胜");
    assert_eq!(
        got["G003"]["phone"],
        Value::Null,
        "an empty cell is no phone"
    );
}

#[test]
fn gbk_fixture_imports_with_chinese_intact() {
    let fixture = common::repo_file("tests/fixtures/roster-gbk.csv");
    let bytes = std::fs::read(&fixture).expect("tests/fixtures/roster-gbk.csv is provided");
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture really is GBK, not UTF-8"
    );
    let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
    assert!(!bad);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let want: Vec<(String, String, String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].into(), r[1].into(), r[2].into(), r[3].into())
        })
        .collect();
    let db = TestDb::new();
    db.ok(IMPORT_NOW, &["import", fixture.to_str().unwrap()]);
    let got = elders(&db);
    assert_eq!(got.len(), want.len());
    for (id, name, address, grid) in want {
        assert_eq!(got[&id]["name"], name.as_str());
        assert_eq!(got[&id]["address"], address.as_str());
        assert_eq!(got[&id]["grid"], grid.as_str());
    }
}

#[test]
fn utf8_csv_with_bom_and_english_headers_imports() {
    let db = TestDb::new();
    let path = db.file("roster-bom.csv");
    std::fs::write(
        &path,
        "\u{feff}id,name,address,grid,phone,route\nB001,王秀英,长青小区 A区 1栋 401,第一网格,13900007346,1\n",
    )
    .unwrap();
    db.ok(IMPORT_NOW, &["import", path.to_str().unwrap()]);
    let got = elders(&db);
    assert_eq!(got["B001"]["name"], "王秀英");
    assert_eq!(got["B001"]["route"], 1);
}

#[test]
fn sample_roster_imports_every_elder_as_in_the_file() {
    let db = TestDb::with_sample_roster();
    let got = elders(&db);
    assert_eq!(got.len(), 60);
    for elder in common::sample_elders() {
        let row = &got[&elder.id];
        assert_eq!(row["name"], elder.name.as_str());
        assert_eq!(row["address"], elder.address.as_str());
        assert_eq!(row["grid"], elder.grid.as_str());
        if elder.phone.is_empty() {
            assert_eq!(row["phone"], Value::Null, "{}: no phone", elder.id);
        } else {
            assert_eq!(row["phone"], elder.phone.as_str());
        }
        assert_eq!(row["active"], true);
    }
}

#[test]
fn reimporting_the_same_file_changes_nothing() {
    let db = TestDb::with_sample_roster();
    let before = elders(&db);
    let audit = |db: &TestDb| -> i64 {
        db.conn()
            .query_row("SELECT count(*) FROM roster_audit", [], |r| r.get(0))
            .unwrap()
    };
    let audit_before = audit(&db);
    let out = db.ok(
        "2026-11-22 12:00",
        &["import", sample_roster().to_str().unwrap()],
    );
    assert!(out.contains("0 added, 0 updated"), "{out}");
    assert!(out.contains("60 unchanged"), "{out}");
    assert_eq!(elders(&db), before);
    assert_eq!(audit(&db), audit_before, "nothing changed, nothing audited");
    // Still on the roster from the first import: re-importing does not move their join time.
    let status = db.status(common::MORNING, "2026-11-22 12:00");
    assert_eq!(status.len(), 60);
}

fn changed_sample(db: &TestDb) -> std::path::PathBuf {
    let text = std::fs::read_to_string(sample_roster()).unwrap();
    let changed = text.replace(
        "CQ002,张建国,长青小区 A区 1栋 1单元 402,第一网格,13900001215",
        "CQ002,张建国,长青小区 A区 1栋 1单元 502,第一网格,13900009999",
    );
    assert_ne!(text, changed, "the sample roster has the CQ002 line");
    common::write_text(db, "sample-changed.csv", &changed)
}

#[test]
fn reimport_with_a_changed_row_updates_that_elder() {
    let db = TestDb::with_sample_roster();
    let before = elders(&db);
    let file = changed_sample(&db);
    let out = db.ok("2026-11-22 12:00", &["import", file.to_str().unwrap()]);
    assert!(out.contains("0 added, 1 updated"), "{out}");
    assert!(out.contains("CQ002"), "names the updated elder: {out}");
    let after = elders(&db);
    assert_eq!(after["CQ002"]["address"], "长青小区 A区 1栋 1单元 502");
    assert_eq!(after["CQ002"]["phone"], "13900009999");
    for (id, row) in &before {
        if id != "CQ002" {
            assert_eq!(&after[id], row, "{id} untouched");
        }
    }
    let audited: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM roster_audit WHERE elder_id = 'CQ002' AND action = 'updated'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(audited, 1, "the change is in the audit log");
}

#[test]
fn updated_elder_stays_on_the_roster_for_the_current_round() {
    let db = TestDb::with_sample_roster();
    let file = changed_sample(&db);
    db.ok("2026-11-22 08:00", &["import", file.to_str().unwrap()]);
    db.check("CQ002", "open", "2026-11-22 08:05");
    let status = db.status(common::MORNING, "2026-11-22 08:10");
    assert_eq!(status["CQ002"]["status"], "ok");
}

#[test]
fn dry_run_changes_nothing() {
    let db = TestDb::with_sample_roster();
    let file = changed_sample(&db);
    // Read first: a read settles the rounds closed by then, which is a write of its own.
    let elders_before = elders(&db);
    let before = db.snapshot();
    let out = db.ok(
        "2026-11-22 12:00",
        &["import", file.to_str().unwrap(), "--dry-run"],
    );
    assert!(out.contains("1 to update"), "{out}");
    before.assert_same(&db.snapshot(), "import --dry-run");
    assert_eq!(elders(&db), elders_before);
}

#[test]
fn dry_run_without_a_database_creates_none() {
    let db = TestDb::new();
    let out = db.ok(
        IMPORT_NOW,
        &["import", sample_roster().to_str().unwrap(), "--dry-run"],
    );
    assert!(out.contains("60 to add"), "{out}");
    assert!(!db.path.exists());
}

fn write_xlsx(path: &std::path::Path, headers: &[&str], rows: &[Vec<&str>]) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("独居老人名单").unwrap();
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string(0, col as u16, *header).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, cell) in row.iter().enumerate() {
            let (r, col) = (r as u32 + 1, col as u16);
            if let Ok(number) = cell.parse::<f64>()
                && headers[col as usize] == "顺序"
            {
                sheet.write_number(r, col, number).unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(r, col, *cell).unwrap();
            }
        }
    }
    workbook.save(path).unwrap();
}

#[test]
fn xlsx_roster_imports() {
    let db = TestDb::new();
    let path = db.file("名单.xlsx");
    write_xlsx(
        &path,
        &["编号", "姓名", "地址", "网格", "电话", "顺序", "晨巡时段"],
        &[
            vec![
                "X001",
                "钱桂芳",
                "长青小区 B区 3栋 201",
                "第一网格",
                "13800003333",
                "2",
                "",
            ],
            vec![
                "X002",
                "孙德明",
                "长青小区 B区 4栋 502",
                "第二网格",
                "",
                "1",
                "08:00-10:30",
            ],
        ],
    );
    let out = db.ok(IMPORT_NOW, &["import", path.to_str().unwrap()]);
    assert!(out.contains("2 added"), "{out}");
    let got = elders(&db);
    assert_eq!(got["X001"]["name"], "钱桂芳");
    assert_eq!(got["X001"]["address"], "长青小区 B区 3栋 201");
    assert_eq!(got["X001"]["phone"], "13800003333");
    assert_eq!(got["X001"]["route"], 2, "a number cell is a route");
    assert_eq!(got["X002"]["grid"], "第二网格");
    assert_eq!(got["X002"]["phone"], Value::Null);
    // The own window from the sheet applies: 09:45 is on time for X002.
    let out = db.check("X002", "open", "2026-11-22 09:45");
    assert!(!out.contains("late"), "{out}");
    let status = db.status(common::MORNING, "2026-11-22 10:00");
    assert_eq!(status["X002"]["late"], false);
    assert_eq!(status["X001"]["status"], "missed");
}

#[test]
fn broken_xlsx_roster_is_refused_naming_row_and_column() {
    let db = TestDb::with_sample_roster();
    let path = db.file("broken.xlsx");
    write_xlsx(
        &path,
        &["编号", "姓名", "网格"],
        &[
            vec!["X001", "钱桂芳", "第一网格"],
            vec!["X002", "", "第二网格"],
        ],
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["import", path.to_str().unwrap()],
        // The column is named as the file heads it (issue 12), not by its internal key.
        &["line 3", "姓名"],
    );
}
