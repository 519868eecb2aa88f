//! `curtain doctor`: what `store::doctor` found, one line per finding in plain words, and what to
//! do about each problem. Exits 0 when healthy, 1 when something is wrong ([`Unhealthy`]); the
//! file is only ever read.

use std::io::Write;

use super::{Session, shown};
use crate::domain::time::format_local;
use crate::i18n::{Lang, fill, t};
use crate::store::doctor::{self, Finding, Level};

/// The doctor found problems; its words are already on stdout, so this only sets the exit code.
#[derive(Debug, thiserror::Error)]
#[error("curtain doctor found {problems} problem(s)")]
pub struct Unhealthy {
    pub problems: usize,
}

pub fn run(session: &Session, full: bool) -> anyhow::Result<()> {
    let depth = if full {
        doctor::Depth::Full
    } else {
        doctor::Depth::Quick
    };
    let first = match depth {
        doctor::Depth::Quick => crate::store::Stage::QuickCheck,
        doctor::Depth::Full => crate::store::Stage::IntegrityCheck,
    };
    let progress = super::progress::Progress::start(session.lang, first);
    let findings = doctor::examine_with(
        &session.db,
        &session.config.schedule,
        session.now,
        depth,
        &mut |stage| progress.stage(stage),
    )?;
    drop(progress);
    let s = t(session.lang);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        fill(&s.doctor_title, &[("path", &shown(&session.db))])
    )?;
    for finding in &findings {
        writeln!(out, "{} {}", mark(finding.level()), words(session, finding))?;
    }
    let problems: Vec<&Finding> = findings
        .iter()
        .filter(|finding| finding.level() == Level::Problem)
        .collect();
    if problems.iter().any(|finding| is_data_problem(finding)) {
        writeln!(out, "  {}", s.doctor_data_advice)?;
    }
    if problems
        .iter()
        .any(|finding| matches!(finding, Finding::FutureRounds { .. }))
    {
        writeln!(out, "  {}", s.doctor_future_advice)?;
    }
    if problems.is_empty() {
        writeln!(out, "{}", s.doctor_healthy)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        fill(&s.doctor_unhealthy, &[("count", &problems.len())])
    )?;
    Err(Unhealthy {
        problems: problems.len(),
    }
    .into())
}

/// The mark before each line: the same in every language, readable without colour.
fn mark(level: Level) -> &'static str {
    match level {
        Level::Ok => "✓",
        Level::Note => "·",
        Level::Warning => "!",
        Level::Problem => "✗",
    }
}

/// Rows that are readable but say things curtain never writes: one piece of advice covers them.
/// Rows of rounds ahead of the clock are not among them: curtain itself wrote those, given a
/// `--now` ahead of the real clock (a drill database, or a version that did not yet refuse it),
/// and they get their own advice.
fn is_data_problem(finding: &Finding) -> bool {
    matches!(
        finding,
        Finding::Dangling { .. }
            | Finding::BadRounds { .. }
            | Finding::UnknownWords { .. }
            | Finding::CrossedCorrections { .. }
            | Finding::FlagStateMismatch { .. }
            | Finding::BadTimes { .. }
            | Finding::AbsencesBackwards { .. }
            | Finding::RosterStampBroken { .. }
    )
}

/// `0600`, as chmod takes it.
fn octal(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

pub fn words(session: &Session, finding: &Finding) -> String {
    let lang: Lang = session.lang;
    let s = t(lang);
    let path = shown(&session.db);
    match finding {
        Finding::FileModeOk { mode } => fill(&s.doctor_file_ok, &[("mode", &octal(*mode))]),
        Finding::FileOpenToOthers { mode } => fill(
            &s.doctor_file_open,
            &[("mode", &octal(*mode)), ("path", &path)],
        ),
        Finding::DirModeOk { dir, mode } => fill(
            &s.doctor_dir_ok,
            &[("dir", &shown(dir)), ("mode", &octal(*mode))],
        ),
        Finding::DirOpenToOthers { dir, mode } => fill(
            &s.doctor_dir_open,
            &[("dir", &shown(dir)), ("mode", &octal(*mode))],
        ),
        Finding::Unopenable { reason } => fill(&s.doctor_unopenable, &[("reason", reason)]),
        Finding::NotOurs => s.doctor_not_ours.clone(),
        Finding::Newer { found, supported } => fill(
            &s.doctor_newer,
            &[("found", found), ("supported", supported)],
        ),
        Finding::Empty => s.doctor_empty.clone(),
        Finding::SchemaOk { version } => fill(&s.doctor_schema_ok, &[("version", version)]),
        Finding::SchemaOlder { version, latest } => fill(
            &s.doctor_schema_older,
            &[("version", version), ("latest", latest)],
        ),
        Finding::IntegrityOk => s.doctor_integrity_ok.clone(),
        Finding::QuickCheckOk { from } => fill(
            &s.doctor_quick_check_ok,
            &[("from", &from.date.format("%Y-%m-%d"))],
        ),
        Finding::Damaged { count, first } => fill(
            &s.doctor_damaged,
            &[("count", count), ("first", &first.join("; "))],
        ),
        Finding::ForeignKeysOk => s.doctor_foreign_keys_ok.clone(),
        Finding::Dangling {
            table,
            parent,
            count,
        } => fill(
            &s.doctor_dangling,
            &[("count", count), ("table", table), ("parent", parent)],
        ),
        Finding::Journal { wal_bytes, .. } => fill(&s.doctor_journal_ok, &[("bytes", wal_bytes)]),
        Finding::JournalNotWal { mode } => fill(&s.doctor_journal_not_wal, &[("mode", mode)]),
        Finding::SanityOk => s.doctor_sanity_ok.clone(),
        Finding::BadRounds { table, count } => {
            fill(&s.doctor_bad_rounds, &[("count", count), ("table", table)])
        }
        Finding::FutureRounds { table, count } => fill(
            &s.doctor_future_rounds,
            &[
                ("count", count),
                ("table", table),
                (
                    "now",
                    &format_local(session.now, session.config.schedule.tz),
                ),
            ],
        ),
        Finding::UnknownWords {
            column,
            words,
            count,
            ..
        } => fill(
            &s.doctor_unknown_words,
            &[
                ("count", count),
                ("column", column),
                ("words", &words.join(", ")),
            ],
        ),
        Finding::CrossedCorrections { count } => {
            fill(&s.doctor_crossed_corrections, &[("count", count)])
        }
        Finding::FlagStateMismatch { count } => {
            fill(&s.doctor_flag_state_mismatch, &[("count", count)])
        }
        Finding::BadTimes { count } => fill(&s.doctor_bad_times, &[("count", count)]),
        Finding::AbsencesBackwards { count } => {
            fill(&s.doctor_absences_backwards, &[("count", count)])
        }
        Finding::RosterStampBroken { triggers, stamps } => fill(
            &s.doctor_roster_stamp_broken,
            &[("triggers", triggers), ("stamps", stamps)],
        ),
    }
}
