//! The round screen: a volunteer's round. The round and its window, a progress gauge, the elders
//! in route order grouped by building, and the away elders apart. Its keys are `keymap::ROUND`;
//! its update (below) is pure and asks for ticks and loads as effects.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{Action, App, Effect, Mode, Step, moved, next_grid};
use super::data::{RowView, STRIP_ROUNDS, Visible, headings_through, heads_building};
use super::draw::status_style;
use super::text::{fit, truncate};
use crate::domain::time::format_local_time;
use crate::domain::{Expected, Round, Schedule, Status};
use crate::i18n::{Lang, fill, t, words};

/// One line of the list: a building heading, an elder (by index into the visible rows), or a
/// line of the selected elder's window hint under them (the phone layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListLine<'a> {
    Building(&'a str),
    Elder(usize),
    Hint(usize, usize),
}

/// The list's lines from the row `from` on: buildings as headings, and `hint_lines` lines under
/// the selected elder. Lazy, so that a frame takes only the lines it shows.
pub fn list_lines<'a>(
    rows: &'a Visible<'a>,
    from: usize,
    selected: usize,
    hint_lines: usize,
) -> impl Iterator<Item = ListLine<'a>> + 'a {
    (from..rows.len())
        .filter_map(|index| Some((index, rows.get(index)?)))
        .flat_map(move |(index, row)| {
            let hints = if index == selected { hint_lines } else { 0 };
            heads_building(rows, index)
                .then_some(ListLine::Building(&row.building))
                .into_iter()
                .chain(std::iter::once(ListLine::Elder(index)))
                .chain((0..hints).map(move |line| ListLine::Hint(index, line)))
        })
}

/// Where each row's lines fall in the list, from how many headings come up to each row: a
/// window of a 30,000-row list is found by these numbers and made from the rows it shows alone.
pub struct ListShape<'a> {
    rows: &'a Visible<'a>,
    headings: Cow<'a, [u32]>,
    selected: usize,
    hint_lines: usize,
}

