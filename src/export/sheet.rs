//! Printable route sheets for rounds walked on paper: one A4 sheet (portrait, one page wide) per
//! round and grid, elders in route order grouped by building, each with a window hint, notes and
//! empty boxes to tick open/closed/seen/unclear and write the time; elders away that day are
//! listed at the end without boxes. The results are typed in later with `check --at`.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use unicode_width::UnicodeWidthStr;

use super::{Orientation, OutFile, OutKind, check_out_path, print_on_a4, wrapped_lines};
use crate::domain::roster::building_of;
use crate::domain::time::format_local_time;
use crate::domain::{Round, Slot, Status};
use crate::error::Refusal;
use crate::i18n::{Lang, fill, t, words};
use crate::ops::Session;
use crate::ops::input::parse_round;
use crate::store::elders::{self, RosterEntry};
use crate::store::ledger::absences_on;
use crate::store::rounds::{self, ElderRound};
use crate::store::{Create, Store, absences::Absence};

pub fn run(session: &Session, round: &str, grid: Option<&str>, out: &Path) -> anyhow::Result<()> {
    let round = parse_round(round)?;
    check_out_path(out, &[OutKind::Xlsx])?;
    let store = session.open(Create::Never)?;
    let grid = grid.map(str::trim).filter(|g| !g.is_empty());
    if let Some(grid) = grid {
        crate::ops::read::refuse_unknown_grid(&store, Some(grid))?;
    }
    let route = Route::read(&store, round, grid, session)?;
    if route.elders.is_empty() && route.away.is_empty() {
        return Err(Refusal::NobodyOnRound(round.to_string()).into());
    }
    let mut file = OutFile::create(out)?;
    let mut workbook = route.workbook(session.lang)?;
    workbook
        .save_to_writer(file.file()?)
        .context("writing the route sheet")?;
    file.finish()?;
    writeln!(
        std::io::stdout().lock(),
        "{}",
        fill(
            &t(session.lang).sheet_done,
            &[
                ("path", &out.display()),
                ("count", &route.elders.len()),
                ("away", &route.away.len()),
            ]
        )
    )?;
    Ok(())
}

/// One round's walk: who to look at, in route order, and who is away.
struct Route {
    round: Round,
    grid: Option<String>,
    community: Option<String>,
    opens: String,
    closes: String,
    elders: Vec<ElderRound>,
    away: Vec<(ElderRound, Option<Absence>)>,
    /// The elders' notes, by id (the round reads the roster without them).
    notes: std::collections::HashMap<String, String>,
}

impl Route {
    fn read(
        store: &Store,
        round: Round,
        grid: Option<&str>,
        session: &Session,
    ) -> anyhow::Result<Route> {
        let rows: Vec<ElderRound> = rounds::statuses(store, round, session.now)?
            .into_iter()
            .filter(|row| grid.is_none_or(|grid| row.elder.grid == grid))
            .collect();
        let mut absences = absences_on(&store.conn, round.date)?;
        let (away, elders): (Vec<ElderRound>, Vec<ElderRound>) =
            rows.into_iter().partition(|row| row.status == Status::Away);
        let away = away
            .into_iter()
            .map(|row| {
                let absence = absences.remove(&row.elder.id);
                (row, absence)
            })
            .collect();
        let window = store.schedule.window(round);
        let tz = store.schedule.tz;
        Ok(Route {
            round,
            grid: grid.map(str::to_string),
            community: session.config.community_name.clone(),
            opens: format_local_time(window.opens, tz),
            closes: format_local_time(window.closes, tz),
            elders,
            away,
            notes: elders::notes(&store.conn)?,
        })
    }

