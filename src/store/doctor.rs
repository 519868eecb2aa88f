//! `curtain doctor`'s examination of a database file, read-only: the file's and its directory's
//! modes, whether it opens as curtain's and at which schema, SQLite's integrity and foreign-key
//! checks, the journal (WAL) state, and cheap domain sanity the schema cannot enforce (rounds that
//! are not dates or lie in the future, words no version of curtain writes, corrections that point
//! at another elder's check, flags whose state and closing disagree, absences that end before they
//! start). The result is data ([`Finding`]s); the command line puts it in words.
//!
//! Nothing here writes: the database is opened with `SQLITE_OPEN_READ_ONLY`, so a damaged file is
//! looked at exactly as it is.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::Connection;

use super::{Stage, Store, schema};
use crate::domain::{FlagState, Round, Schedule, Severity, Slot, Status};
use crate::error::Refusal;

/// How much a finding matters. Only [`Level::Problem`] makes the doctor exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Checked and fine.
    Ok,
    /// Worth knowing, nothing to do (an older schema that the next write upgrades).
    Note,
    /// Not broken, but better fixed (a directory others can list).
    Warning,
    /// Something is wrong: data at risk, or personal data readable by others.
    Problem,
}

/// One thing the doctor looked at, and what it found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The file is the owner's alone.
    FileModeOk {
        mode: u32,
    },
    /// Group or others may read or write the file.
    FileOpenToOthers {
        mode: u32,
    },
    DirModeOk {
        dir: PathBuf,
        mode: u32,
    },
    /// Others may list or enter the directory (they see file names, not contents).
    DirOpenToOthers {
        dir: PathBuf,
        mode: u32,
    },
    /// The file could not be read as a database at all (a damaged first page, or I/O).
    Unopenable {
        reason: String,
    },
    /// Not SQLite, or SQLite but another program's; also what a damaged header looks like.
    NotOurs,
    /// Made by a newer curtain: left alone.
    Newer {
        found: i64,
        supported: i64,
    },
    /// A file with no tables yet (`curtain init` was interrupted, or it is brand new).
    Empty,
    SchemaOk {
        version: i64,
    },
    /// An older schema: the next command that writes upgrades it.
    SchemaOlder {
        version: i64,
        latest: i64,
    },
    IntegrityOk,
    /// SQLite's `quick_check` of every table but the two ledgers found nothing, and the ledgers'
    /// rows of the rounds from `from` on read back whole (the default; `--full` runs
    /// `integrity_check` over everything).
    QuickCheckOk {
        from: Round,
    },
    /// SQLite's `integrity_check` found damage: its own words, the first few of them.
    Damaged {
        count: usize,
        first: Vec<String>,
    },
    ForeignKeysOk,
    /// `count` rows of `table` point at rows of `parent` that do not exist.
    Dangling {
        table: String,
        parent: String,
        count: i64,
    },
    /// The journal mode and how many bytes of the WAL are not yet copied into the main file.
    Journal {
        mode: String,
        wal_bytes: u64,
    },
    /// Not WAL: curtain switches it at the next command that opens it for writing.
    JournalNotWal {
        mode: String,
    },
    /// Every domain check below passed.
    SanityOk,
    /// Rows whose round number is not a date curtain can show.
    BadRounds {
        table: String,
        count: i64,
    },
    /// Rows for rounds that have not opened yet at the doctor's now.
    FutureRounds {
        table: String,
        count: i64,
    },
    /// A column holding words no version of curtain writes.
    UnknownWords {
        table: String,
        column: String,
        words: Vec<String>,
        count: i64,
    },
    /// Corrections that supersede a check of another elder or round.
    CrossedCorrections {
        count: i64,
    },
    /// Flags whose state disagrees with how they were closed (open but closed, resolved
    /// without an outcome, closed without a time).
    FlagStateMismatch {
        count: i64,
    },
    /// Checks whose times are not curtain's UTC timestamps.
    BadTimes {
        count: i64,
    },
    AbsencesBackwards {
        count: i64,
    },
    /// The roster's stamp is not as schema 14 makes it: `triggers` of the three that move it,
    /// `stamps` rows instead of one. A screen kept open could list a roster that has changed.
    RosterStampBroken {
        triggers: i64,
        stamps: i64,
    },
}

