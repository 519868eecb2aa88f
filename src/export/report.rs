//! The ledger (台账): one row per elder per round over a span of days — what was expected, what was
//! seen, by whom and when, the flag it raised and every follow-up to its outcome — as CSV (UTF-8
//! with a BOM, so Excel on Chinese Windows reads it right) or XLSX (with a second sheet that sums
//! up each day by grid). Words and headers are in the chosen language.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use super::xlsx::{Book, Look, SheetSetup};
use super::{Orientation, OutFile, OutKind, Widths, check_out_path};
use crate::domain::access::Capability;
use crate::domain::coverage::Coverage;
use crate::domain::{Expected, FlagState, Observation, Outcome, Status};
use crate::error::Refusal;
use crate::i18n::{Lang, Strings, fill, t, words};
use crate::ops::Session;
use crate::ops::input::parse_date;
use crate::store::Stage;
use crate::store::date_text;
use crate::store::flags::{FlagRecord, FollowUp};
use crate::store::ledger::{FollowUps, Ledger};
use crate::store::parse_ts;
use crate::store::rounds::ElderRound;

/// The longest span one report covers: a leap year.
pub const MAX_SPAN_DAYS: i64 = 366;
/// The rows one XLSX sheet holds (the header takes one).
pub const XLSX_MAX_ROWS: usize = 1_048_576;
/// The name column: panes freeze after it, so the elder stays in sight when scrolling right.
const NAME_COLUMN: u16 = 4;
/// Columns whose rare long text wraps rather than widen the whole ledger past a readable print:
/// (column, characters before it wraps) for the name, flag state, follow-ups and outcome.
const WRAPPED_COLUMNS: [(usize, usize); 4] = [(4, 10), (15, 10), (16, 30), (17, 12)];
/// Points per line of wrapped 11-point text.
const LINE_HEIGHT: f64 = 15.0;

/// Writes the ledger of `from`..`to` to `out`, telling `progress` which round it is at; returns
/// what it wrote, in words, for the command to say once its progress line is gone.
pub fn run(
    session: &Session,
    from: &str,
    to: &str,
    out: &Path,
    progress: &mut dyn FnMut(Stage),
) -> anyhow::Result<String> {
    let (from, to) = parse_span(from, to)?;
    let kind = check_out_path(out, &[OutKind::Csv, OutKind::Xlsx])?;
    let (store, actor, _) =
        crate::ops::read::open_settled(session, Some(Capability::ExportLedger))?;
    let mut ledger = Ledger::read(&store, from, to, session.now)?;
    ledger.keep_grids(|grid| actor.grids.covers(grid));
    let sheet = LedgerSheet {
        lang: session.lang,
        tz: store.schedule.tz,
        ledger: &ledger,
    };
    let mut file = OutFile::create(out)?;
    let written = match kind {
        OutKind::Csv => sheet.write_csv(file.file()?, progress)?,
        OutKind::Xlsx => sheet.write_xlsx(file.file()?, &super::out_dir(out), progress)?,
    };
    file.finish()?;
    Ok(fill(
        &t(session.lang).report_done,
        &[
            ("path", &out.display()),
            ("rounds", &written.rounds),
            ("rows", &written.rows),
        ],
    ))
}

/// Reads `--from` and `--to`: dates, in order, at most [`MAX_SPAN_DAYS`] days.
pub fn parse_span(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let (from_date, to_date) = (parse_date(from)?, parse_date(to)?);
    if to_date < from_date {
        return Err(Refusal::SpanBackwards {
            from: from.trim().to_string(),
            to: to.trim().to_string(),
        });
    }
    let days = (to_date - from_date).num_days() + 1;
    if days > MAX_SPAN_DAYS {
        return Err(Refusal::SpanTooLong {
            days,
            max: MAX_SPAN_DAYS,
        });
    }
    Ok((from_date, to_date))
}

/// One cell of the ledger: numbers stay numbers in XLSX.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Borrowed from the row where it can be (names, words): a month's ledger is 1.8 M rows.
    Text(Cow<'a, str>),
    Number(i64),
    Blank,
}

