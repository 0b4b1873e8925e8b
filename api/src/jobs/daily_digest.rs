//! The morning digest (每日提醒): at a set local time (08:30 Asia/Shanghai unless configured),
//! each user with something on their plate gets one notification: tasks due today, tasks
//! overdue, visits planned today. Runs once a day (the job's next run is the next day's time);
//! a run that comes more than 12 hours after its time (the server was down all morning) sends
//! nothing rather than yesterday's digest. Users are walked by id in batches, each batch one
//! grouped query per count over the owners' indexes.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::visit::VisitStatus;
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::{BoxFuture, Counts, Job, Step};
use crate::entities::{user, visit};
use crate::error::AppResult;
use crate::services::follow_up::open_counts;
use crate::services::notification::{self, Notice};

pub const BATCH: u64 = 200;

/// How late a digest may still go out.
const LATEST_HOURS: i64 = 12;

pub struct DailyDigest {
    pub tz: Tz,
    pub at: NaiveTime,
}

impl DailyDigest {
    /// The digest's moment on a local day (a time that a clock change skips goes an hour later).
    pub fn slot_on(&self, day: NaiveDate) -> DateTime<Utc> {
        let local = day.and_time(self.at);
        self.tz
            .from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                self.tz
                    .from_local_datetime(&(local + Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| local.and_utc())
    }

    fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// The latest digest moment at or before `now`.
    pub fn last_slot(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let day = self.local_day(now);
        let s = self.slot_on(day);
        if s <= now {
            s
        } else {
            self.slot_on(day.pred_opt().unwrap_or(day))
        }
    }

    /// A local day's bounds in UTC.
    fn day_bounds(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| {
            self.tz
                .from_local_datetime(&d.and_time(NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_else(|| d.and_time(NaiveTime::MIN).and_utc())
        };
        (start(day), start(day.succ_opt().unwrap_or(day)))
    }
}

impl Job for DailyDigest {
    fn name(&self) -> &'static str {
        "daily_digest"
    }

    /// The next day's digest moment after a run (or today's, for a run before it).
    fn next_run(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let day = self.local_day(now);
        let s = self.slot_on(day);
        if s > now {
            s
        } else {
            self.slot_on(day.succ_opt().unwrap_or(day))
        }
    }

    fn step<'a>(
        &'a self,
        txn: &'a DatabaseTransaction,
        after: Option<&'a str>,
        now: DateTime<Utc>,
    ) -> BoxFuture<'a, AppResult<Step>> {
        Box::pin(self.run_step(txn, after, now))
    }
}

impl DailyDigest {
    async fn run_step(
        &self,
        txn: &DatabaseTransaction,
        after: Option<&str>,
        now: DateTime<Utc>,
    ) -> AppResult<Step> {
        let mut counts = Counts::new();
        let slot = self.last_slot(now);
        if now - slot > Duration::hours(LATEST_HOURS) {
            counts.insert("skipped_late".into(), 1);
            return Ok(Step { next: None, counts });
        }
        let day = self.local_day(slot);
        let (start, end) = self.day_bounds(day);
        let mut users = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Active.eq(true))
            // API clients' identities read no digest.
            .filter(user::Column::Role.ne(kaidan_shared::Role::Integration.as_str()))
            .order_by_asc(user::Column::Id)
            .limit(BATCH);
        if let Some(a) = after.and_then(|a| Uuid::parse_str(a).ok()) {
            users = users.filter(user::Column::Id.gt(a));
        }
        let ids: Vec<Uuid> = users.into_tuple().all(txn).await?;
        let next = (ids.len() as u64 == BATCH)
            .then(|| ids.last().map(Uuid::to_string))
            .flatten();
        let tasks = open_counts(txn, &ids, now, end).await?;
        let visits: Vec<(Uuid, i64)> = if ids.is_empty() {
            Vec::new()
        } else {
            visit::Entity::find()
                .select_only()
                .column(visit::Column::OwnerId)
                .column_as(visit::Column::Id.count(), "n")
                .filter(visit::Column::OwnerId.is_in(ids.clone()))
                .filter(visit::Column::VisitAt.gte(start))
                .filter(visit::Column::VisitAt.lt(end))
                .filter(visit::Column::Status.eq(VisitStatus::Planned.as_str()))
                .filter(visit::Column::ArchivedAt.is_null())
                .group_by(visit::Column::OwnerId)
                .into_tuple()
                .all(txn)
                .await?
        };
        let mut notices = Vec::new();
        for id in &ids {
            let (due_today, overdue) = tasks
                .iter()
                .find(|(u, _, _)| u == id)
                .map_or((0, 0), |(_, t, d)| (*t, *d));
            let planned = visits.iter().find(|(u, _)| u == id).map_or(0, |(_, n)| *n);
            if due_today + overdue + planned == 0 {
                continue;
            }
            notices.push(Notice {
                user_id: *id,
                kind: NotificationKind::DailyDigest,
                resource: None,
                record_id: None,
                data: json!({
                    "day": day,
                    "due_today": due_today,
                    "overdue": overdue,
                    "visits_today": planned,
                }),
            });
        }
        *counts.entry("sent".into()).or_default() += notices.len() as u64;
        notification::send_all(txn, notices).await?;
        Ok(Step { next, counts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest() -> DailyDigest {
        DailyDigest {
            tz: chrono_tz::Asia::Shanghai,
            at: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
        }
    }

    fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0).unwrap()
    }

    #[test]
    fn the_digest_runs_at_half_past_eight_in_shanghai() {
        let d = digest();
        // 08:30 in Shanghai is 00:30 UTC.
        assert_eq!(d.next_run(utc(27, 23, 0)), utc(28, 0, 30));
        assert_eq!(d.next_run(utc(28, 0, 30)), utc(29, 0, 30));
        assert_eq!(d.last_slot(utc(28, 5, 0)), utc(28, 0, 30));
        assert_eq!(d.last_slot(utc(28, 0, 0)), utc(27, 0, 30));
        // Shanghai's day of 28 November runs from 16:00 UTC on the 27th.
        let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(d.day_bounds(day), (utc(27, 16, 0), utc(28, 16, 0)));
    }

    #[test]
    fn a_time_a_clock_change_skips_goes_an_hour_later() {
        let d = DailyDigest {
            tz: chrono_tz::Europe::Berlin,
            at: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        };
        // 29 March 2026: 02:00 → 03:00 in Berlin; 03:30 CEST is 01:30 UTC.
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(
            d.slot_on(day),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap()
        );
    }
}
