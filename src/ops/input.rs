//! What people type that both front ends read the same way: rounds and dates.

use chrono::NaiveDate;

use crate::domain::Round;
use crate::error::Refusal;

pub fn parse_round(text: &str) -> Result<Round, Refusal> {
    text.parse()
        .map_err(|_| Refusal::BadRound(text.to_string()))
}

pub fn parse_date(text: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Refusal::BadDate(text.to_string()))
}
