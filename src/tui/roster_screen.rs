//! The roster screen: every elder in route order, archived ones too (dimmed; never deleted, their
//! history stays). `x` archives or restores, `+`/`-` move an elder along the route, `i` imports a
//! file typed in by path, shown first as a preview and applied all or nothing. Its keys are
//! `keymap::ROSTER` and [`mode_key`]; its update is pure and asks for every change as an effect.

use std::path::{Path, PathBuf};

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use unicode_width::UnicodeWidthStr;

use super::app::{self, Action, App, Effect, Mode, Step, Tab, Tone, moved};
use super::text::fit;
use crate::domain::assignment::Part;
use crate::domain::privacy::mask_phone;
use crate::i18n::{fill, t};
use crate::import::{Problem, RosterRow};
use crate::store::elders::{self, Elder, ImportPlan};

/// What the roster screen holds between keys.
#[derive(Debug, Clone, Default)]
pub struct RosterState {
    /// Every elder, archived ones too, in route order.
    pub elders: Vec<Elder>,
    pub selected: usize,
    /// The file read for import, waiting for Enter.
    pub preview: Option<Preview>,
    pub preview_scroll: usize,
    /// The add or edit form, while it is open.
    pub form: Option<Form>,
}

/// The form for adding or editing one elder: every field of the roster, in the order of
/// [`FormField`]. The id is typed only for a new elder; it never changes.
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// The elder being edited; `None` for a new one.
    pub editing: Option<Elder>,
    pub fields: [tui_input::Input; FORM_FIELDS],
    pub focus: usize,
}

pub const FORM_FIELDS: usize = 15;

/// The form's fields, by their place on it. Notes stay last: `↑` from the name reaches them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Id,
    Name,
    Address,
    Grid,
    Phone,
    WindowHint,
    Contact,
    ContactPhone,
    Keyholder,
    KeyholderPhone,
    Route,
    MorningWindow,
    EveningWindow,
    Community,
    Notes,
}

impl FormField {
    pub const ALL: [FormField; FORM_FIELDS] = [
        FormField::Id,
        FormField::Name,
        FormField::Address,
        FormField::Grid,
        FormField::Phone,
        FormField::WindowHint,
        FormField::Contact,
        FormField::ContactPhone,
        FormField::Keyholder,
        FormField::KeyholderPhone,
        FormField::Route,
        FormField::MorningWindow,
        FormField::EveningWindow,
        FormField::Community,
        FormField::Notes,
    ];

    fn label(self, lang: crate::i18n::Lang) -> &'static str {
        let s = t(lang);
        match self {
            FormField::Id => &s.col_id,
            FormField::Name => &s.col_name,
            FormField::Address => &s.col_address,
            FormField::Grid => &s.col_grid,
            FormField::Phone => &s.col_phone,
            FormField::WindowHint => &s.roster_col_window,
            FormField::Contact => &s.detail_contact,
            FormField::ContactPhone => &s.form_contact_phone,
            FormField::Keyholder => &s.detail_keyholder,
            FormField::KeyholderPhone => &s.form_keyholder_phone,
            FormField::Route => &s.col_route,
            FormField::MorningWindow => &s.form_morning_window,
            FormField::EveningWindow => &s.form_evening_window,
            FormField::Community => &s.form_community,
            FormField::Notes => &s.detail_notes,
        }
    }

    /// The elder's value of this field, as the form shows it.
    fn of(self, elder: &Elder) -> Option<String> {
        match self {
            FormField::Id => Some(elder.id.clone()),
            FormField::Name => Some(elder.name.clone()),
            FormField::Address => Some(elder.address.clone()),
            FormField::Grid => Some(elder.grid.clone()),
            FormField::Phone => elder.phone.clone(),
            FormField::WindowHint => elder.window_hint.clone(),
            FormField::Contact => elder.contact.clone(),
            FormField::ContactPhone => elder.contact_phone.clone(),
            FormField::Keyholder => elder.keyholder.clone(),
            FormField::KeyholderPhone => elder.keyholder_phone.clone(),
            FormField::Route => elder.route.map(|route| route.to_string()),
            FormField::MorningWindow => elders::window_text(elder.own.morning),
            FormField::EveningWindow => elders::window_text(elder.own.evening),
            FormField::Community => elder.own.community.clone(),
            FormField::Notes => elder.notes.clone(),
        }
    }
}

impl Form {
    fn first_field(&self) -> usize {
        usize::from(self.editing.is_some())
    }

    fn value(&self, field: FormField) -> String {
        self.fields[field as usize].value().trim().to_string()
    }

    fn optional(&self, field: FormField) -> Option<String> {
        Some(self.value(field)).filter(|text| !text.is_empty())
    }
}

