//! Coverage per grid and the patrol gaps it forms (DESIGN.md section 3), run with the rules of
//! `crate::domain::coverage` and `crate::domain::gap`: this module counts and stores, the rules
//! decide. Gaps are formed for each round as its window closes, with a watermark of their own
//! (table `gaps_sync`), after `rounds::sync_flags` has raised the round's flags.

use std::collections::HashMap;
use std::sync::Arc;

use super::db::{Connection, OptionalExtension, Row, params};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::elders::{self, RosterEntry};
use super::facts;
use super::flags;
use super::rounds::{self, ElderRound};
use super::{Store, parse_ts, ts};
use crate::domain::coverage::Coverage;
use crate::domain::gap::{self, GapChange, GapState};
use crate::domain::time::Times;
use crate::domain::{Round, Schedule};
use crate::error::Refusal;

const SYNCED_THROUGH: &str = "synced_through";
const SYNCED_AT: &str = "synced_at";

fn watermark(conn: &Connection, key: &str) -> super::db::Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM gaps_sync WHERE key = ?1")?
        .query_row([key], |row| row.get(0))
        .optional()
}

fn set_watermark(conn: &Connection, key: &str, value: &str) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO gaps_sync (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// One grid's coverage of one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridCoverage {
    pub grid: String,
    pub round: Round,
    #[serde(flatten)]
    pub coverage: Coverage,
}

/// Coverage by grid of statuses already judged, the grids in the order the rows (the roster's
/// route order) first name them.
pub fn by_grid(rows: &[ElderRound]) -> Vec<GridCoverage> {
    let mut out: Vec<GridCoverage> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for row in rows {
        let at = *index.entry(row.elder.grid.as_str()).or_insert_with(|| {
            out.push(GridCoverage {
                grid: row.elder.grid.clone(),
                round: row.round,
                coverage: Coverage::default(),
            });
            out.len() - 1
        });
        if let Some(grid) = out.get_mut(at) {
            grid.coverage.count(row.status, row.late);
        }
    }
    out
}

