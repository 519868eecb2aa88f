//! The TUI without a terminal: key sequences applied to the app state, and the screens drawn on
//! `TestBackend` and compared with reviewed snapshots, in both languages at 80×24 and 40×20.

use chrono::{DateTime, Utc};
use curtain::domain::time::parse_instant;
use curtain::domain::{Observation, Schedule, Status};
use curtain::i18n::Lang;
use curtain::import::{FileKind, parse_roster_bytes};
use curtain::store::{Create, Store, elders, rounds};
use curtain::tui::app::{self, Action, App, Mode, SAMPLE_ROSTER, Tab};
use curtain::tui::draw;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
#[allow(dead_code)]
#[path = "common/postgres_server.rs"]
mod postgres_server;
use postgres_server::Place;

fn at(text: &str) -> DateTime<Utc> {
    parse_instant(text, Schedule::default().tz, None).unwrap()
}

struct Fixture {
    app: App,
    store: Store,
    _dir: Place,
}

/// The sample community on the roster since the day before, and a volunteer at `now`.
fn fixture(lang: Lang, now: &str) -> Fixture {
    let dir = Place::new();
    let mut store = Store::open(&dir.db(), Create::IfMissing, Schedule::default()).unwrap();
    let rows = parse_roster_bytes(SAMPLE_ROSTER, FileKind::Csv).unwrap();
    let added = at("2026-11-21 06:00");
    let tx = store.write().unwrap();
    elders::apply_import(&tx, &rows, "admin", added, added, "sample").unwrap();
    tx.commit().unwrap();
    let mut app = App::new(
        lang,
        "wang".into(),
        Some("长青社区".into()),
        Schedule::default(),
        at(now),
    );
    app::reload(&mut app, &mut store).unwrap();
    Fixture {
        app,
        store,
        _dir: dir,
    }
}

impl Fixture {
    fn act(&mut self, action: Action) {
        app::update(&mut self.app, &mut self.store, action).unwrap();
    }

    fn keys(&mut self, keys: &str) {
        for ch in keys.chars() {
            self.key(KeyCode::Char(ch));
        }
    }

    fn key(&mut self, code: KeyCode) {
        let event = KeyEvent::new(code, KeyModifiers::NONE);
        if let Some(action) = app::action_for(&self.app.mode, self.app.tab, event) {
            self.act(action);
        }
    }

    /// The message line as the screen shows it.
    fn said(&self) -> String {
        self.app.shown_message().expect("a message on screen").1
    }

    fn selected_id(&self) -> String {
        self.app.selected_row().unwrap().elder_id.clone()
    }

    fn status_of(&self, id: &str) -> Status {
        rounds::statuses(&self.store, self.app.round, self.app.now)
            .unwrap()
            .into_iter()
            .find(|row| row.elder.id == id)
            .unwrap()
            .status
    }

    fn screen(&self, width: u16, height: u16) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        terminal.draw(|frame| draw::draw(frame, &self.app)).unwrap();
        terminal
    }
}

/// A morning half walked: some open, one closed, one seen, one unclear.
fn half_walked(lang: Lang) -> Fixture {
    let mut f = fixture(lang, "2026-11-22 08:05");
    f.keys("oocsou");
    f
}

/// The sizes every screen is drawn at: a desktop terminal, the classic 80×24, a phone held
/// upright over SSH, and the smallest phone layout.
const SIZES: [(u16, u16); 4] = [(100, 30), (80, 24), (40, 20), (30, 12)];

#[test]
fn round_screen_snapshots_in_both_languages_and_sizes() {
    for (lang, name) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let f = half_walked(lang);
        for (width, height) in SIZES {
            insta::assert_snapshot!(
                format!("round_{name}_{width}x{height}"),
                f.screen(width, height).backend()
            );
        }
    }
}

