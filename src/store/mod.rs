//! SQLite: the one place that talks SQL. Opening (file mode, pragmas, migrations, refusing files
//! from newer versions), and the tables by module: `elders`, `checks`, `absences`, `flags`, and
//! `rounds` (statuses computed from them with the rules of `crate::domain`).

pub mod absences;
pub mod checks;
pub mod elders;
pub mod flags;
pub mod ledger;
pub mod rounds;
pub mod schema;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::domain::Schedule;
use crate::error::Refusal;

/// An open database and the community schedule its rules are read with.
pub struct Store {
    pub conn: Connection,
    pub schedule: Schedule,
    pub path: PathBuf,
}

/// Whether opening may create the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    IfMissing,
    Never,
}

/// How long a writer waits for another process's transaction before giving up. Volunteers on one
/// community machine write a check in a millisecond, so this is never reached in practice.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    pub fn open(path: &Path, create: Create, schedule: Schedule) -> anyhow::Result<Store> {
        if !path.exists() {
            if create == Create::Never {
                return Err(Refusal::NoDatabase(path.to_path_buf()).into());
            }
            create_private_file(path)?;
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("opening {}", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        refuse_foreign_or_newer(&conn, path)?;
        // WAL so readers never block the writer; FULL so a check reported saved survives a
        // power cut, not only a crash.
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))
            .with_context(|| format!("switching {} to WAL", path.display()))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if schema::user_version(&conn)? < schema::LATEST {
            schema::migrate(&mut conn).with_context(|| format!("upgrading {}", path.display()))?;
        }
        Ok(Store {
            conn,
            schedule,
            path: path.to_path_buf(),
        })
    }

    /// A write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so it waits
    /// its turn behind other writers instead of failing halfway with "database is locked".
    pub fn write(&mut self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
    }

    /// Changes whenever another connection commits: how a screen notices other terminals.
    pub fn data_version(&self) -> rusqlite::Result<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |row| row.get(0))
    }

    /// Copies the live database to `file` with SQLite's online backup (consistent while others
    /// write), then checks the copy's integrity and that it holds every check there was before.
    /// Returns the copy's elder and check counts.
    pub fn backup_to(&self, file: &Path) -> anyhow::Result<(i64, i64)> {
        let count = |conn: &Connection, table: &str| -> anyhow::Result<i64> {
            Ok(
                conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                    row.get(0)
                })?,
            )
        };
        let checks_before = count(&self.conn, "checks")?;
        let mut copy = Connection::open(file)?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            backup
                .run_to_completion(256, Duration::from_millis(5), None)
                .context("copying the database")?;
        }
        let integrity: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        anyhow::ensure!(
            integrity == "ok",
            "the copy failed its integrity check: {integrity}"
        );
        let elders = count(&copy, "elders")?;
        let checks = count(&copy, "checks")?;
        anyhow::ensure!(
            checks >= checks_before,
            "the copy holds {checks} checks, the live database held {checks_before}"
        );
        Ok((elders, checks))
    }

    pub fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
    }
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// Elders' names and addresses: the file is the owner's alone (0600), in a directory of its own
/// (0700) when curtain makes the directory.
fn create_private_file(path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty())
        && !dir.exists()
    {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating the directory {}", dir.display()))?;
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    Ok(())
}

/// Reads the header before anything writes: a file from a newer curtain, or not curtain's at all,
/// is left exactly as it was.
fn refuse_foreign_or_newer(conn: &Connection, path: &Path) -> anyhow::Result<()> {
    let version = match schema::user_version(conn) {
        Ok(version) => version,
        Err(rusqlite::Error::SqliteFailure(error, _))
            if error.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(Refusal::NotOurDatabase(path.to_path_buf()).into());
        }
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", path.display()));
        }
    };
    if version > schema::LATEST {
        return Err(Refusal::NewerDatabase {
            path: path.to_path_buf(),
            found: version,
            supported: schema::LATEST,
        }
        .into());
    }
    let app_id = schema::application_id(conn)?;
    let has_tables: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
        [],
        |row| row.get(0),
    )?;
    if app_id != schema::APPLICATION_ID && (app_id != 0 || has_tables) {
        return Err(Refusal::NotOurDatabase(path.to_path_buf()).into());
    }
    Ok(())
}

/// Instants are stored as fixed-width UTC text, so they sort as strings and read well in sqlite3.
pub fn ts(instant: DateTime<Utc>) -> String {
    instant.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse_ts(text: &str) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, error.into())
        })
}

pub fn parse_date(text: &str) -> rusqlite::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|error| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, error.into())
    })
}

pub fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}
