//! The notification outbox (#7): messages curtain decided to send, and their deliveries to the
//! configured channels. A message is queued inside the transaction that decided it (a check
//! raising an alert, a round settling its flags), so a decision and its message are on disk
//! together or not at all. Each flag is told of once per topic (`outbox_flags` primary key),
//! and each message goes to a channel through one `deliveries` row that a watcher claims with a
//! lease before it sends, so two watchers never send the same row.

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{parse_ts, ts};
use crate::domain::{FlagState, Round, Severity, Status};

/// Who queues the messages no person asked for.
pub const SYSTEM_ACTOR: &str = "curtain";

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The flags of one grid that a round's close settled.
    RoundDigest,
    /// A curtain seen the wrong way, told as soon as it is recorded.
    Alert,
    /// A critical flag still open a while after it was raised.
    CriticalReminder,
    /// `curtain notify test`: proves a channel reaches its group.
    Test,
    /// A grid's round still below `gap_below` at its warning time, while it can be saved (#15).
    EarlyWarning,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RoundDigest => "round_digest",
            Kind::Alert => "alert",
            Kind::CriticalReminder => "critical_reminder",
            Kind::Test => "test",
            Kind::EarlyWarning => "early_warning",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        [
            Kind::RoundDigest,
            Kind::Alert,
            Kind::CriticalReminder,
            Kind::Test,
            Kind::EarlyWarning,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// Where one message stands with one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// Claimed by a watcher that is sending it now.
    Sending,
    Sent,
    /// Gave up after the configured number of attempts; a person may retry it.
    Failed,
    /// The watcher that claimed it stopped mid-send: it may or may not have arrived. Not resent
    /// on its own; a person decides.
    Uncertain,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sending => "sending",
            DeliveryState::Sent => "sent",
            DeliveryState::Failed => "failed",
            DeliveryState::Uncertain => "uncertain",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryState> {
        [
            DeliveryState::Pending,
            DeliveryState::Sending,
            DeliveryState::Sent,
            DeliveryState::Failed,
            DeliveryState::Uncertain,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

fn bad_text(index: usize, text: &str) -> super::db::Error {
    super::db::Error::column(index, format!("unexpected value `{text}`"))
}

fn round_of(index: usize, ordinal: Option<i64>) -> super::db::Result<Option<Round>> {
    ordinal
        .map(|o| {
            Round::from_ordinal(o).ok_or(super::db::Error::column(index, format!("round {}", o)))
        })
        .transpose()
}

fn insert_message(
    conn: &Connection,
    kind: Kind,
    dedupe_key: &str,
    grid: Option<&str>,
    round: Option<Round>,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<Option<i64>> {
    conn.prepare_cached(
        "INSERT INTO outbox (kind, dedupe_key, grid, round, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )?
    .query_row(
        params![
            kind.as_str(),
            dedupe_key,
            grid,
            round.map(Round::ordinal),
            ts(now),
            actor
        ],
        |row| row.get(0),
    )
    .optional()
}

fn link_flag(
    conn: &Connection,
    message_id: i64,
    flag_id: i64,
    topic: &str,
) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO outbox_flags (message_id, flag_id, topic) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![message_id, flag_id, topic])?;
    Ok(())
}

/// Queues an alert message for the elder's flag of `round` when it is an open alert not yet told
/// of. Called inside the transaction that recorded the check.
pub fn queue_alert(
    conn: &Connection,
    elder_id: &str,
    round: Round,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<Option<i64>> {
    let untold: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT f.id, e.grid FROM flags AS f JOIN elders AS e ON e.id = f.elder_id
             WHERE f.elder_id = ?1 AND f.round = ?2 AND f.state = 'open' AND f.status = 'alert'
               AND NOT EXISTS (SELECT 1 FROM outbox_flags AS n
                               WHERE n.flag_id = f.id AND n.topic = 'alert')",
        )?
        .query_row(params![elder_id, round.ordinal()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let Some((flag_id, grid)) = untold else {
        return Ok(None);
    };
    let key = format!("alert:{flag_id}");
    let Some(id) = insert_message(
        conn,
        Kind::Alert,
        &key,
        Some(&grid),
        Some(round),
        actor,
        now,
    )?
    else {
        return Ok(None);
    };
    link_flag(conn, id, flag_id, "alert")?;
    Ok(Some(id))
}

/// Queues one digest per grid with the round's open flags not yet told of (as their current
/// status). Called inside the transaction that settled the round; a later settling of the same
/// round (an elder's own window closing later) tells only of the flags that are new.
pub fn queue_round_digests(
    conn: &Connection,
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<i64>> {
    let mut statement = conn.prepare_cached(
        "SELECT f.id, f.status, e.grid FROM flags AS f JOIN elders AS e ON e.id = f.elder_id
         WHERE f.round = ?1 AND f.state = 'open' AND f.status IN ('missed', 'unclear', 'alert')
           AND NOT EXISTS (SELECT 1 FROM outbox_flags AS n
                           WHERE n.flag_id = f.id AND n.topic = f.status)
         ORDER BY e.grid, f.id",
    )?;
    let untold: Vec<(i64, String, String)> = statement
        .query_map([round.ordinal()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<super::db::Result<_>>()?;
    let mut queued = Vec::new();
    for group in untold.chunk_by(|a, b| a.2 == b.2) {
        let (first_flag, first_topic, grid) = &group[0];
        // The first (flag, topic) pair can belong to one message only, so it names the message.
        let key = format!("round_digest:{round}:{grid}:{first_flag}:{first_topic}");
        let Some(id) = insert_message(
            conn,
            Kind::RoundDigest,
            &key,
            Some(grid),
            Some(round),
            SYSTEM_ACTOR,
            now,
        )?
        else {
            continue;
        };
        for (flag_id, topic, _) in group {
            link_flag(conn, id, *flag_id, topic)?;
        }
        queued.push(id);
    }
    Ok(queued)
}

/// Queues one reminder per critical flag still open `after` its raising, once per flag. Flags
/// raised before `oldest` are left alone: a watcher started for the first time does not page a
/// group about last month.
pub fn queue_critical_reminders(
    conn: &Connection,
    after: Duration,
    oldest: DateTime<Utc>,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<i64>> {
    let mut statement = conn.prepare_cached(
        "SELECT f.id, e.grid, f.round FROM flags AS f JOIN elders AS e ON e.id = f.elder_id
         WHERE f.state = 'open' AND f.severity = 'critical'
           AND f.raised_at <= ?1 AND f.raised_at >= ?2
           AND NOT EXISTS (SELECT 1 FROM outbox_flags AS n
                           WHERE n.flag_id = f.id AND n.topic = 'critical')
         ORDER BY f.id",
    )?;
    let due: Vec<(i64, String, i64)> = statement
        .query_map(params![ts(now - after), ts(oldest)], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<super::db::Result<_>>()?;
    let mut queued = Vec::new();
    for (flag_id, grid, round) in due {
        let key = format!("critical_reminder:{flag_id}");
        let round = Round::from_ordinal(round);
        if let Some(id) = insert_message(
            conn,
            Kind::CriticalReminder,
            &key,
            Some(&grid),
            round,
            SYSTEM_ACTOR,
            now,
        )? {
            link_flag(conn, id, flag_id, "critical")?;
            queued.push(id);
        }
    }
    Ok(queued)
}

/// Gives a channel a delivery row for every message of its grids (all grids when `grids` is
/// `None`) created since `since`; test messages only go where they were sent. Idempotent.
pub fn route(
    conn: &Connection,
    channel: &str,
    grids: Option<&[String]>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> super::db::Result<usize> {
    let grids = grids.map(|grids| serde_json::Value::from(grids.to_vec()).to_string());
    conn.prepare_cached(&format!(
        "INSERT INTO deliveries (message_id, channel, state, next_attempt_at)
         SELECT o.id, ?1, 'pending', ?4 FROM outbox AS o
         WHERE o.created_at >= ?3 AND o.kind != 'test'
           AND (CAST(?2 AS TEXT) IS NULL OR o.grid IN ({}))
         ON CONFLICT DO NOTHING",
        conn.json_list("?2")
    ))?
    .execute(params![channel, grids, ts(since), ts(now)])
}

/// A stale claim is one whose lease ran out: the watcher holding it was killed or hung while
/// sending, and nobody can know whether the message arrived. It becomes `uncertain` (with
/// `reason` as its error) for a person to look at, neither resent nor dropped. The claim token
/// stays, so a hung watcher that finishes after all can still record what happened.
pub fn mark_stale_claims(
    conn: &Connection,
    reason: &str,
    now: DateTime<Utc>,
) -> super::db::Result<usize> {
    conn.prepare_cached(
        "UPDATE deliveries SET state = 'uncertain', last_error = ?2
         WHERE state = 'sending' AND claimed_until < ?1",
    )?
    .execute(params![ts(now), reason])
}

/// A delivery a watcher has claimed and now sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub delivery_id: i64,
    pub message_id: i64,
    pub channel: String,
    /// Counting this one.
    pub attempts: u32,
    /// This claim's token: only its holder can record how the attempt went.
    pub claim: String,
}

/// Claims the most overdue pending delivery on one of `channels`, leased until `lease_until`.
/// Run it in a write transaction (`Store::write`): that is what keeps two watchers apart.
pub fn claim_next(
    conn: &Connection,
    channels: &[String],
    claim: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> super::db::Result<Option<Claimed>> {
    let channels = serde_json::Value::from(channels.to_vec()).to_string();
    // Alerts, early warnings and reminders on their first attempt go before digests, and every
    // first attempt before retries (#15): a digest retried for minutes never holds up an alert.
    let due: Option<(i64, i64, String, u32)> = conn
        .prepare_cached(&format!(
            "SELECT d.id, d.message_id, d.channel, d.attempts
             FROM deliveries AS d JOIN outbox AS o ON o.id = d.message_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= ?1
               AND d.channel IN ({})
             ORDER BY d.attempts = 0 AND o.kind IN ('alert', 'early_warning', 'critical_reminder')
                      DESC,
                 d.attempts = 0 DESC, d.next_attempt_at, d.id
             LIMIT 1",
            conn.json_list("?2")
        ))?
        .query_row(params![ts(now), channels], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()?;
    let Some((delivery_id, message_id, channel, attempts)) = due else {
        return Ok(None);
    };
    conn.prepare_cached(
        "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, claimed_by = ?2,
             claimed_until = ?3
         WHERE id = ?1 AND state = 'pending'",
    )?
    .execute(params![delivery_id, claim, ts(lease_until)])?;
    Ok(Some(Claimed {
        delivery_id,
        message_id,
        channel,
        attempts: attempts + 1,
        claim: claim.to_string(),
    }))
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Sent,
    /// Try again at `retry_at`, or give up (`failed`) when `None`.
    Failed {
        error: String,
        retry_at: Option<DateTime<Utc>>,
    },
}

/// Records how a claimed attempt went. Only the claim's holder can: `false` when the claim is
/// no longer this one's (a person re-queued it meanwhile). A claim marked `uncertain` while its
/// watcher hung is still this one's, and what it learnt is better than the guess.
pub fn finish(
    conn: &Connection,
    claimed: &Claimed,
    attempt: &Attempt,
    now: DateTime<Utc>,
) -> super::db::Result<bool> {
    let changed = match attempt {
        Attempt::Sent => conn
            .prepare_cached(
                "UPDATE deliveries SET state = 'sent', sent_at = ?3, last_error = NULL,
                     claimed_until = NULL
                 WHERE id = ?1 AND claimed_by = ?2 AND state IN ('sending', 'uncertain')",
            )?
            .execute(params![claimed.delivery_id, claimed.claim, ts(now)])?,
        Attempt::Failed { error, retry_at } => {
            let (state, next) = match retry_at {
                Some(at) => (DeliveryState::Pending, *at),
                None => (DeliveryState::Failed, now),
            };
            conn.prepare_cached(
                "UPDATE deliveries SET state = ?3, next_attempt_at = ?4, last_error = ?5,
                     claimed_until = NULL
                 WHERE id = ?1 AND claimed_by = ?2 AND state IN ('sending', 'uncertain')",
            )?
            .execute(params![
                claimed.delivery_id,
                claimed.claim,
                state.as_str(),
                ts(next),
                error
            ])?
        }
    };
    Ok(changed > 0)
}

/// Queues a test message and claims its deliveries to `channels` at once for the caller to send
/// (a test is sent by the person who asked, not left for a watcher).
pub fn queue_test(
    conn: &Connection,
    channels: &[String],
    actor: &str,
    claim: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> super::db::Result<Vec<Claimed>> {
    let key = format!("test:{claim}");
    let Some(message_id) = insert_message(conn, Kind::Test, &key, None, None, actor, now)? else {
        return Ok(Vec::new());
    };
    let mut claimed = Vec::new();
    for channel in channels {
        let delivery_id = conn
            .prepare_cached(
                "INSERT INTO deliveries (message_id, channel, state, attempts, next_attempt_at,
                     claimed_by, claimed_until)
                 VALUES (?1, ?2, 'sending', 1, ?3, ?4, ?5)
                 RETURNING id",
            )?
            .query_row(
                params![message_id, channel, ts(now), claim, ts(lease_until)],
                |row| row.get(0),
            )?;
        claimed.push(Claimed {
            delivery_id,
            message_id,
            channel: channel.clone(),
            attempts: 1,
            claim: claim.to_string(),
        });
    }
    Ok(claimed)
}

/// What an early warning says: the grid's coverage when it was decided, the window's close,
/// and the volunteers assigned to the grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub listed: u32,
    pub checked: u32,
    pub closes: DateTime<Utc>,
    pub assigned: Vec<String>,
}

/// Queues a grid's early warning for a round, once: `false` when it was queued before.
pub fn queue_early_warning(
    conn: &Connection,
    grid: &str,
    round: Round,
    warning: &Warning,
    now: DateTime<Utc>,
) -> super::db::Result<bool> {
    let key = format!("early_warning:{grid}:{}", round.ordinal());
    let Some(id) = insert_message(
        conn,
        Kind::EarlyWarning,
        &key,
        Some(grid),
        Some(round),
        SYSTEM_ACTOR,
        now,
    )?
    else {
        return Ok(false);
    };
    conn.prepare_cached(
        "INSERT INTO early_warnings (message_id, grid, round, listed, checked, closes, assigned)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        grid,
        round.ordinal(),
        warning.listed,
        warning.checked,
        ts(warning.closes),
        warning.assigned.join("、")
    ])?;
    Ok(true)
}

fn warning_of(conn: &Connection, message_id: i64) -> super::db::Result<Option<Warning>> {
    conn.prepare_cached(
        "SELECT listed, checked, closes, assigned FROM early_warnings WHERE message_id = ?1",
    )?
    .query_row([message_id], |row| {
        let assigned: String = row.get(3)?;
        Ok(Warning {
            listed: row.get(0)?,
            checked: row.get(1)?,
            closes: parse_ts(&row.get::<_, String>(2)?)?,
            assigned: assigned
                .split('、')
                .filter(|name| !name.is_empty())
                .map(str::to_string)
                .collect(),
        })
    })
    .optional()
}

/// One flag as a message tells of it, as it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagLine {
    pub flag_id: i64,
    pub elder_id: String,
    pub name: String,
    pub address: String,
    pub grid: String,
    pub round: Round,
    pub status: Status,
    pub severity: Severity,
    pub state: FlagState,
    /// Who made the round's latest check; `None`: nobody checked.
    pub checker: Option<String>,
    pub topic: String,
}

/// A message with what it tells of, read fresh when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub id: i64,
    pub kind: Kind,
    pub grid: Option<String>,
    pub round: Option<Round>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub flags: Vec<FlagLine>,
    /// An early warning's figures.
    pub warning: Option<Warning>,
}

pub fn message(conn: &Connection, id: i64) -> super::db::Result<Option<Message>> {
    let head = conn
        .prepare_cached(
            "SELECT id, kind, grid, round, created_at, created_by FROM outbox WHERE id = ?1",
        )?
        .query_row([id], |row| {
            let kind: String = row.get(1)?;
            Ok(Message {
                id: row.get(0)?,
                kind: Kind::parse(&kind).ok_or_else(|| bad_text(1, &kind))?,
                grid: row.get(2)?,
                round: round_of(3, row.get(3)?)?,
                created_at: parse_ts(&row.get::<_, String>(4)?)?,
                created_by: row.get(5)?,
                flags: Vec::new(),
                warning: None,
            })
        })
        .optional()?;
    let Some(mut message) = head else {
        return Ok(None);
    };
    if message.kind == Kind::EarlyWarning {
        message.warning = warning_of(conn, id)?;
    }
    let mut statement = conn.prepare_cached(
        "SELECT f.id, f.elder_id, e.name, e.address, e.grid, f.round, f.status, f.severity,
             f.state, n.topic,
             (SELECT c.checker FROM checks AS c
              WHERE c.elder_id = f.elder_id AND c.round = f.round AND c.observation IS NOT NULL
              ORDER BY c.seen_at DESC, c.recorded_at DESC LIMIT 1)
         FROM outbox_flags AS n JOIN flags AS f ON f.id = n.flag_id
             JOIN elders AS e ON e.id = f.elder_id
         WHERE n.message_id = ?1
         ORDER BY f.severity_rank DESC, e.route IS NULL, e.route, f.elder_id",
    )?;
    message.flags = statement
        .query_map([id], flag_line)?
        .collect::<super::db::Result<_>>()?;
    Ok(Some(message))
}

fn flag_line(row: &Row<'_>) -> super::db::Result<FlagLine> {
    let text = |index: usize| row.get::<_, String>(index);
    let status = text(6)?;
    let severity = text(7)?;
    let state = text(8)?;
    let round: i64 = row.get(5)?;
    Ok(FlagLine {
        flag_id: row.get(0)?,
        elder_id: text(1)?,
        name: text(2)?,
        address: text(3)?,
        grid: text(4)?,
        round: Round::from_ordinal(round)
            .ok_or(super::db::Error::column(5, format!("round {}", round)))?,
        status: Status::parse(&status).ok_or_else(|| bad_text(6, &status))?,
        severity: Severity::parse(&severity).ok_or_else(|| bad_text(7, &severity))?,
        state: FlagState::parse(&state).ok_or_else(|| bad_text(8, &state))?,
        topic: text(9)?,
        checker: row.get(10)?,
    })
}

/// One line of `curtain outbox`: a delivery, or a message no configured channel took
/// (`delivery_id`, `channel` and `state` empty).
#[derive(Debug, Clone, Default, Serialize)]
pub struct OutboxRow {
    pub delivery_id: Option<i64>,
    pub message_id: i64,
    pub kind: String,
    pub grid: Option<String>,
    pub round: Option<Round>,
    pub flags: i64,
    pub channel: Option<String>,
    pub state: Option<DeliveryState>,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub created_at: String,
}

/// The outbox, newest first: messages since `since` and every delivery still in trouble or
/// under way, whatever its age (everything with `since` = `None`).
pub fn list(conn: &Connection, since: Option<DateTime<Utc>>) -> super::db::Result<Vec<OutboxRow>> {
    let mut statement = conn.prepare_cached(
        "SELECT d.id, o.id, o.kind, o.grid, o.round,
             (SELECT count(*) FROM outbox_flags AS n WHERE n.message_id = o.id),
             d.channel, d.state, coalesce(d.attempts, 0), d.next_attempt_at, d.last_error,
             d.sent_at, o.created_at
         FROM outbox AS o LEFT JOIN deliveries AS d ON d.message_id = o.id
         WHERE CAST(?1 AS TEXT) IS NULL OR o.created_at >= ?1 OR d.state IN ('pending', 'sending', 'failed', 'uncertain')
         ORDER BY o.created_at DESC, o.id DESC, d.channel",
    )?;
    statement
        .query_map([since.map(ts)], |row| {
            let state: Option<String> = row.get(7)?;
            Ok(OutboxRow {
                delivery_id: row.get(0)?,
                message_id: row.get(1)?,
                kind: row.get(2)?,
                grid: row.get(3)?,
                round: round_of(4, row.get(4)?)?,
                flags: row.get(5)?,
                channel: row.get(6)?,
                state: state
                    .map(|s| DeliveryState::parse(&s).ok_or_else(|| bad_text(7, &s)))
                    .transpose()?,
                attempts: row.get(8)?,
                next_attempt_at: row.get(9)?,
                last_error: row.get(10)?,
                sent_at: row.get(11)?,
                created_at: row.get(12)?,
            })
        })?
        .collect()
}

/// Deliveries that need a person: given up (`failed`) or maybe-sent (`uncertain`). Test
/// messages are left out: whoever sent one saw its result at once.
pub fn trouble_count(conn: &Connection) -> super::db::Result<usize> {
    conn.prepare_cached(
        "SELECT count(*) FROM deliveries AS d JOIN outbox AS o ON o.id = d.message_id
         WHERE d.state IN ('failed', 'uncertain') AND o.kind != 'test'",
    )?
    .query_row([], |row| row.get::<_, i64>(0))
    .map(|count| usize::try_from(count).unwrap_or(0))
}

/// A delivery's channel and state, to decide whether it may be retried.
pub fn delivery_state(
    conn: &Connection,
    id: i64,
) -> super::db::Result<Option<(String, DeliveryState)>> {
    conn.prepare_cached("SELECT channel, state FROM deliveries WHERE id = ?1")?
        .query_row([id], |row| {
            let state: String = row.get(1)?;
            Ok((
                row.get(0)?,
                DeliveryState::parse(&state).ok_or_else(|| bad_text(1, &state))?,
            ))
        })
        .optional()
}

/// Puts a delivery back in the queue, due now, with a fresh count of attempts; the last error
/// stays for the record. The caller has checked that its state allows it.
pub fn requeue(conn: &Connection, id: i64, now: DateTime<Utc>) -> super::db::Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?2,
                 claimed_by = NULL, claimed_until = NULL
             WHERE id = ?1 AND state IN ('pending', 'failed', 'uncertain')",
        )?
        .execute(params![id, ts(now)])?
        > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema;

    fn conn() -> Connection {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        schema::migrate(&mut conn).unwrap();
        let conn = Connection::Sqlite(conn);
        conn.execute_batch(
            "INSERT INTO elders (id, name, grid, added_at) VALUES ('e1', '王秀英', 'g1', 't');
             INSERT INTO elders (id, name, grid, added_at) VALUES ('e2', '张建国', 'g2', 't');",
        )
        .unwrap();
        conn
    }

    fn flag(conn: &Connection, elder: &str, round: Round, status: &str) -> i64 {
        conn.query_row(
            "INSERT INTO flags (elder_id, round, status, round_status, severity, severity_rank,
                 streak, raised_at)
             VALUES (?1, ?2, ?3, ?3, 'low', 0, 1, '2026-11-22T01:30:00.000Z')
             RETURNING id",
            params![elder, round.ordinal(), status],
            |row| row.get(0),
        )
        .unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-11-22T02:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_round_queues_one_digest_per_grid_and_each_flag_once() {
        let conn = conn();
        let round: Round = "2026-11-22/morning".parse().unwrap();
        flag(&conn, "e1", round, "missed");
        flag(&conn, "e2", round, "unclear");
        assert_eq!(queue_round_digests(&conn, round, now()).unwrap().len(), 2);
        assert!(queue_round_digests(&conn, round, now()).unwrap().is_empty());
    }

    #[test]
    fn an_alert_is_queued_once_and_a_digest_does_not_repeat_it() {
        let conn = conn();
        let round: Round = "2026-11-22/morning".parse().unwrap();
        flag(&conn, "e1", round, "alert");
        assert!(
            queue_alert(&conn, "e1", round, "me", now())
                .unwrap()
                .is_some()
        );
        assert!(
            queue_alert(&conn, "e1", round, "me", now())
                .unwrap()
                .is_none()
        );
        assert!(queue_round_digests(&conn, round, now()).unwrap().is_empty());
    }

    #[test]
    fn a_claimed_delivery_is_not_claimed_again_and_a_stale_one_becomes_uncertain() {
        let conn = conn();
        let round: Round = "2026-11-22/morning".parse().unwrap();
        flag(&conn, "e1", round, "missed");
        queue_round_digests(&conn, round, now()).unwrap();
        let channels = vec!["ch".to_string()];
        assert_eq!(
            route(&conn, "ch", None, now() - Duration::hours(1), now()).unwrap(),
            1
        );
        assert_eq!(
            route(&conn, "ch", None, now() - Duration::hours(1), now()).unwrap(),
            0
        );
        let lease = now() + Duration::minutes(1);
        let first = claim_next(&conn, &channels, "a", now(), lease).unwrap();
        assert!(first.is_some());
        assert!(
            claim_next(&conn, &channels, "b", now(), lease)
                .unwrap()
                .is_none()
        );
        assert_eq!(mark_stale_claims(&conn, "stopped", now()).unwrap(), 0);
        let later = now() + Duration::minutes(2);
        assert_eq!(mark_stale_claims(&conn, "stopped", later).unwrap(), 1);
        assert_eq!(trouble_count(&conn).unwrap(), 1);
        assert!(
            claim_next(&conn, &channels, "b", later, later)
                .unwrap()
                .is_none()
        );
    }
}
