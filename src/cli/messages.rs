//! Refusals and import problems in words, from the string tables.

use crate::error::Refusal;
use crate::i18n::{Lang, fill, t};
use crate::import::{Problem, ProblemKind};

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
        Refusal::UnknownFlag(id) => fill(&s.unknown_flag, &[("id", id)]),
        Refusal::FlagNotOpen { id, state } => {
            fill(&s.flag_not_open, &[("id", id), ("state", state)])
        }
        Refusal::NothingToUndo => s.nothing_to_undo.clone(),
        Refusal::NoCurrentAbsence(id) => fill(&s.no_current_absence, &[("id", id)]),
        Refusal::AbsenceBackwards { from, to } => {
            fill(&s.absence_backwards, &[("from", from), ("to", to)])
        }
        Refusal::Import(problems) => {
            let mut out = fill(&s.import_refused, &[("count", &problems.len())]);
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
    }
}

/// `line 3, column name: …`: where, then what to fix.
pub fn import_problem(lang: Lang, problem: &Problem) -> String {
    let s = t(lang);
    let mut place = String::new();
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
        ProblemKind::MissingColumn(name) => fill(&s.problem_missing_column, &[("name", name)]),
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
    };
    format!("{place}{what}")
}
