//! Shared helpers for the CLI integration tests: a database in a temp dir, the built `curtain`
//! binary run with every global option given explicitly (`--db`, `--now`, `--lang`, the user),
//! byte-for-byte snapshots of the database files, and the sample roster read back for
//! expectations. No mocks: every test runs the real binary on a real SQLite file, or, when
//! `CURTAIN_TEST_POSTGRES` names a PostgreSQL server (as `.ci/run` does for the second pass),
//! on a database of its own made on that server.

// Each test file uses a different part of this module.
#![allow(dead_code)]

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

// Like the rest of this module, each test file uses a part of these.
#[allow(unused_imports)]
pub use hermetic::{curtain, hermetic};

mod hermetic;
pub mod postgres_server;

/// Who acts unless a test says otherwise (passed as `CURTAIN_USER`).
pub const USER: &str = "wang_ayi";
/// The roster is imported the evening before, so elders join from the 2026-11-22 morning round.
pub const IMPORT_NOW: &str = "2026-11-21 20:00";
pub const MORNING: &str = "2026-11-22/morning";
pub const EVENING: &str = "2026-11-22/evening";

pub fn repo_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn sample_roster() -> PathBuf {
    repo_file("data/sample-roster.csv")
}

/// What one run of the binary gave back.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A database path in a temp dir of its own (the file itself is not created here), or a new
/// empty database on the test PostgreSQL server (dropped with this).
pub struct TestDb {
    pub dir: TempDir,
    pub path: PathBuf,
    pub postgres: Option<postgres_server::Database>,
}

impl Default for TestDb {
    fn default() -> Self {
        Self::new()
    }
}

impl TestDb {
    /// A database on the server the run was given: an SQLite file, or PostgreSQL.
    pub fn new() -> TestDb {
        match postgres_server::Database::create() {
            Some(database) => TestDb {
                dir: tempfile::tempdir().expect("temp dir"),
                path: PathBuf::from(&database.url),
                postgres: Some(database),
            },
            None => TestDb::sqlite_file(),
        }
    }

