//! The channels' wire formats and the HTTP post: the generic JSON webhook, the WeCom group
//! robot and the DingTalk group robot (with its signature), and what counts as delivered.

use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::message::Rendered;
use crate::config::{ChannelConfig, ChannelKind};
use crate::i18n::{Lang, fill, t};
use crate::store::outbox::Message;

/// The most bytes of markdown a channel takes in one message (WeCom: 4096; DingTalk: 20000; a
/// generic webhook: ours to choose).
pub fn max_bytes(kind: ChannelKind) -> usize {
    match kind {
        ChannelKind::Wecom => 4096,
        ChannelKind::Dingtalk => 20_000,
        ChannelKind::Webhook => 64 * 1024,
    }
}

/// One HTTP request, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub url: String,
    pub body: String,
    /// Lets a generic receiver drop a repeat (e.g. a retry after a timeout that did arrive).
    pub idempotency_key: String,
}

/// The request for one message to one channel. `wall` is the real time for DingTalk's
/// signature, which the robot checks against its own clock (so not a drill's `--now`).
pub fn outgoing(
    channel: &ChannelConfig,
    message: &Message,
    rendered: &Rendered,
    community: Option<&str>,
    wall: DateTime<Utc>,
) -> Outgoing {
    let body = match channel.kind {
        ChannelKind::Webhook => webhook_body(message, rendered, community),
        ChannelKind::Wecom => json!({
            "msgtype": "markdown",
            "markdown": { "content": rendered.markdown },
        }),
        ChannelKind::Dingtalk => json!({
            "msgtype": "markdown",
            "markdown": { "title": rendered.title, "text": rendered.markdown },
        }),
    };
    let url = match (&channel.kind, &channel.secret) {
        (ChannelKind::Dingtalk, Some(secret)) => {
            let timestamp = wall.timestamp_millis();
            let separator = if channel.url.contains('?') { '&' } else { '?' };
            format!(
                "{}{separator}timestamp={timestamp}&sign={}",
                channel.url,
                percent_encode_base64(&dingtalk_sign(secret, timestamp))
            )
        }
        _ => channel.url.clone(),
    };
    Outgoing {
        url,
        body: body.to_string(),
        idempotency_key: format!("curtain-{}-{}", message.id, channel.name),
    }
}

fn webhook_body(message: &Message, rendered: &Rendered, community: Option<&str>) -> Value {
    let flags: Vec<Value> = message
        .flags
        .iter()
        .map(|flag| {
            json!({
                "flag_id": flag.flag_id,
                "elder_id": flag.elder_id,
                "name": flag.name,
                "address": flag.address,
                "grid": flag.grid,
                "round": flag.round.to_string(),
                "severity": flag.severity.as_str(),
                "status": flag.status.as_str(),
                "state": flag.state.as_str(),
                "checker": flag.checker,
            })
        })
        .collect();
    json!({
        "message_id": message.id,
        "kind": message.kind.as_str(),
        "test": message.kind == crate::store::outbox::Kind::Test,
        "community": community,
        "grid": message.grid,
        "round": message.round.map(|round| round.to_string()),
        "created_at": crate::store::ts(message.created_at),
        "flags": flags,
        "title": rendered.title,
        "text": rendered.text,
    })
}

/// DingTalk's signature: base64 of HMAC-SHA256 keyed by the secret over `"{ms}\n{secret}"`.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    // HMAC takes a key of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
    mac.update(format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Base64 in a query string: only `+`, `/` and `=` need escaping.
pub fn percent_encode_base64(text: &str) -> String {
    text.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

/// Why an attempt did not deliver, in words for the outbox and the person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The server answered with a status other than 2xx.
    Status(u16),
    /// The robot answered 200 with a non-zero `errcode`.
    Refused { code: i64, message: String },
    /// The robot's answer was not the JSON it sends.
    BadAnswer(String),
    /// No answer within the timeout.
    Timeout(Duration),
    /// Could not connect or the connection broke.
    Connect(String),
}

/// Why a delivery did not arrive, as the outbox keeps it: data, not words, so that whoever reads
/// the outbox reads it in their own language. Stored as JSON in `last_error`; text that is not
/// (rows from before) is shown as it was stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryError {
    Status(u16),
    Refused {
        code: i64,
        message: String,
    },
    BadAnswer(String),
    Timeout {
        seconds: u64,
    },
    Connect(String),
    /// The watcher stopped mid-send: it may or may not have arrived.
    Stopped,
    /// The config no longer has the delivery's channel.
    NoChannel(String),
    /// The message is no longer in the outbox.
    Gone(i64),
}

impl From<SendError> for DeliveryError {
    fn from(error: SendError) -> Self {
        match error {
            SendError::Status(status) => DeliveryError::Status(status),
            SendError::Refused { code, message } => DeliveryError::Refused { code, message },
            SendError::BadAnswer(body) => DeliveryError::BadAnswer(body),
            SendError::Timeout(limit) => DeliveryError::Timeout {
                seconds: limit.as_secs(),
            },
            SendError::Connect(error) => DeliveryError::Connect(error),
        }
    }
}

