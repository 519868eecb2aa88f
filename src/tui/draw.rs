//! Drawing: reads the app state, never the database. The chrome (tabs, message, footer) and the
//! overlays (help, details) shared by every screen; each screen draws its own body.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{App, Mode, Tab, Tone};
use super::text::{truncate, wrap};
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

/// Below this many columns the screens take their phone layout (SSH from a phone held upright:
/// about 40 columns by 20 rows).
pub const PHONE_WIDTH: u16 = 60;
/// The smallest terminal anything is drawn in; below it, a plain "make it bigger".
pub const MIN_WIDTH: u16 = 28;
pub const MIN_HEIGHT: u16 = 10;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area, app);
        return;
    }
    let width = usize::from(area.width);
    let footer_lines = footer_lines(app, width);
    // A short terminal keeps rows for the list: the message takes at most two lines there.
    let message_most = if area.height < 16 { 2 } else { 3 };
    let message_lines = message_lines(app, width, message_most);
    let [header, body, message, footer] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(u16::try_from(message_lines.len()).unwrap_or(1)),
        Constraint::Length(u16::try_from(footer_lines.len()).unwrap_or(1)),
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
    draw_message(frame, message, app, message_lines);
    frame.render_widget(
        Paragraph::new(
            footer_lines
                .into_iter()
                .map(|line| Line::raw(truncate(&line, width)))
                .collect::<Vec<_>>(),
        )
        .style(
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::BOLD),
        ),
        footer,
    );
    match app.mode {
        Mode::Help => draw_help(frame, body, app),
        Mode::Details => draw_details(frame, body, app),
        Mode::PickOutcome => draw_outcomes(frame, body, app),
        Mode::ConfirmResolve => draw_confirm_resolve(frame, body, app),
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

/// Under the minimum size: what to do about it, and nothing else.
fn draw_too_small(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let text = fill(
        &s.tui_too_small,
        &[("width", &MIN_WIDTH), ("height", &MIN_HEIGHT)],
    );
    // The app's name first, so a squeezed window still says whose it is.
    let lines: Vec<Line> = std::iter::once(s.tui_title.clone())
        .chain(wrap(&text, usize::from(area.width)))
        .map(|line| Line::styled(line, Style::new().add_modifier(Modifier::BOLD)))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let phone = area.width < PHONE_WIDTH;
    let mut spans = Vec::new();
    if app.drill {
        // A drill database says so on every screen: nothing on it is a real elder's round.
        spans.push(Span::styled(
            format!("【{}】", s.drill_mark),
            Style::new()
                .fg(ratatui::style::Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
    }
    // On a phone the community's name and the user give way to the tabs, and the app's name
    // too where the tabs need its room.
    let title = match (&app.community, phone) {
        (Some(name), false) => Some(format!("{} · {name}", s.tui_title)),
        (_, false) => Some(s.tui_title.clone()),
        (_, true) => {
            let tabs_width: usize = tab_labels(app, true)
                .iter()
                .map(|label| label.width() + 1)
                .sum();
            let drill_width: usize = spans.iter().map(Span::width).sum();
            let fits = drill_width + s.tui_title.width() + tabs_width <= usize::from(area.width);
            (fits || app.mode == Mode::Login).then(|| s.tui_title.clone())
        }
    };
    if let Some(title) = title {
        spans.push(Span::styled(
            title,
            Style::new().add_modifier(Modifier::BOLD),
        ));
    }
    // Before the login nothing of the community shows, not even how many flags are open.
    let tabs = if app.mode == Mode::Login {
        Vec::new()
    } else {
        tab_labels(app, phone)
    };
    for (tab, label) in Tab::ALL.iter().zip(tabs) {
        let style = if *tab == app.tab {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(label, style));
    }
    if app.mode != Mode::Login && !phone {
        spans.push(Span::raw(format!("  {} {}", s.tui_user, app.user)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The tabs as the header writes them: ` 2 标记(3) `, or `2标记(3)` on a phone. The count is
/// the open flags, the number the flags screen lists.
fn tab_labels(app: &App, phone: bool) -> Vec<String> {
    let s = t(app.lang);
    Tab::ALL
        .iter()
        .enumerate()
        .map(|(index, tab)| {
            let name = match tab {
                Tab::Round => &s.tab_round,
                Tab::Flags => &s.tab_flags,
                Tab::History => &s.tab_history,
                Tab::Roster => &s.tab_roster,
            };
            let count = if *tab == Tab::Flags && app.open_flags > 0 {
                format!("({})", app.open_flags)
            } else {
                String::new()
            };
            if phone {
                format!("{}{name}{count}", index + 1)
            } else {
                format!(" {} {name}{count} ", index + 1)
            }
        })
        .collect()
}

/// The message in lines of the width: a saved tick's alert word must never be cut off, so a
/// long message takes a second (or third) line rather than losing its end.
fn message_lines(app: &App, width: usize, most: usize) -> Vec<String> {
    match app.shown_message() {
        Some((_, text)) => {
            let mut lines = wrap(&text, width);
            lines.truncate(most);
            lines
        }
        None => vec![String::new()],
    }
}

fn draw_message(frame: &mut Frame, area: Rect, app: &App, lines: Vec<String>) {
    let Some((tone, _)) = app.shown_message() else {
        return;
    };
    let style = match tone {
        Tone::Saved => Style::new().fg(Color::Green),
        Tone::Info => Style::new().fg(Color::Cyan),
        Tone::Problem => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    };
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|line| Line::styled(line, style))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The footer's lines: from the screen's binding table in normal mode, else the overlay's prompt.
fn footer_lines(app: &App, width: usize) -> Vec<String> {
    let s = t(app.lang);
    let keys = match (&app.mode, app.tab) {
        (Mode::Search, _) => &s.keys_search,
        (Mode::Help | Mode::Details, _) => &s.keys_overlay,
        (Mode::Welcome, _) => &s.keys_welcome,
        (Mode::Login, _) => &s.keys_login,
        (Mode::PickOutcome, _) => &s.keys_pick,
        (Mode::ConfirmResolve, _) => &s.keys_confirm_resolve,
        (Mode::Note, _) => &s.keys_note,
        (Mode::Away | Mode::Assign, _) => &s.keys_away,
        (Mode::Roster(mode), _) => roster_screen::footer_keys(app, *mode),
        (Mode::Normal, tab) => return super::keymap::footer(app.lang, tab, width),
    };
    vec![footer_that_fits(keys, width)]
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

/// Draws the lines of a list in sight as a ratatui [`List`], its selection held by a
/// [`ListState`]. Only the lines in sight are built and handed over (a district's list holds
/// 30,000 elders; DESIGN.md section 7): `first` is the list's line at the top, placed by
/// [`super::round_screen::first_line`] so the selection sits a third of the way down, and
/// `selected` the selected line of the whole list. The lines carry their own `▶` and styles.
pub fn draw_list_window(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line<'static>>,
    first: usize,
    selected: Option<usize>,
) {
    let mut state = ListState::default()
        .with_selected(selected.and_then(|line| line.checked_sub(first)))
        .with_offset(0);
    let items: Vec<ListItem> = lines.into_iter().map(ListItem::new).collect();
    frame.render_stateful_widget(List::new(items), area, &mut state);
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
    // On a small screen the box scrolls (↑↓) like the other overlays.
    draw_popup(frame, area, 72, "", text, app);
}

fn draw_help(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    let inner = usize::from(area.width.min(64).saturating_sub(2));
    let lines: Vec<Line> = super::keymap::help_lines(app.lang, app.tab, inner)
        .into_iter()
        .map(|(heading, text)| {
            if heading {
                Line::styled(text, Style::new().add_modifier(Modifier::BOLD))
            } else {
                Line::raw(text)
            }
        })
        .collect();
    draw_popup(frame, area, 64, &s.help_title, lines, app);
}

/// A framed box of lines over the screen, as tall as its lines (at most the screen). When the
/// lines do not all fit, ↑↓ scroll them and the bottom border says so.
fn draw_popup(frame: &mut Frame, area: Rect, width: u16, title: &str, lines: Vec<Line>, app: &App) {
    let width = width.min(area.width);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let rows = paragraph.line_count(width.saturating_sub(2).max(1));
    let popup = centered(area, width, u16::try_from(rows + 2).unwrap_or(u16::MAX));
    let visible = usize::from(popup.height.saturating_sub(2));
    let most = rows.saturating_sub(visible);
    app.overlay_scroll_max.set(most);
    let scroll = app.overlay_scroll.min(most);
    let mut block = Block::new().borders(Borders::ALL).title(Line::from(title));
    if most > 0 {
        let s = t(app.lang);
        let more = fill(
            &s.tui_overlay_more,
            &[("shown", &(scroll + visible).min(rows)), ("rows", &rows)],
        );
        block = block.title_bottom(Line::from(more).right_aligned());
    }
    clear_under(frame, popup);
    frame.render_widget(
        paragraph
            .block(block)
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
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
        flags_screen::outcome_lines(app),
        app,
    );
}

/// The outcome picked: asked once before the flag is resolved.
fn draw_confirm_resolve(frame: &mut Frame, area: Rect, app: &App) {
    let Some((id, outcome)) = app.flags.resolving else {
        return;
    };
    let s = t(app.lang);
    let name = app
        .flags
        .list
        .iter()
        .find(|flag| flag.id == id)
        .map_or("", |flag| flag.name.as_str());
    let question = fill(
        &s.tui_confirm_resolve,
        &[
            ("id", &id),
            ("name", &name),
            ("outcome", &words::outcome(app.lang, outcome)),
        ],
    );
    let lines = vec![
        Line::styled(question, Style::new().add_modifier(Modifier::BOLD)),
        Line::raw(""),
        Line::raw(s.keys_confirm_resolve.as_str()),
    ];
    draw_popup(frame, area, 50, &s.pick_outcome_title, lines, app);
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
            Span::styled(
                format!("{label}{}", s.label_separator),
                Style::new().fg(Color::DarkGray),
            ),
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
    draw_popup(frame, area, 70, &s.detail_title, lines, app);
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
