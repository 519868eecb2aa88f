//! The status of an elder for a round, computed from checks, absences and the roster; never
//! stored as truth (DESIGN.md section 3).

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::round::Expected;
use super::window::Window;

/// What a patrol member saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    Open,
    Closed,
    /// The elder in person, waving at the window: the best news.
    Seen,
    /// Cannot tell (reflections, dark, blinds half down).
    Unclear,
}

impl Observation {
    pub const ALL: [Observation; 4] = [
        Observation::Open,
        Observation::Closed,
        Observation::Seen,
        Observation::Unclear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Observation::Open => "open",
            Observation::Closed => "closed",
            Observation::Seen => "seen",
            Observation::Unclear => "unclear",
        }
    }
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an observation: use open, closed, seen or unclear")]
pub struct BadObservation(pub String);

impl FromStr for Observation {
    type Err = BadObservation;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_lowercase().as_str() {
            "open" | "o" | "开" => Ok(Observation::Open),
            "closed" | "close" | "c" | "关" => Ok(Observation::Closed),
            "seen" | "s" | "见" => Ok(Observation::Seen),
            "unclear" | "u" | "不清" => Ok(Observation::Unclear),
            _ => Err(BadObservation(text.to_string())),
        }
    }
}

/// The status of an elder for a round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Alert,
    Unclear,
    Missed,
    #[default]
    Pending,
    Away,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Alert => "alert",
            Status::Unclear => "unclear",
            Status::Missed => "missed",
            Status::Pending => "pending",
            Status::Away => "away",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Ok,
            Status::Alert,
            Status::Unclear,
            Status::Missed,
            Status::Pending,
            Status::Away,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }

    /// Alert, unclear and missed need a human: these statuses raise flags and make streaks.
    pub fn is_flagged(self) -> bool {
        matches!(self, Status::Alert | Status::Unclear | Status::Missed)
    }
}

/// What an observation says against the expected curtain.
pub fn judge(expected: Expected, observation: Observation) -> Status {
    match (observation, expected) {
        (Observation::Seen, _) => Status::Ok,
        (Observation::Unclear, _) => Status::Unclear,
        (Observation::Open, Expected::Open) | (Observation::Closed, Expected::Closed) => Status::Ok,
        (Observation::Open, Expected::Closed) | (Observation::Closed, Expected::Open) => {
            Status::Alert
        }
    }
}

/// One recorded check, as the status rules need it. `observation` is `None` for a retraction
/// (the volunteer's "undo"), which only supersedes. It borrows the check's ids: a district's
/// round judges 30,000 of them at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckFact<'a> {
    pub id: &'a str,
    pub observation: Option<Observation>,
    pub seen_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub supersedes: Option<&'a str>,
}

/// The check that decides a round: the latest seen, among checks no correction superseded.
/// Ties on the time seen go to the one recorded last.
pub fn latest_effective<'a, 'b>(checks: &'b [CheckFact<'a>]) -> Option<&'b CheckFact<'a>> {
    checks
        .iter()
        .filter(|check| check.observation.is_some())
        .filter(|check| {
            !checks
                .iter()
                .any(|other| other.supersedes == Some(check.id))
        })
        .max_by_key(|check| (check.seen_at, check.recorded_at))
}

/// Whether an effective check still says the curtain is wrong. An alert whose every
/// contradicting check was corrected away is withdrawn; one contradicted later by an `ok` check
/// from someone else still needs a person (DESIGN.md: an alert always needs a person).
pub fn contradiction_stands(expected: Expected, checks: &[CheckFact<'_>]) -> bool {
    checks.iter().any(|check| {
        check
            .observation
            .is_some_and(|observation| judge(expected, observation) == Status::Alert)
            && !checks
                .iter()
                .any(|other| other.supersedes == Some(check.id))
    })
}

/// Whether the elder is on the roster for a round: they join from the first round whose window
/// opens after they were added, and leave when archived.
pub fn on_roster(
    added_at: DateTime<Utc>,
    archived_at: Option<DateTime<Utc>>,
    window: &Window,
) -> bool {
    added_at < window.opens && archived_at.is_none_or(|archived| archived > window.opens)
}

/// The facts the status of one elder for one round depends on.
#[derive(Debug, Clone, Copy)]
pub struct RoundFacts<'a> {
    pub expected: Expected,
    pub window: Window,
    pub latest: Option<&'a CheckFact<'a>>,
    pub away: bool,
}

