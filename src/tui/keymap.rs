//! The key bindings of the screens, as data: one table per screen gives the key an action, and
//! the same entries give the footer's hints and the help overlay's lines, so what a key does and
//! what the screen says it does cannot drift apart.

use ratatui::crossterm::event::KeyCode;
use unicode_width::UnicodeWidthStr;

use super::app::{Action, Tab};
use super::roster_screen::RosterAction;
use crate::domain::Observation;
use crate::i18n::{Lang, Strings, t};

/// Where a binding shows besides the help overlay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// The screen's own work (ticking, following up): in the footer at every width, on the
    /// bottom line when the footer takes two.
    Main,
    /// In the footer at every width (help, quit).
    Always,
    /// In the footer while there is room, in table order.
    IfRoom,
    /// Only in the help overlay.
    HelpOnly,
    /// A second key for an entry above (`j` beside `↓`): neither in the footer nor in help.
    Alias,
}

/// One key (or a few that mean the same), what it does, and how it is written on screen.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: &'static [KeyCode],
    /// How the key is written in hints: `o`, `↑↓`, `Enter`.
    pub label: &'static str,
    pub hint: fn(&Strings) -> &str,
    pub action: Action,
    pub shown: Shown,
}

const fn bind(
    keys: &'static [KeyCode],
    label: &'static str,
    hint: fn(&Strings) -> &str,
    action: Action,
    shown: Shown,
) -> Binding {
    Binding {
        keys,
        label,
        hint,
        action,
        shown,
    }
}

use KeyCode::{BackTab, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Up};
use Shown::{Alias, Always, HelpOnly, IfRoom, Main};

/// Keys every screen shares in normal mode. Looked up after the screen's own table.
pub static COMMON: &[Binding] = &[
    bind(
        &[KeyCode::Tab],
        "Tab",
        |s| &s.hint_switch,
        Action::NextTab,
        IfRoom,
    ),
    bind(&[BackTab], "", |s| &s.hint_switch, Action::PrevTab, Alias),
    bind(
        &[Char('1')],
        "1-4",
        |s| &s.hint_screens,
        Action::Tab(Tab::Round),
        HelpOnly,
    ),
    bind(
        &[Char('2')],
        "",
        |s| &s.hint_screens,
        Action::Tab(Tab::Flags),
        Alias,
    ),
    bind(
        &[Char('3')],
        "",
        |s| &s.hint_screens,
        Action::Tab(Tab::History),
        Alias,
    ),
    bind(
        &[Char('4')],
        "",
        |s| &s.hint_screens,
        Action::Tab(Tab::Roster),
        Alias,
    ),
    bind(
        &[PageUp],
        "PgUp PgDn Home End",
        |s| &s.hint_page,
        Action::PageUp,
        HelpOnly,
    ),
    bind(&[PageDown], "", |s| &s.hint_page, Action::PageDown, Alias),
    bind(&[Home], "", |s| &s.hint_page, Action::First, Alias),
    bind(&[End], "", |s| &s.hint_page, Action::Last, Alias),
    bind(
        &[Char('L')],
        "L",
        |s| &s.hint_lang,
        Action::SwitchLang,
        HelpOnly,
    ),
    bind(&[Char('?')], "?", |s| &s.hint_help, Action::Help, Always),
    bind(&[Char('q')], "q", |s| &s.hint_quit, Action::Quit, Always),
];

