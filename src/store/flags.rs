//! Flags and their follow-ups. A flag row is kept per flagged (elder, round); its state moves
//! open → resolved (by a person, with an outcome) or open → superseded (by the rules).

use std::collections::HashMap;

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{parse_ts, ts};
use crate::domain::gap::{self, GapState};
use crate::domain::settle::RecordedFlag;
use crate::domain::{FlagState, KnownFlag, Outcome, Round, Severity, Status, SupersedeReason};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagRecord {
    pub id: i64,
    pub elder_id: String,
    pub round: Round,
    pub status: Status,
    pub round_status: Status,
    pub severity: Severity,
    pub streak: u32,
    pub state: FlagState,
    pub raised_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub outcome: Option<String>,
    pub superseded_because: Option<SupersedeReason>,
    pub note: Option<String>,
    /// The check that decided the flag's status (none for a missed round).
    pub check_id: Option<String>,
}

impl FlagRecord {
    pub fn known(&self) -> KnownFlag {
        KnownFlag {
            state: self.state,
            status: self.status,
            superseded_because: self.superseded_because,
        }
    }

    /// The streak a following round builds on: only a flagged round continues it.
    pub fn streak_carried(&self) -> u32 {
        crate::domain::severity::carried(self.round_status, self.streak)
    }

    /// The flag as settling reads it.
    pub fn recorded(&self) -> RecordedFlag {
        RecordedFlag {
            known: self.known(),
            round_status: self.round_status,
            severity: self.severity,
            streak: self.streak,
        }
    }
}

const COLUMNS: &str = "f.id, f.elder_id, f.round, f.status, f.round_status, f.severity, f.streak,
    f.state, f.raised_at, f.closed_at, f.closed_by, f.outcome, f.superseded_because, f.note,
    (SELECT fc.check_id FROM flag_checks AS fc WHERE fc.flag_id = f.id)";

fn bad_text(index: usize, text: &str) -> super::db::Error {
    super::db::Error::column(index, format!("unexpected value `{text}`"))
}

fn from_row(row: &Row<'_>) -> super::db::Result<FlagRecord> {
    let text = |index: usize| row.get::<_, String>(index);
    let status = |index: usize| -> super::db::Result<Status> {
        let value = text(index)?;
        Status::parse(&value).ok_or_else(|| bad_text(index, &value))
    };
    let round: i64 = row.get(2)?;
    let severity = text(5)?;
    let state = text(7)?;
    Ok(FlagRecord {
        id: row.get(0)?,
        elder_id: row.get(1)?,
        round: Round::from_ordinal(round)
            .ok_or(super::db::Error::column(2, format!("round {}", round)))?,
        status: status(3)?,
        round_status: status(4)?,
        severity: Severity::parse(&severity).ok_or_else(|| bad_text(5, &severity))?,
        streak: row.get(6)?,
        state: FlagState::parse(&state).ok_or_else(|| bad_text(7, &state))?,
        raised_at: parse_ts(&text(8)?)?,
        closed_at: row
            .get::<_, Option<String>>(9)?
            .map(|t| parse_ts(&t))
            .transpose()?,
        closed_by: row.get(10)?,
        outcome: row.get(11)?,
        superseded_because: row
            .get::<_, Option<String>>(12)?
            .and_then(|t| SupersedeReason::parse(&t)),
        note: row.get(13)?,
        check_id: row.get(14)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> super::db::Result<Option<FlagRecord>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM flags AS f WHERE f.id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// The per-round and per-elder reads and writes, named so a test can hold their query plans to
/// an index: settling a round must cost the same in a district's tenth year as in its first.
const FOR_ELDER_ROUND: &str = "WHERE f.elder_id = ?1 AND f.round = ?2";
const FOR_ROUND: &str = "WHERE f.round = ?1";
const FOR_ELDER_AFTER: &str = "WHERE f.elder_id = ?1 AND f.round > ?2 ORDER BY f.round";
const SUPERSEDE_EARLIER: &str =
    "UPDATE flags SET state = 'superseded', superseded_because = 'later_round_ok',
         closed_at = ?3, closed_by = 'curtain'
     WHERE elder_id = ?1 AND round < ?2 AND state = 'open'
       AND status IN ('missed', 'unclear')";
const SUPERSEDED_BY_LATER_ROUND: &str = "WHERE f.elder_id = ?1 AND f.round < ?2
    AND f.state = 'superseded' AND f.superseded_because = 'later_round_ok' AND f.closed_at >= ?3
    ORDER BY f.round";
const OPEN_SUPERSEDABLE: &str = "SELECT DISTINCT elder_id FROM flags
    WHERE state = 'open' AND status IN ('missed', 'unclear')";
const COUNT_OPEN: &str = "SELECT count(*) FROM flags AS f JOIN elders AS e ON e.id = f.elder_id
    WHERE f.state = 'open' AND e.grid = ?1";
/// Every grid's: the flags' state index alone, no join to the roster (every flag has its elder).
const COUNT_ALL_OPEN: &str = "SELECT count(*) FROM flags WHERE state = 'open'";

pub fn for_elder_round(
    conn: &Connection,
    elder_id: &str,
    round: Round,
) -> super::db::Result<Option<FlagRecord>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM flags AS f {FOR_ELDER_ROUND}"
    ))?
    .query_row(params![elder_id, round.ordinal()], from_row)
    .optional()
}

