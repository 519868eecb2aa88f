//! Fitting CJK text into terminal columns: widths are display widths (a Chinese character takes
//! two columns), never byte or char counts.

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
