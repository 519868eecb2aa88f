//! View models: what the screens show, loaded from the store in one place so that drawing never
//! touches the database.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

pub use crate::domain::roster::building_of;
use crate::domain::{Observation, Round, Schedule, Severity, Status, Window};
use crate::search::SearchKeys;
use crate::store::elders::RosterEntry;
use crate::store::flags::{self, FlagView};
use crate::store::rounds::{self, ElderRound};
use crate::store::{Store, absences, checks, elders};

/// How many earlier rounds the strip beside each elder shows.
pub const STRIP_ROUNDS: usize = 6;

/// One elder on the round screen.
#[derive(Debug, Clone, PartialEq)]
pub struct RowView {
    pub elder_id: String,
    pub name: String,
    pub address: String,
    pub grid: String,
    /// One string for the rows of a building ([`RoundData::new`]), so that working out the
    /// list's building headings (once per change for all the rows, every frame for a filtered
    /// list) compares pointers rather than names.
    pub building: Arc<str>,
    /// Route order, for a volunteer's assigned range (#15).
    pub route: Option<i64>,
    pub window_hint: String,
    pub status: Status,
    pub observed: Option<Observation>,
    pub late: bool,
    pub severity: Option<Severity>,
    pub checker: Option<String>,
    pub seen_at: Option<DateTime<Utc>>,
    /// Earlier rounds, oldest first; `None` where the elder was not on the roster.
    pub strip: Vec<Option<Status>>,
    /// The elder's own window for this round, where it replaces the community's.
    pub own_window: Option<Window>,
}

impl RowView {
    /// Needs a tick from the patrol: nothing recorded yet.
    pub fn unchecked(&self) -> bool {
        matches!(self.status, Status::Pending | Status::Missed)
    }
}