impl<'a> ListShape<'a> {
    /// The shape of `rows`; `headings` are [`headings_through`] them where already worked out.
    pub fn new(
        rows: &'a Visible<'a>,
        headings: Option<&'a [u32]>,
        selected: usize,
        hint_lines: usize,
    ) -> ListShape<'a> {
        let headings = match headings {
            Some(headings) if headings.len() == rows.len() => Cow::Borrowed(headings),
            _ => Cow::Owned(headings_through(rows)),
        };
        let hint_lines = if selected < rows.len() { hint_lines } else { 0 };
        ListShape {
            rows,
            headings,
            selected,
            hint_lines,
        }
    }

    /// The shape of the round screen's list: the headings kept for all the rows when the list
    /// shows them all (no grid chosen, no search), else worked out for the rows it shows.
    pub fn on_screen(app: &'a App, visible: &'a Visible<'a>, hint_lines: usize) -> ListShape<'a> {
        let kept = matches!(visible, Visible::All(_)).then(|| app.data.headings());
        ListShape::new(visible, kept, app.selected, hint_lines)
    }

    /// The line of the row at `index` (its elder's line).
    fn line_of(&self, index: usize) -> usize {
        let headings = self.headings.get(index).map_or(0, |&count| count as usize);
        let hints_above = if index > self.selected {
            self.hint_lines
        } else {
            0
        };
        index + headings + hints_above
    }

    /// The selected elder's line; 0 with nobody selected.
    pub fn selected_line(&self) -> usize {
        if self.selected < self.rows.len() {
            self.line_of(self.selected)
        } else {
            0
        }
    }

    pub fn total(&self) -> usize {
        self.rows.len() + self.headings.last().map_or(0, |&count| count as usize) + self.hint_lines
    }

    /// The lines from line `first` on, made from the rows from the one that line is of.
    pub fn lines_from(&self, first: usize) -> impl Iterator<Item = ListLine<'a>> + 'a {
        let last_line_of = |index: usize| {
            self.line_of(index)
                + if index == self.selected {
                    self.hint_lines
                } else {
                    0
                }
        };
        let (mut low, mut high) = (0, self.rows.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if last_line_of(middle) < first {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        let from = low;
        let first_made = self
            .line_of(from)
            .saturating_sub(usize::from(heads_building(self.rows, from)));
        list_lines(self.rows, from, self.selected, self.hint_lines)
            .skip(first.saturating_sub(first_made))
    }
}

/// The round screen's update: what an action does to the list, the search, the grid filter and
/// the round shown. Pure: no database; a tick, an undo, a new round or the details are asked for
/// as an [`Effect`] that the event loop carries out through `ops`.
pub fn update(app: &mut App, action: &Action) -> Step {
    let page = 10;
    match action {
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::First
        | Action::Last => {
            app.selected = moved(app.selected, action, page);
            app.clamp_selection();
            Step::Done
        }
        Action::ClickRow(row) => {
            if let Some(index) = elder_at_row(app, *row) {
                app.selected = index;
            }
            Step::Done
        }
        Action::Mark(observation) => match app.selected_row() {
            Some(row) => Step::Effect(Effect::Record {
                elder_id: row.elder_id.clone(),
                name: row.name.clone(),
                observation: *observation,
            }),
            None => Step::Done,
        },
        Action::Undo => Step::Effect(Effect::Undo),
        Action::Details => match app.selected_row() {
            Some(row) => Step::Effect(Effect::LoadDetail(row.elder_id.clone())),
            None => Step::Done,
        },
        Action::StartSearch => {
            app.mode = Mode::Search;
            // The pinyin keys of a district take a moment: built at the first search.
            if !app.keys.is_empty() {
                Step::Done
            } else {
                Step::Effect(Effect::LoadSearchKeys)
            }
        }
        Action::SearchKey(key) => {
            app.type_into(|app| &mut app.search, *key, super::text::SEARCH_CHARS);
            app.selected = 0;
            Step::Done
        }
        Action::FinishSearch => {
            app.mode = Mode::Normal;
            Step::Done
        }
        Action::CancelSearch => {
            app.search.reset();
            app.mode = Mode::Normal;
            app.clamp_selection();
            Step::Done
        }
        Action::ClearFilters => {
            app.search.reset();
            app.grid = None;
            app.clamp_selection();
            Step::Done
        }
        Action::NextGrid => {
            let grids = app.grids();
            app.grid = next_grid(&grids, app.grid.as_ref());
            app.selected = 0;
            Step::Done
        }
        Action::PrevRound | Action::NextRound | Action::PatrolRound => {
            let patrol = super::data::round_for_patrol(&app.schedule, app.now);
            app.round = match action {
                Action::PrevRound => app.round.prev(),
                Action::NextRound => app
                    .round
                    .next()
                    .min(app.schedule.upcoming_round(app.now).max(patrol)),
                _ => patrol,
            };
            app.round_pinned = app.round != patrol;
            app.selected = 0;
            Step::Effect(Effect::Reload)
        }
        _ => Step::NotMine,
    }
}

/// The first line shown: the selection sits a third of the way down, so the elders ahead on
/// the route stay in sight.
pub fn first_line(selected_line: usize, total: usize, height: usize) -> usize {
    if total <= height || height == 0 {
        return 0;
    }
    selected_line
        .saturating_sub(height / 3)
        .min(total.saturating_sub(height))
}

/// The round in words, in two parts: what (`晨巡 11月22日 · 应开窗帘 ☀`) and when (`截止 09:30
/// 还剩 47 分`). The when part is the one a patrol must never lose.
pub fn round_title(
    lang: Lang,
    schedule: &Schedule,
    round: Round,
    now: DateTime<Utc>,
) -> (String, String) {
    let s = t(lang);
    let window = schedule.window(round);
    let tz = schedule.tz;
    let symbol = match round.expected() {
        Expected::Open => "☀",
        Expected::Closed => "☾",
    };
    let when = if !window.has_opened(now) {
        fill(
            &s.tui_opens_at,
            &[("opens", &format_local_time(window.opens, tz))],
        )
    } else if window.has_closed(now) {
        fill(
            &s.tui_closed_at,
            &[("closes", &format_local_time(window.closes, tz))],
        )
    } else {
        let minutes = (window.closes - now).num_minutes();
        fill(
            &s.tui_closes_in,
            &[
                ("closes", &format_local_time(window.closes, tz)),
                ("minutes", &minutes),
            ],
        )
    };
    let what = format!(
        "{} · {}{} {}",
        words::round(lang, round),
        s.tui_expect,
        words::expected(lang, round.expected()),
        symbol,
    );
    (what, when)
}

/// The title's lines at a width: one when it fits, else what and when on a line each.
pub fn title_lines(app: &App, width: usize) -> Vec<String> {
    let s = t(app.lang);
    let (what, mut when) = round_title(app.lang, &app.schedule, app.round, app.now);
    let own = app.data.tally().own_windows;
    if own > 0 {
        when.push_str(&fill(&s.tui_own_windows, &[("count", &own)]));
    }
    if app.round_pinned {
        when.push_str(&s.tui_picked_round);
    }
    let one = format!("{what} · {when}");
    if one.width() <= width {
        vec![one]
    } else {
        vec![what, when]
    }
}

/// `已查 6/59 · 本轮 ✗1 ?1`: the listed elders checked (the away ones are not listed), and this
/// round's statuses that are not ok, by the marks the rows carry.
pub fn progress_label(app: &App) -> String {
    let s = t(app.lang);
    let mut label = fill(
        &s.tui_progress,
        &[
            ("checked", &app.data.checked()),
            ("total", &app.data.rows().len()),
        ],
    );
    let marks: Vec<String> = [Status::Alert, Status::Unclear, Status::Missed]
        .into_iter()
        .filter_map(|status| {
            let count = app.data.tally().count(status);
            (count > 0).then(|| format!("{}{count}", status_style(status).1))
        })
        .collect();
    if !marks.is_empty() {
        label.push_str(&fill(&s.tui_progress_marks, &[("marks", &marks.join(" "))]));
    }
    label
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let width = usize::from(area.width);
    let titles = title_lines(app, width);
    let away_height = u16::from(!app.data.away.is_empty());
    let legend_height = u16::from(shows_strip(width) && !app.data.rows().is_empty());
    let [title, gauge, list, legend, away] = area.layout(&Layout::vertical([
        Constraint::Length(u16::try_from(titles.len()).unwrap_or(1)),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(legend_height),
        Constraint::Length(away_height),
    ]));
    frame.render_widget(
        Paragraph::new(
            titles
                .into_iter()
                .map(|line| Line::raw(truncate(&line, width)))
                .collect::<Vec<_>>(),
        )
        .style(Style::new().add_modifier(Modifier::BOLD)),
        title,
    );
    let visible = app.visible();
    let total = app.data.rows().len();
    let checked = app.data.checked();
    let mut label = progress_label(app);
    if let Some(grid) = &app.grid {
        label.push_str(&format!(" · {grid}"));
    }
    if !app.search.value().is_empty() || app.mode == Mode::Search {
        label.push_str(&fill(
            &s.tui_search_label,
            &[("query", &app.search.value()), ("count", &visible.len())],
        ));
    }
    let coverage = &app.data.tally().coverage;
    let label = with_grid_coverage(
        app.lang,
        label,
        coverage,
        usize::from(gauge.width).saturating_sub(12),
    );
    let ratio = if total == 0 {
        0.0
    } else {
        checked as f64 / total as f64
    };
    frame.render_widget(
        Gauge::default()
            .gauge_style(Style::new().fg(Color::Green).bg(Color::Black))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(truncate(&label, width)),
        gauge,
    );
    draw_list(frame, list, app, &visible);
    if legend_height > 0 {
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(&strip_legend(app.lang, Some(STRIP_ROUNDS)), width),
                Style::new().fg(Color::DarkGray),
            )),
            legend,
        );
    }
    if !app.data.away.is_empty() {
        let names: Vec<String> = app
            .data
            .away
            .iter()
            .map(|a| match a.until {
                Some(until) => fill(
                    &s.tui_away_until,
                    &[("name", &a.name), ("until", &until.format("%m-%d"))],
                ),
                None => a.name.clone(),
            })
            .collect();
        let text = format!("{}{}", s.tui_away_label, names.join("，"));
        frame.render_widget(
            Paragraph::new(Line::styled(
                truncate(&text, usize::from(away.width)),
                Style::new().fg(Color::Blue),
            )),
            away,
        );
    }
}

