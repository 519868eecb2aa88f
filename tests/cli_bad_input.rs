//! Bad input gets a clear error and changes nothing (DESIGN.md sections 4 and 7): exit code 2, a
//! message on stderr that says what to fix in the chosen language, and the database file (and its
//! WAL) byte-for-byte as it was.

mod common;

use common::{TestDb, write_text};

/// A database with the sample roster and one alert flag (CQ005 closed in the morning).
fn db_with_a_flag() -> (TestDb, i64) {
    let db = TestDb::with_sample_roster();
    db.check("CQ005", "closed", "2026-11-22 08:00");
    let flag = db
        .flag_of("CQ005", common::MORNING, "2026-11-22 08:01")
        .expect("flagged");
    (db, flag["id"].as_i64().unwrap())
}

#[test]
fn unknown_elder_id_exits_2_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["check", "CQ999", "open"],
        &["CQ999", "curtain elders"],
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &[
            "away",
            "CQ999",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-24",
        ],
        &["CQ999"],
    );
}

#[test]
fn unknown_elder_id_is_explained_in_chinese() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "zh",
        "2026-11-22 08:00",
        &["check", "CQ999", "open"],
        &["名单里没有编号为 CQ999 的老人"],
    );
}

#[test]
fn bad_observation_word_exits_2_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["check", "CQ001", "ajar"],
        &[
            "`ajar` is not an observation",
            "open, closed, seen or unclear",
        ],
    );
}

#[test]
fn bad_observation_word_is_explained_in_chinese() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "zh",
        "2026-11-22 08:00",
        &["check", "CQ001", "ajar"],
        &["ajar", "不是有效的查看结果"],
    );
}

#[test]
fn bad_round_text_exits_2_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    for round in [
        "2026-11-22/noon",
        "2026-11-31/morning",
        "tomorrow",
        "2026-11-22",
    ] {
        db.refused(
            "en",
            "2026-11-22 08:00",
            &["check", "CQ001", "open", "--round", round],
            &[&format!("`{round}` is not a round"), "2026-11-22/morning"],
        );
        db.refused(
            "en",
            "2026-11-22 08:00",
            &["status", "--round", round],
            &[&format!("`{round}` is not a round")],
        );
    }
}

#[test]
fn check_for_a_round_not_open_yet_exits_2_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        // An hour early still counts (DESIGN.md section 3); before that it is refused.
        "2026-11-22 05:30",
        &["check", "CQ001", "open", "--round", "2026-11-22/morning"],
        &["2026-11-22/morning", "07:00", "05:30", "--round", "--at"],
    );
}

#[test]
fn seen_at_in_the_future_exits_2_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["check", "CQ001", "open", "--at", "2026-11-22 09:00"],
        &["2026-11-22 09:00", "after now", "--at"],
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["check", "CQ001", "open", "--at", "08:30"],
        &["after now"],
    );
}

#[test]
fn bad_at_time_exits_2_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["check", "CQ001", "open", "--at", "just now"],
        &["`just now` is not a time", "2026-11-22 08:05"],
    );
}

#[test]
fn unknown_flag_id_exits_2_and_changes_nothing() {
    let (db, _) = db_with_a_flag();
    db.refused(
        "en",
        "2026-11-22 09:00",
        &["resolve", "9999", "--outcome", "elder_fine"],
        &["no flag with id 9999", "curtain flags"],
    );
}

#[test]
fn bad_outcome_exits_2_and_changes_nothing() {
    let (db, flag) = db_with_a_flag();
    let flag = flag.to_string();
    db.refused(
        "en",
        "2026-11-22 09:00",
        &["resolve", &flag, "--outcome", "fine"],
        &["`fine` is not an outcome", "elder_fine", "false_alarm"],
    );
    let still = db
        .flag_of("CQ005", common::MORNING, "2026-11-22 09:00")
        .unwrap();
    assert_eq!(still["state"], "open");
}

