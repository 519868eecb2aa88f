//! The roster: elders, imported or edited, archived but never deleted, every change audited.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::{parse_ts, ts};
use crate::domain::OwnWindows;
use crate::domain::time::parse_clock;
use crate::import::RosterRow;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Elder {
    pub id: String,
    pub name: String,
    pub address: String,
    pub grid: String,
    pub phone: Option<String>,
    pub contact: Option<String>,
    pub contact_phone: Option<String>,
    pub notes: Option<String>,
    pub window_hint: Option<String>,
    pub route: Option<i64>,
    pub keyholder: Option<String>,
    pub keyholder_phone: Option<String>,
    #[serde(skip)]
    pub own: OwnWindows,
    pub added_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

impl Elder {
    pub fn active(&self) -> bool {
        self.archived_at.is_none()
    }

    /// The elder as a roster row would describe them (for comparing a re-import).
    fn matches(&self, row: &RosterRow) -> bool {
        self.name == row.name
            && self.address == row.address
            && self.grid == row.grid
            && self.phone == row.phone
            && self.contact == row.contact
            && self.contact_phone == row.contact_phone
            && self.notes == row.notes
            && self.window_hint == row.window_hint
            && self.route == row.route
            && self.keyholder == row.keyholder
            && self.keyholder_phone == row.keyholder_phone
            && self.own.morning == row.morning_window
            && self.own.evening == row.evening_window
    }
}

/// `HH:MM-HH:MM` for people and files.
pub fn window_text(window: Option<(NaiveTime, NaiveTime)>) -> Option<String> {
    window.map(|(opens, closes)| format!("{}-{}", opens.format("%H:%M"), closes.format("%H:%M")))
}

const COLUMNS: &str = "id, name, address, grid, phone, contact, contact_phone, notes, window_hint,
    route, keyholder, keyholder_phone, morning_opens, morning_closes, evening_opens,
    evening_closes, added_at, archived_at";

fn clock_pair(opens: Option<String>, closes: Option<String>) -> Option<(NaiveTime, NaiveTime)> {
    Some((parse_clock(&opens?)?, parse_clock(&closes?)?))
}

fn clock(time: Option<NaiveTime>) -> Option<String> {
    time.map(|t| t.format("%H:%M").to_string())
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Elder> {
    Ok(Elder {
        id: row.get(0)?,
        name: row.get(1)?,
        address: row.get(2)?,
        grid: row.get(3)?,
        phone: row.get(4)?,
        contact: row.get(5)?,
        contact_phone: row.get(6)?,
        notes: row.get(7)?,
        window_hint: row.get(8)?,
        route: row.get(9)?,
        keyholder: row.get(10)?,
        keyholder_phone: row.get(11)?,
        own: OwnWindows {
            morning: clock_pair(row.get(12)?, row.get(13)?),
            evening: clock_pair(row.get(14)?, row.get(15)?),
        },
        added_at: parse_ts(&row.get::<_, String>(16)?)?,
        archived_at: row
            .get::<_, Option<String>>(17)?
            .map(|text| parse_ts(&text))
            .transpose()?,
    })
}

/// Every elder, archived ones too, in route order (unrouted last, then by id).
pub fn all(conn: &Connection) -> rusqlite::Result<Vec<Elder>> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM elders ORDER BY route IS NULL, route, id"
    ))?;
    statement.query_map([], from_row)?.collect()
}

pub fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Elder>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM elders WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

pub fn count_active(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM elders WHERE archived_at IS NULL",
        [],
        |row| row.get(0),
    )
}

/// What importing a file would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    pub added: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: usize,
    /// Elders on the roster that the file does not name; they are left as they are.
    pub not_in_file: Vec<String>,
}

impl ImportPlan {
    pub fn changes_anything(&self) -> bool {
        !self.added.is_empty() || !self.updated.is_empty()
    }
}

pub fn plan_import(conn: &Connection, rows: &[RosterRow]) -> rusqlite::Result<ImportPlan> {
    let existing = all(conn)?;
    Ok(plan_against(&existing, rows))
}

