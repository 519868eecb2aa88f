//! The volunteers' tally (#15): the checks of a span counted per volunteer with the rules of
//! `domain::tally`, on the grids the reader may see.

use chrono::NaiveDate;

use crate::domain::access::Actor;
use crate::domain::tally::{self, TallyCheck, VolunteerTally};
use crate::domain::{Round, Slot};
use crate::store::{Store, checks, elders};

/// Every volunteer's tally from the morning of `from` to the evening of `to`, counting checks of
/// elders on the viewer's grids. A check taken back (undone) is not counted.
pub fn tally(
    store: &Store,
    viewer: &Actor,
    from: NaiveDate,
    to: NaiveDate,
) -> anyhow::Result<Vec<VolunteerTally>> {
    let first = Round::new(from, Slot::Morning);
    let last = Round::new(to, Slot::Evening);
    let roster: std::collections::HashMap<String, std::sync::Arc<elders::RosterEntry>> = store
        .roster_of(&viewer.grids)?
        .into_iter()
        .map(|elder| (elder.id.clone(), elder))
        .collect();
    let span = checks::for_rounds(&store.conn, first, last)?;
    let undone: std::collections::HashSet<&str> = span
        .values()
        .flat_map(checks::RoundChecks::all)
        .filter(|check| check.observation.is_none())
        .filter_map(|check| check.supersedes.as_deref())
        .collect();
    let mut counted = Vec::new();
    for (round, round_checks) in &span {
        for check in round_checks.all() {
            let Some(elder) = roster.get(&check.elder_id) else {
                continue;
            };
            if !viewer.grids.covers(&elder.grid) {
                continue;
            }
            let Some(observation) = check.observation else {
                continue;
            };
            if undone.contains(check.id.as_str()) {
                continue;
            }
            let window = store.schedule.window_for(*round, &elder.own);
            counted.push(TallyCheck {
                checker: check.checker.clone(),
                round: *round,
                observation,
                late: window.is_late(check.seen_at),
            });
        }
    }
    Ok(tally::tally(counted))
}
