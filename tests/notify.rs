//! Notifications (#7) end to end: the real binary, a real database, and a recording HTTP server
//! on 127.0.0.1 standing in for the WeCom and DingTalk robots and a generic webhook. Rounds are
//! those of the sample roster (imported 2026-11-21 20:00; the morning window closes 09:30).

mod common;
mod common_http;

use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use common::{TestDb, USER, sample_elders, spawn_watch};
use common_http::{Reply, Request, Server};
use curtain::domain::Schedule;
use curtain::domain::time::parse_instant;
use curtain::i18n::Lang;
use curtain::store::outbox::{self, Attempt};
use curtain::store::{Create, Store};
use curtain::tui::app::{self, App, Tab};

const GRID1: &str = "第一网格";

/// Writes `curtain.toml` beside the database (where every command finds it).
fn configure(db: &TestDb, text: &str) {
    std::fs::write(db.file("curtain.toml"), text).expect("write curtain.toml");
}

/// A generic webhook channel `hook` to `server`, fast retries for tests.
fn webhook_config(server: &Server, extra: &str) -> String {
    format!(
        "[community]\nname = \"长青社区\"\n[notify]\nretry_base_seconds = 1\ntimeout_seconds = 1\n\
         {extra}\n[notify.channels.hook]\nkind = \"webhook\"\nurl = \"{}/hook\"\n",
        server.url
    )
}

fn watch_once(db: &TestDb, now: &str) -> String {
    db.ok(now, &["watch", "--once"])
}

fn outbox(db: &TestDb, now: &str) -> Vec<Value> {
    db.json(now, &["outbox", "--all", "--format", "json"])
}

fn by_path<'a>(requests: &'a [Request], path: &str) -> Vec<&'a Request> {
    requests.iter().filter(|r| r.path == path).collect()
}

fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