#[test]
fn help_details_flags_and_welcome_snapshots() {
    let mut f = half_walked(Lang::Zh);
    f.key(KeyCode::Char('?'));
    insta::assert_snapshot!("help_zh_80x24", f.screen(80, 24).backend());
    f.key(KeyCode::Esc);
    f.key(KeyCode::Up);
    f.key(KeyCode::Enter);
    insta::assert_snapshot!("details_zh_80x24", f.screen(80, 24).backend());
    f.key(KeyCode::Esc);
    f.key(KeyCode::Char('2'));
    insta::assert_snapshot!("flags_zh_80x24", f.screen(80, 24).backend());
    f.key(KeyCode::Char('3'));
    insta::assert_snapshot!("history_zh_80x24", f.screen(80, 24).backend());
    f.key(KeyCode::Down);
    f.key(KeyCode::Enter);
    assert_eq!(f.app.tab, Tab::Round);
    assert_eq!(
        f.app.round.to_string(),
        "2026-11-21/evening",
        "Enter opens the selected round"
    );

    let dir = Place::new();
    let mut store = Store::open(&dir.db(), Create::IfMissing, Schedule::default()).unwrap();
    let mut app = App::new(
        Lang::En,
        "wang".into(),
        None,
        Schedule::default(),
        at("2026-11-22 07:50"),
    );
    app.mode = Mode::Welcome;
    app::reload(&mut app, &mut store).unwrap();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| draw::draw(frame, &app)).unwrap();
    insta::assert_snapshot!("welcome_en_80x24", terminal.backend());
    // A small screen: the box scrolls to the import command, and the footer keeps Enter.
    app.lang = Lang::Zh;
    let mut small = Terminal::new(TestBackend::new(30, 12)).unwrap();
    small.draw(|frame| draw::draw(frame, &app)).unwrap();
    insta::assert_snapshot!("welcome_zh_30x12", small.backend());
    let screen = format!("{:?}", small.backend());
    assert!(screen.contains("Enter"), "{screen}");
    for _ in 0..10 {
        app::update(&mut app, &mut store, Action::Down).unwrap();
    }
    small.draw(|frame| draw::draw(frame, &app)).unwrap();
    let screen = format!("{:?}", small.backend());
    assert!(screen.contains("curtain import"), "{screen}");
}

#[test]
fn marking_records_the_check_and_moves_to_the_next_unchecked_elder() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    let first = f.selected_id();
    f.key(KeyCode::Char('o'));
    assert_eq!(f.status_of(&first), Status::Ok);
    let second = f.selected_id();
    assert_ne!(second, first);
    f.key(KeyCode::Char('c'));
    assert_eq!(f.status_of(&second), Status::Alert);
    f.key(KeyCode::Char('u'));
    f.key(KeyCode::Char('s'));
    let checked = f.app.data.checked();
    assert_eq!(checked, 4);
    assert_eq!(f.app.data.flagged(), 2);
    // Going back up over checked elders and ticking again skips to the next unchecked one.
    f.key(KeyCode::Home);
    f.key(KeyCode::Char('o'));
    assert!(f.app.selected_row().unwrap().unchecked());
}

#[test]
fn undo_takes_back_my_last_check() {
    let mut f = fixture(Lang::En, "2026-11-22 08:05");
    let first = f.selected_id();
    f.key(KeyCode::Char('c'));
    assert_eq!(f.status_of(&first), Status::Alert);
    f.key(KeyCode::Char('z'));
    assert_eq!(f.status_of(&first), Status::Pending);
    assert_eq!(f.selected_id(), first, "undo goes back to the elder");
    f.key(KeyCode::Char('z'));
    let text = f.said();
    assert!(text.contains("no check of yours to undo"), "{text}");
}

#[test]
fn search_finds_by_pinyin_initials_and_esc_clears_it() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    let all = f.app.visible().len();
    f.key(KeyCode::Char('/'));
    assert_eq!(f.app.mode, Mode::Search);
    f.keys("sxy");
    let names: Vec<String> = f.app.visible().iter().map(|r| r.name.clone()).collect();
    assert!(names.contains(&"单秀英".to_string()), "{names:?}");
    assert!(names.len() < all);
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal);
    f.key(KeyCode::Char('o'));
    assert_eq!(f.status_of("CQ003"), Status::Ok);
    f.key(KeyCode::Esc);
    assert_eq!(f.app.visible().len(), all);
}

#[test]
fn the_grid_filter_cycles_through_grids_and_back_to_all() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    let grids = f.app.grids();
    assert_eq!(grids.len(), 4);
    for grid in &grids {
        f.key(KeyCode::Char('g'));
        assert_eq!(f.app.grid.as_ref(), Some(grid));
        assert!(f.app.visible().iter().all(|row| &row.grid == grid));
    }
    f.key(KeyCode::Char('g'));
    assert_eq!(f.app.grid, None);
}

#[test]
fn a_past_round_can_be_picked_and_its_checks_are_late() {
    let mut f = fixture(Lang::En, "2026-11-22 12:00");
    assert_eq!(f.app.round.to_string(), "2026-11-22/morning");
    f.key(KeyCode::Left);
    assert_eq!(f.app.round.to_string(), "2026-11-21/evening");
    assert!(f.app.round_pinned);
    let id = f.selected_id();
    f.key(KeyCode::Char('c'));
    let row = rounds::statuses(&f.store, f.app.round, f.app.now)
        .unwrap()
        .into_iter()
        .find(|row| row.elder.id == id)
        .unwrap();
    assert_eq!(row.status, Status::Ok);
    assert!(row.late);
    f.key(KeyCode::Char('t'));
    assert_eq!(f.app.round.to_string(), "2026-11-22/morning");
    assert!(!f.app.round_pinned);
}

