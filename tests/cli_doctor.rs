//! `curtain doctor` (issue #5): healthy files pass with exit 0; damaged pages, dangling rows,
//! impossible records, open file modes, foreign and newer files are each named in plain words
//! with what to do, exit 1, and the database file is never changed. Also the backup's own
//! verification, which refuses a copy that lost rows.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::TestDb;
use curtain::store::{BackupFault, Census, verify_backup};
use rusqlite::Connection;

const NOW: &str = "2026-11-22 08:30";

/// The sample roster with three checks, every connection closed (so all is in the main file).
fn db_with_checks() -> TestDb {
    let db = TestDb::sqlite_file_with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:30");
    db.check("CQ002", "closed", "2026-11-22 07:35");
    db.check("CQ003", "seen", "2026-11-22 07:40");
    db
}

/// Runs the doctor, insists the database file keeps every byte, and gives back what it said.
fn doctor(db: &TestDb, lang: &str) -> common::Run {
    let before = std::fs::read(&db.path).unwrap();
    let run = db.run(lang, NOW, &["doctor"]);
    assert!(
        std::fs::read(&db.path).unwrap() == before,
        "the doctor changed the database file:\n{}",
        run.describe()
    );
    run
}

fn says(run: &common::Run, fragments: &[&str]) {
    for fragment in fragments {
        assert!(
            run.stdout.contains(fragment),
            "the doctor should say {fragment:?}:\n{}",
            run.describe()
        );
    }
}

/// A plain read-write connection with no foreign keys, the way another program would write.
fn raw(db: &TestDb) -> Connection {
    let conn = Connection::open(&db.path).unwrap();
    conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
    conn
}

/// A check of an elder who is not on the roster, `rounds_back` rounds before the first check, as
/// another program would write it.
fn add_ghost_check(db: &TestDb, rounds_back: i64) {
    raw(db)
        .execute(
            "INSERT INTO checks (id, elder_id, round, observation, seen_at, recorded_at, checker)
             SELECT 'ghost-check', 'GHOST', round - ?1, 'open', seen_at, recorded_at, checker
             FROM checks LIMIT 1",
            [rounds_back],
        )
        .unwrap();
}

/// The database file's bytes with the first page of a table or index (`object`) overwritten
/// with garbage.
fn garbled(db: &TestDb, object: &str) -> Vec<u8> {
    let root: i64 = db
        .sqlite()
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
            [object],
            |row| row.get(0),
        )
        .unwrap();
    let mut bytes = std::fs::read(&db.path).unwrap();
    let page = 4096;
    let start = (root as usize - 1) * page;
    for (i, byte) in bytes[start..start + page].iter_mut().enumerate() {
        *byte = (i * 7 + 13) as u8;
    }
    bytes
}

