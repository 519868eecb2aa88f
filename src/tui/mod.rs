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

/// How often the screen looks for other terminals' checks: well inside the promised second.
const POLL: Duration = Duration::from_millis(250);
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
    app::reload(&mut app, &mut store)?;
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

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    mut store: Store,
    clock: crate::ops::Clock,
) -> anyhow::Result<()> {
    let mut seen_version = store.data_version()?;
    let mut last_reload = Instant::now();
    loop {
        terminal.draw(|frame| draw::draw(frame, app))?;
        if app.quit {
            return Ok(());
        }
        // Every event already waiting is handled before the next frame: a paste arrives as
        // thousands of key events, and one frame per character made it quadratic.
        let batch_started = Instant::now();
        let mut wait = POLL;
        while !app.quit && batch_started.elapsed() < BATCH && event::poll(wait)? {
            wait = Duration::ZERO;
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
        // `--now` moves on with the real clock from where it was set (a drill's clock runs).
        app.real = clock.real();
        app.now = clock.now();
        if !app.round_pinned {
            app.round = data::round_for_patrol(&app.schedule, app.now);
        }
        // Another terminal's commit, or time passing (pending turns missed at the window's close).
        let version = store.data_version()?;
        let periodic = last_reload.elapsed() >= Duration::from_secs(15);
        if version != seen_version || periodic {
            seen_version = version;
            last_reload = Instant::now();
            let reloaded = if periodic {
                app::reload_all(app, &mut store)
            } else {
                app::reload(app, &mut store)
            };
            if let Err(error) = reloaded {
                app.say(Tone::Problem, format!("{error:#}"));
            }
        }
    }
}
