//! Changes to the roster: imports, the roster screen's new and edited elders, archive and
//! restore, route moves and absences. A grid worker changes elders of his grids only, and moves
//! no elder into or out of a grid that is not his.

use anyhow::Context;

use crate::auth;
use crate::domain::access::{Actor, Capability};
use crate::domain::roster::RosterRow;
use crate::domain::time::Times;
use crate::store::Store;
use crate::store::elders::{self, Elder, ImportPlan};
use crate::store::rounds::{self, AbsenceChange};

/// Refuses unless the actor may edit the roster on every grid the rows touch: each row's grid,
/// and the grid its elder is on now.
pub fn require_rows(store: &Store, actor: &Actor, rows: &[RosterRow]) -> anyhow::Result<()> {
    auth::require(actor, Capability::EditRoster, None)?;
    if actor.grids.is_every() {
        return Ok(());
    }
    for row in rows {
        let current = elders::get(&store.conn, &row.id)?.map(|elder| elder.grid);
        for grid in std::iter::once(&row.grid).chain(current.as_ref()) {
            auth::require(actor, Capability::EditRoster, Some(grid))?;
        }
    }
    Ok(())
}

/// Imports rows (a file, the sample, or the roster screen's form) in one transaction: new
/// elders are on the roster from `added_at`; every change is audited on the real clock.
pub fn import(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    rows: &[RosterRow],
    added_at: chrono::DateTime<chrono::Utc>,
    source: &str,
) -> anyhow::Result<ImportPlan> {
    require_rows(store, actor, rows)?;
    let schedule = store.schedule.clone();
    let tx = store.write()?;
    let plan = elders::apply_import(&tx, rows, &actor.name, times.real, added_at, source)?;
    refuse_grid_in_two_communities(&tx, &schedule)?;
    tx.commit().context("saving the roster")?;
    Ok(plan)
}

/// Imports an office's roster file: a column the file lacks leaves that field as it was, and
/// an archived elder in it is kept archived unless `archived` says to restore them.
pub fn import_file(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    rows: &[RosterRow],
    archived: elders::ArchivedInFile,
    source: &str,
) -> anyhow::Result<ImportPlan> {
    require_rows(store, actor, rows)?;
    let schedule = store.schedule.clone();
    let tx = store.write()?;
    let plan = elders::apply_roster_file(
        &tx,
        rows,
        archived,
        &actor.name,
        times.real,
        times.now,
        source,
    )?;
    refuse_grid_in_two_communities(&tx, &schedule)?;
    tx.commit().context("saving the roster")?;
    Ok(plan)
}

/// A grid belongs to one community: its coverage, gaps, assignments and users are the grid's,
/// so a grid name two communities use is refused (before the transaction commits) rather than
/// merged. Communities without a clock of their own are the configured one's.
fn refuse_grid_in_two_communities(
    conn: &crate::store::Connection,
    schedule: &crate::domain::Schedule,
) -> anyhow::Result<()> {
    let mut seen: std::collections::BTreeMap<String, std::collections::BTreeSet<Option<String>>> =
        Default::default();
    for (grid, community) in elders::grid_communities(conn)? {
        seen.entry(grid)
            .or_default()
            .insert(schedule.zone_name(community));
    }
    if let Some((grid, communities)) = seen.into_iter().find(|(_, set)| set.len() > 1) {
        let communities = communities
            .into_iter()
            .map(|name| name.unwrap_or_else(|| "—".to_string()))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(crate::error::Refusal::GridInTwoCommunities { grid, communities }.into());
    }
    Ok(())
}

fn require_elder(
    store: &Store,
    actor: &Actor,
    capability: Capability,
    id: &str,
) -> anyhow::Result<Elder> {
    let elder = elders::get(&store.conn, id)?
        .ok_or_else(|| crate::error::Refusal::UnknownElder(id.to_string()))?;
    auth::require(actor, capability, Some(&elder.grid))?;
    Ok(elder)
}

/// Archives an active elder or restores an archived one, from `now` on. Returns whether it
/// changed anything.
pub fn toggle_archive(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    id: &str,
) -> anyhow::Result<bool> {
    let elder = require_elder(store, actor, Capability::EditRoster, id)?;
    let tx = store.write()?;
    let changed = if elder.active() {
        elders::archive(&tx, id, &actor.name, times.now, times.real)?
    } else {
        elders::restore(&tx, id, &actor.name, times.real)?
    };
    tx.commit().context("saving the roster")?;
    Ok(changed)
}

/// Moves an elder one place later or earlier on the route; `None` at either end.
pub fn move_in_route(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    id: &str,
    later: bool,
) -> anyhow::Result<Option<i64>> {
    require_elder(store, actor, Capability::EditRoster, id)?;
    let tx = store.write()?;
    let place = elders::move_in_route(&tx, id, later, &actor.name, times.real)?;
    tx.commit().context("saving the route")?;
    Ok(place)
}

/// Records or ends an absence, and settles the rounds already past inside it.
pub fn change_absence(
    store: &mut Store,
    actor: &Actor,
    times: Times,
    id: &str,
    change: AbsenceChange,
) -> anyhow::Result<(Elder, chrono::NaiveDate, chrono::NaiveDate)> {
    let typed = id.trim();
    let id = elders::canonical_id(&store.conn, typed)?.unwrap_or_else(|| typed.to_string());
    let grid = elders::get(&store.conn, &id)?.map(|elder| elder.grid);
    auth::require(actor, Capability::MarkAbsence, grid.as_deref())?;
    let (elder, from, to) = rounds::change_absence(store, &id, change, &actor.name, times)?;
    // Away elders are not listed: the grid's gaps in the span are counted again.
    let first = crate::domain::Round::new(from, crate::domain::Slot::Morning);
    let last = crate::domain::Round::new(to, crate::domain::Slot::Evening);
    super::gaps::recount(store, &elder.id, first, last, times)?;
    Ok((elder, from, to))
}