/// Every grid's coverage of a round at `now`: a settled round's read from its kept tallies, an
/// open one's judged from its checks.
pub fn coverage(
    conn: &Connection,
    schedule: &Schedule,
    roster: &[Arc<RosterEntry>],
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<GridCoverage>> {
    if let Some(kept) = kept_coverage(conn, roster, round, now)? {
        return Ok(kept);
    }
    let rows = rounds::statuses_of(conn, schedule, roster, round, now)?;
    Ok(by_grid(&rows))
}

/// A settled round's coverage by grid from its kept tallies (`None` when the round is not
/// settled at `now`): the grids in the order the route first reaches them, active elders first,
/// as [`by_grid`] has them; grids no elder of `roster` is in are left out.
fn kept_coverage(
    conn: &Connection,
    roster: &[Arc<RosterEntry>],
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Option<Vec<GridCoverage>>> {
    if !facts::is_settled(conn, round, now)? {
        return Ok(None);
    }
    let mut order: Vec<&str> = Vec::new();
    for active in [true, false] {
        for elder in roster.iter().filter(|elder| elder.active() == active) {
            if !order.contains(&elder.grid.as_str()) {
                order.push(&elder.grid);
            }
        }
    }
    let mut out: Vec<GridCoverage> = facts::tallies(conn, round, round)?
        .into_iter()
        .filter(|tally| tally.listed > 0 && order.contains(&tally.grid.as_str()))
        .map(|tally| GridCoverage {
            coverage: Coverage::kept(
                tally.listed,
                tally.checked,
                tally.late,
                tally.away,
                tally.missed,
            ),
            grid: tally.grid,
            round,
        })
        .collect();
    out.sort_by_key(|grid| order.iter().position(|g| *g == grid.grid));
    Ok(Some(out))
}

/// A patrol gap as stored, with the flags it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub id: i64,
    pub grid: String,
    pub round: Round,
    pub listed: u32,
    pub checked: u32,
    pub missed: u32,
    pub state: GapState,
    pub formed_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub outcome: Option<String>,
    pub note: Option<String>,
    pub flag_ids: Vec<i64>,
    /// The volunteers assigned to the grid (filled by the reads that show it).
    pub assigned: Vec<String>,
}

const COLUMNS: &str = "id, grid, round, listed, checked, missed, state, formed_at, closed_at,
    closed_by, outcome, note";

fn from_row(row: &Row<'_>) -> super::db::Result<Gap> {
    let round: i64 = row.get(2)?;
    let state: String = row.get(6)?;
    Ok(Gap {
        id: row.get(0)?,
        grid: row.get(1)?,
        round: Round::from_ordinal(round)
            .ok_or(super::db::Error::column(2, format!("round {}", round)))?,
        listed: row.get(3)?,
        checked: row.get(4)?,
        missed: row.get(5)?,
        state: GapState::parse(&state).ok_or_else(|| {
            super::db::Error::column(6, format!("unexpected gap state `{state}`"))
        })?,
        formed_at: row.get(7)?,
        closed_at: row.get(8)?,
        closed_by: row.get(9)?,
        outcome: row.get(10)?,
        note: row.get(11)?,
        flag_ids: Vec::new(),
        assigned: Vec::new(),
    })
}

fn with_flags(conn: &Connection, mut gap: Gap) -> super::db::Result<Gap> {
    let mut statement =
        conn.prepare_cached("SELECT flag_id FROM gap_flags WHERE gap_id = ?1 ORDER BY flag_id")?;
    gap.flag_ids = statement
        .query_map([gap.id], |row| row.get(0))?
        .collect::<super::db::Result<_>>()?;
    Ok(gap)
}

pub fn get(conn: &Connection, id: i64) -> super::db::Result<Option<Gap>> {
    let gap = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM gaps WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?;
    gap.map(|gap| with_flags(conn, gap)).transpose()
}

pub fn for_grid_round(
    conn: &Connection,
    grid: &str,
    round: Round,
) -> super::db::Result<Option<Gap>> {
    let gap = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM gaps WHERE grid = ?1 AND round = ?2"
        ))?
        .query_row(params![grid, round.ordinal()], from_row)
        .optional()?;
    gap.map(|gap| with_flags(conn, gap)).transpose()
}

/// Gaps, newest round first: open ones only unless `include_closed`.
pub fn list(conn: &Connection, include_closed: bool) -> super::db::Result<Vec<Gap>> {
    let filter = if include_closed {
        ""
    } else {
        "WHERE state = 'open'"
    };
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM gaps {filter} ORDER BY round DESC, id"
    ))?;
    let gaps = statement
        .query_map([], from_row)?
        .collect::<super::db::Result<Vec<_>>>()?;
    gaps.into_iter().map(|gap| with_flags(conn, gap)).collect()
}

