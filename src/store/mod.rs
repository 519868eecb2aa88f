//! The one place that talks SQL, to an SQLite file or a PostgreSQL server through one
//! [`Connection`] (`db`, `postgres`). Opening (file mode, pragmas, migrations, refusing databases
//! from newer versions), and the tables by module: `elders`, `checks`, `absences`, `flags`, and
//! `rounds` (statuses computed from them with the rules of `crate::domain`); backups and their
//! verification here, and `doctor` (a read-only examination of a file).

pub mod absences;
pub mod assignments;
pub mod checks;
pub mod db;
pub mod doctor;
pub mod elders;
pub mod facts;
pub mod flags;
pub mod gaps;
pub mod handover;
pub mod ledger;
pub mod outbox;
pub mod postgres;
pub mod rounds;
pub mod schema;
mod snapshot;
pub mod users;

use std::fs::{self, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::OpenFlags;

use db::OptionalExtension;
pub use db::{Backend, Connection};

use crate::domain::Schedule;
use crate::domain::access::Grids;
use crate::error::Refusal;

/// An open database and the community schedule its rules are read with.
pub struct Store {
    pub conn: Connection,
    pub schedule: Schedule,
    pub path: PathBuf,
    /// A drill database (`curtain init --drill`): it follows `--now` wherever it points.
    pub drill: bool,
    /// The read connection [`Store::side_by_side`] runs its other half on, opened on first use
    /// and kept: a fresh one read the schema again and began with an empty page cache each
    /// time.
    aside: Mutex<Option<Connection>>,
    /// The rosters last read (of every grid, of a volunteer's), each under the stamp read just
    /// before it: used again while the stamp reads the same.
    rosters: Mutex<Vec<KeptRoster>>,
    /// Whether the database has the roster's stamp (schema 14 on): a file older than that, read
    /// where it cannot be upgraded (a full disk, a read-only file), has not, and its roster is
    /// read every time.
    roster_stamped: bool,
}

impl Drop for Store {
    /// The second reader closes first, so the store's own connection is the last to close, as
    /// when the second closed after each read: the last to close a file checkpoints and removes
    /// its WAL, and a second reader closing last (read-only) left a refused command's file
    /// changed where it had not been.
    fn drop(&mut self) {
        drop(
            self.aside
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
    }
}

/// How many rosters of different grids a store keeps: a screen reads its viewer's grids, and
/// settling reads every grid.
const KEPT_ROSTERS: usize = 4;

/// A roster as read under a stamp of the roster (see [`elders::roster_stamp`]).
struct KeptRoster {
    stamp: i64,
    grids: Grids,
    roster: elders::Roster,
}

/// A `postgres://` (or `postgresql://`) URL names a PostgreSQL database, not a file
/// (DESIGN.md section 4).
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// The URL, when the database `path` names is on a PostgreSQL server.
pub fn postgres_url(path: &Path) -> Option<&str> {
    path.to_str().filter(|text| is_postgres_url(text))
}

/// Whether curtain's database is there: the file, or curtain's tables in the PostgreSQL database
/// the URL names (a server that cannot be reached counts as no database; opening says why).
pub fn database_exists(path: &Path) -> bool {
    match postgres_url(path) {
        Some(url) => postgres::has_schema(url).unwrap_or(false),
        None => path.exists(),
    }
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

/// What is shown while a file from an older curtain is upgraded (a progress line on the CLI's
/// terminal): given the versions from and to, it returns what is dropped when the upgrade ends.
pub type UpgradeNotice = Box<dyn Fn(i64, i64) -> Box<dyn std::any::Any> + Send + Sync>;

static UPGRADE_NOTICE: std::sync::OnceLock<UpgradeNotice> = std::sync::OnceLock::new();

/// Sets what is shown while a file is upgraded, once for the process: the first open of a file
/// by a new version may rewrite a district's history (schema 12 took six minutes on a year of
/// 30,000 elders), and a silent terminal for that long looks hung.
pub fn on_upgrade(notice: UpgradeNotice) {
    let _ = UPGRADE_NOTICE.set(notice);
}

impl Store {
    /// Opens the database `path` names: an SQLite file, or a PostgreSQL database by its
    /// `postgres://` URL.
    pub fn open(path: &Path, create: Create, schedule: Schedule) -> anyhow::Result<Store> {
        if let Some(url) = postgres_url(path) {
            let conn = postgres::connect(url, create)?;
            let drill = is_drill(&conn)?;
            let roster_stamped = elders::has_roster_stamp(&conn)?;
            return Ok(Store {
                conn,
                schedule,
                path: path.to_path_buf(),
                drill,
                aside: Mutex::default(),
                rosters: Mutex::default(),
                roster_stamped,
            });
        }
        if !path.exists() {
            if create == Create::Never {
                return Err(Refusal::NoDatabase(path.to_path_buf()).into());
            }
            create_private_file(path)?;
        }
        let mut conn = rusqlite::Connection::open_with_flags(
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
        let version = schema::user_version(&conn)?;
        if version < schema::LATEST {
            // A new file is made in a moment; a file from an older curtain may take minutes.
            let _shown = UPGRADE_NOTICE
                .get()
                .filter(|_| version > 0)
                .map(|notice| notice(version, schema::LATEST));
            schema::migrate(&mut conn).with_context(|| format!("upgrading {}", path.display()))?;
        }
        let conn = Connection::Sqlite(conn);
        let drill = is_drill(&conn)?;
        let roster_stamped = elders::has_roster_stamp(&conn)?;
        Ok(Store {
            conn,
            schedule,
            path: path.to_path_buf(),
            drill,
            aside: Mutex::default(),
            rosters: Mutex::default(),
            roster_stamped,
        })
    }

    /// The one write transaction at a time: it waits its turn behind other writers instead of
    /// failing halfway (see [`Connection::begin_write`]).
    pub fn write(&mut self) -> db::Result<db::Transaction<'_>> {
        self.conn.begin_write()
    }

    /// Changes whenever another connection commits: how a screen notices other terminals.
    pub fn data_version(&self) -> db::Result<i64> {
        match &self.conn {
            Connection::Sqlite(conn) => {
                Ok(conn.query_row("PRAGMA data_version", [], |row| row.get(0))?)
            }
            Connection::Postgres(_) => postgres::writes(&self.conn),
        }
    }

    /// Opens an existing database for reading only: nothing is created, migrated or switched
    /// (not even the journal mode), so a damaged file or one from another version is looked at
    /// exactly as it is. Files from newer versions and other programs are refused as by
    /// [`Store::open`].
    pub fn open_read_only(path: &Path, schedule: Schedule) -> anyhow::Result<Store> {
        if postgres_url(path).is_some() {
            return Store::open(path, Create::Never, schedule);
        }
        if !path.exists() {
            return Err(Refusal::NoDatabase(path.to_path_buf()).into());
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Store::open_to_read(path, path, flags, schedule)
    }

    /// Opens a file that cannot be opened to read in the usual way (a read-only directory or a
    /// full disk leaves no room for SQLite's shared-memory file) as immutable: read exactly as
    /// the main file holds it, with no lock and no file created beside it.
    pub fn open_immutable(path: &Path, schedule: Schedule) -> anyhow::Result<Store> {
        if postgres_url(path).is_some() {
            return Store::open(path, Create::Never, schedule);
        }
        if !path.exists() {
            return Err(Refusal::NoDatabase(path.to_path_buf()).into());
        }
        let mut uri = String::from("file:");
        for byte in path.to_string_lossy().bytes() {
            match byte {
                b'?' | b'#' | b'%' => uri.push_str(&format!("%{byte:02X}")),
                _ => uri.push(char::from(byte)),
            }
        }
        uri.push_str("?immutable=1");
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Store::open_to_read(path, &uri, flags, schedule)
    }

    /// Opens `target` (the file, or a URI naming it) to read, refusing files from newer versions
    /// and other programs before anything else is read.
    fn open_to_read(
        path: &Path,
        target: impl AsRef<Path>,
        flags: OpenFlags,
        schedule: Schedule,
    ) -> anyhow::Result<Store> {
        let conn = rusqlite::Connection::open_with_flags(target, flags)
            .with_context(|| format!("opening {} to read", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        refuse_foreign_or_newer(&conn, path)?;
        let conn = Connection::Sqlite(conn);
        let drill = is_drill(&conn)?;
        let roster_stamped = elders::has_roster_stamp(&conn)?;
        Ok(Store {
            conn,
            schedule,
            path: path.to_path_buf(),
            drill,
            aside: Mutex::default(),
            rosters: Mutex::default(),
            roster_stamped,
        })
    }

    /// Runs `aside` on a read connection of its own, on another thread, while `here` runs on this
    /// store's: two independent reads of a district (the roster, a round's records) on two cores
    /// instead of one after the other. Each sees what was committed when it began, as two
    /// statements on one connection outside a transaction do. One after the other, on this
    /// connection, where a second one would not see the same: inside a transaction (it would
    /// miss what the transaction wrote), on a file opened to read only or a copy in memory, and
    /// on PostgreSQL.
    pub fn side_by_side<A: Send, B>(
        &self,
        aside: impl FnOnce(&Connection) -> db::Result<A> + Send,
        here: impl FnOnce(&Connection) -> db::Result<B>,
    ) -> db::Result<(A, B)> {
        let mut kept = self.aside.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(second) = self.second_reader(&mut kept) else {
            let a = aside(&self.conn)?;
            return Ok((a, here(&self.conn)?));
        };
        std::thread::scope(|scope| {
            let other = scope.spawn(move || aside(second));
            let b = here(&self.conn);
            let a = other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok((a?, b?))
        })
    }

    /// The roster of `grids`, in route order: the one read before while the roster's stamp has
    /// not moved since (nobody has added, changed, archived or removed an elder), else read now
    /// and kept.
    pub fn roster_of(&self, grids: &Grids) -> db::Result<elders::Roster> {
        let stamp = self.roster_stamp()?;
        if let Some(roster) = self.kept_roster(stamp, grids) {
            return Ok(roster);
        }
        let roster = elders::roster_of(&self.conn, grids)?;
        self.keep_roster(stamp, grids, &roster);
        Ok(roster)
    }

    /// The roster of `grids` and what `read` reads: with the roster kept, `read_alone` on this
    /// store; else `read` on a connection of its own beside the roster read on this one
    /// ([`Store::side_by_side`]), the roster then kept.
    pub fn roster_and<T: Send>(
        &self,
        grids: &Grids,
        read: impl FnOnce(&Connection) -> db::Result<T> + Send,
        read_alone: impl FnOnce(&Store) -> db::Result<T>,
    ) -> db::Result<(elders::Roster, T)> {
        let stamp = self.roster_stamp()?;
        if let Some(roster) = self.kept_roster(stamp, grids) {
            return Ok((roster, read_alone(self)?));
        }
        let (read, roster) = self.side_by_side(read, |conn| elders::roster_of(conn, grids))?;
        self.keep_roster(stamp, grids, &roster);
        Ok((roster, read))
    }

    /// The roster's stamp (see [`elders::roster_stamp`]); `None` on a database without one.
    pub fn roster_stamp(&self) -> db::Result<Option<i64>> {
        if !self.roster_stamped {
            return Ok(None);
        }
        elders::roster_stamp(&self.conn).map(Some)
    }

    /// The roster of `grids` kept by [`Store::keep_roster`] if the stamp it was kept under is
    /// `stamp`, read from this store's connection before.
    fn kept_roster(&self, stamp: Option<i64>, grids: &Grids) -> Option<elders::Roster> {
        let stamp = stamp?;
        let kept = self.rosters.lock().unwrap_or_else(PoisonError::into_inner);
        kept.iter()
            .find(|kept| kept.stamp == stamp && kept.grids == *grids)
            .map(|kept| kept.roster.clone())
    }

    /// Keeps `roster`, read on this store's connection after its stamp read `stamp`: read in
    /// that order, a change between the two leaves a newer roster under an older stamp, which
    /// the next stamp read no longer matches. Rosters under another stamp are let go.
    fn keep_roster(&self, stamp: Option<i64>, grids: &Grids, roster: &elders::Roster) {
        let Some(stamp) = stamp else {
            return;
        };
        let mut kept = self.rosters.lock().unwrap_or_else(PoisonError::into_inner);
        kept.retain(|kept| kept.stamp == stamp && kept.grids != *grids);
        if kept.len() >= KEPT_ROSTERS {
            kept.remove(0);
        }
        kept.push(KeptRoster {
            stamp,
            grids: grids.clone(),
            roster: roster.clone(),
        });
    }

    /// Whether a roster of `grids` is kept under the roster's stamp as it reads now.
    pub fn has_kept_roster(&self, grids: &Grids) -> db::Result<bool> {
        Ok(self.kept_roster(self.roster_stamp()?, grids).is_some())
    }

    /// The second connection that reads the file this store writes, as [`Store::side_by_side`]
    /// may use it, opened into `kept` the first time; `None` where it would not read the same.
    /// Outside a transaction each of its statements sees the latest commit, as this
    /// connection's do.
    fn second_reader<'kept>(
        &self,
        kept: &'kept mut Option<Connection>,
    ) -> Option<&'kept mut Connection> {
        let conn = self.conn.sqlite()?;
        if !conn.is_autocommit() || conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
            return None;
        }
        if kept.is_none() {
            let path = conn.path().filter(|path| !path.is_empty())?;
            let second = rusqlite::Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .ok()?;
            second.busy_timeout(BUSY_TIMEOUT).ok()?;
            *kept = Some(Connection::Sqlite(second));
        }
        kept.as_mut()
    }

    /// A private copy of the whole database in memory: where a read works out what a file that
    /// takes no writes (read-only, or on a full disk) cannot be given.
    pub fn copy_in_memory(&self) -> anyhow::Result<Store> {
        let live = self.sqlite_only()?;
        let mut memory =
            rusqlite::Connection::open_in_memory().context("opening a copy in memory")?;
        {
            let backup = rusqlite::backup::Backup::new(live, &mut memory)?;
            backup
                .run_to_completion(1024, Duration::ZERO, None)
                .context("copying the database into memory to read it")?;
        }
        Ok(Store {
            conn: Connection::Sqlite(memory),
            schedule: self.schedule.clone(),
            path: self.path.clone(),
            drill: self.drill,
            aside: Mutex::default(),
            rosters: Mutex::default(),
            roster_stamped: self.roster_stamped,
        })
    }

    /// Copies the live database to `file` with SQLite's online backup, then verifies the copy:
    /// SQLite's integrity check, the same schema version and application id, and the same number
    /// of rows in every table as the live database held at the moment copied. The rows are
    /// counted inside the read transaction the copy is taken in, so other terminals writing
    /// meanwhile neither stop the backup nor make the comparison wrong. Returns the copy's elder
    /// and check counts.
    pub fn backup_to(&self, file: &Path) -> anyhow::Result<(i64, i64)> {
        self.backup_with(file, &mut |_| {})
    }

    /// [`Store::backup_to`], telling `progress` where it is (a progress line on a terminal).
    pub fn backup_with(
        &self,
        file: &Path,
        progress: &mut dyn FnMut(Stage),
    ) -> anyhow::Result<(i64, i64)> {
        // One read transaction: the counts and the copy see the same snapshot.
        let verified = match self.conn.backend() {
            Backend::Sqlite => self.copy_in_snapshot(file, progress),
            Backend::Postgres => {
                self.conn
                    .execute_batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
                postgres::copy_to_file(&self.conn, file, progress).and_then(|(live, copy)| {
                    verify_backup_with(&live, &copy, progress)?;
                    Ok(live)
                })
            }
        };
        let ended = self.conn.execute_batch("COMMIT");
        let live = verified?;
        ended?;
        let rows = |name: &str| {
            live.tables
                .iter()
                .find(|(table, _)| table == name)
                .map_or(0, |(_, count)| *count)
        };
        Ok((rows("elders"), rows("checks")))
    }

    /// Copies the snapshot the open read transaction sees and verifies the copy. Where SQLite
    /// can open that snapshot on a second connection, its quick check runs there while the copy
    /// is made, and the copy is then read back and found to be that snapshot byte for byte, so
    /// the check holds for the copy: the quick check no longer waits for the copy on two cores.
    /// Otherwise the copy is checked after it is made. Either way the snapshot's rows and the
    /// copy's are counted and compared. Returns the snapshot's census.
    fn copy_in_snapshot(
        &self,
        file: &Path,
        progress: &mut dyn FnMut(Stage),
    ) -> anyhow::Result<Census> {
        let conn = self.sqlite_only()?;
        // The copy's steps and the counts after it all read this transaction's snapshot.
        let shared = snapshot::begin_read_to_share(conn)?;
        let mut copy = rusqlite::Connection::open(file)
            .with_context(|| format!("opening the copy {}", file.display()))?;
        let checker = shared
            .as_ref()
            .and_then(|shared| snapshot::reader_at(shared, &self.path, BUSY_TIMEOUT));
        let Some(checker) = checker else {
            copy_pages(conn, &mut copy, progress)?;
            return verify_copy(
                &copy,
                || Census::take(conn).context("counting the rows copied"),
                progress,
            );
        };
        let stop_checking = checker.get_interrupt_handle();
        std::thread::scope(|scope| {
            let checking = scope.spawn(move || quick_check(&checker));
            let copied = copy_pages(conn, &mut copy, progress)
                .and_then(|()| {
                    drop(copy);
                    snapshot::first_difference(conn, file, progress)
                })
                .and_then(|difference| match difference {
                    Some(what) => Err(BackupFault::Damaged(format!(
                        "the copy is not what was copied: {what}"
                    ))
                    .into()),
                    None => Census::take(conn).context("counting the rows copied"),
                });
            if copied.is_err() {
                stop_checking.interrupt();
            }
            progress(Stage::QuickCheck);
            let integrity = checking
                .join()
                .map_err(|_| BackupFault::Damaged("a verifying thread stopped".into()));
            let live = copied?;
            // The check read the database's own snapshot: what it finds is in the database.
            accept_quick_check(integrity?, BackupFault::LiveDamaged)?;
            same_census(&live, &census_of_copy(file)?)?;
            Ok(live)
        })
    }

    /// The SQLite connection, for what only an SQLite file does; on PostgreSQL a refusal that
    /// says what to do there instead.
    pub fn sqlite_only(&self) -> anyhow::Result<&rusqlite::Connection> {
        self.conn
            .sqlite()
            .ok_or_else(|| Refusal::NotOnPostgres.into())
    }

    pub fn meta(&self, key: &str) -> db::Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
    }
}

/// Marks that move when other terminals change what screens show: the last check stored, the
/// roster's stamp (moved by any change to an elder, whoever makes it; the last roster audit row
/// on a database older than the stamp), and the absences (each new one, and each ended early).
pub fn change_marks(store: &Store) -> db::Result<(i64, i64, i64)> {
    let roster = if store.roster_stamped {
        "(SELECT stamp FROM roster_stamp)"
    } else {
        "(SELECT coalesce(max(id), 0) FROM roster_audit)"
    };
    store
        .conn
        .prepare_cached(&format!(
            "SELECT (SELECT coalesce(max(rowid), 0) FROM checks), {roster},
                    (SELECT coalesce(max(id), 0) + count(ended_at) FROM absences)"
        ))?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
}

const DRILL: &str = "drill";

/// Whether the database was made with `curtain init --drill`.
pub fn is_drill(conn: &Connection) -> db::Result<bool> {
    let has_meta: bool = conn.query_row(
        match conn.backend() {
            Backend::Sqlite => {
                "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta')"
            }
            Backend::Postgres => "SELECT to_regclass('meta') IS NOT NULL",
        },
        [],
        |row| row.get(0),
    )?;
    if !has_meta {
        return Ok(false);
    }
    let value: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [DRILL], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(value.as_deref() == Some("1"))
}

/// Makes a new database a drill database; a live one never becomes one.
pub fn mark_drill(conn: &Connection) -> db::Result<()> {
    set_meta(conn, DRILL, "1")
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> db::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// What a database holds, as far as a backup must keep it: the header fields curtain reads and
/// the row count of every table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Census {
    pub user_version: i64,
    pub application_id: i64,
    /// (table, rows), by table name.
    pub tables: Vec<(String, i64)>,
}

impl Census {
    pub fn take(conn: &rusqlite::Connection) -> rusqlite::Result<Census> {
        let names = sqlite_tables(conn)?;
        let mut tables = Vec::with_capacity(names.len());
        for name in names {
            // The name comes from sqlite_schema itself; quoted so any name is read as one.
            let sql = format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\""));
            let count: i64 = conn.query_row(&sql, [], |row| row.get(0))?;
            tables.push((name, count));
        }
        Ok(Census {
            user_version: schema::user_version(conn)?,
            application_id: schema::application_id(conn)?,
            tables,
        })
    }
}

