//! The terminal UI: one module per screen, an app state (`app`), view models loaded from the
//! store (`data`), and drawing that reads state only (`draw`). This module owns the terminal:
//! it is always given back, on quit, on error, on panic (ratatui's hook), and on SIGTERM, SIGHUP,
//! SIGINT and SIGQUIT.

pub mod app;
pub mod data;
pub mod draw;
pub mod flags_screen;
pub mod history_screen;
pub mod keymap;
pub mod login;
pub mod roster_screen;
pub mod round_screen;
pub mod text;

use std::time::{Duration, Instant};

use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event,
};
use ratatui::crossterm::execute;

use crate::ops::Session;
use crate::store::{Create, Store, elders, users};
use app::{App, Mode, Tone};

/// How often the screen looks for other terminals' checks (#14: another terminal's check is on
/// this screen within 100 ms). A look is one `PRAGMA data_version` while nothing changed.
const POLL: Duration = Duration::from_millis(50);
/// The longest the screen goes undrawn while events keep coming.
const BATCH: Duration = Duration::from_millis(50);

pub fn run(session: &Session) -> anyhow::Result<()> {
    let mut store = session.open(Create::IfMissing)?;
    let mut app = App::new(
        session.lang,
        session.user.clone(),
        session.config.community_name.clone(),
        store.schedule.clone(),
        session.now,
    );
    app.drill = store.drill;
    app.real = session.clock.real();
    if users::any(&store.conn)? {
        app.mode = Mode::Login;
        app.login = Some(login::LoginState::new(
            session.user_given.then(|| session.user.clone()),
        ));
    } else if elders::count_active(&store.conn)? == 0 {
        app.mode = Mode::Welcome;
    }
    app::reload_first_frame(&mut app, &mut store)?;
    give_back_terminal_on_signals()?;
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableMouseCapture, EnableBracketedPaste);
    let result = event_loop(&mut terminal, &mut app, store, session.clock);
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        DisableBracketedPaste
    );
    ratatui::restore();
    result
}

/// SIGTERM, SIGHUP (the SSH link dropped), SIGINT and SIGQUIT restore the terminal and end the
/// process from a thread of their own: the main thread may be inside crossterm's input poll, which
/// spins forever on a hung-up terminal. Every check the screen showed as saved is already
/// committed, and an unfinished transaction is rolled back by SQLite.
fn give_back_terminal_on_signals() -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            // Hold stdout so no frame is drawn over the shell after the terminal is given back.
            let mut stdout = std::io::stdout().lock();
            let _ = execute!(
                stdout,
                DisableMouseCapture,
                DisableBracketedPaste,
                ratatui::crossterm::cursor::Show
            );
            ratatui::restore();
            let _ = execute!(stdout, ratatui::crossterm::cursor::Show);
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

/// The second of the clocks a frame shows: the minutes left follow `now`, a message's expiry
/// `real`.
fn shown_second(app: &App) -> (i64, i64) {
    (app.now.timestamp(), app.real.timestamp())
}

/// What time passing changes on screen: the round shown, and how many of its windows (the
/// community's, the elders' own) have closed.
fn phase_of(
    app: &App,
    store: &Store,
    windows: &mut (Option<crate::domain::Round>, Vec<crate::domain::Window>),
) -> anyhow::Result<(crate::domain::Round, usize)> {
    if windows.0 != Some(app.round) {
        *windows = (
            Some(app.round),
            crate::store::rounds::windows_of_round(&store.conn, &app.schedule, app.round)?,
        );
    }
    let closed = windows.1.iter().filter(|w| w.has_closed(app.now)).count();
    Ok((app.round, closed))
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    mut store: Store,
    clock: crate::ops::Clock,
) -> anyhow::Result<()> {
    let mut seen_version = store.data_version()?;
    let mut marks = data::marks(&store)?;
    let mut windows = (None, Vec::new());
    let mut phase = phase_of(app, &store, &mut windows)?;
    let mut started = false;
    // A frame is drawn when something on it may have changed: the keys, another terminal's
    // commit, the strips filled in, or the clock's second (the minutes left, a message going).
    // Drawing 20 times a second regardless cost an idle screen 3% of a core at 30,000 elders.
    let mut changed = true;
    let mut drawn_at = None;
    loop {
        if changed || drawn_at != Some(shown_second(app)) {
            terminal.draw(|frame| draw::draw(frame, app))?;
            drawn_at = Some(shown_second(app));
        }
        if app.quit {
            return Ok(());
        }
        // The strips of earlier rounds come after the round itself is on screen.
        changed = match app::fill_strips(app, &store) {
            Ok(filled) => filled,
            Err(error) => {
                app.say(Tone::Problem, format!("{error:#}"));
                true
            }
        };
        // A screen that stays open: its memory on huge pages from here on (see `crate::pages`),
        // but not at the login, where the round is still to be read after a pause for the PIN.
        if !started && app.mode != Mode::Login {
            crate::pages::settle_on_huge_pages();
            started = true;
        }
        // Every event already waiting is handled before the next frame: a paste arrives as
        // thousands of key events, and one frame per character made it quadratic.
        let batch_started = Instant::now();
        let mut wait = POLL;
        let mut answered = false;
        while !app.quit && batch_started.elapsed() < BATCH && event::poll(wait)? {
            wait = Duration::ZERO;
            answered = true;
            let action = match event::read()? {
                Event::Key(key) => app::action_for(&app.mode, app.tab, key),
                Event::Mouse(mouse) => app::mouse_action(&app.mode, mouse),
                Event::Paste(text) => Some(app::Action::Paste(text)),
                _ => None,
            };
            if let Some(action) = action
                && let Err(error) = app::update(app, &mut store, action)
            {
                // A full or read-only disk in the words the CLI uses: this tick was not saved,
                // everything saved before is safe.
                app.say_in(Tone::Problem, |lang| {
                    crate::ops::messages::storage_failure(lang, &error).unwrap_or_else(|| {
                        format!("{}{error:#}", crate::i18n::t(lang).error_prefix)
                    })
                });
            }
        }
        // What the keys did is on screen before other terminals' commits are read: with twenty
        // of them writing, reading theirs first made every key wait for it (#14).
        if answered && !app.quit {
            terminal.draw(|frame| draw::draw(frame, app))?;
            changed = false;
            drawn_at = Some(shown_second(app));
        }
        // `--now` moves on with the real clock from where it was set (a drill's clock runs).
        app.real = clock.real();
        app.now = clock.now();
        if !app.round_pinned {
            app.round = data::round_for_patrol(&app.schedule, app.now);
        }
        // Time passing: a window that closes turns pending into missed and settles the round;
        // that, not a timer, reloads the screen.
        let now_phase = phase_of(app, &store, &mut windows)?;
        // Another terminal's commit: only what it changed is read.
        let version = store.data_version()?;
        let reloaded = if now_phase != phase {
            phase = now_phase;
            seen_version = version;
            marks = data::marks(&store)?;
            Some(app::reload_all(app, &mut store))
        } else if version != seen_version {
            seen_version = version;
            Some(app::reload_changes(app, &mut store, &mut marks))
        } else {
            None
        };
        if let Some(Err(error)) = reloaded.as_ref() {
            app.say(Tone::Problem, format!("{error:#}"));
        }
        changed |= reloaded.is_some();
    }
}
