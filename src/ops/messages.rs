//! Refusals and import problems in words, from the string tables.

use crate::error::Refusal;
use crate::i18n::{Lang, fill, t, words};
use crate::import::{Problem, ProblemKind, Roster, column_label};
use crate::store::elders::ImportPlan;

pub fn refusal(lang: Lang, refusal: &Refusal) -> String {
    let s = t(lang);
    match refusal {
        Refusal::NoDatabase(path) => fill(&s.no_database, &[("path", &path.display())]),
        Refusal::NewerDatabase {
            path,
            found,
            supported,
        } => fill(
            &s.newer_database,
            &[
                ("path", &path.display()),
                ("found", found),
                ("supported", supported),
            ],
        ),
        Refusal::NotOurDatabase(path) => fill(&s.not_our_database, &[("path", &path.display())]),
        Refusal::UnknownElder(id) => fill(&s.unknown_elder, &[("id", id)]),
        Refusal::ArchivedElder(id) => fill(&s.archived_elder, &[("id", id)]),
        Refusal::NotOnRoster { elder, round } => {
            fill(&s.not_on_roster, &[("id", elder), ("round", round)])
        }
        Refusal::RoundNotOpen { round, opens, seen } => fill(
            &s.round_not_open,
            &[("round", round), ("opens", opens), ("seen", seen)],
        ),
        Refusal::SeenInFuture { seen, now } => {
            fill(&s.seen_in_future, &[("seen", seen), ("now", now)])
        }
        Refusal::LiveNotDrill(path) => fill(&s.live_not_drill, &[("path", &path.display())]),
        Refusal::FutureNow { now, real } => fill(&s.future_now, &[("now", now), ("real", real)]),
        Refusal::NoRoundForCheck { seen, round, opens } => fill(
            &s.no_round_for_check,
            &[("seen", seen), ("round", round), ("opens", opens)],
        ),
        Refusal::UnknownFlag(id) => fill(&s.unknown_flag, &[("id", id)]),
        Refusal::FlagNotOpen { id, state } => {
            fill(&s.flag_not_open, &[("id", id), ("state", state)])
        }
        Refusal::NothingToUndo => s.nothing_to_undo.clone(),
        Refusal::UnknownGap(id) => fill(&s.unknown_gap, &[("id", id)]),
        Refusal::GapNotOpen { id, state } => fill(&s.gap_not_open, &[("id", id), ("state", state)]),
        Refusal::BadFlagId(text) => fill(&s.bad_flag_id, &[("text", text)]),
        Refusal::GapOutcome(text) => fill(&s.gap_outcome, &[("text", text)]),
        Refusal::UnknownVolunteer(name) => fill(&s.unknown_volunteer, &[("name", name)]),
        Refusal::BadRouteRange(text) => fill(&s.bad_route_range, &[("text", text)]),
        Refusal::TallyNeedsOut => s.tally_needs_out.clone(),
        Refusal::NoCurrentAbsence(id) => fill(&s.no_current_absence, &[("id", id)]),
        Refusal::AbsenceBackwards { from, to } => {
            fill(&s.absence_backwards, &[("from", from), ("to", to)])
        }
        Refusal::Import(problems) => {
            // The headers found are a note beside the problems, not one of them.
            let count = problems
                .iter()
                .filter(|p| !matches!(p.kind, ProblemKind::HeadersFound(_)))
                .count();
            let mut out = fill(&s.import_refused, &[("count", &count)]);
            for problem in problems {
                out.push_str("\n  ");
                out.push_str(&import_problem(lang, problem));
            }
            out
        }
        Refusal::Unreadable { path, reason } => fill(
            &s.unreadable,
            &[("path", &path.display()), ("reason", reason)],
        ),
        Refusal::BadConfig { path, reason } => fill(
            &s.bad_config,
            &[("path", &path.display()), ("reason", reason)],
        ),
        Refusal::BadLang(text) => fill(&s.bad_lang, &[("text", text)]),
        Refusal::BadTime(text) => fill(&s.bad_time, &[("text", text)]),
        Refusal::BadDate(text) => fill(&s.bad_date, &[("text", text)]),
        Refusal::BadRound(text) => fill(&s.bad_round, &[("text", text)]),
        Refusal::BadObservation(text) => fill(&s.bad_observation, &[("text", text)]),
        Refusal::BadOutcome(text) => fill(&s.bad_outcome, &[("text", text)]),
        Refusal::WouldOverwrite { path } => fill(&s.would_overwrite, &[("path", &path.display())]),
        Refusal::SpanBackwards { from, to } => {
            fill(&s.span_backwards, &[("from", from), ("to", to)])
        }
        Refusal::SpanTooLong { days, max } => {
            fill(&s.span_too_long, &[("days", days), ("max", max)])
        }
        Refusal::BadOutputKind { path, allowed } => fill(
            &s.bad_output_kind,
            &[("path", &path.display()), ("allowed", allowed)],
        ),
        Refusal::NoOutputDir(path) => fill(&s.no_output_dir, &[("path", &path.display())]),
        Refusal::UnknownGrid { grid, known } => {
            fill(&s.unknown_grid, &[("grid", grid), ("known", known)])
        }
        Refusal::TooManyRows { rows, max } => {
            fill(&s.too_many_rows, &[("rows", rows), ("max", max)])
        }
        Refusal::NobodyOnRound(round) => fill(&s.nobody_on_round, &[("round", round)]),
        Refusal::UnknownChannel { name, known } => {
            fill(&s.unknown_channel, &[("name", name), ("known", known)])
        }
        Refusal::NoChannels => s.no_channels.clone(),
        Refusal::UnknownDelivery(id) => fill(&s.unknown_delivery, &[("id", id)]),
        Refusal::CannotRetry { id, state } => {
            fill(&s.cannot_retry, &[("id", id), ("state", state)])
        }
        Refusal::NeedUser => s.need_user.clone(),
        Refusal::UnknownUser(name) => fill(&s.unknown_user, &[("name", name)]),
        Refusal::UserDisabled(name) => fill(&s.user_disabled, &[("name", name)]),
        Refusal::UserLocked { name, until } => {
            fill(&s.user_locked, &[("name", name), ("until", until)])
        }
        Refusal::WrongPin { name, left } => fill(&s.wrong_pin, &[("name", name), ("left", left)]),
        Refusal::NeedPin(name) => fill(&s.need_pin, &[("name", name)]),
        Refusal::PinPolicy(problem) => words::pin_problem(lang, *problem),
        Refusal::PinsDiffer => s.pins_differ.clone(),
        Refusal::NotAllowed {
            user,
            role,
            capability,
        } => fill(
            &s.not_allowed,
            &[
                ("user", user),
                ("role", &words::role(lang, *role)),
                ("what", &words::capability(lang, *capability)),
            ],
        ),
        Refusal::NotYourGrid { user, grid } => {
            fill(&s.not_your_grid, &[("user", user), ("grid", grid)])
        }
        Refusal::UserExists(name) => fill(&s.user_exists, &[("name", name)]),
        Refusal::BadUserName(name) => fill(&s.bad_user_name, &[("name", name)]),
        Refusal::BadRole(text) => fill(&s.bad_role, &[("text", text)]),
        Refusal::LastAdmin(name) => fill(&s.last_admin, &[("name", name)]),
        Refusal::UsersExist => s.users_exist.clone(),
        Refusal::FirstUserNotAdmin => s.first_user_not_admin.clone(),
    }
}

