//! Many writers on one database (DESIGN.md §7, issue #5): 8 `curtain check` processes × 500
//! checks each, all at once, lose nothing, duplicate nothing and never meet "database is locked";
//! and a TUI ticking with keys while a CLI loop records other elders both get every check in.
//!
//! The roster is generated: 500 elders in two grids, so each writer walks every elder once in a
//! round of its own (8 writers = the 4 days × 2 rounds of 2026-11-22..25) and every check is a
//! distinct (elder, round).

mod common;
mod common_tmux;

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::TestDb;
use common_tmux::{Lang, MORNING, Tmux};

const WRITERS: usize = 8;
const CHECKS_PER_WRITER: usize = 500;
const ELDERS: usize = 500;
/// Every round of the four days, one per writer.
const ROUNDS: [&str; WRITERS] = [
    "2026-11-22/morning",
    "2026-11-22/evening",
    "2026-11-23/morning",
    "2026-11-23/evening",
    "2026-11-24/morning",
    "2026-11-24/evening",
    "2026-11-25/morning",
    "2026-11-25/evening",
];
/// After every round's window has closed: the checks are late entries of a paper round.
const AFTER_ALL_ROUNDS: &str = "2026-11-25 23:00";

/// `E0000`..: the first half in 第一网格, the second in 第二网格.
fn elder_id(index: usize) -> String {
    format!("E{index:04}")
}

/// A roster of `ELDERS` elders, imported the evening before the first round.
fn write_roster(path: &Path) {
    let mut text = String::from("编号,姓名,地址,网格,顺序\n");
    for index in 0..ELDERS {
        let grid = if index < ELDERS / 2 {
            "第一网格"
        } else {
            "第二网格"
        };
        text.push_str(&format!(
            "{},老人{index},长青小区 {}栋 {}室,{grid},{}\n",
            elder_id(index),
            index / 20 + 1,
            index % 20 + 101,
            index + 1
        ));
    }
    std::fs::write(path, text).expect("write the generated roster");
}

fn generated_db() -> TestDb {
    let db = TestDb::new();
    let roster = db.file("roster.csv");
    write_roster(&roster);
    let out = db.ok(common::IMPORT_NOW, &["import", roster.to_str().unwrap()]);
    assert!(out.contains(&format!("{ELDERS} added")), "{out}");
    db
}

/// One writer: a shell loop would hide failures, so the loop is here, each check a process of
/// its own, and every failure kept with its words.
fn writer(db: &Path, index: usize) -> Vec<String> {
    let round = ROUNDS[index];
    let observation = if round.ends_with("morning") {
        "open"
    } else {
        "closed"
    };
    let mut failures = Vec::new();
    for elder in 0..CHECKS_PER_WRITER {
        let id = elder_id(elder);
        let run = common::run(common::command_for(
            db,
            &format!("writer{index}"),
            "en",
            AFTER_ALL_ROUNDS,
            &["check", &id, observation, "--round", round],
        ));
        if run.code != 0 || !run.stdout.contains("saved") || run.stderr.contains("locked") {
            failures.push(format!("writer {index}, {id} {round}: {}", run.describe()));
        }
    }
    failures
}

