//! Drawing: reads the app state, never the database. The chrome (tabs, message, footer) and the
//! overlays (help, details) shared by every screen; each screen draws its own body.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::app::{App, Mode, Tab, Tone};
use super::{flags_screen, history_screen, roster_screen, round_screen};
use crate::domain::Status;
use crate::domain::privacy::mask_phone;
use crate::domain::time::format_local;
use crate::i18n::{fill, t, words};

/// Colour and symbol for a status, so it reads without colour too.
pub fn status_style(status: Status) -> (Style, &'static str) {
    match status {
        Status::Ok => (Style::new().fg(Color::Green), "✓"),
        Status::Alert => (
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            "✗",
        ),
        Status::Unclear => (Style::new().fg(Color::Yellow), "?"),
        Status::Missed => (
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            "!",
        ),
        Status::Pending => (Style::new(), "-"),
        Status::Away => (Style::new().fg(Color::Blue), "~"),
    }
}

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    let [header, body, message, footer] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ]));
    draw_header(frame, header, app);
    let body = draw_warnings(frame, body, app);
    match app.mode {
        Mode::Welcome => draw_welcome(frame, body, app),
        Mode::Login => super::login::draw(frame, body, app),
        _ => match app.tab {
            Tab::Round => round_screen::draw(frame, body, app),
            Tab::Flags => flags_screen::draw(frame, body, app),
            Tab::History => history_screen::draw(frame, body, app),
            Tab::Roster => roster_screen::draw(frame, body, app),
        },
    }
    draw_message(frame, message, app);
    draw_footer(frame, footer, app);
    match app.mode {
        Mode::Help => draw_help(frame, body, app),
        Mode::Details => draw_details(frame, body, app),
        Mode::PickOutcome => draw_outcomes(frame, body, app),
        Mode::Note => draw_note(frame, body, app, &t(app.lang).note_title),
        Mode::Roster(mode) => roster_screen::draw_overlay(frame, body, app, mode),
        Mode::Assign => draw_note(frame, body, app, &t(app.lang).tui_assign_prompt),
        Mode::Away => {
            let name = app.away_target().map_or("", |target| target.name);
            let title = fill(&t(app.lang).away_title, &[("name", &name)]);
            draw_note(frame, body, app, &title);
        }
        _ => {}
    }
}

