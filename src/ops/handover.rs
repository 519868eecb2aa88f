//! Hand-over (DESIGN.md section 6, step 4): a device that walked a round offline gives its checks,
//! absences and follow-ups to the shared database. Records are matched by UUID, so handing over
//! twice keeps everything once; the roster is the shared database's, so a device's roster edits
//! are named and left behind, and a record about an elder the shared roster lacks refuses the
//! whole hand-over.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::Session;
use crate::auth;
use crate::domain::access::{Actor, Capability};
use crate::domain::followup::FollowUpAction;
use crate::error::Refusal;
use crate::store::handover::{self, Received, Shipment};
use crate::store::{Create, Store, elders};

/// What a hand-over did, for the front end to put into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandedOver {
    pub target: PathBuf,
    pub received: Received,
    /// Elders whose roster rows this device changed: their edits stay behind.
    pub roster_kept: Vec<String>,
}

/// Hands this device's records (the session's database) over to the database at `to`.
pub fn hand_over(session: &Session, to: &str) -> anyhow::Result<HandedOver> {
    let target_path = PathBuf::from(to);
    if same_file(&session.db, &target_path) {
        return Err(Refusal::HandoverToItself(target_path).into());
    }
    let device = session.open(Create::Never)?;
    let mut target = Store::open(&target_path, Create::Never, session.config.schedule.clone())?;
    if device.drill != target.drill {
        return Err(Refusal::HandoverDrillMismatch.into());
    }
    let shipment = handover::shipment(&device.conn)?;
    let roster_kept = roster_edits(&device, &target)?;
    let actor = session.actor(&mut target)?;
    authorize(&target, &actor, &shipment)?;
    let times = session.clock.times(session.now, target.drill);
    super::gaps::settle(&mut target, times)?;
    let received = handover::receive(&mut target, &shipment, times)?;
    for (elder_id, round) in &received.touched {
        super::gaps::recount(&mut target, elder_id, *round, *round, times)?;
    }
    Ok(HandedOver {
        target: target_path,
        received,
        roster_kept,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Every record must be one the actor may write on the shared database, about an elder on its
/// roster: one that is not refuses the whole hand-over, before anything is written.
fn authorize(target: &Store, actor: &Actor, shipment: &Shipment) -> anyhow::Result<()> {
    let mut grids = std::collections::HashMap::new();
    let mut unknown = BTreeSet::new();
    for elder_id in shipment.elder_ids() {
        match elders::get(&target.conn, elder_id)? {
            Some(elder) => {
                grids.insert(elder_id.to_string(), elder.grid);
            }
            None => {
                unknown.insert(elder_id.to_string());
            }
        }
    }
    if !unknown.is_empty() {
        let elders = unknown.into_iter().collect::<Vec<_>>().join(", ");
        return Err(Refusal::HandoverUnknownElders { elders }.into());
    }
    let grid_of = |elder_id: &str| grids.get(elder_id).map(String::as_str);
    for check in &shipment.checks {
        auth::require(actor, Capability::RecordCheck, grid_of(&check.elder_id))?;
    }
    for absence in &shipment.absences {
        auth::require(actor, Capability::MarkAbsence, grid_of(&absence.elder_id))?;
    }
    for follow in &shipment.follow_ups {
        let capability = if follow.action.starts_with("resolved:") {
            Capability::Resolve
        } else if follow.action == FollowUpAction::Note.as_str() {
            Capability::WriteNote
        } else {
            Capability::FollowUp
        };
        auth::require(actor, capability, grid_of(&follow.elder_id))?;
    }
    for gap in &shipment.resolved_gaps {
        auth::require(actor, Capability::Resolve, Some(&gap.grid))?;
    }
    Ok(())
}

/// The elders whose roster this device changed: its roster log has entries the shared
/// database's does not.
fn roster_edits(device: &Store, target: &Store) -> anyhow::Result<Vec<String>> {
    let shared: HashSet<(String, String, String, String)> = elders::audit_log(&target.conn, None)?
        .into_iter()
        .map(|entry| (entry.elder_id, entry.action, entry.actor, entry.at))
        .collect();
    let edited: BTreeSet<String> = elders::audit_log(&device.conn, None)?
        .into_iter()
        .filter(|entry| {
            !shared.contains(&(
                entry.elder_id.clone(),
                entry.action.clone(),
                entry.actor.clone(),
                entry.at.clone(),
            ))
        })
        .map(|entry| entry.elder_id)
        .collect();
    Ok(edited.into_iter().collect())
}
