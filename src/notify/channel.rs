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

impl SendError {
    /// The error in words; the robot's own text in it is cleaned, since it is shown on a
    /// terminal.
    pub fn words(&self, lang: Lang) -> String {
        let s = t(lang);
        let words = match self {
            SendError::Status(status) => fill(&s.notify_error_status, &[("status", status)]),
            SendError::Refused { code, message } => fill(
                &s.notify_error_errcode,
                &[("code", code), ("message", message)],
            ),
            SendError::BadAnswer(body) => fill(&s.notify_error_answer, &[("body", body)]),
            SendError::Timeout(limit) => {
                fill(&s.notify_error_timeout, &[("seconds", &limit.as_secs())])
            }
            SendError::Connect(error) => fill(&s.notify_error_connect, &[("error", error)]),
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
