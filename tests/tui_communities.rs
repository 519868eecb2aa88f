//! The patrol screen of someone who works in a community with a clock of its own (issue #16):
//! after her login the title names her community and the round, its window and the time left
//! are her community's, driven in tmux on the real binary.

mod common_tmux;

use std::path::Path;

use common_tmux::{Lang, Tmux};

/// 东郊社区 keeps Tokyo time (an hour ahead of Beijing) for the test's sake: at the harness's
/// 07:50 Beijing time it is 08:50 there, 40 minutes before its 09:30 close.
const CONFIG: &str = "[community]\nname = \"长青社区\"\n\n\
                      [communities.\"东郊社区\"]\ntimezone = \"Asia/Tokyo\"\n";

const ROSTER: &str = "编号,姓名,地址,网格,社区\n\
    CQ001,王秀英,长青小区 1栋 101,第一网格,\n\
    DJ001,山本,东郊花园 2栋 301,东郊一网格,东郊社区\n\
    DJ002,佐藤,东郊花园 2栋 302,东郊一网格,东郊社区\n";

/// Runs the CLI the evening before, as `user` with PINs when users exist.
fn cli(db: &Path, user: &str, pins: &[(&str, &str)], args: &[&str]) {
    let mut command = common_tmux::curtain();
    command.args(args).arg("--db").arg(db).args([
        "--now",
        "2026-11-21 20:00",
        "--lang",
        "en",
        "--user",
        user,
    ]);
    for (key, value) in pins {
        command.env(key, value);
    }
    let out = command.output().expect("running curtain");
    assert!(out.status.success(), "curtain {args:?}: {out:?}");
}

#[test]
#[cfg_attr(missing_tmux, ignore = "tmux is not installed")]
fn a_volunteer_of_a_community_in_another_time_zone_walks_its_round_by_its_clock() {
    // A test that cannot run must not pass: CI installs tmux (.ci/run).
    let tmux = Tmux::new().expect("tmux is not installed: this test drives the real terminal");
    let db = tmux.db("communities.db");
    let dir = tmux.dir();
    std::fs::write(dir.join("curtain.toml"), CONFIG).unwrap();
    let roster = dir.join("roster.csv");
    std::fs::write(&roster, ROSTER).unwrap();
    cli(&db, "admin", &[], &["import", roster.to_str().unwrap()]);
    cli(
        &db,
        "li",
        &[("CURTAIN_PIN", "2580")],
        &["init", "--admin", "li"],
    );
    let add = [
        "user",
        "add",
        "sato",
        "--role",
        "volunteer",
        "--community",
        "东郊社区",
    ];
    let pins = [("CURTAIN_PIN", "2580"), ("CURTAIN_NEW_PIN", "1357")];
    cli(&db, "li", &pins, &add);

    tmux.open("s", (40, 20), Lang::Zh, &db, "sato");
    tmux.wait_for("s", "PIN");
    tmux.type_text("s", "1357");
    tmux.keys("s", &["Enter"]);
    let screen = tmux.wait_for("s", "佐藤");
    assert!(
        screen.contains("还剩 40 分") || screen.contains("还剩 39 分"),
        "Tokyo's 09:30 is 40 minutes away:\n{screen}"
    );
    assert!(!screen.contains("王秀英"), "only her community:\n{screen}");
    // Wide enough for the title, it names her community.
    tmux.resize("s", 80, 24);
    let screen = tmux.wait_for("s", "东郊社区");
    assert!(screen.contains("巡视人 sato"), "{screen}");
    tmux.resize("s", 40, 20);
    tmux.wait_for("s", "还剩");
    tmux.keys("s", &["o"]);
    let screen = tmux.wait_for("s", "已保存");
    assert!(screen.contains("山本"), "{screen}");
    let out = common_tmux::curtain()
        .args([
            "status",
            "--round",
            "2026-11-22/morning",
            "--format",
            "json",
        ])
        .arg("--db")
        .arg(&db)
        .args(["--now", "2026-11-22 08:00", "--user", "li"])
        .env("CURTAIN_PIN", "2580")
        .output()
        .expect("running curtain");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["elder_id"] == "DJ001")
        .expect("DJ001 listed")
        .clone();
    assert_eq!(row["status"], "ok", "{row}");
    assert_eq!(row["late"], false, "08:50 in Tokyo is on time: {row}");
}
