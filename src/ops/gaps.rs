//! Coverage and patrol gaps (DESIGN.md section 3) as use cases: settling the closed rounds forms
//! their gaps right after their flags; a check recorded late, an undo or an absence counts its
//! grid's round again; a grid worker resolves a gap and its missed flags at once.

use crate::auth;
use crate::domain::Outcome;
use crate::domain::Round;
use crate::domain::access::{Actor, Capability};
use crate::domain::time::Times;
use crate::error::Refusal;
use crate::store::gaps::{self, Gap, GapResolved, GridCoverage};
use crate::store::{Store, elders, rounds};

/// Settles every round closed by `times`: its flags, then its patrol gaps. The one place a
/// round's closing is run.
pub fn settle(store: &mut Store, times: Times) -> anyhow::Result<()> {
    rounds::sync_flags(store, times)?;
    gaps::sync(store, times)
}

/// The coverage of an elder's grid for a round changed (a check, an undo, an absence): its gap,
/// if it has one, follows.
pub fn recount(
    store: &mut Store,
    elder_id: &str,
    first: Round,
    last: Round,
    times: Times,
) -> anyhow::Result<()> {
    let Some(elder) = elders::get(&store.conn, elder_id)? else {
        return Ok(());
    };
    let rounds = gaps::rounds_with_gaps(&store.conn, &elder.grid, first, last)?;
    if rounds.is_empty() {
        return Ok(());
    }
    let schedule = store.schedule.clone();
    let tx = store.write()?;
    for round in rounds {
        gaps::refresh(&tx, &schedule, &elder.grid, round, times)?;
    }
    tx.commit()?;
    Ok(())
}

/// Every grid's coverage of a round that the viewer may see.
pub fn coverage(
    store: &Store,
    viewer: &Actor,
    round: Round,
    times: Times,
) -> anyhow::Result<Vec<GridCoverage>> {
    let roster = store.roster_of(&viewer.grids)?;
    Ok(gaps::coverage(
        &store.conn,
        &store.schedule,
        &roster,
        round,
        times.settle_until(),
    )?
    .into_iter()
    .filter(|row| viewer.grids.covers(&row.grid))
    .collect())
}

/// The gaps the viewer may see: open ones, or every one with `all`.
pub fn list(store: &Store, viewer: &Actor, all: bool) -> anyhow::Result<Vec<Gap>> {
    let mut list: Vec<Gap> = gaps::list(&store.conn, all)?
        .into_iter()
        .filter(|gap| viewer.grids.covers(&gap.grid))
        .collect();
    for gap in &mut list {
        gap.assigned = crate::store::assignments::volunteers(&store.conn, &gap.grid)?;
    }
    Ok(list)
}

/// Resolves a gap and the missed flags it holds, by a grid worker of its grid. Only
/// `patrol_gap` resolves a gap: an elder-level outcome belongs on an elder's flag.
pub fn resolve(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    gap_id: i64,
    outcome: Outcome,
    note: Option<&str>,
) -> anyhow::Result<GapResolved> {
    let gap = gaps::get(&store.conn, gap_id)?.ok_or(Refusal::UnknownGap(gap_id))?;
    auth::require(actor, Capability::Resolve, Some(&gap.grid))?;
    if outcome != crate::domain::gap::GAP_OUTCOME {
        return Err(Refusal::GapOutcome(outcome.as_str().to_string()).into());
    }
    gaps::resolve(store, gap_id, note, &actor.name, times.real)
}

/// A grid's early warning for a round (DESIGN.md section 3): below `gap_below` at its warning
/// time, while the round can still be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyWarning {
    pub grid: String,
    pub round: Round,
    pub checked: u32,
    pub listed: u32,
    pub closes: chrono::DateTime<chrono::Utc>,
    /// The volunteers assigned to the grid.
    pub assigned: Vec<String>,
}

/// The early warnings due now on `grids` (never past the real clock on a live database). Reads
/// nothing outside the warning time, so a watcher's pass costs nothing the rest of the day.
pub fn early_warnings(
    store: &Store,
    grids: &crate::domain::access::Grids,
    times: Times,
) -> anyhow::Result<Vec<EarlyWarning>> {
    use crate::domain::gap::{early_warning_due, warning_time};
    let now = times.settle_until();
    let mut out = Vec::new();
    let mut roster: Option<crate::store::elders::Roster> = None;
    // Each community's grids are warned of by its own clock.
    for (zone_name, schedule) in store.schedule.zones() {
        let round = schedule.current_round(now);
        let window = schedule.window(round);
        if now < warning_time(schedule, round) || window.has_closed(now) {
            continue;
        }
        if roster.is_none() {
            roster = Some(store.roster_of(grids)?);
        }
        let in_zone: crate::store::elders::Roster = roster
            .iter()
            .flatten()
            .filter(|elder| store.schedule.in_zone(zone_name, &elder.own))
            .cloned()
            .collect();
        if in_zone.is_empty() {
            continue;
        }
        for row in gaps::coverage(&store.conn, schedule, &in_zone, round, now)? {
            if !grids.covers(&row.grid) || !early_warning_due(schedule, round, &row.coverage, now) {
                continue;
            }
            out.push(EarlyWarning {
                assigned: crate::store::assignments::volunteers(&store.conn, &row.grid)?,
                grid: row.grid,
                round,
                checked: row.coverage.checked,
                listed: row.coverage.listed,
                closes: window.closes,
            });
        }
    }
    Ok(out)
}

/// Queues the early warnings due now for the grids' channels, each once per grid and round.
/// Returns how many were queued now.
pub fn queue_early_warnings(store: &mut Store, times: Times) -> anyhow::Result<usize> {
    let warnings = early_warnings(store, &crate::domain::access::Grids::Every, times)?;
    if warnings.is_empty() {
        return Ok(0);
    }
    let tx = store.write()?;
    let mut queued = 0;
    for warning in &warnings {
        let figures = crate::store::outbox::Warning {
            listed: warning.listed,
            checked: warning.checked,
            closes: warning.closes,
            assigned: warning.assigned.clone(),
        };
        if crate::store::outbox::queue_early_warning(
            &tx,
            &warning.grid,
            warning.round,
            &figures,
            times.stamp(),
        )? {
            queued += 1;
        }
    }
    tx.commit()?;
    Ok(queued)
}