/// DESIGN.md section 3, the status table. Something seen outranks an absence on record: an elder
/// marked away whose curtain a volunteer did look at is judged by what was seen.
pub fn status(facts: &RoundFacts<'_>, now: DateTime<Utc>) -> Status {
    match facts.latest.and_then(|check| check.observation) {
        Some(observation) => judge(facts.expected, observation),
        None if facts.away => Status::Away,
        None if facts.window.has_closed(now) => Status::Missed,
        None => Status::Pending,
    }
}

/// Whether the deciding check was seen after the window closed.
pub fn is_late(facts: &RoundFacts<'_>) -> bool {
    facts
        .latest
        .is_some_and(|check| facts.window.is_late(check.seen_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::window::{Schedule, local_to_utc};
    use chrono::NaiveDateTime;

    fn at(text: &str) -> DateTime<Utc> {
        let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
        local_to_utc(chrono_tz::Asia::Shanghai, local)
    }

    fn check<'a>(id: &'a str, observation: Option<Observation>, seen: &str) -> CheckFact<'a> {
        CheckFact {
            id,
            observation,
            seen_at: at(seen),
            recorded_at: at(seen),
            supersedes: None,
        }
    }

    fn corrects<'a>(mut fact: CheckFact<'a>, earlier: &'a str) -> CheckFact<'a> {
        fact.supersedes = Some(earlier);
        fact
    }

    /// (name, expected, window, latest observation, away, now, status)
    type StatusCase = (
        &'static str,
        Expected,
        Window,
        Option<Observation>,
        bool,
        &'static str,
        Status,
    );

    #[test]
    fn rule_status_table() {
        use Observation::*;
        let morning = Schedule::default().window("2026-11-22/morning".parse().unwrap());
        let evening = Schedule::default().window("2026-11-22/evening".parse().unwrap());
        let cases: &[StatusCase] = &[
            (
                "open in the morning is ok",
                Expected::Open,
                morning,
                Some(Open),
                false,
                "2026-11-22 08:10",
                Status::Ok,
            ),
            (
                "closed in the evening is ok",
                Expected::Closed,
                evening,
                Some(Closed),
                false,
                "2026-11-22 20:10",
                Status::Ok,
            ),
            (
                "seen is ok in the morning",
                Expected::Open,
                morning,
                Some(Seen),
                false,
                "2026-11-22 08:10",
                Status::Ok,
            ),
            (
                "seen is ok in the evening",
                Expected::Closed,
                evening,
                Some(Seen),
                false,
                "2026-11-22 20:10",
                Status::Ok,
            ),
            (
                "closed in the morning is an alert",
                Expected::Open,
                morning,
                Some(Closed),
                false,
                "2026-11-22 08:10",
                Status::Alert,
            ),
            (
                "open in the evening is an alert",
                Expected::Closed,
                evening,
                Some(Open),
                false,
                "2026-11-22 20:10",
                Status::Alert,
            ),
            (
                "unclear is unclear",
                Expected::Open,
                morning,
                Some(Unclear),
                false,
                "2026-11-22 08:10",
                Status::Unclear,
            ),
            (
                "no check while the window is open is pending",
                Expected::Open,
                morning,
                None,
                false,
                "2026-11-22 09:30",
                Status::Pending,
            ),
            (
                "no check after the window closed is missed",
                Expected::Open,
                morning,
                None,
                false,
                "2026-11-22 09:31",
                Status::Missed,
            ),
            (
                "away with no check is away",
                Expected::Open,
                morning,
                None,
                true,
                "2026-11-22 12:00",
                Status::Away,
            ),
            (
                "away but seen wrong is judged by what was seen",
                Expected::Open,
                morning,
                Some(Closed),
                true,
                "2026-11-22 12:00",
                Status::Alert,
            ),
        ];
        for (name, expected, window, observation, away, now, want) in cases {
            let fact = observation.map(|o| check("a", Some(o), "2026-11-22 08:00"));
            let facts = RoundFacts {
                expected: *expected,
                window: *window,
                latest: fact.as_ref(),
                away: *away,
            };
            assert_eq!(status(&facts, at(now)), *want, "{name}");
        }
    }

    #[test]
    fn rule_the_latest_effective_check_decides() {
        use Observation::*;
        let cases: Vec<(&str, Vec<CheckFact>, Option<&str>)> = vec![
            ("no checks", vec![], None),
            (
                "the later seen wins even when typed in first",
                vec![
                    check("late", Some(Open), "2026-11-22 09:00"),
                    check("paper", Some(Closed), "2026-11-22 07:10"),
                ],
                Some("late"),
            ),
            (
                "a correction supersedes the corrected check",
                vec![
                    check("a", Some(Closed), "2026-11-22 08:00"),
                    corrects(check("b", Some(Open), "2026-11-22 08:00"), "a"),
                ],
                Some("b"),
            ),
            (
                "an undo leaves the round without a check",
                vec![
                    check("a", Some(Closed), "2026-11-22 08:00"),
                    corrects(check("undo", None, "2026-11-22 08:01"), "a"),
                ],
                None,
            ),
            (
                "an undo falls back to the check before",
                vec![
                    check("a", Some(Open), "2026-11-22 07:30"),
                    check("b", Some(Closed), "2026-11-22 08:00"),
                    corrects(check("undo", None, "2026-11-22 08:01"), "b"),
                ],
                Some("a"),
            ),
        ];
        for (name, checks, want) in cases {
            assert_eq!(latest_effective(&checks).map(|c| c.id), want, "{name}");
        }
    }

    #[test]
    fn rule_a_check_at_0945_is_late_but_counts() {
        let window = Schedule::default().window("2026-11-22/morning".parse().unwrap());
        let fact = check("a", Some(Observation::Open), "2026-11-22 09:45");
        let facts = RoundFacts {
            expected: Expected::Open,
            window,
            latest: Some(&fact),
            away: false,
        };
        assert_eq!(status(&facts, at("2026-11-22 10:00")), Status::Ok);
        assert!(is_late(&facts));
    }

    #[test]
    fn rule_an_elder_joins_from_the_first_round_whose_window_opens_after_they_were_added() {
        let window = Schedule::default().window("2026-11-22/morning".parse().unwrap());
        let cases = [
            ("added the evening before", "2026-11-21 21:00", None, true),
            (
                "added just before the window opens",
                "2026-11-22 06:59",
                None,
                true,
            ),
            (
                "added at the opening minute",
                "2026-11-22 07:00",
                None,
                false,
            ),
            ("added during the window", "2026-11-22 08:00", None, false),
            (
                "archived before the round",
                "2026-11-01 08:00",
                Some("2026-11-21 10:00"),
                false,
            ),
            (
                "archived after the round opened",
                "2026-11-01 08:00",
                Some("2026-11-22 08:00"),
                true,
            ),
        ];
        for (name, added, archived, want) in cases {
            assert_eq!(
                on_roster(at(added), archived.map(at), &window),
                want,
                "{name}"
            );
        }
    }

    #[test]
    fn rule_an_alert_corrected_away_no_longer_stands_but_one_contradicted_later_does() {
        use Observation::*;
        let corrected = vec![
            check("a", Some(Closed), "2026-11-22 08:00"),
            corrects(check("b", Some(Open), "2026-11-22 08:01"), "a"),
        ];
        assert!(!contradiction_stands(Expected::Open, &corrected));
        let contradicted = vec![
            check("a", Some(Closed), "2026-11-22 08:00"),
            check("b", Some(Open), "2026-11-22 09:00"),
        ];
        assert!(contradiction_stands(Expected::Open, &contradicted));
    }
}