impl<'a> Cell<'a> {
    /// A text cell, cleaned of terminal escapes and bidi overrides (they reach the XLSX too).
    fn text(value: impl Into<Cow<'a, str>>) -> Cell<'a> {
        let value = value.into();
        let value = match crate::domain::text::clean_text(&value) {
            Cow::Borrowed(_) => value,
            Cow::Owned(clean) => Cow::Owned(clean),
        };
        Cell::own(value)
    }

    fn maybe(value: Option<impl Into<Cow<'a, str>>>) -> Cell<'a> {
        value.map_or(Cell::Blank, Cell::text)
    }

    /// Text curtain wrote itself (dates, times, words from the string tables): nothing in it to
    /// clean, and ten of a ledger row's cells.
    fn own(value: impl Into<Cow<'a, str>>) -> Cell<'a> {
        let value = value.into();
        if value.is_empty() {
            Cell::Blank
        } else {
            Cell::Text(value)
        }
    }

    fn own_maybe(value: Option<impl Into<Cow<'a, str>>>) -> Cell<'a> {
        value.map_or(Cell::Blank, Cell::own)
    }

    /// The cell as CSV text. Text that a spreadsheet would take for a formula (a note typed as
    /// `=HYPERLINK(…)`) is kept as text with a leading apostrophe; XLSX cells are text anyway.
    pub fn csv_bytes(&self) -> Cow<'_, [u8]> {
        match self.csv_text() {
            Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
            Cow::Owned(text) => Cow::Owned(text.into_bytes()),
        }
    }

    fn csv_text(&self) -> Cow<'_, str> {
        match self {
            // Judged as cleaned, as it will be read: an escape in front hides no formula.
            Cell::Text(text) => crate::domain::text::csv_cell(text),
            Cell::Number(number) => Cow::Owned(number.to_string()),
            Cell::Blank => Cow::Borrowed(""),
        }
    }
}

/// The ledger's column headers, in the order [`ledger_cells`] fills them.
pub fn ledger_headers(lang: Lang) -> Vec<&'static str> {
    let s = t(lang);
    vec![
        &s.rep_col_date,
        &s.rep_col_slot,
        &s.col_grid,
        &s.col_id,
        &s.col_name,
        &s.col_address,
        &s.rep_col_expected,
        &s.col_observed,
        &s.col_status,
        &s.rep_col_late,
        &s.col_checker,
        &s.col_seen_at,
        &s.col_entered_at,
        &s.col_severity,
        &s.col_streak,
        &s.rep_col_flag_id,
        &s.rep_col_flag_state,
        &s.rep_col_follow_ups,
        &s.rep_col_outcome,
        &s.rep_col_closed,
    ]
}

/// One elder's round as a ledger row.
pub fn ledger_cells<'a>(
    lang: Lang,
    tz: Tz,
    row: &'a ElderRound,
    follow_ups: &[FollowUp],
) -> Vec<Cell<'a>> {
    let s = t(lang);
    let decisive = row.decisive.as_ref();
    let flag = row.flag.as_ref();
    let severity = flag.map(|f| f.severity).or(row.severity);
    vec![
        Cell::own(date_text(row.round.date)),
        Cell::own(words::slot(lang, row.round.slot)),
        Cell::text(row.elder.grid.as_str()),
        Cell::text(row.elder.id.as_str()),
        Cell::text(row.elder.name.as_str()),
        Cell::text(row.elder.address.as_str()),
        Cell::own(expected_words(lang, row.round.expected())),
        Cell::own_maybe(
            decisive
                .and_then(|c| c.observation)
                .map(|o| words::observation(lang, o)),
        ),
        Cell::own(words::status(lang, row.status)),
        Cell::own_maybe(row.late.then_some(s.report_yes.as_str())),
        Cell::maybe(decisive.map(|c| c.checker.as_str())),
        Cell::own_maybe(decisive.map(|c| time_after(row.round.date, c.seen_at, tz))),
        // When it was typed in: a make-up round or a late entry shows here, not in `seen at`.
        Cell::own_maybe(decisive.map(|c| time_after(row.round.date, c.recorded_at, tz))),
        Cell::own_maybe(severity.map(|sv| words::severity(lang, sv))),
        if row.status.is_flagged() && row.streak > 0 {
            Cell::Number(i64::from(row.streak))
        } else {
            Cell::Blank
        },
        flag.map_or(Cell::Blank, |f| Cell::Number(f.id)),
        Cell::own_maybe(flag.map(|f| words::flag_state(lang, f.state))),
        Cell::text(follow_up_log(lang, tz, row.round.date, follow_ups)),
        Cell::maybe(flag.and_then(|f| outcome_words(lang, f))),
        Cell::maybe(flag.and_then(|f| closed_by_at(tz, row.round.date, f))),
    ]
}

