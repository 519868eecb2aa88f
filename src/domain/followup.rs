//! Follow-ups: what a grid worker did about a flag, and the call ladder they climb — phone the
//! elder, knock, the keyholder, the family, then 110/120 — one keystroke per step's result.

use serde::Serialize;

/// One entry of a flag's follow-up log. Stored by its `as_str` name; never edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpAction {
    CalledAnswered,
    CalledNoAnswer,
    Visited,
    VisitedNoAnswer,
    KeyholderReached,
    KeyholderNoAnswer,
    ContactedFamily,
    FamilyNoAnswer,
    CalledEmergency,
    Note,
}

impl FollowUpAction {
    pub const ALL: [FollowUpAction; 10] = [
        FollowUpAction::CalledAnswered,
        FollowUpAction::CalledNoAnswer,
        FollowUpAction::Visited,
        FollowUpAction::VisitedNoAnswer,
        FollowUpAction::KeyholderReached,
        FollowUpAction::KeyholderNoAnswer,
        FollowUpAction::ContactedFamily,
        FollowUpAction::FamilyNoAnswer,
        FollowUpAction::CalledEmergency,
        FollowUpAction::Note,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FollowUpAction::CalledAnswered => "called_answered",
            FollowUpAction::CalledNoAnswer => "called_no_answer",
            FollowUpAction::Visited => "visited",
            FollowUpAction::VisitedNoAnswer => "visited_no_answer",
            FollowUpAction::KeyholderReached => "keyholder_reached",
            FollowUpAction::KeyholderNoAnswer => "keyholder_no_answer",
            FollowUpAction::ContactedFamily => "contacted_family",
            FollowUpAction::FamilyNoAnswer => "family_no_answer",
            FollowUpAction::CalledEmergency => "called_emergency",
            FollowUpAction::Note => "note",
        }
    }

    pub fn parse(text: &str) -> Option<FollowUpAction> {
        let lower = text.trim().to_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect();
        let wanted = words.join("_");
        FollowUpAction::ALL
            .into_iter()
            .find(|action| action.as_str() == wanted)
    }
}

/// The steps of the call ladder, in the order grid workers use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LadderStep {
    PhoneElder,
    Knock,
    Keyholder,
    Family,
    Emergency,
}

impl LadderStep {
    pub const ALL: [LadderStep; 5] = [
        LadderStep::PhoneElder,
        LadderStep::Knock,
        LadderStep::Keyholder,
        LadderStep::Family,
        LadderStep::Emergency,
    ];

    /// What is logged when this step reaches someone, and when it does not.
    pub fn results(self) -> (FollowUpAction, Option<FollowUpAction>) {
        match self {
            LadderStep::PhoneElder => (
                FollowUpAction::CalledAnswered,
                Some(FollowUpAction::CalledNoAnswer),
            ),
            LadderStep::Knock => (
                FollowUpAction::Visited,
                Some(FollowUpAction::VisitedNoAnswer),
            ),
            LadderStep::Keyholder => (
                FollowUpAction::KeyholderReached,
                Some(FollowUpAction::KeyholderNoAnswer),
            ),
            LadderStep::Family => (
                FollowUpAction::ContactedFamily,
                Some(FollowUpAction::FamilyNoAnswer),
            ),
            LadderStep::Emergency => (FollowUpAction::CalledEmergency, None),
        }
    }
}

/// The next step to take: the first step not yet tried without success. `None` once a step
/// reached someone (the worker now resolves the flag) or the ladder is climbed to the top.
pub fn next_step(log: &[FollowUpAction]) -> Option<LadderStep> {
    next_step_with(log, |_| true)
}

/// The next step, skipping the steps with no one to call (`callable` says which have someone:
/// an elder with no phone is knocked on at once, a missing keyholder is not asked for).
pub fn next_step_with(
    log: &[FollowUpAction],
    callable: impl Fn(LadderStep) -> bool,
) -> Option<LadderStep> {
    for step in LadderStep::ALL {
        if !callable(step) && step != LadderStep::Emergency {
            continue;
        }
        let (reached, not_reached) = step.results();
        if log.contains(&reached) {
            return None;
        }
        if not_reached.is_none_or(|failed| !log.contains(&failed)) {
            return Some(step);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use FollowUpAction::*;

    #[test]
    fn rule_the_call_ladder_climbs_in_order_and_stops_when_someone_is_reached() {
        let cases: &[(&str, &[FollowUpAction], Option<LadderStep>)] = &[
            ("first phone the elder", &[], Some(LadderStep::PhoneElder)),
            (
                "a note changes nothing",
                &[Note],
                Some(LadderStep::PhoneElder),
            ),
            (
                "no answer: knock",
                &[CalledNoAnswer],
                Some(LadderStep::Knock),
            ),
            (
                "nobody opens: the keyholder",
                &[CalledNoAnswer, VisitedNoAnswer],
                Some(LadderStep::Keyholder),
            ),
            (
                "keyholder not reached: the family",
                &[CalledNoAnswer, VisitedNoAnswer, KeyholderNoAnswer],
                Some(LadderStep::Family),
            ),
            (
                "family not reached: 110/120",
                &[
                    CalledNoAnswer,
                    VisitedNoAnswer,
                    KeyholderNoAnswer,
                    FamilyNoAnswer,
                ],
                Some(LadderStep::Emergency),
            ),
            ("the elder answered: done", &[CalledAnswered], None),
            ("answered the door: done", &[CalledNoAnswer, Visited], None),
            (
                "emergency called: done",
                &[
                    CalledNoAnswer,
                    VisitedNoAnswer,
                    KeyholderNoAnswer,
                    FamilyNoAnswer,
                    CalledEmergency,
                ],
                None,
            ),
        ];
        for (name, log, want) in cases {
            assert_eq!(next_step(log), *want, "{name}");
        }
    }

    #[test]
    fn rule_the_call_ladder_skips_a_step_with_no_one_to_call() {
        use LadderStep::*;
        // (what, the log, the steps with no one to call, the next step)
        type Case<'a> = (
            &'a str,
            &'a [FollowUpAction],
            &'a [LadderStep],
            Option<LadderStep>,
        );
        let cases: &[Case] = &[
            (
                "no keyholder: family after knocking",
                &[CalledNoAnswer, VisitedNoAnswer],
                &[Keyholder],
                Some(Family),
            ),
            ("no phone: knock first", &[], &[PhoneElder], Some(Knock)),
            (
                "no keyholder, no family: 110/120",
                &[CalledNoAnswer, VisitedNoAnswer],
                &[Keyholder, Family],
                Some(Emergency),
            ),
            (
                "110/120 is never skipped",
                &[
                    CalledNoAnswer,
                    VisitedNoAnswer,
                    KeyholderNoAnswer,
                    FamilyNoAnswer,
                ],
                &[Emergency],
                Some(Emergency),
            ),
            (
                "everyone there: the keyholder",
                &[CalledNoAnswer, VisitedNoAnswer],
                &[],
                Some(Keyholder),
            ),
        ];
        for (name, log, missing, want) in cases {
            let got = next_step_with(log, |step| !missing.contains(&step));
            assert_eq!(got, *want, "{name}");
        }
    }

    #[test]
    fn actions_read_back_from_their_names() {
        for action in FollowUpAction::ALL {
            assert_eq!(FollowUpAction::parse(action.as_str()), Some(action));
        }
        assert_eq!(
            FollowUpAction::parse("called: no answer"),
            Some(CalledNoAnswer)
        );
        assert_eq!(FollowUpAction::parse("phoned"), None);
    }
}
