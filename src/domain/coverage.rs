//! Coverage (DESIGN.md sections 2 and 3): of a round and a grid, how many of the listed elders
//! were checked — the patrol's own record — and the threshold below which a closed round is a
//! patrol gap. Pure counting over statuses the rules already decided.

use serde::Serialize;

use super::status::Status;

/// `[rounds] gap_below`: a grid's round closes as a patrol gap when fewer than this share of its
/// listed elders were checked. Kept in thousandths so that the edge (7 of 15 is a gap, 8 is not;
/// 5 of 10 is not) is exact integer arithmetic, never a float compared for equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GapBelow {
    thousandths: u32,
}

impl Default for GapBelow {
    /// DESIGN.md: `gap_below = 0.5`.
    fn default() -> Self {
        GapBelow { thousandths: 500 }
    }
}

impl GapBelow {
    /// A share from 0 (never a gap) to 1 (a gap unless every listed elder was checked);
    /// `None` outside that range or not a number.
    pub fn from_share(share: f64) -> Option<GapBelow> {
        if !share.is_finite() || !(0.0..=1.0).contains(&share) {
            return None;
        }
        // In range 0..=1000 after the check above: the cast cannot truncate.
        let thousandths = (share * 1000.0).round() as u32;
        Some(GapBelow { thousandths })
    }

    pub fn share(self) -> f64 {
        f64::from(self.thousandths) / 1000.0
    }

    /// Whether `checked` of `listed` is below the threshold. Nobody listed is never below it:
    /// a round with nobody to walk past has no gap.
    pub fn is_below(self, checked: u32, listed: u32) -> bool {
        listed > 0 && u64::from(checked) * 1000 < u64::from(listed) * u64::from(self.thousandths)
    }
}

/// The counts of one grid's round. `listed` are the elders expected at a window (on the roster
/// for the round and not away); `checked` of them have a check that stands, `late` of those were
/// seen after the window closed; `missed` have none and the window has closed, `pending` have
/// none yet. `away` elders are counted apart and never listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub listed: u32,
    pub checked: u32,
    pub late: u32,
    pub away: u32,
    pub missed: u32,
    pub pending: u32,
}

impl Coverage {
    /// Counts one elder's status for the round (`late`: the check that stands was seen after
    /// the window closed). An elder not on the roster for the round is not counted at all.
    pub fn count(&mut self, status: Status, late: bool) {
        self.step(status, late, |n| n.saturating_add(1));
    }

    /// Takes back what [`Coverage::count`] counted: an elder's status that has changed since
    /// (a screen keeps its counts as other terminals' checks come in).
    pub fn uncount(&mut self, status: Status, late: bool) {
        self.step(status, late, |n| n.saturating_sub(1));
    }

    /// Moves each count a status stands in.
    fn step(&mut self, status: Status, late: bool, by: impl Fn(u32) -> u32) {
        match status {
            Status::Away => self.away = by(self.away),
            Status::Missed => {
                self.listed = by(self.listed);
                self.missed = by(self.missed);
            }
            Status::Pending => {
                self.listed = by(self.listed);
                self.pending = by(self.pending);
            }
            Status::Ok | Status::Alert | Status::Unclear => {
                self.listed = by(self.listed);
                self.checked = by(self.checked);
                if late {
                    self.late = by(self.late);
                }
            }
        }
    }

    /// The coverage of a settled round from its kept counts (`store::facts` tallies), where
    /// `listed` counts every elder on the roster for the round, those away too: away elders are
    /// not listed for coverage, and nothing is pending once the round has settled.
    pub fn kept(listed: u32, checked: u32, late: u32, away: u32, missed: u32) -> Coverage {
        Coverage {
            listed: listed.saturating_sub(away),
            checked,
            late,
            away,
            missed,
            pending: 0,
        }
    }

    /// The counts of many elders' statuses.
    pub fn of(statuses: impl IntoIterator<Item = (Status, bool)>) -> Coverage {
        let mut coverage = Coverage::default();
        for (status, late) in statuses {
            coverage.count(status, late);
        }
        coverage
    }

    /// Checked within the window.
    pub fn on_time(&self) -> u32 {
        self.checked.saturating_sub(self.late)
    }

