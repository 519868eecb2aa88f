//! Settled rounds as facts (#14): each listed elder's outcome of a settled round and a tally per
//! grid, written in the transaction that settles the round and again in the transaction of any
//! later change to it. What they say is decided in `crate::domain::settle`; this module keeps
//! and reads them.

use super::db::{Cell, Connection, OptionalExtension, ToCell, params};
use chrono::{DateTime, Utc};

use super::checks::Check;
use super::{parse_ts, ts};
use crate::domain::settle::RoundFact;
use crate::domain::{Observation, Round, Severity, Status};

/// The first round whose outcomes are kept (rounds an older version settled are judged from
/// their checks).
pub fn facts_from(conn: &Connection) -> super::db::Result<i64> {
    let round: Option<i64> = conn
        .prepare_cached("SELECT min(round) FROM facts_from")?
        .query_row([], |row| row.get(0))?;
    Ok(round.unwrap_or(i64::MIN))
}

/// A grid's tally of one settled round: the counts coverage and the history read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub round: Round,
    pub grid: String,
    pub listed: u32,
    pub checked: u32,
    pub on_time: u32,
    pub late: u32,
    pub away: u32,
    pub missed: u32,
    pub ok: u32,
    pub alert: u32,
    pub unclear: u32,
}

impl Tally {
    pub fn new(round: Round, grid: &str) -> Tally {
        Tally {
            round,
            grid: grid.to_string(),
            listed: 0,
            checked: 0,
            on_time: 0,
            late: 0,
            away: 0,
            missed: 0,
            ok: 0,
            alert: 0,
            unclear: 0,
        }
    }

    /// Counts one outcome in (`sign` 1) or out (`sign` -1).
    fn count(&mut self, fact: &RoundFact, sign: i64) {
        let add = |field: &mut u32, yes: bool| {
            if yes {
                *field = u32::try_from(i64::from(*field) + sign).unwrap_or(0);
            }
        };
        let checked = fact.check_id.is_some();
        add(&mut self.listed, true);
        add(&mut self.checked, checked);
        add(&mut self.on_time, checked && !fact.late);
        add(&mut self.late, checked && fact.late);
        add(&mut self.away, fact.status == Status::Away);
        add(&mut self.missed, fact.status == Status::Missed);
        add(&mut self.ok, fact.status == Status::Ok);
        add(&mut self.alert, fact.status == Status::Alert);
        add(&mut self.unclear, fact.status == Status::Unclear);
    }

    /// The tallies of a round's outcomes, one per grid in the order the grids first appear.
    pub fn of<'a>(
        round: Round,
        outcomes: impl IntoIterator<Item = (&'a str, &'a RoundFact)>,
    ) -> Vec<Tally> {
        let mut tallies: Vec<Tally> = Vec::new();
        for (grid, fact) in outcomes {
            let position = match tallies.iter().position(|t| t.grid == grid) {
                Some(position) => position,
                None => {
                    tallies.push(Tally::new(round, grid));
                    tallies.len() - 1
                }
            };
            tallies[position].count(fact, 1);
        }
        tallies
    }
}

const TALLY_COLUMNS: &str =
    "round, grid, listed, checked, on_time, late, away, missed, ok, alert, unclear";

fn tally_from_row(row: &super::db::Row<'_>) -> super::db::Result<Tally> {
    let round: i64 = row.get(0)?;
    Ok(Tally {
        round: Round::from_ordinal(round)
            .ok_or(super::db::Error::column(0, format!("round {}", round)))?,
        grid: row.get(1)?,
        listed: row.get(2)?,
        checked: row.get(3)?,
        on_time: row.get(4)?,
        late: row.get(5)?,
        away: row.get(6)?,
        missed: row.get(7)?,
        ok: row.get(8)?,
        alert: row.get(9)?,
        unclear: row.get(10)?,
    })
}