/// A roster file read and judged, not yet written.
#[derive(Debug, Clone)]
pub struct Preview {
    pub file: String,
    /// The rows and what importing them would do; or every problem, and nothing may be imported.
    pub outcome: Result<(Vec<RosterRow>, ImportPlan), Vec<Problem>>,
}

/// The roster screen's own overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterMode {
    /// Asking `y` before archiving or restoring the selected elder.
    Confirm,
    /// Typing the path of a file to import.
    Path,
    /// Showing what the import would do.
    Preview,
    /// Adding or editing one elder.
    Form,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RosterAction {
    /// Archive the selected elder, or restore an archived one (asks first).
    ToggleArchive,
    Confirm,
    Cancel,
    Move {
        later: bool,
    },
    StartImport,
    PathKey(KeyEvent),
    ReadFile,
    Apply,
    Scroll {
        down: bool,
    },
    New,
    Edit,
    FormKey(KeyEvent),
    FormFocus {
        next: bool,
    },
    SaveForm,
    /// The selected elder is back: end their absence from today.
    EndAbsence,
}

/// Keys inside the roster screen's overlays.
pub fn mode_key(mode: RosterMode, key: KeyEvent) -> Option<Action> {
    let action = match (mode, key.code) {
        (RosterMode::Confirm, KeyCode::Char('y') | KeyCode::Char('Y')) => RosterAction::Confirm,
        (RosterMode::Confirm, _) => RosterAction::Cancel,
        (RosterMode::Path, KeyCode::Enter) => RosterAction::ReadFile,
        (RosterMode::Path, KeyCode::Esc) => RosterAction::Cancel,
        (RosterMode::Path, _) => RosterAction::PathKey(key),
        (RosterMode::Preview, KeyCode::Enter) => RosterAction::Apply,
        (RosterMode::Preview, KeyCode::Esc | KeyCode::Char('q')) => RosterAction::Cancel,
        (RosterMode::Preview, KeyCode::Up | KeyCode::Char('k')) => {
            RosterAction::Scroll { down: false }
        }
        (RosterMode::Preview, KeyCode::Down | KeyCode::Char('j')) => {
            RosterAction::Scroll { down: true }
        }
        (RosterMode::Preview, _) => return None,
        (RosterMode::Form, KeyCode::Enter) => RosterAction::SaveForm,
        (RosterMode::Form, KeyCode::Esc) => RosterAction::Cancel,
        (RosterMode::Form, KeyCode::Tab | KeyCode::Down) => RosterAction::FormFocus { next: true },
        (RosterMode::Form, KeyCode::BackTab | KeyCode::Up) => {
            RosterAction::FormFocus { next: false }
        }
        (RosterMode::Form, _) => RosterAction::FormKey(key),
    };
    Some(Action::Roster(action))
}

/// The footer's key hints for the roster's overlays.
pub fn footer_keys(app: &App, mode: RosterMode) -> &'static String {
    let s = t(app.lang);
    match mode {
        RosterMode::Confirm => &s.keys_roster_confirm,
        RosterMode::Path => &s.keys_roster_path,
        RosterMode::Form => &s.keys_roster_form,
        RosterMode::Preview => match app.roster.preview.as_ref().map(|p| &p.outcome) {
            Some(Ok((_, plan))) if plan.changes_anything() => &s.keys_roster_preview,
            _ => &s.keys_roster_problems,
        },
    }
}

impl RosterState {
    pub fn selected_elder(&self) -> Option<&Elder> {
        self.elders.get(self.selected)
    }

    pub fn clamp(&mut self) {
        self.selected = self.selected.min(self.elders.len().saturating_sub(1));
    }
}

/// What the admin typed, as a path: surrounding quotes (a pasted path) dropped, `~/` expanded.
pub fn typed_path(text: &str) -> PathBuf {
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'').trim();
    if let Some(rest) = text.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return Path::new(&home).join(rest);
    }
    PathBuf::from(text)
}

/// The roster screen's update: moving through the roster, its overlays (the confirmation, the
/// path box, the preview, the form, the assignment) and what they ask for. Pure: no database;
/// a change to the roster, reading a file, an assignment are asked for as an [`Effect`] that
/// the event loop carries out through `ops`.
pub fn update(app: &mut App, action: &Action) -> Step {
    match action {
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::First
        | Action::Last
            if app.tab == Tab::Roster && app.mode == Mode::Normal =>
        {
            app.roster.selected = moved(app.roster.selected, action, 10);
            app.roster.clamp();
            Step::Done
        }
        Action::Roster(roster_action) => roster_update(app, roster_action),
        Action::StartAssign => {
            if app.tab == Tab::Roster && app.roster.selected_elder().is_some() {
                app.note.reset();
                app.mode = Mode::Assign;
            }
            Step::Done
        }
        Action::SaveAssign if app.tab == Tab::Roster => save_assign(app),
        _ => Step::NotMine,
    }
}

