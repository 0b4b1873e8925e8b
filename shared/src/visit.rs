//! Visits (拜访): a rep at a customer's door. Planned for a day or logged on the spot, checked in
//! where the server says and when the server says, recorded with an outcome and the next step.
//!
//! The server's clock is the record of a check-in and a check-out; the phone sends only where it
//! is (WGS-84, with the accuracy the browser reports). Whether a check-in is trustworthy is decided
//! here (`assess_check_in`), so the phone can tell the rep before they send and the server says
//! the same after.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::geo::{distance_m, LatLng};
use crate::patch::Patch;
use crate::validate::{limits, Errors};

/// How far from the customer's stored location a check-in may be before it is flagged, unless
/// an admin sets another radius.
pub const DEFAULT_RADIUS_M: u32 = 500;

/// The largest accuracy a check-in may report (a cell-tower fix in the countryside is a few
/// kilometres; beyond this the browser had no real fix).
pub const MAX_ACCURACY_M: f64 = 100_000.0;

/// The most contacts one visit may name as met.
pub const MAX_CONTACTS_MET: usize = 20;

/// Where a visit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisitStatus {
    /// Planned, not yet checked in.
    Planned,
    /// Checked in, not yet checked out.
    CheckedIn,
    /// Checked out: the visit happened.
    Done,
    /// Called off before the check-in.
    Cancelled,
}

impl VisitStatus {
    pub const ALL: [VisitStatus; 4] = [
        VisitStatus::Planned,
        VisitStatus::CheckedIn,
        VisitStatus::Done,
        VisitStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VisitStatus::Planned => "planned",
            VisitStatus::CheckedIn => "checked_in",
            VisitStatus::Done => "done",
            VisitStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<VisitStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Why a check-in is not to be trusted as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckInFlag {
    /// Farther from the customer's location than the radius.
    TooFar,
    /// The position's accuracy is worse than the radius: it cannot show the rep was there.
    Imprecise,
    /// The customer has no location to compare with.
    NoCustomerLocation,
}

/// What the server makes of a check-in's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInAssessment {
    /// Whole metres to the customer's stored location (none without one).
    pub distance_m: Option<u32>,
    /// Empty: a trustworthy check-in.
    pub flags: Vec<CheckInFlag>,
}

impl CheckInAssessment {
    pub fn flagged(&self) -> bool {
        !self.flags.is_empty()
    }
}

/// The coarsest fix (metres of accuracy) that may become a customer's location: GPS and Wi-Fi
/// fixes are well inside it; a cell-tower fix (hundreds of metres) would place the customer
/// somewhere down the road, and every later check-in would be judged against that.
pub const LOCATE_MAX_ACCURACY_M: f64 = 100.0;

/// Judges a check-in at `at` (accuracy `accuracy_m`, the radius of the browser's 68 % circle)
/// against the customer's location and the allowed `radius_m`: beyond the radius is too far; an
/// accuracy worse than the radius is imprecise, whatever the distance, since the true position
/// may be anywhere in that circle.
pub fn assess_check_in(
    customer: Option<LatLng>,
    at: LatLng,
    accuracy_m: f64,
    radius_m: u32,
) -> CheckInAssessment {
    let radius = f64::from(radius_m);
    let mut flags = Vec::new();
    let distance = customer.map(|c| distance_m(c, at));
    match distance {
        Some(d) if d > radius => flags.push(CheckInFlag::TooFar),
        Some(_) => {}
        None => flags.push(CheckInFlag::NoCustomerLocation),
    }
    if accuracy_m > radius {
        flags.push(CheckInFlag::Imprecise);
    }
    CheckInAssessment {
        // Whole metres, rounded; no distance on Earth overflows a u32.
        distance_m: distance.map(|d| d.round() as u32),
        flags,
    }
}

/// `POST /api/v1/visits/{id}/check-in`: where the phone is, as the browser's geolocation reports
/// it (WGS-84); the time is the server's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    #[cfg_attr(feature = "openapi", schema(example = 30.2741, minimum = -90, maximum = 90))]
    pub lat: f64,
    #[cfg_attr(feature = "openapi", schema(example = 120.1551, minimum = -180, maximum = 180))]
    pub lng: f64,
    /// Metres (the browser's `coords.accuracy`).
    #[cfg_attr(
        feature = "openapi",
        schema(example = 35.0, minimum = 0, maximum = 100000)
    )]
    pub accuracy_m: f64,
    /// Store this position as the customer's location when it has none (roles that may edit
    /// the customer; audited) and the fix is precise enough to place a door (accuracy at most
    /// 100 m, `LOCATE_MAX_ACCURACY_M`); a coarser fix still checks in, and the customer stays
    /// without a location.
    #[serde(default)]
    pub set_customer_location: bool,
    /// The phone's own clock when the rep checked in without a network and the check-in was
    /// sent later from the queue. The record stays the server's receipt time; this is kept
    /// beside it (flagged `offline`) so supervisors see the gap.
    #[serde(default)]
    pub device_at: Option<DateTime<Utc>>,
}

