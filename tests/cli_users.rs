//! Users, roles and PINs on the built binary: the first admin, who may do what on which grid,
//! PINs hashed and never stored in clear, lockout after wrong PINs, masked phones, and every
//! change naming who made it. A database without users keeps asking no PIN (the other suites).

mod common;

use common::{IMPORT_NOW, MORNING, Run, TestDb, run, sample_roster};

const ADMIN: &str = "li_zhuren";
const ADMIN_PIN: &str = "2580";
const NOW: &str = "2026-11-22 08:10";

fn as_user(db: &TestDb, user: &str, pin: Option<&str>, now: &str, args: &[&str]) -> Run {
    let mut command = db.command_as(user, "en", now, args);
    if let Some(pin) = pin {
        command.env("CURTAIN_PIN", pin);
    }
    run(command)
}

fn ok_as(db: &TestDb, user: &str, pin: &str, now: &str, args: &[&str]) -> String {
    let result = as_user(db, user, Some(pin), now, args);
    assert_eq!(
        result.code,
        0,
        "`curtain {}` as {user} failed:\n{}",
        args.join(" "),
        result.describe()
    );
    result.stdout
}

/// Runs as `user` and insists on exit 2 with `says` on stderr and the database unchanged.
fn refused_as(db: &TestDb, user: &str, pin: Option<&str>, args: &[&str], says: &str) {
    let before = db.snapshot();
    let result = as_user(db, user, pin, NOW, args);
    assert_eq!(result.code, 2, "should exit 2:\n{}", result.describe());
    assert!(
        result.stderr.contains(says),
        "stderr should say {says:?}:\n{}",
        result.describe()
    );
    assert!(result.stdout.is_empty(), "{}", result.describe());
    assert_eq!(db.snapshot(), before, "nothing changes on disk");
}

fn add_user(db: &TestDb, name: &str, role: &str, grid: Option<&str>, pin: &str) {
    let mut args = vec!["user", "add", name, "--role", role];
    if let Some(grid) = grid {
        args.extend(["--grid", grid]);
    }
    let mut command = db.command_as(ADMIN, "en", IMPORT_NOW, &args);
    command
        .env("CURTAIN_PIN", ADMIN_PIN)
        .env("CURTAIN_NEW_PIN", pin);
    let result = run(command);
    assert_eq!(result.code, 0, "{}", result.describe());
}

/// The sample roster, an admin, a volunteer and a grid worker of the first grid.
fn community() -> TestDb {
    let db = TestDb::with_sample_roster();
    let mut command = db.command_as(ADMIN, "en", IMPORT_NOW, &["init", "--admin", ADMIN]);
    command.env("CURTAIN_PIN", ADMIN_PIN);
    let result = run(command);
    assert_eq!(result.code, 0, "{}", result.describe());
    assert!(
        result.stdout.contains("admin li_zhuren added"),
        "{}",
        result.stdout
    );
    add_user(&db, "wang", "volunteer", Some("第一网格"), "1357");
    add_user(&db, "zhao", "grid_worker", Some("第一网格"), "8642");
    db
}

#[test]
fn pins_are_stored_as_argon2id_hashes_only() {
    let db = community();
    let conn = db.conn();
    let hashes: Vec<(String, String)> = conn
        .prepare("SELECT name, pin_hash FROM users ORDER BY name")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashes.len(), 3);
    for (name, hash) in &hashes {
        assert!(hash.starts_with("$argon2id$"), "{name}: {hash}");
        for pin in [ADMIN_PIN, "1357", "8642"] {
            assert!(!hash.contains(pin), "{name}'s hash holds a PIN");
        }
    }
    let stored = db.stored_bytes();
    for pin in ["1357", "8642"] {
        let needle = pin.as_bytes();
        for bytes in &stored {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "the PIN {pin} is in the database file in clear"
            );
        }
    }
}

