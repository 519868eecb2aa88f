//! Refusals: bad usage or bad input that the person at the keyboard can fix. They exit with code
//! 2 and change nothing; every other error is a runtime failure (exit 1). Messages are rendered
//! through the string tables by the front ends, so this type carries data, not text.

use std::path::PathBuf;

use crate::import::Problem;

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("no database at {0}")]
    NoDatabase(PathBuf),
    #[error("{path} was made by a newer curtain (schema {found}, this one knows {supported})")]
    NewerDatabase {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{0} is not a curtain database")]
    NotOurDatabase(PathBuf),
    #[error("no elder with id {0}")]
    UnknownElder(String),
    #[error("elder {0} is archived")]
    ArchivedElder(String),
    #[error("elder {elder} is not on the roster for {round}")]
    NotOnRoster {
        elder: String,
        round: crate::domain::Round,
    },
    #[error("round {round} opens at {opens}; the check was seen at {seen}")]
    RoundNotOpen {
        round: crate::domain::Round,
        opens: String,
        seen: String,
    },
    #[error("the time seen {seen} is after now {now}")]
    SeenInFuture { seen: String, now: String },
    #[error("{0} is a live database and cannot become a drill")]
    LiveNotDrill(PathBuf),
    #[error("--now {now} is ahead of the real clock {real}")]
    FutureNow { now: String, real: String },
    #[error("{seen} is in no round; the next is {round}, opening {opens}")]
    NoRoundForCheck {
        seen: String,
        round: crate::domain::Round,
        opens: String,
    },
    #[error("no flag with id {0}")]
    UnknownFlag(i64),
    #[error("flag {id} is already {state}")]
    FlagNotOpen { id: i64, state: String },
    #[error("no patrol gap with id {0}")]
    UnknownGap(i64),
    #[error("patrol gap {id} is already {state}")]
    GapNotOpen { id: i64, state: String },
    #[error("`{0}` is not a flag id or gap:ID")]
    BadFlagId(String),
    #[error("a patrol gap is resolved with patrol_gap, not {0}")]
    GapOutcome(String),
    #[error("tally --format xlsx needs --out FILE.xlsx")]
    TallyNeedsOut,
    #[error("cannot connect to PostgreSQL at {url}: {reason}")]
    PostgresUnreachable { url: String, reason: String },
    #[error("this works on an SQLite database file only")]
    NotOnPostgres,
    #[error("{0} is this device's own database")]
    HandoverToItself(PathBuf),
    #[error("the shared roster lacks {elders}")]
    HandoverUnknownElders { elders: String },
    #[error("a drill and a live database cannot be handed over to each other")]
    HandoverDrillMismatch,
    #[error("no elder lives in community {community} (communities: {known})")]
    UnknownCommunity { community: String, known: String },
    #[error("grid {grid} is in more than one community ({communities})")]
    GridInTwoCommunities { grid: String, communities: String },
    #[error("no volunteer {0} among the users")]
    UnknownVolunteer(String),
    #[error("`{0}` is not a route range: write FROM-TO, e.g. 1-8")]
    BadRouteRange(String),
    #[error("no check of yours to undo")]
    NothingToUndo,
    #[error("the absence ends {to} before it starts {from}")]
    AbsenceBackwards { from: String, to: String },
    #[error("elder {0} has no absence going on")]
    NoCurrentAbsence(String),
    #[error("the roster file has problems")]
    Import(Vec<Problem>),
    #[error("cannot read {path}: {why:?}")]
    Unreadable {
        path: PathBuf,
        why: crate::import::Unreadable,
    },
    #[error("bad config {path}: {problem:?}")]
    BadConfig {
        path: PathBuf,
        problem: crate::config::ConfigProblem,
    },
    #[error("`{0}` is not a language")]
    BadLang(String),
    #[error("`{0}` is not a time")]
    BadTime(String),
    #[error("`{0}` is not a date")]
    BadDate(String),
    #[error("`{0}` is not a round")]
    BadRound(String),
    #[error("{option} {value} is outside {min}..={max}")]
    OutOfRange {
        option: &'static str,
        value: u64,
        min: u64,
        max: u64,
    },
    #[error("`{0}` is not an observation")]
    BadObservation(String),
    #[error("`{0}` is not an outcome")]
    BadOutcome(String),
    #[error("{path} already exists")]
    WouldOverwrite { path: PathBuf },
    #[error("the span ends {to} before it starts {from}")]
    SpanBackwards { from: String, to: String },
    #[error("the span covers {days} days, more than {max}")]
    SpanTooLong { days: i64, max: i64 },
    #[error("{path} should end in {allowed}")]
    BadOutputKind { path: PathBuf, allowed: String },
    #[error("there is no directory {0} to write into")]
    NoOutputDir(PathBuf),
    #[error("no elder on the roster in grid {grid} (grids: {known})")]
    UnknownGrid { grid: String, known: String },
    #[error("{rows} rows do not fit in one XLSX sheet (at most {max})")]
    TooManyRows { rows: usize, max: usize },
    #[error("nobody is on the roster for {0}")]
    NobodyOnRound(String),
    #[error("this database has users: say who you are with --user")]
    NeedUser,
    #[error("no user {0}")]
    UnknownUser(String),
    #[error("user {0} is disabled")]
    UserDisabled(String),
    #[error("user {name} is locked until {until}")]
    UserLocked { name: String, until: String },
    #[error("wrong PIN for {name}")]
    WrongPin { name: String, left: i64 },
    #[error("a PIN is needed for {0}")]
    NeedPin(String),
    #[error("the PIN is not acceptable: {0:?}")]
    PinPolicy(crate::domain::access::PinProblem),
    #[error("the two PINs differ")]
    PinsDiffer,
    #[error("{user} may not do this")]
    NotAllowed {
        user: String,
        role: Option<crate::domain::access::Role>,
        capability: crate::domain::access::Capability,
    },
    #[error("{user} does not work on grid {grid}")]
    NotYourGrid { user: String, grid: String },
    #[error("user {0} already exists")]
    UserExists(String),
    #[error("`{0}` is not a user name")]
    BadUserName(String),
    #[error("`{0}` is not a role")]
    BadRole(String),
    #[error("{0} is the last admin")]
    LastAdmin(String),
    #[error("this database already has users")]
    UsersExist,
    #[error("the first user must be an admin")]
    FirstUserNotAdmin,
    #[error("no notification channel named {name} (configured: {known})")]
    UnknownChannel { name: String, known: String },
    #[error("no notification channels are configured")]
    NoChannels,
    #[error("no delivery with id {0}")]
    UnknownDelivery(i64),
    #[error("delivery {id} is {state}: nothing to resend")]
    CannotRetry { id: i64, state: String },
}
