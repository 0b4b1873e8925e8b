//! Keyset cursors come back from clients as opaque strings: decoding any string must refuse or
//! succeed without panicking, and whatever decodes must encode back to a cursor that decodes to
//! the same position.
#![no_main]

use kaidan_shared::cursor::{decode, encode, time};
use libfuzzer_sys::fuzz_target;

const SORTS: [&str; 5] = ["updated_desc", "created_desc", "name_asc", "username_asc", "created_at_desc"];

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    for sort in SORTS {
        if let Ok((value, id)) = decode(s, sort) {
            let again = encode(sort, &value, id);
            assert_eq!(decode(&again, sort), Ok((value.clone(), id)));
            let _ = time(&value);
        }
    }
    // Any text as a sort value round-trips too.
    let id = uuid::Uuid::from_u128(u128::from(data.len() as u64));
    let c = encode("name_asc", s, id);
    if c.len() <= kaidan_shared::cursor::MAX_CURSOR_LEN {
        assert_eq!(decode(&c, "name_asc"), Ok((s.to_owned(), id)));
    }
});
