//! The flags screen: open flags, most severe first, for the grid worker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::draw::status_style;
use super::text::fit;
use crate::domain::Severity;
use crate::i18n::{t, words};

pub fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::BOLD),
        Severity::High => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Severity::Medium => Style::new().fg(Color::Yellow),
        Severity::Low => Style::new().fg(Color::Gray),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let s = t(app.lang);
    if area.height == 0 {
        return;
    }
    if app.flags.is_empty() {
        frame.render_widget(Paragraph::new(Line::raw(s.tui_no_flags.as_str())), area);
        return;
    }
    let height = usize::from(area.height);
    let selected = app.selected.min(app.flags.len() - 1);
    let first = super::round_screen::first_line(selected, app.flags.len(), height);
    let width = usize::from(area.width);
    let lines: Vec<Line> = app
        .flags
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(index, flag)| {
            let base = if index == selected {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new()
            };
            let (status_colour, symbol) = status_style(flag.status);
            let rest = format!(
                " {} #{} · {} {} · {} · {}",
                words::round(app.lang, flag.round),
                flag.id,
                fit(&flag.name, 10),
                flag.address,
                fill_streak(app.lang, flag.streak),
                flag.checker.as_deref().unwrap_or("—"),
            );
            Line::from(vec![
                Span::styled(
                    fit(words::severity(app.lang, flag.severity), 6),
                    severity_style(flag.severity).patch(base),
                ),
                Span::styled(" ", base),
                Span::styled(
                    fit(
                        &format!("{symbol} {}", words::status(app.lang, flag.status)),
                        10,
                    ),
                    status_colour.patch(base),
                ),
                Span::styled(fit(&rest, width.saturating_sub(17)), base),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn fill_streak(lang: crate::i18n::Lang, streak: u32) -> String {
    crate::i18n::fill(&t(lang).tui_streak, &[("streak", &streak)])
}
