//! Flags: an (elder, round) that needs a human, and how a flag's state follows the round's status.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::status::Status;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagState {
    #[default]
    Open,
    Resolved,
    Superseded,
}

impl FlagState {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagState::Open => "open",
            FlagState::Resolved => "resolved",
            FlagState::Superseded => "superseded",
        }
    }

    pub fn parse(text: &str) -> Option<FlagState> {
        [FlagState::Open, FlagState::Resolved, FlagState::Superseded]
            .into_iter()
            .find(|state| state.as_str() == text)
    }
}

/// How a grid worker closes a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    ElderFine,
    NeededHelp,
    Hospitalised,
    WasAway,
    PatrolGap,
    FalseAlarm,
    Other,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::ElderFine,
        Outcome::NeededHelp,
        Outcome::Hospitalised,
        Outcome::WasAway,
        Outcome::PatrolGap,
        Outcome::FalseAlarm,
        Outcome::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::ElderFine => "elder_fine",
            Outcome::NeededHelp => "needed_help",
            Outcome::Hospitalised => "hospitalised",
            Outcome::WasAway => "was_away",
            Outcome::PatrolGap => "patrol_gap",
            Outcome::FalseAlarm => "false_alarm",
            Outcome::Other => "other",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an outcome")]
pub struct BadOutcome(pub String);

impl FromStr for Outcome {
    type Err = BadOutcome;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_lowercase().replace('-', "_");
        Outcome::ALL
            .into_iter()
            .find(|outcome| outcome.as_str() == wanted)
            .ok_or_else(|| BadOutcome(text.to_string()))
    }
}

/// Why a flag left the open list without a person resolving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SupersedeReason {
    /// A later round of the same elder was ok.
    LaterRoundOk,
    /// A check for the same round, entered later, was ok.
    SameRoundOk,
    /// The check that raised the alert was corrected by its recorder (older databases; new
    /// ones say `Withdrawn`).
    Corrected,
    /// The check that raised the flag was undone or corrected, and the round no longer raises
    /// it (DESIGN.md section 3: withdrawal on undo, whatever the flag's status).
    Withdrawn,
    /// An absence recorded afterwards covers the round: nobody was expected at the window.
    Away,
}

impl SupersedeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SupersedeReason::LaterRoundOk => "later_round_ok",
            SupersedeReason::SameRoundOk => "same_round_ok",
            SupersedeReason::Corrected => "corrected",
            SupersedeReason::Away => "away",
            SupersedeReason::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<SupersedeReason> {
        [
            SupersedeReason::LaterRoundOk,
            SupersedeReason::SameRoundOk,
            SupersedeReason::Corrected,
            SupersedeReason::Away,
            SupersedeReason::Withdrawn,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == text)
    }

    /// A flag withdrawn by its own round can come back when that round's checks change again.
    fn by_same_round(self) -> bool {
        matches!(
            self,
            SupersedeReason::SameRoundOk | SupersedeReason::Corrected | SupersedeReason::Withdrawn
        )
    }
}

/// The flag already on record for an (elder, round).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownFlag {
    pub state: FlagState,
    /// The status the flag stands for (what it was raised or last updated as).
    pub status: Status,
    pub superseded_because: Option<SupersedeReason>,
}

/// What to do with the flag of an (elder, round) once its status is known again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagChange {
    Keep,
    Raise,
    /// Refresh the flag's status, severity and streak; its state stays.
    Refresh,
    Reopen,
    Supersede(SupersedeReason),
}

/// How a flag follows its round (DESIGN.md section 3): flagged statuses raise a flag; a `missed`
/// or `unclear` flag is superseded when the round turns out ok, or when an absence recorded
/// afterwards covers it; an `alert` stays open for a person unless the check that raised it was
/// corrected away by its recorder.
pub fn flag_change(
    known: Option<KnownFlag>,
    status: Option<Status>,
    contradiction_stands: bool,
) -> FlagChange {
    let flagged = status.filter(|status| status.is_flagged());
    match (known, flagged) {
        (None, Some(_)) => FlagChange::Raise,
        (None, None) => FlagChange::Keep,
        // A closed missed or unclear flag whose round turns out an alert (a paper round typed
        // in later): that is new news, and an alert always needs a person.
        (Some(flag), Some(Status::Alert))
            if flag.state != FlagState::Open && flag.status != Status::Alert =>
        {
            FlagChange::Reopen
        }
        (Some(flag), Some(_)) => match (flag.state, flag.superseded_because) {
            (FlagState::Superseded, Some(reason)) if reason.by_same_round() => FlagChange::Reopen,
            (FlagState::Superseded, _) => FlagChange::Keep,
            _ => FlagChange::Refresh,
        },
        (Some(flag), None) if flag.state == FlagState::Open => match flag.status {
            Status::Alert if contradiction_stands => FlagChange::Keep,
            Status::Alert => FlagChange::Supersede(SupersedeReason::Withdrawn),
            // An unclear check taken back while the window is open: the round raises nothing
            // now, so the flag goes, exactly as an alert's does.
            Status::Unclear if matches!(status, Some(Status::Pending) | None) => {
                FlagChange::Supersede(SupersedeReason::Withdrawn)
            }
            Status::Missed | Status::Unclear if status == Some(Status::Ok) => {
                FlagChange::Supersede(SupersedeReason::SameRoundOk)
            }
            Status::Missed | Status::Unclear if status == Some(Status::Away) => {
                FlagChange::Supersede(SupersedeReason::Away)
            }
            _ => FlagChange::Keep,
        },
        (Some(_), None) => FlagChange::Keep,
    }
}

