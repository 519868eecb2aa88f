//! The rules of DESIGN.md section 3, once: rounds, windows, status, streaks, severity and flags.
//! Pure functions of data and a given `now`: no I/O and no clock reads here.

pub mod access;
pub mod assignment;
pub mod coverage;
pub mod flag;
pub mod followup;
pub mod gap;
pub mod order;
pub mod privacy;
pub mod roster;
pub mod round;
pub mod settle;
pub mod severity;
pub mod status;
pub mod tally;
pub mod text;
pub mod time;
pub mod window;

pub use flag::{FlagChange, FlagState, KnownFlag, Outcome, SupersedeReason};
pub use round::{Expected, Round, Slot};
pub use severity::Severity;
pub use status::{CheckFact, Observation, Status};
pub use window::{OwnWindows, Schedule, SlotTimes, Window};
