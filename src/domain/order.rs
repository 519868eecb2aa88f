//! The natural order of names people give things: grids `第一网格 < 第二网格 < … < 第十网格 <
//! 第十一网格`, buildings `2栋 < 10栋`. Numbers in a name, in digits or in Chinese numerals,
//! compare as numbers; everything else compares character by character.

use std::cmp::Ordering;

/// One run of a name: a number, or a character that is not part of one.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    Number(u64),
    Char(char),
}

fn digit_value(ch: char) -> Option<u64> {
    match ch {
        '0'..='9' => Some(u64::from(ch) - u64::from('0')),
        // Full-width digits, as Chinese input methods type them.
        '０'..='９' => Some(u64::from(ch) - u64::from('０')),
        _ => None,
    }
}

fn chinese_digit(ch: char) -> Option<u64> {
    "零一二三四五六七八九"
        .chars()
        .position(|digit| digit == ch)
        .map(|value| value as u64)
        .or(match ch {
            '〇' => Some(0),
            '两' => Some(2),
            _ => None,
        })
}

fn chinese_unit(ch: char) -> Option<u64> {
    match ch {
        '十' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

/// Reads Chinese numerals (`十一` = 11, `二十` = 20, `一百零五` = 105).
fn chinese_number(text: &[char]) -> u64 {
    let (mut total, mut current) = (0u64, 0u64);
    for ch in text {
        if let Some(unit) = chinese_unit(*ch) {
            total = total.saturating_add(current.max(1).saturating_mul(unit));
            current = 0;
        } else if let Some(digit) = chinese_digit(*ch) {
            current = current.saturating_mul(10).saturating_add(digit);
        }
    }
    total.saturating_add(current)
}

fn parts(name: &str) -> Vec<Part> {
    let chars: Vec<char> = name.chars().collect();
    let mut parts = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let start = index;
        if digit_value(chars[index]).is_some() {
            let mut value = 0u64;
            while let Some(digit) = chars.get(index).and_then(|ch| digit_value(*ch)) {
                value = value.saturating_mul(10).saturating_add(digit);
                index += 1;
            }
            parts.push(Part::Number(value));
        } else if chinese_digit(chars[index]).is_some() || chinese_unit(chars[index]).is_some() {
            while chars
                .get(index)
                .is_some_and(|ch| chinese_digit(*ch).is_some() || chinese_unit(*ch).is_some())
            {
                index += 1;
            }
            parts.push(Part::Number(chinese_number(&chars[start..index])));
        } else {
            parts.push(Part::Char(chars[index]));
            index += 1;
        }
    }
    parts
}

/// Compares two names in their natural order; names equal by value fall back to their text.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

/// Sorts names in their natural order.
pub fn sort_naturally(names: &mut [String]) {
    names.sort_by(|a, b| natural_cmp(a, b));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_grids_sort_in_natural_order_with_numbers_compared_as_numbers() {
        let cases: [(&[&str], &[&str]); 5] = [
            (
                &[
                    "第三网格",
                    "第十一网格",
                    "第一网格",
                    "第十网格",
                    "第二网格",
                    "第四网格",
                ],
                &[
                    "第一网格",
                    "第二网格",
                    "第三网格",
                    "第四网格",
                    "第十网格",
                    "第十一网格",
                ],
            ),
            (&["10栋", "2栋", "1栋"], &["1栋", "2栋", "10栋"]),
            (
                &["grid 10", "grid 9", "grid 1"],
                &["grid 1", "grid 9", "grid 10"],
            ),
            (
                &["第二十网格", "第十九网格", "第一百零五网格"],
                &["第十九网格", "第二十网格", "第一百零五网格"],
            ),
            (
                &["东区", "北区", "３号", "12号"],
                &["３号", "12号", "东区", "北区"],
            ),
        ];
        for (given, want) in cases {
            let mut names: Vec<String> = given.iter().map(|s| s.to_string()).collect();
            sort_naturally(&mut names);
            assert_eq!(names, want, "{given:?}");
        }
    }
}