#[test]
fn once_a_user_exists_every_change_needs_a_user_and_pin() {
    let db = community();
    // No --user at all: the runner's login name is no user of this database.
    let mut command = db.command_as("", "en", NOW, &["check", "CQ001", "open"]);
    command
        .env_remove("CURTAIN_USER")
        .env("USER", "nobody_here");
    let before = db.snapshot();
    let result = run(command);
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(result.stderr.contains("--user"), "{}", result.describe());
    assert_eq!(db.snapshot(), before);
    // A user, but no PIN and no terminal to ask at.
    refused_as(
        &db,
        "wang",
        None,
        &["check", "CQ001", "open"],
        "CURTAIN_PIN",
    );
    refused_as(
        &db,
        "ghost",
        Some("1357"),
        &["check", "CQ001", "open"],
        "no user ghost",
    );
    // Reading needs a PIN as much as writing does (DESIGN.md section 4).
    refused_as(
        &db,
        "wang",
        None,
        &["status", "--round", MORNING],
        "CURTAIN_PIN",
    );
    let status = as_user(
        &db,
        "wang",
        Some("1357"),
        NOW,
        &["status", "--round", MORNING],
    );
    assert_eq!(status.code, 0, "{}", status.describe());
}

#[test]
fn a_wrong_pin_is_refused_and_five_lock_the_user_for_five_minutes() {
    let db = community();
    for left in (1..=4).rev() {
        let result = as_user(&db, "wang", Some("9999"), NOW, &["check", "CQ001", "open"]);
        assert_eq!(result.code, 2, "{}", result.describe());
        assert!(
            result.stderr.contains(&format!("{left} more wrong tries")),
            "{}",
            result.describe()
        );
    }
    let fifth = as_user(&db, "wang", Some("9999"), NOW, &["check", "CQ001", "open"]);
    assert!(fifth.stderr.contains("locked"), "{}", fifth.describe());
    // Locked: even the right PIN is refused until the five minutes are over.
    let locked = as_user(&db, "wang", Some("1357"), NOW, &["check", "CQ001", "open"]);
    assert_eq!(locked.code, 2);
    assert!(locked.stderr.contains("locked"), "{}", locked.describe());
    // The lockout counts the real clock (DESIGN.md section 3): a `--now` an hour later does not
    // lift it, and it ends five real minutes after the fifth wrong PIN.
    let hour_later = as_user(
        &db,
        "wang",
        Some("1357"),
        "2026-11-22 09:10",
        &["check", "CQ001", "open"],
    );
    assert_eq!(hour_later.code, 2, "{}", hour_later.describe());
    assert!(
        hour_later.stderr.contains("locked"),
        "{}",
        hour_later.describe()
    );
    let locked_until: String = db
        .conn()
        .query_row(
            "SELECT locked_until FROM users WHERE name = 'wang'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let locked_until = chrono::DateTime::parse_from_rfc3339(&locked_until).unwrap();
    let from_real = locked_until.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        from_real > chrono::Duration::minutes(4) && from_real <= chrono::Duration::minutes(5),
        "locked until five real minutes from now, not from --now: {locked_until}"
    );
    // An admin's new PIN lifts the lockout at once.
    let mut command = db.command_as(ADMIN, "en", NOW, &["user", "passwd", "wang"]);
    command
        .env("CURTAIN_PIN", ADMIN_PIN)
        .env("CURTAIN_NEW_PIN", "1357");
    assert_eq!(run(command).code, 0);
    let later = ok_as(&db, "wang", "1357", NOW, &["check", "CQ001", "open"]);
    assert!(later.contains("saved"), "{later}");
    let failures: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM user_audit WHERE user_name = 'wang' AND action = 'login_failed'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(failures, 5, "every wrong PIN is in the audit");
}

