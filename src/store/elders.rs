//! The roster: elders, imported or edited, archived but never deleted, every change audited.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, NaiveTime, Utc};
use serde::Serialize;

use super::{parse_ts, ts};
use crate::domain::OwnWindows;
use crate::domain::access::Grids;
use crate::domain::roster::{ColumnSet, Field, RosterRow};
use crate::domain::time::parse_clock;

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

    /// The elder as a roster row with every column would describe them.
    pub fn as_row(&self) -> RosterRow {
        RosterRow {
            line: 0,
            id: self.id.clone(),
            name: self.name.clone(),
            address: self.address.clone(),
            grid: self.grid.clone(),
            phone: self.phone.clone(),
            contact: self.contact.clone(),
            contact_phone: self.contact_phone.clone(),
            notes: self.notes.clone(),
            window_hint: self.window_hint.clone(),
            route: self.route,
            keyholder: self.keyholder.clone(),
            keyholder_phone: self.keyholder_phone.clone(),
            morning_window: self.own.morning,
            evening_window: self.own.evening,
            community: self.own.community.clone(),
            columns: ColumnSet::ALL,
        }
    }
}

/// An elder as a round needs them (#14): who, where on the route, which windows, and when on
/// the roster. Twelve of the roster's eighteen columns: no phones, contacts, keyholder or notes.
/// What the round screen, `status`, the ledger, coverage and settling read, once per load.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterEntry {
    pub id: String,
    pub name: String,
    pub address: String,
    pub grid: String,
    pub window_hint: Option<String>,
    pub route: Option<i64>,
    pub own: OwnWindows,
    pub added_at: DateTime<Utc>,
    pub archived_at: Option<DateTime<Utc>>,
}

impl RosterEntry {
    pub fn active(&self) -> bool {
        self.archived_at.is_none()
    }
}

/// The roster as rounds read it: shared entries, so a round's rows point at their elder instead
/// of copying them.
pub type Roster = Vec<Arc<RosterEntry>>;

impl Elder {
    /// What a round needs of this elder.
    pub fn entry(&self) -> RosterEntry {
        RosterEntry {
            id: self.id.clone(),
            name: self.name.clone(),
            address: self.address.clone(),
            grid: self.grid.clone(),
            window_hint: self.window_hint.clone(),
            route: self.route,
            own: self.own.clone(),
            added_at: self.added_at,
            archived_at: self.archived_at,
        }
    }
}

/// The elder as a row will leave them: a field whose column the row's sheet lacks keeps what the
/// roster has; a new elder starts with it empty.
fn merged(existing: Option<&Elder>, row: &RosterRow) -> RosterRow {
    let Some(elder) = existing else {
        return row.clone();
    };
    let kept = elder.as_row();
    let pick = |field: Field| row.columns.contains(field);
    RosterRow {
        line: row.line,
        id: row.id.clone(),
        name: row.name.clone(),
        address: if pick(Field::Address) {
            row.address.clone()
        } else {
            kept.address
        },
        grid: if pick(Field::Grid) {
            row.grid.clone()
        } else {
            kept.grid
        },
        phone: if pick(Field::Phone) {
            row.phone.clone()
        } else {
            kept.phone
        },
        contact: if pick(Field::Contact) {
            row.contact.clone()
        } else {
            kept.contact
        },
        contact_phone: if pick(Field::ContactPhone) {
            row.contact_phone.clone()
        } else {
            kept.contact_phone
        },
        notes: if pick(Field::Notes) {
            row.notes.clone()
        } else {
            kept.notes
        },
        window_hint: if pick(Field::Window) {
            row.window_hint.clone()
        } else {
            kept.window_hint
        },
        route: if pick(Field::Route) {
            row.route
        } else {
            kept.route
        },
        keyholder: if pick(Field::Keyholder) {
            row.keyholder.clone()
        } else {
            kept.keyholder
        },
        keyholder_phone: if pick(Field::KeyholderPhone) {
            row.keyholder_phone.clone()
        } else {
            kept.keyholder_phone
        },
        morning_window: if pick(Field::MorningWindow) {
            row.morning_window
        } else {
            kept.morning_window
        },
        evening_window: if pick(Field::EveningWindow) {
            row.evening_window
        } else {
            kept.evening_window
        },
        community: if pick(Field::Community) {
            row.community.clone()
        } else {
            kept.community
        },
        columns: ColumnSet::ALL,
    }
}