impl Finding {
    pub fn level(&self) -> Level {
        match self {
            Finding::FileModeOk { .. }
            | Finding::DirModeOk { .. }
            | Finding::SchemaOk { .. }
            | Finding::IntegrityOk
            | Finding::QuickCheckOk { .. }
            | Finding::ForeignKeysOk
            | Finding::Journal { .. }
            | Finding::SanityOk => Level::Ok,
            Finding::SchemaOlder { .. } | Finding::JournalNotWal { .. } | Finding::Empty => {
                Level::Note
            }
            Finding::DirOpenToOthers { .. } => Level::Warning,
            Finding::FileOpenToOthers { .. }
            | Finding::Unopenable { .. }
            | Finding::NotOurs
            | Finding::Newer { .. }
            | Finding::Damaged { .. }
            | Finding::Dangling { .. }
            | Finding::BadRounds { .. }
            | Finding::FutureRounds { .. }
            | Finding::UnknownWords { .. }
            | Finding::CrossedCorrections { .. }
            | Finding::FlagStateMismatch { .. }
            | Finding::BadTimes { .. }
            | Finding::AbsencesBackwards { .. }
            | Finding::RosterStampBroken { .. } => Level::Problem,
        }
    }
}

/// How many of SQLite's integrity messages are kept: the first few say where; the count says
/// how much.
const INTEGRITY_LINES: usize = 100;
const INTEGRITY_SHOWN: usize = 3;

/// Group and others: any of their bits set means the file is not private.
const OPEN_TO_OTHERS: u32 = 0o077;

/// How thoroughly `doctor` reads the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// SQLite's `quick_check` of every table but the [`LEDGERS`], whose last month is read back
    /// row by row, and the records' sense (the ledgers' last month for what needs every row):
    /// seconds on a district's file, whatever its history (#14).
    Quick,
    /// `integrity_check` of the whole file, every index against its table, and every row of the
    /// ledgers: minutes on a district's file.
    Full,
}

/// The two tables that grow by a row per elder and round (a district's year: 21 million rows
/// each, three quarters of the file). Reading them whole is what makes a check take minutes.
const LEDGERS: [&str; 2] = ["checks", "round_outcomes"];

/// How far back the quick depth reads the ledgers: a month of rounds, the span a report covers.
const RECENT_ROUNDS: i64 = 62;

impl Depth {
    /// The first round whose ledger rows this depth reads (every round for the full depth).
    fn ledgers_from(self, schedule: &Schedule, now: DateTime<Utc>) -> i64 {
        match self {
            Depth::Quick => schedule
                .current_round(now)
                .ordinal()
                .saturating_sub(RECENT_ROUNDS),
            Depth::Full => i64::MIN,
        }
    }
}

