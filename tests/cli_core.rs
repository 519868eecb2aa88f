//! The acceptance scenario, run on the built binary: the sample roster imported the
//! evening before, a morning round of checks on 2026-11-22, then `status` and `flags` as JSON,
//! every field as DESIGN.md section 3 predicts. Also the CSV outputs and when an elder joins.

mod common;

use std::collections::HashMap;

use common::{MORNING, TestDb, USER, sample_elders, severity_rank};
use serde_json::{Value, json};

/// What DESIGN predicts for one elder of the morning round at 10:00.
#[derive(Debug, Clone, Copy)]
struct Expect {
    observed: Option<&'static str>,
    status: &'static str,
    late: bool,
    severity: Option<&'static str>,
}

const OK_OPEN: Expect = Expect {
    observed: Some("open"),
    status: "ok",
    late: false,
    severity: None,
};
const MISSED: Expect = Expect {
    observed: None,
    status: "missed",
    late: false,
    severity: Some("low"),
};

/// Elders left unchecked whose window closed at 09:30: missed by 10:00.
const UNCHECKED: [&str; 3] = ["CQ020", "CQ040", "CQ050"];
/// Own window 08:00-10:30 and unchecked: still pending at 10:00.
const PENDING_OWN_WINDOW: &str = "CQ035";

/// The morning of 2026-11-22, walked. Returns the database and what DESIGN predicts per elder.
fn walk_the_morning() -> (TestDb, HashMap<String, Expect>) {
    let db = TestDb::with_sample_roster();
    let mut expect: HashMap<String, Expect> = HashMap::new();
    let special = |id: &str| {
        [
            "CQ003", "CQ004", "CQ005", "CQ006", "CQ007", "CQ008", "CQ009", "CQ010", "CQ012",
        ]
        .contains(&id)
            || UNCHECKED.contains(&id)
            || id == PENDING_OWN_WINDOW
    };
    // Most elders: open, at times spread over the window 07:00-09:29.
    let times = [
        "07:00", "07:12", "07:25", "07:40", "07:58", "08:03", "08:20", "08:41", "09:02", "09:29",
    ];
    for (index, elder) in sample_elders().iter().enumerate() {
        if special(&elder.id) {
            continue;
        }
        let now = format!("2026-11-22 {}", times[index % times.len()]);
        let out = db.check(&elder.id, "open", &now);
        assert!(!out.contains("flagged"), "{}: {out}", elder.id);
        expect.insert(elder.id.clone(), OK_OPEN);
    }
    // The elder in person at the window: the best news.
    for (id, now) in [("CQ003", "2026-11-22 07:40"), ("CQ004", "2026-11-22 08:15")] {
        db.check(id, "seen", now);
        expect.insert(
            id.into(),
            Expect {
                observed: Some("seen"),
                ..OK_OPEN
            },
        );
    }
    // Closed in the morning: an alert, high.
    for (id, now) in [("CQ005", "2026-11-22 07:50"), ("CQ006", "2026-11-22 08:20")] {
        let out = db.check(id, "closed", now);
        assert!(
            out.contains("flagged"),
            "a closed curtain is flagged: {out}"
        );
        expect.insert(
            id.into(),
            Expect {
                observed: Some("closed"),
                status: "alert",
                late: false,
                severity: Some("high"),
            },
        );
    }
    db.check("CQ008", "unclear", "2026-11-22 08:05");
    expect.insert(
        "CQ008".into(),
        Expect {
            observed: Some("unclear"),
            status: "unclear",
            late: false,
            severity: Some("low"),
        },
    );
    // Exactly at the closing minute: still on time (both ends belong to the window).
    db.check("CQ012", "open", "2026-11-22 09:30");
    expect.insert("CQ012".into(), OK_OPEN);
    // After the window closed: counts, marked late.
    let out = db.check("CQ009", "open", "2026-11-22 09:45");
    assert!(
        out.contains("late"),
        "the 09:45 check says it is late: {out}"
    );
    expect.insert(
        "CQ009".into(),
        Expect {
            late: true,
            ..OK_OPEN
        },
    );
    // CQ007 has its own morning window 08:00-10:30: 09:45 is on time for them.
    let out = db.check("CQ007", "open", "2026-11-22 09:45");
    assert!(
        !out.contains("late"),
        "CQ007's own window runs to 10:30: {out}"
    );
    expect.insert("CQ007".into(), OK_OPEN);
    // A paper round typed in at 10:00: the time that counts is when the curtain was seen.
    let out = db.ok(
        "2026-11-22 10:00",
        &["check", "CQ010", "open", "--at", "08:10"],
    );
    assert!(!out.contains("late"), "seen at 08:10 is not late: {out}");
    expect.insert("CQ010".into(), OK_OPEN);
    for id in UNCHECKED {
        expect.insert(id.into(), MISSED);
    }
    expect.insert(
        PENDING_OWN_WINDOW.into(),
        Expect {
            observed: None,
            status: "pending",
            late: false,
            severity: None,
        },
    );
    assert_eq!(expect.len(), 60, "every elder has a prediction");
    (db, expect)
}

