//! Patrol gaps on the flags screen (issue #15), without a terminal: a week of the sample
//! community with two unwalked rounds in one grid shows two gap rows with the real alerts above
//! them, one key resolves each gap, and the screen is drawn at 100×30 and 40×20 in both
//! languages.

use chrono::{DateTime, Utc};
use curtain::domain::access::Actor;
use curtain::domain::time::{Times, parse_instant};
use curtain::domain::{Observation, Round, Schedule, Slot};
use curtain::i18n::Lang;
use curtain::import::{FileKind, parse_roster_bytes};
use curtain::ops;
use curtain::store::{Create, Store, elders, gaps};
use curtain::tui::app::{self, Action, App, SAMPLE_ROSTER, Tab};
use curtain::tui::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
#[allow(dead_code)]
#[path = "common/postgres_server.rs"]
mod postgres_server;
use postgres_server::Place;

const GRID2: &str = "第二网格";

fn at(text: &str) -> DateTime<Utc> {
    parse_instant(text, Schedule::default().tz, None).unwrap()
}

struct Week {
    app: App,
    store: Store,
    _dir: Place,
}

/// The sample community from 2026-11-21 to the evening of 2026-11-27: every round walked but the
/// second grid's morning of the 24th and evening of the 25th; a curtain closed on the morning of
/// the 26th (CQ001) and one open on the evening of the 27th (CQ003).
fn week(lang: Lang) -> Week {
    let dir = Place::new();
    let mut store = Store::open(&dir.db(), Create::IfMissing, Schedule::default()).unwrap();
    let rows = parse_roster_bytes(SAMPLE_ROSTER, FileKind::Csv).unwrap();
    let added = at("2026-11-21 06:00");
    let tx = store.write().unwrap();
    elders::apply_import(&tx, &rows, "admin", added, added, "sample").unwrap();
    tx.commit().unwrap();
    let roster = elders::all(&store.conn).unwrap();
    let actor = Actor::owner("wang");
    let unwalked = [
        Round::new("2026-11-24".parse().unwrap(), Slot::Morning),
        Round::new("2026-11-25".parse().unwrap(), Slot::Evening),
    ];
    let mut round = Round::new("2026-11-21".parse().unwrap(), Slot::Morning);
    let last = Round::new("2026-11-27".parse().unwrap(), Slot::Evening);
    while round <= last {
        let time = match round.slot {
            Slot::Morning => "08:00",
            Slot::Evening => "20:00",
        };
        let seen = at(&format!("{} {time}", round.date));
        for elder in &roster {
            if elder.grid == GRID2 && unwalked.contains(&round) {
                continue;
            }
            let observation = match (elder.id.as_str(), round.to_string().as_str()) {
                ("CQ001", "2026-11-26/morning") => Observation::Closed,
                ("CQ003", "2026-11-27/evening") => Observation::Open,
                _ => match round.slot {
                    Slot::Morning => Observation::Open,
                    Slot::Evening => Observation::Closed,
                },
            };
            ops::checks::record(
                &mut store,
                &actor,
                Times::at(seen),
                ops::checks::Seen {
                    elder_id: elder.id.clone(),
                    observation,
                    round: Some(round),
                    seen_at: seen,
                    note: None,
                },
            )
            .unwrap();
        }
        round = round.next();
    }
    let mut app = App::new(
        lang,
        "wang".into(),
        Some("长青社区".into()),
        Schedule::default(),
        at("2026-11-28 07:30"),
    );
    app::reload(&mut app, &mut store).unwrap();
    app::update(&mut app, &mut store, Action::Tab(Tab::Flags)).unwrap();
    Week {
        app,
        store,
        _dir: dir,
    }
}

impl Week {
    fn key(&mut self, code: KeyCode) {
        let event = KeyEvent::new(code, KeyModifiers::NONE);
        if let Some(action) = app::action_for(&self.app.mode, self.app.tab, event) {
            app::update(&mut self.app, &mut self.store, action).unwrap();
        }
    }

    fn screen(&self, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| draw::draw(frame, &self.app)).unwrap();
        terminal
    }

    /// The rows of the list: `gap:ID` for a gap's row, the flag's status otherwise.
    fn rows(&self) -> Vec<String> {
        self.app
            .flags
            .list
            .iter()
            .map(|flag| match self.app.gap_of(flag) {
                Some(fold) => format!("gap:{}", fold.gap.id),
                None => format!("{}:{}", flag.status.as_str(), flag.elder_id),
            })
            .collect()
    }
}