#[test]
fn bad_outcome_is_explained_in_chinese() {
    let (db, flag) = db_with_a_flag();
    let flag = flag.to_string();
    let stderr = db.refused(
        "zh",
        "2026-11-22 09:00",
        &["resolve", &flag, "--outcome", "fine"],
        &["fine", "elder_fine"],
    );
    assert!(
        stderr
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the message is in Chinese: {stderr}"
    );
}

#[test]
fn bad_now_exits_2_and_changes_nothing() {
    let db = TestDb::with_sample_roster();
    for now in [
        "tomorrow morning",
        "2026-11-31 08:00",
        "08:00",
        "2026/11/22 08:00",
    ] {
        db.refused(
            "en",
            now,
            &["check", "CQ001", "open"],
            &[&format!("`{now}` is not a time"), "2026-11-22 08:05"],
        );
        db.refused("en", now, &["status"], &["is not a time"]);
    }
}

#[test]
fn bad_away_dates_exit_2_and_change_nothing() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        "2026-11-22 08:00",
        &[
            "away",
            "CQ001",
            "--from",
            "2026-11-25",
            "--to",
            "2026-11-23",
        ],
        &["2026-11-23", "2026-11-25", "--from"],
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["away", "CQ001", "--from", "next week", "--to", "2026-11-23"],
        &["`next week` is not a date"],
    );
}

#[test]
fn missing_database_exits_2_and_creates_nothing() {
    let db = TestDb::new();
    for args in [
        &["status"][..],
        &["elders"],
        &["check", "CQ001", "open"],
        &["flags"],
        &["undo"],
    ] {
        db.refused("en", "2026-11-22 08:00", args, &["curtain init"]);
        assert!(
            !db.path.exists(),
            "`{}` created the database",
            args.join(" ")
        );
    }
}

fn roster_with(db: &TestDb, name: &str, text: &str) -> String {
    write_text(db, name, text).to_str().unwrap().to_string()
}

#[test]
fn import_with_a_missing_name_names_line_and_column_and_imports_nothing() {
    let db = TestDb::with_sample_roster();
    let file = roster_with(
        &db,
        "missing-name.csv",
        "id,name,address,grid\nNEW01,赵大爷,长青小区 E区 1栋,第五网格\nNEW02,,长青小区 E区 2栋,第五网格\n",
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["import", &file],
        &[
            "nothing was imported",
            "line 3",
            "name",
            "must not be empty",
        ],
    );
    let elders = db.json("2026-11-22 08:00", &["elders", "--format", "json"]);
    assert_eq!(
        elders.len(),
        60,
        "all or nothing: NEW01 is not added either"
    );
}

#[test]
fn import_with_a_missing_name_is_explained_in_chinese() {
    let db = TestDb::with_sample_roster();
    let file = roster_with(
        &db,
        "missing-name.csv",
        "编号,姓名,地址,网格\nNEW01,赵大爷,长青小区 E区 1栋,第五网格\nNEW02,,长青小区 E区 2栋,第五网格\n",
    );
    db.refused(
        "zh",
        "2026-11-22 08:00",
        &["import", &file],
        &["什么都没有导入", "第 3 行", "不能为空"],
    );
}

#[test]
fn import_with_a_duplicate_id_names_both_lines_and_imports_nothing() {
    let db = TestDb::with_sample_roster();
    let file = roster_with(
        &db,
        "duplicate.csv",
        "id,name,address,grid\nNEW01,赵大爷,长青小区 E区 1栋,第五网格\nNEW02,钱奶奶,长青小区 E区 2栋,第五网格\nNEW01,孙大爷,长青小区 E区 3栋,第五网格\n",
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["import", &file],
        &["line 4", "NEW01", "first on line 2"],
    );
}

