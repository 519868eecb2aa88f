//! The non-interactive commands. Each validates its input before it opens the database, so bad
//! input exits 2 with nothing written.

use std::io::Write;
use std::path::Path;

use crate::ops::input::{parse_date, parse_round};
use serde::Serialize;

use super::output::{Format, table, write_csv, write_json};
use super::{Command, Session, shown};
use crate::domain::access::Capability;
use crate::domain::privacy::{mask_phone, mask_phones_in};
use crate::domain::time::{format_local, format_local_time, parse_instant};
use crate::domain::{FlagState, Observation, Outcome, Round, Severity, Status};
use crate::error::Refusal;
use crate::i18n::{fill, t, words};
use crate::import;
use crate::ops;
use crate::store::rounds::{self, AbsenceChange, ElderRound};
use crate::store::{BackupFault, Create, elders, flags};

pub fn run(session: &Session, command: Command) -> anyhow::Result<()> {
    match command {
        Command::Init { admin, drill } => {
            let existed = crate::store::database_exists(&session.db);
            if drill {
                ops::drill::init(session)?;
            }
            match admin {
                None => init(session, existed),
                Some(name) => super::accounts::init_admin(session, &name),
            }
        }
        Command::User { action } => super::accounts::run(session, action),
        Command::Import {
            file,
            dry_run,
            restore,
        } => import_roster(session, &file, dry_run, restore),
        Command::Elders {
            grid,
            community,
            all,
            format,
        } => list_elders(session, grid.as_deref(), community.as_deref(), all, format),
        Command::Check {
            elder_id,
            observation,
            round,
            at,
            note,
        } => check(
            session,
            &elder_id,
            &observation,
            round.as_deref(),
            at.as_deref(),
            note,
        ),
        Command::Undo => undo(session),
        Command::Status {
            round,
            grid,
            community,
            format,
        } => status(
            session,
            round.as_deref(),
            grid.as_deref(),
            community.as_deref(),
            format,
        ),
        Command::Flags {
            all,
            since,
            grid,
            community,
            format,
        } => list_flags(
            session,
            all,
            since.as_deref(),
            grid.as_deref(),
            community.as_deref(),
            format,
        ),
        Command::Resolve {
            flag_id,
            outcome,
            note,
        } => match crate::ops::input::parse_resolvable(&flag_id)? {
            crate::ops::input::Resolvable::Flag(id) => {
                resolve(session, id, &outcome, note.as_deref())
            }
            crate::ops::input::Resolvable::Gap(id) => {
                let outcome: Outcome = outcome
                    .parse()
                    .map_err(|_| Refusal::BadOutcome(outcome.to_string()))?;
                super::gaps::resolve_gap(session, id, outcome, note.as_deref())
            }
        },
        Command::Coverage {
            round,
            grid,
            community,
            format,
        } => super::gaps::coverage(
            session,
            round.as_deref(),
            grid.as_deref(),
            community.as_deref(),
            format,
        ),
        Command::Gaps { all, format } => super::gaps::gaps(session, all, format),
        Command::Assign {
            volunteer,
            grid,
            buildings,
            route,
        } => super::patrol::assign(session, &volunteer, &grid, &buildings, route.as_deref()),
        Command::Assignments { all, format } => super::patrol::assignments(session, all, format),
        Command::Tally {
            from,
            to,
            format,
            out,
        } => super::patrol::tally(session, &from, &to, format, out.as_deref()),
        Command::Away {
            elder_id,
            from,
            to,
            reason,
            end,
        } => away(
            session,
            &elder_id,
            from.as_deref(),
            to.as_deref(),
            reason.as_deref(),
            end,
        ),
        Command::Backup { file } => backup(session, &file),
        Command::Handover { to } => handover(session, &to),
        Command::Doctor { full } => super::doctor::run(session, full),
        Command::Report { from, to, out } => report(session, &from, &to, &out),
        Command::Watch { interval, once } => super::notify::watch(session, interval, once),
        Command::Outbox {
            action,
            all,
            format,
        } => super::notify::outbox(session, action, all, format),
        Command::Notify { action } => super::notify::notify(session, action),
        Command::Sheet { round, grid, out } => {
            crate::export::sheet::run(session, &round, grid.as_deref(), &out)
        }
        Command::Bench(command) => crate::bench::run(session, command),
    }
}

