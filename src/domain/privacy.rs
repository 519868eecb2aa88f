//! What a person may see of an elder's personal data.

/// `138****5678`: enough to recognise a number, not enough to call it. Short numbers keep only
/// their last two digits.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
    if digits >= 7 {
        let keep_front = 3;
        let keep_back = 4;
        let mut seen = 0;
        chars
            .iter()
            .map(|c| {
                if !c.is_ascii_digit() {
                    return *c;
                }
                seen += 1;
                if seen <= keep_front || seen > digits - keep_back {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    } else {
        let mut seen = 0;
        chars
            .iter()
            .map(|c| {
                if !c.is_ascii_digit() {
                    return *c;
                }
                seen += 1;
                if seen > digits.saturating_sub(2) {
                    *c
                } else {
                    '*'
                }
            })
            .collect()
    }
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
        ];
        for (phone, want) in cases {
            assert_eq!(mask_phone(phone), want, "{phone}");
        }
    }
}
