//! Which round a check belongs to, and when it is late (DESIGN.md section 3), on the built binary:
//! checks outside every window, own evening windows, `--at`, RFC 3339 `--now`, and an alert that
//! a later check contradicts.

mod common;

use common::{EVENING, MORNING, TestDb};

#[test]
fn check_outside_every_window_belongs_to_the_most_recent_round_and_is_late() {
    let db = TestDb::with_sample_roster();
    // Within two hours of the close (DESIGN.md section 3): that round, late.
    let out = db.check("CQ001", "open", "2026-11-22 11:00");
    assert!(out.contains("late"), "{out}");
    let morning = db.status(MORNING, "2026-11-22 12:05");
    assert_eq!(morning["CQ001"]["status"], "ok");
    assert_eq!(morning["CQ001"]["late"], true);
    // Late at night, after the evening window: the evening round, late.
    db.check("CQ002", "closed", "2026-11-22 23:30");
    let evening = db.status(EVENING, "2026-11-23 06:35");
    assert_eq!(evening["CQ002"]["status"], "ok");
    assert_eq!(evening["CQ002"]["late"], true);
    assert_eq!(evening["CQ002"]["observed"], "closed");
}

#[test]
fn paper_round_typed_in_later_counts_at_the_time_seen() {
    let db = TestDb::with_sample_roster();
    db.ok(
        "2026-11-22 12:00",
        &["check", "CQ001", "open", "--at", "2026-11-22 07:40"],
    );
    db.ok(
        "2026-11-22 12:00",
        &["check", "CQ002", "open", "--at", "2026-11-22 09:50"],
    );
    db.ok(
        "2026-11-22 12:00",
        &[
            "check",
            "CQ003",
            "closed",
            "--round",
            MORNING,
            "--at",
            "07:50",
            "--note",
            "纸质记录补录",
        ],
    );
    let status = db.status(MORNING, "2026-11-22 12:05");
    assert_eq!(status["CQ001"]["status"], "ok");
    assert_eq!(status["CQ001"]["late"], false);
    assert_eq!(status["CQ002"]["late"], true);
    assert_eq!(status["CQ003"]["status"], "alert");
    assert_eq!(status["CQ003"]["severity"], "high");
    assert_eq!(status["CQ003"]["late"], false);
}

#[test]
fn the_later_seen_check_decides_even_when_typed_in_first() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 09:00");
    // Someone's paper note from 07:10 is typed in afterwards: it was seen earlier, so 09:00 stands.
    db.ok(
        "2026-11-22 09:05",
        &["check", "CQ001", "closed", "--at", "07:10"],
    );
    let status = db.status(MORNING, "2026-11-22 09:10");
    assert_eq!(status["CQ001"]["observed"], "open");
    assert_eq!(status["CQ001"]["status"], "ok");
}

#[test]
fn own_evening_window_places_a_1845_check_in_that_evening_on_time() {
    let db = TestDb::with_sample_roster();
    // CQ049's own evening window is 18:30-21:00.
    let out = db.check("CQ049", "closed", "2026-11-22 18:45");
    assert!(!out.contains("late"), "{out}");
    let status = db.status(EVENING, "2026-11-22 19:00");
    assert_eq!(status["CQ049"]["status"], "ok");
    assert_eq!(status["CQ049"]["late"], false);
    // Everyone else's evening window opens at 19:30: more than an hour before is refused.
    db.refused(
        "en",
        "2026-11-22 18:25",
        &["check", "CQ001", "closed", "--round", EVENING],
        &["19:30"],
    );
}

#[test]
fn own_evening_window_closes_at_2100_for_that_elder_only() {
    let db = TestDb::with_sample_roster();
    // Seen in the morning, so the evening's missed round starts no streak.
    db.check("CQ049", "open", "2026-11-22 08:00");
    let status = db.status(EVENING, "2026-11-22 21:30");
    assert_eq!(status["CQ049"]["status"], "missed");
    assert_eq!(status["CQ049"]["severity"], "low");
    assert_eq!(status["CQ001"]["status"], "pending");
    let out = db.check("CQ048", "closed", "2026-11-22 21:30");
    assert!(
        !out.contains("late"),
        "community window runs to 22:00: {out}"
    );
    let out = db.check("CQ049", "closed", "2026-11-22 21:35");
    assert!(
        out.contains("late"),
        "CQ049's window closed at 21:00: {out}"
    );
    let status = db.status(EVENING, "2026-11-22 21:40");
    assert_eq!(status["CQ049"]["status"], "ok");
    assert_eq!(status["CQ049"]["late"], true);
}

