//! What settling a round does (DESIGN.md section 3), decided from the facts given: the round's
//! status as the checks judge it, the flag already on record, and the streak the round before
//! carries. The answer is a [`Plan`]: what to do to the flag (raise, refresh, reopen, supersede,
//! withdraw), its streak and severity, and the fact kept for the round. `store` runs the plan; it
//! decides nothing.

use super::flag::{FlagChange, FlagState, KnownFlag, SupersedeReason, closed_by_later_ok_round};
use super::round::Slot;
use super::severity::{self, Severity};
use super::status::Status;

/// What the checks of a round say of one elder (an elder on the roster for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub status: Status,
    /// The deciding check was seen after the window closed.
    pub late: bool,
    /// The id of the deciding check: the latest seen that no correction superseded.
    pub decisive: Option<String>,
    /// An alert check stands uncorrected (an alert needs a person even if a later check was ok).
    pub contradiction_stands: bool,
}

/// The flag on record for the round, as settling needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedFlag {
    pub known: KnownFlag,
    pub round_status: Status,
    pub severity: Severity,
    pub streak: u32,
}

/// Everything settling one elder's round depends on.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub slot: Slot,
    /// `None`: the elder was not on the roster for the round.
    pub judged: Option<&'a Judgement>,
    pub flag: Option<&'a RecordedFlag>,
    /// The streak the round before carries ([`severity::carried`] of its flag, 0 without one).
    pub prev_carried: u32,
}

/// The figures a flag is given: the status it stands for, the round's status, its severity and
/// streak, and the check that decided it (none for a missed round).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub status: Status,
    pub round_status: Status,
    pub severity: Severity,
    pub streak: u32,
    pub check_id: Option<String>,
}

/// What happens to the round's flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlagStep {
    /// No flag, and none is needed.
    None,
    Raise(Figures),
    /// New figures; the flag's state stays.
    Refresh(Figures),
    /// New figures, and the closed flag opens again.
    Reopen(Figures),
    /// The flag leaves the open list (withdrawn, same round ok, away); its round status follows.
    Supersede(SupersedeReason),
    /// The flag stays as it is; only the round's status it records changes.
    RoundStatus,
    /// Nothing changes.
    Keep,
}

/// The fact kept for a settled (elder, round).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundFact {
    pub status: Status,
    pub late: bool,
    pub check_id: Option<String>,
    pub severity: Option<Severity>,
    pub streak: u32,
}

/// What settling one elder's round does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub step: FlagStep,
    /// The round's status as the flag records it (`ok` for an elder no longer listed).
    pub round_status: Status,
    /// The severity and streak of the flag that stands open after the step, if one does.
    pub stands_open: Option<(Severity, u32)>,
    /// An `ok` round closes the elder's earlier open `missed` and `unclear` flags.
    pub supersede_earlier: bool,
    /// A `missed` or `unclear` flag left open is closed at once (`later_round_ok`) if a later
    /// round of the elder already stands ok: the store is to look.
    pub close_if_later_ok: bool,
    /// The round is no longer ok: earlier flags it closed open again unless another later round
    /// still stands ok. The store is to look.
    pub reopen_earlier: bool,
    /// The fact kept for the round; `None` when the elder was not on the roster.
    pub fact: Option<RoundFact>,
}

