//! The district generator: a database as a district would have it after `days` days of rounds —
//! roster, absences, checks (~97% ok), alerts with their follow-ups and resolutions, missed
//! streaks where a grid's patrol did not go out, corrections, late entries — already settled,
//! with the sync watermark set, so that the commands, the screens and `sync_flags` take it as a
//! real district's history.
//!
//! Nothing here decides a status or a flag: the generator replays the district's days in time
//! order through the store's own paths (`refresh_elder_round`, the same settling a recorded check
//! or a closing window gets), so flags, streaks, severities and supersessions are the rules' own.
//! Only the plain case — one on-time `ok` check of an elder with nothing open — skips the settle
//! step, because there it provably changes nothing.

use std::collections::HashSet;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};

use super::rng::SplitMix64;
use super::roster;
use crate::domain::time::Times;
use crate::domain::{FlagState, Observation, Outcome, Round, Schedule, Slot, Status, status};
use crate::error::Refusal;
use crate::store::checks::{self, Check};
use crate::store::elders::RosterEntry;
use crate::store::rounds::{self, FlagFigures, Judged};
use crate::store::{Create, Store, absences, elders, flags};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub elders: usize,
    pub days: u32,
    pub seed: u64,
    /// The moment the history ends: the current round is generated as far as it got by then.
    pub now: DateTime<Utc>,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    pub elders: usize,
    pub rounds: u64,
    pub checks: u64,
    pub flags: u64,
    pub follow_ups: u64,
    pub absences: u64,
}

impl Generated {
    pub fn rows(&self) -> u64 {
        self.elders as u64 + self.checks + self.flags + self.follow_ups + self.absences
    }
}

/// How often each thing happens, per elder and round (or per grid and round for a patrol gap).
/// Together they leave ~97% of rounds ok.
mod rate {
    pub const MISSED: f64 = 0.010;
    pub const UNCLEAR: f64 = 0.006;
    pub const ALERT: f64 = 0.006;
    /// A few elders are late risers whose curtain is often still shut at the morning round.
    pub const ALERT_FRAIL: f64 = 0.03;
    pub const FRAIL: f64 = 0.03;
    pub const CORRECTED: f64 = 0.002;
    pub const LATE: f64 = 0.003;
    pub const SEEN: f64 = 0.10;
    pub const NOTE: f64 = 0.01;
    /// A grid's whole round not walked, and the chance the gap lasts another round.
    pub const GAP: f64 = 0.0015;
    pub const GAP_GOES_ON: f64 = 0.4;
    /// An alert looked at again by another volunteer who saw the elder.
    pub const SECOND_LOOK: f64 = 0.3;
    /// An alert nobody resolved.
    pub const NEGLECTED: f64 = 0.01;
    /// Per elder and thirty days, an absence starts.
    pub const ABSENCE: f64 = 0.04;
    pub const JOINS_LATER: f64 = 0.03;
    pub const LEAVES: f64 = 0.005;
}

const VOLUNTEERS_PER_GRID: usize = 8;
const ADMIN: &str = "admin";

/// One elder's round as the day went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// One check on time: the plain case.
    Ok(Observation),
    /// Walked on paper and typed in after the window closed.
    Late(Observation),
    Alert {
        second_look: bool,
    },
    Unclear,
    Missed,
    /// A wrong key, undone, and the right one.
    Corrected,
}

/// What the generator knows of an elder besides the roster row.
#[derive(Debug, Clone, Copy)]
struct Traits {
    grid: usize,
    /// Where on the grid's route the elder is, 0..1: when in the window the patrol passes.
    along: f64,
    frail: bool,
}

