//! The app state, the actions a key becomes, and `update`, which hands an action to the screen
//! it belongs to (each screen's update is pure and answers with a [`Step`]) and carries out the
//! [`Effect`]s they ask for through `ops` (`carry_out`), reloading what changed. Key handling is
//! a pure function, tested without a terminal.

use std::cell::Cell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::Input;

use super::data::{self, DetailView, RoundData, RowView, Visible};
use crate::domain::access::{Actor, Capability, Grids};
use crate::domain::assignment::Part;
use crate::domain::followup::FollowUpAction;
use crate::domain::time::{Times, format_local_time};
use crate::domain::{Observation, Outcome, Round, Schedule, Status};
use crate::error::Refusal;
use crate::i18n::{Lang, fill, t, words};
use crate::import::RosterRow;
use crate::ops;
use crate::search::SearchKeys;
use crate::store::flags::FlagView;
use crate::store::rounds;
use crate::store::{Store, elders, flags};

/// The screens, as tabs. New screens (roster, history) join this list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Round,
    Flags,
    History,
    Roster,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Round, Tab::Flags, Tab::History, Tab::Roster];
}

/// What the keyboard is talking to.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Typing a search; the list filters as you type.
    Search,
    Help,
    Details,
    /// The roster is empty: offer the sample.
    Welcome,
    /// Choosing the outcome that resolves the selected flag.
    PickOutcome,
    /// The outcome chosen: `y` resolves, any other key goes back without resolving.
    ConfirmResolve,
    /// Typing a note for the selected flag's follow-up log.
    Note,
    /// Typing the dates (and reason) of the selected elder's absence.
    Away,
    /// Typing who walks which part of the selected elder's grid (#15).
    Assign,
    /// The roster screen's overlays: confirm, file path, import preview.
    Roster(super::roster_screen::RosterMode),
    /// The database has users: nothing shows until someone logs in.
    Login,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Saved,
    Info,
    Problem,
}

/// How long a message that reports success stays on screen by the real clock. A problem stays
/// until the next key: a refusal or an alert must not vanish before it is read.
pub const MESSAGE_SECONDS: i64 = 8;

/// The line under the screen: what the last action did, in both languages (so `L` turns it
/// into the other one), and when it was said.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub tone: Tone,
    zh: String,
    en: String,
    said_at: DateTime<Utc>,
}

impl Message {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// What a screen's update asks the event loop to do, that it cannot do itself: writes through
/// `ops` and reads from the store. Updates are pure; these are their only way out.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record what the patrol saw of an elder, in the round on screen, at the screen's time.
    Record {
        elder_id: String,
        name: String,
        observation: Observation,
    },
    /// Take back this sitting's last tick.
    Undo,
    /// The round changed: load it.
    Reload,
    /// The first search: build the elders' pinyin keys.
    LoadSearchKeys,
    /// Open an elder's details.
    LoadDetail(String),
    /// The flag selection moved: load the selected flag's detail.
    LoadFlagDetail,
    /// Log a follow-up of a flag: a step of the call ladder, or a note.
    FollowUp {
        flag_id: i64,
        action: FollowUpAction,
        note: Option<String>,
    },
    /// Resolve a flag with an outcome (confirmed already).
    Resolve {
        id: i64,
        name: String,
        outcome: Outcome,
    },
    /// Resolve a patrol gap and its missed flags at once (#15).
    ResolveGap(i64),
    /// Record an elder's absence.
    RecordAbsence {
        id: String,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        reason: Option<String>,
    },
    /// The elder is back: end their absence from today.
    EndAbsence { id: String, name: String },
    /// Archive an active elder, or restore an archived one (`active` says which it was).
    ToggleArchive {
        id: String,
        name: String,
        active: bool,
    },
    /// Move an elder one place along the route.
    MoveInRoute {
        id: String,
        name: String,
        later: bool,
    },
    /// Read a roster file (the path as typed) and preview what importing it would do.
    ReadRosterFile(String),
    /// Import the previewed rows, all or nothing.
    ImportRoster { file: String, rows: Vec<RosterRow> },
    /// Save the roster form: a new elder (`new`, refused if the id is taken) or an edit. A
    /// route of `None` keeps the elder's, or puts a new elder at the end of the route.
    SaveElder { row: Box<RosterRow>, new: bool },
    /// Assign a volunteer a part of a grid (#15).
    Assign {
        volunteer: String,
        grid: String,
        part: Part,
    },
    /// Check a name and PIN typed into the login form.
    LogIn {
        name: String,
        pin: super::login::TypedPin,
    },
}

/// What a screen's update did with an action.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The action is not this screen's: the shared update handles it.
    NotMine,
    /// Done, in the screen's state alone.
    Done,
    /// Done as far as state goes; the event loop carries out the effect.
    Effect(Effect),
}

/// What a key means.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Mark(Observation),
    Undo,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    StartSearch,
    SearchKey(KeyEvent),
    FinishSearch,
    CancelSearch,
    ClearFilters,
    Details,
    Help,
    CloseOverlay,
    PrevRound,
    NextRound,
    PatrolRound,
    NextGrid,
    SwitchLang,
    Tab(Tab),
    NextTab,
    PrevTab,
    ClickRow(u16),
    /// Open the history screen's selected round on the patrol screen.
    OpenRound,
    LoadSample,
    /// The call ladder's current step reached someone (`true`) or not.
    LadderResult(bool),
    StartResolve,
    /// An outcome picked in the menu: asks once before resolving.
    PickOutcome(Outcome),
    Resolve,
    StartNote,
    StartAway,
    SaveAway,
    /// Assign a volunteer a part of the selected elder's grid (the roster screen, #15).
    StartAssign,
    SaveAssign,
    NoteKey(KeyEvent),
    SaveNote,
    /// The roster screen's keys.
    Roster(super::roster_screen::RosterAction),
    LoginKey(KeyEvent),
    LogIn,
    Quit,
    /// Text the terminal pasted in one piece (bracketed paste), for the field being typed in.
    Paste(String),
}

/// Who an absence is typed for.
pub struct AwayTarget<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub grid: &'a str,
}

