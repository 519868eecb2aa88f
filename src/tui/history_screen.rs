//! The history screen: days × rounds, with completion and flags per grid, so a grid worker sees
//! a month at a glance; Enter opens the selected round on the patrol screen. Its keys are
//! `keymap::HISTORY`; its update is pure.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::app::{Action, App, Effect, Step, Tab, moved};
use super::data::GridCounts;
use super::text::fit;
use crate::i18n::{t, words};

/// What the history screen holds between keys.
#[derive(Debug, Clone, Default)]
pub struct HistoryState {
    /// Days × rounds with completion and flags per grid, loaded while the screen shows.
    pub view: super::data::HistoryView,
    pub selected: usize,
}

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
            app.history.selected = moved(app.history.selected, action, 10)
                .min(app.history.view.rows.len().saturating_sub(1));
            Step::Done
        }
        Action::OpenRound => match app.history.view.rows.get(app.history.selected) {
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
    let history = &app.history.view;
    if history.rows.is_empty() {
        frame.render_widget(Paragraph::new(Line::raw(s.history_empty.as_str())), area);
        return;
    }
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let header = Row::new(
        std::iter::once(Cell::from(fit(&s.history_round, ROUND_WIDTH)).style(bold))
            .chain(
                std::iter::once(s.history_all.as_str())
                    .chain(history.grids.iter().map(String::as_str))
                    .map(|grid| Cell::from(fit(grid, CELL_WIDTH)).style(bold)),
            )
            .collect::<Vec<_>>(),
    );
    let height = usize::from(area.height).saturating_sub(1);
    let selected = app
        .history
        .selected
        .min(history.rows.len().saturating_sub(1));
    let first = super::round_screen::first_line(selected, history.rows.len(), height);
    // Only the rounds in sight are built; the selection sits a third of the way down.
    let rows: Vec<Row> = history
        .rows
        .iter()
        .skip(first)
        .take(height)
        .map(|row| {
            let round = Cell::from(fit(&words::round(app.lang, row.round), ROUND_WIDTH));
            let counts = std::iter::once(&row.total)
                .chain(row.grids.iter())
                .map(|counts| {
                    let (text, style) = cell(counts);
                    Cell::from(fit(&text, CELL_WIDTH)).style(style)
                });
            Row::new(std::iter::once(round).chain(counts).collect::<Vec<_>>())
        })
        .collect();
    // Columns past the screen's edge are cut there, as a line would be.
    let mut room = area.width;
    let widths: Vec<Constraint> = std::iter::once(ROUND_WIDTH)
        .chain(std::iter::repeat_n(CELL_WIDTH, history.grids.len() + 1))
        .map(|width| {
            let width = u16::try_from(width).unwrap_or(u16::MAX).min(room);
            room -= width;
            Constraint::Length(width)
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(0)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let mut state = TableState::default()
        .with_offset(0)
        .with_selected(selected.checked_sub(first));
    frame.render_stateful_widget(table, area, &mut state);
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
        app.history.view.rows = (0..3)
            .map(|back| HistoryRow {
                round: (0..back).fold(patrol, |round, _| round.prev()),
                grids: Vec::new(),
                total: GridCounts::default(),
            })
            .collect();
        for _ in 0..5 {
            assert_eq!(update(&mut app, &Action::Down), Step::Done);
        }
        assert_eq!(app.history.selected, 2, "stops at the oldest round");
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
