//! Upgrades (issue #5): a database written by the first schema (`tests/fixtures/schema-v1.db`,
//! made by the session-1 binary: 60 elders, 5 checks, 54 flags, 1 follow-up, 1 absence, 60 audit
//! rows) opens with this binary, migrates to `schema::LATEST` and keeps every row; one from a
//! newer schema is refused with exit 2 and left byte-for-byte as it was.

mod common;

use std::os::unix::fs::PermissionsExt;

use common::TestDb;
use curtain::store::schema;
use rusqlite::Connection;

/// The tables of schema 1, each with the column that orders its rows.
const V1_TABLES: [(&str, &str); 7] = [
    ("elders", "id"),
    ("checks", "id"),
    ("flags", "id"),
    ("follow_ups", "id"),
    ("absences", "id"),
    ("roster_audit", "id"),
    ("meta", "key"),
];

/// The fixture copied into a temp dir, private as curtain makes its files (git keeps no modes).
fn v1_copy() -> TestDb {
    let db = TestDb::sqlite_file();
    std::fs::copy(common::repo_file("tests/fixtures/schema-v1.db"), &db.path)
        .expect("copy the v1 fixture");
    std::fs::set_permissions(&db.path, std::fs::Permissions::from_mode(0o600)).unwrap();
    db
}

/// Every row of a table as text, in order: what "kept every row" is compared on.
fn rows(conn: &Connection, table: &str, order: &str) -> Vec<String> {
    rows_of(conn, table, order, None)
}