fn roster_update(app: &mut App, action: &RosterAction) -> Step {
    let selected = app
        .roster
        .selected_elder()
        .map(|elder| (elder.id.clone(), elder.name.clone(), elder.active()));
    match action {
        RosterAction::ToggleArchive => {
            if selected.is_some() {
                app.mode = Mode::Roster(RosterMode::Confirm);
            }
        }
        RosterAction::Confirm => {
            app.mode = Mode::Normal;
            if let Some((id, name, active)) = selected {
                return Step::Effect(Effect::ToggleArchive { id, name, active });
            }
        }
        RosterAction::EndAbsence => {
            if let Some((id, name, _)) = selected {
                return Step::Effect(Effect::EndAbsence { id, name });
            }
        }
        RosterAction::Cancel => {
            app.mode = Mode::Normal;
            app.roster.preview = None;
            app.roster.form = None;
            app.note.reset();
            app.say_in(Tone::Info, |lang| t(lang).roster_cancelled.clone());
        }
        RosterAction::Move { later } => {
            if let Some((id, name, _)) = selected {
                return Step::Effect(Effect::MoveInRoute {
                    id,
                    name,
                    later: *later,
                });
            }
        }
        RosterAction::StartImport => {
            app.note.reset();
            app.roster.preview = None;
            app.mode = Mode::Roster(RosterMode::Path);
        }
        RosterAction::PathKey(key) => {
            app.type_into(|app| &mut app.note, *key, super::text::PATH_CHARS)
        }
        RosterAction::ReadFile => {
            let typed = app.note.value().to_string();
            app.note.reset();
            app.mode = Mode::Normal;
            if typed.trim().is_empty() {
                app.say_in(Tone::Info, |lang| t(lang).roster_cancelled.clone());
            } else {
                return Step::Effect(Effect::ReadRosterFile(typed));
            }
        }
        RosterAction::New => {
            app.roster.form = Some(Form::default());
            app.mode = Mode::Roster(RosterMode::Form);
        }
        RosterAction::Edit => {
            if let Some(elder) = app.roster.selected_elder().cloned() {
                let values = FormField::ALL.map(|field| field.of(&elder));
                let fields = values.map(|value| tui_input::Input::new(value.unwrap_or_default()));
                app.roster.form = Some(Form {
                    editing: Some(elder),
                    fields,
                    focus: 1,
                });
                app.mode = Mode::Roster(RosterMode::Form);
            }
        }
        RosterAction::FormKey(key) => {
            let full = app.roster.form.as_mut().is_some_and(|form| {
                !super::text::type_into(&mut form.fields[form.focus], *key, super::text::FORM_CHARS)
            });
            if full {
                app.say_field_full(super::text::FORM_CHARS);
            }
        }
        RosterAction::FormFocus { next } => {
            if let Some(form) = &mut app.roster.form {
                let first = form.first_field();
                form.focus = if *next {
                    if form.focus + 1 >= FORM_FIELDS {
                        first
                    } else {
                        form.focus + 1
                    }
                } else if form.focus <= first {
                    FORM_FIELDS - 1
                } else {
                    form.focus - 1
                };
            }
        }
        RosterAction::SaveForm => return save_form(app),
        RosterAction::Apply => return apply(app),
        RosterAction::Scroll { down } => {
            app.roster.preview_scroll = if *down {
                app.roster.preview_scroll.saturating_add(1)
            } else {
                app.roster.preview_scroll.saturating_sub(1)
            };
        }
    }
    Step::Done
}

/// The typed assignment (`王阿姨 3栋 5栋` or `王阿姨 1-20`) for the selected elder's grid.
fn save_assign(app: &mut App) -> Step {
    app.mode = Mode::Normal;
    let text = app.note.value().to_string();
    app.note.reset();
    let Some(grid) = app.roster.selected_elder().map(|elder| elder.grid.clone()) else {
        return Step::Done;
    };
    let mut words_typed = text.split_whitespace();
    let Some(volunteer) = words_typed.next().map(str::to_string) else {
        return Step::Done;
    };
    let rest: Vec<String> = words_typed.map(str::to_string).collect();
    let part = match rest.as_slice() {
        [] => Part::WholeGrid,
        [range] if range.contains('-') => match crate::ops::input::parse_route_range(range) {
            Ok((from, to)) => Part::Route { from, to },
            Err(refusal) => {
                app::show_error(app, &refusal.into(), true);
                return Step::Done;
            }
        },
        _ => Part::Buildings(rest),
    };
    Step::Effect(Effect::Assign {
        volunteer,
        grid,
        part,
    })
}

