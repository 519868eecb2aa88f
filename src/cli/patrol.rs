//! `curtain assign` and `curtain assignments` (#15): who walks which part of a grid.

use std::io::Write;

use super::Session;
use super::output::{Format, table, write_csv, write_json};
use crate::domain::assignment::Part;
use crate::i18n::{Lang, fill, t};
use crate::ops;
use crate::ops::input::parse_route_range;
use crate::store::Create;
use crate::store::assignments::Assignment;

/// A part of a grid in words.
pub fn part_words(lang: Lang, part: &Part) -> String {
    crate::i18n::words::assignment_part(lang, part)
}

pub fn assign(
    session: &Session,
    volunteer: &str,
    grid: &str,
    buildings: &[String],
    route: Option<&str>,
) -> anyhow::Result<()> {
    let part = match route {
        Some(text) => {
            let (from, to) = parse_route_range(text)?;
            Part::Route { from, to }
        }
        None if buildings.iter().any(|b| !b.trim().is_empty()) => Part::Buildings(
            buildings
                .iter()
                .map(|b| b.trim().to_string())
                .filter(|b| !b.is_empty())
                .collect(),
        ),
        None => Part::WholeGrid,
    };
    let mut store = session.open(Create::Never)?;
    let actor = session.actor(&mut store)?;
    let times = session.times(&store);
    let (new, before) =
        ops::assignments::assign(&mut store, &actor, times, volunteer, grid, &part)?;
    let lang = session.lang;
    let s = t(lang);
    let mut line = fill(
        &s.assign_done,
        &[
            ("volunteer", &new.volunteer),
            ("grid", &new.grid),
            ("part", &part_words(lang, &new.part())),
        ],
    );
    if let Some(before) = before {
        line.push_str(&fill(
            &s.assign_ended,
            &[("part", &part_words(lang, &before.part()))],
        ));
    }
    writeln!(std::io::stdout().lock(), "{line}")?;
    Ok(())
}

#[derive(Default, serde::Serialize)]
struct AssignmentRow {
    id: i64,
    volunteer: String,
    grid: String,
    buildings: String,
    route_from: Option<i64>,
    route_to: Option<i64>,
    assigned_at: String,
    assigned_by: String,
    ended_at: Option<String>,
    ended_by: Option<String>,
}

impl AssignmentRow {
    fn new(a: &Assignment) -> AssignmentRow {
        AssignmentRow {
            id: a.id,
            volunteer: a.volunteer.clone(),
            grid: a.grid.clone(),
            buildings: a.buildings.join(" "),
            route_from: a.route_from,
            route_to: a.route_to,
            assigned_at: a.assigned_at.clone(),
            assigned_by: a.assigned_by.clone(),
            ended_at: a.ended_at.clone(),
            ended_by: a.ended_by.clone(),
        }
    }
}

pub fn assignments(session: &Session, all: bool, format: Format) -> anyhow::Result<()> {
    let (store, viewer, _) = ops::read::open_settled(session, None)?;
    let list = if all {
        crate::store::assignments::history(&store.conn)?
            .into_iter()
            .filter(|a| viewer.grids.covers(&a.grid))
            .collect()
    } else {
        ops::assignments::current(&store, &viewer)?
    };
    let rows: Vec<AssignmentRow> = list.iter().map(AssignmentRow::new).collect();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => write_json(&mut out, &rows),
        Format::Csv => write_csv(&mut out, &rows),
        Format::Table => {
            let lang = session.lang;
            let s = t(lang);
            let tz = session.config.schedule.tz;
            let local = |text: &str| {
                crate::store::parse_ts(text)
                    .map(|at| crate::domain::time::format_local(at, tz))
                    .unwrap_or_else(|_| text.to_string())
            };
            let cells: Vec<Vec<String>> = list
                .iter()
                .map(|a| {
                    vec![
                        a.volunteer.clone(),
                        a.grid.clone(),
                        part_words(lang, &a.part()),
                        local(&a.assigned_at),
                        a.ended_at.as_deref().map(local).unwrap_or_default(),
                    ]
                })
                .collect();
            let headers = [
                s.col_volunteer.as_str(),
                &s.col_grid,
                &s.col_part,
                &s.col_since,
                &s.col_until,
            ];
            write!(out, "{}", table(&headers, &cells))?;
            Ok(())
        }
    }
}

/// How `curtain tally` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TallyFormat {
    Table,
    Csv,
    Json,
    Xlsx,
}

/// `curtain tally --from D --to D [--format table|csv|json|xlsx] [--out FILE.xlsx]`: per
/// volunteer, rounds walked, checks, on time, alerts, make-ups; a grid worker's grids, an
/// admin's all.
pub fn tally(
    session: &Session,
    from: &str,
    to: &str,
    format: TallyFormat,
    out: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let (from, to) = crate::export::report::parse_span(from, to)?;
    if format == TallyFormat::Xlsx {
        let Some(out) = out else {
            return Err(crate::error::Refusal::TallyNeedsOut.into());
        };
        crate::export::tally::check_out(out)?;
    }
    let (store, viewer, _) = ops::read::open_settled(
        session,
        Some(crate::domain::access::Capability::ExportLedger),
    )?;
    let rows = ops::tally::tally(&store, &viewer, from, to)?;
    let lang = session.lang;
    let s = t(lang);
    let mut stdout = std::io::stdout().lock();
    match format {
        TallyFormat::Json => write_json(&mut stdout, &rows),
        TallyFormat::Csv => write_csv(&mut stdout, &rows),
        TallyFormat::Table => {
            writeln!(
                stdout,
                "{}",
                fill(&s.tally_title, &[("from", &from), ("to", &to)])
            )?;
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    vec![
                        row.volunteer.clone(),
                        row.rounds_walked.to_string(),
                        row.checks.to_string(),
                        format!("{:.0}%", row.on_time_share * 100.0),
                        row.alerts.to_string(),
                        row.make_up_rounds.to_string(),
                    ]
                })
                .collect();
            let headers = crate::export::tally::headers(lang);
            write!(stdout, "{}", table(&headers, &cells))?;
            Ok(())
        }
        TallyFormat::Xlsx => {
            let Some(out) = out else {
                return Ok(());
            };
            crate::export::tally::write_xlsx(lang, &rows, out)?;
            writeln!(
                stdout,
                "{}",
                fill(&s.tally_written, &[("path", &out.display())])
            )?;
            Ok(())
        }
    }
}
