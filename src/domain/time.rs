//! Reading the times people type (`--now`, `--at`): RFC 3339, or local `YYYY-MM-DD HH:MM`, or a
//! bare `HH:MM` on a given date (a paper round typed in later).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::window::local_to_utc;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a time: write 2026-11-22 08:05 (local), 2026-11-22T00:05:00Z (RFC 3339) or 08:05"
)]
pub struct BadTime(pub String);

/// The two times a change is made at (DESIGN.md section 3, "the real clock bounds what is
/// kept"): `now` says what time it is for the screen and for which round a check belongs to;
/// `real` is the real clock, which every record keeps. Passed in: the rules never read a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub now: DateTime<Utc>,
    pub real: DateTime<Utc>,
    /// A drill database follows `now` wherever it points, into the future too.
    pub drill: bool,
}

impl Times {
    /// Both clocks at one instant: what a test or a generator that owns its time passes.
    pub fn at(now: DateTime<Utc>) -> Times {
        Times {
            now,
            real: now,
            drill: false,
        }
    }

    /// When a flag or a message is stamped: the real clock, except in a drill, which lives at
    /// `now` so that its reminders and digests come when the drill's clock says. Checks, audits
    /// and lockouts keep `real` always.
    pub fn stamp(&self) -> DateTime<Utc> {
        if self.drill { self.now } else { self.real }
    }

    /// Up to when rounds may be settled, flagged, counted as missed or told to a chat group:
    /// never past the real clock on a live database.
    pub fn settle_until(&self) -> DateTime<Utc> {
        if self.drill {
            self.now
        } else {
            self.now.min(self.real)
        }
    }
}

/// Reads a time. A bare `HH:MM` needs `on` (the date it falls on); without it, it is refused.
pub fn parse_instant(text: &str, tz: Tz, on: Option<NaiveDate>) -> Result<DateTime<Utc>, BadTime> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(instant.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(local_to_utc(tz, local));
        }
    }
    if let Some(date) = on {
        for format in ["%H:%M", "%H:%M:%S"] {
            if let Ok(time) = NaiveTime::parse_from_str(text, format) {
                return Ok(local_to_utc(tz, date.and_time(time)));
            }
        }
    }
    Err(BadTime(text.to_string()))
}

/// Local `YYYY-MM-DD HH:MM` for people to read.
pub fn format_local(instant: DateTime<Utc>, tz: Tz) -> String {
    instant
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Local `HH:MM` for people to read.
pub fn format_local_time(instant: DateTime<Utc>, tz: Tz) -> String {
    instant.with_timezone(&tz).format("%H:%M").to_string()
}

/// Reads `HH:MM` wall-clock times (config, per-elder windows).
pub fn parse_clock(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_rfc3339_or_local() {
        let tz = chrono_tz::Asia::Shanghai;
        let day = NaiveDate::from_ymd_opt(2026, 11, 22);
        let cases = [
            (
                "2026-11-22T00:05:00Z",
                None,
                Some("2026-11-22T00:05:00+00:00"),
            ),
            (
                "2026-11-22T08:05:00+08:00",
                None,
                Some("2026-11-22T00:05:00+00:00"),
            ),
            ("2026-11-22 08:05", None, Some("2026-11-22T00:05:00+00:00")),
            (
                "2026-11-22 08:05:30",
                None,
                Some("2026-11-22T00:05:30+00:00"),
            ),
            ("2026-11-22T08:05", None, Some("2026-11-22T00:05:00+00:00")),
            ("08:05", day, Some("2026-11-22T00:05:00+00:00")),
            ("08:05", None, None),
            ("25:00", day, None),
            ("2026-11-31 08:00", None, None),
            ("tomorrow", None, None),
            ("", None, None),
        ];
        for (text, on, want) in cases {
            let got = parse_instant(text, tz, on).ok().map(|t| t.to_rfc3339());
            assert_eq!(got.as_deref(), want, "{text:?}");
        }
    }
}