/// What the preview asks for when applied: the rows, if they change anything and have no
/// problem; else it says why nothing is imported.
fn apply(app: &mut App) -> Step {
    app.mode = Mode::Normal;
    let Some(preview) = app.roster.preview.take() else {
        return Step::Done;
    };
    match preview.outcome {
        Ok((rows, plan)) if plan.changes_anything() => Step::Effect(Effect::ImportRoster {
            file: preview.file,
            rows,
        }),
        Ok(_) => {
            app.say_in(Tone::Info, |lang| t(lang).roster_preview_nothing.clone());
            Step::Done
        }
        Err(problems) => {
            app.say_in(Tone::Problem, |lang| {
                fill(
                    &t(lang).roster_import_refused,
                    &[("file", &preview.file), ("count", &problems.len())],
                )
            });
            Step::Done
        }
    }
}

/// Reads the form into a roster row, as an import reads a sheet's row: a missing id or name, a
/// bad window or route keeps the form open (nothing typed is lost) and says what to fix. A route
/// left empty is `None`: the elder's own, or the end of the route for a new elder.
fn save_form(app: &mut App) -> Step {
    let Some(form) = app.roster.form.as_ref() else {
        app.mode = Mode::Normal;
        return Step::Done;
    };
    let (id, name) = (form.value(FormField::Id), form.value(FormField::Name));
    if id.is_empty() || name.is_empty() {
        app.say_in(Tone::Problem, |lang| t(lang).roster_form_need.clone());
        return Step::Done;
    }
    let window = |field: FormField| -> Result<Option<_>, String> {
        match form.optional(field) {
            None => Ok(None),
            Some(text) => crate::import::parse_window(&text).map(Some).ok_or(text),
        }
    };
    let (morning_window, evening_window) = match (
        window(FormField::MorningWindow),
        window(FormField::EveningWindow),
    ) {
        (Ok(morning), Ok(evening)) => (morning, evening),
        (Err(text), _) | (_, Err(text)) => {
            app.say_in(Tone::Problem, |lang| {
                fill(&t(lang).roster_form_bad_window, &[("text", &text)])
            });
            return Step::Done;
        }
    };
    let route = match form.optional(FormField::Route) {
        Some(text) => match text.parse::<i64>() {
            Ok(route) => Some(route),
            Err(_) => {
                app.say_in(Tone::Problem, |lang| {
                    fill(&t(lang).roster_form_bad_route, &[("text", &text)])
                });
                return Step::Done;
            }
        },
        None => None,
    };
    let row = RosterRow {
        line: 0,
        id,
        name,
        address: form.value(FormField::Address),
        grid: form.value(FormField::Grid),
        phone: form.optional(FormField::Phone),
        contact: form.optional(FormField::Contact),
        contact_phone: form.optional(FormField::ContactPhone),
        notes: form.optional(FormField::Notes),
        window_hint: form.optional(FormField::WindowHint),
        route,
        keyholder: form.optional(FormField::Keyholder),
        keyholder_phone: form.optional(FormField::KeyholderPhone),
        morning_window,
        evening_window,
        // Empty: the configured community.
        community: form.optional(FormField::Community),
        columns: crate::import::ColumnSet::ALL,
    };
    Step::Effect(Effect::SaveElder {
        new: form.editing.is_none(),
        row: Box::new(row),
    })
}

