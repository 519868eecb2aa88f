//! The flags screen: open flags, most severe first, for the grid worker; beside them the selected
//! flag's elder, the last 14 rounds, the call ladder's next step and the follow-up log. Its keys
//! are `keymap::FLAGS`; its update (below) is pure and asks for follow-ups and resolutions as
//! effects.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::app::{Action, App, Effect, Mode, Step, Tone, moved};
use super::data::{FlagDetail, GapFold};
use super::draw::status_style;
use super::text::fit;
use crate::domain::followup::FollowUpAction;
use crate::domain::followup::LadderStep;
use crate::domain::privacy::mask_phone;
use crate::domain::time::format_local;
use crate::domain::{Outcome, Severity};
use crate::i18n::{Lang, fill, t, words};
use crate::store::elders::Elder;
use crate::store::flags::FlagView;

/// What the flags screen holds between keys.
#[derive(Debug, Clone, Default)]
pub struct FlagsState {
    /// The open flags (a patrol gap's row stands for its missed flags), loaded while the screen
    /// shows: a district holds thousands.
    pub list: Vec<FlagView>,
    /// The open patrol gaps among them, each standing as one row of the list (#15).
    pub gaps: Vec<GapFold>,
    pub selected: usize,
    /// The selected flag's elder, history, ladder step and follow-ups.
    pub detail: Option<FlagDetail>,
    /// The flag and outcome picked in the outcome menu, waiting for `y`.
    pub resolving: Option<(i64, Outcome)>,
    /// Notifications given up on or maybe lost, shown on the flags screen (#7).
    pub notify_trouble: usize,
}

/// The flags screen's update: moving through the flags, the call ladder, the outcome menu and
/// its confirmation, and the note. Pure: what is logged or resolved is asked for as an
/// [`Effect`], carried out through `ops` by the event loop.
pub fn update(app: &mut App, action: &Action) -> Step {
    match action {
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::First
        | Action::Last
            if app.mode == Mode::Normal =>
        {
            app.flags.selected =
                moved(app.flags.selected, action, 10).min(app.flags.list.len().saturating_sub(1));
            Step::Effect(Effect::LoadFlagDetail)
        }
        Action::LadderResult(reached) => ladder_result(app, *reached),
        Action::StartResolve => {
            // On a patrol gap's row, one key resolves the gap and its missed flags (#15).
            let gap = app
                .flags
                .list
                .get(app.flags.selected)
                .and_then(|flag| app.gap_of(flag))
                .map(|fold| fold.gap.id);
            if let Some(gap_id) = gap {
                return Step::Effect(Effect::ResolveGap(gap_id));
            }
            if app.flags.detail.is_some() {
                app.overlay_scroll = 0;
                app.mode = Mode::PickOutcome;
            }
            Step::Done
        }
        Action::PickOutcome(outcome) => {
            if let Some(flag) = app.flags.list.get(app.flags.selected) {
                app.flags.resolving = Some((flag.id, *outcome));
                app.mode = Mode::ConfirmResolve;
            } else {
                app.mode = Mode::Normal;
            }
            Step::Done
        }
        Action::Resolve => {
            app.mode = Mode::Normal;
            let Some((id, outcome)) = app.flags.resolving.take() else {
                return Step::Done;
            };
            let name = app
                .flags
                .list
                .iter()
                .find(|flag| flag.id == id)
                .map(|flag| flag.name.clone())
                .unwrap_or_default();
            Step::Effect(Effect::Resolve { id, name, outcome })
        }
        Action::StartNote => {
            if app.flags.detail.is_some() {
                app.note.reset();
                app.mode = Mode::Note;
            }
            Step::Done
        }
        Action::SaveNote => {
            app.mode = Mode::Normal;
            let text = app.note.value().trim().to_string();
            app.note.reset();
            match (app.flags.list.get(app.flags.selected), text.is_empty()) {
                (Some(flag), false) => Step::Effect(Effect::FollowUp {
                    flag_id: flag.id,
                    action: FollowUpAction::Note,
                    note: Some(text),
                }),
                _ => Step::Done,
            }
        }
        _ => Step::NotMine,
    }
}