#[test]
fn a_round_that_has_not_opened_refuses_the_tick_and_says_why() {
    // Up to an hour early counts (DESIGN.md section 3); 05:30 is earlier than that.
    let mut f = fixture(Lang::En, "2026-11-22 05:30");
    f.key(KeyCode::Right);
    assert_eq!(f.app.round.to_string(), "2026-11-22/morning");
    let id = f.selected_id();
    f.key(KeyCode::Char('o'));
    assert_eq!(f.status_of(&id), Status::Pending);
    let text = f.said();
    assert!(text.contains("opens at"), "{text}");
}

#[test]
fn keys_switch_tabs_language_help_and_quit() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Tab);
    assert_eq!(f.app.tab, Tab::Flags);
    f.key(KeyCode::BackTab);
    assert_eq!(f.app.tab, Tab::Round);
    f.key(KeyCode::Char('2'));
    assert_eq!(f.app.tab, Tab::Flags);
    f.key(KeyCode::Char('o'));
    assert_eq!(
        f.app.data.checked(),
        0,
        "marking keys do nothing on the flags screen"
    );
    f.key(KeyCode::Char('1'));
    f.key(KeyCode::Char('L'));
    assert_eq!(f.app.lang, Lang::En);
    f.key(KeyCode::Char('?'));
    assert_eq!(f.app.mode, Mode::Help);
    f.key(KeyCode::Char('o'));
    assert_eq!(
        f.app.data.checked(),
        0,
        "keys under the help overlay do not record"
    );
    f.key(KeyCode::Esc);
    assert_eq!(f.app.mode, Mode::Normal);
    f.key(KeyCode::Char('q'));
    assert!(f.app.quit);
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(
        app::action_for(&Mode::Search, Tab::Round, ctrl_c),
        Some(Action::Quit)
    );
}

#[test]
fn observation_keys_map_to_their_observations() {
    let cases = [
        ('o', Observation::Open),
        ('c', Observation::Closed),
        ('s', Observation::Seen),
        ('u', Observation::Unclear),
    ];
    for (key, observation) in cases {
        let event = KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE);
        assert_eq!(
            app::action_for(&Mode::Normal, Tab::Round, event),
            Some(Action::Mark(observation)),
            "{key}"
        );
    }
}

#[test]
fn drawing_at_every_small_size_never_panics() {
    let f = half_walked(Lang::Zh);
    for width in [1, 2, 5, 10, 20, 39] {
        for height in [1, 2, 3, 5, 8] {
            let _ = f.screen(width, height);
        }
    }
}

#[test]
fn absences_are_read_from_what_a_grid_worker_types() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let cases = [
        (
            "12-01 12-20 住院",
            Some((d(2026, 12, 1), d(2026, 12, 20), Some("住院"))),
        ),
        (
            "2026-12-01 2027-02-28 海南 过冬",
            Some((d(2026, 12, 1), d(2027, 2, 28), Some("海南 过冬"))),
        ),
        (
            "11月25日 探亲",
            Some((today, d(2026, 11, 25), Some("探亲"))),
        ),
        ("1/15", Some((today, d(2027, 1, 15), None))),
        ("明天", None),
        ("", None),
    ];
    for (text, want) in cases {
        let got = app::parse_absence(text, today);
        let got = got.as_ref().map(|(f, t, r)| (*f, *t, r.as_deref()));
        assert_eq!(got, want, "{text:?}");
    }
}

#[test]
fn a_marks_the_selected_elder_away_and_they_leave_the_round() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    let id = f.selected_id();
    f.key(KeyCode::Char('a'));
    assert_eq!(f.app.mode, Mode::Away);
    f.keys("11-22 11-30 住院");
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal);
    assert_eq!(f.status_of(&id), Status::Away);
    assert!(f.app.data.rows().iter().all(|row| row.elder_id != id));
    assert!(f.app.data.away.iter().any(|away| away.elder_id == id));
}

fn roster_ids(f: &Fixture) -> Vec<String> {
    f.app.roster.elders.iter().map(|e| e.id.clone()).collect()
}