/// The gauge's label with each grid's coverage (#15) where the screen shows more than one, as
/// many as fit in `room` columns; the grids left out are counted at the end (` · 另2个网格`), so
/// a screen that shows some grids never hides that there are more (all are on the history screen
/// and in `curtain coverage`). Where not one fits with the count, none is shown.
fn with_grid_coverage(
    lang: Lang,
    mut label: String,
    coverage: &[(String, crate::domain::coverage::Coverage)],
    room: usize,
) -> String {
    if coverage.len() < 2 {
        return label;
    }
    let pieces: Vec<String> = coverage
        .iter()
        .map(|(grid, counts)| format!(" · {grid} {}/{}", counts.checked, counts.listed))
        .collect();
    let left_out = |count: usize| match count {
        0 => String::new(),
        count => fill(&t(lang).tui_grids_left_out, &[("count", &count)]),
    };
    let mut used = label.width();
    for (shown, piece) in pieces.iter().enumerate() {
        let rest = left_out(pieces.len() - shown - 1);
        if used + piece.width() + rest.width() > room {
            // Not even one grid: the bar keeps to the round's own count, as on a phone.
            if shown > 0 {
                label.push_str(&left_out(pieces.len() - shown));
            }
            return label;
        }
        used += piece.width();
        label.push_str(piece);
    }
    label
}