fn write_tally(conn: &Connection, tally: &Tally) -> super::db::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO round_tallies ({TALLY_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (round, grid) DO UPDATE SET listed = excluded.listed,
             checked = excluded.checked, on_time = excluded.on_time, late = excluded.late,
             away = excluded.away, missed = excluded.missed, ok = excluded.ok,
             alert = excluded.alert, unclear = excluded.unclear"
    ))?
    .execute(params![
        tally.round.ordinal(),
        tally.grid,
        tally.listed,
        tally.checked,
        tally.on_time,
        tally.late,
        tally.away,
        tally.missed,
        tally.ok,
        tally.alert,
        tally.unclear,
    ])?;
    Ok(())
}

fn tally_of(conn: &Connection, round: Round, grid: &str) -> super::db::Result<Tally> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {TALLY_COLUMNS} FROM round_tallies WHERE round = ?1 AND grid = ?2"
        ))?
        .query_row(params![round.ordinal(), grid], tally_from_row)
        .optional()?
        .unwrap_or_else(|| Tally::new(round, grid)))
}

fn fact_from_row(row: &super::db::Row<'_>, at: usize) -> super::db::Result<RoundFact> {
    let status = row.get_ref(at)?.as_str()?;
    let severity = row.get_ref(at + 3)?.as_str_or_null()?;
    Ok(RoundFact {
        status: Status::parse(status)
            .ok_or_else(|| super::db::Error::column(at, format!("unexpected status `{status}`")))?,
        late: row.get(at + 1)?,
        check_id: row.get(at + 2)?,
        severity: severity.and_then(Severity::parse),
        streak: row.get(at + 4)?,
    })
}

/// The kept outcome of one (elder, round), with the grid it was counted under.
pub fn get(
    conn: &Connection,
    round: Round,
    elder_id: &str,
) -> super::db::Result<Option<(String, RoundFact)>> {
    conn.prepare_cached(
        "SELECT grid, status, late, check_id, severity, streak FROM round_outcomes
         WHERE round = ?1 AND elder_id = ?2",
    )?
    .query_row(params![round.ordinal(), elder_id], |row| {
        Ok((row.get(0)?, fact_from_row(row, 1)?))
    })
    .optional()
}

/// One listed elder's outcome of a round as it is kept: the grid it counts under, the fact, and
/// a copy of the check that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<'a> {
    pub elder_id: &'a str,
    pub grid: &'a str,
    pub fact: RoundFact,
    pub decisive: Option<Check>,
}

/// Every column of `round_outcomes`, in the order [`outcome_cells`] gives them.
const OUTCOME_COLUMNS: &str = "round, elder_id, grid, status, late, check_id, severity, streak,
    check_observation, check_seen_at, check_recorded_at, check_checker, check_note,
    check_supersedes";
const OUTCOME_WIDTH: usize = 14;

fn insert(conn: &Connection, round: Round, outcome: &Outcome<'_>) -> super::db::Result<()> {
    let marks: Vec<String> = (1..=OUTCOME_WIDTH).map(|at| format!("?{at}")).collect();
    let updates: Vec<String> = OUTCOME_COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|column| !["round", "elder_id"].contains(column))
        .map(|column| format!("{column} = excluded.{column}"))
        .collect();
    conn.prepare_cached(&format!(
        "INSERT INTO round_outcomes ({OUTCOME_COLUMNS}) VALUES ({})
         ON CONFLICT (round, elder_id) DO UPDATE SET {}",
        marks.join(", "),
        updates.join(", ")
    ))?
    .execute(outcome_cells(round, outcome).to_vec())?;
    Ok(())
}

