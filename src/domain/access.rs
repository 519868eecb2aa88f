//! Who may do what: the roles, what each may do, on which grids, the PIN policy and the lockout
//! after wrong PINs. A database with no users is one person's own, who may do everything.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Volunteer,
    GridWorker,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Volunteer, Role::GridWorker, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::GridWorker => "grid_worker",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ();

    fn from_str(text: &str) -> Result<Role, ()> {
        match text.trim().to_lowercase().replace('-', "_").as_str() {
            "volunteer" | "志愿者" => Ok(Role::Volunteer),
            "grid_worker" | "网格员" => Ok(Role::GridWorker),
            "admin" | "管理员" => Ok(Role::Admin),
            _ => Err(()),
        }
    }
}

/// Something a person asks to do that changes data or lets personal data out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Record, correct or undo a check.
    RecordCheck,
    /// Add a note to a flag's log.
    WriteNote,
    /// Log a call-ladder step (phoned, knocked, …) on a flag.
    FollowUp,
    Resolve,
    MarkAbsence,
    EditRoster,
    /// Phone numbers in full, not masked.
    SeePhones,
    /// Write the ledger, with every phone number, to a file.
    ExportLedger,
    /// Copy the whole database.
    Backup,
    /// Send test messages, retry failed deliveries.
    ManageNotifications,
    ManageUsers,
}

/// The rule of the roles: a volunteer records checks and notes; a grid worker also follows up,
/// resolves, marks absences and edits the roster; an admin does everything.
pub fn allows(role: Role, capability: Capability) -> bool {
    use Capability::*;
    match role {
        Role::Admin => true,
        Role::GridWorker => !matches!(capability, Backup | ManageUsers),
        Role::Volunteer => matches!(capability, RecordCheck | WriteNote),
    }
}

/// The grids a person works on: every grid, or a set of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Grids {
    #[default]
    Every,
    Only(BTreeSet<String>),
}

impl Grids {
    /// An admin works on every grid; others on the grids they were given, or every grid when
    /// none were given (a community with one grid).
    pub fn for_role(role: Role, given: BTreeSet<String>) -> Grids {
        if role == Role::Admin || given.is_empty() {
            Grids::Every
        } else {
            Grids::Only(given)
        }
    }

    pub fn covers(&self, grid: &str) -> bool {
        match self {
            Grids::Every => true,
            Grids::Only(grids) => grids.contains(grid),
        }
    }

    pub fn is_every(&self) -> bool {
        matches!(self, Grids::Every)
    }
}

/// Who is acting, once known: the named user of a database with users, or the owner of a
/// database without any (`role` is `None`: she may do everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: Option<Role>,
    pub grids: Grids,
}

impl Actor {
    pub fn owner(name: &str) -> Actor {
        Actor {
            name: name.to_string(),
            role: None,
            grids: Grids::Every,
        }
    }

    pub fn can(&self, capability: Capability) -> bool {
        self.role.is_none_or(|role| allows(role, capability))
    }

    /// Whether the actor may do this to an elder of this grid.
    pub fn can_on(&self, capability: Capability, grid: &str) -> bool {
        self.can(capability) && self.grids.covers(grid)
    }
}

/// A PIN the policy refuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinProblem {
    TooShort,
    TooLong,
    /// Spaces or control characters: they can't be typed the same way twice.
    Unprintable,
    /// `0000`, `1111`…: the first PIN anyone tries.
    OneDigitRepeated,
}

pub const PIN_MIN: usize = 4;
pub const PIN_MAX: usize = 64;

pub fn check_pin_policy(pin: &str) -> Result<(), PinProblem> {
    let count = pin.chars().count();
    if count < PIN_MIN {
        return Err(PinProblem::TooShort);
    }
    if count > PIN_MAX {
        return Err(PinProblem::TooLong);
    }
    if pin.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(PinProblem::Unprintable);
    }
    let mut chars = pin.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(PinProblem::OneDigitRepeated);
    }
    Ok(())
}

/// Wrong PINs in a row before the user is locked out for [`LOCKOUT_MINUTES`]: enough for a
/// slip of cold fingers, too few to guess a 4-digit PIN over SSH.
pub const MAX_FAILED_ATTEMPTS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 5;

