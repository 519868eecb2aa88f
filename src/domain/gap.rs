//! Patrol gaps and early warnings (DESIGN.md section 3): a grid's round that closed with fewer
//! than `gap_below` of its listed elders checked is one problem of the patrol, not many problems
//! of elders. Its `missed` flags form the gap; it is handled once (a make-up round, or resolved
//! with `patrol_gap`, which resolves its missed flags with it); an alert or unclear flag of the
//! same round stays a flag of its own. Pure: the caller passes the coverage and the time.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::coverage::{Coverage, GapBelow};
use super::flag::{FlagState, Outcome};
use super::round::Round;
use super::status::Status;
use super::window::{Schedule, local_to_utc};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapState {
    #[default]
    Open,
    Resolved,
    /// A make-up round (checks recorded late for the round) brought coverage to the threshold.
    MadeUp,
}

impl GapState {
    pub fn as_str(self) -> &'static str {
        match self {
            GapState::Open => "open",
            GapState::Resolved => "resolved",
            GapState::MadeUp => "made_up",
        }
    }

    pub fn parse(text: &str) -> Option<GapState> {
        [GapState::Open, GapState::Resolved, GapState::MadeUp]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

impl fmt::Display for GapState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What settling a grid's round does to its patrol gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GapChange {
    /// Nothing: no gap and none to form (or the round has not closed).
    None,
    /// The round closed below the threshold: a gap is formed, open.
    Form,
    /// The gap on record takes this state with the coverage now counted.
    Update(GapState),
}

/// The rule of a grid's round against its gap on record (`known`). Only a closed round forms a
/// gap; a resolved gap stays resolved; an open gap becomes `made_up` once coverage passes the
/// threshold (a make-up round), and open again if that make-up is taken back.
pub fn gap_change(
    known: Option<GapState>,
    coverage: &Coverage,
    gap_below: GapBelow,
    closed: bool,
) -> GapChange {
    let below = coverage.is_below(gap_below);
    match known {
        None if closed && below => GapChange::Form,
        None => GapChange::None,
        Some(GapState::Resolved) => GapChange::Update(GapState::Resolved),
        Some(_) if below => GapChange::Update(GapState::Open),
        Some(_) => GapChange::Update(GapState::MadeUp),
    }
}

/// Which flags of the grid's round belong to its gap: the `missed` ones. An alert or unclear
/// flag of the same round stays a flag of its own.
pub fn joins_gap(status: Status) -> bool {
    status == Status::Missed
}

/// The outcome a gap is resolved with, and which of its flags that resolves: those still open
/// and still missed (a flag a late check turned into an alert needs a person of its own).
pub const GAP_OUTCOME: Outcome = Outcome::PatrolGap;

pub fn resolved_with_gap(status: Status, state: FlagState) -> bool {
    state == FlagState::Open && joins_gap(status)
}

/// Whether a flag is listed folded under its gap rather than on its own: it belongs to an open
/// gap and is still missed.
pub fn folded(flag_status: Status, gap_state: Option<GapState>) -> bool {
    gap_state == Some(GapState::Open) && joins_gap(flag_status)
}

/// The parts of the flags list, in order (issue #15): alerts first by severity, then the patrol
/// gaps with their missed flags, then the remaining flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ListPart {
    Alerts,
    Gaps,
    Remaining,
}

pub fn list_part(flag_status: Status, gap_state: Option<GapState>) -> ListPart {
    if flag_status == Status::Alert {
        ListPart::Alerts
    } else if folded(flag_status, gap_state) {
        ListPart::Gaps
    } else {
        ListPart::Remaining
    }
}

/// When a round's early warning is due: its `due` time plus half the time left to `closes`
/// (08:45 for the default morning, 21:00 for the evening).
pub fn warning_time(schedule: &Schedule, round: Round) -> DateTime<Utc> {
    let times = schedule.times(round.slot);
    let window = schedule.window(round);
    let mut due = local_to_utc(schedule.tz, round.date.and_time(times.due));
    // A due time past midnight (a window that runs into the next day) is on the next day.
    if due < window.opens {
        due += chrono::Duration::days(1);
    }
    let left = (window.closes - due).max(chrono::Duration::zero());
    due + left / 2
}

