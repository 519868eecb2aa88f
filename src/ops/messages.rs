//! Refusals and import problems in words, from the string tables.

use crate::config::{ConfigProblem, ConfigProblemKind};
use crate::error::Refusal;
use crate::i18n::{Lang, fill, t, words};
use crate::import::{Problem, ProblemKind, Roster, Unreadable, column_label};
use crate::store::elders::ImportPlan;
use crate::store::outbox::DeliveryState;

/// A round in words, with the `--round` spelling that names it beside them: what a refusal
/// says, and what to type to name it.
fn round_and_its_name(lang: Lang, round: crate::domain::Round) -> String {
    match lang {
        Lang::Zh => format!("{}（{round}）", words::round(lang, round)),
        Lang::En => format!("{} ({round})", words::round(lang, round)),
    }
}

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
        Refusal::NotOnRoster { elder, round } => fill(
            &s.not_on_roster,
            &[("id", elder), ("round", &round_and_its_name(lang, *round))],
        ),
        Refusal::RoundNotOpen { round, opens, seen } => fill(
            &s.round_not_open,
            &[
                ("round", &round_and_its_name(lang, *round)),
                ("opens", opens),
                ("seen", seen),
            ],
        ),
        Refusal::SeenInFuture { seen, now } => {
            fill(&s.seen_in_future, &[("seen", seen), ("now", now)])
        }
        Refusal::LiveNotDrill(path) => fill(&s.live_not_drill, &[("path", &path.display())]),
        Refusal::FutureNow { now, real } => fill(&s.future_now, &[("now", now), ("real", real)]),
        Refusal::NoRoundForCheck { seen, round, opens } => fill(
            &s.no_round_for_check,
            &[
                ("seen", seen),
                ("round", &round_and_its_name(lang, *round)),
                ("opens", opens),
            ],
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
        Refusal::PostgresUnreachable { url, reason } => {
            fill(&s.postgres_unreachable, &[("url", url), ("reason", reason)])
        }
        Refusal::NotOnPostgres => s.not_on_postgres.clone(),
        Refusal::HandoverToItself(path) => {
            fill(&s.handover_to_itself, &[("path", &path.display())])
        }
        Refusal::HandoverUnknownElders { elders } => {
            fill(&s.handover_unknown_elders, &[("elders", elders)])
        }
        Refusal::HandoverDrillMismatch => s.handover_drill_mismatch.clone(),
        Refusal::UnknownCommunity { community, known } => fill(
            &s.unknown_community,
            &[("community", community), ("known", known)],
        ),
        Refusal::GridInTwoCommunities { grid, communities } => fill(
            &s.grid_in_two_communities,
            &[("grid", grid), ("communities", communities)],
        ),
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
        Refusal::Unreadable { path, why } => fill(
            &s.unreadable,
            &[
                ("path", &path.display()),
                ("reason", &unreadable(lang, *why)),
            ],
        ),
        Refusal::BadConfig { path, problem } => fill(
            &s.bad_config,
            &[
                ("path", &path.display()),
                ("reason", &config_problem(lang, problem)),
            ],
        ),
        Refusal::BadLang(text) => fill(&s.bad_lang, &[("text", text)]),
        Refusal::BadTime(text) => fill(&s.bad_time, &[("text", text)]),
        Refusal::OutOfRange {
            option,
            value,
            min,
            max,
        } => fill(
            &s.option_out_of_range,
            &[
                ("option", option),
                ("value", value),
                ("min", min),
                ("max", max),
            ],
        ),
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
        Refusal::CannotRetry { id, state } => fill(
            &s.cannot_retry,
            &[
                ("id", id),
                ("state", &delivery_state(lang, DeliveryState::parse(state))),
            ],
        ),
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
        ProblemKind::Unreadable(why) => fill(
            &s.problem_unreadable,
            &[("reason", &unreadable(lang, *why))],
        ),
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

/// What is wrong with the config, with its line and key, in words.
pub fn config_problem(lang: Lang, problem: &ConfigProblem) -> String {
    let s = t(lang);
    let mut place = String::new();
    if let Some(line) = problem.line {
        place.push_str(&fill(&s.at_line, &[("line", &line)]));
    }
    if !problem.key.is_empty() && problem.kind != ConfigProblemKind::UnknownKey {
        place.push_str(&fill(&s.config_at_key, &[("key", &problem.key)]));
    }
    let what = match &problem.kind {
        ConfigProblemKind::Syntax => s.config_syntax.clone(),
        ConfigProblemKind::UnknownKey => fill(&s.config_unknown_key, &[("key", &problem.key)]),
        ConfigProblemKind::NotTimeZone(value) => fill(&s.config_not_time_zone, &[("value", value)]),
        ConfigProblemKind::WrongExpect { value, expect } => fill(
            &s.config_wrong_expect,
            &[("value", value), ("expect", expect)],
        ),
        ConfigProblemKind::NotClock(value) => fill(&s.config_not_clock, &[("value", value)]),
        ConfigProblemKind::NotLanguage(value) => fill(&s.config_not_language, &[("value", value)]),
        ConfigProblemKind::NotShare(value) => fill(&s.config_not_share, &[("value", value)]),
        ConfigProblemKind::OutOfRange { value, min, max } => fill(
            &s.config_out_of_range,
            &[("value", value), ("min", min), ("max", max)],
        ),
        ConfigProblemKind::NotChannelKind(value) => {
            fill(&s.config_not_channel_kind, &[("value", value)])
        }
        ConfigProblemKind::NotHttpAddress(value) => {
            fill(&s.config_not_http_address, &[("value", value)])
        }
        ConfigProblemKind::SecretOnlyForDingtalk => s.config_secret_only_dingtalk.clone(),
        ConfigProblemKind::EmptySecret => s.config_empty_secret.clone(),
        ConfigProblemKind::MorningOrder => s.config_morning_order.clone(),
        ConfigProblemKind::EveningOverlap => s.config_evening_overlap.clone(),
    };
    // Values are the file's own text, quoted back.
    crate::domain::text::clean_line(&format!("{place}{what}")).into_owned()
}

/// A delivery's state in words; `None`: no channel takes the message.
pub fn delivery_state(lang: Lang, state: Option<DeliveryState>) -> &'static str {
    let s = t(lang);
    match state {
        None => &s.delivery_unrouted,
        Some(DeliveryState::Pending) => &s.delivery_pending,
        Some(DeliveryState::Sending) => &s.delivery_sending,
        Some(DeliveryState::Sent) => &s.delivery_sent,
        Some(DeliveryState::Failed) => &s.delivery_failed,
        Some(DeliveryState::Uncertain) => &s.delivery_uncertain,
    }
}

