//! Logging in: PINs hashed with argon2id (never stored or logged in clear), checked against the
//! users table, with the lockout of `domain::access`. Both front ends (CLI and TUI) log in here
//! and get an [`Actor`] whose role and grids decide what they may do.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use crate::domain::access::{self, Actor, Capability, Grids};
use crate::domain::time::format_local_time;
use crate::error::Refusal;
use crate::store::{Store, users};

/// A PIN as typed; wiped from memory when dropped.
pub type Pin = Zeroizing<String>;

pub fn hash_pin(pin: &str) -> anyhow::Result<String> {
    let hash = Argon2::default()
        .hash_password(pin.as_bytes())
        .map_err(|error| anyhow::anyhow!("hashing the PIN: {error}"))?;
    Ok(hash.to_string())
}

pub fn pin_matches(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A PIN that the policy accepts, hashed; refused in words otherwise.
pub fn new_pin_hash(pin: &str) -> anyhow::Result<String> {
    access::check_pin_policy(pin).map_err(Refusal::PinPolicy)?;
    hash_pin(pin)
}

/// User names are typed at a login prompt and put in SSH forced commands: printable, no spaces.
pub fn check_user_name(name: &str) -> Result<(), Refusal> {
    let count = name.chars().count();
    if count == 0
        || count > 32
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '\\' | '/'))
    {
        return Err(Refusal::BadUserName(name.to_string()));
    }
    Ok(())
}

/// Checks a named user's PIN and returns who they are. A wrong PIN is counted (five in a row
/// lock the user for five minutes) and audited; the count is saved even though the login fails.
pub fn log_in(
    store: &mut Store,
    name: &str,
    pin: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Actor> {
    let user =
        users::get(&store.conn, name)?.ok_or_else(|| Refusal::UnknownUser(name.to_string()))?;
    if !user.enabled() {
        return Err(Refusal::UserDisabled(name.to_string()).into());
    }
    if access::is_locked(user.locked_until, now) {
        return Err(Refusal::UserLocked {
            name: name.to_string(),
            until: format_local_time(user.locked_until.unwrap_or(now), store.schedule.tz),
        }
        .into());
    }
    // A file that takes no writes (read-only, or opened immutable to be read): the PIN is checked
    // but neither a failure nor a success can be counted.
    if store
        .conn
        .sqlite()
        .is_some_and(|conn| conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false))
    {
        if !pin_matches(&user.pin_hash, pin) {
            return Err(Refusal::WrongPin {
                name: name.to_string(),
                left: access::MAX_FAILED_ATTEMPTS.saturating_sub(user.failed_attempts),
            }
            .into());
        }
        return Ok(Actor {
            grids: scope_of(store, &user)?,
            name: user.name,
            role: Some(user.role),
        });
    }
    let tx = store.write()?;
    // Read again under the write lock: another terminal may have counted a failure meanwhile.
    let user = users::get(&tx, name)?.ok_or_else(|| Refusal::UnknownUser(name.to_string()))?;
    if !pin_matches(&user.pin_hash, pin) {
        // A lockout that has run out starts the count again.
        let before = if user.locked_until.is_some() {
            0
        } else {
            user.failed_attempts
        };
        let (failures, locked_until) = access::after_failed_attempt(before, now);
        users::record_failed_login(&tx, name, failures, locked_until, now)?;
        tx.commit()?;
        return Err(match locked_until {
            Some(until) => Refusal::UserLocked {
                name: name.to_string(),
                until: format_local_time(until, store.schedule.tz),
            },
            None => Refusal::WrongPin {
                name: name.to_string(),
                left: access::MAX_FAILED_ATTEMPTS - failures,
            },
        }
        .into());
    }
    users::record_good_login(&tx, name)?;
    tx.commit()?;
    Ok(Actor {
        grids: scope_of(store, &user)?,
        name: user.name,
        role: Some(user.role),
    })
}

/// The grids a user works on: those given, and every grid of the communities given, as the
/// roster has them now. A user given communities whose roster has no grid yet works on none,
/// never on every grid.
fn scope_of(store: &Store, user: &users::User) -> crate::store::db::Result<Grids> {
    if user.communities.is_empty() || user.role == crate::domain::access::Role::Admin {
        return Ok(Grids::for_role(user.role, user.grids.clone()));
    }
    let mut grids = user.grids.clone();
    for community in &user.communities {
        grids.extend(crate::store::elders::grids_of_community(
            &store.conn,
            community,
            store.schedule.home_name.as_deref(),
        )?);
    }
    Ok(Grids::Only(grids))
}

/// Refuses unless the actor may do this (on this grid, when it concerns one elder).
pub fn require(actor: &Actor, capability: Capability, grid: Option<&str>) -> Result<(), Refusal> {
    if !actor.can(capability) {
        return Err(Refusal::NotAllowed {
            user: actor.name.clone(),
            role: actor.role,
            capability,
        });
    }
    if let Some(grid) = grid
        && !actor.grids.covers(grid)
    {
        return Err(Refusal::NotYourGrid {
            user: actor.name.clone(),
            grid: grid.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_hash_is_argon2id_and_never_the_pin() {
        let hash = hash_pin("2468").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(!hash.contains("2468"));
        assert!(pin_matches(&hash, "2468"));
        assert!(!pin_matches(&hash, "2469"));
        assert!(!pin_matches("not a hash", "2468"));
        assert_ne!(hash, hash_pin("2468").unwrap(), "salted");
    }

    #[test]
    fn user_names_are_printable_words() {
        for good in ["wang", "王阿姨", "li.na-2"] {
            assert!(check_user_name(good).is_ok(), "{good}");
        }
        for bad in ["", "wang ayi", "a\"b", "x/y", &"长".repeat(33)] {
            assert!(check_user_name(bad).is_err(), "{bad:?}");
        }
    }
}
