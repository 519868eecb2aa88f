//! `curtain init --admin` and `curtain user add|list|passwd|disable|enable`: the people who may
//! change data, their roles, grids and PINs. New PINs come from `CURTAIN_NEW_PIN` or are typed
//! twice at the terminal; they are hashed before anything else sees them.

use std::collections::BTreeSet;
use std::io::Write;

use serde::Serialize;
use zeroize::Zeroizing;

use super::output::{Format, table, write_csv, write_json};
use super::{Session, UserCommand, shown};
use crate::auth::Pin;
use crate::domain::access;
use crate::error::Refusal;
use crate::i18n::{fill, t, words};
use crate::ops::{self, prompt_pin};
use crate::store::ts;

pub fn run(session: &Session, action: UserCommand) -> anyhow::Result<()> {
    match action {
        UserCommand::Add {
            name,
            role,
            grids,
            communities,
        } => add(session, &name, &role, grids, communities),
        UserCommand::List { format } => list(session, format),
        UserCommand::Passwd { name } => passwd(session, &name),
        UserCommand::Disable { name } => set_enabled(session, &name, false),
        UserCommand::Enable { name } => set_enabled(session, &name, true),
    }
}

/// The new PIN: `CURTAIN_NEW_PIN` (or, for `init --admin`, `CURTAIN_PIN`), else typed twice.
fn new_pin(session: &Session, name: &str, own_pin_is_new: bool) -> anyhow::Result<Pin> {
    let from_env = std::env::var("CURTAIN_NEW_PIN")
        .ok()
        .map(Zeroizing::new)
        .or_else(|| own_pin_is_new.then(|| session.pin.clone()).flatten());
    if let Some(pin) = from_env {
        return Ok(pin);
    }
    let s = t(session.lang);
    let first = prompt_pin(&fill(&s.prompt_new_pin, &[("name", &name)]))?
        .ok_or_else(|| Refusal::NeedPin(name.to_string()))?;
    access::check_pin_policy(&first).map_err(Refusal::PinPolicy)?;
    let again =
        prompt_pin(&s.prompt_new_pin_again)?.ok_or_else(|| Refusal::NeedPin(name.to_string()))?;
    if *first != *again {
        return Err(Refusal::PinsDiffer.into());
    }
    Ok(first)
}

/// `init --admin NAME`: the first user of a database, who must be an admin.
pub fn init_admin(session: &Session, name: &str) -> anyhow::Result<()> {
    let created = ops::users::init_admin(session, name, || new_pin(session, name, true))?;
    let s = t(session.lang);
    let mut out = std::io::stdout().lock();
    if created {
        writeln!(
            out,
            "{}",
            fill(
                &s.init_created,
                &[("path", &shown(&session.db)), ("count", &0)]
            )
        )?;
    }
    writeln!(out, "{}", fill(&s.init_admin_added, &[("name", &name)]))?;
    Ok(())
}

fn add(
    session: &Session,
    name: &str,
    role: &str,
    grids: Vec<String>,
    communities: Vec<String>,
) -> anyhow::Result<()> {
    let role = ops::users::parse_role(role)?;
    let trimmed = |names: Vec<String>| -> BTreeSet<String> {
        names
            .into_iter()
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .collect()
    };
    let (grids, communities) = (trimmed(grids), trimmed(communities));
    ops::users::add(session, name, role, &grids, &communities, || {
        new_pin(session, name, false)
    })?;
    let scope: BTreeSet<String> = grids.iter().chain(&communities).cloned().collect();
    let s = t(session.lang);
    writeln!(
        std::io::stdout().lock(),
        "{}",
        fill(
            &s.user_added,
            &[
                ("name", &name),
                ("role", &words::role(session.lang, Some(role))),
                ("grids", &grids_text(session, &scope)),
            ]
        )
    )?;
    Ok(())
}

fn grids_text(session: &Session, grids: &BTreeSet<String>) -> String {
    if grids.is_empty() {
        t(session.lang).every_grid.clone()
    } else {
        grids.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

#[derive(Default, Serialize)]
struct UserRow {
    name: String,
    role: String,
    grids: Vec<String>,
    communities: Vec<String>,
    state: &'static str,
    created_at: String,
    created_by: String,
}

fn list(session: &Session, format: Format) -> anyhow::Result<()> {
    let all = ops::users::list(session)?;
    let s = t(session.lang);
    let rows: Vec<UserRow> = all
        .iter()
        .map(|user| UserRow {
            name: user.name.clone(),
            role: user.role.as_str().to_string(),
            grids: user.grids.iter().cloned().collect(),
            communities: user.communities.iter().cloned().collect(),
            state: if !user.enabled() {
                "disabled"
            } else if access::is_locked(user.locked_until, session.now) {
                "locked"
            } else {
                "active"
            },
            created_at: ts(user.created_at),
            created_by: user.created_by.clone(),
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, &rows),
        Format::Csv => {
            #[derive(Default, Serialize)]
            struct Flat {
                name: String,
                role: String,
                grids: String,
                communities: String,
                state: &'static str,
                created_at: String,
                created_by: String,
            }
            let flat: Vec<Flat> = rows
                .into_iter()
                .map(|row| Flat {
                    grids: row.grids.join(";"),
                    communities: row.communities.join(";"),
                    name: row.name,
                    role: row.role,
                    state: row.state,
                    created_at: row.created_at,
                    created_by: row.created_by,
                })
                .collect();
            write_csv(&mut out, &flat)
        }
        Format::Table => {
            if all.is_empty() {
                writeln!(out, "{}", s.users_none)?;
                return Ok(());
            }
            let cells: Vec<Vec<String>> = all
                .iter()
                .zip(&rows)
                .map(|(user, row)| {
                    vec![
                        user.name.clone(),
                        words::role(session.lang, Some(user.role)).to_string(),
                        grids_text(
                            session,
                            &user
                                .grids
                                .iter()
                                .chain(&user.communities)
                                .cloned()
                                .collect(),
                        ),
                        match row.state {
                            "disabled" => s.user_state_disabled.clone(),
                            "locked" => s.user_state_locked.clone(),
                            _ => s.user_state_active.clone(),
                        },
                        format!(
                            "{} {}",
                            row.created_at.get(..10).unwrap_or(""),
                            row.created_by
                        ),
                    ]
                })
                .collect();
            let headers = [
                s.col_user.as_str(),
                &s.col_role,
                &s.col_grids,
                &s.col_user_state,
                &s.col_created,
            ];
            write!(out, "{}", table(&headers, &cells))?;
            writeln!(out, "{}", fill(&s.users_count, &[("count", &all.len())]))?;
            Ok(())
        }
    }
}

/// An admin sets anyone's PIN; anyone else only their own, after logging in with the old one.
fn passwd(session: &Session, name: &str) -> anyhow::Result<()> {
    ops::users::passwd(session, name, || new_pin(session, name, false))?;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        fill(&t(session.lang).user_pin_changed, &[("name", &name)])
    )?;
    Ok(())
}

fn set_enabled(session: &Session, name: &str, enabled: bool) -> anyhow::Result<()> {
    let changed = ops::users::set_enabled(session, name, enabled)?;
    let s = t(session.lang);
    let template = match (changed, enabled) {
        (false, _) => &s.user_unchanged,
        (true, true) => &s.user_enabled_done,
        (true, false) => &s.user_disabled_done,
    };
    writeln!(
        std::io::stdout().lock(),
        "{}",
        fill(template, &[("name", &name)])
    )?;
    Ok(())
}
