//! Flags over several rounds, on the built binary: streaks and severity, `away` ending a streak,
//! supersede by a later ok round, resolve, and undo (DESIGN.md section 3).

mod common;

use common::{EVENING, MORNING, TestDb, USER};

const NEXT_MORNING: &str = "2026-11-23/morning";

#[test]
fn evening_open_then_morning_closed_is_critical_with_streak_2() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 08:00");
    let out = db.check("CQ001", "open", "2026-11-22 20:05");
    assert!(out.contains("flagged"), "open at night is flagged: {out}");
    let evening = db
        .flag_of("CQ001", EVENING, "2026-11-22 20:10")
        .expect("the evening alert is flagged");
    assert_eq!(evening["status"], "alert");
    assert_eq!(evening["severity"], "medium", "evening alert base: medium");
    assert_eq!(evening["streak"], 1);
    assert_eq!(evening["state"], "open");

    db.check("CQ001", "closed", "2026-11-23 08:05");
    let morning = db
        .flag_of("CQ001", NEXT_MORNING, "2026-11-23 08:10")
        .expect("the morning alert is flagged");
    assert_eq!(morning["status"], "alert");
    assert_eq!(
        morning["severity"], "critical",
        "nobody touched that curtain for twelve hours"
    );
    assert_eq!(morning["streak"], 2);
    let status = db.status(NEXT_MORNING, "2026-11-23 08:10");
    assert_eq!(status["CQ001"]["status"], "alert");
    assert_eq!(status["CQ001"]["severity"], "critical");
    // The critical one is listed first.
    let open = db.flags(false, "2026-11-23 08:10");
    assert_eq!(open[0]["elder_id"], "CQ001", "{:?}", open[0]);
    assert_eq!(open[0]["severity"], "critical");
}

#[test]
fn two_missed_rounds_in_a_row_are_medium_with_streak_2() {
    let db = TestDb::with_sample_roster();
    // A grid worker looks at the flags after the morning round: the missed flag is raised then.
    let morning = db
        .flag_of("CQ002", MORNING, "2026-11-22 10:00")
        .expect("missed morning flagged");
    assert_eq!(morning["status"], "missed");
    assert_eq!(morning["severity"], "low");
    assert_eq!(morning["streak"], 1);
    let evening = db
        .flag_of("CQ002", EVENING, "2026-11-22 22:30")
        .expect("missed evening flagged");
    assert_eq!(evening["status"], "missed");
    assert_eq!(evening["severity"], "medium");
    assert_eq!(evening["streak"], 2);
    let status = db.status(EVENING, "2026-11-22 22:30");
    assert_eq!(status["CQ002"]["status"], "missed");
    assert_eq!(status["CQ002"]["severity"], "medium");
}

#[test]
fn two_missed_rounds_flagged_in_one_sync_are_medium_with_streak_2() {
    // Nobody looked at the flags between the rounds: both are raised by the same command.
    let db = TestDb::with_sample_roster();
    let evening = db
        .flag_of("CQ002", EVENING, "2026-11-22 22:30")
        .expect("missed evening flagged");
    assert_eq!(evening["severity"], "medium");
    assert_eq!(evening["streak"], 2);
    let morning = db
        .flag_of("CQ002", MORNING, "2026-11-22 22:30")
        .expect("missed morning flagged");
    assert_eq!(morning["severity"], "low");
    assert_eq!(morning["streak"], 1);
}