fn set_mode(path: &std::path::Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_healthy_database_gets_a_line_per_check_and_exit_0() {
    let db = db_with_checks();
    // As curtain makes its own directory (a temp dir may come with the umask's 0755).
    set_mode(db.dir.path(), 0o700);
    let run = doctor(&db, "en");
    assert_eq!(run.code, 0, "{}", run.describe());
    says(
        &run,
        &[
            "file mode 0600",
            "mode 0700",
            "SQLite integrity check: ok",
            "foreign key check",
            "journal: WAL",
            "the records make sense",
            "healthy: nothing wrong found",
        ],
    );
    assert!(!run.stdout.contains('✗'), "{}", run.describe());
    let run = doctor(&db, "zh");
    assert_eq!(run.code, 0, "{}", run.describe());
    says(&run, &["完整性检查：正常", "健康：没有发现问题"]);
}

#[test]
fn garbage_over_a_page_is_called_damage_with_restore_advice() {
    let db = db_with_checks();
    std::fs::write(&db.path, garbled(&db, "elders")).unwrap();

    let run = doctor(&db, "en");
    assert_eq!(run.code, 1, "{}", run.describe());
    says(
        &run,
        &[
            "✗ the file is damaged",
            "restore your latest backup",
            "1 problem(s) found",
        ],
    );
    let run = doctor(&db, "zh");
    assert_eq!(run.code, 1, "{}", run.describe());
    says(&run, &["文件已损坏", "用最近的备份恢复"]);
}

#[test]
fn a_check_of_an_elder_not_on_the_roster_is_a_dangling_row() {
    let db = db_with_checks();
    add_ghost_check(&db, 0);
    let run = doctor(&db, "en");
    assert_eq!(run.code, 1, "{}", run.describe());
    says(
        &run,
        &[
            "✗ 1 row(s) of checks point at elders rows that do not exist",
            "something else changed the file",
        ],
    );
}

/// The triggers that move the roster's stamp, dropped by another program (or a second stamp
/// row): a screen kept open would keep listing the roster as it was, so the doctor names it, in
/// either language, and changes nothing.
#[test]
fn a_roster_stamp_without_its_triggers_is_named() {
    let healthy = doctor(&db_with_checks(), "en");
    assert!(
        !healthy.stdout.contains("roster stamp"),
        "{}",
        healthy.describe()
    );
    for (what, sql, en, zh) in [
        (
            "a trigger dropped",
            "DROP TRIGGER elders_updated_move_the_roster_stamp",
            "The roster's stamp is broken: 2 of the 3 triggers that tell open screens of a change to the roster, and 1 stamp row(s)",
            "名单标记已损坏：告知已打开的屏幕名单有变的触发器应有 3 个、现有 2 个，标记应为 1 行、现有 1 行",
        ),
        (
            "a second stamp",
            "INSERT INTO roster_stamp VALUES (7)",
            "The roster's stamp is broken: 3 of the 3 triggers that tell open screens of a change to the roster, and 2 stamp row(s)",
            "名单标记已损坏：告知已打开的屏幕名单有变的触发器应有 3 个、现有 3 个，标记应为 1 行、现有 2 行",
        ),
    ] {
        let db = db_with_checks();
        raw(&db).execute_batch(sql).unwrap();
        let run = doctor(&db, "en");
        assert_eq!(run.code, 1, "{what}: {}", run.describe());
        says(&run, &[en, "something else changed the file"]);
        let run = doctor(&db, "zh");
        assert_eq!(run.code, 1, "{what}: {}", run.describe());
        says(&run, &[zh]);
    }
}

#[test]
fn impossible_records_are_named_one_line_each() {
    let db = db_with_checks();
    let conn = raw(&db);
    // Flags are not append-only, so another program can write any words into them.
    conn.execute_batch(
        "INSERT INTO flags (elder_id, round, status, round_status, severity, severity_rank,
                            streak, state, raised_at)
         VALUES ('CQ010', 2, 'alert', 'alert', 'high', 2, 1, 'open', '2026-11-22T00:00:00.000Z'),
                ('CQ011', (SELECT max(round) FROM checks), 'alert', 'alert', 'apocalyptic', 9, 1,
                 'resolved', '2026-11-22T00:00:00.000Z');
         INSERT INTO absences (elder_id, from_date, to_date, created_by, created_at)
         VALUES ('CQ012', '2026-12-20', '2026-12-01', 'x', '2026-11-22T00:00:00.000Z');",
    )
    .unwrap();
    drop(conn);
    let run = doctor(&db, "en");
    assert_eq!(run.code, 1, "{}", run.describe());
    says(
        &run,
        &[
            "✗ 1 row(s) of flags have a round that is not a date",
            "✗ 1 flag(s) hold words in severity that curtain never writes: apocalyptic",
            "✗ 1 flag(s) whose state disagrees with how they were closed",
            "✗ 1 absence(s) end before they start",
            "4 problem(s) found",
        ],
    );
}

#[test]
fn a_file_others_can_read_is_a_problem_with_the_chmod_that_fixes_it() {
    let db = db_with_checks();
    set_mode(&db.path, 0o644);
    let run = doctor(&db, "en");
    assert_eq!(run.code, 1, "{}", run.describe());
    says(
        &run,
        &[
            "file mode 0644",
            &format!("chmod 600 {}", db.path.display()),
        ],
    );
    set_mode(&db.path, 0o600);
    // A directory others can list is a warning: it shows names, not contents.
    set_mode(db.dir.path(), 0o755);
    let run = doctor(&db, "en");
    assert_eq!(run.code, 0, "{}", run.describe());
    says(
        &run,
        &[
            &format!("! directory {} mode 0755", db.dir.path().display()),
            "chmod 700",
        ],
    );
    set_mode(db.dir.path(), 0o700);
}

#[test]
fn a_file_that_is_not_a_database_is_explained_and_left_alone() {
    let db = TestDb::sqlite_file();
    std::fs::write(&db.path, "编号,姓名\nCQ001,王秀英\n".repeat(200)).unwrap();
    set_mode(&db.path, 0o600);
    let run = doctor(&db, "en");
    assert_eq!(run.code, 1, "{}", run.describe());
    says(
        &run,
        &["not a curtain database", "restore your latest backup"],
    );
}

