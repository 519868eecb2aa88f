//! The community's config file (TOML): its name, time zone and round windows, and where
//! notifications go (`[notify]`). Every key is optional; a bad one is refused with its key and
//! line, never replaced by a silent default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    pub notify: NotifyConfig,
}

/// `[notify]`: where and how notifications go. With no channels, messages are still queued in
/// the outbox (any process may settle a round) but nothing is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct NotifyConfig {
    /// The language of the messages [default: Chinese].
    pub lang: crate::i18n::Lang,
    /// Connect and overall limit of one HTTP request.
    pub timeout: Duration,
    /// The wait after a first failed attempt; it doubles with each further one…
    pub retry_base: Duration,
    /// …up to this.
    pub retry_max: Duration,
    /// After this many attempts a delivery is `failed` (still visible, still retryable).
    pub max_attempts: u32,
    /// A critical flag still open this long after it was raised is told of again.
    pub critical_reminder_after: Duration,
    /// Messages older than this when a channel first sees them are not sent to it (a watcher
    /// started for the first time, or after days off, does not replay history into a group).
    pub max_age: Duration,
    /// By name, in name order.
    pub channels: Vec<ChannelConfig>,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            lang: crate::i18n::Lang::Zh,
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(600),
            max_attempts: 8,
            critical_reminder_after: Duration::from_secs(30 * 60),
            max_age: Duration::from_secs(24 * 3600),
            channels: Vec::new(),
        }
    }
}

