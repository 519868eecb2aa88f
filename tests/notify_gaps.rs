//! Early warnings and channels that do not wait on each other (issue #15), end to end: the real
//! binary, a drill database of the sample roster (imported 2026-11-21 20:00; the morning window
//! 07:00–09:30, due 08:00, so the warning time is 08:45), and recording HTTP servers on
//! 127.0.0.1.

mod common;
mod common_http;

use std::time::{Duration, Instant};

use common::{TestDb, spawn_watch};
use common_http::{Reply, Server};
use serde_json::Value;

fn configure(db: &TestDb, text: &str) {
    std::fs::write(db.file("curtain.toml"), text).expect("write curtain.toml");
}

fn grid_ids(db: &TestDb, grid: &str) -> Vec<String> {
    db.json(
        "2026-11-21 20:00",
        &["elders", "--grid", grid, "--format", "json"],
    )
    .iter()
    .map(|row| row["elder_id"].as_str().unwrap().to_string())
    .collect()
}

fn kinds(requests: &[common_http::Request], kind: &str) -> Vec<Value> {
    requests
        .iter()
        .map(|r| r.json())
        .filter(|body| body["kind"] == kind)
        .collect()
}

#[test]
fn early_warning_at_845_once_per_grid_below_half_naming_the_assigned_volunteers() {
    let server = Server::start(&[]);
    let db = TestDb::drill_with_sample_roster();
    configure(
        &db,
        &format!(
            "[community]\nname = \"长青社区\"\n[notify.channels.hook]\nkind = \"webhook\"\n\
             url = \"{}/hook\"\n",
            server.url
        ),
    );
    db.ok(
        "2026-11-21 20:00",
        &[
            "assign",
            "wang_ayi",
            "--grid",
            "第二网格",
            "--buildings",
            "6栋",
        ],
    );
    db.ok(
        "2026-11-21 20:00",
        &["assign", "li_shifu", "--grid", "第二网格", "--route", "1-5"],
    );
    // 第一网格 walked whole, 第三网格 7 of 15 (below half), 第四网格 8 of 15 (not below).
    for (grid, count) in [("第一网格", 16), ("第三网格", 7), ("第四网格", 8)] {
        for id in grid_ids(&db, grid).iter().take(count) {
            db.ok("2026-11-22 08:00", &["check", id, "open"]);
        }
    }
    db.ok("2026-11-22 08:40", &["watch", "--once"]);
    assert!(
        kinds(&server.requests(), "early_warning").is_empty(),
        "not before 08:45"
    );
    let out = db.ok("2026-11-22 08:46", &["watch", "--once"]);
    assert!(out.contains("early warnings 2"), "{out}");
    let requests = server.wait_for(2, Duration::from_secs(5));
    let warnings = kinds(&requests, "early_warning");
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    let second = warnings.iter().find(|w| w["grid"] == "第二网格").unwrap();
    let text = second["text"].as_str().unwrap();
    assert!(
        text.contains("⚠ 晨巡 第二网格 已查 0/14，09:30 截止，负责：li_shifu、wang_ayi"),
        "{text}"
    );
    assert_eq!(second["round"], "2026-11-22/morning");
    let third = warnings.iter().find(|w| w["grid"] == "第三网格").unwrap();
    assert!(
        third["text"].as_str().unwrap().contains("已查 7/15"),
        "{third}"
    );
    // Once per grid and round, however many passes follow.
    db.ok("2026-11-22 08:50", &["watch", "--once"]);
    db.ok("2026-11-22 09:20", &["watch", "--once"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(kinds(&server.requests(), "early_warning").len(), 2);
    let outbox = db.json("2026-11-22 09:20", &["outbox", "--all", "--format", "json"]);
    assert_eq!(
        outbox
            .iter()
            .filter(|row| row["kind"] == "early_warning")
            .count(),
        2,
        "{outbox:#?}"
    );
}

#[test]
fn a_hanging_channel_does_not_hold_up_an_alert_to_a_healthy_one() {
    let hanging = Server::start(&[]);
    hanging.answer_from_now(Reply::Hang(Duration::from_secs(60)));
    let healthy = Server::start(&[]);
    let db = TestDb::drill_with_sample_roster();
    configure(
        &db,
        &format!(
            "[notify]\ntimeout_seconds = 8\nretry_base_seconds = 1\n\
             [notify.channels.hanging]\nkind = \"webhook\"\nurl = \"{}/hook\"\n\
             [notify.channels.healthy]\nkind = \"webhook\"\nurl = \"{}/hook\"\n",
            hanging.url, healthy.url
        ),
    );
    // Nobody walked the morning: the watcher starting after it closed has four digests for each
    // channel, and the hanging one sits on its first.
    let mut watcher = spawn_watch(&db, "2026-11-22 09:31");
    healthy.wait_for(4, Duration::from_secs(20));
    hanging.wait_for(1, Duration::from_secs(20));
    // Now a curtain seen closed (the morning round, entered late): an alert.
    db.ok(
        "2026-11-22 09:33",
        &[
            "check",
            "CQ016",
            "closed",
            "--round",
            "2026-11-22/morning",
            "--at",
            "09:32",
        ],
    );
    let recorded = Instant::now();
    let deadline = recorded + Duration::from_secs(5);
    let alert = loop {
        if let Some(alert) = kinds(&healthy.requests(), "alert").into_iter().next() {
            break alert;
        }
        assert!(
            Instant::now() < deadline,
            "the healthy channel got no alert within 5 s of the check"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(alert["flags"][0]["elder_id"], "CQ016");
    assert!(
        recorded.elapsed() < Duration::from_secs(5),
        "{:?}",
        recorded.elapsed()
    );
    let status = std::process::Command::new("kill")
        .args(["-TERM", &watcher.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let ended = watcher.wait().expect("the watcher ends");
    assert!(ended.success(), "{ended:?}");
}