/// Whether a grid is warned about a round now: from the warning time until the window closes,
/// while its coverage is below the threshold. (Once per grid and round: the caller keeps that.)
pub fn early_warning_due(
    schedule: &Schedule,
    round: Round,
    coverage: &Coverage,
    now: DateTime<Utc>,
) -> bool {
    let window = schedule.window(round);
    now >= warning_time(schedule, round)
        && !window.has_closed(now)
        && coverage.is_below(schedule.gap_below)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Slot;
    use chrono::NaiveDateTime;

    fn cov(checked: u32, listed: u32) -> Coverage {
        Coverage {
            listed,
            checked,
            missed: listed - checked,
            ..Coverage::default()
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        local_to_utc(chrono_tz::Asia::Shanghai, local)
    }

    fn round(text: &str) -> Round {
        text.parse().unwrap()
    }

    #[test]
    fn rule_a_grids_round_that_closed_with_fewer_than_half_checked_forms_a_patrol_gap() {
        let half = GapBelow::default();
        let cases = [
            // (known, checked, listed, closed, change)
            (None, 7, 15, true, GapChange::Form),
            (None, 8, 15, true, GapChange::None),
            (None, 0, 15, false, GapChange::None),
            (None, 0, 0, true, GapChange::None),
            (None, 2, 15, true, GapChange::Form),
        ];
        for (known, checked, listed, closed, want) in cases {
            assert_eq!(
                gap_change(known, &cov(checked, listed), half, closed),
                want,
                "{checked} of {listed}, closed {closed}"
            );
        }
    }

    #[test]
    fn rule_the_gap_becomes_made_up_when_coverage_passes_the_threshold() {
        let half = GapBelow::default();
        let cases = [
            (GapState::Open, 7, 15, GapChange::Update(GapState::Open)),
            (GapState::Open, 8, 15, GapChange::Update(GapState::MadeUp)),
            // A make-up taken back (an undo) leaves the gap open again.
            (GapState::MadeUp, 7, 15, GapChange::Update(GapState::Open)),
            (
                GapState::MadeUp,
                15,
                15,
                GapChange::Update(GapState::MadeUp),
            ),
            // A person's resolution stands.
            (
                GapState::Resolved,
                15,
                15,
                GapChange::Update(GapState::Resolved),
            ),
            (
                GapState::Resolved,
                0,
                15,
                GapChange::Update(GapState::Resolved),
            ),
        ];
        for (known, checked, listed, want) in cases {
            assert_eq!(
                gap_change(Some(known), &cov(checked, listed), half, true),
                want,
                "{known} with {checked} of {listed}"
            );
        }
    }

    #[test]
    fn rule_a_gaps_resolution_resolves_its_missed_flags_and_no_alert_or_unclear() {
        let cases = [
            (Status::Missed, FlagState::Open, true),
            (Status::Alert, FlagState::Open, false),
            (Status::Unclear, FlagState::Open, false),
            (Status::Missed, FlagState::Superseded, false),
            (Status::Missed, FlagState::Resolved, false),
        ];
        for (status, state, want) in cases {
            assert_eq!(
                resolved_with_gap(status, state),
                want,
                "{status:?} {state:?}"
            );
        }
        assert_eq!(GAP_OUTCOME, Outcome::PatrolGap);
    }

    #[test]
    fn rule_an_alert_or_unclear_in_the_same_round_stays_a_flag_of_its_own() {
        assert!(joins_gap(Status::Missed));
        for status in [Status::Alert, Status::Unclear, Status::Ok, Status::Away] {
            assert!(!joins_gap(status), "{status:?}");
            assert!(!folded(status, Some(GapState::Open)), "{status:?}");
        }
        assert!(folded(Status::Missed, Some(GapState::Open)));
        assert!(!folded(Status::Missed, Some(GapState::MadeUp)));
        assert!(!folded(Status::Missed, Some(GapState::Resolved)));
        assert!(!folded(Status::Missed, None));
    }

    #[test]
    fn rule_alerts_first_by_severity_then_gaps_then_the_remaining_flags() {
        let open = Some(GapState::Open);
        let cases = [
            (Status::Alert, open, ListPart::Alerts),
            (Status::Alert, None, ListPart::Alerts),
            (Status::Missed, open, ListPart::Gaps),
            (Status::Unclear, open, ListPart::Remaining),
            (Status::Missed, None, ListPart::Remaining),
            (Status::Missed, Some(GapState::MadeUp), ListPart::Remaining),
            (
                Status::Missed,
                Some(GapState::Resolved),
                ListPart::Remaining,
            ),
        ];
        for (status, state, want) in cases {
            assert_eq!(list_part(status, state), want, "{status:?} {state:?}");
        }
        assert!(ListPart::Alerts < ListPart::Gaps && ListPart::Gaps < ListPart::Remaining);
    }

    #[test]
    fn rule_early_warning_at_due_plus_half_the_time_left_to_closes() {
        let schedule = Schedule::default();
        assert_eq!(
            warning_time(&schedule, round("2026-11-30/morning")),
            at("2026-11-30 08:45")
        );
        assert_eq!(
            warning_time(&schedule, round("2026-11-30/evening")),
            at("2026-11-30 21:00")
        );
        let r = round("2026-11-30/morning");
        assert_eq!(r.slot, Slot::Morning);
        let cases = [
            ("2026-11-30 08:44", 3, 15, false),
            ("2026-11-30 08:45", 3, 15, true),
            ("2026-11-30 09:30", 3, 15, true),
            ("2026-11-30 09:31", 3, 15, false),
            ("2026-11-30 08:50", 8, 15, false),
            ("2026-11-30 08:50", 7, 15, true),
        ];
        for (now, checked, listed, want) in cases {
            let coverage = Coverage {
                listed,
                checked,
                pending: listed - checked,
                ..Coverage::default()
            };
            assert_eq!(
                early_warning_due(&schedule, r, &coverage, at(now)),
                want,
                "{now}: {checked} of {listed}"
            );
        }
    }
}