/// The curtain the round expects, in the words for what a patrol sees (`开`, `closed`): short
/// enough for a narrow column.
fn expected_words(lang: Lang, expected: Expected) -> &'static str {
    match expected {
        Expected::Open => words::observation(lang, Observation::Open),
        Expected::Closed => words::observation(lang, Observation::Closed),
    }
}

/// Who closed a flag and when: `zhao_wangge 21:00`.
fn closed_by_at(tz: Tz, round_date: NaiveDate, flag: &FlagRecord) -> Option<String> {
    let at = flag.closed_at.map(|at| time_after(round_date, at, tz));
    match (flag.closed_by.as_deref(), at) {
        (Some(by), Some(at)) => Some(format!("{by} {at}")),
        (Some(by), None) => Some(by.to_string()),
        (None, at) => at,
    }
}

/// `08:40 li_wang called: no answer; 09:05 li_wang resolved: elder fine at her daughter's`; the
/// date goes in front of entries made on a later day than the round.
pub fn follow_up_log(lang: Lang, tz: Tz, round_date: NaiveDate, entries: &[FollowUp]) -> String {
    entries
        .iter()
        .map(|entry| {
            let when = parse_ts(&entry.at)
                .map_or_else(|_| entry.at.clone(), |at| time_after(round_date, at, tz));
            let mut text = format!(
                "{when} {} {}",
                entry.actor,
                words::follow_up_entry(lang, &entry.action)
            );
            if let Some(note) = entry.note.as_deref().filter(|n| !n.trim().is_empty()) {
                text.push(' ');
                text.push_str(note.trim());
            }
            text
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Local `HH:MM` on the round's own date, `MM-DD HH:MM` on a later one (a late check after
/// midnight, a flag closed the next day). The date column holds the round's date.
pub fn time_after(round_date: NaiveDate, at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    // Written digit by digit: a district month has 3.6 M of them.
    let two_digits = |text: &mut String, number: u32, after: Option<char>| {
        text.push(char::from(b'0' + (number / 10 % 10) as u8));
        text.push(char::from(b'0' + (number % 10) as u8));
        text.extend(after);
    };
    let mut text = String::with_capacity(11);
    if local.date_naive() != round_date {
        two_digits(&mut text, local.month(), Some('-'));
        two_digits(&mut text, local.day(), Some(' '));
    }
    two_digits(&mut text, local.hour(), Some(':'));
    two_digits(&mut text, local.minute(), None);
    text
}

/// How a closed flag ended: the grid worker's outcome, or why the rules closed it.
fn outcome_words(lang: Lang, flag: &FlagRecord) -> Option<String> {
    let s = t(lang);
    match flag.state {
        FlagState::Open => None,
        FlagState::Resolved => flag.outcome.as_deref().map(|text| {
            text.parse::<Outcome>().map_or_else(
                |_| text.to_string(),
                |o| words::outcome(lang, o).to_string(),
            )
        }),
        FlagState::Superseded => flag.superseded_because.map(|reason| {
            match reason.as_str() {
                "later_round_ok" => &s.ledger_reason_later_round_ok,
                "same_round_ok" => &s.ledger_reason_same_round_ok,
                "corrected" => &s.ledger_reason_corrected,
                "withdrawn" => &s.ledger_reason_withdrawn,
                "away" => &s.ledger_reason_away,
                other => return other.to_string(),
            }
            .clone()
        }),
    }
}

/// One day and grid on the summary sheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayGrid {
    pub total: u32,
    /// Seen by a patrol: ok, alert or unclear.
    pub checked: u32,
    pub missed: u32,
    pub away: u32,
    pub pending: u32,
    /// Rounds that raised a flag: resolved + superseded + still open.
    pub flagged: u32,
    pub resolved: u32,
    pub superseded: u32,
    pub open: u32,
}

impl DayGrid {
    pub fn add(&mut self, row: &ElderRound) {
        self.total += 1;
        match row.status {
            Status::Ok | Status::Alert | Status::Unclear => self.checked += 1,
            Status::Missed => self.missed += 1,
            Status::Away => self.away += 1,
            Status::Pending => self.pending += 1,
        }
        if let Some(flag) = &row.flag {
            self.flagged += 1;
            match flag.state {
                FlagState::Open => self.open += 1,
                FlagState::Resolved => self.resolved += 1,
                FlagState::Superseded => self.superseded += 1,
            }
        }
    }

    fn numbers(&self) -> [u32; 9] {
        [
            self.total,
            self.checked,
            self.missed,
            self.away,
            self.pending,
            self.flagged,
            self.resolved,
            self.superseded,
            self.open,
        ]
    }
}

/// The summary sheet's headers: date, grid, then [`DayGrid`]'s numbers in order.
pub fn summary_headers(lang: Lang) -> Vec<&'static str> {
    let s: &Strings = t(lang);
    vec![
        &s.rep_col_date,
        &s.col_grid,
        &s.sum_col_total,
        &s.sum_col_checked,
        &s.sum_col_missed,
        &s.sum_col_away,
        &s.sum_col_pending,
        &s.sum_col_flagged,
        &s.sum_col_resolved,
        &s.sum_col_superseded,
        &s.sum_col_open,
    ]
}

/// Each day by grid (grids in route order).
#[derive(Debug, Default)]
struct Summary {
    grids: Vec<String>,
    days: BTreeMap<(NaiveDate, usize), DayGrid>,
    /// The grid of the last row added.
    last_grid: Option<usize>,
}

impl Summary {
    fn new(grids: Vec<String>) -> Summary {
        Summary {
            grids,
            days: BTreeMap::new(),
            last_grid: None,
        }
    }

    fn add(&mut self, row: &ElderRound) {
        // Rows come grid by grid: most are of the grid of the row before.
        let last = self
            .last_grid
            .filter(|at| self.grids.get(*at) == Some(&row.elder.grid));
        let found = last.or_else(|| self.grids.iter().position(|g| *g == row.elder.grid));
        let grid = match found {
            Some(index) => index,
            None => {
                self.grids.push(row.elder.grid.clone());
                self.grids.len() - 1
            }
        };
        self.last_grid = Some(grid);
        self.days
            .entry((row.round.date, grid))
            .or_default()
            .add(row);
    }

    fn rows(&self) -> impl Iterator<Item = (NaiveDate, &str, &DayGrid)> {
        self.days.iter().map(|((date, grid), counts)| {
            (
                *date,
                self.grids.get(*grid).map_or("", String::as_str),
                counts,
            )
        })
    }
}

/// What a ledger file holds.
#[derive(Debug, Clone, Copy, Default)]
struct Written {
    rows: usize,
    /// Rounds with at least one elder on the roster.
    rounds: usize,
}

/// The ledger of a span, written out in one language and time zone.
struct LedgerSheet<'a> {
    lang: Lang,
    tz: Tz,
    ledger: &'a Ledger<'a>,
}