/// The call ladder's current step reached someone (`reached`) or not: asks for it to be logged
/// (then the next step shows), or says why there is nothing to log.
fn ladder_result(app: &mut App, reached: bool) -> Step {
    let (Some(flag), Some(detail)) = (
        app.flags.list.get(app.flags.selected),
        app.flags.detail.as_ref(),
    ) else {
        return Step::Done;
    };
    let Some(step) = detail.next_step else {
        app.say_in(Tone::Info, |lang| t(lang).tui_ladder_done.clone());
        return Step::Done;
    };
    let (success, failure) = step.results();
    let Some(action) = (if reached { Some(success) } else { failure }) else {
        app.say_in(Tone::Info, |lang| t(lang).tui_ladder_top.clone());
        return Step::Done;
    };
    Step::Effect(Effect::FollowUp {
        flag_id: flag.id,
        action,
        note: None,
    })
}

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
    if area.height == 0 || area.width == 0 {
        return;
    }
    // Notifications that did not go out are this screen's business: the flags they were about
    // may be unknown to the grid workers' group.
    let area = if app.flags.notify_trouble > 0 && area.height > 1 {
        let [warning, rest] = area.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
        ]));
        let text = fill(
            &s.tui_notify_trouble,
            &[("count", &app.flags.notify_trouble)],
        );
        frame.render_widget(
            Paragraph::new(Line::styled(
                fit(&text, usize::from(warning.width)),
                Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            )),
            warning,
        );
        rest
    } else {
        area
    };
    if app.flags.list.is_empty() {
        let mut text = s.tui_no_flags.clone();
        if let Some(grid) = &app.grid {
            text.push_str(&format!(" ({grid})"));
        }
        frame.render_widget(Paragraph::new(Line::raw(text)), area);
        return;
    }
    let (list, detail) = if area.width >= 110 {
        let [list, detail] = area.layout(&Layout::horizontal([
            Constraint::Percentage(50),
            Constraint::Fill(1),
        ]));
        (list, detail)
    } else {
        let list_height = (area.height / 3).max(3).min(area.height);
        let [list, detail] = area.layout(&Layout::vertical([
            Constraint::Length(list_height),
            Constraint::Fill(1),
        ]));
        (list, detail)
    };
    draw_list(frame, list, app);
    if let Some(detail_view) = &app.flags.detail {
        draw_detail(frame, detail, app, detail_view);
    } else if let Some(fold) = app
        .flags
        .list
        .get(app.flags.selected)
        .and_then(|flag| app.gap_of(flag))
    {
        draw_gap_detail(frame, detail, app, fold);
    }
}

/// A patrol gap's row (#15): `▣ 第二网格 晨巡 11月30日 未巡视：已查 2/15，13 位老人漏巡`.
fn gap_line(app: &App, fold: &GapFold, width: usize, base: Style) -> Line<'static> {
    let gap = &fold.gap;
    let text = format!(
        "▣ {}",
        words::gap_row(
            app.lang,
            &gap.grid,
            gap.round,
            gap.checked,
            gap.listed,
            gap.missed
        )
    );
    Line::styled(
        fit(&text, width),
        Style::new()
            .fg(Color::Magenta)
            .add_modifier(Modifier::BOLD)
            .patch(base),
    )
}

