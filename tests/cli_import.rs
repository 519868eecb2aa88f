//! `curtain import` on the built binary (DESIGN.md section 4): GBK and UTF-8 CSV, XLSX, Chinese
//! or English headers, re-import updating by id, `--dry-run` changing nothing.

mod common;

use std::collections::HashMap;

use common::{IMPORT_NOW, TestDb, by_elder, sample_roster};
use curtain::domain::access::Grids;
use curtain::domain::time::parse_instant;
use curtain::domain::{Round, Schedule, Slot};
use curtain::store::{Create, Store, elders, rounds};
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

/// The elders listed for 2026-11-22's evening round by `store`, each with what a list shows of
/// them, in the order listed.
fn listed_for_the_evening(store: &Store) -> Vec<String> {
    let round = Round::new(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        Slot::Evening,
    );
    let now = parse_instant("2026-11-22 21:00", store.schedule.tz, None).unwrap();
    rounds::statuses(store, round, now)
        .unwrap()
        .iter()
        .map(|row| {
            let elder = &row.elder;
            format!(
                "{} {} {} {:?}",
                elder.id, elder.name, elder.address, elder.route
            )
        })
        .collect()
}

/// The roster a process has read (a patrol screen, `watch`) is used again only while the
/// roster's stamp reads the same, and every change to an elder moves the stamp, whoever makes
/// it: an import by another process, or SQL from another program. After each change, what the
/// process lists is what a process opened afresh lists; a check, which leaves the roster as it
/// is, leaves the stamp and the kept roster.
#[test]
fn rule_a_roster_kept_in_a_process_is_read_again_after_any_change_to_an_elder() {
    let db = TestDb::with_sample_roster();
    let open = || Store::open(&db.path, Create::Never, Schedule::default()).unwrap();
    let reader = open();
    let other_program = open();
    let stamp = |store: &Store| elders::roster_stamp(&store.conn).unwrap();
    let mut shown = listed_for_the_evening(&reader);
    assert_eq!(shown, listed_for_the_evening(&open()));
    assert!(
        reader.has_kept_roster(&Grids::Every).unwrap(),
        "the roster read for the round is kept"
    );

    let text = std::fs::read_to_string(sample_roster()).unwrap();
    let added = format!("{text}CQ999,周桂兰,长青小区 D区 12栋 101,第二网格,,,,,,61,,,,\n");
    let added = common::write_text(&db, "added.csv", &added);
    let changed = changed_sample(&db);
    let import = |file: &std::path::Path| {
        db.ok("2026-11-22 12:00", &["import", file.to_str().unwrap()]);
    };
    let sql = |statement: &str| {
        other_program.conn.execute(statement, []).unwrap();
    };
    let changes: [(&str, &dyn Fn()); 6] = [
        ("an import in another process adds an elder", &|| {
            import(&added)
        }),
        ("an import in another process moves an address", &|| {
            import(&changed)
        }),
        ("another program renames an elder", &|| {
            sql("UPDATE elders SET name = '张建军' WHERE id = 'CQ002'")
        }),
        (
            "another program moves an elder to the front of the route",
            &|| sql("UPDATE elders SET route = 0 WHERE id = 'CQ060'"),
        ),
        ("another program archives an elder", &|| {
            sql("UPDATE elders SET archived_at = '2026-11-22T03:00:00.000Z' WHERE id = 'CQ003'")
        }),
        (
            "another program removes an elder nothing points at",
            &|| {
                sql("DELETE FROM roster_audit WHERE elder_id = 'CQ999'");
                sql("DELETE FROM elders WHERE id = 'CQ999'")
            },
        ),
    ];
    for (what, change) in changes {
        let before = stamp(&reader);
        change();
        assert_ne!(stamp(&reader), before, "{what}: the stamp moves");
        let now_shown = listed_for_the_evening(&reader);
        assert_ne!(now_shown, shown, "{what}: the change is one a list shows");
        assert_eq!(
            now_shown,
            listed_for_the_evening(&open()),
            "{what}: listed as a process opened afresh lists"
        );
        shown = now_shown;
    }

    let before = stamp(&reader);
    db.check("CQ001", "closed", "2026-11-22 20:10");
    assert_eq!(stamp(&reader), before, "a check leaves the roster's stamp");
    assert!(reader.has_kept_roster(&Grids::Every).unwrap());

    // A volunteer's grid and every grid, both kept, both read again after a change.
    let first_grid = Grids::Only(["第一网格".to_string()].into());
    let ids = |roster: elders::Roster| -> Vec<String> {
        roster.iter().map(|elder| elder.name.clone()).collect()
    };
    for grids in [&first_grid, &Grids::Every] {
        reader.roster_of(grids).unwrap();
    }
    for grids in [&first_grid, &Grids::Every] {
        assert!(reader.has_kept_roster(grids).unwrap(), "{grids:?} kept");
    }
    sql("UPDATE elders SET name = '王秀兰' WHERE id = 'CQ001'");
    for grids in [&first_grid, &Grids::Every] {
        let names = ids(reader.roster_of(grids).unwrap());
        assert!(
            names.contains(&"王秀兰".to_string()),
            "{grids:?}: {names:?}"
        );
        assert_eq!(names, ids(elders::roster_of(&open().conn, grids).unwrap()));
    }
}