impl LedgerSheet<'_> {
    /// Calls `each` with every row of the span, round by round; counts what it wrote. Each round
    /// is read here while the rows of the round before are made into cells and written on a
    /// thread of its own: on a district's month, reading and writing each take about half the
    /// time, and there are two cores. A round in flight is the most held in memory.
    fn for_each_row(
        &self,
        progress: &mut dyn FnMut(Stage),
        each: impl FnMut(&ElderRound, Vec<Cell<'_>>) -> anyhow::Result<()> + Send,
    ) -> anyhow::Result<Written> {
        let (lang, tz) = (self.lang, self.tz);
        std::thread::scope(|scope| {
            let (rounds, rounds_read) =
                std::sync::mpsc::sync_channel::<(Vec<ElderRound>, FollowUps)>(1);
            let writer = scope.spawn(move || -> anyhow::Result<Written> {
                let mut each = each;
                let mut written = Written::default();
                for (rows, follow_ups) in rounds_read {
                    if !rows.is_empty() {
                        written.rounds += 1;
                    }
                    for row in rows {
                        written.rows += 1;
                        let follow_ups = row
                            .flag
                            .as_ref()
                            .map_or(&[][..], |flag| follow_ups.of(flag.id));
                        let cells = ledger_cells(lang, tz, &row, follow_ups);
                        each(&row, cells)?;
                    }
                }
                Ok(written)
            });
            let total = self.ledger.rounds().len() as u64;
            for (done, round) in (1u64..).zip(self.ledger.rounds()) {
                // A writer that stopped has dropped its end; its error comes from `join`.
                let read = (
                    self.ledger.round(*round)?,
                    self.ledger.follow_ups_of(*round)?,
                );
                if rounds.send(read).is_err() {
                    break;
                }
                progress(Stage::Ledger { done, total });
            }
            drop(rounds);
            writer
                .join()
                .map_err(|_| anyhow::anyhow!("the ledger's writing thread stopped"))?
        })
    }

    fn write_csv(
        &self,
        file: &mut File,
        progress: &mut dyn FnMut(Stage),
    ) -> anyhow::Result<Written> {
        let mut out = BufWriter::new(file);
        out.write_all("\u{feff}".as_bytes())?;
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(ledger_headers(self.lang))?;
        let written = self.for_each_row(progress, |_, cells| {
            writer.write_record(cells.iter().map(Cell::csv_bytes))?;
            Ok(())
        })?;
        writer.flush().context("writing the CSV ledger")?;
        Ok(written)
    }

    /// The ledger in XLSX, written row by row as it is read (see [`super::xlsx`]). One sheet
    /// while the whole span fits in one; a sheet per grid when it does not (a district's month),
    /// each split again at a sheet's row limit. Which it is, is known before the first row is
    /// written.
    fn write_xlsx(
        &self,
        file: &mut File,
        scratch: &Path,
        progress: &mut dyn FnMut(Stage),
    ) -> anyhow::Result<Written> {
        let headers = ledger_headers(self.lang);
        let mut book = Book::new(LEDGER_ZIP_LEVEL, scratch);
        let mut summary = Summary::new(self.ledger.grids());
        let by_grid = self.ledger.rows_by_grid()?;
        let total: usize = by_grid.iter().map(|(_, rows)| rows).sum();
        let per_grid = total >= XLSX_MAX_ROWS;
        let mut sheets = LedgerSheets {
            sheets: Vec::new(),
            lang: self.lang,
            limit: XLSX_MAX_ROWS,
        };
        if per_grid {
            for (grid, _) in &by_grid {
                sheets.open(&mut book, Some(grid), &headers)?;
            }
        } else {
            sheets.open(&mut book, None, &headers)?;
        }
        let mut coverage: Vec<(crate::domain::Round, String, Coverage)> = Vec::new();
        let written = self.for_each_row(progress, |row, cells| {
            summary.add(row);
            // Rows come round by round: this round's grids are at the end.
            match coverage
                .iter_mut()
                .rev()
                .find(|(round, grid, _)| *round == row.round && *grid == row.elder.grid)
            {
                Some((_, _, counts)) => counts.count(row.status, row.late),
                None => coverage.push((
                    row.round,
                    row.elder.grid.clone(),
                    Coverage::of([(row.status, row.late)]),
                )),
            }
            let grid = per_grid.then_some(row.elder.grid.as_str());
            let (sheet, at, widths) = sheets.next_row(&mut book, grid, &headers)?;
            write_cells(&mut book, sheet, at, &cells, widths)
        })?;
        for ledger in &sheets.sheets {
            finish_table(
                &mut book,
                ledger.index,
                &ledger.widths,
                ledger.rows,
                headers.len(),
            )?;
        }
        write_summary(&mut book, self.lang, &summary)?;
        write_coverage(&mut book, self.lang, &coverage)?;
        book.save(&mut std::io::BufWriter::new(&mut *file))
            .context("writing the XLSX ledger")?;
        Ok(written)
    }
}

