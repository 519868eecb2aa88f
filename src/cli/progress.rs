//! A progress line for the long commands (#14: `backup`, `doctor --full`, `report`): on stderr,
//! only when stderr is a terminal, and only once a task has run for a second. It says what is
//! being done and for how long, redrawn in place by a thread of its own while the work goes on,
//! and is cleared when the work ends, so stdout and a redirected stderr stay as they were.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::i18n::{Lang, fill, t};
use crate::store::Stage;

/// Nothing is shown for a task shorter than this.
const QUIET_FOR: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const EVERY: Duration = Duration::from_millis(200);

/// `done` of `total` in whole percent, at most 100; 0 of nothing.
fn percent_of(done: u64, total: u64) -> u64 {
    done.saturating_mul(100)
        .checked_div(total)
        .unwrap_or(0)
        .min(100)
}

/// The line for a stage after `elapsed`; `None` within the first second.
pub fn line(lang: Lang, stage: Stage, elapsed: Duration) -> Option<String> {
    if elapsed < QUIET_FOR {
        return None;
    }
    let s = t(lang);
    let what = match stage {
        Stage::Upgrading { from, to } => {
            fill(&s.progress_upgrading, &[("from", &from), ("to", &to)])
        }
        Stage::Counting => s.progress_counting.clone(),
        Stage::Copying { done, total } => fill(
            &s.progress_copying,
            &[("percent", &percent_of(done, total))],
        ),
        Stage::Comparing { done, total } => fill(
            &s.progress_comparing,
            &[("percent", &percent_of(done, total))],
        ),
        Stage::QuickCheck => s.progress_quick_check.clone(),
        Stage::IntegrityCheck => s.progress_integrity_check.clone(),
        Stage::ForeignKeys => s.progress_foreign_keys.clone(),
        Stage::Sanity => s.progress_sanity.clone(),
        Stage::LedgerReading => s.progress_ledger_reading.clone(),
        Stage::Ledger { done, total } => {
            fill(&s.progress_ledger, &[("done", &done), ("total", &total)])
        }
    };
    Some(fill(
        &s.progress_line,
        &[("what", &what), ("seconds", &elapsed.as_secs())],
    ))
}

/// The stage the work is at, shared with the drawing thread.
struct Shared {
    stage: Mutex<Stage>,
    done: AtomicBool,
}

/// A progress line while a task runs; [`Progress::stage`] moves it on, dropping it clears it.
pub struct Progress {
    shared: Arc<Shared>,
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the clock; draws only when stderr is a terminal.
    pub fn start(lang: Lang, first: Stage) -> Progress {
        let shared = Arc::new(Shared {
            stage: Mutex::new(first),
            done: AtomicBool::new(false),
        });
        let drawer = std::io::stderr().is_terminal().then(|| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || draw_until_done(lang, &shared))
        });
        Progress { shared, drawer }
    }

    pub fn stage(&self, stage: Stage) {
        if let Ok(mut current) = self.shared.stage.lock() {
            *current = stage;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
        if let Some(drawer) = self.drawer.take() {
            drawer.thread().unpark();
            let _ = drawer.join();
        }
    }
}

fn draw_until_done(lang: Lang, shared: &Shared) {
    let started = Instant::now();
    let mut drawn: Option<String> = None;
    while !shared.done.load(Ordering::Relaxed) {
        std::thread::park_timeout(EVERY);
        if shared.done.load(Ordering::Relaxed) {
            break;
        }
        let stage = match shared.stage.lock() {
            Ok(stage) => *stage,
            Err(_) => break,
        };
        let columns = ratatui::crossterm::terminal::size()
            .ok()
            .map(|(width, _)| width);
        if let Some(text) = line(lang, stage, started.elapsed()).map(|text| fitted(&text, columns))
            && drawn.as_ref() != Some(&text)
        {
            // Back to the start of the line, clear it, and write it again: one line, in place.
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K{text}");
            let _ = err.flush();
            drawn = Some(text);
        }
    }
    if drawn.is_some() {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

/// A progress line cut to a terminal `columns` wide, one short of the edge: a line that wrapped
/// would not be cleared. A terminal that does not know its width (a pty nobody sized says 0)
/// gets the whole line.
fn fitted(text: &str, columns: Option<u16>) -> String {
    match columns.filter(|columns| *columns > 1) {
        Some(columns) => crate::tui::text::truncate(text, usize::from(columns) - 1),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn nothing_is_shown_in_the_first_second_then_the_stage_and_the_time_in_both_languages() {
        let copying = Stage::Copying {
            done: 250,
            total: 1000,
        };
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(line(lang, copying, Duration::from_millis(999)), None);
            let shown = line(lang, copying, Duration::from_secs(12)).unwrap();
            assert!(shown.contains("25%") && shown.contains("12"), "{shown}");
            let upgrading = Stage::Upgrading { from: 11, to: 12 };
            let shown = line(lang, upgrading, Duration::from_secs(7)).unwrap();
            assert!(shown.contains("11") && shown.contains("12"), "{shown}");
            for stage in [
                upgrading,
                Stage::Counting,
                Stage::QuickCheck,
                Stage::IntegrityCheck,
                Stage::ForeignKeys,
                Stage::Sanity,
            ] {
                let shown = line(lang, stage, Duration::from_secs(3)).unwrap();
                assert!(!shown.contains('{') && shown.contains('3'), "{shown}");
            }
        }
        for (lang, words) in [(Lang::Zh, "12/60"), (Lang::En, "12 of 60")] {
            let ledger = Stage::Ledger {
                done: 12,
                total: 60,
            };
            let shown = line(lang, ledger, Duration::from_secs(4)).unwrap();
            assert!(shown.contains(words), "{shown}");
            let shown = line(lang, Stage::LedgerReading, Duration::from_secs(4)).unwrap();
            assert!(!shown.contains('0') && !shown.contains('{'), "{shown}");
        }
        let empty = Stage::Copying { done: 0, total: 0 };
        assert!(line(Lang::En, empty, QUIET_FOR).unwrap().contains("0%"));
        assert!(
            line(Lang::En, Stage::IntegrityCheck, QUIET_FOR).unwrap()
                != line(Lang::Zh, Stage::IntegrityCheck, QUIET_FOR).unwrap()
        );
    }

    #[test]
    fn a_line_is_cut_to_the_terminal_and_whole_where_the_width_is_unknown() {
        let shown = line(Lang::Zh, Stage::QuickCheck, Duration::from_secs(3)).unwrap();
        let cut = fitted(&shown, Some(12));
        assert!(cut.width() <= 11 && cut.starts_with("[3"), "{cut}");
        // `script` and other ptys nobody sized report 0 columns: the line was drawn empty.
        for columns in [None, Some(0), Some(1)] {
            assert_eq!(fitted(&shown, columns), shown, "{columns:?}");
        }
        assert_eq!(fitted(&shown, Some(200)), shown);
    }
}
