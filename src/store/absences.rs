//! Absences: periods an elder is known to be away (hospital, visiting children, wintering in the
//! south). Dates are the community's local dates, both ends included.

use std::collections::HashSet;

use super::db::{Connection, params};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{date_text, parse_date, ts};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Absence {
    pub id: i64,
    pub elder_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: Option<String>,
    pub created_by: String,
    /// Set when the absence was ended early: the elder is expected again from this date.
    pub back_on: Option<NaiveDate>,
}

/// Away on a date: inside the period and before the day they came back.
const AWAY_ON: &str = "from_date <= ?1 AND to_date >= ?1 AND (back_on IS NULL OR back_on > ?1)";

pub fn record(
    conn: &Connection,
    elder_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    reason: Option<&str>,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<i64> {
    let inserted: i64 = conn.prepare_cached(
        "INSERT INTO absences (elder_id, from_date, to_date, reason, created_by, created_at, uid)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             RETURNING id",
    )?
    .query_row(params![
        elder_id,
        date_text(from),
        date_text(to),
        reason,
        actor,
        ts(now),
        uuid::Uuid::new_v4().to_string()
    ], |row| row.get::<_, i64>(0))?;
    Ok(inserted)
}

/// Ends an absence early: the elder is expected again from `back_on`.
pub fn end(
    conn: &Connection,
    id: i64,
    back_on: NaiveDate,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<bool> {
    Ok(conn.execute(
        "UPDATE absences SET back_on = ?2, ended_by = ?3, ended_at = ?4
         WHERE id = ?1 AND back_on IS NULL",
        params![id, date_text(back_on), actor, ts(now)],
    )? > 0)
}

pub fn is_away(conn: &Connection, elder_id: &str, date: NaiveDate) -> super::db::Result<bool> {
    conn.prepare_cached(&format!(
        "SELECT EXISTS (SELECT 1 FROM absences WHERE elder_id = ?2 AND {AWAY_ON})"
    ))?
    .query_row(params![date_text(date), elder_id], |row| row.get(0))
}

pub fn away_on(conn: &Connection, date: NaiveDate) -> super::db::Result<HashSet<String>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT elder_id FROM absences WHERE {AWAY_ON}"))?;
    statement
        .query_map([date_text(date)], |row| row.get(0))?
        .collect()
}

fn from_row(row: &super::db::Row<'_>) -> super::db::Result<Absence> {
    Ok(Absence {
        id: row.get(0)?,
        elder_id: row.get(1)?,
        from: parse_date(&row.get::<_, String>(2)?)?,
        to: parse_date(&row.get::<_, String>(3)?)?,
        reason: row.get(4)?,
        created_by: row.get(5)?,
        back_on: row
            .get::<_, Option<String>>(6)?
            .map(|text| parse_date(&text))
            .transpose()?,
    })
}

/// Absences that are not over by `date` (current and future), or all of one elder's.
pub fn list(
    conn: &Connection,
    elder_id: Option<&str>,
    current_on: Option<NaiveDate>,
) -> super::db::Result<Vec<Absence>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, elder_id, from_date, to_date, reason, created_by, back_on FROM absences
         WHERE (CAST(?1 AS TEXT) IS NULL OR elder_id = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR (to_date >= ?2 AND (back_on IS NULL OR back_on > ?2)))
         ORDER BY from_date, id",
    )?;
    statement
        .query_map(params![elder_id, current_on.map(date_text)], from_row)?
        .collect()
}
