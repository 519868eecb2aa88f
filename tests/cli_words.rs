//! The command line in the user's words (issue #13): observations and outcomes in Chinese as
//! well as English, elder ids whatever their case, an unknown grid refused with the grids there
//! are, in their natural order.

mod common;

use common::{MORNING, TestDb};

#[test]
fn a_check_and_a_resolve_take_chinese_words_and_ids_in_any_case() {
    let db = TestDb::with_sample_roster();
    let out = db.ok("2026-11-22 08:00", &["check", "cq005", "关着"]);
    assert!(out.contains("CQ005"), "{out}");
    let flag = db
        .flag_of("CQ005", MORNING, "2026-11-22 08:01")
        .expect("closed in the morning is flagged");
    let id = flag["id"].as_i64().unwrap().to_string();
    db.ok(
        "2026-11-22 08:30",
        &[
            "resolve",
            &id,
            "--outcome",
            "老人安好",
            "--note",
            "电话已接通",
        ],
    );
    let flag = db.flag_of("CQ005", MORNING, "2026-11-22 08:31").unwrap();
    assert_eq!(flag["state"], "resolved", "{flag}");
    let out = db.ok("2026-11-22 08:40", &["check", "Cq006", "见到本人"]);
    assert!(out.contains("CQ006"), "{out}");
    db.ok(
        "2026-11-22 08:45",
        &[
            "away",
            "cq007",
            "--from",
            "2026-11-23",
            "--to",
            "2026-11-25",
        ],
    );
}

#[test]
fn an_unknown_grid_is_refused_naming_the_grids_in_natural_order() {
    let db = TestDb::with_sample_roster();
    for (lang, says) in [("zh", "第九网格"), ("en", "第九网格")] {
        for command in [
            &["status", "--grid", "第九网格"][..],
            &["elders", "--grid", "第九网格"][..],
            &["flags", "--grid", "第九网格"][..],
            &["coverage", "--grid", "第九网格"][..],
        ] {
            let stderr = db.refused(lang, "2026-11-22 08:00", command, &[says]);
            let first = stderr.find("第一网格").expect("the grids are named");
            let second = stderr.find("第二网格").expect("the grids are named");
            let third = stderr.find("第三网格").expect("the grids are named");
            assert!(first < second && second < third, "{stderr}");
        }
    }
}

#[test]
fn unknown_words_are_refused_with_exit_2() {
    let db = TestDb::with_sample_roster();
    db.refused(
        "zh",
        "2026-11-22 08:00",
        &["check", "CQ005", "半开"],
        &["半开"],
    );
}

/// Help and usage errors in Chinese under a Chinese locale, with no `--lang` at all.
#[test]
fn help_and_usage_errors_are_in_chinese_under_a_chinese_locale() {
    // Somewhere empty to stand, so that no default database path can reach a real one.
    let home = tempfile::tempdir().unwrap();
    let command = |lang: &str, args: &[&str]| {
        let mut cmd = common::curtain();
        cmd.current_dir(home.path())
            .env("HOME", home.path())
            .env("LANG", lang)
            .args(args);
        assert_cmd::Command::from_std(cmd)
    };
    let run = |args: &[&str]| common::run(command("zh_CN.UTF-8", args));
    let help = run(&["--help"]);
    assert_eq!(help.code, 0, "{}", help.describe());
    for words in ["用法：", "命令", "选项", "记一条查看", "数据库文件"] {
        assert!(help.stdout.contains(words), "{words}:\n{}", help.stdout);
    }
    let status = run(&["status", "--help"]);
    assert!(
        status.stdout.contains("只看这个网格"),
        "--grid is documented:\n{}",
        status.stdout
    );
    assert!(
        !status.stdout.contains("possible values"),
        "{}",
        status.stdout
    );
    let wrong = run(&["status", "--gird", "第一网格"]);
    assert_eq!(wrong.code, 2, "{}", wrong.describe());
    assert!(
        wrong.stderr.contains("不认识的参数 --gird"),
        "{}",
        wrong.stderr
    );
    assert!(
        wrong.stderr.contains("--grid"),
        "a suggestion: {}",
        wrong.stderr
    );
    let bad = run(&["resolve", "abc", "--outcome", "老人安好"]);
    assert_eq!(bad.code, 2, "{}", bad.describe());
    // A flag is named by its number or as gap:ID (issue 15), in words.
    assert!(bad.stderr.contains("“abc”不是标记编号"), "{}", bad.stderr);
    // English stays clap's own, with the arguments documented from the English table.
    let english = common::run(command("en_US.UTF-8", &["status", "--help"]));
    assert!(
        english.stdout.contains("Only this grid"),
        "{}",
        english.stdout
    );
}

/// Value names in usage and help are the user's words too (`<老人编号>`, never `<ELDER_ID>`
/// under a Chinese locale), and so are clap's own (`[选项]`, not `[OPTIONS]`).
#[test]
fn value_names_in_help_and_usage_are_chinese_under_a_chinese_locale() {
    let home = tempfile::tempdir().unwrap();
    let run = |lang: &str, args: &[&str]| {
        let mut cmd = common::curtain();
        cmd.current_dir(home.path())
            .env("HOME", home.path())
            .env("LANG", lang)
            .args(args);
        common::run(assert_cmd::Command::from_std(cmd))
    };
    // Any `<NAME>` in capitals is a value name left in English.
    let english_value = |text: &str| {
        text.split('<').skip(1).find_map(|rest| {
            let name = rest.split('>').next().unwrap_or_default();
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
                .then(|| name.to_string())
        })
    };
    let commands: &[&[&str]] = &[
        &[],
        &["check"],
        &["status"],
        &["flags"],
        &["resolve"],
        &["away"],
        &["report"],
        &["import"],
        &["elders"],
        &["init"],
        &["user", "add"],
        &["assign"],
        &["tally"],
        &["handover"],
        &["coverage"],
        &["gaps"],
        &["backup"],
        &["sheet"],
    ];
    for words in commands {
        let mut args = words.to_vec();
        args.push("--help");
        let help = run("zh_CN.UTF-8", &args);
        assert_eq!(help.code, 0, "{}", help.describe());
        assert_eq!(
            english_value(&help.stdout),
            None,
            "{args:?}:\n{}",
            help.stdout
        );
        assert!(
            !help.stdout.contains("[OPTIONS]"),
            "{args:?}:\n{}",
            help.stdout
        );
    }
    let check = run("zh_CN.UTF-8", &["check", "--help"]);
    assert!(check.stdout.contains("<老人编号>"), "{}", check.stdout);
    assert!(!check.stdout.contains("<ELDER_ID>"), "{}", check.stdout);
    // A usage error's usage line too.
    let missing = run("zh_CN.UTF-8", &["check"]);
    assert_eq!(missing.code, 2, "{}", missing.describe());
    assert!(!missing.stderr.contains("<ELDER_ID>"), "{}", missing.stderr);
    assert!(missing.stderr.contains("<老人编号>"), "{}", missing.stderr);
    let away = run("zh_CN.UTF-8", &["away", "CQ001"]);
    assert_eq!(english_value(&away.stderr), None, "{}", away.stderr);
    // English keeps clap's names.
    let english = run("en_US.UTF-8", &["check", "--help"]);
    assert!(english.stdout.contains("<ELDER_ID>"), "{}", english.stdout);
    assert!(english.stdout.contains("[OPTIONS]"), "{}", english.stdout);
}
