//! The non-interactive commands. Each validates its input before it opens the database, so bad
//! input exits 2 with nothing written.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use serde::Serialize;

use super::output::{Format, table, write_csv, write_json};
use super::{Command, Ctx, shown};
use crate::auth;
use crate::domain::access::{Actor, Capability};
use crate::domain::privacy::{mask_phone, mask_phones_in};
use crate::domain::time::{format_local, format_local_time, parse_instant};
use crate::domain::{FlagState, Observation, Outcome, Round, Severity, Status};
use crate::error::Refusal;
use crate::i18n::{fill, t, words};
use crate::import;
use crate::store::rounds::{self, AbsenceChange, ElderRound, NewCheck};
use crate::store::{BackupFault, Create, Store, elders, flags};

pub fn run(ctx: &Ctx, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init { admin: None } => init(ctx),
        Command::Init { admin: Some(name) } => super::accounts::init_admin(ctx, &name),
        Command::User { action } => super::accounts::run(ctx, action),
        Command::Import {
            file,
            dry_run,
            restore,
        } => import_roster(ctx, &file, dry_run, restore),
        Command::Elders { grid, all, format } => list_elders(ctx, grid.as_deref(), all, format),
        Command::Check {
            elder_id,
            observation,
            round,
            at,
            note,
        } => check(
            ctx,
            &elder_id,
            &observation,
            round.as_deref(),
            at.as_deref(),
            note,
        ),
        Command::Undo => undo(ctx),
        Command::Status {
            round,
            grid,
            format,
        } => status(ctx, round.as_deref(), grid.as_deref(), format),
        Command::Flags {
            all,
            since,
            grid,
            format,
        } => list_flags(ctx, all, since.as_deref(), grid.as_deref(), format),
        Command::Resolve {
            flag_id,
            outcome,
            note,
        } => resolve(ctx, flag_id, &outcome, note.as_deref()),
        Command::Away {
            elder_id,
            from,
            to,
            reason,
            end,
        } => away(
            ctx,
            &elder_id,
            from.as_deref(),
            to.as_deref(),
            reason.as_deref(),
            end,
        ),
        Command::Backup { file } => backup(ctx, &file),
        Command::Doctor => super::doctor::run(ctx),
        Command::Report { from, to, out } => crate::export::report::run(ctx, &from, &to, &out),
        Command::Watch { interval, once } => super::notify::watch(ctx, interval, once),
        Command::Outbox {
            action,
            all,
            format,
        } => super::notify::outbox(ctx, action, all, format),
        Command::Notify { action } => super::notify::notify(ctx, action),
        Command::Sheet { round, grid, out } => {
            crate::export::sheet::run(ctx, &round, grid.as_deref(), &out)
        }
        Command::Bench(command) => crate::bench::run(ctx, command),
    }
}

fn stdout() -> std::io::StdoutLock<'static> {
    std::io::stdout().lock()
}

fn init(ctx: &Ctx) -> anyhow::Result<()> {
    let existed = ctx.db.exists();
    let store = ctx.open(Create::IfMissing)?;
    let s = t(ctx.lang);
    let template = if existed {
        &s.init_exists
    } else {
        &s.init_created
    };
    let count = elders::count_active(&store.conn)?;
    writeln!(
        stdout(),
        "{}",
        fill(template, &[("path", &shown(&ctx.db)), ("count", &count)])
    )?;
    Ok(())
}

/// The grid of an elder on the roster; `None` for an unknown id, which the store then refuses
/// in its own words.
fn grid_of_elder(store: &Store, elder_id: &str) -> anyhow::Result<Option<String>> {
    Ok(elders::get(&store.conn, elder_id.trim())?.map(|elder| elder.grid))
}

