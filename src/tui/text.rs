//! Fitting CJK text into terminal columns: widths are display widths (a Chinese character takes
//! two columns), never byte or char counts.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Cuts `text` to at most `width` columns, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// Cuts or pads `text` to exactly `width` columns.
pub fn fit(text: &str, width: usize) -> String {
    let mut out = truncate(text, width);
    let used = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// Breaks `text` into lines of at most `width` columns: a Latin word that does not fit moves to
/// the next line whole (after the line's last space); Chinese, which has no spaces to break at,
/// breaks between any two characters. Never empty.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    // Where the line may be broken: the byte after its last space, and the columns before it.
    let mut space_break: Option<(usize, usize)> = None;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w > width && !line.is_empty() {
            // A Latin word is carried over whole; Chinese is broken where the line is full.
            match space_break.filter(|_| w == 1 && ch != ' ') {
                Some((at, columns)) if at < line.len() => {
                    let rest = line.split_off(at);
                    lines.push(line.trim_end().to_string());
                    line = rest;
                    used -= columns;
                }
                _ => {
                    lines.push(line.trim_end().to_string());
                    line = String::new();
                    used = 0;
                }
            }
            space_break = None;
            if ch == ' ' && line.is_empty() {
                continue;
            }
        }
        line.push(ch);
        used += w;
        if ch == ' ' {
            space_break = Some((line.len(), used));
        }
    }
    lines.push(line.trim_end().to_string());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_or_between_chinese_characters_within_the_width() {
        let cases: [(&str, usize, &[&str]); 5] = [
            ("short", 10, &["short"]),
            ("o open  c closed", 8, &["o open", "c closed"]),
            (
                "已保存：张建国 · 开 → 异常",
                12,
                &["已保存：张建", "国 · 开 → 异", "常"],
            ),
            ("abcdefgh", 3, &["abc", "def", "gh"]),
            ("", 5, &[""]),
        ];
        for (text, width, want) in cases {
            let got = wrap(text, width);
            assert_eq!(got, want, "{text} in {width}");
            assert!(got.iter().all(|line| line.width() <= width), "{got:?}");
        }
    }

    #[test]
    fn fit_measures_chinese_by_display_width() {
        let cases = [
            ("王秀英", 8, "王秀英  "),
            ("王秀英", 6, "王秀英"),
            ("王秀英", 5, "王秀…"),
            ("热依汗·吐尔逊", 7, "热依汗…"),
            ("abc", 0, ""),
            ("王", 1, "…"),
        ];
        for (text, width, want) in cases {
            let got = fit(text, width);
            assert_eq!(got, want, "{text} in {width}");
            assert_eq!(got.width(), width, "{text} in {width}");
        }
    }
}

/// How many characters each kind of field takes. A paste of a whole document stops here at
/// once instead of being typed into the field one character, and one redraw, at a time.
pub const PIN_CHARS: usize = crate::domain::access::PIN_MAX;
pub const NAME_CHARS: usize = 64;
pub const SEARCH_CHARS: usize = 64;
pub const NOTE_CHARS: usize = 1000;
pub const PATH_CHARS: usize = 4096;
pub const FORM_CHARS: usize = 200;

/// Types `key` into `input` unless it would add a character beyond `max_chars`; false when the
/// key was turned away because the field is full.
pub fn type_into(input: &mut tui_input::Input, key: KeyEvent, max_chars: usize) -> bool {
    use tui_input::backend::crossterm::EventHandler;
    let adds_a_character = matches!(key.code, KeyCode::Char(_))
        && !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    if adds_a_character
        && input
            .value()
            .chars()
            .nth(max_chars.saturating_sub(1))
            .is_some()
    {
        return false;
    }
    input.handle_event(&ratatui::crossterm::event::Event::Key(key));
    true
}

/// Adds pasted `text` at the end of `input`, leaving out control characters, up to `max_chars`;
/// false when some of it did not fit.
pub fn paste_into(input: &mut tui_input::Input, text: &str, max_chars: usize) -> bool {
    let mut value = input.value().to_string();
    let room = max_chars.saturating_sub(value.chars().count());
    let mut pasted = text.chars().filter(|c| !c.is_control());
    value.extend(pasted.by_ref().take(room));
    let fitted = pasted.next().is_none();
    *input = tui_input::Input::new(value);
    fitted
}

#[cfg(test)]
mod typing_tests {
    use super::*;

    #[test]
    fn a_full_field_turns_away_further_characters() {
        let mut input = tui_input::Input::default();
        let key = KeyEvent::new(KeyCode::Char('张'), KeyModifiers::NONE);
        let typed = (0..1000)
            .filter(|_| type_into(&mut input, key, SEARCH_CHARS))
            .count();
        assert_eq!(typed, SEARCH_CHARS);
        assert_eq!(input.value().chars().count(), SEARCH_CHARS);
    }

    #[test]
    fn a_paste_fills_the_field_up_to_its_size_without_line_breaks() {
        let mut input = tui_input::Input::new("ab".into());
        assert!(paste_into(&mut input, "c\nd", 10));
        assert_eq!(input.value(), "abcd");
        assert!(!paste_into(&mut input, &"7".repeat(100_000), PIN_CHARS));
        assert_eq!(input.value().chars().count(), PIN_CHARS);
        assert_eq!(input.cursor(), PIN_CHARS);
    }
}
