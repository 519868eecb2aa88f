//! The string tables: every user-visible string, in zh-CN and English, read from
//! `data/i18n/*.toml` at build time. A key missing from either table fails the table's test, and
//! a key used in code but absent from the struct fails to compile.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// `zh…` is Chinese, `en…` English.
    pub fn parse(text: &str) -> Option<Lang> {
        let text = text.trim().to_lowercase();
        if text.starts_with("zh") || text == "cn" || text == "中文" {
            Some(Lang::Zh)
        } else if text.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// From the locale environment: Chinese when `LC_ALL`, `LC_MESSAGES` or `LANG` starts with
    /// `zh`, English otherwise.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|key| get(key).filter(|value| !value.is_empty()))
            .map(|value| {
                if value.to_lowercase().starts_with("zh") {
                    Lang::Zh
                } else {
                    Lang::En
                }
            })
            .next()
            .unwrap_or(Lang::En)
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

macro_rules! string_table {
    ($($key:ident),* $(,)?) => {
        /// One language's strings. Placeholders are `{name}`, filled by [`fill`].
        #[derive(Debug, Default)]
        pub struct Strings {
            $(pub $key: String,)*
        }

        /// Every key a table must have.
        pub const KEYS: &[&str] = &[$(stringify!($key)),*];

        impl Strings {
            /// Assignments into a default table, one key at a time. Not serde's derive: a
            /// derived deserializer for 400 fields keeps 400 partly built values alive across
            /// every fallible step, and LLVM's release optimiser spent over 20 minutes on it.
            fn fill(mut table: HashMap<String, String>) -> Strings {
                let mut strings = Strings::default();
                $(strings.$key = table.remove(stringify!($key)).unwrap_or_default();)*
                strings
            }
        }
    };
}

include!("i18n_keys.rs");

static ZH: LazyLock<Strings> =
    LazyLock::new(|| parse_table(include_str!("../data/i18n/zh-CN.toml")));
static EN: LazyLock<Strings> = LazyLock::new(|| parse_table(include_str!("../data/i18n/en.toml")));

/// A table's strings; refused when a key is missing, unknown, or not text.
pub fn read_table(text: &str) -> Result<Strings, String> {
    let table: HashMap<String, String> = toml::from_str(text).map_err(|e| e.to_string())?;
    let missing: Vec<&str> = KEYS
        .iter()
        .filter(|key| !table.contains_key(**key))
        .copied()
        .collect();
    let mut unknown: Vec<&str> = table
        .keys()
        .map(String::as_str)
        .filter(|key| !KEYS.contains(key))
        .collect();
    unknown.sort_unstable();
    if !missing.is_empty() || !unknown.is_empty() {
        return Err(format!(
            "missing keys {missing:?}, unknown keys {unknown:?}"
        ));
    }
    Ok(Strings::fill(table))
}

#[allow(clippy::expect_used)]
fn parse_table(text: &str) -> Strings {
    // The tables are compiled in and checked by `both_tables_are_complete`; a broken one is a
    // build mistake, not input.
    read_table(text).expect("string table in data/i18n is complete")
}

/// The strings of a language.
pub fn t(lang: Lang) -> &'static Strings {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// Fills `{name}` placeholders.
pub fn fill(template: &str, args: &[(&str, &dyn Display)]) -> String {
    let mut out = template.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), &value.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_tables_are_complete() {
        let zh = read_table(include_str!("../data/i18n/zh-CN.toml")).map(|_| ());
        let en = read_table(include_str!("../data/i18n/en.toml")).map(|_| ());
        assert!(zh.is_ok(), "zh-CN: {zh:?}");
        assert!(en.is_ok(), "en: {en:?}");
    }

    #[test]
    fn a_table_with_a_missing_or_unknown_key_is_refused() {
        let full = include_str!("../data/i18n/en.toml");
        let without: Vec<&str> = full
            .lines()
            .filter(|line| !line.starts_with("error_prefix "))
            .collect();
        let missing = read_table(&without.join("\n")).map(|_| ()).unwrap_err();
        assert!(missing.contains("error_prefix"), "{missing}");
        let extra = read_table(&format!("{full}\nno_such_key = \"x\"\n"))
            .map(|_| ())
            .unwrap_err();
        assert!(extra.contains("no_such_key"), "{extra}");
        assert_eq!(read_table(full).unwrap().error_prefix, "error: ");
    }

    #[test]
    fn the_language_follows_the_locale() {
        let cases = [
            (vec![("LANG", "zh_CN.UTF-8")], Lang::Zh),
            (vec![("LANG", "en_US.UTF-8")], Lang::En),
            (vec![("LANG", "C.UTF-8")], Lang::En),
            (
                vec![("LC_ALL", "zh_TW.UTF-8"), ("LANG", "en_US.UTF-8")],
                Lang::Zh,
            ),
            (vec![], Lang::En),
        ];
        for (env, want) in cases {
            let get = |key: &str| {
                env.iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.to_string())
            };
            assert_eq!(Lang::from_env(get), want, "{env:?}");
        }
    }

    #[test]
    fn fill_replaces_every_placeholder() {
        assert_eq!(
            fill("{a} and {b} and {a}", &[("a", &1), ("b", &"x")]),
            "1 and x and 1"
        );
    }
}

