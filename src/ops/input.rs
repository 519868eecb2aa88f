//! What people type that both front ends read the same way: rounds, dates, and the words for
//! observations and outcomes in either language (`老人安好` as well as `elder_fine`).

use chrono::NaiveDate;

use crate::domain::{Observation, Outcome, Round};
use crate::error::Refusal;
use crate::i18n::{Lang, words};

pub fn parse_round(text: &str) -> Result<Round, Refusal> {
    text.parse()
        .map_err(|_| Refusal::BadRound(text.to_string()))
}

/// What `resolve` names: a flag by its id, or a patrol gap as `gap:ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolvable {
    Flag(i64),
    Gap(i64),
}

pub fn parse_resolvable(text: &str) -> Result<Resolvable, Refusal> {
    let trimmed = text.trim();
    let bad = || Refusal::BadFlagId(text.to_string());
    match trimmed.strip_prefix("gap:") {
        Some(id) => id.trim().parse().map(Resolvable::Gap).map_err(|_| bad()),
        None => trimmed.parse().map(Resolvable::Flag).map_err(|_| bad()),
    }
}

/// A range of route order, `FROM-TO` (e.g. `1-8`), from no more than to.
pub fn parse_route_range(text: &str) -> Result<(i64, i64), Refusal> {
    let bad = || Refusal::BadRouteRange(text.to_string());
    let (from, to) = text.trim().split_once('-').ok_or_else(bad)?;
    let from: i64 = from.trim().parse().map_err(|_| bad())?;
    let to: i64 = to.trim().parse().map_err(|_| bad())?;
    if from > to || from < 0 {
        return Err(bad());
    }
    Ok((from, to))
}

pub fn parse_date(text: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Refusal::BadDate(text.to_string()))
}

/// Only letters and digits, lower case: `老人安好`, `elder-fine` and `Elder Fine` compare alike.
fn bare(text: &str) -> String {
    text.chars()
        .filter(|ch| ch.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An observation by its English name or letter (`open`, `o`), or its words in either language
/// (`开`, `关着`, `见到本人`, `看不清`).
pub fn parse_observation(text: &str) -> Result<Observation, Refusal> {
    if let Ok(observation) = text.parse() {
        return Ok(observation);
    }
    let typed = bare(text);
    let extra: &[(&str, Observation)] = &[
        ("开着", Observation::Open),
        ("关着", Observation::Closed),
        ("见到", Observation::Seen),
        ("看到本人", Observation::Seen),
    ];
    Observation::ALL
        .into_iter()
        .find(|observation| {
            [Lang::Zh, Lang::En]
                .iter()
                .any(|lang| bare(words::observation(*lang, *observation)) == typed)
        })
        .or_else(|| {
            extra
                .iter()
                .find(|(word, _)| bare(word) == typed)
                .map(|(_, observation)| *observation)
        })
        .ok_or_else(|| Refusal::BadObservation(text.to_string()))
}

/// An outcome by its name (`elder_fine`) or its words in either language (`老人安好`).
pub fn parse_outcome(text: &str) -> Result<Outcome, Refusal> {
    if let Ok(outcome) = text.parse() {
        return Ok(outcome);
    }
    let typed = bare(text);
    Outcome::ALL
        .into_iter()
        .find(|outcome| {
            [Lang::Zh, Lang::En]
                .iter()
                .any(|lang| bare(words::outcome(*lang, *outcome)) == typed)
        })
        .ok_or_else(|| Refusal::BadOutcome(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_and_outcomes_are_read_in_either_language() {
        let observations = [
            ("open", Some(Observation::Open)),
            ("开", Some(Observation::Open)),
            ("关着", Some(Observation::Closed)),
            ("见到本人", Some(Observation::Seen)),
            ("看不清", Some(Observation::Unclear)),
            ("UNCLEAR", Some(Observation::Unclear)),
            ("半开", None),
        ];
        for (text, want) in observations {
            assert_eq!(parse_observation(text).ok(), want, "{text}");
        }
        let outcomes = [
            ("elder_fine", Some(Outcome::ElderFine)),
            ("老人安好", Some(Outcome::ElderFine)),
            ("elder fine", Some(Outcome::ElderFine)),
            ("误报", Some(Outcome::FalseAlarm)),
            ("随便", None),
        ];
        for (text, want) in outcomes {
            assert_eq!(parse_outcome(text).ok(), want, "{text}");
        }
    }
}