/// The whole state the screens draw from.
pub struct App {
    pub lang: Lang,
    pub user: String,
    /// Who is logged in: their role and grids decide what they may do and see.
    pub actor: Actor,
    /// The login form, while nobody is logged in.
    pub login: Option<super::login::LoginState>,
    pub community: Option<String>,
    pub schedule: Schedule,
    pub now: DateTime<Utc>,
    /// The real clock at the last tick: what records keep (DESIGN.md section 3).
    pub real: DateTime<Utc>,
    /// A drill database: the title says so.
    pub drill: bool,
    pub round: Round,
    /// The patrol picked a round by hand: it stays while the clock moves.
    pub round_pinned: bool,
    pub data: RoundData,
    /// The strips of earlier rounds, and the round they were loaded for.
    pub strips: (Option<Round>, data::Strips),
    /// The roster as the last reload read it (narrow, the user's grids): the strips that follow
    /// the first frame are judged against it instead of reading it again.
    pub listed: crate::store::elders::Roster,
    pub keys: HashMap<String, SearchKeys>,
    /// The roster's stamp the search keys were built under: built again when it moves (a name
    /// corrected elsewhere is found by its new name). `None` on a database without a stamp.
    pub keys_stamp: Option<i64>,
    /// Active elders on the roster, as of the last reload.
    pub roster_size: usize,
    pub selected: usize,
    pub mode: Mode,
    pub tab: Tab,
    pub search: Input,
    pub grid: Option<String>,
    /// The last action's message; cleared by the next action, and a success's by time too.
    pub message: Option<Message>,
    pub detail: Option<DetailView>,
    /// Early warnings of the user's grids, shown as a banner on every screen (#15).
    pub warnings: Vec<String>,
    /// The flags screen's state: its list, selection, detail and outcome being confirmed.
    pub flags: super::flags_screen::FlagsState,
    /// The open flags in the user's grids (or the grid filtered by): the tab's count, always.
    pub open_flags: usize,
    /// The history screen's state: the rounds shown and the selected one.
    pub history: super::history_screen::HistoryState,
    pub note: Input,
    /// "This field is full", in both languages, for the field size it was said for: a paste
    /// says it once per turned-away character, so it is put in words once.
    field_full_words: Option<(usize, String, String)>,
    /// Whether this person may see elders' phone numbers in full.
    pub show_phones: bool,
    pub roster: super::roster_screen::RosterState,
    /// Where the list was last drawn (set by drawing, read by mouse clicks).
    pub list_top: Cell<u16>,
    pub list_offset: Cell<usize>,
    /// How many hint lines were drawn under the selected elder (the phone layout).
    pub list_hints: Cell<usize>,
    /// How far the help or details overlay is scrolled, and (set by drawing) how far it can be.
    pub overlay_scroll: usize,
    pub overlay_scroll_max: Cell<usize>,
    /// The checks this sitting recorded: `z` takes back only these.
    pub sitting_checks: Vec<String>,
    pub quit: bool,
}

impl App {
    pub fn new(
        lang: Lang,
        user: String,
        community: Option<String>,
        schedule: Schedule,
        now: DateTime<Utc>,
    ) -> App {
        let round = data::round_for_patrol(&schedule, now);
        App {
            lang,
            actor: Actor::owner(&user),
            login: None,
            user,
            community,
            schedule,
            now,
            real: now,
            drill: false,
            round,
            round_pinned: false,
            data: RoundData::default(),
            strips: (None, data::Strips::new()),
            listed: Vec::new(),
            keys: HashMap::new(),
            keys_stamp: None,
            roster_size: 0,
            selected: 0,
            mode: Mode::Normal,
            tab: Tab::Round,
            search: Input::default(),
            grid: None,
            message: None,
            detail: None,
            flags: Default::default(),
            warnings: Vec::new(),
            open_flags: 0,
            history: Default::default(),
            note: Input::default(),
            field_full_words: None,
            show_phones: true,
            roster: Default::default(),
            list_top: Cell::new(0),
            list_offset: Cell::new(0),
            list_hints: Cell::new(0),
            overlay_scroll: 0,
            overlay_scroll_max: Cell::new(0),
            sitting_checks: Vec::new(),
            quit: false,
        }
    }

    /// Who is acting from now on; the screens then show only what they may see.
    pub fn sign_in(&mut self, actor: Actor) {
        self.user = actor.name.clone();
        self.show_phones = actor.can(Capability::SeePhones);
        self.actor = actor;
        self.mode = Mode::Normal;
        self.grid = None;
    }

    /// The elders the list shows, after the grid filter and the search.
    /// The times a change from this screen is made at.
    pub fn times(&self) -> Times {
        Times {
            now: self.now,
            real: self.real,
            drill: self.drill,
        }
    }

    pub fn visible(&self) -> Visible<'_> {
        let query = self.search.value();
        if self.grid.is_none() && query.is_empty() {
            return Visible::All(self.data.rows());
        }
        let rows = self
            .data
            .rows()
            .iter()
            .filter(|row| self.grid.as_ref().is_none_or(|grid| &row.grid == grid))
            .filter(|row| {
                query.is_empty()
                    || self
                        .keys
                        .get(&row.elder_id)
                        .is_some_and(|keys| keys.matches(query))
            })
            .collect();
        Visible::Some(rows)
    }

    /// The elder an absence is being typed for: the roster's selection on the roster screen,
    /// else the patrol list's.
    pub fn away_target(&self) -> Option<AwayTarget<'_>> {
        if self.tab == Tab::Roster {
            self.roster.selected_elder().map(|elder| AwayTarget {
                id: &elder.id,
                name: &elder.name,
                grid: &elder.grid,
            })
        } else {
            self.selected_row().map(|row| AwayTarget {
                id: &row.elder_id,
                name: &row.name,
                grid: &row.grid,
            })
        }
    }

    /// The open patrol gap a row of the flags list stands for, if it is a gap's row (a row
    /// with the negated gap id: see `data::fold_gaps`).
    pub fn gap_of(&self, flag: &FlagView) -> Option<&data::GapFold> {
        if flag.id >= 0 {
            return None;
        }
        self.flags.gaps.iter().find(|fold| fold.gap.id == -flag.id)
    }

    /// Where the elder is in the list shown, if she is in it.
    pub fn position_in_list(&self, elder_id: &str) -> Option<usize> {
        self.visible()
            .iter()
            .position(|row| row.elder_id == elder_id)
    }

    pub fn selected_row(&self) -> Option<&RowView> {
        self.visible().get(self.selected)
    }

    pub fn grids(&self) -> Vec<String> {
        let mut grids: Vec<String> = self.data.rows().iter().map(|r| r.grid.clone()).collect();
        grids.sort();
        grids.dedup();
        crate::domain::order::sort_naturally(&mut grids);
        grids
    }

    pub(super) fn clamp_selection(&mut self) {
        let count = self.visible().len();
        self.selected = self.selected.min(count.saturating_sub(1));
    }

    /// Says the same text in both languages (an error's own words, a file's name).
    pub fn say(&mut self, tone: Tone, text: String) {
        self.say_in(tone, |_| text.clone());
    }

    /// Types a key into a text field of at most `max` characters, saying so when it is full.
    pub fn type_into(
        &mut self,
        field: fn(&mut App) -> &mut Input,
        key: ratatui::crossterm::event::KeyEvent,
        max: usize,
    ) {
        if super::text::type_into(field(self), key, max) {
            return;
        }
        self.say_field_full(max);
    }

    /// Says a field is full, once for a run of turned-away keys (a paste): saying it again for
    /// each of a hundred thousand characters would be the slow part.
    pub fn say_field_full(&mut self, max: usize) {
        let words = match self.field_full_words.take() {
            Some(words) if words.0 == max => words,
            _ => {
                let say = |lang| {
                    crate::i18n::fill(&crate::i18n::t(lang).tui_field_full, &[("max", &max)])
                };
                (max, say(Lang::Zh), say(Lang::En))
            }
        };
        self.say_in(Tone::Problem, |lang| match lang {
            Lang::Zh => words.1.clone(),
            Lang::En => words.2.clone(),
        });
        self.field_full_words = Some(words);
    }

    /// Says something in words of each language, so a switch of language carries it over.
    pub fn say_in(&mut self, tone: Tone, words: impl Fn(Lang) -> String) {
        self.message = Some(Message {
            tone,
            zh: words(Lang::Zh),
            en: words(Lang::En),
            said_at: self.real,
        });
    }

    /// The message as the screen shows it now: in the screen's language, unless it has expired.
    pub fn shown_message(&self) -> Option<(Tone, String)> {
        let message = self.message.as_ref()?;
        let expired = message.tone != Tone::Problem
            && self.real - message.said_at > chrono::Duration::seconds(MESSAGE_SECONDS);
        (!expired).then(|| (message.tone, message.text(self.lang).to_string()))
    }

    /// After a tick, the next elder down the route that still needs one (wrapping round).
    pub(super) fn advance_to_next_unchecked(&mut self, after_id: &str) {
        let visible = self.visible();
        let Some(start) = visible.iter().position(|row| row.elder_id == after_id) else {
            return;
        };
        let count = visible.len();
        let next = (1..count)
            .map(|step| (start + step) % count)
            .find(|&index| visible.get(index).is_some_and(RowView::unchecked));
        self.selected = next.unwrap_or(start);
    }
}