/// The round screen: a volunteer's walk.
pub static ROUND: &[Binding] = &[
    bind(
        &[Char('o')],
        "o",
        |s| &s.hint_open,
        Action::Mark(Observation::Open),
        Main,
    ),
    bind(
        &[Char('c')],
        "c",
        |s| &s.hint_closed,
        Action::Mark(Observation::Closed),
        Main,
    ),
    bind(
        &[Char('s')],
        "s",
        |s| &s.hint_seen,
        Action::Mark(Observation::Seen),
        Main,
    ),
    bind(
        &[Char('u')],
        "u",
        |s| &s.hint_unclear,
        Action::Mark(Observation::Unclear),
        Main,
    ),
    bind(&[Char('z')], "z", |s| &s.hint_undo, Action::Undo, Main),
    bind(
        &[Up, Char('k')],
        "↑↓",
        |s| &s.hint_select,
        Action::Up,
        HelpOnly,
    ),
    bind(
        &[Down, Char('j')],
        "",
        |s| &s.hint_select,
        Action::Down,
        Alias,
    ),
    bind(
        &[Char('/')],
        "/",
        |s| &s.hint_search,
        Action::StartSearch,
        IfRoom,
    ),
    bind(
        &[Char('g')],
        "g",
        |s| &s.hint_grid,
        Action::NextGrid,
        IfRoom,
    ),
    bind(
        &[Left, Char('[')],
        "←→",
        |s| &s.hint_rounds,
        Action::PrevRound,
        IfRoom,
    ),
    bind(
        &[Right, Char(']')],
        "",
        |s| &s.hint_rounds,
        Action::NextRound,
        Alias,
    ),
    bind(
        &[Char('t')],
        "t",
        |s| &s.hint_patrol_round,
        Action::PatrolRound,
        HelpOnly,
    ),
    bind(
        &[Enter],
        "Enter",
        |s| &s.hint_details,
        Action::Details,
        IfRoom,
    ),
    bind(
        &[Char('a')],
        "a",
        |s| &s.hint_away,
        Action::StartAway,
        HelpOnly,
    ),
    bind(
        &[Esc],
        "Esc",
        |s| &s.hint_clear,
        Action::ClearFilters,
        HelpOnly,
    ),
];

/// The flags screen: the grid worker's call ladder.
pub static FLAGS: &[Binding] = &[
    bind(
        &[Char('y')],
        "y",
        |s| &s.hint_reached,
        Action::LadderResult(true),
        Main,
    ),
    bind(
        &[Char('n')],
        "n",
        |s| &s.hint_not_reached,
        Action::LadderResult(false),
        Main,
    ),
    bind(
        &[Char('r')],
        "r",
        |s| &s.hint_resolve,
        Action::StartResolve,
        Main,
    ),
    bind(&[Char('m')], "m", |s| &s.hint_note, Action::StartNote, Main),
    bind(
        &[Up, Char('k')],
        "↑↓",
        |s| &s.hint_select,
        Action::Up,
        IfRoom,
    ),
    bind(
        &[Down, Char('j')],
        "",
        |s| &s.hint_select,
        Action::Down,
        Alias,
    ),
    bind(
        &[Char('g')],
        "g",
        |s| &s.hint_grid,
        Action::NextGrid,
        IfRoom,
    ),
    bind(
        &[Esc],
        "Esc",
        |s| &s.hint_clear,
        Action::ClearFilters,
        HelpOnly,
    ),
];

/// The history screen: a month of rounds.
pub static HISTORY: &[Binding] = &[
    bind(
        &[Up, Char('k')],
        "↑↓",
        |s| &s.hint_select_round,
        Action::Up,
        Main,
    ),
    bind(
        &[Down, Char('j')],
        "",
        |s| &s.hint_select_round,
        Action::Down,
        Alias,
    ),
    bind(
        &[Enter],
        "Enter",
        |s| &s.hint_open_round,
        Action::OpenRound,
        Main,
    ),
];

/// The roster screen: the admin's and grid worker's list of elders.
pub static ROSTER: &[Binding] = &[
    bind(
        &[Up, Char('k')],
        "↑↓",
        |s| &s.hint_select,
        Action::Up,
        IfRoom,
    ),
    bind(
        &[Down, Char('j')],
        "",
        |s| &s.hint_select,
        Action::Down,
        Alias,
    ),
    bind(
        &[Char('e'), Enter],
        "e",
        |s| &s.hint_edit,
        Action::Roster(RosterAction::Edit),
        Main,
    ),
    bind(
        &[Char('n')],
        "n",
        |s| &s.hint_new,
        Action::Roster(RosterAction::New),
        Main,
    ),
    bind(
        &[Char('x')],
        "x",
        |s| &s.hint_archive,
        Action::Roster(RosterAction::ToggleArchive),
        IfRoom,
    ),
    bind(
        &[Char('+'), Char('=')],
        "+",
        |s| &s.hint_later,
        Action::Roster(RosterAction::Move { later: true }),
        IfRoom,
    ),
    bind(
        &[Char('-')],
        "-",
        |s| &s.hint_earlier,
        Action::Roster(RosterAction::Move { later: false }),
        IfRoom,
    ),
    bind(
        &[Char('i')],
        "i",
        |s| &s.hint_import,
        Action::Roster(RosterAction::StartImport),
        IfRoom,
    ),
    bind(
        &[Char('a')],
        "a",
        |s| &s.hint_away,
        Action::StartAway,
        IfRoom,
    ),
    bind(
        &[Char('b')],
        "b",
        |s| &s.hint_back_early,
        Action::Roster(RosterAction::EndAbsence),
        IfRoom,
    ),
    // Issue 15: who walks which part of the selected elder's grid.
    bind(
        &[Char('v')],
        "v",
        |s| &s.hint_assign,
        Action::StartAssign,
        IfRoom,
    ),
];

