//! The command line of DESIGN.md section 4: argument parsing, the context every command runs
//! in (database, time, language, user), and the mapping of errors to exit codes.

pub mod accounts;
pub mod commands;
pub mod doctor;
pub mod gaps;
pub mod help;
pub mod notify;
pub mod output;
pub mod patrol;
pub mod progress;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zeroize::Zeroizing;

use crate::config::Config;
use crate::domain::time::parse_instant;
use crate::error::Refusal;
use crate::i18n::{Lang, t};
use crate::ops::{Clock, Session, messages};
use output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "curtain",
    version,
    about = "窗帘行动 · community curtain patrol"
)]
pub struct Cli {
    /// The database: a file, or a postgres:// URL [default: ~/.local/share/curtain/curtain.db]
    #[arg(long, env = "CURTAIN_DB", global = true)]
    pub db: Option<PathBuf>,
    /// The time to act at: RFC 3339 or local `YYYY-MM-DD HH:MM` [default: the clock]
    #[arg(long, env = "CURTAIN_NOW", global = true)]
    pub now: Option<String>,
    /// zh or en [default: from LANG]
    #[arg(long, env = "CURTAIN_LANG", global = true)]
    pub lang: Option<String>,
    /// Who is acting (recorded with every change) [default: $USER]
    #[arg(long, env = "CURTAIN_USER", global = true)]
    pub user: Option<String>,
    /// The config file [default: curtain.toml beside the database]
    #[arg(long, env = "CURTAIN_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the database if absent (idempotent); with --admin, its first user
    Init {
        /// Add the first admin (PIN from CURTAIN_PIN or typed twice); from then on every change
        /// needs a user and PIN
        #[arg(long, value_name = "NAME")]
        admin: Option<String>,
        /// A drill database for training and tests: it follows --now wherever it points, and
        /// everything it sends says 演练 / DRILL
        #[arg(long)]
        drill: bool,
    },
    /// Users, roles and PINs: add, list, passwd, disable, enable
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Import the roster from CSV (UTF-8, BOM, GBK/GB18030) or XLSX; all or nothing
    Import {
        file: PathBuf,
        /// Show what would change, change nothing
        #[arg(long)]
        dry_run: bool,
        /// Put archived elders that the file names back on the roster
        #[arg(long)]
        restore: bool,
    },
    /// The roster
    Elders {
        #[arg(long)]
        grid: Option<String>,
        #[arg(long)]
        community: Option<String>,
        /// Archived elders too
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Record a check: ELDER_ID open|closed|seen|unclear
    Check {
        elder_id: String,
        observation: String,
        /// DATE/SLOT, e.g. 2026-11-22/morning [default: from the time seen]
        #[arg(long)]
        round: Option<String>,
        /// When the curtain was seen (a paper round typed in later) [default: now]
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Take back my last check (records a superseding correction)
    Undo,
    /// Every active elder's status for a round
    Status {
        /// DATE/SLOT [default: the current round]
        #[arg(long)]
        round: Option<String>,
        #[arg(long)]
        grid: Option<String>,
        #[arg(long)]
        community: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Open flags, most severe first
    Flags {
        /// Resolved and superseded flags too
        #[arg(long)]
        all: bool,
        /// Only rounds from this date (YYYY-MM-DD)
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        grid: Option<String>,
        #[arg(long)]
        community: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Resolve a flag with an outcome, or a patrol gap (gap:ID) with patrol_gap
    Resolve {
        /// A flag id, or gap:ID for a patrol gap and its missed flags at once
        flag_id: String,
        /// elder_fine, needed_help, hospitalised, was_away, patrol_gap, false_alarm, other
        #[arg(long)]
        outcome: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Per grid: how many listed elders were checked, late, away, missed for a round
    Coverage {
        /// DATE/SLOT [default: the current round]
        #[arg(long)]
        round: Option<String>,
        #[arg(long)]
        grid: Option<String>,
        #[arg(long)]
        community: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Patrol gaps: grids' rounds that closed with most elders unchecked
    Gaps {
        /// Resolved and made-up gaps too
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Assign a volunteer a part of a grid's route: the whole grid, buildings, or FROM-TO
    Assign {
        volunteer: String,
        #[arg(long)]
        grid: String,
        /// Buildings as the addresses name them (6栋, or "B区 6栋"); repeat or list several
        #[arg(long, num_args = 1.., conflicts_with = "route")]
        buildings: Vec<String>,
        /// A range of route order, FROM-TO (e.g. 1-8)
        #[arg(long)]
        route: Option<String>,
    },
    /// Per volunteer: rounds walked, checks, on time, alerts, make-up rounds (志愿服务积分)
    Tally {
        /// First day (YYYY-MM-DD)
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD)
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value = "table")]
        format: patrol::TallyFormat,
        /// FILE.xlsx, for --format xlsx
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Who walks which part of each grid (with --all, every assignment ever made)
    Assignments {
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Record an absence (no checks expected), or end one early with --end
    Away {
        elder_id: String,
        /// First day away (YYYY-MM-DD)
        #[arg(long, required_unless_present = "end")]
        from: Option<String>,
        /// Last day away (YYYY-MM-DD)
        #[arg(long, required_unless_present = "end")]
        to: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        /// End the elder's current absence: expected again from today
        #[arg(long, conflicts_with_all = ["from", "to"])]
        end: bool,
    },
    /// A consistent copy of the live database, verified
    Backup { file: PathBuf },
    /// An offline device's checks, absences and follow-ups into the shared database, each once
    Handover {
        /// The shared database file
        #[arg(long, value_name = "DB")]
        to: String,
    },
    /// Check the database file: integrity, foreign keys, schema, modes, journal, records; read-only
    Doctor {
        /// SQLite's full integrity check, every index against its table (minutes on a
        /// district's file); without it, SQLite's quick check
        #[arg(long)]
        full: bool,
    },
    /// The ledger (台账): every round of every elder, with checks, flags and follow-ups
    Report {
        /// First day (YYYY-MM-DD)
        #[arg(long)]
        from: String,
        /// Last day (YYYY-MM-DD)
        #[arg(long)]
        to: String,
        /// FILE.csv or FILE.xlsx
        #[arg(long)]
        out: PathBuf,
    },
    /// Send notifications: settle closed rounds, queue reminders, deliver the outbox; runs
    /// until stopped (see README, Notifications)
    Watch {
        /// Seconds between passes
        #[arg(long, default_value_t = 5)]
        interval: u64,
        /// One pass, then exit
        #[arg(long)]
        once: bool,
    },
    /// The notification outbox: each delivery's state, attempts and last error; `retry ID`
    Outbox {
        #[command(subcommand)]
        action: Option<notify::OutboxCommand>,
        /// Everything, not only the last 7 days and what is under way or in trouble
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Notification channels: `test [--channel NAME]` sends a clearly marked test message
    Notify {
        #[command(subcommand)]
        action: notify::NotifyCommand,
    },
    /// A printable route sheet for a round walked on paper
    Sheet {
        /// DATE/SLOT, e.g. 2026-11-22/morning
        #[arg(long)]
        round: String,
        #[arg(long)]
        grid: Option<String>,
        /// FILE.xlsx
        #[arg(long)]
        out: PathBuf,
    },
    /// Benchmark helpers: generate a district-sized database (issue #6)
    #[command(hide = true, subcommand)]
    Bench(crate::bench::BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user (admin only); the new PIN from CURTAIN_NEW_PIN or typed twice
    Add {
        name: String,
        /// volunteer, grid_worker or admin
        #[arg(long)]
        role: String,
        /// A grid they work on (repeat for several) [default: every grid]
        #[arg(long = "grid", value_name = "GRID")]
        grids: Vec<String>,
        /// A community they work in: every grid of it (repeat for several)
        #[arg(long = "community", value_name = "COMMUNITY")]
        communities: Vec<String>,
    },
    /// The users, their roles and grids (never their PINs)
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Change a PIN: your own, or anyone's as admin (which also lifts a lockout)
    Passwd { name: String },
    /// Stop a user from logging in; their records stay (admin only)
    Disable { name: String },
    /// Let a disabled user log in again (admin only)
    Enable { name: String },
}

pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("", "", "curtain")
        .map(|dirs| dirs.data_dir().join("curtain.db"))
        .unwrap_or_else(|| PathBuf::from("curtain.db"))
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// Reads the global options. The clock is read here, once, and only when `--now` is absent.
pub fn context(cli: &Cli) -> Result<Session, (Lang, anyhow::Error)> {
    let env_lang = Lang::from_env(env);
    let lang = match cli.lang.as_deref() {
        None => env_lang,
        Some(text) => Lang::parse(text)
            .ok_or_else(|| (env_lang, Refusal::BadLang(text.to_string()).into()))?,
    };
    let db = cli.db.clone().unwrap_or_else(default_db_path);
    let config = Config::load(cli.config.as_deref(), &db).map_err(|e| (lang, e.into()))?;
    let given_now = match &cli.now {
        Some(text) => Some(
            parse_instant(text, config.schedule.tz, None)
                .map_err(|_| (lang, Refusal::BadTime(text.clone()).into()))?,
        ),
        None => None,
    };
    let (now, clock) = Clock::start(given_now);
    let given = cli.user.clone().filter(|user| !user.trim().is_empty());
    let user = given
        .clone()
        .or_else(|| env("USER"))
        .filter(|user| !user.trim().is_empty())
        .unwrap_or_else(|| "local".to_string());
    Ok(Session {
        lang,
        now,
        clock,
        user,
        user_given: given.is_some(),
        pin: env("CURTAIN_PIN").map(Zeroizing::new),
        db,
        config,
    })
}

/// Runs a parsed command line; prints errors once, in the chosen language, and says how to exit.
pub fn main(cli: Cli) -> ExitCode {
    let session = match context(&cli) {
        Ok(session) => session,
        Err((lang, error)) => return report(lang, &error),
    };
    let lang = session.lang;
    crate::store::on_upgrade(Box::new(move |from, to| {
        Box::new(progress::Progress::start(
            lang,
            crate::store::Stage::Upgrading { from, to },
        ))
    }));
    let result = match cli.command {
        None => crate::tui::run(&session),
        Some(command) => commands::run(&session, command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `curtain status | head`: the reader has what it wanted; nothing went wrong.
        Err(error) if reader_went_away(&error) => ExitCode::SUCCESS,
        Err(error) => report(session.lang, &error),
    }
}

/// Whether writing the output failed because whoever read it closed the pipe.
fn reader_went_away(error: &anyhow::Error) -> bool {
    let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(broken)
            // The csv writer keeps the I/O error inside its own, not as its source.
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|csv| matches!(csv.kind(), csv::ErrorKind::Io(io) if broken(io)))
    })
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            // serde_json keeps the I/O error inside, out of the source chain.
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == Some(BrokenPipe)
    })
}

fn report(lang: Lang, error: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(error) {
        return ExitCode::SUCCESS;
    }
    let mut stderr = std::io::stderr().lock();
    if let Some(refusal) = error.downcast_ref::<Refusal>() {
        let _ = writeln!(stderr, "{}", messages::refusal(lang, refusal));
        return ExitCode::from(2);
    }
    // The doctor has already said what is wrong, on stdout.
    if error.downcast_ref::<doctor::Unhealthy>().is_some() {
        return ExitCode::from(1);
    }
    if let Some(words) = messages::storage_failure(lang, error) {
        let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
        let _ = writeln!(
            stderr,
            "{}{words}\n  ({})",
            t(lang).error_prefix,
            chain.join(": ")
        );
        return ExitCode::from(1);
    }
    let chain: Vec<String> = error.chain().map(ToString::to_string).collect();
    let _ = writeln!(stderr, "{}{}", t(lang).error_prefix, chain.join(": "));
    ExitCode::from(1)
}

pub use crate::ops::shown;
