//! The round screen: a volunteer's round. The round and its window, a progress gauge, the elders
//! in route order grouped by building, and the away elders apart.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Mode};
use super::data::{RowView, STRIP_ROUNDS};
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

/// The list's lines: buildings as headings, and `hint_lines` lines under the selected elder.
pub fn list_lines<'a>(
    rows: &[&'a RowView],
    selected: usize,
    hint_lines: usize,
) -> Vec<ListLine<'a>> {
    let mut lines = Vec::with_capacity(rows.len() + rows.len() / 4 + hint_lines);
    let mut building: Option<&str> = None;
    for (index, row) in rows.iter().enumerate() {
        if building != Some(row.building.as_str()) {
            building = Some(row.building.as_str());
            lines.push(ListLine::Building(row.building.as_str()));
        }
        lines.push(ListLine::Elder(index));
        if index == selected {
            lines.extend((0..hint_lines).map(|line| ListLine::Hint(index, line)));
        }
    }
    lines
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
    let own = app
        .data
        .rows
        .iter()
        .filter(|row| row.own_window.is_some())
        .count();
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
            ("total", &app.data.rows.len()),
        ],
    );
    let marks: Vec<String> = [Status::Alert, Status::Unclear, Status::Missed]
        .into_iter()
        .filter_map(|status| {
            let count = app
                .data
                .rows
                .iter()
                .filter(|row| row.status == status)
                .count();
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
    let legend_height = u16::from(shows_strip(width) && !app.data.rows.is_empty());
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
    let total = app.data.rows.len();
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
    // Coverage per grid (#15) where the screen shows more than one, as many as leave the bar
    // room to show (the rest are on the history screen and in `curtain coverage`).
    let coverage = app.data.coverage_by_grid();
    if coverage.len() > 1 {
        let room = usize::from(gauge.width).saturating_sub(12);
        for (grid, counts) in &coverage {
            let piece = format!(" · {grid} {}/{}", counts.checked, counts.listed);
            if unicode_width::UnicodeWidthStr::width(format!("{label}{piece}").as_str()) > room {
                break;
            }
            label.push_str(&piece);
        }
    }
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

fn draw_list(frame: &mut Frame, area: Rect, app: &App, visible: &[&RowView]) {
    app.list_top.set(area.y);
    if area.height == 0 || area.width == 0 {
        return;
    }
    let s = t(app.lang);
    if visible.is_empty() {
        let text = if app.data.rows.is_empty() {
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
        hint_lines(app, visible.get(app.selected).copied(), width, most)
    } else {
        Vec::new()
    };
    app.list_hints.set(hints.len());
    let lines = list_lines(visible, app.selected, hints.len());
    let selected_line = lines
        .iter()
        .position(|line| *line == ListLine::Elder(app.selected))
        .unwrap_or(0);
    let height = usize::from(area.height);
    // The hint under the selection stays in sight with it.
    let first = first_line(
        selected_line,
        lines.len(),
        height.saturating_sub(hints.len()).max(1),
    )
    .min(lines.len().saturating_sub(height));
    app.list_offset.set(first);
    let layout = RowLayout::new(app, visible, width);
    let rendered: Vec<Line> = lines[first..(first + height).min(lines.len())]
        .iter()
        .map(|line| match line {
            ListLine::Building(building) => Line::styled(
                truncate(&format!("── {building} ──"), width),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            ListLine::Elder(index) => {
                let row = visible[*index];
                elder_line(app, row, *index == app.selected, &layout)
            }
            ListLine::Hint(_, line) => Line::styled(
                format!("    {}", hints.get(*line).map_or("", String::as_str)),
                Style::new().fg(Color::Yellow),
            ),
        })
        .collect();
    frame.render_widget(Paragraph::new(rendered), area);
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
    fn new(app: &App, visible: &[&RowView], width: usize) -> RowLayout {
        let status_word = if app.lang == Lang::Zh { 8 } else { 10 };
        if width < usize::from(super::draw::PHONE_WIDTH) {
            let longest_name = visible
                .iter()
                .map(|row| row.name.width())
                .max()
                .unwrap_or(0);
            let name = longest_name.clamp(4, 10);
            let longest_room = visible
                .iter()
                .map(|row| room_of(row).width())
                .max()
                .unwrap_or(0);
            // The room is what a patrol looks up to find the window: it is never cut for the
            // status word, which gives way to its mark alone.
            let status = if 2 + status_word + 1 + name + 1 + longest_room <= width {
                status_word
            } else {
                1
            };
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
        .strip_prefix(row.building.as_str())
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
        spans.push(Span::raw(" "));
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
    let lines = list_lines(&visible, app.selected, app.list_hints.get());
    match lines.get(app.list_offset.get() + usize::from(screen_row - top)) {
        Some(ListLine::Elder(index) | ListLine::Hint(index, _)) => Some(*index),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