/// Maps a key to an action for the current mode. Pure: no state is changed here.
pub fn action_for(mode: &Mode, tab: Tab, key: KeyEvent) -> Option<Action> {
    if key.kind != ratatui::crossterm::event::KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c') | KeyCode::Char('q')) {
        return Some(Action::Quit);
    }
    match mode {
        Mode::Login => super::login::key(key),
        Mode::Search => Some(match key.code {
            KeyCode::Enter | KeyCode::Down | KeyCode::Up => Action::FinishSearch,
            KeyCode::Esc => Action::CancelSearch,
            _ => Action::SearchKey(key),
        }),
        Mode::Away => Some(match key.code {
            KeyCode::Enter => Action::SaveAway,
            KeyCode::Esc => Action::CloseOverlay,
            _ => Action::NoteKey(key),
        }),
        Mode::Assign => Some(match key.code {
            KeyCode::Enter => Action::SaveAssign,
            KeyCode::Esc => Action::CloseOverlay,
            _ => Action::NoteKey(key),
        }),
        Mode::Roster(roster_mode) => super::roster_screen::mode_key(*roster_mode, key),
        Mode::Note => Some(match key.code {
            KeyCode::Enter => Action::SaveNote,
            KeyCode::Esc => Action::CloseOverlay,
            _ => Action::NoteKey(key),
        }),
        Mode::PickOutcome => match key.code {
            KeyCode::Char(digit @ '1'..='7') => {
                let index = usize::from(digit as u8 - b'1');
                Outcome::ALL
                    .get(index)
                    .map(|outcome| Action::PickOutcome(*outcome))
            }
            KeyCode::Esc | KeyCode::Char('q') => Some(Action::CloseOverlay),
            // On a screen too short for the seven, the menu scrolls.
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            _ => None,
        },
        Mode::ConfirmResolve => Some(match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Action::Resolve,
            _ => Action::CloseOverlay,
        }),
        Mode::Help | Mode::Details => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::Home => Some(Action::First),
            KeyCode::End => Some(Action::Last),
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?') | KeyCode::Char(' ') => {
                Some(Action::CloseOverlay)
            }
            _ => None,
        },
        Mode::Welcome => match key.code {
            KeyCode::Enter | KeyCode::Char('y') | KeyCode::Char('l') => Some(Action::LoadSample),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::Char('q') | KeyCode::Esc => Some(Action::Quit),
            KeyCode::Char('L') => Some(Action::SwitchLang),
            KeyCode::Char('?') => Some(Action::Help),
            _ => None,
        },
        Mode::Normal => super::keymap::action_of(tab, key.code),
    }
}

/// Maps a mouse event: a left click on a list row selects it.
pub fn mouse_action(mode: &Mode, mouse: MouseEvent) -> Option<Action> {
    match (mode, mouse.kind) {
        (Mode::Normal, MouseEventKind::Down(MouseButton::Left)) => {
            Some(Action::ClickRow(mouse.row))
        }
        (Mode::Normal, MouseEventKind::ScrollDown) => Some(Action::Down),
        (Mode::Normal, MouseEventKind::ScrollUp) => Some(Action::Up),
        _ => None,
    }
}

/// Reloads everything, the strips of earlier rounds too (a late entry for an earlier round).
pub fn reload_all(app: &mut App, store: &mut Store) -> anyhow::Result<()> {
    app.strips.0 = None;
    reload(app, store)
}

