//! DESIGN.md section 3, "The real clock bounds what is kept", through the one door everyone uses:
//! the built binary. `--now` says what time it is for the screen and for which round a check
//! belongs to; it never says when something was recorded, never settles a round the real clock has
//! not closed, and on a live database may not stand more than five minutes ahead of the real clock.
//! A read gives the same answer on a read-only file and a full disk as on a writable one. And a
//! check prints the severity the rules give, the same the flags list then shows.
//!
//! The real clock is read here with `Utc::now()`, never written down: these tests run on any day.

mod common;

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Asia::Shanghai;
use common::{IMPORT_NOW, MORNING, Run, TestDb, is_root, set_mode};
use serde_json::Value;

const NOBODY: u32 = 65534;

// ---------------------------------------------------------------------------------------------
// The real clock, in the form `--now` takes.

/// The real clock moved by `offset`, as `YYYY-MM-DD HH:MM` in the community's time zone (the
/// seconds dropped, so the time given is at most a minute earlier than the instant).
fn real_clock_plus(offset: Duration) -> String {
    local_minute(Utc::now() + offset)
}

fn local_minute(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn a_year_ahead() -> String {
    real_clock_plus(Duration::days(365))
}

fn stored_instant(value: &str, what: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value)
        .unwrap_or_else(|e| panic!("{what} {value:?} is not an RFC 3339 instant: {e}"))
        .with_timezone(&Utc)
}

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

// ---------------------------------------------------------------------------------------------
// Rule: on a live database a `--now` more than five minutes ahead of the real clock is refused,
// exit 2, nothing changed; a drill database follows `--now` wherever it points.

/// The bytes that hold data: the database file, and the frames of its WAL (an absent WAL and an
/// empty one hold the same: nothing).
fn data_bytes(db: &TestDb) -> (Option<Vec<u8>>, Vec<u8>) {
    let wal = PathBuf::from(format!("{}-wal", db.path.display()));
    (
        std::fs::read(&db.path).ok(),
        std::fs::read(wal).unwrap_or_default(),
    )
}

/// A refusal: exit 2, `says` on stderr, nothing on stdout, and not one byte of data changed.
fn refused_keeping_the_data(
    db: &TestDb,
    lang: &str,
    now: &str,
    args: &[&str],
    says: &[&str],
) -> String {
    let before = data_bytes(db);
    let run = db.run(lang, now, args);
    let what = format!("`curtain {}` --lang {lang} --now {now}", args.join(" "));
    assert_eq!(run.code, 2, "{what} is refused:\n{}", run.describe());
    for fragment in says {
        assert!(
            run.stderr.contains(fragment),
            "{what}: stderr names {fragment:?}:\n{}",
            run.describe()
        );
    }
    assert!(
        run.stdout.trim().is_empty(),
        "{what}: a refusal prints nothing on stdout:\n{}",
        run.describe()
    );
    assert!(
        data_bytes(db) == before,
        "{what} changed the database or its WAL"
    );
    run.stderr
}

const FUTURE_COMMANDS: [&[&str]; 3] = [&["status"], &["flags"], &["check", "CQ001", "open"]];

#[test]
fn rule_a_future_now_is_refused_on_a_live_database() {
    let db = TestDb::with_sample_roster();
    let future = a_year_ahead();
    for args in FUTURE_COMMANDS {
        // English: the message names the option to fix.
        refused_keeping_the_data(&db, "en", &future, args, &["--now"]);
        // Chinese: the message is in Chinese.
        let stderr = refused_keeping_the_data(&db, "zh", &future, args, &[]);
        assert!(
            has_han(&stderr),
            "`curtain {}` --lang zh should refuse in Chinese:\n{stderr}",
            args.join(" ")
        );
    }
    // Ten minutes ahead is more than a fast clock: refused too.
    let ten = real_clock_plus(Duration::minutes(10));
    refused_keeping_the_data(&db, "en", &ten, &["status"], &["--now"]);
    // Nothing was recorded by any of the refusals.
    let conn = db.conn();
    let checks: i64 = conn
        .query_row("SELECT count(*) FROM checks", [], |row| row.get(0))
        .unwrap();
    assert_eq!(checks, 0, "a refused check saved nothing");
    drop(conn);

    // A clock three minutes fast is not a typo of a year: accepted.
    let near = real_clock_plus(Duration::minutes(3));
    let run = db.run("en", &near, &["status"]);
    assert_eq!(
        run.code,
        0,
        "--now {near} (3 minutes ahead):\n{}",
        run.describe()
    );
}