/// Every field of a row as text, by canonical column name (`None`: empty).
fn field_texts(row: &RosterRow) -> [(&'static str, Option<String>); 14] {
    let text = |value: &str| (!value.is_empty()).then(|| value.to_owned());
    [
        ("name", text(&row.name)),
        ("address", text(&row.address)),
        ("grid", text(&row.grid)),
        ("phone", row.phone.clone()),
        ("contact", row.contact.clone()),
        ("contact_phone", row.contact_phone.clone()),
        ("notes", row.notes.clone()),
        ("window", row.window_hint.clone()),
        ("route", row.route.map(|route| route.to_string())),
        ("keyholder", row.keyholder.clone()),
        ("keyholder_phone", row.keyholder_phone.clone()),
        ("morning_window", window_text(row.morning_window)),
        ("evening_window", window_text(row.evening_window)),
        ("community", row.community.clone()),
    ]
}

/// What a re-import changes in one field of one elder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// The column's canonical English name (`grid`, `contact_phone`…).
    pub field: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Every field a re-import changes for one elder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElderChange {
    pub id: String,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

fn field_changes(before: &RosterRow, after: &RosterRow) -> Vec<FieldChange> {
    field_texts(before)
        .into_iter()
        .zip(field_texts(after))
        .filter(|((_, from), (_, to))| from != to)
        .map(|((field, from), (_, to))| FieldChange { field, from, to })
        .collect()
}

/// Every grid with each community its elders name (`None`: the configured community).
pub fn grid_communities(conn: &Connection) -> super::db::Result<Vec<(String, Option<String>)>> {
    conn.prepare_cached("SELECT DISTINCT grid, community FROM elders ORDER BY grid, community")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

/// The grids of the elders who live in `community`; `home` is the configured community's name,
/// where an elder with no community on the roster lives.
pub fn grids_of_community(
    conn: &Connection,
    community: &str,
    home: Option<&str>,
) -> super::db::Result<std::collections::BTreeSet<String>> {
    conn.prepare_cached(
        "SELECT DISTINCT grid FROM elders WHERE community = ?1 OR (community IS NULL AND ?2)",
    )?
    .query_map(params![community, home == Some(community)], |row| {
        row.get(0)
    })?
    .collect()
}

/// `HH:MM-HH:MM` for people and files.
pub fn window_text(window: Option<(NaiveTime, NaiveTime)>) -> Option<String> {
    window.map(|(opens, closes)| format!("{}-{}", opens.format("%H:%M"), closes.format("%H:%M")))
}

const COLUMNS: &str = "id, name, address, grid, phone, contact, contact_phone, notes, window_hint,
    route, keyholder, keyholder_phone, morning_opens, morning_closes, evening_opens,
    evening_closes, added_at, archived_at, community";

fn clock_pair(opens: Option<String>, closes: Option<String>) -> Option<(NaiveTime, NaiveTime)> {
    Some((parse_clock(&opens?)?, parse_clock(&closes?)?))
}

fn clock(time: Option<NaiveTime>) -> Option<String> {
    time.map(|t| t.format("%H:%M").to_string())
}

fn from_row(row: &Row<'_>) -> super::db::Result<Elder> {
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
            community: row.get(18)?,
        },
        added_at: parse_ts(&row.get::<_, String>(16)?)?,
        archived_at: row
            .get::<_, Option<String>>(17)?
            .map(|text| parse_ts(&text))
            .transpose()?,
    })
}

/// The columns a round reads ([`RosterEntry`]).
const ENTRY_COLUMNS: &str = "id, name, address, grid, window_hint, route, morning_opens,
    morning_closes, evening_opens, evening_closes, added_at, archived_at, community";

/// Route order (unrouted last, then by id), read from the indexes `elders_by_route` and
/// `elders_by_grid_route` without a sort; named so a test holds the plans to them.
const ROSTER: &str = "ORDER BY route IS NULL, route, id";
const ROSTER_OF_GRID: &str = "WHERE grid = ?1 ORDER BY route IS NULL, route, id";

fn entry_from_row(row: &Row<'_>) -> super::db::Result<RosterEntry> {
    Ok(RosterEntry {
        id: row.get(0)?,
        name: row.get(1)?,
        address: row.get(2)?,
        grid: row.get(3)?,
        window_hint: row.get(4)?,
        route: row.get(5)?,
        own: OwnWindows {
            morning: clock_pair(row.get(6)?, row.get(7)?),
            evening: clock_pair(row.get(8)?, row.get(9)?),
            community: row.get(12)?,
        },
        added_at: parse_ts(row.get_ref(10)?.as_str()?)?,
        archived_at: row
            .get_ref(11)?
            .as_str_or_null()?
            .map(parse_ts)
            .transpose()?,
    })
}