pub fn for_round(
    conn: &Connection,
    round: Round,
) -> super::db::Result<HashMap<String, FlagRecord>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM flags AS f {FOR_ROUND}"))?;
    statement
        .query_map([round.ordinal()], from_row)?
        .map(|flag| flag.map(|flag| (flag.elder_id.clone(), flag)))
        .collect()
}

/// The flags of one elder after a round, oldest first (to carry a changed streak forward).
pub fn for_elder_after(
    conn: &Connection,
    elder_id: &str,
    round: Round,
) -> super::db::Result<Vec<FlagRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM flags AS f {FOR_ELDER_AFTER}"
    ))?;
    statement
        .query_map(params![elder_id, round.ordinal()], from_row)?
        .collect()
}

pub use crate::domain::settle::Figures;

pub fn raise(
    conn: &Connection,
    elder_id: &str,
    round: Round,
    figures: &Figures,
    now: DateTime<Utc>,
) -> super::db::Result<i64> {
    let inserted: i64 = conn
        .prepare_cached(
            "INSERT INTO flags (elder_id, round, status, round_status, severity, severity_rank,
             streak, state, raised_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open', ?8)
             RETURNING id",
        )?
        .query_row(
            params![
                elder_id,
                round.ordinal(),
                figures.status.as_str(),
                figures.round_status.as_str(),
                figures.severity.as_str(),
                figures.severity as i64,
                figures.streak,
                ts(now),
            ],
            |row| row.get::<_, i64>(0),
        )?;
    let id = inserted;
    set_check(conn, id, figures.check_id.as_deref())?;
    Ok(id)
}

/// Which check decided the flag (none: a missed round).
fn set_check(conn: &Connection, id: i64, check_id: Option<&str>) -> super::db::Result<()> {
    match check_id {
        Some(check_id) => conn
            .prepare_cached(
                "INSERT INTO flag_checks (flag_id, check_id) VALUES (?1, ?2)
                 ON CONFLICT (flag_id) DO UPDATE SET check_id = excluded.check_id",
            )?
            .execute(params![id, check_id])?,
        None => conn
            .prepare_cached("DELETE FROM flag_checks WHERE flag_id = ?1")?
            .execute([id])?,
    };
    Ok(())
}

pub fn refresh(conn: &Connection, id: i64, figures: &Figures) -> super::db::Result<()> {
    conn.prepare_cached(
        "UPDATE flags SET status = ?2, round_status = ?3, severity = ?4, severity_rank = ?5,
             streak = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        figures.status.as_str(),
        figures.round_status.as_str(),
        figures.severity.as_str(),
        figures.severity as i64,
        figures.streak,
    ])?;
    set_check(conn, id, figures.check_id.as_deref())
}

/// A streak carried forward: the flag's severity and streak, nothing else.
pub fn set_streak(
    conn: &Connection,
    id: i64,
    severity: Severity,
    streak: u32,
) -> super::db::Result<()> {
    conn.prepare_cached(
        "UPDATE flags SET severity = ?2, severity_rank = ?3, streak = ?4 WHERE id = ?1",
    )?
    .execute(params![id, severity.as_str(), severity as i64, streak])?;
    Ok(())
}

pub fn set_round_status(conn: &Connection, id: i64, round_status: Status) -> super::db::Result<()> {
    conn.prepare_cached("UPDATE flags SET round_status = ?2 WHERE id = ?1")?
        .execute(params![id, round_status.as_str()])?;
    Ok(())
}