    fn workbook(&self, lang: Lang) -> anyhow::Result<Workbook> {
        let mut workbook = Workbook::new();
        let formats = SheetFormats::new();
        let widths = column_widths(lang);
        let sheet = workbook.add_worksheet();
        sheet.set_name(t(lang).sheet_name.as_str())?;
        let mut writer = SheetWriter {
            sheet,
            formats: &formats,
            lang,
            notes: &self.notes,
            row: 0,
            pages: Pages::a4_portrait(&widths),
        };
        writer.title(self)?;
        let header_row = writer.header_row()?;
        writer.elders(&self.elders)?;
        writer.away(&self.away)?;
        for (column, width) in widths {
            writer.sheet.set_column_width(column, width)?;
        }
        writer.sheet.set_page_breaks(&writer.pages.breaks)?;
        print_on_a4(writer.sheet, lang, Orientation::Portrait, header_row)?;
        writer.sheet.set_print_center_horizontally(true);
        Ok(workbook)
    }
}

/// The columns of the sheet, left to right.
const NO: u16 = 0;
const ID: u16 = 1;
const NAME: u16 = 2;
const PLACE: u16 = 3;
const WINDOW: u16 = 4;
const NOTES: u16 = 5;
const FIRST_BOX: u16 = 6;
const TIME: u16 = 10;
const LAST: u16 = TIME;

/// Character widths of the text columns that wrap; the box columns fit their header.
const PLACE_WIDTH: usize = 11;
const WINDOW_WIDTH: usize = 22;
const NOTES_WIDTH: usize = 13;

/// Row heights in points: a printed line of 11-point text, and the least height to write a time
/// in by hand.
const LINE_HEIGHT: f64 = 14.5;
const MIN_ROW_HEIGHT: f64 = 30.0;
const HEADER_HEIGHT: f64 = 22.0;
const HEADING_HEIGHT: f64 = 20.0;
const AWAY_HEIGHT: f64 = 22.0;
const TITLE_HEIGHTS: [f64; 4] = [24.0, 18.0, 26.0, 28.0];

/// Every column's width in characters, in the language of the headers.
fn column_widths(lang: Lang) -> [(u16, f64); 11] {
    let s = t(lang);
    #[allow(clippy::cast_precision_loss)]
    let fit = |text: &str, least: f64| (text.width() as f64 + 2.0).max(least);
    #[allow(clippy::cast_precision_loss)]
    let wide = |width: usize| width as f64;
    [
        (NO, fit(&s.sheet_col_no, 4.5)),
        (ID, 7.5),
        (NAME, 10.0),
        (PLACE, wide(PLACE_WIDTH)),
        (WINDOW, wide(WINDOW_WIDTH)),
        (NOTES, wide(NOTES_WIDTH)),
        (FIRST_BOX, fit(&s.sheet_col_open, 5.0)),
        (FIRST_BOX + 1, fit(&s.sheet_col_closed, 5.0)),
        (FIRST_BOX + 2, fit(&s.sheet_col_seen, 5.0)),
        (FIRST_BOX + 3, fit(&s.sheet_col_unclear, 5.0)),
        (TIME, fit(&s.sheet_col_time, 8.0)),
    ]
}

/// Where the printed pages break. The sheet is scaled to one page wide, so a page holds the
/// printable height divided by that scale; rows are placed with a margin to spare, and a heading
/// is never alone at the foot of a page.
#[derive(Debug, Clone, PartialEq)]
struct Pages {
    capacity: f64,
    used: f64,
    breaks: Vec<u32>,
}

impl Pages {
    /// A4 portrait with the margins of [`print_on_a4`], for columns of these widths.
    fn a4_portrait(widths: &[(u16, f64)]) -> Pages {
        const POINTS_PER_INCH: f64 = 72.0;
        const A4_WIDTH: f64 = 595.3;
        const A4_HEIGHT: f64 = 841.9;
        const SIDE_MARGINS: f64 = 0.8 * POINTS_PER_INCH;
        const TOP_AND_BOTTOM: f64 = 1.1 * POINTS_PER_INCH;
        // Renderers differ a little in row heights and scaling: keep some in hand.
        const SPARE: f64 = 0.95;
        // Excel's column pixels for an 11-point Calibri: 7 per character and 5 of padding,
        // at 96 pixels to the inch (0.75 points each).
        let columns: f64 = widths.iter().map(|(_, w)| (w * 7.0).round() + 5.0).sum();
        let scale = ((A4_WIDTH - SIDE_MARGINS) / (columns * 0.75)).min(1.0);
        Pages {
            capacity: (A4_HEIGHT - TOP_AND_BOTTOM) / scale * SPARE,
            used: 0.0,
            breaks: Vec::new(),
        }
    }

