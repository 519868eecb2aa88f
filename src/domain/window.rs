//! Windows: the time range in which checks count for a round, in the community's time zone, and
//! which round an instant belongs to. Pure: every function takes the instant it reasons about.

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::round::{Round, Slot};

/// Opening, due and closing time of one slot, as local wall-clock times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotTimes {
    pub opens: NaiveTime,
    pub due: NaiveTime,
    pub closes: NaiveTime,
}

impl SlotTimes {
    pub fn new(opens: NaiveTime, due: NaiveTime, closes: NaiveTime) -> Self {
        SlotTimes { opens, due, closes }
    }
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

/// The community's rounds: its time zone, the two windows, and the coverage below which a
/// grid's round is a patrol gap (`[rounds] gap_below`); and the other communities of the
/// database that keep a clock of their own (`[communities."南郊社区"]`), by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub tz: Tz,
    pub morning: SlotTimes,
    pub evening: SlotTimes,
    pub gap_below: super::coverage::GapBelow,
    pub communities: std::sync::Arc<std::collections::BTreeMap<String, Schedule>>,
    /// The configured community's name (`[community] name`): where an elder with no community
    /// on the roster lives.
    pub home_name: Option<String>,
}

impl Default for Schedule {
    /// DESIGN.md: morning 07:00–09:30 (due 08:00), evening 19:30–22:00 (due 20:00), Asia/Shanghai.
    fn default() -> Self {
        Schedule {
            tz: chrono_tz::Asia::Shanghai,
            morning: SlotTimes::new(hm(7, 0), hm(8, 0), hm(9, 30)),
            evening: SlotTimes::new(hm(19, 30), hm(20, 0), hm(22, 0)),
            gap_below: super::coverage::GapBelow::default(),
            communities: Default::default(),
            home_name: None,
        }
    }
}

/// What sets an elder's windows apart from the schedule's: the community they live in, when it
/// keeps its own time zone and windows, and their own window for a slot, which replaces the
/// community's (one who always opens at 09:00).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnWindows {
    pub morning: Option<(NaiveTime, NaiveTime)>,
    pub evening: Option<(NaiveTime, NaiveTime)>,
    /// The elder's community as the roster names it; `None` (or a name the config does not
    /// give a clock of its own) is the configured community.
    pub community: Option<String>,
}

impl OwnWindows {
    /// Neither own hours nor a community of their own: the schedule's windows as they are.
    pub fn is_plain(&self) -> bool {
        self.morning.is_none() && self.evening.is_none() && self.community.is_none()
    }
}

/// A round's window as instants. Both ends belong to the window: a check at exactly the closing
/// time is on time, and the window has closed only once `now` is past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub opens: DateTime<Utc>,
    pub closes: DateTime<Utc>,
}

impl Window {
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.opens <= at && at <= self.closes
    }

    pub fn has_opened(&self, now: DateTime<Utc>) -> bool {
        now >= self.opens
    }

    pub fn has_closed(&self, now: DateTime<Utc>) -> bool {
        now > self.closes
    }

    /// A check seen after the window closed still counts, marked late.
    pub fn is_late(&self, seen_at: DateTime<Utc>) -> bool {
        seen_at > self.closes
    }
}

/// Local wall-clock time to an instant. In a DST gap the time does not exist: take the first
/// instant after it; in an overlap take the earlier one, so windows never shrink.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(early, _) => early.with_timezone(&Utc),
        LocalResult::None => {
            let later = local + chrono::Duration::hours(1);
            match tz.from_local_datetime(&later) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                LocalResult::None => Utc.from_utc_datetime(&local),
            }
        }
    }
}

impl Schedule {
    /// The schedule of the elder's community: its own where the config gives it one.
    pub fn zone_of(&self, own: &OwnWindows) -> &Schedule {
        own.community
            .as_deref()
            .and_then(|name| self.communities.get(name))
            .unwrap_or(self)
    }

    /// Whether the elder keeps the configured community's clock (their own hours aside).
    pub fn is_home_zone(&self, own: &OwnWindows) -> bool {
        std::ptr::eq(self.zone_of(own), self)
    }

    /// The clocks of the database: the configured community's (`None`), then each community's
    /// that keeps its own.
    pub fn zones(&self) -> impl Iterator<Item = (Option<&str>, &Schedule)> {
        std::iter::once((None, self)).chain(
            self.communities
                .iter()
                .map(|(name, zone)| (Some(name.as_str()), zone)),
        )
    }