/// Whether a later `ok` round closes this open flag: `missed` and `unclear` yes, `alert` never.
pub fn closed_by_later_ok_round(flag_status: Status) -> bool {
    matches!(flag_status, Status::Missed | Status::Unclear)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(status: Status) -> Option<KnownFlag> {
        Some(KnownFlag {
            state: FlagState::Open,
            status,
            superseded_because: None,
        })
    }

    #[test]
    fn rule_flags_follow_their_round() {
        use FlagChange::*;
        use Status::*;
        let superseded_same_round = Some(KnownFlag {
            state: FlagState::Superseded,
            status: Missed,
            superseded_because: Some(SupersedeReason::SameRoundOk),
        });
        let superseded_later = Some(KnownFlag {
            state: FlagState::Superseded,
            status: Missed,
            superseded_because: Some(SupersedeReason::LaterRoundOk),
        });
        let resolved_missed = Some(KnownFlag {
            state: FlagState::Resolved,
            status: Missed,
            superseded_because: None,
        });
        let resolved = Some(KnownFlag {
            state: FlagState::Resolved,
            status: Alert,
            superseded_because: None,
        });
        let cases = [
            ("an alert raises a flag", None, Some(Alert), true, Raise),
            (
                "a missed round raises a flag",
                None,
                Some(Missed),
                false,
                Raise,
            ),
            (
                "an unclear check raises a flag",
                None,
                Some(Unclear),
                false,
                Raise,
            ),
            ("ok raises nothing", None, Some(Ok), false, Keep),
            ("pending raises nothing", None, Some(Pending), false, Keep),
            ("away raises nothing", None, Some(Away), false, Keep),
            (
                "missed then a late closed check is refreshed as an alert",
                open(Missed),
                Some(Alert),
                true,
                Refresh,
            ),
            (
                "missed then a late ok check is superseded",
                open(Missed),
                Some(Ok),
                false,
                Supersede(SupersedeReason::SameRoundOk),
            ),
            (
                "unclear then ok is superseded",
                open(Unclear),
                Some(Ok),
                false,
                Supersede(SupersedeReason::SameRoundOk),
            ),
            (
                "an alert contradicted by a later ok check stays open",
                open(Alert),
                Some(Ok),
                true,
                Keep,
            ),
            (
                "an alert corrected by its recorder is withdrawn",
                open(Alert),
                Some(Pending),
                false,
                Supersede(SupersedeReason::Withdrawn),
            ),
            (
                "an undone unclear is withdrawn while the window is open",
                open(Unclear),
                Some(Pending),
                false,
                Supersede(SupersedeReason::Withdrawn),
            ),
            (
                "an unclear whose elder left the roster is withdrawn",
                open(Unclear),
                None,
                false,
                Supersede(SupersedeReason::Withdrawn),
            ),
            (
                "an undone unclear after the window closed becomes a missed flag",
                open(Unclear),
                Some(Missed),
                false,
                Refresh,
            ),
            (
                "a withdrawn flag comes back when its round raises it again",
                Some(KnownFlag {
                    state: FlagState::Superseded,
                    status: Unclear,
                    superseded_because: Some(SupersedeReason::Withdrawn),
                }),
                Some(Unclear),
                false,
                Reopen,
            ),
            (
                "a flag withdrawn by its round comes back",
                superseded_same_round,
                Some(Alert),
                true,
                Reopen,
            ),
            (
                "a flag superseded by a later round stays closed",
                superseded_later,
                Some(Missed),
                false,
                Keep,
            ),
            (
                "a resolved alert is refreshed but stays resolved",
                resolved,
                Some(Alert),
                true,
                Refresh,
            ),
            (
                "a missed flag superseded by a later round reopens when the round proves an alert",
                superseded_later,
                Some(Alert),
                true,
                Reopen,
            ),
            (
                "a resolved missed flag reopens when the round proves an alert",
                resolved_missed,
                Some(Alert),
                true,
                Reopen,
            ),
            (
                "a resolved flag stays resolved when the round turns ok",
                resolved,
                Some(Ok),
                false,
                Keep,
            ),
        ];
        for (name, known, status, stands, want) in cases {
            assert_eq!(flag_change(known, status, stands), want, "{name}");
        }
    }

    #[test]
    fn rule_a_later_ok_round_supersedes_missed_and_unclear_but_never_an_alert() {
        assert!(closed_by_later_ok_round(Status::Missed));
        assert!(closed_by_later_ok_round(Status::Unclear));
        assert!(!closed_by_later_ok_round(Status::Alert));
    }
}
