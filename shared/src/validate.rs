//! Field validation shared by the SPA (instant feedback) and the server (the truth).

use crate::error::{FieldCode, FieldError};

/// Collects field errors; `finish()` turns them into a `Result`.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, code: FieldCode, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// A required text field: trimmed non-empty and at most `max` characters.
    pub fn required_text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, FieldCode::Required, format!("{field} is required"));
        } else {
            self.max_len(field, value, max);
        }
    }

    /// An optional text field: at most `max` characters.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value {
            self.max_len(field, v, max);
        }
    }

    pub fn max_len(&mut self, field: &str, value: &str, max: usize) {
        if has_nul(value) {
            self.add(
                field,
                FieldCode::InvalidCharacters,
                format!("{field} must not contain NUL characters"),
            );
        } else if value.chars().count() > max {
            self.add(
                field,
                FieldCode::TooLong,
                format!("{field} must be at most {max} characters"),
            );
        }
    }

    /// An optional phone number (mobile, landline with area code, or 400/800 number).
    pub fn phone(&mut self, field: &str, value: Option<&str>) {
        if let Some(p) = value {
            if !phone_is_valid(p) || p.chars().count() > limits::PHONE {
                self.add(field, FieldCode::InvalidFormat, "not a phone number");
            }
        }
    }

    /// An optional e-mail address.
    pub fn email(&mut self, field: &str, value: Option<&str>) {
        if let Some(m) = value {
            if !email_is_valid(m) || m.chars().count() > limits::EMAIL {
                self.add(field, FieldCode::InvalidFormat, "not an e-mail address");
            }
        }
    }

    pub fn merge(&mut self, prefix: &str, other: Errors) {
        for mut e in other.0 {
            e.field = format!("{prefix}.{}", e.field);
            self.0.push(e);
        }
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Whether `text` holds a NUL (U+0000): PostgreSQL can neither store nor compare it, so no text
/// field or search may carry one (other control characters are stored as sent).
pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// Limits on text fields, in characters. One place, so the SPA's `maxlength` matches the server.
pub mod limits {
    pub const NAME: usize = 200;
    pub const SHORT: usize = 64;
    pub const PHONE: usize = 32;
    pub const ADDRESS: usize = 500;
    pub const NOTES: usize = 5000;
    pub const TAG: usize = 32;
    pub const TAGS: usize = 20;
    pub const PHONES: usize = 5;
    pub const CONTACTS_ON_CREATE: usize = 20;
    pub const EMAIL: usize = 254;
    pub const USERNAME_MIN: usize = 3;
    pub const USERNAME_MAX: usize = 32;
    pub const PASSWORD_MIN: usize = 8;
    pub const PASSWORD_MAX: usize = 128;
    pub const REASON: usize = 500;
}

/// The character set of the unified social credit code (GB 32100-2015): digits and capital
/// letters without I, O, Z, S, V.
const CREDIT_CODE_CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights for positions 1..=17: 3^(i) mod 31.
const CREDIT_CODE_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Validates a unified social credit code (统一社会信用代码): 18 characters from the code's
/// character set, whose last character is the GB 32100-2015 check character of the first 17.
pub fn credit_code_is_valid(code: &str) -> bool {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return false;
    }
    let mut values = Vec::with_capacity(18);
    for c in &chars {
        match CREDIT_CODE_CHARSET.find(*c) {
            Some(i) => values.push(i as u32),
            None => return false,
        }
    }
    let sum: u32 = values[..17]
        .iter()
        .zip(CREDIT_CODE_WEIGHTS)
        .map(|(v, w)| v * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

/// The check character for the first 17 characters of a credit code (for generating demo data).
pub fn credit_code_check_char(first17: &str) -> Option<char> {
    let mut sum = 0;
    let mut n = 0;
    for (c, w) in first17.chars().zip(CREDIT_CODE_WEIGHTS) {
        sum += CREDIT_CODE_CHARSET.find(c)? as u32 * w;
        n += 1;
    }
    if n != 17 {
        return None;
    }
    CREDIT_CODE_CHARSET
        .chars()
        .nth(((31 - sum % 31) % 31) as usize)
}

/// A phone number as people type it: digits with optional `+`, spaces, dashes, brackets;
/// 5 to 20 digits.
pub fn phone_is_valid(phone: &str) -> bool {
    let ok_chars = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
    let digits = phone.chars().filter(|c| c.is_ascii_digit()).count();
    ok_chars && (5..=20).contains(&digits)
}

/// A pragmatic e-mail check: one `@`, something before it, a dot in the domain, no spaces.
pub fn email_is_valid(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
}

/// Usernames: 3–32 of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn username_is_valid(username: &str) -> bool {
    let len = username.chars().count();
    (limits::USERNAME_MIN..=limits::USERNAME_MAX).contains(&len)
        && username
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && username
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

/// Password length rule (NIST 800-63B: length, no composition rules). The common-password list
/// is checked on the server.
pub fn password_length_error(password: &str) -> Option<FieldError> {
    let n = password.chars().count();
    if n < limits::PASSWORD_MIN {
        Some(FieldError::new(
            "password",
            FieldCode::TooShort,
            format!("at least {} characters", limits::PASSWORD_MIN),
        ))
    } else if n > limits::PASSWORD_MAX {
        Some(FieldError::new(
            "password",
            FieldCode::TooLong,
            format!("at most {} characters", limits::PASSWORD_MAX),
        ))
    } else {
        None
    }
}

/// Latitude/longitude in WGS-84 degrees.
pub fn lat_lng_errors(errors: &mut Errors, lat: Option<f64>, lng: Option<f64>) {
    match (lat, lng) {
        (Some(_), None) | (None, Some(_)) => {
            errors.add("lat", FieldCode::Required, "lat and lng go together");
        }
        (Some(lat), Some(lng)) => {
            if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
                errors.add(
                    "lat",
                    FieldCode::OutOfRange,
                    "lat must be between -90 and 90",
                );
            }
            if !lng.is_finite() || !(-180.0..=180.0).contains(&lng) {
                errors.add(
                    "lng",
                    FieldCode::OutOfRange,
                    "lng must be between -180 and 180",
                );
            }
        }
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_refused_in_text() {
        assert!(has_nul("a\0b"));
        assert!(!has_nul("\u{7}\u{85}"));
        assert!(!has_nul("第一行\n第二行\t\r"));
        let mut e = Errors::new();
        e.required_text("name", "杭州\0星辰", 64);
        assert_eq!(e.0[0].code, FieldCode::InvalidCharacters);
    }

    #[test]
    fn credit_code_checksum_accepts_real_codes() {
        // Published codes of real companies.
        assert!(credit_code_is_valid("91350100M000100Y43"));
        assert!(credit_code_is_valid("91110000100010433L"));
    }

    #[test]
    fn credit_code_checksum_rejects_typos_and_bad_characters() {
        assert!(
            !credit_code_is_valid("91350100M000100Y44"),
            "wrong check char"
        );
        assert!(
            !credit_code_is_valid("91350100M000010Y43"),
            "transposed digits"
        );
        assert!(!credit_code_is_valid("91350100M000100Y4"), "too short");
        assert!(
            !credit_code_is_valid("91350100I000100Y43"),
            "I is not in the charset"
        );
        assert!(!credit_code_is_valid("91350100m000100Y43"), "lower case");
        assert!(!credit_code_is_valid(""));
    }

    #[test]
    fn credit_code_check_char_round_trips() {
        let c = credit_code_check_char("91350100M000100Y4").unwrap();
        assert_eq!(c, '3');
        let code = format!("9133010{}", "0MA2AB1C2D");
        let full = format!("{code}{}", credit_code_check_char(&code).unwrap());
        assert!(credit_code_is_valid(&full));
        assert_eq!(credit_code_check_char("short"), None);
    }

    #[test]
    fn phones_emails_usernames() {
        assert!(phone_is_valid("+86 138-0013-8000"));
        assert!(phone_is_valid("(0571) 8888 6666"));
        assert!(!phone_is_valid("call me"));
        assert!(!phone_is_valid("1234"));
        assert!(email_is_valid("li.lei@example.cn"));
        assert!(!email_is_valid("li lei@example.cn"));
        assert!(!email_is_valid("lilei@cn"));
        assert!(!email_is_valid("@example.cn"));
        assert!(username_is_valid("rep_east1"));
        assert!(!username_is_valid("Rep"));
        assert!(!username_is_valid("_x1"));
        assert!(!username_is_valid("ab"));
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(password_length_error("短密码短密码短密").is_none());
        assert_eq!(
            password_length_error("1234567").unwrap().code,
            FieldCode::TooShort
        );
        assert_eq!(
            password_length_error(&"x".repeat(129)).unwrap().code,
            FieldCode::TooLong
        );
    }

    #[test]
    fn coordinates_go_together_and_stay_in_range() {
        let mut e = Errors::new();
        lat_lng_errors(&mut e, Some(30.0), None);
        assert_eq!(e.0.len(), 1);
        let mut e = Errors::new();
        lat_lng_errors(&mut e, Some(91.0), Some(181.0));
        assert_eq!(e.0.len(), 2);
        let mut e = Errors::new();
        lat_lng_errors(&mut e, Some(30.27), Some(120.15));
        assert!(e.finish().is_ok());
    }
}
