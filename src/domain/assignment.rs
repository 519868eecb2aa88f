//! Assignments (DESIGN.md section 2): which volunteer walks which part of a grid's route — the
//! whole grid, a set of buildings, or a range of route order. Pure.

use super::roster::building_of;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    WholeGrid,
    /// Buildings as the address names them (`6栋`, or `B区 6栋` where two areas have a 6栋).
    Buildings(Vec<String>),
    /// Route order from..=to.
    Route {
        from: i64,
        to: i64,
    },
}

impl Part {
    /// Whether an elder at `address` with route order `route` is in this part.
    pub fn covers(&self, address: &str, route: Option<i64>) -> bool {
        match self {
            Part::WholeGrid => true,
            Part::Buildings(buildings) => {
                let building = building_of(address);
                buildings.iter().any(|given| {
                    let given = given.trim();
                    !given.is_empty()
                        && (building == given || building.ends_with(&format!(" {given}")))
                })
            }
            Part::Route { from, to } => route.is_some_and(|route| (*from..=*to).contains(&route)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_an_assignment_covers_a_building_or_a_range_of_route_order() {
        let six = Part::Buildings(vec!["6栋".into()]);
        let b_six = Part::Buildings(vec!["B区 6栋".into()]);
        let route = Part::Route { from: 3, to: 8 };
        let cases = [
            (&six, "长青小区 B区 6栋 1单元 302", None, true),
            (&six, "长青小区 A区 16栋 1单元 302", None, false),
            (&b_six, "长青小区 A区 6栋 2单元 101", None, false),
            (&b_six, "长青小区 B区 6栋 2单元 101", None, true),
            (&route, "x", Some(3), true),
            (&route, "x", Some(8), true),
            (&route, "x", Some(9), false),
            (&route, "x", None, false),
            (&Part::WholeGrid, "x", None, true),
        ];
        for (part, address, order, want) in cases {
            assert_eq!(
                part.covers(address, order),
                want,
                "{part:?} {address} {order:?}"
            );
        }
    }
}