#[test]
fn an_away_round_ends_a_streak() {
    let db = TestDb::with_sample_roster();
    // CQ003 and CQ004 are never checked. CQ003 is away all of 2026-11-23.
    db.ok(
        "2026-11-22 21:00",
        &[
            "away",
            "CQ003",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
            "--reason",
            "住院",
        ],
    );
    let now = "2026-11-24 10:00";
    let away_day = db.status(NEXT_MORNING, now);
    assert_eq!(away_day["CQ003"]["status"], "away");
    assert_eq!(away_day["CQ003"]["severity"], serde_json::Value::Null);
    let away_evening = db.status("2026-11-23/evening", now);
    assert_eq!(away_evening["CQ003"]["status"], "away");

    let after = db
        .flag_of("CQ003", "2026-11-24/morning", now)
        .expect("missed after the absence is flagged");
    assert_eq!(after["status"], "missed");
    assert_eq!(after["streak"], 1, "the away rounds ended the streak");
    assert_eq!(after["severity"], "low");
    let flags = db.flags(true, now);
    assert!(
        !flags
            .iter()
            .any(|f| f["elder_id"] == "CQ003" && f["round"].as_str().unwrap().contains("11-23")),
        "no flags for the away rounds: {flags:?}"
    );

    // The control: five missed rounds in a row, capped at critical.
    let control = db
        .flag_of("CQ004", "2026-11-24/morning", now)
        .expect("control flagged");
    assert_eq!(control["streak"], 5);
    assert_eq!(control["severity"], "critical");
}

#[test]
fn an_absence_recorded_after_the_fact_ends_the_streak() {
    let db = TestDb::with_sample_roster();
    // The flags of 2026-11-23 are raised before anyone knew CQ003 was in hospital.
    let before = db
        .flag_of("CQ003", "2026-11-23/evening", "2026-11-23 23:00")
        .expect("missed flagged");
    assert_eq!(before["streak"], 4);
    db.ok(
        "2026-11-24 07:10",
        &[
            "away",
            "CQ003",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
        ],
    );
    let status = db.status("2026-11-23/evening", "2026-11-24 10:00");
    assert_eq!(status["CQ003"]["status"], "away");
    let after = db
        .flag_of("CQ003", "2026-11-24/morning", "2026-11-24 10:00")
        .expect("missed after the absence is flagged");
    assert_eq!(after["streak"], 1, "{after}");
    assert_eq!(after["severity"], "low");
}

#[test]
fn a_missed_flag_is_superseded_by_a_later_ok_round() {
    let db = TestDb::with_sample_roster();
    let missed = db
        .flag_of("CQ001", MORNING, "2026-11-22 10:00")
        .expect("missed morning flagged");
    assert_eq!(missed["state"], "open");
    db.check("CQ001", "closed", "2026-11-22 20:05");
    let later = db
        .flag_of("CQ001", MORNING, "2026-11-22 20:10")
        .expect("the flag is kept");
    assert_eq!(later["state"], "superseded");
    let open = db.flags(false, "2026-11-22 20:10");
    assert!(
        !open.iter().any(|f| f["elder_id"] == "CQ001"),
        "a superseded flag is not in the open list"
    );
}

#[test]
fn an_unclear_flag_is_superseded_by_a_later_ok_round() {
    let db = TestDb::with_sample_roster();
    db.check("CQ002", "unclear", "2026-11-22 08:00");
    let unclear = db
        .flag_of("CQ002", MORNING, "2026-11-22 08:01")
        .expect("unclear flagged");
    assert_eq!(unclear["state"], "open");
    assert_eq!(unclear["severity"], "low");
    db.check("CQ002", "seen", "2026-11-22 20:05");
    let later = db
        .flag_of("CQ002", MORNING, "2026-11-22 20:10")
        .expect("the flag is kept");
    assert_eq!(later["state"], "superseded");
}

#[test]
fn a_missed_flag_first_raised_after_the_later_ok_round_is_superseded() {
    // Nobody listed flags between the rounds: the morning's missed flag comes into being only
    // when the flags are next looked at, while the evening round already stands ok.
    let db = TestDb::with_sample_roster();
    db.check("CQ003", "closed", "2026-11-22 20:05");
    let open = db.flags(false, "2026-11-22 20:10");
    assert!(
        !open.iter().any(|f| f["elder_id"] == "CQ003"),
        "CQ003's missed morning was followed by an ok evening: not an open flag: {:?}",
        open.iter()
            .filter(|f| f["elder_id"] == "CQ003")
            .collect::<Vec<_>>()
    );
    if let Some(flag) = db.flag_of("CQ003", MORNING, "2026-11-22 20:10") {
        assert_eq!(flag["state"], "superseded", "{flag}");
    }
}