    /// The zone (as [`Schedule::zones`] names it) of the elders of `community`: the community
    /// itself when the config gives it a clock of its own, else `None`, the configured one's.
    pub fn zone_name(&self, community: Option<String>) -> Option<String> {
        community.filter(|name| self.communities.contains_key(name))
    }

    /// Whether an elder keeps the clock of the zone [`Schedule::zones`] names `zone`.
    pub fn in_zone(&self, zone: Option<&str>, own: &OwnWindows) -> bool {
        match zone {
            None => self.is_home_zone(own),
            Some(name) => {
                own.community.as_deref() == Some(name) && self.communities.contains_key(name)
            }
        }
    }

    /// The schedule a community keeps: its own, or the configured community's.
    pub fn of_community(&self, name: Option<&str>) -> &Schedule {
        name.and_then(|name| self.communities.get(name))
            .unwrap_or(self)
    }

    /// The latest round any community is about at `now`: how far settling may have to look.
    pub fn latest_current_round(&self, now: DateTime<Utc>) -> Round {
        self.communities
            .values()
            .map(|community| community.current_round(now))
            .fold(self.current_round(now), Round::max)
    }

    pub fn times(&self, slot: Slot) -> SlotTimes {
        match slot {
            Slot::Morning => self.morning,
            Slot::Evening => self.evening,
        }
    }

    /// The community's window for a round.
    pub fn window(&self, round: Round) -> Window {
        let times = self.times(round.slot);
        self.window_between(round.date, times.opens, times.closes)
    }

    /// The window that applies to one elder: their own where the roster gives one, in their
    /// community's time zone, else their community's.
    pub fn window_for(&self, round: Round, own: &OwnWindows) -> Window {
        let zone = self.zone_of(own);
        if !std::ptr::eq(zone, self) {
            return zone.window_for(round, own);
        }
        let own = match round.slot {
            Slot::Morning => own.morning,
            Slot::Evening => own.evening,
        };
        match own {
            Some((opens, closes)) => self.window_between(round.date, opens, closes),
            None => self.window(round),
        }
    }

    /// A window that closes at or before it opens runs past midnight into the next day.
    fn window_between(&self, date: NaiveDate, opens: NaiveTime, closes: NaiveTime) -> Window {
        let close_date = if closes <= opens {
            date.checked_add_days(Days::new(1)).unwrap_or(date)
        } else {
            date
        };
        Window {
            opens: local_to_utc(self.tz, date.and_time(opens)),
            closes: local_to_utc(self.tz, close_date.and_time(closes)),
        }
    }

    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// The round a check seen at `at` belongs to when none is named: the round whose window
    /// contains it; outside every window, the most recent round whose window has opened.
    pub fn round_at(&self, at: DateTime<Utc>, own: &OwnWindows) -> Round {
        let zone = self.zone_of(own);
        if !std::ptr::eq(zone, self) {
            return zone.round_at(at, own);
        }
        let today = self.local_date(at);
        let mut round = Round::new(
            today.checked_add_days(Days::new(1)).unwrap_or(today),
            Slot::Evening,
        );
        // Walk back from tomorrow evening: a window that runs past midnight may hold `at`.
        for _ in 0..8 {
            // Windows do not overlap, so the latest window to have opened is the one that
            // contains `at`, if any does.
            if self.window_for(round, own).has_opened(at) {
                return round;
            }
            round = round.prev();
        }
        round
    }

    /// The round a check seen at `at` belongs to when none is named (DESIGN.md section 3): the
    /// round whose window contains it — a time inside the community's window counts for that
    /// round even for an elder whose own window opens later — and, in the two hours after a
    /// window closes, that round (late). At any other time there is no round for it: `Err` holds
    /// the next round to open, for the refusal to name.
    pub fn round_for_check(&self, at: DateTime<Utc>, own: &OwnWindows) -> Result<Round, Round> {
        let zone = self.zone_of(own);
        if !std::ptr::eq(zone, self) {
            return zone.round_for_check(at, own);
        }
        let community = self.current_round(at);
        if self.window(community).contains(at) && !self.window_for(community, own).has_closed(at) {
            return Ok(community);
        }
        let round = self.round_at(at, own);
        if at <= self.window_for(round, own).closes + LATE_GRACE {
            return Ok(round);
        }
        Err(self.upcoming_round(at))
    }