/// The words for the domain's values, in a language.
pub mod words {
    use super::{Lang, fill, t};
    use crate::domain::access::{self, Capability, PinProblem, Role};
    use crate::domain::followup::{FollowUpAction, LadderStep};
    use crate::domain::{Expected, FlagState, Observation, Outcome, Round, Severity, Slot, Status};

    pub fn status(lang: Lang, status: Status) -> &'static str {
        let s = t(lang);
        match status {
            Status::Ok => &s.status_ok,
            Status::Alert => &s.status_alert,
            Status::Unclear => &s.status_unclear,
            Status::Missed => &s.status_missed,
            Status::Pending => &s.status_pending,
            Status::Away => &s.status_away,
        }
    }

    pub fn observation(lang: Lang, observation: Observation) -> &'static str {
        let s = t(lang);
        match observation {
            Observation::Open => &s.obs_open,
            Observation::Closed => &s.obs_closed,
            Observation::Seen => &s.obs_seen,
            Observation::Unclear => &s.obs_unclear,
        }
    }

    pub fn severity(lang: Lang, severity: Severity) -> &'static str {
        let s = t(lang);
        match severity {
            Severity::Low => &s.sev_low,
            Severity::Medium => &s.sev_medium,
            Severity::High => &s.sev_high,
            Severity::Critical => &s.sev_critical,
        }
    }

    pub fn slot(lang: Lang, slot: Slot) -> &'static str {
        let s = t(lang);
        match slot {
            Slot::Morning => &s.slot_morning,
            Slot::Evening => &s.slot_evening,
        }
    }

    pub fn expected(lang: Lang, expected: Expected) -> &'static str {
        let s = t(lang);
        match expected {
            Expected::Open => &s.expect_open,
            Expected::Closed => &s.expect_closed,
        }
    }

    pub fn flag_state(lang: Lang, state: FlagState) -> &'static str {
        let s = t(lang);
        match state {
            FlagState::Open => &s.state_open,
            FlagState::Resolved => &s.state_resolved,
            FlagState::Superseded => &s.state_superseded,
        }
    }

    pub fn outcome(lang: Lang, outcome: Outcome) -> &'static str {
        let s = t(lang);
        match outcome {
            Outcome::ElderFine => &s.outcome_elder_fine,
            Outcome::NeededHelp => &s.outcome_needed_help,
            Outcome::Hospitalised => &s.outcome_hospitalised,
            Outcome::WasAway => &s.outcome_was_away,
            Outcome::PatrolGap => &s.outcome_patrol_gap,
            Outcome::FalseAlarm => &s.outcome_false_alarm,
            Outcome::Other => &s.outcome_other,
        }
    }

    pub fn follow_up(lang: Lang, action: FollowUpAction) -> &'static str {
        let s = t(lang);
        match action {
            FollowUpAction::CalledAnswered => &s.fu_called_answered,
            FollowUpAction::CalledNoAnswer => &s.fu_called_no_answer,
            FollowUpAction::Visited => &s.fu_visited,
            FollowUpAction::VisitedNoAnswer => &s.fu_visited_no_answer,
            FollowUpAction::KeyholderReached => &s.fu_keyholder_reached,
            FollowUpAction::KeyholderNoAnswer => &s.fu_keyholder_no_answer,
            FollowUpAction::ContactedFamily => &s.fu_contacted_family,
            FollowUpAction::FamilyNoAnswer => &s.fu_family_no_answer,
            FollowUpAction::CalledEmergency => &s.fu_called_emergency,
            FollowUpAction::Note => &s.fu_note,
        }
    }

    /// A follow-up log entry's action in words: a ladder step or note, or `resolved:OUTCOME`;
    /// an action this version does not know is shown as stored.
    pub fn follow_up_entry(lang: Lang, action: &str) -> String {
        if let Some(outcome) = action.strip_prefix("resolved:") {
            let outcome = outcome.parse::<Outcome>().map_or_else(
                |_| outcome.to_string(),
                |o| self::outcome(lang, o).to_string(),
            );
            return fill(&t(lang).fu_resolved, &[("outcome", &outcome)]);
        }
        FollowUpAction::parse(action)
            .map_or_else(|| action.to_string(), |a| follow_up(lang, a).to_string())
    }

    pub fn ladder_step(lang: Lang, step: LadderStep) -> &'static str {
        let s = t(lang);
        match step {
            LadderStep::PhoneElder => &s.step_phone_elder,
            LadderStep::Knock => &s.step_knock,
            LadderStep::Keyholder => &s.step_keyholder,
            LadderStep::Family => &s.step_family,
            LadderStep::Emergency => &s.step_emergency,
        }
    }

    /// `晨巡 11月22日` / `morning 22 Nov`, with the machine form for reference.
    /// A role's name; `None` is the owner of a database without users.
    pub fn role(lang: Lang, role: Option<Role>) -> &'static str {
        let s = t(lang);
        match role {
            None => &s.role_owner,
            Some(Role::Volunteer) => &s.role_volunteer,
            Some(Role::GridWorker) => &s.role_grid_worker,
            Some(Role::Admin) => &s.role_admin,
        }
    }

    pub fn capability(lang: Lang, capability: Capability) -> &'static str {
        let s = t(lang);
        match capability {
            Capability::RecordCheck => &s.cap_record_check,
            Capability::WriteNote => &s.cap_write_note,
            Capability::FollowUp => &s.cap_follow_up,
            Capability::Resolve => &s.cap_resolve,
            Capability::MarkAbsence => &s.cap_mark_absence,
            Capability::EditRoster => &s.cap_edit_roster,
            Capability::SeePhones => &s.cap_see_phones,
            Capability::ExportLedger => &s.cap_export_ledger,
            Capability::Backup => &s.cap_backup,
            Capability::ManageNotifications => &s.cap_manage_notifications,
            Capability::ManageUsers => &s.cap_manage_users,
        }
    }

    pub fn pin_problem(lang: Lang, problem: PinProblem) -> String {
        let s = t(lang);
        match problem {
            PinProblem::TooShort => fill(&s.pin_too_short, &[("min", &access::PIN_MIN)]),
            PinProblem::TooLong => fill(&s.pin_too_long, &[("max", &access::PIN_MAX)]),
            PinProblem::Unprintable => s.pin_unprintable.clone(),
            PinProblem::OneDigitRepeated => s.pin_one_digit.clone(),
        }
    }

    /// A part of a grid in words: the whole grid, buildings, or a range of route order.
    pub fn assignment_part(lang: Lang, part: &crate::domain::assignment::Part) -> String {
        use crate::domain::assignment::Part;
        let s = t(lang);
        match part {
            Part::WholeGrid => s.assign_whole_grid.clone(),
            Part::Buildings(list) => fill(&s.assign_buildings, &[("buildings", &list.join(" "))]),
            Part::Route { from, to } => fill(&s.assign_route, &[("from", from), ("to", to)]),
        }
    }

    pub fn gap_state(lang: Lang, state: crate::domain::gap::GapState) -> &'static str {
        use crate::domain::gap::GapState;
        let s = t(lang);
        match state {
            GapState::Open => &s.gap_state_open,
            GapState::Resolved => &s.gap_state_resolved,
            GapState::MadeUp => &s.gap_state_made_up,
        }
    }

    /// `第二网格 晨巡 11月30日 未巡视：已查 2/15，13 位老人漏巡`.
    pub fn gap_row(
        lang: Lang,
        grid: &str,
        round: Round,
        checked: u32,
        listed: u32,
        missed: u32,
    ) -> String {
        fill(
            &t(lang).gap_row,
            &[
                ("grid", &grid),
                ("round", &self::round(lang, round)),
                ("checked", &checked),
                ("listed", &listed),
                ("missed", &missed),
            ],
        )
    }

    /// `⚠ 晨巡 第二网格 已查 3/15，09:30 截止，负责：王阿姨、李师傅` (DESIGN.md section 3): the
    /// same words on the grid's channel and the TUI's banner.
    pub fn early_warning(
        lang: Lang,
        grid: &str,
        round: Round,
        checked: u32,
        listed: u32,
        closes: &str,
        assigned: &[String],
    ) -> String {
        let s = t(lang);
        let mut text = fill(
            &s.early_warning,
            &[
                ("slot", &slot(lang, round.slot)),
                ("grid", &grid),
                ("checked", &checked),
                ("listed", &listed),
                ("closes", &closes),
            ],
        );
        if !assigned.is_empty() {
            let separator = if lang == Lang::Zh { "、" } else { ", " };
            text.push_str(&fill(
                &s.early_warning_assigned,
                &[("names", &assigned.join(separator))],
            ));
        }
        text
    }

    pub fn round(lang: Lang, round: Round) -> String {
        let s = t(lang);
        fill(
            &s.round_words,
            &[
                ("slot", &slot(lang, round.slot)),
                ("month", &round.date.format("%-m")),
                ("day", &round.date.format("%-d")),
                ("mon", &round.date.format("%b")),
                ("round", &round),
            ],
        )
    }
}