/// Why a file could not be read, in words.
pub fn unreadable(lang: Lang, why: Unreadable) -> &'static str {
    let s = t(lang);
    match why {
        Unreadable::NotAFile => &s.not_a_file,
        Unreadable::NotFound => &s.unreadable_not_found,
        Unreadable::PermissionDenied => &s.unreadable_denied,
        Unreadable::Io => &s.unreadable_io,
        Unreadable::BadUtf8 => &s.unreadable_bad_utf8,
        Unreadable::BadUtf16 => &s.unreadable_bad_utf16,
        Unreadable::Binary => &s.unreadable_binary,
        Unreadable::UnknownEncoding => &s.unreadable_encoding,
        Unreadable::NotAWorkbook => &s.unreadable_not_workbook,
        Unreadable::DamagedWorkbook => &s.unreadable_damaged_workbook,
        Unreadable::BadCsvLine => &s.unreadable_csv_line,
    }
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
        let store_error = cause.downcast_ref::<crate::store::db::Error>();
        // PostgreSQL's server says so by its SQLSTATE: disk_full, read_only_sql_transaction.
        match store_error.and_then(crate::store::db::Error::sqlstate) {
            Some("53100") => return Some(s.storage_full.clone()),
            Some("25006") => return Some(s.storage_read_only.clone()),
            _ => {}
        }
        let sqlite = match store_error {
            Some(crate::store::db::Error::Sqlite(error)) => Some(error),
            _ => cause.downcast_ref::<rusqlite::Error>(),
        };
        if let Some(rusqlite::Error::SqliteFailure(failure, _)) = sqlite {
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

#[cfg(test)]
mod tests {
    //! Issue 12: every refusal speaks one language. Values given here are ASCII, so a Han
    //! character in an English message came from the string table, and a Chinese line without
    //! one is an English sentence that slipped through.

    use std::path::PathBuf;

    use super::*;
    use crate::config::ConfigProblem;
    use crate::domain::access::{Capability, PinProblem, Role};

    fn every_unreadable() -> Vec<Unreadable> {
        use Unreadable as U;
        let all = vec![
            U::NotAFile,
            U::NotFound,
            U::PermissionDenied,
            U::Io,
            U::BadUtf8,
            U::BadUtf16,
            U::Binary,
            U::UnknownEncoding,
            U::NotAWorkbook,
            U::DamagedWorkbook,
            U::BadCsvLine,
        ];
        // A new reason must join the list above: this match has no catch-all.
        for why in &all {
            match why {
                U::NotAFile
                | U::NotFound
                | U::PermissionDenied
                | U::Io
                | U::BadUtf8
                | U::BadUtf16
                | U::Binary
                | U::UnknownEncoding
                | U::NotAWorkbook
                | U::DamagedWorkbook
                | U::BadCsvLine => {}
            }
        }
        all
    }

    fn every_problem_kind() -> Vec<ProblemKind> {
        use ProblemKind as P;
        let mut all = vec![
            P::EmptyFile,
            P::UnknownColumn("floor".into()),
            P::MissingColumn("name"),
            P::DuplicateColumn("phone".into()),
            P::MissingValue,
            P::DuplicateId {
                id: "E01".into(),
                first_line: 2,
            },
            P::BadRoute("x".into()),
            P::BadWindow("7-9".into()),
            P::NoRosterSheet(vec!["Sheet1".into(), "Sheet2".into()]),
            P::ExtraCells,
            P::HeadersFound(vec!["id".into(), "floor".into()]),
            P::PhoneScientific("1.38E+10".into()),
            P::PhoneDateOrTime("2026-01-01".into()),
            P::BadPhone("abc".into()),
            P::FormulaWithoutValue,
            P::SheetUnreadable,
        ];
        all.extend(every_unreadable().into_iter().map(P::Unreadable));
        for kind in &all {
            match kind {
                P::EmptyFile
                | P::Unreadable(_)
                | P::UnknownColumn(_)
                | P::MissingColumn(_)
                | P::DuplicateColumn(_)
                | P::MissingValue
                | P::DuplicateId { .. }
                | P::BadRoute(_)
                | P::BadWindow(_)
                | P::NoRosterSheet(_)
                | P::ExtraCells
                | P::HeadersFound(_)
                | P::PhoneScientific(_)
                | P::PhoneDateOrTime(_)
                | P::BadPhone(_)
                | P::FormulaWithoutValue
                | P::SheetUnreadable => {}
            }
        }
        all
    }

    fn every_config_problem() -> Vec<ConfigProblem> {
        use ConfigProblemKind as K;
        let kinds = vec![
            K::Syntax,
            K::UnknownKey,
            K::NotTimeZone("Mars/Base".into()),
            K::WrongExpect {
                value: "closed".into(),
                expect: "open".into(),
            },
            K::NotClock("7 am".into()),
            K::NotLanguage("fr".into()),
            K::NotShare("1.5".into()),
            K::OutOfRange {
                value: 0,
                min: 1,
                max: 300,
            },
            K::NotChannelKind("wechat".into()),
            K::NotHttpAddress("ftp://x".into()),
            K::SecretOnlyForDingtalk,
            K::EmptySecret,
            K::MorningOrder,
            K::EveningOverlap,
        ];
        for kind in &kinds {
            match kind {
                K::Syntax
                | K::UnknownKey
                | K::NotTimeZone(_)
                | K::WrongExpect { .. }
                | K::NotClock(_)
                | K::NotLanguage(_)
                | K::NotShare(_)
                | K::OutOfRange { .. }
                | K::NotChannelKind(_)
                | K::NotHttpAddress(_)
                | K::SecretOnlyForDingtalk
                | K::EmptySecret
                | K::MorningOrder
                | K::EveningOverlap => {}
            }
        }
        kinds
            .into_iter()
            .map(|kind| ConfigProblem {
                line: Some(3),
                key: "notify.timeout_seconds".into(),
                kind,
            })
            .collect()
    }

    fn every_refusal() -> Vec<Refusal> {
        use Refusal as R;
        let path = || PathBuf::from("/srv/x.db");
        let text = |value: &str| value.to_string();
        let round = |value: &str| -> crate::domain::Round { value.parse().expect("a round") };
        let mut all = vec![
            R::NoDatabase(path()),
            R::NewerDatabase {
                path: path(),
                found: 9,
                supported: 8,
            },
            R::NotOurDatabase(path()),
            R::UnknownElder(text("E99")),
            R::ArchivedElder(text("E01")),
            R::NotOnRoster {
                elder: text("E01"),
                round: round("2026-11-22/morning"),
            },
            R::RoundNotOpen {
                round: round("2026-11-22/morning"),
                opens: text("07:00"),
                seen: text("05:00"),
            },
            R::SeenInFuture {
                seen: text("09:00"),
                now: text("08:00"),
            },
            R::LiveNotDrill(path()),
            R::FutureNow {
                now: text("2027-11-30 08:05"),
                real: text("2026-11-30 08:05"),
            },
            R::NoRoundForCheck {
                seen: text("13:00"),
                round: round("2026-11-22/evening"),
                opens: text("19:30"),
            },
            R::UnknownFlag(7),
            R::FlagNotOpen {
                id: 7,
                state: text("resolved"),
            },
            R::NothingToUndo,
            R::AbsenceBackwards {
                from: text("2026-12-20"),
                to: text("2026-12-01"),
            },
            R::NoCurrentAbsence(text("E01")),
            R::BadLang(text("fr")),
            R::BadTime(text("soon")),
            R::BadDate(text("someday")),
            R::BadRound(text("noon")),
            R::OutOfRange {
                option: "--interval",
                value: 0,
                min: 1,
                max: 3600,
            },
            R::BadObservation(text("ajar")),
            R::BadOutcome(text("fine")),
            R::WouldOverwrite { path: path() },
            R::SpanBackwards {
                from: text("2026-12-20"),
                to: text("2026-12-01"),
            },
            R::SpanTooLong {
                days: 400,
                max: 366,
            },
            R::BadOutputKind {
                path: path(),
                allowed: text(".csv, .xlsx"),
            },
            R::NoOutputDir(path()),
            R::UnknownGrid {
                grid: text("G9"),
                known: text("G1, G2"),
            },
            R::TooManyRows {
                rows: 2_000_000,
                max: 1_048_575,
            },
            R::NobodyOnRound(text("2026-11-22/morning")),
            R::NeedUser,
            R::UnknownUser(text("zhou")),
            R::UserDisabled(text("zhou")),
            R::UserLocked {
                name: text("zhou"),
                until: text("08:30"),
            },
            R::WrongPin {
                name: text("zhou"),
                left: 2,
            },
            R::NeedPin(text("zhou")),
            R::PinsDiffer,
            R::NotYourGrid {
                user: text("zhou"),
                grid: text("G2"),
            },
            R::UserExists(text("zhou")),
            R::BadUserName(text("a b")),
            R::BadRole(text("boss")),
            R::LastAdmin(text("li")),
            R::UsersExist,
            R::FirstUserNotAdmin,
            R::UnknownChannel {
                name: text("g9"),
                known: text("g1, g2"),
            },
            R::NoChannels,
            R::UnknownDelivery(5),
            R::CannotRetry {
                id: 5,
                state: text("sent"),
            },
        ];
        for problem in [
            PinProblem::TooShort,
            PinProblem::TooLong,
            PinProblem::Unprintable,
            PinProblem::OneDigitRepeated,
        ] {
            all.push(R::PinPolicy(problem));
        }
        for role in [None, Some(Role::Volunteer), Some(Role::GridWorker)] {
            all.push(R::NotAllowed {
                user: text("zhou"),
                role,
                capability: Capability::Resolve,
            });
        }
        // Issue 15.
        all.extend([
            R::UnknownGap(3),
            R::GapNotOpen {
                id: 3,
                state: text("resolved"),
            },
            R::BadFlagId(text("gap:x")),
            R::GapOutcome(text("elder_fine")),
            R::UnknownVolunteer(text("wang")),
            R::BadRouteRange(text("9-2")),
            R::TallyNeedsOut,
        ]);
        // Issue 16.
        all.extend([
            R::PostgresUnreachable {
                url: text("postgres://curtain@db/curtain"),
                reason: text("connection refused"),
            },
            R::NotOnPostgres,
            R::HandoverToItself(path()),
            R::HandoverUnknownElders {
                elders: text("CQ099"),
            },
            R::HandoverDrillMismatch,
            R::UnknownCommunity {
                community: text("East"),
                known: text("Evergreen, West"),
            },
            R::GridInTwoCommunities {
                grid: text("G1"),
                communities: text("—, West"),
            },
        ]);
        all.extend(
            every_unreadable()
                .into_iter()
                .map(|why| R::Unreadable { path: path(), why }),
        );
        all.extend(
            every_config_problem()
                .into_iter()
                .map(|problem| R::BadConfig {
                    path: path(),
                    problem,
                }),
        );
        all.push(R::Import(
            every_problem_kind()
                .into_iter()
                .map(|kind| Problem {
                    sheet: Some("Sheet1".into()),
                    line: Some(3),
                    column: Some("phone".into()),
                    kind,
                })
                .collect(),
        ));
        for refusal in &all {
            match refusal {
                R::NoDatabase(_)
                | R::NewerDatabase { .. }
                | R::NotOurDatabase(_)
                | R::UnknownElder(_)
                | R::ArchivedElder(_)
                | R::NotOnRoster { .. }
                | R::RoundNotOpen { .. }
                | R::SeenInFuture { .. }
                | R::LiveNotDrill(_)
                | R::FutureNow { .. }
                | R::NoRoundForCheck { .. }
                | R::UnknownFlag(_)
                | R::FlagNotOpen { .. }
                | R::NothingToUndo
                | R::AbsenceBackwards { .. }
                | R::NoCurrentAbsence(_)
                | R::Import(_)
                | R::Unreadable { .. }
                | R::BadConfig { .. }
                | R::BadLang(_)
                | R::BadTime(_)
                | R::BadDate(_)
                | R::BadRound(_)
                | R::OutOfRange { .. }
                | R::BadObservation(_)
                | R::BadOutcome(_)
                | R::WouldOverwrite { .. }
                | R::SpanBackwards { .. }
                | R::SpanTooLong { .. }
                | R::BadOutputKind { .. }
                | R::NoOutputDir(_)
                | R::UnknownGrid { .. }
                | R::TooManyRows { .. }
                | R::NobodyOnRound(_)
                | R::NeedUser
                | R::UnknownUser(_)
                | R::UserDisabled(_)
                | R::UserLocked { .. }
                | R::WrongPin { .. }
                | R::NeedPin(_)
                | R::PinPolicy(_)
                | R::PinsDiffer
                | R::NotAllowed { .. }
                | R::NotYourGrid { .. }
                | R::UserExists(_)
                | R::BadUserName(_)
                | R::BadRole(_)
                | R::LastAdmin(_)
                | R::UsersExist
                | R::FirstUserNotAdmin
                | R::UnknownChannel { .. }
                | R::NoChannels
                | R::UnknownDelivery(_)
                | R::CannotRetry { .. }
                | R::UnknownGap(_)
                | R::GapNotOpen { .. }
                | R::BadFlagId(_)
                | R::GapOutcome(_)
                | R::UnknownVolunteer(_)
                | R::BadRouteRange(_)
                | R::TallyNeedsOut
                | R::PostgresUnreachable { .. }
                | R::NotOnPostgres
                | R::HandoverToItself(_)
                | R::HandoverUnknownElders { .. }
                | R::HandoverDrillMismatch
                | R::UnknownCommunity { .. }
                | R::GridInTwoCommunities { .. } => {}
            }
        }
        all
    }

    /// Han characters and the full-width punctuation that goes with them.
    fn is_chinese(c: char) -> bool {
        matches!(c,
            '\u{3400}'..='\u{4dbf}'
            | '\u{4e00}'..='\u{9fff}'
            | '\u{3000}'..='\u{303f}'
            | '\u{ff00}'..='\u{ffef}')
    }

    #[test]
    fn rule_every_refusal_speaks_only_the_users_language() {
        let mut wrong = Vec::new();
        for refusal in every_refusal() {
            let english = super::refusal(Lang::En, &refusal);
            if english.chars().any(is_chinese) {
                wrong.push(format!("English with Chinese in it: {english}"));
            }
            let chinese = super::refusal(Lang::Zh, &refusal);
            for line in chinese.lines().filter(|line| !line.trim().is_empty()) {
                if !line.chars().any(is_chinese) {
                    wrong.push(format!("a Chinese message's line in English: {line}"));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
