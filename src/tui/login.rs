//! The login screen, shown first when the database has users: a name and a PIN (never echoed),
//! checked by `crate::auth`. With `--user NAME` (an SSH forced command), the name is fixed and
//! only the PIN is asked.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_input::Input;
use unicode_width::UnicodeWidthStr;
use zeroize::Zeroizing;

use super::app::{Action, App};
use super::draw::{centered, clear_under};
use crate::auth::Pin;
use crate::error::Refusal;
use crate::i18n::t;
use crate::ops::messages;

#[derive(Debug, Default)]
pub struct LoginState {
    pub name: Input,
    pub pin: Input,
    /// The name came from `--user`: it can't be changed here.
    pub name_fixed: bool,
    pub on_pin: bool,
}

impl LoginState {
    pub fn new(fixed_name: Option<String>) -> LoginState {
        let name_fixed = fixed_name.is_some();
        LoginState {
            name: Input::new(fixed_name.unwrap_or_default()),
            pin: Input::default(),
            name_fixed,
            on_pin: name_fixed,
        }
    }

    /// Takes the typed PIN out of the form (after every attempt, right or wrong): the form's
    /// own buffer moves into a value that is wiped when dropped.
    pub fn take_pin(&mut self) -> Pin {
        Zeroizing::new(self.pin.value_and_reset())
    }
}

pub fn key(key: KeyEvent) -> Option<Action> {
    Some(match key.code {
        KeyCode::Esc => Action::Quit,
        KeyCode::Enter => Action::LogIn,
        _ => Action::LoginKey(key),
    })
}

/// A key typed into the login form: Tab and the arrows move between the fields.
pub fn type_key(app: &mut App, key: KeyEvent) {
    let Some(login) = app.login.as_mut() else {
        return;
    };
    match key.code {
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
            login.on_pin = login.name_fixed || !login.on_pin;
        }
        _ => {
            let (field, max) = if login.on_pin {
                (&mut login.pin, super::text::PIN_CHARS)
            } else {
                (&mut login.name, super::text::NAME_CHARS)
            };
            if !super::text::type_into(field, key, max) {
                app.say_field_full(max);
            }
        }
    }
}

/// Enter: the name first, then the PIN; a refusal is shown in words and the PIN wiped.
pub fn log_in(app: &mut App, store: &mut crate::store::Store) -> anyhow::Result<bool> {
    let Some(login) = app.login.as_mut() else {
        return Ok(false);
    };
    if !login.on_pin {
        login.on_pin = true;
        return Ok(false);
    }
    let name = login.name.value().trim().to_string();
    let pin = login.take_pin();
    if name.is_empty() {
        login.on_pin = false;
        return Ok(false);
    }
    match crate::auth::log_in(store, &name, &pin, app.now) {
        Ok(actor) => {
            app.login = None;
            app.sign_in(actor);
            Ok(true)
        }
        Err(error) => match error.downcast::<Refusal>() {
            Ok(refusal) => {
                app.say_in(super::app::Tone::Problem, |lang| {
                    messages::refusal(lang, &refusal)
                });
                Ok(false)
            }
            Err(error) => Err(error),
        },
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(login) = &app.login else {
        return;
    };
    let s = t(app.lang);
    let label_style = Style::new().fg(Color::DarkGray);
    let focus = Style::new().add_modifier(Modifier::REVERSED);
    let name = login.name.value();
    let stars = "•".repeat(login.pin.value().chars().count());
    let field = |label: &str, value: &str, focused: bool| {
        Line::from(vec![
            Span::styled(format!("{label}{}", s.label_separator), label_style),
            Span::styled(
                format!("{value} "),
                if focused { focus } else { Style::new() },
            ),
        ])
    };
    let lines = vec![
        Line::raw(s.login_intro.as_str()),
        Line::raw(""),
        field(&s.login_name, name, !login.on_pin),
        field(&s.login_pin, &stars, login.on_pin),
    ];
    // The intro wraps on a narrow terminal; the two fields must stay inside the box.
    let inner = usize::from(area.width.min(60).saturating_sub(2)).max(1);
    let intro_rows = s.login_intro.width().div_ceil(inner).max(1);
    let popup = centered(area, 60, u16::try_from(intro_rows + 5).unwrap_or(u16::MAX));
    clear_under(frame, popup);
    let title = app.community.as_deref().map_or_else(
        || s.login_title.clone(),
        |c| format!("{c} · {}", s.login_title),
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::new().borders(Borders::ALL).title(Line::from(title)))
            .wrap(Wrap { trim: false }),
        popup,
    );
    let (label, value_width) = if login.on_pin {
        (&s.login_pin, stars.width())
    } else {
        (&s.login_name, login.name.visual_cursor())
    };
    let x = popup.x
        + 1
        + u16::try_from(format!("{label}{}", s.label_separator).width() + value_width).unwrap_or(0);
    let row = u16::try_from(intro_rows + if login.on_pin { 2 } else { 1 }).unwrap_or(0);
    let y = popup.y + 1 + row;
    if x < popup.right().saturating_sub(1) && y < popup.bottom().saturating_sub(1) {
        frame.set_cursor_position((x, y));
    }
}