#[test]
fn no_database_at_all_is_bad_usage() {
    let db = TestDb::sqlite_file();
    let run = db.run("en", NOW, &["doctor"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(!db.path.exists(), "the doctor creates nothing");
}

#[test]
fn a_backup_copy_that_lost_rows_is_refused_by_its_verification() {
    let db = db_with_checks();
    let census = Census::take(&db.sqlite()).unwrap();
    assert!(
        census.tables.iter().any(|(t, n)| t == "checks" && *n == 3),
        "{census:?}"
    );
    let copy_path = db.file("copy.db");
    std::fs::copy(&db.path, &copy_path).unwrap();
    let copy = Connection::open(&copy_path).unwrap();
    verify_backup(&census, &copy).expect("an exact copy passes");
    copy.execute("DELETE FROM elders WHERE id = 'CQ060'", [])
        .unwrap();
    let fault = verify_backup(&census, &copy).unwrap_err();
    assert_eq!(
        fault.downcast_ref::<BackupFault>(),
        Some(&BackupFault::Differs {
            what: "elders".into(),
            live: 60,
            copy: 59
        })
    );
}

#[test]
fn a_backup_copy_with_a_damaged_index_is_refused_though_every_row_is_there() {
    let db = db_with_checks();
    let census = Census::take(&db.sqlite()).unwrap();
    let copy_path = db.file("copy.db");
    std::fs::write(&copy_path, garbled(&db, "checks_by_elder")).unwrap();
    let copy = Connection::open(&copy_path).unwrap();
    let fault = verify_backup(&census, &copy).unwrap_err();
    assert!(
        matches!(
            fault.downcast_ref::<BackupFault>(),
            Some(BackupFault::Damaged(_))
        ),
        "{fault:#}"
    );
}

#[test]
fn a_backup_is_healthy_to_the_doctor() {
    let db = db_with_checks();
    let copy = db.file("backup.db");
    let out = db.ok(NOW, &["backup", copy.to_str().unwrap()]);
    assert!(out.contains("3 checks"), "{out}");
    for suffix in ["-wal", "-shm"] {
        assert!(
            !db.file(&format!("backup.db{suffix}")).exists(),
            "the copy is closed and whole"
        );
    }
    let run = common::run(common::command_for(
        &copy,
        common::USER,
        "en",
        NOW,
        &["doctor"],
    ));
    assert_eq!(run.code, 0, "{}", run.describe());
}

/// Issue #14: the doctor runs SQLite's quick check unless asked for the full one, and says
/// which it ran.
#[test]
fn the_quick_check_by_default_and_the_full_one_with_full() {
    let db = db_with_checks();
    let quick = doctor(&db, "en");
    says(&quick, &["SQLite integrity check: ok (the quick check"]);
    let full = db.run("en", NOW, &["doctor", "--full"]);
    assert_eq!(full.code, 0, "{}", full.describe());
    assert!(
        full.stdout.contains("SQLite integrity check: ok.") && !full.stdout.contains("quick"),
        "{}",
        full.describe()
    );
}

/// Issue #14: the quick check reads the two ledgers (checks and kept outcomes) for the last month
/// only, so it takes seconds on a district's year; what lies further back is `--full`'s. A check
/// of an elder who does not exist, in a round of last January, is found by the full check alone,
/// and the quick check says which rounds it read.
#[test]
fn the_quick_check_reads_the_ledgers_last_month_and_the_full_one_every_row() {
    let db = db_with_checks();
    add_ghost_check(&db, 600);
    let quick = doctor(&db, "en");
    assert_eq!(quick.code, 0, "{}", quick.describe());
    says(&quick, &["the rounds since 2026-10-22", "--full"]);
    let quick = doctor(&db, "zh");
    says(&quick, &["只读 2026-10-22 以来的轮次"]);
    let full = db.run("en", NOW, &["doctor", "--full"]);
    assert_eq!(full.code, 1, "{}", full.describe());
    assert!(
        full.stdout
            .contains("1 row(s) of checks point at elders rows that do not exist"),
        "{}",
        full.describe()
    );
}

/// What curtain wrote itself is told apart from what it never writes: rounds ahead of the clock
/// come from a `--now` ahead of it (here a drill database's), and the doctor says so instead of
/// blaming another program.
#[test]
fn rounds_ahead_of_the_clock_are_named_as_curtains_own_not_as_tampering() {
    let db = TestDb::sqlite_file_drill_with_sample_roster();
    db.check("CQ001", "open", "2027-03-01 08:05");
    let run = doctor(&db, "en");
    assert_eq!(run.code, 1, "{}", run.describe());
    says(
        &run,
        &[
            "rounds that have not opened yet",
            "curtain wrote these rows itself, given a --now ahead of the clock",
        ],
    );
    assert!(
        !run.stdout.contains("something else changed the file"),
        "{}",
        run.describe()
    );
    let run = doctor(&db, "zh");
    says(&run, &["还没开始的轮次", "curtain 自己写的"]);
    assert!(!run.stdout.contains("别的程序"), "{}", run.describe());
}

/// A backup checks the very snapshot it copies beside the copy (#14): where that snapshot is
/// damaged, the database itself is, and the backup says so (not "try another disk"), in the
/// user's language, and leaves no copy behind.
#[test]
#[cfg_attr(
    not(sqlite_shared_snapshot),
    ignore = "SQLite built without its snapshot API (see build.rs)"
)]
fn a_backup_of_a_damaged_database_says_the_database_is_damaged_and_keeps_no_copy() {
    let db = db_with_checks();
    std::fs::write(&db.path, garbled(&db, "checks_by_elder")).unwrap();
    for (lang, words) in [
        ("en", "the database itself failed SQLite's quick check"),
        ("zh", "数据库本身没有通过 SQLite 快速检查"),
    ] {
        let copy = db.file(&format!("backup-{lang}.db"));
        let run = db.run(lang, NOW, &["backup", copy.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{}", run.describe());
        assert!(run.stderr.contains(words), "{}", run.describe());
        assert!(run.stderr.contains("curtain doctor"), "{}", run.describe());
        assert!(!copy.exists(), "no copy left behind");
    }
}
