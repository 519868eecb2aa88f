//! The clocks of a session: the real clock, read here and nowhere below, and the time the rules
//! read (`--now`), which moves on with the real clock from where it was set.

use chrono::{DateTime, Duration, Utc};

use crate::domain::time::Times;

/// How far ahead of the real clock `--now` may stand on a live database: a clock a little fast
/// is not a typo of a year.
pub const FUTURE_SLACK: Duration = Duration::minutes(5);

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// `--now` minus the real clock when the session began; zero without `--now`.
    offset: Duration,
    /// `--now` was given.
    pub fixed: bool,
}

impl Clock {
    /// Reads the real clock once; returns the session's `now` and its clock.
    pub fn start(given: Option<DateTime<Utc>>) -> (DateTime<Utc>, Clock) {
        let real = Utc::now();
        let now = given.unwrap_or(real);
        let clock = Clock {
            offset: now - real,
            fixed: given.is_some(),
        };
        (now, clock)
    }

    pub fn real(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// The session's time now: it moves on with the real clock from where `--now` set it.
    pub fn now(&self) -> DateTime<Utc> {
        self.real() + self.offset
    }

    /// Whether `now` stands further ahead of the real clock than a fast clock would.
    pub fn ahead_of_real(&self, now: DateTime<Utc>) -> bool {
        now > self.real() + FUTURE_SLACK
    }

    pub fn times(&self, now: DateTime<Utc>, drill: bool) -> Times {
        Times {
            now,
            real: self.real(),
            drill,
        }
    }
}
