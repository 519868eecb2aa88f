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

#[cfg(test)]
mod tests {
    use super::*;

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
