//! The database file and its backups (DESIGN.md section 7): created 0600, `init` idempotent,
//! `backup` a verified private copy that never overwrites.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::TestDb;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn init_creates_the_database_with_mode_0600() {
    let db = TestDb::sqlite_file();
    let out = db.ok("2026-11-21 20:00", &["init"]);
    assert!(out.contains("created"), "{out}");
    assert!(db.path.is_file());
    assert_eq!(mode(&db.path), 0o600, "personal data: owner only");
}

#[test]
fn init_creates_a_missing_directory_private_to_the_owner() {
    let db = TestDb::sqlite_file();
    let nested = db.file("community/data/curtain.db");
    let result = common::run(common::command_for(
        &nested,
        common::USER,
        "en",
        "2026-11-21 20:00",
        &["init"],
    ));
    assert_eq!(result.code, 0, "{}", result.describe());
    assert_eq!(mode(&nested), 0o600);
    assert_eq!(mode(nested.parent().unwrap()), 0o700);
}

#[test]
fn import_into_no_database_creates_it_with_mode_0600() {
    let db = TestDb::sqlite_file_with_sample_roster();
    assert_eq!(mode(&db.path), 0o600);
}

#[test]
fn init_twice_is_fine_and_keeps_the_roster() {
    let db = TestDb::sqlite_file_with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:30");
    let before: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM checks", [], |r| r.get(0))
        .unwrap();
    let out = db.ok("2026-11-22 08:00", &["init"]);
    assert!(
        out.contains("60"),
        "init reports the elders already there: {out}"
    );
    let out = db.ok("2026-11-22 08:01", &["init"]);
    assert!(out.contains("already"), "{out}");
    assert_eq!(mode(&db.path), 0o600);
    let elders = db.json("2026-11-22 08:02", &["elders", "--format", "json"]);
    assert_eq!(elders.len(), 60);
    let after: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM checks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, after);
}

#[test]
fn init_on_an_empty_database_twice_is_fine() {
    let db = TestDb::sqlite_file();
    db.ok("2026-11-21 20:00", &["init"]);
    let out = db.ok("2026-11-21 20:01", &["init"]);
    assert!(out.contains("already"), "{out}");
}

#[test]
fn backup_makes_a_verified_private_copy() {
    let db = TestDb::sqlite_file_with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:30");
    db.check("CQ002", "closed", "2026-11-22 07:35");
    let copy = db.file("backup-2026-11-22.db");
    let out = db.ok("2026-11-22 08:00", &["backup", copy.to_str().unwrap()]);
    assert!(out.contains("verified"), "{out}");
    assert_eq!(mode(&copy), 0o600, "the copy holds the same personal data");
    let conn =
        rusqlite::Connection::open_with_flags(&copy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let elders: i64 = conn
        .query_row("SELECT count(*) FROM elders", [], |r| r.get(0))
        .unwrap();
    assert_eq!(elders, 60);
    let checks: i64 = conn
        .query_row("SELECT count(*) FROM checks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(checks, 2);
    // The copy is a working database for curtain itself.
    let result = common::run(common::command_for(
        &copy,
        common::USER,
        "en",
        "2026-11-22 08:05",
        &["status", "--format", "json"],
    ));
    assert_eq!(result.code, 0, "{}", result.describe());
    let rows: serde_json::Value = serde_json::from_str(&result.stdout).unwrap();
    let cq002 = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["elder_id"] == "CQ002")
        .unwrap();
    assert_eq!(cq002["status"], "alert");
}

#[test]
fn backup_onto_an_existing_file_exits_2_and_leaves_it_alone() {
    let db = TestDb::sqlite_file_with_sample_roster();
    let existing = db.file("yesterday.db");
    std::fs::write(&existing, b"yesterday's backup, to be kept").unwrap();
    let stderr = db.refused(
        "en",
        "2026-11-22 08:00",
        &["backup", existing.to_str().unwrap()],
        &["already exists"],
    );
    assert!(stderr.contains("yesterday.db"), "{stderr}");
    assert_eq!(
        std::fs::read(&existing).unwrap(),
        b"yesterday's backup, to be kept"
    );
    // The live database itself is an existing file too.
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["backup", db.path.to_str().unwrap()],
        &["already exists"],
    );
}

#[test]
fn backup_onto_an_existing_file_is_explained_in_chinese() {
    let db = TestDb::sqlite_file_with_sample_roster();
    let existing = db.file("yesterday.db");
    std::fs::write(&existing, b"keep").unwrap();
    db.refused(
        "zh",
        "2026-11-22 08:00",
        &["backup", existing.to_str().unwrap()],
        &["yesterday.db"],
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep");
}
