//! A disk that will not take a write (issue #5): a read-only database file or directory, and a
//! full disk, each give a clear message in plain words (exit 1: a runtime failure, not bad input)
//! and lose nothing already saved.
//!
//! Read-only: chmod does not stop root, so when the tests run as root the binary is run as the
//! unprivileged `nobody` (uid 65534) on files that user owns. Full disk: `RLIMIT_FSIZE` (via
//! util-linux `prlimit`, with SIGXFSZ ignored as a shell's `trap` leaves it), which makes every
//! write past the limit fail as a full disk does, and works as root too.

mod common;

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{MORNING, Run, TestDb, is_root, set_mode};

const NOBODY: u32 = 65534;
const NOW: &str = "2026-11-22 08:00";

fn count(db: &Path, sql: &str) -> i64 {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap()
}

/// `curtain ARGS` on `db` as `uid` (root only) or as ourselves.
fn run_as(uid: Option<u32>, db: &Path, args: &[&str]) -> Run {
    let mut command = common::curtain();
    command
        .env("CURTAIN_USER", common::USER)
        .args(["--db", db.to_str().unwrap(), "--now", NOW, "--lang", "en"])
        .args(args);
    if let Some(uid) = uid {
        command.uid(uid).gid(uid);
    }
    let output = command.output().expect("run curtain");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A sample database with two checks, moved into `dir/ro/` and made read-only there: the file
/// (0400), or the file and its directory (0500). As root, both belong to `nobody`, who runs the
/// binary. `None` (with the reason printed) when the setup is impossible here.
fn read_only_db(whole_dir: bool) -> Option<(TestDb, PathBuf, Option<u32>)> {
    read_only_db_after(whole_dir, |_| {})
}

/// [`read_only_db`], `before` done to the database before it is made read-only.
fn read_only_db_after(
    whole_dir: bool,
    before: impl FnOnce(&TestDb),
) -> Option<(TestDb, PathBuf, Option<u32>)> {
    let db = TestDb::sqlite_file_with_sample_roster();
    db.check("CQ001", "open", "2026-11-22 07:30");
    db.check("CQ002", "closed", "2026-11-22 07:35");
    before(&db);
    let dir = db.file("ro");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("curtain.db");
    std::fs::rename(&db.path, &path).unwrap();
    let uid = is_root().then_some(NOBODY);
    if let Some(uid) = uid {
        // nobody must reach the file: through the temp dir, into its own directory.
        set_mode(db.dir.path(), 0o711);
        std::os::unix::fs::chown(&dir, Some(uid), Some(uid)).unwrap();
        std::os::unix::fs::chown(&path, Some(uid), Some(uid)).unwrap();
        let probe = run_as(Some(uid), &path, &["--version"]);
        if probe.code != 0 {
            eprintln!(
                "skipped: running as root, and the binary does not run as nobody: {}",
                probe.describe()
            );
            return None;
        }
    }
    set_mode(&path, 0o400);
    if whole_dir {
        set_mode(&dir, 0o500);
    }
    Some((db, path, uid))
}

fn assert_refused_read_only(run: &Run) {
    assert_eq!(run.code, 1, "{}", run.describe());
    assert!(
        run.stderr.contains("read-only") && run.stderr.contains("everything saved before is safe"),
        "{}",
        run.describe()
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.describe());
}

#[test]
fn a_read_only_database_file_says_so_and_keeps_what_was_saved() {
    let Some((_db, path, uid)) = read_only_db(false) else {
        return;
    };
    let before = std::fs::read(&path).unwrap();
    let run = run_as(uid, &path, &["check", "CQ003", "open", "--round", MORNING]);
    assert_refused_read_only(&run);
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the file kept every byte"
    );
    assert_eq!(count(&path, "SELECT count(*) FROM checks"), 2);
    assert_eq!(integrity(&path), "ok");
    // Reading still works, and the doctor can look at it.
    let run = run_as(uid, &path, &["doctor"]);
    assert_eq!(run.code, 0, "{}", run.describe());
}

#[test]
fn a_read_only_directory_says_so_and_keeps_what_was_saved() {
    let Some((db, path, uid)) = read_only_db(true) else {
        return;
    };
    let before = std::fs::read(&path).unwrap();
    for args in [
        &["check", "CQ003", "open", "--round", MORNING][..],
        &["import", common::sample_roster().to_str().unwrap()],
    ] {
        let run = run_as(uid, &path, args);
        assert_refused_read_only(&run);
    }
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the file kept every byte"
    );
    set_mode(&path.with_file_name(""), 0o700);
    assert_eq!(count(&path, "SELECT count(*) FROM checks"), 2);
    assert_eq!(integrity(&path), "ok");
    drop(db);
}