#[test]
fn a_round_closing_sends_one_digest_per_grid_and_an_alert_at_once_in_each_format() {
    let server = Server::start(&[]);
    let db = TestDb::drill_with_sample_roster();
    configure(
        &db,
        &format!(
            "[community]\nname = \"长青社区\"\n\
             [notify.channels.hook]\nkind = \"webhook\"\nurl = \"{0}/hook\"\ngrids = [\"{GRID1}\"]\n\
             [notify.channels.wecom]\nkind = \"wecom\"\nurl = \"{0}/cgi-bin/webhook/send?key=K1\"\ngrids = [\"{GRID1}\"]\n\
             [notify.channels.ding]\nkind = \"dingtalk\"\nurl = \"{0}/robot/send?access_token=T1\"\n\
             secret = \"SECtest123\"\ngrids = [\"{GRID1}\"]\n",
            server.url
        ),
    );
    // CQ001's curtain still closed at 08:10: an alert, queued by the check itself.
    db.check("CQ001", "closed", "2026-11-22 08:10");
    let queued = outbox(&db, "2026-11-22 08:10");
    assert_eq!(queued.len(), 1, "{queued:#?}");
    assert_eq!(queued[0]["kind"], "alert");
    assert!(
        queued[0]["channel"].is_null(),
        "nothing is routed before a watcher runs"
    );
    assert!(server.requests().is_empty());

    watch_once(&db, "2026-11-22 08:11");
    let requests = server.wait_for(3, Duration::from_secs(5));
    assert_eq!(requests.len(), 3, "the alert, once per channel");
    let alert = by_path(&requests, "/hook")[0].json();
    assert_eq!(alert["kind"], "alert");
    assert_eq!(alert["grid"], GRID1);
    assert_eq!(alert["flags"][0]["elder_id"], "CQ001");
    assert_eq!(alert["flags"][0]["status"], "alert");
    assert_eq!(alert["flags"][0]["severity"], "high");
    assert_eq!(alert["flags"][0]["checker"], USER);
    assert!(
        text_of(&alert["text"]).contains("王秀英"),
        "{}",
        alert["text"]
    );
    assert!(text_of(&alert["text"]).contains(USER), "{}", alert["text"]);

    // The window closes at 09:30: one digest for 第一网格 with its missed elders (CQ007 has her
    // own window until 10:30; CQ001 was told of already).
    watch_once(&db, "2026-11-22 09:31");
    let requests = server.wait_for(6, Duration::from_secs(5));
    assert_eq!(
        requests.len(),
        6,
        "one digest per channel, other grids go nowhere"
    );
    let roster = sample_elders();
    let expected: Vec<_> = roster
        .iter()
        .filter(|e| e.grid == GRID1 && e.id != "CQ001" && e.id != "CQ007")
        .collect();
    let digest = by_path(&requests, "/hook")[1].json();
    assert_eq!(digest["kind"], "round_digest");
    assert_eq!(digest["community"], "长青社区");
    assert_eq!(digest["grid"], GRID1);
    assert_eq!(digest["round"], "2026-11-22/morning");
    assert_eq!(digest["test"], false);
    let flags = digest["flags"].as_array().unwrap();
    assert_eq!(flags.len(), expected.len(), "{digest:#}");
    for elder in &expected {
        let flag = flags
            .iter()
            .find(|f| f["elder_id"] == elder.id.as_str())
            .unwrap_or_else(|| panic!("{} missing from the digest", elder.id));
        assert_eq!(flag["name"], elder.name.as_str());
        assert_eq!(flag["address"], elder.address.as_str());
        assert_eq!(flag["status"], "missed");
        assert_eq!(flag["severity"], "low");
        assert!(flag["checker"].is_null());
    }
    let text = text_of(&digest["text"]);
    for fragment in [
        GRID1,
        "晨巡 11月22日",
        expected[0].name.as_str(),
        expected[0].address.as_str(),
        "漏巡",
        "程度：低",
        "无人巡视",
    ] {
        assert!(
            text.contains(fragment),
            "digest text lacks {fragment}:\n{text}"
        );
    }

    let wecom = by_path(&requests, "/cgi-bin/webhook/send");
    assert_eq!(wecom.len(), 2);
    assert!(
        wecom
            .iter()
            .all(|r| r.method == "POST" && r.query == "key=K1")
    );
    let body = wecom[1].json();
    assert_eq!(body["msgtype"], "markdown");
    let content = text_of(&body["markdown"]["content"]);
    // A drill database says so first in every message it sends.
    assert!(content.starts_with("### 【演练】【窗帘行动】"), "{content}");
    for fragment in [
        GRID1,
        "晨巡 11月22日",
        expected[0].name.as_str(),
        "无人巡视",
    ] {
        assert!(
            content.contains(fragment),
            "WeCom content lacks {fragment}:\n{content}"
        );
    }
    let wecom_alert = text_of(&wecom[0].json()["markdown"]["content"]);
    for fragment in ["王秀英", "异常", "程度：高", "巡视：wang_ayi"] {
        assert!(wecom_alert.contains(fragment), "{wecom_alert}");
    }

    let ding = by_path(&requests, "/robot/send");
    assert_eq!(ding.len(), 2);
    for request in &ding {
        let body = request.json();
        assert_eq!(body["msgtype"], "markdown");
        assert!(text_of(&body["markdown"]["title"]).contains("【窗帘行动】"));
        assert!(text_of(&body["markdown"]["text"]).contains(GRID1));
        assert_eq!(request.param("access_token").as_deref(), Some("T1"));
        let timestamp = request.param("timestamp").expect("timestamp");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"SECtest123").unwrap();
        mac.update(format!("{timestamp}\nSECtest123").as_bytes());
        let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let encoded = sign
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        assert_eq!(request.param("sign"), Some(encoded), "{}", request.query);
    }

    // Nothing is sent twice, however often the watcher passes.
    watch_once(&db, "2026-11-22 09:40");
    assert_eq!(server.requests().len(), 6);
    let rows = outbox(&db, "2026-11-22 09:40");
    let grids_unrouted = rows
        .iter()
        .filter(|r| r["channel"].is_null() && r["kind"] == "round_digest")
        .count();
    assert_eq!(
        grids_unrouted, 3,
        "the other grids' digests have no channel: {rows:#?}"
    );
}

