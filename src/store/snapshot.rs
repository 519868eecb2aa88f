//! One SQLite read snapshot on two connections, and a copy's pages compared with it (#14): a
//! backup's copy is made on one core while SQLite's quick check reads the very same snapshot
//! on the other, and the copy is then read back and found byte for byte that snapshot. Both
//! come from SQLite features `.cargo/config.toml` builds in (`SQLITE_ENABLE_SNAPSHOT`,
//! `SQLITE_ENABLE_DBPAGE_VTAB`); the snapshot functions are SQLite's C API, which rusqlite does
//! not wrap, so this module holds the crate's only `unsafe`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::ptr::NonNull;
use std::time::Duration;

use anyhow::Context;
use rusqlite::{OpenFlags, ffi};

use super::Stage;

/// SQLite's snapshot functions, where SQLite was built with them.
#[cfg(sqlite_shared_snapshot)]
mod c_api {
    pub use rusqlite::ffi::{
        sqlite3_snapshot_free as free, sqlite3_snapshot_get as get, sqlite3_snapshot_open as open,
    };
}

/// Built without SQLite's snapshot API (see `build.rs`): no snapshot is ever taken, and a
/// backup checks its copy after making it.
#[cfg(not(sqlite_shared_snapshot))]
#[allow(clippy::missing_safety_doc)]
mod c_api {
    use std::ffi::{c_char, c_int};

    use rusqlite::ffi::{SQLITE_ERROR, sqlite3, sqlite3_snapshot};

    pub unsafe fn get(_: *mut sqlite3, _: *const c_char, _: *mut *mut sqlite3_snapshot) -> c_int {
        SQLITE_ERROR
    }
    pub unsafe fn open(_: *mut sqlite3, _: *const c_char, _: *mut sqlite3_snapshot) -> c_int {
        SQLITE_ERROR
    }
    pub unsafe fn free(_: *mut sqlite3_snapshot) {}
}

/// The snapshot an open read transaction sees (WAL mode only).
pub struct Snapshot(NonNull<ffi::sqlite3_snapshot>);

impl Snapshot {
    /// The snapshot of `conn`'s read transaction, which must be open and have read; `None`
    /// where SQLite gives none (a file not in WAL mode, a database in memory).
    pub fn of(conn: &rusqlite::Connection) -> Option<Snapshot> {
        let mut snapshot = std::ptr::null_mut();
        // SAFETY: the handle is `conn`'s own and is used while `conn` is borrowed, on this
        // thread; the schema name is a NUL-terminated literal; SQLite writes the out-pointer
        // only when it returns SQLITE_OK.
        let code = unsafe { c_api::get(conn.handle(), c"main".as_ptr(), &mut snapshot) };
        if code == ffi::SQLITE_OK {
            NonNull::new(snapshot).map(Snapshot)
        } else {
            None
        }
    }

    /// Makes `conn`'s transaction, begun and not yet read from, read this snapshot.
    pub fn open_in(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        // SAFETY: as in `of`; the snapshot is live until `self` is dropped, and SQLite copies
        // what it needs from it.
        let code = unsafe { c_api::open(conn.handle(), c"main".as_ptr(), self.0.as_ptr()) };
        if code == ffi::SQLITE_OK {
            Ok(())
        } else {
            Err(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None))
        }
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // SAFETY: the pointer came from sqlite3_snapshot_get and is freed once, here.
        unsafe { c_api::free(self.0.as_ptr()) }
    }
}

/// Begins a read transaction on `conn` and reads, which fixes what it sees, and returns that
/// snapshot for a second connection to read as well; `None` where SQLite gives none (the
/// transaction is begun either way).
pub fn begin_read_to_share(conn: &rusqlite::Connection) -> rusqlite::Result<Option<Snapshot>> {
    begin_read(conn)?;
    if !cfg!(sqlite_shared_snapshot) {
        return Ok(None);
    }
    if let Some(snapshot) = Snapshot::of(conn) {
        return Ok(Some(snapshot));
    }
    // SQLite takes no snapshot of a WAL no transaction has been written to since it was made,
    // as when the last connection closed and emptied it. Writing a header field as it already
    // is writes one.
    // Read and written in one write transaction, so a newer curtain upgrading the file
    // meanwhile cannot have its version written back over.
    conn.execute_batch("COMMIT")?;
    let written = rewrite_user_version(conn);
    if written.is_err() {
        // Nothing to roll back where the write transaction never began.
        let _ = conn.execute_batch("ROLLBACK");
    }
    begin_read(conn)?;
    Ok(written.ok().and_then(|()| Snapshot::of(conn)))
}