fn stdout() -> std::io::StdoutLock<'static> {
    std::io::stdout().lock()
}

fn init(session: &Session, existed: bool) -> anyhow::Result<()> {
    let store = session.open(Create::IfMissing)?;
    let s = t(session.lang);
    let template = if existed {
        &s.init_exists
    } else {
        &s.init_created
    };
    let count = elders::count_active(&store.conn)?;
    writeln!(
        stdout(),
        "{}",
        fill(
            template,
            &[("path", &shown(&session.db)), ("count", &count)]
        )
    )?;
    Ok(())
}

fn import_roster(
    session: &Session,
    file: &Path,
    dry_run: bool,
    restore: bool,
) -> anyhow::Result<()> {
    let archived = if restore {
        elders::ArchivedInFile::Restore
    } else {
        elders::ArchivedInFile::Keep
    };
    if !file.is_file() {
        return Err(Refusal::Unreadable {
            path: file.to_path_buf(),
            why: import::Unreadable::NotAFile,
        }
        .into());
    }
    let roster = import::read_roster_file(file).map_err(Refusal::Import)?;
    let rows = &roster.rows;
    let s = t(session.lang);
    let source = file
        .file_name()
        .map_or_else(|| shown(file), |name| name.to_string_lossy().into_owned());
    let mut see_phones = true;
    let plan = if dry_run {
        if crate::store::database_exists(&session.db) {
            // A dry run settles nothing: it only compares the file with the roster.
            let mut store = session.open(Create::Never)?;
            see_phones = session.viewer(&mut store)?.can(Capability::SeePhones);
            elders::plan_roster_file(&store.conn, rows, archived)?
        } else {
            elders::ImportPlan {
                added: rows.iter().map(|row| row.id.clone()).collect(),
                ..Default::default()
            }
        }
    } else {
        let mut store = session.open(Create::IfMissing)?;
        let actor = session.actor(&mut store)?;
        let times = session.times(&store);
        ops::roster::import_file(&mut store, &actor, times, rows, archived, &source)?
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
    let notes = super::messages::import_notes(session.lang, &roster);
    for line in notes.iter().chain(&super::messages::import_changes(
        session.lang,
        &plan,
        see_phones,
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
        let first = session.config.schedule.upcoming_round(session.now);
        writeln!(
            out,
            "{}",
            fill(
                &s.import_first_round,
                &[("round", &words::round(session.lang, first))]
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
    /// The community the elder lives in: the roster's, or the configured community's name.
    community: Option<String>,
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

fn list_elders(
    session: &Session,
    grid: Option<&str>,
    community: Option<&str>,
    all: bool,
    format: Format,
) -> anyhow::Result<()> {
    let (store, viewer, _, scope) =
        ops::read::open_settled_for_scope(session, None, grid, community)?;
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
        .filter(|elder| scope.covers(&elder.grid))
        .filter(|elder| viewer.grids.covers(&elder.grid))
        .map(|elder| ElderRow {
            active: elder.active(),
            morning_window: elders::window_text(elder.own.morning),
            evening_window: elders::window_text(elder.own.evening),
            community: elder
                .own
                .community
                .clone()
                .or_else(|| session.config.community_name.clone()),
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
            let s = t(session.lang);
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
    session: &Session,
    elder_id: &str,
    observation: &str,
    round: Option<&str>,
    at: Option<&str>,
    note: Option<String>,
) -> anyhow::Result<()> {
    let observation: Observation = ops::input::parse_observation(observation)?;
    let round = round.map(parse_round).transpose()?;
    let tz = session.config.schedule.tz;
    let on = round
        .map(|r| r.date)
        .or_else(|| Some(session.config.schedule.local_date(session.now)));
    let seen_at = match at {
        Some(text) => {
            parse_instant(text, tz, on).map_err(|_| Refusal::BadTime(text.to_string()))?
        }
        None => session.now,
    };
    let mut store = session.open(Create::Never)?;
    let actor = session.actor(&mut store)?;
    let times = session.times(&store);
    let recorded = ops::checks::record(
        &mut store,
        &actor,
        times,
        ops::checks::Seen {
            elder_id: elder_id.to_string(),
            observation,
            round,
            seen_at,
            note,
        },
    )?;
    let elder = elders::get(&store.conn, &recorded.elder_id)?;
    let s = t(session.lang);
    let mut out = stdout();
    writeln!(
        out,
        "{}",
        fill(
            &s.check_saved,
            &[
                ("id", &recorded.elder_id),
                ("name", &elder.map(|e| e.name).unwrap_or_default()),
                ("round", &words::round(session.lang, recorded.round)),
                (
                    "observation",
                    &words::observation(session.lang, observation)
                ),
                ("status", &words::status(session.lang, recorded.status)),
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
                    ("severity", &words::severity(session.lang, severity))
                ]
            )
        )?;
    }
    Ok(())
}

fn undo(session: &Session) -> anyhow::Result<()> {
    let mut store = session.open(Create::Never)?;
    let actor = session.actor(&mut store)?;
    let times = session.times(&store);
    let (undone, recorded) = ops::checks::undo(&mut store, &actor, times)?;
    let s = t(session.lang);
    writeln!(
        stdout(),
        "{}",
        fill(
            &s.undo_done,
            &[
                ("id", &undone.elder_id),
                ("round", &words::round(session.lang, undone.round)),
                (
                    "observation",
                    &undone
                        .observation
                        .map(|o| words::observation(session.lang, o))
                        .unwrap_or_default()
                ),
                ("status", &words::status(session.lang, recorded.status)),
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
    session: &Session,
    round: Option<&str>,
    grid: Option<&str>,
    community: Option<&str>,
    format: Format,
) -> anyhow::Result<()> {
    let round = session.round_or_current(round)?;
    let (store, viewer, times, scope) =
        ops::read::open_settled_for_scope(session, None, grid, community)?;
    // Nothing counts as missed before its window has closed by the real clock.
    let rows: Vec<ElderRound> = rounds::statuses(&store, round, times.settle_until())?
        .into_iter()
        .filter(|row| scope.covers(&row.elder.grid))
        .filter(|row| viewer.grids.covers(&row.elder.grid))
        .collect();
    let out_rows: Vec<StatusRow> = rows.iter().map(StatusRow::new).collect();
    let mut out = stdout();
    match format {
        Format::Json => write_json(&mut out, &out_rows),
        Format::Csv => write_csv(&mut out, &out_rows),
        Format::Table => {
            let lang = session.lang;
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
            let coverage = crate::store::gaps::by_grid(&rows);
            for line in super::gaps::coverage_lines(lang, &coverage) {
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
    }
}

fn list_flags(
    session: &Session,
    all: bool,
    since: Option<&str>,
    grid: Option<&str>,
    community: Option<&str>,
    format: Format,
) -> anyhow::Result<()> {
    let since = since
        .map(parse_date)
        .transpose()?
        .map(|date| Round::new(date, crate::domain::Slot::Morning));
    let (store, viewer, _, scope) =
        ops::read::open_settled_for_scope(session, None, grid, community)?;
    let rows: Vec<_> = flags::list(&store.conn, all, since, grid)?
        .into_iter()
        .filter(|flag| scope.covers(&flag.grid))
        .filter(|flag| viewer.grids.covers(&flag.grid))
        .collect();
    let gaps: Vec<_> = ops::gaps::list(&store, &viewer, false)?
        .into_iter()
        .filter(|gap| scope.covers(&gap.grid))
        .filter(|gap| since.is_none_or(|since| gap.round >= since))
        .collect();
    let mut out = stdout();
    match format {
        Format::Json => write_json(&mut out, &rows),
        Format::Csv => write_csv(&mut out, &rows),
        Format::Table => {
            let lang = session.lang;
            let s = t(lang);
            let cells = super::gaps::flag_table_rows(lang, &rows, &gaps, |flag| {
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
            });
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

fn resolve(
    session: &Session,
    flag_id: i64,
    outcome: &str,
    note: Option<&str>,
) -> anyhow::Result<()> {
    let outcome: Outcome = ops::input::parse_outcome(outcome)?;
    let mut store = session.open(Create::Never)?;
    let actor = session.actor(&mut store)?;
    let times = session.times(&store);
    ops::flags::resolve(&mut store, &actor, times, flag_id, outcome, note).map_err(|error| {
        match error.downcast::<Refusal>() {
            Ok(Refusal::FlagNotOpen { id, state }) => Refusal::FlagNotOpen {
                id,
                state: FlagState::parse(&state).map_or(state, |state| {
                    words::flag_state(session.lang, state).to_string()
                }),
            }
            .into(),
            Ok(other) => other.into(),
            Err(error) => error,
        }
    })?;
    writeln!(
        stdout(),
        "{}",
        fill(
            &t(session.lang).resolve_done,
            &[
                ("flag", &flag_id),
                ("outcome", &words::outcome(session.lang, outcome))
            ]
        )
    )?;
    Ok(())
}

fn away(
    session: &Session,
    elder_id: &str,
    from: Option<&str>,
    to: Option<&str>,
    reason: Option<&str>,
    end: bool,
) -> anyhow::Result<()> {
    let s = t(session.lang);
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
    let mut store = session.open(Create::Never)?;
    let actor = session.actor(&mut store)?;
    let times = session.times(&store);
    let (elder, from, to) =
        ops::roster::change_absence(&mut store, &actor, times, elder_id, change)?;
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

fn handover(session: &Session, to: &str) -> anyhow::Result<()> {
    let done = ops::handover::hand_over(session, to)?;
    let s = t(session.lang);
    let received = &done.received;
    let mut out = stdout();
    writeln!(
        out,
        "{}",
        fill(
            &s.handover_done,
            &[
                ("target", &shown(&done.target)),
                ("checks", &received.checks),
                ("absences", &received.absences),
                ("follow_ups", &received.follow_ups),
                ("already", &received.already_there),
            ]
        )
    )?;
    if received.absences_ended + received.gaps_resolved > 0 {
        writeln!(
            out,
            "{}",
            fill(
                &s.handover_more,
                &[
                    ("ended", &received.absences_ended),
                    ("gaps", &received.gaps_resolved)
                ]
            )
        )?;
    }
    let mut err = std::io::stderr().lock();
    for (elder, round, action) in &received.unplaced {
        writeln!(
            err,
            "{}",
            fill(
                &s.handover_unplaced,
                &[("elder", elder), ("round", round), ("action", action)]
            )
        )?;
    }
    if !done.roster_kept.is_empty() {
        const SHOWN: usize = 10;
        let listed = done
            .roster_kept
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>();
        let mut elders = listed.join(", ");
        if done.roster_kept.len() > SHOWN {
            elders = fill(
                &s.handover_and_more,
                &[("list", &elders), ("count", &done.roster_kept.len())],
            );
        }
        writeln!(
            err,
            "{}",
            fill(&s.handover_roster_kept, &[("elders", &elders)])
        )?;
    }
    Ok(())
}

fn report(session: &Session, from: &str, to: &str, out: &Path) -> anyhow::Result<()> {
    let reading = crate::store::Stage::LedgerReading;
    let progress = super::progress::Progress::start(session.lang, reading);
    let result =
        crate::export::report::run(session, from, to, out, &mut |stage| progress.stage(stage));
    drop(progress);
    writeln!(stdout(), "{}", result?)?;
    Ok(())
}

fn backup(session: &Session, file: &Path) -> anyhow::Result<()> {
    let progress = super::progress::Progress::start(session.lang, crate::store::Stage::Counting);
    let result = ops::backup::backup(session, file, &mut |stage| progress.stage(stage));
    drop(progress);
    let s = t(session.lang);
    let (elders, checks) = result.map_err(|error| match error.downcast_ref::<BackupFault>() {
        Some(BackupFault::Damaged(reason)) => {
            anyhow::anyhow!(fill(&s.backup_damaged, &[("reason", reason)]))
        }
        Some(BackupFault::LiveDamaged(reason)) => {
            anyhow::anyhow!(fill(&s.backup_live_damaged, &[("reason", reason)]))
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
