//! Who walks which part of a grid (#15). A new assignment of a volunteer in a grid ends the one
//! before it (never deleted), and both are written to the user audit, so who was assigned when
//! is never lost.

use super::db::{Connection, Row, params};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ts;
use crate::domain::assignment::Part;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub id: i64,
    pub volunteer: String,
    pub grid: String,
    /// Empty for the whole grid or a route range.
    pub buildings: Vec<String>,
    pub route_from: Option<i64>,
    pub route_to: Option<i64>,
    pub assigned_at: String,
    pub assigned_by: String,
    pub ended_at: Option<String>,
    pub ended_by: Option<String>,
}

impl Assignment {
    pub fn part(&self) -> Part {
        match (self.route_from, self.route_to) {
            (Some(from), Some(to)) => Part::Route { from, to },
            _ if !self.buildings.is_empty() => Part::Buildings(self.buildings.clone()),
            _ => Part::WholeGrid,
        }
    }
}

const COLUMNS: &str = "id, volunteer, grid, buildings, route_from, route_to, assigned_at,
    assigned_by, ended_at, ended_by";

fn from_row(row: &Row<'_>) -> super::db::Result<Assignment> {
    let buildings: Option<String> = row.get(3)?;
    Ok(Assignment {
        id: row.get(0)?,
        volunteer: row.get(1)?,
        grid: row.get(2)?,
        buildings: buildings
            .map(|text| serde_json::from_str(&text).unwrap_or_default())
            .unwrap_or_default(),
        route_from: row.get(4)?,
        route_to: row.get(5)?,
        assigned_at: row.get(6)?,
        assigned_by: row.get(7)?,
        ended_at: row.get(8)?,
        ended_by: row.get(9)?,
    })
}

/// The assignments in force, by grid then volunteer; of one grid when given.
pub fn current(conn: &Connection, grid: Option<&str>) -> super::db::Result<Vec<Assignment>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM assignments
         WHERE ended_at IS NULL AND (CAST(?1 AS TEXT) IS NULL OR grid = ?1)
         ORDER BY grid, volunteer, id"
    ))?;
    statement.query_map([grid], from_row)?.collect()
}

/// Every assignment ever made, oldest first: who was assigned when.
pub fn history(conn: &Connection) -> super::db::Result<Vec<Assignment>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM assignments ORDER BY id"))?;
    statement.query_map([], from_row)?.collect()
}

/// The volunteers assigned to a grid now (the assignments in force; their times are the real
/// clock's, which a drill's `--now` does not move).
pub fn volunteers(conn: &Connection, grid: &str) -> super::db::Result<Vec<String>> {
    let mut statement = conn.prepare_cached(
        "SELECT DISTINCT volunteer FROM assignments WHERE grid = ?1 AND ended_at IS NULL
         ORDER BY volunteer",
    )?;
    statement.query_map([grid], |row| row.get(0))?.collect()
}

/// Assigns a part of a grid to a volunteer, ending the assignment she had in that grid; both in
/// the user audit. Run inside the caller's write transaction. Returns the new row and the one it
/// ended.
pub fn assign(
    conn: &Connection,
    volunteer: &str,
    grid: &str,
    part: &Part,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<(Assignment, Option<Assignment>)> {
    let before = current(conn, Some(grid))?
        .into_iter()
        .find(|a| a.volunteer == volunteer);
    if let Some(before) = &before {
        conn.prepare_cached(
            "UPDATE assignments SET ended_at = ?2, ended_by = ?3 WHERE id = ?1 AND ended_at IS NULL",
        )?
        .execute(params![before.id, ts(now), actor])?;
    }
    let (buildings, from, to) = match part {
        Part::WholeGrid => (None, None, None),
        Part::Buildings(list) => (
            Some(serde_json::Value::from(list.clone()).to_string()),
            None,
            None,
        ),
        Part::Route { from, to } => (None, Some(*from), Some(*to)),
    };
    let inserted: i64 = conn.prepare_cached(
        "INSERT INTO assignments (volunteer, grid, buildings, route_from, route_to, assigned_at,
             assigned_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             RETURNING id",
    )?
    .query_row(params![
        volunteer,
        grid,
        buildings,
        from,
        to,
        ts(now),
        actor
    ], |row| row.get::<_, i64>(0))?;
    let id = inserted;
    let detail = serde_json::json!({
        "grid": grid,
        "buildings": buildings,
        "route_from": from,
        "route_to": to,
        "ends": before.as_ref().map(|b| b.id),
    })
    .to_string();
    conn.prepare_cached(
        "INSERT INTO user_audit (user_name, action, actor, at, detail) VALUES (?1, 'assign', ?2, ?3, ?4)",
    )?
    .execute(params![volunteer, actor, ts(now), detail])?;
    let new = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM assignments WHERE id = ?1"))?
        .query_row([id], from_row)?;
    Ok((new, before))
}
