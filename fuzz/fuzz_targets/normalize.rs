//! The normalisers and format checks behind duplicate detection and search (name keys, phone
//! keys, credit codes, phones, e-mails): any text in, no panic; phone keys are digits only and a
//! valid credit code's last character is its check character.
#![no_main]

use kaidan_shared::normalize::{name_key, phone_key, search_key};
use kaidan_shared::validate::{
    credit_code_check_char, credit_code_is_valid, email_is_valid, phone_is_valid,
    username_is_valid,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = (name_key(s), search_key(s));
    let p = phone_key(s);
    assert!(p.chars().all(|c| c.is_ascii_digit()), "phone keys are digits");
    if credit_code_is_valid(s) {
        let first: String = s.chars().take(17).collect();
        assert_eq!(credit_code_check_char(&first), s.chars().nth(17));
    }
    let _ = (phone_is_valid(s), email_is_valid(s), username_is_valid(s));
});
