//! Notifications (#7): the delivery side of the outbox. The messages themselves are queued by
//! the store in the transactions that decide them (`store::outbox`); this module routes them to
//! the configured channels, claims each delivery with a lease, renders and posts it, and
//! records the result with backoff, so `curtain watch` (and `curtain notify test`) only ever
//! send what is on disk, and never the same delivery twice.

pub mod channel;
pub mod message;

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::config::{ChannelConfig, Config, NotifyConfig};
use crate::store::Store;
use crate::store::outbox::{self, Attempt, Claimed};
pub use channel::DeliveryError;

/// Where a pass reads the time: the patrol's clock (a drill's `--now`, moving on) and the wall
/// clock (for signatures the robots check against their own).
pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
    fn wall(&self) -> DateTime<Utc>;
}

/// What one pass did, for the watcher's log line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    pub reminders: usize,
    /// Early warnings queued (#15).
    pub warnings: usize,
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub uncertain: usize,
}

impl PassReport {
    pub fn is_quiet(&self) -> bool {
        *self == PassReport::default()
    }

    /// Adds what another part of the pass did.
    pub fn add(&mut self, other: &PassReport) {
        self.reminders += other.reminders;
        self.warnings += other.warnings;
        self.sent += other.sent;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.uncertain += other.uncertain;
    }
}

/// How one delivery ended up after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    WillRetry(String),
    Failed(String),
}

/// Sends the outbox to the configured channels.
pub struct Notifier {
    config: NotifyConfig,
    community: Option<String>,
    tz: chrono_tz::Tz,
    agent: ureq::Agent,
    /// Names this process in its claims (`watch-<pid>`).
    worker: String,
}

impl Notifier {
    pub fn new(config: &Config, worker: &str) -> Notifier {
        Notifier {
            config: config.notify.clone(),
            community: config.community_name.clone(),
            tz: config.schedule.tz,
            agent: channel::agent(config.notify.timeout),
            worker: worker.to_string(),
        }
    }

    pub fn channels(&self) -> &[ChannelConfig] {
        &self.config.channels
    }

    pub fn channel(&self, name: &str) -> Option<&ChannelConfig> {
        self.config.channels.iter().find(|c| c.name == name)
    }

    fn duration(std: std::time::Duration) -> Duration {
        Duration::from_std(std).unwrap_or(Duration::MAX)
    }

    /// How long a claim holds: the request's own limit and a minute's grace. A claim older than
    /// that belongs to a watcher that was killed or hung.
    pub fn lease(&self) -> Duration {
        Self::duration(self.config.timeout) + Duration::minutes(1)
    }