#[test]
fn an_alert_flag_stays_open_after_a_later_ok_round() {
    let db = TestDb::with_sample_roster();
    db.check("CQ004", "closed", "2026-11-22 08:00");
    db.check("CQ004", "closed", "2026-11-22 20:05");
    db.check("CQ004", "open", "2026-11-23 07:30");
    let alert = db
        .flag_of("CQ004", MORNING, "2026-11-23 08:00")
        .expect("alert flagged");
    assert_eq!(alert["status"], "alert");
    assert_eq!(
        alert["state"], "open",
        "an alert always needs a person to resolve it"
    );
    let open = db.flags(false, "2026-11-23 08:00");
    assert!(open.iter().any(|f| f["id"] == alert["id"]));
}

#[test]
fn resolving_a_flag_marks_it_resolved_and_resolving_again_exits_2() {
    let db = TestDb::with_sample_roster();
    db.check("CQ004", "closed", "2026-11-22 08:00");
    let alert = db
        .flag_of("CQ004", MORNING, "2026-11-22 08:30")
        .expect("alert flagged");
    let id = alert["id"].as_i64().unwrap().to_string();
    db.ok(
        "2026-11-22 09:00",
        &[
            "resolve",
            &id,
            "--outcome",
            "elder_fine",
            "--note",
            "打电话，老人说睡过头了",
        ],
    );
    let resolved = db
        .flag_of("CQ004", MORNING, "2026-11-22 09:01")
        .expect("kept");
    assert_eq!(resolved["state"], "resolved");
    let open = db.flags(false, "2026-11-22 09:01");
    assert!(!open.iter().any(|f| f["id"] == alert["id"]));
    db.refused(
        "en",
        "2026-11-22 09:05",
        &["resolve", &id, "--outcome", "elder_fine"],
        &[&format!("flag {id} is already resolved")],
    );
    db.refused(
        "zh",
        "2026-11-22 09:05",
        &["resolve", &id, "--outcome", "false_alarm"],
        &[&id],
    );
}

#[test]
fn undo_takes_back_my_last_check_and_keeps_both_rows() {
    let db = TestDb::with_sample_roster();
    let alice = ["--user", "alice"];
    let mut args = vec!["check", "CQ001", "closed"];
    args.extend(alice);
    db.ok("2026-11-22 08:05", &args);
    let alert = db
        .flag_of("CQ001", MORNING, "2026-11-22 08:05")
        .expect("alert flagged");
    assert_eq!(alert["state"], "open");
    let mut undo = vec!["undo"];
    undo.extend(alice);
    db.ok("2026-11-22 08:06", &undo);

    let status = db.status(MORNING, "2026-11-22 08:10");
    assert_eq!(status["CQ001"]["status"], "pending");
    assert_eq!(status["CQ001"]["observed"], serde_json::Value::Null);
    assert_eq!(status["CQ001"]["severity"], serde_json::Value::Null);
    let flag = db
        .flag_of("CQ001", MORNING, "2026-11-22 08:10")
        .expect("the flag row is kept");
    assert_eq!(flag["state"], "superseded");

    let conn = db.conn();
    let rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM checks WHERE elder_id = 'CQ001'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(rows, 2, "checks are never deleted: the check and its undo");
    let linked: i64 = conn
        .query_row(
            "SELECT count(*) FROM checks AS undo JOIN checks AS orig ON undo.supersedes = orig.id
             WHERE orig.elder_id = 'CQ001' AND orig.observation = 'closed'
               AND undo.checker = 'alice'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(linked, 1, "the undo is a new row superseding the check");
}

#[test]
fn undo_falls_back_to_my_check_before() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:30");
    db.check("CQ001", "closed", "2026-11-22 08:00");
    db.ok("2026-11-22 08:01", &["undo"]);
    let status = db.status(MORNING, "2026-11-22 08:05");
    assert_eq!(status["CQ001"]["status"], "ok");
    assert_eq!(status["CQ001"]["observed"], "open");
    assert_eq!(status["CQ001"]["checker"], USER);
}

