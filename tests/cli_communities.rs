//! Communities in one database (DESIGN.md section 6, step 2; issue #16): the roster's
//! `社区/community` column and `[communities."X"]` in the config give a community its own time
//! zone and windows; each community's elders are rounded and flagged by its own clock.

mod common;

use common::{MORNING, TestDb};

/// 长青社区 on Beijing time (the configured community); 西郊社区 on Ürümqi time, two hours
/// behind, with the same wall-clock windows (07:00–09:30 there is 09:00–11:30 in Beijing).
const CONFIG: &str = "[community]\nname = \"长青社区\"\n\n\
                      [communities.\"西郊社区\"]\ntimezone = \"Asia/Urumqi\"\n";

const ROSTER: &str = "编号,姓名,地址,网格,社区\n\
    CQ001,王秀英,长青小区 1栋 101,第一网格,长青社区\n\
    CQ002,张建国,长青小区 1栋 102,第一网格,\n\
    XJ001,艾山,西郊新村 3栋 201,西郊一网格,西郊社区\n\
    XJ002,古丽,西郊新村 3栋 202,西郊一网格,西郊社区\n";

fn two_communities() -> TestDb {
    let db = TestDb::new();
    std::fs::write(db.file("curtain.toml"), CONFIG).unwrap();
    let roster = common::write_text(&db, "roster.csv", ROSTER);
    let out = db.ok(common::IMPORT_NOW, &["import", roster.to_str().unwrap()]);
    assert!(out.contains("4 added"), "{out}");
    db
}

