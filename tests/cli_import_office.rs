//! `curtain import` on sheets the way community offices make them (issue 12): a re-import never
//! loses a field it has no column for, `--dry-run` names every field that changes, archived
//! elders are reported and left alone (or restored with `--restore`).

mod common;

use std::collections::HashMap;

use common::{MORNING, TestDb, by_elder, write_text};
use serde_json::Value;

const NOW: &str = "2026-11-22 08:00";

fn elders(db: &TestDb) -> HashMap<String, Value> {
    by_elder(db.json(NOW, &["elders", "--all", "--format", "json"]))
}

#[test]
fn a_column_absent_from_the_file_leaves_that_field_as_it_was() {
    let db = TestDb::with_sample_roster();
    let before = elders(&db);
    let sheet = write_text(
        &db,
        "phones.csv",
        "id,name,address,phone\nCQ001,王秀英,长青小区 A区 1栋 1单元 401,13911112222\n",
    );
    let out = db.ok(NOW, &["import", sheet.to_str().unwrap()]);
    assert!(out.contains("1 updated"), "{out}");
    let after = elders(&db);
    let (was, now) = (&before["CQ001"], &after["CQ001"]);
    assert_eq!(now["phone"], "13911112222");
    for field in [
        "grid",
        "contact",
        "contact_phone",
        "window",
        "route",
        "keyholder",
        "keyholder_phone",
    ] {
        assert_eq!(now[field], was[field], "{field} is kept");
    }
    let status = by_elder(db.json(
        NOW,
        &[
            "status",
            "--round",
            MORNING,
            "--grid",
            "第一网格",
            "--format",
            "json",
        ],
    ));
    assert!(status.contains_key("CQ001"), "still patrolled in 第一网格");
}

#[test]
fn a_present_empty_cell_clears_and_the_dry_run_names_every_change() {
    let db = TestDb::with_sample_roster();
    let sheet = write_text(
        &db,
        "notes.csv",
        "编号,姓名,电话,备注,网格\n\
         CQ002,张建国,13900001215,,第二网格\n\
         CQ003,单秀英,,,第一网格\n",
    );
    let before = elders(&db);
    let snapshot = db.snapshot();
    let dry = db.run("zh", NOW, &["import", sheet.to_str().unwrap(), "--dry-run"]);
    assert_eq!(dry.code, 0, "{}", dry.describe());
    db.snapshot().assert_same(&snapshot, "a dry run");
    assert!(dry.stdout.contains("CQ002 张建国："), "{}", dry.stdout);
    assert!(
        dry.stdout.contains("  备注：耳背，敲门要用力 → （空）"),
        "a clear is named: {}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("  网格：第一网格 → 第二网格"),
        "{}",
        dry.stdout
    );
    let english = db.ok(NOW, &["import", sheet.to_str().unwrap(), "--dry-run"]);
    assert!(
        english.contains("  notes: 耳背，敲门要用力 → (empty)"),
        "{english}"
    );

    db.ok(NOW, &["import", sheet.to_str().unwrap()]);
    let after = elders(&db);
    assert_eq!(after["CQ002"]["notes"], Value::Null, "an empty cell clears");
    assert_eq!(after["CQ002"]["grid"], "第二网格");
    assert_eq!(
        after["CQ002"]["window"], before["CQ002"]["window"],
        "no column, kept"
    );
}

#[test]
fn an_archived_elder_in_the_file_is_reported_and_left_alone_unless_restored() {
    let db = TestDb::with_sample_roster();
    // The roster screen archives; here the row is marked as it does.
    let conn = db.writable_conn();
    conn.execute(
        "UPDATE elders SET archived_at = added_at WHERE id = 'CQ001'",
        [],
    )
    .expect("archive");
    drop(conn);
    let sheet = write_text(
        &db,
        "again.csv",
        "编号,姓名,电话\nCQ001,王秀英,13911112222\n",
    );
    let out = db.ok(NOW, &["import", sheet.to_str().unwrap()]);
    assert!(out.contains("archived, not changed: CQ001"), "{out}");
    let after = elders(&db);
    assert_eq!(after["CQ001"]["phone"], "13900007346");
    assert_eq!(after["CQ001"]["active"], false);

    let out = db.ok(NOW, &["import", sheet.to_str().unwrap(), "--restore"]);
    assert!(out.contains("restored to the roster: CQ001"), "{out}");
    let after = elders(&db);
    assert_eq!(after["CQ001"]["phone"], "13911112222");
    assert_eq!(after["CQ001"]["active"], true);
}
