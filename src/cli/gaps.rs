//! `curtain coverage`, `curtain gaps` and `curtain resolve gap:ID` (DESIGN.md section 4), and the
//! coverage lines of `status` and the gap rows of `flags`.

use std::io::Write;

use serde::Serialize;

use super::Session;
use super::output::{Format, table, write_csv, write_json};
use crate::domain::{Outcome, Round};
use crate::error::Refusal;
use crate::i18n::{Lang, fill, t, words};
use crate::ops;
use crate::store::Create;
use crate::store::flags::FlagView;
use crate::store::gaps::{Gap, GridCoverage};

/// One grid's coverage of a round, as `coverage --format json` gives it: `grid`, `round`,
/// `listed`, `checked`, `late`, `away`, `missed`, and `pending` and `on_time` beside them.
#[derive(Default, Serialize)]
struct CoverageRow {
    grid: String,
    round: Round,
    listed: u32,
    checked: u32,
    late: u32,
    away: u32,
    missed: u32,
    pending: u32,
    on_time: u32,
}

impl CoverageRow {
    fn new(row: &GridCoverage) -> CoverageRow {
        let c = row.coverage;
        CoverageRow {
            grid: row.grid.clone(),
            round: row.round,
            listed: c.listed,
            checked: c.checked,
            late: c.late,
            away: c.away,
            missed: c.missed,
            pending: c.pending,
            on_time: c.on_time(),
        }
    }
}

pub fn coverage(
    session: &Session,
    round: Option<&str>,
    grid: Option<&str>,
    community: Option<&str>,
    format: Format,
) -> anyhow::Result<()> {
    let round = session.round_or_current(round)?;
    let (store, viewer, times, scope) =
        ops::read::open_settled_for_scope(session, None, grid, community)?;
    let rows: Vec<CoverageRow> = ops::gaps::coverage(&store, &viewer, round, times)?
        .iter()
        .filter(|row| scope.covers(&row.grid))
        .map(CoverageRow::new)
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, &rows),
        Format::Csv => write_csv(&mut out, &rows),
        Format::Table => {
            let lang = session.lang;
            let s = t(lang);
            writeln!(
                out,
                "{}",
                fill(&s.coverage_title, &[("round", &words::round(lang, round))])
            )?;
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    vec![
                        row.grid.clone(),
                        row.listed.to_string(),
                        row.checked.to_string(),
                        row.late.to_string(),
                        row.away.to_string(),
                        row.missed.to_string(),
                        row.pending.to_string(),
                    ]
                })
                .collect();
            let headers = [
                s.col_grid.as_str(),
                &s.col_listed,
                &s.col_checked,
                &s.col_late,
                &s.col_away,
                &s.col_missed,
                &s.col_pending,
            ];
            write!(out, "{}", table(&headers, &cells))?;
            Ok(())
        }
    }
}

/// The coverage lines under `status`'s table: one per grid.
pub fn coverage_lines(lang: Lang, rows: &[GridCoverage]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let c = row.coverage;
            fill(
                &t(lang).coverage_line,
                &[
                    ("grid", &row.grid),
                    ("checked", &c.checked),
                    ("listed", &c.listed),
                    ("late", &c.late),
                    ("away", &c.away),
                    ("missed", &c.missed),
                ],
            )
        })
        .collect()
}

/// A gap as CSV has it: the flag ids in one cell.
#[derive(Default, Serialize)]
struct GapCsvRow<'a> {
    id: i64,
    grid: &'a str,
    round: Round,
    listed: u32,
    checked: u32,
    missed: u32,
    state: &'static str,
    formed_at: &'a str,
    closed_at: Option<&'a str>,
    closed_by: Option<&'a str>,
    flag_ids: String,
}