    /// Whether the round stands below the threshold (a gap once its window has closed, an early
    /// warning before).
    pub fn is_below(&self, gap_below: GapBelow) -> bool {
        gap_below.is_below(self.checked, self.listed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(counts: &[(Status, bool, u32)]) -> Coverage {
        Coverage::of(
            counts
                .iter()
                .flat_map(|&(status, late, n)| std::iter::repeat_n((status, late), n as usize)),
        )
    }

    #[test]
    fn rule_an_uncounted_status_leaves_the_coverage_as_if_never_counted() {
        let base = of(&[(Status::Ok, false, 3), (Status::Pending, false, 2)]);
        for (status, late) in [
            (Status::Ok, false),
            (Status::Ok, true),
            (Status::Alert, true),
            (Status::Unclear, false),
            (Status::Missed, false),
            (Status::Pending, false),
            (Status::Away, false),
        ] {
            let mut coverage = base;
            coverage.count(status, late);
            assert_ne!(coverage, base, "{status:?} late {late} is counted");
            coverage.uncount(status, late);
            assert_eq!(coverage, base, "{status:?} late {late} taken back");
        }
        // Nothing below zero: taking back what was never counted changes nothing there.
        let mut empty = Coverage::default();
        empty.uncount(Status::Ok, true);
        assert_eq!(empty, Coverage::default());
    }

    #[test]
    fn rule_coverage_is_how_many_of_the_listed_elders_were_checked() {
        let coverage = of(&[
            (Status::Ok, false, 5),
            (Status::Alert, false, 1),
            (Status::Unclear, true, 1),
            (Status::Ok, true, 1),
            (Status::Missed, false, 6),
            (Status::Away, false, 2),
        ]);
        assert_eq!(
            coverage,
            Coverage {
                listed: 14,
                checked: 8,
                late: 2,
                away: 2,
                missed: 6,
                pending: 0,
            }
        );
        assert_eq!(coverage.on_time(), 6);
    }

    #[test]
    fn rule_away_elders_do_not_count_as_listed() {
        // 7 checked of 15 listed is a gap; three more elders away do not make it 7 of 18, nor
        // does their absence make 7 of 12 out of it.
        let coverage = of(&[
            (Status::Ok, false, 7),
            (Status::Missed, false, 8),
            (Status::Away, false, 3),
        ]);
        assert_eq!(coverage.listed, 15);
        assert_eq!(coverage.away, 3);
        assert!(coverage.is_below(GapBelow::default()));
        // Eight of them away: 7 of 10 listed is no gap.
        let coverage = of(&[
            (Status::Ok, false, 7),
            (Status::Missed, false, 3),
            (Status::Away, false, 8),
        ]);
        assert_eq!(coverage.listed, 10);
        assert!(!coverage.is_below(GapBelow::default()));
    }

    #[test]
    fn rule_a_round_closes_as_a_gap_with_fewer_than_gap_below_of_its_listed_elders_checked() {
        let half = GapBelow::default();
        let cases = [
            // (checked, listed, below 0.5)
            (7, 15, true),
            (8, 15, false),
            (0, 15, true),
            (15, 15, false),
            (4, 10, true),
            (5, 10, false),
            (0, 1, true),
            (1, 1, false),
            (0, 0, false),
        ];
        for (checked, listed, want) in cases {
            assert_eq!(
                half.is_below(checked, listed),
                want,
                "{checked} of {listed}"
            );
        }
    }

    #[test]
    fn rule_the_threshold_is_config_and_stays_between_0_and_1() {
        let third = GapBelow::from_share(1.0 / 3.0).unwrap();
        assert!(third.is_below(4, 15));
        assert!(!third.is_below(5, 15));
        let never = GapBelow::from_share(0.0).unwrap();
        assert!(!never.is_below(0, 15));
        let all = GapBelow::from_share(1.0).unwrap();
        assert!(all.is_below(14, 15));
        assert!(!all.is_below(15, 15));
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert_eq!(GapBelow::from_share(bad), None, "{bad}");
        }
        assert!(!GapBelow::default().is_below(u32::MAX, u32::MAX));
    }
}