fn rewrite_user_version(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    conn.pragma_update(None, "user_version", version)?;
    conn.execute_batch("COMMIT")
}

/// Begins a read transaction and reads, so its snapshot is fixed.
fn begin_read(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.execute_batch("BEGIN DEFERRED")?;
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |row| {
        row.get::<_, i64>(0)
    })?;
    Ok(())
}

/// A second read-only connection to the file `path`, reading `snapshot`; `None` where SQLite
/// cannot open it there.
pub fn reader_at(
    snapshot: &Snapshot,
    path: &Path,
    busy_timeout: Duration,
) -> Option<rusqlite::Connection> {
    let reader = rusqlite::Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()?;
    reader.busy_timeout(busy_timeout).ok()?;
    // SQLite opens a snapshot where the connection has its WAL open: a first read does.
    begin_read(&reader).ok()?;
    // While another connection checkpoints, SQLite says busy at once instead of waiting: try
    // again for a moment before the backup goes the slower way.
    for _ in 0..OPEN_ATTEMPTS {
        if snapshot.open_in(&reader).is_ok() {
            return Some(reader);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Attempts at opening a snapshot on the second connection, 20 ms apart.
const OPEN_ATTEMPTS: u32 = 50;

/// Where the copy of a database file may differ from the snapshot it was copied from: in the
/// first page's header, the fields SQLite's online backup and the copy's own commit write (the
/// change counter and page count, 24..32; the schema cookie, 40..44; the version-valid-for
/// number and SQLite's version, 92..100).
const COPY_OWN_HEADER: [std::ops::Range<usize>; 3] = [24..32, 40..44, 92..100];

/// Pages between progress reports.
const PAGES_PER_REPORT: u64 = 16_384;

/// Reads the file `copy` back and compares it page by page with the snapshot `conn`'s open read
/// transaction sees: `Ok(None)` when the copy is that snapshot byte for byte (but for its own
/// header fields), else the first page that differs, or that the copy is longer or shorter.
pub fn first_difference(
    conn: &rusqlite::Connection,
    copy: &Path,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<Option<String>> {
    let page_size: u32 = conn.query_row("PRAGMA page_size", [], |row| row.get(0))?;
    let page_count: u32 = conn.query_row("PRAGMA page_count", [], |row| row.get(0))?;
    let page_count = u64::from(page_count);
    let file = File::open(copy).with_context(|| format!("reading back {}", copy.display()))?;
    let length = file.metadata()?.len();
    let expected = page_count.saturating_mul(u64::from(page_size));
    if length != expected {
        return Ok(Some(format!(
            "the copy is {length} bytes, the database {expected}"
        )));
    }
    let mut file = BufReader::with_capacity(1 << 20, file);
    let mut read_back = vec![0; usize::try_from(page_size)?];
    let mut pages = conn.prepare("SELECT pgno, data FROM sqlite_dbpage")?;
    let mut rows = pages.query([])?;
    let mut compared = 0u64;
    progress(Stage::Comparing {
        done: 0,
        total: page_count,
    });
    while let Some(row) = rows.next()? {
        let page = u64::from(row.get::<_, u32>(0)?);
        let data = row.get_ref(1)?.as_blob()?;
        file.read_exact(&mut read_back)
            .with_context(|| format!("reading back {}", copy.display()))?;
        compared += 1;
        let sound = same_page(page, data, &read_back)
            && (page != 1 || own_header_is_sound(&read_back, page_count));
        if page != compared || !sound {
            return Ok(Some(format!("page {page} differs")));
        }
        if compared.is_multiple_of(PAGES_PER_REPORT) {
            progress(Stage::Comparing {
                done: compared,
                total: page_count,
            });
        }
    }
    if compared != page_count {
        return Ok(Some(format!("{compared} pages compared of {page_count}")));
    }
    Ok(None)
}

fn same_page(page: u64, live: &[u8], copy: &[u8]) -> bool {
    if page != 1 {
        return live == copy;
    }
    if live.len() != copy.len() {
        return false;
    }
    let mut start = 0;
    for own in COPY_OWN_HEADER {
        if live[start..own.start] != copy[start..own.start] {
            return false;
        }
        start = own.end;
    }
    live[start..] == copy[start..]
}

/// Whether the header fields a copy writes for itself say what they must: SQLite trusts the
/// header's page count where the change counter matches the version-valid-for number, so the
/// page count must be the snapshot's, the two numbers equal, and the version this SQLite's.
fn own_header_is_sound(copy: &[u8], page_count: u64) -> bool {
    let field = |at: usize| {
        copy.get(at..at + 4)
            .and_then(|bytes| <[u8; 4]>::try_from(bytes).ok())
            .map(u32::from_be_bytes)
    };
    let version = u32::try_from(rusqlite::version_number()).ok();
    field(28).map(u64::from) == Some(page_count)
        && field(24).is_some()
        && field(24) == field(92)
        && field(96).is_some()
        && field(96) == version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copys_own_header_must_give_the_page_count_and_this_sqlites_version() {
        let mut header = vec![0u8; 100];
        let put = |header: &mut Vec<u8>, at: usize, value: u32| {
            header[at..at + 4].copy_from_slice(&value.to_be_bytes())
        };
        let version = u32::try_from(rusqlite::version_number()).unwrap();
        put(&mut header, 24, 7);
        put(&mut header, 28, 1234);
        put(&mut header, 92, 7);
        put(&mut header, 96, version);
        assert!(own_header_is_sound(&header, 1234));
        // (field, value written there instead)
        let table: &[(usize, u32)] = &[(28, 1233), (28, 0), (24, 8), (92, 6), (96, 3_045_001)];
        for &(at, value) in table {
            let mut wrong = header.clone();
            put(&mut wrong, at, value);
            assert!(!own_header_is_sound(&wrong, 1234), "field {at} = {value}");
        }
        assert!(!own_header_is_sound(&header, 1235), "another page count");
        assert!(!own_header_is_sound(&header[..99], 1234), "too short");
    }

    /// A file in WAL mode holding `rows` rows of 4 KB each (a page or more apiece).
    fn database(dir: &Path, rows: i64) -> std::path::PathBuf {
        let path = dir.join("live.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE kept (id INTEGER PRIMARY KEY, body BLOB NOT NULL) STRICT;",
        )
        .unwrap();
        for id in 0..rows {
            conn.execute(
                "INSERT INTO kept (id, body) VALUES (?1, randomblob(4000))",
                [id],
            )
            .unwrap();
        }
        path
    }

    fn rows(conn: &rusqlite::Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM kept", [], |row| row.get(0))
            .unwrap()
    }

    /// A connection in a read transaction that has read (so its snapshot is fixed), and the
    /// snapshot.
    fn reading(path: &Path) -> (rusqlite::Connection, Snapshot) {
        let conn = rusqlite::Connection::open(path).unwrap();
        let snapshot = begin_read_to_share(&conn)
            .unwrap()
            .expect("SQLite gives the snapshot of a WAL file");
        (conn, snapshot)
    }

    #[test]
    #[cfg_attr(
        not(sqlite_shared_snapshot),
        ignore = "SQLite built without its snapshot API (see build.rs)"
    )]
    fn a_second_connection_reads_the_snapshot_not_what_was_committed_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = database(dir.path(), 3);
        let (live, snapshot) = reading(&path);
        let writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .execute("INSERT INTO kept (id, body) VALUES (99, x'00')", [])
            .unwrap();
        assert_eq!(rows(&writer), 4, "committed");

        let reader = reader_at(&snapshot, &path, Duration::from_secs(1))
            .expect("SQLite opens the snapshot on a second connection");
        assert_eq!(rows(&reader), 3, "the snapshot, not the commit after it");
        assert_eq!(rows(&live), 3);

        // Outside a read transaction there is no snapshot to share.
        let idle = rusqlite::Connection::open(&path).unwrap();
        assert!(Snapshot::of(&idle).is_none());
    }

    #[test]
    #[cfg_attr(
        not(sqlite_shared_snapshot),
        ignore = "SQLite built without its snapshot API (see build.rs)"
    )]
    fn a_copy_is_found_to_be_its_snapshot_and_any_other_byte_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = database(dir.path(), 40);
        let (live, _) = reading(&path);
        let copy_path = dir.path().join("copy.db");
        {
            let mut copy = rusqlite::Connection::open(&copy_path).unwrap();
            super::super::copy_pages(&live, &mut copy, &mut |_| {}).unwrap();
        }
        // Written after the snapshot: neither in the copy nor in what it is compared with.
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute("INSERT INTO kept (id, body) VALUES (99, x'00')", [])
            .unwrap();
        let mut stages = Vec::new();
        assert_eq!(
            first_difference(&live, &copy_path, &mut |stage| stages.push(stage)).unwrap(),
            None
        );
        assert!(
            matches!(stages.first(), Some(Stage::Comparing { done: 0, total }) if *total > 40),
            "{stages:?}"
        );

        let copied = std::fs::read(&copy_path).unwrap();
        let page_size = 4096;
        // (byte changed in the copy, what is found)
        let table: &[(usize, Option<&str>)] = &[
            // The schema cookie is the copy's own; the change counter and page count are too,
            // but must agree with the version-valid-for number and the snapshot.
            (40, None),
            (43, None),
            (27, Some("page 1 differs")),
            (31, Some("page 1 differs")),
            (0, Some("page 1 differs")),
            (page_size * 2 + 100, Some("page 3 differs")),
            (copied.len() - 1, Some("differs")),
        ];
        for &(byte, found) in table {
            let mut garbled = copied.clone();
            garbled[byte] ^= 0x01;
            std::fs::write(&copy_path, &garbled).unwrap();
            let difference = first_difference(&live, &copy_path, &mut |_| {}).unwrap();
            match found {
                None => assert_eq!(difference, None, "byte {byte}"),
                Some(words) => assert!(
                    difference
                        .as_deref()
                        .is_some_and(|said| said.contains(words)),
                    "byte {byte}: {difference:?}"
                ),
            }
        }
        std::fs::write(&copy_path, &copied[..copied.len() - page_size]).unwrap();
        let shorter = first_difference(&live, &copy_path, &mut |_| {}).unwrap();
        assert!(
            shorter
                .as_deref()
                .is_some_and(|said| said.contains("bytes")),
            "{shorter:?}"
        );
    }

    #[test]
    fn only_the_copys_own_header_fields_may_differ_and_only_on_the_first_page() {
        let live: Vec<u8> = (0..512u32).map(|byte| (byte % 251) as u8).collect();
        // (page, byte changed in the copy, still the same page)
        let table: &[(u64, usize, bool)] = &[
            (1, 24, true),
            (1, 31, true),
            (1, 40, true),
            (1, 43, true),
            (1, 92, true),
            (1, 99, true),
            (1, 0, false),
            (1, 18, false),
            (1, 23, false),
            (1, 32, false),
            (1, 39, false),
            (1, 44, false),
            (1, 91, false),
            (1, 100, false),
            (1, 511, false),
            (2, 24, false),
            (2, 40, false),
            (7, 92, false),
        ];
        for &(page, byte, same) in table {
            let mut copy = live.clone();
            copy[byte] ^= 0x5a;
            assert_eq!(
                same_page(page, &live, &copy),
                same,
                "page {page}, byte {byte}"
            );
        }
        assert!(same_page(1, &live, &live));
        assert!(!same_page(1, &live, &live[..511]));
    }
}
