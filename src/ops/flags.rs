//! What grid workers do about flags: follow-ups and resolutions, on their grids only.

use crate::auth;
use crate::domain::Outcome;
use crate::domain::access::{Actor, Capability};
use crate::domain::followup::FollowUpAction;
use crate::domain::time::Times;
use crate::error::Refusal;
use crate::store::{Store, elders, flags};

/// The grid of a flag's elder; a flag that does not exist is refused by name.
fn grid_of_flag(store: &Store, flag_id: i64) -> anyhow::Result<Option<String>> {
    let flag = flags::get(&store.conn, flag_id)?.ok_or(Refusal::UnknownFlag(flag_id))?;
    Ok(elders::get(&store.conn, &flag.elder_id)?.map(|elder| elder.grid))
}

pub fn resolve(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    flag_id: i64,
    outcome: Outcome,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let grid = grid_of_flag(store, flag_id)?;
    auth::require(actor, Capability::Resolve, grid.as_deref())?;
    flags::resolve_flag(store, flag_id, outcome, note, &actor.name, times.real)
}

pub fn follow_up(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    flag_id: i64,
    action: FollowUpAction,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let grid = grid_of_flag(store, flag_id)?;
    let capability = if action == FollowUpAction::Note {
        Capability::WriteNote
    } else {
        Capability::FollowUp
    };
    auth::require(actor, capability, grid.as_deref())?;
    flags::log_follow_up(store, flag_id, action, note, &actor.name, times.real)
}