/// DESIGN.md section 3, settling: flagged statuses raise a flag, with a streak one more than the
/// round before carries and a severity from it; a flag follows its round by [`super::flag::
/// flag_change`]; an ok round closes earlier missed and unclear flags.
pub fn plan(facts: &Facts<'_>) -> Plan {
    let status = facts.judged.map(|j| j.status);
    let stands = facts.judged.is_some_and(|j| j.contradiction_stands);
    let change = super::flag::flag_change(facts.flag.map(|flag| flag.known), status, stands);
    let streak = status.map_or(0, |status| {
        severity::streak_after(facts.prev_carried, status)
    });
    let figures = status.filter(|s| s.is_flagged()).and_then(|status| {
        severity::severity(status, facts.slot, streak).map(|severity| Figures {
            status,
            round_status: status,
            severity,
            streak,
            check_id: facts.judged.and_then(|j| j.decisive.clone()),
        })
    });
    let round_status = status.unwrap_or(Status::Ok);
    let open_with = |figures: &Figures| Some((figures.severity, figures.streak));
    let (step, stands_open) = match (change, facts.flag, figures) {
        (FlagChange::Raise, _, Some(figures)) => {
            let open = open_with(&figures);
            (FlagStep::Raise(figures), open)
        }
        (FlagChange::Refresh, Some(flag), Some(figures)) => {
            let open = if flag.known.state == FlagState::Open {
                open_with(&figures)
            } else {
                None
            };
            (FlagStep::Refresh(figures), open)
        }
        (FlagChange::Reopen, Some(_), Some(figures)) => {
            let open = open_with(&figures);
            (FlagStep::Reopen(figures), open)
        }
        (FlagChange::Supersede(reason), Some(_), _) => (FlagStep::Supersede(reason), None),
        (_, Some(flag), _) => {
            let step = if flag.round_status != round_status {
                FlagStep::RoundStatus
            } else {
                FlagStep::Keep
            };
            let open =
                (flag.known.state == FlagState::Open).then_some((flag.severity, flag.streak));
            (step, open)
        }
        _ => (FlagStep::None, None),
    };
    let close_if_later_ok = stands_open.is_some() && status.is_some_and(closed_by_later_ok_round);
    let fact = facts.judged.map(|judged| {
        // A flagged round's fact carries its flag's streak and severity: the ones just given,
        // or the ones on record when the flag is kept as it is.
        let (severity, streak) = match (&step, facts.flag) {
            _ if !judged.status.is_flagged() => (None, 0),
            (FlagStep::Raise(f) | FlagStep::Refresh(f) | FlagStep::Reopen(f), _) => {
                (Some(f.severity), f.streak)
            }
            (_, Some(flag)) => (
                severity::severity(judged.status, facts.slot, flag.streak),
                flag.streak,
            ),
            (_, None) => (
                severity::severity(judged.status, facts.slot, streak),
                streak,
            ),
        };
        RoundFact {
            status: judged.status,
            late: judged.late,
            check_id: judged.decisive.clone(),
            severity,
            streak,
        }
    });
    Plan {
        step,
        round_status,
        stands_open,
        supersede_earlier: status == Some(Status::Ok),
        close_if_later_ok,
        reopen_earlier: status != Some(Status::Ok),
        fact,
    }
}