#[test]
fn a_delivery_is_retried_after_a_500_and_a_timeout_then_sent_once() {
    let server = Server::start(&[Reply::Status(500), Reply::Hang(Duration::from_secs(3))]);
    let db = TestDb::drill_with_sample_roster();
    configure(&db, &webhook_config(&server, ""));
    db.check("CQ001", "closed", "2026-11-22 08:10");

    watch_once(&db, "2026-11-22 08:11");
    let rows = outbox(&db, "2026-11-22 08:11");
    assert_eq!(rows[0]["state"], "pending", "{rows:#?}");
    assert_eq!(rows[0]["attempts"], 1);
    assert!(text_of(&rows[0]["last_error"]).contains("500"), "{rows:#?}");

    watch_once(&db, "2026-11-22 08:12");
    let rows = outbox(&db, "2026-11-22 08:12");
    assert_eq!(rows[0]["state"], "pending", "{rows:#?}");
    assert_eq!(rows[0]["attempts"], 2);
    // The outbox keeps why as data: each reader reads it in their own language (issue 12), not
    // in the language the group's messages are sent in.
    assert!(
        text_of(&rows[0]["last_error"]).contains("no answer within 1 s"),
        "{rows:#?}"
    );
    let in_chinese = db.run("zh", "2026-11-22 08:12", &["outbox", "--all"]);
    assert!(
        in_chinese.stdout.contains("1 秒内没有回应"),
        "{}",
        in_chinese.describe()
    );

    watch_once(&db, "2026-11-22 08:13");
    watch_once(&db, "2026-11-22 08:14");
    let rows = outbox(&db, "2026-11-22 08:14");
    assert_eq!(rows[0]["state"], "sent", "{rows:#?}");
    assert_eq!(rows[0]["attempts"], 3);
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        3,
        "two failed attempts and one that arrived"
    );
    let ids: Vec<Value> = requests
        .iter()
        .map(|r| r.json()["message_id"].clone())
        .collect();
    assert!(
        ids.iter().all(|id| *id == ids[0]),
        "the same message each time"
    );
}