/// One outcome's columns, in the order of [`OUTCOME_COLUMNS`].
fn outcome_cells<'a>(round: Round, outcome: &'a Outcome<'a>) -> [Cell<'a>; OUTCOME_WIDTH] {
    let text = |value: Option<&'a str>| value.map_or(Cell::Null, |text| Cell::Text(text.into()));
    let fact = &outcome.fact;
    let check = outcome.decisive.as_ref();
    [
        Cell::Int(round.ordinal()),
        Cell::Text(outcome.elder_id.into()),
        Cell::Text(outcome.grid.into()),
        Cell::Text(fact.status.as_str().into()),
        fact.late.to_cell(),
        text(fact.check_id.as_deref()),
        text(fact.severity.map(Severity::as_str)),
        fact.streak.to_cell(),
        text(check.and_then(|c| c.observation).map(Observation::as_str)),
        check.map_or(Cell::Null, |c| Cell::Text(ts(c.seen_at).into())),
        check.map_or(Cell::Null, |c| Cell::Text(ts(c.recorded_at).into())),
        text(check.map(|c| c.checker.as_str())),
        text(check.and_then(|c| c.note.as_deref())),
        text(check.and_then(|c| c.supersedes.as_deref())),
    ]
}

/// Keeps one elder's outcome of a round (a later check, undo, correction or absence changed it),
/// and moves the grid tallies by the difference. `None` removes it (the elder is no longer
/// listed for the round).
pub fn keep(
    conn: &Connection,
    round: Round,
    elder_id: &str,
    outcome: Option<&Outcome<'_>>,
) -> super::db::Result<()> {
    let before = get(conn, round, elder_id)?;
    if before.as_ref().map(|(g, f)| (g.as_str(), f))
        == outcome.map(|outcome| (outcome.grid, &outcome.fact))
    {
        return Ok(());
    }
    if let Some((old_grid, old)) = &before {
        let mut tally = tally_of(conn, round, old_grid)?;
        tally.count(old, -1);
        write_tally(conn, &tally)?;
        conn.prepare_cached("DELETE FROM round_outcomes WHERE round = ?1 AND elder_id = ?2")?
            .execute(params![round.ordinal(), elder_id])?;
    }
    if let Some(outcome) = outcome {
        insert(conn, round, outcome)?;
        let mut tally = tally_of(conn, round, outcome.grid)?;
        tally.count(&outcome.fact, 1);
        write_tally(conn, &tally)?;
    }
    Ok(())
}

/// Outcomes written by one statement: 14 parameters each, well under either database's limit.
const OUTCOMES_PER_INSERT: usize = 250;

