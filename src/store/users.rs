//! The users table: names, roles, grids, PIN hashes, lockouts, and the append-only audit of every
//! change to them. Hashing and checking PINs is `crate::auth`'s; this module only stores them.

use std::collections::BTreeSet;

use super::db::{Connection, OptionalExtension, Row, params};
use chrono::{DateTime, Utc};

use super::{parse_ts, ts};
use crate::domain::access::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub grids: BTreeSet<String>,
    /// The communities they work in (every grid of each).
    pub communities: BTreeSet<String>,
    pub pin_hash: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub disabled_at: Option<DateTime<Utc>>,
    pub failed_attempts: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

impl User {
    pub fn enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
}

fn from_row(row: &Row<'_>) -> super::db::Result<User> {
    let role: String = row.get("role")?;
    let role = role
        .parse()
        .map_err(|()| super::db::Error::column(1, format!("unknown role {role}")))?;
    let optional_ts = |text: Option<String>| text.as_deref().map(parse_ts).transpose();
    Ok(User {
        name: row.get("name")?,
        role,
        grids: BTreeSet::new(),
        communities: BTreeSet::new(),
        pin_hash: row.get("pin_hash")?,
        created_at: parse_ts(&row.get::<_, String>("created_at")?)?,
        created_by: row.get("created_by")?,
        disabled_at: optional_ts(row.get("disabled_at")?)?,
        failed_attempts: row.get("failed_attempts")?,
        locked_until: optional_ts(row.get("locked_until")?)?,
    })
}

fn grids_of(conn: &Connection, name: &str) -> super::db::Result<BTreeSet<String>> {
    let mut statement =
        conn.prepare_cached("SELECT grid FROM user_grids WHERE user_name = ?1 ORDER BY grid")?;
    statement.query_map([name], |row| row.get(0))?.collect()
}

fn communities_of(conn: &Connection, name: &str) -> super::db::Result<BTreeSet<String>> {
    let mut statement = conn.prepare_cached(
        "SELECT community FROM user_communities WHERE user_name = ?1 ORDER BY community",
    )?;
    statement.query_map([name], |row| row.get(0))?.collect()
}

/// Whether the database has users at all; without any it is one person's own and asks no PIN.
pub fn any(conn: &Connection) -> super::db::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM users)", [], |row| row.get(0))
}

pub fn get(conn: &Connection, name: &str) -> super::db::Result<Option<User>> {
    let user = conn
        .query_row("SELECT * FROM users WHERE name = ?1", [name], from_row)
        .optional()?;
    user.map(|mut user| {
        user.grids = grids_of(conn, &user.name)?;
        user.communities = communities_of(conn, &user.name)?;
        Ok(user)
    })
    .transpose()
}

pub fn all(conn: &Connection) -> super::db::Result<Vec<User>> {
    let mut statement = conn.prepare("SELECT * FROM users ORDER BY name")?;
    let users: Vec<User> = statement
        .query_map([], from_row)?
        .collect::<super::db::Result<_>>()?;
    users
        .into_iter()
        .map(|mut user| {
            user.grids = grids_of(conn, &user.name)?;
            user.communities = communities_of(conn, &user.name)?;
            Ok(user)
        })
        .collect()
}

/// Enabled admins: the last one may not be disabled, or nobody could manage users again.
pub fn count_enabled_admins(conn: &Connection) -> super::db::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL",
        [],
        |row| row.get(0),
    )
}

pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: Role,
    pub grids: &'a BTreeSet<String>,
    pub communities: &'a BTreeSet<String>,
    pub pin_hash: &'a str,
}

pub fn add(
    conn: &Connection,
    user: &NewUser<'_>,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<()> {
    conn.execute(
        "INSERT INTO users (name, role, pin_hash, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user.name, user.role.as_str(), user.pin_hash, ts(now), actor],
    )?;
    for grid in user.grids {
        conn.execute(
            "INSERT INTO user_grids (user_name, grid) VALUES (?1, ?2)",
            params![user.name, grid],
        )?;
    }
    for community in user.communities {
        conn.execute(
            "INSERT INTO user_communities (user_name, community) VALUES (?1, ?2)",
            params![user.name, community],
        )?;
    }
    let grids: Vec<&str> = user.grids.iter().map(String::as_str).collect();
    let communities: Vec<&str> = user.communities.iter().map(String::as_str).collect();
    let detail =
        serde_json::json!({ "role": user.role, "grids": grids, "communities": communities })
            .to_string();
    audit(conn, user.name, "add", actor, now, Some(&detail))
}

/// A new PIN; it also lifts a lockout.
pub fn set_pin(
    conn: &Connection,
    name: &str,
    pin_hash: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<()> {
    conn.execute(
        "UPDATE users SET pin_hash = ?2, failed_attempts = 0, locked_until = NULL WHERE name = ?1",
        params![name, pin_hash],
    )?;
    audit(conn, name, "passwd", actor, now, None)
}

pub fn set_enabled(
    conn: &Connection,
    name: &str,
    enabled: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> super::db::Result<bool> {
    let changed = if enabled {
        conn.execute(
            "UPDATE users SET disabled_at = NULL, failed_attempts = 0, locked_until = NULL
             WHERE name = ?1 AND disabled_at IS NOT NULL",
            [name],
        )?
    } else {
        conn.execute(
            "UPDATE users SET disabled_at = ?2 WHERE name = ?1 AND disabled_at IS NULL",
            params![name, ts(now)],
        )?
    };
    if changed > 0 {
        let action = if enabled { "enable" } else { "disable" };
        audit(conn, name, action, actor, now, None)?;
    }
    Ok(changed > 0)
}

/// A wrong PIN: counted, and audited so an admin can see someone guessing.
pub fn record_failed_login(
    conn: &Connection,
    name: &str,
    failures: i64,
    locked_until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> super::db::Result<()> {
    conn.execute(
        "UPDATE users SET failed_attempts = ?2, locked_until = ?3 WHERE name = ?1",
        params![name, failures, locked_until.map(ts)],
    )?;
    let detail = locked_until.map(|until| format!("locked until {}", ts(until)));
    audit(conn, name, "login_failed", name, now, detail.as_deref())
}

pub fn record_good_login(conn: &Connection, name: &str) -> super::db::Result<()> {
    conn.execute(
        "UPDATE users SET failed_attempts = 0, locked_until = NULL
         WHERE name = ?1 AND (failed_attempts != 0 OR locked_until IS NOT NULL)",
        [name],
    )?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub user_name: String,
    pub action: String,
    pub actor: String,
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
}

fn audit(
    conn: &Connection,
    user_name: &str,
    action: &str,
    actor: &str,
    at: DateTime<Utc>,
    detail: Option<&str>,
) -> super::db::Result<()> {
    conn.prepare_cached(
        "INSERT INTO user_audit (user_name, action, actor, at, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![user_name, action, actor, ts(at), detail])?;
    Ok(())
}

pub fn audit_log(conn: &Connection) -> super::db::Result<Vec<AuditEntry>> {
    let mut statement =
        conn.prepare("SELECT user_name, action, actor, at, detail FROM user_audit ORDER BY id")?;
    statement
        .query_map([], |row| {
            Ok(AuditEntry {
                user_name: row.get(0)?,
                action: row.get(1)?,
                actor: row.get(2)?,
                at: parse_ts(&row.get::<_, String>(3)?)?,
                detail: row.get(4)?,
            })
        })?
        .collect()
}
