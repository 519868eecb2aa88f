//! Reads that never need to write (DESIGN.md section 3): every closed round is settled before a
//! list is read, written to the file when it takes writes, and worked out in a private copy in
//! memory when it does not (a read-only file or mount, a full disk), so the answer is the same.

use super::Session;
use crate::domain::access::{Actor, Capability};
use crate::domain::time::Times;
use crate::i18n::Lang;
use crate::store::{Create, Store};

/// Whether an error is the disk refusing a write (full or read-only), not a fault of curtain's.
pub fn is_storage_failure(error: &anyhow::Error) -> bool {
    super::messages::storage_failure(Lang::En, error).is_some()
}

/// The database opened to read, with every round closed by `times` settled, and who is reading;
/// refused before anything is settled when the reader lacks `needs`.
pub fn open_settled(
    session: &Session,
    needs: Option<Capability>,
) -> anyhow::Result<(Store, Actor, Times)> {
    open_settled_for_grid(session, needs, None)
}

/// What a list is narrowed to: one `--grid`, the grids of one `--community`, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    grid: Option<String>,
    /// The grids of the community named, when one is.
    community_grids: Option<std::collections::BTreeSet<String>>,
}

impl Scope {
    pub fn covers(&self, grid: &str) -> bool {
        self.grid.as_deref().is_none_or(|only| only == grid)
            && self
                .community_grids
                .as_ref()
                .is_none_or(|grids| grids.contains(grid))
    }
}

/// Like [`open_settled`], for a list of one `--grid`: a grid no elder is in is refused before
/// anything is settled, so a typo changes nothing on disk.
pub fn open_settled_for_grid(
    session: &Session,
    needs: Option<Capability>,
    grid: Option<&str>,
) -> anyhow::Result<(Store, Actor, Times)> {
    let (store, actor, times, _) = open_settled_for_scope(session, needs, grid, None)?;
    Ok((store, actor, times))
}

/// Like [`open_settled_for_grid`], also for one `--community`: a community no elder lives in
/// is refused, naming those there are, before anything is settled.
pub fn open_settled_for_scope(
    session: &Session,
    needs: Option<Capability>,
    grid: Option<&str>,
    community: Option<&str>,
) -> anyhow::Result<(Store, Actor, Times, Scope)> {
    session.refuse_future_now()?;
    let mut store = match Store::open(&session.db, Create::Never, session.config.schedule.clone()) {
        Ok(store) => store,
        Err(error) if is_storage_failure(&error) => {
            let schedule = session.config.schedule.clone();
            match Store::open_read_only(&session.db, schedule.clone()) {
                Ok(store) => store,
                Err(error) if is_storage_failure(&error) => {
                    Store::open_immutable(&session.db, schedule)?
                }
                Err(error) => return Err(error),
            }
        }
        Err(error) => return Err(error),
    };
    let actor = session.viewer(&mut store)?;
    if let Some(capability) = needs {
        crate::auth::require(&actor, capability, None)?;
    }
    refuse_unknown_grid(&store, grid)?;
    let scope = Scope {
        grid: grid.map(str::to_string),
        community_grids: community
            .map(|name| community_grids(&store, session.config.community_name.as_deref(), name))
            .transpose()?,
    };
    let times = session.times(&store);
    let store = settled(store, times)?;
    Ok((store, actor, times, scope))
}

/// The community whose clock every elder of `grids` keeps, when that is one with a clock of its
/// own: its name and schedule, for a screen to round and time by. `None` for every grid, for the
/// configured community, and for grids of several communities.
pub fn own_clock_of(
    store: &Store,
    grids: &crate::domain::access::Grids,
) -> anyhow::Result<Option<(String, crate::domain::Schedule)>> {
    let crate::domain::access::Grids::Only(grids) = grids else {
        return Ok(None);
    };
    let zones: std::collections::BTreeSet<Option<String>> =
        crate::store::elders::grid_communities(&store.conn)?
            .into_iter()
            .filter(|(grid, _)| grids.contains(grid))
            .map(|(_, community)| store.schedule.zone_name(community))
            .collect();
    let mut zones = zones.into_iter();
    match (zones.next(), zones.next()) {
        (Some(Some(name)), None) => {
            let schedule = store.schedule.communities[&name].clone();
            Ok(Some((name, schedule)))
        }
        _ => Ok(None),
    }
}

/// The grids of a community (an elder with no community lives in the configured one); refused
/// when no elder lives there, naming the communities there are in their natural order.
pub(crate) fn community_grids(
    store: &Store,
    configured: Option<&str>,
    community: &str,
) -> anyhow::Result<std::collections::BTreeSet<String>> {
    let grids = crate::store::elders::grids_of_community(&store.conn, community, configured)?;
    if grids.is_empty() {
        let mut known: Vec<String> = crate::store::elders::grid_communities(&store.conn)?
            .into_iter()
            .filter_map(|(_, named)| named.or_else(|| configured.map(str::to_string)))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        crate::domain::order::sort_naturally(&mut known);
        return Err(crate::error::Refusal::UnknownCommunity {
            community: community.to_string(),
            known: known.join(", "),
        }
        .into());
    }
    Ok(grids)
}

/// Settles the closed rounds in the file; where the file will not take it, in a copy in memory.
pub fn settled(mut store: Store, times: Times) -> anyhow::Result<Store> {
    Ok(settle_or_copy(&mut store, times)?.unwrap_or(store))
}

/// Settles the closed rounds in the file; when the file will not take it, returns a settled copy
/// in memory to read from instead (the TUI keeps its own connection to the file).
pub fn settle_or_copy(store: &mut Store, times: Times) -> anyhow::Result<Option<Store>> {
    match super::gaps::settle(store, times) {
        Ok(()) => Ok(None),
        Err(error) if is_storage_failure(&error) => {
            let mut copy = store.copy_in_memory()?;
            super::gaps::settle(&mut copy, times)?;
            Ok(Some(copy))
        }
        Err(error) => Err(error),
    }
}

/// Refuses a `--grid` no elder on the roster is in (a typo answered with "0 elders" would read
/// as a quiet grid), naming the grids there are in their natural order.
pub fn refuse_unknown_grid(store: &Store, grid: Option<&str>) -> anyhow::Result<()> {
    let Some(grid) = grid else {
        return Ok(());
    };
    let mut known = crate::store::elders::grids(&store.conn)?;
    if known.iter().any(|known| known == grid) {
        return Ok(());
    }
    crate::domain::order::sort_naturally(&mut known);
    Err(crate::error::Refusal::UnknownGrid {
        grid: grid.to_string(),
        known: known.join(", "),
    }
    .into())
}
