//! Assignments (#15): a grid worker or admin says which volunteer walks which part of a grid.
//! Every change is audited and ends the assignment before it; nothing is deleted.

use crate::auth;
use crate::domain::access::{Actor, Capability};
use crate::domain::assignment::Part;
use crate::domain::time::Times;
use crate::error::Refusal;
use crate::store::assignments::{self, Assignment};
use crate::store::{Store, elders, users};

/// Assigns `part` of `grid` to `volunteer`. Refused unless the actor may edit the roster of that
/// grid, the grid has elders, and (once the database has users) the volunteer is one of them.
pub fn assign(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    volunteer: &str,
    grid: &str,
    part: &Part,
) -> anyhow::Result<(Assignment, Option<Assignment>)> {
    let volunteer = volunteer.trim();
    let grid = grid.trim();
    auth::require(actor, Capability::EditRoster, Some(grid))?;
    let grids = elders::grids(&store.conn)?;
    if !grids.iter().any(|known| known == grid) {
        return Err(Refusal::UnknownGrid {
            grid: grid.to_string(),
            known: grids.join(", "),
        }
        .into());
    }
    if volunteer.is_empty()
        || (users::any(&store.conn)? && users::get(&store.conn, volunteer)?.is_none())
    {
        return Err(Refusal::UnknownVolunteer(volunteer.to_string()).into());
    }
    let tx = store.write()?;
    let done = assignments::assign(&tx, volunteer, grid, part, &actor.name, times.real)?;
    tx.commit()?;
    Ok(done)
}

/// The assignments in force on the grids the viewer may see.
pub fn current(store: &Store, viewer: &Actor) -> anyhow::Result<Vec<Assignment>> {
    Ok(assignments::current(&store.conn, None)?
        .into_iter()
        .filter(|a| viewer.grids.covers(&a.grid))
        .collect())
}
