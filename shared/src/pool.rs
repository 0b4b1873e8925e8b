//! The public pool (公海): customers without an owner that reps of the pool's region may claim.
//!
//! Customers come back to a pool by hand (`release`, with a reason) or by the reclaim job when
//! their owner has not followed them up for the pool's number of days for their level. The rules
//! below are pure, so the reclaim job, the claim endpoint and the screens all compute the same
//! deadlines.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::customer::Level;
use crate::error::{FieldCode, FieldError};
use crate::validate::{limits, Errors};

/// The company's local time (China Standard Time, no daylight saving): a rep's "today" for the
/// daily claim limit starts at local midnight.
pub const LOCAL_OFFSET_SECS: i32 = 8 * 3600;

/// The longest any rule may count in days.
pub const MAX_DAYS: u32 = 3650;

/// Days without follow-up after which a customer goes back to the pool, per customer level;
/// `None` never reclaims customers of that level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReclaimDays {
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub a: Option<u32>,
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub b: Option<u32>,
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub c: Option<u32>,
    /// Customers without a level.
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub unrated: Option<u32>,
}

/// A pool's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PoolRules {
    #[serde(deserialize_with = "crate::de::object")]
    pub reclaim_days: ReclaimDays,
    /// A customer with an open opportunity is not reclaimed.
    pub exempt_open_opportunity: bool,
    /// A customer with a signed contract in force is not reclaimed (once contracts exist).
    pub exempt_signed_contract: bool,
    /// The owner is warned this many days before the reclaim (0: no warning).
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(maximum = 3650))]
    pub warn_days: u32,
    /// An ex-owner may claim the customer back only this many days after it left them.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(maximum = 3650))]
    pub cooldown_days: u32,
    /// Claims per rep per local day, across all pools.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    pub daily_claim_limit: u32,
    /// No claim when the rep already owns this many customers (`None`: no cap).
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000))]
    pub held_cap: Option<u32>,
}

/// What the reclaim job does with one customer now ([`PoolRules::due`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// Tell the owner the customer goes back to the pool in `warn_days`.
    Warn,
    Reclaim,
}

impl Default for PoolRules {
    /// A common Chinese setting: A 90 days, B 60, C 30, unrated 30; warn 3 days ahead; seven
    /// days' cool-down; ten claims a day; at most 500 customers held.
    fn default() -> Self {
        PoolRules {
            reclaim_days: ReclaimDays {
                a: Some(90),
                b: Some(60),
                c: Some(30),
                unrated: Some(30),
            },
            exempt_open_opportunity: true,
            exempt_signed_contract: true,
            warn_days: 3,
            cooldown_days: 7,
            daily_claim_limit: 10,
            held_cap: Some(500),
        }
    }
}

impl PoolRules {
    /// Days without follow-up before a customer of `level` is reclaimed.
    pub fn reclaim_days_for(&self, level: Option<Level>) -> Option<u32> {
        match level {
            Some(Level::A) => self.reclaim_days.a,
            Some(Level::B) => self.reclaim_days.b,
            Some(Level::C) => self.reclaim_days.c,
            None => self.reclaim_days.unrated,
        }
    }

    /// When a customer of `level` last followed up at `followed_up_at` goes back to the pool.
    pub fn reclaim_at(
        &self,
        level: Option<Level>,
        followed_up_at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.reclaim_days_for(level)
            .map(|d| followed_up_at + Duration::days(d as i64))
    }