/// Writes a new database at `path` (a file, or an empty PostgreSQL database by its URL). Refuses
/// an existing file or a database holding curtain's tables: a benchmark never overwrites.
pub fn generate(
    path: &Path,
    schedule: &Schedule,
    spec: &Spec,
    mut progress: impl FnMut(u64, u64, &Generated),
) -> anyhow::Result<Generated> {
    if crate::store::database_exists(path) {
        return Err(Refusal::WouldOverwrite {
            path: path.to_path_buf(),
        }
        .into());
    }
    let mut store = Store::open(path, Create::IfMissing, schedule.clone())?;
    // Bulk mode: no fsync and an in-memory rollback journal while the file is being made (a
    // failed run leaves a file to delete, nothing else); a cache large enough for the check ids'
    // index, whose random keys land all over it.
    if let Some(conn) = store.conn.sqlite() {
        conn.pragma_update_and_check(None, "journal_mode", "MEMORY", |row| {
            row.get::<_, String>(0)
        })?;
        conn.pragma_update(None, "synchronous", "OFF")?;
        conn.pragma_update(None, "cache_size", -2_000_000)?;
    }
    let mut rng = SplitMix64::new(spec.seed);
    let mut out = Generated {
        elders: spec.elders,
        ..Generated::default()
    };
    let current = schedule.current_round(spec.now);
    let first_date = schedule
        .local_date(spec.now)
        .checked_sub_days(chrono::Days::new(u64::from(spec.days)))
        .context("the history starts before the calendar does")?;
    let first = Round::new(first_date, Slot::Morning);
    // The office imported the roster early on the morning of the first round: after every
    // window of the night before, so no elder is on the roster for a round before `first`.
    let start = schedule.window(first).opens - Duration::hours(2);

    let tx = store.write().context("starting to generate")?;
    let rows = roster::generate(spec.elders, &mut rng);
    let grids = roster::grid_count(spec.elders);
    write_roster(&tx, &rows, start, spec.now, &mut rng)?;
    out.absences = write_absences(&tx, &rows, first, current, schedule, &mut rng)?;
    let roster = elders::roster(&tx)?;
    let traits = traits_of(&roster, &rows, &mut rng);

    let total_rounds = (current.ordinal() - first.ordinal() + 1).max(0) as u64;
    let mut gap = vec![false; grids];
    let mut maybe_open = vec![false; roster.len()];
    let mut flag_ids: HashSet<i64> = HashSet::new();
    let mut round = first;
    while round <= current {
        let community = schedule.window(round);
        let away = absences::away_on(&tx, round.date)?;
        for grid_gap in gap.iter_mut() {
            *grid_gap = rng.chance(if *grid_gap {
                rate::GAP_GOES_ON
            } else {
                rate::GAP
            });
        }
        let mut raised: Vec<(i64, DateTime<Utc>, usize, Status)> = Vec::new();
        for (index, elder) in roster.iter().enumerate() {
            let window = if elder.own.is_plain() {
                community
            } else {
                schedule.window_for(round, &elder.own)
            };
            if !status::on_roster(elder.added_at, elder.archived_at, &window)
                || !window.has_opened(spec.now)
                || away.contains(&elder.id)
            {
                continue;
            }
            let traits = traits[index];
            let plan = draw_plan(&mut rng, round.slot, traits, gap[traits.grid]);
            let round_checks = plan_checks(&mut rng, elder, round, window, traits, plan)
                .into_iter()
                .filter(|check| check.recorded_at <= spec.now)
                .collect::<Vec<_>>();
            let settle = !matches!(plan, Plan::Ok(_)) || maybe_open[index];
            let on_time = round_checks
                .iter()
                .take_while(|check| check.recorded_at <= window.closes)
                .count();
            let closing = window.closes + Duration::seconds(1);
            for (position, check) in round_checks.iter().enumerate() {
                if position == on_time && closing <= spec.now {
                    // The window closed with nothing seen: the sync raises the missed flag.
                    let settled = rounds::refresh_elder_round(
                        &tx,
                        schedule,
                        elder,
                        round,
                        Times::at(closing),
                    )?;
                    note(
                        &settled,
                        &mut maybe_open[index],
                        &mut raised,
                        closing,
                        traits,
                    );
                }
                checks::insert(&tx, check)?;
                out.checks += 1;
                if settle {
                    let at = check.recorded_at;
                    let settled =
                        rounds::refresh_elder_round(&tx, schedule, elder, round, Times::at(at))?;
                    note(&settled, &mut maybe_open[index], &mut raised, at, traits);
                }
            }
            if round_checks.is_empty() && closing <= spec.now {
                let settled =
                    rounds::refresh_elder_round(&tx, schedule, elder, round, Times::at(closing))?;
                note(
                    &settled,
                    &mut maybe_open[index],
                    &mut raised,
                    closing,
                    traits,
                );
            }
        }
        // The round settles as the sync settles it: its outcomes and tallies kept as facts.
        rounds::settle_round(
            &tx,
            schedule,
            &roster,
            round,
            roster
                .iter()
                .all(|elder| schedule.window_for(round, &elder.own).has_closed(spec.now)),
            Times::at(spec.now),
        )?;
        for (id, at, grid, status) in raised {
            if flag_ids.insert(id) {
                out.flags += 1;
            }
            out.follow_ups += follow_up(&tx, &mut rng, id, at, grid, status, spec.now)?;
        }
        out.rounds += 1;
        progress(out.rounds, total_rounds, &out);
        round = round.next();
    }
    tx.commit().context("saving the generated history")?;

    // Every round whose windows have all closed is settled: the sync takes up after it.
    let mut through = current;
    while roster.iter().any(|elder| {
        !schedule
            .window_for(through, &elder.own)
            .has_closed(spec.now)
    }) && through > first
    {
        through = through.prev();
    }
    rounds::mark_synced(&store.conn, through, spec.now)?;
    crate::store::gaps::mark_synced(&store.conn, through, spec.now)?;
    rounds::sync_flags(&mut store, Times::at(spec.now))?;
    if let Some(conn) = store.conn.sqlite() {
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get::<_, String>(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    Ok(out)
}

fn write_roster(
    conn: &crate::store::Connection,
    rows: &[(crate::import::RosterRow, usize)],
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    rng: &mut SplitMix64,
) -> anyhow::Result<()> {
    // Most elders are there from the start; a few join in four later imports, a few leave.
    let span = now - start;
    let mut batches: Vec<Vec<crate::import::RosterRow>> = vec![Vec::new(); 5];
    for (row, _) in rows {
        let batch = if rng.chance(rate::JOINS_LATER) {
            rng.between(1, 4) as usize
        } else {
            0
        };
        batches[batch].push(row.clone());
    }
    for (batch, rows) in batches.iter().enumerate() {
        let at = start + span * batch as i32 / 5;
        elders::apply_import(conn, rows, ADMIN, at, at, "区名单.xlsx")?;
    }
    for (row, _) in rows {
        if rng.chance(rate::LEAVES) {
            let at = start + Duration::seconds(rng.between(1, span.num_seconds().max(1)));
            elders::archive(conn, &row.id, ADMIN, at, at)?;
        }
    }
    Ok(())
}

fn write_absences(
    conn: &crate::store::Connection,
    rows: &[(crate::import::RosterRow, usize)],
    first: Round,
    current: Round,
    schedule: &Schedule,
    rng: &mut SplitMix64,
) -> anyhow::Result<u64> {
    let days = (current.date - first.date).num_days().max(0);
    let mut count = 0;
    for (row, grid) in rows {
        let worker = grid_worker(*grid);
        for block in (0..=days).step_by(30) {
            if !rng.chance(rate::ABSENCE) {
                continue;
            }
            let (reason, length) = match rng.below(10) {
                0..=5 => ("探亲", rng.between(2, 7)),
                6..=8 => ("住院", rng.between(3, 21)),
                _ => ("海南过冬", rng.between(30, 90)),
            };
            let from = first.date + Duration::days(block + rng.between(0, 29));
            let to = from + Duration::days(length - 1);
            // Told a day ahead, by the family or the elder.
            let told = schedule.window(Round::new(from, Slot::Morning)).opens - Duration::days(1);
            let id = absences::record(conn, &row.id, from, to, Some(reason), &worker, told)?;
            if rng.chance(0.1) && length > 2 {
                let back = from + Duration::days(length / 2);
                let at = schedule.window(Round::new(back, Slot::Morning)).opens;
                absences::end(conn, id, back, &worker, at - Duration::hours(12))?;
            }
            count += 1;
        }
    }
    Ok(count)
}

fn traits_of(
    roster: &[std::sync::Arc<RosterEntry>],
    rows: &[(crate::import::RosterRow, usize)],
    rng: &mut SplitMix64,
) -> Vec<Traits> {
    let grid_of: std::collections::HashMap<&str, usize> = rows
        .iter()
        .map(|(row, grid)| (row.id.as_str(), *grid))
        .collect();
    let mut per_grid: std::collections::HashMap<usize, usize> = Default::default();
    for elder in roster {
        *per_grid.entry(grid_of[elder.id.as_str()]).or_default() += 1;
    }
    let mut seen: std::collections::HashMap<usize, usize> = Default::default();
    roster
        .iter()
        .map(|elder| {
            let grid = grid_of[elder.id.as_str()];
            let position = seen.entry(grid).or_default();
            let along = *position as f64 / per_grid[&grid].max(1) as f64;
            *position += 1;
            Traits {
                grid,
                along,
                frail: rng.chance(rate::FRAIL),
            }
        })
        .collect()
}

fn draw_plan(rng: &mut SplitMix64, slot: Slot, traits: Traits, grid_gap: bool) -> Plan {
    if grid_gap {
        return Plan::Missed;
    }
    let alert = if traits.frail && slot == Slot::Morning {
        rate::ALERT_FRAIL
    } else {
        rate::ALERT
    };
    let draw = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let ok = |rng: &mut SplitMix64| {
        if rng.chance(rate::SEEN) {
            Observation::Seen
        } else {
            expected_observation(slot)
        }
    };
    let mut edge = rate::MISSED;
    if draw < edge {
        return Plan::Missed;
    }
    edge += rate::UNCLEAR;
    if draw < edge {
        return Plan::Unclear;
    }
    edge += alert;
    if draw < edge {
        return Plan::Alert {
            second_look: rng.chance(rate::SECOND_LOOK),
        };
    }
    edge += rate::CORRECTED;
    if draw < edge {
        return Plan::Corrected;
    }
    edge += rate::LATE;
    if draw < edge {
        return Plan::Late(ok(rng));
    }
    Plan::Ok(ok(rng))
}

fn expected_observation(slot: Slot) -> Observation {
    match slot {
        Slot::Morning => Observation::Open,
        Slot::Evening => Observation::Closed,
    }
}

fn wrong_observation(slot: Slot) -> Observation {
    match slot {
        Slot::Morning => Observation::Closed,
        Slot::Evening => Observation::Open,
    }
}

/// The checks of one elder's round, in the order they were recorded.
fn plan_checks(
    rng: &mut SplitMix64,
    elder: &RosterEntry,
    round: Round,
    window: crate::domain::Window,
    traits: Traits,
    plan: Plan,
) -> Vec<Check> {
    let volunteer = ((traits.along * VOLUNTEERS_PER_GRID as f64) as usize).min(7);
    let checker = |k: usize| format!("p{:02}-{}", traits.grid + 1, k % VOLUNTEERS_PER_GRID + 1);
    // The patrol walks the grid's route from ten minutes after opening to half an hour before
    // closing.
    let walk = (window.closes - window.opens - Duration::minutes(40)).num_seconds() as f64;
    let seen_at = window.opens
        + Duration::minutes(10)
        + Duration::seconds((walk * traits.along) as i64 + rng.between(0, 120));
    let check = |rng: &mut SplitMix64,
                 observation: Option<Observation>,
                 seen_at: DateTime<Utc>,
                 who: usize,
                 supersedes: Option<String>| Check {
        id: rng.uuid(),
        elder_id: elder.id.clone(),
        round,
        observation,
        seen_at,
        recorded_at: seen_at + Duration::seconds(rng.between(0, 20)),
        checker: checker(who),
        note: (observation.is_some() && rng.chance(rate::NOTE))
            .then(|| rng.pick(&["灯亮着", "窗帘半开", "邻居说在家"]).to_string()),
        supersedes,
    };
    match plan {
        Plan::Missed => Vec::new(),
        Plan::Ok(observation) => vec![check(rng, Some(observation), seen_at, volunteer, None)],
        Plan::Late(observation) => {
            let late = window.closes + Duration::minutes(rng.between(5, 90));
            vec![check(rng, Some(observation), late, volunteer, None)]
        }
        Plan::Unclear => vec![check(
            rng,
            Some(Observation::Unclear),
            seen_at,
            volunteer,
            None,
        )],
        Plan::Alert { second_look } => {
            let first = check(
                rng,
                Some(wrong_observation(round.slot)),
                seen_at,
                volunteer,
                None,
            );
            let again = seen_at + Duration::minutes(rng.between(15, 25));
            let mut out = vec![first];
            if second_look && again + Duration::seconds(20) <= window.closes {
                out.push(check(
                    rng,
                    Some(Observation::Seen),
                    again,
                    volunteer + 1,
                    None,
                ));
            }
            out
        }
        Plan::Corrected => {
            let wrong = check(
                rng,
                Some(wrong_observation(round.slot)),
                seen_at,
                volunteer,
                None,
            );
            let undo_at = wrong.recorded_at + Duration::seconds(20);
            let undo = check(rng, None, undo_at, volunteer, Some(wrong.id.clone()));
            let right = check(
                rng,
                Some(expected_observation(round.slot)),
                undo.recorded_at + Duration::seconds(10),
                volunteer,
                None,
            );
            vec![wrong, undo, right]
        }
    }
}

/// Keeps track of what a settle left: whether the elder may have an open flag a later ok round
/// would close, and which flags were raised (for their follow-ups).
fn note(
    settled: &Option<(Judged, Option<FlagFigures>)>,
    maybe_open: &mut bool,
    raised: &mut Vec<(i64, DateTime<Utc>, usize, Status)>,
    at: DateTime<Utc>,
    traits: Traits,
) {
    let Some((judged, flag)) = settled else {
        return;
    };
    if judged.status == Status::Ok {
        *maybe_open = false;
    } else if judged.status.is_flagged() {
        *maybe_open = true;
        if let Some(flag) = flag {
            raised.push((flag.id, at, traits.grid, judged.status));
        }
    }
}

fn grid_worker(grid: usize) -> String {
    format!("gw{:02}", grid + 1)
}

/// What the grid worker did about a flag, as far as `now`: alerts climb the call ladder and are
/// resolved within the day (a few are left open); some missed rounds get a note. Returns how
/// many follow-ups were logged.
fn follow_up(
    conn: &crate::store::Connection,
    rng: &mut SplitMix64,
    flag_id: i64,
    raised: DateTime<Utc>,
    grid: usize,
    status: Status,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    use crate::domain::followup::FollowUpAction as Action;
    let worker = grid_worker(grid);
    let mut at = raised + Duration::minutes(rng.between(10, 60));
    if at > now || !flags::get(conn, flag_id)?.is_some_and(|flag| flag.state == FlagState::Open) {
        return Ok(0);
    }
    let mut logged = 0;
    let mut log = |action: &str, note: Option<&str>, at: DateTime<Utc>| {
        logged += 1;
        flags::add_follow_up(conn, flag_id, action, note, &worker, at)
    };
    if status != Status::Alert {
        if rng.chance(0.15) {
            log(Action::Note.as_str(), Some("电话确认在家"), at)?;
        }
        return Ok(logged);
    }
    if rng.chance(0.5) {
        log(Action::CalledNoAnswer.as_str(), None, at)?;
        at += Duration::minutes(rng.between(5, 30));
        if at <= now {
            log(Action::Visited.as_str(), Some("敲门后开门，人没事"), at)?;
        }
    } else {
        log(Action::CalledAnswered.as_str(), Some("睡过头了"), at)?;
    }
    at += Duration::minutes(rng.between(1, 60));
    if at > now || rng.chance(rate::NEGLECTED) {
        return Ok(logged);
    }
    let outcome = match rng.below(20) {
        0..=15 => Outcome::ElderFine,
        16 => Outcome::FalseAlarm,
        17 => Outcome::NeededHelp,
        18 => Outcome::Hospitalised,
        _ => Outcome::Other,
    };
    if flags::resolve(conn, flag_id, outcome, None, &worker, at)? {
        log(&format!("resolved:{}", outcome.as_str()), None, at)?;
    }
    Ok(logged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(now: &str) -> Spec {
        let schedule = Schedule::default();
        Spec {
            elders: 300,
            days: 30,
            seed: 6,
            now: crate::domain::time::parse_instant(now, schedule.tz, None).unwrap(),
        }
    }

    fn every_flag(store: &Store, from: Round, to: Round) -> Vec<flags::FlagRecord> {
        let mut all = Vec::new();
        let mut round = from;
        while round <= to {
            let mut of_round: Vec<_> = flags::for_round(&store.conn, round)
                .unwrap()
                .into_values()
                .collect();
            of_round.sort_by_key(|flag| flag.id);
            all.extend(of_round);
            round = round.next();
        }
        all
    }

    /// Every settled round's coverage as read from its kept tallies against the coverage counted
    /// from a fresh judgement of its checks: the differences (none when they agree).
    fn coverage_against_checks(store: &Store, now: DateTime<Utc>) -> Vec<String> {
        let roster = elders::roster(&store.conn).unwrap();
        let mut differences = Vec::new();
        for round in crate::store::facts::settled_rounds(&store.conn).unwrap() {
            assert!(crate::store::facts::is_settled(&store.conn, round, now).unwrap());
            let kept =
                crate::store::gaps::coverage(&store.conn, &store.schedule, &roster, round, now)
                    .unwrap();
            let judged =
                rounds::judge_round(&store.conn, &store.schedule, &roster, round, now).unwrap();
            let live = crate::store::gaps::by_grid(&judged);
            if kept != live {
                differences.push(format!("{round}: kept {kept:?}, judged {live:?}"));
            }
        }
        differences
    }

    #[test]
    fn a_generated_district_is_already_settled_and_agrees_with_its_statuses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("district.db");
        let schedule = Schedule::default();
        let spec = spec("2026-11-22 08:30");
        let made = generate(&path, &schedule, &spec, |_, _, _| {}).unwrap();
        assert!(made.checks > 300 * 60 * 9 / 10, "{made:?}");
        assert!(made.flags > 100 && made.follow_ups > 10, "{made:?}");

        let mut store = Store::open(&path, Create::Never, schedule.clone()).unwrap();
        let current = schedule.current_round(spec.now);
        let first = Round::new(current.date - Duration::days(31), Slot::Morning);
        let before = every_flag(&store, first, current);
        let open = before.iter().filter(|f| f.state == FlagState::Open).count();
        let closed = before.len() - open;
        assert!(open > 0 && closed > open, "open {open}, closed {closed}");
        assert!(before.iter().any(|f| f.streak >= 2), "no streak at all");

        // The sync has nothing left to do, and settling the whole history again from the
        // start (a cold sync, as if no watermark were there) changes not one flag.
        rounds::sync_flags(&mut store, Times::at(spec.now)).unwrap();
        assert_eq!(every_flag(&store, first, current), before);
        rounds::mark_synced(&store.conn, first.prev(), spec.now).unwrap();
        rounds::sync_flags(&mut store, Times::at(spec.now)).unwrap();
        assert_eq!(every_flag(&store, first, current), before);

        // Every kept fact of a settled round equals a fresh judgement from the checks.
        let differences = rounds::facts_against_checks(&store.conn, &schedule, spec.now).unwrap();
        assert!(differences.is_empty(), "{differences:#?}");
        let settled = crate::store::facts::settled_rounds(&store.conn).unwrap();
        assert!(settled.len() >= 59, "{} rounds settled", settled.len());
        // Coverage of a settled round, read from its tallies, equals the live count.
        let differences = coverage_against_checks(&store, spec.now);
        assert!(differences.is_empty(), "{differences:#?}");

        // The strips read as two halves side by side equal the span read at once: six rounds
        // ending with the current one (open), so kept and judged rounds meet in them.
        let roster = crate::store::elders::roster(&store.conn).unwrap();
        let mut strip_first = current;
        for _ in 1..6 {
            strip_first = strip_first.prev();
        }
        let whole = rounds::statuses_over(
            &store.conn,
            &schedule,
            &roster,
            strip_first,
            current,
            spec.now,
        )
        .unwrap();
        assert!(whole.len() > 100, "{} elders in the strips", whole.len());
        assert_eq!(
            rounds::statuses_over_in_halves(&store, &roster, strip_first, current, spec.now)
                .unwrap(),
            whole
        );

        // Every settled round's outcomes read in two halves, split at its middle elder, equal
        // them read whole; and a store that keeps its roster lists each round as one just opened.
        let mut split = 0;
        for round in &settled {
            let whole = crate::store::facts::with_checks(&store.conn, *round).unwrap();
            let Some(middle) = crate::store::facts::middle_elder(&store.conn, *round, 0).unwrap()
            else {
                assert!(
                    whole.is_empty(),
                    "{round}: no middle of {} outcomes",
                    whole.len()
                );
                continue;
            };
            let half =
                |half| crate::store::facts::with_checks_half(&store.conn, *round, half).unwrap();
            let mut halves = half(crate::store::facts::Half::Below(&middle));
            let below = halves.len();
            halves.extend(half(crate::store::facts::Half::From(&middle)));
            assert_eq!(halves, whole, "{round}");
            assert!(
                below.abs_diff(whole.len() - below) <= 1,
                "{round}: {below} of {}",
                whole.len()
            );
            split += 1;
        }
        assert!(split >= 59, "{split} rounds read in halves");
        let listed = |store: &Store, round| -> Vec<String> {
            rounds::statuses(store, round, spec.now)
                .unwrap()
                .iter()
                .map(|row| format!("{row:?}"))
                .collect()
        };
        for round in settled.iter().rev().take(4) {
            let fresh = Store::open(&path, Create::Never, schedule.clone()).unwrap();
            assert_eq!(listed(&store, *round), listed(&fresh, *round), "{round}");
        }

        // Every past round's statuses agree with its flags: a flagged status has its open or
        // closed flag, and every flag carries the status its round has.
        let mut round = Round::new(current.date - Duration::days(29), Slot::Morning);
        while round < current {
            let rows = rounds::statuses(&store, round, spec.now).unwrap();
            let round_flags = flags::for_round(&store.conn, round).unwrap();
            for row in &rows {
                let flag = round_flags.get(&row.elder.id);
                if row.status.is_flagged() {
                    assert!(flag.is_some(), "{round} {}: no flag", row.elder.id);
                }
                if let Some(flag) = flag {
                    assert_eq!(flag.round_status, row.status, "{round} {}", row.elder.id);
                }
            }
            round = round.next();
        }
    }

    /// A late check, a correction, an undo and an absence that change settled rounds keep those
    /// rounds' facts equal to a fresh judgement, tallies included.
    #[test]
    fn later_changes_to_settled_rounds_keep_their_facts_equal_to_a_re_judge() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("district.db");
        let schedule = Schedule::default();
        let mut spec = spec("2026-11-22 21:00");
        spec.elders = 60;
        spec.days = 6;
        generate(&path, &schedule, &spec, |_, _, _| {}).unwrap();
        let mut store = Store::open(&path, Create::Never, schedule.clone()).unwrap();
        let times = Times::at(spec.now);
        let at = |text: &str| crate::domain::time::parse_instant(text, schedule.tz, None).unwrap();
        let evening: Round = "2026-11-21/evening".parse().unwrap();
        let morning: Round = "2026-11-22/morning".parse().unwrap();
        let kept = |store: &Store, round: Round, status: Status| {
            crate::store::facts::for_round(&store.conn, round)
                .unwrap()
                .into_iter()
                .filter(|(_, fact)| fact.status == status)
                .map(|(id, _)| id)
                .collect::<Vec<_>>()
        };
        let holds = |store: &Store, what: &str| {
            let differences =
                rounds::facts_against_checks(&store.conn, &schedule, spec.now).unwrap();
            assert!(differences.is_empty(), "after {what}: {differences:#?}");
            let differences = coverage_against_checks(store, spec.now);
            assert!(
                differences.is_empty(),
                "coverage after {what}: {differences:#?}"
            );
        };
        holds(&store, "generating");
        let check = |elder: &str, round: Round, observation, seen: &str| rounds::NewCheck {
            elder_id: elder.to_string(),
            observation: Some(observation),
            round: Some(round),
            seen_at: at(seen),
            checker: "paper".to_string(),
            note: None,
            supersedes: None,
        };

        // A paper round typed in late: an ok evening turns out an open curtain at night.
        let ok = kept(&store, evening, Status::Ok)[0].clone();
        let late = rounds::record_check(
            &mut store,
            check(&ok, evening, Observation::Open, "2026-11-21 20:10"),
            times,
        )
        .unwrap();
        let flag = flags::for_elder_round(&store.conn, &ok, evening)
            .unwrap()
            .unwrap();
        assert_eq!(
            flag.check_id,
            Some(late.check_id),
            "the flag keeps its check"
        );
        assert_eq!(
            crate::store::facts::get(&store.conn, evening, &ok)
                .unwrap()
                .unwrap()
                .1
                .status,
            Status::Alert
        );
        holds(&store, "a late alert");

        // The morning after, the same elder's curtain still shut: the streak carries into it.
        rounds::record_check(
            &mut store,
            check(&ok, morning, Observation::Closed, "2026-11-22 08:10"),
            times,
        )
        .unwrap();
        holds(&store, "a second alert in a row");

        // Undone: the round goes back to what it was, the facts with it.
        rounds::undo_last(&mut store, "paper", times).unwrap();
        holds(&store, "an undo");

        // An absence recorded afterwards over settled rounds.
        let missed = kept(&store, morning, Status::Missed);
        let someone = missed
            .first()
            .cloned()
            .unwrap_or_else(|| kept(&store, morning, Status::Ok)[0].clone());
        rounds::change_absence(
            &mut store,
            &someone,
            rounds::AbsenceChange::Record {
                from: evening.date,
                to: morning.date,
                reason: None,
            },
            "admin",
            times,
        )
        .unwrap();
        assert_eq!(
            crate::store::facts::get(&store.conn, morning, &someone)
                .unwrap()
                .unwrap()
                .1
                .status,
            Status::Away
        );
        holds(&store, "an absence");
    }

    #[test]
    fn the_same_seed_makes_the_same_database_and_an_existing_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let schedule = Schedule::default();
        let mut spec = spec("2026-11-22 21:00");
        spec.elders = 40;
        spec.days = 5;
        let a = dir.path().join("a.db");
        let b = dir.path().join("b.db");
        let made_a = generate(&a, &schedule, &spec, |_, _, _| {}).unwrap();
        let made_b = generate(&b, &schedule, &spec, |_, _, _| {}).unwrap();
        assert_eq!(made_a, made_b);
        let checks_of = |path: &Path| {
            let store = Store::open(path, Create::Never, schedule.clone()).unwrap();
            let round = schedule.current_round(spec.now).prev();
            let mut ids: Vec<String> = checks::for_round(&store.conn, round)
                .unwrap()
                .all()
                .iter()
                .map(|check| check.id.clone())
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(checks_of(&a), checks_of(&b));

        let size = std::fs::metadata(&a).unwrap().len();
        let error = generate(&a, &schedule, &spec, |_, _, _| {}).unwrap_err();
        assert!(matches!(
            error.downcast_ref::<Refusal>(),
            Some(Refusal::WouldOverwrite { .. })
        ));
        assert_eq!(std::fs::metadata(&a).unwrap().len(), size);
    }
}