/// An SQLite file's own tables (not SQLite's), by name.
pub(crate) fn sqlite_tables(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT name FROM sqlite_schema
         WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?
    .query_map([], |row| row.get(0))?
    .collect()
}

/// Why a backup copy was not accepted. The copy is removed; the live database is untouched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BackupFault {
    #[error("the copy failed SQLite's integrity check: {0}")]
    Damaged(String),
    /// The snapshot copied, read by SQLite's quick check beside the copy, is damaged: the
    /// database itself is.
    #[error("the database failed SQLite's quick check: {0}")]
    LiveDamaged(String),
    #[error(
        "the copy differs from the database: {what}: {copy} in the copy, {live} in the database"
    )]
    Differs { what: String, live: i64, copy: i64 },
}

/// Where a long task stands (#14): what a progress line on a terminal says, put in words by the
/// command that runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Upgrading the schema of a file from an older curtain, once.
    Upgrading { from: i64, to: i64 },
    /// Counting every table's rows.
    Counting,
    /// Copying the database: `done` of `total` pages.
    Copying { done: u64, total: u64 },
    /// Reading a backup's copy back: `done` of `total` pages found as in the database.
    Comparing { done: u64, total: u64 },
    /// SQLite's quick check.
    QuickCheck,
    /// SQLite's full integrity check.
    IntegrityCheck,
    /// Looking for rows that point at rows that do not exist.
    ForeignKeys,
    /// Reading the records for sense.
    Sanity,
    /// Reading what the ledger (台账) needs before its first row: the roster, its rounds and
    /// how many rows each grid has.
    LedgerReading,
    /// Writing the ledger: `done` of `total` rounds.
    Ledger { done: u64, total: u64 },
}