/// Column widths for the table: (route, id, name, mark, grid, address, phone, window); a zero
/// width leaves the column out.
fn widths(app: &App, width: usize) -> [usize; 8] {
    let s = t(app.lang);
    let longest = |f: &dyn Fn(&Elder) -> usize, header: &str, min: usize, max: usize| {
        app.roster
            .elders
            .iter()
            .map(f)
            .chain([header.width()])
            .max()
            .unwrap_or(0)
            .clamp(min, max)
    };
    let route = longest(
        &|e| e.route.map_or(1, |r| r.to_string().len()),
        &s.col_route,
        3,
        6,
    ) + 1;
    let id = longest(&|e| e.id.width(), &s.col_id, 4, 10) + 1;
    let name = longest(&|e| e.name.width(), &s.col_name, 4, 10) + 1;
    let mark = if app.roster.elders.iter().any(|e| !e.active()) {
        s.archived.width() + 1
    } else {
        0
    };
    let rest = width.saturating_sub(route + id + name + mark);
    let phone = longest(
        &|e| e.phone.as_deref().map_or(0, UnicodeWidthStr::width),
        &s.col_phone,
        11,
        16,
    ) + 1;
    let (grid, phone) = if rest >= 38 + phone {
        (11, phone)
    } else if rest >= 30 {
        (11, 0)
    } else {
        (0, 0)
    };
    let rest = rest - grid - phone;
    let (address, window) = if rest >= 40 {
        let address = rest * 55 / 100;
        (address, rest - address)
    } else {
        (rest, 0)
    };
    [route, id, name, mark, grid, address, phone, window]
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let s = t(app.lang);
    let roster = &app.roster;
    if roster.elders.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::raw(s.roster_empty.as_str())).wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let w = widths(app, usize::from(area.width));
    // The columns shown, each a cell of its width with a space after its text; on a screen too
    // narrow for them all, the last ones are cut at its edge.
    let mut room = area.width;
    let shown: Vec<Constraint> = w
        .iter()
        .filter(|width| **width > 0)
        .map(|width| {
            let width = u16::try_from(*width).unwrap_or(u16::MAX).min(room);
            room -= width;
            Constraint::Length(width)
        })
        .collect();
    let cells = |texts: [&str; 8]| -> Row<'static> {
        Row::new(
            texts
                .iter()
                .zip(w)
                .filter(|(_, width)| *width > 0)
                .map(|(text, width)| Cell::from(fit(text, width - 1)))
                .collect::<Vec<_>>(),
        )
    };
    let header = cells([
        &s.col_route,
        &s.col_id,
        &s.col_name,
        "",
        &s.col_grid,
        &s.col_address,
        &s.col_phone,
        &s.roster_col_window,
    ])
    .style(Style::new().add_modifier(Modifier::BOLD));
    let selected = roster.selected.min(roster.elders.len().saturating_sub(1));
    // The selected elder's window hint and notes, on the last line, when there is room.
    let detail = (area.height >= 6)
        .then(|| roster.elders.get(selected))
        .flatten()
        .map(|elder| {
            let mut parts = vec![format!("{} {}", elder.id, elder.name)];
            if let Some(hint) = &elder.window_hint {
                parts.push(format!(
                    "{}{}{hint}",
                    s.roster_col_window, s.label_separator
                ));
            }
            if let Some(notes) = &elder.notes {
                parts.push(format!("{}{}{notes}", s.detail_notes, s.label_separator));
            }
            parts.join(" · ")
        });
    let height = usize::from(area.height).saturating_sub(1 + usize::from(detail.is_some()));
    let first = super::round_screen::first_line(selected, roster.elders.len(), height);
    // Only the rows in sight are built (a district's roster holds 30,000 elders).
    let rows: Vec<Row> = roster
        .elders
        .iter()
        .skip(first)
        .take(height)
        .map(|elder| {
            let route = elder
                .route
                .map_or_else(|| "—".to_string(), |r| r.to_string());
            let phone = elder.phone.as_deref().map(mask_phone).unwrap_or_default();
            let mark = if elder.active() {
                ""
            } else {
                s.archived.as_str()
            };
            let style = if elder.active() {
                Style::new()
            } else {
                Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM)
            };
            cells([
                &route,
                &elder.id,
                &elder.name,
                mark,
                &elder.grid,
                &elder.address,
                &phone,
                elder.window_hint.as_deref().unwrap_or(""),
            ])
            .style(style)
        })
        .collect();
    let table_height = u16::try_from(height + 1)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let [table_area, _, detail_area] = area.layout(&Layout::vertical([
        Constraint::Length(table_height),
        Constraint::Fill(1),
        Constraint::Length(u16::from(detail.is_some())),
    ]));
    let table = Table::new(rows, shown)
        .header(header)
        .column_spacing(0)
        .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED));
    let mut state = TableState::default()
        .with_offset(0)
        .with_selected(selected.checked_sub(first));
    frame.render_stateful_widget(table, table_area, &mut state);
    if let Some(detail) = detail {
        frame.render_widget(
            Paragraph::new(Line::styled(
                super::text::truncate(&detail, usize::from(area.width)),
                Style::new().fg(Color::Cyan),
            )),
            detail_area,
        );
    }
}