    /// An SQLite file whatever the run: for what only a file has (its bytes, its mode, its
    /// directory, a backup copy, an older schema).
    pub fn sqlite_file() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("curtain.db");
        TestDb {
            dir,
            path,
            postgres: None,
        }
    }

    /// A database holding the 60 elders of the sample roster, imported at [`IMPORT_NOW`].
    pub fn with_sample_roster() -> TestDb {
        TestDb::new().holding_the_sample_roster()
    }

    /// [`TestDb::with_sample_roster`] in an SQLite file whatever the run.
    pub fn sqlite_file_with_sample_roster() -> TestDb {
        TestDb::sqlite_file().holding_the_sample_roster()
    }

    fn holding_the_sample_roster(self) -> TestDb {
        let db = self;
        let out = db.ok(IMPORT_NOW, &["import", sample_roster().to_str().unwrap()]);
        assert!(out.contains("60 added"), "import said: {out}");
        db
    }

    /// A drill database (`init --drill`) holding the sample roster: it follows `--now`, and its
    /// flags and messages are stamped with it.
    pub fn drill_with_sample_roster() -> TestDb {
        TestDb::new().a_drill_holding_the_sample_roster()
    }

    /// [`TestDb::drill_with_sample_roster`] in an SQLite file whatever the run.
    pub fn sqlite_file_drill_with_sample_roster() -> TestDb {
        TestDb::sqlite_file().a_drill_holding_the_sample_roster()
    }

    fn a_drill_holding_the_sample_roster(self) -> TestDb {
        let db = self;
        db.ok(IMPORT_NOW, &["init", "--drill"]);
        let out = db.ok(IMPORT_NOW, &["import", sample_roster().to_str().unwrap()]);
        assert!(out.contains("60 added"), "import said: {out}");
        db
    }

    /// A path beside the database.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with `--db`, `--now`, `--lang` given and the user set; nothing else from the
    /// environment of the test runner leaks in.
    pub fn command(&self, lang: &str, now: &str, args: &[&str]) -> Command {
        self.command_as(USER, lang, now, args)
    }

    pub fn command_as(&self, user: &str, lang: &str, now: &str, args: &[&str]) -> Command {
        let mut command = command_for(&self.path, user, lang, now, args);
        // Files the test writes beside the database (its curtain.toml) are, for a database on
        // a server, in the working directory.
        command.current_dir(self.dir.path());
        command
    }

    pub fn run(&self, lang: &str, now: &str, args: &[&str]) -> Run {
        run(self.command(lang, now, args))
    }

    pub fn run_as(&self, user: &str, lang: &str, now: &str, args: &[&str]) -> Run {
        run(self.command_as(user, lang, now, args))
    }

    /// Runs in English, insists on exit 0, returns stdout.
    pub fn ok(&self, now: &str, args: &[&str]) -> String {
        self.ok_as(USER, now, args)
    }

    pub fn ok_as(&self, user: &str, now: &str, args: &[&str]) -> String {
        let result = self.run_as(user, "en", now, args);
        assert_eq!(
            result.code,
            0,
            "`curtain {}` at {now} failed:\n{}",
            args.join(" "),
            result.describe()
        );
        result.stdout
    }

    /// Runs with `--format json` already in `args`, parses the array.
    pub fn json(&self, now: &str, args: &[&str]) -> Vec<Value> {
        let out = self.ok(now, args);
        let value: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("`curtain {}` gave no JSON ({e}):\n{out}", args.join(" ")));
        value
            .as_array()
            .unwrap_or_else(|| panic!("JSON output is not an array: {out}"))
            .clone()
    }

    /// `check ID OBSERVATION` seen now, by [`USER`]; returns stdout.
    pub fn check(&self, id: &str, observation: &str, now: &str) -> String {
        self.ok(now, &["check", id, observation])
    }

    /// `status --round ROUND --format json`, by elder id.
    pub fn status(&self, round: &str, now: &str) -> HashMap<String, Value> {
        by_elder(self.json(now, &["status", "--round", round, "--format", "json"]))
    }

    /// `flags [--all] --format json`.
    pub fn flags(&self, all: bool, now: &str) -> Vec<Value> {
        let mut args = vec!["flags", "--format", "json"];
        if all {
            args.push("--all");
        }
        self.json(now, &args)
    }

    /// The flag of one elder for one round from `flags --all`.
    pub fn flag_of(&self, elder: &str, round: &str, now: &str) -> Option<Value> {
        self.flags(true, now)
            .into_iter()
            .find(|flag| flag["elder_id"] == elder && flag["round"] == round)
    }

    /// Every byte of the database file and its WAL (on PostgreSQL, every row of every table),
    /// to compare before and after.
    pub fn snapshot(&self) -> Snapshot {
        if let Some(database) = &self.postgres {
            return Snapshot(vec![(self.path.clone(), Some(database.contents()))]);
        }
        let mut files = Vec::new();
        for suffix in ["", "-wal"] {
            let path = PathBuf::from(format!("{}{suffix}", self.path.display()));
            files.push((path.clone(), std::fs::read(&path).ok()));
        }
        Snapshot(files)
    }

    /// A plain connection for looking at what the database holds (an SQLite file is opened
    /// read-only), through curtain's own connection type, so the same SQL reads either database.
    pub fn conn(&self) -> curtain::store::Connection {
        match &self.postgres {
            Some(database) => curtain::store::Connection::Postgres(Box::new(
                curtain::store::db::Pg::new(database.client()),
            )),
            None => curtain::store::Connection::Sqlite(
                rusqlite::Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .expect("open the test database"),
            ),
        }
    }

    /// Everything the database keeps, as bytes: an SQLite file and its WAL, or every row on the
    /// server; for a test that a secret never reaches it.
    pub fn stored_bytes(&self) -> Vec<Vec<u8>> {
        match &self.postgres {
            Some(database) => vec![database.contents()],
            None => ["", "-wal"]
                .iter()
                .map(|suffix| {
                    std::fs::read(format!("{}{suffix}", self.path.display())).unwrap_or_default()
                })
                .collect(),
        }
    }

    /// A connection that may write, for a test that tries what the database itself must
    /// refuse.
    pub fn writable_conn(&self) -> curtain::store::Connection {
        match &self.postgres {
            Some(_) => self.conn(),
            None => curtain::store::Connection::Sqlite(self.sqlite()),
        }
    }

    /// The schema version the database says it has.
    pub fn schema_version(&self) -> i64 {
        let sql = match &self.postgres {
            Some(_) => "SELECT version FROM curtain_schema",
            None => "PRAGMA user_version",
        };
        self.conn()
            .query_row(sql, [], |row| row.get(0))
            .expect("read the schema version")
    }

    /// Marks the database as made by a curtain of schema `version` (a newer one, say).
    pub fn mark_schema_version(&self, version: i64) {
        match &self.postgres {
            Some(database) => {
                database
                    .client()
                    .execute("UPDATE curtain_schema SET version = $1", &[&version])
                    .expect("mark the schema version");
            }
            None => self
                .sqlite()
                .pragma_update(None, "user_version", version)
                .expect("mark the schema version"),
        }
    }

    /// Takes the database back from schema 14 to 13: no roster stamp, nor what moves it. For a
    /// test that takes it further back and marks it so.
    pub fn take_back_the_roster_stamp(&self) {
        match &self.postgres {
            Some(database) => database
                .client()
                .batch_execute(
                    "DROP TRIGGER elders_move_the_roster_stamp ON elders;
                     DROP FUNCTION curtain_move_the_roster_stamp();
                     DROP TABLE roster_stamp;
                     DROP FUNCTION curtain_new_stamp();",
                )
                .expect("take back the roster stamp"),
            None => self
                .sqlite()
                .execute_batch(
                    "DROP TRIGGER elders_inserted_move_the_roster_stamp;
                     DROP TRIGGER elders_updated_move_the_roster_stamp;
                     DROP TRIGGER elders_deleted_move_the_roster_stamp;
                     DROP TABLE roster_stamp;",
                )
                .expect("take back the roster stamp"),
        }
    }

    /// The SQLite file itself, for what only a file has; a test that needs it makes its
    /// database with [`TestDb::sqlite_file`].
    pub fn sqlite(&self) -> rusqlite::Connection {
        assert!(
            self.postgres.is_none(),
            "this test reads the SQLite file: make it with TestDb::sqlite_file()"
        );
        rusqlite::Connection::open(&self.path).expect("open the test database")
    }

    /// Runs a command that must be refused: exit 2, a message on stderr containing every one of
    /// `says`, nothing on stdout, and the database files byte-for-byte as they were.
    pub fn refused(&self, lang: &str, now: &str, args: &[&str], says: &[&str]) -> String {
        let before = self.snapshot();
        let result = self.run(lang, now, args);
        let after = self.snapshot();
        assert_eq!(
            result.code,
            2,
            "`curtain {}` should exit 2:\n{}",
            args.join(" "),
            result.describe()
        );
        for fragment in says {
            assert!(
                result.stderr.contains(fragment),
                "`curtain {}`: stderr should say {fragment:?}:\n{}",
                args.join(" "),
                result.describe()
            );
        }
        assert!(
            result.stdout.trim().is_empty(),
            "a refusal prints nothing on stdout:\n{}",
            result.describe()
        );
        before.assert_same(&after, &format!("`curtain {}`", args.join(" ")));
        result.stderr
    }
}