#[test]
fn undo_by_someone_else_is_refused_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "closed", "2026-11-22 08:05");
    let before = db.snapshot();
    let result = db.run_as("bob", "en", "2026-11-22 08:06", &["undo"]);
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(
        result.stderr.contains("no check of yours to undo"),
        "{}",
        result.stderr
    );
    before.assert_same(&db.snapshot(), "bob's undo");
    let status = db.status(MORNING, "2026-11-22 08:10");
    assert_eq!(status["CQ001"]["status"], "alert");
}

#[test]
fn a_later_check_in_the_same_round_decides_its_status() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "unclear", "2026-11-22 07:30");
    db.check("CQ001", "open", "2026-11-22 08:00");
    let status = db.status(MORNING, "2026-11-22 08:05");
    assert_eq!(status["CQ001"]["status"], "ok");
    let flag = db.flag_of("CQ001", MORNING, "2026-11-22 08:05");
    if let Some(flag) = flag {
        assert_ne!(flag["state"], "open", "{flag}");
    }
}

#[test]
fn an_ok_round_ends_a_streak() {
    let db = TestDb::with_sample_roster();
    db.check("CQ003", "closed", "2026-11-22 20:05");
    let next = db
        .flag_of("CQ003", NEXT_MORNING, "2026-11-23 10:00")
        .expect("missed next morning flagged");
    assert_eq!(next["streak"], 1);
    assert_eq!(next["severity"], "low");
}

#[test]
fn a_late_check_that_makes_an_earlier_round_ok_restarts_the_later_streak() {
    let db = TestDb::with_sample_roster();
    let evening = db
        .flag_of("CQ002", EVENING, "2026-11-22 22:30")
        .expect("missed evening flagged");
    assert_eq!(evening["streak"], 2);
    // The morning's paper sheet turns up: CQ002's curtain was open at 08:00.
    db.ok(
        "2026-11-22 22:40",
        &["check", "CQ002", "open", "--at", "2026-11-22 08:00"],
    );
    let morning = db
        .flag_of("CQ002", MORNING, "2026-11-22 22:41")
        .expect("kept");
    assert_eq!(morning["state"], "superseded");
    let evening = db
        .flag_of("CQ002", EVENING, "2026-11-22 22:41")
        .expect("kept");
    assert_eq!(evening["state"], "open");
    assert_eq!(evening["streak"], 1, "the ok morning ended the streak");
    assert_eq!(evening["severity"], "low");
}

#[test]
fn undoing_the_ok_check_that_superseded_a_missed_flag_reopens_it() {
    // The later ok round was taken back: nothing closes the missed morning any more, and until
    // the evening window closes no other flag says CQ001 has not been seen today.
    let db = TestDb::with_sample_roster();
    let missed = db
        .flag_of("CQ001", MORNING, "2026-11-22 10:00")
        .expect("missed morning flagged");
    assert_eq!(missed["state"], "open");
    db.check("CQ001", "closed", "2026-11-22 20:05");
    assert_eq!(
        db.flag_of("CQ001", MORNING, "2026-11-22 20:06").unwrap()["state"],
        "superseded"
    );
    db.ok("2026-11-22 20:07", &["undo"]);
    let status = db.status(EVENING, "2026-11-22 20:08");
    assert_eq!(status["CQ001"]["status"], "pending");
    let open = db.flags(false, "2026-11-22 20:08");
    assert!(
        open.iter().any(|f| f["elder_id"] == "CQ001"),
        "CQ001 has no ok round today, yet has no open flag: {:?}",
        db.flag_of("CQ001", MORNING, "2026-11-22 20:08")
    );
}

