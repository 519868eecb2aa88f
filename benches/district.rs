//! Per-operation timings at district scale (issue #6), with divan:
//!
//! ```sh
//! cargo bench --bench district                        # 300 elders × 30 days, generated here
//! CURTAIN_BENCH_10K=/work/bench-data/d10k.db \
//! CURTAIN_BENCH_30K=/work/bench-data/d30k.db cargo bench --bench district
//! ```
//!
//! The large databases are made once with `curtain bench gen` (see the README) at the time in
//! `CURTAIN_BENCH_NOW` (default `2026-11-22 08:30`, mid-way through a morning round); they are
//! never generated here, so CI, which only compiles this file, stays fast. `record_check` appends
//! real checks to the current round of whichever database it runs on.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use curtain::bench::generate::{self, Spec};
use curtain::domain::time::parse_instant;
use curtain::domain::{Observation, Schedule};
use curtain::export::report::Cell;
use curtain::i18n::Lang;
use curtain::store::ledger::Ledger;
use curtain::store::rounds::{self, NewCheck};
use curtain::store::{Create, Store, elders, flags};
use curtain::tui::{app, data, draw};
use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The allocator the `curtain` binary runs with (`src/main.rs`), so these figures are its.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const SMALL: &str = "300x30";
const MEDIUM: &str = "10kx365";
const LARGE: &str = "30kx365";

/// The databases to run on: the small one always, the large ones when their files are named.
fn sizes() -> Vec<&'static str> {
    let mut sizes = vec![SMALL];
    for (size, key) in [(MEDIUM, "CURTAIN_BENCH_10K"), (LARGE, "CURTAIN_BENCH_30K")] {
        if std::env::var_os(key).is_some() {
            sizes.push(size);
        }
    }
    sizes
}

fn now() -> DateTime<Utc> {
    let text = std::env::var("CURTAIN_BENCH_NOW").unwrap_or_else(|_| "2026-11-22 08:30".into());
    parse_instant(&text, Schedule::default().tz, None).expect("CURTAIN_BENCH_NOW: a time")
}

fn small_database() -> &'static Path {
    static SMALL_DB: OnceLock<PathBuf> = OnceLock::new();
    SMALL_DB.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory").keep();
        let path = dir.join("d300x30.db");
        let spec = Spec {
            elders: 300,
            days: 30,
            seed: 6,
            now: now(),
        };
        generate::generate(&path, &Schedule::default(), &spec, |_, _, _| {})
            .expect("generating the 300 × 30 database");
        path
    })
}

fn open(size: &str) -> Store {
    let path = match size {
        MEDIUM => PathBuf::from(std::env::var_os("CURTAIN_BENCH_10K").unwrap_or_default()),
        LARGE => PathBuf::from(std::env::var_os("CURTAIN_BENCH_30K").unwrap_or_default()),
        _ => small_database().to_path_buf(),
    };
    Store::open(&path, Create::Never, Schedule::default()).expect("opening the bench database")
}

/// Status of every elder for the last settled round (what `curtain status` computes), read
/// again by a store that has read it before (a screen going back to a round): the roster kept.
#[divan::bench(args = sizes())]
fn status_of_round(bencher: Bencher, size: &str) {
    let store = open(size);
    let round = store.schedule.current_round(now()).prev();
    bencher.bench_local(|| rounds::statuses(&store, round, now()).expect("statuses"));
}

/// [`status_of_round`] as the first read of a store just opened (`curtain status --round`, a
/// screen's first load): the roster read as well, not kept from an earlier read.
#[divan::bench(args = sizes())]
fn status_of_round_first_read(bencher: Bencher, size: &str) {
    let round = open(size).schedule.current_round(now()).prev();
    bencher
        .with_inputs(|| open(size))
        .bench_local_refs(|store| rounds::statuses(store, round, now()).expect("statuses"));
}

/// The open flags over the whole history, most severe first (`curtain flags`).
#[divan::bench(args = sizes())]
fn open_flags(bencher: Bencher, size: &str) {
    let store = open(size);
    bencher.bench_local(|| flags::list(&store.conn, false, None, None).expect("flags"));
}

/// The history screen: a month of rounds with completion and open flags per grid.
#[divan::bench(args = sizes(), sample_count = 10)]
fn history_month(bencher: Bencher, size: &str) {
    let store = open(size);
    bencher.bench_local(|| {
        data::load_history(&store, now(), &curtain::domain::access::Grids::Every).expect("history")
    });
}

