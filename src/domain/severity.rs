//! Streaks and severity of a flag (DESIGN.md section 3).

use std::fmt;

use serde::Serialize;

use super::round::Slot;
use super::status::Status;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|severity| severity.as_str() == text)
    }

    fn raised(self, levels: u32) -> Severity {
        let rank = (self as u32)
            .saturating_add(levels)
            .min(Severity::Critical as u32);
        match rank {
            0 => Severity::Low,
            1 => Severity::Medium,
            2 => Severity::High,
            _ => Severity::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The number of consecutive rounds, ending at this one, whose status is alert, unclear or
/// missed. `statuses` runs from this round backwards; `None` is a round the elder was not on the
/// roster for. An `away` round, like any other status, ends the streak.
pub fn streak<I>(statuses: I) -> u32
where
    I: IntoIterator<Item = Option<Status>>,
{
    let mut count = 0;
    for status in statuses {
        match status {
            Some(status) if status.is_flagged() => count += 1,
            _ => break,
        }
    }
    count
}

/// The streak of a round from the streak the round before carries: one more for a flagged
/// status, none otherwise. The one place a streak is counted (settling, carrying a changed streak
/// forward and the statuses shown all ask here).
pub fn streak_after(prev_carried: u32, status: Status) -> u32 {
    if status.is_flagged() {
        prev_carried.saturating_add(1)
    } else {
        0
    }
}

/// The streak a round carries to the next: its own when its status is flagged, else none.
pub fn carried(round_status: Status, streak: u32) -> u32 {
    if round_status.is_flagged() { streak } else { 0 }
}

/// Base `high` for a morning alert, `medium` for an evening alert, `low` for unclear or missed;
/// one level more per extra round in the streak, capped at `critical`. `None` when not flagged.
pub fn severity(status: Status, slot: Slot, streak: u32) -> Option<Severity> {
    let base = match (status, slot) {
        (Status::Alert, Slot::Morning) => Severity::High,
        (Status::Alert, Slot::Evening) => Severity::Medium,
        (Status::Unclear | Status::Missed, _) => Severity::Low,
        _ => return None,
    };
    Some(base.raised(streak.saturating_sub(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn rule_streak_counts_consecutive_flagged_rounds_ending_at_this_one() {
        let cases: &[(&str, &[Option<Status>], u32)] = &[
            ("ok round", &[Some(Ok)], 0),
            ("one alert", &[Some(Alert)], 1),
            (
                "evening open then morning closed",
                &[Some(Alert), Some(Alert)],
                2,
            ),
            (
                "missed after unclear after alert",
                &[Some(Missed), Some(Unclear), Some(Alert), Some(Ok)],
                3,
            ),
            (
                "an away round ends a streak",
                &[Some(Missed), Some(Away), Some(Missed)],
                1,
            ),
            (
                "an ok round ends a streak",
                &[Some(Missed), Some(Ok), Some(Missed)],
                1,
            ),
            (
                "not yet on the roster ends a streak",
                &[Some(Missed), None, Some(Missed)],
                1,
            ),
            ("pending is not flagged", &[Some(Pending), Some(Missed)], 0),
        ];
        for (name, statuses, want) in cases {
            assert_eq!(streak(statuses.iter().copied()), *want, "{name}");
        }
    }

    #[test]
    fn rule_severity_base_and_one_level_per_extra_round_capped_at_critical() {
        let cases = [
            (
                "morning alert is high",
                Alert,
                Slot::Morning,
                1,
                Some(Severity::High),
            ),
            (
                "evening alert is medium",
                Alert,
                Slot::Evening,
                1,
                Some(Severity::Medium),
            ),
            (
                "unclear is low",
                Unclear,
                Slot::Morning,
                1,
                Some(Severity::Low),
            ),
            (
                "missed is low",
                Missed,
                Slot::Evening,
                1,
                Some(Severity::Low),
            ),
            (
                "evening open then morning closed is critical",
                Alert,
                Slot::Morning,
                2,
                Some(Severity::Critical),
            ),
            (
                "two missed rounds is medium",
                Missed,
                Slot::Morning,
                2,
                Some(Severity::Medium),
            ),
            (
                "three missed rounds is high",
                Missed,
                Slot::Morning,
                3,
                Some(Severity::High),
            ),
            (
                "four missed rounds is critical",
                Missed,
                Slot::Morning,
                4,
                Some(Severity::Critical),
            ),
            (
                "forty missed rounds stays critical",
                Missed,
                Slot::Morning,
                40,
                Some(Severity::Critical),
            ),
            (
                "an evening alert after a missed morning is high",
                Alert,
                Slot::Evening,
                2,
                Some(Severity::High),
            ),
            ("ok has no severity", Ok, Slot::Morning, 0, None),
            ("away has no severity", Away, Slot::Morning, 0, None),
            ("pending has no severity", Pending, Slot::Morning, 0, None),
        ];
        for (name, status, slot, streak, want) in cases {
            assert_eq!(severity(status, slot, streak), want, "{name}");
        }
    }
}