#[test]
fn an_absence_recorded_after_the_fact_closes_the_missed_flags_of_its_rounds() {
    // The away rounds are `away` now, not `missed`: their flags follow (src/cli/commands.rs,
    // `away`), and the top of the grid worker's list is not a "missed, high" for an elder known
    // to have been in hospital.
    let db = TestDb::with_sample_roster();
    db.flags(false, "2026-11-23 23:00");
    db.ok(
        "2026-11-24 07:10",
        &[
            "away",
            "CQ003",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-23",
        ],
    );
    let open = db.flags(false, "2026-11-24 10:00");
    let stale: Vec<_> = open
        .iter()
        .filter(|f| {
            f["elder_id"] == "CQ003" && f["round"].as_str().unwrap().starts_with("2026-11-23")
        })
        .collect();
    assert!(
        stale.is_empty(),
        "open flags for rounds whose status is now away: {stale:?}"
    );
}

#[test]
fn a_paper_alert_typed_in_later_reopens_a_missed_flag_a_later_ok_round_had_closed() {
    let db = TestDb::with_sample_roster();
    db.flags(false, "2026-11-22 10:00");
    db.check("CQ001", "closed", "2026-11-22 20:05");
    let flag = db.flag_of("CQ001", MORNING, "2026-11-22 20:06").unwrap();
    assert_eq!(flag["state"], "superseded");
    db.ok(
        "2026-11-22 21:00",
        &[
            "check", "CQ001", "closed", "--round", MORNING, "--at", "08:10",
        ],
    );
    let flag = db.flag_of("CQ001", MORNING, "2026-11-22 21:01").unwrap();
    assert_eq!(
        flag["state"], "open",
        "an alert always needs a person: {flag}"
    );
    assert_eq!(flag["status"], "alert");
    assert_eq!(flag["severity"], "high");
}

#[test]
fn a_paper_alert_typed_in_later_reopens_a_resolved_missed_flag() {
    let db = TestDb::with_sample_roster();
    let flag = db.flag_of("CQ002", MORNING, "2026-11-22 10:00").unwrap();
    let id = flag["id"].to_string();
    db.ok(
        "2026-11-22 10:05",
        &["resolve", &id, "--outcome", "elder_fine"],
    );
    db.ok(
        "2026-11-22 11:00",
        &[
            "check", "CQ002", "closed", "--round", MORNING, "--at", "09:00",
        ],
    );
    let flag = db.flag_of("CQ002", MORNING, "2026-11-22 11:01").unwrap();
    assert_eq!(flag["state"], "open", "{flag}");
    assert_eq!(flag["status"], "alert");
}

/// DESIGN.md section 3, withdrawal on undo: an undone `unclear` leaves no flag behind, exactly as
/// an undone `closed` does, and the flags list and the round count the same thing.
#[test]
fn rule_an_undone_check_withdraws_its_flag_whatever_its_status() {
    for observation in ["unclear", "closed"] {
        let db = TestDb::with_sample_roster();
        let out = db.check("CQ001", observation, "2026-11-22 08:00");
        assert!(out.contains("flagged"), "{observation}: {out}");
        let undone = db.ok("2026-11-22 08:01", &["undo"]);
        assert!(undone.contains("pending"), "{observation}: {undone}");
        let open: Vec<_> = db
            .flags(false, "2026-11-22 08:02")
            .into_iter()
            .filter(|flag| flag["elder_id"] == "CQ001")
            .collect();
        assert!(open.is_empty(), "{observation}: still open {open:?}");
        let all = db.flags(true, "2026-11-22 08:02");
        let flag = all
            .iter()
            .find(|flag| flag["elder_id"] == "CQ001")
            .unwrap_or_else(|| panic!("{observation}: the flag is kept, withdrawn"));
        assert_eq!(flag["state"], "superseded", "{observation}: {flag}");
        let status = db.json(
            "2026-11-22 08:02",
            &["status", "--round", MORNING, "--format", "json"],
        );
        let flagged = status
            .iter()
            .filter(|row| !row["severity"].is_null())
            .count();
        assert_eq!(flagged, 0, "{observation}: the round counts no flag either");
    }
}
