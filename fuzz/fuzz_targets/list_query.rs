//! List filters and sort orders arrive as a query string. This decodes any query string the way
//! the server does (serde_urlencoded, as actix-web's `Query` extractor) into each list query,
//! then runs the checks the services run before touching the database.
#![no_main]

use kaidan_shared::audit::HistoryQuery;
use kaidan_shared::customer::CustomerListQuery;
use kaidan_shared::user::UserListQuery;
use kaidan_shared::page::checked_limit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = serde_urlencoded::from_str::<CustomerListQuery>(s) {
        let ok = q.validate();
        if ok.is_ok() {
            assert!(checked_limit(q.limit).is_some());
        }
        if let Some(c) = &q.cursor {
            let _ = kaidan_shared::cursor::decode(c, q.sort.unwrap_or_default().as_str());
        }
        // What the server encodes back into links decodes to the same query.
        let back = serde_urlencoded::to_string(&q).expect("a decoded query encodes");
        let again: CustomerListQuery =
            serde_urlencoded::from_str(&back).expect("an encoded query decodes");
        assert_eq!(again.validate().is_ok(), ok.is_ok(), "{back}");
    }
    if let Ok(q) = serde_urlencoded::from_str::<UserListQuery>(s) {
        let _ = checked_limit(q.limit);
    }
    if let Ok(q) = serde_urlencoded::from_str::<HistoryQuery>(s) {
        let _ = checked_limit(q.limit);
    }
});