/// `line 3, column name: …`: where, then what to fix.
pub fn import_problem(lang: Lang, problem: &Problem) -> String {
    let s = t(lang);
    let mut place = String::new();
    if let Some(sheet) = &problem.sheet {
        place.push_str(&fill(&s.at_sheet, &[("sheet", sheet)]));
    }
    if let Some(line) = problem.line {
        place.push_str(&fill(&s.at_line, &[("line", &line)]));
    }
    if let Some(column) = &problem.column {
        place.push_str(&fill(&s.at_column, &[("column", column)]));
    }
    let what = match &problem.kind {
        ProblemKind::EmptyFile => s.problem_empty_file.clone(),
        ProblemKind::Unreadable(reason) => fill(&s.problem_unreadable, &[("reason", reason)]),
        ProblemKind::UnknownColumn(name) => fill(&s.problem_unknown_column, &[("name", name)]),
        ProblemKind::MissingColumn(name) => fill(
            &s.problem_missing_column,
            &[("name", &column_label(name, lang == Lang::Zh))],
        ),
        ProblemKind::DuplicateColumn(name) => fill(&s.problem_duplicate_column, &[("name", name)]),
        ProblemKind::MissingValue => s.problem_missing_value.clone(),
        ProblemKind::DuplicateId { id, first_line } => fill(
            &s.problem_duplicate_id,
            &[("id", id), ("first_line", first_line)],
        ),
        ProblemKind::BadRoute(text) => fill(&s.problem_bad_route, &[("text", text)]),
        ProblemKind::BadWindow(text) => fill(&s.problem_bad_window, &[("text", text)]),
        ProblemKind::NoRosterSheet(sheets) => fill(
            &s.problem_no_roster_sheet,
            &[("sheets", &sheets.join(", "))],
        ),
        ProblemKind::ExtraCells => s.problem_extra_cells.clone(),
        ProblemKind::HeadersFound(headers) => fill(
            &s.problem_headers_found,
            &[("headers", &headers.join(list_separator(lang)))],
        ),
        ProblemKind::PhoneScientific(text) => fill(&s.problem_phone_scientific, &[("text", text)]),
        ProblemKind::PhoneDateOrTime(text) => fill(&s.problem_phone_date, &[("text", text)]),
        ProblemKind::BadPhone(text) => fill(&s.problem_bad_phone, &[("text", text)]),
        ProblemKind::FormulaWithoutValue => s.problem_formula_without_value.clone(),
        ProblemKind::SheetUnreadable => s.problem_sheet_unreadable.clone(),
    };
    // The file's own text (a header, a cell) is quoted back: it must not act on the terminal.
    crate::domain::text::clean_line(&format!("{place}{what}")).into_owned()
}