fn fixture_path(relative: &str) -> String {
    format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_roster_archives_and_restores_by_keys_and_audits_both() {
    let mut f = fixture(Lang::En, "2026-11-22 08:05");
    f.key(KeyCode::Char('4'));
    assert_eq!(f.app.tab, Tab::Roster);
    assert_eq!(f.app.roster.elders.len(), 60);
    f.key(KeyCode::Down);
    let id = f.app.roster.selected_elder().unwrap().id.clone();
    f.key(KeyCode::Char('x'));
    assert!(matches!(f.app.mode, Mode::Roster(_)));
    f.key(KeyCode::Esc);
    assert_eq!(f.app.mode, Mode::Normal);
    assert!(elders::get(&f.store.conn, &id).unwrap().unwrap().active());
    f.keys("xy");
    assert!(!elders::get(&f.store.conn, &id).unwrap().unwrap().active());
    let next = rounds::statuses(&f.store, f.app.round.next(), f.app.now).unwrap();
    assert!(
        next.iter().all(|row| row.elder.id != id),
        "off the roster from the next round"
    );
    assert_eq!(f.app.roster.elders.len(), 60, "archived elders stay listed");
    assert_eq!(f.app.roster.selected_elder().unwrap().id, id);
    f.keys("xy");
    assert!(elders::get(&f.store.conn, &id).unwrap().unwrap().active());
    let actions: Vec<String> = elders::audit_log(&f.store.conn, Some(&id))
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(actions, ["added", "archived", "restored"]);
}

#[test]
fn the_roster_moves_an_elder_along_the_route() {
    let mut f = fixture(Lang::En, "2026-11-22 08:05");
    f.key(KeyCode::Char('4'));
    let before = roster_ids(&f);
    let routes: Vec<Option<i64>> = f.app.roster.elders.iter().map(|e| e.route).collect();
    f.key(KeyCode::Char('-'));
    assert_eq!(roster_ids(&f), before, "the first cannot move earlier");
    f.key(KeyCode::Char('+'));
    let after = roster_ids(&f);
    assert_eq!(after[0], before[1]);
    assert_eq!(after[1], before[0]);
    assert_eq!(f.app.roster.selected, 1, "the selection follows the elder");
    let moved = elders::get(&f.store.conn, &before[0]).unwrap().unwrap();
    assert_eq!(moved.route, routes[1]);
    assert!(
        elders::audit_log(&f.store.conn, Some(&before[0]))
            .unwrap()
            .iter()
            .any(|entry| entry.action == "route")
    );
    assert_eq!(
        f.app.data.rows()[0].elder_id,
        before[1],
        "the patrol walks it"
    );
    f.key(KeyCode::Char('-'));
    assert_eq!(roster_ids(&f), before);
}

#[test]
fn a_bad_roster_file_previews_its_problems_and_imports_nothing() {
    let mut f = fixture(Lang::En, "2026-11-22 08:05");
    f.key(KeyCode::Char('4'));
    let audit_before = elders::audit_log(&f.store.conn, None).unwrap().len();
    f.key(KeyCode::Char('i'));
    f.keys(&fixture_path("tests/fixtures/roster-bad.csv"));
    f.key(KeyCode::Enter);
    assert!(matches!(f.app.mode, Mode::Roster(_)));
    let preview = f.app.roster.preview.clone().unwrap();
    let lines = curtain::tui::roster_screen::preview_lines(&f.app, &preview);
    assert!(preview.outcome.is_err());
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("line 3")), "{lines:?}");
    insta::assert_snapshot!("roster_bad_preview_en_80x24", f.screen(80, 24).backend());
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal);
    assert_eq!(f.app.roster.elders.len(), 60);
    assert_eq!(
        elders::audit_log(&f.store.conn, None).unwrap().len(),
        audit_before
    );
    // A path that is not there is said, not crashed on.
    f.key(KeyCode::Char('i'));
    f.keys("/no/such/roster.csv");
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal);
    let text = f.said();
    assert!(text.contains("/no/such/roster.csv"), "{text}");
}

#[test]
fn a_roster_file_typed_in_is_previewed_then_imported_on_enter() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Char('4'));
    f.key(KeyCode::Char('i'));
    f.keys(&fixture_path("data/sample-roster-en.csv"));
    f.key(KeyCode::Enter);
    let preview = f.app.roster.preview.clone().unwrap();
    let (_, plan) = preview.outcome.as_ref().unwrap();
    assert_eq!(plan.added.len(), 10);
    assert_eq!(f.app.roster.elders.len(), 60, "a preview writes nothing");
    insta::assert_snapshot!("roster_preview_zh_80x24", f.screen(80, 24).backend());
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal);
    assert_eq!(f.app.roster.elders.len(), 70);
    let elder = elders::get(&f.store.conn, "EN001").unwrap().unwrap();
    assert!(elder.active());
    assert_eq!(elder.added_at, f.app.now);
    // Esc at the preview cancels.
    f.key(KeyCode::Char('i'));
    f.keys(&fixture_path("data/sample-roster.csv"));
    f.key(KeyCode::Enter);
    f.key(KeyCode::Esc);
    assert_eq!(f.app.mode, Mode::Normal);
    assert!(f.app.roster.preview.is_none());
}