/// After a wrong PIN: the count of failures so far (this one included) and when the user is
/// locked until, if this failure locks them.
pub fn after_failed_attempt(
    failures_before: i64,
    now: DateTime<Utc>,
) -> (i64, Option<DateTime<Utc>>) {
    let failures = failures_before + 1;
    if failures >= MAX_FAILED_ATTEMPTS {
        (failures, Some(now + Duration::minutes(LOCKOUT_MINUTES)))
    } else {
        (failures, None)
    }
}

pub fn is_locked(locked_until: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    locked_until.is_some_and(|until| now < until)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Capability::*;

    #[test]
    fn rule_roles_allow_exactly_their_capabilities() {
        let every = [
            RecordCheck,
            WriteNote,
            FollowUp,
            Resolve,
            MarkAbsence,
            EditRoster,
            SeePhones,
            ExportLedger,
            Backup,
            ManageNotifications,
            ManageUsers,
        ];
        let volunteer = [RecordCheck, WriteNote];
        let grid_worker = [
            RecordCheck,
            WriteNote,
            FollowUp,
            Resolve,
            MarkAbsence,
            EditRoster,
            SeePhones,
            ExportLedger,
            ManageNotifications,
        ];
        for capability in every {
            assert_eq!(
                allows(Role::Volunteer, capability),
                volunteer.contains(&capability),
                "volunteer {capability:?}"
            );
            assert_eq!(
                allows(Role::GridWorker, capability),
                grid_worker.contains(&capability),
                "grid worker {capability:?}"
            );
            assert!(allows(Role::Admin, capability), "admin {capability:?}");
            assert!(Actor::owner("me").can(capability), "owner {capability:?}");
        }
    }

    #[test]
    fn rule_grids_bound_what_a_non_admin_may_touch() {
        let mine: BTreeSet<String> = ["第一网格".to_string()].into();
        let cases = [
            (Role::Volunteer, mine.clone(), "第一网格", true),
            (Role::Volunteer, mine.clone(), "第二网格", false),
            (Role::GridWorker, mine.clone(), "第二网格", false),
            (Role::Admin, mine.clone(), "第二网格", true),
            (Role::Volunteer, BTreeSet::new(), "第二网格", true),
        ];
        for (role, given, grid, want) in cases {
            let actor = Actor {
                name: "x".into(),
                role: Some(role),
                grids: Grids::for_role(role, given.clone()),
            };
            assert_eq!(
                actor.can_on(RecordCheck, grid),
                want,
                "{role} on {grid} given {given:?}"
            );
        }
    }

    #[test]
    fn rule_pin_policy() {
        let cases = [
            ("", Err(PinProblem::TooShort)),
            ("123", Err(PinProblem::TooShort)),
            ("1234", Ok(())),
            ("0000", Err(PinProblem::OneDigitRepeated)),
            ("12 34", Err(PinProblem::Unprintable)),
            ("窗帘开了", Ok(())),
            (&"12".repeat(33), Err(PinProblem::TooLong)),
        ];
        for (pin, want) in cases {
            assert_eq!(check_pin_policy(pin), want, "{pin:?}");
        }
    }

    #[test]
    fn rule_lockout_after_five_wrong_pins() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(after_failed_attempt(0, now), (1, None));
        assert_eq!(after_failed_attempt(3, now), (4, None));
        let (failures, until) = after_failed_attempt(4, now);
        assert_eq!(failures, 5);
        let until = until.unwrap();
        assert!(is_locked(Some(until), now + Duration::minutes(4)));
        assert!(!is_locked(Some(until), now + Duration::minutes(5)));
        assert!(!is_locked(None, now));
    }

    #[test]
    fn roles_parse_in_both_languages() {
        assert_eq!("grid-worker".parse(), Ok(Role::GridWorker));
        assert_eq!("网格员".parse(), Ok(Role::GridWorker));
        assert_eq!("Admin".parse(), Ok(Role::Admin));
        assert_eq!("boss".parse::<Role>(), Err(()));
    }
}