/// Reloads what the screens show; raises the flags of windows that have closed meanwhile.
pub fn reload(app: &mut App, store: &mut Store) -> anyhow::Result<()> {
    if app.mode == Mode::Login {
        return Ok(());
    }
    // A file that takes no writes (read-only, a full disk) is read from a settled copy.
    let copy = ops::read::settle_or_copy(store, app.times())?;
    let store = copy.as_ref().unwrap_or(store);
    app.roster_size = elders::count_active(&store.conn)? as usize;
    // The pinyin keys of 30,000 elders take a good part of a second: built when the first
    // search starts, then again whenever the roster's stamp moves (on a file without one, at
    // every load).
    let stamp = store.roster_stamp()?;
    if !app.keys.is_empty() && (stamp.is_none() || stamp != app.keys_stamp) {
        app.keys = data::search_keys(store)?;
        app.keys_stamp = stamp;
    }
    let selected_id = app.selected_row().map(|row| row.elder_id.clone());
    // The roster once per load: narrow, in route order, the user's grids only; read beside the
    // round's records.
    let (round, now) = (app.round, app.now);
    let (listed, records) = rounds::roster_and_records(store, &app.actor.grids, round, now)?;
    app.listed = listed;
    if app.strips.0 != Some(app.round) {
        app.strips = (
            Some(app.round),
            data::load_strips_for(store, app.round, app.now, &app.listed)?,
        );
    }
    let current = records.statuses(&store.schedule, &app.listed, round, now);
    app.data = data::round_data(store, app.round, &app.strips.1, &current)?;
    // A volunteer sees her part of the route first (#15); the rest follows in route order.
    let mine: Vec<_> = crate::store::assignments::current(&store.conn, None)?
        .into_iter()
        .filter(|assignment| assignment.volunteer == app.user)
        .collect();
    if !mine.is_empty() {
        app.data.rows_mut().sort_by_key(|row| {
            !mine
                .iter()
                .any(|a| a.grid == row.grid && a.part().covers(&row.address, row.route))
        });
        app.data.index_rows();
    }
    if let Some(detail) = &app.detail {
        let id = detail.elder.id.clone();
        app.detail = data::load_detail(store, &id, app.round)?;
    }
    reload_flags(app, store)?;
    app.warnings = ops::gaps::early_warnings(store, &app.actor.grids, app.times())?
        .iter()
        .map(|warning| {
            words::early_warning(
                app.lang,
                &warning.grid,
                warning.round,
                warning.checked,
                warning.listed,
                &crate::domain::time::format_local_time(warning.closes, app.schedule.tz),
                &warning.assigned,
            )
        })
        .collect();
    if let Some(id) = selected_id
        && let Some(index) = app.position_in_list(&id)
    {
        app.selected = index;
    }
    app.clamp_selection();
    Ok(())
}

/// The first frame: the round alone. The strips of earlier rounds are left for
/// [`fill_strips`], once the frame is drawn.
pub fn reload_first_frame(app: &mut App, store: &mut Store) -> anyhow::Result<()> {
    app.strips = (Some(app.round), data::Strips::new());
    reload(app, store)?;
    app.strips.0 = None;
    Ok(())
}

/// Loads the strips of earlier rounds when the round shown has none yet, and puts them beside
/// the rows already shown; whether it did.
pub fn fill_strips(app: &mut App, store: &Store) -> anyhow::Result<bool> {
    if app.mode == Mode::Login || app.strips.0 == Some(app.round) {
        return Ok(false);
    }
    let strips = data::load_strips_for(store, app.round, app.now, &app.listed)?;
    app.data.set_strips(&strips);
    app.strips = (Some(app.round), strips);
    Ok(true)
}

/// Another terminal committed: reads only what changed since `marks`. New checks of the round
/// shown refresh their rows one by one; a change to the roster or the absences, or a check of
/// another round, reloads the screen.
pub fn reload_changes(
    app: &mut App,
    store: &mut Store,
    marks: &mut data::Marks,
) -> anyhow::Result<()> {
    let now = data::marks(store)?;
    if app.mode == Mode::Login || now.roster != marks.roster || now.absences != marks.absences {
        *marks = now;
        return reload(app, store);
    }
    let (fresh, last) = data::checks_since(store, marks.last_check)?;
    marks.last_check = last;
    let mut elders: Vec<String> = Vec::new();
    for (elder_id, round) in fresh {
        if round != app.round {
            app.strips.0 = None;
            return reload(app, store);
        }
        let shown = app.data.position(&elder_id).is_some();
        let away = app.data.away.iter().any(|row| row.elder_id == elder_id);
        if away {
            return reload(app, store);
        }
        if shown && !elders.contains(&elder_id) {
            elders.push(elder_id);
        }
    }
    for elder_id in elders {
        if !refresh_row_alone(app, store, &elder_id)? {
            return Ok(());
        }
        if app.detail.as_ref().is_some_and(|d| d.elder.id == elder_id) {
            app.detail = data::load_detail(store, &elder_id, app.round)?;
        }
    }
    reload_flags(app, store)
}

/// The open flags: their count for the tab, the list itself only while the flags screen shows
/// (a district holds thousands).
fn reload_flags(app: &mut App, store: &Store) -> anyhow::Result<()> {
    app.open_flags = match (&app.actor.grids, app.grid.as_deref()) {
        (Grids::Only(mine), None) => mine
            .iter()
            .map(|grid| flags::count_open(&store.conn, Some(grid)))
            .sum::<crate::store::db::Result<usize>>()?,
        (_, grid) => flags::count_open(&store.conn, grid)?,
    };
    if app.tab == Tab::History {
        app.history.view = data::load_history(store, app.now, &app.actor.grids)?;
    }
    if app.tab == Tab::Roster {
        load_roster(app, store)?;
    }
    if app.tab == Tab::Flags {
        app.flags.list = data::load_flags(store, app.grid.as_deref())?;
        app.flags.notify_trouble = data::load_notify_trouble(store)?;
        let grids = &app.actor.grids;
        app.flags.list.retain(|flag| grids.covers(&flag.grid));
        let open_gaps: Vec<_> = crate::store::gaps::list(&store.conn, false)?
            .into_iter()
            .filter(|gap| grids.covers(&gap.grid))
            .filter(|gap| app.grid.as_ref().is_none_or(|grid| &gap.grid == grid))
            .collect();
        let (flags, mut gaps) = data::fold_gaps(std::mem::take(&mut app.flags.list), open_gaps);
        for fold in &mut gaps {
            fold.elders = crate::store::gaps::members(&store.conn, fold.gap.id)?;
            fold.assigned = crate::store::assignments::volunteers(&store.conn, &fold.gap.grid)?;
        }
        (app.flags.list, app.flags.gaps) = (flags, gaps);
        load_flag_detail(app, store)?;
    } else {
        app.flags.list.clear();
        app.flags.gaps.clear();
        app.flags.detail = None;
    }
    Ok(())
}

/// Loads the roster screen's list, keeping the same elder selected.
fn load_roster(app: &mut App, store: &Store) -> anyhow::Result<()> {
    let selected_id = app.roster.selected_elder().map(|e| e.id.clone());
    app.roster.elders = elders::all(&store.conn)?;
    let grids = &app.actor.grids;
    app.roster.elders.retain(|elder| grids.covers(&elder.grid));
    if let Some(id) = selected_id
        && let Some(index) = app.roster.elders.iter().position(|e| e.id == id)
    {
        app.roster.selected = index;
    }
    app.roster.clamp();
    Ok(())
}

/// After a tick or an undo: that one elder's row again, and the flag count, without reloading
/// the whole round.
fn refresh_row(app: &mut App, store: &mut Store, elder_id: &str) -> anyhow::Result<()> {
    if refresh_row_alone(app, store, elder_id)? {
        reload_flags(app, store)?;
    }
    Ok(())
}