    /// Places a row of `height` at `row`, on a new page if it does not fit on this one.
    fn place(&mut self, row: u32, height: f64) {
        if self.would_break(height) {
            self.break_before(row);
        }
        self.used += height;
    }

    /// Whether a row of `height` would start a new page.
    fn would_break(&self, height: f64) -> bool {
        self.used + height > self.capacity && self.used > HEADER_HEIGHT
    }

    /// Starts a new page at `row` when rows of `height` from there do not fit on this one (a
    /// heading and the first row under it stay together).
    fn keep_together(&mut self, row: u32, height: f64) {
        if self.would_break(height) {
            self.break_before(row);
        }
    }

    fn break_before(&mut self, row: u32) {
        self.breaks.push(row);
        // The header row is printed again at the top of every page.
        self.used = HEADER_HEIGHT;
    }
}

struct SheetFormats {
    title: Format,
    subtitle: Format,
    small: Format,
    header: Format,
    building: Format,
    text: Format,
    centered: Format,
    boxed: Format,
    away: Format,
}

impl SheetFormats {
    fn new() -> SheetFormats {
        let cell = Format::new()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter)
            .set_font_size(11);
        SheetFormats {
            title: Format::new().set_bold().set_font_size(16),
            subtitle: Format::new().set_font_size(12),
            small: Format::new().set_font_size(10).set_text_wrap(),
            header: cell
                .clone()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_text_wrap()
                .set_background_color(Color::RGB(0xE7E6E6)),
            building: cell
                .clone()
                .set_bold()
                .set_font_size(12)
                .set_background_color(Color::RGB(0xF2F2F2)),
            text: cell.clone().set_text_wrap(),
            centered: cell.clone().set_align(FormatAlign::Center),
            boxed: cell.clone().set_border(FormatBorder::Medium),
            away: cell.set_text_wrap().set_font_color(Color::RGB(0x595959)),
        }
    }
}

/// What one elder's row shows beside the name, and how tall it is.
struct ElderCells {
    place: String,
    window: String,
    notes: String,
    height: f64,
}

/// Writes the sheet top to bottom.
struct SheetWriter<'a> {
    sheet: &'a mut Worksheet,
    formats: &'a SheetFormats,
    lang: Lang,
    notes: &'a std::collections::HashMap<String, String>,
    row: u32,
    pages: Pages,
}