#[test]
#[cfg_attr(missing_prlimit, ignore = "util-linux prlimit is not installed")]
fn a_full_disk_says_so_and_loses_nothing_already_saved() {
    let prlimit = Command::new("prlimit").arg("--version").output();
    assert!(
        prlimit.is_ok_and(|out| out.status.success()),
        "util-linux prlimit is not installed: it makes the full disk this test needs"
    );
    let db = TestDb::sqlite_file_with_sample_roster();
    // Room for a few checks' worth of WAL frames (about 20 KiB each), then the disk is "full".
    const LIMIT: u64 = 64 * 1024;
    // Another terminal keeps the database open, as the TUI does all day: the WAL then grows
    // from check to check (no process is the last to close it and checkpoints it away).
    let terminal = rusqlite::Connection::open(&db.path).unwrap();
    let _: i64 = terminal
        .query_row("SELECT count(*) FROM elders", [], |row| row.get(0))
        .unwrap();
    let elders = common::sample_elders();
    let (mut saved, mut refused) = (Vec::new(), None);
    for elder in elders.iter().take(30) {
        let mut command = common::hermetic("sh");
        command
            .args(["-c", r#"trap "" XFSZ; exec prlimit --fsize="$0" -- "$@""#])
            .arg(LIMIT.to_string())
            .arg(env!("CARGO_BIN_EXE_curtain"))
            .env("CURTAIN_USER", common::USER)
            .args([
                "--db",
                db.path.to_str().unwrap(),
                "--now",
                NOW,
                "--lang",
                "en",
            ])
            .args(["check", &elder.id, "open"]);
        let output = command.output().expect("run curtain under prlimit");
        let run = Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        if run.code == 0 {
            saved.push(elder.id.clone());
        } else {
            refused = Some(run);
            break;
        }
    }
    let refused = refused.expect("the limit was reached within 30 checks");
    eprintln!(
        "RLIMIT_FSIZE {LIMIT} bytes: {} checks saved, then: {}",
        saved.len(),
        refused.stderr.lines().next().unwrap_or_default()
    );
    assert!(!saved.is_empty(), "some checks fit before the disk filled");
    assert_eq!(refused.code, 1, "{}", refused.describe());
    assert!(
        refused.stderr.contains("could not write to the disk")
            && refused.stderr.contains("saved nothing")
            && refused.stderr.contains("everything saved before is safe"),
        "{}",
        refused.describe()
    );

    // Space again: every check reported saved is there, the file is intact, work goes on.
    drop(terminal);
    let status = db.status(MORNING, NOW);
    for id in &saved {
        assert_eq!(status[id]["observed"], "open", "{id} was reported saved");
    }
    let checked = status.values().filter(|r| r["status"] != "pending").count();
    assert_eq!(
        checked,
        saved.len(),
        "the refused check did not half-happen"
    );
    assert_eq!(integrity(&db.path), "ok");
    let doctor = db.run("en", NOW, &["doctor"]);
    assert_eq!(doctor.code, 0, "{}", doctor.describe());
    let out = db.check(&elders[29].id, "open", NOW);
    assert!(out.contains("saved"), "{out}");
}

/// A file of schema 13 (before the roster's stamp) in a read-only directory cannot be upgraded,
/// so it is read as it is: the round is listed, with its checks, and nothing is written.
#[test]
fn a_file_from_before_the_roster_stamp_in_a_read_only_directory_is_still_read() {
    let Some((db, path, uid)) = read_only_db_after(true, |db| {
        db.take_back_the_roster_stamp();
        db.mark_schema_version(13);
    }) else {
        return;
    };
    let before = std::fs::read(&path).unwrap();
    let run = run_as(
        uid,
        &path,
        &["status", "--round", MORNING, "--format", "csv"],
    );
    assert_eq!(run.code, 0, "{}", run.describe());
    let rows: Vec<&str> = run.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 60, "{}", run.stdout);
    let first = rows.iter().find(|row| row.starts_with("CQ001,")).unwrap();
    assert!(first.contains(",open,"), "{first}");
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the file kept every byte"
    );
    set_mode(&path.with_file_name(""), 0o700);
    assert_eq!(
        count(
            &path,
            "SELECT count(*) FROM sqlite_schema WHERE name = 'roster_stamp'"
        ),
        0,
        "still of schema 13"
    );
    drop(db);
}