/// A grid worker of some grids imports only rows of those grids, and moves no elder out of one.
fn refuse_rows_outside_grids(
    store: &Store,
    actor: &Actor,
    rows: &[import::RosterRow],
) -> anyhow::Result<()> {
    if actor.grids.is_every() {
        return Ok(());
    }
    for row in rows {
        let current = grid_of_elder(store, &row.id)?;
        for grid in std::iter::once(&row.grid).chain(current.as_ref()) {
            auth::require(actor, Capability::EditRoster, Some(grid))?;
        }
    }
    Ok(())
}

pub fn parse_round(text: &str) -> Result<Round, Refusal> {
    text.parse()
        .map_err(|_| Refusal::BadRound(text.to_string()))
}

pub fn parse_date(text: &str) -> Result<NaiveDate, Refusal> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Refusal::BadDate(text.to_string()))
}

fn import_roster(ctx: &Ctx, file: &Path, dry_run: bool, restore: bool) -> anyhow::Result<()> {
    let archived = if restore {
        elders::ArchivedInFile::Restore
    } else {
        elders::ArchivedInFile::Keep
    };
    if !file.is_file() {
        return Err(Refusal::Unreadable {
            path: file.to_path_buf(),
            reason: t(ctx.lang).not_a_file.clone(),
        }
        .into());
    }
    let roster = import::read_roster_file(file).map_err(Refusal::Import)?;
    let rows = &roster.rows;
    let s = t(ctx.lang);
    let source = file
        .file_name()
        .map_or_else(|| shown(file), |name| name.to_string_lossy().into_owned());
    let mut see_phones = true;
    let plan = if dry_run {
        if ctx.db.exists() {
            let mut store = ctx.open(Create::Never)?;
            see_phones = ctx.viewer(&mut store)?.can(Capability::SeePhones);
            elders::plan_roster_file(&store.conn, rows, archived)?
        } else {
            elders::ImportPlan {
                added: rows.iter().map(|row| row.id.clone()).collect(),
                ..Default::default()
            }
        }
    } else {
        let mut store = ctx.open(Create::IfMissing)?;
        let actor = ctx.authorize(&mut store, Capability::EditRoster, None)?;
        refuse_rows_outside_grids(&store, &actor, rows)?;
        let tx = store.write()?;
        let plan =
            elders::apply_roster_file(&tx, rows, archived, &actor.name, ctx.now, ctx.now, &source)?;
        tx.commit().context("saving the roster")?;
        plan
    };
    let template = if dry_run {
        &s.import_dry_run
    } else {
        &s.import_done
    };
    let mut out = stdout();
    writeln!(
        out,
        "{}",
        fill(
            template,
            &[
                ("file", &source),
                ("rows", &rows.len()),
                ("added", &plan.added.len()),
                ("updated", &plan.updated.len()),
                ("unchanged", &plan.unchanged),
            ]
        )
    )?;
    if !plan.updated.is_empty() {
        writeln!(
            out,
            "{}",
            fill(&s.import_updated_ids, &[("ids", &plan.updated.join(", "))])
        )?;
    }
    let notes = super::messages::import_notes(ctx.lang, &roster);
    for line in notes.iter().chain(&super::messages::import_changes(
        ctx.lang, &plan, see_phones,
    )) {
        writeln!(out, "{line}")?;
    }
    if !plan.not_in_file.is_empty() {
        writeln!(
            out,
            "{}",
            fill(
                &s.import_not_in_file,
                &[("ids", &plan.not_in_file.join(", "))]
            )
        )?;
    }
    if !dry_run && !plan.added.is_empty() {
        let first = ctx.config.schedule.upcoming_round(ctx.now);
        writeln!(
            out,
            "{}",
            fill(
                &s.import_first_round,
                &[("round", &words::round(ctx.lang, first))]
            )
        )?;
    }
    Ok(())
}

#[derive(Default, Serialize)]
struct ElderRow {
    elder_id: String,
    name: String,
    address: String,
    grid: String,
    phone: Option<String>,
    active: bool,
    contact: Option<String>,
    contact_phone: Option<String>,
    keyholder: Option<String>,
    keyholder_phone: Option<String>,
    window: Option<String>,
    route: Option<i64>,
    morning_window: Option<String>,
    evening_window: Option<String>,
    notes: Option<String>,
}