/// The ledger (台账) of the last thirty days, as CSV: every elder, every round.
#[divan::bench(args = sizes(), sample_count = 5)]
fn ledger_month_csv(bencher: Bencher, size: &str) {
    let store = open(size);
    let to = store.schedule.local_date(now());
    let from = to - chrono::Duration::days(29);
    bencher.bench_local(|| {
        let ledger = Ledger::read(&store, from, to, now()).expect("ledger");
        let mut out = csv::Writer::from_writer(std::io::sink());
        out.write_record(curtain::export::report::ledger_headers(Lang::Zh))
            .expect("header");
        let tz = store.schedule.tz;
        for round in ledger.rounds() {
            let of_round = ledger.follow_ups_of(*round).expect("follow-ups");
            for row in ledger.round(*round).expect("round") {
                let follow_ups = row
                    .flag
                    .as_ref()
                    .map_or(&[][..], |flag| of_round.of(flag.id));
                let cells = curtain::export::report::ledger_cells(Lang::Zh, tz, &row, follow_ups);
                out.write_record(cells.iter().map(Cell::csv_bytes))
                    .expect("row");
            }
        }
    });
}

fn loaded_app(store: &mut Store) -> app::App {
    let mut app = app::App::new(
        Lang::Zh,
        "bench".into(),
        None,
        store.schedule.clone(),
        now(),
    );
    app::reload(&mut app, store).expect("loading the round screen");
    app
}

/// Start to first frame, in process: open the database, load the round screen as the TUI does
/// for its first frame (the round alone; the strips follow once it is drawn), draw it.
#[divan::bench(args = sizes(), sample_count = 10)]
fn first_frame(bencher: Bencher, size: &str) {
    bencher.bench_local(|| {
        let mut store = open(size);
        let mut app = app::App::new(
            Lang::Zh,
            "bench".into(),
            None,
            store.schedule.clone(),
            now(),
        );
        app::reload_first_frame(&mut app, &mut store).expect("loading the round screen");
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        terminal
            .draw(|frame| draw::draw(frame, &app))
            .expect("draw");
    });
}

/// The strips of the six earlier rounds beside each name, filled in after the first frame.
#[divan::bench(args = sizes(), sample_count = 10)]
fn strips_after_first_frame(bencher: Bencher, size: &str) {
    let mut store = open(size);
    let mut app = app::App::new(
        Lang::Zh,
        "bench".into(),
        None,
        store.schedule.clone(),
        now(),
    );
    app::reload_first_frame(&mut app, &mut store).expect("loading the round screen");
    bencher.bench_local(|| {
        app.strips.0 = None;
        app::fill_strips(&mut app, &store).expect("strips");
    });
}

/// One frame of the round screen, whatever the roster size.
#[divan::bench(args = sizes())]
fn frame_render(bencher: Bencher, size: &str) {
    let mut store = open(size);
    let app = loaded_app(&mut store);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    bencher.bench_local(|| {
        terminal
            .draw(|frame| draw::draw(frame, &app))
            .expect("draw");
    });
}

/// Record a check: validate, append, settle its flag, commit durably (`synchronous=FULL`).
#[divan::bench(args = sizes(), sample_count = 100)]
fn record_check(bencher: Bencher, size: &str) {
    let mut store = open(size);
    let ids: Vec<String> = elders::all(&store.conn)
        .expect("roster")
        .into_iter()
        .filter(|elder| elder.active() && elder.own == Default::default())
        .map(|elder| elder.id)
        .collect();
    let round = store.schedule.current_round(now());
    let mut next = 0;
    bencher.bench_local(|| {
        next = (next + 7919) % ids.len();
        rounds::record_check(
            &mut store,
            NewCheck {
                elder_id: ids[next].clone(),
                observation: Some(Observation::Open),
                round: Some(round),
                seen_at: now(),
                checker: "bench".into(),
                note: None,
                supersedes: None,
            },
            curtain::domain::time::Times::at(now()),
        )
        .expect("recording a check")
    });
}

/// The keystroke path of the round screen: record, then refresh that row and the flag count.
#[divan::bench(args = sizes(), sample_count = 100)]
fn keystroke_check(bencher: Bencher, size: &str) {
    let mut store = open(size);
    let mut app = loaded_app(&mut store);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    bencher.bench_local(|| {
        app.selected = (app.selected + 1) % app.data.rows().len().max(1);
        app::update(&mut app, &mut store, app::Action::Mark(Observation::Open)).expect("a tick");
        terminal
            .draw(|frame| draw::draw(frame, &app))
            .expect("draw");
    });
}
