//! `curtain watch`, `curtain outbox` and `curtain notify test`: the command-line side of the
//! notifications. The clock is read here (never below): a watcher follows the wall clock, or,
//! in a drill with `--now`, starts at that time and moves on with the seconds that pass, so
//! retries and leases still come due.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Subcommand;

use super::Session;
use super::output::{Format, table, write_csv, write_json};
use crate::domain::time::format_local;
use crate::error::Refusal;
use crate::i18n::{Lang, fill, t, words};
use crate::notify::{Clock, DeliveryError, Notifier, Outcome, PassReport};
use crate::store::Create;
use crate::store::outbox::{self, DeliveryState, Kind, OutboxRow};

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Queue a failed or uncertain delivery again (curtain watch sends it on its next pass)
    Retry { delivery_id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a clearly marked test message to every channel, or to one
    Test {
        #[arg(long)]
        channel: Option<String>,
    },
}

/// How far back `curtain outbox` looks unless `--all`.
const OUTBOX_DAYS: i64 = 7;

/// The patrol's time for a command: the wall clock, or `--now` moving on from when the
/// command started.
struct CommandClock {
    start: DateTime<Utc>,
    started: Instant,
    fixed: bool,
}

impl CommandClock {
    fn new(session: &Session) -> CommandClock {
        CommandClock {
            start: session.now,
            started: Instant::now(),
            fixed: session.clock.fixed,
        }
    }
}

impl Clock for CommandClock {
    fn now(&self) -> DateTime<Utc> {
        if self.fixed {
            let elapsed = chrono::Duration::from_std(self.started.elapsed())
                .unwrap_or(chrono::Duration::zero());
            self.start + elapsed
        } else {
            Utc::now()
        }
    }

    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

pub fn kind_words(lang: Lang, kind: &str) -> String {
    let s = t(lang);
    match Kind::parse(kind) {
        Some(Kind::RoundDigest) => s.kind_round_digest.clone(),
        Some(Kind::Alert) => s.kind_alert.clone(),
        Some(Kind::CriticalReminder) => s.kind_critical_reminder.clone(),
        Some(Kind::Test) => s.kind_test.clone(),
        Some(Kind::EarlyWarning) => s.kind_early_warning.clone(),
        None => kind.to_string(),
    }
}

pub use crate::ops::messages::delivery_state as state_words;

/// The longest wait between passes: an hour. A longer one would sleep through a round.
pub const MAX_INTERVAL_SECONDS: u64 = 3600;

/// `curtain watch`: passes every `interval` seconds until SIGTERM/SIGINT/SIGHUP (a delivery
/// under way is finished and recorded first), or one pass with `--once`.
pub fn watch(session: &Session, interval: u64, once: bool) -> anyhow::Result<()> {
    if !(1..=MAX_INTERVAL_SECONDS).contains(&interval) {
        return Err(Refusal::OutOfRange {
            option: "--interval",
            value: interval,
            min: 1,
            max: MAX_INTERVAL_SECONDS,
        }
        .into());
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("listening for the stop signals")?;
    }
    let mut store = session.open(Create::Never)?;
    let notifier = Notifier::new(&session.config, &format!("watch-{}", std::process::id()));
    let clock = CommandClock::new(session);
    let s = t(session.lang);
    let tz = session.config.schedule.tz;
    let mut out = std::io::stdout();
    if !once {
        let mut started = fill(
            &s.watch_started,
            &[
                ("channels", &notifier.channels().len()),
                ("interval", &interval),
            ],
        );
        if notifier.channels().is_empty() {
            started.push_str(&s.watch_no_channels);
        }
        writeln!(out, "{started}")?;
    }
    if once {
        let report = notifier.pass(&mut store, &clock, &stop)?;
        writeln!(out, "{}", pass_line(session.lang, tz, clock.now(), &report))?;
        return Ok(());
    }
    let pause = std::time::Duration::from_secs(interval.max(1));
    let wait = |stop: &AtomicBool| {
        let deadline = Instant::now() + pause;
        while Instant::now() < deadline && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let say_error = |error: &anyhow::Error| {
        // A long-running service rides out a locked or busy database; the next pass tries again.
        let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
        eprintln!(
            "{}",
            fill(
                &s.watch_pass_error,
                &[
                    ("time", &format_local(clock.now(), tz)),
                    ("error", &chain.join(": "))
                ]
            )
        );
    };
    // Each channel sends on a thread and a connection of its own, so one that hangs holds up
    // no other (#15); this thread decides what is to be sent.
    let sent = std::sync::Mutex::new(PassReport::default());
    let (path, schedule) = (store.path.clone(), store.schedule.clone());
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for channel in notifier.channels() {
            let (notifier, clock, stop, sent) = (&notifier, &clock, &stop, &sent);
            let (path, schedule) = (&path, &schedule);
            scope.spawn(move || {
                let mut own: Option<crate::store::Store> = None;
                while !stop.load(Ordering::SeqCst) {
                    if own.is_none() {
                        match crate::store::Store::open(path, Create::Never, schedule.clone()) {
                            Ok(store) => own = Some(store),
                            Err(error) => say_error(&error),
                        }
                    }
                    if let Some(store) = own.as_mut() {
                        match notifier.send_due(store, &channel.name, clock, stop) {
                            Ok(report) => {
                                if let Ok(mut total) = sent.lock() {
                                    total.add(&report);
                                }
                            }
                            Err(error) => say_error(&error),
                        }
                    }
                    wait(stop);
                }
            });
        }
        while !stop.load(Ordering::SeqCst) {
            match notifier.prepare(&mut store, &clock) {
                Ok(mut report) => {
                    if let Ok(mut total) = sent.lock() {
                        report.add(&total);
                        *total = PassReport::default();
                    }
                    if !report.is_quiet() {
                        let line = pass_line(session.lang, tz, clock.now(), &report);
                        if let Err(error) = writeln!(out, "{line}") {
                            // The senders stop with this thread, after what they are sending.
                            stop.store(true, Ordering::SeqCst);
                            return Err(error.into());
                        }
                    }
                }
                Err(error) => say_error(&error),
            }
            wait(&stop);
        }
        Ok(())
    })?;
    if !once {
        writeln!(out, "{}", s.watch_stopped)?;
    }
    Ok(())
}

