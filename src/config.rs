//! The community's config file (TOML): its name, time zone and round windows. Every key is
//! optional; a bad one is refused with its key and line, never replaced by a silent default.

use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use serde::Deserialize;
use toml::Spanned;

use crate::domain::time::parse_clock;
use crate::domain::{Schedule, SlotTimes};
use crate::error::Refusal;

pub const FILE_NAME: &str = "curtain.toml";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub community_name: Option<String>,
    pub schedule: Schedule,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    community: Community,
    #[serde(default)]
    rounds: Rounds,
    /// Owned by the notifications; read there.
    #[serde(default)]
    #[allow(dead_code)]
    notify: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Community {
    name: Option<String>,
    timezone: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rounds {
    morning: Option<SlotFile>,
    evening: Option<SlotFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SlotFile {
    #[serde(default)]
    expect: Option<String>,
    opens: Option<Spanned<String>>,
    due: Option<Spanned<String>>,
    closes: Option<Spanned<String>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Config {
    /// Reads the config: the explicit path (which must exist), or `curtain.toml` beside the
    /// database when there is one, or the defaults.
    pub fn load(explicit: Option<&Path>, db: &Path) -> Result<Config, Refusal> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let beside = db
                    .parent()
                    .map_or_else(|| PathBuf::from(FILE_NAME), |dir| dir.join(FILE_NAME));
                if !beside.exists() {
                    return Ok(Config::default());
                }
                beside
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|error| Refusal::Unreadable {
            path: path.clone(),
            reason: error.to_string(),
        })?;
        Config::parse(&text).map_err(|reason| Refusal::BadConfig { path, reason })
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let file: File = toml::from_str(text).map_err(|error| error.to_string())?;
        let mut schedule = Schedule::default();
        if let Some(zone) = &file.community.timezone {
            schedule.tz = zone.get_ref().parse().map_err(|_| {
                format!(
                    "line {}: community.timezone `{}` is not a time zone; use a name like Asia/Shanghai",
                    line_of(text, zone.span().start),
                    zone.get_ref()
                )
            })?;
        }
        let slot = |name: &str, file: &Option<SlotFile>, defaults: SlotTimes, expect: &str| {
            let Some(file) = file else {
                return Ok(defaults);
            };
            if let Some(value) = &file.expect
                && value != expect
            {
                return Err(format!(
                    "rounds.{name}.expect is `{value}`, but the {name} round always expects `{expect}`"
                ));
            }
            let read = |key: &str, value: &Option<Spanned<String>>, default: NaiveTime| match value
            {
                None => Ok(default),
                Some(value) => parse_clock(value.get_ref()).ok_or_else(|| {
                    format!(
                        "line {}: rounds.{name}.{key} `{}` is not a time; write HH:MM, e.g. 07:00",
                        line_of(text, value.span().start),
                        value.get_ref()
                    )
                }),
            };
            Ok(SlotTimes::new(
                read("opens", &file.opens, defaults.opens)?,
                read("due", &file.due, defaults.due)?,
                read("closes", &file.closes, defaults.closes)?,
            ))
        };
        schedule.morning = slot("morning", &file.rounds.morning, schedule.morning, "open")?;
        schedule.evening = slot("evening", &file.rounds.evening, schedule.evening, "closed")?;
        validate(&schedule)?;
        Ok(Config {
            community_name: file.community.name,
            schedule,
        })
    }
}

/// Windows must hold their due time and must not overlap, or a check could belong to two rounds.
fn validate(schedule: &Schedule) -> Result<(), String> {
    let m = schedule.morning;
    let e = schedule.evening;
    if !(m.opens <= m.due && m.due <= m.closes && m.opens < m.closes) {
        return Err(format!(
            "rounds.morning: opens {} ≤ due {} ≤ closes {} must hold, within one day",
            m.opens.format("%H:%M"),
            m.due.format("%H:%M"),
            m.closes.format("%H:%M")
        ));
    }
    let evening_wraps = e.closes <= e.opens;
    let due_inside = if evening_wraps {
        e.due >= e.opens || e.due <= e.closes
    } else {
        e.opens <= e.due && e.due <= e.closes
    };
    let no_overlap = m.closes < e.opens && (!evening_wraps || e.closes < m.opens);
    if !due_inside || !no_overlap {
        return Err(format!(
            "rounds.evening: {}–{} (due {}) must hold its due time and not overlap the morning {}–{}",
            e.opens.format("%H:%M"),
            e.closes.format("%H:%M"),
            e.due.format("%H:%M"),
            m.opens.format("%H:%M"),
            m.closes.format("%H:%M")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_config_reads_as_the_defaults() {
        let text = include_str!("../data/curtain.example.toml");
        let config = Config::parse(text).unwrap();
        assert_eq!(config.schedule, Schedule::default());
        assert_eq!(config.community_name.as_deref(), Some("长青社区"));
    }

    #[test]
    fn bad_configs_name_the_key_and_line() {
        let cases = [
            (
                "[rounds.morning]\nopens = \"7 am\"\n",
                "line 2: rounds.morning.opens",
            ),
            (
                "[community]\ntimezone = \"Mars/Base\"\n",
                "line 2: community.timezone",
            ),
            ("[rounds.morning]\nopenz = \"07:00\"\n", "openz"),
            ("[rounds.evening]\nopens = \"09:00\"\n", "rounds.evening"),
            (
                "[rounds.morning]\nexpect = \"closed\"\n",
                "rounds.morning.expect",
            ),
        ];
        for (text, want) in cases {
            let error = Config::parse(text).unwrap_err();
            assert!(error.contains(want), "{text:?}: {error}");
        }
    }
}
