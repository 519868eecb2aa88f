//! The append-only log of checks. Rows are inserted, never updated or deleted (triggers refuse
//! it); a correction or an undo is a new row naming the row it supersedes.

use std::collections::HashMap;

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};

use super::{parse_ts, ts};
use crate::domain::{CheckFact, Observation, Round};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub id: String,
    pub elder_id: String,
    pub round: Round,
    /// `None` for a retraction (undo).
    pub observation: Option<Observation>,
    pub seen_at: DateTime<Utc>,
    pub recorded_at: DateTime<Utc>,
    pub checker: String,
    pub note: Option<String>,
    pub supersedes: Option<String>,
}

impl Check {
    pub fn fact(&self) -> CheckFact<'_> {
        CheckFact {
            id: &self.id,
            observation: self.observation,
            seen_at: self.seen_at,
            recorded_at: self.recorded_at,
            supersedes: self.supersedes.as_deref(),
        }
    }
}

/// The per-round reads, named so a test can hold their query plans to an index. A round's checks
/// come in the index's order, by elder and then as appended, without a sort: the rules decide
/// by the times seen and recorded, whatever order the checks come in (exact ties go to the one
/// appended last).
const FOR_ROUND: &str = "WHERE round = ?1";
const FOR_ELDER_ROUND: &str = "WHERE elder_id = ?1 AND round = ?2";
const FOR_ROUNDS: &str = "WHERE round BETWEEN ?1 AND ?2";
const FOR_ELDER_SPAN: &str =
    "WHERE elder_id = ?1 AND round BETWEEN ?2 AND ?3 ORDER BY round, recorded_at";
/// Undo's search: the checker's last observation that no later row supersedes (the `NOT EXISTS`
/// reads `checks_by_supersedes`, not the whole table).
const LAST_EFFECTIVE_BY: &str = "WHERE checker = ?1 AND observation IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM checks AS later WHERE later.supersedes = c.id)
    ORDER BY recorded_at DESC, rowid DESC LIMIT 1";

pub(super) const COLUMNS: &str =
    "id, elder_id, round, observation, seen_at, recorded_at, checker, note, supersedes";

pub(super) fn from_row(row: &Row<'_>) -> super::db::Result<Check> {
    let round: i64 = row.get(2)?;
    let observation: Option<&str> = row.get_ref(3)?.as_str_or_null()?;
    Ok(Check {
        id: row.get(0)?,
        elder_id: row.get(1)?,
        round: Round::from_ordinal(round)
            .ok_or(super::db::Error::column(2, format!("round {}", round)))?,
        observation: observation.and_then(|text| text.parse().ok()),
        seen_at: parse_ts(row.get_ref(4)?.as_str()?)?,
        recorded_at: parse_ts(row.get_ref(5)?.as_str()?)?,
        checker: row.get(6)?,
        note: row.get(7)?,
        supersedes: row.get(8)?,
    })
}

/// Every check, in the order it was written: a correction after the check it supersedes.
pub fn all_in_recorded_order(conn: &Connection) -> super::db::Result<Vec<Check>> {
    conn.prepare(&format!("SELECT {COLUMNS} FROM checks ORDER BY rowid"))?
        .query_map([], from_row)?
        .collect()
}

/// How many checks are on record, superseded ones included.
pub fn count(conn: &Connection) -> super::db::Result<i64> {
    conn.query_row("SELECT count(*) FROM checks", [], |row| row.get(0))
}

pub fn insert(conn: &Connection, check: &Check) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO checks (id, elder_id, round, observation, seen_at, recorded_at, checker,
             note, supersedes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        check.id,
        check.elder_id,
        check.round.ordinal(),
        check.observation.map(Observation::as_str),
        ts(check.seen_at),
        ts(check.recorded_at),
        check.checker,
        check.note,
        check.supersedes,
    ])?;
    Ok(())
}

/// Every check of a round, by elder, each elder's in the order appended.
pub fn for_round(conn: &Connection, round: Round) -> super::db::Result<RoundChecks> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM checks {FOR_ROUND}"))?;
    let checks = statement
        .query_map([round.ordinal()], from_row)?
        .collect::<super::db::Result<Vec<Check>>>()?;
    Ok(RoundChecks::new(checks))
}

/// A round's checks in elder id order: each elder's found by a binary search, without a map of
/// strings or a list per elder (a district's round: 30,000 of each).
#[derive(Debug, Default)]
pub struct RoundChecks(Vec<Check>);

impl RoundChecks {
    /// They come by elder from the index already; a stable sort of sorted rows is one pass, and
    /// keeps each elder's checks in the order they came.
    fn new(mut checks: Vec<Check>) -> RoundChecks {
        checks.sort_by(|a, b| a.elder_id.cmp(&b.elder_id));
        RoundChecks(checks)
    }

    /// The elder's checks, in the order they came.
    pub fn of(&self, elder_id: &str) -> &[Check] {
        let start = self
            .0
            .partition_point(|check| check.elder_id.as_str() < elder_id);
        let end =
            start + self.0[start..].partition_point(|check| check.elder_id.as_str() == elder_id);
        &self.0[start..end]
    }