/// Every elder, archived ones too, in route order, narrow: what a round needs.
pub fn roster(conn: &Connection) -> super::db::Result<Roster> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM elders {ROSTER}"))?;
    statement
        .query_map([], |row| entry_from_row(row).map(Arc::new))?
        .collect()
}

/// The roster's stamp: a new random number after every change to `elders`, drawn by triggers
/// (schema 14), so that a roster read after it is current while it reads the same.
pub fn roster_stamp(conn: &Connection) -> super::db::Result<i64> {
    conn.prepare_cached("SELECT stamp FROM roster_stamp")?
        .query_row([], |row| row.get(0))
}

/// Whether the database has the roster's stamp: schema 14 on. A file older than that is read
/// without one where it cannot be upgraded (a full disk, a read-only file).
pub fn has_roster_stamp(conn: &Connection) -> super::db::Result<bool> {
    conn.query_row(
        match conn.backend() {
            super::Backend::Sqlite => {
                "SELECT EXISTS (SELECT 1 FROM sqlite_schema
                 WHERE type = 'table' AND name = 'roster_stamp')"
            }
            super::Backend::Postgres => "SELECT to_regclass('roster_stamp') IS NOT NULL",
        },
        [],
        |row| row.get(0),
    )
}

/// [`roster`] of the elders of `grids` only: a volunteer loads her grids, not the district. One
/// indexed read per grid; several grids are merged back into route order.
pub fn roster_of(conn: &Connection, grids: &Grids) -> super::db::Result<Roster> {
    let Grids::Only(only) = grids else {
        return roster(conn);
    };
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM elders {ROSTER_OF_GRID}"
    ))?;
    let mut out: Roster = Vec::new();
    for grid in only {
        for entry in statement.query_map([grid], |row| entry_from_row(row).map(Arc::new))? {
            out.push(entry?);
        }
    }
    if only.len() > 1 {
        out.sort_by(|a, b| {
            (a.route.is_none(), a.route, &a.id).cmp(&(b.route.is_none(), b.route, &b.id))
        });
    }
    Ok(out)
}

/// Every elder's notes that are not empty, by id: what a printed route sheet adds to the round.
pub fn notes(conn: &Connection) -> super::db::Result<HashMap<String, String>> {
    let mut statement = conn
        .prepare_cached("SELECT id, notes FROM elders WHERE notes IS NOT NULL AND notes != ''")?;
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

/// One elder as a round needs them.
pub fn entry(conn: &Connection, id: &str) -> super::db::Result<Option<RosterEntry>> {
    conn.prepare_cached(&format!("SELECT {ENTRY_COLUMNS} FROM elders WHERE id = ?1"))?
        .query_row([id], entry_from_row)
        .optional()
}

/// Every elder, archived ones too, in route order (unrouted last, then by id).
pub fn all(conn: &Connection) -> super::db::Result<Vec<Elder>> {
    let mut statement = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM elders {ROSTER}"))?;
    statement.query_map([], from_row)?.collect()
}

/// Every elder of one grid, archived ones too, in route order.
pub fn in_grid(conn: &Connection, grid: &str) -> super::db::Result<Vec<Elder>> {
    let mut statement =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM elders {ROSTER_OF_GRID}"))?;
    statement.query_map([grid], from_row)?.collect()
}

pub fn get(conn: &Connection, id: &str) -> super::db::Result<Option<Elder>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM elders WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

/// The roster's spelling of an id typed without regard to case (`cq012` for `CQ012`): the exact
/// id when it exists, else the one id equal to it ignoring ASCII case; `None` when there is
/// none, or more than one and the typed case does not choose.
pub fn canonical_id(conn: &Connection, typed: &str) -> super::db::Result<Option<String>> {
    // The id as typed, by the primary key: a tick names its elder exactly, and the search
    // ignoring case below reads the whole roster.
    let exact: Option<String> = conn
        .prepare_cached("SELECT id FROM elders WHERE id = ?1")?
        .query_row([typed], |row| row.get(0))
        .optional()?;
    if exact.is_some() {
        return Ok(exact);
    }
    let mut statement =
        conn.prepare_cached("SELECT id FROM elders WHERE lower(id) = lower(?1) ORDER BY id")?;
    let ids: Vec<String> = statement
        .query_map([typed], |row| row.get(0))?
        .collect::<super::db::Result<_>>()?;
    Ok(match ids.iter().find(|id| *id == typed) {
        Some(exact) => Some(exact.clone()),
        None if ids.len() == 1 => ids.into_iter().next(),
        None => None,
    })
}

pub fn count_active(conn: &Connection) -> super::db::Result<i64> {
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
    /// For each elder in `updated`, every field that changes, from what to what, clears too.
    pub changes: Vec<ElderChange>,
    /// Archived elders the file names: not changed (or, when restoring, put back on the roster).
    pub archived: Vec<String>,
    /// Whether the archived elders are restored (`import --restore`) rather than left alone.
    pub restores: bool,
}

impl ImportPlan {
    pub fn changes_anything(&self) -> bool {
        !self.added.is_empty()
            || !self.updated.is_empty()
            || (self.restores && !self.archived.is_empty())
    }
}

/// What a roster file does to an archived elder it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchivedInFile {
    /// Left as they are, and reported ("archived, not changed").
    Keep,
    /// Put back on the roster from now on, with the file's fields.
    Restore,
    /// Their fields updated while they stay archived (an edit of one elder, not a file).
    Edit,
}