#[test]
fn rule_roles_decide_what_each_user_may_change() {
    let db = community();
    // wang (volunteer, grid 1) records on grid 1, not on grid 4, and may not resolve.
    let saved = ok_as(&db, "wang", "1357", NOW, &["check", "CQ002", "closed"]);
    assert!(saved.contains("flagged #"), "{saved}");
    let flags = ok_as(
        &db,
        ADMIN,
        ADMIN_PIN,
        NOW,
        &["flags", "--format", "json", "--all"],
    );
    let flags: serde_json::Value = serde_json::from_str(&flags).unwrap();
    let flag_id = flags
        .as_array()
        .unwrap()
        .iter()
        .find(|flag| flag["elder_id"] == "CQ002" && flag["round"] == MORNING)
        .unwrap()["id"]
        .to_string();
    refused_as(
        &db,
        "wang",
        Some("1357"),
        &["check", "CQ050", "open"],
        "does not work on grid 第四网格",
    );
    refused_as(
        &db,
        "wang",
        Some("1357"),
        &["resolve", &flag_id, "--outcome", "elder_fine"],
        "may not resolve flags",
    );
    refused_as(
        &db,
        "wang",
        Some("1357"),
        &[
            "away",
            "CQ003",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-24",
        ],
        "may not record absences",
    );
    refused_as(
        &db,
        "wang",
        Some("1357"),
        &["import", sample_roster().to_str().unwrap()],
        "may not edit the roster",
    );
    // zhao (grid worker, grid 1) resolves and records absences on grid 1 only.
    let resolved = ok_as(
        &db,
        "zhao",
        "8642",
        NOW,
        &["resolve", &flag_id, "--outcome", "elder_fine"],
    );
    assert!(resolved.contains("resolved"), "{resolved}");
    ok_as(
        &db,
        "zhao",
        "8642",
        NOW,
        &[
            "away",
            "CQ003",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-24",
        ],
    );
    refused_as(
        &db,
        "zhao",
        Some("8642"),
        &[
            "away",
            "CQ050",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-24",
        ],
        "does not work on grid 第四网格",
    );
    refused_as(
        &db,
        "zhao",
        Some("8642"),
        &["backup", db.file("copy.db").to_str().unwrap()],
        "may not back up",
    );
    refused_as(
        &db,
        "zhao",
        Some("8642"),
        &["user", "add", "sun", "--role", "volunteer"],
        "may not manage users",
    );
    // Who did what is on record under their own names.
    let conn = db.conn();
    let checker: String = conn
        .query_row(
            "SELECT checker FROM checks WHERE elder_id = 'CQ002'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(checker, "wang");
    let closed_by: String = conn
        .query_row(
            "SELECT closed_by FROM flags WHERE elder_id = 'CQ002'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(closed_by, "zhao");
    let created_by: String = conn
        .query_row(
            "SELECT created_by FROM absences WHERE elder_id = 'CQ003'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(created_by, "zhao");
}

#[test]
fn volunteers_see_phones_masked_and_anonymous_readers_see_nothing() {
    let db = community();
    let phone_of_cq001 = |out: &str| {
        let rows: serde_json::Value = serde_json::from_str(out).unwrap();
        rows.as_array().unwrap()[0]["phone"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Once users exist, reading needs a login too (DESIGN.md section 4).
    refused_as(&db, "wang", None, &["elders", "--format", "json"], "PIN");
    let volunteer = ok_as(&db, "wang", "1357", NOW, &["elders", "--format", "json"]);
    assert_eq!(phone_of_cq001(&volunteer), "139****7346");
    let worker = ok_as(&db, "zhao", "8642", NOW, &["elders", "--format", "json"]);
    assert_eq!(phone_of_cq001(&worker), "13900007346");
}

#[test]
fn user_list_passwd_disable_and_the_last_admin() {
    let db = community();
    // Once users exist, listing them needs a login too (DESIGN.md section 4).
    let refused = as_user(&db, ADMIN, None, NOW, &["user", "list", "--format", "json"]);
    assert_eq!(refused.code, 2, "{}", refused.describe());
    let list = as_user(
        &db,
        ADMIN,
        Some(ADMIN_PIN),
        NOW,
        &["user", "list", "--format", "json"],
    );
    let users: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["li_zhuren", "wang", "zhao"]);
    assert_eq!(users[1]["role"], "volunteer");
    // Audit times keep the real clock, whatever --now the admin gave (DESIGN.md section 3).
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        users[1]["created_at"].as_str().unwrap().starts_with(&today),
        "{users}"
    );
    assert_eq!(users[1]["grids"][0], "第一网格");
    assert!(!list.stdout.contains("argon2"), "no hashes in the list");

    // A user changes their own PIN; the old one stops working.
    let mut command = db.command_as("wang", "en", NOW, &["user", "passwd", "wang"]);
    command
        .env("CURTAIN_PIN", "1357")
        .env("CURTAIN_NEW_PIN", "2468");
    assert_eq!(run(command).code, 0);
    // A wrong PIN is counted on disk (that is the lockout), so only the refusal is checked.
    let old_pin = as_user(&db, "wang", Some("1357"), NOW, &["check", "CQ001", "open"]);
    assert_eq!(old_pin.code, 2, "{}", old_pin.describe());
    assert!(
        old_pin.stderr.contains("wrong PIN"),
        "{}",
        old_pin.describe()
    );
    ok_as(&db, "wang", "2468", NOW, &["check", "CQ001", "open"]);
    // …but not someone else's.
    let mut command = db.command_as("wang", "en", NOW, &["user", "passwd", "zhao"]);
    command
        .env("CURTAIN_PIN", "2468")
        .env("CURTAIN_NEW_PIN", "1111");
    assert_eq!(run(command).code, 2);
    // A weak new PIN is refused in words.
    let mut command = db.command_as(ADMIN, "en", NOW, &["user", "passwd", "wang"]);
    command
        .env("CURTAIN_PIN", ADMIN_PIN)
        .env("CURTAIN_NEW_PIN", "0000");
    let weak = run(command);
    assert_eq!(weak.code, 2);
    assert!(weak.stderr.contains("repeated"), "{}", weak.describe());

    ok_as(&db, ADMIN, ADMIN_PIN, NOW, &["user", "disable", "wang"]);
    refused_as(
        &db,
        "wang",
        Some("2468"),
        &["check", "CQ004", "open"],
        "disabled",
    );
    refused_as(
        &db,
        ADMIN,
        Some(ADMIN_PIN),
        &["user", "disable", ADMIN],
        "last enabled admin",
    );
    ok_as(&db, ADMIN, ADMIN_PIN, NOW, &["user", "enable", "wang"]);
    ok_as(&db, "wang", "2468", NOW, &["check", "CQ004", "open"]);
    let actions: Vec<String> = db
        .conn()
        .prepare("SELECT user_name || ' ' || action || ' by ' || actor FROM user_audit WHERE action != 'login_failed' ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        actions,
        [
            "li_zhuren add by li_zhuren",
            "wang add by li_zhuren",
            "zhao add by li_zhuren",
            "wang passwd by wang",
            "wang disable by li_zhuren",
            "wang enable by li_zhuren",
        ]
    );
}

#[test]
fn bad_user_commands_are_refused_and_change_nothing() {
    let db = community();
    let admin = Some(ADMIN_PIN);
    refused_as(
        &db,
        ADMIN,
        admin,
        &["user", "add", "sun", "--role", "boss"],
        "not a role",
    );
    refused_as(
        &db,
        ADMIN,
        admin,
        &["user", "add", "sun li", "--role", "admin"],
        "user name",
    );
    refused_as(
        &db,
        ADMIN,
        admin,
        &["user", "add", "wang", "--role", "admin"],
        "already a user",
    );
    refused_as(
        &db,
        ADMIN,
        admin,
        &[
            "user",
            "add",
            "sun",
            "--role",
            "volunteer",
            "--grid",
            "第九网格",
        ],
        "第九网格",
    );
    refused_as(
        &db,
        ADMIN,
        admin,
        &["init", "--admin", "another"],
        "already has users",
    );
    refused_as(
        &db,
        ADMIN,
        admin,
        &["user", "disable", "ghost"],
        "no user ghost",
    );
}

#[test]
fn the_first_user_must_be_an_admin_and_a_weak_pin_makes_no_database() {
    let db = TestDb::new();
    let mut command = db.command_as("li", "en", NOW, &["init", "--admin", "li"]);
    command.env("CURTAIN_PIN", "12");
    let result = run(command);
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(result.stderr.contains("too short"), "{}", result.describe());
    assert!(!db.file("curtain.db").exists(), "no database is made");

    db.ok(IMPORT_NOW, &["init"]);
    let mut command = db.command_as(
        "li",
        "en",
        NOW,
        &["user", "add", "wang", "--role", "volunteer"],
    );
    command.env("CURTAIN_NEW_PIN", "1357");
    let result = run(command);
    assert_eq!(result.code, 2, "{}", result.describe());
    assert!(
        result.stderr.contains("init --admin"),
        "{}",
        result.describe()
    );
}

#[test]
fn a_volunteer_may_not_resend_notifications() {
    let db = community();
    refused_as(
        &db,
        "wang",
        Some("1357"),
        &["outbox", "retry", "1"],
        "may not manage notifications",
    );
}

#[test]
fn a_grid_workers_ledger_holds_only_his_grids_and_a_volunteer_gets_none() {
    let db = community();
    let out = db.file("ledger.csv");
    let args = [
        "report",
        "--from",
        "2026-11-22",
        "--to",
        "2026-11-22",
        "--out",
        out.to_str().unwrap(),
    ];
    refused_as(
        &db,
        "wang",
        Some("1357"),
        &args,
        "may not export the ledger",
    );
    assert!(!out.exists());
    ok_as(&db, "zhao", "8642", NOW, &args);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("第一网格"), "{text}");
    for other in ["第二网格", "第三网格", "第四网格"] {
        assert!(!text.contains(other), "{other} is in zhao's ledger");
    }
}