/// Keeps a whole round's outcomes and tallies, replacing any kept before; `complete` when every
/// window of the round had closed (the round is then read from its facts).
pub fn keep_round(
    conn: &Connection,
    round: Round,
    outcomes: &[Outcome<'_>],
    complete: bool,
    at: DateTime<Utc>,
) -> super::db::Result<()> {
    conn.prepare_cached("DELETE FROM round_outcomes WHERE round = ?1")?
        .execute([round.ordinal()])?;
    conn.prepare_cached("DELETE FROM round_tallies WHERE round = ?1")?
        .execute([round.ordinal()])?;
    // Many rows to a statement: on a server each statement is a round trip, and a district's
    // round is 30,000 outcomes.
    for chunk in outcomes.chunks(OUTCOMES_PER_INSERT) {
        let rows = (0..chunk.len())
            .map(|row| {
                let marks: Vec<String> = (1..=OUTCOME_WIDTH)
                    .map(|column| format!("?{}", row * OUTCOME_WIDTH + column))
                    .collect();
                format!("({})", marks.join(", "))
            })
            .collect::<Vec<_>>()
            .join(", ");
        let values: Vec<Cell<'_>> = chunk
            .iter()
            .flat_map(|outcome| outcome_cells(round, outcome))
            .collect();
        conn.prepare_cached(&format!(
            "INSERT INTO round_outcomes ({OUTCOME_COLUMNS}) VALUES {rows}"
        ))?
        .execute(values)?;
    }
    for tally in Tally::of(round, outcomes.iter().map(|o| (o.grid, &o.fact))) {
        write_tally(conn, &tally)?;
    }
    if complete {
        conn.prepare_cached(
            "INSERT INTO settled_rounds (round, settled_at) VALUES (?1, ?2)
             ON CONFLICT (round) DO UPDATE SET settled_at = excluded.settled_at",
        )?
        .execute(params![round.ordinal(), ts(at)])?;
    }
    Ok(())
}

/// A flag's streak was carried forward: its round's kept outcome follows.
pub fn set_streak(
    conn: &Connection,
    round: Round,
    elder_id: &str,
    severity: Severity,
    streak: u32,
) -> super::db::Result<()> {
    conn.prepare_cached(
        "UPDATE round_outcomes SET severity = ?3, streak = ?4 WHERE round = ?1 AND elder_id = ?2",
    )?
    .execute(params![
        round.ordinal(),
        elder_id,
        severity.as_str(),
        streak
    ])?;
    Ok(())
}

/// Whether a round's outcomes are complete and may be read instead of judging its checks at
/// `now`. A drill looking back before the moment the round was settled judges it again.
pub fn is_settled(conn: &Connection, round: Round, now: DateTime<Utc>) -> super::db::Result<bool> {
    let at: Option<String> = conn
        .prepare_cached("SELECT settled_at FROM settled_rounds WHERE round = ?1")?
        .query_row([round.ordinal()], |row| row.get(0))
        .optional()?;
    Ok(match at {
        Some(at) => parse_ts(&at)? <= now,
        None => false,
    })
}

/// A round's outcomes in elder id order, straight from the primary key (no sort).
const FOR_ROUND: &str = "SELECT elder_id, status, late, check_id, severity, streak
    FROM round_outcomes WHERE round = ?1 ORDER BY elder_id";

/// [`WITH_CHECKS`] of the elders before `?2`.
const WITH_CHECKS_BELOW: &str = "SELECT elder_id, status, late, check_id, severity, streak,
    check_observation, check_seen_at, check_recorded_at, check_checker, check_note,
    check_supersedes
    FROM round_outcomes WHERE round = ?1 AND elder_id < ?2 ORDER BY elder_id";

/// [`WITH_CHECKS`] of the elders from `?2` on.
const WITH_CHECKS_FROM: &str = "SELECT elder_id, status, late, check_id, severity, streak,
    check_observation, check_seen_at, check_recorded_at, check_checker, check_note,
    check_supersedes
    FROM round_outcomes WHERE round = ?1 AND elder_id >= ?2 ORDER BY elder_id";

/// The kept outcomes of a round, in elder id order (narrow: no names, no times).
pub fn for_round(conn: &Connection, round: Round) -> super::db::Result<Vec<(String, RoundFact)>> {
    let mut statement = conn.prepare_cached(FOR_ROUND)?;
    statement
        .query_map([round.ordinal()], |row| {
            Ok((row.get(0)?, fact_from_row(row, 1)?))
        })?
        .collect()
}

/// The kept statuses of a span of rounds (inclusive): `(round, elder_id, status)`.
pub fn statuses_for_rounds(
    conn: &Connection,
    first: Round,
    last: Round,
) -> super::db::Result<Vec<(Round, String, Status)>> {
    let mut statement = conn.prepare_cached(
        "SELECT round, elder_id, status FROM round_outcomes WHERE round BETWEEN ?1 AND ?2",
    )?;
    statement
        .query_map(params![first.ordinal(), last.ordinal()], |row| {
            let round: i64 = row.get(0)?;
            let status: String = row.get(2)?;
            Ok((
                Round::from_ordinal(round)
                    .ok_or(super::db::Error::column(0, format!("round {}", round)))?,
                row.get(1)?,
                Status::parse(&status).unwrap_or_default(),
            ))
        })?
        .collect()
}

/// The settled rounds among `first..=last` (their outcomes are complete).
pub fn settled_between(
    conn: &Connection,
    first: Round,
    last: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<Round>> {
    let mut statement = conn.prepare_cached(
        "SELECT round, settled_at FROM settled_rounds WHERE round BETWEEN ?1 AND ?2",
    )?;
    let rows: Vec<(i64, String)> = statement
        .query_map(params![first.ordinal(), last.ordinal()], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?
        .collect::<super::db::Result<_>>()?;
    let mut out = Vec::new();
    for (round, at) in rows {
        if parse_ts(&at)? <= now
            && let Some(round) = Round::from_ordinal(round)
        {
            out.push(round);
        }
    }
    Ok(out)
}

/// The tallies of the rounds `first..=last`, oldest first.
pub fn tallies(conn: &Connection, first: Round, last: Round) -> super::db::Result<Vec<Tally>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {TALLY_COLUMNS} FROM round_tallies WHERE round BETWEEN ?1 AND ?2
         ORDER BY round, grid"
    ))?;
    statement
        .query_map(params![first.ordinal(), last.ordinal()], tally_from_row)?
        .collect()
}