#[test]
fn roster_screen_snapshots() {
    for (lang, name, width, height) in [(Lang::Zh, "zh", 80, 24), (Lang::En, "en", 40, 20)] {
        let mut f = fixture(lang, "2026-11-22 08:05");
        f.key(KeyCode::Char('4'));
        f.key(KeyCode::Down);
        f.keys("xy");
        f.key(KeyCode::Down);
        insta::assert_snapshot!(
            format!("roster_{name}_{width}x{height}"),
            f.screen(width, height).backend()
        );
    }
}

#[test]
fn the_roster_adds_and_edits_an_elder_through_the_form() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Char('4'));
    // A taken id, or no name, is refused and the form stays open with what was typed.
    f.key(KeyCode::Char('n'));
    f.keys("CQ001");
    f.key(KeyCode::Tab);
    f.keys("新人");
    f.key(KeyCode::Enter);
    assert!(matches!(f.app.mode, Mode::Roster(_)));
    let text = f.said();
    assert!(text.contains("CQ001"), "{text}");
    f.key(KeyCode::Esc);
    assert_eq!(f.app.mode, Mode::Normal);
    assert_eq!(f.app.roster.elders.len(), 60);
    assert_eq!(
        elders::get(&f.store.conn, "CQ001").unwrap().unwrap().name,
        "王秀英"
    );

    f.key(KeyCode::Char('n'));
    f.keys("CQ901");
    f.key(KeyCode::Enter);
    assert!(matches!(f.app.mode, Mode::Roster(_)), "a name is needed");
    f.key(KeyCode::Tab);
    f.keys("钱老太");
    f.key(KeyCode::Tab);
    f.keys("长青小区 C区 9栋 101");
    f.key(KeyCode::Tab);
    f.keys("第一网格");
    f.key(KeyCode::Tab);
    f.keys("13900000000");
    insta::assert_snapshot!("roster_form_zh_80x24", f.screen(80, 24).backend());
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal);
    let added = elders::get(&f.store.conn, "CQ901").unwrap().unwrap();
    assert_eq!(added.name, "钱老太");
    assert_eq!(added.phone.as_deref(), Some("13900000000"));
    assert_eq!(added.added_at, f.app.now);
    let last_route = f.app.roster.elders[..60]
        .iter()
        .filter_map(|e| e.route)
        .max()
        .unwrap();
    assert_eq!(
        added.route,
        Some(last_route + 1),
        "joins at the end of the route"
    );
    assert_eq!(f.app.roster.selected_elder().unwrap().id, "CQ901");

    f.key(KeyCode::Char('e'));
    f.key(KeyCode::Up);
    f.keys("耳背");
    f.key(KeyCode::Enter);
    let edited = elders::get(&f.store.conn, "CQ901").unwrap().unwrap();
    assert_eq!(edited.notes.as_deref(), Some("耳背"));
    assert_eq!(edited.name, "钱老太");
    assert_eq!(edited.route, added.route);
    let actions: Vec<(String, Option<String>)> = elders::audit_log(&f.store.conn, Some("CQ901"))
        .unwrap()
        .into_iter()
        .map(|entry| (entry.action, entry.source))
        .collect();
    assert_eq!(
        actions,
        [
            ("added".to_string(), Some("tui".to_string())),
            ("updated".to_string(), Some("tui".to_string()))
        ]
    );
}

#[test]
fn on_the_roster_a_records_an_absence_and_b_ends_it_early() {
    let mut f = fixture(Lang::En, "2026-11-22 08:05");
    f.key(KeyCode::Char('4'));
    assert_eq!(f.app.tab, Tab::Roster);
    let id = f.app.roster.selected_elder().unwrap().id.clone();
    f.key(KeyCode::Char('a'));
    assert_eq!(f.app.mode, Mode::Away);
    f.keys("11-22 11-30 hospital");
    f.key(KeyCode::Enter);
    assert_eq!(f.status_of(&id), Status::Away);
    f.key(KeyCode::Char('b'));
    let text = f.said();
    assert!(text.contains("absence ended"), "{text}");
    assert_eq!(
        f.status_of(&id),
        Status::Pending,
        "expected again from today"
    );
}