impl DeliveryError {
    /// What `last_error` keeps.
    pub fn stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored `last_error` in words of `lang`.
    pub fn words_of_stored(lang: Lang, stored: &str) -> String {
        match serde_json::from_str::<DeliveryError>(stored) {
            Ok(error) => error.words(lang),
            Err(_) => crate::domain::text::clean_line(stored).into_owned(),
        }
    }

    /// The error in words; the robot's own text in it is cleaned, since it is shown on a
    /// terminal.
    pub fn words(&self, lang: Lang) -> String {
        let s = t(lang);
        let words = match self {
            DeliveryError::Status(status) => fill(&s.notify_error_status, &[("status", status)]),
            DeliveryError::Refused { code, message } => fill(
                &s.notify_error_errcode,
                &[("code", code), ("message", message)],
            ),
            DeliveryError::BadAnswer(body) => fill(&s.notify_error_answer, &[("body", body)]),
            DeliveryError::Timeout { seconds } => {
                fill(&s.notify_error_timeout, &[("seconds", seconds)])
            }
            DeliveryError::Connect(error) => fill(&s.notify_error_connect, &[("error", error)]),
            DeliveryError::Stopped => s.notify_error_stopped.clone(),
            DeliveryError::NoChannel(channel) => {
                fill(&s.notify_error_no_channel, &[("channel", channel)])
            }
            DeliveryError::Gone(id) => fill(&s.notify_error_gone, &[("id", id)]),
        };
        crate::domain::text::clean_line(&words).into_owned()
    }
}

/// An HTTP client with the configured limit on connecting and on the whole exchange, and
/// statuses returned as answers rather than errors (a robot's 200 may still be a refusal).
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .timeout_connect(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Posts one request; `Ok` only when the channel took it.
pub fn send(
    agent: &ureq::Agent,
    kind: ChannelKind,
    timeout: Duration,
    request: &Outgoing,
) -> Result<(), SendError> {
    let result = agent
        .post(&request.url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("Idempotency-Key", &request.idempotency_key)
        .send(request.body.as_bytes());
    let mut response = result.map_err(|error| from_ureq(error, timeout))?;
    let status = response.status().as_u16();
    // A short answer is all a robot sends; more is not read.
    let answer = response
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .map_err(|error| from_ureq(error, timeout));
    if !(200..300).contains(&status) {
        return Err(SendError::Status(status));
    }
    if kind == ChannelKind::Webhook {
        return Ok(());
    }
    let answer = answer?;
    let parsed: Value =
        serde_json::from_str(&answer).map_err(|_| SendError::BadAnswer(shorten(&answer)))?;
    match parsed.get("errcode").and_then(Value::as_i64) {
        Some(0) => Ok(()),
        Some(code) => Err(SendError::Refused {
            code,
            message: parsed
                .get("errmsg")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        }),
        None => Err(SendError::BadAnswer(shorten(&answer))),
    }
}

fn from_ureq(error: ureq::Error, timeout: Duration) -> SendError {
    match error {
        ureq::Error::Timeout(_) => SendError::Timeout(timeout),
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            SendError::Timeout(timeout)
        }
        ureq::Error::StatusCode(status) => SendError::Status(status),
        other => SendError::Connect(other.to_string()),
    }
}

fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(120).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dingtalk_signature_matches_a_known_value() {
        // Computed independently: printf '1700000000000\nSECabc' | openssl dgst -sha256 -hmac SECabc -binary | base64
        assert_eq!(
            dingtalk_sign("SECabc", 1_700_000_000_000),
            "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
        );
    }

    #[test]
    fn base64_is_escaped_for_a_query_string() {
        assert_eq!(percent_encode_base64("a+b/c=="), "a%2Bb%2Fc%3D%3D");
    }
}

#[cfg(test)]
mod delivery_error_tests {
    use super::*;

    /// Issue 12: why a delivery failed is read in the reader's language, whatever language the
    /// group's messages go out in; text stored by an older version is shown as it was.
    #[test]
    fn rule_a_delivery_error_is_kept_as_data_and_read_in_each_language() {
        let errors = [
            DeliveryError::Status(503),
            DeliveryError::Refused {
                code: 93000,
                message: "invalid webhook url".into(),
            },
            DeliveryError::BadAnswer("<html>".into()),
            DeliveryError::Timeout { seconds: 10 },
            DeliveryError::Connect("connection refused".into()),
            DeliveryError::Stopped,
            DeliveryError::NoChannel("g9".into()),
            DeliveryError::Gone(7),
        ];
        let han = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        for error in errors {
            let stored = error.stored();
            let english = DeliveryError::words_of_stored(Lang::En, &stored);
            let chinese = DeliveryError::words_of_stored(Lang::Zh, &stored);
            assert!(!han(&english), "{english}");
            assert!(han(&chinese), "{chinese}");
            assert_eq!(english, error.words(Lang::En));
        }
        assert_eq!(
            DeliveryError::words_of_stored(Lang::En, "对方回答 HTTP 500"),
            "对方回答 HTTP 500"
        );
    }
}
