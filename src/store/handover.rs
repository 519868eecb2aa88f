//! Hand-over (DESIGN.md section 6, step 4): what an offline device recorded, read whole from its
//! file, and written into the shared database by UUID, each record at most once, with the rounds
//! it changes settled again in the same transaction.

use std::collections::BTreeSet;

use super::db::{Connection, OptionalExtension, params};
use anyhow::Context;
use chrono::NaiveDate;

use super::checks::{self, Check};
use super::{Store, date_text, elders, flags, gaps, outbox, parse_date, parse_ts, rounds};
use crate::domain::time::Times;
use crate::domain::{Outcome, Round, Slot};

/// Everything a device recorded that a hand-over carries.
#[derive(Debug, Clone, Default)]
pub struct Shipment {
    /// In the order they were recorded, so a correction follows the check it supersedes.
    pub checks: Vec<Check>,
    pub absences: Vec<ShippedAbsence>,
    pub follow_ups: Vec<ShippedFollowUp>,
    pub resolved_gaps: Vec<ResolvedGap>,
}

#[derive(Debug, Clone)]
pub struct ShippedAbsence {
    pub uid: String,
    pub elder_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub back_on: Option<NaiveDate>,
    pub ended_by: Option<String>,
    pub ended_at: Option<String>,
}

/// A follow-up names its flag by the flag's elder and round: flag ids are each database's own.
#[derive(Debug, Clone)]
pub struct ShippedFollowUp {
    pub uid: String,
    pub elder_id: String,
    pub round: Round,
    pub action: String,
    pub note: Option<String>,
    pub actor: String,
    pub at: String,
}

/// A patrol gap the device resolved, named by its grid and round.
#[derive(Debug, Clone)]
pub struct ResolvedGap {
    pub grid: String,
    pub round: Round,
    pub note: Option<String>,
    pub closed_by: String,
    pub closed_at: String,
}

impl Shipment {
    /// Every elder the shipment's records are about.
    pub fn elder_ids(&self) -> BTreeSet<&str> {
        let checks = self.checks.iter().map(|check| check.elder_id.as_str());
        let absences = self
            .absences
            .iter()
            .map(|absence| absence.elder_id.as_str());
        let follow_ups = self
            .follow_ups
            .iter()
            .map(|follow| follow.elder_id.as_str());
        checks.chain(absences).chain(follow_ups).collect()
    }
}

/// Reads what the device recorded.
pub fn shipment(conn: &Connection) -> super::db::Result<Shipment> {
    let checks = checks::all_in_recorded_order(conn)?;
    let absences = conn
        .prepare(
            "SELECT uid, elder_id, from_date, to_date, reason, created_by, created_at, back_on,
                    ended_by, ended_at
             FROM absences ORDER BY id",
        )?
        .query_map([], |row| {
            Ok(ShippedAbsence {
                uid: row.get(0)?,
                elder_id: row.get(1)?,
                from: parse_date(&row.get::<_, String>(2)?)?,
                to: parse_date(&row.get::<_, String>(3)?)?,
                reason: row.get(4)?,
                created_by: row.get(5)?,
                created_at: row.get(6)?,
                back_on: row
                    .get::<_, Option<String>>(7)?
                    .map(|text| parse_date(&text))
                    .transpose()?,
                ended_by: row.get(8)?,
                ended_at: row.get(9)?,
            })
        })?
        .collect::<super::db::Result<Vec<_>>>()?;
    let follow_ups = conn
        .prepare(
            "SELECT u.uid, f.elder_id, f.round, u.action, u.note, u.actor, u.at
             FROM follow_ups AS u JOIN flags AS f ON f.id = u.flag_id ORDER BY u.id",
        )?
        .query_map([], |row| {
            let round: i64 = row.get(2)?;
            Ok(ShippedFollowUp {
                uid: row.get(0)?,
                elder_id: row.get(1)?,
                round: Round::from_ordinal(round)
                    .ok_or(super::db::Error::column(2, format!("round {}", round)))?,
                action: row.get(3)?,
                note: row.get(4)?,
                actor: row.get(5)?,
                at: row.get(6)?,
            })
        })?
        .collect::<super::db::Result<Vec<_>>>()?;
    let resolved_gaps = gaps::list(conn, true)?
        .into_iter()
        .filter(|gap| gap.state == crate::domain::gap::GapState::Resolved)
        .map(|gap| ResolvedGap {
            grid: gap.grid,
            round: gap.round,
            note: gap.note,
            closed_by: gap.closed_by.unwrap_or_default(),
            closed_at: gap.closed_at.unwrap_or_default(),
        })
        .collect();
    Ok(Shipment {
        checks,
        absences,
        follow_ups,
        resolved_gaps,
    })
}

/// What a hand-over wrote, and what it could not place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Received {
    pub checks: usize,
    pub absences: usize,
    /// Absences the target had, ended early on the device.
    pub absences_ended: usize,
    pub follow_ups: usize,
    pub gaps_resolved: usize,
    /// Records the target already had: kept once.
    pub already_there: usize,
    /// Follow-ups about a flag the shared database does not have (its checks say the elder was
    /// fine that round): (elder, round, action).
    pub unplaced: Vec<(String, Round, String)>,
    /// The (elder, round)s whose status the hand-over may have changed.
    pub touched: Vec<(String, Round)>,
}