    /// The wait before attempt `attempts + 1`: the base, doubled per further attempt, capped.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.saturating_sub(1).min(20));
        let wait = self.config.retry_base.saturating_mul(factor);
        Self::duration(wait.min(self.config.retry_max))
    }

    /// A fresh claim token: this process, and this attempt.
    pub fn claim_token(&self) -> String {
        format!("{}-{}", self.worker, Uuid::new_v4())
    }

    /// One pass of `curtain watch --once`: [`Notifier::prepare`], then every channel sends what
    /// is due to it on a thread and a connection of its own ([`Notifier::send_due`]), so a
    /// channel that hangs holds up no other (#15).
    pub fn pass(
        &self,
        store: &mut Store,
        clock: &(dyn Clock + Sync),
        stop: &AtomicBool,
    ) -> anyhow::Result<PassReport> {
        let mut report = self.prepare(store, clock)?;
        let (path, schedule) = (store.path.clone(), store.schedule.clone());
        let sent: Vec<anyhow::Result<PassReport>> = std::thread::scope(|scope| {
            let workers: Vec<_> = self
                .config
                .channels
                .iter()
                .map(|channel| {
                    let (path, schedule) = (&path, &schedule);
                    scope.spawn(move || {
                        let mut own =
                            Store::open(path, crate::store::Create::Never, schedule.clone())?;
                        self.send_due(&mut own, &channel.name, clock, stop)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|worker| {
                    worker
                        .join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("a channel's sender stopped")))
                })
                .collect()
        });
        for channel in sent {
            report.add(&channel?);
        }
        Ok(report)
    }

    /// What a pass decides before anything is sent: settle closed rounds (queueing their
    /// digests), queue early warnings and the reminders that are due, turn stale claims into
    /// `uncertain`, and route new messages to the channels.
    pub fn prepare(&self, store: &mut Store, clock: &dyn Clock) -> anyhow::Result<PassReport> {
        let mut report = PassReport::default();
        let now = clock.now();
        let times = crate::domain::time::Times {
            now,
            real: clock.wall(),
            drill: store.drill,
        };
        crate::ops::gaps::settle(store, times)?;
        // A grid whose round is still mostly unwalked is told while it can be saved (#15).
        report.warnings = crate::ops::gaps::queue_early_warnings(store, times)?;
        // Reminders and routing go by the time flags and messages are stamped with.
        let now = times.stamp();
        let oldest = now - Self::duration(self.config.max_age);
        let tx = store.write().context("starting to queue notifications")?;
        report.reminders = outbox::queue_critical_reminders(
            &tx,
            Self::duration(self.config.critical_reminder_after),
            oldest,
            now,
        )?
        .len();
        report.uncertain = outbox::mark_stale_claims(&tx, &DeliveryError::Stopped.stored(), now)?;
        for channel in &self.config.channels {
            outbox::route(&tx, &channel.name, channel.grids.as_deref(), oldest, now)?;
        }
        tx.commit().context("saving queued notifications")?;
        Ok(report)
    }

    /// Sends every delivery due to one channel, alerts and early warnings first, until none is
    /// left or `stop` is set.
    pub fn send_due(
        &self,
        store: &mut Store,
        channel: &str,
        clock: &dyn Clock,
        stop: &AtomicBool,
    ) -> anyhow::Result<PassReport> {
        let mut report = PassReport::default();
        let names = [channel.to_string()];
        while !stop.load(Ordering::SeqCst) {
            let now = clock.now();
            let tx = store.write().context("claiming a notification")?;
            let claimed =
                outbox::claim_next(&tx, &names, &self.claim_token(), now, now + self.lease())?;
            tx.commit().context("claiming a notification")?;
            let Some(claimed) = claimed else {
                break;
            };
            match self.deliver(store, &claimed, clock, true)? {
                Outcome::Sent => report.sent += 1,
                Outcome::WillRetry(_) => report.retrying += 1,
                Outcome::Failed(_) => report.failed += 1,
            }
        }
        Ok(report)
    }

    /// Sends a claimed delivery and records the result: sent, or failed with a retry after the
    /// backoff (when `retry` and attempts remain), or failed for good.
    pub fn deliver(
        &self,
        store: &mut Store,
        claimed: &Claimed,
        clock: &dyn Clock,
        retry: bool,
    ) -> anyhow::Result<Outcome> {
        let lang = self.config.lang;
        let result = match (
            self.channel(&claimed.channel),
            outbox::message(&store.conn, claimed.message_id)?,
        ) {
            (Some(channel), Some(message)) => {
                let cx = message::Context {
                    lang,
                    community: self.community.as_deref(),
                    tz: self.tz,
                    channel: &channel.name,
                    reminder_minutes: self.config.critical_reminder_after.as_secs() / 60,
                    max_bytes: channel::max_bytes(channel.kind),
                    drill: store.drill,
                };
                let rendered = message::render(&message, &cx);
                let request = channel::outgoing(
                    channel,
                    &message,
                    &rendered,
                    self.community.as_deref(),
                    clock.wall(),
                );
                channel::send(&self.agent, channel.kind, self.config.timeout, &request)
                    .map_err(|error| DeliveryError::from(error).stored())
            }
            (None, _) => Err(DeliveryError::NoChannel(claimed.channel.clone()).stored()),
            (_, None) => Err(DeliveryError::Gone(claimed.message_id).stored()),
        };
        let now = clock.now();
        let (attempt, outcome) = match result {
            Ok(()) => (Attempt::Sent, Outcome::Sent),
            Err(error) if retry && claimed.attempts < self.config.max_attempts => (
                Attempt::Failed {
                    error: error.clone(),
                    retry_at: Some(now + self.backoff(claimed.attempts)),
                },
                Outcome::WillRetry(error),
            ),
            Err(error) => (
                Attempt::Failed {
                    error: error.clone(),
                    retry_at: None,
                },
                Outcome::Failed(error),
            ),
        };
        let tx = store.write().context("recording a delivery")?;
        outbox::finish(&tx, claimed, &attempt, now)?;
        tx.commit().context("recording a delivery")?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let mut config = Config::default();
        config.notify.retry_base = std::time::Duration::from_secs(30);
        config.notify.retry_max = std::time::Duration::from_secs(600);
        let notifier = Notifier::new(&config, "test");
        let waits: Vec<i64> = (1..=7).map(|n| notifier.backoff(n).num_seconds()).collect();
        assert_eq!(waits, [30, 60, 120, 240, 480, 600, 600]);
    }
}