/// Opens a closed flag again (its round changed: the follow-up log keeps what was done).
pub fn reopen(conn: &Connection, id: i64) -> super::db::Result<()> {
    conn.prepare_cached(
        "UPDATE flags SET state = 'open', closed_at = NULL, closed_by = NULL,
             superseded_because = NULL, outcome = NULL
         WHERE id = ?1 AND state IN ('superseded', 'resolved')",
    )?
    .execute([id])?;
    Ok(())
}

pub fn supersede(
    conn: &Connection,
    id: i64,
    reason: SupersedeReason,
    now: DateTime<Utc>,
) -> super::db::Result<()> {
    conn.prepare_cached(
        "UPDATE flags SET state = 'superseded', superseded_because = ?2, closed_at = ?3,
             closed_by = 'curtain'
         WHERE id = ?1 AND state = 'open'",
    )?
    .execute(params![id, reason.as_str(), ts(now)])?;
    Ok(())
}

/// A later `ok` round closes the elder's open `missed` and `unclear` flags; alerts stay.
pub fn supersede_earlier(
    conn: &Connection,
    elder_id: &str,
    ok_round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<usize> {
    conn.prepare_cached(SUPERSEDE_EARLIER)?
        .execute(params![elder_id, ok_round.ordinal(), ts(now)])
}

/// The elder's flags before a round that a later ok round closed at or after `closed_since` (to
/// reopen when that ok round is taken back). Flags closed earlier were closed by an earlier round,
/// which still stands: leaving them out keeps an undo from re-reading the elder's whole history.
pub fn superseded_by_later_round(
    conn: &Connection,
    elder_id: &str,
    before: Round,
    closed_since: DateTime<Utc>,
) -> super::db::Result<Vec<FlagRecord>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM flags AS f {SUPERSEDED_BY_LATER_ROUND}"
    ))?;
    statement
        .query_map(
            params![elder_id, before.ordinal(), ts(closed_since)],
            from_row,
        )?
        .collect()
}

/// Elders with an open `missed` or `unclear` flag: the ones a later ok round may clear.
pub fn elders_with_open_supersedable(
    conn: &Connection,
) -> super::db::Result<std::collections::HashSet<String>> {
    let mut statement = conn.prepare_cached(OPEN_SUPERSEDABLE)?;
    statement.query_map([], |row| row.get(0))?.collect()
}

pub fn resolve(
    conn: &Connection,
    id: i64,
    outcome: Outcome,
    note: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<bool> {
    Ok(conn.execute(
        "UPDATE flags SET state = 'resolved', outcome = ?2, note = ?3, closed_by = ?4,
             closed_at = ?5
         WHERE id = ?1 AND state = 'open'",
        params![id, outcome.as_str(), note, actor, ts(now)],
    )? > 0)
}

/// A flag as the lists show it: with the elder and who checked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlagView {
    pub id: i64,
    pub elder_id: String,
    pub name: String,
    pub address: String,
    pub grid: String,
    pub round: Round,
    pub status: Status,
    pub severity: Severity,
    pub streak: u32,
    pub state: FlagState,
    pub checker: Option<String>,
    pub raised_at: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub outcome: Option<String>,
    pub superseded_because: Option<SupersedeReason>,
    pub note: Option<String>,
    /// The patrol gap the flag belongs to (DESIGN.md section 4), or null.
    pub gap: Option<i64>,
    /// That gap's state: an open gap lists its missed flags folded under it.
    #[serde(skip)]
    pub gap_state: Option<GapState>,
}

impl FlagView {
    /// Listed folded under its open patrol gap rather than on its own.
    pub fn folded(&self) -> bool {
        gap::folded(self.status, self.gap_state)
    }
}

/// The flag lists' query. Open flags are found through `flags_by_state`, every flag since a round
/// through `flags_by_round`: one statement with `(?1 OR f.state = 'open')` made SQLite scan the
/// whole flags table (hundreds of thousands of rows in a district year) to list a few open ones.
fn list_sql(include_closed: bool) -> String {
    let state = if include_closed {
        ""
    } else {
        "f.state = 'open' AND"
    };
    format!(
        "SELECT {COLUMNS}, e.name, e.address, e.grid,
             (SELECT c.checker FROM checks AS c
              WHERE c.elder_id = f.elder_id AND c.round = f.round AND c.observation IS NOT NULL
              ORDER BY c.seen_at DESC, c.recorded_at DESC LIMIT 1),
             m.gap_id, g.state
         FROM flags AS f JOIN elders AS e ON e.id = f.elder_id
             LEFT JOIN gap_flags AS m ON m.flag_id = f.id
             LEFT JOIN gaps AS g ON g.id = m.gap_id
         WHERE {state} f.round >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR e.grid = ?2)
         ORDER BY f.severity_rank DESC, f.round, e.route IS NULL, e.route, f.elder_id"
    )
}

