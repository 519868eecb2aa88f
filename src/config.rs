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

/// What is wrong with the config, where: the line (when the file says) and the dotted key. The
/// edge puts it in the user's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub line: Option<usize>,
    pub key: String,
    pub kind: ConfigProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigProblemKind {
    /// Not TOML, or a value of the wrong type; `key` names the unknown key when that is it.
    Syntax,
    UnknownKey,
    NotTimeZone(String),
    /// `expect` of a round is fixed: the morning expects open, the evening closed.
    WrongExpect {
        value: String,
        expect: String,
    },
    NotClock(String),
    NotLanguage(String),
    /// `gap_below` outside 0 to 1 (#15).
    NotShare(String),
    /// A number outside what curtain can use; both ends included.
    OutOfRange {
        value: u64,
        min: u64,
        max: u64,
    },
    NotChannelKind(String),
    NotHttpAddress(String),
    SecretOnlyForDingtalk,
    EmptySecret,
    /// The morning's opens ≤ due ≤ closes does not hold within one day.
    MorningOrder,
    /// The evening's window does not hold its due time, or overlaps the morning's.
    EveningOverlap,
}

impl ConfigProblem {
    fn at(
        text: &str,
        key: impl Into<String>,
        span: Option<std::ops::Range<usize>>,
        kind: ConfigProblemKind,
    ) -> ConfigProblem {
        ConfigProblem {
            line: span.map(|span| line_of(text, span.start)),
            key: key.into(),
            kind,
        }
    }
}

/// The ranges every number of `[notify]` must lie in: wide enough for any real use, narrow
/// enough that no arithmetic on them can overflow.
pub const TIMEOUT_SECONDS: (u64, u64) = (1, 300);
pub const RETRY_BASE_SECONDS: (u64, u64) = (1, 3600);
pub const RETRY_MAX_SECONDS: (u64, u64) = (1, 7 * 24 * 3600);
pub const MAX_ATTEMPTS: (u64, u64) = (1, 1000);
pub const CRITICAL_REMINDER_MINUTES: (u64, u64) = (1, 7 * 24 * 60);
pub const MAX_AGE_HOURS: (u64, u64) = (1, 366 * 24);

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
    /// Communities of the database that keep their own clock: zone and windows overriding
    /// `[community]` and `[rounds]`.
    #[serde(default)]
    communities: BTreeMap<String, CommunityFile>,
    #[serde(default)]
    notify: Option<NotifyFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommunityFile {
    timezone: Option<Spanned<String>>,
    #[serde(default)]
    rounds: CommunityRounds,
}