impl CheckIn {
    pub fn at(&self) -> LatLng {
        LatLng::new(self.lat, self.lng)
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !self.at().is_valid() {
            e.add(
                "lat",
                FieldCode::OutOfRange,
                "a WGS-84 position: lat −90 to 90, lng −180 to 180",
            );
        }
        if !self.accuracy_m.is_finite() || !(0.0..=MAX_ACCURACY_M).contains(&self.accuracy_m) {
            e.add("accuracy_m", FieldCode::OutOfRange, "0 to 100,000 metres");
        }
        time_errors(&mut e, "device_at", self.device_at);
        e.finish()
    }
}

/// A check-in as the visit keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckInRecord {
    /// The server's time.
    pub at: DateTime<Utc>,
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: f64,
    #[serde(flatten)]
    pub assessment: CheckInAssessment,
    /// The radius it was judged against.
    pub radius_m: u32,
    /// What the phone's clock said, for a check-in sent from the offline queue.
    pub device_at: Option<DateTime<Utc>>,
}

/// Whole seconds between a check-in and a check-out (never negative: the server's clock may be
/// corrected backwards between the two).
pub fn duration_s(check_in: DateTime<Utc>, check_out: DateTime<Utc>) -> u32 {
    u32::try_from((check_out - check_in).num_seconds().max(0)).unwrap_or(u32::MAX)
}

/// `POST /api/v1/visits/{id}/check-out` (the body is optional): the phone's clock when the rep
/// checked out without a network, so a check-out sent from the queue hours later does not make
/// the visit hours long.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckOut {
    #[serde(default)]
    pub device_at: Option<DateTime<Utc>>,
}

impl CheckOut {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        time_errors(&mut e, "device_at", self.device_at);
        e.finish()
    }
}

/// How long a step may wait in the phone's queue: a `device_at` older than this when it arrives
/// is refused (it would claim a visit from weeks ago).
pub const DEVICE_AT_MAX_AGE_DAYS: i64 = 30;

/// A phone's time (`device_at`) judged against the server's receipt `now`: within the last 30
/// days (a phone ahead of the server is bounded by the receipt time where it is used).
pub fn device_at_errors(
    field: &str,
    device_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), Vec<FieldError>> {
    let mut e = Errors::new();
    if device_at.is_some_and(|d| d < now - chrono::Duration::days(DEVICE_AT_MAX_AGE_DAYS)) {
        e.add(
            field,
            FieldCode::OutOfRange,
            "at most 30 days before the server receives it",
        );
    }
    e.finish()
}

/// The longest visit a phone's own times may claim.
pub const MAX_DEVICE_VISIT_S: u32 = 24 * 3600;