fn flag_ids_text(gap: &Gap) -> String {
    gap.flag_ids
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn gaps(session: &Session, all: bool, format: Format) -> anyhow::Result<()> {
    let (store, viewer, _) = ops::read::open_settled(session, None)?;
    let gaps = ops::gaps::list(&store, &viewer, all)?;
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, &gaps),
        Format::Csv => {
            let rows: Vec<GapCsvRow<'_>> = gaps
                .iter()
                .map(|gap| GapCsvRow {
                    id: gap.id,
                    grid: &gap.grid,
                    round: gap.round,
                    listed: gap.listed,
                    checked: gap.checked,
                    missed: gap.missed,
                    state: gap.state.as_str(),
                    formed_at: &gap.formed_at,
                    closed_at: gap.closed_at.as_deref(),
                    closed_by: gap.closed_by.as_deref(),
                    flag_ids: flag_ids_text(gap),
                })
                .collect();
            write_csv(&mut out, &rows)
        }
        Format::Table => {
            let lang = session.lang;
            let s = t(lang);
            let cells: Vec<Vec<String>> = gaps
                .iter()
                .map(|gap| {
                    vec![
                        format!("gap:{}", gap.id),
                        gap.grid.clone(),
                        words::round(lang, gap.round),
                        format!("{}/{}", gap.checked, gap.listed),
                        gap.missed.to_string(),
                        words::gap_state(lang, gap.state).to_string(),
                        flag_ids_text(gap),
                    ]
                })
                .collect();
            let headers = [
                s.col_gap.as_str(),
                &s.col_grid,
                &s.col_round,
                &s.col_checked,
                &s.col_missed,
                &s.col_state,
                &s.col_flag_ids,
            ];
            write!(out, "{}", table(&headers, &cells))?;
            writeln!(out, "{}", fill(&s.gaps_count, &[("count", &gaps.len())]))?;
            Ok(())
        }
    }
}

pub fn resolve_gap(
    session: &Session,
    gap_id: i64,
    outcome: Outcome,
    note: Option<&str>,
) -> anyhow::Result<()> {
    if outcome != crate::domain::gap::GAP_OUTCOME {
        return Err(Refusal::GapOutcome(outcome.as_str().to_string()).into());
    }
    let mut store = session.open(Create::Never)?;
    let actor = session.actor(&mut store)?;
    let times = session.times(&store);
    let done =
        ops::gaps::resolve(&mut store, &actor, times, gap_id, outcome, note).map_err(|error| {
            match error.downcast::<Refusal>() {
                Ok(Refusal::GapNotOpen { id, state }) => Refusal::GapNotOpen {
                    id,
                    state: crate::domain::gap::GapState::parse(&state).map_or(state, |state| {
                        words::gap_state(session.lang, state).to_string()
                    }),
                }
                .into(),
                Ok(other) => other.into(),
                Err(error) => error,
            }
        })?;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        fill(
            &t(session.lang).gap_resolved_done,
            &[
                ("id", &gap_id),
                ("outcome", &words::outcome(session.lang, outcome)),
                ("count", &done.flags.len()),
            ]
        )
    )?;
    Ok(())
}

/// The flags table's rows: alerts, then each open gap as one row listed once above its missed
/// flags (indented under it) — a gap whose elders were all seen since still shows, since the
/// patrol's failure is handled once — then the remaining flags.
pub fn flag_table_rows(
    lang: Lang,
    flags: &[FlagView],
    open_gaps: &[Gap],
    row: impl Fn(&FlagView) -> Vec<String>,
) -> Vec<Vec<String>> {
    use crate::domain::gap::{ListPart, list_part};
    let columns = flags.first().map_or(10, |flag| row(flag).len());
    let part = |wanted: ListPart| {
        flags
            .iter()
            .filter(move |flag| list_part(flag.status, flag.gap_state) == wanted)
    };
    let mut out: Vec<Vec<String>> = part(ListPart::Alerts).map(&row).collect();
    for gap in open_gaps {
        let mut cells = vec![String::new(); columns.max(2)];
        if let Some(first) = cells.first_mut() {
            *first = format!("gap:{}", gap.id);
        }
        if let Some(last) = cells.last_mut() {
            *last = words::gap_row(
                lang,
                &gap.grid,
                gap.round,
                gap.checked,
                gap.listed,
                gap.missed,
            );
            if !gap.assigned.is_empty() {
                last.push_str(&format!(
                    " · {}",
                    fill(
                        &t(lang).gap_assigned,
                        &[("names", &gap.assigned.join(", "))]
                    )
                ));
            }
        }
        out.push(cells);
        for flag in part(ListPart::Gaps).filter(|flag| flag.gap == Some(gap.id)) {
            let mut cells = row(flag);
            if let Some(first) = cells.first_mut() {
                *first = format!("  {first}");
            }
            out.push(cells);
        }
    }
    // A folded flag whose gap is not listed (another grid filtered away) stays on its own.
    out.extend(
        part(ListPart::Gaps)
            .filter(|flag| !open_gaps.iter().any(|gap| Some(gap.id) == flag.gap))
            .map(&row),
    );
    out.extend(part(ListPart::Remaining).map(&row));
    out
}