fn pass_line(lang: Lang, tz: chrono_tz::Tz, now: DateTime<Utc>, report: &PassReport) -> String {
    let mut line = fill(
        &t(lang).watch_pass,
        &[
            ("time", &format_local(now, tz)),
            ("sent", &report.sent),
            ("retrying", &report.retrying),
            ("failed", &report.failed),
            ("uncertain", &report.uncertain),
            ("reminders", &report.reminders),
        ],
    );
    if report.warnings > 0 {
        line.push_str(&fill(
            &t(lang).watch_warnings,
            &[("warnings", &report.warnings)],
        ));
    }
    line
}

/// `curtain outbox [--all] [--format …]` and `curtain outbox retry ID`.
pub fn outbox(
    session: &Session,
    action: Option<OutboxCommand>,
    all: bool,
    format: Format,
) -> anyhow::Result<()> {
    match action {
        Some(OutboxCommand::Retry { delivery_id }) => retry(session, delivery_id),
        None => list(session, all, format),
    }
}

fn list(session: &Session, all: bool, format: Format) -> anyhow::Result<()> {
    let mut store = session.open(Create::Never)?;
    // Once users exist, reading needs a login too (DESIGN.md section 4).
    session.viewer(&mut store)?;
    let since = (!all).then(|| session.now - chrono::Duration::days(OUTBOX_DAYS));
    let mut rows = outbox::list(&store.conn, since)?;
    // Kept as data; read in the reader's language.
    for row in &mut rows {
        row.last_error = row
            .last_error
            .take()
            .map(|stored| DeliveryError::words_of_stored(session.lang, &stored));
    }
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, &rows),
        Format::Csv => write_csv(&mut out, &rows),
        Format::Table => {
            let lang = session.lang;
            let s = t(lang);
            let tz = store.schedule.tz;
            let local = |text: &str| {
                crate::store::parse_ts(text)
                    .map(|at| format_local(at, tz))
                    .unwrap_or_else(|_| text.to_string())
            };
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row: &OutboxRow| {
                    vec![
                        row.delivery_id.map(|id| id.to_string()).unwrap_or_default(),
                        row.message_id.to_string(),
                        kind_words(lang, &row.kind),
                        row.grid.clone().unwrap_or_default(),
                        row.round
                            .map(|round| words::round(lang, round))
                            .unwrap_or_default(),
                        row.channel.clone().unwrap_or_else(|| "—".to_string()),
                        state_words(lang, row.state).to_string(),
                        row.attempts.to_string(),
                        local(&row.created_at),
                        row.last_error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            let headers = [
                s.col_delivery.as_str(),
                &s.col_message,
                &s.col_kind,
                &s.col_grid,
                &s.col_round,
                &s.col_channel,
                &s.col_state,
                &s.col_attempts,
                &s.col_queued_at,
                &s.col_last_error,
            ];
            write!(out, "{}", table(&headers, &cells))?;
            let trouble = rows
                .iter()
                .filter(|row| {
                    matches!(
                        row.state,
                        Some(DeliveryState::Failed | DeliveryState::Uncertain)
                    )
                })
                .count();
            writeln!(
                out,
                "{}",
                fill(
                    &s.outbox_count,
                    &[("count", &rows.len()), ("trouble", &trouble)]
                )
            )?;
            Ok(())
        }
    }
}