#[test]
fn import_with_an_unknown_column_names_it_and_imports_nothing() {
    let db = TestDb::with_sample_roster();
    let file = roster_with(
        &db,
        "unknown-column.csv",
        "id,name,address,grid,curtain_colour\nNEW01,赵大爷,长青小区 E区 1栋,第五网格,蓝\n",
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["import", &file],
        &["unknown column `curtain_colour`", "line 1"],
    );
}

#[test]
fn import_with_several_problems_lists_them_all() {
    let db = TestDb::with_sample_roster();
    let file = roster_with(
        &db,
        "several.csv",
        "id,name,grid,route\nNEW01,,第五网格,1\nNEW02,钱奶奶,第五网格,two\nNEW02,孙大爷,第五网格,3\n",
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["import", &file],
        &["line 2", "line 3", "line 4", "`two`", "3 problem"],
    );
}

#[test]
fn import_fixture_roster_bad_csv_is_refused() {
    let fixture = common::repo_file("tests/fixtures/roster-bad.csv");
    let db = TestDb::with_sample_roster();
    let file = if fixture.exists() {
        fixture.to_str().unwrap().to_string()
    } else {
        roster_with(
            &db,
            "roster-bad.csv",
            "编号,姓名,网格,颜色\nNEW01,,第五网格,红\nNEW01,钱奶奶,第五网格,蓝\n",
        )
    };
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["import", &file],
        &["nothing was imported", "line "],
    );
}

#[test]
fn broken_import_into_no_database_creates_no_database() {
    let db = TestDb::new();
    let file = roster_with(&db, "missing-name.csv", "id,name\nNEW01,\n");
    db.refused("en", "2026-11-22 08:00", &["import", &file], &["line 2"]);
    assert!(!db.path.exists(), "a refused import created the database");
}

#[test]
fn import_of_a_file_that_is_not_there_exits_2() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["import", "no-such-roster.csv"],
        &["no-such-roster.csv"],
    );
}

#[test]
fn database_from_a_newer_version_is_refused_by_every_command_and_left_alone() {
    let db = TestDb::with_sample_roster();
    db.mark_schema_version(99);
    let roster = common::sample_roster();
    let backup = db.file("copy.db");
    let commands: Vec<Vec<&str>> = vec![
        vec!["init"],
        vec!["elders"],
        vec!["status", "--round", "2026-11-22/morning"],
        vec!["check", "CQ001", "open"],
        vec!["flags"],
        vec!["undo"],
        vec!["resolve", "1", "--outcome", "elder_fine"],
        vec![
            "away",
            "CQ001",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-24",
        ],
        vec!["import", roster.to_str().unwrap()],
        vec!["backup", backup.to_str().unwrap()],
    ];
    for args in &commands {
        db.refused("en", "2026-11-22 08:00", args, &["newer curtain", "99"]);
    }
    assert!(!backup.exists(), "no backup of a file we cannot read");
    db.refused("zh", "2026-11-22 08:00", &["elders"], &["更新版本"]);
    assert_eq!(db.schema_version(), 99);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let db = TestDb::sqlite_file();
    std::fs::write(
        &db.path,
        "编号,姓名\nCQ001,王秀英\nthis is a roster, not a database; it must stay as it is\n",
    )
    .unwrap();
    for args in [&["elders"][..], &["init"], &["check", "CQ001", "open"]] {
        db.refused(
            "en",
            "2026-11-22 08:00",
            args,
            &["is not a curtain database"],
        );
    }
}

#[test]
fn another_programs_sqlite_database_is_refused_and_left_alone() {
    let db = TestDb::sqlite_file();
    {
        let conn = rusqlite::Connection::open(&db.path).unwrap();
        conn.execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');")
            .unwrap();
    }
    for args in [&["elders"][..], &["init"]] {
        db.refused(
            "en",
            "2026-11-22 08:00",
            args,
            &["is not a curtain database"],
        );
    }
}