fn plan_against(existing: &[Elder], rows: &[RosterRow]) -> ImportPlan {
    let by_id: HashMap<&str, &Elder> = existing.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut plan = ImportPlan::default();
    for row in rows {
        match by_id.get(row.id.as_str()) {
            None => plan.added.push(row.id.clone()),
            Some(elder) if elder.matches(row) => plan.unchanged += 1,
            Some(_) => plan.updated.push(row.id.clone()),
        }
    }
    let in_file: HashSet<&str> = rows.iter().map(|row| row.id.as_str()).collect();
    plan.not_in_file = existing
        .iter()
        .filter(|elder| elder.active() && !in_file.contains(elder.id.as_str()))
        .map(|elder| elder.id.clone())
        .collect();
    plan
}

/// Writes an import: new elders added (on the roster from `added_at`), changed ones updated, each
/// change audited at `now`. The caller holds the transaction, so a failure leaves the roster as
/// it was.
pub fn apply_import(
    conn: &Connection,
    rows: &[RosterRow],
    actor: &str,
    now: DateTime<Utc>,
    added_at: DateTime<Utc>,
    source: &str,
) -> rusqlite::Result<ImportPlan> {
    let existing = all(conn)?;
    let plan = plan_against(&existing, rows);
    let by_id: HashMap<&str, &Elder> = existing.iter().map(|e| (e.id.as_str(), e)).collect();
    for row in rows {
        let before = by_id.get(row.id.as_str()).copied();
        if before.is_some_and(|elder| elder.matches(row)) {
            continue;
        }
        conn.prepare_cached(
            "INSERT INTO elders (id, name, address, grid, phone, contact, contact_phone, notes,
                 window_hint, route, keyholder, keyholder_phone, morning_opens, morning_closes,
                 evening_opens, evening_closes, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
             ON CONFLICT (id) DO UPDATE SET
                 name = excluded.name, address = excluded.address, grid = excluded.grid,
                 phone = excluded.phone, contact = excluded.contact,
                 contact_phone = excluded.contact_phone, notes = excluded.notes,
                 window_hint = excluded.window_hint, route = excluded.route,
                 keyholder = excluded.keyholder, keyholder_phone = excluded.keyholder_phone,
                 morning_opens = excluded.morning_opens, morning_closes = excluded.morning_closes,
                 evening_opens = excluded.evening_opens, evening_closes = excluded.evening_closes",
        )?
        .execute(params![
            row.id,
            row.name,
            row.address,
            row.grid,
            row.phone,
            row.contact,
            row.contact_phone,
            row.notes,
            row.window_hint,
            row.route,
            row.keyholder,
            row.keyholder_phone,
            clock(row.morning_window.map(|w| w.0)),
            clock(row.morning_window.map(|w| w.1)),
            clock(row.evening_window.map(|w| w.0)),
            clock(row.evening_window.map(|w| w.1)),
            ts(added_at),
        ])?;
        let after = get(conn, &row.id)?;
        let action = if before.is_some() { "updated" } else { "added" };
        audit(
            conn,
            &row.id,
            action,
            actor,
            now,
            Some(source),
            before,
            after.as_ref(),
        )?;
    }
    Ok(plan)
}

/// Runs one UPDATE of an elder and, when it changed a row, audits the elder before and after
/// under `action`. Returns whether it changed anything.
fn update_audited(
    conn: &Connection,
    id: &str,
    action: &str,
    actor: &str,
    now: DateTime<Utc>,
    update: impl FnOnce() -> rusqlite::Result<usize>,
) -> rusqlite::Result<bool> {
    let before = get(conn, id)?;
    let changed = update()? > 0;
    if changed {
        let after = get(conn, id)?;
        audit(
            conn,
            id,
            action,
            actor,
            now,
            None,
            before.as_ref(),
            after.as_ref(),
        )?;
    }
    Ok(changed)
}

/// The grids of the active roster, in the order the route first reaches them (as the roster
/// lists them; Chinese ordinals like 第二 don't sort as text).
pub fn grids(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare_cached(
        "SELECT grid FROM elders WHERE archived_at IS NULL GROUP BY grid
         ORDER BY min(route IS NULL), min(route), min(id)",
    )?;
    statement.query_map([], |row| row.get(0))?.collect()
}

