//! Statuses of elders for rounds, computed from the stored checks, absences and roster with the
//! rules of `crate::domain`, and the flags those statuses raise, refresh and supersede. Recording
//! a check and settling its flag happen in one transaction.

use std::collections::{HashMap, HashSet};

use super::db::{Connection, OptionalExtension};
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::checks::{self, Check};
use std::sync::Arc;

use super::elders::{self, Elder, RosterEntry};
use super::flags::{self, FlagRecord};
use super::{Store, absences, facts, set_meta};
use crate::domain::access::Grids;
use crate::domain::settle::{self, FlagStep, Judgement, Plan};
use crate::domain::status::{self, RoundFacts};
use crate::domain::time::Times;
use crate::domain::{
    FlagState, Observation, OwnWindows, Round, Schedule, Severity, Status, SupersedeReason, Window,
    severity,
};
use crate::error::Refusal;

/// What the rules say of one elder for one round.
#[derive(Debug, Clone)]
pub struct Judged {
    pub window: Window,
    pub status: Status,
    pub late: bool,
    pub decisive: Option<Check>,
    pub contradiction_stands: bool,
}

/// Judges one elder for one round; `None` when the elder was not on the roster for it.
pub fn judge(
    schedule: &Schedule,
    elder: &RosterEntry,
    round: Round,
    round_checks: &[Check],
    away: bool,
    now: DateTime<Utc>,
) -> Option<Judged> {
    let window = schedule.window_for(round, &elder.own);
    judge_in(window, elder, round, round_checks, away, now)
}

/// The window that applies to an elder, with the community's window for the round worked out
/// once by the caller: a time-zone conversion per elder and round adds up over a district.
fn window_of(schedule: &Schedule, community: Window, round: Round, elder: &RosterEntry) -> Window {
    if elder.own.morning.is_none()
        && elder.own.evening.is_none()
        && schedule.is_home_zone(&elder.own)
    {
        community
    } else {
        schedule.window_for(round, &elder.own)
    }
}

/// [`judge`] in a window already known.
fn judge_in(
    window: Window,
    elder: &RosterEntry,
    round: Round,
    round_checks: &[Check],
    away: bool,
    now: DateTime<Utc>,
) -> Option<Judged> {
    if !status::on_roster(elder.added_at, elder.archived_at, &window) {
        return None;
    }
    let facts: Vec<_> = round_checks.iter().map(Check::fact).collect();
    let latest = status::latest_effective(&facts);
    let round_facts = RoundFacts {
        expected: round.expected(),
        window,
        latest,
        away,
    };
    Some(Judged {
        window,
        status: status::status(&round_facts, now),
        late: status::is_late(&round_facts),
        decisive: latest.and_then(|fact| round_checks.iter().find(|c| c.id == fact.id).cloned()),
        contradiction_stands: status::contradiction_stands(round.expected(), &facts),
    })
}

/// The flag a round stands under: its id, severity and streak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlagFigures {
    pub id: i64,
    pub severity: Severity,
    pub streak: u32,
}

impl Judged {
    /// What settling needs of the judgement.
    fn judgement(&self) -> Judgement {
        Judgement {
            status: self.status,
            late: self.late,
            decisive: self.decisive.as_ref().map(|check| check.id.clone()),
            contradiction_stands: self.contradiction_stands,
        }
    }
}

/// What is on record before a round is settled: its flag, if any, and the streak the round
/// before carries.
struct OnRecord<'a> {
    known: Option<&'a FlagRecord>,
    prev_streak: u32,
}

/// The plan of the rules for one (elder, round): `domain::settle` decides from the facts.
fn plan_for(round: Round, judged: Option<&Judged>, on_record: &OnRecord<'_>) -> Plan {
    let judgement = judged.map(Judged::judgement);
    let recorded = on_record.known.map(FlagRecord::recorded);
    settle::plan(&settle::Facts {
        slot: round.slot,
        judged: judgement.as_ref(),
        flag: recorded.as_ref(),
        prev_carried: on_record.prev_streak,
    })
}

/// Runs what the rules planned for the flag of one (elder, round); returns the flag that stands
/// open after it, if any.
fn run_plan(
    conn: &Connection,
    schedule: &Schedule,
    elder: &RosterEntry,
    round: Round,
    plan: &Plan,
    known: Option<&FlagRecord>,
    times: Times,
) -> super::db::Result<Option<FlagFigures>> {
    let elder_id = elder.id.as_str();
    let id = match (&plan.step, known) {
        (FlagStep::Raise(figures), _) => {
            Some(flags::raise(conn, elder_id, round, figures, times.stamp())?)
        }
        (FlagStep::Refresh(figures), Some(flag)) => {
            flags::refresh(conn, flag.id, figures)?;
            Some(flag.id)
        }
        (FlagStep::Reopen(figures), Some(flag)) => {
            flags::refresh(conn, flag.id, figures)?;
            flags::reopen(conn, flag.id)?;
            Some(flag.id)
        }
        (FlagStep::Supersede(reason), Some(flag)) => {
            flags::supersede(conn, flag.id, *reason, times.stamp())?;
            flags::set_round_status(conn, flag.id, plan.round_status)?;
            None
        }
        (FlagStep::RoundStatus, Some(flag)) => {
            flags::set_round_status(conn, flag.id, plan.round_status)?;
            Some(flag.id)
        }
        (_, Some(flag)) => Some(flag.id),
        _ => None,
    };
    let open = id
        .zip(plan.stands_open)
        .map(|(id, (severity, streak))| FlagFigures {
            id,
            severity,
            streak,
        });
    if plan.supersede_earlier {
        flags::supersede_earlier(conn, elder_id, round, times.stamp())?;
    }
    // A missed round found only after a later round already came out ok (the flag is raised
    // when the window closes, the next round may be ticked before that) is closed at once.
    if let Some(open) = open
        && plan.close_if_later_ok
        && later_ok_round(conn, schedule, elder, round, times.settle_until())?.is_some()
    {
        flags::supersede(conn, open.id, SupersedeReason::LaterRoundOk, times.stamp())?;
        return Ok(None);
    }
    Ok(open)
}