/// Every settled round, oldest first.
pub fn settled_rounds(conn: &Connection) -> super::db::Result<Vec<Round>> {
    let mut statement = conn.prepare_cached("SELECT round FROM settled_rounds ORDER BY round")?;
    let rounds: Vec<i64> = statement
        .query_map([], |row| row.get(0))?
        .collect::<super::db::Result<_>>()?;
    Ok(rounds.into_iter().filter_map(Round::from_ordinal).collect())
}

/// The kept outcomes of a round with their deciding checks, by elder id in ascending order: what
/// the status of a settled round shows. One range of `round_outcomes`, which keeps a copy of each
/// deciding check: the round's checks are not read (30,000 more rows for a district's round).
pub fn with_checks(
    conn: &Connection,
    round: Round,
) -> super::db::Result<Vec<(String, RoundFact, Option<Check>)>> {
    let listed = listed_in(conn, round)?;
    read_with_checks(conn, WITH_CHECKS, round, None, listed)
}

/// [`with_checks`] of the elders whose ids sort before the middle one (`Half::Below`) or from
/// it on (`Half::From`): the two halves [`middle_elder`] splits a round into, to be read side
/// by side.
pub fn with_checks_half(
    conn: &Connection,
    round: Round,
    half: Half<'_>,
) -> super::db::Result<Vec<(String, RoundFact, Option<Check>)>> {
    let (sql, middle) = match half {
        Half::Below(middle) => (WITH_CHECKS_BELOW, middle),
        Half::From(middle) => (WITH_CHECKS_FROM, middle),
    };
    let room = middle.listed.div_ceil(2);
    read_with_checks(conn, sql, round, Some(&middle.elder), room)
}

/// The elder half way through a round's outcomes, and how many the round's tallies list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Middle {
    pub elder: String,
    listed: usize,
}