/// Flags in the order of DESIGN.md section 3 and issue #15: alerts first by severity, then the
/// patrol gaps' missed flags (gap by gap, newest round first), then the remaining flags by
/// severity, oldest first. Open only unless `include_closed`.
pub fn list(
    conn: &Connection,
    include_closed: bool,
    since: Option<Round>,
    grid: Option<&str>,
) -> super::db::Result<Vec<FlagView>> {
    let mut statement = conn.prepare_cached(&list_sql(include_closed))?;
    let since = since.map_or(i64::MIN, Round::ordinal);
    statement
        .query_map(params![since, grid], |row| {
            let flag = from_row(row)?;
            Ok(FlagView {
                id: flag.id,
                elder_id: flag.elder_id,
                name: row.get(15)?,
                address: row.get(16)?,
                grid: row.get(17)?,
                round: flag.round,
                status: flag.status,
                severity: flag.severity,
                streak: flag.streak,
                state: flag.state,
                checker: row.get(18)?,
                raised_at: ts(flag.raised_at),
                closed_at: flag.closed_at.map(ts),
                closed_by: flag.closed_by,
                outcome: flag.outcome,
                superseded_because: flag.superseded_because,
                note: flag.note,
                gap: row.get(19)?,
                gap_state: row
                    .get::<_, Option<String>>(20)?
                    .and_then(|text| GapState::parse(&text)),
            })
        })?
        .collect::<super::db::Result<Vec<_>>>()
        .map(|mut flags| {
            // A stable sort: within each part the query's order (severity, round, route) stays.
            flags.sort_by_key(|flag: &FlagView| {
                let part = gap::list_part(flag.status, flag.gap_state);
                let gap_order = if part == gap::ListPart::Gaps {
                    (std::cmp::Reverse(flag.round), flag.gap.unwrap_or(0))
                } else {
                    (std::cmp::Reverse(Round::default()), 0)
                };
                (part, gap_order)
            });
            flags
        })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FollowUp {
    pub id: i64,
    pub flag_id: i64,
    pub action: String,
    pub note: Option<String>,
    pub actor: String,
    pub at: String,
}

pub fn add_follow_up(
    conn: &Connection,
    flag_id: i64,
    action: &str,
    note: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<i64> {
    let inserted: i64 = conn
        .prepare_cached(
            "INSERT INTO follow_ups (flag_id, action, note, actor, at, uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             RETURNING id",
        )?
        .query_row(
            params![
                flag_id,
                action,
                note,
                actor,
                ts(now),
                uuid::Uuid::new_v4().to_string()
            ],
            |row| row.get::<_, i64>(0),
        )?;
    Ok(inserted)
}

pub fn follow_ups(conn: &Connection, flag_id: i64) -> super::db::Result<Vec<FollowUp>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, flag_id, action, note, actor, at FROM follow_ups WHERE flag_id = ?1
         ORDER BY at, id",
    )?;
    statement
        .query_map([flag_id], |row| {
            Ok(FollowUp {
                id: row.get(0)?,
                flag_id: row.get(1)?,
                action: row.get(2)?,
                note: row.get(3)?,
                actor: row.get(4)?,
                at: row.get(5)?,
            })
        })?
        .collect()
}

/// Resolves an open flag with an outcome and logs it, in one transaction. Refuses an unknown
/// flag or one that is no longer open.
pub fn resolve_flag(
    store: &mut super::Store,
    id: i64,
    outcome: Outcome,
    note: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let tx = store.write()?;
    let flag = get(&tx, id)?.ok_or(crate::error::Refusal::UnknownFlag(id))?;
    if !resolve(&tx, id, outcome, note, actor, now)? {
        return Err(crate::error::Refusal::FlagNotOpen {
            id,
            state: flag.state.as_str().to_string(),
        }
        .into());
    }
    add_follow_up(
        &tx,
        id,
        &format!("resolved:{}", outcome.as_str()),
        note,
        actor,
        now,
    )?;
    tx.commit()?;
    Ok(())
}