fn list_elders(ctx: &Ctx, grid: Option<&str>, all: bool, format: Format) -> anyhow::Result<()> {
    let mut store = ctx.open(Create::Never)?;
    let viewer = ctx.viewer(&mut store)?;
    let phone = |number: Option<String>| {
        if viewer.can(Capability::SeePhones) {
            number
        } else {
            number.as_deref().map(mask_phone)
        }
    };
    let words = |text: Option<String>| {
        if viewer.can(Capability::SeePhones) {
            text
        } else {
            text.as_deref().map(mask_phones_in)
        }
    };
    let rows: Vec<ElderRow> = elders::all(&store.conn)?
        .into_iter()
        .filter(|elder| all || elder.active())
        .filter(|elder| grid.is_none_or(|grid| elder.grid == grid))
        .map(|elder| ElderRow {
            active: elder.active(),
            morning_window: elders::window_text(elder.own.morning),
            evening_window: elders::window_text(elder.own.evening),
            elder_id: elder.id,
            name: elder.name,
            address: elder.address,
            grid: elder.grid,
            phone: phone(elder.phone),
            contact: words(elder.contact),
            contact_phone: phone(elder.contact_phone),
            keyholder: words(elder.keyholder),
            keyholder_phone: phone(elder.keyholder_phone),
            window: elder.window_hint,
            route: elder.route,
            notes: words(elder.notes),
        })
        .collect();
    let mut out = stdout();
    match format {
        Format::Json => write_json(&mut out, &rows),
        Format::Csv => write_csv(&mut out, &rows),
        Format::Table => {
            let s = t(ctx.lang);
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    vec![
                        row.route.map(|r| r.to_string()).unwrap_or_default(),
                        row.elder_id.clone(),
                        row.name.clone(),
                        row.grid.clone(),
                        row.address.clone(),
                        row.phone.clone().unwrap_or_default(),
                        if row.active {
                            String::new()
                        } else {
                            s.archived.clone()
                        },
                    ]
                })
                .collect();
            let headers = [
                s.col_route.as_str(),
                &s.col_id,
                &s.col_name,
                &s.col_grid,
                &s.col_address,
                &s.col_phone,
                "",
            ];
            write!(out, "{}", table(&headers, &cells))?;
            writeln!(out, "{}", fill(&s.elders_count, &[("count", &rows.len())]))?;
            Ok(())
        }
    }
}

fn check(
    ctx: &Ctx,
    elder_id: &str,
    observation: &str,
    round: Option<&str>,
    at: Option<&str>,
    note: Option<String>,
) -> anyhow::Result<()> {
    let observation: Observation = observation
        .parse()
        .map_err(|_| Refusal::BadObservation(observation.to_string()))?;
    let round = round.map(parse_round).transpose()?;
    let tz = ctx.config.schedule.tz;
    let on = round
        .map(|r| r.date)
        .or_else(|| Some(ctx.config.schedule.local_date(ctx.now)));
    let seen_at = match at {
        Some(text) => {
            parse_instant(text, tz, on).map_err(|_| Refusal::BadTime(text.to_string()))?
        }
        None => ctx.now,
    };
    let mut store = ctx.open(Create::Never)?;
    let grid = grid_of_elder(&store, elder_id)?;
    let actor = ctx.authorize(&mut store, Capability::RecordCheck, grid.as_deref())?;
    let recorded = rounds::record_check(
        &mut store,
        NewCheck {
            elder_id: elder_id.trim().to_string(),
            observation: Some(observation),
            round,
            seen_at,
            checker: actor.name.clone(),
            note: note.filter(|n| !n.trim().is_empty()),
            supersedes: None,
        },
        ctx.now,
    )?;
    let elder = elders::get(&store.conn, &recorded.elder_id)?;
    let s = t(ctx.lang);
    let mut out = stdout();
    writeln!(
        out,
        "{}",
        fill(
            &s.check_saved,
            &[
                ("id", &recorded.elder_id),
                ("name", &elder.map(|e| e.name).unwrap_or_default()),
                ("round", &words::round(ctx.lang, recorded.round)),
                ("observation", &words::observation(ctx.lang, observation)),
                ("status", &words::status(ctx.lang, recorded.status)),
                ("time", &format_local_time(seen_at, tz)),
            ]
        )
    )?;
    if recorded.late {
        writeln!(out, "{}", s.check_late)?;
    }
    if let (Some(flag_id), Some(severity)) = (recorded.flag_id, recorded.severity) {
        writeln!(
            out,
            "{}",
            fill(
                &s.check_flagged,
                &[
                    ("flag", &flag_id),
                    ("severity", &words::severity(ctx.lang, severity))
                ]
            )
        )?;
    }
    Ok(())
}