/// A visit's duration: between the server's receipt times, or — when the phone sent its own
/// times from the offline queue — between the phone's times, each no later than the server
/// received it (a phone cannot check out after its message arrived) and each side falling back
/// to the server's; never negative, at most a day when the phone's clock is involved (its gap is
/// shown to supervisors beside it).
pub fn visit_duration_s(
    check_in_at: DateTime<Utc>,
    check_in_device_at: Option<DateTime<Utc>>,
    check_out_at: DateTime<Utc>,
    check_out_device_at: Option<DateTime<Utc>>,
) -> u32 {
    if check_in_device_at.is_none() && check_out_device_at.is_none() {
        return duration_s(check_in_at, check_out_at);
    }
    let start = check_in_device_at.map_or(check_in_at, |d| d.min(check_in_at));
    let end = check_out_device_at.map_or(check_out_at, |d| d.min(check_out_at));
    duration_s(start, end).min(MAX_DEVICE_VISIT_S)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visit {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub customer_name: Option<String>,
    /// The customer's stored location (WGS-84), for the map beside the check-in.
    pub customer_lat: Option<f64>,
    pub customer_lng: Option<f64>,
    /// The linked deal; absent when there is none (a null id would be followed as a link by
    /// clients that walk the spec's ids, as with a pool's `region_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub purpose: Option<String>,
    /// When it is planned for (none for a visit logged on the spot).
    pub planned_at: Option<DateTime<Utc>>,
    pub status: VisitStatus,
    /// Where the visit sits in time: when it is planned for; for one logged on the spot, when
    /// it was made and then when it was checked in. Lists of a day and timelines sort by it.
    pub visit_at: DateTime<Utc>,
    pub check_in: Option<CheckInRecord>,
    /// The server's time.
    pub check_out_at: Option<DateTime<Utc>>,
    pub duration_s: Option<u32>,
    /// Contacts of the customer met.
    pub contact_ids: Vec<Uuid>,
    pub notes: Option<String>,
    /// An option key of `visit_outcome`.
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_follow_up_on: Option<NaiveDate>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub archived: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Dates a visit may carry: 2000 to 2099 (every engine stores them; MySQL's `datetime` stops at
/// year 1000 and 9999, and a typo of a year is a mistake, not a plan).
pub fn date_is_sane(d: NaiveDate) -> bool {
    (2000..2100).contains(&chrono::Datelike::year(&d))
}

pub(crate) fn time_errors(e: &mut Errors, field: &str, t: Option<DateTime<Utc>>) {
    if t.is_some_and(|t| !date_is_sane(t.date_naive())) {
        e.add(
            field,
            FieldCode::OutOfRange,
            "a time in the years 2000–2099",
        );
    }
}

pub(crate) fn date_errors(e: &mut Errors, field: &str, d: Option<NaiveDate>) {
    if d.is_some_and(|d| !date_is_sane(d)) {
        e.add(
            field,
            FieldCode::OutOfRange,
            "a date in the years 2000–2099",
        );
    }
}

fn record_errors(
    e: &mut Errors,
    purpose: Option<&str>,
    notes: Option<&str>,
    next_step: Option<&str>,
    contacts: Option<&[Uuid]>,
) {
    e.optional_text("purpose", purpose, limits::REASON);
    e.optional_text("notes", notes, limits::NOTES);
    e.optional_text("next_step", next_step, limits::REASON);
    if contacts.is_some_and(|c| c.len() > MAX_CONTACTS_MET) {
        e.add("contact_ids", FieldCode::TooMany, "at most 20 contacts");
    }
}

/// Plan a visit (`planned_at` given) or log one on the spot (none: it starts now, and its
/// check-in usually follows at once).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitCreate {
    /// An id the phone made (UUIDv7) for a visit logged without a network, so the queue can
    /// refer to the visit before the server has seen it and a create sent twice makes one visit:
    /// taken when no visit has it (its time within the last 30 days, at most a day ahead);
    /// `409 conflict` when one has. The server makes the id when absent.
    #[serde(default)]
    pub id: Option<Uuid>,
    pub customer_id: Uuid,
    #[serde(default)]
    pub opportunity_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "演示新版方案", max_length = 500)
    )]
    pub purpose: Option<String>,
    #[serde(default)]
    pub planned_at: Option<DateTime<Utc>>,
    /// Defaults to the caller; supervisors plan for their reps.
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

/// How old a phone-made visit id may be: the offline queue's longest plausible wait.
pub const CLIENT_ID_MAX_AGE_DAYS: i64 = 30;

/// The time a UUIDv7 carries (None for any other version).
pub fn client_id_time(id: Uuid) -> Option<DateTime<Utc>> {
    if id.get_version_num() != 7 {
        return None;
    }
    let b = id.as_bytes();
    let ms = u64::from_be_bytes([0, 0, b[0], b[1], b[2], b[3], b[4], b[5]]);
    DateTime::from_timestamp_millis(i64::try_from(ms).ok()?)
}

impl VisitCreate {
    /// `now` judges a phone-made id's age.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(id) = self.id {
            let fresh = client_id_time(id).is_some_and(|t| {
                t > now - chrono::Duration::days(CLIENT_ID_MAX_AGE_DAYS)
                    && t < now + chrono::Duration::days(1)
            });
            if !fresh {
                e.add(
                    "id",
                    FieldCode::InvalidFormat,
                    "a UUIDv7 made within the last 30 days",
                );
            }
        }
        record_errors(&mut e, self.purpose.as_deref(), None, None, None);
        time_errors(&mut e, "planned_at", self.planned_at);
        e.finish()
    }
}

/// What the rep writes about a visit; each field absent, `null` or a value.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitUpdate {
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub purpose: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<String>, format = DateTime))]
    pub planned_at: Patch<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<String>, format = Uuid))]
    pub opportunity_id: Patch<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 20))]
    pub contact_ids: Option<Vec<Uuid>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub outcome: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub next_step: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline, value_type = Option<String>, format = Date))]
    pub next_follow_up_on: Patch<NaiveDate>,
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    /// Move the linked deal to this stage, by the pipeline's rules (an open deal, an active
    /// stage; a lost deal needs its reason and is closed on the deal itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub opportunity_stage: Option<String>,
}

impl VisitUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        record_errors(
            &mut e,
            self.purpose.value().map(String::as_str),
            self.notes.value().map(String::as_str),
            self.next_step.value().map(String::as_str),
            self.contact_ids.as_deref(),
        );
        e.optional_text("outcome", self.outcome.value().map(String::as_str), 40);
        e.optional_text("opportunity_stage", self.opportunity_stage.as_deref(), 40);
        time_errors(&mut e, "planned_at", self.planned_at.value().copied());
        date_errors(
            &mut e,
            "next_follow_up_on",
            self.next_follow_up_on.value().copied(),
        );
        e.finish()
    }
}

