//! Normalised keys for duplicate detection and search.
//!
//! Reps type the same company many ways: "杭州星辰科技有限公司", "杭州 星辰科技（有限公司）",
//! "ＸＸ科技". The duplicate check compares these keys, not the raw text.

/// Folds full-width ASCII (Ｕ+FF01..FF5E) and the ideographic space to their half-width forms.
fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Legal-form suffixes that do not tell two companies apart, longest first.
const LEGAL_SUFFIXES: [&str; 7] = [
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "分公司",
    "公司",
    "集团",
];

/// The duplicate-detection key of a customer name: width-folded, lower-cased, without spaces,
/// punctuation or brackets, and without a trailing legal form.
pub fn name_key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .map(fold_width)
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_lowercase())
        .collect();
    // Strip repeatedly so "XX集团有限公司" and "XX" meet.
    loop {
        let before = key.len();
        for suffix in LEGAL_SUFFIXES {
            if key.len() > suffix.len() && key.ends_with(suffix) {
                key.truncate(key.len() - suffix.len());
                break;
            }
        }
        if key.len() == before {
            break;
        }
    }
    key
}

/// Lower-cased, width-folded search text (keeps characters, drops spaces).
pub fn search_key(text: &str) -> String {
    text.chars()
        .map(fold_width)
        .filter(|c| !c.is_whitespace())
        .flat_map(|c| c.to_lowercase())
        .collect()
}

/// The comparable form of a phone number: digits only, without a +86 / 0086 country prefix.
/// Landlines keep their area code ("0571-8888 6666" → "057188886666").
pub fn phone_key(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .map(fold_width)
        .filter(|c| c.is_ascii_digit())
        .collect();
    if let Some(rest) = digits.strip_prefix("0086") {
        return rest.to_owned();
    }
    if digits.len() == 13 && digits.starts_with("86") {
        return digits[2..].to_owned();
    }
    digits
}

/// A customer name with its middle hidden (`杭州星辰科技有限公司` → `杭州******公司`), for
/// likely duplicates owned outside the caller's data scope: enough to recognise the company the
/// rep typed, not enough to learn one they did not.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0 => return String::new(),
        1..=2 => (1, 0),
        3..=5 => (1, 1),
        _ => (2, 2),
    };
    let hidden = n - head - tail;
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', hidden.max(1)));
    out.extend(chars[n - tail..].iter());
    out
}

/// A phone number with its middle hidden (`13812345678` → `138****5678`), for customers in a
/// public pool: enough to tell two numbers apart, not enough to call before claiming.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    let n = chars.len();
    if n <= 4 {
        return "*".repeat(n.max(1));
    }
    let head = if n >= 11 { 3 } else { 1.min(n - 4) };
    let tail = 4.min(n - head - 1);
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', n - head - tail));
    out.extend(chars[n - tail..].iter());
    out
}

/// An e-mail address (or any handle) with all but its first character hidden before the `@`
/// (`zhang.wei@example.com` → `z***@example.com`).
pub fn mask_email(email: &str) -> String {
    let email = email.trim();
    match email.split_once('@') {
        Some((user, domain)) => {
            let first: String = user.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => {
            let first: String = email.chars().take(1).collect();
            format!("{first}***")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_phones_keep_head_and_tail_only() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("0571-88886666"), "057******6666");
        assert_eq!(mask_phone("88886666"), "8***6666");
        assert_eq!(mask_phone("110"), "***");
        assert!(!mask_phone("02188886666").contains("8888666"));
        assert_eq!(mask_email("zhang.wei@example.com"), "z***@example.com");
        assert_eq!(mask_email("wxid_abc"), "w***");
    }

    #[test]
    fn masked_names_keep_only_their_ends() {
        assert_eq!(mask_name("杭州星辰科技有限公司"), "杭州******公司");
        assert_eq!(mask_name("星辰科技"), "星**技");
        assert_eq!(mask_name("星辰"), "星*");
        assert_eq!(mask_name("A"), "A*");
        assert_eq!(mask_name(""), "");
        assert!(!mask_name("杭州星辰科技有限公司").contains("星辰"));
    }

    #[test]
    fn name_key_ignores_width_spacing_brackets_and_legal_form() {
        let a = name_key("杭州星辰科技有限公司");
        assert_eq!(a, "杭州星辰科技");
        assert_eq!(name_key(" 杭州 星辰科技（有限公司）"), a);
        assert_eq!(name_key("杭州星辰科技股份有限公司"), a);
        assert_eq!(name_key("ＡＢＣ Trading Co."), "abctradingco");
        assert_ne!(name_key("杭州星辰电子有限公司"), a);
    }

    #[test]
    fn name_key_never_strips_the_whole_name() {
        assert_eq!(name_key("公司"), "公司");
        assert_eq!(name_key("集团公司"), "集团");
    }

    #[test]
    fn phone_key_drops_formatting_and_country_code() {
        assert_eq!(phone_key("138 0013 8000"), "13800138000");
        assert_eq!(phone_key("+86 138-0013-8000"), "13800138000");
        assert_eq!(phone_key("0086 13800138000"), "13800138000");
        assert_eq!(phone_key("0571-8888 6666"), "057188886666");
        assert_eq!(phone_key("１３８００１３８０００"), "13800138000");
    }

    #[test]
    fn search_key_folds_case_and_width() {
        assert_eq!(search_key("Ａbc 科技"), "abc科技");
    }
}
