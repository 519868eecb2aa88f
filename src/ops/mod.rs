//! The use cases, and the one door to them (DESIGN.md section 5). A [`Session`] says who acts,
//! when (the time the rules read, `--now`, and the real clock every record keeps), in which
//! language and with which community schedule; each use case here authorizes the actor, runs the
//! rules of `domain` against the facts of `store` in one write transaction, and writes the audit
//! and the outbox with it. The CLI and the TUI call these functions and nothing else writes, so a
//! permission or a rule cannot differ between them.

pub mod assignments;
pub mod backup;
pub mod checks;
pub mod clock;
pub mod drill;
pub mod flags;
pub mod gaps;
pub mod handover;
pub mod input;
pub mod messages;
pub mod outbox;
pub mod read;
pub mod roster;
pub mod tally;
pub mod users;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use crate::auth::{self, Pin};
use crate::config::Config;
use crate::domain::access::{Actor, Capability};
use crate::error::Refusal;
use crate::i18n::{Lang, fill, t};
use crate::store::{self, Create, Store};
pub use clock::Clock;

/// Everything a use case runs with: who, when, in which language, on which database.
pub struct Session {
    pub lang: Lang,
    /// The time the rules and the screens read: `--now`, or the real clock at the start.
    pub now: DateTime<Utc>,
    /// Where `now` stands against the real clock; records keep the real clock.
    pub clock: Clock,
    pub user: String,
    /// `--user` or `CURTAIN_USER` was given, not guessed from the login name.
    pub user_given: bool,
    /// `CURTAIN_PIN`: never a flag, so it doesn't show in `ps`.
    pub pin: Option<Pin>,
    pub db: PathBuf,
    pub config: Config,
}

impl Session {
    /// Opens the database for a change. A `--now` ahead of the real clock is refused here, before
    /// anything is created or migrated, unless the database is a drill.
    pub fn open(&self, create: Create) -> anyhow::Result<Store> {
        self.refuse_future_now()?;
        Store::open(&self.db, create, self.config.schedule.clone())
    }

    /// A `--now` more than a few minutes ahead of the real clock names a round that has not
    /// happened: on a live database it is refused, on a drill database it is the drill's time.
    pub fn refuse_future_now(&self) -> anyhow::Result<()> {
        if !self.clock.ahead_of_real(self.now) {
            return Ok(());
        }
        // Immutable first: it leaves no file behind on a database that turns out live. It reads
        // the main file only, so while a WAL is there (another terminal has the file open, and
        // its shared-memory file is there too) a drill mark still in the WAL, or a page a
        // checkpoint is rewriting under fifty writers, is looked for again the usual way.
        let schedule = || self.config.schedule.clone();
        let wal_in_use = PathBuf::from(format!("{}-wal", self.db.display())).exists();
        // Both opens refuse a database that is not there.
        let drill = Store::open_immutable(&self.db, schedule()).is_ok_and(|store| store.drill)
            || (wal_in_use && Store::open_read_only(&self.db, schedule()).is_ok_and(|s| s.drill));
        if drill {
            return Ok(());
        }
        let tz = self.config.schedule.tz;
        Err(Refusal::FutureNow {
            now: crate::domain::time::format_local(self.now, tz),
            real: crate::domain::time::format_local(self.clock.real(), tz),
        }
        .into())
    }

    /// Who is acting. A database without users is its owner's; once a user exists, the named
    /// user logs in with their PIN (from `CURTAIN_PIN` or typed at the terminal). The lockout
    /// counts the real clock.
    pub fn actor(&self, store: &mut Store) -> anyhow::Result<Actor> {
        if !store::users::any(&store.conn)? {
            return Ok(Actor::owner(&self.user));
        }
        if !self.user_given && store::users::get(&store.conn, &self.user)?.is_none() {
            return Err(Refusal::NeedUser.into());
        }
        let pin = match &self.pin {
            Some(pin) => pin.clone(),
            None => prompt_pin(&fill(&t(self.lang).prompt_pin, &[("name", &self.user)]))?
                .ok_or_else(|| Refusal::NeedPin(self.user.clone()))?,
        };
        auth::log_in(store, &self.user, &pin, self.clock.real())
    }

    /// The actor, refused unless they may do this (to an elder of `grid`, when given).
    pub fn authorize(
        &self,
        store: &mut Store,
        capability: Capability,
        grid: Option<&str>,
    ) -> anyhow::Result<Actor> {
        let actor = self.actor(store)?;
        auth::require(&actor, capability, grid)?;
        Ok(actor)
    }

    /// Who is reading. Once a user exists, reading needs a login as much as writing does
    /// (DESIGN.md section 4): what a reader sees follows their role and grids.
    pub fn viewer(&self, store: &mut Store) -> anyhow::Result<Actor> {
        self.actor(store)
    }

    /// The round a `--round` names, or the current round at `now` when none is named.
    pub fn round_or_current(&self, named: Option<&str>) -> Result<crate::domain::Round, Refusal> {
        match named {
            Some(text) => input::parse_round(text),
            None => Ok(self.config.schedule.current_round(self.now)),
        }
    }

    /// The times a change is made at: `now` for the rules, the real clock for the record.
    pub fn times(&self, store: &Store) -> crate::domain::time::Times {
        self.clock.times(self.now, store.drill)
    }
}

/// Reads a PIN from the terminal without echo; `None` when there is no terminal to ask at.
pub fn prompt_pin(prompt: &str) -> anyhow::Result<Option<Pin>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let pin = rpassword::prompt_password(prompt).context("reading the PIN from the terminal")?;
    Ok(Some(Zeroizing::new(pin)))
}

/// A path as shown to people.
pub fn shown(path: &std::path::Path) -> String {
    path.display().to_string()
}
