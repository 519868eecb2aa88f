//! Queries for the ledger and route sheets: rounds over a span of days, with their flags and
//! follow-ups, and who is away on a date with their absence.

use std::collections::HashMap;

use super::db::Connection;
use chrono::{DateTime, NaiveDate, Utc};

use super::Store;
use super::absences::{self, Absence};
use super::elders::{Roster, RosterEntry};
use super::flags::FollowUp;
use super::rounds::{self, ElderRound};
use crate::domain::{Round, Slot};

/// The rounds of a span of days (both ends included) whose window has opened by `now`, for
/// the community or for any elder with a window of their own.
pub fn opened_rounds(
    store: &Store,
    roster: &[std::sync::Arc<RosterEntry>],
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<Round> {
    let mut out = Vec::new();
    for date in from.iter_days().take_while(|date| *date <= to) {
        for slot in Slot::ALL {
            let round = Round::new(date, slot);
            if has_opened(store, roster, round, now) {
                out.push(round);
            }
        }
    }
    out
}

fn has_opened(
    store: &Store,
    roster: &[std::sync::Arc<RosterEntry>],
    round: Round,
    now: DateTime<Utc>,
) -> bool {
    store.schedule.window(round).has_opened(now)
        || roster
            .iter()
            .any(|elder| store.schedule.window_for(round, &elder.own).has_opened(now))
}

/// What the ledger of a span reads: the roster, every follow-up of the span's flags, and each
/// round's statuses on demand (one round at a time, so a long span is not held in memory).
pub struct Ledger<'a> {
    store: &'a Store,
    roster: Roster,
    rounds: Vec<Round>,
    now: DateTime<Utc>,
}

impl<'a> Ledger<'a> {
    pub fn read(
        store: &'a Store,
        from: NaiveDate,
        to: NaiveDate,
        now: DateTime<Utc>,
    ) -> super::db::Result<Ledger<'a>> {
        let roster = store.roster_of(&crate::domain::access::Grids::Every)?;
        let rounds = opened_rounds(store, &roster, from, to, now);
        Ok(Ledger {
            store,
            roster,
            rounds,
            now,
        })
    }

    pub fn rounds(&self) -> &[Round] {
        &self.rounds
    }

    /// The grids in the order the route first reaches them.
    pub fn grids(&self) -> Vec<String> {
        let mut grids: Vec<String> = Vec::new();
        for elder in &self.roster {
            if !grids.contains(&elder.grid) {
                grids.push(elder.grid.clone());
            }
        }
        grids
    }

    /// Keeps only the elders of the grids a reader may see (a grid worker of some grids).
    pub fn keep_grids(&mut self, keep: impl Fn(&str) -> bool) {
        self.roster.retain(|elder| keep(&elder.grid));
    }

    /// Every elder on the roster for the round, in route order, with their status.
    pub fn round(&self, round: Round) -> super::db::Result<Vec<ElderRound>> {
        rounds::statuses_of(
            &self.store.conn,
            &self.store.schedule,
            &self.roster,
            round,
            self.now,
        )
    }

    /// How many rows each grid has in the span, in the order of [`Ledger::grids`] (grids only in
    /// the kept tallies after them): settled rounds counted from their tallies, the others judged.
    /// Known before a row is written, so the sheets are laid out first.
    pub fn rows_by_grid(&self) -> super::db::Result<Vec<(String, usize)>> {
        let mut counts: Vec<(String, usize)> =
            self.grids().into_iter().map(|grid| (grid, 0)).collect();
        let mut add = |grid: &str, rows: usize| match counts.iter_mut().find(|(g, _)| g == grid) {
            Some((_, count)) => *count += rows,
            None => counts.push((grid.to_string(), rows)),
        };
        let (Some(first), Some(last)) = (self.rounds.first(), self.rounds.last()) else {
            return Ok(Vec::new());
        };
        let conn = &self.store.conn;
        let settled = super::facts::settled_between(conn, *first, *last, self.now)?;
        let kept: Vec<&str> = self.roster.iter().map(|e| e.grid.as_str()).collect();
        for tally in super::facts::tallies(conn, *first, *last)? {
            if settled.contains(&tally.round) && kept.contains(&tally.grid.as_str()) {
                add(&tally.grid, tally.listed as usize);
            }
        }
        for round in self.rounds.iter().filter(|round| !settled.contains(round)) {
            for row in self.round(*round)? {
                add(&row.elder.grid, 1);
            }
        }
        Ok(counts)
    }

    /// Every follow-up of the round's flags, by flag: read round by round with its rows, so a
    /// year's ledger holds one round's, not the year's 400,000 (a district's), while it writes.
    pub fn follow_ups_of(&self, round: Round) -> super::db::Result<FollowUps> {
        follow_ups_of_round(&self.store.conn, round)
    }
}

/// Follow-ups by flag, each flag's oldest first.
#[derive(Debug, Default)]
pub struct FollowUps(HashMap<i64, Vec<FollowUp>>);

impl FollowUps {
    /// A flag's follow-ups, oldest first.
    pub fn of(&self, flag_id: i64) -> &[FollowUp] {
        self.0.get(&flag_id).map_or(&[], Vec::as_slice)
    }
}

/// Every follow-up of the flags of `round`, by flag, oldest first.
fn follow_ups_of_round(conn: &Connection, round: Round) -> super::db::Result<FollowUps> {
    let mut statement = conn.prepare_cached(
        "SELECT u.id, u.flag_id, u.action, u.note, u.actor, u.at
         FROM follow_ups AS u JOIN flags AS f ON f.id = u.flag_id
         WHERE f.round = ?1
         ORDER BY u.flag_id, u.at, u.id",
    )?;
    let mut by_flag: HashMap<i64, Vec<FollowUp>> = HashMap::new();
    let rows = statement.query_map([round.ordinal()], |row| {
        Ok(FollowUp {
            id: row.get(0)?,
            flag_id: row.get(1)?,
            action: row.get(2)?,
            note: row.get(3)?,
            actor: row.get(4)?,
            at: row.get(5)?,
        })
    })?;
    for follow_up in rows {
        let follow_up = follow_up?;
        by_flag
            .entry(follow_up.flag_id)
            .or_default()
            .push(follow_up);
    }
    Ok(FollowUps(by_flag))
}

/// The absence each away elder is on at a date, by elder.
pub fn absences_on(
    conn: &Connection,
    date: NaiveDate,
) -> super::db::Result<HashMap<String, Absence>> {
    Ok(absences::list(conn, None, Some(date))?
        .into_iter()
        .filter(|absence| absence.from <= date)
        .map(|absence| (absence.elder_id.clone(), absence))
        .collect())
}
