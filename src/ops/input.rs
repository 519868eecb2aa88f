//! What people type that both front ends read the same way: rounds and dates.

use chrono::NaiveDate;

use crate::domain::Round;
use crate::error::Refusal;

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