/// Examines the database at `path` as it is, at `now`. A missing file is a refusal (nothing to
/// examine); every other trouble is a finding.
pub fn examine(
    path: &Path,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Finding>> {
    examine_to(path, schedule, now, Depth::Full)
}

/// [`examine`] to a depth.
pub fn examine_to(
    path: &Path,
    schedule: &Schedule,
    now: DateTime<Utc>,
    depth: Depth,
) -> anyhow::Result<Vec<Finding>> {
    examine_with(path, schedule, now, depth, &mut |_| {})
}

/// [`examine_to`], telling `progress` where it is (a progress line on a terminal).
pub fn examine_with(
    path: &Path,
    schedule: &Schedule,
    now: DateTime<Utc>,
    depth: Depth,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<Vec<Finding>> {
    // A PostgreSQL server keeps its own pages whole; its checks are its own tools' (README,
    // "Growing": pg_amcheck, pg_dump).
    if super::postgres_url(path).is_some() {
        return Err(Refusal::NotOnPostgres.into());
    }
    let mut findings = file_modes(path)?;
    let store = match Store::open_read_only(path, schedule.clone()) {
        Ok(store) => store,
        Err(error) => {
            findings.push(match error.downcast::<Refusal>() {
                Ok(Refusal::NewerDatabase {
                    found, supported, ..
                }) => Finding::Newer { found, supported },
                Ok(Refusal::NotOurDatabase(_)) => Finding::NotOurs,
                Ok(other) => return Err(other.into()),
                Err(error) => Finding::Unopenable {
                    reason: format!("{error:#}"),
                },
            });
            return Ok(findings);
        }
    };
    let conn = store.sqlite_only()?;
    let version = schema::user_version(conn)?;
    findings.push(match version {
        0 => Finding::Empty,
        v if v < schema::LATEST => Finding::SchemaOlder {
            version: v,
            latest: schema::LATEST,
        },
        v => Finding::SchemaOk { version: v },
    });
    progress(match depth {
        Depth::Quick => Stage::QuickCheck,
        Depth::Full => Stage::IntegrityCheck,
    });
    let ledgers_from = depth.ledgers_from(schedule, now);
    let intact = match integrity(conn, depth, ledgers_from) {
        Ok(problems) if problems.is_empty() => {
            findings.push(match Round::from_ordinal(ledgers_from) {
                Some(from) if depth == Depth::Quick => Finding::QuickCheckOk { from },
                _ => Finding::IntegrityOk,
            });
            true
        }
        Ok(problems) => {
            findings.push(Finding::Damaged {
                count: problems.len(),
                first: problems.into_iter().take(INTEGRITY_SHOWN).collect(),
            });
            false
        }
        // So damaged that the check itself cannot run (the schema page is garbage).
        Err(error) => {
            findings.push(Finding::Damaged {
                count: 1,
                first: vec![error.to_string()],
            });
            false
        }
    };
    // Reading a damaged file row by row only repeats what integrity_check said, or fails.
    if !intact {
        return Ok(findings);
    }
    progress(Stage::ForeignKeys);
    let dangling = foreign_keys(conn, depth, ledgers_from)?;
    if dangling.is_empty() {
        findings.push(Finding::ForeignKeysOk);
    }
    findings.extend(dangling);
    findings.push(journal(conn, path)?);
    if version >= 1 {
        progress(Stage::Sanity);
        let mut insane = sanity(conn, schedule, now, ledgers_from)?;
        if version >= schema::ROSTER_STAMPED {
            insane.extend(roster_stamp(conn)?);
        }
        if insane.is_empty() {
            findings.push(Finding::SanityOk);
        }
        findings.extend(insane);
    }
    Ok(findings)
}

/// The file's mode and its directory's.
fn file_modes(path: &Path) -> anyhow::Result<Vec<Finding>> {
    use anyhow::Context;
    let mode_of = |path: &Path| -> anyhow::Result<u32> {
        let metadata = std::fs::metadata(path)
            .with_context(|| format!("reading the mode of {}", path.display()))?;
        Ok(metadata.permissions().mode() & 0o7777)
    };
    if !path.exists() {
        return Err(Refusal::NoDatabase(path.to_path_buf()).into());
    }
    let mode = mode_of(path)?;
    let mut findings = vec![if mode & OPEN_TO_OTHERS == 0 {
        Finding::FileModeOk { mode }
    } else {
        Finding::FileOpenToOthers { mode }
    }];
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir_mode = mode_of(&dir)?;
    findings.push(if dir_mode & OPEN_TO_OTHERS == 0 {
        Finding::DirModeOk {
            dir,
            mode: dir_mode,
        }
    } else {
        Finding::DirOpenToOthers {
            dir,
            mode: dir_mode,
        }
    });
    Ok(findings)
}

/// SQLite's own words for every problem it found; empty when the file is intact.
fn integrity(conn: &Connection, depth: Depth, ledgers_from: i64) -> rusqlite::Result<Vec<String>> {
    if depth == Depth::Full {
        return pragma_lines(conn, &format!("PRAGMA integrity_check({INTEGRITY_LINES})"));
    }
    let tables = super::sqlite_tables(conn)?;
    let mut problems = pragma_lines(conn, "PRAGMA quick_check(sqlite_schema)")?;
    for table in tables
        .iter()
        .filter(|table| !LEDGERS.contains(&table.as_str()))
    {
        problems.extend(pragma_lines(
            conn,
            &format!("PRAGMA quick_check({})", quoted(table)),
        )?);
    }
    for ledger in LEDGERS
        .iter()
        .filter(|ledger| tables.iter().any(|t| t == *ledger))
    {
        if let Err(error) = read_back(conn, ledger, ledgers_from) {
            problems.push(format!("{ledger}: {error}"));
        }
    }
    Ok(problems)
}

/// The lines a checking pragma gives that are not "ok".
fn pragma_lines(conn: &Connection, pragma: &str) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare(pragma)?;
    let lines = statement
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(lines.into_iter().filter(|line| line != "ok").collect())
}

/// Every column of a ledger's rows of the rounds from `from` on, read and decoded: a damaged
/// page among them is an error here, as it would be for a screen or a report.
fn read_back(conn: &Connection, ledger: &str, from: i64) -> rusqlite::Result<()> {
    let mut statement = conn.prepare(&format!(
        "SELECT * FROM {} WHERE round >= ?1",
        quoted(ledger)
    ))?;
    let columns = statement.column_count();
    let mut rows = statement.query([from])?;
    while let Some(row) = rows.next()? {
        for column in 0..columns {
            row.get_ref(column)?;
        }
    }
    Ok(())
}

/// A name from `sqlite_schema`, quoted so any name is read as one.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Rows pointing at rows that do not exist, counted by table and parent: every row of every
/// table, or for the quick depth the ledgers' rows of the rounds from `ledgers_from` on.
fn foreign_keys(
    conn: &Connection,
    depth: Depth,
    ledgers_from: i64,
) -> rusqlite::Result<Vec<Finding>> {
    if depth == Depth::Full {
        return dangling(
            conn,
            "SELECT \"table\", parent, count(*) FROM pragma_foreign_key_check
             GROUP BY \"table\", parent ORDER BY \"table\", parent",
            [],
        );
    }
    let mut findings = Vec::new();
    for table in super::sqlite_tables(conn)? {
        if !LEDGERS.contains(&table.as_str()) {
            findings.extend(dangling(
                conn,
                "SELECT \"table\", parent, count(*) FROM pragma_foreign_key_check(?1)
                 GROUP BY \"table\", parent ORDER BY \"table\", parent",
                [table.as_str()],
            )?);
            continue;
        }
        // The ledger's own foreign keys, looked for in its recent rounds only.
        let keys: Vec<(String, String, Option<String>)> = conn
            .prepare("SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1)")?
            .query_map([table.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (parent, from, to) in keys {
            let to = to.unwrap_or_else(|| "rowid".into());
            let sql = format!(
                "SELECT ?1, ?2, count(*) FROM {child} AS c
                 WHERE c.round >= ?3 AND c.{from} IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM {parent_table} AS p WHERE p.{to} = c.{from})
                 HAVING count(*) > 0",
                child = quoted(&table),
                from = quoted(&from),
                parent_table = quoted(&parent),
                to = quoted(&to),
            );
            findings.extend(dangling(
                conn,
                &sql,
                rusqlite::params![table, parent, ledgers_from],
            )?);
        }
    }
    Ok(findings)
}

/// [`Finding::Dangling`]s from rows of (table, parent, count).
fn dangling(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<Vec<Finding>> {
    conn.prepare(sql)?
        .query_map(params, |row| {
            Ok(Finding::Dangling {
                table: row.get(0)?,
                parent: row.get(1)?,
                count: row.get(2)?,
            })
        })?
        .collect()
}

fn journal(conn: &Connection, path: &Path) -> rusqlite::Result<Finding> {
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Ok(Finding::JournalNotWal { mode });
    }
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let wal_bytes = std::fs::metadata(wal).map_or(0, |metadata| metadata.len());
    Ok(Finding::Journal { mode, wal_bytes })
}

/// Whether a word in a flags column is one curtain writes.
type IsKnownWord = fn(&str) -> bool;

/// The domain's rules the schema cannot hold. Each query is one scan or one index walk; what
/// needs every row of a ledger reads its rows from `ledgers_from` on.
/// The three triggers that move the roster's stamp and its one row, as schema 14 makes them
/// (`None` when they are there): without them a screen kept open keeps a roster that changed.
fn roster_stamp(conn: &Connection) -> rusqlite::Result<Option<Finding>> {
    let (triggers, stamps) = schema::roster_stamp_parts(conn)?;
    Ok((triggers != 3 || stamps != 1).then_some(Finding::RosterStampBroken { triggers, stamps }))
}

fn sanity(
    conn: &Connection,
    schedule: &Schedule,
    now: DateTime<Utc>,
    ledgers_from: i64,
) -> rusqlite::Result<Vec<Finding>> {
    let mut findings = Vec::new();
    // A round may be entered while its window is open, so the latest round with data is the
    // one after the current round at most (an evening round opens before the next day's
    // morning one is current).
    let latest_round = schedule.current_round(now).next().ordinal();
    // Every plausible round lies between these, so only the rows outside are read: two ends of
    // the round index, however long the history.
    let earliest_round = NaiveDate::from_ymd_opt(PLAUSIBLE_YEARS.0, 1, 1)
        .map_or(0, |date| Round::new(date, Slot::Morning).ordinal());
    for table in ["checks", "flags"] {
        let (mut bad, mut future) = (0, 0);
        let mut statement = conn.prepare(&format!(
            "SELECT round, count(*) FROM {table} WHERE round < ?1 OR round > ?2 GROUP BY round"
        ))?;
        let mut rows = statement.query([earliest_round, latest_round])?;
        while let Some(row) = rows.next()? {
            let (round, count): (i64, i64) = (row.get(0)?, row.get(1)?);
            if !is_plausible_round(round) {
                bad += count;
            } else if round > latest_round {
                future += count;
            }
        }
        if bad > 0 {
            findings.push(Finding::BadRounds {
                table: table.into(),
                count: bad,
            });
        }
        if future > 0 {
            findings.push(Finding::FutureRounds {
                table: table.into(),
                count: future,
            });
        }
    }
    let known_words: [(&str, IsKnownWord); 4] = [
        ("status", |w| {
            Status::parse(w).is_some_and(Status::is_flagged)
        }),
        ("round_status", |w| Status::parse(w).is_some()),
        ("severity", |w| Severity::parse(w).is_some()),
        ("state", |w| FlagState::parse(w).is_some()),
    ];
    for (column, known) in known_words {
        let mut statement = conn.prepare(&format!(
            "SELECT {column}, count(*) FROM flags GROUP BY {column} ORDER BY {column}"
        ))?;
        let mut rows = statement.query([])?;
        let (mut words, mut count) = (Vec::new(), 0);
        while let Some(row) = rows.next()? {
            let (word, n): (String, i64) = (row.get(0)?, row.get(1)?);
            if !known(&word) {
                words.push(word);
                count += n;
            }
        }
        if count > 0 {
            findings.push(Finding::UnknownWords {
                table: "flags".into(),
                column: column.into(),
                words,
                count,
            });
        }
    }
    let count = |sql: &str| -> rusqlite::Result<i64> { conn.query_row(sql, [], |row| row.get(0)) };
    let count_from = |sql: &str| -> rusqlite::Result<i64> {
        conn.query_row(sql, [ledgers_from], |row| row.get(0))
    };
    let crossed = count(
        "SELECT count(*) FROM checks c JOIN checks s ON s.id = c.supersedes
         WHERE s.elder_id <> c.elder_id OR s.round <> c.round",
    )?;
    if crossed > 0 {
        findings.push(Finding::CrossedCorrections { count: crossed });
    }
    let mismatched = count(
        "SELECT count(*) FROM flags
         WHERE (state = 'open' AND closed_at IS NOT NULL)
            OR (state <> 'open' AND closed_at IS NULL)
            OR (state = 'resolved' AND outcome IS NULL)",
    )?;
    if mismatched > 0 {
        findings.push(Finding::FlagStateMismatch { count: mismatched });
    }
    // `store::ts` writes `2026-11-22T00:05:00.000Z`.
    let bad_times = count_from(
        "SELECT count(*) FROM checks
         WHERE round >= ?1
           AND (seen_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:*Z'
            OR recorded_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:*Z')",
    )?;
    if bad_times > 0 {
        findings.push(Finding::BadTimes { count: bad_times });
    }
    let backwards = count("SELECT count(*) FROM absences WHERE to_date < from_date")?;
    if backwards > 0 {
        findings.push(Finding::AbsencesBackwards { count: backwards });
    }
    Ok(findings)
}

/// The years a patrol can be in.
const PLAUSIBLE_YEARS: (i32, i32) = (2000, 2200);

/// A round number curtain could have written: a real date, in the years a patrol can be.
fn is_plausible_round(ordinal: i64) -> bool {
    Round::from_ordinal(ordinal)
        .is_some_and(|round| (PLAUSIBLE_YEARS.0..=PLAUSIBLE_YEARS.1).contains(&round.date.year()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Create;

    fn at(text: &str) -> DateTime<Utc> {
        crate::domain::time::parse_instant(text, Schedule::default().tz, None).unwrap()
    }

    fn problems(findings: &[Finding]) -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| f.level() == Level::Problem)
            .collect()
    }

    #[test]
    fn a_fresh_database_is_healthy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        drop(Store::open(&path, Create::IfMissing, Schedule::default()).unwrap());
        let findings = examine(&path, &Schedule::default(), at("2026-11-22 08:00")).unwrap();
        assert!(problems(&findings).is_empty(), "{findings:?}");
        assert!(findings.contains(&Finding::IntegrityOk), "{findings:?}");
        assert!(findings.contains(&Finding::SanityOk), "{findings:?}");
    }

    #[test]
    fn rounds_that_are_not_dates_or_lie_ahead_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let store = Store::open(&path, Create::IfMissing, Schedule::default()).unwrap();
        let now = at("2026-11-22 08:00");
        let next_week = Round::new(
            now.date_naive() + chrono::Days::new(7),
            crate::domain::Slot::Morning,
        );
        store
            .conn
            .execute_batch(&format!(
                "INSERT INTO elders (id, name, added_at) VALUES ('e', 'n', '2026-11-01T00:00:00.000Z');
                 INSERT INTO checks (id, elder_id, round, observation, seen_at, recorded_at, checker)
                 VALUES ('a', 'e', -5, 'open', '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z', 'x'),
                        ('b', 'e', {}, 'open', '2026-11-22T00:00:00.000Z', 'yesterday', 'x');",
                next_week.ordinal()
            ))
            .unwrap();
        drop(store);
        // The quick depth reads only the ends of the round index for these, and finds them too.
        let quick = examine_to(&path, &Schedule::default(), now, Depth::Quick).unwrap();
        let findings = examine(&path, &Schedule::default(), now).unwrap();
        let rounds = |findings: &[Finding]| -> Vec<Finding> {
            findings
                .iter()
                .filter(|f| matches!(f, Finding::BadRounds { .. } | Finding::FutureRounds { .. }))
                .cloned()
                .collect()
        };
        assert_eq!(rounds(&quick), rounds(&findings));
        let table = String::from("checks");
        assert!(
            findings.contains(&Finding::BadRounds {
                table: table.clone(),
                count: 1
            }),
            "{findings:?}"
        );
        assert!(
            findings.contains(&Finding::FutureRounds { table, count: 1 }),
            "{findings:?}"
        );
        assert!(
            findings.contains(&Finding::BadTimes { count: 1 }),
            "{findings:?}"
        );
    }
}