/// One side of the elder that splits a round's outcomes in two.
#[derive(Debug, Clone, Copy)]
pub enum Half<'a> {
    Below(&'a Middle),
    From(&'a Middle),
}

/// The elder half way through a round's outcomes (by the round's tallies), found along the
/// outcomes' key without reading their rows; `None` for a round of fewer than `at_least`
/// outcomes, read whole.
pub fn middle_elder(
    conn: &Connection,
    round: Round,
    at_least: usize,
) -> super::db::Result<Option<Middle>> {
    let listed = listed_in(conn, round)?;
    if listed < at_least {
        return Ok(None);
    }
    let half = i64::try_from(listed / 2).unwrap_or(i64::MAX);
    let elder: Option<String> = conn
        .prepare_cached(
            "SELECT elder_id FROM round_outcomes WHERE round = ?1 ORDER BY elder_id LIMIT 1 OFFSET ?2",
        )?
        .query_row(params![round.ordinal(), half], |row| row.get(0))
        .optional()?;
    Ok(elder.map(|elder| Middle { elder, listed }))
}

/// How many elders the round's tallies list (PostgreSQL's sum of a BIGINT is a NUMERIC).
fn listed_in(conn: &Connection, round: Round) -> super::db::Result<usize> {
    let listed: i64 = conn
        .prepare_cached(
            "SELECT CAST(coalesce(sum(listed), 0) AS BIGINT) FROM round_tallies WHERE round = ?1",
        )?
        .query_row([round.ordinal()], |row| row.get(0))?;
    Ok(usize::try_from(listed).unwrap_or(0))
}

/// Reads outcomes with their deciding checks by `sql`, whose parameters are the round and, for a
/// half, the middle elder id; room made for `expected` of them.
fn read_with_checks(
    conn: &Connection,
    sql: &str,
    round: Round,
    middle: Option<&str>,
    expected: usize,
) -> super::db::Result<Vec<(String, RoundFact, Option<Check>)>> {
    // Sized from the round's tallies first: a district's 30,000 rows of some 250 bytes each,
    // grown by doubling, were copied over again and again.
    let mut outcomes = Vec::with_capacity(expected.min(MOST_EXPECTED));
    let mut statement = conn.prepare_cached(sql)?;
    let read = |row: &super::db::Row<'_>| {
        let elder_id: String = row.get(0)?;
        let fact = fact_from_row(row, 1)?;
        let check = kept_check(row, 6, &elder_id, round, fact.check_id.as_deref())?;
        Ok((elder_id, fact, check))
    };
    let rows = match middle {
        Some(middle) => statement.query_map(params![round.ordinal(), middle], read)?,
        None => statement.query_map([round.ordinal()], read)?,
    };
    for outcome in rows {
        outcomes.push(outcome?);
    }
    Ok(outcomes)
}

/// The most outcomes room is made for ahead, whatever a tally says (about 50 MB).
const MOST_EXPECTED: usize = 200_000;

/// A round's outcomes with the copies of their deciding checks, in elder id order.
const WITH_CHECKS: &str = "SELECT elder_id, status, late, check_id, severity, streak,
    check_observation, check_seen_at, check_recorded_at, check_checker, check_note,
    check_supersedes
    FROM round_outcomes WHERE round = ?1 ORDER BY elder_id";

/// The copy of a deciding check kept from column `at` on; `None` without one.
fn kept_check(
    row: &super::db::Row<'_>,
    at: usize,
    elder_id: &str,
    round: Round,
    check_id: Option<&str>,
) -> super::db::Result<Option<Check>> {
    let (Some(id), Some(seen_at)) = (check_id, row.get_ref(at + 1)?.as_str_or_null()?) else {
        return Ok(None);
    };
    let observation = row.get_ref(at)?.as_str_or_null()?;
    Ok(Some(Check {
        id: id.to_string(),
        elder_id: elder_id.to_string(),
        round,
        observation: observation.and_then(|text| text.parse().ok()),
        seen_at: parse_ts(seen_at)?,
        recorded_at: parse_ts(row.get_ref(at + 2)?.as_str()?)?,
        checker: row.get(at + 3)?,
        note: row.get(at + 4)?,
        supersedes: row.get(at + 5)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A settled round's outcomes, with their deciding checks, come in elder id order from
    /// their key, without a sort.
    #[test]
    fn a_settled_rounds_outcomes_come_in_elder_order_without_a_sort() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        for sql in [FOR_ROUND, WITH_CHECKS, WITH_CHECKS_BELOW, WITH_CHECKS_FROM] {
            let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let parameters = statement.parameter_count();
            let all: [&dyn rusqlite::ToSql; 2] = [&1, &"CQ030"];
            let values = &all[..parameters];
            let plan: Vec<String> = statement
                .query_map(values, |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(
                !plan.contains("TEMP B-TREE") && !plan.starts_with("SCAN"),
                "{plan}"
            );
        }
    }
}