/// The first round after `round` in which the elder was seen as expected, if any yet.
fn later_ok_round(
    conn: &Connection,
    schedule: &Schedule,
    elder: &RosterEntry,
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Option<Round>> {
    let last = schedule.round_at(now, &elder.own);
    if last <= round {
        return Ok(None);
    }
    let later = checks::for_elder_span(conn, &elder.id, round.next(), last)?;
    let mut rounds: Vec<Round> = later.iter().map(|check| check.round).collect();
    rounds.dedup();
    for candidate in rounds {
        let round_checks: Vec<Check> = later
            .iter()
            .filter(|check| check.round == candidate)
            .cloned()
            .collect();
        let away = absences::is_away(conn, &elder.id, candidate.date)?;
        let judged = judge(schedule, elder, candidate, &round_checks, away, now);
        if judged.is_some_and(|j| j.status == Status::Ok) {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// The ok round that closed earlier flags was taken back (an undo): those flags open again
/// unless another later round still stands ok. Only flags closed since this round's window
/// opened can have been closed by it (no check of it exists before then); the older ones were
/// closed by a round that still stands, and re-judging each of them read the elder's history
/// from that flag to now on every non-ok tick.
fn reopen_if_no_later_ok(
    conn: &Connection,
    schedule: &Schedule,
    elder: &RosterEntry,
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<()> {
    let opened = schedule
        .window(round)
        .opens
        .min(schedule.window_for(round, &elder.own).opens);
    for flag in flags::superseded_by_later_round(conn, &elder.id, round, opened)? {
        if later_ok_round(conn, schedule, elder, flag.round, now)?.is_none() {
            flags::reopen(conn, flag.id)?;
        }
    }
    Ok(())
}

/// Re-judges one (elder, round) from the database and settles its flag, then carries a changed
/// streak forward through the elder's later flags, and keeps the round's outcome again once the
/// elder's window has closed.
pub fn refresh_elder_round(
    conn: &Connection,
    schedule: &Schedule,
    elder: &RosterEntry,
    round: Round,
    times: Times,
) -> super::db::Result<Option<(Judged, Option<FlagFigures>)>> {
    let round_checks = checks::for_elder_round(conn, &elder.id, round)?;
    let away = absences::is_away(conn, &elder.id, round.date)?;
    let until = times.settle_until();
    let judged = judge(schedule, elder, round, &round_checks, away, until);
    let known = flags::for_elder_round(conn, &elder.id, round)?;
    let prev_streak = flags::for_elder_round(conn, &elder.id, round.prev())?
        .map_or(0, |flag| flag.streak_carried());
    let on_record = OnRecord {
        known: known.as_ref(),
        prev_streak,
    };
    let plan = plan_for(round, judged.as_ref(), &on_record);
    let flag = run_plan(conn, schedule, elder, round, &plan, known.as_ref(), times)?;
    if plan.reopen_earlier {
        reopen_if_no_later_ok(conn, schedule, elder, round, until)?;
    }
    carry_streak_forward(conn, &elder.id, round)?;
    if schedule.window_for(round, &elder.own).has_closed(until)
        && round.ordinal() >= facts::facts_from(conn)?
    {
        let outcome = plan.fact.map(|fact| facts::Outcome {
            elder_id: &elder.id,
            grid: &elder.grid,
            fact,
            decisive: judged.as_ref().and_then(|judged| judged.decisive.clone()),
        });
        facts::keep(conn, round, &elder.id, outcome.as_ref())?;
    }
    Ok(judged.map(|judged| (judged, flag)))
}

/// A round's streak changed: the elder's following consecutive flags get their streak and
/// severity again (`domain::settle::carry`), and their rounds' kept outcomes with them.
fn carry_streak_forward(conn: &Connection, elder_id: &str, round: Round) -> super::db::Result<()> {
    let mut carried =
        flags::for_elder_round(conn, elder_id, round)?.map_or(0, |flag| flag.streak_carried());
    let mut expected_round = round.next();
    for flag in flags::for_elder_after(conn, elder_id, round)? {
        if flag.round != expected_round {
            break;
        }
        let Some((severity, streak, next)) =
            settle::carry(carried, flag.round.slot, &flag.recorded())
        else {
            break;
        };
        flags::set_streak(conn, flag.id, severity, streak)?;
        if let Some(kept) = severity::severity(flag.round_status, flag.round.slot, streak) {
            facts::set_streak(conn, flag.round, elder_id, kept, streak)?;
        }
        carried = next;
        expected_round = expected_round.next();
    }
    Ok(())
}

/// A check to record. `round` is `None` to let the rules place it by the time it was seen.
#[derive(Debug, Clone)]
pub struct NewCheck {
    pub elder_id: String,
    pub observation: Option<Observation>,
    pub round: Option<Round>,
    pub seen_at: DateTime<Utc>,
    pub checker: String,
    pub note: Option<String>,
    pub supersedes: Option<String>,
}

/// A check on disk, and what it made of the round.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub check_id: String,
    pub elder_id: String,
    pub round: Round,
    pub observation: Option<Observation>,
    pub status: Status,
    pub late: bool,
    pub flag_id: Option<i64>,
    pub severity: Option<Severity>,
    pub streak: u32,
}

/// Refuses a check that cannot stand (unknown or archived elder, seen in the future, round not
/// open yet, elder not on the roster for it) before anything is written; otherwise says which
/// round it belongs to.
pub fn validate_check(
    conn: &Connection,
    schedule: &Schedule,
    new: &NewCheck,
    now: DateTime<Utc>,
) -> anyhow::Result<(RosterEntry, Round)> {
    let elder = elders::entry(conn, &new.elder_id)?
        .ok_or_else(|| Refusal::UnknownElder(new.elder_id.clone()))?;
    if !elder.active() {
        return Err(Refusal::ArchivedElder(elder.id).into());
    }
    let tz = schedule.tz;
    if new.seen_at > now {
        return Err(Refusal::SeenInFuture {
            seen: crate::domain::time::format_local(new.seen_at, tz),
            now: crate::domain::time::format_local(now, tz),
        }
        .into());
    }
    let round = match new.round {
        Some(round) => round,
        None => schedule
            .round_for_check(new.seen_at, &elder.own)
            .map_err(|next| Refusal::NoRoundForCheck {
                seen: crate::domain::time::format_local(new.seen_at, tz),
                round: next,
                opens: crate::domain::time::format_local(schedule.window(next).opens, tz),
            })?,
    };
    let window = schedule.window_for(round, &elder.own);
    // A check naming its round may have been seen an hour before the window opens (an early
    // patrol); an unnamed one has been placed in a window already.
    let earliest = schedule.earliest_check(round, &elder.own);
    if new.seen_at < earliest {
        return Err(Refusal::RoundNotOpen {
            round,
            opens: crate::domain::time::format_local(
                window.opens.min(schedule.window(round).opens),
                tz,
            ),
            seen: crate::domain::time::format_local(new.seen_at, tz),
        }
        .into());
    }
    if !status::on_roster(elder.added_at, elder.archived_at, &window) {
        return Err(Refusal::NotOnRoster {
            elder: elder.id,
            round,
        }
        .into());
    }
    Ok((elder, round))
}

/// Validates and records a check, and settles its flag, in one durable transaction. A refusal
/// writes nothing.
pub fn record_check(store: &mut Store, new: NewCheck, times: Times) -> anyhow::Result<Recorded> {
    let schedule = store.schedule.clone();
    let (elder, round) = validate_check(&store.conn, &schedule, &new, times.now)?;
    let tx = store.write().context("starting to record a check")?;
    let check = Check {
        id: Uuid::new_v4().to_string(),
        elder_id: elder.id.clone(),
        round,
        observation: new.observation,
        seen_at: new.seen_at,
        recorded_at: times.real,
        checker: new.checker,
        note: new.note,
        supersedes: new.supersedes,
    };
    checks::insert(&tx, &check).context("writing the check")?;
    let settled = refresh_elder_round(&tx, &schedule, &elder, round, times)?;
    // An alert is told at once, queued with the check that raised it.
    super::outbox::queue_alert(&tx, &elder.id, round, &check.checker, times.stamp())?;
    tx.commit().context("saving the check to disk")?;
    let (judged, flag) = settled.ok_or_else(|| Refusal::NotOnRoster {
        elder: elder.id.clone(),
        round,
    })?;
    Ok(Recorded {
        check_id: check.id,
        elder_id: elder.id,
        round,
        observation: check.observation,
        status: judged.status,
        late: judged.late,
        flag_id: flag.map(|f| f.id),
        severity: flag.map(|f| f.severity),
        streak: flag.map_or(0, |f| f.streak),
    })
}

/// Takes back the checker's last check that still stands, by recording a retraction that
/// supersedes it. Returns what it took back.
pub fn undo_last(
    store: &mut Store,
    checker: &str,
    times: Times,
) -> anyhow::Result<(Check, Recorded)> {
    // Undo is for a slip of the finger: only a check this person recorded within the hour.
    // Older ones are corrected by a new check, which leaves an alert for a person to see.
    let last = checks::last_effective_by(&store.conn, checker)?
        .filter(|check| times.real - check.recorded_at <= chrono::Duration::hours(1))
        .ok_or(Refusal::NothingToUndo)?;
    let recorded = record_check(
        store,
        NewCheck {
            elder_id: last.elder_id.clone(),
            observation: None,
            round: Some(last.round),
            seen_at: times.now.max(last.seen_at),
            checker: checker.to_string(),
            note: None,
            supersedes: Some(last.id.clone()),
        },
        times,
    )?;
    Ok((last, recorded))
}

/// One elder's status for one round, as lists and reports show it.
#[derive(Debug, Clone)]
pub struct ElderRound {
    /// The elder, shared with the roster the round was read against (never a copy per row).
    pub elder: Arc<RosterEntry>,
    pub round: Round,
    pub window: Window,
    pub status: Status,
    pub late: bool,
    pub decisive: Option<Check>,
    pub severity: Option<Severity>,
    pub streak: u32,
    pub flag: Option<FlagRecord>,
}

impl ElderRound {
    /// A judged round with its severity: the flag's streak where the round has a flag, else one
    /// more than the round before carries.
    fn new(
        elder: &Arc<RosterEntry>,
        round: Round,
        judged: Judged,
        flag: Option<FlagRecord>,
        prev_streak: u32,
    ) -> ElderRound {
        let (severity, streak) = if judged.status.is_flagged() {
            let streak = flag.as_ref().map_or_else(
                || severity::streak_after(prev_streak, judged.status),
                |flag| flag.streak,
            );
            (
                severity::severity(judged.status, round.slot, streak),
                streak,
            )
        } else {
            (None, 0)
        };
        ElderRound {
            elder: Arc::clone(elder),
            round,
            window: judged.window,
            status: judged.status,
            late: judged.late,
            decisive: judged.decisive,
            severity,
            streak,
            flag,
        }
    }
}

/// Every elder on the roster for a round, in route order, with their status. Reads only: run
/// [`sync_flags`] first for missed flags to carry their ids.
pub fn statuses(
    store: &Store,
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<ElderRound>> {
    let (roster, records) = roster_and_records(store, &Grids::Every, round, now)?;
    Ok(records.statuses(&store.schedule, &roster, round, now))
}

/// The roster of `grids` (narrow, in route order) and the round's records: what the round's
/// statuses are worked out from. The roster this store read before while its stamp has not
/// moved; else the two read side by side (a district's are 30,000 rows each).
pub fn roster_and_records(
    store: &Store,
    grids: &Grids,
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<(elders::Roster, RoundRecords)> {
    store.roster_and(
        grids,
        |conn| RoundRecords::read(conn, round, now),
        |store| RoundRecords::read_in_halves(store, round, now),
    )
}

/// Every elder of `roster` listed for a round, in the roster's order, with their status: read
/// from the kept facts when the round is settled, judged from its checks while it is open.
pub fn statuses_of(
    conn: &Connection,
    schedule: &Schedule,
    roster: &[Arc<RosterEntry>],
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<ElderRound>> {
    Ok(RoundRecords::read(conn, round, now)?.statuses(schedule, roster, round, now))
}

/// [`statuses_of`] judged from the round's checks, absences and roster, whether or not the round
/// is settled: what the kept facts are checked against.
pub fn judge_round(
    conn: &Connection,
    schedule: &Schedule,
    roster: &[Arc<RosterEntry>],
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<ElderRound>> {
    Ok(RoundRecords::read_open(conn, round)?.statuses(schedule, roster, round, now))
}

/// The fewest outcomes a settled round is read in two halves side by side for: fewer are read
/// faster on one thread than a second one starts.
const SPLIT_FROM: usize = 4096;

/// What a round's statuses are worked out from, read without the roster (so that the two can be
/// read side by side): a settled round's kept outcomes, or the records an open round is judged
/// from.
pub enum RoundRecords {
    Settled {
        /// In elder id order, each with its deciding check.
        kept: Vec<(String, settle::RoundFact, Option<Check>)>,
        flags: HashMap<String, FlagRecord>,
    },
    Open {
        checks: checks::RoundChecks,
        away: HashSet<String>,
        flags: HashMap<String, FlagRecord>,
        prev_flags: HashMap<String, FlagRecord>,
    },
}

impl RoundRecords {
    /// The kept outcomes when the round is settled at `now`, else what it is judged from.
    pub fn read(conn: &Connection, round: Round, now: DateTime<Utc>) -> super::db::Result<Self> {
        if !facts::is_settled(conn, round, now)? {
            return RoundRecords::read_open(conn, round);
        }
        RoundRecords::read_settled(conn, round)
    }

    /// A settled round's kept outcomes and its flags.
    fn read_settled(conn: &Connection, round: Round) -> super::db::Result<Self> {
        Ok(RoundRecords::Settled {
            kept: facts::with_checks(conn, round)?,
            flags: flags::for_round(conn, round)?,
        })
    }

    /// [`RoundRecords::read`], a settled round's outcomes read in two halves side by side (by
    /// elder id): what is read while the roster is kept from before.
    fn read_in_halves(store: &Store, round: Round, now: DateTime<Utc>) -> super::db::Result<Self> {
        let conn = &store.conn;
        if !facts::is_settled(conn, round, now)? {
            return RoundRecords::read_open(conn, round);
        }
        let Some(middle) = facts::middle_elder(conn, round, SPLIT_FROM)? else {
            return RoundRecords::read_settled(conn, round);
        };
        let (upper, (mut kept, flags)) = store.side_by_side(
            |conn| facts::with_checks_half(conn, round, facts::Half::From(&middle)),
            |conn| {
                Ok((
                    facts::with_checks_half(conn, round, facts::Half::Below(&middle))?,
                    flags::for_round(conn, round)?,
                ))
            },
        )?;
        kept.extend(upper);
        Ok(RoundRecords::Settled { kept, flags })
    }

    /// What the round is judged from, whether or not it is settled.
    fn read_open(conn: &Connection, round: Round) -> super::db::Result<Self> {
        Ok(RoundRecords::Open {
            checks: checks::for_round(conn, round)?,
            away: absences::away_on(conn, round.date)?,
            flags: flags::for_round(conn, round)?,
            prev_flags: flags::for_round(conn, round.prev())?,
        })
    }

    /// Every elder of `roster` listed for the round, in the roster's order, with their status.
    pub fn statuses(
        self,
        schedule: &Schedule,
        roster: &[Arc<RosterEntry>],
        round: Round,
        now: DateTime<Utc>,
    ) -> Vec<ElderRound> {
        let community = schedule.window(round);
        match self {
            RoundRecords::Settled {
                mut kept,
                flags: mut round_flags,
            } => {
                // In elder id order: each elder of the roster is looked for just after the one
                // before (where ids follow the route, as an import in route order gives), and
                // else by a binary search.
                let mut taken = vec![false; kept.len()];
                let mut rows = Vec::with_capacity(kept.len());
                let mut next = 0;
                for elder in roster {
                    let at = match kept.get(next) {
                        Some((id, _, _)) if *id == elder.id => next,
                        _ => match kept.binary_search_by(|(id, _, _)| id.as_str().cmp(&elder.id)) {
                            Ok(at) => at,
                            Err(_) => continue,
                        },
                    };
                    next = at + 1;
                    // An id twice on the roster is listed once, as the first.
                    if std::mem::replace(&mut taken[at], true) {
                        continue;
                    }
                    let (_, fact, decisive) = &mut kept[at];
                    rows.push(ElderRound {
                        elder: Arc::clone(elder),
                        round,
                        window: window_of(schedule, community, round, elder),
                        status: fact.status,
                        late: fact.late,
                        decisive: decisive.take(),
                        severity: fact.severity,
                        streak: fact.streak,
                        flag: round_flags.remove(&elder.id),
                    });
                }
                rows
            }
            RoundRecords::Open {
                checks: round_checks,
                away,
                flags: mut round_flags,
                prev_flags,
            } => {
                let mut rows = Vec::with_capacity(roster.len());
                for elder in roster {
                    let Some(judged) = judge_in(
                        window_of(schedule, community, round, elder),
                        elder,
                        round,
                        round_checks.of(&elder.id),
                        away.contains(&elder.id),
                        now,
                    ) else {
                        continue;
                    };
                    let flag = round_flags.remove(&elder.id);
                    let prev_streak = prev_flags
                        .get(&elder.id)
                        .map_or(0, FlagRecord::streak_carried);
                    rows.push(ElderRound::new(elder, round, judged, flag, prev_streak));
                }
                rows
            }
        }
    }
}

/// One elder's status for a round and the state of its flag, by index into the roster given:
/// what a summary of the round (the history screen) needs, without a copy of each elder.
pub fn round_tally(
    conn: &Connection,
    schedule: &Schedule,
    roster: &[Arc<RosterEntry>],
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<(usize, Status, Option<FlagState>)>> {
    let round_checks = checks::for_round(conn, round)?;
    let away = absences::away_on(conn, round.date)?;
    let round_flags = flags::for_round(conn, round)?;
    let community = schedule.window(round);
    let mut out = Vec::with_capacity(roster.len());
    for (index, elder) in roster.iter().enumerate() {
        let elder_checks = round_checks.of(&elder.id);
        if let Some(judged) = judge_in(
            window_of(schedule, community, round, elder),
            elder,
            round,
            elder_checks,
            away.contains(&elder.id),
            now,
        ) {
            let state = round_flags.get(&elder.id).map(|flag| flag.state);
            out.push((index, judged.status, state));
        }
    }
    Ok(out)
}

const SYNCED_THROUGH: &str = "flags_synced_through";
const SYNCED_AT: &str = "flags_synced_at";

/// Raises the flags of rounds whose windows have closed since the last sync (missed rounds need
/// no keystroke to become flags), so the flag list is complete at `now`. Each round is settled
/// in a transaction of its own, so a long catch-up never holds the write lock for long, and the
/// work does not grow with the length of history: the rounds before the watermark (the last of
/// a contiguous run of rounds all of whose windows had closed) are not judged again.
pub fn sync_flags(store: &mut Store, times: Times) -> anyhow::Result<()> {
    // Nothing is settled for a round that has not closed by the real clock (a drill excepted).
    let now = times.settle_until();
    let schedule = store.schedule.clone();
    // Communities in later time zones are still about a round others have closed.
    let current = schedule.latest_current_round(now);
    let mut synced: Option<i64> = store
        .meta(SYNCED_THROUGH)?
        .and_then(|text| text.parse().ok());
    let synced_at = store
        .meta(SYNCED_AT)?
        .and_then(|text| super::parse_ts(&text).ok());
    // A sync at an earlier `now` than the last one (a drill): judge the recent rounds again
    // rather than trust a watermark set from the future.
    if synced_at.is_some_and(|at| now < at) {
        synced = synced.map(|w| w.min(current.ordinal() - 3));
    }
    if synced.is_some_and(|synced| synced >= current.ordinal()) {
        return Ok(());
    }
    // Whether a round has anything to settle depends only on the windows the roster has (the
    // community's and a few elders' own), so the roster itself — 30,000 elders in a district —
    // is read only once a round is to be settled, not on every command and screen reload.
    let (own_windows, first_added) = windows_on_roster(&store.conn)?;
    let Some(first_added) = first_added else {
        return Ok(());
    };
    let mut round = match synced {
        Some(synced) => Round::from_ordinal(synced + 1).unwrap_or(current),
        None => schedule.round_at(first_added, &Default::default()),
    };
    let mut contiguous = true;
    let mut roster: Option<elders::Roster> = None;
    while round <= current {
        let windows: Vec<Window> = own_windows
            .iter()
            .map(|own| schedule.window_for(round, own))
            .collect();
        if !windows.iter().any(|w| w.has_closed(now)) {
            break;
        }
        if roster.is_none() {
            roster = Some(store.roster_of(&Grids::Every)?);
        }
        let roster = roster.as_deref().unwrap_or_default();
        let tx = store.write().context("starting to settle flags")?;
        // Another terminal may have settled the round while this one waited for the write lock
        // (twenty volunteers' screens at a window's close): read again under the lock, and leave
        // a round already settled as it is.
        if settled_meanwhile(&tx, round, now)? {
            drop(tx);
            round = round.next();
            continue;
        }
        let complete = windows.iter().all(|w| w.has_closed(now));
        settle_round(&tx, &schedule, roster, round, complete, times)?;
        // The grid workers hear of the round's flags with the same commit that settles them.
        super::outbox::queue_round_digests(&tx, round, times.stamp())?;
        // The watermark moves only over a contiguous run of fully closed rounds: a round with a
        // late own window still open is judged again next time.
        contiguous = contiguous && complete;
        if contiguous {
            set_meta(&tx, SYNCED_THROUGH, &round.ordinal().to_string())?;
        }
        set_meta(&tx, SYNCED_AT, &super::ts(now))?;
        tx.commit().context("saving settled flags")?;
        round = round.next();
    }
    Ok(())
}

/// Whether the watermark already covers `round`, set by a sync no later than `now`.
fn settled_meanwhile(
    conn: &Connection,
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<bool> {
    let read = |key: &str| -> super::db::Result<Option<String>> {
        conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |row| row.get(0))
            .optional()
    };
    let through: Option<i64> = read(SYNCED_THROUGH)?.and_then(|text| text.parse().ok());
    let at = read(SYNCED_AT)?
        .map(|text| super::parse_ts(&text))
        .transpose()?;
    Ok(through.is_some_and(|through| through >= round.ordinal()) && at.is_some_and(|at| at <= now))
}

/// Every distinct window a round has on the roster (the community's and the elders' own): when
/// their closing changes what a screen shows.
pub fn windows_of_round(
    conn: &Connection,
    schedule: &Schedule,
    round: Round,
) -> super::db::Result<Vec<Window>> {
    let (own, _) = windows_on_roster(conn)?;
    let mut windows = vec![schedule.window(round)];
    for own in own {
        let window = schedule.window_for(round, &own);
        if !windows.contains(&window) {
            windows.push(window);
        }
    }
    Ok(windows)
}

/// What every command and tick asks before settling, from the indexes `elders_by_windows` and
/// `elders_by_added`: never a scan of the roster.
pub(super) const DISTINCT_WINDOWS: &str = "SELECT DISTINCT morning_opens, morning_closes,
    evening_opens, evening_closes, community FROM elders";
pub(super) const FIRST_ADDED: &str = "SELECT min(added_at) FROM elders";

/// The distinct windows on the roster (the community's is the one with no own window) and when
/// the first elder was added: all a sync needs to know before it reads the roster.
fn windows_on_roster(
    conn: &Connection,
) -> super::db::Result<(Vec<OwnWindows>, Option<DateTime<Utc>>)> {
    let pair = |opens: Option<String>, closes: Option<String>| {
        Some((
            crate::domain::time::parse_clock(&opens?)?,
            crate::domain::time::parse_clock(&closes?)?,
        ))
    };
    let mut statement = conn.prepare_cached(DISTINCT_WINDOWS)?;
    let windows = statement
        .query_map([], |row| {
            Ok(OwnWindows {
                morning: pair(row.get(0)?, row.get(1)?),
                evening: pair(row.get(2)?, row.get(3)?),
                community: row.get(4)?,
            })
        })?
        .collect::<super::db::Result<Vec<_>>>()?;
    // Instants are fixed-width UTC text: the least text is the earliest.
    let first: Option<String> = conn.query_row(FIRST_ADDED, [], |row| row.get(0))?;
    Ok((
        windows,
        first.map(|text| super::parse_ts(&text)).transpose()?,
    ))
}

/// [`statuses_over`] with the span read as two halves side by side (the strips beside a
/// district's round screen: six rounds of 30,000 elders, read while the screen waits).
pub fn statuses_over_in_halves(
    store: &Store,
    roster: &[Arc<RosterEntry>],
    first: Round,
    last: Round,
    now: DateTime<Utc>,
) -> super::db::Result<HashMap<String, Vec<Option<Status>>>> {
    let rounds: Vec<Round> = first.through(last).collect();
    let half = rounds.len() / 2;
    if half == 0 {
        return statuses_over(&store.conn, &store.schedule, roster, first, last, now);
    }
    let (older_last, newer_first) = (rounds[half - 1], rounds[half]);
    let schedule = &store.schedule;
    let (mut older, mut newer) = store.side_by_side(
        |conn| statuses_over(conn, schedule, roster, first, older_last, now),
        |conn| statuses_over(conn, schedule, roster, newer_first, last, now),
    )?;
    let (older_width, newer_width) = (half, rounds.len() - half);
    for (elder_id, statuses) in &mut older {
        statuses.extend(
            newer
                .remove(elder_id)
                .unwrap_or_else(|| vec![None; newer_width]),
        );
    }
    for (elder_id, statuses) in newer {
        let mut both = vec![None; older_width];
        both.extend(statuses);
        older.insert(elder_id, both);
    }
    Ok(older)
}

/// Each elder's statuses over the rounds `first..=last`, oldest first (`None` where the elder was
/// not on the roster): the strips beside the round screen. One range read of the checks for the
/// whole span instead of one per round, and no per-row copies of the roster.
pub fn statuses_over(
    conn: &Connection,
    schedule: &Schedule,
    roster: &[Arc<RosterEntry>],
    first: Round,
    last: Round,
    now: DateTime<Utc>,
) -> super::db::Result<HashMap<String, Vec<Option<Status>>>> {
    let rounds: Vec<Round> = first.through(last).collect();
    let mut out: HashMap<String, Vec<Option<Status>>> = HashMap::with_capacity(roster.len());
    // Settled rounds are read from their kept statuses; only the others are judged.
    let settled = facts::settled_between(conn, first, last, now)?;
    if let (Some(from), Some(to)) = (settled.first(), settled.last()) {
        for (round, elder_id, status) in facts::statuses_for_rounds(conn, *from, *to)? {
            if let Some(age) = rounds.iter().position(|r| *r == round)
                && settled.contains(&round)
            {
                out.entry(elder_id)
                    .or_insert_with(|| vec![None; rounds.len()])[age] = Some(status);
            }
        }
    }
    let live: Vec<(usize, Round)> = rounds
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, round)| !settled.contains(round))
        .collect();
    let (Some((_, from)), Some((_, to))) = (live.first(), live.last()) else {
        return Ok(out);
    };
    let span_checks = checks::for_rounds(conn, *from, *to)?;
    let no_checks = checks::RoundChecks::default();
    for (age, round) in live {
        let away = absences::away_on(conn, round.date)?;
        let community = schedule.window(round);
        let round_checks = span_checks.get(&round).unwrap_or(&no_checks);
        for elder in roster {
            let elder_checks = round_checks.of(&elder.id);
            let window = window_of(schedule, community, round, elder);
            if let Some(judged) = judge_in(
                window,
                elder,
                round,
                elder_checks,
                away.contains(&elder.id),
                now,
            ) {
                out.entry(elder.id.clone())
                    .or_insert_with(|| vec![None; rounds.len()])[age] = Some(judged.status);
            }
        }
    }
    Ok(out)
}

/// Records every round up to `through` as settled at `at`, for a database whose history was
/// written already settled (the benchmark generator): `sync_flags` takes up after it.
pub fn mark_synced(conn: &Connection, through: Round, at: DateTime<Utc>) -> super::db::Result<()> {
    set_meta(conn, SYNCED_THROUGH, &through.ordinal().to_string())?;
    set_meta(conn, SYNCED_AT, &super::ts(at))
}

/// Settles every elder of a round whose window has closed: runs the rules' plan for each flag
/// that needs it, and keeps the round's outcomes and tallies (`complete` when every window of the
/// round has closed). The one hook where a round settles.
pub(crate) fn settle_round(
    conn: &Connection,
    schedule: &Schedule,
    roster: &[Arc<RosterEntry>],
    round: Round,
    complete: bool,
    times: Times,
) -> super::db::Result<()> {
    let until = times.settle_until();
    let round_checks = checks::for_round(conn, round)?;
    let away = absences::away_on(conn, round.date)?;
    let round_flags = flags::for_round(conn, round)?;
    let prev_flags = flags::for_round(conn, round.prev())?;
    let supersedable: HashSet<String> = flags::elders_with_open_supersedable(conn)?;
    let keep_facts = round.ordinal() >= facts::facts_from(conn)?;
    let mut touched: Vec<&str> = Vec::new();
    let mut outcomes = Vec::with_capacity(if keep_facts { roster.len() } else { 0 });
    let community = schedule.window(round);
    for elder in roster {
        let elder_checks = round_checks.of(&elder.id);
        let window = window_of(schedule, community, round, elder);
        let judged = judge_in(
            window,
            elder,
            round,
            elder_checks,
            away.contains(&elder.id),
            until,
        );
        let known = round_flags.get(&elder.id);
        let on_record = OnRecord {
            known,
            prev_streak: prev_flags
                .get(&elder.id)
                .map_or(0, FlagRecord::streak_carried),
        };
        let plan = plan_for(round, judged.as_ref(), &on_record);
        let may_clear = plan.supersede_earlier && supersedable.contains(&elder.id);
        if plan.step != FlagStep::None || may_clear {
            run_plan(conn, schedule, elder, round, &plan, known, times)?;
            touched.push(&elder.id);
        }
        if keep_facts
            && window.has_closed(until)
            && let Some(fact) = plan.fact
        {
            outcomes.push(facts::Outcome {
                elder_id: &elder.id,
                grid: &elder.grid,
                fact,
                decisive: judged.and_then(|judged| judged.decisive),
            });
        }
    }
    for elder_id in touched {
        carry_streak_forward(conn, elder_id, round)?;
    }
    if keep_facts {
        facts::keep_round(conn, round, &outcomes, complete, until)?;
    }
    Ok(())
}

/// One elder's statuses over the `count` rounds ending at `last`, oldest first; `None` where the
/// elder was not on the roster.
pub fn elder_history(
    conn: &Connection,
    schedule: &Schedule,
    elder: &RosterEntry,
    last: Round,
    count: usize,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<(Round, Option<Status>)>> {
    let mut first = last;
    for _ in 1..count {
        first = first.prev();
    }
    let all_checks = checks::for_elder_span(conn, &elder.id, first, last)?;
    let mut out = Vec::with_capacity(count);
    let mut round = first;
    while round <= last {
        let round_checks: Vec<Check> = all_checks
            .iter()
            .filter(|check| check.round == round)
            .cloned()
            .collect();
        let away = absences::is_away(conn, &elder.id, round.date)?;
        let judged = judge(schedule, elder, round, &round_checks, away, now);
        out.push((round, judged.map(|j| j.status)));
        round = round.next();
    }
    Ok(out)
}

/// One elder's status for one round, read for that elder alone (after a tick, instead of the
/// whole round). `None` when the elder was not on the roster for it.
pub fn status_of_elder(
    conn: &Connection,
    schedule: &Schedule,
    elder: &Arc<RosterEntry>,
    round: Round,
    now: DateTime<Utc>,
) -> super::db::Result<Option<ElderRound>> {
    let round_checks = checks::for_elder_round(conn, &elder.id, round)?;
    let away = absences::is_away(conn, &elder.id, round.date)?;
    let Some(judged) = judge(schedule, elder, round, &round_checks, away, now) else {
        return Ok(None);
    };
    let flag = flags::for_elder_round(conn, &elder.id, round)?;
    let prev_streak = flags::for_elder_round(conn, &elder.id, round.prev())?
        .map_or(0, |prev| prev.streak_carried());
    Ok(Some(ElderRound::new(
        elder,
        round,
        judged,
        flag,
        prev_streak,
    )))
}

/// A change to an elder's absences.
#[derive(Debug, Clone)]
pub enum AbsenceChange {
    Record {
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        reason: Option<String>,
    },
    /// The elder is back: expected again from today.
    EndToday,
}

/// Records or ends an absence, and settles the rounds already past inside it (missed becomes
/// away; their flags follow), in one transaction. Returns the elder and the days it covered.
pub fn change_absence(
    store: &mut Store,
    elder_id: &str,
    change: AbsenceChange,
    actor: &str,
    times: Times,
) -> anyhow::Result<(Elder, chrono::NaiveDate, chrono::NaiveDate)> {
    let schedule = store.schedule.clone();
    let today = schedule.local_date(times.now);
    let tx = store.write()?;
    let elder =
        elders::get(&tx, elder_id)?.ok_or_else(|| Refusal::UnknownElder(elder_id.to_string()))?;
    let (first_day, last_day) = match change {
        AbsenceChange::Record { from, to, reason } => {
            if to < from {
                return Err(Refusal::AbsenceBackwards {
                    from: from.to_string(),
                    to: to.to_string(),
                }
                .into());
            }
            absences::record(
                &tx,
                &elder.id,
                from,
                to,
                reason.as_deref(),
                actor,
                times.real,
            )?;
            (from, to)
        }
        AbsenceChange::EndToday => {
            let current = absences::list(&tx, Some(&elder.id), Some(today))?;
            let Some(absence) = current.into_iter().find(|a| a.from <= today) else {
                return Err(Refusal::NoCurrentAbsence(elder.id.clone()).into());
            };
            absences::end(&tx, absence.id, today, actor, times.real)?;
            (today, absence.to)
        }
    };
    let current = schedule.current_round(times.settle_until());
    let joined = schedule.round_at(elder.added_at, &elder.own);
    let mut round = Round::new(first_day, crate::domain::Slot::Morning).max(joined);
    let last = Round::new(last_day, crate::domain::Slot::Evening).min(current);
    let entry = elder.entry();
    while round <= last {
        refresh_elder_round(&tx, &schedule, &entry, round, times)?;
        round = round.next();
    }
    tx.commit().context("saving the absence")?;
    Ok((elder, first_day, last_day))
}

/// Every kept outcome and tally of the settled rounds against a fresh judgement of the round from
/// its checks, absences and roster: the differences, one line each (none when the facts hold).
pub fn facts_against_checks(
    conn: &Connection,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> super::db::Result<Vec<String>> {
    let roster = elders::roster(conn)?;
    let mut differences = Vec::new();
    for round in facts::settled_rounds(conn)? {
        let live = judge_round(conn, schedule, &roster, round, now)?;
        let fresh: Vec<(&str, &str, settle::RoundFact)> = live
            .iter()
            .map(|row| {
                (
                    row.elder.id.as_str(),
                    row.elder.grid.as_str(),
                    settle::RoundFact {
                        status: row.status,
                        late: row.late,
                        check_id: row.decisive.as_ref().map(|check| check.id.clone()),
                        severity: row.severity,
                        streak: row.streak,
                    },
                )
            })
            .collect();
        // The copy of the deciding check kept with each outcome is held to the check itself.
        let mut kept: HashMap<String, (settle::RoundFact, Option<Check>)> =
            facts::with_checks(conn, round)?
                .into_iter()
                .map(|(elder_id, fact, check)| (elder_id, (fact, check)))
                .collect();
        for ((elder_id, _, fact), row) in fresh.iter().zip(&live) {
            match kept.remove(*elder_id) {
                Some((k, check)) if k == *fact && check == row.decisive => {}
                other => differences.push(format!(
                    "{round} {elder_id}: kept {other:?}, judged {fact:?} {:?}",
                    row.decisive
                )),
            }
        }
        for elder_id in kept.keys() {
            differences.push(format!("{round} {elder_id}: kept but not listed"));
        }
        let mut want = facts::Tally::of(round, fresh.iter().map(|(_, grid, fact)| (*grid, fact)));
        want.sort_by(|a, b| a.grid.cmp(&b.grid));
        let mut got = facts::tallies(conn, round, round)?;
        got.retain(|tally| tally.listed > 0);
        if got != want {
            differences.push(format!("{round}: tallies kept {got:?}, judged {want:?}"));
        }
    }
    Ok(differences)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Slot;
    use crate::domain::window::OwnWindows;

    fn elder(id: &str) -> Arc<RosterEntry> {
        Arc::new(RosterEntry {
            id: id.into(),
            name: format!("name of {id}"),
            address: String::new(),
            grid: "第一网格".into(),
            window_hint: None,
            route: None,
            own: OwnWindows::default(),
            added_at: DateTime::UNIX_EPOCH,
            archived_at: None,
        })
    }

    /// A settled round's kept outcomes come in elder id order; its rows follow the roster, in
    /// whatever order the roster has its ids (the ones that follow the route are found without a
    /// search): each elder listed once, none that was not kept.
    #[test]
    fn rule_a_settled_rounds_rows_follow_the_roster_whatever_the_order_of_its_ids() {
        let schedule = Schedule::default();
        let round = Round {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("a date"),
            slot: Slot::Evening,
        };
        let statuses = [
            Status::Ok,
            Status::Alert,
            Status::Missed,
            Status::Unclear,
            Status::Ok,
        ];
        let kept = || {
            statuses
                .iter()
                .enumerate()
                .map(|(index, status)| {
                    let fact = settle::RoundFact {
                        status: *status,
                        late: false,
                        check_id: None,
                        severity: None,
                        streak: 0,
                    };
                    (format!("A{}", index + 1), fact, None)
                })
                .collect::<Vec<_>>()
        };
        let cases: [(&str, &[&str], &[&str]); 5] = [
            (
                "ids in route order",
                &["A1", "A2", "A3", "A4", "A5"],
                &["A1", "A2", "A3", "A4", "A5"],
            ),
            (
                "reversed",
                &["A5", "A4", "A3", "A2", "A1"],
                &["A5", "A4", "A3", "A2", "A1"],
            ),
            (
                "shuffled",
                &["A3", "A1", "A5", "A2", "A4"],
                &["A3", "A1", "A5", "A2", "A4"],
            ),
            (
                "an id twice",
                &["A2", "A2", "A3", "A1"],
                &["A2", "A3", "A1"],
            ),
            ("one not kept", &["A9", "A1", "A0", "A2"], &["A1", "A2"]),
        ];
        for (case, roster, listed) in cases {
            let roster: Vec<_> = roster.iter().map(|id| elder(id)).collect();
            let records = RoundRecords::Settled {
                kept: kept(),
                flags: HashMap::new(),
            };
            let rows = records.statuses(&schedule, &roster, round, DateTime::UNIX_EPOCH);
            let got: Vec<(&str, Status)> = rows
                .iter()
                .map(|row| (row.elder.id.as_str(), row.status))
                .collect();
            let want: Vec<(&str, Status)> = listed
                .iter()
                .map(|id| {
                    let index: usize = id[1..].parse().expect("a number");
                    (*id, statuses[index - 1])
                })
                .collect();
            assert_eq!(got, want, "{case}");
        }
    }
}