/// Deflate's level for the ledger workbook. The default (6) spends a third of a district
/// month's XLSX time compressing, for a file a few percent smaller.
const LEDGER_ZIP_LEVEL: u32 = 2;

/// One ledger sheet: the grid it holds (none: every grid; a grid split has several), where
/// it is in the workbook, how many data rows it holds and its column widths.
struct LedgerPart {
    grid: Option<String>,
    index: usize,
    rows: u32,
    widths: Widths,
}

struct LedgerSheets {
    sheets: Vec<LedgerPart>,
    lang: Lang,
    /// Rows a sheet holds, its header included.
    limit: usize,
}

impl LedgerSheets {
    fn open(
        &mut self,
        book: &mut Book,
        grid: Option<&str>,
        headers: &[&str],
    ) -> anyhow::Result<()> {
        let part = 1 + self
            .sheets
            .iter()
            .filter(|sheet| sheet.grid.as_deref() == grid)
            .count();
        let name = match grid {
            Some(grid) => sheet_name(grid, part),
            None => sheet_name(t(self.lang).report_sheet_ledger.as_str(), part),
        };
        let index = book.add_sheet(SheetSetup {
            name,
            frozen_rows: 1,
            frozen_columns: NAME_COLUMN + 1,
            orientation: Orientation::Landscape,
            footer: t(self.lang).sheet_footer.clone(),
        });
        write_header_row(book, index, headers, Some(HEADER_HEIGHT))?;
        self.sheets.push(LedgerPart {
            grid: grid.map(str::to_string),
            index,
            rows: 0,
            widths: WRAPPED_COLUMNS
                .iter()
                .fold(Widths::of_headers(headers), |widths, (column, cap)| {
                    widths.cap(*column, *cap)
                }),
        });
        Ok(())
    }