#[test]
fn morning_round_status_json_gives_every_design_field_for_every_elder() {
    let (db, expect) = walk_the_morning();
    let rows = db.json(
        "2026-11-22 10:00",
        &["status", "--round", MORNING, "--format", "json"],
    );
    assert_eq!(rows.len(), 60, "every active elder is listed");
    let roster: HashMap<String, _> = sample_elders()
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let mut wrong = Vec::new();
    for row in &rows {
        let id = row["elder_id"].as_str().expect("elder_id is a string");
        let want = expect[id];
        let elder = &roster[id];
        let expected_row = json!({
            "elder_id": id,
            "name": elder.name,
            "grid": elder.grid,
            "round": MORNING,
            "expected": "open",
            "observed": want.observed,
            "status": want.status,
            "late": want.late,
            "severity": want.severity,
        });
        for (key, value) in expected_row.as_object().unwrap() {
            match row.get(key) {
                Some(got) if got == value => {}
                got => wrong.push(format!("{id}.{key}: want {value}, got {got:?}")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "status rows differ:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn morning_round_status_lists_elders_in_route_order() {
    let (db, _) = walk_the_morning();
    let rows = db.json(
        "2026-11-22 10:00",
        &["status", "--round", MORNING, "--format", "json"],
    );
    let mut roster = sample_elders();
    roster.sort_by_key(|e| (e.route.is_none(), e.route, e.id.clone()));
    let want: Vec<&str> = roster.iter().map(|e| e.id.as_str()).collect();
    let got: Vec<&str> = rows
        .iter()
        .map(|r| r["elder_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, want, "the walking route, in order");
}

#[test]
fn flags_json_lists_the_mornings_flags_most_severe_first() {
    let (db, _) = walk_the_morning();
    let flags = db.flags(false, "2026-11-22 10:00");
    for flag in &flags {
        for key in [
            "id", "elder_id", "name", "round", "status", "severity", "streak", "state",
        ] {
            assert!(flag.get(key).is_some(), "flag row lacks {key}: {flag}");
        }
        assert!(flag["id"].is_i64(), "flag id is a number: {flag}");
    }
    let route: HashMap<String, Option<i64>> = sample_elders()
        .into_iter()
        .map(|e| (e.id, e.route))
        .collect();
    let names: HashMap<String, String> = sample_elders()
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    // (elder, status, severity): the two alerts (high) first, then the lows by route.
    let mut want: Vec<(&str, &str, &str)> = vec![
        ("CQ005", "alert", "high"),
        ("CQ006", "alert", "high"),
        ("CQ008", "unclear", "low"),
    ];
    for id in UNCHECKED {
        want.push((id, "missed", "low"));
    }
    want.sort_by_key(|(id, _, severity)| {
        (
            -severity_rank(&Value::from(*severity)),
            route[*id].is_none(),
            route[*id],
        )
    });
    let got: Vec<(String, String, String)> = flags
        .iter()
        .map(|f| {
            (
                f["elder_id"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want_owned: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(
        got, want_owned,
        "open flags at 10:00, most severe first (CQ035 is pending, not flagged)"
    );
    for flag in &flags {
        let id = flag["elder_id"].as_str().unwrap();
        assert_eq!(flag["round"], MORNING, "{flag}");
        assert_eq!(flag["streak"], 1, "first round on the roster: {flag}");
        assert_eq!(flag["state"], "open", "{flag}");
        assert_eq!(flag["name"], names[id].as_str(), "{flag}");
    }
    let ranks: Vec<i32> = flags
        .iter()
        .map(|f| severity_rank(&f["severity"]))
        .collect();
    assert!(
        ranks.windows(2).all(|w| w[0] >= w[1]),
        "most severe first: {ranks:?}"
    );
}

#[test]
fn own_window_elder_left_unchecked_is_missed_once_their_window_closes() {
    let (db, _) = walk_the_morning();
    let at_1030 = db.status(MORNING, "2026-11-22 10:30");
    assert_eq!(
        at_1030[PENDING_OWN_WINDOW]["status"], "pending",
        "the closing minute still belongs to the window"
    );
    let at_1031 = db.status(MORNING, "2026-11-22 10:31");
    assert_eq!(at_1031[PENDING_OWN_WINDOW]["status"], "missed");
    assert_eq!(at_1031[PENDING_OWN_WINDOW]["severity"], "low");
    let flags = db.flags(false, "2026-11-22 10:31");
    assert!(
        flags
            .iter()
            .any(|f| f["elder_id"] == PENDING_OWN_WINDOW && f["status"] == "missed"),
        "CQ035's missed round is flagged once their window closed: {flags:?}"
    );
}

#[test]
fn status_without_round_shows_the_current_round() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:30");
    let rows = db.json("2026-11-22 08:00", &["status", "--format", "json"]);
    assert_eq!(rows.len(), 60);
    assert!(rows.iter().all(|r| r["round"] == MORNING), "{:?}", rows[0]);
    let evening = db.json("2026-11-22 20:00", &["status", "--format", "json"]);
    assert!(
        evening
            .iter()
            .all(|r| r["round"] == "2026-11-22/evening" && r["expected"] == "closed")
    );
}

#[test]
fn status_grid_option_lists_only_that_grid() {
    let db = TestDb::with_sample_roster();
    let rows = db.json(
        "2026-11-22 08:00",
        &[
            "status",
            "--round",
            MORNING,
            "--grid",
            "第二网格",
            "--format",
            "json",
        ],
    );
    let want = sample_elders()
        .iter()
        .filter(|e| e.grid == "第二网格")
        .count();
    assert_eq!(rows.len(), want);
    assert!(rows.iter().all(|r| r["grid"] == "第二网格"));
}

#[test]
fn elder_added_during_a_window_joins_from_the_next_round() {
    let db = TestDb::new();
    db.ok(
        "2026-11-22 08:00",
        &["import", common::sample_roster().to_str().unwrap()],
    );
    let morning = db.json(
        "2026-11-22 10:00",
        &["status", "--round", MORNING, "--format", "json"],
    );
    assert!(
        morning.is_empty(),
        "added at 08:00, after the morning window opened: not on that round's roster: {morning:?}"
    );
    let evening = db.json(
        "2026-11-22 20:00",
        &[
            "status",
            "--round",
            "2026-11-22/evening",
            "--format",
            "json",
        ],
    );
    assert_eq!(evening.len(), 60);
    let flags = db.flags(true, "2026-11-22 23:00");
    assert!(
        flags.iter().all(|f| f["round"] != MORNING),
        "no flags for a round before joining: {flags:?}"
    );
    let refused = db.run("en", "2026-11-22 08:30", &["check", "CQ001", "open"]);
    assert_eq!(
        refused.code,
        2,
        "a check for a round the elder is not on is refused:\n{}",
        refused.describe()
    );
    assert!(
        refused.stderr.contains("not on the roster"),
        "{}",
        refused.stderr
    );
}

#[test]
fn elders_csv_parses_with_a_header_row() {
    let db = TestDb::with_sample_roster();
    let out = db.ok("2026-11-22 08:00", &["elders", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    for column in ["elder_id", "name", "address", "grid", "phone", "active"] {
        assert!(
            headers.iter().any(|h| h == column),
            "elders CSV lacks {column}: {headers:?}"
        );
    }
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("every CSV record parses");
    assert_eq!(records.len(), 60);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let roster: HashMap<String, _> = sample_elders()
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    for record in &records {
        let elder = &roster[&record[col("elder_id")]];
        assert_eq!(&record[col("name")], elder.name);
        assert_eq!(&record[col("address")], elder.address);
        assert_eq!(&record[col("grid")], elder.grid);
        assert_eq!(&record[col("phone")], elder.phone);
        assert_eq!(&record[col("active")], "true");
    }
}

#[test]
fn status_csv_parses_with_a_header_row() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "closed", "2026-11-22 07:30");
    db.check("CQ002", "open", "2026-11-22 07:31");
    let out = db.ok(
        "2026-11-22 10:00",
        &["status", "--round", MORNING, "--format", "csv"],
    );
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    for column in [
        "elder_id", "name", "grid", "round", "expected", "observed", "status", "late", "severity",
    ] {
        assert!(
            headers.iter().any(|h| h == column),
            "status CSV lacks {column}: {headers:?}"
        );
    }
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("every CSV record parses");
    assert_eq!(records.len(), 60);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = |id: &str| {
        records
            .iter()
            .find(|r| &r[col("elder_id")] == id)
            .unwrap_or_else(|| panic!("{id} not in CSV"))
    };
    assert_eq!(&row("CQ001")[col("status")], "alert");
    assert_eq!(&row("CQ001")[col("severity")], "high");
    assert_eq!(&row("CQ001")[col("observed")], "closed");
    assert_eq!(&row("CQ002")[col("status")], "ok");
    assert_eq!(&row("CQ003")[col("status")], "missed");
    assert_eq!(
        &row("CQ003")[col("observed")],
        "",
        "no observation: empty cell"
    );
}

#[test]
fn status_csv_of_a_round_with_nobody_on_it_still_has_a_header_row() {
    // Before the roster's first round nobody is listed; a spreadsheet still needs the columns.
    let db = TestDb::with_sample_roster();
    let out = db.ok(
        "2026-11-21 21:00",
        &["status", "--round", "2026-11-21/evening", "--format", "csv"],
    );
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let headers = reader.headers().expect("a header row").clone();
    assert!(
        headers.iter().any(|h| h == "elder_id") && headers.iter().any(|h| h == "status"),
        "an empty status CSV still carries its header row, got {out:?}"
    );
    assert_eq!(reader.records().count(), 0);
}

#[test]
fn check_records_the_acting_user_as_checker() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:30");
    db.ok_as("li_shifu", "2026-11-22 07:31", &["check", "CQ002", "open"]);
    let rows = db.status(MORNING, "2026-11-22 08:00");
    assert_eq!(rows["CQ001"]["checker"], USER);
    assert_eq!(rows["CQ002"]["checker"], "li_shifu");
}
