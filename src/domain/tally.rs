//! The volunteers' tally (#15), for the community's volunteer-service points (志愿服务积分): per
//! volunteer over a span, the rounds walked, the checks, the share seen on time, the alerts
//! raised and the make-up rounds. Pure counting over checks the caller read.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::round::Round;
use super::status::{Observation, Status, judge};

/// One check as the tally counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyCheck {
    pub checker: String,
    pub round: Round,
    pub observation: Observation,
    /// Seen after the elder's window closed.
    pub late: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VolunteerTally {
    pub volunteer: String,
    /// Rounds in which she recorded at least one check.
    pub rounds_walked: u32,
    pub checks: u32,
    /// Checks seen within the window.
    pub on_time: u32,
    /// `on_time / checks`, 0 to 1 (0 with no checks).
    pub on_time_share: f64,
    /// Checks that saw the curtain the wrong way: closed in the morning, open at night.
    pub alerts: u32,
    /// Rounds in which she recorded checks late: a round made up after its window.
    pub make_up_rounds: u32,
}

/// Counts checks by volunteer, in name order. Retractions and undone checks are left out by the
/// caller: they are not work done.
pub fn tally(checks: impl IntoIterator<Item = TallyCheck>) -> Vec<VolunteerTally> {
    #[derive(Default)]
    struct Counts {
        rounds: BTreeSet<Round>,
        late_rounds: BTreeSet<Round>,
        checks: u32,
        on_time: u32,
        alerts: u32,
    }
    let mut by: BTreeMap<String, Counts> = BTreeMap::new();
    for check in checks {
        let counts = by.entry(check.checker).or_default();
        counts.rounds.insert(check.round);
        counts.checks = counts.checks.saturating_add(1);
        if check.late {
            counts.late_rounds.insert(check.round);
        } else {
            counts.on_time = counts.on_time.saturating_add(1);
        }
        if judge(check.round.expected(), check.observation) == Status::Alert {
            counts.alerts = counts.alerts.saturating_add(1);
        }
    }
    by.into_iter()
        .map(|(volunteer, c)| VolunteerTally {
            volunteer,
            rounds_walked: u32::try_from(c.rounds.len()).unwrap_or(u32::MAX),
            checks: c.checks,
            on_time: c.on_time,
            on_time_share: if c.checks == 0 {
                0.0
            } else {
                f64::from(c.on_time) / f64::from(c.checks)
            },
            alerts: c.alerts,
            make_up_rounds: u32::try_from(c.late_rounds.len()).unwrap_or(u32::MAX),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(who: &str, round: &str, observation: Observation, late: bool) -> TallyCheck {
        TallyCheck {
            checker: who.into(),
            round: round.parse().unwrap(),
            observation,
            late,
        }
    }

    #[test]
    fn rule_the_tally_counts_rounds_checks_on_time_alerts_and_make_ups_per_volunteer() {
        use Observation::*;
        let rows = tally([
            check("wang", "2026-11-22/morning", Open, false),
            check("wang", "2026-11-22/morning", Closed, false),
            check("wang", "2026-11-22/evening", Closed, false),
            check("wang", "2026-11-23/morning", Open, true),
            check("li", "2026-11-22/evening", Open, true),
            check("li", "2026-11-22/evening", Seen, true),
        ]);
        assert_eq!(rows.len(), 2);
        let li = &rows[0];
        assert_eq!(li.volunteer, "li");
        assert_eq!(
            (
                li.rounds_walked,
                li.checks,
                li.on_time,
                li.alerts,
                li.make_up_rounds
            ),
            (1, 2, 0, 1, 1)
        );
        let wang = &rows[1];
        assert_eq!(
            (
                wang.rounds_walked,
                wang.checks,
                wang.on_time,
                wang.alerts,
                wang.make_up_rounds
            ),
            (3, 4, 3, 1, 1)
        );
        assert!((wang.on_time_share - 0.75).abs() < 1e-9);
        assert!(tally([]).is_empty());
    }
}
