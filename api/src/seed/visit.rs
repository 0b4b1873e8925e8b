//! Demo visits: a month of each rep's visits at their customers — most checked in at the door,
//! some from too far away or with a coarse fix, each recorded with an outcome — and today's plan
//! for every rep, so the rep's day and the supervisor's map have something to show. Made through
//! the service with the clock set to each moment, so every visit is audited and the customers'
//! follow-up clocks move as they would have. The visits' next follow-up dates make follow-up
//! tasks; each rep also gets one overdue and one due today.

use chrono::{Duration, TimeZone, Utc};
use kaidan_shared::follow_up::FollowUpCreate;
use kaidan_shared::patch::Patch;
use kaidan_shared::pool::LOCAL_OFFSET_SECS;
use kaidan_shared::visit::{CheckIn, VisitCreate, VisitUpdate};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::auth::Actor;
use crate::clock::Clock;
use crate::entities::{customer, visit};
use crate::error::AppResult;
use crate::seed::Gen;
use crate::services::follow_up as follow_ups;
use crate::services::rules_cache::RulesCache;
use crate::services::visit as visits;

const PURPOSES: [&str; 5] = [
    "演示新版方案",
    "回访使用情况",
    "商务洽谈",
    "收集需求",
    "送报价单",
];
const NOTES: [&str; 4] = [
    "客户对方案整体认可，关注实施周期",
    "设备科长在场，提出需要现场测试",
    "采购部门预算下季度才批，需要持续跟进",
    "老板亲自接待，意向明确，等待报价",
];
const OUTCOMES: [&str; 4] = ["interested", "follow_up", "not_interested", "closed"];

/// Visits, when there are none yet; how many were made.
pub async fn seed_visits(db: &DatabaseConnection) -> AppResult<usize> {
    let kept = RulesCache::default();
    if visit::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let system = Actor::system();
    let customers = customer::Entity::find()
        .filter(customer::Column::OwnerId.is_not_null())
        .filter(customer::Column::PoolId.is_null())
        .filter(customer::Column::ArchivedAt.is_null())
        .filter(customer::Column::Lat.is_not_null())
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?;
    let tz = chrono::FixedOffset::east_opt(LOCAL_OFFSET_SECS).expect("a valid offset");
    let today = Utc::now().with_timezone(&tz).date_naive();
    let at_local = |days_ago: i64, minutes: i64| {
        let day = today - Duration::days(days_ago);
        tz.from_local_datetime(&day.and_hms_opt(9, 0, 0).expect("nine"))
            .single()
            .expect("a fixed offset has one nine o'clock")
            .with_timezone(&Utc)
            + Duration::minutes(minutes)
    };
    let mut g = Gen(20261128);
    let mut made = 0;
    let mut planned_today = std::collections::HashMap::new();
    for c in &customers {
        let (Some(lat), Some(lng), Some(owner)) = (c.lat, c.lng, c.owner_id) else {
            continue;
        };
        // Today's plan: up to three customers per rep.
        let today_count = planned_today.entry(owner).or_insert(0);
        if *today_count < 3 && g.below(4) == 0 {
            *today_count += 1;
            let input = VisitCreate {
                customer_id: c.id,
                purpose: Some(g.pick(&PURPOSES).to_string()),
                planned_at: Some(at_local(0, 60 + 150 * (*today_count as i64 - 1))),
                owner_id: Some(owner),
                ..Default::default()
            };
            visits::create(db, &kept, &system, input, &Clock::default()).await?;
            made += 1;
        }
        if g.below(3) != 0 {
            continue;
        }
        for _ in 0..1 + g.below(2) {
            let days_ago = 1 + g.below(30) as i64;
            let start = at_local(days_ago, g.below(480) as i64);
            let clock = Clock::default();
            clock.advance(start - Utc::now() - Duration::minutes(30));
            let input = VisitCreate {
                customer_id: c.id,
                purpose: Some(g.pick(&PURPOSES).to_string()),
                planned_at: Some(start),
                owner_id: Some(owner),
                ..Default::default()
            };
            let v = visits::create(db, &kept, &system, input, &clock).await?;
            clock.advance(Duration::minutes(25 + g.below(15) as i64));
            // Most at the door (within ~150 m); one in eight across town; one in ten coarse.
            let (spread, accuracy) = match g.below(40) {
                0..=4 => (0.03, 20.0),
                5..=8 => (0.0005, 1_500.0),
                _ => (0.0012, 10.0 + g.below(50) as f64),
            };
            let check_in = CheckIn {
                lat: lat + g.unit() * spread,
                lng: lng + g.unit() * spread,
                accuracy_m: accuracy,
                set_customer_location: false,
                device_at: None,
            };
            let v = visits::check_in(db, &kept, &system, v.id, None, check_in, &clock).await?;
            clock.advance(Duration::minutes(20 + g.below(70) as i64));
            let outcome = g.pick(&OUTCOMES).to_string();
            let record = VisitUpdate {
                notes: Patch::Value(g.pick(&NOTES).to_string()),
                next_step: Patch::Value("整理纪要并发送报价".into()),
                next_follow_up_on: if outcome == "not_interested" {
                    Patch::Absent
                } else {
                    Patch::Value(today + Duration::days(1 + g.below(14) as i64))
                },
                outcome: Patch::Value(outcome),
                ..Default::default()
            };
            let v = visits::update(db, &kept, &system, v.id, v.version, record, &clock).await?;
            visits::check_out(
                db,
                &kept,
                &system,
                v.id,
                Some(v.version),
                Default::default(),
                &clock,
            )
            .await?;
            made += 1;
        }
    }
    // Beside the tasks the visits' next follow-up dates made: for each rep one call overdue
    // since yesterday and one WeChat message due this afternoon, so the digest, the reminders
    // and the supervisors' overdue list have something to show.
    let mut first_customer = std::collections::BTreeMap::new();
    for c in &customers {
        if let Some(o) = c.owner_id {
            first_customer.entry(o).or_insert(c.id);
        }
    }
    for (owner, customer_id) in first_customer {
        for (kind, title, due) in [
            ("call", "电话确认报价细节", at_local(1, 360)),
            ("wechat", "微信发送产品资料", at_local(0, 420)),
        ] {
            let input = FollowUpCreate {
                customer_id,
                kind: kind.into(),
                title: title.into(),
                due_at: due,
                owner_id: Some(owner),
                ..Default::default()
            };
            follow_ups::create(db, &kept, &system, input, &Clock::default()).await?;
        }
    }
    Ok(made)
}