/// A round's streak changed: the severity and streak the flag of the round after it takes, and
/// the streak it carries on. `None` when that flag already agrees, and the carrying stops there.
pub fn carry(carried: u32, slot: Slot, next: &RecordedFlag) -> Option<(Severity, u32, u32)> {
    let streak = carried.saturating_add(1);
    let severity = severity::severity(next.known.status, slot, streak)?;
    if severity == next.severity && streak == next.streak {
        return None;
    }
    Some((
        severity,
        streak,
        severity::carried(next.round_status, streak),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    fn judged(status: Status, stands: bool) -> Judgement {
        Judgement {
            status,
            late: false,
            decisive: (!matches!(status, Missed | Pending | Away)).then(|| "c1".to_string()),
            contradiction_stands: stands,
        }
    }

    fn flag(state: FlagState, status: Status, streak: u32) -> RecordedFlag {
        RecordedFlag {
            known: KnownFlag {
                state,
                status,
                superseded_because: (state == FlagState::Superseded)
                    .then_some(SupersedeReason::Withdrawn),
            },
            round_status: status,
            severity: severity::severity(status, Slot::Morning, streak).unwrap_or_default(),
            streak,
        }
    }

    fn figures(status: Status, slot: Slot, streak: u32) -> Figures {
        Figures {
            status,
            round_status: status,
            severity: severity::severity(status, slot, streak).unwrap(),
            streak,
            check_id: (status != Missed).then(|| "c1".to_string()),
        }
    }

    /// (rule, slot, judged, flag on record, streak carried in, step wanted)
    type Case = (
        &'static str,
        Slot,
        Option<Judgement>,
        Option<RecordedFlag>,
        u32,
        FlagStep,
    );

    #[test]
    fn rule_settling_a_round_raises_refreshes_reopens_supersedes_and_withdraws() {
        use FlagStep as S;
        let open_alert = flag(FlagState::Open, Alert, 1);
        let open_missed = flag(FlagState::Open, Missed, 1);
        let open_unclear = flag(FlagState::Open, Unclear, 1);
        let withdrawn_unclear = flag(FlagState::Superseded, Unclear, 1);
        let resolved_alert = flag(FlagState::Resolved, Alert, 1);
        let morning = Slot::Morning;
        let evening = Slot::Evening;
        let cases: Vec<Case> = vec![
            (
                "a morning alert raises a high flag",
                morning,
                Some(judged(Alert, true)),
                None,
                0,
                S::Raise(figures(Alert, morning, 1)),
            ),
            (
                "an evening alert raises a medium flag",
                evening,
                Some(judged(Alert, true)),
                None,
                0,
                S::Raise(figures(Alert, evening, 1)),
            ),
            (
                "an evening open then a morning closed is critical",
                morning,
                Some(judged(Alert, true)),
                None,
                1,
                S::Raise(figures(Alert, morning, 2)),
            ),
            (
                "a missed round raises a low flag with no deciding check",
                morning,
                Some(judged(Missed, false)),
                None,
                0,
                S::Raise(figures(Missed, morning, 1)),
            ),
            (
                "severity rises one level per extra round in the streak",
                evening,
                Some(judged(Missed, false)),
                None,
                2,
                S::Raise(figures(Missed, evening, 3)),
            ),
            (
                "an ok round raises nothing",
                morning,
                Some(judged(Ok, false)),
                None,
                3,
                S::None,
            ),
            (
                "an elder away raises nothing",
                morning,
                Some(judged(Away, false)),
                None,
                3,
                S::None,
            ),
            (
                "missed then a late closed check refreshes the flag as an alert",
                morning,
                Some(judged(Alert, true)),
                Some(open_missed),
                0,
                S::Refresh(figures(Alert, morning, 1)),
            ),
            (
                "missed then a late ok check supersedes the flag",
                morning,
                Some(judged(Ok, false)),
                Some(open_missed),
                0,
                S::Supersede(SupersedeReason::SameRoundOk),
            ),
            (
                "an away recorded afterwards supersedes a missed flag",
                morning,
                Some(judged(Away, false)),
                Some(open_missed),
                0,
                S::Supersede(SupersedeReason::Away),
            ),
            (
                "an alert contradicted by a later ok check stays open",
                morning,
                Some(judged(Ok, true)),
                Some(open_alert),
                0,
                S::RoundStatus,
            ),
            (
                "an undone alert is withdrawn",
                morning,
                Some(judged(Pending, false)),
                Some(open_alert),
                0,
                S::Supersede(SupersedeReason::Withdrawn),
            ),
            (
                "an undone unclear is withdrawn, exactly as an undone closed",
                morning,
                Some(judged(Pending, false)),
                Some(open_unclear),
                0,
                S::Supersede(SupersedeReason::Withdrawn),
            ),
            (
                "a withdrawn flag comes back when its round raises it again",
                morning,
                Some(judged(Unclear, false)),
                Some(withdrawn_unclear),
                0,
                S::Reopen(figures(Unclear, morning, 1)),
            ),
            (
                "a resolved alert is refreshed and stays resolved",
                morning,
                Some(judged(Alert, true)),
                Some(resolved_alert),
                0,
                S::Refresh(figures(Alert, morning, 1)),
            ),
            (
                "an elder no longer listed withdraws an unclear flag",
                morning,
                None,
                Some(open_unclear),
                0,
                S::Supersede(SupersedeReason::Withdrawn),
            ),
        ];
        for (rule, slot, judged, on_record, carried, want) in cases {
            let plan = plan(&Facts {
                slot,
                judged: judged.as_ref(),
                flag: on_record.as_ref(),
                prev_carried: carried,
            });
            assert_eq!(plan.step, want, "{rule}");
            if let FlagStep::Raise(f) | FlagStep::Refresh(f) | FlagStep::Reopen(f) = &plan.step {
                let fact = plan.fact.as_ref().expect(rule);
                assert_eq!(
                    (fact.severity, fact.streak),
                    (Some(f.severity), f.streak),
                    "{rule}"
                );
            }
        }
    }

    #[test]
    fn rule_an_ok_round_closes_earlier_missed_and_unclear_flags() {
        let ok = judged(Ok, false);
        let plan = plan(&Facts {
            slot: Slot::Evening,
            judged: Some(&ok),
            flag: None,
            prev_carried: 2,
        });
        assert!(plan.supersede_earlier && !plan.reopen_earlier);
        let fact = plan.fact.unwrap();
        assert_eq!((fact.status, fact.severity, fact.streak), (Ok, None, 0));
    }

    #[test]
    fn rule_a_missed_flag_is_closed_at_once_by_a_later_ok_round_but_an_alert_never() {
        let cases = [(Missed, true), (Unclear, true), (Alert, false)];
        for (status, closes) in cases {
            let judged = judged(status, status == Alert);
            let plan = plan(&Facts {
                slot: Slot::Morning,
                judged: Some(&judged),
                flag: None,
                prev_carried: 0,
            });
            assert_eq!(plan.close_if_later_ok, closes, "{status:?}");
            assert!(plan.reopen_earlier, "{status:?}");
        }
    }

    #[test]
    fn rule_an_away_round_ends_a_streak() {
        let away = judged(Away, false);
        let plan = plan(&Facts {
            slot: Slot::Morning,
            judged: Some(&away),
            flag: None,
            prev_carried: 3,
        });
        assert_eq!(plan.fact.unwrap().streak, 0);
        let next = flag(FlagState::Open, Missed, 4);
        assert_eq!(carry(0, Slot::Evening, &next), Some((Severity::Low, 1, 1)));
    }

    #[test]
    fn rule_a_changed_streak_is_carried_until_a_flag_already_agrees() {
        let next = flag(FlagState::Open, Missed, 2);
        assert_eq!(carry(1, Slot::Morning, &next), None);
        assert_eq!(carry(2, Slot::Morning, &next), Some((Severity::High, 3, 3)));
    }
}