/// A community's windows; a patrol gap's threshold is the database's (`[rounds] gap_below`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CommunityRounds {
    morning: Option<SlotFile>,
    evening: Option<SlotFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyFile {
    lang: Option<Spanned<String>>,
    timeout_seconds: Option<Spanned<u64>>,
    retry_base_seconds: Option<Spanned<u64>>,
    retry_max_seconds: Option<Spanned<u64>>,
    max_attempts: Option<Spanned<u64>>,
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
    /// database when there is one (for a PostgreSQL URL, in the working directory), or the
    /// defaults.
    pub fn load(explicit: Option<&Path>, db: &Path) -> Result<Config, Refusal> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let on_a_server = crate::store::postgres_url(db).is_some();
                let beside = db
                    .parent()
                    .filter(|_| !on_a_server)
                    .map_or_else(|| PathBuf::from(FILE_NAME), |dir| dir.join(FILE_NAME));
                if !beside.exists() {
                    return Ok(Config::default());
                }
                beside
            }
        };
        let text = std::fs::read_to_string(&path).map_err(|error| Refusal::Unreadable {
            path: path.clone(),
            why: crate::import::Unreadable::of_io(&error),
        })?;
        Config::parse(&text).map_err(|problem| Refusal::BadConfig { path, problem })
    }

    pub fn parse(text: &str) -> Result<Config, ConfigProblem> {
        let file: File = toml::from_str(text).map_err(|error| syntax_problem(text, &error))?;
        let mut schedule = Schedule::default();
        let zone = |key: &str, zone: &Spanned<String>| {
            zone.get_ref().parse().map_err(|_| {
                ConfigProblem::at(
                    text,
                    key,
                    Some(zone.span()),
                    ConfigProblemKind::NotTimeZone(zone.get_ref().clone()),
                )
            })
        };
        if let Some(timezone) = &file.community.timezone {
            schedule.tz = zone("community.timezone", timezone)?;
        }
        let slot = |name: &str, file: &Option<SlotFile>, defaults: SlotTimes, expect: &str| {
            let Some(file) = file else {
                return Ok(defaults);
            };
            if let Some(value) = &file.expect
                && value != expect
            {
                return Err(ConfigProblem::at(
                    text,
                    format!("{name}.expect"),
                    None,
                    ConfigProblemKind::WrongExpect {
                        value: value.clone(),
                        expect: expect.to_string(),
                    },
                ));
            }
            let read = |key: &str, value: &Option<Spanned<String>>, default: NaiveTime| match value
            {
                None => Ok(default),
                Some(value) => parse_clock(value.get_ref()).ok_or_else(|| {
                    ConfigProblem::at(
                        text,
                        format!("{name}.{key}"),
                        Some(value.span()),
                        ConfigProblemKind::NotClock(value.get_ref().clone()),
                    )
                }),
            };
            Ok(SlotTimes::new(
                read("opens", &file.opens, defaults.opens)?,
                read("due", &file.due, defaults.due)?,
                read("closes", &file.closes, defaults.closes)?,
            ))
        };
        schedule.morning = slot(
            "rounds.morning",
            &file.rounds.morning,
            schedule.morning,
            "open",
        )?;
        schedule.evening = slot(
            "rounds.evening",
            &file.rounds.evening,
            schedule.evening,
            "closed",
        )?;
        if let Some(share) = &file.rounds.gap_below {
            schedule.gap_below = crate::domain::coverage::GapBelow::from_share(*share.get_ref())
                .ok_or_else(|| {
                    ConfigProblem::at(
                        text,
                        "rounds.gap_below",
                        Some(share.span()),
                        ConfigProblemKind::NotShare(share.get_ref().to_string()),
                    )
                })?;
        }
        validate(&schedule, "rounds")?;
        let mut communities = BTreeMap::new();
        for (name, community) in &file.communities {
            let prefix = format!("communities.\"{name}\"");
            let mut own = Schedule {
                communities: Default::default(),
                ..schedule.clone()
            };
            if let Some(timezone) = &community.timezone {
                own.tz = zone(&format!("{prefix}.timezone"), timezone)?;
            }
            let morning = format!("{prefix}.rounds.morning");
            let evening = format!("{prefix}.rounds.evening");
            own.morning = slot(&morning, &community.rounds.morning, own.morning, "open")?;
            own.evening = slot(&evening, &community.rounds.evening, own.evening, "closed")?;
            validate(&own, &format!("{prefix}.rounds"))?;
            communities.insert(name.clone(), own);
        }
        schedule.communities = std::sync::Arc::new(communities);
        schedule.home_name = file.community.name.clone();
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
fn notify_config(text: &str, file: &NotifyFile) -> Result<NotifyConfig, ConfigProblem> {
    let mut config = NotifyConfig::default();
    let at = |key: &str, span: std::ops::Range<usize>, kind: ConfigProblemKind| {
        ConfigProblem::at(text, format!("notify.{key}"), Some(span), kind)
    };
    if let Some(lang) = &file.lang {
        config.lang = crate::i18n::Lang::parse(lang.get_ref()).ok_or_else(|| {
            at(
                "lang",
                lang.span(),
                ConfigProblemKind::NotLanguage(lang.get_ref().clone()),
            )
        })?;
    }
    let within = |key: &str, value: &Spanned<u64>, (min, max): (u64, u64)| {
        let number = *value.get_ref();
        if (min..=max).contains(&number) {
            Ok(number)
        } else {
            Err(at(
                key,
                value.span(),
                ConfigProblemKind::OutOfRange {
                    value: number,
                    min,
                    max,
                },
            ))
        }
    };
    // The ranges keep every product below u64::MAX: no duration here can overflow.
    let duration = |key: &str,
                    value: &Option<Spanned<u64>>,
                    range: (u64, u64),
                    unit: u64,
                    default: Duration| match value {
        None => Ok(default),
        Some(value) => Ok(Duration::from_secs(
            within(key, value, range)?.saturating_mul(unit),
        )),
    };
    config.timeout = duration(
        "timeout_seconds",
        &file.timeout_seconds,
        TIMEOUT_SECONDS,
        1,
        config.timeout,
    )?;
    config.retry_base = duration(
        "retry_base_seconds",
        &file.retry_base_seconds,
        RETRY_BASE_SECONDS,
        1,
        config.retry_base,
    )?;
    config.retry_max = duration(
        "retry_max_seconds",
        &file.retry_max_seconds,
        RETRY_MAX_SECONDS,
        1,
        config.retry_max,
    )?;
    config.critical_reminder_after = duration(
        "critical_reminder_minutes",
        &file.critical_reminder_minutes,
        CRITICAL_REMINDER_MINUTES,
        60,
        config.critical_reminder_after,
    )?;
    config.max_age = duration(
        "max_age_hours",
        &file.max_age_hours,
        MAX_AGE_HOURS,
        3600,
        config.max_age,
    )?;
    if let Some(attempts) = &file.max_attempts {
        let attempts = within("max_attempts", attempts, MAX_ATTEMPTS)?;
        config.max_attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    }
    for (name, channel) in &file.channels {
        let key = |field: &str| format!("channels.{name}.{field}");
        let kind = match channel.kind.get_ref().as_str() {
            "webhook" => ChannelKind::Webhook,
            "wecom" => ChannelKind::Wecom,
            "dingtalk" => ChannelKind::Dingtalk,
            other => {
                return Err(at(
                    &key("kind"),
                    channel.kind.span(),
                    ConfigProblemKind::NotChannelKind(other.to_string()),
                ));
            }
        };
        let url = channel.url.get_ref().trim();
        if !is_http_address(url) {
            return Err(at(
                &key("url"),
                channel.url.span(),
                ConfigProblemKind::NotHttpAddress(url.to_string()),
            ));
        }
        if let Some(secret) = &channel.secret {
            if kind != ChannelKind::Dingtalk {
                return Err(at(
                    &key("secret"),
                    secret.span(),
                    ConfigProblemKind::SecretOnlyForDingtalk,
                ));
            }
            if secret.get_ref().trim().is_empty() {
                return Err(at(
                    &key("secret"),
                    secret.span(),
                    ConfigProblemKind::EmptySecret,
                ));
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

/// An address a channel can post to: `http://` or `https://`, a host, a port (when given) that
/// is a port, and no spaces.
fn is_http_address(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    if url.chars().any(char::is_whitespace) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = match host_port.rsplit_once(':') {
        // An IPv6 literal without a port: `[::1]`.
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (host_port, None),
    };
    let port_ok = port.is_none_or(|port| port.parse::<u16>().is_ok_and(|port| port > 0));
    !host.is_empty() && port_ok
}

/// What toml said was wrong, as a problem with its line; an unknown key is named.
fn syntax_problem(text: &str, error: &toml::de::Error) -> ConfigProblem {
    let message = error.message();
    let unknown = message
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split('`').next());
    ConfigProblem {
        line: error.span().map(|span| line_of(text, span.start)),
        key: unknown.unwrap_or_default().to_string(),
        kind: if unknown.is_some() {
            ConfigProblemKind::UnknownKey
        } else {
            ConfigProblemKind::Syntax
        },
    }
}

/// Windows must hold their due time and must not overlap, or a check could belong to two rounds.
fn validate(schedule: &Schedule, key: &str) -> Result<(), ConfigProblem> {
    let m = schedule.morning;
    let e = schedule.evening;
    if !(m.opens <= m.due && m.due <= m.closes && m.opens < m.closes) {
        return Err(ConfigProblem {
            line: None,
            key: format!("{key}.morning"),
            kind: ConfigProblemKind::MorningOrder,
        });
    }
    let evening_wraps = e.closes <= e.opens;
    let due_inside = if evening_wraps {
        e.due >= e.opens || e.due <= e.closes
    } else {
        e.opens <= e.due && e.due <= e.closes
    };
    let no_overlap = m.closes < e.opens && (!evening_wraps || e.closes < m.opens);
    if !due_inside || !no_overlap {
        return Err(ConfigProblem {
            line: None,
            key: format!("{key}.evening"),
            kind: ConfigProblemKind::EveningOverlap,
        });
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
        let named = Schedule {
            home_name: Some("长青社区".into()),
            ..Schedule::default()
        };
        assert_eq!(config.schedule, named);
        assert_eq!(config.community_name.as_deref(), Some("长青社区"));
    }

    #[test]
    fn a_community_keeps_its_own_zone_and_windows_over_the_configured_ones() {
        let text = "[community]\nname = \"长青社区\"\n\
                    [rounds.evening]\ncloses = \"21:30\"\n\
                    [communities.\"西郊社区\"]\ntimezone = \"Asia/Urumqi\"\n\
                    [communities.\"西郊社区\".rounds.morning]\nopens = \"06:30\"\n";
        let schedule = Config::parse(text).unwrap().schedule;
        assert_eq!(schedule.tz, chrono_tz::Asia::Shanghai);
        let west = &schedule.communities["西郊社区"];
        assert_eq!(west.tz, chrono_tz::Asia::Urumqi);
        let hm = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(west.morning.opens, hm(6, 30), "its own");
        assert_eq!(west.morning.closes, hm(9, 30), "the default");
        assert_eq!(west.evening.closes, hm(21, 30), "the configured [rounds]");
        assert!(west.communities.is_empty());
        assert_eq!(schedule.communities.len(), 1);
    }

    #[test]
    fn bad_configs_name_the_key_and_line() {
        use ConfigProblemKind as K;
        let range = |value, (min, max)| K::OutOfRange { value, min, max };
        let cases: Vec<(&str, Option<usize>, &str, ConfigProblemKind)> = vec![
            (
                "[rounds.morning]\nopens = \"7 am\"\n",
                Some(2),
                "rounds.morning.opens",
                K::NotClock("7 am".into()),
            ),
            (
                "[community]\ntimezone = \"Mars/Base\"\n",
                Some(2),
                "community.timezone",
                K::NotTimeZone("Mars/Base".into()),
            ),
            (
                "[rounds.morning]\nopenz = \"07:00\"\n",
                Some(2),
                "openz",
                K::UnknownKey,
            ),
            (
                "[rounds.evening]\nopens = \"09:00\"\n",
                None,
                "rounds.evening",
                K::EveningOverlap,
            ),
            (
                "[communities.\"西郊社区\"]\ntimezone = \"Asia/Xinjiang\"\n",
                Some(2),
                "communities.\"西郊社区\".timezone",
                K::NotTimeZone("Asia/Xinjiang".into()),
            ),
            (
                "[communities.\"西郊社区\".rounds.morning]\nopens = \"7 am\"\n",
                Some(2),
                "communities.\"西郊社区\".rounds.morning.opens",
                K::NotClock("7 am".into()),
            ),
            (
                "[communities.\"西郊社区\".rounds.morning]\ncloses = \"20:00\"\n",
                None,
                "communities.\"西郊社区\".rounds.evening",
                K::EveningOverlap,
            ),
            (
                "[rounds.morning]\nexpect = \"closed\"\n",
                None,
                "rounds.morning.expect",
                K::WrongExpect {
                    value: "closed".into(),
                    expect: "open".into(),
                },
            ),
            (
                "[notify]\nlang = \"fr\"\n",
                Some(2),
                "notify.lang",
                K::NotLanguage("fr".into()),
            ),
            (
                "[rounds]\ngap_below = 1.5\n",
                Some(2),
                "rounds.gap_below",
                K::NotShare("1.5".into()),
            ),
            (
                "[notify.channels.g1]\nkind = \"wechat\"\nurl = \"https://x\"\n",
                Some(2),
                "notify.channels.g1.kind",
                K::NotChannelKind("wechat".into()),
            ),
            (
                "[notify.channels.g1]\nkind = \"wecom\"\nurl = \"ftp://x\"\n",
                Some(3),
                "notify.channels.g1.url",
                K::NotHttpAddress("ftp://x".into()),
            ),
            (
                "[notify.channels.g1]\nkind = \"wecom\"\nurl = \"https://x\"\nsecret = \"SEC1\"\n",
                Some(4),
                "notify.channels.g1.secret",
                K::SecretOnlyForDingtalk,
            ),
            (
                "[notify]\nretry_base_seconds = 0\n",
                Some(2),
                "notify.retry_base_seconds",
                range(0, RETRY_BASE_SECONDS),
            ),
            (
                "[notify.channels.g1]\nkind = \"wecom\"\nuri = \"https://x\"\n",
                Some(3),
                "uri",
                K::UnknownKey,
            ),
            // Numbers that once passed and then panicked or overflowed (issue 12).
            (
                "[notify]\ntimeout_seconds = 9223372036854775807\n",
                Some(2),
                "notify.timeout_seconds",
                range(9223372036854775807, TIMEOUT_SECONDS),
            ),
            (
                "[notify]\nmax_age_hours = 3000000000\n",
                Some(2),
                "notify.max_age_hours",
                range(3000000000, MAX_AGE_HOURS),
            ),
            (
                "[notify]\ncritical_reminder_minutes = 18446744073709551\n",
                Some(2),
                "notify.critical_reminder_minutes",
                range(18446744073709551, CRITICAL_REMINDER_MINUTES),
            ),
            (
                "[notify]\nmax_attempts = 0\n",
                Some(2),
                "notify.max_attempts",
                range(0, MAX_ATTEMPTS),
            ),
            (
                "[notify.channels.g1]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:99999/x\"\n",
                Some(3),
                "notify.channels.g1.url",
                K::NotHttpAddress("http://127.0.0.1:99999/x".into()),
            ),
            (
                "[notify.channels.g1]\nkind = \"webhook\"\nurl = \"https://\"\n",
                Some(3),
                "notify.channels.g1.url",
                K::NotHttpAddress("https://".into()),
            ),
        ];
        for (text, line, key, kind) in cases {
            let problem = Config::parse(text).unwrap_err();
            assert_eq!(
                problem,
                ConfigProblem {
                    line,
                    key: key.into(),
                    kind
                },
                "{text:?}"
            );
        }
    }

    #[test]
    fn http_addresses_need_a_host_and_a_real_port() {
        let cases = [
            (
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
                true,
            ),
            ("http://127.0.0.1:8080/hook", true),
            ("http://[::1]:8080/hook", true),
            ("http://[::1]/hook", true),
            ("http://user@host:443/x", true),
            ("http://127.0.0.1:99999/x", false),
            ("http://127.0.0.1:0/x", false),
            ("http://host:port/x", false),
            ("https://", false),
            ("https:///path", false),
            ("ftp://host/x", false),
            ("https://host/a b", false),
        ];
        for (url, ok) in cases {
            assert_eq!(is_http_address(url), ok, "{url}");
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