/// [`refresh_row`] without the flag count; false when the screen had to be reloaded whole (the
/// elder was not on it), which counts the flags too.
fn refresh_row_alone(app: &mut App, store: &mut Store, elder_id: &str) -> anyhow::Result<bool> {
    let Some(elder) = elders::entry(&store.conn, elder_id)? else {
        return Ok(true);
    };
    let elder = std::sync::Arc::new(elder);
    let fresh = rounds::status_of_elder(&store.conn, &store.schedule, &elder, app.round, app.now)?;
    let position = app.data.position(elder_id);
    match (fresh, position) {
        (Some(fresh), Some(index)) => {
            // The strip of earlier rounds stays; taken through `rows_mut` it would also make the
            // next frame count the whole round again.
            let strip = app.data.rows().get(index).map(|row| row.strip.clone());
            app.data
                .replace_row(index, data::row_view(&fresh, strip.unwrap_or_default()));
            Ok(true)
        }
        _ => {
            app.strips.0 = None;
            reload(app, store)?;
            Ok(false)
        }
    }
}

/// Keeps the selected flag in range and its detail pane current.
fn load_flag_detail(app: &mut App, store: &Store) -> anyhow::Result<()> {
    app.flags.selected = app
        .flags
        .selected
        .min(app.flags.list.len().saturating_sub(1));
    app.flags.detail = match app.flags.list.get(app.flags.selected) {
        // A gap's row has no elder's detail: the gap is shown instead.
        Some(flag) if app.gap_of(flag).is_some() => None,
        Some(flag) => data::load_flag_detail(store, flag, app.now)?,
        None => None,
    };
    Ok(())
}

/// The embedded sample roster, so the first start works wherever the binary is.
pub const SAMPLE_ROSTER: &[u8] = include_bytes!("../../data/sample-roster.csv");

/// A paste goes whole into the field being typed in, up to the field's size; line breaks and
/// other control characters are left out. Anywhere else a paste means nothing.
fn paste(app: &mut App, text: &str) {
    use super::roster_screen::RosterMode;
    use super::text::{self, FORM_CHARS, NAME_CHARS, NOTE_CHARS, PATH_CHARS, PIN_CHARS};
    let mode = app.mode.clone();
    let (field, max) = match mode {
        Mode::Search => (&mut app.search, text::SEARCH_CHARS),
        Mode::Note | Mode::Away => (&mut app.note, NOTE_CHARS),
        Mode::Roster(RosterMode::Path) => (&mut app.note, PATH_CHARS),
        Mode::Roster(RosterMode::Form) => match app.roster.form.as_mut() {
            Some(form) => (&mut form.fields[form.focus], FORM_CHARS),
            None => return,
        },
        Mode::Login => match app.login.as_mut() {
            Some(login) if login.on_pin => (&mut login.pin, PIN_CHARS),
            Some(login) => (&mut login.name, NAME_CHARS),
            None => return,
        },
        _ => return,
    };
    if !text::paste_into(field, text, max) {
        app.say_field_full(max);
    }
    if mode == Mode::Search {
        app.selected = 0;
    }
}

/// Applies one action. Writes go through the store; a failed write is shown, never hidden.
pub fn update(app: &mut App, store: &mut Store, action: Action) -> anyhow::Result<()> {
    // A message answers the action before: the next one replaces it or clears it. A switch of
    // language only says it again in the other language.
    if action != Action::SwitchLang {
        app.message = None;
    }
    if let Some((capability, grid)) = requirement(app, &action)
        && let Err(refusal) = crate::auth::require(&app.actor, capability, grid.as_deref())
    {
        app.say_in(Tone::Problem, |lang| {
            crate::ops::messages::refusal(lang, &refusal)
        });
        return Ok(());
    }
    // Each screen's own update first: pure, its effects carried out here.
    let step = match (app.tab, &app.mode) {
        (_, Mode::Login) => super::login::update(app, &action),
        (Tab::Round, Mode::Normal | Mode::Search) => super::round_screen::update(app, &action),
        (Tab::History, Mode::Normal) => super::history_screen::update(app, &action),
        (Tab::Flags, Mode::Normal | Mode::PickOutcome | Mode::ConfirmResolve | Mode::Note) => {
            super::flags_screen::update(app, &action)
        }
        (Tab::Roster, _) => super::roster_screen::update(app, &action),
        _ => Step::NotMine,
    };
    match step {
        Step::NotMine => {}
        Step::Done => return Ok(()),
        Step::Effect(effect) => return carry_out(app, store, effect),
    }
    let page = 10;
    match action {
        Action::Quit => app.quit = true,
        Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::First
        | Action::Last
            if matches!(
                app.mode,
                Mode::Help | Mode::Details | Mode::Welcome | Mode::PickOutcome
            ) =>
        {
            let most = app.overlay_scroll_max.get();
            app.overlay_scroll = moved(app.overlay_scroll.min(most), &action, page).min(most);
        }
        // The screens' own actions, done by their updates above (`login`, `round_screen`,
        // `history_screen`, `flags_screen`, `roster_screen`).
        Action::LoginKey(_)
        | Action::LogIn
        | Action::Roster(_)
        | Action::OpenRound
        | Action::Up
        | Action::Down
        | Action::PageUp
        | Action::PageDown
        | Action::First
        | Action::Last
        | Action::Mark(_)
        | Action::Undo
        | Action::StartSearch
        | Action::SearchKey(_)
        | Action::FinishSearch
        | Action::CancelSearch
        | Action::PrevRound
        | Action::NextRound
        | Action::PatrolRound
        | Action::ClickRow(_)
        | Action::Details
        | Action::LadderResult(_)
        | Action::StartResolve
        | Action::PickOutcome(_)
        | Action::Resolve
        | Action::StartNote
        | Action::SaveNote
        | Action::StartAssign
        | Action::SaveAssign => {}
        Action::Help => {
            app.overlay_scroll = 0;
            app.mode = Mode::Help;
        }
        Action::NoteKey(key) => app.type_into(|app| &mut app.note, key, super::text::NOTE_CHARS),
        Action::StartAway => {
            if app.away_target().is_some() {
                app.note.reset();
                app.mode = Mode::Away;
            }
        }
        Action::SaveAway => {
            app.mode = Mode::Normal;
            let text = app.note.value().to_string();
            app.note.reset();
            let today = app.schedule.local_date(app.now);
            let Some(id) = app.away_target().map(|target| target.id.to_string()) else {
                return Ok(());
            };
            let Some((from, to, reason)) = parse_absence(&text, today) else {
                app.say_in(Tone::Problem, |lang| {
                    fill(&t(lang).tui_away_bad, &[("text", &text)])
                });
                return Ok(());
            };
            return carry_out(
                app,
                store,
                Effect::RecordAbsence {
                    id,
                    from,
                    to,
                    reason,
                },
            );
        }
        Action::CloseOverlay => {
            if app.mode == Mode::ConfirmResolve {
                app.flags.resolving = None;
                app.say_in(Tone::Info, |lang| t(lang).tui_resolve_cancelled.clone());
            }
            app.mode = if app.data.rows().is_empty() && app.roster_size == 0 {
                Mode::Welcome
            } else {
                Mode::Normal
            };
            app.detail = None;
        }
        Action::SwitchLang => app.lang = app.lang.other(),
        Action::Paste(text) => paste(app, &text),
        Action::Tab(tab) => {
            app.tab = tab;
            reload_flags(app, store)?;
        }
        Action::NextTab | Action::PrevTab => {
            let index = Tab::ALL.iter().position(|&tab| tab == app.tab).unwrap_or(0);
            let count = Tab::ALL.len();
            let next = if action == Action::NextTab {
                (index + 1) % count
            } else {
                (index + count - 1) % count
            };
            app.tab = Tab::ALL[next];
            reload_flags(app, store)?;
        }
        Action::ClearFilters => {
            app.search.reset();
            if app.grid.take().is_some() {
                reload(app, store)?;
            }
        }
        Action::NextGrid => {
            let mut grids: Vec<String> = elders::grids(&store.conn)?;
            grids.retain(|grid| app.actor.grids.covers(grid));
            crate::domain::order::sort_naturally(&mut grids);
            app.grid = next_grid(&grids, app.grid.as_ref());
            app.flags.selected = 0;
            reload(app, store)?;
        }
        Action::LoadSample => {
            load_sample(app, store)?;
        }
    }
    Ok(())
}

