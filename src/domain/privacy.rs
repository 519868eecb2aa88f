//! What a person may see of an elder's personal data.

/// A digit as people type it: ASCII or full-width (`１３８`, what a Chinese input method gives).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// A phone number is at least this many digits; shorter runs (a room number, an age) are not
/// masked inside free text.
const PHONE_DIGITS: usize = 7;

/// `138****5678`: enough to recognise a number, not enough to call it. Short numbers keep only
/// their last two digits. Full-width digits count as digits.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(|c| is_digit(*c)).count();
    let (front, back) = if digits >= PHONE_DIGITS {
        (3, 4)
    } else {
        (0, 2)
    };
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !is_digit(c) {
                return c;
            }
            seen += 1;
            if seen <= front || seen > digits - back.min(digits) {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// Free text (a contact's name with a number, a note) with every phone-like run masked: digits,
/// ASCII or full-width, with the dashes and spaces people put between them, 7 or more in all.
/// `女儿 李芳 13912345678` → `女儿 李芳 139****5678`.
pub fn mask_phones_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < chars.len() {
        if !is_digit(chars[index]) {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        // A run: digits, and single separators before a group of three or more digits (so a
        // date, 2024-03-01, is not one long number).
        let start = index;
        let mut end = index;
        let mut cursor = index;
        while cursor < chars.len() {
            if is_digit(chars[cursor]) {
                cursor += 1;
                end = cursor;
            } else if matches!(chars[cursor], '-' | '－' | ' ' | '\u{3000}')
                && chars[cursor + 1..]
                    .iter()
                    .take_while(|c| is_digit(**c))
                    .count()
                    >= 3
            {
                cursor += 1;
            } else {
                break;
            }
        }
        let run: String = chars[start..end].iter().collect();
        if run.chars().filter(|c| is_digit(*c)).count() >= PHONE_DIGITS {
            out.push_str(&mask_phone(&run));
        } else {
            out.push_str(&run);
        }
        index = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_masked_in_the_middle() {
        let cases = [
            ("13812345678", "138****5678"),
            ("021-55551234", "021-****1234"),
            ("110", "*10"),
            ("", ""),
            ("１３８００１３８０００", "１３８****８０００"),
        ];
        for (phone, want) in cases {
            assert_eq!(mask_phone(phone), want, "{phone}");
        }
    }

    #[test]
    fn numbers_inside_text_are_masked() {
        let cases = [
            ("女儿 李芳 13912345678", "女儿 李芳 139****5678"),
            (
                "儿子１３９１２３４５６７８，晚上打",
                "儿子１３９****５６７８，晚上打",
            ),
            ("物业 0571-8888 6666 转 302", "物业 057*-**** 6666 转 302"),
            ("住 6栋 302，82岁", "住 6栋 302，82岁"),
            ("2024-03-01 出院", "2024-03-01 出院"),
            ("", ""),
        ];
        for (text, want) in cases {
            assert_eq!(mask_phones_in(text), want, "{text}");
        }
    }
}
