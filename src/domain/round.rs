//! Rounds: one date and one slot, written `2026-11-22/morning`, numbered so that the previous and
//! next round are one step away.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate};
use serde::{Serialize, Serializer};

/// The two daily rounds and the curtain state each expects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    #[default]
    Morning,
    Evening,
}

impl Slot {
    pub const ALL: [Slot; 2] = [Slot::Morning, Slot::Evening];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Morning => "morning",
            Slot::Evening => "evening",
        }
    }

    /// The curtain a patrol should find: open in the morning (the elder got up), closed at night.
    pub fn expected(self) -> Expected {
        match self {
            Slot::Morning => Expected::Open,
            Slot::Evening => Expected::Closed,
        }
    }
}

/// The curtain state a round expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Open,
    Closed,
}

impl Expected {
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Open => "open",
            Expected::Closed => "closed",
        }
    }
}

/// One date and one slot. Ordered in time: `2026-11-22/morning` < `2026-11-22/evening` <
/// `2026-11-23/morning`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Round {
    pub date: NaiveDate,
    pub slot: Slot,
}

impl Round {
    pub fn new(date: NaiveDate, slot: Slot) -> Self {
        Round { date, slot }
    }

    /// A dense number: consecutive rounds differ by one. This is how rounds are stored, so that
    /// "the round before" is a subtraction and rounds sort as integers.
    pub fn ordinal(self) -> i64 {
        i64::from(self.date.num_days_from_ce()) * 2
            + match self.slot {
                Slot::Morning => 0,
                Slot::Evening => 1,
            }
    }

    pub fn from_ordinal(ordinal: i64) -> Option<Round> {
        let days = i32::try_from(ordinal.div_euclid(2)).ok()?;
        let date = NaiveDate::from_num_days_from_ce_opt(days)?;
        let slot = if ordinal.rem_euclid(2) == 0 {
            Slot::Morning
        } else {
            Slot::Evening
        };
        Some(Round { date, slot })
    }

    pub fn next(self) -> Round {
        match self.slot {
            Slot::Morning => Round::new(self.date, Slot::Evening),
            Slot::Evening => Round::new(
                self.date
                    .checked_add_days(Days::new(1))
                    .unwrap_or(self.date),
                Slot::Morning,
            ),
        }
    }

    pub fn prev(self) -> Round {
        match self.slot {
            Slot::Evening => Round::new(self.date, Slot::Morning),
            Slot::Morning => Round::new(
                self.date
                    .checked_sub_days(Days::new(1))
                    .unwrap_or(self.date),
                Slot::Evening,
            ),
        }
    }

    pub fn expected(self) -> Expected {
        self.slot.expected()
    }

    /// This round and each after it up to `last`, in order; none when `last` is earlier.
    pub fn through(self, last: Round) -> impl Iterator<Item = Round> {
        let first = (self <= last).then_some(self);
        // `next` stays put at the calendar's end: stopping there too keeps the walk finite.
        std::iter::successors(first, move |round| {
            Some(round.next()).filter(|next| *next > *round && *next <= last)
        })
    }
}

impl fmt::Display for Round {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.date.format("%Y-%m-%d"), self.slot.as_str())
    }
}

impl Serialize for Round {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a round could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a round: write DATE/SLOT, e.g. 2026-11-22/morning or 2026-11-22/evening")]
pub struct BadRound(pub String);

impl FromStr for Round {
    type Err = BadRound;

    /// Accepts `2026-11-22/morning`, `2026-11-22/evening`, and the short forms `am`/`pm`,
    /// `m`/`e` and the Chinese `晨`/`早`/`夜`/`晚`, so a typed round is hard to get wrong.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadRound(text.to_string());
        let (date, slot) = text.trim().split_once('/').ok_or_else(bad)?;
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|_| bad())?;
        let slot = match slot.trim().to_lowercase().as_str() {
            "morning" | "am" | "m" | "晨" | "早" | "晨巡" => Slot::Morning,
            "evening" | "pm" | "e" | "夜" | "晚" | "夜巡" => Slot::Evening,
            _ => return Err(bad()),
        };
        Ok(Round { date, slot })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn rounds_are_written_date_slash_slot_and_read_back() {
        let cases = [
            (
                "2026-11-22/morning",
                Some(Round::new(d("2026-11-22"), Slot::Morning)),
            ),
            (
                "2026-11-22/evening",
                Some(Round::new(d("2026-11-22"), Slot::Evening)),
            ),
            (
                " 2026-11-22/Evening ",
                Some(Round::new(d("2026-11-22"), Slot::Evening)),
            ),
            (
                "2026-11-22/晨",
                Some(Round::new(d("2026-11-22"), Slot::Morning)),
            ),
            ("2026-11-22/noon", None),
            ("2026-02-30/morning", None),
            ("2026-11-22", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(text.parse::<Round>().ok(), want, "{text:?}");
            if let Some(round) = want {
                assert_eq!(round.to_string().parse::<Round>().ok(), Some(round));
            }
        }
    }

    #[test]
    fn rounds_through_a_last_one_are_each_round_in_order_and_none_when_it_is_earlier() {
        let first = Round::new(d("2026-12-31"), Slot::Evening);
        let names = |last: Round| -> Vec<String> {
            first.through(last).map(|round| round.to_string()).collect()
        };
        assert_eq!(
            names(Round::new(d("2027-01-01"), Slot::Evening)),
            [
                "2026-12-31/evening",
                "2027-01-01/morning",
                "2027-01-01/evening"
            ]
        );
        assert_eq!(names(first), ["2026-12-31/evening"]);
        assert!(names(first.prev()).is_empty());
        let end = Round::new(NaiveDate::MAX, Slot::Evening);
        assert_eq!(
            end.through(end).count(),
            1,
            "the calendar's end stops the walk"
        );
    }

    #[test]
    fn consecutive_rounds_have_consecutive_ordinals_across_midnight_and_year_end() {
        let mut round = Round::new(d("2026-12-30"), Slot::Morning);
        for _ in 0..10 {
            let next = round.next();
            assert_eq!(next.ordinal(), round.ordinal() + 1, "{round} -> {next}");
            assert_eq!(next.prev(), round);
            assert_eq!(Round::from_ordinal(next.ordinal()), Some(next));
            assert!(next > round);
            round = next;
        }
        assert_eq!(round.to_string(), "2027-01-04/morning");
    }

    #[test]
    fn morning_expects_open_and_evening_expects_closed() {
        assert_eq!(Slot::Morning.expected(), Expected::Open);
        assert_eq!(Slot::Evening.expected(), Expected::Closed);
    }
}