#[test]
fn a_week_with_two_unwalked_rounds_shows_two_gap_rows_below_the_alerts_and_one_key_resolves_each() {
    let mut w = week(Lang::Zh);
    let rows = w.rows();
    assert_eq!(
        rows.len(),
        4,
        "two alerts and two gap rows, not 28 flags: {rows:?}"
    );
    assert_eq!(rows[0], "alert:CQ001", "{rows:?}");
    assert_eq!(rows[1], "alert:CQ003", "{rows:?}");
    assert!(
        rows[2].starts_with("gap:") && rows[3].starts_with("gap:"),
        "{rows:?}"
    );
    // Newest round first; each holds its grid's 14 missed flags, which the next round walked
    // closed as superseded: the gap still shows, to be handled once.
    let folds = &w.app.flags.gaps;
    assert_eq!(folds.len(), 2);
    assert_eq!(folds[0].gap.round.to_string(), "2026-11-25/evening");
    assert_eq!(folds[1].gap.round.to_string(), "2026-11-24/morning");
    for fold in folds {
        assert_eq!(fold.gap.grid, GRID2);
        assert_eq!((fold.gap.checked, fold.gap.listed), (0, 14));
        assert_eq!(fold.gap.flag_ids.len(), 14);
        assert!(fold.members.is_empty(), "closed by the next round walked");
    }

    // One key on the gap's row resolves it with its missed flags; the alerts stay.
    w.key(KeyCode::Down);
    w.key(KeyCode::Down);
    w.key(KeyCode::Char('r'));
    assert_eq!(w.rows().len(), 3, "{:?}", w.rows());
    w.key(KeyCode::Char('r'));
    let rows = w.rows();
    assert_eq!(rows, ["alert:CQ001", "alert:CQ003"], "{rows:?}");
    let all = gaps::list(&w.store.conn, true).unwrap();
    assert!(
        all.iter().all(|gap| gap.state.as_str() == "resolved"),
        "{all:?}"
    );
    let open = curtain::store::flags::list(&w.store.conn, false, None, None).unwrap();
    assert_eq!(open.len(), 2, "only the alerts are left open");
}

#[test]
fn flags_screen_with_gaps_snapshots_in_both_languages_and_sizes() {
    for (lang, name) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let mut w = week(lang);
        // The first gap's row selected: its detail shows the key and who was not seen.
        w.key(KeyCode::Down);
        w.key(KeyCode::Down);
        for (width, height) in [(100, 30), (40, 20)] {
            insta::assert_snapshot!(
                format!("flags_gaps_{name}_{width}x{height}"),
                w.screen(width, height).backend()
            );
        }
    }
}

#[test]
fn the_roster_screen_assigns_a_part_of_a_grid_and_the_volunteer_sees_it_first() {
    let dir = Place::new();
    let mut store = Store::open(&dir.db(), Create::IfMissing, Schedule::default()).unwrap();
    let rows = parse_roster_bytes(SAMPLE_ROSTER, FileKind::Csv).unwrap();
    let added = at("2026-11-21 06:00");
    let tx = store.write().unwrap();
    elders::apply_import(&tx, &rows, "admin", added, added, "sample").unwrap();
    tx.commit().unwrap();
    let mut app = App::new(
        Lang::Zh,
        "wang".into(),
        None,
        Schedule::default(),
        at("2026-11-22 07:30"),
    );
    app::reload(&mut app, &mut store).unwrap();
    let mut w = Week {
        app,
        store,
        _dir: dir,
    };
    w.key(KeyCode::Char('4'));
    let grid = w.app.roster.selected_elder().unwrap().grid.clone();
    w.key(KeyCode::Char('v'));
    for ch in "wang 6-8".chars() {
        w.key(KeyCode::Char(ch));
    }
    w.key(KeyCode::Enter);
    let current = curtain::store::assignments::current(&w.store.conn, None).unwrap();
    assert_eq!(current.len(), 1, "{current:?}");
    assert_eq!(current[0].volunteer, "wang");
    assert_eq!(current[0].grid, grid);
    assert_eq!(
        (current[0].route_from, current[0].route_to),
        (Some(6), Some(8))
    );
    w.key(KeyCode::Char('1'));
    let first: Vec<(String, Option<i64>)> = w
        .app
        .data
        .rows()
        .iter()
        .take(3)
        .map(|row| (row.grid.clone(), row.route))
        .collect();
    assert_eq!(
        first,
        [
            (grid.clone(), Some(6)),
            (grid.clone(), Some(7)),
            (grid, Some(8))
        ],
        "her part first"
    );
}

#[test]
fn the_early_warning_banner_shows_from_845_while_the_round_can_be_saved() {
    let dir = Place::new();
    let mut store = Store::open(&dir.db(), Create::IfMissing, Schedule::default()).unwrap();
    let rows = parse_roster_bytes(SAMPLE_ROSTER, FileKind::Csv).unwrap();
    let added = at("2026-11-21 06:00");
    let tx = store.write().unwrap();
    elders::apply_import(&tx, &rows, "admin", added, added, "sample").unwrap();
    tx.commit().unwrap();
    for (now, shown) in [
        ("2026-11-22 08:40", false),
        ("2026-11-22 08:50", true),
        ("2026-11-22 09:35", false),
    ] {
        let mut app = App::new(Lang::Zh, "wang".into(), None, Schedule::default(), at(now));
        app::reload(&mut app, &mut store).unwrap();
        let banner = "⚠ 晨巡 第二网格 已查 0/14，09:30 截止";
        assert_eq!(
            app.warnings.iter().any(|w| w == banner),
            shown,
            "{now}: {:?}",
            app.warnings
        );
        let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
        terminal.draw(|frame| draw::draw(frame, &app)).unwrap();
        let screen: String = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .map(|cell| cell.symbol())
            .collect();
        assert_eq!(screen.contains("⚠"), shown, "{now}");
    }
}