#[test]
fn a_delivery_that_keeps_failing_is_shown_as_failed_and_can_be_retried() {
    let server = Server::start(&[Reply::Status(500), Reply::Status(503)]);
    let db = TestDb::drill_with_sample_roster();
    configure(&db, &webhook_config(&server, "max_attempts = 2"));
    db.check("CQ001", "closed", "2026-11-22 08:10");
    watch_once(&db, "2026-11-22 08:11");
    watch_once(&db, "2026-11-22 08:12");
    let rows = outbox(&db, "2026-11-22 08:12");
    let failed: Vec<&Value> = rows.iter().filter(|r| r["state"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{rows:#?}");
    assert!(
        text_of(&failed[0]["last_error"]).contains("HTTP 503"),
        "{rows:#?}"
    );
    let table = db.run("zh", "2026-11-22 08:12", &["outbox"]);
    assert_eq!(table.code, 0, "{}", table.describe());
    assert!(table.stdout.contains("失败"), "{}", table.stdout);
    assert!(
        table.stdout.contains("失败或不确定 1 条"),
        "{}",
        table.stdout
    );

    // Still failed on the next pass: nothing is sent until a person asks.
    watch_once(&db, "2026-11-22 08:30");
    assert_eq!(server.requests().len(), 2);
    let id = failed[0]["delivery_id"].as_i64().unwrap().to_string();
    db.ok("2026-11-22 08:31", &["outbox", "retry", &id]);
    watch_once(&db, "2026-11-22 08:31");
    let rows = outbox(&db, "2026-11-22 08:31");
    assert_eq!(rows[0]["state"], "sent", "{rows:#?}");
    db.refused(
        "en",
        "2026-11-22 08:32",
        &["outbox", "retry", &id],
        &["sent"],
    );
    db.refused(
        "en",
        "2026-11-22 08:32",
        &["outbox", "retry", "999"],
        &["999"],
    );
}

#[test]
fn a_critical_flag_open_for_30_minutes_is_reminded_of_once() {
    let server = Server::start(&[]);
    // A drill: its flags are stamped with --now, so thirty minutes pass as the test says.
    let db = TestDb::drill_with_sample_roster();
    configure(&db, &webhook_config(&server, ""));
    // Open at night, then still closed in the morning: nobody has touched that curtain.
    db.check("CQ001", "open", "2026-11-22 20:10");
    let out = db.check("CQ001", "closed", "2026-11-23 08:00");
    assert!(out.contains("critical"), "{out}");
    let reminders = |server: &Server| -> Vec<Value> {
        server
            .requests()
            .iter()
            .map(Request::json)
            .filter(|body| body["kind"] == "critical_reminder")
            .collect()
    };
    watch_once(&db, "2026-11-23 08:20");
    assert!(reminders(&server).is_empty(), "20 minutes is not yet 30");
    watch_once(&db, "2026-11-23 08:31");
    let sent = reminders(&server);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["flags"][0]["elder_id"], "CQ001");
    assert_eq!(sent[0]["flags"][0]["severity"], "critical");
    assert!(
        text_of(&sent[0]["text"]).contains("30 分钟"),
        "{}",
        sent[0]["text"]
    );
    watch_once(&db, "2026-11-23 09:00");
    watch_once(&db, "2026-11-23 12:00");
    assert_eq!(reminders(&server).len(), 1, "once per flag");
}

#[test]
fn a_watcher_killed_mid_send_leaves_an_uncertain_delivery_not_a_duplicate() {
    // The robot takes the message and never answers: the watcher is killed while it waits.
    let server = Server::start(&[Reply::Hang(Duration::from_secs(20))]);
    let db = TestDb::drill_with_sample_roster();
    configure(
        &db,
        &webhook_config(&server, "").replace("timeout_seconds = 1", "timeout_seconds = 15"),
    );
    db.check("CQ001", "closed", "2026-11-22 08:10");
    let mut watcher = spawn_watch(&db, "2026-11-22 08:11");
    server.wait_for(1, Duration::from_secs(10));
    watcher.kill().expect("SIGKILL the watcher");
    watcher.wait().expect("reap the watcher");
    let rows = outbox(&db, "2026-11-22 08:11");
    assert_eq!(rows[0]["state"], "sending", "{rows:#?}");

    // Started again after the claim's lease ran out: it may have arrived, so it is neither
    // resent nor dropped, but shown for a person to decide.
    watch_once(&db, "2026-11-22 08:20");
    watch_once(&db, "2026-11-22 08:21");
    assert_eq!(server.requests().len(), 1, "no duplicate after the restart");
    let rows = outbox(&db, "2026-11-22 08:21");
    assert_eq!(rows[0]["state"], "uncertain", "{rows:#?}");
    let table = db.run("zh", "2026-11-22 08:21", &["outbox"]);
    assert!(table.stdout.contains("不确定是否送到"), "{}", table.stdout);
    assert!(
        table.stdout.contains("curtain outbox retry"),
        "{}",
        table.stdout
    );

    let id = rows[0]["delivery_id"].as_i64().unwrap().to_string();
    db.ok("2026-11-22 08:22", &["outbox", "retry", &id]);
    watch_once(&db, "2026-11-22 08:22");
    assert_eq!(
        server.requests().len(),
        2,
        "resent once, because a person asked"
    );
    assert_eq!(outbox(&db, "2026-11-22 08:22")[0]["state"], "sent");
}

#[test]
fn two_watchers_at_once_send_every_delivery_exactly_once_and_stop_on_sigterm() {
    let server = Server::start(&[]);
    server.answer_from_now(Reply::Slow(Duration::from_millis(100)));
    let db = TestDb::drill_with_sample_roster();
    configure(&db, &webhook_config(&server, ""));
    for id in ["CQ001", "CQ016", "CQ031", "CQ046"] {
        db.check(id, "closed", "2026-11-22 08:10");
    }
    // Both start after the window closed: each alert and each grid's digest is up for grabs.
    let watchers = [
        spawn_watch(&db, "2026-11-22 09:31"),
        spawn_watch(&db, "2026-11-22 09:31"),
    ];
    // 4 alerts, and a digest for each of the 4 grids.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let rows = outbox(&db, "2026-11-22 09:40");
        if rows.len() >= 8 && rows.iter().all(|r| r["state"] == "sent") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not everything was sent: {rows:#?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for watcher in &watchers {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &watcher.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success());
    }
    for watcher in watchers {
        let output = watcher.wait_with_output().expect("watcher ends");
        assert!(
            output.status.success(),
            "SIGTERM is a clean stop: {output:?}"
        );
        assert!(String::from_utf8_lossy(&output.stdout).contains("stopped"));
    }
    let requests = server.requests();
    let mut ids: Vec<i64> = requests
        .iter()
        .map(|r| r.json()["message_id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    let total = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), total, "a message was sent twice: {ids:?}");
    let rows = outbox(&db, "2026-11-22 09:40");
    assert!(rows.iter().all(|r| r["state"] == "sent"), "{rows:#?}");
    assert_eq!(rows.len(), total, "one request per delivery");
}

#[test]
fn notify_test_is_marked_as_a_test_and_says_when_it_did_not_arrive() {
    let server = Server::start(&[]);
    let db = TestDb::drill_with_sample_roster();
    configure(
        &db,
        &format!(
            "{}[notify.channels.wecom]\nkind = \"wecom\"\nurl = \"{}/wecom\"\n",
            webhook_config(&server, ""),
            server.url
        ),
    );
    let out = db.run(
        "zh",
        "2026-11-22 10:00",
        &["notify", "test", "--channel", "hook"],
    );
    assert_eq!(out.code, 0, "{}", out.describe());
    assert!(out.stdout.contains("hook"), "{}", out.stdout);
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "only the channel asked for");
    let body = requests[0].json();
    assert_eq!(body["kind"], "test");
    assert_eq!(body["test"], true);
    let text = text_of(&body["text"]);
    assert!(text.contains("测试消息"), "{text}");
    assert!(text.contains(USER), "{text}");

    server.answer_from_now(Reply::Errcode(93000));
    let out = db.run("en", "2026-11-22 10:01", &["notify", "test"]);
    assert_eq!(out.code, 1, "{}", out.describe());
    assert!(out.stderr.contains("errcode 93000"), "{}", out.describe());
    assert!(out.stderr.contains("wecom"), "{}", out.describe());

    db.refused(
        "en",
        "2026-11-22 10:02",
        &["notify", "test", "--channel", "nope"],
        &["nope", "hook, wecom"],
    );
    db.refused(
        "zh",
        "2026-11-22 10:02",
        &["notify", "test", "--channel", "nope"],
        &["没有名为 nope 的通知通道"],
    );
}

#[test]
fn a_bad_notify_config_is_refused_with_its_key_and_line() {
    let db = TestDb::drill_with_sample_roster();
    configure(
        &db,
        "[notify.channels.g1]\nkind = \"wechat\"\nurl = \"https://example.com\"\n",
    );
    db.refused(
        "en",
        "2026-11-22 10:00",
        &["outbox"],
        &["line 2", "notify.channels.g1.kind", "wechat"],
    );
}

/// The screen's text with the spaces taken out (a wide character's second cell is blank).
fn screen_text(app: &App) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 20)).unwrap();
    terminal
        .draw(|frame| curtain::tui::draw::draw(frame, app))
        .unwrap();
    terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect::<String>()
        .replace(' ', "")
}