impl SheetWriter<'_> {
    /// Moves to the next row, `height` points tall, breaking the page first if need be.
    fn next_row(&mut self, height: f64) -> anyhow::Result<u32> {
        let row = self.row;
        self.pages.place(row, height);
        self.sheet.set_row_height(row, height)?;
        self.row += 1;
        Ok(row)
    }

    fn line(&mut self, text: &str, format: &Format, height: f64) -> anyhow::Result<()> {
        let row = self.next_row(height)?;
        self.sheet.merge_range(row, NO, row, LAST, text, format)?;
        Ok(())
    }

    fn title(&mut self, route: &Route) -> anyhow::Result<()> {
        let lang = self.lang;
        let s = t(lang);
        let community = route
            .community
            .as_deref()
            .map(|name| format!("{name} · "))
            .unwrap_or_default();
        let title = fill(
            &s.sheet_title,
            &[
                ("community", &community),
                ("round", &words::round(lang, route.round)),
            ],
        );
        let mut subtitle = fill(
            &s.sheet_subtitle,
            &[
                ("expected", &words::expected(lang, route.round.expected())),
                ("opens", &route.opens),
                ("closes", &route.closes),
                ("count", &route.elders.len()),
            ],
        );
        if let Some(grid) = &route.grid {
            subtitle.push_str(&fill(&s.sheet_grid, &[("grid", grid)]));
        }
        let how = fill(&s.sheet_how, &[("round", &route.round)]);
        let formats = self.formats;
        let [title_height, subtitle_height, walker_height, how_height] = TITLE_HEIGHTS;
        self.line(&title, &formats.title, title_height)?;
        self.line(&subtitle, &formats.subtitle, subtitle_height)?;
        self.line(&s.sheet_walker, &formats.subtitle, walker_height)?;
        self.line(&how, &formats.small, how_height)?;
        Ok(())
    }

    /// The column headers; returns their row, to repeat on every printed page.
    fn header_row(&mut self) -> anyhow::Result<u32> {
        let s = t(self.lang);
        let headers = [
            &s.sheet_col_no,
            &s.col_id,
            &s.col_name,
            &s.sheet_col_place,
            &s.sheet_col_window,
            &s.sheet_col_notes,
            &s.sheet_col_open,
            &s.sheet_col_closed,
            &s.sheet_col_seen,
            &s.sheet_col_unclear,
            &s.sheet_col_time,
        ];
        let row = self.next_row(HEADER_HEIGHT)?;
        for (column, header) in (NO..).zip(headers) {
            self.sheet
                .write_string_with_format(row, column, header, &self.formats.header)?;
        }
        Ok(row)
    }

    /// The elders in route order, under a heading wherever the route reaches another building.
    fn elders(&mut self, rows: &[ElderRound]) -> anyhow::Result<()> {
        for group in
            rows.chunk_by(|a, b| building_of(&a.elder.address) == building_of(&b.elder.address))
        {
            let Some(first) = group.first() else {
                continue;
            };
            let cells: Vec<ElderCells> = group.iter().map(|row| self.cells_of(row)).collect();
            self.pages
                .keep_together(self.row, HEADING_HEIGHT + cells[0].height);
            let building = building_of(&first.elder.address);
            let formats = self.formats;
            self.line(&building, &formats.building, HEADING_HEIGHT)?;
            for (row, cells) in group.iter().zip(&cells) {
                if self.pages.would_break(cells.height) {
                    // A building that runs onto the next page is named again at its top.
                    self.pages.break_before(self.row);
                    let again = fill(&t(self.lang).sheet_continued, &[("building", &building)]);
                    self.line(&again, &formats.building, HEADING_HEIGHT)?;
                }
                self.elder(&row.elder, cells)?;
            }
        }
        Ok(())
    }

    fn cells_of(&self, row: &ElderRound) -> ElderCells {
        let place = place_of(&row.elder.address);
        let window = row.elder.window_hint.clone().unwrap_or_default();
        let notes = self.notes_of(row);
        let height = row_height(&[
            (place.as_str(), PLACE_WIDTH),
            (window.as_str(), WINDOW_WIDTH),
            (notes.as_str(), NOTES_WIDTH),
        ]);
        ElderCells {
            place,
            window,
            notes,
            height,
        }
    }

    fn elder(&mut self, elder: &RosterEntry, cells: &ElderCells) -> anyhow::Result<()> {
        let row = self.next_row(cells.height)?;
        self.identity(row, elder, &cells.place)?;
        let f = self.formats;
        self.sheet
            .write_string_with_format(row, WINDOW, &cells.window, &f.text)?;
        self.sheet
            .write_string_with_format(row, NOTES, &cells.notes, &f.text)?;
        for column in FIRST_BOX..=TIME {
            self.sheet.write_blank(row, column, &f.boxed)?;
        }
        Ok(())
    }

    /// Route number, id, name and unit/room: the same on every row, away or not.
    fn identity(&mut self, row: u32, elder: &RosterEntry, place: &str) -> anyhow::Result<()> {
        let f = self.formats;
        let route = elder.route.map(|r| r.to_string()).unwrap_or_default();
        self.sheet
            .write_string_with_format(row, NO, &route, &f.centered)?;
        self.sheet
            .write_string_with_format(row, ID, &elder.id, &f.centered)?;
        self.sheet
            .write_string_with_format(row, NAME, &elder.name, &f.text)?;
        self.sheet
            .write_string_with_format(row, PLACE, place, &f.text)?;
        Ok(())
    }

    /// The elder's notes, and their own window when they have one for this round.
    fn notes_of(&self, row: &ElderRound) -> String {
        let s = t(self.lang);
        let own = match row.round.slot {
            Slot::Morning => row.elder.own.morning,
            Slot::Evening => row.elder.own.evening,
        };
        let mut parts: Vec<String> = Vec::new();
        if let Some((opens, closes)) = own {
            parts.push(fill(
                &s.sheet_own_window,
                &[
                    ("opens", &opens.format("%H:%M")),
                    ("closes", &closes.format("%H:%M")),
                ],
            ));
        }
        if let Some(notes) = self
            .notes
            .get(&row.elder.id)
            .filter(|n| !n.trim().is_empty())
        {
            parts.push(notes.trim().to_string());
        }
        parts.join("\n")
    }

    /// Elders away on the day, under their own heading, marked instead of boxed.
    fn away(&mut self, away: &[(ElderRound, Option<Absence>)]) -> anyhow::Result<()> {
        if away.is_empty() {
            return Ok(());
        }
        let s = t(self.lang);
        let formats = self.formats;
        self.pages
            .keep_together(self.row, HEADING_HEIGHT + AWAY_HEIGHT);
        self.line(&s.sheet_away_heading, &formats.building, HEADING_HEIGHT)?;
        for (elder_round, absence) in away {
            let row = self.next_row(AWAY_HEIGHT)?;
            let place = place_of(&elder_round.elder.address);
            self.identity(row, &elder_round.elder, &place)?;
            let mark = away_mark(self.lang, absence.as_ref());
            self.sheet
                .merge_range(row, WINDOW, row, TIME, &mark, &formats.away)?;
        }
        Ok(())
    }
}