    /// The sheet, row and widths the next row of `grid` goes to; a new part when the grid's
    /// sheet is full.
    fn next_row(
        &mut self,
        book: &mut Book,
        grid: Option<&str>,
        headers: &[&str],
    ) -> anyhow::Result<(usize, u32, &mut Widths)> {
        let last = self
            .sheets
            .iter()
            .rposition(|sheet| sheet.grid.as_deref() == grid);
        let full = last.is_none_or(|at| self.sheets[at].rows as usize + 1 >= self.limit);
        let at = if full {
            self.open(book, grid, headers)?;
            self.sheets.len() - 1
        } else {
            last.unwrap_or_default()
        };
        let ledger = &mut self.sheets[at];
        ledger.rows += 1;
        Ok((ledger.index, ledger.rows, &mut ledger.widths))
    }
}

/// A sheet name Excel takes: at most 31 characters, none of `[]:*?/\`, part 2 on as `名 (2)`.
fn sheet_name(base: &str, part: usize) -> String {
    let suffix = if part > 1 {
        format!(" ({part})")
    } else {
        String::new()
    };
    let clean: String = base
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    let clean = clean.trim_matches('\'');
    let clean = if clean.is_empty() { "-" } else { clean };
    let room = 31 - suffix.chars().count();
    clean.chars().take(room).collect::<String>() + &suffix
}

/// The header row's height in points: room for a header on two lines.
const HEADER_HEIGHT: f64 = 30.0;

fn write_header_row(
    book: &mut Book,
    sheet: usize,
    headers: &[&str],
    height: Option<f64>,
) -> anyhow::Result<()> {
    let mut row = book.row(sheet, 0, height)?;
    for (column, header) in headers.iter().enumerate() {
        row.text(u16::try_from(column)?, header, Look::Header);
    }
    row.end()
}