#[test]
fn the_flags_screen_shows_notifications_that_did_not_go_out() {
    let db = TestDb::drill_with_sample_roster();
    db.check("CQ001", "closed", "2026-11-22 08:10");
    let now = parse_instant("2026-11-22 08:11", Schedule::default().tz, None).unwrap();
    let mut store = Store::open(&db.path, Create::Never, Schedule::default()).unwrap();
    let mut app = App::new(Lang::Zh, USER.into(), None, Schedule::default(), now);
    app.tab = Tab::Flags;
    app::reload(&mut app, &mut store).unwrap();
    let warning = "⚠通知发送失败1条·curtainoutbox";
    assert!(
        !screen_text(&app).contains("通知发送失败"),
        "nothing failed yet"
    );

    // The alert's delivery to a channel gives up, as a watcher records it.
    let tx = store.write().unwrap();
    outbox::route(&tx, "hook", None, now - chrono::Duration::hours(1), now).unwrap();
    let channels = ["hook".to_string()];
    let claimed = outbox::claim_next(
        &tx,
        &channels,
        "t1",
        now,
        now + chrono::Duration::minutes(1),
    )
    .unwrap()
    .expect("the alert's delivery is due");
    let failed = Attempt::Failed {
        error: "HTTP 500".into(),
        retry_at: None,
    };
    assert!(outbox::finish(&tx, &claimed, &failed, now).unwrap());
    tx.commit().unwrap();
    app::reload(&mut app, &mut store).unwrap();
    assert!(screen_text(&app).contains(warning), "{}", screen_text(&app));
}