/// The roster's overlays: the confirmation, the path box, the import preview.
pub fn draw_overlay(frame: &mut Frame, area: Rect, app: &App, mode: RosterMode) {
    let s = t(app.lang);
    match mode {
        RosterMode::Path => super::draw::draw_note(frame, area, app, &s.roster_path_title),
        RosterMode::Confirm => {
            let Some(elder) = app.roster.selected_elder() else {
                return;
            };
            let template = if elder.active() {
                &s.roster_confirm_archive
            } else {
                &s.roster_confirm_restore
            };
            let text = fill(template, &[("name", &elder.name), ("id", &elder.id)]);
            popup(frame, area, "", vec![Line::raw(text)], 60, 6);
        }
        RosterMode::Form => draw_form(frame, area, app),
        RosterMode::Preview => {
            let Some(preview) = &app.roster.preview else {
                return;
            };
            let title = fill(&s.roster_preview_title, &[("file", &preview.file)]);
            let lines = preview_lines(app, preview);
            let width = 76.min(area.width);
            let inner = usize::from(width.saturating_sub(2)).max(1);
            // Room for each line as wrapped (a word that does not fit takes one more row).
            let rows: usize = lines
                .iter()
                .map(|line| match line.width() {
                    0 => 1,
                    w if w <= inner => 1,
                    w => w.div_ceil(inner) + 1,
                })
                .sum();
            let height = u16::try_from(rows + 2).unwrap_or(u16::MAX);
            let lines: Vec<Line> = lines
                .into_iter()
                .skip(app.roster.preview_scroll)
                .map(Line::raw)
                .collect();
            popup(frame, area, &title, lines, width, height);
        }
    }
}

/// The preview in words: what would change, or every problem with its line and column.
pub fn preview_lines(app: &App, preview: &Preview) -> Vec<String> {
    let s = t(app.lang);
    let mut lines = Vec::new();
    match &preview.outcome {
        Ok((rows, plan)) => {
            lines.push(fill(
                &s.roster_preview_plan,
                &[
                    ("rows", &rows.len()),
                    ("added", &plan.added.len()),
                    ("updated", &plan.updated.len()),
                    ("unchanged", &plan.unchanged),
                ],
            ));
            if !plan.added.is_empty() {
                let ids = plan.added.join(", ");
                lines.push(fill(&s.roster_preview_added, &[("ids", &ids)]));
            }
            if !plan.updated.is_empty() {
                let ids = plan.updated.join(", ");
                lines.push(fill(&s.roster_preview_updated, &[("ids", &ids)]));
            }
            // Per elder, every field that changes from what to what, clears included: what
            // `import --dry-run` prints.
            let see_phones = app.actor.can(crate::domain::access::Capability::SeePhones);
            lines.extend(
                crate::ops::messages::import_changes(app.lang, plan, see_phones)
                    .into_iter()
                    .map(|line| format!("  {line}")),
            );
            if !plan.not_in_file.is_empty() {
                lines.push(fill(
                    &s.roster_preview_not_in_file,
                    &[("count", &plan.not_in_file.len())],
                ));
            }
            lines.push(String::new());
            lines.push(if plan.changes_anything() {
                s.roster_preview_apply.clone()
            } else {
                s.roster_preview_nothing.clone()
            });
        }
        Err(problems) => {
            lines.push(fill(
                &s.roster_import_refused,
                &[("file", &preview.file), ("count", &problems.len())],
            ));
            for problem in problems {
                lines.push(format!(
                    "· {}",
                    crate::ops::messages::import_problem(app.lang, problem)
                ));
            }
        }
    }
    lines
}

fn popup(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>, width: u16, height: u16) {
    let rect = super::draw::centered(area, width, height);
    super::draw::clear_under(frame, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::new().borders(Borders::ALL).title(Line::from(title)))
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn draw_form(frame: &mut Frame, area: Rect, app: &App) {
    let Some(form) = &app.roster.form else {
        return;
    };
    let s = t(app.lang);
    let title = match &form.editing {
        Some(elder) => fill(
            &s.roster_form_edit_title,
            &[("name", &elder.name), ("id", &elder.id)],
        ),
        None => s.roster_form_new_title.clone(),
    };
    let labels: Vec<&str> = FormField::ALL.iter().map(|f| f.label(app.lang)).collect();
    let label_width = labels.iter().map(|l| l.width()).max().unwrap_or(0) + 2;
    let rect = super::draw::centered(area, 70, u16::try_from(FORM_FIELDS + 2).unwrap_or(16));
    // On a short screen the form scrolls to keep the field being typed in sight.
    let shown = usize::from(rect.height.saturating_sub(2)).max(1);
    let first = form.focus.saturating_sub(shown - 1);
    super::draw::clear_under(frame, rect);
    let value_width = usize::from(rect.width.saturating_sub(2)).saturating_sub(label_width);
    let mut lines = Vec::new();
    let mut cursor = None;
    for (index, (label, input)) in labels
        .iter()
        .zip(&form.fields)
        .enumerate()
        .skip(first)
        .take(shown)
    {
        let focused = index == form.focus;
        let read_only = index == 0 && form.editing.is_some();
        let scroll = if focused {
            input.visual_scroll(value_width.saturating_sub(1))
        } else {
            0
        };
        let shown = skip_columns(input.value(), scroll);
        let value_style = if read_only {
            Style::new().fg(Color::DarkGray)
        } else if focused {
            Style::new().add_modifier(Modifier::UNDERLINED)
        } else {
            Style::new()
        };
        let label_style = if focused {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new().fg(Color::DarkGray)
        };
        lines.push(Line::from(vec![
            Span::styled(fit(label, label_width), label_style),
            Span::styled(fit(&shown, value_width), value_style),
        ]));
        if focused {
            cursor = Some((index - first, input.visual_cursor().saturating_sub(scroll)));
        }
    }
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(Line::from(title))),
        rect,
    );
    if let Some((row, column)) = cursor {
        let x = usize::from(rect.x) + 1 + label_width + column;
        let y = usize::from(rect.y) + 1 + row;
        if x < usize::from(rect.x + rect.width) && y < usize::from(rect.y + rect.height) {
            frame.set_cursor_position((
                u16::try_from(x).unwrap_or(0),
                u16::try_from(y).unwrap_or(0),
            ));
        }
    }
}