fn list_separator(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// What the import read beyond the rows, one line each: the sheets and their elders, the office
/// columns left out, and that ID-card numbers are never stored.
pub fn import_notes(lang: Lang, roster: &Roster) -> Vec<String> {
    let s = t(lang);
    let mut lines = Vec::new();
    if !roster.sheets.is_empty() {
        let sheets: Vec<String> = roster
            .sheets
            .iter()
            .map(|(sheet, rows)| fill(&s.import_sheet_rows, &[("sheet", sheet), ("rows", rows)]))
            .collect();
        lines.push(fill(
            &s.import_sheets,
            &[("sheets", &sheets.join(list_separator(lang)))],
        ));
    }
    if !roster.ignored_columns.is_empty() {
        lines.push(fill(
            &s.import_ignored_columns,
            &[(
                "columns",
                &roster.ignored_columns.join(list_separator(lang)),
            )],
        ));
    }
    if roster.had_id_numbers {
        lines.push(s.import_id_numbers.clone());
    }
    lines
        .into_iter()
        .map(|line| crate::domain::text::clean_line(&line).into_owned())
        .collect()
}

/// What a (dry-run) import does beyond the counts, one line each: every elder it changes with
/// every field from what to what (clears too), and the archived elders it names.
/// Numbers are masked for whoever may not see phones.
pub fn import_changes(lang: Lang, plan: &ImportPlan, see_phones: bool) -> Vec<String> {
    use crate::domain::privacy::{mask_phone, mask_phones_in};
    let s = t(lang);
    let value = |field: &str, text: &Option<String>| match text {
        None => s.import_empty_value.clone(),
        Some(text) if see_phones => text.clone(),
        Some(text) if field.ends_with("phone") => mask_phone(text),
        Some(text) => mask_phones_in(text),
    };
    let mut lines = Vec::new();
    for elder in &plan.changes {
        lines.push(fill(
            &s.import_change_elder,
            &[("id", &elder.id), ("name", &elder.name)],
        ));
        for change in &elder.fields {
            lines.push(fill(
                &s.import_change_field,
                &[
                    ("field", &column_label(change.field, lang == Lang::Zh)),
                    ("from", &value(change.field, &change.from)),
                    ("to", &value(change.field, &change.to)),
                ],
            ));
        }
    }
    if !plan.archived.is_empty() {
        let template = if plan.restores {
            &s.import_restored
        } else {
            &s.import_archived_kept
        };
        lines.push(fill(template, &[("ids", &plan.archived.join(", "))]));
    }
    lines
        .into_iter()
        .map(|line| crate::domain::text::clean_line(&line).into_owned())
        .collect()
}

/// A write the disk would not take, in plain words: full (or failing), or read-only. Both are
/// runtime failures, not bad input; SQLite has rolled the transaction back, so the words can say
/// that nothing of this command was saved and nothing saved before was lost. `None` for every
/// other error.
pub fn storage_failure(lang: Lang, error: &anyhow::Error) -> Option<String> {
    use rusqlite::ErrorCode;
    use std::io::ErrorKind;
    let s = t(lang);
    error.chain().find_map(|cause| {
        if let Some(rusqlite::Error::SqliteFailure(failure, _)) =
            cause.downcast_ref::<rusqlite::Error>()
        {
            return match failure.code {
                // A write that ran out of room reports SQLITE_FULL (ENOSPC) or an I/O error on
                // write, fsync or growing the shared-memory file (EFBIG, a failing disk).
                ErrorCode::DiskFull => Some(s.storage_full.clone()),
                ErrorCode::SystemIoFailure if !is_read_error(failure.extended_code) => {
                    Some(s.storage_full.clone())
                }
                ErrorCode::ReadOnly => Some(s.storage_read_only.clone()),
                _ => None,
            };
        }
        match cause.downcast_ref::<std::io::Error>()?.kind() {
            ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
                Some(s.storage_full.clone())
            }
            ErrorKind::ReadOnlyFilesystem | ErrorKind::PermissionDenied => {
                Some(s.storage_read_only.clone())
            }
            _ => None,
        }
    })
}

/// SQLITE_IOERR_READ and SQLITE_IOERR_SHORT_READ: the disk failed to give data back, which is
/// not a full disk.
fn is_read_error(extended_code: i32) -> bool {
    const SQLITE_IOERR_READ: i32 = 10 | (1 << 8);
    const SQLITE_IOERR_SHORT_READ: i32 = 10 | (2 << 8);
    matches!(extended_code, SQLITE_IOERR_READ | SQLITE_IOERR_SHORT_READ)
}