/// The rows a list shows: all of the round's, or those a grid filter or a search leaves. All of
/// them are the slice itself, so that a key on a list of 30,000 reads only the rows it shows.
#[derive(Debug, Clone)]
pub enum Visible<'a> {
    All(&'a [RowView]),
    Some(Vec<&'a RowView>),
}

impl<'a> Visible<'a> {
    pub fn len(&self) -> usize {
        match self {
            Visible::All(rows) => rows.len(),
            Visible::Some(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<&'a RowView> {
        match self {
            Visible::All(rows) => rows.get(index),
            Visible::Some(rows) => rows.get(index).copied(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a RowView> + '_ {
        (0..self.len()).filter_map(|index| self.get(index))
    }
}

/// Everything the round screen shows.
#[derive(Debug, Clone, Default)]
pub struct RoundData {
    rows: Vec<RowView>,
    pub away: Vec<AwayView>,
    /// Where each elder's row is in `rows`, as of the last [`RoundData::index_rows`]: another
    /// terminal's check finds its row without comparing 30,000 ids.
    positions: HashMap<String, usize>,
    /// The counts every frame shows, counted once after the rows change rather than in every
    /// frame, and kept in step as rows are read again: at 30,000 elders, counting them was most
    /// of a frame, and every row a frame touches is a page of memory to reach (#14).
    tally: OnceCell<Tally>,
    /// For each row, how many building headings the whole list has up to it: see
    /// [`RoundData::headings`].
    headings: OnceCell<Vec<u32>>,
}

/// Rows and absences make a round's data; the index and the counts only follow from them.
impl PartialEq for RoundData {
    fn eq(&self, other: &Self) -> bool {
        self.rows == other.rows && self.away == other.away
    }
}

/// The counts over all the rows of a round screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// Rows that need no tick from the patrol any more.
    pub checked: usize,
    /// How many rows have each status, statuses in the order first met.
    pub statuses: Vec<(Status, usize)>,
    /// Rows whose elder keeps her own window in this round.
    pub own_windows: usize,
    /// Each grid's coverage of the round (DESIGN.md section 3), grids in route order.
    pub coverage: Vec<(String, crate::domain::coverage::Coverage)>,
}

impl Tally {
    fn of(rows: &[RowView]) -> Tally {
        let mut tally = Tally::default();
        for row in rows {
            tally.add(row);
        }
        tally
    }

    fn add(&mut self, row: &RowView) {
        self.checked += usize::from(!row.unchecked());
        self.own_windows += usize::from(row.own_window.is_some());
        let status = self.status_index(row.status).unwrap_or_else(|| {
            self.statuses.push((row.status, 0));
            self.statuses.len() - 1
        });
        self.statuses[status].1 += 1;
        let grid = self.grid_index(&row.grid).unwrap_or_else(|| {
            let none = crate::domain::coverage::Coverage::default();
            self.coverage.push((row.grid.clone(), none));
            self.coverage.len() - 1
        });
        self.coverage[grid].1.count(row.status, row.late);
    }

    /// Takes back what [`Tally::add`] counted of a row.
    fn remove(&mut self, row: &RowView) {
        self.checked = self.checked.saturating_sub(usize::from(!row.unchecked()));
        self.own_windows = self
            .own_windows
            .saturating_sub(usize::from(row.own_window.is_some()));
        if let Some(status) = self.status_index(row.status) {
            let count = &mut self.statuses[status].1;
            *count = count.saturating_sub(1);
        }
        if let Some(grid) = self.grid_index(&row.grid) {
            self.coverage[grid].1.uncount(row.status, row.late);
        }
    }

    fn status_index(&self, status: Status) -> Option<usize> {
        self.statuses
            .iter()
            .position(|(counted, _)| *counted == status)
    }

    /// Rows in route order come grid by grid: the last grid found is looked at first.
    fn grid_index(&self, grid: &str) -> Option<usize> {
        let last = self.coverage.len().checked_sub(1)?;
        if self.coverage[last].0 == grid {
            Some(last)
        } else {
            self.coverage.iter().position(|(found, _)| found == grid)
        }
    }

    /// How many rows have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.status_index(status)
            .map_or(0, |index| self.statuses[index].1)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwayView {
    pub elder_id: String,
    pub name: String,
    pub until: Option<NaiveDate>,
    pub reason: Option<String>,
}

impl RoundData {
    /// The rows of a round, in the order the list shows them, indexed.
    pub fn new(rows: Vec<RowView>, away: Vec<AwayView>) -> RoundData {
        let mut data = RoundData {
            rows: share_buildings(rows),
            away,
            ..RoundData::default()
        };
        data.index_rows();
        data
    }

    pub fn rows(&self) -> &[RowView] {
        &self.rows
    }

    /// The rows to change in place; the counts and headings are worked out again at the next
    /// frame.
    pub fn rows_mut(&mut self) -> &mut Vec<RowView> {
        self.tally = OnceCell::new();
        self.headings = OnceCell::new();
        &mut self.rows
    }

    /// Puts each row's strip of earlier rounds beside it. The strips change no count and no
    /// heading, so what is kept stays.
    pub fn set_strips(&mut self, strips: &Strips) {
        for row in &mut self.rows {
            if let Some(strip) = strips.get(&row.elder_id) {
                row.strip.clone_from(strip);
            }
        }
    }

    /// Puts a row read again in the place of the old one, the counts moved from one to the
    /// other: another terminal's check costs the frame after it one row, not the district.
    pub fn replace_row(&mut self, index: usize, mut row: RowView) {
        let Some(old) = self.rows.get_mut(index) else {
            return;
        };
        if old.building == row.building {
            row.building = Arc::clone(&old.building);
        } else {
            self.headings = OnceCell::new();
        }
        if let Some(tally) = self.tally.get_mut() {
            tally.remove(old);
            tally.add(&row);
        }
        *old = row;
    }

    /// For each row, how many building headings the whole list has up to and including it
    /// (see [`heads_building`]), worked out once after the rows change: a frame of 30,000 rows
    /// places its window by these numbers and reads only the rows it shows.
    pub fn headings(&self) -> &[u32] {
        self.headings
            .get_or_init(|| headings_through(&Visible::All(&self.rows)))
    }

    /// Notes where each row is; called whenever `rows` is built or reordered.
    pub fn index_rows(&mut self) {
        self.positions = self
            .rows
            .iter()
            .enumerate()
            .map(|(index, row)| (row.elder_id.clone(), index))
            .collect();
    }

    /// Where the elder's row is, if she has one (an elder away, or of a grid not shown, has
    /// none: most of another terminal's checks on a volunteer's screen).
    pub fn position(&self, elder_id: &str) -> Option<usize> {
        match self.positions.get(elder_id) {
            Some(&index)
                if self
                    .rows
                    .get(index)
                    .is_some_and(|row| row.elder_id == elder_id) =>
            {
                Some(index)
            }
            // Not in an index of every row: no row.
            None if self.positions.len() == self.rows.len() => None,
            // Rows set or moved without `index_rows` (a test's): looked for one by one.
            _ => self.rows.iter().position(|row| row.elder_id == elder_id),
        }
    }

    /// The counts every frame shows, counted at the first frame after the rows changed.
    pub fn tally(&self) -> &Tally {
        self.tally.get_or_init(|| Tally::of(&self.rows))
    }

    /// Rows that need no tick from the patrol any more.
    pub fn checked(&self) -> usize {
        self.tally().checked
    }

    /// Rows whose status is a flag.
    pub fn flagged(&self) -> usize {
        let tally = self.tally();
        tally
            .statuses
            .iter()
            .filter(|(status, _)| status.is_flagged())
            .map(|(_, count)| count)
            .sum()
    }
}

pub fn row_view(row: &ElderRound, strip: Vec<Option<Status>>) -> RowView {
    let decisive = row.decisive.as_ref();
    RowView {
        elder_id: row.elder.id.clone(),
        name: row.elder.name.clone(),
        address: row.elder.address.clone(),
        grid: row.elder.grid.clone(),
        building: building_of(&row.elder.address).into(),
        route: row.elder.route,
        window_hint: row.elder.window_hint.clone().unwrap_or_default(),
        status: row.status,
        observed: decisive.and_then(|c| c.observation),
        late: row.late,
        severity: row.severity,
        checker: decisive.map(|c| c.checker.clone()),
        seen_at: decisive.map(|c| c.seen_at),
        strip,
        own_window: match row.round.slot {
            crate::domain::Slot::Morning => row.elder.own.morning,
            crate::domain::Slot::Evening => row.elder.own.evening,
        }
        .map(|_| row.window),
    }
}

/// Gives rows of the same building one string between them.
fn share_buildings(mut rows: Vec<RowView>) -> Vec<RowView> {
    let mut buildings: HashSet<Arc<str>> = HashSet::new();
    for row in &mut rows {
        match buildings.get(&row.building) {
            Some(shared) => row.building = Arc::clone(shared),
            None => {
                buildings.insert(Arc::clone(&row.building));
            }
        }
    }
    rows
}

/// Whether two rows are of one building: the same string, as a rule (see [`RowView::building`]).
fn same_building(a: &RowView, b: &RowView) -> bool {
    Arc::ptr_eq(&a.building, &b.building) || a.building == b.building
}

/// Whether the row at `index` of a list is the first of its building there, and so comes under
/// a heading.
pub fn heads_building(rows: &Visible, index: usize) -> bool {
    match index.checked_sub(1).and_then(|before| rows.get(before)) {
        Some(before) => rows
            .get(index)
            .is_some_and(|row| !same_building(before, row)),
        None => true,
    }
}

/// For each row of a list, how many building headings it has up to and including that row.
pub fn headings_through(rows: &Visible) -> Vec<u32> {
    let mut headings = 0u32;
    (0..rows.len())
        .map(|index| {
            headings = headings.saturating_add(u32::from(heads_building(rows, index)));
            headings
        })
        .collect()
}

/// Each elder's statuses over the rounds before `round`, oldest first: the strip beside them.
pub type Strips = HashMap<String, Vec<Option<Status>>>;

/// The strips for a round, of the elders of a roster already read. Costs one status computation
/// per earlier round, so the screen keeps them while the round stays and a tick only reloads the
/// round itself.
pub fn load_strips_for(
    store: &Store,
    round: Round,
    now: DateTime<Utc>,
    roster: &[Arc<RosterEntry>],
) -> anyhow::Result<Strips> {
    let mut first = round;
    for _ in 0..STRIP_ROUNDS {
        first = first.prev();
    }
    Ok(rounds::statuses_over_in_halves(
        store,
        roster,
        first,
        round.prev(),
        now,
    )?)
}

/// The round screen's rows of the statuses worked out for its roster.
pub fn round_data(
    store: &Store,
    round: Round,
    strips: &Strips,
    current: &[ElderRound],
) -> anyhow::Result<RoundData> {
    let absences_now = absences::list(&store.conn, None, Some(round.date))?;
    let (mut rows, mut away) = (Vec::new(), Vec::new());
    for row in current {
        let strip = strips
            .get(&row.elder.id)
            .cloned()
            .unwrap_or_else(|| vec![None; STRIP_ROUNDS]);
        if row.status == Status::Away {
            let absence = absences_now
                .iter()
                .find(|a| a.elder_id == row.elder.id && a.from <= round.date);
            away.push(AwayView {
                elder_id: row.elder.id.clone(),
                name: row.elder.name.clone(),
                until: absence.map(|a| a.to),
                reason: absence.and_then(|a| a.reason.clone()),
            });
        } else {
            rows.push(row_view(row, strip));
        }
    }
    Ok(RoundData::new(rows, away))
}

/// What other terminals changed since a screen was loaded, as far as reloading goes: the checks
/// recorded since (the `rowid` of the append-only checks table only grows), and marks that move
/// when the roster or the absences change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    pub last_check: i64,
    pub roster: i64,
    pub absences: i64,
}

pub fn marks(store: &Store) -> anyhow::Result<Marks> {
    let (last_check, roster, absences) = crate::store::change_marks(store)?;
    Ok(Marks {
        last_check,
        roster,
        absences,
    })
}

/// The (elder, round) of every check recorded after `last_check`, and the newest one's mark.
pub fn checks_since(store: &Store, last_check: i64) -> anyhow::Result<(Vec<(String, Round)>, i64)> {
    Ok(checks::recorded_after(&store.conn, last_check)?)
}

/// The search keys of every elder, by id (built when the roster changes, not per keystroke).
pub fn search_keys(store: &Store) -> anyhow::Result<HashMap<String, SearchKeys>> {
    Ok(elders::all(&store.conn)?
        .into_iter()
        .map(|e| (e.id.clone(), SearchKeys::new(&e.id, &e.name, &e.address)))
        .collect())
}

/// One elder in full, for the details pane.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailView {
    pub elder: elders::Elder,
    pub round: Round,
    pub window: Window,
    pub checks: Vec<checks::Check>,
}

pub fn load_detail(
    store: &Store,
    elder_id: &str,
    round: Round,
) -> anyhow::Result<Option<DetailView>> {
    let Some(elder) = elders::get(&store.conn, elder_id)? else {
        return Ok(None);
    };
    let window = store.schedule.window_for(round, &elder.own);
    let checks = checks::for_elder_round(&store.conn, elder_id, round)?;
    Ok(Some(DetailView {
        elder,
        round,
        window,
        checks,
    }))
}

pub fn load_flags(store: &Store, grid: Option<&str>) -> anyhow::Result<Vec<FlagView>> {
    Ok(flags::list(&store.conn, false, None, grid)?)
}

/// An open patrol gap on the flags screen: one row, its missed flags folded under it (#15).
#[derive(Debug, Clone)]
pub struct GapFold {
    pub gap: crate::store::gaps::Gap,
    /// The missed flags it holds that are still open, in list order.
    pub members: Vec<FlagView>,
    /// Every elder it holds: id, name, and whether their flag is still open.
    pub elders: Vec<(String, String, bool)>,
    /// The volunteers assigned to its grid.
    pub assigned: Vec<String>,
}

/// Folds the flags of open patrol gaps (#15): the list becomes the alerts, then one row per open
/// gap (newest round first), then the remaining flags; a gap's open missed flags leave the list
/// and are kept with the gap. A gap's row stands in the list as a [`FlagView`] carrying the
/// negated gap id (flag ids are positive), so the list keeps one type; see `App::gap_of`.
/// A gap whose elders have all been seen since still shows: the patrol's failure is handled once.
pub fn fold_gaps(
    flags: Vec<FlagView>,
    open_gaps: Vec<crate::store::gaps::Gap>,
) -> (Vec<FlagView>, Vec<GapFold>) {
    use crate::domain::gap::{ListPart, list_part};
    let mut folds: Vec<GapFold> = open_gaps
        .into_iter()
        .map(|gap| GapFold {
            gap,
            members: Vec::new(),
            elders: Vec::new(),
            assigned: Vec::new(),
        })
        .collect();
    let mut alerts = Vec::new();
    let mut remaining = Vec::new();
    for flag in flags {
        match list_part(flag.status, flag.gap_state) {
            ListPart::Alerts => alerts.push(flag),
            ListPart::Gaps => match folds.iter_mut().find(|fold| Some(fold.gap.id) == flag.gap) {
                Some(fold) => fold.members.push(flag),
                None => remaining.push(flag),
            },
            ListPart::Remaining => remaining.push(flag),
        }
    }
    let mut list = alerts;
    list.extend(folds.iter().map(GapFold::row));
    list.extend(remaining);
    (list, folds)
}

impl GapFold {
    /// The gap's row in the flags list.
    fn row(&self) -> FlagView {
        let gap = &self.gap;
        FlagView {
            id: -gap.id,
            grid: gap.grid.clone(),
            round: gap.round,
            status: Status::Missed,
            gap: Some(gap.id),
            gap_state: Some(gap.state),
            ..FlagView::default()
        }
    }
}

/// How many notifications need a person (failed or maybe lost), for the flags screen.
pub fn load_notify_trouble(store: &Store) -> anyhow::Result<usize> {
    Ok(crate::store::outbox::trouble_count(&store.conn)?)
}

/// Which round the patrol is about: the one whose window is open, or the next one when it opens
/// within the hour (a patrol getting ready at 06:50), else the most recent one (late entries).
pub fn round_for_patrol(schedule: &Schedule, now: DateTime<Utc>) -> Round {
    let upcoming = schedule.upcoming_round(now);
    let current = schedule.current_round(now);
    let window = schedule.window(current);
    if !window.has_closed(now) {
        return current;
    }
    if schedule.window(upcoming).opens - now <= chrono::Duration::minutes(60) {
        upcoming
    } else {
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patrol_round_is_the_open_one_or_the_next_within_the_hour() {
        let schedule = Schedule::default();
        let at = |text: &str| crate::domain::time::parse_instant(text, schedule.tz, None).unwrap();
        let cases = [
            ("2026-11-22 05:50", "2026-11-21/evening"),
            ("2026-11-22 06:30", "2026-11-22/morning"),
            ("2026-11-22 07:50", "2026-11-22/morning"),
            ("2026-11-22 12:00", "2026-11-22/morning"),
            ("2026-11-22 19:00", "2026-11-22/evening"),
            ("2026-11-22 23:30", "2026-11-22/evening"),
        ];
        for (now, want) in cases {
            assert_eq!(
                round_for_patrol(&schedule, at(now)).to_string(),
                want,
                "{now}"
            );
        }
    }
}

/// How many rounds the flag's detail pane shows.
pub const DETAIL_ROUNDS: usize = 14;

/// A flag in full, for the grid worker's detail pane.
#[derive(Debug, Clone, PartialEq)]
pub struct FlagDetail {
    pub flag_id: i64,
    pub elder: elders::Elder,
    pub history: Vec<(Round, Option<Status>)>,
    pub follow_ups: Vec<flags::FollowUp>,
    pub next_step: Option<crate::domain::followup::LadderStep>,
}

pub fn load_flag_detail(
    store: &Store,
    flag: &FlagView,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<FlagDetail>> {
    let Some(elder) = elders::get(&store.conn, &flag.elder_id)? else {
        return Ok(None);
    };
    let last = store.schedule.round_at(now, &elder.own).max(flag.round);
    let history = rounds::elder_history(
        &store.conn,
        &store.schedule,
        &elder.entry(),
        last,
        DETAIL_ROUNDS,
        now,
    )?;
    let follow_ups = flags::follow_ups(&store.conn, flag.id)?;
    let log: Vec<_> = follow_ups
        .iter()
        .filter_map(|f| crate::domain::followup::FollowUpAction::parse(&f.action))
        .collect();
    let next_step = crate::domain::followup::next_step_with(&log, |step| {
        use crate::domain::followup::LadderStep;
        let any = |a: &Option<String>, b: &Option<String>| a.is_some() || b.is_some();
        match step {
            LadderStep::PhoneElder => elder.phone.is_some(),
            LadderStep::Keyholder => any(&elder.keyholder, &elder.keyholder_phone),
            LadderStep::Family => any(&elder.contact, &elder.contact_phone),
            LadderStep::Knock | LadderStep::Emergency => true,
        }
    });
    Ok(Some(FlagDetail {
        flag_id: flag.id,
        elder,
        history,
        follow_ups,
        next_step,
    }))
}

/// How many days the history screen looks back.
pub const HISTORY_DAYS: u64 = 31;

/// One grid's round at a glance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GridCounts {
    /// Expected at the window: away elders are not listed (DESIGN.md section 3, coverage).
    pub listed: usize,
    pub checked: usize,
    pub flagged: usize,
    pub open_flags: usize,
    /// The round closed as a patrol gap still open (#15).
    pub gap: bool,
}

/// One round of the history screen: every grid's counts, and the whole community's.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub round: Round,
    pub grids: Vec<GridCounts>,
    pub total: GridCounts,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryView {
    pub grids: Vec<String>,
    /// Newest round first.
    pub rows: Vec<HistoryRow>,
}

/// Days × rounds with completion and flags per grid, newest first, from the patrol round back.
/// The history of the grids `grids` covers: a volunteer sees her grids' counts only.
pub fn load_history(
    store: &Store,
    now: DateTime<Utc>,
    grids_seen: &crate::domain::access::Grids,
) -> anyhow::Result<HistoryView> {
    let roster = store.roster_of(grids_seen)?;
    // Grids in the order the route meets them.
    let mut grids: Vec<String> = Vec::new();
    for elder in &roster {
        if !grids.contains(&elder.grid) {
            grids.push(elder.grid.clone());
        }
    }
    let last = round_for_patrol(&store.schedule, now);
    let mut first = last;
    for _ in 1..HISTORY_DAYS * 2 {
        first = first.prev();
    }
    // Settled rounds are read from their kept tallies and the open flags; only the rounds still
    // open are judged from their checks.
    let settled = crate::store::facts::settled_between(&store.conn, first, last, now)?;
    let mut kept: HashMap<Round, Vec<crate::store::facts::Tally>> = HashMap::new();
    for tally in crate::store::facts::tallies(&store.conn, first, last)? {
        if grids_seen.covers(&tally.grid) && settled.contains(&tally.round) {
            if !grids.contains(&tally.grid) {
                grids.push(tally.grid.clone());
            }
            kept.entry(tally.round).or_default().push(tally);
        }
    }
    let open_flags = flags::open_by_round_and_grid(&store.conn, first, last)?;
    let column = |grids: &[String], grid: &str| grids.iter().position(|g| g == grid);
    let mut round = last;
    let mut rows = Vec::new();
    let open_gaps = crate::store::gaps::list(&store.conn, false)?;
    // Each elder's grid column, looked up once rather than per elder and round.
    let grid_of: Vec<usize> = roster
        .iter()
        .map(|elder| grids.iter().position(|g| *g == elder.grid).unwrap_or(0))
        .collect();
    for _ in 0..HISTORY_DAYS * 2 {
        let mut counts = vec![GridCounts::default(); grids.len()];
        let mut total = GridCounts::default();
        if settled.contains(&round) {
            for tally in kept.get(&round).map_or(&[][..], Vec::as_slice) {
                let Some(at) = column(&grids, &tally.grid) else {
                    continue;
                };
                // An elder away is not listed for the round: the round screen counts the same.
                for counts in [&mut counts[at], &mut total] {
                    counts.listed += tally.listed.saturating_sub(tally.away) as usize;
                    counts.checked += tally.checked as usize;
                    counts.flagged += (tally.alert + tally.unclear + tally.missed) as usize;
                }
            }
            for (flag_round, grid, open) in &open_flags {
                if *flag_round == round
                    && grids_seen.covers(grid)
                    && let Some(at) = column(&grids, grid)
                {
                    counts[at].open_flags += open;
                    total.open_flags += open;
                }
            }
        } else {
            let tallies = rounds::round_tally(&store.conn, &store.schedule, &roster, round, now)?;
            for (elder, status, flag_state) in tallies {
                if status == Status::Away {
                    continue;
                }
                for tally in [&mut counts[grid_of[elder]], &mut total] {
                    tally.listed += 1;
                    tally.checked += usize::from(matches!(
                        status,
                        Status::Ok | Status::Alert | Status::Unclear
                    ));
                    tally.flagged += usize::from(status.is_flagged());
                    tally.open_flags +=
                        usize::from(flag_state == Some(crate::domain::FlagState::Open));
                }
            }
        }
        for gap in open_gaps.iter().filter(|gap| gap.round == round) {
            if let Some(column) = grids.iter().position(|g| *g == gap.grid) {
                counts[column].gap = true;
            }
        }
        if total.listed > 0 {
            rows.push(HistoryRow {
                round,
                grids: counts,
                total,
            });
        }
        round = round.prev();
    }
    Ok(HistoryView { grids, rows })
}
