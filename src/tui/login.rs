//! The login screen, shown first when the database has users: a name and a PIN (never echoed),
//! checked by `crate::auth`. With `--user NAME` (an SSH forced command), the name is fixed and
//! only the PIN is asked. Its update is pure; the check itself is an effect carried out through
//! `ops`.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_input::Input;
use unicode_width::UnicodeWidthStr;
use zeroize::Zeroizing;

use super::app::{Action, App, Effect, Step};
use super::draw::{centered, clear_under};
use crate::auth::Pin;
use crate::domain::access::Actor;
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

/// The login screen's update: typing into the form, and Enter. Pure: the name and PIN are
/// asked to be checked as an [`Effect`]; the PIN leaves the form at every attempt.
pub fn update(app: &mut App, action: &Action) -> Step {
    match action {
        Action::LoginKey(key) => {
            type_key(app, *key);
            Step::Done
        }
        Action::LogIn => match submit(app) {
            Some((name, pin)) => Step::Effect(Effect::LogIn {
                name,
                pin: TypedPin(pin),
            }),
            None => Step::Done,
        },
        _ => Step::NotMine,
    }
}

/// A PIN on its way from the form to the check: never shown, not even in a debug print.
#[derive(Clone, PartialEq)]
pub struct TypedPin(pub Pin);

impl std::fmt::Debug for TypedPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TypedPin(•••)")
    }
}

/// A key typed into the login form: Tab and the arrows move between the fields.
fn type_key(app: &mut App, key: KeyEvent) {
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

/// Enter: the name first, then the PIN. Gives the name and the PIN to check, the PIN taken out
/// of the form; `None` while the form is not filled in.
fn submit(app: &mut App) -> Option<(String, Pin)> {
    let login = app.login.as_mut()?;
    if !login.on_pin {
        login.on_pin = true;
        return None;
    }
    let name = login.name.value().trim().to_string();
    let pin = login.take_pin();
    if name.is_empty() {
        login.on_pin = false;
        return None;
    }
    Some((name, pin))
}

/// What the check of a name and PIN said: signed in, or the refusal in words (the form stays,
/// its PIN already wiped). Anything but a refusal is an error of the caller's.
pub fn checked(app: &mut App, result: anyhow::Result<Actor>) -> anyhow::Result<bool> {
    match result {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Schedule;
    use crate::i18n::Lang;
    use ratatui::crossterm::event::KeyModifiers;

    fn screen(fixed: Option<&str>) -> App {
        let schedule = Schedule::default();
        let now = crate::domain::time::parse_instant("2026-11-22 07:30", schedule.tz, None)
            .expect("a time");
        let mut app = App::new(Lang::Zh, "wang".into(), None, schedule, now);
        app.mode = super::super::app::Mode::Login;
        app.login = Some(LoginState::new(fixed.map(str::to_string)));
        app
    }

    fn type_text(app: &mut App, text: &str) {
        for ch in text.chars() {
            let key = KeyEvent::new(KeyCode::Char(ch), KeyModifiers::NONE);
            assert_eq!(update(app, &Action::LoginKey(key)), Step::Done);
        }
    }

    #[test]
    fn the_login_update_asks_for_the_check_with_the_pin_taken_out_of_the_form() {
        let mut app = screen(None);
        type_text(&mut app, "王阿姨");
        assert_eq!(
            update(&mut app, &Action::LogIn),
            Step::Done,
            "Enter: to the PIN"
        );
        type_text(&mut app, "1234");
        let step = update(&mut app, &Action::LogIn);
        assert_eq!(
            step,
            Step::Effect(Effect::LogIn {
                name: "王阿姨".into(),
                pin: TypedPin(Zeroizing::new("1234".into())),
            })
        );
        assert!(!format!("{step:?}").contains("1234"), "a PIN never printed");
        let login = app.login.as_ref().expect("the form stays until the check");
        assert_eq!(login.pin.value(), "", "the PIN left the form");
    }

    #[test]
    fn a_fixed_name_asks_only_the_pin_and_an_empty_name_goes_back_to_it() {
        let mut app = screen(Some("li"));
        let tab = KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE);
        update(&mut app, &Action::LoginKey(tab));
        assert!(
            app.login.as_ref().is_some_and(|l| l.on_pin),
            "the name is fixed"
        );
        type_text(&mut app, "0000");
        assert!(matches!(
            update(&mut app, &Action::LogIn),
            Step::Effect(Effect::LogIn { .. })
        ));

        let mut app = screen(None);
        update(&mut app, &Action::LogIn);
        type_text(&mut app, "1234");
        assert_eq!(update(&mut app, &Action::LogIn), Step::Done);
        let login = app.login.as_ref().expect("the form");
        assert!(!login.on_pin, "back to the empty name");
        assert_eq!(login.pin.value(), "");
        assert_eq!(update(&mut app, &Action::Quit), Step::NotMine);
    }
}