fn undo(ctx: &Ctx) -> anyhow::Result<()> {
    let mut store = ctx.open(Create::Never)?;
    let actor = ctx.authorize(&mut store, Capability::RecordCheck, None)?;
    let (undone, recorded) = rounds::undo_last(&mut store, &actor.name, ctx.now)?;
    let s = t(ctx.lang);
    writeln!(
        stdout(),
        "{}",
        fill(
            &s.undo_done,
            &[
                ("id", &undone.elder_id),
                ("round", &words::round(ctx.lang, undone.round)),
                (
                    "observation",
                    &undone
                        .observation
                        .map(|o| words::observation(ctx.lang, o))
                        .unwrap_or_default()
                ),
                ("status", &words::status(ctx.lang, recorded.status)),
            ]
        )
    )?;
    Ok(())
}

#[derive(Default, Serialize)]
struct StatusRow {
    elder_id: String,
    name: String,
    address: String,
    grid: String,
    round: Round,
    expected: &'static str,
    observed: Option<Observation>,
    status: Status,
    late: bool,
    severity: Option<Severity>,
    streak: u32,
    flag_id: Option<i64>,
    checker: Option<String>,
    seen_at: Option<String>,
    note: Option<String>,
}

impl StatusRow {
    fn new(row: &ElderRound) -> StatusRow {
        let decisive = row.decisive.as_ref();
        StatusRow {
            elder_id: row.elder.id.clone(),
            name: row.elder.name.clone(),
            address: row.elder.address.clone(),
            grid: row.elder.grid.clone(),
            round: row.round,
            expected: row.round.expected().as_str(),
            observed: decisive.and_then(|c| c.observation),
            status: row.status,
            late: row.late,
            severity: row.severity,
            streak: row.streak,
            flag_id: row
                .flag
                .as_ref()
                .filter(|_| row.status.is_flagged())
                .map(|f| f.id),
            checker: decisive.map(|c| c.checker.clone()),
            seen_at: decisive.map(|c| crate::store::ts(c.seen_at)),
            note: decisive.and_then(|c| c.note.clone()),
        }
    }
}

