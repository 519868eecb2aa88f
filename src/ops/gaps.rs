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
    let roster = elders::all(&store.conn)?;
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
    Ok(gaps::list(&store.conn, all)?
        .into_iter()
        .filter(|gap| viewer.grids.covers(&gap.grid))
        .collect())
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