#[test]
fn bad_usage_exits_2() {
    let db = TestDb::with_sample_roster();
    for args in [
        &["check", "CQ001"][..],
        &["resolve", "abc", "--outcome", "elder_fine"],
        &["status", "--format", "xml"],
        &["no-such-command"],
    ] {
        let before = db.snapshot();
        let result = db.run("en", "2026-11-22 08:00", args);
        assert_eq!(result.code, 2, "{}", result.describe());
        assert!(!result.stderr.trim().is_empty());
        before.assert_same(&db.snapshot(), &args.join(" "));
    }
}

#[test]
fn refusal_leaves_the_wal_byte_for_byte_too() {
    let db = TestDb::sqlite_file_with_sample_roster();
    // Another terminal holds the database open, so the WAL is not folded back at exit.
    let other_terminal = rusqlite::Connection::open(&db.path).unwrap();
    let _: i64 = other_terminal
        .query_row("SELECT count(*) FROM elders", [], |r| r.get(0))
        .unwrap();
    db.check("CQ001", "open", "2026-11-22 07:30");
    let wal = std::path::PathBuf::from(format!("{}-wal", db.path.display()));
    let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert!(wal_len > 0, "the check is in the WAL");
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["check", "CQ999", "open"],
        &["CQ999"],
    );
    db.refused(
        "en",
        "2026-11-22 08:00",
        &["check", "CQ001", "ajar"],
        &["ajar"],
    );
    db.refused(
        "en",
        "2026-11-22 05:30",
        &["check", "CQ002", "open", "--round", "2026-11-22/morning"],
        &["07:00"],
    );
    drop(other_terminal);
}

#[test]
fn unknown_lang_is_refused_as_bad_usage() {
    let db = TestDb::with_sample_roster();
    db.refused("fr", "2026-11-22 08:00", &["elders"], &["fr", "zh", "en"]);
}

/// Issue 12: a number in the config that used to pass and then panic or overflow is refused with
/// its key, its line and the range, in the user's language, before anything is touched.
#[test]
fn config_numbers_outside_their_range_are_refused_with_key_line_and_range() {
    let cases = [
        ("timeout_seconds = 9223372036854775807", "timeout_seconds"),
        ("max_age_hours = 3000000000", "max_age_hours"),
        (
            "critical_reminder_minutes = 18446744073709551",
            "critical_reminder_minutes",
        ),
        ("max_attempts = 0", "max_attempts"),
    ];
    for (line, key) in cases {
        let db = TestDb::with_sample_roster();
        std::fs::write(db.file("curtain.toml"), format!("[notify]\n{line}\n")).unwrap();
        let key = format!("notify.{key}");
        db.refused(
            "en",
            "2026-11-22 08:00",
            &["check", "CQ001", "open"],
            &["line 2", &key, "out of range"],
        );
        db.refused(
            "zh",
            "2026-11-22 08:00",
            &["watch", "--once"],
            &["第 2 行", &key, "超出范围"],
        );
    }
}

#[test]
fn a_webhook_address_with_no_host_or_an_impossible_port_is_refused() {
    for url in ["http://127.0.0.1:99999/x", "https://"] {
        let db = TestDb::with_sample_roster();
        std::fs::write(
            db.file("curtain.toml"),
            format!("[notify.channels.g1]\nkind = \"webhook\"\nurl = \"{url}\"\n"),
        )
        .unwrap();
        db.refused(
            "en",
            "2026-11-22 08:00",
            &["notify", "test"],
            &["line 3", "notify.channels.g1.url", url],
        );
    }
}

#[test]
fn a_watch_interval_that_would_overflow_is_refused_not_a_crash() {
    let db = TestDb::with_sample_roster();
    for lang in ["en", "zh"] {
        let stderr = db.refused(
            lang,
            "2026-11-22 08:00",
            &["watch", "--interval", "18446744073709551615"],
            &["--interval", "18446744073709551615", "3600"],
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
