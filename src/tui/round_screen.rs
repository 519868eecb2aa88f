//! The round screen: a volunteer's round. The round and its window, a progress gauge, the elders
//! in route order grouped by building, and the away elders apart.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

use super::app::{App, Mode};
use super::data::RowView;
use super::draw::status_style;
use super::text::{fit, truncate};
use crate::domain::time::format_local_time;
use crate::domain::{Expected, Round, Schedule};
use crate::i18n::{Lang, fill, t, words};

/// One line of the list: a building heading or an elder (by index into the visible rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListLine<'a> {
    Building(&'a str),
    Elder(usize),
}

pub fn list_lines<'a>(rows: &[&'a RowView]) -> Vec<ListLine<'a>> {
    let mut lines = Vec::with_capacity(rows.len() + rows.len() / 4);
    let mut building: Option<&str> = None;
    for (index, row) in rows.iter().enumerate() {
        if building != Some(row.building.as_str()) {
            building = Some(row.building.as_str());
            lines.push(ListLine::Building(row.building.as_str()));
        }
        lines.push(ListLine::Elder(index));
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

/// The round in words: `晨巡 11月22日 · 应开窗帘 ☀ · 截止 09:30 还剩 47 分`.
pub fn round_title(lang: Lang, schedule: &Schedule, round: Round, now: DateTime<Utc>) -> String {
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
    format!(
        "{} · {}{} {} · {}",
        words::round(lang, round),
        s.tui_expect,
        words::expected(lang, round.expected()),
        symbol,
        when
    )
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let away_height = u16::from(!app.data.away.is_empty());
    let [title, gauge, list, away] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(away_height),
    ]));
    let mut title_text = round_title(app.lang, &app.schedule, app.round, app.now);
    if app.round_pinned {
        title_text.push_str(&s.tui_picked_round);
    }
    frame.render_widget(
        Paragraph::new(Line::styled(
            title_text,
            Style::new().add_modifier(Modifier::BOLD),
        )),
        title,
    );
    let visible = app.visible();
    let total = app.data.rows.len();
    let checked = app.data.checked();
    let mut label = fill(
        &s.tui_progress,
        &[
            ("checked", &checked),
            ("total", &total),
            ("flagged", &app.data.flagged()),
        ],
    );
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
            .label(label),
        gauge,
    );
    draw_list(frame, list, app, &visible);
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
        frame.render_widget(Paragraph::new(Line::raw(text.as_str())), area);
        app.list_offset.set(0);
        return;
    }
    let lines = list_lines(visible);
    let selected_line = lines
        .iter()
        .position(|line| *line == ListLine::Elder(app.selected))
        .unwrap_or(0);
    let height = usize::from(area.height);
    let first = first_line(selected_line, lines.len(), height);
    app.list_offset.set(first);
    let width = usize::from(area.width);
    let show_strip = width >= 70;
    let status_width = if app.lang == Lang::Zh { 8 } else { 10 };
    let name_width = 10;
    let room_width = if width >= 60 { 14 } else { 10 };
    let strip_width = if show_strip {
        super::data::STRIP_ROUNDS + 1
    } else {
        0
    };
    let hint_width =
        width.saturating_sub(2 + status_width + name_width + room_width + strip_width + 3);
    let rendered: Vec<Line> = lines[first..(first + height).min(lines.len())]
        .iter()
        .map(|line| match line {
            ListLine::Building(building) => Line::styled(
                truncate(&format!("── {building} ──"), width),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            ListLine::Elder(index) => {
                let row = visible[*index];
                let selected = *index == app.selected;
                elder_line(
                    app.lang,
                    row,
                    selected,
                    [status_width, name_width, room_width, hint_width],
                    show_strip,
                )
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(rendered), area);
}

fn elder_line(
    lang: Lang,
    row: &RowView,
    selected: bool,
    widths: [usize; 4],
    show_strip: bool,
) -> Line<'static> {
    let [status_width, name_width, room_width, hint_width] = widths;
    let (style, symbol) = status_style(row.status);
    let mut word = words::status(lang, row.status).to_string();
    if row.late {
        word.push('*');
    }
    let room = row
        .address
        .strip_prefix(row.building.as_str())
        .unwrap_or(&row.address)
        .trim();
    let base = if selected {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    let mut spans = vec![
        Span::styled(if selected { "▶ " } else { "  " }, base),
        Span::styled(
            fit(&format!("{symbol} {word}"), status_width),
            style.patch(base),
        ),
        Span::styled(" ", base),
        Span::styled(
            fit(&row.name, name_width),
            base.add_modifier(Modifier::BOLD),
        ),
        Span::styled(" ", base),
        Span::styled(fit(room, room_width), base),
        Span::styled(" ", base),
        Span::styled(fit(&row.window_hint, hint_width), base.fg(Color::Gray)),
    ];
    if show_strip {
        spans.push(Span::raw(" "));
        for status in &row.strip {
            let (style, symbol) = match status {
                Some(status) => status_style(*status),
                None => (Style::new(), " "),
            };
            spans.push(Span::styled(symbol, style));
        }
    }
    Line::from(spans)
}

/// Which elder a click on a screen row lands on.
pub fn elder_at_row(app: &App, screen_row: u16) -> Option<usize> {
    let top = app.list_top.get();
    if screen_row < top {
        return None;
    }
    let visible = app.visible();
    let lines = list_lines(&visible);
    match lines.get(app.list_offset.get() + usize::from(screen_row - top)) {
        Some(ListLine::Elder(index)) => Some(*index),
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