/// The fixture's database given users: an admin and a volunteer of the first grid; the app
/// waits at the login, as `tui::run` leaves it when users exist.
fn with_users(lang: Lang) -> Fixture {
    use curtain::store::users::{self, NewUser};
    let mut f = fixture(lang, "2026-11-22 08:05");
    let now = f.app.now;
    let tx = f.store.write().unwrap();
    for (name, role, grid, pin) in [
        ("li", curtain::domain::access::Role::Admin, None, "2580"),
        (
            "wang",
            curtain::domain::access::Role::Volunteer,
            Some("第一网格"),
            "1357",
        ),
    ] {
        let grids = grid.into_iter().map(str::to_string).collect();
        let hash = curtain::auth::hash_pin(pin).unwrap();
        let user = NewUser {
            name,
            role,
            grids: &grids,
            communities: &Default::default(),
            pin_hash: &hash,
        };
        users::add(&tx, &user, "li", now).unwrap();
    }
    tx.commit().unwrap();
    f.app.mode = Mode::Login;
    f.app.login = Some(curtain::tui::login::LoginState::new(None));
    f
}

#[test]
fn login_snapshots_show_no_roster_and_never_the_pin() {
    for (lang, name) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let mut f = with_users(lang);
        f.keys("wang");
        f.key(KeyCode::Tab);
        f.keys("1357");
        for (width, height) in [(80, 24), (40, 20)] {
            let screen = format!("{:?}", f.screen(width, height).backend());
            assert!(!screen.contains("1357"), "the PIN shows:\n{screen}");
            assert!(!screen.contains("王秀英"), "the roster shows:\n{screen}");
            insta::assert_snapshot!(
                format!("login_{name}_{width}x{height}"),
                f.screen(width, height).backend()
            );
        }
    }
}

#[test]
fn a_volunteer_logged_in_works_on_her_grid_only() {
    let mut f = with_users(Lang::En);
    f.keys("wang");
    f.key(KeyCode::Enter);
    f.keys("0000");
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Login, "a wrong PIN keeps the login");
    let said = f.said();
    assert!(said.contains("wrong PIN for wang"), "{said}");
    f.keys("1357");
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal);
    assert_eq!(f.app.user, "wang");
    assert!(!f.app.show_phones, "volunteers see phones masked");
    let grids: std::collections::BTreeSet<&str> = f
        .app
        .data
        .rows()
        .iter()
        .map(|row| row.grid.as_str())
        .collect();
    assert_eq!(grids, ["第一网格"].into(), "only her grid is loaded");
    assert_eq!(f.app.data.rows().len(), 16);
    let id = f.selected_id();
    f.keys("o");
    assert_eq!(f.status_of(&id), Status::Ok);
    // A grid worker's keys are refused in words and change nothing.
    f.key(KeyCode::Char('a'));
    assert_eq!(f.app.mode, Mode::Normal, "no absence form for a volunteer");
    let said = f.said();
    assert!(said.contains("may not record absences"), "{said}");
}

/// Every screen at every size in both languages: the round half walked, the flags with the
/// first flag's ladder, the history, the roster, the help overlay, the login, and the screen
/// under the minimum size.
#[test]
fn every_screen_at_every_size_in_both_languages() {
    for (lang, name) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        let mut f = half_walked(lang);
        f.key(KeyCode::Char('c'));
        let screens: [(&str, &[KeyCode]); 5] = [
            ("round", &[]),
            ("flags", &[KeyCode::Char('2')]),
            ("history", &[KeyCode::Char('3')]),
            ("roster", &[KeyCode::Char('4')]),
            ("help", &[KeyCode::Char('1'), KeyCode::Char('?')]),
        ];
        for (screen, keys) in screens {
            for key in keys {
                f.key(*key);
            }
            for (width, height) in SIZES {
                insta::assert_snapshot!(
                    format!("screen_{screen}_{name}_{width}x{height}"),
                    f.screen(width, height).backend()
                );
            }
        }
        let mut login = with_users(lang);
        login.keys("wang");
        for (width, height) in SIZES {
            insta::assert_snapshot!(
                format!("screen_login_{name}_{width}x{height}"),
                login.screen(width, height).backend()
            );
        }
        insta::assert_snapshot!(
            format!("screen_too_small_{name}_27x9"),
            f.screen(27, 9).backend()
        );
    }
}

#[test]
fn an_absence_leaves_one_count_of_listed_elders_on_the_round_and_the_history() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Char('a'));
    f.keys("11-22 11-30 住院");
    f.key(KeyCode::Enter);
    f.key(KeyCode::Char('3'));
    let listed = f.app.history.view.rows[0].total.listed;
    assert_eq!(f.app.history.view.rows[0].round, f.app.round);
    assert_eq!(
        listed,
        f.app.data.rows().len(),
        "the round and the history agree"
    );
    assert_eq!(listed, 59, "the elder away is not listed");
}