/// Carries out what a screen's update asked for: the writes through `ops`, the reads from the
/// store, and what they changed reloaded.
fn carry_out(app: &mut App, store: &mut Store, effect: Effect) -> anyhow::Result<()> {
    match effect {
        Effect::Reload => reload(app, store)?,
        Effect::LoadSearchKeys => {
            app.keys_stamp = store.roster_stamp()?;
            app.keys = data::search_keys(store)?;
        }
        Effect::LoadDetail(id) => {
            app.detail = data::load_detail(store, &id, app.round)?;
            app.overlay_scroll = 0;
            app.mode = Mode::Details;
        }
        Effect::Record {
            elder_id,
            name,
            observation,
        } => {
            let id = elder_id;
            let result = ops::checks::record(
                store,
                &app.actor,
                app.times(),
                ops::checks::Seen {
                    elder_id: id.clone(),
                    observation,
                    round: Some(app.round),
                    seen_at: app.now,
                    note: None,
                },
            );
            match result {
                Ok(recorded) => {
                    app.sitting_checks.push(recorded.check_id.clone());
                    let (tz, now) = (app.schedule.tz, app.now);
                    // The mark at the front is the row's own: ✓ only for an ok round.
                    let (_, mark) = super::draw::status_style(recorded.status);
                    let tone = if recorded.status == Status::Ok {
                        Tone::Saved
                    } else {
                        Tone::Problem
                    };
                    app.say_in(tone, |lang| {
                        let s = t(lang);
                        let mut text = fill(
                            &s.tui_saved,
                            &[
                                ("mark", &mark),
                                ("name", &name),
                                ("observation", &words::observation(lang, observation)),
                                ("status", &words::status(lang, recorded.status)),
                                ("time", &format_local_time(now, tz)),
                            ],
                        );
                        if recorded.late {
                            text.push_str(&s.late_mark);
                        }
                        if let Some(severity) = recorded.severity {
                            text.push_str(&fill(
                                &s.tui_flagged,
                                &[("severity", &words::severity(lang, severity))],
                            ));
                        }
                        text
                    });
                    refresh_row(app, store, &id)?;
                    app.advance_to_next_unchecked(&id);
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::Undo => {
            match ops::checks::undo_of_sitting(store, &app.actor, app.times(), &app.sitting_checks)
            {
                Ok((undone, recorded)) => {
                    app.sitting_checks.retain(|id| *id != undone.id);
                    let name = elders::get(&store.conn, &undone.elder_id)?
                        .map(|e| e.name)
                        .unwrap_or_default();
                    let tz = app.schedule.tz;
                    app.say_in(Tone::Info, |lang| {
                        let observation = undone
                            .observation
                            .map(|o| words::observation(lang, o).to_string())
                            .unwrap_or_default();
                        fill(
                            &t(lang).tui_undone,
                            &[
                                ("name", &name),
                                ("observation", &observation),
                                ("time", &format_local_time(undone.seen_at, tz)),
                                ("round", &words::round(lang, undone.round)),
                                ("status", &words::status(lang, recorded.status)),
                            ],
                        )
                    });
                    refresh_row(app, store, &undone.elder_id)?;
                    if let Some(index) = app.position_in_list(&undone.elder_id) {
                        app.selected = index;
                    }
                }
                Err(error) => show_error(app, &error, false),
            }
        }
        Effect::LoadFlagDetail => load_flag_detail(app, store)?,
        Effect::FollowUp {
            flag_id,
            action,
            note,
        } => {
            match ops::flags::follow_up(
                store,
                &app.actor,
                app.times(),
                flag_id,
                action,
                note.as_deref(),
            ) {
                Ok(()) => {
                    app.say_in(Tone::Saved, |lang| {
                        let s = t(lang);
                        if note.is_some() {
                            fill(&s.tui_note_saved, &[("id", &flag_id)])
                        } else {
                            fill(
                                &s.tui_follow_up_saved,
                                &[
                                    ("id", &flag_id),
                                    ("action", &words::follow_up(lang, action)),
                                ],
                            )
                        }
                    });
                    load_flag_detail(app, store)?;
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::Resolve { id, name, outcome } => {
            match ops::flags::resolve(store, &app.actor, app.times(), id, outcome, None) {
                Ok(()) => {
                    app.say_in(Tone::Saved, |lang| {
                        fill(
                            &t(lang).tui_resolved,
                            &[
                                ("id", &id),
                                ("name", &name),
                                ("outcome", &words::outcome(lang, outcome)),
                            ],
                        )
                    });
                    reload(app, store)?;
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::ResolveGap(gap_id) => {
            let outcome = crate::domain::gap::GAP_OUTCOME;
            match ops::gaps::resolve(store, &app.actor, app.times(), gap_id, outcome, None) {
                Ok(done) => {
                    app.say_in(Tone::Saved, |lang| {
                        fill(&t(lang).tui_gap_resolved, &[("count", &done.flags.len())])
                    });
                    reload(app, store)?;
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::RecordAbsence {
            id,
            from,
            to,
            reason,
        } => {
            let change = rounds::AbsenceChange::Record { from, to, reason };
            match ops::roster::change_absence(store, &app.actor, app.times(), &id, change) {
                Ok((elder, from, to)) => {
                    app.say_in(Tone::Saved, |lang| {
                        fill(
                            &t(lang).away_recorded,
                            &[
                                ("id", &elder.id),
                                ("name", &elder.name),
                                ("from", &from),
                                ("to", &to),
                            ],
                        )
                    });
                    reload_all(app, store)?;
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::EndAbsence { id, name } => {
            let change = rounds::AbsenceChange::EndToday;
            match ops::roster::change_absence(store, &app.actor, app.times(), &id, change) {
                Ok(_) => {
                    app.say_in(Tone::Saved, |lang| {
                        fill(&t(lang).away_ended, &[("id", &id), ("name", &name)])
                    });
                    reload_all(app, store)?;
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::ToggleArchive { id, name, active } => {
            match ops::roster::toggle_archive(store, &app.actor, app.times(), &id) {
                Ok(true) => {
                    app.say_in(Tone::Saved, |lang| {
                        let s = t(lang);
                        let template = if active {
                            &s.roster_archived
                        } else {
                            &s.roster_restored
                        };
                        fill(template, &[("name", &name), ("id", &id)])
                    });
                }
                Ok(false) => app.say_in(Tone::Info, |lang| t(lang).roster_cancelled.clone()),
                Err(error) => show_error(app, &error, true),
            }
            reload_all(app, store)?;
        }
        Effect::MoveInRoute { id, name, later } => {
            match ops::roster::move_in_route(store, &app.actor, app.times(), &id, later) {
                Ok(Some(route)) => {
                    app.say_in(Tone::Saved, |lang| {
                        fill(&t(lang).roster_moved, &[("name", &name), ("route", &route)])
                    });
                    reload_all(app, store)?;
                }
                Ok(None) => {
                    app.say_in(Tone::Info, |lang| {
                        fill(&t(lang).roster_move_end, &[("name", &name)])
                    });
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::ReadRosterFile(typed) => read_roster_file(app, store, &typed)?,
        Effect::ImportRoster { file, rows } => {
            let times = app.times();
            let result = ops::roster::import_file(
                store,
                &app.actor,
                times,
                &rows,
                elders::ArchivedInFile::Keep,
                &file,
            );
            match result {
                Ok(plan) => {
                    app.say_in(Tone::Saved, |lang| {
                        fill(
                            &t(lang).roster_imported,
                            &[
                                ("file", &file),
                                ("added", &plan.added.len()),
                                ("updated", &plan.updated.len()),
                                ("unchanged", &plan.unchanged),
                            ],
                        )
                    });
                    reload_all(app, store)?;
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::SaveElder { row, new } => save_elder(app, store, *row, new)?,
        Effect::Assign {
            volunteer,
            grid,
            part,
        } => {
            match ops::assignments::assign(store, &app.actor, app.times(), &volunteer, &grid, &part)
            {
                Ok((assigned, _)) => {
                    app.say_in(Tone::Saved, |lang| {
                        fill(
                            &t(lang).assign_done,
                            &[
                                ("volunteer", &assigned.volunteer),
                                ("grid", &assigned.grid),
                                ("part", &words::assignment_part(lang, &assigned.part())),
                            ],
                        )
                    });
                    reload(app, store)?;
                }
                Err(error) => show_error(app, &error, true),
            }
        }
        Effect::LogIn { name, pin } => {
            let result = ops::users::log_in(store, &name, &pin.0, app.now);
            if super::login::checked(app, result)? {
                if elders::count_active(&store.conn)? == 0 {
                    app.mode = Mode::Welcome;
                }
                // Someone who works in one community with a clock of its own walks its rounds.
                if let Some((name, schedule)) = ops::read::own_clock_of(store, &app.actor.grids)? {
                    app.community = Some(name);
                    app.schedule = schedule;
                    app.round = data::round_for_patrol(&app.schedule, app.now);
                }
                reload_all(app, store)?;
            }
        }
    }
    Ok(())
}

/// Reads the typed roster file and shows what importing it would do. Nothing is written here.
fn read_roster_file(app: &mut App, store: &Store, typed: &str) -> anyhow::Result<()> {
    use super::roster_screen::{Preview, RosterMode};
    let path = super::roster_screen::typed_path(typed);
    if !path.is_file() {
        let refusal = Refusal::Unreadable {
            path: path.clone(),
            why: crate::import::Unreadable::NotAFile,
        };
        app.say_in(Tone::Problem, |lang| ops::messages::refusal(lang, &refusal));
        return Ok(());
    }
    let file = path
        .file_name()
        .map_or_else(|| typed.to_string(), |n| n.to_string_lossy().into_owned());
    let outcome = match crate::import::parse_roster_file(&path) {
        Ok(rows) => {
            let plan = elders::plan_roster_file(&store.conn, &rows, elders::ArchivedInFile::Keep)?;
            Ok((rows, plan))
        }
        Err(problems) => {
            app.say_in(Tone::Problem, |lang| {
                fill(
                    &t(lang).roster_import_refused,
                    &[("file", &file), ("count", &problems.len())],
                )
            });
            Err(problems)
        }
    };
    app.roster.preview = Some(Preview { file, outcome });
    app.roster.preview_scroll = 0;
    app.mode = Mode::Roster(RosterMode::Preview);
    Ok(())
}

/// Saves the roster form's row: a new elder joins at the end of the route from now on; an edit
/// changes only the fields on the form. Both are audited like an import (source `tui`). A
/// refusal keeps the form open so nothing typed is lost.
fn save_elder(
    app: &mut App,
    store: &mut Store,
    mut row: RosterRow,
    new: bool,
) -> anyhow::Result<()> {
    let existing = elders::get(&store.conn, &row.id)?;
    if new && existing.is_some() {
        app.say_in(Tone::Problem, |lang| {
            fill(&t(lang).roster_form_id_taken, &[("id", &row.id)])
        });
        return Ok(());
    }
    if row.route.is_none() {
        row.route = match existing {
            Some(elder) => elder.route,
            None if new => Some(
                elders::all(&store.conn)?
                    .iter()
                    .filter_map(|elder| elder.route)
                    .max()
                    .unwrap_or(0)
                    + 1,
            ),
            None => None,
        };
    }
    let (id, name) = (row.id.clone(), row.name.clone());
    let times = app.times();
    match ops::roster::import(store, &app.actor, times, &[row], times.now, "tui") {
        Ok(plan) => {
            app.roster.form = None;
            app.mode = Mode::Normal;
            app.say_in(Tone::Saved, |lang| {
                let s = t(lang);
                let template = if !plan.added.is_empty() {
                    &s.roster_form_added
                } else if !plan.updated.is_empty() {
                    &s.roster_form_saved
                } else {
                    &s.roster_form_unchanged
                };
                fill(template, &[("name", &name), ("id", &id)])
            });
            reload_all(app, store)?;
            if let Some(index) = app.roster.elders.iter().position(|e| e.id == id) {
                app.roster.selected = index;
            }
        }
        Err(error) => show_error(app, &error, true),
    }
    Ok(())
}

/// Reads `12-01 12-20 住院` (from, to, reason) or `12-20 住院` (from today). Dates are
/// `YYYY-MM-DD`, `M-D`, `M/D` or `M月D日`, in the year of `today` (or the next, for a date
/// already past by more than a month: a December absence typed in January).
pub fn parse_absence(
    text: &str,
    today: chrono::NaiveDate,
) -> Option<(chrono::NaiveDate, chrono::NaiveDate, Option<String>)> {
    use chrono::Datelike;
    let date = |word: &str| -> Option<chrono::NaiveDate> {
        if let Ok(date) = chrono::NaiveDate::parse_from_str(word, "%Y-%m-%d") {
            return Some(date);
        }
        let cleaned = word.replace(['月', '/'], "-").replace('日', "");
        let (month, day) = cleaned.split_once('-')?;
        let (month, day) = (month.parse().ok()?, day.parse().ok()?);
        let this_year = chrono::NaiveDate::from_ymd_opt(today.year(), month, day)?;
        if this_year < today - chrono::Duration::days(31) {
            chrono::NaiveDate::from_ymd_opt(today.year() + 1, month, day)
        } else {
            Some(this_year)
        }
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let first = date(words.first()?)?;
    let (from, to, rest) = match words.get(1).and_then(|word| date(word)) {
        Some(second) => (first, second, &words[2..]),
        None => (today, first, &words[1..]),
    };
    let reason = (!rest.is_empty()).then(|| rest.join(" "));
    Some((from, to, reason))
}

/// What an action needs the actor to be allowed (and on which elder's grid), before it runs.
fn requirement(app: &App, action: &Action) -> Option<(Capability, Option<String>)> {
    use super::roster_screen::RosterAction as R;
    let row_grid = || app.selected_row().map(|row| row.grid.clone());
    let flag_grid = || {
        app.flags
            .list
            .get(app.flags.selected)
            .map(|flag| flag.grid.clone())
    };
    let roster_grid = || app.roster.selected_elder().map(|elder| elder.grid.clone());
    let away_grid = || app.away_target().map(|target| target.grid.to_string());
    Some(match action {
        Action::Mark(_) => (Capability::RecordCheck, row_grid()),
        Action::Undo => (Capability::RecordCheck, None),
        Action::LadderResult(_) => (Capability::FollowUp, flag_grid()),
        Action::StartResolve | Action::PickOutcome(_) | Action::Resolve => {
            (Capability::Resolve, flag_grid())
        }
        Action::StartNote | Action::SaveNote => (Capability::WriteNote, flag_grid()),
        Action::StartAway | Action::SaveAway => (Capability::MarkAbsence, away_grid()),
        Action::StartAssign | Action::SaveAssign => (Capability::EditRoster, roster_grid()),
        Action::LoadSample => (Capability::EditRoster, None),
        Action::Roster(R::EndAbsence) => (Capability::MarkAbsence, roster_grid()),
        Action::Roster(R::ToggleArchive | R::Move { .. } | R::Edit) => {
            (Capability::EditRoster, roster_grid())
        }
        Action::Roster(R::New | R::StartImport) => (Capability::EditRoster, None),
        _ => return None,
    })
}

/// The next grid to filter by: all → the first → … → the last → all.
pub(super) fn next_grid(grids: &[String], current: Option<&String>) -> Option<String> {
    match current {
        None => grids.first().cloned(),
        Some(current) => grids
            .iter()
            .position(|g| g == current)
            .and_then(|i| grids.get(i + 1).cloned()),
    }
}

/// A list position after a movement key.
pub(super) fn moved(position: usize, action: &Action, page: usize) -> usize {
    match action {
        Action::Up => position.saturating_sub(1),
        Action::Down => position.saturating_add(1),
        Action::PageUp => position.saturating_sub(page),
        Action::PageDown => position.saturating_add(page),
        Action::First => 0,
        _ => usize::MAX,
    }
}

/// Puts a refusal in words, or says plainly that nothing was saved (`not_saved`: a write failed),
/// in each language so a switch of language carries it over.
pub(super) fn show_error(app: &mut App, error: &anyhow::Error, not_saved: bool) {
    match error.downcast_ref::<Refusal>() {
        Some(Refusal::RoundNotOpen { opens, .. }) => app.say_in(Tone::Problem, |lang| {
            fill(&t(lang).tui_round_not_open, &[("opens", opens)])
        }),
        Some(refusal) => app.say_in(Tone::Problem, |lang| {
            crate::ops::messages::refusal(lang, refusal)
        }),
        None => app.say_in(Tone::Problem, |lang| {
            let prefix = if not_saved {
                t(lang).tui_not_saved.as_str()
            } else {
                ""
            };
            format!("{prefix}{error:#}")
        }),
    }
}

/// Loads the sample community. It is a demonstration, so its elders join just before the round
/// under way opened and it can be walked at once (with no earlier round to show as missed); the
/// audit says when it really was loaded.
fn load_sample(app: &mut App, store: &mut Store) -> anyhow::Result<()> {
    let rows = crate::import::parse_roster_bytes(SAMPLE_ROSTER, crate::import::FileKind::Csv)
        .map_err(Refusal::Import)?;
    // Loaded during a round, the sample joins that round so the demo can be walked at once;
    // outside one, it joins from the next round that opens, and no round before it is missed.
    let current = app
        .schedule
        .window(data::round_for_patrol(&app.schedule, app.now));
    let added_at = if current.contains(app.now) {
        current.opens - chrono::Duration::minutes(1)
    } else {
        app.now
    };
    ops::roster::import(
        store,
        &app.actor,
        app.times(),
        &rows,
        added_at,
        "sample-roster.csv",
    )?;
    app.mode = Mode::Normal;
    app.round = data::round_for_patrol(&app.schedule, app.now);
    reload_all(app, store)?;
    app.say_in(Tone::Saved, |lang| {
        fill(&t(lang).tui_sample_loaded, &[("count", &rows.len())])
    });
    Ok(())
}