pub fn plan_import(conn: &Connection, rows: &[RosterRow]) -> super::db::Result<ImportPlan> {
    let existing = all(conn)?;
    Ok(plan_against(&existing, rows, ArchivedInFile::Keep))
}

/// [`plan_import`] for a file whose archived elders are restored or kept as said.
pub fn plan_roster_file(
    conn: &Connection,
    rows: &[RosterRow],
    archived: ArchivedInFile,
) -> super::db::Result<ImportPlan> {
    let existing = all(conn)?;
    Ok(plan_against(&existing, rows, archived))
}

fn plan_against(existing: &[Elder], rows: &[RosterRow], archived: ArchivedInFile) -> ImportPlan {
    let by_id: HashMap<&str, &Elder> = existing.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut plan = ImportPlan {
        restores: archived == ArchivedInFile::Restore,
        ..ImportPlan::default()
    };
    for row in rows {
        let Some(elder) = by_id.get(row.id.as_str()) else {
            plan.added.push(row.id.clone());
            continue;
        };
        if !elder.active() && archived != ArchivedInFile::Edit {
            plan.archived.push(row.id.clone());
            if archived == ArchivedInFile::Keep {
                continue;
            }
        }
        let fields = field_changes(&elder.as_row(), &merged(Some(elder), row));
        if fields.is_empty() {
            plan.unchanged += 1;
        } else {
            plan.updated.push(row.id.clone());
            plan.changes.push(ElderChange {
                id: row.id.clone(),
                name: elder.name.clone(),
                fields,
            });
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
/// change audited at `now`. Fields whose column a row's sheet lacks are kept. Archived elders are
/// edited in place (the roster screen's form); a file goes through [`apply_roster_file`]. The
/// caller holds the transaction, so a failure leaves the roster as it was.
pub fn apply_import(
    conn: &Connection,
    rows: &[RosterRow],
    actor: &str,
    now: DateTime<Utc>,
    added_at: DateTime<Utc>,
    source: &str,
) -> super::db::Result<ImportPlan> {
    apply_roster_file(
        conn,
        rows,
        ArchivedInFile::Edit,
        actor,
        now,
        added_at,
        source,
    )
}

/// [`apply_import`] for a roster file: archived elders it names are kept as they are, or
/// restored (and updated) when `archived` says so.
pub fn apply_roster_file(
    conn: &Connection,
    rows: &[RosterRow],
    archived: ArchivedInFile,
    actor: &str,
    now: DateTime<Utc>,
    added_at: DateTime<Utc>,
    source: &str,
) -> super::db::Result<ImportPlan> {
    let existing = all(conn)?;
    let plan = plan_against(&existing, rows, archived);
    let by_id: HashMap<&str, &Elder> = existing.iter().map(|e| (e.id.as_str(), e)).collect();
    for row in rows {
        let before = by_id.get(row.id.as_str()).copied();
        if archived == ArchivedInFile::Restore && before.is_some_and(|elder| !elder.active()) {
            restore(conn, &row.id, actor, now)?;
        }
        if archived == ArchivedInFile::Keep && before.is_some_and(|elder| !elder.active()) {
            continue;
        }
        let row = merged(before, row);
        if before.is_some_and(|elder| field_changes(&elder.as_row(), &row).is_empty()) {
            continue;
        }
        let before = match before {
            Some(_) => get(conn, &row.id)?,
            None => None,
        };
        conn.prepare_cached(
            "INSERT INTO elders (id, name, address, grid, phone, contact, contact_phone, notes,
                 window_hint, route, keyholder, keyholder_phone, morning_opens, morning_closes,
                 evening_opens, evening_closes, added_at, community)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18)
             ON CONFLICT (id) DO UPDATE SET
                 name = excluded.name, address = excluded.address, grid = excluded.grid,
                 phone = excluded.phone, contact = excluded.contact,
                 contact_phone = excluded.contact_phone, notes = excluded.notes,
                 window_hint = excluded.window_hint, route = excluded.route,
                 keyholder = excluded.keyholder, keyholder_phone = excluded.keyholder_phone,
                 morning_opens = excluded.morning_opens, morning_closes = excluded.morning_closes,
                 evening_opens = excluded.evening_opens, evening_closes = excluded.evening_closes,
                 community = excluded.community",
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
            row.community,
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
            before.as_ref(),
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
    update: impl FnOnce() -> super::db::Result<usize>,
) -> super::db::Result<bool> {
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
pub fn grids(conn: &Connection) -> super::db::Result<Vec<String>> {
    let mut statement = conn.prepare_cached(
        "SELECT grid FROM elders WHERE archived_at IS NULL GROUP BY grid
         ORDER BY min(CASE WHEN route IS NULL THEN 1 ELSE 0 END), min(route), min(id)",
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
) -> super::db::Result<bool> {
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
) -> super::db::Result<bool> {
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
) -> super::db::Result<bool> {
    update_audited(conn, id, "route", actor, now, || {
        conn.execute(
            "UPDATE elders SET route = ?2 WHERE id = ?1 AND route IS DISTINCT FROM ?2",
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
) -> super::db::Result<Option<i64>> {
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
) -> super::db::Result<()> {
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

pub fn audit_log(conn: &Connection, elder_id: Option<&str>) -> super::db::Result<Vec<AuditEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT elder_id, action, actor, at, source FROM roster_audit
         WHERE CAST(?1 AS TEXT) IS NULL OR elder_id = ?1 ORDER BY id",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The roster is read in route order from an index: no sort of 30,000 rows (a temporary
    /// B-tree) on every screen load.
    #[test]
    fn the_roster_comes_in_route_order_from_an_index() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        for (name, clause) in [("roster", ROSTER), ("roster_of", ROSTER_OF_GRID)] {
            let sql = format!("EXPLAIN QUERY PLAN SELECT {ENTRY_COLUMNS} FROM elders {clause}");
            let mut statement = conn.prepare(&sql).unwrap();
            let args: Vec<rusqlite::types::Value> = (0..statement.parameter_count())
                .map(|_| "g".to_string().into())
                .collect();
            let plan: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(args), |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(plan.contains("USING INDEX elders_by_"), "{name}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{name}: {plan}");
        }
    }

    /// What every command and tick asks of the roster before settling reads small indexes.
    #[test]
    fn the_windows_and_the_first_added_come_from_indexes() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        for sql in [
            crate::store::rounds::DISTINCT_WINDOWS,
            crate::store::rounds::FIRST_ADDED,
        ] {
            let mut statement = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let plan: Vec<String> = statement
                .query_map([], |row| row.get(3))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            let plan = plan.join(" | ");
            assert!(plan.contains("COVERING INDEX elders_by_"), "{sql}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sql}: {plan}");
        }
    }

    #[test]
    fn a_volunteers_grids_come_merged_in_route_order() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO elders (id, name, grid, route, added_at) VALUES
                 ('a', 'A', 'g1', 3, '2026-01-01T00:00:00.000Z'),
                 ('b', 'B', 'g2', 1, '2026-01-01T00:00:00.000Z'),
                 ('c', 'C', 'g1', NULL, '2026-01-01T00:00:00.000Z'),
                 ('d', 'D', 'g3', 2, '2026-01-01T00:00:00.000Z'),
                 ('e', 'E', 'g2', 2, '2026-01-01T00:00:00.000Z');",
        )
        .unwrap();
        let conn = Connection::Sqlite(conn);
        let ids = |roster: Roster| roster.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(roster(&conn).unwrap()), ["b", "d", "e", "a", "c"]);
        let grids = |names: &[&str]| Grids::Only(names.iter().map(|g| g.to_string()).collect());
        assert_eq!(
            ids(roster_of(&conn, &grids(&["g1", "g2"])).unwrap()),
            ["b", "e", "a", "c"]
        );
        assert_eq!(ids(roster_of(&conn, &grids(&["g1"])).unwrap()), ["a", "c"]);
        let every: Vec<String> = all(&conn).unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(ids(roster_of(&conn, &Grids::Every).unwrap()), every);
    }
}
