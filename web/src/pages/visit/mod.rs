//! Visits (拜访) and follow-up tasks on the phone: the day's visits (a rep's own, a supervisor's
//! team with a map of where the customers are and where each check-in was), one visit with its
//! big check-in button, record and photos, planning a visit, and the follow-up tasks.

pub mod day;
pub mod detail;
pub mod device;
pub mod follow_ups;
pub mod form;
pub mod map;
pub mod sync;

crate::lazy_page!(
    /// The day's visits, loaded when first opened.
    VisitsRoute => day::VisitsPage
);
crate::lazy_page!(
    /// One visit, loaded when first opened.
    VisitDetailRoute => detail::VisitDetailPage
);
crate::lazy_page!(
    /// Planning a visit, loaded when first opened.
    VisitFormRoute => form::VisitFormPage
);
crate::lazy_page!(
    /// Follow-up tasks, loaded when first opened.
    FollowUpsRoute => follow_ups::FollowUpsPage
);

use kaidan_shared::visit::{CheckInFlag, VisitStatus};

use crate::i18n::visit::VisitText;

pub fn status_text(s: VisitStatus) -> VisitText {
    match s {
        VisitStatus::Planned => VisitText::Planned,
        VisitStatus::CheckedIn => VisitText::CheckedIn,
        VisitStatus::Done => VisitText::Done,
        VisitStatus::Cancelled => VisitText::Cancelled,
    }
}

pub fn flag_text(f: CheckInFlag) -> VisitText {
    match f {
        CheckInFlag::TooFar => VisitText::TooFar,
        CheckInFlag::Imprecise => VisitText::Imprecise,
        CheckInFlag::NoCustomerLocation => VisitText::NoCustomerLocation,
    }
}

/// The phone's clock (chrono's `Utc::now` panics in the browser without its wasm feature).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// Today as the company counts days (China time, `shared::pool::LOCAL_OFFSET_SECS`), not in the
/// phone's zone: the server files visits under the company's date, so a phone set to another zone
/// still opens the day page on the day its visits are listed under. Times of day are still shown
/// on the phone's clock.
pub fn today() -> chrono::NaiveDate {
    let offset = i64::from(kaidan_shared::pool::LOCAL_OFFSET_SECS);
    (now() + chrono::Duration::seconds(offset)).date_naive()
}
