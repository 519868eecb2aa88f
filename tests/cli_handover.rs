//! `curtain handover --to DB` on the built binary (DESIGN.md section 6, step 4; issue #16): a
//! laptop that walked a round offline hands its checks, absences and follow-ups to the shared
//! database, matched by UUID, so a second hand-over keeps everything once; the roster stays the
//! shared database's; a record about an elder the shared roster lacks refuses it all.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{MORNING, TestDb};
use serde_json::Value;

/// The laptop: a verified copy of the shared database taken with `curtain backup`, then used on
/// its own.
fn laptop_of(central: &TestDb) -> TestDb {
    let laptop = TestDb::sqlite_file();
    central.ok(
        "2026-11-21 21:00",
        &["backup", laptop.path.to_str().unwrap()],
    );
    laptop
}

/// A laptop whose roster was changed on it, by importing `csv` there.
fn laptop_that_imported(central: &TestDb, csv: &str) -> TestDb {
    let laptop = laptop_of(central);
    let file = common::write_text(&laptop, "roster.csv", csv);
    laptop.ok("2026-11-21 21:30", &["import", file.to_str().unwrap()]);
    laptop
}

fn count(conn: &curtain::store::Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

/// What the shared database holds, as numbers a lost or doubled record would change.
fn holdings(db: &TestDb) -> (i64, i64, i64, i64) {
    let conn = db.conn();
    (
        count(&conn, "SELECT count(*) FROM checks"),
        count(&conn, "SELECT count(DISTINCT id) FROM checks"),
        count(&conn, "SELECT count(*) FROM absences"),
        count(&conn, "SELECT count(*) FROM follow_ups"),
    )
}

fn statuses(db: &TestDb) -> HashMap<String, (Value, Value)> {
    db.status(MORNING, "2026-11-22 12:00")
        .into_iter()
        .map(|(id, row)| (id, (row["status"].clone(), row["observed"].clone())))
        .collect()
}

fn handover(laptop: &TestDb, central: &TestDb) -> common::Run {
    laptop.run(
        "en",
        "2026-11-22 12:00",
        &["handover", "--to", central.path.to_str().unwrap()],
    )
}

#[test]
fn a_round_walked_on_a_laptop_is_handed_over_once_however_often_it_is_handed_over() {
    let central = TestDb::with_sample_roster();
    let laptop = laptop_of(&central);

    // The laptop walks the first grid's start of the route offline: one alert, one slip undone,
    // one elder away, and the alert resolved after a phone call.
    laptop.ok("2026-11-22 08:00", &["check", "CQ001", "closed"]);
    laptop.ok("2026-11-22 08:01", &["check", "CQ002", "open"]);
    laptop.ok("2026-11-22 08:02", &["check", "CQ004", "closed"]);
    laptop.ok("2026-11-22 08:02", &["undo"]);
    laptop.ok("2026-11-22 08:03", &["check", "CQ004", "open"]);
    laptop.ok(
        "2026-11-22 08:05",
        &[
            "away",
            "CQ005",
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-24",
        ],
    );
    let alert = laptop
        .flag_of("CQ001", MORNING, "2026-11-22 08:30")
        .unwrap();
    let alert_id = alert["id"].to_string();
    laptop.ok(
        "2026-11-22 08:40",
        &[
            "resolve",
            &alert_id,
            "--outcome",
            "elder_fine",
            "--note",
            "打过电话",
        ],
    );
    // Meanwhile the shared database receives the second grid's checks, and one of the first
    // grid's seen later by someone else.
    central.ok("2026-11-22 08:10", &["check", "CQ016", "open"]);
    central.ok("2026-11-22 08:11", &["check", "CQ017", "open"]);
    central.ok("2026-11-22 08:20", &["check", "CQ002", "seen"]);

    let laptop_checks = count(&laptop.conn(), "SELECT count(*) FROM checks");
    let central_checks = count(&central.conn(), "SELECT count(*) FROM checks");
    assert_eq!((laptop_checks, central_checks), (5, 3));

    let first = handover(&laptop, &central);
    assert_eq!(first.code, 0, "{}", first.describe());
    assert!(
        first
            .stdout
            .contains("5 check(s), 1 absence(s) and 1 follow-up(s) new there; 0 it already had"),
        "{}",
        first.describe()
    );
    let after_first = holdings(&central);
    assert_eq!(after_first, (8, 8, 1, 1), "every record once");
    let statuses_first = statuses(&central);

    let second = handover(&laptop, &central);
    assert_eq!(second.code, 0, "{}", second.describe());
    assert!(
        second
            .stdout
            .contains("0 check(s), 0 absence(s) and 0 follow-up(s) new there; 7 it already had"),
        "{}",
        second.describe()
    );
    assert_eq!(
        holdings(&central),
        after_first,
        "a second hand-over adds nothing"
    );
    assert_eq!(statuses(&central), statuses_first, "nor changes a status");

    // The shared database now judges the round from both walks.
    let status = central.status(MORNING, "2026-11-22 12:00");
    let of = |id: &str| status[id]["status"].as_str().unwrap().to_string();
    assert_eq!(of("CQ001"), "alert", "the laptop's alert");
    assert_eq!(of("CQ004"), "ok", "the undone slip stays undone");
    assert_eq!(status["CQ004"]["observed"], "open");
    assert_eq!(of("CQ005"), "away", "the laptop's absence");
    assert_eq!(of("CQ016"), "ok", "the shared database's own checks stay");
    assert_eq!(
        status["CQ002"]["observed"], "seen",
        "the later of two checks of one elder decides"
    );
    assert_eq!(of("CQ003"), "missed", "nobody saw her");
    // The alert the laptop resolved is resolved here too, by the same person, with the note.
    let flag = central
        .flag_of("CQ001", MORNING, "2026-11-22 12:00")
        .unwrap();
    assert_eq!(flag["state"], "resolved", "{flag}");
    assert_eq!(flag["severity"], "high");
    let conn = central.conn();
    let (action, note, actor): (String, String, String) = conn
        .query_row(
            "SELECT u.action, u.note, u.actor FROM follow_ups AS u JOIN flags AS f
             ON f.id = u.flag_id WHERE f.elder_id = 'CQ001' AND u.action LIKE 'resolved:%'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (action.as_str(), note.as_str(), actor.as_str()),
        ("resolved:elder_fine", "打过电话", common::USER)
    );
    // The checks keep their UUIDs and who recorded them when.
    let laptop_ids: Vec<String> = laptop
        .conn()
        .prepare("SELECT id || recorded_at || checker FROM checks ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for id in &laptop_ids {
        let found = count(
            &conn,
            &format!("SELECT count(*) FROM checks WHERE id || recorded_at || checker = '{id}'"),
        );
        assert_eq!(found, 1, "{id} kept as recorded");
    }
}

#[test]
fn a_hand_over_in_chinese_says_what_it_carried() {
    let central = TestDb::with_sample_roster();
    let laptop = laptop_of(&central);
    laptop.ok("2026-11-22 08:00", &["check", "CQ001", "open"]);
    let run = laptop.run(
        "zh",
        "2026-11-22 12:00",
        &["handover", "--to", central.path.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stdout.contains("新增查看 1 条、外出 0 条、跟进 0 条"),
        "{}",
        run.describe()
    );
}

#[test]
fn a_check_of_an_elder_the_shared_roster_lacks_refuses_the_whole_hand_over() {
    let central = TestDb::with_sample_roster();
    let laptop = laptop_that_imported(
        &central,
        "编号,姓名,地址,网格\nCQ099,新老人,长青小区 A区 1栋 1单元 101,第一网格\n",
    );
    laptop.ok("2026-11-22 08:00", &["check", "CQ001", "open"]);
    laptop.ok("2026-11-22 08:01", &["check", "CQ099", "open"]);
    let before = central.snapshot();
    for (lang, says) in [
        ("en", "the shared roster has no CQ099"),
        ("zh", "中心库的花名册里没有 CQ099"),
    ] {
        let run = laptop.run(
            lang,
            "2026-11-22 12:00",
            &["handover", "--to", central.path.to_str().unwrap()],
        );
        assert_eq!(run.code, 2, "{}", run.describe());
        assert!(run.stderr.contains(says), "{}", run.describe());
        assert!(run.stdout.is_empty(), "{}", run.describe());
    }
    before.assert_same(&central.snapshot(), "a refused hand-over");
}

#[test]
fn a_laptops_roster_edits_stay_behind_and_are_named() {
    let central = TestDb::with_sample_roster();
    let laptop = laptop_that_imported(
        &central,
        "编号,姓名,地址,网格,电话\nCQ003,单秀英,长青小区 A区 1栋 3单元 401,第一网格,13000000000\n",
    );
    laptop.ok("2026-11-22 08:00", &["check", "CQ003", "open"]);
    let run = handover(&laptop, &central);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr
            .contains("this device's roster edits were not handed over")
            && run.stderr.contains("CQ003"),
        "{}",
        run.describe()
    );
    let phone: String = central
        .conn()
        .query_row("SELECT phone FROM elders WHERE id = 'CQ003'", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(
        phone, "13900008135",
        "the shared roster keeps its own phone"
    );
    assert_eq!(
        central.status(MORNING, "2026-11-22 12:00")["CQ003"]["status"],
        "ok",
        "her check went over all the same"
    );
}

#[test]
fn a_hand_over_that_cannot_be_made_says_why_and_changes_nothing() {
    let central = TestDb::with_sample_roster();
    let laptop = laptop_of(&central);
    laptop.ok("2026-11-22 08:00", &["check", "CQ001", "open"]);
    let drill = TestDb::drill_with_sample_roster();
    let missing = central.file("nowhere.db");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            "postgres://curtain@127.0.0.1:1/curtain".into(),
            "cannot connect to PostgreSQL",
            "无法连接 PostgreSQL",
        ),
        (
            laptop.path.display().to_string(),
            "is this device's own database",
            "就是本设备自己的数据库",
        ),
        (
            drill.path.display().to_string(),
            "a drill database and a live one",
            "演练数据库和正式数据库",
        ),
        (missing.display().to_string(), "nowhere.db", "nowhere.db"),
    ];
    for (to, en, zh) in cases {
        let laptop_before = laptop.snapshot();
        let central_before = central.snapshot();
        let drill_before = drill.snapshot();
        for (lang, says) in [("en", en), ("zh", zh)] {
            let run = laptop.run(lang, "2026-11-22 12:00", &["handover", "--to", &to]);
            assert_eq!(run.code, 2, "--to {to}: {}", run.describe());
            assert!(run.stderr.contains(says), "--to {to}: {}", run.describe());
        }
        laptop_before.assert_same(&laptop.snapshot(), "the laptop");
        central_before.assert_same(&central.snapshot(), "the shared database");
        drill_before.assert_same(&drill.snapshot(), "the drill database");
        assert!(!Path::new(&missing).exists(), "no database is created");
    }
}

