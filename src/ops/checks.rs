//! Recording what a patrol saw, and taking a slip of the finger back.

use crate::auth;
use crate::domain::access::{Actor, Capability};
use crate::domain::time::Times;
use crate::domain::{Observation, Round};
use crate::store::checks::Check;
use crate::store::rounds::{self, NewCheck, Recorded};
use crate::store::{Store, elders};

/// What a patrol member saw, as they typed it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub elder_id: String,
    pub observation: Observation,
    /// The round named (`--round`, or the round on screen); `None` to place it by `seen_at`.
    pub round: Option<Round>,
    pub seen_at: chrono::DateTime<chrono::Utc>,
    pub note: Option<String>,
}

/// Records a check by `actor` on an elder of their grids. The rounds closed before it are settled
/// first, so the severity it reports counts the missed rounds before it.
pub fn record(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    seen: Seen,
) -> anyhow::Result<Recorded> {
    let typed = seen.elder_id.trim();
    let elder_id = elders::canonical_id(&store.conn, typed)?.unwrap_or_else(|| typed.to_string());
    let grid = elders::get(&store.conn, &elder_id)?.map(|elder| elder.grid);
    auth::require(actor, Capability::RecordCheck, grid.as_deref())?;
    let new = NewCheck {
        elder_id,
        observation: Some(seen.observation),
        round: seen.round,
        seen_at: seen.seen_at,
        checker: actor.name.clone(),
        note: seen.note.filter(|note| !note.trim().is_empty()),
        supersedes: None,
    };
    // A check that cannot stand is refused before anything, settling included, is written.
    rounds::validate_check(&store.conn, &store.schedule, &new, times.now)?;
    super::gaps::settle(store, times)?;
    let recorded = rounds::record_check(store, new, times)?;
    // A check of a round with a patrol gap (a make-up round) counts its grid's round again.
    super::gaps::recount(
        store,
        &recorded.elder_id,
        recorded.round,
        recorded.round,
        times,
    )?;
    Ok(recorded)
}

/// Takes back the actor's last check that still stands (within the hour, by the real clock).
pub fn undo(store: &mut Store, actor: &Actor, times: Times) -> anyhow::Result<(Check, Recorded)> {
    auth::require(actor, Capability::RecordCheck, None)?;
    let (undone, recorded) = rounds::undo_last(store, &actor.name, times)?;
    super::gaps::recount(
        store,
        &recorded.elder_id,
        recorded.round,
        recorded.round,
        times,
    )?;
    Ok((undone, recorded))
}

/// Takes back the actor's last check that still stands, if it is one of `sitting` (the checks
/// recorded since the screen was opened): a tick from an earlier sitting is corrected by a new
/// check, never undone from a screen that did not record it.
pub fn undo_of_sitting(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    sitting: &[String],
) -> anyhow::Result<(Check, Recorded)> {
    auth::require(actor, Capability::RecordCheck, None)?;
    let last = crate::store::checks::last_effective_by(&store.conn, &actor.name)?;
    if !last.is_some_and(|check| sitting.contains(&check.id)) {
        return Err(crate::error::Refusal::NothingToUndo.into());
    }
    rounds::undo_last(store, &actor.name, times)
}