fn write_cells(
    book: &mut Book,
    sheet: usize,
    row: u32,
    cells: &[Cell],
    widths: &mut Widths,
) -> anyhow::Result<()> {
    // Each cell's lines, measured once as the column is fitted: the row's height and each
    // cell's look follow them.
    let wraps: Vec<usize> = cells
        .iter()
        .enumerate()
        .map(|(index, cell)| match cell {
            Cell::Text(text) => widths.measure(index, text),
            Cell::Number(number) => {
                widths.fit(index, itoa::Buffer::new().format(*number));
                1
            }
            Cell::Blank => 1,
        })
        .collect();
    let lines = wraps.iter().copied().max().unwrap_or(1);
    // Spreadsheets do not grow a row for wrapped text on their own when printing.
    #[allow(clippy::cast_precision_loss)]
    let height = (lines > 1).then_some(lines as f64 * LINE_HEIGHT);
    // A row of one line looks the same aligned to the top or not.
    let aligned = if lines > 1 { Look::Top } else { Look::Plain };
    let mut out = book.row(sheet, row, height)?;
    for (index, cell) in cells.iter().enumerate() {
        let column = u16::try_from(index)?;
        match cell {
            Cell::Text(text) => {
                let look = if wraps[index] > 1 {
                    Look::WrapTop
                } else {
                    aligned
                };
                out.text(column, text, look);
            }
            Cell::Number(number) => out.number(column, *number, aligned),
            Cell::Blank => {}
        }
    }
    out.end()
}

/// Column widths and an autofilter over the header and `last_row` rows.
fn finish_table(
    book: &mut Book,
    sheet: usize,
    widths: &Widths,
    last_row: u32,
    columns: usize,
) -> anyhow::Result<()> {
    book.set_widths(sheet, widths.columns());
    let last_column = u16::try_from(columns.saturating_sub(1))?;
    book.set_autofilter(sheet, last_row, last_column);
    Ok(())
}

fn write_summary(book: &mut Book, lang: Lang, summary: &Summary) -> anyhow::Result<()> {
    let headers = summary_headers(lang);
    let sheet = book.add_sheet(SheetSetup {
        name: t(lang).report_sheet_summary.clone(),
        frozen_rows: 1,
        frozen_columns: 2,
        orientation: Orientation::Portrait,
        footer: t(lang).sheet_footer.clone(),
    });
    // Headers wrap onto two lines rather than widen a column of short values.
    write_header_row(book, sheet, &headers, Some(HEADER_HEIGHT))?;
    let mut widths = Widths::of_headers(&headers);
    // Few columns, room to spare: headers on one line.
    for (column, header) in headers.iter().enumerate() {
        widths.fit(column, header);
    }
    let mut last_row = 0u32;
    for (date, grid, counts) in summary.rows() {
        last_row += 1;
        let mut cells = vec![Cell::text(date_text(date)), Cell::text(grid)];
        cells.extend(counts.numbers().map(|n| Cell::Number(i64::from(n))));
        write_cells(book, sheet, last_row, &cells, &mut widths)?;
    }
    finish_table(book, sheet, &widths, last_row, headers.len())
}