/// Copies every page `conn`'s open read transaction sees into `copy` with SQLite's online
/// backup, telling `progress` how far it is.
fn copy_pages(
    conn: &rusqlite::Connection,
    copy: &mut rusqlite::Connection,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<()> {
    use rusqlite::backup::StepResult;
    let backup = rusqlite::backup::Backup::new(conn, copy)?;
    // The copy reads inside its own read transaction, which in WAL mode blocks no writer: no
    // pause between steps is needed for other terminals to go on.
    loop {
        let step = backup.step(4096).context("copying the database")?;
        let at = backup.progress();
        let total = u64::try_from(at.pagecount).unwrap_or(0);
        let remaining = u64::try_from(at.remaining).unwrap_or(0);
        progress(Stage::Copying {
            done: total.saturating_sub(remaining),
            total,
        });
        match step {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            // Only while another connection holds a lock: wait a moment, not a spin.
            _ => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// A connection to a finished copy that only reads. Read-write, though: the copy is in WAL
/// mode, and its `-wal` and `-shm` go when the last connection closes, which a read-only one
/// cannot do.
fn copy_reader(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// The census of a finished copy, read through SQLite.
fn census_of_copy(path: &Path) -> Result<Census, BackupFault> {
    copy_reader(path)
        .and_then(|copy| Census::take(&copy))
        .map_err(|error| BackupFault::Damaged(error.to_string()))
}

/// Checks a finished copy against the census of what was copied.
pub fn verify_backup(live: &Census, copy: &rusqlite::Connection) -> anyhow::Result<()> {
    verify_backup_with(live, copy, &mut |_| {})
}

/// [`verify_backup`], telling `progress` where it is.
pub fn verify_backup_with(
    live: &Census,
    copy: &rusqlite::Connection,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<()> {
    verify_copy(copy, || Ok(live.clone()), progress).map(|_| ())
}

/// Verifies a finished copy against the census `live` gives of what was copied, and returns
/// that census. SQLite's quick check of the copy (every page read, the row and index structure
/// checked) runs on a connection of its own, side by side with `live` and the count of the
/// copy's rows on this thread: on a district's file the check is tens of seconds, the counts a
/// second or two each, and there are two cores. The full integrity check is
/// `curtain doctor --full`'s, minutes on a district.
fn verify_copy(
    copy: &rusqlite::Connection,
    live: impl FnOnce() -> anyhow::Result<Census>,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<Census> {
    progress(Stage::QuickCheck);
    let (live, integrity, found) = match copy.path().filter(|path| !path.is_empty()) {
        Some(path) => std::thread::scope(|scope| {
            let path = Path::new(path);
            // The quick check is the long one: it has a core to itself, and both counts run
            // one after the other on this thread (three threads on two cores slowed it).
            let checking = scope.spawn(move || quick_check(&copy_reader(path)?));
            let live = live();
            let found = census_of_copy(path);
            let integrity = checking
                .join()
                .map_err(|_| BackupFault::Damaged("a verifying thread stopped".into()));
            (live, integrity, found)
        }),
        None => (
            live(),
            Ok(quick_check(copy)),
            Census::take(copy).map_err(|error| BackupFault::Damaged(error.to_string())),
        ),
    };
    let live = live?;
    accept_quick_check(integrity?, BackupFault::Damaged)?;
    same_census(&live, &found?)?;
    Ok(live)
}

/// What SQLite's quick check said, as a backup takes it: "ok", or the `damaged` fault (of the
/// copy, or of the database whose snapshot was checked) with what it found.
fn accept_quick_check(
    said: rusqlite::Result<Vec<String>>,
    damaged: fn(String) -> BackupFault,
) -> Result<(), BackupFault> {
    let said = said.map_err(|error| damaged(error.to_string()))?;
    if said == ["ok"] {
        Ok(())
    } else {
        Err(damaged(said.join("; ")))
    }
}

/// The copy's census against the database's: the same header fields, the same tables, the
/// same rows in each.
fn same_census(live: &Census, found: &Census) -> Result<(), BackupFault> {
    let differs = |what: &str, live: i64, copy: i64| BackupFault::Differs {
        what: what.to_string(),
        live,
        copy,
    };
    if found.user_version != live.user_version {
        return Err(differs(
            "user_version",
            live.user_version,
            found.user_version,
        ));
    }
    if found.application_id != live.application_id {
        return Err(differs(
            "application_id",
            live.application_id,
            found.application_id,
        ));
    }
    for (table, rows) in &live.tables {
        let copied = found
            .tables
            .iter()
            .find(|(name, _)| name == table)
            .map_or(-1, |(_, count)| *count);
        if copied != *rows {
            return Err(differs(table, *rows, copied));
        }
    }
    if found.tables.len() != live.tables.len() {
        let (live_tables, copy_tables) = (live.tables.len() as i64, found.tables.len() as i64);
        return Err(differs("tables", live_tables, copy_tables));
    }
    Ok(())
}

/// SQLite's quick check, its first ten lines.
fn quick_check(conn: &rusqlite::Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare("PRAGMA quick_check(10)")?
        .query_map([], |row| row.get::<_, String>(0))?
        .collect()
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
fn refuse_foreign_or_newer(conn: &rusqlite::Connection, path: &Path) -> anyhow::Result<()> {
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
    use chrono::Timelike;
    // Field by field, as `%Y-%m-%dT%H:%M:%S%.3fZ` would write it (a round's status writes two
    // per elder; chrono reads its pattern again each time). A leap second's nanoseconds run
    // past 999 ms, as chrono's own `%.3f` shows them.
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        instant.year(),
        instant.month(),
        instant.day(),
        instant.hour(),
        instant.minute(),
        instant.second(),
        instant.nanosecond() / 1_000_000
    )
}

pub fn parse_ts(text: &str) -> db::Result<DateTime<Utc>> {
    if let Some(instant) = parse_own_ts(text) {
        return Ok(instant);
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|error| db::Error::column(format!("time {text:?}"), error))
}

/// [`ts`]'s own shape (`2026-11-22T00:05:00.000Z`) read digit by digit: a district's round reads
/// 60,000 of these, and the general RFC 3339 parser is most of that time. Anything else (an
/// older file's, another program's) is `None`, and goes to that parser.
fn parse_own_ts(text: &str) -> Option<DateTime<Utc>> {
    let b = text.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0_u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(number(0..4)?).ok()?,
        number(5..7)?,
        number(8..10)?,
    )?;
    let time = chrono::NaiveTime::from_hms_milli_opt(
        number(11..13)?,
        number(14..16)?,
        number(17..19)?,
        number(20..23)?,
    )?;
    Some(date.and_time(time).and_utc())
}

pub fn parse_date(text: &str) -> db::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|error| db::Error::column(format!("date {text:?}"), error))
}

pub fn date_text(date: NaiveDate) -> String {
    // Field by field: chrono's format reads its pattern again each time (a ledger's 1.8 M rows).
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reading of `ts`'s own shape gives what the RFC 3339 parser gives, and leaves
    /// every other shape to it.
    #[test]
    fn stored_times_read_the_same_by_either_parser() {
        let rfc3339 = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| t.with_timezone(&Utc))
        };
        for (text, own) in [
            ("2026-11-22T00:05:00.000Z", true),
            ("2024-02-29T23:59:59.999Z", true),
            ("1999-12-31T16:00:00.123Z", true),
            ("2026-11-22T00:05:00Z", false),
            ("2026-11-22T08:05:00.000+08:00", false),
            ("2026-02-30T00:00:00.000Z", false),
            ("2026-11-22T24:00:00.000Z", false),
            ("2026-11-22T23:59:60.000Z", false),
            ("2026-1x-22T00:05:00.000Z", false),
            ("yesterday", false),
        ] {
            assert_eq!(parse_own_ts(text).is_some(), own, "{text}");
            if own {
                assert_eq!(parse_own_ts(text), rfc3339(text), "{text}");
            }
            assert_eq!(parse_ts(text).ok(), rfc3339(text), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn every_written_time_reads_back(millis in 0_i64..8_000_000_000_000) {
            let instant = DateTime::from_timestamp_millis(millis).unwrap();
            proptest::prop_assert_eq!(parse_ts(&ts(instant)).unwrap(), instant);
            let nanos = instant + chrono::Duration::nanoseconds(millis % 1_000_000);
            proptest::prop_assert_eq!(
                ts(nanos),
                nanos.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
            );
        }
    }

    /// A backup of a file whose WAL is empty (every connection had closed) still shares its
    /// snapshot with the quick check, reads the copy back and accepts it; the live rows are as
    /// they were.
    #[test]
    #[cfg_attr(
        not(sqlite_shared_snapshot),
        ignore = "SQLite built without its snapshot API (see build.rs)"
    )]
    fn a_backup_checks_its_snapshot_beside_the_copy_and_reads_the_copy_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.db");
        {
            let store =
                Store::open(&path, Create::IfMissing, crate::domain::Schedule::default()).unwrap();
            set_meta(&store.conn, "kept", "1").unwrap();
        }
        assert!(
            !dir.path().join("live.db-wal").exists(),
            "the WAL went at close"
        );
        let store = Store::open(&path, Create::Never, crate::domain::Schedule::default()).unwrap();
        let mut stages = Vec::new();
        let copy = dir.path().join("copy.db");
        store
            .backup_with(&copy, &mut |stage| stages.push(stage))
            .unwrap();
        assert!(
            stages
                .iter()
                .any(|stage| matches!(stage, Stage::Comparing { .. })),
            "{stages:?}"
        );
        assert_eq!(store.meta("kept").unwrap().as_deref(), Some("1"));
        let copied = rusqlite::Connection::open(&copy).unwrap();
        assert_eq!(
            Census::take(&copied).unwrap(),
            Census::take(store.sqlite_only().unwrap()).unwrap()
        );
    }

    /// Other terminals commit and checkpoint all through a backup: the copy is still the
    /// snapshot it started from, checked beside it, and neither side waits for the other.
    #[test]
    #[cfg_attr(
        not(sqlite_shared_snapshot),
        ignore = "SQLite built without its snapshot API (see build.rs)"
    )]
    fn a_backup_with_writers_and_checkpoints_meanwhile_is_its_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.db");
        let store =
            Store::open(&path, Create::IfMissing, crate::domain::Schedule::default()).unwrap();
        store
            .conn
            .execute_batch(
                "CREATE TABLE ballast (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000)
                 INSERT INTO ballast (body) SELECT randomblob(3000) FROM n;",
            )
            .unwrap();
        let writing = std::sync::atomic::AtomicBool::new(true);
        let copy = dir.path().join("copy.db");
        let mut stages = Vec::new();
        let (backed_up, written) = std::thread::scope(|scope| {
            let writer = scope.spawn(|| {
                let conn = rusqlite::Connection::open(&path).unwrap();
                conn.busy_timeout(Duration::from_secs(5)).unwrap();
                let mut written = 0;
                while writing.load(std::sync::atomic::Ordering::Relaxed) {
                    conn.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, 'x')",
                        [format!("w{written}")],
                    )
                    .unwrap();
                    if written % 20 == 0 {
                        conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)")
                            .unwrap();
                    }
                    written += 1;
                }
                written
            });
            std::thread::sleep(Duration::from_millis(20));
            let backed_up = store.backup_with(&copy, &mut |stage| stages.push(stage));
            writing.store(false, std::sync::atomic::Ordering::Relaxed);
            (backed_up, writer.join().unwrap())
        });
        backed_up.unwrap();
        assert!(written > 0);
        assert!(
            stages
                .iter()
                .any(|stage| matches!(stage, Stage::Comparing { .. })),
            "{stages:?}"
        );
        let copied = rusqlite::Connection::open(&copy).unwrap();
        let in_copy: i64 = copied
            .query_row("SELECT count(*) FROM meta WHERE key LIKE 'w%'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert!(
            in_copy < written,
            "{in_copy} of {written}: a snapshot, not the end"
        );
        assert_eq!(quick_check(&copied).unwrap(), ["ok"]);
    }

    /// Two reads side by side use a second connection only where it reads what this one would:
    /// a file outside a transaction. Inside a transaction the second read is this connection's,
    /// and sees what the transaction wrote; a copy in memory has no second connection.
    #[test]
    fn side_by_side_reads_what_this_connection_would() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let store =
            Store::open(&path, Create::IfMissing, crate::domain::Schedule::default()).unwrap();
        let keys = |conn: &Connection| -> db::Result<i64> {
            conn.query_row("SELECT count(*) FROM meta WHERE key = 'side'", [], |row| {
                row.get(0)
            })
        };
        let same_thread = |store: &Store| {
            let here = std::thread::current().id();
            let (aside, _) = store
                .side_by_side(|_| Ok(std::thread::current().id()), |_| Ok(()))
                .unwrap();
            aside == here
        };
        assert!(!same_thread(&store), "a file, no transaction: two threads");

        let tx = store.conn.begin_write().unwrap();
        tx.execute("INSERT INTO meta (key, value) VALUES ('side', '1')", [])
            .unwrap();
        let (aside, here) = store.side_by_side(keys, keys).unwrap();
        assert_eq!(
            (aside, here),
            (1, 1),
            "the transaction's own row, seen by both"
        );
        tx.commit().unwrap();
        assert_eq!(store.side_by_side(keys, keys).unwrap(), (1, 1));

        let memory = store.copy_in_memory().unwrap();
        assert!(
            same_thread(&memory),
            "a copy in memory has no second connection"
        );
    }

    /// The first open of a file from an older curtain says so while it upgrades (the CLI's
    /// progress line), with the versions from and to; a new file is made without a word.
    #[test]
    fn upgrading_an_older_file_is_told_and_making_a_new_one_is_not() {
        static TOLD: std::sync::Mutex<Vec<(i64, i64)>> = std::sync::Mutex::new(Vec::new());
        on_upgrade(Box::new(|from, to| {
            TOLD.lock().unwrap().push((from, to));
            Box::new(())
        }));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let schedule = crate::domain::Schedule::default;
        drop(Store::open(&path, Create::IfMissing, schedule()).unwrap());
        assert!(
            TOLD.lock().unwrap().is_empty(),
            "a new file was told as an upgrade"
        );
        // Back to schema 11: the outcomes without their checks' copies.
        let conn = rusqlite::Connection::open(&path).unwrap();
        for column in [
            "observation",
            "seen_at",
            "recorded_at",
            "checker",
            "note",
            "supersedes",
        ] {
            conn.execute_batch(&format!(
                "ALTER TABLE round_outcomes DROP COLUMN check_{column}"
            ))
            .unwrap();
        }
        conn.execute_batch(
            "DROP TRIGGER elders_inserted_move_the_roster_stamp;
             DROP TRIGGER elders_updated_move_the_roster_stamp;
             DROP TRIGGER elders_deleted_move_the_roster_stamp;
             DROP TABLE roster_stamp;",
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 11).unwrap();
        drop(conn);
        drop(Store::open(&path, Create::Never, schedule()).unwrap());
        assert_eq!(*TOLD.lock().unwrap(), [(11, schema::LATEST)]);
    }
}