crate::list_query! {
    /// Filters of the visit list (newest planned or started first).
    pub struct VisitListQuery {
        pub owner_id: Option<Uuid>,
        pub customer_id: Option<Uuid>,
        pub status: Option<VisitStatus>,
        /// The visits of one day, in the company's time zone.
        pub day: Option<NaiveDate>,
        /// Only flagged check-ins.
        pub flagged: Option<bool>,
        /// Custom field filters, `key:value`, several separated by commas: fields marked
        /// `filterable` that the caller sees (as on the customer list).
        #[cfg_attr(feature = "openapi", param(max_length = 400))]
        pub custom: Option<String>,
        /// Sort by a custom field the caller sees: its key, or `-key` for descending; otherwise
        /// by time (a day's visits earliest first, other lists newest first).
        #[cfg_attr(feature = "openapi", param(max_length = 41))]
        pub custom_sort: Option<String>,
    }
}

impl VisitListQuery {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.optional_text("custom", self.custom.as_deref(), 400);
        e.optional_text("custom_sort", self.custom_sort.as_deref(), 41);
        date_errors(&mut e, "day", self.day);
        e.finish()
    }
}

/// The most days one visit report covers.
pub const MAX_STATS_DAYS: u8 = 31;

/// `GET /api/v1/visit-stats`: visits per rep per day over a week (or up to 31 days), in your
/// scope, by the company's calendar.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct VisitStatsQuery {
    /// The first day.
    pub from: NaiveDate,
    /// How many days from `from` (1–31, default 7).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 31))]
    pub days: Option<u8>,
    /// Only this team's reps (inside your scope).
    pub team_id: Option<Uuid>,
}

impl VisitStatsQuery {
    pub fn days(&self) -> u8 {
        self.days.unwrap_or(7)
    }

    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !(1..=MAX_STATS_DAYS).contains(&self.days()) {
            e.add("days", FieldCode::OutOfRange, "1 to 31 days");
        }
        date_errors(&mut e, "from", Some(self.from));
        e.finish()
    }
}

/// One rep's visits over the report's days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RepVisitStats {
    pub owner_id: Uuid,
    pub owner_name: Option<String>,
    /// Visits that happened (checked out), each day from `from`.
    pub done_per_day: Vec<u32>,
    pub done: u32,
    /// Checked in, not yet out.
    pub checked_in: u32,
    /// Still planned (on past days: missed).
    pub planned: u32,
    pub cancelled: u32,
    /// Check-ins flagged (too far, imprecise, no customer location).
    pub flagged: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitStats {
    pub from: NaiveDate,
    pub days: u8,
    /// One row per rep with visits in the range, most visits done first.
    pub rows: Vec<RepVisitStats>,
}

/// The smallest and largest check-in radius an admin may set.
pub const RADIUS_RANGE_M: std::ops::RangeInclusive<u32> = 50..=5_000;

/// The visits' settings: how near a check-in must be, and the map's tiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitSettings {
    /// Metres from the customer's location beyond which a check-in is flagged.
    pub radius_m: u32,
    /// An OpenStreetMap-style tile URL template with `{z}`, `{x}` and `{y}` (and optionally
    /// `{s}`); none: the map is a plain plot of the points.
    pub tile_url: Option<String>,
    /// The tiles are drawn in GCJ-02 (China's providers): positions, stored in WGS-84, are
    /// shifted for display.
    pub tile_gcj02: bool,
    /// The provider's attribution line, shown on the map.
    pub tile_attribution: Option<String>,
    pub version: i64,
}

/// `PUT /api/v1/visit-settings` (admins).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VisitSettingsInput {
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 50, maximum = 5000, example = 500)
    )]
    pub radius_m: u32,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 500,
            example = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        )
    )]
    pub tile_url: Option<String>,
    #[serde(default)]
    pub tile_gcj02: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub tile_attribution: Option<String>,
}

impl VisitSettingsInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !RADIUS_RANGE_M.contains(&self.radius_m) {
            e.add("radius_m", FieldCode::OutOfRange, "50 to 5000 metres");
        }
        if let Some(url) = self
            .tile_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            if !tile_url_is_valid(url) {
                e.add(
                    "tile_url",
                    FieldCode::InvalidFormat,
                    "an http(s) URL template with {z}, {x} and {y}",
                );
            }
        }
        e.optional_text("tile_attribution", self.tile_attribution.as_deref(), 200);
        e.finish()
    }
}