    /// From when the owner is warned of that reclaim.
    pub fn warn_from(&self, reclaim_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.warn_days > 0).then(|| reclaim_at - Duration::days(self.warn_days as i64))
    }

    /// What the reclaim job does now with a customer last followed up at `followed_up_at`, due
    /// back at `reclaim_at`, its owner last warned at `warned_at`.
    ///
    /// Nobody loses a customer without the pool's notice: one found overdue with no warning since
    /// its last follow-up (an install upgraded with years of customers, a pool whose days were
    /// shortened, a job that could not run for a while) is warned now and goes back `warn_days`
    /// later, never at once. Without warning days there is no notice to give.
    pub fn due(
        &self,
        reclaim_at: DateTime<Utc>,
        followed_up_at: DateTime<Utc>,
        warned_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Due {
        let Some(warn_from) = self.warn_from(reclaim_at) else {
            return if now >= reclaim_at {
                Due::Reclaim
            } else {
                Due::Nothing
            };
        };
        match warned_at.filter(|w| *w >= followed_up_at) {
            None if now >= warn_from => Due::Warn,
            None => Due::Nothing,
            Some(w) => {
                let notice_ends = w + Duration::days(self.warn_days as i64);
                if now >= reclaim_at && now >= notice_ends {
                    Due::Reclaim
                } else {
                    Due::Nothing
                }
            }
        }
    }

    /// Until when the ex-owner of a customer that left them at `left_at` may not claim it.
    pub fn cooldown_until(&self, left_at: DateTime<Utc>) -> DateTime<Utc> {
        left_at + Duration::days(self.cooldown_days as i64)
    }

    pub fn validate(&self, e: &mut Errors) {
        let days = [
            ("rules.reclaim_days.a", self.reclaim_days.a),
            ("rules.reclaim_days.b", self.reclaim_days.b),
            ("rules.reclaim_days.c", self.reclaim_days.c),
            ("rules.reclaim_days.unrated", self.reclaim_days.unrated),
        ];
        for (field, d) in days {
            if d.is_some_and(|d| d == 0 || d > MAX_DAYS) {
                e.add(field, FieldCode::OutOfRange, "between 1 and 3650 days");
            }
        }
        let shortest = days.iter().filter_map(|(_, d)| *d).min();
        if self.warn_days > MAX_DAYS || shortest.is_some_and(|s| self.warn_days >= s) {
            e.add(
                "rules.warn_days",
                FieldCode::OutOfRange,
                "fewer days than the shortest reclaim period",
            );
        }
        if self.cooldown_days > MAX_DAYS {
            e.add(
                "rules.cooldown_days",
                FieldCode::OutOfRange,
                "at most 3650 days",
            );
        }
        if !(1..=10_000).contains(&self.daily_claim_limit) {
            e.add(
                "rules.daily_claim_limit",
                FieldCode::OutOfRange,
                "between 1 and 10000",
            );
        }
        if self.held_cap.is_some_and(|c| !(1..=1_000_000).contains(&c)) {
            e.add(
                "rules.held_cap",
                FieldCode::OutOfRange,
                "between 1 and 1000000",
            );
        }
    }
}

/// The start of the local day (company time) that `now` falls in, as UTC.
pub fn local_day_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let tz = FixedOffset::east_opt(LOCAL_OFFSET_SECS).expect("a valid offset");
    let local = now.with_timezone(&tz).date_naive();
    tz.from_local_datetime(&local.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("a fixed offset has one midnight")
        .with_timezone(&Utc)
}

/// A public pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pool {
    pub id: Uuid,
    pub name: String,
    /// The region whose reps use it; `None` for the company-wide pool (every region's, and the
    /// one customers of regions without their own pool return to). Absent for that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<Uuid>,
    pub rules: PoolRules,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PoolCreate {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "华东公海", min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub name: String,
    #[serde(default)]
    pub region_id: Option<Uuid>,
    #[serde(default, deserialize_with = "crate::de::opt_object")]
    pub rules: Option<PoolRules>,
}

impl PoolCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::SHORT);
        if let Some(r) = &self.rules {
            r.validate(&mut e);
        }
        e.finish()
    }
}

/// Rename a pool or change its rules (the region stays).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PoolUpdate {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 64, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_object")]
    pub rules: Option<PoolRules>,
}

impl PoolUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(n) = &self.name {
            e.required_text("name", n, limits::SHORT);
        }
        if let Some(r) = &self.rules {
            r.validate(&mut e);
        }
        e.finish()
    }
}

/// Put a customer back into the pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Why (shown to whoever considers claiming it, and in the history).
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "客户暂无采购计划",
            min_length = 1,
            max_length = 500,
            pattern = r"\S"
        )
    )]
    pub reason: String,
}

impl ReleaseRequest {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("reason", &self.reason, limits::REASON);
        e.finish()
    }
}

/// How many more customers the caller may claim today, and how many they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClaimQuota {
    pub claimed_today: u32,
    /// The smallest daily limit of the pools the caller uses.
    pub daily_limit: u32,
    pub remaining_today: u32,
    pub held: u32,
    pub held_cap: Option<u32>,
}