/// The binary on any database path, with every global option given and nothing from the test
/// runner's environment leaking in.
pub fn command_for(db: &Path, user: &str, lang: &str, now: &str, args: &[&str]) -> Command {
    let mut cmd = curtain();
    if let Some(dir) = db
        .parent()
        .filter(|dir| dir.is_dir() && curtain::store::postgres_url(db).is_none())
    {
        cmd.current_dir(dir);
    }
    cmd.env("CURTAIN_USER", user)
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(now)
        .arg("--lang")
        .arg(lang)
        .args(args);
    Command::from_std(cmd)
}

/// `curtain watch --interval 1` on a test database, in English, its output piped.
pub fn spawn_watch(db: &TestDb, now: &str) -> std::process::Child {
    curtain()
        .current_dir(db.dir.path())
        .env("CURTAIN_USER", USER)
        .arg("--db")
        .arg(&db.path)
        .args(["--now", now, "--lang", "en", "watch", "--interval", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start curtain watch")
}

pub fn run(mut cmd: Command) -> Run {
    let output = cmd.output().expect("run curtain");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The bytes of the database files at one moment (`None`: the file did not exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(pub Vec<(PathBuf, Option<Vec<u8>>)>);

pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

impl Snapshot {
    pub fn assert_same(&self, after: &Snapshot, what: &str) {
        for ((path, before), (_, now)) in self.0.iter().zip(&after.0) {
            let show = |bytes: &Option<Vec<u8>>| match bytes {
                None => "absent".to_string(),
                Some(bytes) => format!("{} bytes, hash {:016x}", bytes.len(), hash_bytes(bytes)),
            };
            assert!(
                before == now,
                "{what} changed {}: before {}, after {}",
                path.display(),
                show(before),
                show(now)
            );
        }
    }
}

pub fn by_elder(rows: Vec<Value>) -> HashMap<String, Value> {
    let mut map = HashMap::new();
    for row in rows {
        let id = row["elder_id"]
            .as_str()
            .unwrap_or_else(|| panic!("row without elder_id: {row}"))
            .to_string();
        assert!(map.insert(id.clone(), row).is_none(), "{id} listed twice");
    }
    map
}

/// One elder of the sample roster as the file has them.
#[derive(Debug, Clone)]
pub struct RosterElder {
    pub id: String,
    pub name: String,
    pub address: String,
    pub grid: String,
    pub phone: String,
    pub route: Option<i64>,
}

/// The sample roster read with the csv crate (UTF-8, Chinese headers).
pub fn sample_elders() -> Vec<RosterElder> {
    let mut reader = csv::Reader::from_path(sample_roster()).expect("read the sample roster");
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("sample roster has no column {name}"))
    };
    let (id, name, address, grid, phone, route) = (
        column("编号"),
        column("姓名"),
        column("地址"),
        column("网格"),
        column("电话"),
        column("顺序"),
    );
    reader
        .records()
        .map(|record| {
            let record = record.expect("roster record");
            RosterElder {
                id: record[id].to_string(),
                name: record[name].to_string(),
                address: record[address].to_string(),
                grid: record[grid].to_string(),
                phone: record[phone].to_string(),
                route: record[route].trim().parse().ok(),
            }
        })
        .collect()
}

pub fn severity_rank(severity: &Value) -> i32 {
    match severity.as_str() {
        Some("low") => 0,
        Some("medium") => 1,
        Some("high") => 2,
        Some("critical") => 3,
        other => panic!("not a severity: {other:?}"),
    }
}

/// Writes a UTF-8 text file beside the database and returns its path.
pub fn write_text(db: &TestDb, name: &str, text: &str) -> PathBuf {
    let path = db.file(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

/// Whether the tests run as root, whom file modes do not stop.
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