/// Takes an elder off the roster from `now` on; their history stays. Audited at `recorded_at`.
pub fn archive(
    conn: &Connection,
    id: &str,
    actor: &str,
    now: DateTime<Utc>,
    recorded_at: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    update_audited(conn, id, "archived", actor, recorded_at, || {
        conn.execute(
            "UPDATE elders SET archived_at = ?2 WHERE id = ?1 AND archived_at IS NULL",
            params![id, ts(now)],
        )
    })
}

/// Puts an archived elder back on the roster from now on. Their history stays as it was; the
/// rounds while they were archived raise no flags (those rounds were settled when they closed).
pub fn restore(
    conn: &Connection,
    id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    update_audited(conn, id, "restored", actor, now, || {
        conn.execute(
            "UPDATE elders SET archived_at = NULL WHERE id = ?1 AND archived_at IS NOT NULL",
            params![id],
        )
    })
}

/// Sets one elder's place on the route, audited. Returns whether it changed.
pub fn set_route(
    conn: &Connection,
    id: &str,
    route: Option<i64>,
    actor: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<bool> {
    update_audited(conn, id, "route", actor, now, || {
        conn.execute(
            "UPDATE elders SET route = ?2 WHERE id = ?1 AND route IS NOT ?2",
            params![id, route],
        )
    })
}

/// Moves an elder one place later (or earlier) on the route by swapping route numbers with the
/// neighbour in route order. Elders without a number, or sharing one, are numbered first in the
/// order they are walked now, so the swap always means what the screen shows. Returns the
/// elder's new place, or `None` at either end (or for an unknown id).
pub fn move_in_route(
    conn: &Connection,
    id: &str,
    later: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<i64>> {
    let roster = all(conn)?;
    let Some(index) = roster.iter().position(|elder| elder.id == id) else {
        return Ok(None);
    };
    let neighbour = if later {
        index + 1
    } else {
        match index.checked_sub(1) {
            Some(before) => before,
            None => return Ok(None),
        }
    };
    if neighbour >= roster.len() {
        return Ok(None);
    }
    let mut routes: Vec<i64> = roster.iter().filter_map(|elder| elder.route).collect();
    let numbered = routes.len() == roster.len() && {
        routes.sort_unstable();
        routes.windows(2).all(|pair| pair[0] < pair[1])
    };
    let places: Vec<i64> = if numbered {
        roster.iter().filter_map(|elder| elder.route).collect()
    } else {
        (1..).take(roster.len()).collect()
    };
    for (elder, place) in roster.iter().zip(&places) {
        set_route(conn, &elder.id, Some(*place), actor, now)?;
    }
    set_route(conn, id, Some(places[neighbour]), actor, now)?;
    set_route(conn, &roster[neighbour].id, Some(places[index]), actor, now)?;
    Ok(Some(places[neighbour]))
}

#[allow(clippy::too_many_arguments)]
fn audit(
    conn: &Connection,
    elder_id: &str,
    action: &str,
    actor: &str,
    at: DateTime<Utc>,
    source: Option<&str>,
    before: Option<&Elder>,
    after: Option<&Elder>,
) -> rusqlite::Result<()> {
    let json = |elder: Option<&Elder>| elder.and_then(|e| serde_json::to_string(e).ok());
    conn.prepare_cached(
        "INSERT INTO roster_audit (elder_id, action, actor, at, source, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        elder_id,
        action,
        actor,
        ts(at),
        source,
        json(before),
        json(after)
    ])?;
    Ok(())
}

/// One entry of the roster's audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub elder_id: String,
    pub action: String,
    pub actor: String,
    pub at: String,
    pub source: Option<String>,
}

pub fn audit_log(conn: &Connection, elder_id: Option<&str>) -> rusqlite::Result<Vec<AuditEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT elder_id, action, actor, at, source FROM roster_audit
         WHERE ?1 IS NULL OR elder_id = ?1 ORDER BY id",
    )?;
    statement
        .query_map([elder_id], |row| {
            Ok(AuditEntry {
                elder_id: row.get(0)?,
                action: row.get(1)?,
                actor: row.get(2)?,
                at: row.get(3)?,
                source: row.get(4)?,
            })
        })?
        .collect()
}