#[test]
fn resolving_a_flag_asks_once_and_any_other_key_keeps_it_open() {
    let mut f = half_walked(Lang::En);
    f.key(KeyCode::Char('2'));
    let open_before = f.app.open_flags;
    let first = f.app.flags.list[0].id;
    f.key(KeyCode::Char('r'));
    assert_eq!(f.app.mode, Mode::PickOutcome);
    f.key(KeyCode::Char('1'));
    assert_eq!(f.app.mode, Mode::ConfirmResolve, "a digit only picks");
    assert_eq!(f.app.open_flags, open_before, "nothing resolved yet");
    f.key(KeyCode::Char('n'));
    assert_eq!(f.app.mode, Mode::Normal);
    assert_eq!(f.app.open_flags, open_before, "cancelled");
    assert!(f.said().contains("stays open"), "{}", f.said());
    f.key(KeyCode::Char('r'));
    f.key(KeyCode::Char('1'));
    f.key(KeyCode::Char('y'));
    assert_eq!(f.app.open_flags, open_before - 1);
    assert!(f.app.flags.list.iter().all(|flag| flag.id != first));
    assert!(f.said().contains("resolved"), "{}", f.said());
}

#[test]
fn undo_takes_back_only_this_sittings_ticks_and_says_which() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    let earlier = f.selected_id();
    f.key(KeyCode::Char('o'));
    // A new sitting: the same volunteer opens the screen again.
    let mut again = App::new(
        Lang::Zh,
        "wang".into(),
        None,
        Schedule::default(),
        f.app.now,
    );
    app::reload(&mut again, &mut f.store).unwrap();
    f.app = again;
    f.key(KeyCode::Char('z'));
    assert_eq!(
        f.status_of(&earlier),
        Status::Ok,
        "an earlier sitting's tick stays"
    );
    assert!(f.said().contains("没有"), "{}", f.said());
    f.key(KeyCode::Home);
    f.key(KeyCode::Down);
    let now_ticked = f.selected_id();
    f.key(KeyCode::Char('c'));
    f.key(KeyCode::Char('z'));
    assert_eq!(f.status_of(&now_ticked), Status::Pending);
    let said = f.said();
    assert!(said.contains("已撤销") && said.contains("“关”"), "{said}");
}

#[test]
fn a_message_follows_a_language_switch_and_a_saved_one_expires() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Char('o'));
    assert!(f.said().contains("已保存"), "{}", f.said());
    f.key(KeyCode::Char('L'));
    assert!(f.said().contains("saved"), "{}", f.said());
    f.app.real += chrono::Duration::seconds(app::MESSAGE_SECONDS + 1);
    assert_eq!(
        f.app.shown_message(),
        None,
        "a success goes after a few seconds"
    );
    // A refusal stays until the next key, and the next key clears it.
    f.key(KeyCode::Char('z'));
    f.key(KeyCode::Char('z'));
    assert_eq!(f.app.shown_message().unwrap().0, app::Tone::Problem);
    f.app.real += chrono::Duration::seconds(60);
    assert!(
        f.app.shown_message().is_some(),
        "a problem does not time out"
    );
    f.key(KeyCode::Char('t'));
    assert_eq!(f.app.shown_message(), None, "the next action clears it");
}

#[test]
fn the_roster_form_edits_every_field_and_refuses_a_bad_window() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Char('4'));
    f.key(KeyCode::Char('n'));
    let fields = [
        "CQ902",
        "孙大爷",
        "长青小区 C区 9栋 102",
        "第二网格",
        "13900000001",
        "南面一楼",
        "女儿 孙丽",
        "13900000002",
        "邻居 老李",
        "13900000003",
        "",
        "8点到10点半",
        "19:00-21:00",
        "长青社区",
        "糖尿病",
    ];
    for (index, text) in fields.iter().enumerate() {
        if index > 0 {
            f.key(KeyCode::Tab);
        }
        f.keys(text);
    }
    f.key(KeyCode::Enter);
    assert!(
        matches!(f.app.mode, Mode::Roster(_)),
        "a bad window keeps the form"
    );
    assert!(f.said().contains("8点到10点半"), "{}", f.said());
    assert!(elders::get(&f.store.conn, "CQ902").unwrap().is_none());
    // Back to the morning window: clear it and type it right.
    f.key(KeyCode::Up);
    f.key(KeyCode::Up);
    f.key(KeyCode::Up);
    for _ in 0.."8点到10点半".chars().count() {
        f.key(KeyCode::Backspace);
    }
    f.keys("08:00-10:30");
    f.key(KeyCode::Enter);
    assert_eq!(f.app.mode, Mode::Normal, "{}", f.said());
    let elder = elders::get(&f.store.conn, "CQ902").unwrap().unwrap();
    assert_eq!(elder.contact.as_deref(), Some("女儿 孙丽"));
    assert_eq!(elder.contact_phone.as_deref(), Some("13900000002"));
    assert_eq!(elder.keyholder.as_deref(), Some("邻居 老李"));
    assert_eq!(elder.keyholder_phone.as_deref(), Some("13900000003"));
    assert_eq!(
        curtain::store::elders::window_text(elder.own.morning).as_deref(),
        Some("08:00-10:30")
    );
    assert_eq!(
        curtain::store::elders::window_text(elder.own.evening).as_deref(),
        Some("19:00-21:00")
    );
    assert_eq!(elder.own.community.as_deref(), Some("长青社区"));
    assert_eq!(elder.notes.as_deref(), Some("糖尿病"));
    assert!(elder.route.is_some(), "an empty route joins the end");
}