fn status(
    ctx: &Ctx,
    round: Option<&str>,
    grid: Option<&str>,
    format: Format,
) -> anyhow::Result<()> {
    let round = match round {
        Some(text) => parse_round(text)?,
        None => ctx.config.schedule.current_round(ctx.now),
    };
    let mut store = ctx.open(Create::Never)?;
    rounds::sync_flags(&mut store, ctx.now)?;
    let rows: Vec<ElderRound> = rounds::statuses(&store, round, ctx.now)?
        .into_iter()
        .filter(|row| grid.is_none_or(|grid| row.elder.grid == grid))
        .collect();
    let out_rows: Vec<StatusRow> = rows.iter().map(StatusRow::new).collect();
    let mut out = stdout();
    match format {
        Format::Json => write_json(&mut out, &out_rows),
        Format::Csv => write_csv(&mut out, &out_rows),
        Format::Table => {
            let lang = ctx.lang;
            let s = t(lang);
            let tz = store.schedule.tz;
            let window = store.schedule.window(round);
            writeln!(
                out,
                "{}",
                fill(
                    &s.status_title,
                    &[
                        ("round", &words::round(lang, round)),
                        ("expected", &words::expected(lang, round.expected())),
                        ("opens", &format_local_time(window.opens, tz)),
                        ("closes", &format_local_time(window.closes, tz)),
                    ]
                )
            )?;
            let cells: Vec<Vec<String>> = out_rows
                .iter()
                .map(|row| {
                    let mut status = words::status(lang, row.status).to_string();
                    if row.late {
                        status.push_str(&s.late_mark);
                    }
                    vec![
                        row.elder_id.clone(),
                        row.name.clone(),
                        row.grid.clone(),
                        row.observed
                            .map(|o| words::observation(lang, o).to_string())
                            .unwrap_or_default(),
                        status,
                        row.severity
                            .map(|sv| words::severity(lang, sv).to_string())
                            .unwrap_or_default(),
                        row.checker.clone().unwrap_or_default(),
                        row.seen_at
                            .as_deref()
                            .and_then(|t| crate::store::parse_ts(t).ok())
                            .map(|t| format_local(t, tz))
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            let headers = [
                s.col_id.as_str(),
                &s.col_name,
                &s.col_grid,
                &s.col_observed,
                &s.col_status,
                &s.col_severity,
                &s.col_checker,
                &s.col_seen_at,
            ];
            write!(out, "{}", table(&headers, &cells))?;
            let count = |status: Status| rows.iter().filter(|r| r.status == status).count();
            writeln!(
                out,
                "{}",
                fill(
                    &s.status_summary,
                    &[
                        ("total", &rows.len()),
                        ("ok", &count(Status::Ok)),
                        ("alert", &count(Status::Alert)),
                        ("unclear", &count(Status::Unclear)),
                        ("missed", &count(Status::Missed)),
                        ("pending", &count(Status::Pending)),
                        ("away", &count(Status::Away)),
                    ]
                )
            )?;
            Ok(())
        }
    }
}

fn list_flags(
    ctx: &Ctx,
    all: bool,
    since: Option<&str>,
    grid: Option<&str>,
    format: Format,
) -> anyhow::Result<()> {
    let since = since
        .map(parse_date)
        .transpose()?
        .map(|date| Round::new(date, crate::domain::Slot::Morning));
    let mut store = ctx.open(Create::Never)?;
    rounds::sync_flags(&mut store, ctx.now)?;
    let rows = flags::list(&store.conn, all, since, grid)?;
    let mut out = stdout();
    match format {
        Format::Json => write_json(&mut out, &rows),
        Format::Csv => write_csv(&mut out, &rows),
        Format::Table => {
            let lang = ctx.lang;
            let s = t(lang);
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|flag| {
                    vec![
                        flag.id.to_string(),
                        words::severity(lang, flag.severity).to_string(),
                        words::status(lang, flag.status).to_string(),
                        words::round(lang, flag.round),
                        flag.streak.to_string(),
                        flag.elder_id.clone(),
                        flag.name.clone(),
                        flag.address.clone(),
                        flag.checker.clone().unwrap_or_default(),
                        words::flag_state(lang, flag.state).to_string(),
                    ]
                })
                .collect();
            let headers = [
                s.col_flag.as_str(),
                &s.col_severity,
                &s.col_status,
                &s.col_round,
                &s.col_streak,
                &s.col_id,
                &s.col_name,
                &s.col_address,
                &s.col_checker,
                &s.col_state,
            ];
            write!(out, "{}", table(&headers, &cells))?;
            writeln!(out, "{}", fill(&s.flags_count, &[("count", &rows.len())]))?;
            Ok(())
        }
    }
}

fn resolve(ctx: &Ctx, flag_id: i64, outcome: &str, note: Option<&str>) -> anyhow::Result<()> {
    let outcome: Outcome = outcome
        .parse()
        .map_err(|_| Refusal::BadOutcome(outcome.to_string()))?;
    let mut store = ctx.open(Create::Never)?;
    let grid = match flags::get(&store.conn, flag_id)? {
        Some(flag) => grid_of_elder(&store, &flag.elder_id)?,
        None => None,
    };
    let actor = ctx.authorize(&mut store, Capability::Resolve, grid.as_deref())?;
    flags::resolve_flag(&mut store, flag_id, outcome, note, &actor.name, ctx.now).map_err(
        |error| match error.downcast::<Refusal>() {
            Ok(Refusal::FlagNotOpen { id, state }) => Refusal::FlagNotOpen {
                id,
                state: FlagState::parse(&state).map_or(state, |state| {
                    words::flag_state(ctx.lang, state).to_string()
                }),
            }
            .into(),
            Ok(other) => other.into(),
            Err(error) => error,
        },
    )?;
    writeln!(
        stdout(),
        "{}",
        fill(
            &t(ctx.lang).resolve_done,
            &[
                ("flag", &flag_id),
                ("outcome", &words::outcome(ctx.lang, outcome))
            ]
        )
    )?;
    Ok(())
}

fn away(
    ctx: &Ctx,
    elder_id: &str,
    from: Option<&str>,
    to: Option<&str>,
    reason: Option<&str>,
    end: bool,
) -> anyhow::Result<()> {
    let s = t(ctx.lang);
    let change = if end {
        AbsenceChange::EndToday
    } else {
        let (Some(from), Some(to)) = (from, to) else {
            return Err(Refusal::BadDate(String::new()).into());
        };
        AbsenceChange::Record {
            from: parse_date(from)?,
            to: parse_date(to)?,
            reason: reason.map(str::to_string),
        }
    };
    let mut store = ctx.open(Create::Never)?;
    let grid = grid_of_elder(&store, elder_id)?;
    let actor = ctx.authorize(&mut store, Capability::MarkAbsence, grid.as_deref())?;
    let (elder, from, to) =
        rounds::change_absence(&mut store, elder_id, change, &actor.name, ctx.now)?;
    let message = if end {
        fill(&s.away_ended, &[("id", &elder.id), ("name", &elder.name)])
    } else {
        fill(
            &s.away_recorded,
            &[
                ("id", &elder.id),
                ("name", &elder.name),
                ("from", &from),
                ("to", &to),
            ],
        )
    };
    writeln!(stdout(), "{message}")?;
    Ok(())
}

fn backup(ctx: &Ctx, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        return Err(Refusal::WouldOverwrite {
            path: file.to_path_buf(),
        }
        .into());
    }
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(Refusal::NoOutputDir(dir.to_path_buf()).into());
    }
    let mut store = ctx.open(Create::Never)?;
    ctx.authorize(&mut store, Capability::Backup, None)?;
    // Create the copy 0600 before SQLite writes into it: it holds the same personal data.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .with_context(|| format!("creating {}", file.display()))?;
    let result = store.backup_to(file);
    if result.is_err() {
        // A copy that failed its check must not be mistaken for a backup later.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
        }
    }
    let s = t(ctx.lang);
    let (elders, checks) = result.map_err(|error| match error.downcast_ref::<BackupFault>() {
        Some(BackupFault::Damaged(reason)) => {
            anyhow::anyhow!(fill(&s.backup_damaged, &[("reason", reason)]))
        }
        Some(BackupFault::Differs { what, live, copy }) => anyhow::anyhow!(fill(
            &s.backup_differs,
            &[("what", what), ("live", live), ("copy", copy)]
        )),
        None => error,
    })?;
    writeln!(
        stdout(),
        "{}",
        fill(
            &s.backup_done,
            &[
                ("path", &shown(file)),
                ("elders", &elders),
                ("checks", &checks)
            ]
        )
    )?;
    Ok(())
}
