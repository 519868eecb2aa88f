//! The history screen: days × rounds, with completion and flags per grid, so a grid worker sees
//! a month at a glance; Enter opens the selected round on the patrol screen. Its keys are
//! `keymap::HISTORY`; its update is pure.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{Action, App, Effect, Step, Tab, moved};
use super::data::GridCounts;
use super::text::fit;
use crate::i18n::{t, words};

/// The history screen's update: moving through the rounds, and opening one on the round screen
/// (which then loads it, as an effect).
pub fn update(app: &mut App, action: &Action) -> Step {
    match action {
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::First
        | Action::Last => {
            app.history_selected = moved(app.history_selected, action, 10)
                .min(app.history.rows.len().saturating_sub(1));
            Step::Done
        }
        Action::OpenRound => match app.history.rows.get(app.history_selected) {
            Some(row) => {
                app.round = row.round;
                app.round_pinned =
                    app.round != super::data::round_for_patrol(&app.schedule, app.now);
                app.tab = Tab::Round;
                app.selected = 0;
                Step::Effect(Effect::Reload)
            }
            None => Step::Done,
        },
        _ => Step::NotMine,
    }
}

const ROUND_WIDTH: usize = 16;
const CELL_WIDTH: usize = 14;

fn cell(counts: &GridCounts) -> (String, Style) {
    let text = if counts.listed == 0 {
        "—".to_string()
    } else if counts.open_flags > 0 {
        format!(
            "{}/{} ⚑{}",
            counts.checked, counts.listed, counts.open_flags
        )
    } else {
        format!("{}/{}", counts.checked, counts.listed)
    };
    // An open patrol gap is marked as the flags screen shows it (#15).
    let text = if counts.gap {
        format!("▣{text}")
    } else {
        text
    };
    let style = if counts.gap {
        Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD)
    } else if counts.open_flags > 0 {
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else if counts.flagged > 0 {
        Style::new().fg(Color::Yellow)
    } else if counts.listed > 0 && counts.checked == counts.listed {
        Style::new().fg(Color::Green)
    } else {
        Style::new()
    };
    (text, style)
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let s = t(app.lang);
    let history = &app.history;
    if history.rows.is_empty() {
        frame.render_widget(Paragraph::new(Line::raw(s.history_empty.as_str())), area);
        return;
    }
    let mut header = vec![Span::styled(
        fit(&s.history_round, ROUND_WIDTH),
        Style::new().add_modifier(Modifier::BOLD),
    )];
    header.push(Span::styled(
        fit(&s.history_all, CELL_WIDTH),
        Style::new().add_modifier(Modifier::BOLD),
    ));
    for grid in &history.grids {
        header.push(Span::styled(
            fit(grid, CELL_WIDTH),
            Style::new().add_modifier(Modifier::BOLD),
        ));
    }
    let height = usize::from(area.height).saturating_sub(1);
    let selected = app
        .history_selected
        .min(history.rows.len().saturating_sub(1));
    let first = super::round_screen::first_line(selected, history.rows.len(), height);
    let mut lines = vec![Line::from(header)];
    for (index, row) in history.rows.iter().enumerate().skip(first).take(height) {
        let base = if index == selected {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        let mut spans = vec![Span::styled(
            fit(&words::round(app.lang, row.round), ROUND_WIDTH),
            base,
        )];
        for counts in std::iter::once(&row.total).chain(row.grids.iter()) {
            let (text, style) = cell(counts);
            spans.push(Span::styled(fit(&text, CELL_WIDTH), style.patch(base)));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Schedule;
    use crate::i18n::Lang;
    use crate::tui::data::{GridCounts, HistoryRow};

    #[test]
    fn the_history_update_moves_through_rounds_and_opens_one_without_a_database() {
        let schedule = Schedule::default();
        let now = crate::domain::time::parse_instant("2026-11-22 12:00", schedule.tz, None)
            .expect("a time");
        let mut app = App::new(Lang::Zh, "wang".into(), None, schedule, now);
        let patrol = app.round;
        app.tab = Tab::History;
        app.history.rows = (0..3)
            .map(|back| HistoryRow {
                round: (0..back).fold(patrol, |round, _| round.prev()),
                grids: Vec::new(),
                total: GridCounts::default(),
            })
            .collect();
        for _ in 0..5 {
            assert_eq!(update(&mut app, &Action::Down), Step::Done);
        }
        assert_eq!(app.history_selected, 2, "stops at the oldest round");
        update(&mut app, &Action::Up);
        assert_eq!(
            update(&mut app, &Action::OpenRound),
            Step::Effect(Effect::Reload)
        );
        assert_eq!(app.tab, Tab::Round);
        assert_eq!(app.round, patrol.prev());
        assert!(app.round_pinned);
        assert_eq!(
            update(&mut app, &Action::Mark(crate::domain::Observation::Open)),
            Step::NotMine
        );
    }
}