    /// The earliest a check naming `round` may have been seen: an hour before its window (or the
    /// community's, whichever opens first) opens.
    pub fn earliest_check(&self, round: Round, own: &OwnWindows) -> DateTime<Utc> {
        let zone = self.zone_of(own);
        if !std::ptr::eq(zone, self) {
            return zone.earliest_check(round, own);
        }
        self.window_for(round, own)
            .opens
            .min(self.window(round).opens)
            - EARLY_GRACE
    }

    /// The round a patrol is about now, by the community's windows.
    pub fn current_round(&self, now: DateTime<Utc>) -> Round {
        self.round_at(now, &OwnWindows::default())
    }

    /// The next round to open after `now` (what a patrol getting ready at 06:50 is about to walk).
    pub fn upcoming_round(&self, now: DateTime<Utc>) -> Round {
        let mut round = self.current_round(now);
        while self.window(round).has_opened(now) {
            round = round.next();
        }
        round
    }
}

/// How long after a window closes an unnamed check still belongs to its round (late).
pub const LATE_GRACE: chrono::Duration = chrono::Duration::hours(2);
/// How long before a window opens a check naming its round may have been seen (early).
pub const EARLY_GRACE: chrono::Duration = chrono::Duration::hours(1);

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap();
        local_to_utc(chrono_tz::Asia::Shanghai, local)
    }

    fn round(text: &str) -> Round {
        text.parse().unwrap()
    }

    fn late_morning() -> OwnWindows {
        OwnWindows {
            morning: Some((hm(8, 0), hm(10, 30))),
            evening: None,
            community: None,
        }
    }

    #[test]
    fn rule_a_check_belongs_to_the_round_whose_window_contains_it_else_the_most_recent() {
        let schedule = Schedule::default();
        let cases = [
            // (seen at, own windows, round, late)
            (
                "2026-11-22 07:00:00",
                OwnWindows::default(),
                "2026-11-22/morning",
                false,
            ), // opening edge
            (
                "2026-11-22 08:00:00",
                OwnWindows::default(),
                "2026-11-22/morning",
                false,
            ),
            (
                "2026-11-22 09:30:00",
                OwnWindows::default(),
                "2026-11-22/morning",
                false,
            ), // closing edge
            (
                "2026-11-22 09:30:01",
                OwnWindows::default(),
                "2026-11-22/morning",
                true,
            ),
            (
                "2026-11-22 09:45:00",
                OwnWindows::default(),
                "2026-11-22/morning",
                true,
            ), // late but counts
            (
                "2026-11-22 19:29:59",
                OwnWindows::default(),
                "2026-11-22/morning",
                true,
            ),
            (
                "2026-11-22 19:30:00",
                OwnWindows::default(),
                "2026-11-22/evening",
                false,
            ),
            (
                "2026-11-22 22:00:00",
                OwnWindows::default(),
                "2026-11-22/evening",
                false,
            ),
            (
                "2026-11-22 23:59:59",
                OwnWindows::default(),
                "2026-11-22/evening",
                true,
            ),
            (
                "2026-11-23 00:00:00",
                OwnWindows::default(),
                "2026-11-22/evening",
                true,
            ), // after midnight
            (
                "2026-11-23 06:59:59",
                OwnWindows::default(),
                "2026-11-22/evening",
                true,
            ),
            (
                "2026-11-22 09:45:00",
                late_morning(),
                "2026-11-22/morning",
                false,
            ), // own window
            (
                "2026-11-22 10:30:01",
                late_morning(),
                "2026-11-22/morning",
                true,
            ),
            (
                "2026-11-22 07:30:00",
                late_morning(),
                "2026-11-21/evening",
                true,
            ),
        ];
        for (seen, own, want_round, want_late) in cases {
            let seen_at = at(seen);
            let got = schedule.round_at(seen_at, &own);
            assert_eq!(got, round(want_round), "seen {seen} own {own:?}");
            let late = schedule.window_for(got, &own).is_late(seen_at);
            assert_eq!(late, want_late, "late for seen {seen} own {own:?}");
        }
    }

    /// Two communities: the configured one on Beijing time, 西郊社区 on Ürümqi time (UTC+6),
    /// with the same wall-clock windows.
    fn two_communities() -> Schedule {
        let home = Schedule::default();
        let west = Schedule {
            tz: chrono_tz::Asia::Urumqi,
            ..home.clone()
        };
        Schedule {
            communities: std::sync::Arc::new([("西郊社区".to_string(), west)].into()),
            ..home
        }
    }

    fn of(community: Option<&str>) -> OwnWindows {
        OwnWindows {
            community: community.map(str::to_string),
            ..OwnWindows::default()
        }
    }

    #[test]
    fn rule_each_community_rounds_by_its_own_clock() {
        let schedule = two_communities();
        // Seen at (Beijing time), community, round it belongs to, late.
        let cases = [
            ("2026-11-22 09:45:00", None, "2026-11-22/morning", true),
            // 07:45 in Ürümqi: inside its morning window.
            (
                "2026-11-22 09:45:00",
                Some("西郊社区"),
                "2026-11-22/morning",
                false,
            ),
            (
                "2026-11-22 11:30:00",
                Some("西郊社区"),
                "2026-11-22/morning",
                false,
            ),
            (
                "2026-11-22 11:30:01",
                Some("西郊社区"),
                "2026-11-22/morning",
                true,
            ),
            // 20:30 Beijing is 18:30 in Ürümqi: still the morning round there, late.
            (
                "2026-11-22 20:30:00",
                Some("西郊社区"),
                "2026-11-22/morning",
                true,
            ),
            ("2026-11-22 20:30:00", None, "2026-11-22/evening", false),
            // A community the config gives no clock of its own keeps the configured one's.
            (
                "2026-11-22 09:45:00",
                Some("长青社区"),
                "2026-11-22/morning",
                true,
            ),
        ];
        for (seen, community, want_round, want_late) in cases {
            let own = of(community);
            let seen_at = at(seen);
            let got = schedule.round_at(seen_at, &own);
            assert_eq!(got, round(want_round), "{seen} in {community:?}");
            let late = schedule.window_for(got, &own).is_late(seen_at);
            assert_eq!(late, want_late, "late: {seen} in {community:?}");
        }
        let west = of(Some("西郊社区"));
        let morning = round("2026-11-22/morning");
        assert_eq!(
            schedule.window_for(morning, &west).closes - schedule.window(morning).closes,
            chrono::Duration::hours(2),
            "the same 09:30 closes two hours later in Ürümqi"
        );
        assert_eq!(
            schedule.round_for_check(at("2026-11-22 09:45:00"), &west),
            Ok(morning)
        );
        assert!(schedule.is_home_zone(&of(None)) && schedule.is_home_zone(&of(Some("长青社区"))));
        assert!(!schedule.is_home_zone(&west));
    }

    #[test]
    fn rule_settling_looks_as_far_as_the_latest_community_is() {
        let schedule = two_communities();
        // 07:30 in Beijing is 05:30 in Ürümqi: Beijing walks the morning, Ürümqi's night goes on.
        let now = at("2026-11-23 07:30:00");
        assert_eq!(schedule.current_round(now), round("2026-11-23/morning"));
        assert_eq!(
            schedule.communities["西郊社区"].current_round(now),
            round("2026-11-22/evening")
        );
        assert_eq!(
            schedule.latest_current_round(now),
            round("2026-11-23/morning")
        );
    }

    #[test]
    fn rule_a_check_inside_the_community_window_belongs_to_that_round_even_before_an_own_window() {
        let schedule = Schedule::default();
        let early_evening = OwnWindows {
            morning: None,
            evening: Some((hm(18, 30), hm(21, 0))),
            community: None,
        };
        let cases = [
            ("2026-11-22 07:30:00", late_morning(), "2026-11-22/morning"),
            ("2026-11-22 09:45:00", late_morning(), "2026-11-22/morning"),
            (
                "2026-11-22 18:45:00",
                early_evening.clone(),
                "2026-11-22/evening",
            ),
            (
                "2026-11-22 21:30:00",
                early_evening.clone(),
                "2026-11-22/evening",
            ),
        ];
        for (seen, own, want) in cases {
            assert_eq!(
                schedule.round_for_check(at(seen), &own),
                Ok(round(want)),
                "{seen}"
            );
        }
    }

    #[test]
    fn rule_an_unnamed_check_belongs_to_the_window_it_was_seen_in_or_the_two_hours_after() {
        let schedule = Schedule::default();
        // (seen, the elder's own windows, the round it belongs to, or Err(the next round))
        let cases = [
            (
                "2026-11-22 06:59:59",
                OwnWindows::default(),
                Err("2026-11-22/morning"),
            ),
            (
                "2026-11-22 06:55:00",
                OwnWindows::default(),
                Err("2026-11-22/morning"),
            ),
            (
                "2026-11-22 07:00:00",
                OwnWindows::default(),
                Ok("2026-11-22/morning"),
            ),
            (
                "2026-11-22 09:30:00",
                OwnWindows::default(),
                Ok("2026-11-22/morning"),
            ),
            (
                "2026-11-22 11:30:00",
                OwnWindows::default(),
                Ok("2026-11-22/morning"),
            ),
            (
                "2026-11-22 11:31:00",
                OwnWindows::default(),
                Err("2026-11-22/evening"),
            ),
            (
                "2026-11-22 19:29:00",
                OwnWindows::default(),
                Err("2026-11-22/evening"),
            ),
            (
                "2026-11-22 23:59:00",
                OwnWindows::default(),
                Ok("2026-11-22/evening"),
            ),
            (
                "2026-11-23 00:01:00",
                OwnWindows::default(),
                Err("2026-11-23/morning"),
            ),
            (
                "2026-11-22 06:30:00",
                late_morning(),
                Err("2026-11-22/morning"),
            ),
            (
                "2026-11-22 12:20:00",
                late_morning(),
                Ok("2026-11-22/morning"),
            ),
        ];
        for (seen, own, want) in cases {
            let want = want.map(round).map_err(round);
            assert_eq!(schedule.round_for_check(at(seen), &own), want, "{seen}");
        }
    }

    #[test]
    fn rule_a_check_naming_its_round_may_be_seen_from_an_hour_before_it_opens() {
        let schedule = Schedule::default();
        let cases = [
            (
                "2026-11-22/morning",
                OwnWindows::default(),
                "2026-11-22 06:00:00",
            ),
            (
                "2026-11-22/evening",
                OwnWindows::default(),
                "2026-11-22 18:30:00",
            ),
            ("2026-11-22/morning", late_morning(), "2026-11-22 06:00:00"),
        ];
        for (named, own, earliest) in cases {
            assert_eq!(
                schedule.earliest_check(round(named), &own),
                at(earliest),
                "{named}"
            );
        }
    }

    #[test]
    fn rule_a_window_that_closes_past_midnight_runs_into_the_next_day() {
        let schedule = Schedule {
            evening: SlotTimes::new(hm(21, 0), hm(22, 0), hm(0, 30)),
            ..Schedule::default()
        };
        let cases = [
            ("2026-11-23 00:15:00", "2026-11-22/evening", false),
            ("2026-11-23 00:30:00", "2026-11-22/evening", false),
            ("2026-11-23 00:31:00", "2026-11-22/evening", true),
        ];
        for (seen, want_round, want_late) in cases {
            let seen_at = at(seen);
            let got = schedule.round_at(seen_at, &OwnWindows::default());
            assert_eq!(got, round(want_round), "{seen}");
            assert_eq!(schedule.window(got).is_late(seen_at), want_late, "{seen}");
        }
    }

    #[test]
    fn rule_a_window_has_closed_only_after_its_closing_second() {
        let window = Schedule::default().window(round("2026-11-22/morning"));
        assert!(!window.has_closed(at("2026-11-22 09:30:00")));
        assert!(window.has_closed(at("2026-11-22 09:30:01")));
        assert!(!window.has_opened(at("2026-11-22 06:59:59")));
        assert!(window.has_opened(at("2026-11-22 07:00:00")));
    }

    #[test]
    fn windows_are_local_time_and_stored_as_utc() {
        let window = Schedule::default().window(round("2026-11-22/morning"));
        assert_eq!(window.opens.to_rfc3339(), "2026-11-21T23:00:00+00:00");
        assert_eq!(window.closes.to_rfc3339(), "2026-11-22T01:30:00+00:00");
    }

    #[test]
    fn the_upcoming_round_is_the_next_to_open() {
        let schedule = Schedule::default();
        let cases = [
            ("2026-11-22 06:50:00", "2026-11-22/morning"),
            ("2026-11-22 08:00:00", "2026-11-22/evening"),
            ("2026-11-22 23:00:00", "2026-11-23/morning"),
        ];
        for (now, want) in cases {
            assert_eq!(schedule.upcoming_round(at(now)), round(want), "{now}");
        }
    }
}