    /// Every check of the round, by elder.
    pub fn all(&self) -> &[Check] {
        &self.0
    }
}

/// Every check of a span of rounds (inclusive), by round and elder, as appended: one
/// indexed range read for the strips of earlier rounds instead of one query per round.
pub fn for_rounds(
    conn: &Connection,
    first: Round,
    last: Round,
) -> super::db::Result<HashMap<Round, RoundChecks>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM checks {FOR_ROUNDS}"))?;
    let mut by_round: HashMap<Round, Vec<Check>> = HashMap::new();
    for check in statement.query_map(params![first.ordinal(), last.ordinal()], from_row)? {
        let check = check?;
        by_round.entry(check.round).or_default().push(check);
    }
    Ok(by_round
        .into_iter()
        .map(|(round, checks)| (round, RoundChecks::new(checks)))
        .collect())
}

pub fn for_elder_round(
    conn: &Connection,
    elder_id: &str,
    round: Round,
) -> super::db::Result<Vec<Check>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM checks {FOR_ELDER_ROUND}"))?;
    statement
        .query_map(params![elder_id, round.ordinal()], from_row)?
        .collect()
}

/// Every check of one elder over a span of rounds (inclusive), oldest first.
pub fn for_elder_span(
    conn: &Connection,
    elder_id: &str,
    first: Round,
    last: Round,
) -> super::db::Result<Vec<Check>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM checks {FOR_ELDER_SPAN}"))?;
    statement
        .query_map(params![elder_id, first.ordinal(), last.ordinal()], from_row)?
        .collect()
}

/// The elder and round of every check stored after the row `after` (checks are append-only, so
/// their `rowid` only grows), and the last row's: what another terminal needs to redraw.
pub fn recorded_after(
    conn: &Connection,
    after: i64,
) -> super::db::Result<(Vec<(String, Round)>, i64)> {
    let mut statement = conn.prepare_cached(
        "SELECT rowid, elder_id, round FROM checks WHERE rowid > ?1 ORDER BY rowid",
    )?;
    let mut last = after;
    let mut out = Vec::new();
    for row in statement.query_map([after], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })? {
        let (rowid, elder_id, round) = row?;
        last = last.max(rowid);
        if let Some(round) = Round::from_ordinal(round) {
            out.push((elder_id, round));
        }
    }
    Ok((out, last))
}

/// The last observation this checker recorded that nothing has superseded: what "undo my last
/// check" takes back.
pub fn last_effective_by(conn: &Connection, checker: &str) -> super::db::Result<Option<Check>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM checks AS c {LAST_EFFECTIVE_BY}"
    ))?
    .query_row([checker], from_row)
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each elder's checks are found among a round's, in the order they came, whatever order
    /// the elders came in; an elder with none gets none.
    #[test]
    fn a_rounds_checks_are_found_by_elder_in_the_order_they_came() {
        let check = |elder: &str, id: &str| Check {
            id: id.into(),
            elder_id: elder.into(),
            round: Round::from_ordinal(1_478_000).unwrap(),
            observation: Some(Observation::Open),
            seen_at: DateTime::UNIX_EPOCH,
            recorded_at: DateTime::UNIX_EPOCH,
            checker: "li".into(),
            note: None,
            supersedes: None,
        };
        let round = RoundChecks::new(vec![
            check("E2", "first of E2"),
            check("E1", "only of E1"),
            check("E2", "second of E2"),
            check("E3", "only of E3"),
        ]);
        let ids =
            |elder: &str| -> Vec<&str> { round.of(elder).iter().map(|c| c.id.as_str()).collect() };
        for (elder, want) in [
            ("E1", vec!["only of E1"]),
            ("E2", vec!["first of E2", "second of E2"]),
            ("E3", vec!["only of E3"]),
            ("E0", vec![]),
            ("E20", vec![]),
            ("E4", vec![]),
        ] {
            assert_eq!(ids(elder), want, "{elder}");
        }
        assert_eq!(round.all().len(), 4);
    }

    /// Per-round reads must use an index, never scan the whole (append-only, ever-growing)
    /// checks table.
    #[test]
    fn per_round_reads_never_scan_the_checks_table() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        for (name, clause, args) in [
            ("for_round", FOR_ROUND, 1),
            ("for_elder_round", FOR_ELDER_ROUND, 2),
            ("for_rounds", FOR_ROUNDS, 2),
            ("for_elder_span", FOR_ELDER_SPAN, 3),
            ("last_effective_by", LAST_EFFECTIVE_BY, 1),
        ] {
            let sql = format!("EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM checks AS c {clause}");
            let mut statement = conn.prepare(&sql).unwrap();
            let values: Vec<rusqlite::types::Value> = (0..args).map(|_| 1.into()).collect();
            let plan: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(values), |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(plan.contains("USING INDEX"), "{name}: {plan}");
            if ["for_round", "for_rounds", "for_elder_round"].contains(&name) {
                assert!(!plan.contains("TEMP B-TREE"), "{name} sorts: {plan}");
            }
            assert!(
                !plan.contains("SCAN checks") && !plan.split(" | ").any(|s| s.starts_with("SCAN")),
                "{name}: {plan}"
            );
        }
    }
}