fn known_channels(session: &Session) -> String {
    let names: Vec<&str> = session
        .config
        .notify
        .channels
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if names.is_empty() {
        "—".to_string()
    } else {
        names.join(", ")
    }
}

fn retry(session: &Session, delivery_id: i64) -> anyhow::Result<()> {
    let channel = crate::ops::outbox::retry(session, delivery_id)?;
    writeln!(
        std::io::stdout(),
        "{}",
        fill(
            &t(session.lang).outbox_requeued,
            &[("id", &delivery_id), ("channel", &channel)]
        )
    )?;
    Ok(())
}

/// `curtain notify test [--channel NAME]`: sends at once, from this process, and says for each
/// channel whether it arrived; exit 1 when one did not.
pub fn notify(session: &Session, action: NotifyCommand) -> anyhow::Result<()> {
    let NotifyCommand::Test { channel } = action;
    let configured = &session.config.notify.channels;
    let names: Vec<String> = match channel {
        Some(name) => {
            if !configured.iter().any(|c| c.name == name) {
                return Err(Refusal::UnknownChannel {
                    name,
                    known: known_channels(session),
                }
                .into());
            }
            vec![name]
        }
        None if configured.is_empty() => return Err(Refusal::NoChannels.into()),
        None => configured.iter().map(|c| c.name.clone()).collect(),
    };
    let notifier = Notifier::new(&session.config, &format!("test-{}", std::process::id()));
    let clock = CommandClock::new(session);
    let now = clock.now();
    let (mut store, claimed) = crate::ops::outbox::queue_test(
        session,
        &names,
        &notifier.claim_token(),
        now,
        now + notifier.lease(),
    )?;
    let s = t(session.lang);
    let mut failed = 0;
    for delivery in &claimed {
        match notifier.deliver(&mut store, delivery, &clock, false)? {
            Outcome::Sent => writeln!(
                std::io::stdout(),
                "{}",
                fill(&s.notify_test_sent, &[("channel", &delivery.channel)])
            )?,
            Outcome::WillRetry(error) | Outcome::Failed(error) => {
                failed += 1;
                eprintln!(
                    "{}",
                    fill(
                        &s.notify_test_failed,
                        &[
                            ("channel", &delivery.channel),
                            (
                                "error",
                                &DeliveryError::words_of_stored(session.lang, &error)
                            )
                        ]
                    )
                );
            }
        }
    }
    if failed > 0 {
        anyhow::bail!(fill(&s.notify_test_some_failed, &[("count", &failed)]));
    }
    Ok(())
}