#[test]
fn grids_cycle_in_their_natural_order() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    assert_eq!(
        f.app.grids(),
        ["第一网格", "第二网格", "第三网格", "第四网格"]
    );
    f.key(KeyCode::Char('g'));
    assert_eq!(f.app.grid.as_deref(), Some("第一网格"));
    f.key(KeyCode::Char('g'));
    assert_eq!(f.app.grid.as_deref(), Some("第二网格"));
}

/// Issue 12: the TUI's import preview names, per elder, every field that will change from what to
/// what, clears included, as `import --dry-run` does; columns the file lacks are left as they were.
#[test]
fn the_import_preview_names_each_field_that_changes_from_what_to_what() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    let sheet = f._dir.path().join("changes.csv");
    std::fs::write(
        &sheet,
        "编号,姓名,电话,紧急联系人\nCQ001,王秀英,13912345678,\n",
    )
    .unwrap();
    f.key(KeyCode::Char('4'));
    f.key(KeyCode::Char('i'));
    f.keys(sheet.to_str().unwrap());
    f.key(KeyCode::Enter);
    let preview = f.app.roster.preview.clone().unwrap();
    let lines = curtain::tui::roster_screen::preview_lines(&f.app, &preview).join("\n");
    assert!(lines.contains("CQ001 王秀英："), "{lines}");
    assert!(lines.contains("电话：13900007346 → 13912345678"), "{lines}");
    assert!(lines.contains("紧急联系人：女儿 刘芳 → （空）"), "{lines}");
    assert!(
        !lines.contains("地址："),
        "an absent column changes nothing:\n{lines}"
    );
}

/// Every kind of message follows a switch of language, the flags screen's and the roster's too:
/// a follow-up logged, a note, a resolution, a refusal.
#[test]
fn the_flags_and_roster_messages_follow_a_language_switch() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Char('c'));
    f.key(KeyCode::Char('2'));
    f.key(KeyCode::Char('n'));
    assert!(f.said().contains("✓ 标记 #"), "{}", f.said());
    f.key(KeyCode::Char('L'));
    assert!(f.said().contains("✓ flag #"), "{}", f.said());
    f.key(KeyCode::Char('m'));
    f.keys("ok");
    f.key(KeyCode::Enter);
    assert!(f.said().contains("note added"), "{}", f.said());
    f.key(KeyCode::Char('L'));
    assert!(f.said().contains("已记入标记"), "{}", f.said());
    f.keys("r1y");
    assert!(f.said().contains("已处理"), "{}", f.said());
    f.key(KeyCode::Char('L'));
    assert!(f.said().contains("resolved"), "{}", f.said());
    f.key(KeyCode::Char('L'));
    // The roster: a move past the start of the route is refused in words of each language.
    f.key(KeyCode::Char('4'));
    f.key(KeyCode::Char('-'));
    let chinese = f.said();
    assert!(!chinese.is_empty());
    f.key(KeyCode::Char('L'));
    assert_ne!(f.said(), chinese, "said again in English");
}

/// The outcome menu scrolls on the smallest screen drawn (28×10), so the seventh is reachable.
#[test]
fn the_outcome_menu_scrolls_on_the_smallest_screen() {
    let mut f = fixture(Lang::Zh, "2026-11-22 08:05");
    f.key(KeyCode::Char('c'));
    f.key(KeyCode::Char('2'));
    f.key(KeyCode::Char('r'));
    assert_eq!(f.app.mode, Mode::PickOutcome);
    let before = format!("{:?}", f.screen(28, 10).backend());
    assert!(!before.contains("7  其他"), "{before}");
    for _ in 0..3 {
        f.key(KeyCode::Down);
    }
    let after = format!("{:?}", f.screen(28, 10).backend());
    assert!(after.contains("7  其他"), "{after}");
    assert_eq!(f.app.mode, Mode::PickOutcome, "scrolling picks nothing");
}
