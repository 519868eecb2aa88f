//! Changes to the outbox that a person asks for: a failed delivery queued again, a test message
//! queued for channels. Authorized and written here like every other change; sending is the
//! notifier's.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::Session;
use crate::domain::access::Capability;
use crate::error::Refusal;
use crate::store::outbox::{self, Claimed, DeliveryState};
use crate::store::{Create, Store};

/// `outbox retry ID`: a delivery not sent (failed, uncertain, pending) is queued again for its
/// channel, which must still be configured. Gives back the channel.
pub fn retry(session: &Session, delivery_id: i64) -> anyhow::Result<String> {
    let mut store = session.open(Create::Never)?;
    session.authorize(&mut store, Capability::ManageNotifications, None)?;
    let tx = store.write()?;
    let (channel, state) =
        outbox::delivery_state(&tx, delivery_id)?.ok_or(Refusal::UnknownDelivery(delivery_id))?;
    if matches!(state, DeliveryState::Sent | DeliveryState::Sending) {
        return Err(Refusal::CannotRetry {
            id: delivery_id,
            state: state.as_str().to_string(),
        }
        .into());
    }
    let configured = &session.config.notify.channels;
    if !configured.iter().any(|c| c.name == channel) {
        let known: Vec<&str> = configured.iter().map(|c| c.name.as_str()).collect();
        return Err(Refusal::UnknownChannel {
            name: channel,
            known: if known.is_empty() {
                "—".to_string()
            } else {
                known.join(", ")
            },
        }
        .into());
    }
    outbox::requeue(&tx, delivery_id, session.now)?;
    tx.commit().context("queueing the delivery again")?;
    Ok(channel)
}

/// `notify test`: one test message for each of `channels`, claimed by this process at once so
/// that it sends them itself. Gives back the store and the claimed deliveries.
pub fn queue_test(
    session: &Session,
    channels: &[String],
    claim_token: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> anyhow::Result<(Store, Vec<Claimed>)> {
    let mut store = session.open(Create::Never)?;
    let actor = session.authorize(&mut store, Capability::ManageNotifications, None)?;
    let tx = store.write()?;
    let claimed = outbox::queue_test(&tx, channels, &actor.name, claim_token, now, lease_until)?;
    tx.commit().context("queueing the test message")?;
    Ok((store, claimed))
}