/// The strip of earlier rounds shows from this width on.
fn shows_strip(width: usize) -> bool {
    width >= 70
}

/// What the strip's marks mean: `右列：前 6 轮（左旧右新） ✓正常 ✗异常 …`, or the marks alone
/// where the strip is labelled already.
pub fn strip_legend(lang: Lang, rounds: Option<usize>) -> String {
    let s = t(lang);
    let marks: Vec<String> = [
        Status::Ok,
        Status::Alert,
        Status::Unclear,
        Status::Missed,
        Status::Away,
    ]
    .into_iter()
    .map(|status| format!("{}{}", status_style(status).1, words::status(lang, status)))
    .chain([format!("{NOT_LISTED}{}", s.tui_not_listed)])
    .collect();
    match rounds {
        Some(rounds) => format!(
            "{} {}",
            fill(&s.tui_strip_legend, &[("rounds", &rounds)]),
            marks.join(" ")
        ),
        None => marks.join(" "),
    }
}

/// A round the elder was not on the roster for, in a strip.
pub const NOT_LISTED: &str = "·";

/// The strip's marks, oldest first, with `·` where the elder was not listed.
pub fn strip_spans(strip: &[Option<Status>]) -> Vec<Span<'static>> {
    strip
        .iter()
        .map(|status| match status {
            Some(status) => {
                let (style, symbol) = status_style(*status);
                Span::styled(symbol, style)
            }
            None => Span::styled(NOT_LISTED, Style::new().fg(Color::DarkGray)),
        })
        .collect()
}

/// `⏱08:00-10:30`: an elder's own window, where the community's does not apply to them.
fn own_window_text(app: &App, row: &RowView) -> Option<String> {
    let window = row.own_window?;
    let tz = app.schedule.tz;
    Some(format!(
        "⏱{}-{}",
        format_local_time(window.opens, tz),
        format_local_time(window.closes, tz)
    ))
}

/// The selected elder's hint on the phone layout: their own window, then which window to look at.
fn hint_text(app: &App, row: &RowView) -> String {
    let mut parts: Vec<String> = own_window_text(app, row).into_iter().collect();
    if !row.window_hint.is_empty() {
        parts.push(row.window_hint.clone());
    }
    parts.join(" ")
}