/// `text` without its first `columns` display columns.
fn skip_columns(text: &str, columns: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut used = 0;
    text.chars()
        .skip_while(|ch| {
            let skip = used < columns;
            if skip {
                used += ch.width().unwrap_or(0);
            }
            skip
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Schedule;
    use crate::i18n::Lang;
    use ratatui::crossterm::event::KeyModifiers;

    fn elder(id: &str, name: &str, route: i64) -> Elder {
        Elder {
            id: id.into(),
            name: name.into(),
            address: format!("长青小区 A区 1栋 1单元 {route}01"),
            grid: "第一网格".into(),
            phone: None,
            contact: None,
            contact_phone: None,
            notes: None,
            window_hint: None,
            route: Some(route),
            keyholder: None,
            keyholder_phone: None,
            own: Default::default(),
            added_at: chrono::DateTime::UNIX_EPOCH,
            archived_at: None,
        }
    }

    /// A roster screen with two elders, and no database anywhere.
    fn screen() -> App {
        let schedule = Schedule::default();
        let now = crate::domain::time::parse_instant("2026-11-22 12:00", schedule.tz, None)
            .expect("a time");
        let mut app = App::new(Lang::Zh, "admin".into(), None, schedule, now);
        app.tab = Tab::Roster;
        app.roster.elders = vec![elder("CQ001", "王秀英", 1), elder("CQ002", "张建国", 2)];
        app
    }

    fn type_text(app: &mut App, text: &str) {
        for ch in text.chars() {
            let key = KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE);
            update(app, &Action::Roster(RosterAction::FormKey(key)));
        }
    }

    #[test]
    fn the_roster_update_asks_before_archiving_and_writes_nothing_itself() {
        let mut app = screen();
        assert_eq!(update(&mut app, &Action::Down), Step::Done);
        assert_eq!(update(&mut app, &Action::Down), Step::Done);
        assert_eq!(app.roster.selected, 1, "stops at the last elder");
        let archive = Action::Roster(RosterAction::ToggleArchive);
        assert_eq!(update(&mut app, &archive), Step::Done);
        assert_eq!(app.mode, Mode::Roster(RosterMode::Confirm));
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::Confirm)),
            Step::Effect(Effect::ToggleArchive {
                id: "CQ002".into(),
                name: "张建国".into(),
                active: true,
            })
        );
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.roster.elders[1].active(), "the update archives nothing");
        assert_eq!(
            update(
                &mut app,
                &Action::Roster(RosterAction::Move { later: false })
            ),
            Step::Effect(Effect::MoveInRoute {
                id: "CQ002".into(),
                name: "张建国".into(),
                later: false,
            })
        );
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::EndAbsence)),
            Step::Effect(Effect::EndAbsence {
                id: "CQ002".into(),
                name: "张建国".into(),
            })
        );
        assert_eq!(
            update(&mut app, &Action::Mark(crate::domain::Observation::Open)),
            Step::NotMine
        );
    }

    #[test]
    fn the_form_is_read_into_a_row_and_a_bad_window_keeps_it_open() {
        let mut app = screen();
        update(&mut app, &Action::Roster(RosterAction::Edit));
        assert_eq!(app.mode, Mode::Roster(RosterMode::Form));
        let form = app.roster.form.as_ref().expect("a form");
        assert_eq!(
            form.focus, 1,
            "the id of an elder being edited is not typed"
        );
        assert_eq!(form.fields[FormField::Name as usize].value(), "王秀英");
        // To the morning window, typed wrong: the form stays, and says what to fix.
        for _ in 1..FormField::MorningWindow as usize {
            update(
                &mut app,
                &Action::Roster(RosterAction::FormFocus { next: true }),
            );
        }
        type_text(&mut app, "九点");
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::SaveForm)),
            Step::Done
        );
        assert_eq!(app.mode, Mode::Roster(RosterMode::Form));
        assert!(
            app.shown_message()
                .is_some_and(|(tone, _)| tone == Tone::Problem)
        );
        for _ in 0..2 {
            update(
                &mut app,
                &Action::Roster(RosterAction::FormKey(KeyEvent::new(
                    KeyCode::Backspace,
                    KeyModifiers::NONE,
                ))),
            );
        }
        type_text(&mut app, "08:00-10:30");
        let Step::Effect(Effect::SaveElder { row, new }) =
            update(&mut app, &Action::Roster(RosterAction::SaveForm))
        else {
            panic!("the form asks to be saved");
        };
        assert!(!new);
        assert_eq!((row.id.as_str(), row.name.as_str()), ("CQ001", "王秀英"));
        assert_eq!(row.route, Some(1));
        assert!(row.morning_window.is_some());
        assert!(
            app.roster.form.is_some(),
            "the form stays until it is saved"
        );
    }

    #[test]
    fn a_new_elder_needs_an_id_and_a_name_and_takes_the_end_of_the_route() {
        let mut app = screen();
        update(&mut app, &Action::Roster(RosterAction::New));
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::SaveForm)),
            Step::Done
        );
        type_text(&mut app, "CQ009");
        update(
            &mut app,
            &Action::Roster(RosterAction::FormFocus { next: true }),
        );
        type_text(&mut app, "李大爷");
        let Step::Effect(Effect::SaveElder { row, new }) =
            update(&mut app, &Action::Roster(RosterAction::SaveForm))
        else {
            panic!("the form asks to be saved");
        };
        assert!(new);
        assert_eq!(row.route, None, "the end of the route is found when saved");
        update(&mut app, &Action::Roster(RosterAction::Cancel));
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.roster.form.is_none());
    }

    #[test]
    fn an_import_reads_the_typed_path_and_applies_only_a_clean_preview() {
        let mut app = screen();
        update(&mut app, &Action::Roster(RosterAction::StartImport));
        assert_eq!(app.mode, Mode::Roster(RosterMode::Path));
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::ReadFile)),
            Step::Done,
            "an empty path cancels"
        );
        update(&mut app, &Action::Roster(RosterAction::StartImport));
        app.note = tui_input::Input::new("~/名单.xlsx".into());
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::ReadFile)),
            Step::Effect(Effect::ReadRosterFile("~/名单.xlsx".into()))
        );
        let rows = vec![elders_row("CQ003")];
        let plan = ImportPlan {
            added: vec!["CQ003".into()],
            ..ImportPlan::default()
        };
        app.roster.preview = Some(Preview {
            file: "名单.xlsx".into(),
            outcome: Ok((rows.clone(), plan)),
        });
        app.mode = Mode::Roster(RosterMode::Preview);
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::Apply)),
            Step::Effect(Effect::ImportRoster {
                file: "名单.xlsx".into(),
                rows,
            })
        );
        app.roster.preview = Some(Preview {
            file: "名单.xlsx".into(),
            outcome: Err(Vec::new()),
        });
        assert_eq!(
            update(&mut app, &Action::Roster(RosterAction::Apply)),
            Step::Done,
            "a file with problems imports nothing"
        );
    }

    #[test]
    fn an_assignment_is_read_from_the_typed_words() {
        let mut app = screen();
        update(&mut app, &Action::StartAssign);
        assert_eq!(app.mode, Mode::Assign);
        app.note = tui_input::Input::new("王阿姨 1-20".into());
        assert_eq!(
            update(&mut app, &Action::SaveAssign),
            Step::Effect(Effect::Assign {
                volunteer: "王阿姨".into(),
                grid: "第一网格".into(),
                part: Part::Route { from: 1, to: 20 },
            })
        );
        update(&mut app, &Action::StartAssign);
        app.note = tui_input::Input::new("王阿姨 3栋 5栋".into());
        assert_eq!(
            update(&mut app, &Action::SaveAssign),
            Step::Effect(Effect::Assign {
                volunteer: "王阿姨".into(),
                grid: "第一网格".into(),
                part: Part::Buildings(vec!["3栋".into(), "5栋".into()]),
            })
        );
    }

    fn elders_row(id: &str) -> RosterRow {
        RosterRow {
            line: 2,
            id: id.into(),
            name: "李大爷".into(),
            address: "长青小区 A区 2栋 1单元 101".into(),
            grid: "第一网格".into(),
            phone: None,
            contact: None,
            contact_phone: None,
            notes: None,
            window_hint: None,
            route: None,
            keyholder: None,
            keyholder_phone: None,
            morning_window: None,
            evening_window: None,
            community: None,
            columns: crate::import::ColumnSet::ALL,
        }
    }
}
