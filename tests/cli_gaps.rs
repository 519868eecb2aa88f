//! Coverage and patrol gaps on the built binary (DESIGN.md sections 3 and 4, issue #15):
//! `coverage`, `gaps`, `resolve gap:ID`, the flags' `gap` field and order, the coverage lines of
//! `status`, make-up rounds, and refusals that change nothing.

mod common;

use common::{EVENING, MORNING, TestDb};
use serde_json::Value;

const GRID2: &str = "第二网格";

/// The elder ids of a grid, in route order.
fn grid_ids(db: &TestDb, grid: &str) -> Vec<String> {
    db.json(
        "2026-11-21 20:00",
        &["elders", "--grid", grid, "--format", "json"],
    )
    .iter()
    .map(|row| row["elder_id"].as_str().unwrap().to_string())
    .collect()
}

/// Every elder of every grid but `skip` checked open in the morning round at 08:00.
fn walk_morning_except(db: &TestDb, skip: &str) {
    for grid in ["第一网格", "第三网格", "第四网格", GRID2] {
        if grid == skip {
            continue;
        }
        for id in grid_ids(db, grid) {
            db.ok("2026-11-22 08:00", &["check", &id, "open"]);
        }
    }
}

fn coverage_of(db: &TestDb, round: &str, now: &str) -> Vec<Value> {
    db.json(now, &["coverage", "--round", round, "--format", "json"])
}

#[test]
fn coverage_json_has_the_fields_of_design_section_4_one_row_per_grid() {
    let db = TestDb::with_sample_roster();
    let ids = grid_ids(&db, GRID2);
    assert_eq!(ids.len(), 14, "the sample's second grid");
    // Two checked on time, one late, one away; the rest missed.
    db.ok("2026-11-22 08:00", &["check", &ids[0], "open"]);
    db.ok("2026-11-22 08:01", &["check", &ids[1], "closed"]);
    db.ok(
        "2026-11-22 10:00",
        &[
            "check", &ids[2], "open", "--round", MORNING, "--at", "09:50",
        ],
    );
    db.ok(
        "2026-11-22 10:00",
        &[
            "away",
            &ids[3],
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-25",
        ],
    );
    let rows = coverage_of(&db, MORNING, "2026-11-22 10:01");
    assert_eq!(rows.len(), 4, "{rows:?}");
    let row = rows.iter().find(|r| r["grid"] == GRID2).unwrap();
    for key in [
        "grid", "round", "listed", "checked", "late", "away", "missed",
    ] {
        assert!(row.get(key).is_some(), "coverage rows carry `{key}`: {row}");
    }
    assert_eq!(row["round"], MORNING);
    assert_eq!(row["listed"], 13, "the away elder is not listed: {row}");
    assert_eq!(row["checked"], 3, "{row}");
    assert_eq!(row["late"], 1, "{row}");
    assert_eq!(row["away"], 1, "{row}");
    assert_eq!(row["missed"], 10, "{row}");
    // Before the window closes nobody is missed yet: pending.
    let rows = coverage_of(&db, EVENING, "2026-11-22 19:40");
    let row = rows.iter().find(|r| r["grid"] == GRID2).unwrap();
    assert_eq!(row["missed"], 0, "{row}");
    assert_eq!(row["pending"], 13, "{row}");
    // The table form, and the summary lines of `status`.
    let table = db.ok(
        "2026-11-22 10:01",
        &["coverage", "--round", MORNING, "--grid", GRID2],
    );
    assert!(table.contains(GRID2) && table.contains("13"), "{table}");
    let status = db.ok("2026-11-22 10:01", &["status", "--round", MORNING]);
    assert!(
        status.contains(&format!(
            "coverage {GRID2}: 3/13 checked, 1 late, 1 away, 10 missed"
        )),
        "{status}"
    );
    let zh = db.run("zh", "2026-11-22 10:01", &["status", "--round", MORNING]);
    assert!(
        zh.stdout
            .contains(&format!("覆盖 {GRID2}：已查 3/13，迟到 1，外出 1，漏巡 10")),
        "{}",
        zh.stdout
    );
}