#[test]
fn each_community_is_rounded_and_flagged_by_its_own_clock() {
    let db = two_communities();
    // The roster was imported at 20:00 Beijing time, 18:00 in Ürümqi: 西郊社区 joins from its
    // evening round of the 21st, 长青社区 from the morning of the 22nd (each by its clock).
    let joined = db.status("2026-11-21/evening", "2026-11-22 06:00");
    assert_eq!(joined.len(), 2, "{joined:?}");
    assert!(joined.contains_key("XJ001") && joined.contains_key("XJ002"));
    // 10:00 in Beijing, 08:00 in Ürümqi: a check there is on time, and needs no --round.
    let saved = db.ok("2026-11-22 10:00", &["check", "XJ001", "open"]);
    assert!(saved.contains("saved"), "{saved}");
    let status = db.status(MORNING, "2026-11-22 10:00");
    let of = |id: &str| status[id]["status"].as_str().unwrap().to_string();
    assert_eq!(of("CQ001"), "missed", "Beijing's window closed at 09:30");
    assert_eq!(
        of("CQ002"),
        "missed",
        "an empty 社区 is the configured community"
    );
    assert_eq!(of("XJ001"), "ok");
    assert_eq!(status["XJ001"]["late"], false, "08:00 in Ürümqi is on time");
    assert_eq!(
        of("XJ002"),
        "pending",
        "Ürümqi's window is open until 11:30 Beijing time"
    );
    // The morning's flags: only Beijing's, so far.
    let flagged = |now: &str| -> Vec<String> {
        let mut ids: Vec<String> = db
            .flags(false, now)
            .iter()
            .filter(|flag| flag["round"] == MORNING)
            .map(|flag| flag["elder_id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(flagged("2026-11-22 10:00"), ["CQ001", "CQ002"]);
    // A patrol gap is formed for Beijing's grid, none yet for Ürümqi's, whose round is open.
    let gaps = |now: &str| -> Vec<String> {
        db.json(now, &["gaps", "--all", "--format", "json"])
            .iter()
            .filter(|gap| gap["round"] == MORNING)
            .map(|gap| gap["grid"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(gaps("2026-11-22 10:00"), ["第一网格"]);

    // 11:45 in Beijing: Ürümqi's window has closed too.
    let status = db.status(MORNING, "2026-11-22 11:45");
    assert_eq!(status["XJ002"]["status"], "missed");
    assert_eq!(flagged("2026-11-22 11:45"), ["CQ001", "CQ002", "XJ002"]);
    // Half of 西郊一网格 was checked: not a gap (below half is).
    assert_eq!(gaps("2026-11-22 11:45"), ["第一网格"]);

    // A check seen at 11:40 Beijing time is late in Ürümqi (09:40 there), on its round.
    db.ok(
        "2026-11-22 11:45",
        &["check", "XJ002", "open", "--at", "11:40"],
    );
    let status = db.status(MORNING, "2026-11-22 11:45");
    assert_eq!(status["XJ002"]["status"], "ok");
    assert_eq!(status["XJ002"]["late"], true);
}

#[test]
fn the_roster_keeps_each_elders_community_and_a_re_import_without_the_column_keeps_it() {
    let db = two_communities();
    let community = |id: &str| -> Option<String> {
        db.conn()
            .query_row("SELECT community FROM elders WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .unwrap()
    };
    assert_eq!(community("XJ001").as_deref(), Some("西郊社区"));
    assert_eq!(community("CQ002"), None, "the configured community");
    let rows = db.json("2026-11-22 12:00", &["elders", "--format", "json"]);
    let shown = |id: &str| {
        rows.iter()
            .find(|row| row["elder_id"] == id)
            .map(|row| row["community"].clone())
            .unwrap()
    };
    assert_eq!(shown("XJ001"), "西郊社区");
    assert_eq!(shown("CQ002"), "长青社区", "named by the config");
    let update = common::write_text(
        &db,
        "phones.csv",
        "编号,姓名,电话\nXJ001,艾山,13900001111\n",
    );
    db.ok("2026-11-22 12:00", &["import", update.to_str().unwrap()]);
    assert_eq!(community("XJ001").as_deref(), Some("西郊社区"));
}

#[test]
fn a_grid_name_two_communities_use_is_refused_not_merged() {
    let db = two_communities();
    let clash = common::write_text(
        &db,
        "clash.csv",
        "编号,姓名,地址,网格,社区\nXJ003,买买提,西郊新村 4栋 101,第一网格,西郊社区\n",
    );
    for (lang, says) in [
        ("en", "grid 第一网格 is in more than one community"),
        ("zh", "网格 第一网格 出现在不止一个社区"),
    ] {
        db.refused(
            lang,
            "2026-11-22 12:00",
            &["import", clash.to_str().unwrap()],
            &[says, "西郊社区"],
        );
    }
}

#[test]
fn community_narrows_every_list_and_an_unknown_one_is_refused_naming_those_there_are() {
    let db = two_communities();
    let now = "2026-11-22 12:00";
    let ids = |args: &[&str], key: &str| -> Vec<String> {
        let mut ids: Vec<String> = db
            .json(now, args)
            .iter()
            .map(|row| row[key].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    assert_eq!(
        ids(
            &["elders", "--community", "长青社区", "--format", "json"],
            "elder_id"
        ),
        ["CQ001", "CQ002"],
        "an empty 社区 is the configured community"
    );
    assert_eq!(
        ids(
            &[
                "status",
                "--round",
                MORNING,
                "--community",
                "西郊社区",
                "--format",
                "json"
            ],
            "elder_id"
        ),
        ["XJ001", "XJ002"]
    );
    assert_eq!(
        ids(
            &["flags", "--community", "西郊社区", "--format", "json"],
            "elder_id"
        ),
        ["XJ001", "XJ002"]
    );
    assert_eq!(
        ids(
            &[
                "coverage",
                "--round",
                MORNING,
                "--community",
                "西郊社区",
                "--format",
                "json"
            ],
            "grid"
        ),
        ["西郊一网格"]
    );
    for (lang, says) in [
        ("en", "no elder on the roster lives in community 东郊社区"),
        ("zh", "名单上没有老人住在社区 东郊社区"),
    ] {
        for command in ["elders", "status", "flags", "coverage"] {
            db.refused(
                lang,
                now,
                &[command, "--community", "东郊社区"],
                &[says, "长青社区", "西郊社区"],
            );
        }
    }
}

#[test]
fn early_warnings_come_at_each_communitys_own_warning_time() {
    let db = two_communities();
    let warned = |now: &str| -> Vec<String> {
        db.ok(now, &["watch", "--once"]);
        let mut grids: Vec<String> = db
            .json(now, &["outbox", "--all", "--format", "json"])
            .iter()
            .filter(|message| message["kind"] == "early_warning" && message["round"] == MORNING)
            .map(|message| message["grid"].as_str().unwrap().to_string())
            .collect();
        grids.sort();
        grids
    };
    // 08:46 in Beijing is 06:46 in Ürümqi: its round has not even opened.
    assert_eq!(warned("2026-11-22 08:46"), ["第一网格"]);
    // 10:46 in Beijing is 08:46 in Ürümqi: its own warning time.
    assert_eq!(warned("2026-11-22 10:46"), ["第一网格", "西郊一网格"]);
}

/// Runs as a user of the database, with their PIN.
fn as_user(db: &TestDb, user: &str, pin: &str, now: &str, args: &[&str]) -> common::Run {
    let mut command = db.command_as(user, "en", now, args);
    command.env("CURTAIN_PIN", pin);
    if args.starts_with(&["user", "add"]) {
        command.env("CURTAIN_NEW_PIN", "8642");
    }
    common::run(command)
}

#[test]
fn a_user_scoped_to_a_community_sees_and_records_its_grids_only() {
    let db = two_communities();
    let admin = |args: &[&str]| {
        let run = as_user(&db, "li", "2580", common::IMPORT_NOW, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.describe());
        run.stdout
    };
    admin(&["init", "--admin", "li"]);
    admin(&[
        "user",
        "add",
        "ayi",
        "--role",
        "grid_worker",
        "--community",
        "西郊社区",
    ]);
    let listed = db.conn().query_row(
        "SELECT community FROM user_communities WHERE user_name = 'ayi'",
        [],
        |row| row.get::<_, String>(0),
    );
    assert_eq!(listed.unwrap(), "西郊社区");

    let now = "2026-11-22 10:00";
    let status = as_user(
        &db,
        "ayi",
        "8642",
        now,
        &["status", "--round", MORNING, "--format", "json"],
    );
    assert_eq!(status.code, 0, "{}", status.describe());
    let rows: Vec<serde_json::Value> = serde_json::from_str(&status.stdout).unwrap();
    let mut ids: Vec<&str> = rows
        .iter()
        .map(|row| row["elder_id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(ids, ["XJ001", "XJ002"], "her community's grids only");
    let own = as_user(&db, "ayi", "8642", now, &["check", "XJ001", "open"]);
    assert_eq!(own.code, 0, "{}", own.describe());
    let other = as_user(&db, "ayi", "8642", now, &["check", "CQ001", "open"]);
    assert_eq!(other.code, 2, "{}", other.describe());
    assert!(other.stderr.contains("第一网格"), "{}", other.describe());

    // A community no elder lives in is refused when the user is added.
    let run = as_user(
        &db,
        "li",
        "2580",
        common::IMPORT_NOW,
        &[
            "user",
            "add",
            "bo",
            "--role",
            "volunteer",
            "--community",
            "东郊社区",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(run.stderr.contains("东郊社区"), "{}", run.describe());
}