/// The early-warning banner (#15): one line per grid whose round is still mostly unwalked at its
/// warning time, above every screen; returns the area left for the screen.
fn draw_warnings(frame: &mut Frame, area: Rect, app: &App) -> Rect {
    if app.warnings.is_empty() || matches!(app.mode, Mode::Login | Mode::Welcome) {
        return area;
    }
    // Never more than a third of the screen: the round itself must still show.
    let lines = app
        .warnings
        .len()
        .min(usize::from(area.height / 3))
        .min(usize::from(u16::MAX));
    if lines == 0 {
        return area;
    }
    let [banner, rest] = area.layout(&Layout::vertical([
        Constraint::Length(u16::try_from(lines).unwrap_or(0)),
        Constraint::Fill(1),
    ]));
    let width = usize::from(banner.width);
    let text: Vec<Line> = app
        .warnings
        .iter()
        .take(lines)
        .map(|warning| {
            Line::styled(
                super::text::fit(warning, width),
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(text), banner);
    rest
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let mut spans = vec![Span::styled(
        app.community.clone().map_or_else(
            || s.tui_title.clone(),
            |name| format!("{} · {name}", s.tui_title),
        ),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    if app.drill {
        // A drill database says so on every screen: nothing on it is a real elder's round.
        spans.insert(
            0,
            Span::styled(
                format!("【{}】", s.drill_mark),
                Style::new()
                    .fg(ratatui::style::Color::Yellow)
                    .add_modifier(Modifier::BOLD),
            ),
        );
    }
    for (index, tab) in Tab::ALL.iter().enumerate() {
        let name = match tab {
            Tab::Round => &s.tab_round,
            Tab::Flags => &s.tab_flags,
            Tab::History => &s.tab_history,
            Tab::Roster => &s.tab_roster,
        };
        let label = if *tab == Tab::Flags && app.open_flags > 0 {
            format!(" {} {name}({}) ", index + 1, app.open_flags)
        } else {
            format!(" {} {name} ", index + 1)
        };
        let style = if *tab == app.tab {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        spans.push(Span::raw(" "));
        spans.push(Span::styled(label, style));
    }
    if app.mode != Mode::Login {
        spans.push(Span::raw(format!("  {} {}", s.tui_user, app.user)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_message(frame: &mut Frame, area: Rect, app: &App) {
    let Some((tone, text)) = &app.message else {
        return;
    };
    let style = match tone {
        Tone::Saved => Style::new().fg(Color::Green),
        Tone::Info => Style::new().fg(Color::Cyan),
        Tone::Problem => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    };
    frame.render_widget(Paragraph::new(Line::styled(text.as_str(), style)), area);
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let keys = match (&app.mode, app.tab) {
        (Mode::Search, _) => &s.keys_search,
        (Mode::Help | Mode::Details, _) => &s.keys_overlay,
        (Mode::Welcome, _) => &s.keys_welcome,
        (Mode::Login, _) => &s.keys_login,
        (Mode::PickOutcome, _) => &s.keys_pick,
        (Mode::Note, _) => &s.keys_note,
        (Mode::Away | Mode::Assign, _) => &s.keys_away,
        (Mode::Roster(mode), _) => roster_screen::footer_keys(app, *mode),
        (Mode::Normal, Tab::Round) => &s.keys_round,
        (Mode::Normal, Tab::Flags) => &s.keys_flags,
        (Mode::Normal, Tab::History) => &s.keys_history,
        (Mode::Normal, Tab::Roster) => &s.keys_roster,
    };
    frame.render_widget(
        Paragraph::new(Line::styled(
            footer_that_fits(keys, usize::from(area.width)),
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::BOLD),
        )),
        area,
    );
}

/// The footer's key hints (separated by two spaces) that fit the width. The last two — help and
/// quit — always stay; the others are kept from the start while there is room.
pub fn footer_that_fits(keys: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let items: Vec<&str> = keys.split("  ").filter(|item| !item.is_empty()).collect();
    if keys.width() <= width || items.len() <= 2 {
        return keys.to_string();
    }
    let (front, tail) = items.split_at(items.len() - 2);
    let tail = tail.join("  ");
    let mut kept: Vec<&str> = Vec::new();
    for item in front {
        let candidate = [kept.join("  ").as_str(), item, tail.as_str()]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("  ");
        if candidate.width() > width {
            break;
        }
        kept.push(item);
    }
    kept.push(&tail);
    kept.join("  ")
}

/// A box in the middle of `area`, at most `width` × `height`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// Clears under a popup, one column wider on each side: a Chinese character straddling the
/// popup's edge would otherwise paint over its border.
pub(super) fn clear_under(frame: &mut Frame, popup: Rect) {
    let area = frame.area();
    let x = popup.x.saturating_sub(1).max(area.x);
    let right = (popup.x + popup.width + 1).min(area.x + area.width);
    frame.render_widget(
        Clear,
        Rect {
            x,
            y: popup.y,
            width: right.saturating_sub(x),
            height: popup.height,
        },
    );
}

fn draw_welcome(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let mut text = vec![
        Line::styled(
            s.welcome_title.as_str(),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::raw(""),
        Line::raw(s.welcome_sample.as_str()),
        Line::raw(""),
    ];
    text.extend(s.welcome_import.lines().map(Line::raw));
    let block = Block::new().borders(Borders::ALL);
    frame.render_widget(
        Paragraph::new(text).block(block).wrap(Wrap { trim: true }),
        centered(area, 72, 12),
    );
}

fn draw_help(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let lines: Vec<Line> = s.help.lines().map(Line::raw).collect();
    draw_popup(frame, area, 64, &s.help_title, lines);
}

/// A framed box of lines over the screen, as tall as its lines (at most the screen).
fn draw_popup(frame: &mut Frame, area: Rect, width: u16, title: &str, lines: Vec<Line>) {
    let popup = centered(
        area,
        width,
        u16::try_from(lines.len() + 2).unwrap_or(u16::MAX),
    );
    clear_under(frame, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::new().borders(Borders::ALL).title(Line::from(title)))
            .wrap(Wrap { trim: false }),
        popup,
    );
}

fn draw_outcomes(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    draw_popup(
        frame,
        area,
        40,
        &s.pick_outcome_title,
        flags_screen::outcome_lines(app.lang),
    );
}

/// A one-line text box over the screen (follow-up notes, absences).
pub(super) fn draw_note(frame: &mut Frame, area: Rect, app: &App, title: &str) {
    let popup = centered(area, 70, 3);
    clear_under(frame, popup);
    let inner_width = usize::from(popup.width.saturating_sub(2));
    let scroll = app.note.visual_scroll(inner_width);
    frame.render_widget(
        Paragraph::new(app.note.value())
            .scroll((0, u16::try_from(scroll).unwrap_or(0)))
            .block(Block::new().borders(Borders::ALL).title(Line::from(title))),
        popup,
    );
    let cursor = app.note.visual_cursor().saturating_sub(scroll);
    frame.set_cursor_position((
        popup.x + 1 + u16::try_from(cursor).unwrap_or(0),
        popup.y + 1,
    ));
}

fn draw_details(frame: &mut Frame, area: Rect, app: &App) {
    let Some(detail) = &app.detail else {
        return;
    };
    let s = t(app.lang);
    let lang = app.lang;
    let tz = app.schedule.tz;
    let elder = &detail.elder;
    let field = |label: &str, value: Option<&str>| {
        Line::from(vec![
            Span::styled(format!("{label}："), Style::new().fg(Color::DarkGray)),
            Span::raw(crate::domain::privacy::mask_phones_in(value.unwrap_or("—"))),
        ])
    };
    // The patrol screen is the volunteers': their numbers are shown masked (DESIGN §7); the
    // grid worker calls from the flags screen.
    let both = |name: &Option<String>, phone: &Option<String>| match (name, phone) {
        (Some(name), Some(phone)) => Some(format!("{name} {}", mask_phone(phone))),
        (Some(name), None) => Some(name.clone()),
        (None, Some(phone)) => Some(mask_phone(phone)),
        (None, None) => None,
    };
    let masked_phone = elder.phone.as_deref().map(mask_phone);
    let mut lines = vec![
        Line::styled(
            format!("{} {}", elder.name, elder.id),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        field(&s.col_address, Some(&elder.address)),
        field(&s.col_grid, Some(&elder.grid)),
        field(&s.detail_window, elder.window_hint.as_deref()),
        field(&s.col_phone, masked_phone.as_deref()),
        field(
            &s.detail_contact,
            both(&elder.contact, &elder.contact_phone).as_deref(),
        ),
        field(
            &s.detail_keyholder,
            both(&elder.keyholder, &elder.keyholder_phone).as_deref(),
        ),
        field(&s.detail_notes, elder.notes.as_deref()),
        field(
            &s.detail_own_window,
            crate::store::elders::window_text(match detail.round.slot {
                crate::domain::Slot::Morning => elder.own.morning,
                crate::domain::Slot::Evening => elder.own.evening,
            })
            .as_deref(),
        ),
        Line::raw(""),
        Line::styled(
            words::round(lang, detail.round),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ];
    if detail.checks.is_empty() {
        lines.push(Line::raw(s.detail_no_checks.as_str()));
    }
    for check in &detail.checks {
        let what = match check.observation {
            Some(observation) => words::observation(lang, observation).to_string(),
            None => s.detail_undone.clone(),
        };
        let late = if detail.window.is_late(check.seen_at) {
            s.late_mark.as_str()
        } else {
            ""
        };
        lines.push(Line::raw(format!(
            "{}  {}{}  {}",
            format_local(check.seen_at, tz),
            what,
            late,
            check.checker
        )));
    }
    draw_popup(frame, area, 70, &s.detail_title, lines);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footer_keeps_help_and_quit_at_any_width() {
        let keys = "o open  c closed  s seen  u unclear  ? help  q quit";
        let cases = [
            (80, "o open  c closed  s seen  u unclear  ? help  q quit"),
            (40, "o open  c closed  s seen  ? help  q quit"),
            (20, "? help  q quit"),
            (5, "? help  q quit"),
        ];
        for (width, want) in cases {
            assert_eq!(footer_that_fits(keys, width), want, "{width}");
        }
    }
}