#[test]
fn now_in_rfc3339_is_read_as_that_instant() {
    let db = TestDb::with_sample_roster();
    // 2026-11-21T23:30:00Z is 07:30 on 2026-11-22 in Asia/Shanghai.
    db.check("CQ001", "open", "2026-11-21T23:30:00Z");
    let rows = db.json("2026-11-22T08:00:00+08:00", &["status", "--format", "json"]);
    let row = rows.iter().find(|r| r["elder_id"] == "CQ001").unwrap();
    assert_eq!(row["round"], MORNING);
    assert_eq!(row["status"], "ok");
    assert_eq!(row["late"], false);
}

#[test]
fn an_alert_contradicted_later_in_the_round_leaves_the_round_ok_but_the_flag_open() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "closed", "2026-11-22 07:30");
    db.ok_as("li_shifu", "2026-11-22 08:30", &["check", "CQ001", "open"]);
    let status = db.status(MORNING, "2026-11-22 09:00");
    assert_eq!(status["CQ001"]["status"], "ok");
    let flag = db
        .flag_of("CQ001", MORNING, "2026-11-22 09:00")
        .expect("the alert was flagged");
    assert_eq!(
        flag["state"], "open",
        "an alert always needs a person to resolve it"
    );
}

#[test]
fn flags_since_lists_only_rounds_from_that_date() {
    let db = TestDb::with_sample_roster();
    db.check("CQ001", "closed", "2026-11-22 08:00");
    db.check("CQ001", "closed", "2026-11-23 08:00");
    let all = db.flags(false, "2026-11-23 08:05");
    assert!(all.iter().any(|f| f["round"] == MORNING));
    let since = db.json(
        "2026-11-23 08:05",
        &["flags", "--since", "2026-11-23", "--format", "json"],
    );
    assert!(!since.is_empty());
    assert!(
        since
            .iter()
            .all(|f| f["round"].as_str().unwrap().starts_with("2026-11-23")),
        "{since:?}"
    );
}

#[test]
fn a_named_round_takes_an_early_tick_for_an_elder_whose_own_window_opens_later() {
    // CQ007's own morning window opens at 08:00; the patrol passes at 07:30 and names the round.
    let db = TestDb::with_sample_roster();
    db.ok(
        "2026-11-22 07:30",
        &["check", "CQ007", "open", "--round", MORNING],
    );
    let status = db.status(MORNING, "2026-11-22 07:31");
    assert_eq!(status["CQ007"]["status"], "ok");
    assert_eq!(status["CQ007"]["late"], false);
}

#[test]
fn a_tick_inside_the_community_window_belongs_to_that_round_for_an_own_window_elder() {
    // CQ007's own morning window opens at 08:00; a tick at 07:30 with no round named is this
    // morning's (ok), not a late alert on last night's round.
    let db = TestDb::with_sample_roster();
    db.check("CQ007", "open", "2026-11-22 07:30");
    let status = db.status(MORNING, "2026-11-22 07:31");
    assert_eq!(status["CQ007"]["status"], "ok");
    assert_eq!(status["CQ007"]["late"], false);
}

/// DESIGN.md section 3: a curtain seen open at 06:59:59 is never an alert on the night before.
/// Unnamed, it belongs to no round and is refused naming the next one; naming the morning, it
/// counts from an hour before the window opens.
#[test]
fn rule_a_check_before_the_morning_is_no_alert_on_the_night_before() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        "2026-11-22 06:59:59",
        &["check", "CQ001", "open"],
        &["2026-11-22/morning", "07:00", "--round"],
    );
    db.refused(
        "zh",
        "2026-11-22 06:59:59",
        &["check", "CQ001", "open"],
        &["下一轮"],
    );
    let out = db.ok(
        "2026-11-22 06:55",
        &["check", "CQ001", "open", "--round", "2026-11-22/morning"],
    );
    assert!(!out.contains("flagged"), "{out}");
    let rows = db.json(
        "2026-11-22 10:00",
        &[
            "status",
            "--round",
            "2026-11-22/morning",
            "--format",
            "json",
        ],
    );
    let row = rows.iter().find(|row| row["elder_id"] == "CQ001").unwrap();
    assert_eq!(row["status"], "ok", "{row}");
    let evening = db.json(
        "2026-11-22 10:00",
        &[
            "status",
            "--round",
            "2026-11-21/evening",
            "--format",
            "json",
        ],
    );
    assert!(
        evening.iter().all(|row| row["status"] != "alert"),
        "no alert on the night before"
    );
}
