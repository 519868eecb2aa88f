//! Text that cannot hurt the terminal, spreadsheet or chat group it is shown in.
//!
//! A roster is typed by people and pasted from other programs, so a name may carry a terminal
//! escape (`\x1b]0;…\x07` retitles the window, `\x1b[2J` clears it), a backspace that hides the
//! digits before it, or a bidi override that shows text in another order than it is stored. Every
//! text curtain prints, writes to a CSV or XLSX file or sends to a chat passes through
//! [`clean_line`] or [`clean_text`] on its way out; CSV cells also through [`csv_cell`].

use std::borrow::Cow;

/// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the Arabic letter
/// mark: they reorder what is shown without being seen themselves.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// Whether a character would act on the screen instead of being shown: C0 and C1 controls,
/// DEL, and bidi controls.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Whether `text` may hold an unsafe character, from its bytes alone: a C0 control or DEL, or
/// the first byte of a C1 control (U+0080–U+009F), the Arabic letter mark (U+061C) or a bidi
/// control (U+202A–U+2069). Plain ASCII and CJK text (a roster's names and addresses) is
/// answered without decoding a character; a `true` is looked at character by character.
fn may_be_unsafe(text: &str) -> bool {
    text.bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == 0xc2 || b == 0xd8 || b == 0xe2)
}

/// One line of text: control characters and bidi controls removed, line breaks and tabs turned
/// into single spaces (a table row or a message line stays one line).
pub fn clean_line(text: &str) -> Cow<'_, str> {
    if !may_be_unsafe(text) || !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        if matches!(c, '\n' | '\r' | '\t') {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else if !is_unsafe(c) {
            out.push(c);
            last_space = c == ' ';
        }
    }
    Cow::Owned(out)
}

/// Text that may run over several lines (a note in a CSV cell or a JSON string): line breaks
/// (`\r\n` and a lone `\r` become `\n`) and tabs kept, every other control removed.
pub fn clean_text(text: &str) -> Cow<'_, str> {
    if !may_be_unsafe(text)
        || !text
            .chars()
            .any(|c| is_unsafe(c) && !matches!(c, '\n' | '\t'))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' | '\t' => out.push(c),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether a spreadsheet would take a cell for a formula (or, for a tab or CR, shift it): `=`,
/// `+`, `-`, `@` first.
pub fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A CSV cell as curtain writes it: cleaned, and kept as text with a leading apostrophe when a
/// spreadsheet would run it as a formula (`=HYPERLINK(…)`, `@SUM(1)`).
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    if looks_like_formula(text) {
        return Cow::Owned(format!("'{}", clean_text(text)));
    }
    clean_text(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_overrides_are_removed_from_a_line() {
        let cases = [
            ("王\x1b]0;pwned\x07秀英", "王]0;pwned秀英"),
            ("长青小区\x1b[2J 6栋", "长青小区[2J 6栋"),
            ("138\x08\x08\x08999", "138999"),
            ("abc\u{202E}fed", "abcfed"),
            ("\u{2066}x\u{2069}", "x"),
            ("耳背\n腿脚\t不便", "耳背 腿脚 不便"),
            ("a\r\n\r\nb", "a b"),
            ("\u{9b}31m红", "31m红"),
            ("王秀英", "王秀英"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean_line(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn multi_line_text_keeps_its_lines() {
        assert_eq!(clean_text("a\r\nb\rc\td\x1b[0m"), "a\nb\nc\td[0m");
        assert!(matches!(clean_text("平常的字"), Cow::Borrowed(_)));
    }

    #[test]
    fn csv_cells_that_would_run_as_formulas_stay_text() {
        for (raw, want) in [
            ("=1+1", "'=1+1"),
            ("@SUM(1)", "'@SUM(1)"),
            ("+86 138", "'+86 138"),
            ("-2", "'-2"),
            ("\tx", "'\tx"),
            ("\r=1", "'\n=1"),
            ("王秀英", "王秀英"),
            ("", ""),
        ] {
            assert_eq!(csv_cell(raw), want, "{raw:?}");
        }
    }

    /// The byte test that lets plain text through without decoding it misses no unsafe
    /// character: every one of them, alone and between CJK letters.
    #[test]
    fn the_byte_test_misses_no_unsafe_character() {
        let unsafe_chars = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| is_unsafe(*c));
        for c in unsafe_chars {
            assert!(may_be_unsafe(&c.to_string()), "{c:?}");
            assert!(may_be_unsafe(&format!("王{c}秀英")), "{c:?}");
        }
        assert!(!may_be_unsafe("王秀英 长青小区6栋 Room 302"));
    }

    proptest::proptest! {
        #[test]
        fn nothing_unsafe_survives(text in ".{0,40}") {
            proptest::prop_assert!(!clean_line(&text).chars().any(is_unsafe));
            proptest::prop_assert!(!clean_text(&text)
                .chars()
                .any(|c| is_unsafe(c) && !matches!(c, '\n' | '\t')));
        }
    }
}
