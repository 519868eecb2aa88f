//! The people who may change data: the first admin, new users, PINs, disabling and enabling.
//! Each change is authorized here, written in one transaction with its audit, and stamped with
//! the real clock (a drill database's records follow its `--now`). New PINs come from the front
//! end as a closure, asked only once the change is allowed, and are hashed before anything else
//! sees them.

use std::collections::BTreeSet;

use anyhow::Context;

use super::Session;
use crate::auth::{self, Pin};
use crate::domain::access::{Capability, Role};
use crate::error::Refusal;
use crate::store::users::{self, NewUser, User};
use crate::store::{Create, elders};

/// `init --admin NAME`: the first user of a database, who must be an admin. Gives back whether
/// the database file had to be created.
pub fn init_admin(
    session: &Session,
    name: &str,
    new_pin: impl FnOnce() -> anyhow::Result<Pin>,
) -> anyhow::Result<bool> {
    auth::check_user_name(name)?;
    let existed = crate::store::database_exists(&session.db);
    if existed {
        let store = session.open(Create::Never)?;
        if users::any(&store.conn)? {
            return Err(Refusal::UsersExist.into());
        }
    }
    // Hash before the database is made, so a refused PIN leaves no file behind.
    let pin_hash = auth::new_pin_hash(&new_pin()?)?;
    let mut store = session.open(Create::IfMissing)?;
    let stamp = session.times(&store).stamp();
    let tx = store.write()?;
    // Read again under the write lock: two first admins at once would both pass the check above.
    if users::any(&tx)? {
        return Err(Refusal::UsersExist.into());
    }
    let nothing = BTreeSet::new();
    let user = NewUser {
        name,
        role: Role::Admin,
        grids: &nothing,
        communities: &nothing,
        pin_hash: &pin_hash,
    };
    users::add(&tx, &user, name, stamp)?;
    tx.commit().context("saving the first admin")?;
    Ok(!existed)
}

pub fn parse_role(text: &str) -> Result<Role, Refusal> {
    text.parse()
        .map_err(|()| Refusal::BadRole(text.to_string()))
}

/// `user add`: an admin adds a user with a role and grids (none: every grid). A grid that no
/// elder is in is refused, since a typo would leave the user with nobody to patrol.
pub fn add(
    session: &Session,
    name: &str,
    role: Role,
    grids: &BTreeSet<String>,
    communities: &BTreeSet<String>,
    new_pin: impl FnOnce() -> anyhow::Result<Pin>,
) -> anyhow::Result<()> {
    auth::check_user_name(name)?;
    let mut store = session.open(Create::Never)?;
    if !users::any(&store.conn)? && role != Role::Admin {
        return Err(Refusal::FirstUserNotAdmin.into());
    }
    let actor = session.authorize(&mut store, Capability::ManageUsers, None)?;
    if users::get(&store.conn, name)?.is_some() {
        return Err(Refusal::UserExists(name.to_string()).into());
    }
    // An empty roster (users made before the import) has no grids to check against.
    let known: BTreeSet<String> = elders::grids(&store.conn)?.into_iter().collect();
    if let Some(unknown) = grids
        .iter()
        .find(|grid| !known.is_empty() && !known.contains(*grid))
    {
        return Err(Refusal::UnknownGrid {
            grid: unknown.clone(),
            known: known.into_iter().collect::<Vec<_>>().join(", "),
        }
        .into());
    }
    if !known.is_empty() {
        for community in communities {
            super::read::community_grids(
                &store,
                session.config.community_name.as_deref(),
                community,
            )?;
        }
    }
    let pin_hash = auth::new_pin_hash(&new_pin()?)?;
    let stamp = session.times(&store).stamp();
    let tx = store.write()?;
    if users::get(&tx, name)?.is_some() {
        return Err(Refusal::UserExists(name.to_string()).into());
    }
    let user = NewUser {
        name,
        role,
        grids,
        communities,
        pin_hash: &pin_hash,
    };
    users::add(&tx, &user, &actor.name, stamp)?;
    tx.commit().context("saving the user")?;
    Ok(())
}

/// `user list`: every user, for anyone logged in.
pub fn list(session: &Session) -> anyhow::Result<Vec<User>> {
    let mut store = session.open(Create::Never)?;
    session.viewer(&mut store)?;
    Ok(users::all(&store.conn)?)
}

/// `user passwd`: an admin sets anyone's PIN; anyone else only their own, after logging in with
/// the old one.
pub fn passwd(
    session: &Session,
    name: &str,
    new_pin: impl FnOnce() -> anyhow::Result<Pin>,
) -> anyhow::Result<()> {
    let mut store = session.open(Create::Never)?;
    if users::get(&store.conn, name)?.is_none() {
        return Err(Refusal::UnknownUser(name.to_string()).into());
    }
    let actor = session.actor(&mut store)?;
    if actor.name != name {
        auth::require(&actor, Capability::ManageUsers, None)?;
    }
    let pin_hash = auth::new_pin_hash(&new_pin()?)?;
    let stamp = session.times(&store).stamp();
    let tx = store.write()?;
    users::set_pin(&tx, name, &pin_hash, &actor.name, stamp)?;
    tx.commit().context("saving the PIN")?;
    Ok(())
}

/// `user disable|enable`: the last enabled admin cannot be disabled. Gives back whether
/// anything changed.
pub fn set_enabled(session: &Session, name: &str, enabled: bool) -> anyhow::Result<bool> {
    let mut store = session.open(Create::Never)?;
    let Some(user) = users::get(&store.conn, name)? else {
        return Err(Refusal::UnknownUser(name.to_string()).into());
    };
    let actor = session.authorize(&mut store, Capability::ManageUsers, None)?;
    let stamp = session.times(&store).stamp();
    let tx = store.write()?;
    if !enabled
        && user.role == Role::Admin
        && user.enabled()
        && users::count_enabled_admins(&tx)? <= 1
    {
        return Err(Refusal::LastAdmin(name.to_string()).into());
    }
    let changed = users::set_enabled(&tx, name, enabled, &actor.name, stamp)?;
    tx.commit().context("saving the user")?;
    Ok(changed)
}

/// A login at the terminal UI: a named user's PIN checked, a wrong one counted (five in a row
/// lock the user for a while) and audited; gives back who they are.
pub fn log_in(
    store: &mut crate::store::Store,
    name: &str,
    pin: &Pin,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<crate::domain::access::Actor> {
    auth::log_in(store, name, pin, now)
}