/// `外出至 2026-11-30（住院）`, or `外出` when the absence is not known.
fn away_mark(lang: Lang, absence: Option<&Absence>) -> String {
    let s = t(lang);
    let Some(absence) = absence else {
        return s.sheet_away_mark.clone();
    };
    let mut mark = fill(
        &s.sheet_away_until,
        &[("to", &absence.to.format("%Y-%m-%d"))],
    );
    if let Some(reason) = absence.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        mark.push_str(" · ");
        mark.push_str(reason.trim());
    }
    mark
}

/// The address without its building (the building heads the group): `1单元 401`.
pub fn place_of(address: &str) -> String {
    let building = building_of(address);
    let rest = address
        .strip_prefix(building.as_str())
        .unwrap_or(address)
        .trim();
    if rest.is_empty() {
        address.trim().to_string()
    } else {
        rest.to_string()
    }
}

/// Tall enough for the longest wrapped text of the row, and to write a time in by hand.
fn row_height(cells: &[(&str, usize)]) -> f64 {
    let lines = cells
        .iter()
        .map(|(text, width)| wrapped_lines(text, *width))
        .max()
        .unwrap_or(1);
    #[allow(clippy::cast_precision_loss)]
    let needed = lines as f64 * LINE_HEIGHT + 6.0;
    needed.max(MIN_ROW_HEIGHT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_place_is_what_follows_the_building() {
        assert_eq!(place_of("长青小区 A区 1栋 1单元 401"), "1单元 401");
        assert_eq!(place_of("长青小区 A区 1栋"), "长青小区 A区 1栋");
        assert_eq!(place_of("12 Elm Street flat 3"), "Elm Street flat 3");
    }

    #[test]
    fn rows_grow_with_wrapped_text_but_never_below_writing_height() {
        assert_eq!(row_height(&[("短", 10)]), MIN_ROW_HEIGHT);
        let long = "东山墙十一楼3单元左起第二扇，橙色条纹窗帘（在8栋楼下看得清）";
        assert!(row_height(&[(long, WINDOW_WIDTH)]) > MIN_ROW_HEIGHT);
    }
}