/// "Nothing changed", strictly, as `common::TestDb::refused` has it: not even an empty WAL (and
/// its `-shm`) left beside the file. The refusal looks whether the file is a drill database
/// through a read-only SQLite connection, which creates `-wal` and `-shm` and, being read-only,
/// does not remove them on close: as root they are left owned by root, mode 0600.
#[test]
fn rule_a_refused_future_now_leaves_no_file_behind() {
    let db = TestDb::with_sample_roster();
    let future = a_year_ahead();
    for args in FUTURE_COMMANDS {
        db.refused("en", &future, args, &["--now"]);
        let shm = PathBuf::from(format!("{}-shm", db.path.display()));
        assert!(
            !shm.exists(),
            "`curtain {}` left {} behind",
            args.join(" "),
            shm.display()
        );
    }
}

#[test]
fn rule_a_drill_database_follows_a_future_now() {
    let db = TestDb::drill_with_sample_roster();
    let future = a_year_ahead();
    for args in [&["status"][..], &["flags"]] {
        let run = db.run("en", &future, args);
        assert_eq!(
            run.code,
            0,
            "a drill database follows --now {future}: `curtain {}`\n{}",
            args.join(" "),
            run.describe()
        );
    }
}

/// Found under 50 writers (benches/city_load.py): with another terminal holding the file open,
/// the drill mark stays in the WAL, where a look at the main file alone does not find it; the
/// drill must still be known as one.
#[test]
fn rule_a_drill_database_follows_a_future_now_while_another_terminal_holds_it_open() {
    let db = TestDb::sqlite_file();
    db.ok(common::IMPORT_NOW, &["init"]);
    let other_terminal = db.sqlite();
    let _: i64 = other_terminal
        .query_row("SELECT count(*) FROM elders", [], |row| row.get(0))
        .unwrap();
    db.ok(common::IMPORT_NOW, &["init", "--drill"]);
    let wal = std::fs::metadata(format!("{}-wal", db.path.display())).map_or(0, |m| m.len());
    assert!(wal > 0, "the drill mark is still in the WAL");
    let run = db.run("en", &a_year_ahead(), &["status"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    drop(other_terminal);
}

// ---------------------------------------------------------------------------------------------
// Rule: `recorded_at`, every audit time count the real clock, always; `seen_at` is `--now`.

#[test]
fn rule_records_keep_the_real_clock() {
    let db = TestDb::with_sample_roster();
    let started = Utc::now();
    // An ok check, an alert resolved by a person, and a missed morning closed by a later ok round:
    // flags both open and closed, so both stamps are looked at.
    db.check("CQ003", "open", "2026-11-22 08:10");
    db.check("CQ005", "closed", "2026-11-22 08:20");
    db.check("CQ001", "closed", "2026-11-22 20:10"); // morning missed, evening ok: superseded
    let alert = db
        .flag_of("CQ005", MORNING, "2026-11-22 21:00")
        .expect("a closed curtain in the morning is flagged");
    db.ok(
        "2026-11-22 21:00",
        &[
            "resolve",
            &alert["id"].to_string(),
            "--outcome",
            "elder_fine",
        ],
    );
    // Everything up to the real clock settled, as any read does.
    db.ok(&real_clock_plus(Duration::zero()), &["flags"]);
    let finished = Utc::now();
    let near_real = |instant: DateTime<Utc>, what: &str| {
        assert!(
            instant >= started - Duration::minutes(2) && instant <= finished + Duration::minutes(2),
            "{what} is {instant}, not the real clock ({started} .. {finished})"
        );
    };

    let conn = db.conn();
    let (seen_at, recorded_at): (String, String) = conn
        .query_row(
            "SELECT seen_at, recorded_at FROM checks WHERE elder_id = 'CQ003'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("the check of CQ003 is stored");
    assert_eq!(
        stored_instant(&seen_at, "seen_at"),
        Utc.with_ymd_and_hms(2026, 11, 22, 0, 10, 0).unwrap(),
        "seen_at is --now (08:10 Asia/Shanghai)"
    );
    near_real(stored_instant(&recorded_at, "recorded_at"), "recorded_at");

    let mut statement = conn
        .prepare("SELECT id, elder_id, state, raised_at, closed_at FROM flags")
        .unwrap();
    let flags: Vec<(i64, String, String, String, Option<String>)> = statement
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!flags.is_empty(), "there are flags to look at");
    let mut closed = 0;
    for (id, elder, state, raised_at, closed_at) in &flags {
        let raised = stored_instant(raised_at, "raised_at");
        near_real(raised, &format!("raised_at of flag #{id} ({elder})"));
        if let Some(closed_at) = closed_at {
            closed += 1;
            let closed_at = stored_instant(closed_at, "closed_at");
            near_real(
                closed_at,
                &format!("closed_at of flag #{id} ({elder}, {state})"),
            );
            assert!(
                closed_at >= raised,
                "flag #{id} ({elder}) closed at {closed_at}, before it was raised at {raised}"
            );
        }
    }
    assert!(
        closed >= 2,
        "the resolved alert and the superseded missed morning have closed_at: {flags:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Rule: nothing is settled, flagged or counted as missed for a round that has not closed by the
// real clock, even when `--now` (within the five minutes allowed) stands past its close.

/// An elder's own windows (local opening and closing times), by slot.
#[derive(Debug, Clone, Copy, Default)]
struct OwnWindows {
    morning: Option<(NaiveTime, NaiveTime)>,
    evening: Option<(NaiveTime, NaiveTime)>,
}

fn parse_window(raw: &str) -> Option<(NaiveTime, NaiveTime)> {
    let (opens, closes) = raw.trim().split_once('-')?;
    Some((
        NaiveTime::parse_from_str(opens.trim(), "%H:%M").ok()?,
        NaiveTime::parse_from_str(closes.trim(), "%H:%M").ok()?,
    ))
}

/// Own windows of a roster CSV with the sample's Chinese headers.
fn own_windows(csv_text: &str) -> HashMap<String, OwnWindows> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (id, morning, evening) = (column("编号"), column("晨巡时段"), column("夜巡时段"));
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            (
                record[id].to_string(),
                OwnWindows {
                    morning: parse_window(&record[morning]),
                    evening: parse_window(&record[evening]),
                },
            )
        })
        .collect()
}

/// When a round (`DATE/SLOT`) closes for an elder: their own window, else the community's
/// (morning 07:00-09:30, evening 19:30-22:00, Asia/Shanghai).
fn round_closes(round: &str, own: OwnWindows) -> DateTime<Utc> {
    let (date, slot) = round.split_once('/').expect("round is DATE/SLOT");
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("round date");
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let (opens, closes) = match slot {
        "morning" => own.morning.unwrap_or((hm(7, 0), hm(9, 30))),
        "evening" => own.evening.unwrap_or((hm(19, 30), hm(22, 0))),
        other => panic!("not a slot: {other}"),
    };
    let close_date = if closes <= opens {
        date.succ_opt().unwrap()
    } else {
        date
    };
    Shanghai
        .from_local_datetime(&close_date.and_time(closes))
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// A live database with the sample roster and one extra elder, CQ901, whose own window closes
/// three minutes after the real clock (to the minute); `--now` four minutes ahead then stands
/// past that close while the real clock does not.
struct AheadOfAClose {
    db: TestDb,
    /// Own windows of every elder, for when each round closes.
    windows: HashMap<String, OwnWindows>,
    /// `--now`: the real clock plus four minutes.
    now: String,
    /// CQ901's round (`DATE/SLOT`) and when it closes; `None` near midnight, where no such window
    /// fits in one day.
    sharp: Option<(String, DateTime<Utc>)>,
}

fn ahead_of_a_close() -> AheadOfAClose {
    let base = Utc::now()
        .with_timezone(&Shanghai)
        .with_second(0)
        .unwrap()
        .with_nanosecond(0)
        .unwrap();
    let closes = base + Duration::minutes(3);
    let mut roster = std::fs::read_to_string(common::sample_roster()).unwrap();
    if !roster.ends_with('\n') {
        roster.push('\n');
    }
    let mut expected_added = 60;
    let mut sharp = None;
    if closes.date_naive() == base.date_naive() {
        let closes_at = closes.time();
        // Two hours long, or from midnight when that is less.
        let opens = closes - Duration::hours(2);
        let opens_at = if opens.date_naive() == closes.date_naive() {
            opens.time()
        } else {
            NaiveTime::MIN
        };
        let slot = if closes_at.hour() < 12 {
            "morning"
        } else {
            "evening"
        };
        let round = format!("{}/{slot}", closes.date_naive().format("%Y-%m-%d"));
        let window = format!("{}-{}", opens_at.format("%H:%M"), closes_at.format("%H:%M"));
        let (morning, evening) = if slot == "morning" {
            (window.as_str(), "")
        } else {
            ("", window.as_str())
        };
        roster.push_str(&format!(
            "CQ901,钟表匠,长青小区 Z区 9栋 1单元 101,第一网格,13900009901,,,,,,,,{morning},{evening}\n"
        ));
        expected_added += 1;
        eprintln!("CQ901's own {slot} window {window} closes round {round}");
        sharp = Some((round, closes.with_timezone(&Utc)));
    } else {
        eprintln!("near midnight: no own window closes within the next minutes of the same day");
    }
    let windows = own_windows(&roster);
    let db = TestDb::new();
    let file = common::write_text(&db, "roster.csv", &roster);
    let out = db.ok(IMPORT_NOW, &["import", file.to_str().unwrap()]);
    assert!(
        out.contains(&format!("{expected_added} added")),
        "import said: {out}"
    );
    let now = local_minute(base.with_timezone(&Utc) + Duration::minutes(4));
    AheadOfAClose {
        db,
        windows,
        now,
        sharp,
    }
}

#[test]
fn rule_nothing_is_settled_past_the_real_clock() {
    let AheadOfAClose {
        db,
        windows,
        now,
        sharp,
    } = ahead_of_a_close();
    let status_run = db.run("en", &now, &["status"]);
    assert_eq!(
        status_run.code,
        0,
        "status --now {now}:\n{}",
        status_run.describe()
    );
    let flags = db.flags(true, &now);
    let real_after = Utc::now();
    assert!(
        !flags.is_empty(),
        "past rounds were settled: some elders are missed"
    );
    // Every flag is of a round that had closed (for its elder) by the real clock.
    for flag in &flags {
        let elder = flag["elder_id"].as_str().unwrap();
        let round = flag["round"].as_str().unwrap();
        let own = windows.get(elder).copied().unwrap_or_default();
        let closes = round_closes(round, own);
        assert!(
            closes <= real_after,
            "flag #{} of {elder} for {round}, which closes at {closes}, after the real clock \
             {real_after} (--now {now}): {flag}",
            flag["id"]
        );
    }
    // The rounds before are settled: CQ901 was missed in its round of the day before.
    if let Some((round, _)) = &sharp {
        let (date, slot) = round.split_once('/').unwrap();
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let before = format!("{}/{slot}", date.pred_opt().unwrap().format("%Y-%m-%d"));
        let flag = flags
            .iter()
            .find(|flag| flag["elder_id"] == "CQ901" && flag["round"] == before.as_str());
        assert!(
            flag.is_some(),
            "CQ901 was missed in {before}, closed long ago: {flags:?}"
        );
    }
}

#[test]
fn rule_a_round_open_by_the_real_clock_is_not_counted_missed() {
    let AheadOfAClose { db, now, sharp, .. } = ahead_of_a_close();
    let Some((round, closes)) = sharp else {
        return;
    };
    let rows = db.status(&round, &now);
    let looked = Utc::now();
    let row = rows
        .get("CQ901")
        .expect("CQ901 is on the roster for its round");
    // Only if the real clock had not passed the close by the time of the answer.
    if looked < closes {
        assert_eq!(
            row["status"], "pending",
            "{round} closes at {closes} by the real clock; --now {now} stands past it, but the \
             round has not closed: pending, not missed: {row}"
        );
        assert!(row["severity"].is_null(), "not flagged: {row}");
        let flags = db.flags(true, &now);
        assert!(
            !flags
                .iter()
                .any(|flag| flag["elder_id"] == "CQ901" && flag["round"] == round.as_str()),
            "no flag for {round} yet: {flags:?}"
        );
    } else {
        eprintln!("the test was too slow to look before {closes}; nothing to say");
    }
}

// ---------------------------------------------------------------------------------------------
// Rule: a read gives the same answer on a read-only file and a full disk as on a writable one,
// and never fails because it cannot write.

const READ_NOW: &str = "2026-11-22 10:00";

/// A sample database with a few checks of the 2026-11-22 morning, nothing yet settled at 10:00,
/// in an SQLite file whatever the run: the reads below copy and lock files.
fn morning_file() -> TestDb {
    morning_in(TestDb::sqlite_file_with_sample_roster())
}

fn morning_in(db: TestDb) -> TestDb {
    for (id, observation) in [
        ("CQ001", "open"),
        ("CQ002", "closed"),
        ("CQ003", "unclear"),
        ("CQ004", "seen"),
    ] {
        db.check(id, observation, "2026-11-22 07:30");
    }
    db
}

/// The database file (and its WAL, if any) copied into `dir`, which is created.
fn copy_db(db: &TestDb, dir: &Path) -> PathBuf {
    std::fs::create_dir(dir).unwrap();
    let path = dir.join("curtain.db");
    for suffix in ["", "-wal"] {
        let from = PathBuf::from(format!("{}{suffix}", db.path.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{suffix}", path.display())).unwrap();
        }
    }
    path
}

/// The two reads compared, each a JSON array.
const READS: [&[&str]; 2] = [
    &["flags", "--format", "json"],
    &["status", "--round", MORNING, "--format", "json"],
];

/// `curtain --db DB --now READ_NOW --lang en ARGS`, wrapped in `sh -c SCRIPT` when given (the
/// binary is then `$1`, its arguments follow), as `uid` when given.
fn run_read(db: &Path, args: &[&str], uid: Option<u32>, wrap: Option<&str>) -> Run {
    let curtain = env!("CARGO_BIN_EXE_curtain");
    let mut command = match wrap {
        Some(script) => {
            let mut command = common::hermetic("sh");
            command.args(["-c", script, "sh", curtain]);
            command
        }
        None => common::curtain(),
    };
    command
        .env("CURTAIN_USER", common::USER)
        .args([
            "--db",
            db.to_str().unwrap(),
            "--now",
            READ_NOW,
            "--lang",
            "en",
        ])
        .args(args);
    if let Some(dir) = db.parent() {
        command.current_dir(dir);
    }
    if let Some(uid) = uid {
        command.uid(uid).gid(uid);
    }
    let output = command.output().expect("run curtain");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The JSON of a read; `raised_at` and `closed_at` are the real clock when the flag was settled,
/// so they are checked to be the real clock of the run and then set aside for the comparison.
fn read_json(run: &Run, what: &str, started: DateTime<Utc>) -> Value {
    assert_eq!(run.code, 0, "{what}:\n{}", run.describe());
    assert!(
        !run.stderr.contains("panicked"),
        "{what}:\n{}",
        run.describe()
    );
    let mut value: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{what} gave no JSON ({e}):\n{}", run.describe()));
    let rows = value
        .as_array_mut()
        .unwrap_or_else(|| panic!("{what}: not an array:\n{}", run.stdout));
    assert!(!rows.is_empty(), "{what}: an empty answer proves nothing");
    let finished = Utc::now();
    for row in rows {
        let Some(object) = row.as_object_mut() else {
            panic!("{what}: a row is not an object: {row}");
        };
        for key in ["raised_at", "closed_at"] {
            if let Some(Value::String(stamp)) = object.get(key) {
                let at = stored_instant(stamp, key);
                assert!(
                    at >= started - Duration::minutes(2) && at <= finished + Duration::minutes(2),
                    "{what}: {key} {at} is not the real clock of the run"
                );
                object.insert(key.to_string(), Value::String("<real clock>".into()));
            }
        }
    }
    value
}

/// Runs every read on a writable copy and on `path` (set up to refuse writes by the caller) and
/// insists on the same answers.
fn same_answers(db: &TestDb, path: &Path, uid: Option<u32>, wrap: Option<&str>, what: &str) {
    let writable = copy_db(db, &db.file("writable"));
    let before = std::fs::read(path).unwrap();
    for args in READS {
        let started = Utc::now();
        let expected = read_json(
            &run_read(&writable, args, None, None),
            &format!("`curtain {}` on a writable copy", args.join(" ")),
            started,
        );
        let started = Utc::now();
        let got = read_json(
            &run_read(path, args, uid, wrap),
            &format!("`curtain {}` on {what}", args.join(" ")),
            started,
        );
        assert_eq!(
            got,
            expected,
            "`curtain {}` on {what} gives another answer than on a writable copy",
            args.join(" ")
        );
    }
    assert!(
        std::fs::read(path).unwrap() == before,
        "a read on {what} left the file as it was"
    );
}

/// A copy of the morning database in `dir/ro/`, read-only: the file (0400) and, with
/// `whole_dir`, its directory (0500), as on a read-only disk. As root the copy belongs to nobody,
/// who runs the reads. Returns the database, the copy and the uid to read as.
fn read_only_copy(whole_dir: bool) -> (TestDb, PathBuf, Option<u32>) {
    let db = morning_file();
    let dir = db.file("ro");
    let path = copy_db(&db, &dir);
    let uid = is_root().then_some(NOBODY);
    if let Some(uid) = uid {
        // chmod does not stop root: the read runs as nobody, who owns the copy and can reach it.
        set_mode(db.dir.path(), 0o711);
        std::os::unix::fs::chown(&dir, Some(uid), Some(uid)).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::os::unix::fs::chown(entry.unwrap().path(), Some(uid), Some(uid)).unwrap();
        }
        let probe = run_read(&path, &["--version"], Some(uid), None);
        assert_eq!(
            probe.code,
            0,
            "setup: running as root, the binary must run as nobody (uid {uid}) for this test; \
             make the target directory reachable by nobody:\n{}",
            probe.describe()
        );
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        set_mode(&entry.unwrap().path(), 0o400);
    }
    if whole_dir {
        set_mode(&dir, 0o500);
    }
    (db, path, uid)
}

#[test]
fn rule_a_read_gives_the_same_answer_on_a_read_only_file() {
    let (db, path, uid) = read_only_copy(false);
    same_answers(&db, &path, uid, None, "a read-only file");
}

#[test]
fn rule_a_read_gives_the_same_answer_on_a_read_only_directory() {
    let (db, path, uid) = read_only_copy(true);
    same_answers(
        &db,
        &path,
        uid,
        None,
        "a read-only file in a read-only directory",
    );
    set_mode(path.parent().unwrap(), 0o700);
}

/// Reads under RLIMIT_FSIZE 0: not one byte more may be written to any file, as on a full disk
/// (with SIGXFSZ ignored, as a shell's `trap` leaves it, the write returns an error). With
/// `terminal`, another terminal keeps the file open meanwhile, as the TUI does all day.
fn full_disk_reads(terminal: bool) {
    let prlimit = Command::new("prlimit").arg("--version").output();
    assert!(
        prlimit.is_ok_and(|out| out.status.success()),
        "setup: this test needs util-linux `prlimit` (RLIMIT_FSIZE stands in for a full disk)"
    );
    let db = morning_file();
    let path = copy_db(&db, &db.file("full"));
    let open = terminal.then(|| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let _: i64 = conn
            .query_row("SELECT count(*) FROM elders", [], |row| row.get(0))
            .unwrap();
        conn
    });
    let script = r#"trap "" XFSZ; exec prlimit --fsize=0 -- "$@""#;
    same_answers(&db, &path, None, Some(script), "a full disk");
    drop(open);
}

#[test]
#[cfg_attr(missing_prlimit, ignore = "util-linux prlimit is not installed")]
fn rule_a_read_gives_the_same_answer_on_a_full_disk() {
    full_disk_reads(true);
}

#[test]
#[cfg_attr(missing_prlimit, ignore = "util-linux prlimit is not installed")]
fn rule_a_read_gives_the_same_answer_on_a_full_disk_with_no_other_terminal_open() {
    full_disk_reads(false);
}

// ---------------------------------------------------------------------------------------------
// Rule: the severity a check prints is the one the rules give (base high for a morning alert,
// medium for an evening alert, low for unclear or missed; one level up per extra round in the
// streak, capped at critical) and the one the flags list then shows: the check settles the
// rounds before it by itself.

struct SeverityCase {
    what: &'static str,
    elder: &'static str,
    /// Checks before the one looked at: (observation, --now).
    before: &'static [(&'static str, &'static str)],
    observation: &'static str,
    now: &'static str,
    round: &'static str,
    streak: i64,
    severity: &'static str,
}

const SEVERITY_CASES: &[SeverityCase] = &[
    SeverityCase {
        what: "morning missed, then an evening alert: medium + 1",
        elder: "CQ001",
        before: &[],
        observation: "open",
        now: "2026-11-22 20:05",
        round: "2026-11-22/evening",
        streak: 2,
        severity: "high",
    },
    SeverityCase {
        what: "a morning alert after an ok evening: high",
        elder: "CQ002",
        before: &[("open", "2026-11-22 07:30"), ("closed", "2026-11-22 20:00")],
        observation: "closed",
        now: "2026-11-23 07:40",
        round: "2026-11-23/morning",
        streak: 1,
        severity: "high",
    },
    SeverityCase {
        what: "open at night, closed in the morning: critical",
        elder: "CQ003",
        before: &[("open", "2026-11-22 07:30"), ("open", "2026-11-22 20:05")],
        observation: "closed",
        now: "2026-11-23 07:40",
        round: "2026-11-23/morning",
        streak: 2,
        severity: "critical",
    },
    SeverityCase {
        what: "two rounds missed, then a morning alert: capped at critical",
        elder: "CQ004",
        before: &[],
        observation: "closed",
        now: "2026-11-23 07:40",
        round: "2026-11-23/morning",
        streak: 3,
        severity: "critical",
    },
    SeverityCase {
        what: "morning missed, then unclear in the evening: low + 1",
        elder: "CQ005",
        before: &[],
        observation: "unclear",
        now: "2026-11-22 20:05",
        round: "2026-11-22/evening",
        streak: 2,
        severity: "medium",
    },
];

/// `⚠ flagged #ID, severity SEVERITY.` from the English output of a check.
fn printed_flag(out: &str) -> Option<(i64, String)> {
    let rest = &out[out.find("flagged #")? + "flagged #".len()..];
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let rest = &rest[rest.find("severity ")? + "severity ".len()..];
    let severity: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
    Some((id.parse().ok()?, severity))
}

#[test]
fn rule_the_check_prints_the_severity_the_rules_give() {
    for case in SEVERITY_CASES {
        let db = TestDb::with_sample_roster();
        for (observation, now) in case.before {
            db.check(case.elder, observation, now);
        }
        // No `status` or `flags` first: the check alone settles the rounds before it.
        let out = db.check(case.elder, case.observation, case.now);
        let (id, printed) = printed_flag(&out).unwrap_or_else(|| {
            panic!(
                "{}: the check says it flagged, and how severely:\n{out}",
                case.what
            )
        });
        assert_eq!(
            printed, case.severity,
            "{}: the check printed:\n{out}",
            case.what
        );
        let flags = db.flags(true, case.now);
        let flag = flags
            .iter()
            .find(|flag| flag["id"] == id)
            .unwrap_or_else(|| panic!("{}: flag #{id} is listed: {flags:?}", case.what));
        assert_eq!(flag["elder_id"], case.elder, "{}: {flag}", case.what);
        assert_eq!(flag["round"], case.round, "{}: {flag}", case.what);
        assert_eq!(
            flag["severity"], printed,
            "{}: the flags list shows the severity the check printed: {flag}",
            case.what
        );
        assert_eq!(flag["streak"], case.streak, "{}: {flag}", case.what);
    }

    // In Chinese the check says the same in Chinese.
    let db = TestDb::with_sample_roster();
    let run = db.run("zh", "2026-11-22 20:05", &["check", "CQ001", "open"]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert!(
        run.stdout.contains("严重度") && has_han(&run.stdout),
        "the Chinese check names the severity:\n{}",
        run.describe()
    );
    let flag = db
        .flag_of("CQ001", "2026-11-22/evening", "2026-11-22 20:05")
        .expect("flagged");
    assert_eq!(flag["severity"], "high", "{flag}");
    assert!(
        run.stdout.contains(&format!("#{}", flag["id"])),
        "{}",
        run.stdout
    );
}