/// Logs what a grid worker did about a flag. Refuses an unknown flag.
pub fn log_follow_up(
    store: &mut super::Store,
    id: i64,
    action: crate::domain::followup::FollowUpAction,
    note: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let tx = store.write()?;
    get(&tx, id)?.ok_or(crate::error::Refusal::UnknownFlag(id))?;
    add_follow_up(&tx, id, action.as_str(), note, actor, now)?;
    tx.commit()?;
    Ok(())
}

const OPEN_BY_ROUND_AND_GRID: &str = "SELECT f.round, e.grid, count(*)
    FROM flags AS f JOIN elders AS e ON e.id = f.elder_id
    WHERE f.state = 'open' AND f.round BETWEEN ?1 AND ?2 GROUP BY f.round, e.grid";

/// How many flags stand open per round and grid over `first..=last` (the history screen).
pub fn open_by_round_and_grid(
    conn: &Connection,
    first: Round,
    last: Round,
) -> super::db::Result<Vec<(Round, String, usize)>> {
    let mut statement = conn.prepare_cached(OPEN_BY_ROUND_AND_GRID)?;
    let rows: Vec<(i64, String, i64)> = statement
        .query_map(params![first.ordinal(), last.ordinal()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<super::db::Result<_>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(round, grid, count)| {
            Some((
                Round::from_ordinal(round)?,
                grid,
                usize::try_from(count).ok()?,
            ))
        })
        .collect())
}

pub fn count_open(conn: &Connection, grid: Option<&str>) -> super::db::Result<usize> {
    let count: i64 = match grid {
        Some(grid) => conn
            .prepare_cached(COUNT_OPEN)?
            .query_row([grid], |row| row.get(0))?,
        None => conn
            .prepare_cached(COUNT_ALL_OPEN)?
            .query_row([], |row| row.get(0))?,
    };
    Ok(usize::try_from(count).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan of `sql`, one line per step.
    fn plan(conn: &rusqlite::Connection, sql: &str, args: usize) -> String {
        let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let values: Vec<rusqlite::types::Value> = (0..args).map(|_| 1.into()).collect();
        let lines: Vec<String> = statement
            .query_map(rusqlite::params_from_iter(values), |row| row.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        lines.join(" | ")
    }

    /// Settling a round, raising and superseding flags, and listing or counting the open ones
    /// read through an index on the round, the elder or the state, never a scan of the flags or
    /// checks tables, which grow with every round of history. (Plans are taken on an empty
    /// schema without statistics, as a new district's database has them.)
    #[test]
    fn per_round_and_open_flag_queries_never_scan_flags_or_checks() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        let select = |clause: &str| format!("SELECT {COLUMNS} FROM flags AS f {clause}");
        let cases = [
            ("for_elder_round", select(FOR_ELDER_ROUND), 2),
            ("for_round", select(FOR_ROUND), 1),
            ("for_elder_after", select(FOR_ELDER_AFTER), 2),
            (
                "superseded_by_later_round",
                select(SUPERSEDED_BY_LATER_ROUND),
                3,
            ),
            ("supersede_earlier", SUPERSEDE_EARLIER.to_string(), 3),
            (
                "elders_with_open_supersedable",
                OPEN_SUPERSEDABLE.to_string(),
                0,
            ),
            ("count_open", COUNT_OPEN.to_string(), 1),
            ("count_all_open", COUNT_ALL_OPEN.to_string(), 0),
            (
                "open_by_round_and_grid",
                OPEN_BY_ROUND_AND_GRID.to_string(),
                2,
            ),
            ("list (open)", list_sql(false), 2),
        ];
        for (name, sql, args) in cases {
            let plan = plan(&conn, &sql, args);
            for step in plan.split(" | ") {
                let scans_history = ["SCAN f", "SCAN c", "SCAN flags", "SCAN checks"]
                    .iter()
                    .any(|scan| step.starts_with(scan));
                assert!(!scans_history, "{name} scans: {plan}");
            }
            assert!(plan.contains("USING"), "{name} uses no index: {plan}");
            // The open flags are a few hundred of a district's hundreds of thousands: a range
            // over every round (`round >= ?` from the beginning of time) is a scan by another
            // name, so the open-flag reads must go by the state.
            if name.contains("open") {
                assert!(plan.contains("flags_by_state"), "{name}: {plan}");
            }
        }
    }
}