#[test]
fn eight_processes_record_500_checks_each_and_every_one_is_there_once() {
    let db = generated_db();
    let start = Instant::now();
    let failures: Vec<String> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|index| {
                scope.spawn({
                    let path = db.path.clone();
                    move || writer(&path, index)
                })
            })
            .collect();
        writers
            .into_iter()
            .flat_map(|handle| handle.join().expect("writer thread"))
            .collect()
    });
    let took = start.elapsed();
    let total = WRITERS * CHECKS_PER_WRITER;
    eprintln!(
        "{WRITERS} processes × {CHECKS_PER_WRITER} checks = {total} checks in {took:?} \
         ({:.1} ms per check, {:.0} checks/s)",
        took.as_secs_f64() * 1000.0 / total as f64,
        total as f64 / took.as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} checks failed; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );

    let conn = db.conn();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM checks"), total as i64);
    assert_eq!(
        count("SELECT count(DISTINCT id) FROM checks"),
        total as i64,
        "no duplicate ids"
    );
    assert_eq!(
        count("SELECT count(*) FROM (SELECT DISTINCT elder_id, round FROM checks) AS pairs"),
        total as i64,
        "every (elder, round) exactly once"
    );
    for index in 0..WRITERS {
        let mine: i64 = conn
            .query_row(
                "SELECT count(*) FROM checks WHERE checker = ?1",
                [format!("writer{index}")],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(mine, CHECKS_PER_WRITER as i64, "writer{index}");
    }
    // An SQLite file is whole; a PostgreSQL server keeps its own pages (pg_amcheck's job).
    if conn.backend() == curtain::store::Backend::Sqlite {
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
    // And the rules saw them: every elder ok in every round.
    for round in ROUNDS {
        let status = db.status(round, AFTER_ALL_ROUNDS);
        let ok = status.values().filter(|row| row["status"] == "ok").count();
        assert_eq!(ok, ELDERS, "{round}");
    }
}

/// The TUI's ticks on 第一网格 and a CLI loop's on 第二网格, at the same time.
#[test]
#[cfg_attr(missing_tmux, ignore = "tmux is not installed")]
fn a_tui_and_a_cli_writer_at_once_both_get_every_check_in() {
    // A test that cannot run must not pass: CI installs tmux (.ci/run).
    let Some(tmux) = Tmux::new() else {
        panic!("tmux is not installed: this test drives the real terminal in tmux");
    };
    // The TUI's elders: the first `TICKS` of 第一网格, in route order.
    const TICKS: usize = 100;
    let db = tmux.db("curtain.db");
    let roster = tmux.file("roster.csv");
    write_roster(&roster);
    // As of the evening before, so every elder is on the roster for the morning round.
    let import = common::curtain()
        .args(["--db", db.to_str().unwrap(), "--now", common::IMPORT_NOW])
        .args(["--lang", "en", "--user", "admin", "import"])
        .arg(&roster)
        .output()
        .expect("run curtain import");
    assert!(import.status.success(), "{import:?}");

    tmux.open("tui", (100, 40), Lang::En, &db, "tui");
    tmux.wait_for("tui", "老人0 ");
    tmux.keys("tui", &["g"]);
    tmux.wait_for("tui", "· 第一网格");

    let cli_ids: Vec<String> = (ELDERS / 2..ELDERS).map(elder_id).collect();
    let cli_failures = std::thread::scope(|scope| {
        let cli = scope.spawn(|| {
            let mut failures = Vec::new();
            for id in &cli_ids {
                let mut child = common::curtain()
                    .args(["--db", db.to_str().unwrap(), "--now", common_tmux::NOW])
                    .args(["--lang", "en", "--user", "cli", "check", id, "open"])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("run curtain check");
                let status = child.wait().expect("wait for curtain check");
                let mut stderr = String::new();
                if let Some(mut pipe) = child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                if !status.success() || stderr.contains("locked") {
                    failures.push(format!("{id}: {status} {stderr}"));
                }
            }
            failures
        });
        // One key at a time, each a durable commit in the TUI, while the CLI loop runs.
        for _ in 0..TICKS {
            tmux.type_text("tui", "o");
            std::thread::sleep(Duration::from_millis(15));
        }
        cli.join().expect("CLI loop")
    });
    assert!(cli_failures.is_empty(), "{cli_failures:?}");

    // Every tick the TUI was sent reaches the database.
    let deadline = Instant::now() + Duration::from_secs(20);
    let by = |rows: &[serde_json::Value], user: &str| {
        rows.iter()
            .filter(|row| row["checker"] == user)
            .map(|row| row["elder_id"].as_str().unwrap().to_string())
            .collect::<HashSet<_>>()
    };
    let rows = loop {
        let rows = common_tmux::status(&db);
        if by(&rows, "tui").len() >= TICKS || Instant::now() > deadline {
            break rows;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let screen = tmux.settled_screen("tui");
    assert!(!tmux.is_dead("tui"), "{screen}");
    let tui = by(&rows, "tui");
    let cli = by(&rows, "cli");
    assert_eq!(tui.len(), TICKS, "the TUI's ticks:\n{screen}");
    assert_eq!(
        tui,
        (0..TICKS).map(elder_id).collect::<HashSet<_>>(),
        "the first {TICKS} of 第一网格, each once"
    );
    assert_eq!(cli, cli_ids.iter().cloned().collect::<HashSet<_>>());
    let ok = rows.iter().filter(|row| row["status"] == "ok").count();
    assert_eq!(ok, TICKS + cli_ids.len(), "{MORNING}");
}