/// The elders a gap holds, in route order: id, name and whether their flag is still open.
pub fn members(conn: &Connection, gap_id: i64) -> super::db::Result<Vec<(String, String, bool)>> {
    let mut statement = conn.prepare_cached(
        "SELECT e.id, e.name, f.state = 'open'
         FROM gap_flags AS m JOIN flags AS f ON f.id = m.flag_id JOIN elders AS e ON e.id = f.elder_id
         WHERE m.gap_id = ?1
         ORDER BY e.route IS NULL, e.route, e.id",
    )?;
    statement
        .query_map([gap_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect()
}

/// The gap each flag belongs to, with the gap's state: what the flag lists fold by.
pub fn of_flags(conn: &Connection) -> super::db::Result<HashMap<i64, (i64, GapState)>> {
    let mut statement = conn.prepare_cached(
        "SELECT m.flag_id, g.id, g.state FROM gap_flags AS m JOIN gaps AS g ON g.id = m.gap_id",
    )?;
    statement
        .query_map([], |row| {
            let state: String = row.get(2)?;
            Ok((
                row.get(0)?,
                (row.get(1)?, GapState::parse(&state).unwrap_or_default()),
            ))
        })?
        .collect()
}

/// Applies the rule of a grid's round to its gap on record: forms, updates or leaves it, and
/// keeps its membership (the round's missed flags of the grid). Returns the gap's id, if any.
fn settle_grid(
    conn: &Connection,
    schedule: &Schedule,
    grid: &GridCoverage,
    members: &[i64],
    closed: bool,
    times: Times,
) -> super::db::Result<Option<i64>> {
    let known = for_grid_round(conn, &grid.grid, grid.round)?;
    let change = gap::gap_change(
        known.as_ref().map(|gap| gap.state),
        &grid.coverage,
        schedule.gap_below,
        closed,
    );
    let coverage = grid.coverage;
    let id = match (change, known) {
        (GapChange::None, _) => return Ok(None),
        (GapChange::Form, _) => {
            let inserted: i64 = conn
                .prepare_cached(
                    "INSERT INTO gaps (grid, round, listed, checked, missed, state, formed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6)
             RETURNING id",
                )?
                .query_row(
                    params![
                        grid.grid,
                        grid.round.ordinal(),
                        coverage.listed,
                        coverage.checked,
                        coverage.missed,
                        ts(times.stamp())
                    ],
                    |row| row.get::<_, i64>(0),
                )?;
            inserted
        }
        (GapChange::Update(state), Some(gap)) => {
            let unchanged = gap.state == state
                && gap.listed == coverage.listed
                && gap.checked == coverage.checked
                && gap.missed == coverage.missed;
            if !unchanged {
                // A make-up closes the gap at the real time it happened; reopening clears it.
                let closed_at = match state {
                    GapState::Open => None,
                    GapState::MadeUp if gap.state == GapState::MadeUp => gap.closed_at.clone(),
                    GapState::MadeUp => Some(ts(times.stamp())),
                    GapState::Resolved => gap.closed_at.clone(),
                };
                let closed_by = match state {
                    GapState::Open => None,
                    GapState::MadeUp => Some("curtain".to_string()),
                    GapState::Resolved => gap.closed_by.clone(),
                };
                conn.prepare_cached(
                    "UPDATE gaps SET listed = ?2, checked = ?3, missed = ?4, state = ?5,
                         closed_at = ?6, closed_by = ?7
                     WHERE id = ?1",
                )?
                .execute(params![
                    gap.id,
                    coverage.listed,
                    coverage.checked,
                    coverage.missed,
                    state.as_str(),
                    closed_at,
                    closed_by
                ])?;
            }
            gap.id
        }
        (GapChange::Update(_), None) => return Ok(None),
    };
    let mut member = conn.prepare_cached(
        "INSERT INTO gap_flags (flag_id, gap_id) VALUES (?1, ?2) ON CONFLICT (flag_id) DO NOTHING",
    )?;
    for flag_id in members {
        member.execute(params![flag_id, id])?;
    }
    Ok(Some(id))
}

/// Settles the gaps of one round, every grid of `roster`: what a round's closing does. A settled
/// round's coverage is read from its kept tallies and its missed flags from the flags table; a
/// round not settled yet is judged.
fn settle_round(
    conn: &Connection,
    schedule: &Schedule,
    roster: &[Arc<RosterEntry>],
    round: Round,
    times: Times,
) -> super::db::Result<()> {
    let now = times.settle_until();
    let closed = schedule.window(round).has_closed(now);
    if let Some(grids) = kept_coverage(conn, roster, round, now)? {
        let grid_of: HashMap<&str, &str> = roster
            .iter()
            .map(|elder| (elder.id.as_str(), elder.grid.as_str()))
            .collect();
        let missed: Vec<(&str, i64)> = flags::for_round(conn, round)?
            .into_values()
            .filter(|flag| gap::joins_gap(flag.status))
            .filter_map(|flag| Some((*grid_of.get(flag.elder_id.as_str())?, flag.id)))
            .collect();
        for grid in grids {
            let mut members: Vec<i64> = missed
                .iter()
                .filter(|(g, _)| *g == grid.grid)
                .map(|(_, id)| *id)
                .collect();
            members.sort_unstable();
            settle_grid(conn, schedule, &grid, &members, closed, times)?;
        }
        return Ok(());
    }
    let rows = rounds::statuses_of(conn, schedule, roster, round, now)?;
    for grid in by_grid(&rows) {
        let members: Vec<i64> = rows
            .iter()
            .filter(|row| row.elder.grid == grid.grid)
            .filter_map(|row| row.flag.as_ref())
            .filter(|flag| gap::joins_gap(flag.status))
            .map(|flag| flag.id)
            .collect();
        settle_grid(conn, schedule, &grid, &members, closed, times)?;
    }
    Ok(())
}

/// Forms the gaps of every round whose window has closed since the last sync (by the real clock;
/// a drill follows `now`), each round in a transaction of its own. Run after
/// `rounds::sync_flags`, which raised the rounds' missed flags.
pub fn sync(store: &mut Store, times: Times) -> anyhow::Result<()> {
    let schedule = store.schedule.clone();
    // The whole roster is read once, when a first round is to be settled, whatever the zones.
    let mut everyone: Option<elders::Roster> = None;
    // A community with a clock of its own forms its grids' gaps when its windows close.
    for (name, zone) in schedule.zones() {
        sync_zone(store, times, zone, name, &mut everyone)?;
    }
    Ok(())
}

/// [`sync`] for the elders who keep one community's clock: the configured community's
/// (`community` is `None`) or one with its own, each with a watermark of its own.
fn sync_zone(
    store: &mut Store,
    times: Times,
    zone: &Schedule,
    community: Option<&str>,
    everyone: &mut Option<elders::Roster>,
) -> anyhow::Result<()> {
    let key = |base: &str| match community {
        None => base.to_string(),
        Some(name) => format!("{base}:{name}"),
    };
    let now = times.settle_until();
    let current = zone.current_round(now);
    let mut synced: Option<i64> =
        watermark(&store.conn, &key(SYNCED_THROUGH))?.and_then(|text| text.parse().ok());
    let synced_at = watermark(&store.conn, &key(SYNCED_AT))?.and_then(|text| parse_ts(&text).ok());
    // A drill gone back in time: the recent rounds again rather than a watermark from the future.
    if synced_at.is_some_and(|at| now < at) {
        synced = synced.map(|w| w.min(current.ordinal() - 3));
    }
    if synced.is_some_and(|synced| synced >= current.ordinal()) {
        return Ok(());
    }
    let first_added: Option<String> = store
        .conn
        .query_row(rounds::FIRST_ADDED, [], |row| row.get(0))?;
    let Some(first_added) = first_added.map(|text| parse_ts(&text)).transpose()? else {
        return Ok(());
    };
    let mut round = match synced {
        Some(synced) => Round::from_ordinal(synced + 1).unwrap_or(current),
        None => zone.round_at(first_added, &Default::default()),
    };
    let mut roster: Option<elders::Roster> = None;
    while round <= current && zone.window(round).has_closed(now) {
        if roster.is_none() {
            if everyone.is_none() {
                *everyone = Some(store.roster_of(&crate::domain::access::Grids::Every)?);
            }
            let home = &store.schedule;
            roster = Some(
                everyone
                    .iter()
                    .flatten()
                    .filter(|elder| home.in_zone(community, &elder.own))
                    .cloned()
                    .collect(),
            );
        }
        let roster = roster.as_deref().unwrap_or_default();
        let tx = store.write().context("starting to settle patrol gaps")?;
        settle_round(&tx, zone, roster, round, times)?;
        set_watermark(&tx, &key(SYNCED_THROUGH), &round.ordinal().to_string())?;
        set_watermark(&tx, &key(SYNCED_AT), &ts(now))?;
        tx.commit().context("saving patrol gaps")?;
        round = round.next();
    }
    Ok(())
}

/// Counts a grid's round again where it has a gap (a late check, an undo, an absence changed
/// its coverage): the gap follows, made up or open again. Nothing where there is no gap.
pub fn refresh(
    conn: &Connection,
    schedule: &Schedule,
    grid: &str,
    round: Round,
    times: Times,
) -> super::db::Result<()> {
    if for_grid_round(conn, grid, round)?.is_none() {
        return Ok(());
    }
    let roster = elders::roster_of(
        conn,
        &crate::domain::access::Grids::Only([grid.to_string()].into()),
    )?;
    // A grid's round closes by its community's clock.
    let zone = roster
        .first()
        .map_or(schedule, |elder| schedule.zone_of(&elder.own));
    settle_round(conn, zone, &roster, round, times)
}

/// The rounds of a grid between two rounds that have a gap.
pub fn rounds_with_gaps(
    conn: &Connection,
    grid: &str,
    first: Round,
    last: Round,
) -> super::db::Result<Vec<Round>> {
    let mut statement = conn.prepare_cached(
        "SELECT round FROM gaps WHERE grid = ?1 AND round BETWEEN ?2 AND ?3 ORDER BY round",
    )?;
    statement
        .query_map(params![grid, first.ordinal(), last.ordinal()], |row| {
            row.get::<_, i64>(0)
        })?
        .filter_map(|ordinal| ordinal.map(Round::from_ordinal).transpose())
        .collect()
}

/// Records every round up to `through` as having its gaps formed (a generated history).
pub fn mark_synced(conn: &Connection, through: Round, at: DateTime<Utc>) -> super::db::Result<()> {
    set_watermark(conn, SYNCED_THROUGH, &through.ordinal().to_string())?;
    set_watermark(conn, SYNCED_AT, &ts(at))
}

/// What resolving a gap did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapResolved {
    pub gap: Gap,
    /// The missed flags resolved with it.
    pub flags: Vec<i64>,
}

/// Resolves an open gap with `patrol_gap`, and with it every flag it holds that is still open
/// and missed, each with a follow-up in its log; in one transaction. Refuses an unknown gap or
/// one that is no longer open.
pub fn resolve(
    store: &mut Store,
    id: i64,
    note: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<GapResolved> {
    let tx = store.write()?;
    let resolved = resolve_in(&tx, id, note, actor, now)?;
    tx.commit().context("saving the resolved gap")?;
    Ok(resolved)
}

/// Resolves a gap and its missed flags inside the caller's transaction.
pub fn resolve_in(
    tx: &Connection,
    id: i64,
    note: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<GapResolved> {
    let gap = get(tx, id)?.ok_or(Refusal::UnknownGap(id))?;
    if gap.state != GapState::Open {
        return Err(Refusal::GapNotOpen {
            id,
            state: gap.state.as_str().to_string(),
        }
        .into());
    }
    let outcome = gap::GAP_OUTCOME;
    let mut resolved = Vec::new();
    for flag_id in &gap.flag_ids {
        let Some(flag) = flags::get(tx, *flag_id)? else {
            continue;
        };
        if !gap::resolved_with_gap(flag.status, flag.state) {
            continue;
        }
        if flags::resolve(tx, flag.id, outcome, note, actor, now)? {
            flags::add_follow_up(
                tx,
                flag.id,
                &format!("resolved:{}", outcome.as_str()),
                note,
                actor,
                now,
            )?;
            resolved.push(flag.id);
        }
    }
    tx.execute(
        "UPDATE gaps SET state = 'resolved', outcome = ?2, note = ?3, closed_by = ?4,
             closed_at = ?5
         WHERE id = ?1",
        params![id, outcome.as_str(), note, actor, ts(now)],
    )?;
    let gap = get(tx, id)?.ok_or(Refusal::UnknownGap(id))?;
    Ok(GapResolved {
        gap,
        flags: resolved,
    })
}