/// The coverage sheet (#15): each round by grid — listed, checked, late, away, missed.
fn write_coverage(
    book: &mut Book,
    lang: Lang,
    coverage: &[(crate::domain::Round, String, Coverage)],
) -> anyhow::Result<()> {
    let s = t(lang);
    let headers: Vec<&str> = vec![
        &s.rep_col_date,
        &s.rep_col_slot,
        &s.col_grid,
        &s.col_listed,
        &s.col_checked,
        &s.col_late,
        &s.col_away,
        &s.col_missed,
    ];
    let sheet = book.add_sheet(SheetSetup {
        name: s.sheet_coverage.clone(),
        frozen_rows: 1,
        frozen_columns: 3,
        orientation: Orientation::Portrait,
        footer: s.sheet_footer.clone(),
    });
    write_header_row(book, sheet, &headers, None)?;
    let mut widths = Widths::of_headers(&headers);
    for (column, header) in headers.iter().enumerate() {
        widths.fit(column, header);
    }
    let mut last_row = 0u32;
    for (round, grid, counts) in coverage {
        last_row += 1;
        let mut cells = vec![
            Cell::text(date_text(round.date)),
            Cell::text(words::slot(lang, round.slot)),
            Cell::text(grid.as_str()),
        ];
        cells.extend(
            [
                counts.listed,
                counts.checked,
                counts.late,
                counts.away,
                counts.missed,
            ]
            .map(|n| Cell::Number(i64::from(n))),
        );
        write_cells(book, sheet, last_row, &cells, &mut widths)?;
    }
    finish_table(book, sheet, &widths, last_row, headers.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_that_passes_a_sheets_row_limit_goes_on_in_a_sheet_of_its_own() {
        let headers = ledger_headers(Lang::Zh);
        let mut book = Book::new(LEDGER_ZIP_LEVEL, &std::env::temp_dir());
        let mut sheets = LedgerSheets {
            sheets: Vec::new(),
            lang: Lang::Zh,
            limit: 4,
        };
        for grid in ["第一网格", "第二网格"] {
            sheets.open(&mut book, Some(grid), &headers).unwrap();
        }
        let rows = [
            "第一网格",
            "第二网格",
            "第一网格",
            "第一网格",
            "第一网格",
            "第一网格",
        ];
        for grid in rows {
            let (sheet, at, widths) = sheets.next_row(&mut book, Some(grid), &headers).unwrap();
            write_cells(&mut book, sheet, at, &[Cell::text(grid)], widths).unwrap();
        }
        let mut bytes = Vec::new();
        book.save(&mut bytes).unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        use calamine::Reader;
        assert_eq!(
            book.sheet_names(),
            ["第一网格", "第二网格", "第一网格 (2)"],
            "three rows a sheet, the fourth of a grid on its next sheet"
        );
        let rows_in = |book: &mut calamine::Xlsx<_>, name: &str| {
            book.worksheet_range(name).unwrap().rows().count()
        };
        assert_eq!(
            rows_in(&mut book, "第一网格"),
            4,
            "the header and three rows"
        );
        assert_eq!(rows_in(&mut book, "第一网格 (2)"), 3);
        assert_eq!(rows_in(&mut book, "第二网格"), 2);
    }

    #[test]
    fn sheet_names_are_ones_excel_takes() {
        assert_eq!(sheet_name("第一网格", 1), "第一网格");
        assert_eq!(sheet_name("a/b:c", 2), "abc (2)");
        assert_eq!(sheet_name("", 1), "-");
        assert_eq!(sheet_name(&"长".repeat(40), 12).chars().count(), 31);
    }

    #[test]
    fn spans_are_dates_in_order_and_at_most_a_leap_year() {
        assert!(parse_span("2026-11-22", "2026-11-22").is_ok());
        assert!(parse_span("2024-01-01", "2024-12-31").is_ok());
        assert!(matches!(
            parse_span("2024-01-01", "2025-01-01"),
            Err(Refusal::SpanTooLong { days: 367, .. })
        ));
        assert!(matches!(
            parse_span("2026-11-23", "2026-11-22"),
            Err(Refusal::SpanBackwards { .. })
        ));
        assert!(matches!(
            parse_span("2026-11-31", "2026-12-01"),
            Err(Refusal::BadDate(_))
        ));
    }

    #[test]
    fn follow_up_actions_read_as_words_and_unknown_ones_as_stored() {
        assert_eq!(
            words::follow_up_entry(Lang::Zh, "resolved:elder_fine"),
            "结案：老人安好"
        );
        assert_eq!(
            words::follow_up_entry(Lang::En, "called_no_answer"),
            "called: no answer"
        );
        assert_eq!(
            words::follow_up_entry(Lang::En, "sent_flowers"),
            "sent_flowers"
        );
    }

    #[test]
    fn csv_cells_that_look_like_formulas_stay_text() {
        assert_eq!(Cell::text("=1+1").csv_text(), "'=1+1");
        assert_eq!(Cell::text("@SUM(A1)").csv_text(), "'@SUM(A1)");
        assert_eq!(Cell::text("王秀英").csv_text(), "王秀英");
        // An escape in front does not hide a formula: the cell is judged as it is written.
        assert_eq!(Cell::text("\x1b=1+1").csv_text(), "'=1+1");
        assert_eq!(Cell::Number(12).csv_text(), "12");
    }

    #[test]
    fn both_sheets_have_a_header_for_every_column() {
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(ledger_headers(lang).len(), 20);
            assert_eq!(
                summary_headers(lang).len(),
                2 + DayGrid::default().numbers().len()
            );
        }
    }
}