/// A screen's own table.
pub fn screen_bindings(tab: Tab) -> &'static [Binding] {
    match tab {
        Tab::Round => ROUND,
        Tab::Flags => FLAGS,
        Tab::History => HISTORY,
        Tab::Roster => ROSTER,
    }
}

/// The action of a key on a screen in normal mode: the screen's table first, then the shared one.
pub fn action_of(tab: Tab, code: KeyCode) -> Option<Action> {
    screen_bindings(tab)
        .iter()
        .chain(COMMON)
        .find(|binding| binding.keys.contains(&code))
        .map(|binding| binding.action.clone())
}

/// `o 开`: a key and its hint, as the footer and the help write it.
fn item(lang: Lang, binding: &Binding) -> String {
    format!("{} {}", binding.label, (binding.hint)(t(lang)))
}

const GAP: &str = "  ";

fn joined_width(items: &[String]) -> usize {
    items.iter().map(|item| item.width()).sum::<usize>() + GAP.len() * items.len().saturating_sub(1)
}

/// Packs items into lines of at most `width` columns, in order; an item wider than a line gets
/// a line of its own (and is cut when drawn).
fn pack(items: &[String], width: usize) -> Vec<Vec<String>> {
    let mut lines: Vec<Vec<String>> = Vec::new();
    for item in items {
        match lines.last_mut() {
            Some(line) if joined_width(line) + GAP.len() + item.width() <= width => {
                line.push(item.clone());
            }
            _ => lines.push(vec![item.clone()]),
        }
    }
    lines
}

/// The footer of a screen at a width: one line when the screen's main keys, help and quit fit
/// on it (with as many others as there is room for), else the main keys on the bottom line —
/// where a thumb finds them, in the same place on every screen of the round — and help, quit
/// and the rest above. Main, help and quit are never left out.
pub fn footer(lang: Lang, tab: Tab, width: usize) -> Vec<String> {
    let entries: Vec<(&Binding, String)> = screen_bindings(tab)
        .iter()
        .chain(COMMON)
        .filter(|binding| !matches!(binding.shown, HelpOnly | Alias))
        .map(|binding| (binding, item(lang, binding)))
        .collect();
    let needed = |binding: &Binding| matches!(binding.shown, Main | Always);
    // One line: every needed item, then the others in table order while they fit.
    let mut kept: Vec<bool> = entries.iter().map(|(b, _)| needed(b)).collect();
    let line_of = |kept: &[bool]| -> Vec<String> {
        entries
            .iter()
            .zip(kept)
            .filter(|(_, keep)| **keep)
            .map(|((_, text), _)| text.clone())
            .collect()
    };
    if joined_width(&line_of(&kept)) <= width {
        for index in 0..entries.len() {
            if !kept[index] {
                kept[index] = true;
                if joined_width(&line_of(&kept)) > width {
                    kept[index] = false;
                }
            }
        }
        return vec![line_of(&kept).join(GAP)];
    }
    // Two or more lines: the main keys that fit at the bottom, everything else above.
    let main: Vec<String> = entries
        .iter()
        .filter(|(b, _)| b.shown == Main)
        .map(|(_, text)| text.clone())
        .collect();
    let mut bottom: Vec<String> = Vec::new();
    let mut upper: Vec<String> = Vec::new();
    for text in main {
        if upper.is_empty() && joined_width(&[bottom.clone(), vec![text.clone()]].concat()) <= width
        {
            bottom.push(text);
        } else {
            upper.push(text);
        }
    }
    let always: Vec<String> = entries
        .iter()
        .filter(|(b, _)| b.shown == Always)
        .map(|(_, text)| text.clone())
        .collect();
    upper.extend(always.iter().cloned());
    let mut upper_lines = pack(&upper, width);
    // The others join the last upper line while they fit, before help and quit.
    for (binding, text) in &entries {
        if binding.shown != IfRoom {
            continue;
        }
        if let Some(line) = upper_lines.last_mut()
            && joined_width(line) + GAP.len() + text.width() <= width
        {
            // Before help and quit, which end the footer on every screen.
            let at = line
                .iter()
                .position(|item| always.contains(item))
                .unwrap_or(line.len());
            line.insert(at, text.clone());
        }
    }
    let mut lines: Vec<String> = upper_lines.into_iter().map(|line| line.join(GAP)).collect();
    if !bottom.is_empty() {
        lines.push(bottom.join(GAP));
    }
    lines
}

