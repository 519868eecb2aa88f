//! Finding an elder the way a volunteer types: by name, pinyin initials (`ldy` finds 李大爷),
//! full pinyin (`lidaye`), id or address. Every reading of a 多音字 is indexed, so 单秀英 is found
//! by both `dxy` and `sxy`.

use pinyin::ToPinyinMulti;

/// How many reading combinations one name may expand to; beyond that the first readings win.
const MAX_VARIANTS: usize = 32;

/// The search keys of one elder, built once when the roster is loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchKeys {
    plain: String,
    initials: Vec<String>,
    full: Vec<String>,
}

fn readings(ch: char) -> Vec<(String, String)> {
    match ch.to_pinyin_multi() {
        Some(multi) => {
            let mut out: Vec<(String, String)> = Vec::new();
            for reading in multi {
                let pair = (
                    reading.first_letter().to_string(),
                    reading.plain().to_string(),
                );
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
            out
        }
        None => {
            let text = ch.to_lowercase().to_string();
            vec![(text.clone(), text)]
        }
    }
}

fn expand(name: &str) -> (Vec<String>, Vec<String>) {
    let mut variants: Vec<(String, String)> = vec![(String::new(), String::new())];
    for ch in name.chars().filter(|c| !c.is_whitespace() && *c != '·') {
        let options = readings(ch);
        let mut next = Vec::new();
        for (initials, full) in &variants {
            for (letter, plain) in &options {
                if next.len() >= MAX_VARIANTS {
                    break;
                }
                next.push((format!("{initials}{letter}"), format!("{full}{plain}")));
            }
        }
        variants = next;
    }
    let mut initials: Vec<String> = variants.iter().map(|v| v.0.clone()).collect();
    let mut full: Vec<String> = variants.into_iter().map(|v| v.1).collect();
    initials.dedup();
    full.dedup();
    (initials, full)
}

impl SearchKeys {
    pub fn new(id: &str, name: &str, address: &str) -> SearchKeys {
        let (initials, full) = expand(name);
        SearchKeys {
            plain: format!("{id} {name} {address}").to_lowercase(),
            initials,
            full,
        }
    }

    /// A query matches when it is part of the name, id or address, or starts the name's pinyin
    /// initials or is part of its full pinyin. Spaces in the query are ignored for pinyin.
    pub fn matches(&self, query: &str) -> bool {
        let query = query.trim().to_lowercase();
        if query.is_empty() {
            return true;
        }
        if self.plain.contains(&query) {
            return true;
        }
        let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        if !compact.chars().all(|c| c.is_ascii_alphabetic()) {
            return false;
        }
        self.initials.iter().any(|i| i.starts_with(&compact))
            || self.full.iter().any(|f| f.contains(&compact))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_finds_elders_by_name_pinyin_id_and_address() {
        let li = SearchKeys::new("CQ001", "李大爷", "长青小区 A区 1栋 1单元 302");
        let shan = SearchKeys::new("CQ002", "单秀英", "长青小区 B区 6栋 2单元 501");
        let cases = [
            (&li, "ldy", true),
            (&li, "LDY", true),
            (&li, "ld", true),
            (&li, "lidaye", true),
            (&li, "daye", true),
            (&li, "li da ye", true),
            (&li, "大爷", true),
            (&li, "cq001", true),
            (&li, "1栋", true),
            (&li, "dy", false),
            (&li, "wang", false),
            (&shan, "sxy", true),
            (&shan, "dxy", true),
            (&shan, "shanxiuying", true),
            (&shan, "danxiuying", true),
            (&shan, "6栋", true),
            (&li, "", true),
        ];
        for (keys, query, want) in cases {
            assert_eq!(keys.matches(query), want, "{query:?} in {keys:?}");
        }
    }
}