/// A tile URL template the map can use: http(s), at most 500 characters, with the `{z}`, `{x}`
/// and `{y}` placeholders, and no quote, space or angle bracket (it ends up in the page).
pub fn tile_url_is_valid(url: &str) -> bool {
    url.len() <= 500
        && tile_origin(url).is_some()
        && ["{z}", "{x}", "{y}"].iter().all(|p| url.contains(p))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>`\\".contains(c))
}

/// One visit as the team's map draws it: where the customer is and where the check-in was, in
/// the system the tiles are drawn in.
#[derive(Debug, Clone, PartialEq)]
pub struct MapVisit {
    pub id: Uuid,
    /// The customer's name and the rep's, for the mark's tooltip.
    pub label: String,
    pub customer: Option<LatLng>,
    pub check_in: Option<LatLng>,
    /// The check-in is flagged (too far, or a poor fix).
    pub flagged: bool,
}

/// The day's visits for the map: cancelled ones and those with nothing to draw left out; each
/// position shifted to GCJ-02 when the tiles are drawn in it (storage stays WGS-84, the shift is
/// for display only — a point drawn unshifted on such tiles lands 100–700 m off in China).
pub fn map_visits(visits: &[Visit], gcj02: bool) -> Vec<MapVisit> {
    let shown = |p: LatLng| {
        if gcj02 {
            crate::geo::to_gcj02(p)
        } else {
            p
        }
    };
    visits
        .iter()
        .filter(|v| v.status != VisitStatus::Cancelled)
        .filter_map(|v| {
            let customer = match (v.customer_lat, v.customer_lng) {
                (Some(lat), Some(lng)) => Some(shown(LatLng::new(lat, lng))),
                _ => None,
            };
            let check_in = v
                .check_in
                .as_ref()
                .map(|c| shown(LatLng::new(c.lat, c.lng)));
            if customer.is_none() && check_in.is_none() {
                return None;
            }
            let mut label = v.customer_name.clone().unwrap_or_default();
            if let Some(o) = &v.owner_name {
                label.push_str(" · ");
                label.push_str(o);
            }
            Some(MapVisit {
                id: v.id,
                label,
                customer,
                check_in,
                flagged: v.check_in.as_ref().is_some_and(|c| c.assessment.flagged()),
            })
        })
        .collect()
}

/// What the map puts for a template's `{s}`: `a`, `b`, `c` when `{s}` is a label of its own
/// (OpenStreetMap's style), `1` to `4` when it ends a label after other characters (AMap's
/// `webrd0{s}`), whose servers are numbered.
pub fn tile_subdomains(url: &str) -> &'static str {
    let host = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    if host.split('.').any(|l| l.len() > 3 && l.ends_with("{s}")) {
        "1234"
    } else {
        "abc"
    }
}

/// The origin a tile URL template loads images from, as a Content-Security-Policy source
/// (`https://*.tile.example.com:8443`): the page allows images from it and from nowhere else. A
/// `{s}` (the provider's subdomains) in the first label becomes `*`; anything but a plain
/// http(s) host name or IPv4 address with an optional port — user info, an IPv6 literal, a
/// placeholder elsewhere, a character a policy could be broken out with — gives none, and a
/// template without an origin is refused when saved.
pub fn tile_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    if let Some(p) = port {
        if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let mut labels = Vec::new();
    for (i, label) in host.split('.').enumerate() {
        let plain = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if i == 0 && label.contains("{s}") {
            let rest = label.replacen("{s}", "", 1);
            if !(rest.is_empty() || plain(&rest)) {
                return None;
            }
            labels.push("*".to_owned());
        } else if plain(label) {
            labels.push(label.to_ascii_lowercase());
        } else {
            return None;
        }
    }
    // A wildcard needs a registrable name under it (`*.tile.example.com`, not `*.com`).
    if labels.first().is_some_and(|l| l == "*") && labels.len() < 3 {
        return None;
    }
    // A numeric last label means an IPv4 address: only its canonical spelling, which is what the
    // browser compares (`0x7f.0.0.1` or `010.0.0.1` would load from a host the policy does not
    // name).
    let numeric = labels
        .last()
        .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()) || l.starts_with("0x"));
    if numeric
        && !(labels.len() == 4
            && labels
                .iter()
                .all(|l| l.parse::<u8>().is_ok_and(|n| n.to_string() == *l)))
    {
        return None;
    }
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{scheme}://{}{port}", labels.join(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: LatLng = LatLng::new(30.0, 120.0);

    /// Customer location, check-in position, accuracy, radius → distance and flags.
    type Case = (
        Option<LatLng>,
        LatLng,
        f64,
        u32,
        Option<u32>,
        &'static [CheckInFlag],
    );

    /// `metres` due north of the shop (0.0045° of latitude is 500.38 m).
    fn north(metres: f64) -> LatLng {
        LatLng::new(30.0 + 0.0045 * metres / 500.378, 120.0)
    }

    #[test]
    fn a_check_in_is_judged_by_distance_and_accuracy() {
        use CheckInFlag::*;
        let cases: &[Case] = &[
            // At the door with a good fix.
            (Some(SHOP), north(20.0), 15.0, 500, Some(20), &[]),
            // Just inside and just outside the radius.
            (Some(SHOP), north(499.0), 30.0, 500, Some(499), &[]),
            (Some(SHOP), north(502.0), 30.0, 500, Some(502), &[TooFar]),
            // A tighter radius set by an admin.
            (Some(SHOP), north(150.0), 30.0, 100, Some(150), &[TooFar]),
            // Close, but the fix is too coarse to show it.
            (Some(SHOP), north(50.0), 800.0, 500, Some(50), &[Imprecise]),
            // Accuracy equal to the radius still passes.
            (Some(SHOP), north(50.0), 500.0, 500, Some(50), &[]),
            // Far and coarse.
            (
                Some(SHOP),
                north(3_000.0),
                2_000.0,
                500,
                Some(3_000),
                &[TooFar, Imprecise],
            ),
            // Nothing to compare with.
            (None, north(0.0), 10.0, 500, None, &[NoCustomerLocation]),
        ];
        for (customer, at, accuracy, radius, distance, flags) in cases {
            let a = assess_check_in(*customer, *at, *accuracy, *radius);
            assert_eq!(a.distance_m, *distance, "{customer:?} {at:?}");
            assert_eq!(
                a.flags, *flags,
                "{customer:?} {at:?} ±{accuracy} in {radius}"
            );
            assert_eq!(a.flagged(), !flags.is_empty());
        }
    }

    #[test]
    fn positions_must_be_on_the_globe_with_a_sane_accuracy() {
        let ok = |lat, lng, accuracy_m| {
            CheckIn {
                lat,
                lng,
                accuracy_m,
                set_customer_location: false,
                device_at: None,
            }
            .validate()
        };
        assert!(ok(30.27, 120.15, 35.0).is_ok());
        assert!(ok(30.27, 120.15, 0.0).is_ok());
        for (lat, lng, acc, field) in [
            (91.0, 120.0, 10.0, "lat"),
            (30.0, 181.0, 10.0, "lat"),
            (f64::NAN, 120.0, 10.0, "lat"),
            (30.0, 120.0, -1.0, "accuracy_m"),
            (30.0, 120.0, 100_001.0, "accuracy_m"),
            (30.0, 120.0, f64::INFINITY, "accuracy_m"),
        ] {
            let errors = ok(lat, lng, acc).unwrap_err();
            assert_eq!(errors[0].field, field, "{lat} {lng} {acc}");
        }
    }

    #[test]
    fn a_check_in_body_is_strict() {
        let c: CheckIn =
            serde_json::from_str(r#"{"lat":30.1,"lng":120.2,"accuracy_m":12.5}"#).unwrap();
        assert_eq!(c.at(), LatLng::new(30.1, 120.2));
        assert!(!c.set_customer_location);
        // The time is the server's: a client's timestamp is refused, not ignored.
        assert!(serde_json::from_str::<CheckIn>(
            r#"{"lat":30.1,"lng":120.2,"accuracy_m":12.5,"at":"2026-01-01T00:00:00Z"}"#
        )
        .is_err());
    }

    #[test]
    fn settings_keep_the_radius_sane_and_the_tile_url_a_template() {
        let input = |radius_m, url: Option<&str>| VisitSettingsInput {
            radius_m,
            tile_url: url.map(Into::into),
            tile_gcj02: false,
            tile_attribution: None,
        };
        assert!(input(500, None).validate().is_ok());
        assert!(
            input(50, Some("https://tile.openstreetmap.org/{z}/{x}/{y}.png"))
                .validate()
                .is_ok()
        );
        assert!(input(
            5_000,
            Some("https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}")
        )
        .validate()
        .is_ok());
        for (radius, url, field) in [
            (49, None, "radius_m"),
            (5_001, None, "radius_m"),
            (500, Some("ftp://t/{z}/{x}/{y}"), "tile_url"),
            (500, Some("https://t/{z}/{x}.png"), "tile_url"),
            (
                500,
                Some("https://t/{z}/{x}/{y}.png\"onerror=\"x"),
                "tile_url",
            ),
            (500, Some("javascript:{z}{x}{y}"), "tile_url"),
        ] {
            let errors = input(radius, url).validate().unwrap_err();
            assert_eq!(errors[0].field, field, "{radius} {url:?}");
        }
    }

    #[test]
    fn the_map_draws_each_visit_in_the_tiles_system_and_leaves_out_what_has_nothing_to_draw() {
        let visit = |status: &str,
                     customer: Option<(f64, f64)>,
                     check_in: Option<(f64, f64)>,
                     flags: &[&str]| {
            let ci = check_in.map(|(lat, lng)| {
                serde_json::json!({"at": "2026-11-28T01:00:00Z", "lat": lat, "lng": lng,
                    "accuracy_m": 10.0, "distance_m": 30, "flags": flags, "radius_m": 500, "device_at": null})
            });
            serde_json::from_value::<Visit>(serde_json::json!({
                "id": Uuid::from_u128(7), "customer_id": Uuid::from_u128(8), "customer_name": "华联超市",
                "customer_lat": customer.map(|c| c.0), "customer_lng": customer.map(|c| c.1),
                "owner_id": null, "owner_name": "李明", "purpose": null, "planned_at": null,
                "status": status, "visit_at": "2026-11-28T01:00:00Z", "check_in": ci,
                "check_out_at": null, "duration_s": null, "contact_ids": [], "notes": null,
                "outcome": null, "next_step": null, "next_follow_up_on": null, "archived": false,
                "version": 1, "created_at": "2026-11-28T01:00:00Z", "updated_at": "2026-11-28T01:00:00Z"
            }))
            .unwrap()
        };
        let shanghai = (31.2304, 121.4737);
        let visits = [
            visit("done", Some(shanghai), Some((31.2310, 121.4740)), &[]),
            visit(
                "checked_in",
                None,
                Some(shanghai),
                &["no_customer_location"],
            ),
            visit("planned", Some(shanghai), None, &[]),
            visit("cancelled", Some(shanghai), None, &[]),
            visit("planned", None, None, &[]),
        ];
        let wgs = map_visits(&visits, false);
        assert_eq!(
            wgs.len(),
            3,
            "the cancelled one and the one without places are left out"
        );
        assert_eq!(wgs[0].label, "华联超市 · 李明");
        assert_eq!(wgs[0].customer, Some(LatLng::new(shanghai.0, shanghai.1)));
        assert_eq!(wgs[0].check_in, Some(LatLng::new(31.2310, 121.4740)));
        assert!(!wgs[0].flagged && wgs[1].flagged && !wgs[2].flagged);
        assert_eq!((wgs[1].customer, wgs[2].check_in), (None, None));
        let gcj = map_visits(&visits, true);
        let shifted = gcj[0].customer.unwrap();
        // Shanghai moves some 500 m east-south-east on GCJ-02 tiles.
        let d = distance_m(LatLng::new(shanghai.0, shanghai.1), shifted);
        assert!((300.0..700.0).contains(&d), "{d}");
        assert_eq!(
            shifted,
            crate::geo::to_gcj02(LatLng::new(shanghai.0, shanghai.1))
        );
        assert_eq!(gcj[1].check_in, Some(shifted));
    }

    #[test]
    fn a_tile_template_names_the_one_origin_its_images_come_from() {
        for (url, origin) in [
            (
                "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                Some("https://tile.openstreetmap.org"),
            ),
            (
                "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
                Some("https://*.tile.openstreetmap.org"),
            ),
            (
                "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
                Some("https://*.is.autonavi.com"),
            ),
            (
                "HTTP://127.0.0.1:8080/t/{z}/{x}/{y}.png",
                Some("http://127.0.0.1:8080"),
            ),
            (
                "https://Tiles.Example.com?z={z}",
                Some("https://tiles.example.com"),
            ),
            // A policy could be broken out of, or the origin is not a plain host.
            ("https://a.com;script-src *", None),
            ("https://a.com:80 b.com/{z}", None),
            ("https://user@a.com/{z}/{x}/{y}", None),
            ("https://[::1]:8080/{z}/{x}/{y}", None),
            ("https://a.{s}.com/{z}/{x}/{y}", None),
            ("https://{s}/{z}/{x}/{y}", None),
            ("https://a.com:/{z}", None),
            ("https://a.com:123456/{z}", None),
            ("https:///{z}/{x}/{y}", None),
            ("data://a.com/{z}", None),
            ("https://a..com/{z}", None),
            ("https://{s}.com/{z}/{x}/{y}", None),
            (
                "https://{s}.example.com/{z}/{x}/{y}",
                Some("https://*.example.com"),
            ),
            ("http://0x7f.0.0.1/{z}/{x}/{y}", None),
            ("http://010.0.0.1/{z}/{x}/{y}", None),
            ("http://1.2.3/{z}/{x}/{y}", None),
            ("http://256.0.0.1/{z}/{x}/{y}", None),
            ("http://10.0.0.1:81/{z}/{x}/{y}", Some("http://10.0.0.1:81")),
        ] {
            assert_eq!(tile_origin(url).as_deref(), origin, "{url}");
        }
        assert_eq!(
            tile_subdomains("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"),
            "abc"
        );
        assert_eq!(
            tile_subdomains("https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"),
            "1234"
        );
    }

    #[test]
    fn dates_stay_in_the_years_every_engine_stores() {
        let t = |s: &str| Some(s.parse::<DateTime<Utc>>().unwrap());
        let create = |planned_at| VisitCreate {
            planned_at,
            ..Default::default()
        };
        let now = t("2026-11-28T09:00:00Z").unwrap();
        assert!(create(t("2026-12-01T02:00:00Z")).validate(now).is_ok());
        let errors = create(t("0999-12-31T00:00:00Z")).validate(now).unwrap_err();
        assert_eq!(errors[0].field, "planned_at");
        let q = VisitStatsQuery {
            from: NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
            days: None,
            team_id: None,
        };
        assert_eq!(q.validate().unwrap_err()[0].field, "from");
    }

    #[test]
    fn a_phone_time_is_at_most_thirty_days_old() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let day = chrono::Duration::days(1);
        assert!(device_at_errors("device_at", None, now).is_ok());
        assert!(device_at_errors("device_at", Some(now - day * 29), now).is_ok());
        assert!(device_at_errors("device_at", Some(now + day), now).is_ok());
        let e = device_at_errors("device_at", Some(now - day * 31), now).unwrap_err();
        assert_eq!(e[0].field, "device_at");
    }

    #[test]
    fn a_phone_made_id_is_a_recent_uuid_v7() {
        let now = DateTime::parse_from_rfc3339("2026-11-28T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let made_at = |t: DateTime<Utc>| {
            uuid::Builder::from_unix_timestamp_millis(t.timestamp_millis() as u64, &[7; 10])
                .into_uuid()
        };
        let with = |id| VisitCreate {
            id: Some(id),
            ..Default::default()
        };
        let hour = chrono::Duration::hours(1);
        assert_eq!(client_id_time(made_at(now)), Some(now));
        assert!(with(made_at(now - hour * 24 * 29)).validate(now).is_ok());
        assert!(with(made_at(now + hour * 23)).validate(now).is_ok());
        for bad in [
            made_at(now - hour * 24 * 31),
            made_at(now + hour * 25),
            Uuid::from_u128(0x0192_0000_0000_4000_8000_0000_0000_0001),
            Uuid::nil(),
        ] {
            let e = with(bad).validate(now).unwrap_err();
            assert_eq!(e[0].field, "id", "{bad}");
        }
    }

    #[test]
    fn an_offline_visit_lasts_as_long_as_the_phone_says_but_no_longer_than_the_server_saw() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let (cin, cout) = (t("2026-11-28T09:00:00Z"), t("2026-11-28T13:00:00Z"));
        assert_eq!(visit_duration_s(cin, None, cout, None), 4 * 3600);
        // Checked in online, checked out offline at 09:40, sent at 13:00.
        let off = Some(t("2026-11-28T09:40:00Z"));
        assert_eq!(visit_duration_s(cin, None, cout, off), 40 * 60);
        // Both offline, sent together at 13:00: the phone's 40 minutes.
        let (cin2, cout2) = (t("2026-11-28T12:59:59Z"), t("2026-11-28T13:00:00Z"));
        let d = visit_duration_s(cin2, Some(t("2026-11-28T09:00:00Z")), cout2, off);
        assert_eq!(d, 40 * 60);
        // A phone whose clock runs ahead cannot check out after the server heard of it.
        let ahead = Some(t("2026-11-28T15:00:00Z"));
        assert_eq!(visit_duration_s(cin, None, cout, ahead), 4 * 3600);
        // Nor claim more than a day.
        let long_ago = Some(t("2026-11-20T09:00:00Z"));
        assert_eq!(
            visit_duration_s(cin2, long_ago, cout2, off),
            MAX_DEVICE_VISIT_S
        );
        // A phone clock running backwards gives zero, not a negative.
        assert_eq!(
            visit_duration_s(cin2, Some(t("2026-11-28T12:00:00Z")), cout2, off),
            0
        );
    }

    #[test]
    fn durations_count_whole_seconds_and_never_go_negative() {
        let t = DateTime::parse_from_rfc3339("2026-11-28T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(duration_s(t, t + chrono::Duration::seconds(2_700)), 2_700);
        assert_eq!(duration_s(t, t + chrono::Duration::milliseconds(1_999)), 1);
        assert_eq!(duration_s(t, t - chrono::Duration::seconds(5)), 0);
    }

    #[test]
    fn statuses_round_trip_and_updates_are_checked() {
        for s in VisitStatus::ALL {
            assert_eq!(VisitStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(VisitStatus::parse("checkedin"), None);
        let too_many = VisitUpdate {
            contact_ids: Some((0..21).map(|_| Uuid::nil()).collect()),
            notes: Patch::Value("x".repeat(limits::NOTES + 1)),
            ..Default::default()
        };
        let fields: Vec<String> = too_many
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["notes", "contact_ids"]);
    }
}