#[test]
fn a_grid_nobody_walked_is_one_gap_above_its_missed_flags_with_the_alert_above_it() {
    let db = TestDb::with_sample_roster();
    walk_morning_except(&db, GRID2);
    // A real alert elsewhere, and one unclear and one closed curtain in the unwalked grid.
    db.ok("2026-11-22 08:10", &["check", "CQ001", "closed"]);
    let ids = grid_ids(&db, GRID2);
    db.ok("2026-11-22 08:10", &["check", &ids[0], "closed"]);
    db.ok("2026-11-22 08:10", &["check", &ids[1], "unclear"]);

    let now = "2026-11-22 10:00";
    let gaps = db.json(now, &["gaps", "--format", "json"]);
    assert_eq!(gaps.len(), 1, "one gap, not twelve problems: {gaps:?}");
    let gap = &gaps[0];
    for key in [
        "id", "grid", "round", "listed", "checked", "missed", "state", "flag_ids",
    ] {
        assert!(gap.get(key).is_some(), "gaps rows carry `{key}`: {gap}");
    }
    assert_eq!(gap["grid"], GRID2);
    assert_eq!(gap["round"], MORNING);
    assert_eq!(gap["listed"], 14);
    assert_eq!(gap["checked"], 2);
    assert_eq!(gap["missed"], 12);
    assert_eq!(gap["state"], "open");
    let gap_id = gap["id"].as_i64().unwrap();
    let members: Vec<i64> = gap["flag_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(
        members.len(),
        12,
        "the missed flags, not the alert or unclear"
    );

    let flags = db.flags(false, now);
    assert_eq!(flags.len(), 2 + 1 + 12, "{flags:#?}");
    // Alerts first by severity, then the gap's missed flags, then the remaining (unclear).
    assert_eq!(flags[0]["status"], "alert");
    assert_eq!(flags[1]["status"], "alert");
    for flag in &flags[2..14] {
        assert_eq!(flag["status"], "missed", "{flag}");
        assert_eq!(flag["gap"], gap_id, "{flag}");
        assert!(members.contains(&flag["id"].as_i64().unwrap()));
    }
    assert_eq!(flags[14]["status"], "unclear");
    for flag in [&flags[0], &flags[1], &flags[14]] {
        assert!(
            flag["gap"].is_null(),
            "alerts and unclear stay on their own: {flag}"
        );
        assert!(flag.get("gap").is_some(), "every flag row carries `gap`");
    }

    // The table: the gap listed once, above its missed flags.
    let zh = db.run("zh", now, &["flags"]);
    assert_eq!(zh.code, 0, "{}", zh.describe());
    let gap_line = format!("{GRID2} 晨巡 11月22日 未巡视：已查 2/14，12 位老人漏巡");
    assert!(zh.stdout.contains(&gap_line), "{}", zh.stdout);
    let lines: Vec<&str> = zh.stdout.lines().collect();
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap();
    assert!(at("CQ001") < at(&gap_line), "{}", zh.stdout);
    assert!(
        at(&ids[1]) > at(&gap_line),
        "unclear below the gap: {}",
        zh.stdout
    );
    assert!(
        at(&ids[5]) > at(&gap_line),
        "missed flags under it: {}",
        zh.stdout
    );

    // Resolved as one: its missed flags with it, the alert and the unclear not.
    let out = db.ok(
        now,
        &[
            "resolve",
            &format!("gap:{gap_id}"),
            "--outcome",
            "patrol_gap",
            "--note",
            "志愿者病了",
        ],
    );
    assert!(out.contains("12 missed flags"), "{out}");
    let open = db.flags(false, now);
    assert_eq!(open.len(), 3, "{open:#?}");
    let all = db.flags(true, now);
    for flag in all.iter().filter(|f| f["gap"] == gap_id) {
        assert_eq!(flag["state"], "resolved", "{flag}");
    }
    let gaps = db.json(now, &["gaps", "--all", "--format", "json"]);
    assert_eq!(gaps[0]["state"], "resolved");
    assert!(db.json(now, &["gaps", "--format", "json"]).is_empty());
    // The follow-up log keeps who and why.
    let conn = db.conn();
    let logged: i64 = conn
        .query_row(
            "SELECT count(*) FROM follow_ups WHERE action = 'resolved:patrol_gap' AND note = '志愿者病了'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(logged, 12);
}

#[test]
fn seven_of_fifteen_checked_is_a_gap_eight_is_not() {
    // The sample's first grid has 16 elders; one away leaves 15 listed.
    for (checked, gap) in [(7, true), (8, false)] {
        let db = TestDb::with_sample_roster();
        walk_morning_except(&db, "第一网格");
        let ids = grid_ids(&db, "第一网格");
        db.ok(
            "2026-11-21 21:00",
            &[
                "away",
                &ids[15],
                "--from",
                "2026-11-22",
                "--to",
                "2026-11-22",
            ],
        );
        for id in &ids[..checked] {
            db.ok("2026-11-22 08:00", &["check", id, "open"]);
        }
        let gaps = db.json("2026-11-22 10:00", &["gaps", "--format", "json"]);
        let first: Vec<&Value> = gaps.iter().filter(|g| g["grid"] == "第一网格").collect();
        assert_eq!(first.len(), usize::from(gap), "{checked} of 15: {gaps:?}");
        if gap {
            assert_eq!(first[0]["listed"], 15);
            assert_eq!(first[0]["checked"], 7);
        }
    }
}

#[test]
fn a_make_up_round_closes_the_flags_it_covers_and_makes_the_gap_up_at_the_threshold() {
    let db = TestDb::with_sample_roster();
    walk_morning_except(&db, GRID2);
    let ids = grid_ids(&db, GRID2);
    let now = "2026-11-22 10:00";
    let gap_id = db.json(now, &["gaps", "--format", "json"])[0]["id"]
        .as_i64()
        .unwrap();
    // Six of 14 walked late, on paper: their flags close as today; still a gap.
    for id in &ids[..6] {
        db.ok(
            "2026-11-22 10:30",
            &["check", id, "open", "--round", MORNING, "--at", "10:00"],
        );
    }
    let gap = &db.json("2026-11-22 10:31", &["gaps", "--all", "--format", "json"])[0];
    assert_eq!(gap["state"], "open", "{gap}");
    assert_eq!(gap["checked"], 6);
    let open = db.flags(false, "2026-11-22 10:31");
    assert_eq!(open.len(), 8, "{open:#?}");
    // The seventh is half of 14: no longer below, made up.
    db.ok(
        "2026-11-22 10:32",
        &[
            "check", &ids[6], "open", "--round", MORNING, "--at", "10:05",
        ],
    );
    let gap = &db.json("2026-11-22 10:33", &["gaps", "--all", "--format", "json"])[0];
    assert_eq!(gap["state"], "made_up", "{gap}");
    assert_eq!(gap["id"], gap_id);
    // Its remaining missed flags are the elders' own now, listed on their own.
    let open = db.flags(false, "2026-11-22 10:33");
    assert_eq!(open.len(), 7);
    let table = db.ok("2026-11-22 10:33", &["flags"]);
    assert!(table.contains(&ids[10]), "{table}");
    // Taken back: open again, and a made-up gap is not resolved as one.
    db.ok("2026-11-22 10:34", &["undo"]);
    let gap = &db.json("2026-11-22 10:35", &["gaps", "--format", "json"])[0];
    assert_eq!(gap["state"], "open", "{gap}");
}

#[test]
fn bad_gap_input_is_refused_in_the_users_language_changing_nothing() {
    let db = TestDb::with_sample_roster();
    walk_morning_except(&db, GRID2);
    let now = "2026-11-22 10:00";
    let gap_id = db.json(now, &["gaps", "--format", "json"])[0]["id"]
        .as_i64()
        .unwrap();
    let gap = format!("gap:{gap_id}");
    db.refused(
        "en",
        now,
        &["resolve", &gap, "--outcome", "elder_fine"],
        &["patrol_gap", "elder_fine"],
    );
    db.refused(
        "zh",
        now,
        &["resolve", &gap, "--outcome", "elder_fine"],
        &["只能以 patrol_gap 结案"],
    );
    db.refused(
        "en",
        now,
        &["resolve", "gap:999", "--outcome", "patrol_gap"],
        &["no patrol gap with id 999", "curtain gaps"],
    );
    db.refused(
        "zh",
        now,
        &["resolve", "gap:x", "--outcome", "patrol_gap"],
        &["gap:x", "gap:缺口编号"],
    );
    db.refused(
        "en",
        now,
        &["coverage", "--round", "yesterday"],
        &["yesterday"],
    );
    db.ok(now, &["resolve", &gap, "--outcome", "patrol_gap"]);
    db.refused(
        "en",
        now,
        &["resolve", &gap, "--outcome", "patrol_gap"],
        &["already resolved"],
    );
}

fn as_user(db: &TestDb, user: &str, pin: &str, now: &str, args: &[&str]) -> common::Run {
    let mut command = db.command_as(user, "en", now, args);
    command.env("CURTAIN_PIN", pin).env("CURTAIN_NEW_PIN", pin);
    common::run(command)
}

#[test]
fn grid_workers_see_and_resolve_the_gaps_of_their_grids_only() {
    let db = TestDb::with_sample_roster();
    walk_morning_except(&db, GRID2);
    let now = "2026-11-22 10:00";
    let setup = as_user(&db, "li", "2580", now, &["init", "--admin", "li"]);
    assert_eq!(setup.code, 0, "{}", setup.describe());
    for (name, role, grid, pin) in [
        ("zhao", "grid_worker", "第一网格", "8642"),
        ("qian", "grid_worker", GRID2, "9753"),
        ("wang", "volunteer", GRID2, "1357"),
    ] {
        let mut command = db.command_as(
            "li",
            "en",
            now,
            &["user", "add", name, "--role", role, "--grid", grid],
        );
        command
            .env("CURTAIN_PIN", "2580")
            .env("CURTAIN_NEW_PIN", pin);
        let added = common::run(command);
        assert_eq!(added.code, 0, "{}", added.describe());
    }
    let listed = |user: &str, pin: &str| {
        let result = as_user(&db, user, pin, now, &["gaps", "--format", "json"]);
        assert_eq!(result.code, 0, "{}", result.describe());
        serde_json::from_str::<Vec<Value>>(&result.stdout).unwrap()
    };
    assert!(listed("zhao", "8642").is_empty(), "not his grid");
    let gaps = listed("qian", "9753");
    assert_eq!(gaps.len(), 1);
    assert_eq!(
        listed("wang", "1357").len(),
        1,
        "a volunteer sees her grid's gap"
    );
    let gap = format!("gap:{}", gaps[0]["id"]);
    let args = ["resolve", gap.as_str(), "--outcome", "patrol_gap"];
    for (user, pin) in [("zhao", "8642"), ("wang", "1357")] {
        let before = db.snapshot();
        let refused = as_user(&db, user, pin, now, &args);
        assert_eq!(refused.code, 2, "{user}: {}", refused.describe());
        before.assert_same(&db.snapshot(), user);
    }
    let done = as_user(&db, "qian", "9753", now, &args);
    assert_eq!(done.code, 0, "{}", done.describe());
    let coverage = as_user(
        &db,
        "zhao",
        "8642",
        now,
        &["coverage", "--round", MORNING, "--format", "json"],
    );
    let rows: Vec<Value> = serde_json::from_str(&coverage.stdout).unwrap();
    assert_eq!(rows.len(), 1, "his grid's coverage only: {rows:?}");
}

#[test]
fn assignments_keep_their_history_and_the_tally_counts_each_volunteers_work() {
    let db = TestDb::with_sample_roster();
    let now = "2026-11-22 10:00";
    db.ok(
        now,
        &[
            "assign",
            "wang_ayi",
            "--grid",
            GRID2,
            "--buildings",
            "6栋",
            "7栋",
        ],
    );
    db.refused(
        "en",
        now,
        &["assign", "wang_ayi", "--grid", "第九网格"],
        &["第九网格"],
    );
    let out = db.ok(
        now,
        &["assign", "wang_ayi", "--grid", GRID2, "--route", "1-5"],
    );
    assert!(out.contains("ending the assignment before"), "{out}");
    let current = db.json(now, &["assignments", "--format", "json"]);
    assert_eq!(current.len(), 1, "{current:?}");
    assert_eq!(current[0]["route_from"], 1);
    let all = db.json(now, &["assignments", "--all", "--format", "json"]);
    assert_eq!(
        all.len(),
        2,
        "the earlier one is ended, not deleted: {all:?}"
    );
    assert!(all[0]["ended_at"].is_string());
    let audit: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM user_audit WHERE action = 'assign' AND user_name = 'wang_ayi'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(audit, 2);
    db.refused(
        "zh",
        now,
        &["assign", "wang_ayi", "--grid", GRID2, "--route", "9-2"],
        &["9-2", "起-止"],
    );

    // wang_ayi walks the morning on time (one curtain closed), li makes up two late.
    let ids = grid_ids(&db, GRID2);
    db.ok("2026-11-22 08:00", &["check", &ids[0], "open"]);
    db.ok("2026-11-22 08:01", &["check", &ids[1], "closed"]);
    for id in &ids[2..4] {
        let mut command = db.command_as(
            "li",
            "en",
            "2026-11-22 10:30",
            &["check", id, "open", "--round", MORNING, "--at", "10:00"],
        );
        command.env("CURTAIN_PIN", "");
        assert_eq!(common::run(command).code, 0);
    }
    let rows = db.json(
        "2026-11-22 10:31",
        &[
            "tally",
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-22",
            "--format",
            "json",
        ],
    );
    let row = |who: &str| rows.iter().find(|r| r["volunteer"] == who).unwrap().clone();
    let wang = row("wang_ayi");
    assert_eq!(wang["rounds_walked"], 1);
    assert_eq!(wang["checks"], 2);
    assert_eq!(wang["on_time"], 2);
    assert_eq!(wang["alerts"], 1);
    assert_eq!(wang["make_up_rounds"], 0);
    let li = row("li");
    assert_eq!(li["checks"], 2);
    assert_eq!(li["on_time"], 0);
    assert_eq!(li["make_up_rounds"], 1);
    let table = db.ok(
        "2026-11-22 10:31",
        &["tally", "--from", "2026-11-22", "--to", "2026-11-22"],
    );
    assert!(
        table.contains("wang_ayi") && table.contains("100%"),
        "{table}"
    );
    let out = db.file("points.xlsx");
    db.ok(
        "2026-11-22 10:31",
        &[
            "tally",
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-22",
            "--format",
            "xlsx",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(std::fs::metadata(&out).unwrap().len() > 0);
    db.refused(
        "en",
        "2026-11-22 10:31",
        &[
            "tally",
            "--from",
            "2026-11-22",
            "--to",
            "2026-11-22",
            "--format",
            "xlsx",
        ],
        &["--out"],
    );
}