/// The selected elder's hint on the phone layout, in at most `most` lines.
fn hint_lines(app: &App, row: Option<&RowView>, width: usize, most: usize) -> Vec<String> {
    let Some(row) = row else {
        return Vec::new();
    };
    let text = hint_text(app, row);
    if text.is_empty() {
        return Vec::new();
    }
    let mut lines = super::text::wrap(&text, width.saturating_sub(4).max(1));
    if lines.len() > most {
        lines.truncate(most);
        if let Some(last) = lines.last_mut() {
            *last = truncate(&format!("{last}…"), width.saturating_sub(4));
        }
    }
    lines
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App, visible: &Visible) {
    app.list_top.set(area.y);
    if area.height == 0 || area.width == 0 {
        return;
    }
    let s = t(app.lang);
    if visible.is_empty() {
        let text = if app.data.rows().is_empty() {
            &s.tui_round_empty
        } else {
            &s.tui_no_match
        };
        frame.render_widget(
            Paragraph::new(Line::raw(text.as_str())).wrap(Wrap { trim: true }),
            area,
        );
        app.list_offset.set(0);
        return;
    }
    let width = usize::from(area.width);
    let phone = area.width < super::draw::PHONE_WIDTH;
    let hints = if phone {
        // A short list keeps its rows for elders: the hint takes one line there.
        let most = if area.height < 8 { 1 } else { 2 };
        hint_lines(app, visible.get(app.selected), width, most)
    } else {
        Vec::new()
    };
    app.list_hints.set(hints.len());
    let shape = ListShape::on_screen(app, visible, hints.len());
    let (selected_line, total) = (shape.selected_line(), shape.total());
    let height = usize::from(area.height);
    // The hint under the selection stays in sight with it.
    let first = first_line(
        selected_line,
        total,
        height.saturating_sub(hints.len()).max(1),
    )
    .min(total.saturating_sub(height));
    app.list_offset.set(first);
    let layout = RowLayout::new(app, visible, width);
    let rendered: Vec<Line<'static>> = shape
        .lines_from(first)
        .take(height)
        .map(|line| match line {
            ListLine::Building(building) => Line::styled(
                truncate(&format!("── {building} ──"), width),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            // The lines name only rows there are.
            ListLine::Elder(index) => visible.get(index).map_or_else(Line::default, |row| {
                elder_line(app, row, index == app.selected, &layout)
            }),
            ListLine::Hint(_, line) => Line::styled(
                format!("    {}", hints.get(line).map_or("", String::as_str)),
                Style::new().fg(Color::Yellow),
            ),
        })
        .collect();
    super::draw::draw_list_window(frame, area, rendered, first, Some(selected_line));
}

/// Column widths of an elder's line at a width. On a phone: the mark (with the status word
/// where it fits), the name and the room, whole; the window hint goes under the selected row.
struct RowLayout {
    phone: bool,
    status: usize,
    name: usize,
    room: usize,
    hint: usize,
    strip: bool,
}

impl RowLayout {
    fn new(app: &App, visible: &Visible, width: usize) -> RowLayout {
        let status_word = if app.lang == Lang::Zh { 8 } else { 10 };
        if width < usize::from(super::draw::PHONE_WIDTH) {
            let longest_name = visible
                .iter()
                .map(|row| row.name.width())
                .max()
                .unwrap_or(0);
            let longest_room = visible
                .iter()
                .map(|row| room_of(row).width())
                .max()
                .unwrap_or(0);
            // The room is what a patrol looks up to find the window, and the name whom she looks
            // for: both stay whole where they can. The status word gives way to its mark alone
            // first; a long name is cut before the room is.
            let whole_name = longest_name.clamp(4, 14);
            let status = if 2 + status_word + 1 + whole_name + 1 + longest_room <= width {
                status_word
            } else {
                1
            };
            let name = whole_name
                .min(width.saturating_sub(2 + status + 1 + 1 + longest_room))
                .max(4);
            let room = width.saturating_sub(2 + status + 1 + name + 1);
            return RowLayout {
                phone: true,
                status,
                name,
                room,
                hint: 0,
                strip: false,
            };
        }
        let strip = shows_strip(width);
        let room = if width >= 60 { 14 } else { 10 };
        let strip_width = if strip { STRIP_ROUNDS + 1 } else { 0 };
        let hint = width.saturating_sub(2 + status_word + 10 + room + strip_width + 3);
        RowLayout {
            phone: false,
            status: status_word,
            name: 10,
            room,
            hint,
            strip,
        }
    }
}

/// The room part of the address: what follows the building.
fn room_of(row: &RowView) -> &str {
    row.address
        .strip_prefix(&*row.building)
        .unwrap_or(&row.address)
        .trim()
}

fn elder_line(app: &App, row: &RowView, selected: bool, layout: &RowLayout) -> Line<'static> {
    let (style, symbol) = status_style(row.status);
    let mut word = words::status(app.lang, row.status).to_string();
    if row.late {
        word.push('*');
    }
    let base = if selected {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    let status = if layout.status == 1 {
        symbol.to_string()
    } else {
        fit(&format!("{symbol} {word}"), layout.status)
    };
    let mut spans = vec![
        Span::styled(if selected { "▶ " } else { "  " }, base),
        Span::styled(status, style.patch(base)),
        Span::styled(" ", base),
        Span::styled(
            fit(&row.name, layout.name),
            base.add_modifier(Modifier::BOLD),
        ),
        Span::styled(" ", base),
        Span::styled(fit(room_of(row), layout.room), base),
    ];
    if !layout.phone {
        let hint = match own_window_text(app, row) {
            Some(own) => format!("{own} {}", row.window_hint),
            None => row.window_hint.clone(),
        };
        spans.push(Span::styled(" ", base));
        spans.push(Span::styled(fit(&hint, layout.hint), base.fg(Color::Gray)));
    }
    if layout.strip {
        // A bar between this round and the earlier ones: a `✓` of the last round at the end of
        // a pending row must not read as this round's.
        spans.push(Span::styled("│", Style::new().fg(Color::DarkGray)));
        spans.extend(strip_spans(&row.strip));
    }
    Line::from(spans)
}

/// Which elder a click on a screen row lands on (a click on the hint under them, too).
pub fn elder_at_row(app: &App, screen_row: u16) -> Option<usize> {
    let top = app.list_top.get();
    if screen_row < top {
        return None;
    }
    let visible = app.visible();
    let shape = ListShape::on_screen(app, &visible, app.list_hints.get());
    let line = shape
        .lines_from(app.list_offset.get() + usize::from(screen_row - top))
        .next();
    match line {
        Some(ListLine::Elder(index) | ListLine::Hint(index, _)) => Some(index),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Observation;
    use crate::i18n::Lang;

    fn row(id: &str, name: &str, grid: &str, status: Status) -> RowView {
        RowView {
            elder_id: id.into(),
            name: name.into(),
            address: format!("长青小区 A区 1栋 1单元 {id}"),
            grid: grid.into(),
            building: "长青小区 A区 1栋".into(),
            route: None,
            window_hint: String::new(),
            status,
            observed: None,
            late: false,
            severity: None,
            checker: None,
            seen_at: None,
            strip: Vec::new(),
            own_window: None,
        }
    }

    /// A round screen with three elders in two grids, and no database anywhere.
    fn screen() -> App {
        let schedule = Schedule::default();
        let now = crate::domain::time::parse_instant("2026-11-22 08:05", schedule.tz, None)
            .expect("a time");
        let mut app = App::new(Lang::Zh, "wang".into(), None, schedule, now);
        *app.data.rows_mut() = vec![
            row("CQ001", "王秀英", "第二网格", Status::Pending),
            row("CQ002", "张建国", "第一网格", Status::Ok),
            row("CQ003", "单秀英", "第十网格", Status::Pending),
        ];
        app.roster_size = 3;
        app
    }

    #[test]
    fn the_lists_shape_places_every_window_where_the_whole_list_has_it() {
        let in_building = |id: &str, building: &str| RowView {
            building: building.into(),
            ..row(id, "王秀英", "第一网格", Status::Pending)
        };
        // A building met again after another one is headed again; the hint lines under the
        // selection count wherever it is.
        let rows = [
            in_building("CQ001", "1栋"),
            in_building("CQ002", "1栋"),
            in_building("CQ003", "2栋"),
            in_building("CQ004", "1栋"),
            in_building("CQ005", "1栋"),
        ];
        let all = Visible::All(&rows);
        let kept = headings_through(&all);
        assert_eq!(kept, [1, 1, 2, 3, 3]);
        let some = Visible::Some(rows.iter().collect());
        assert_eq!(headings_through(&some), kept);
        for rows in [&all, &some] {
            for (selected, hints, expected) in [
                (0, 0, (1, 8)),
                (1, 2, (2, 10)),
                (2, 0, (4, 8)),
                (3, 1, (6, 9)),
                (4, 2, (7, 10)),
                (9, 2, (0, 8)),
            ] {
                let whole: Vec<ListLine> = list_lines(rows, 0, selected, hints).collect();
                let selected_line = whole
                    .iter()
                    .position(|line| *line == ListLine::Elder(selected))
                    .unwrap_or(0);
                assert_eq!(
                    (selected_line, whole.len()),
                    expected,
                    "selected {selected}, {hints} hint lines"
                );
                for headings in [None, Some(kept.as_slice())] {
                    let shape = ListShape::new(rows, headings, selected, hints);
                    assert_eq!((shape.selected_line(), shape.total()), expected);
                    for first in 0..=whole.len() + 1 {
                        let window: Vec<ListLine> = shape.lines_from(first).collect();
                        assert_eq!(
                            window,
                            whole.get(first..).unwrap_or_default(),
                            "selected {selected}, {hints} hint lines, from line {first}"
                        );
                    }
                }
            }
        }
        let none = ListShape::new(&Visible::All(&[]), None, 0, 2);
        assert_eq!((none.selected_line(), none.total()), (0, 0));
        assert_eq!(none.lines_from(0).count(), 0);
    }

    #[test]
    fn counts_kept_as_rows_are_read_again_equal_counts_made_afresh() {
        use super::super::data::RoundData;
        let mut app = screen();
        let counted = |data: &RoundData| {
            let tally = data.tally();
            let statuses: Vec<usize> = [
                Status::Pending,
                Status::Ok,
                Status::Alert,
                Status::Unclear,
                Status::Missed,
            ]
            .into_iter()
            .map(|status| tally.count(status))
            .collect();
            (
                tally.checked,
                tally.own_windows,
                statuses,
                tally.coverage.clone(),
            )
        };
        let before = counted(&app.data);
        for (index, status, late) in [
            (0, Status::Ok, false),
            (0, Status::Alert, true),
            (2, Status::Missed, false),
            (1, Status::Pending, false),
            (0, Status::Pending, false),
            (2, Status::Pending, false),
        ] {
            let again = RowView {
                status,
                late,
                ..app.data.rows()[index].clone()
            };
            app.data.replace_row(index, again);
            let afresh = RoundData::new(app.data.rows().to_vec(), Vec::new());
            assert_eq!(
                counted(&app.data),
                counted(&afresh),
                "row {index} read again as {status:?}"
            );
        }
        app.data.replace_row(
            1,
            RowView {
                status: Status::Ok,
                ..app.data.rows()[1].clone()
            },
        );
        assert_eq!(counted(&app.data), before, "every row back as it was");
    }

    #[test]
    fn a_row_is_found_by_its_elder_whether_or_not_the_rows_were_indexed_since_they_moved() {
        let mut app = screen();
        assert_eq!(app.data.position("CQ003"), Some(2), "not indexed yet");
        app.data.index_rows();
        assert_eq!(app.data.position("CQ002"), Some(1));
        app.data.rows_mut().reverse();
        assert_eq!(app.data.position("CQ001"), Some(2), "moved since indexed");
        assert_eq!(app.data.position("CQ009"), None);
        app.data
            .rows_mut()
            .push(row("CQ004", "李桂兰", "第二网格", Status::Alert));
        let coverage = &app.data.tally().coverage;
        let grids: Vec<_> = coverage
            .iter()
            .map(|(grid, c)| (grid.as_str(), c.listed))
            .collect();
        assert_eq!(grids, [("第十网格", 1), ("第一网格", 1), ("第二网格", 2)]);
    }

    #[test]
    fn rule_grids_that_do_not_fit_the_gauge_are_counted_not_dropped() {
        use crate::domain::coverage::Coverage;
        let grid = |name: &str, checked: u32| {
            let coverage = Coverage {
                listed: 10,
                checked,
                ..Coverage::default()
            };
            (name.to_string(), coverage)
        };
        let four = [
            grid("第01网格", 3),
            grid("第02网格", 4),
            grid("第03网格", 5),
            grid("第04网格", 6),
        ];
        let all = " · 第01网格 3/10 · 第02网格 4/10 · 第03网格 5/10 · 第04网格 6/10";
        type Grids<'a> = &'a [(String, Coverage)];
        let cases: [(&str, Lang, Grids, usize, String); 7] = [
            (
                "one grid: no pieces",
                Lang::Zh,
                &four[..1],
                80,
                "已查 18/40".into(),
            ),
            (
                "room for all",
                Lang::Zh,
                &four,
                80,
                format!("已查 18/40{all}"),
            ),
            (
                "room for three but not the fourth: two and a count",
                Lang::Zh,
                &four,
                56,
                "已查 18/40 · 第01网格 3/10 · 第02网格 4/10 · 另2个网格".into(),
            ),
            (
                "the count itself takes room",
                Lang::Zh,
                &four,
                40,
                "已查 18/40 · 第01网格 3/10 · 另3个网格".into(),
            ),
            (
                "no room for one grid and the count: none",
                Lang::Zh,
                &four,
                37,
                "已查 18/40".into(),
            ),
            (
                "English",
                Lang::En,
                &four,
                40,
                "已查 18/40 · 第01网格 3/10 · 3 more".into(),
            ),
            (
                "exactly room for all",
                Lang::Zh,
                &four,
                UnicodeWidthStr::width(format!("已查 18/40{all}").as_str()),
                format!("已查 18/40{all}"),
            ),
        ];
        for (rule, lang, coverage, room, want) in cases {
            let got = with_grid_coverage(lang, "已查 18/40".into(), coverage, room);
            assert_eq!(got, want, "{rule}");
            if coverage.len() > 1 {
                assert!(got.width() <= room, "{rule}: {} > {room}", got.width());
            }
        }
    }

    #[test]
    fn the_round_update_asks_for_a_tick_of_the_selected_elder_and_changes_nothing_else() {
        let mut app = screen();
        assert_eq!(update(&mut app, &Action::Down), Step::Done);
        assert_eq!(
            update(&mut app, &Action::Mark(Observation::Closed)),
            Step::Effect(Effect::Record {
                elder_id: "CQ002".into(),
                name: "张建国".into(),
                observation: Observation::Closed,
            })
        );
        assert_eq!(
            app.data.rows()[1].status,
            Status::Ok,
            "the update writes nothing"
        );
        assert_eq!(update(&mut app, &Action::Undo), Step::Effect(Effect::Undo));
        assert_eq!(
            update(&mut app, &Action::Details),
            Step::Effect(Effect::LoadDetail("CQ002".into()))
        );
        assert_eq!(update(&mut app, &Action::LadderResult(true)), Step::NotMine);
    }

    #[test]
    fn the_round_update_filters_by_grid_in_natural_order_and_clears() {
        let mut app = screen();
        let mut seen = Vec::new();
        for _ in 0..4 {
            assert_eq!(update(&mut app, &Action::NextGrid), Step::Done);
            seen.push(app.grid.clone());
        }
        assert_eq!(
            seen,
            [
                Some("第一网格".to_string()),
                Some("第二网格".to_string()),
                Some("第十网格".to_string()),
                None
            ]
        );
        update(&mut app, &Action::NextGrid);
        assert_eq!(app.visible().len(), 1);
        update(&mut app, &Action::ClearFilters);
        assert_eq!(app.visible().len(), 3);
    }

    #[test]
    fn the_round_update_moves_within_the_list_and_changes_rounds_by_effect() {
        let mut app = screen();
        for _ in 0..5 {
            update(&mut app, &Action::Down);
        }
        assert_eq!(app.selected, 2, "the selection stops at the last elder");
        update(&mut app, &Action::First);
        assert_eq!(app.selected, 0);
        let before = app.round;
        assert_eq!(
            update(&mut app, &Action::PrevRound),
            Step::Effect(Effect::Reload)
        );
        assert_eq!(app.round, before.prev());
        assert!(app.round_pinned);
        update(&mut app, &Action::PatrolRound);
        assert_eq!(app.round, before);
        assert!(!app.round_pinned);
        assert_eq!(
            update(&mut app, &Action::StartSearch),
            Step::Effect(Effect::LoadSearchKeys),
            "the pinyin keys are built at the first search"
        );
        assert_eq!(app.mode, Mode::Search);
    }

    #[test]
    fn the_selection_stays_a_third_down_and_the_list_never_scrolls_past_its_end() {
        let cases = [
            (0, 100, 30, 0),
            (10, 100, 30, 0),
            (50, 100, 30, 40),
            (99, 100, 30, 70),
            (5, 10, 30, 0),
            (3, 10, 0, 0),
        ];
        for (selected, total, height, want) in cases {
            assert_eq!(
                first_line(selected, total, height),
                want,
                "{selected} {total} {height}"
            );
        }
    }
}