/// The help overlay's lines at a width: the shown screen's keys first, then the other screens',
/// then the keys every screen shares; each section's items packed into lines.
pub fn help_lines(lang: Lang, tab: Tab, width: usize) -> Vec<(bool, String)> {
    let s = t(lang);
    let heading = |tab: Tab| match tab {
        Tab::Round => &s.tab_round,
        Tab::Flags => &s.tab_flags,
        Tab::History => &s.tab_history,
        Tab::Roster => &s.tab_roster,
    };
    let mut order = vec![tab];
    order.extend(Tab::ALL.iter().copied().filter(|other| *other != tab));
    let mut lines = Vec::new();
    let mut section = |title: String, bindings: &[Binding]| {
        let items: Vec<String> = bindings
            .iter()
            .filter(|binding| binding.shown != Alias)
            .map(|binding| item(lang, binding))
            .collect();
        lines.push((true, title));
        for line in pack(&items, width.max(1)) {
            lines.push((false, line.join(GAP)));
        }
    };
    for tab in order {
        section(heading(tab).clone(), screen_bindings(tab));
    }
    section(s.help_everywhere.clone(), COMMON);
    lines.push((false, s.help_saved.clone()));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key a table holds leads to exactly one action on its screen: a key listed twice
    /// would make the footer promise what the key does not do.
    #[test]
    fn no_key_is_bound_twice_on_a_screen() {
        for tab in Tab::ALL {
            let mut seen: Vec<KeyCode> = Vec::new();
            for binding in screen_bindings(tab).iter().chain(COMMON) {
                for key in binding.keys {
                    assert!(!seen.contains(key), "{tab:?}: {key:?} bound twice");
                    seen.push(*key);
                }
            }
        }
    }

    #[test]
    fn the_round_footer_keeps_the_ticks_undo_help_and_quit_at_every_width() {
        for lang in [Lang::Zh, Lang::En] {
            for width in [100, 80, 40, 30] {
                let lines = footer(lang, Tab::Round, width);
                let all = lines.join("\n");
                for key in ["o ", "c ", "s ", "u ", "z ", "? ", "q "] {
                    assert!(
                        all.contains(key),
                        "{lang:?} {width}: {key} missing in {all}"
                    );
                }
                for line in &lines {
                    assert!(line.width() <= width, "{lang:?} {width}: {line}");
                }
                assert!(lines.len() <= 3, "{lang:?} {width}: {lines:?}");
                assert!(
                    lines.last().unwrap().starts_with("o "),
                    "{lang:?} {width}: the ticks on the bottom line: {lines:?}"
                );
            }
            assert_eq!(footer(lang, Tab::Round, 100).len(), 1, "{lang:?}");
        }
    }

    #[test]
    fn the_flags_footer_keeps_the_ladder_resolve_and_note_keys_at_40_columns() {
        for lang in [Lang::Zh, Lang::En] {
            let all = footer(lang, Tab::Flags, 40).join("\n");
            for key in ["y ", "n ", "r ", "m ", "? ", "q "] {
                assert!(all.contains(key), "{lang:?}: {key} missing in {all}");
            }
        }
    }

    #[test]
    fn every_key_of_a_table_is_reached_by_action_of() {
        for tab in Tab::ALL {
            for binding in screen_bindings(tab) {
                for key in binding.keys {
                    assert_eq!(
                        action_of(tab, *key),
                        Some(binding.action.clone()),
                        "{tab:?} {key:?}"
                    );
                }
            }
        }
    }
}