/// The selected gap: what it holds, who was not seen, and the key that resolves it.
fn draw_gap_detail(frame: &mut Frame, area: Rect, app: &App, fold: &GapFold) {
    if area.width < MIN_DETAIL_WIDTH {
        return;
    }
    let s = t(app.lang);
    let gap = &fold.gap;
    let mut lines = vec![
        Line::styled(
            words::gap_row(
                app.lang,
                &gap.grid,
                gap.round,
                gap.checked,
                gap.listed,
                gap.missed,
            ),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::styled(
            fill(&s.tui_gap_resolve_hint, &[("count", &fold.members.len())]),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
    ];
    if !fold.assigned.is_empty() {
        let separator = if app.lang == Lang::Zh { "、" } else { ", " };
        lines.insert(
            1,
            Line::raw(fill(
                &s.gap_assigned,
                &[("names", &fold.assigned.join(separator))],
            )),
        );
    }
    let seen = Style::new().fg(Color::DarkGray);
    for (id, name, open) in &fold.elders {
        let style = if *open { Style::new() } else { seen };
        let mark = if *open { "!" } else { "✓" };
        lines.push(Line::styled(format!("  {mark} {id} {name}"), style));
    }
    let title = format!("gap:{}", gap.id);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::new().borders(Borders::TOP).title(Line::from(title)))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn draw_list(frame: &mut Frame, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    let s = t(app.lang);
    let height = usize::from(area.height);
    let selected = app
        .flags
        .selected
        .min(app.flags.list.len().saturating_sub(1));
    let first = super::round_screen::first_line(selected, app.flags.list.len(), height);
    let width = usize::from(area.width);
    let lines: Vec<Line<'static>> = app
        .flags
        .list
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(index, flag)| {
            let is_selected = index == selected;
            let base = if is_selected {
                Style::new().add_modifier(Modifier::REVERSED)
            } else {
                Style::new()
            };
            if let Some(fold) = app.gap_of(flag) {
                return gap_line(app, fold, width, base);
            }
            let (status_colour, symbol) = status_style(flag.status);
            let streak = if flag.streak > 1 {
                fill(&s.tui_streak, &[("streak", &flag.streak)])
            } else {
                String::new()
            };
            // The selection is marked by `▶` too, not by reverse video alone: some phone
            // terminals draw reverse video faintly.
            let marker = Span::styled(if is_selected { "▶ " } else { "  " }, base);
            if width < usize::from(super::draw::PHONE_WIDTH) {
                // A phone: how bad, what, who, which round; the address is in the pane below.
                let severity_width = if app.lang == Lang::Zh { 4 } else { 8 };
                let rest = format!(
                    "{} {} {streak}",
                    fit(&flag.name, 8),
                    words::round(app.lang, flag.round),
                );
                return Line::from(vec![
                    marker,
                    Span::styled(
                        fit(words::severity(app.lang, flag.severity), severity_width),
                        severity_style(flag.severity).patch(base),
                    ),
                    Span::styled(format!(" {symbol} "), status_colour.patch(base)),
                    Span::styled(fit(&rest, width.saturating_sub(severity_width + 5)), base),
                ]);
            }
            let rest = format!(
                " {} {} · {} · {} {}",
                fit(&flag.name, 10),
                words::round(app.lang, flag.round),
                flag.address,
                flag.checker.as_deref().unwrap_or("—"),
                streak,
            );
            Line::from(vec![
                marker,
                Span::styled(
                    fit(words::severity(app.lang, flag.severity), 9),
                    severity_style(flag.severity).patch(base),
                ),
                Span::styled(
                    fit(
                        &format!("{symbol} {}", words::status(app.lang, flag.status)),
                        10,
                    ),
                    status_colour.patch(base),
                ),
                Span::styled(fit(&rest, width.saturating_sub(21)), base),
            ])
        })
        .collect();
    super::draw::draw_list_window(frame, area, lines, first, Some(selected));
}

/// A phone number as this person may see it.
fn phone(app: &App, number: &str) -> String {
    if app.show_phones {
        number.to_string()
    } else {
        mask_phone(number)
    }
}

fn person(app: &App, name: &Option<String>, number: &Option<String>) -> String {
    match (name, number) {
        (Some(name), Some(number)) => format!("{name} {}", phone(app, number)),
        (Some(name), None) => name.clone(),
        (None, Some(number)) => phone(app, number),
        (None, None) => "—".to_string(),
    }
}

/// The number to dial for a ladder step, if the roster has one.
fn step_number(app: &App, elder: &Elder, step: LadderStep) -> String {
    match step {
        LadderStep::PhoneElder => elder
            .phone
            .as_deref()
            .map_or_else(|| "—".into(), |p| phone(app, p)),
        LadderStep::Knock => elder.address.clone(),
        LadderStep::Keyholder => person(app, &elder.keyholder, &elder.keyholder_phone),
        LadderStep::Family => person(app, &elder.contact, &elder.contact_phone),
        LadderStep::Emergency => "110 / 120".to_string(),
    }
}

/// Narrower than this, the detail pane is left empty (see `draw_detail`).
const MIN_DETAIL_WIDTH: u16 = 4;

fn draw_detail(frame: &mut Frame, area: Rect, app: &App, detail: &FlagDetail) {
    // ratatui 0.30's wrapping Paragraph writes past a 2-column area when a line holds a wide
    // (CJK) character: found by tests/fuzz_inputs.rs at 2×32. Nothing readable fits anyway.
    if area.width < MIN_DETAIL_WIDTH {
        return;
    }
    let s = t(app.lang);
    let lang = app.lang;
    let elder = &detail.elder;
    let label = |text: &str| Span::styled(text.to_string(), Style::new().fg(Color::DarkGray));
    let mut lines = vec![
        Line::styled(
            format!("{} {} · {}", elder.name, elder.id, elder.grid),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Line::raw(elder.address.clone()),
        Line::from(vec![
            label(&format!("{}{}", s.detail_window, s.label_separator)),
            Span::raw(elder.window_hint.clone().unwrap_or_else(|| "—".into())),
        ]),
        Line::from(vec![
            label(&format!("{}{}", s.detail_notes, s.label_separator)),
            Span::raw(elder.notes.clone().unwrap_or_else(|| "—".into())),
        ]),
        Line::from(vec![
            label(&format!("{}{}", s.col_phone, s.label_separator)),
            Span::raw(
                elder
                    .phone
                    .as_deref()
                    .map_or_else(|| "—".into(), |p| phone(app, p)),
            ),
        ]),
        Line::from(vec![
            label(&format!("{}{}", s.detail_contact, s.label_separator)),
            Span::raw(person(app, &elder.contact, &elder.contact_phone)),
        ]),
        Line::from(vec![
            label(&format!("{}{}", s.detail_keyholder, s.label_separator)),
            Span::raw(person(app, &elder.keyholder, &elder.keyholder_phone)),
        ]),
    ];
    // The call ladder's next step right under whom it is about: what the grid worker does now
    // stays in sight on a phone's 20 rows, where the pane has room for a dozen lines.
    lines.splice(2..2, next_step_lines(app, detail));
    let mut strip = vec![label(&s.flag_history)];
    let statuses: Vec<_> = detail.history.iter().map(|(_, status)| *status).collect();
    strip.extend(super::round_screen::strip_spans(&statuses));
    lines.push(Line::from(strip));
    lines.push(Line::from(label(&format!(
        "  {}",
        super::round_screen::strip_legend(lang, None)
    ))));
    lines.push(Line::from(label(&s.flag_follow_ups)));
    if detail.follow_ups.is_empty() {
        lines.push(Line::raw(format!("  {}", s.flag_no_follow_ups)));
    }
    for entry in detail.follow_ups.iter().rev() {
        let what = words::follow_up_entry(lang, &entry.action);
        let at = crate::store::parse_ts(&entry.at)
            .map(|at| format_local(at, app.schedule.tz))
            .unwrap_or_else(|_| entry.at.clone());
        let note = entry
            .note
            .as_deref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default();
        lines.push(Line::raw(format!("  {at} {} {what}{note}", entry.actor)));
    }
    let title = fill(&s.flag_detail_title, &[("id", &detail.flag_id)]);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::new().borders(Borders::TOP).title(Line::from(title)))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn next_step_lines(app: &App, detail: &FlagDetail) -> Vec<Line<'static>> {
    let s = t(app.lang);
    let Some(step) = detail.next_step else {
        return vec![Line::styled(
            s.flag_ladder_done.clone(),
            Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        )];
    };
    let keys = if step == LadderStep::Emergency {
        &s.flag_step_keys_top
    } else {
        &s.flag_step_keys
    };
    vec![
        Line::from(vec![
            Span::styled(
                s.flag_next_step.clone(),
                Style::new().add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(
                    "{} {}",
                    words::ladder_step(app.lang, step),
                    step_number(app, &detail.elder, step)
                ),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::raw(format!("    [{keys}]")),
    ]
}

/// The outcome picker: 1–7.
pub fn outcome_lines(app: &App) -> Vec<Line<'static>> {
    let lang = app.lang;
    Outcome::ALL
        .iter()
        .enumerate()
        .map(|(index, outcome)| {
            Line::raw(format!("{}  {}", index + 1, words::outcome(lang, *outcome)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Schedule, Status};
    use crate::store::flags::FlagView;
    use crate::tui::app::Tab;

    fn elder(id: &str, name: &str) -> Elder {
        Elder {
            id: id.into(),
            name: name.into(),
            address: "长青小区 A区 1栋 1单元 101".into(),
            grid: "第一网格".into(),
            phone: Some("13800138000".into()),
            contact: None,
            contact_phone: None,
            notes: None,
            window_hint: None,
            route: Some(1),
            keyholder: None,
            keyholder_phone: None,
            own: Default::default(),
            added_at: chrono::DateTime::UNIX_EPOCH,
            archived_at: None,
        }
    }

    /// A flags screen with two open flags, the first one's detail loaded, and no database.
    fn screen() -> App {
        let schedule = Schedule::default();
        let now = crate::domain::time::parse_instant("2026-11-22 10:00", schedule.tz, None)
            .expect("a time");
        let mut app = App::new(Lang::Zh, "wang".into(), None, schedule, now);
        app.tab = Tab::Flags;
        app.flags.list = [(7, "CQ001", "王秀英"), (9, "CQ002", "张建国")]
            .into_iter()
            .map(|(id, elder_id, name)| FlagView {
                id,
                elder_id: elder_id.into(),
                name: name.into(),
                grid: "第一网格".into(),
                status: Status::Alert,
                severity: Severity::High,
                ..FlagView::default()
            })
            .collect();
        app.flags.detail = Some(FlagDetail {
            flag_id: 7,
            elder: elder("CQ001", "王秀英"),
            history: Vec::new(),
            follow_ups: Vec::new(),
            next_step: Some(LadderStep::PhoneElder),
        });
        app
    }

    #[test]
    fn the_flags_update_moves_and_asks_for_the_detail_without_a_database() {
        let mut app = screen();
        for _ in 0..4 {
            assert_eq!(
                update(&mut app, &Action::Down),
                Step::Effect(Effect::LoadFlagDetail)
            );
        }
        assert_eq!(app.flags.selected, 1, "stops at the last flag");
        update(&mut app, &Action::First);
        assert_eq!(app.flags.selected, 0);
        assert_eq!(
            update(&mut app, &Action::Mark(crate::domain::Observation::Open)),
            Step::NotMine
        );
    }

    #[test]
    fn the_call_ladder_asks_to_log_the_step_reached_or_not() {
        let mut app = screen();
        assert_eq!(
            update(&mut app, &Action::LadderResult(false)),
            Step::Effect(Effect::FollowUp {
                flag_id: 7,
                action: FollowUpAction::CalledNoAnswer,
                note: None,
            })
        );
        assert_eq!(
            update(&mut app, &Action::LadderResult(true)),
            Step::Effect(Effect::FollowUp {
                flag_id: 7,
                action: FollowUpAction::CalledAnswered,
                note: None,
            })
        );
        // The ladder climbed to the top: nothing to log, and the screen says what to do.
        if let Some(detail) = app.flags.detail.as_mut() {
            detail.next_step = None;
        }
        assert_eq!(update(&mut app, &Action::LadderResult(true)), Step::Done);
        let said = app.shown_message().map(|(_, text)| text);
        assert_eq!(said.as_deref(), Some(t(Lang::Zh).tui_ladder_done.as_str()));
    }

    #[test]
    fn resolving_asks_once_and_only_then_asks_for_the_resolution() {
        let mut app = screen();
        assert_eq!(update(&mut app, &Action::StartResolve), Step::Done);
        assert_eq!(app.mode, Mode::PickOutcome);
        assert_eq!(
            update(&mut app, &Action::PickOutcome(Outcome::ALL[0])),
            Step::Done,
            "a digit picks, it does not resolve"
        );
        assert_eq!(app.mode, Mode::ConfirmResolve);
        assert_eq!(app.flags.resolving, Some((7, Outcome::ALL[0])));
        assert_eq!(
            update(&mut app, &Action::Resolve),
            Step::Effect(Effect::Resolve {
                id: 7,
                name: "王秀英".into(),
                outcome: Outcome::ALL[0],
            })
        );
        assert_eq!(app.mode, Mode::Normal);
        assert_eq!(app.flags.resolving, None);
        assert_eq!(
            update(&mut app, &Action::Resolve),
            Step::Done,
            "nothing picked, nothing resolved"
        );
    }

    #[test]
    fn a_patrol_gap_row_asks_for_the_gap_to_be_resolved_at_once() {
        let mut app = screen();
        let round = app.round;
        app.flags.list.insert(
            0,
            FlagView {
                id: -3,
                ..FlagView::default()
            },
        );
        app.flags.gaps = vec![GapFold {
            gap: crate::store::gaps::Gap {
                id: 3,
                grid: "第一网格".into(),
                round,
                listed: 15,
                checked: 2,
                missed: 13,
                state: crate::domain::gap::GapState::Open,
                formed_at: String::new(),
                closed_at: None,
                closed_by: None,
                outcome: None,
                note: None,
                flag_ids: Vec::new(),
                assigned: Vec::new(),
            },
            members: Vec::new(),
            elders: Vec::new(),
            assigned: Vec::new(),
        }];
        assert_eq!(
            update(&mut app, &Action::StartResolve),
            Step::Effect(Effect::ResolveGap(3))
        );
        assert_eq!(app.mode, Mode::Normal, "no outcome menu for a gap");
    }

    #[test]
    fn a_note_is_asked_for_when_typed_and_never_when_empty() {
        let mut app = screen();
        update(&mut app, &Action::StartNote);
        assert_eq!(app.mode, Mode::Note);
        assert_eq!(update(&mut app, &Action::SaveNote), Step::Done);
        assert_eq!(app.mode, Mode::Normal);
        update(&mut app, &Action::StartNote);
        app.note = tui_input::Input::new("  家属已到  ".into());
        assert_eq!(
            update(&mut app, &Action::SaveNote),
            Step::Effect(Effect::FollowUp {
                flag_id: 7,
                action: FollowUpAction::Note,
                note: Some("家属已到".into()),
            })
        );
        assert_eq!(app.note.value(), "", "the field is emptied");
    }
}