crate::list_query! {
    /// A pool's customers, most recently returned first.
    pub struct PoolCustomerQuery {
        /// Name contains this text.
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
        pub level: Option<Level>,
    }
}

impl PoolCustomerQuery {
    /// The search text within 100 characters and free of NUL.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(q) = &self.q {
            e.max_len("q", q.trim(), 100);
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn reclaim_and_warning_follow_the_level() {
        let r = PoolRules::default();
        let t = at("2026-01-01T00:00:00Z");
        assert_eq!(
            r.reclaim_at(Some(Level::A), t),
            Some(at("2026-04-01T00:00:00Z"))
        );
        assert_eq!(
            r.reclaim_at(Some(Level::C), t),
            Some(at("2026-01-31T00:00:00Z"))
        );
        assert_eq!(
            r.warn_from(at("2026-01-31T00:00:00Z")),
            Some(at("2026-01-28T00:00:00Z"))
        );
        let never = PoolRules {
            reclaim_days: ReclaimDays {
                a: None,
                ..r.reclaim_days.clone()
            },
            warn_days: 0,
            ..r.clone()
        };
        assert_eq!(never.reclaim_at(Some(Level::A), t), None);
        assert_eq!(never.warn_from(t), None);
        assert_eq!(r.cooldown_until(t), at("2026-01-08T00:00:00Z"));
    }

    #[test]
    fn the_local_day_starts_at_midnight_in_china() {
        // 2026-03-01 23:30 UTC is 07:30 on 2 March in Beijing.
        assert_eq!(
            local_day_start(at("2026-03-01T23:30:00Z")),
            at("2026-03-01T16:00:00Z")
        );
        assert_eq!(
            local_day_start(at("2026-03-01T15:59:59Z")),
            at("2026-02-28T16:00:00Z")
        );
    }

    #[test]
    fn rules_out_of_range_are_named() {
        let mut bad = PoolRules::default();
        bad.reclaim_days.b = Some(0);
        bad.warn_days = 40;
        bad.daily_claim_limit = 0;
        bad.held_cap = Some(0);
        let mut e = Errors::new();
        bad.validate(&mut e);
        let fields: Vec<String> = e
            .finish()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "rules.reclaim_days.b",
                "rules.warn_days",
                "rules.daily_claim_limit",
                "rules.held_cap"
            ]
        );
        let mut ok = Errors::new();
        PoolRules::default().validate(&mut ok);
        assert!(ok.finish().is_ok());
    }
    #[test]
    fn overdue_customers_are_warned_before_they_are_reclaimed() {
        use chrono::TimeZone;
        let r = PoolRules::default(); // unrated 30 days, warn 3 days ahead
        let day = |d: i64| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::days(d);
        let followed = day(0);
        let reclaim_at = r.reclaim_at(None, followed).unwrap();
        assert_eq!(reclaim_at, day(30));
        // Before the warning days: nothing; in them: a warning; warned: wait, then reclaim.
        assert_eq!(r.due(reclaim_at, followed, None, day(26)), Due::Nothing);
        assert_eq!(r.due(reclaim_at, followed, None, day(27)), Due::Warn);
        assert_eq!(
            r.due(reclaim_at, followed, Some(day(27)), day(29)),
            Due::Nothing
        );
        assert_eq!(
            r.due(reclaim_at, followed, Some(day(27)), day(30)),
            Due::Reclaim
        );
        // Found long overdue and never warned (an upgrade, a stopped job): warned first, and
        // reclaimed only when the notice has run.
        assert_eq!(r.due(reclaim_at, followed, None, day(400)), Due::Warn);
        assert_eq!(
            r.due(reclaim_at, followed, Some(day(400)), day(402)),
            Due::Nothing
        );
        assert_eq!(
            r.due(reclaim_at, followed, Some(day(400)), day(403)),
            Due::Reclaim
        );
        // A warning from before the last follow-up does not count.
        assert_eq!(
            r.due(reclaim_at, followed, Some(day(-5)), day(31)),
            Due::Warn
        );
        // Without warning days, due means reclaimed.
        let silent = PoolRules {
            warn_days: 0,
            ..PoolRules::default()
        };
        assert_eq!(
            silent.due(reclaim_at, followed, None, day(29)),
            Due::Nothing
        );
        assert_eq!(
            silent.due(reclaim_at, followed, None, day(30)),
            Due::Reclaim
        );
    }
}