/// Every row of a table, its first `columns` columns (all when `None`).
fn rows_of(conn: &Connection, table: &str, order: &str, columns: Option<usize>) -> Vec<String> {
    let mut statement = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
        .unwrap();
    let columns = columns.unwrap_or(statement.column_count());
    statement
        .query_map([], |row| {
            (0..columns)
                .map(|i| {
                    row.get_ref(i)
                        .map(|value| format!("{:?}", value.data_type()) + &format!("{value:?}"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|cells| cells.join("|"))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The doctor reads through SQLite's read-only open: the database file keeps every byte, and the
/// WAL beside it holds nothing (a reader of an idle WAL database leaves an empty `-wal` and the
/// `-shm` index behind, as any SQLite reader does).
fn assert_doctor_left_it(db: &TestDb, before: &[u8]) {
    assert!(
        std::fs::read(&db.path).unwrap() == before,
        "curtain doctor changed the database file"
    );
    let wal = std::fs::metadata(format!("{}-wal", db.path.display())).map_or(0, |m| m.len());
    assert_eq!(wal, 0, "curtain doctor wrote to the WAL");
}

fn user_version(conn: &Connection) -> i64 {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn the_first_schema_migrates_to_the_latest_and_keeps_every_row() {
    let db = v1_copy();
    let v1_columns: Vec<usize> = {
        let conn = db.sqlite();
        V1_TABLES
            .iter()
            .map(|(table, _)| {
                conn.prepare(&format!("SELECT * FROM {table}"))
                    .unwrap()
                    .column_count()
            })
            .collect()
    };
    let before: Vec<Vec<String>> = {
        let conn = db.sqlite();
        assert_eq!(user_version(&conn), 1, "the fixture is schema 1");
        V1_TABLES
            .iter()
            .map(|(table, order)| rows(&conn, table, order))
            .collect()
    };
    let counts: Vec<usize> = before.iter().map(Vec::len).collect();
    assert_eq!(
        &counts[..6],
        &[60, 5, 54, 1, 1, 60],
        "the fixture as described"
    );

    // A read-only command upgrades it (every command opens through the same migration).
    let elders = db.json("2026-11-20 09:00", &["elders", "--all", "--format", "json"]);
    assert_eq!(elders.len(), 60);

    let conn = db.sqlite();
    const { assert!(schema::LATEST > 1) };
    assert_eq!(
        user_version(&conn),
        schema::LATEST,
        "migrated to the latest"
    );
    let app_id: i64 = conn
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .unwrap();
    assert_eq!(app_id, schema::APPLICATION_ID);
    // Later schemas add columns at the end of a table (the hand-over's `uid`): every column the
    // first schema had keeps every row's value.
    for (((table, order), before), columns) in V1_TABLES.iter().zip(&before).zip(&v1_columns) {
        assert_eq!(
            &rows_of(&conn, table, order, Some(*columns)),
            before,
            "{table} kept as it was"
        );
    }
    for table in ["absences", "follow_ups"] {
        let (rows, distinct): (i64, i64) = conn
            .query_row(
                &format!("SELECT count(*), count(DISTINCT uid) FROM {table}"),
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!(rows, distinct, "every {table} row has a UUID of its own");
    }
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mode = std::fs::metadata(&db.path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn status_flags_and_checks_work_on_the_upgraded_database() {
    let db = v1_copy();
    let now = "2026-11-20 09:00";
    let status = db.status("2026-11-20/morning", now);
    assert_eq!(status.len(), 60);
    assert_eq!(status["CQ001"]["status"], "ok");
    assert_eq!(status["CQ004"]["status"], "alert", "closed in the morning");
    assert_eq!(status["CQ005"]["status"], "unclear");
    let flags = db.flags(true, now);
    assert!(
        flags.len() >= 54,
        "the 54 flags of the fixture: {}",
        flags.len()
    );
    let flag_ids: Vec<i64> = flags.iter().filter_map(|f| f["id"].as_i64()).collect();
    for id in 1..=54 {
        assert!(flag_ids.contains(&id), "flag {id} kept");
    }
    assert!(
        flags.iter().any(|f| f["state"] == "resolved"),
        "the fixture's resolved flag"
    );
    let out = db.check("CQ006", "open", "2026-11-20 09:05");
    assert!(out.contains("saved"), "{out}");
    let doctor = db.run("en", "2026-11-20 09:10", &["doctor"]);
    assert_eq!(doctor.code, 0, "{}", doctor.describe());
}

#[test]
fn doctor_reads_a_first_schema_file_without_upgrading_or_changing_it() {
    let db = v1_copy();
    let before = std::fs::read(&db.path).unwrap();
    let doctor = db.run("en", "2026-11-20 09:00", &["doctor"]);
    assert_eq!(doctor.code, 0, "{}", doctor.describe());
    assert!(
        doctor.stdout.contains(&format!(
            "schema version 1, older than this curtain's {}",
            schema::LATEST
        )),
        "{}",
        doctor.describe()
    );
    assert_doctor_left_it(&db, &before);
    assert_eq!(user_version(&db.sqlite()), 1);
}

#[test]
fn a_database_one_schema_newer_is_refused_by_every_command_and_left_byte_for_byte() {
    let db = v1_copy();
    {
        let conn = Connection::open(&db.path).unwrap();
        conn.pragma_update(None, "user_version", schema::LATEST + 1)
            .unwrap();
    }
    let newer = (schema::LATEST + 1).to_string();
    for args in [
        &["status"][..],
        &["elders"],
        &["check", "CQ001", "open"],
        &["import", common::sample_roster().to_str().unwrap()],
        &["backup", db.file("copy.db").to_str().unwrap()],
        &["init"],
    ] {
        db.refused("en", "2026-11-20 09:00", args, &["newer curtain", &newer]);
        db.refused("zh", "2026-11-20 09:00", args, &[&newer]);
    }
    assert!(
        !db.file("copy.db").exists(),
        "no backup of a file it cannot read"
    );
    // The doctor explains it too, without touching it.
    let before = std::fs::read(&db.path).unwrap();
    let doctor = db.run("en", "2026-11-20 09:00", &["doctor"]);
    assert_eq!(doctor.code, 1, "{}", doctor.describe());
    assert!(
        doctor.stdout.contains("newer curtain"),
        "{}",
        doctor.describe()
    );
    assert_doctor_left_it(&db, &before);
    assert_eq!(user_version(&db.sqlite()), schema::LATEST + 1);
}

/// Schema 5 (#14): each flag raised by a check keeps that check's id; an upgraded database gets
/// it from the round's checks by the rule (the latest seen that no correction superseded), and a
/// missed flag has none.
#[test]
fn an_upgraded_database_knows_the_check_that_decided_each_flag() {
    let db = v1_copy();
    db.json("2026-11-20 09:00", &["elders", "--all", "--format", "json"]);
    let conn = db.sqlite();
    let decided = |elder: &str| -> Option<String> {
        conn.query_row(
            "SELECT fc.check_id FROM flags AS f
             LEFT JOIN flag_checks AS fc ON fc.flag_id = f.id
             WHERE f.elder_id = ?1 AND f.round_status != 'ok' ORDER BY f.round LIMIT 1",
            [elder],
            |row| row.get(0),
        )
        .unwrap()
    };
    let check_of = |elder: &str| -> String {
        conn.query_row(
            "SELECT id FROM checks WHERE elder_id = ?1 ORDER BY seen_at DESC LIMIT 1",
            [elder],
            |row| row.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        decided("CQ004"),
        Some(check_of("CQ004")),
        "the alert's check"
    );
    assert_eq!(
        decided("CQ005"),
        Some(check_of("CQ005")),
        "the unclear check"
    );
    assert_eq!(decided("CQ008"), None, "a missed round has no check");
}

/// Schema 12 keeps a copy of each outcome's deciding check beside it, so a settled round is read
/// from one range (#14). A database of schema 11, its outcomes kept without the copies, gets them
/// from its checks when it is upgraded, on SQLite and on PostgreSQL alike, and the status of the
/// settled round reads as it did.
#[test]
fn outcomes_kept_by_schema_11_get_their_deciding_checks_when_upgraded() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:40");
    db.check("CQ002", "unclear", "2026-11-22 07:50");
    db.check("CQ002", "open", "2026-11-22 08:10");
    db.ok(
        "2026-11-22 08:20",
        &["check", "CQ003", "closed", "--note", "窗帘没拉开"],
    );
    let round = "2026-11-22/morning";
    let after_close = "2026-11-22 12:00";
    let before = db.status(round, after_close);
    let copies = "SELECT elder_id, check_id, check_observation, check_seen_at, check_recorded_at,
        check_checker, check_note, check_supersedes FROM round_outcomes
        WHERE check_id IS NOT NULL ORDER BY round, elder_id";
    let read_copies = || -> Vec<Vec<Option<String>>> {
        let conn = db.conn();
        let mut statement = conn.prepare(copies).unwrap();
        statement
            .query_map([], |row| (0..8).map(|at| row.get(at)).collect())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let kept = read_copies();
    assert_eq!(
        kept.len(),
        3,
        "three elders' outcomes were decided by a check: {kept:?}"
    );
    let opened = kept
        .iter()
        .find(|row| row[0].as_deref() == Some("CQ002"))
        .unwrap();
    assert_eq!(
        opened[2].as_deref(),
        Some("open"),
        "the later check decides"
    );
    let noted = kept
        .iter()
        .find(|row| row[0].as_deref() == Some("CQ003"))
        .unwrap();
    assert_eq!(noted[6].as_deref(), Some("窗帘没拉开"));

    db.writable_conn()
        .execute_batch(
            "ALTER TABLE round_outcomes DROP COLUMN check_observation;
             ALTER TABLE round_outcomes DROP COLUMN check_seen_at;
             ALTER TABLE round_outcomes DROP COLUMN check_recorded_at;
             ALTER TABLE round_outcomes DROP COLUMN check_checker;
             ALTER TABLE round_outcomes DROP COLUMN check_note;
             ALTER TABLE round_outcomes DROP COLUMN check_supersedes;",
        )
        .expect("take the outcomes back to schema 11");
    db.take_back_the_roster_stamp();
    db.mark_schema_version(11);

    assert_eq!(db.status(round, after_close), before);
    assert_eq!(db.schema_version(), schema::LATEST);
    assert_eq!(read_copies(), kept);
}

/// Schema 13 writes the checks' rule on an observation as ORs instead of an IN list: SQLite's
/// quick check (of every backup, and of `doctor`) built the list into a temporary index for each
/// of a district's millions of checks. An SQLite file of schema 12 keeps every check, and the
/// rule still refuses a word that is not an observation and takes an undo (no observation).
#[test]
fn the_checks_rule_on_an_observation_is_written_as_ors_and_still_holds() {
    let db = TestDb::sqlite_file_with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:40");
    db.check("CQ002", "unclear", "2026-11-22 07:50");
    let rule = |conn: &Connection| -> String {
        conn.query_row(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'checks'",
            [],
            |row| row.get(0),
        )
        .unwrap()
    };
    {
        let conn = db.sqlite();
        let written = rule(&conn);
        assert!(!written.contains("observation IN ("), "{written}");
        let as_in_schema_12 = written.replace(
            "CHECK (observation = 'open' OR observation = 'closed' OR observation = 'seen'\n                         OR observation = 'unclear')",
            "CHECK (observation IN ('open', 'closed', 'seen', 'unclear'))",
        );
        assert_ne!(
            as_in_schema_12, written,
            "the rule as the migration writes it"
        );
        let cookie: i64 = conn
            .query_row("PRAGMA schema_version", [], |row| row.get(0))
            .unwrap();
        conn.execute_batch("PRAGMA writable_schema = ON").unwrap();
        conn.execute(
            "UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = 'checks'",
            [&as_in_schema_12],
        )
        .unwrap();
        conn.pragma_update(None, "schema_version", cookie + 1)
            .unwrap();
        conn.execute_batch("PRAGMA writable_schema = RESET")
            .unwrap();
        conn.pragma_update(None, "user_version", 12).unwrap();
    }
    db.take_back_the_roster_stamp();
    assert!(rule(&db.sqlite()).contains("observation IN ("));

    db.check("CQ003", "closed", "2026-11-22 07:55");
    db.ok("2026-11-22 07:56", &["undo"]);

    let conn = db.sqlite();
    assert_eq!(user_version(&conn), schema::LATEST);
    let written = rule(&conn);
    assert!(
        written.contains("observation = 'unclear'") && !written.contains("observation IN ("),
        "{written}"
    );
    let quick: String = conn
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(quick, "ok");
    let observations: Vec<Option<String>> = conn
        .prepare("SELECT observation FROM checks ORDER BY rowid")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        observations,
        [
            Some("open".to_string()),
            Some("unclear".to_string()),
            Some("closed".to_string()),
            None
        ],
        "every check kept, the undo a check with no observation"
    );
    let insert = |observation: &str| {
        conn.execute(
            "INSERT INTO checks (id, elder_id, round, observation, seen_at, recorded_at, checker)
             VALUES (?1, 'CQ004', 1, ?2, 't', 't', 'test')",
            [format!("rule-{observation}"), observation.to_string()],
        )
    };
    for observation in ["open", "closed", "seen", "unclear"] {
        insert(observation).unwrap_or_else(|error| panic!("{observation}: {error}"));
    }
    for wrong in ["opened", "OPEN", "", "waved"] {
        let refused = insert(wrong).expect_err(wrong).to_string();
        assert!(
            refused.contains("CHECK constraint failed"),
            "{wrong}: {refused}"
        );
    }
}