#[test]
fn a_patrol_gap_resolved_and_an_absence_ended_on_the_laptop_are_so_on_the_shared_database() {
    let central = TestDb::with_sample_roster();
    let laptop = laptop_of(&central);
    laptop.ok(
        "2026-11-22 08:05",
        &[
            "away",
            "CQ005",
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-30",
        ],
    );
    assert_eq!(handover(&laptop, &central).code, 0);
    // Nobody walked the morning: every grid has a patrol gap. The laptop's grid worker
    // resolves the second grid's, and the elder away comes back early.
    let gap_of = |db: &TestDb| {
        db.json("2026-11-22 12:00", &["gaps", "--all", "--format", "json"])
            .into_iter()
            .find(|gap| gap["grid"] == "第二网格" && gap["round"] == MORNING)
            .expect("the second grid's gap")
    };
    let gap = gap_of(&laptop);
    laptop.ok(
        "2026-11-22 12:00",
        &[
            "resolve",
            &format!("gap:{}", gap["id"]),
            "--outcome",
            "patrol_gap",
        ],
    );
    laptop.ok("2026-11-23 12:00", &["away", "CQ005", "--end"]);
    let run = laptop.run(
        "en",
        "2026-11-23 12:00",
        &["handover", "--to", central.path.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stdout
            .contains("Also: 1 absence(s) ended early, 1 patrol gap(s) resolved."),
        "{}",
        run.describe()
    );
    let shared = gap_of(&central);
    assert_eq!(shared["state"], "resolved", "{shared}");
    let open_missed_in_grid2 = central
        .flags(false, "2026-11-23 12:00")
        .into_iter()
        .filter(|flag| flag["round"] == MORNING && flag["gap"] == shared["id"])
        .count();
    assert_eq!(open_missed_in_grid2, 0, "its missed flags went with it");
    let back_on: String = central
        .conn()
        .query_row(
            "SELECT back_on FROM absences WHERE elder_id = 'CQ005'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(back_on, "2026-11-23");
}

#[test]
fn a_follow_up_on_a_flag_the_shared_database_never_raised_is_named_not_lost_silently() {
    let central = TestDb::with_sample_roster();
    let laptop = laptop_of(&central);
    // The laptop never saw CQ003 and resolved her missed flag after a call; the shared database
    // had her seen at the window on time.
    central.ok("2026-11-22 08:00", &["check", "CQ003", "open"]);
    let missed = laptop
        .flag_of("CQ003", MORNING, "2026-11-22 10:00")
        .unwrap();
    laptop.ok(
        "2026-11-22 10:00",
        &[
            "resolve",
            &missed["id"].to_string(),
            "--outcome",
            "elder_fine",
        ],
    );
    let run = handover(&laptop, &central);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stderr.contains("not handed over")
            && run.stderr.contains("resolved:elder_fine")
            && run.stderr.contains("CQ003"),
        "{}",
        run.describe()
    );
    assert!(
        central
            .flag_of("CQ003", MORNING, "2026-11-22 12:00")
            .is_none()
    );
}

#[test]
fn a_postgres_server_that_cannot_be_reached_is_refused_plainly_and_nothing_is_created() {
    for (lang, says) in [
        (
            "en",
            "cannot connect to PostgreSQL at postgres://curtain@127.0.0.1:1/curtain",
        ),
        (
            "zh",
            "无法连接 PostgreSQL postgres://curtain@127.0.0.1:1/curtain",
        ),
    ] {
        for via_env in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let mut cmd = common::curtain();
            cmd.current_dir(dir.path()).args(["--lang", lang]);
            if via_env {
                cmd.env("CURTAIN_DB", "postgres://curtain@127.0.0.1:1/curtain");
            } else {
                cmd.args(["--db", "postgres://curtain@127.0.0.1:1/curtain"]);
            }
            let output = cmd.args(["status"]).output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{stderr}");
            assert!(stderr.contains(says), "{stderr}");
            assert_eq!(
                std::fs::read_dir(dir.path()).unwrap().count(),
                0,
                "nothing is created"
            );
        }
    }
}