/// Writes the shipment's records that `target` does not have, and settles the rounds they
/// change, in one transaction. The elders are known to be on the target's roster.
pub fn receive(store: &mut Store, shipment: &Shipment, times: Times) -> anyhow::Result<Received> {
    let schedule = store.schedule.clone();
    let tx = store.write().context("starting the hand-over")?;
    let mut received = Received::default();
    let mut touched = BTreeSet::new();
    for check in &shipment.checks {
        if has_check(&tx, &check.id)? {
            received.already_there += 1;
            continue;
        }
        checks::insert(&tx, check).context("writing a handed-over check")?;
        received.checks += 1;
        touched.insert((check.elder_id.clone(), check.round));
    }
    let current = schedule.current_round(times.settle_until());
    for absence in &shipment.absences {
        let span = match absence_by_uid(&tx, &absence.uid)? {
            None => {
                insert_absence(&tx, absence)?;
                received.absences += 1;
                Some((absence.from, absence.to))
            }
            Some((id, None)) if absence.back_on.is_some() => {
                end_absence(&tx, id, absence)?;
                received.absences_ended += 1;
                absence.back_on.map(|back| (back, absence.to))
            }
            Some(_) => {
                received.already_there += 1;
                None
            }
        };
        if let Some((first, last)) = span {
            let mut round = Round::new(first, Slot::Morning);
            let last = Round::new(last, Slot::Evening).min(current);
            while round <= last {
                touched.insert((absence.elder_id.clone(), round));
                round = round.next();
            }
        }
    }
    for (elder_id, round) in &touched {
        let Some(elder) = elders::entry(&tx, elder_id)? else {
            continue;
        };
        if round < &schedule.round_at(elder.added_at, &elder.own) {
            continue;
        }
        rounds::refresh_elder_round(&tx, &schedule, &elder, *round, times)?;
        if let Some(checker) = last_checker(&tx, elder_id, *round)? {
            outbox::queue_alert(&tx, elder_id, *round, &checker, times.stamp())?;
        }
    }
    for follow in &shipment.follow_ups {
        if has_follow_up(&tx, &follow.uid)? {
            received.already_there += 1;
            continue;
        }
        let Some(flag) = flags::for_elder_round(&tx, &follow.elder_id, follow.round)? else {
            received
                .unplaced
                .push((follow.elder_id.clone(), follow.round, follow.action.clone()));
            continue;
        };
        let at = parse_ts(&follow.at)?;
        let outcome = follow
            .action
            .strip_prefix("resolved:")
            .and_then(|outcome| outcome.parse::<Outcome>().ok());
        if let Some(outcome) = outcome {
            // Resolved on the device: resolved here too, unless someone here already did.
            flags::resolve(
                &tx,
                flag.id,
                outcome,
                follow.note.as_deref(),
                &follow.actor,
                at,
            )?;
        }
        insert_follow_up(&tx, flag.id, follow)?;
        received.follow_ups += 1;
    }
    for resolved in &shipment.resolved_gaps {
        let Some(gap) = gaps::for_grid_round(&tx, &resolved.grid, resolved.round)? else {
            continue;
        };
        if gap.state != crate::domain::gap::GapState::Open {
            continue;
        }
        let at = parse_ts(&resolved.closed_at)?;
        gaps::resolve_in(
            &tx,
            gap.id,
            resolved.note.as_deref(),
            &resolved.closed_by,
            at,
        )?;
        received.gaps_resolved += 1;
    }
    tx.commit().context("saving the hand-over")?;
    received.touched = touched.into_iter().collect();
    Ok(received)
}

fn has_check(conn: &Connection, id: &str) -> super::db::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM checks WHERE id = ?1)")?
        .query_row([id], |row| row.get(0))
}

fn has_follow_up(conn: &Connection, uid: &str) -> super::db::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM follow_ups WHERE uid = ?1)")?
        .query_row([uid], |row| row.get(0))
}

/// The target's absence with this UUID: its id, and the day it was ended early, if it was.
fn absence_by_uid(
    conn: &Connection,
    uid: &str,
) -> super::db::Result<Option<(i64, Option<String>)>> {
    conn.prepare_cached("SELECT id, back_on FROM absences WHERE uid = ?1")?
        .query_row([uid], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()
}

fn insert_absence(conn: &Connection, absence: &ShippedAbsence) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO absences (uid, elder_id, from_date, to_date, reason, created_by, created_at,
                               back_on, ended_by, ended_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        absence.uid,
        absence.elder_id,
        date_text(absence.from),
        date_text(absence.to),
        absence.reason,
        absence.created_by,
        absence.created_at,
        absence.back_on.map(date_text),
        absence.ended_by,
        absence.ended_at,
    ])?;
    Ok(())
}

fn end_absence(conn: &Connection, id: i64, absence: &ShippedAbsence) -> super::db::Result<()> {
    conn.prepare_cached(
        "UPDATE absences SET back_on = ?2, ended_by = ?3, ended_at = ?4
         WHERE id = ?1 AND back_on IS NULL",
    )?
    .execute(params![
        id,
        absence.back_on.map(date_text),
        absence.ended_by,
        absence.ended_at
    ])?;
    Ok(())
}

fn insert_follow_up(
    conn: &Connection,
    flag_id: i64,
    follow: &ShippedFollowUp,
) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO follow_ups (uid, flag_id, action, note, actor, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        follow.uid,
        flag_id,
        follow.action,
        follow.note,
        follow.actor,
        follow.at
    ])?;
    Ok(())
}

/// Who recorded the latest check of an elder's round: the name an alert is told under.
fn last_checker(
    conn: &Connection,
    elder_id: &str,
    round: Round,
) -> super::db::Result<Option<String>> {
    Ok(checks::for_elder_round(conn, elder_id, round)?
        .into_iter()
        .last()
        .map(|check| check.checker))
}