/// The robot or endpoint a channel posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A generic JSON webhook: the structured fields plus a rendered `text`.
    Webhook,
    /// The WeCom (企业微信) group robot.
    Wecom,
    /// The DingTalk (钉钉) group robot, signed when it has a secret.
    Dingtalk,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Webhook => "webhook",
            ChannelKind::Wecom => "wecom",
            ChannelKind::Dingtalk => "dingtalk",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelConfig {
    pub name: String,
    pub kind: ChannelKind,
    pub url: String,
    /// DingTalk's signing secret (`SEC…`).
    pub secret: Option<String>,
    /// The grids whose messages go here; `None`: every grid.
    pub grids: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    community: Community,
    #[serde(default)]
    rounds: Rounds,
    #[serde(default)]
    notify: Option<NotifyFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyFile {
    lang: Option<Spanned<String>>,
    timeout_seconds: Option<Spanned<u64>>,
    retry_base_seconds: Option<Spanned<u64>>,
    retry_max_seconds: Option<Spanned<u64>>,
    max_attempts: Option<Spanned<u32>>,
    critical_reminder_minutes: Option<Spanned<u64>>,
    max_age_hours: Option<Spanned<u64>>,
    #[serde(default)]
    channels: BTreeMap<String, ChannelFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelFile {
    kind: Spanned<String>,
    url: Spanned<String>,
    secret: Option<Spanned<String>>,
    grids: Option<Vec<String>>,
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
    gap_below: Option<Spanned<f64>>,
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
        if let Some(share) = &file.rounds.gap_below {
            schedule.gap_below = crate::domain::coverage::GapBelow::from_share(*share.get_ref())
                .ok_or_else(|| {
                    format!(
                        "line {}: rounds.gap_below `{}` is not a share; write a number from 0 to 1, e.g. 0.5",
                        line_of(text, share.span().start),
                        share.get_ref()
                    )
                })?;
        }
        validate(&schedule)?;
        let notify = match &file.notify {
            Some(notify) => notify_config(text, notify)?,
            None => NotifyConfig::default(),
        };
        Ok(Config {
            community_name: file.community.name,
            schedule,
            notify,
        })
    }
}

/// Reads `[notify]`; every bad value is named with its key and line.
fn notify_config(text: &str, file: &NotifyFile) -> Result<NotifyConfig, String> {
    let mut config = NotifyConfig::default();
    let at = |key: &str, span: std::ops::Range<usize>| {
        format!("line {}: notify.{key}", line_of(text, span.start))
    };
    if let Some(lang) = &file.lang {
        config.lang = crate::i18n::Lang::parse(lang.get_ref()).ok_or_else(|| {
            format!(
                "{} `{}` is not a language; write \"zh\" or \"en\"",
                at("lang", lang.span()),
                lang.get_ref()
            )
        })?;
    }
    let positive =
        |key: &str, value: &Option<Spanned<u64>>, unit: u64, default: Duration| match value {
            None => Ok(default),
            Some(value) if *value.get_ref() == 0 => {
                Err(format!("{} must be more than 0", at(key, value.span())))
            }
            Some(value) => Ok(Duration::from_secs(value.get_ref().saturating_mul(unit))),
        };
    config.timeout = positive("timeout_seconds", &file.timeout_seconds, 1, config.timeout)?;
    config.retry_base = positive(
        "retry_base_seconds",
        &file.retry_base_seconds,
        1,
        config.retry_base,
    )?;
    config.retry_max = positive(
        "retry_max_seconds",
        &file.retry_max_seconds,
        1,
        config.retry_max,
    )?;
    config.critical_reminder_after = positive(
        "critical_reminder_minutes",
        &file.critical_reminder_minutes,
        60,
        config.critical_reminder_after,
    )?;
    config.max_age = positive("max_age_hours", &file.max_age_hours, 3600, config.max_age)?;
    if let Some(attempts) = &file.max_attempts {
        if *attempts.get_ref() == 0 {
            return Err(format!(
                "{} must be at least 1",
                at("max_attempts", attempts.span())
            ));
        }
        config.max_attempts = *attempts.get_ref();
    }
    for (name, channel) in &file.channels {
        let key = |field: &str| format!("channels.{name}.{field}");
        let kind = match channel.kind.get_ref().as_str() {
            "webhook" => ChannelKind::Webhook,
            "wecom" => ChannelKind::Wecom,
            "dingtalk" => ChannelKind::Dingtalk,
            other => {
                return Err(format!(
                    "{} `{other}` is not a channel kind; write webhook, wecom or dingtalk",
                    at(&key("kind"), channel.kind.span())
                ));
            }
        };
        let url = channel.url.get_ref().trim();
        if !(url.starts_with("https://") || url.starts_with("http://")) || url.contains(' ') {
            return Err(format!(
                "{} `{url}` is not an http(s) address",
                at(&key("url"), channel.url.span())
            ));
        }
        if let Some(secret) = &channel.secret {
            if kind != ChannelKind::Dingtalk {
                return Err(format!(
                    "{} is only for kind = \"dingtalk\"",
                    at(&key("secret"), secret.span())
                ));
            }
            if secret.get_ref().trim().is_empty() {
                return Err(format!("{} is empty", at(&key("secret"), secret.span())));
            }
        }
        config.channels.push(ChannelConfig {
            name: name.clone(),
            kind,
            url: url.to_string(),
            secret: channel
                .secret
                .as_ref()
                .map(|s| s.get_ref().trim().to_string()),
            grids: channel.grids.clone(),
        });
    }
    Ok(config)
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
            ("[notify]\nlang = \"fr\"\n", "line 2: notify.lang"),
            ("[rounds]\ngap_below = 1.5\n", "line 2: rounds.gap_below"),
            ("[rounds]\ngap_below = \"half\"\n", "gap_below"),
            (
                "[notify.channels.g1]\nkind = \"wechat\"\nurl = \"https://x\"\n",
                "line 2: notify.channels.g1.kind",
            ),
            (
                "[notify.channels.g1]\nkind = \"wecom\"\nurl = \"ftp://x\"\n",
                "line 3: notify.channels.g1.url",
            ),
            (
                "[notify.channels.g1]\nkind = \"wecom\"\nurl = \"https://x\"\nsecret = \"SEC1\"\n",
                "line 4: notify.channels.g1.secret",
            ),
            (
                "[notify]\nretry_base_seconds = 0\n",
                "line 2: notify.retry_base_seconds",
            ),
            (
                "[notify.channels.g1]\nkind = \"wecom\"\nuri = \"https://x\"\n",
                "uri",
            ),
        ];
        for (text, want) in cases {
            let error = Config::parse(text).unwrap_err();
            assert!(error.contains(want), "{text:?}: {error}");
        }
    }

    #[test]
    fn gap_below_reads_as_a_share() {
        use crate::domain::coverage::GapBelow;
        let cases = [
            ("[rounds]\ngap_below = 0.4\n", 0.4),
            ("[rounds]\ngap_below = 1\n", 1.0),
            ("[rounds]\ngap_below = 0\n", 0.0),
            ("", 0.5),
        ];
        for (text, share) in cases {
            let config = Config::parse(text).unwrap();
            assert_eq!(
                config.schedule.gap_below,
                GapBelow::from_share(share).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_notify_section_reads_its_channels() {
        let text = "[notify]\nretry_base_seconds = 1\n[notify.channels.grid1]\nkind = \"wecom\"\n\
                    url = \"https://qyapi.weixin.qq.com/x\"\ngrids = [\"第一网格\"]\n\
                    [notify.channels.ding]\nkind = \"dingtalk\"\nurl = \"https://oapi.dingtalk.com/x\"\n\
                    secret = \"SECabc\"\n";
        let notify = Config::parse(text).unwrap().notify;
        assert_eq!(notify.lang, crate::i18n::Lang::Zh);
        assert_eq!(notify.retry_base, Duration::from_secs(1));
        let names: Vec<&str> = notify.channels.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ding", "grid1"]);
        assert_eq!(notify.channels[0].secret.as_deref(), Some("SECabc"));
        assert_eq!(
            notify.channels[1].grids.as_deref(),
            Some(&["第一网格".to_string()][..])
        );
    }
}
