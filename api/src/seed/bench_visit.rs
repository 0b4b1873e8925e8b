//! The visits part of `kaidan seed-bench`: five visits per bench customer over the last two years
//! (5,000,000 at 1,000,000 customers; done, checked in near the customer, one in ten flagged), one
//! follow-up task per customer (a third open, due around today), each bench rep's day today (eight
//! planned visits: "my day" and a supervisor's team day), and the first rep's planned visits the
//! check-in benchmark checks in — made afresh each run, two days ahead so no day list holds them.
//! Written in multi-row batches like the customers; re-running tops each part up.

use chrono::{Duration, TimeZone, Utc};
use kaidan_shared::follow_up::FollowUpStatus;
use kaidan_shared::pool::LOCAL_OFFSET_SECS;
use kaidan_shared::visit::VisitStatus;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{customer, follow_up, visit};
use crate::error::AppResult;
use crate::seed::bench::BENCH_SOURCE;
use crate::seed::bench_pipeline::next_customers;
use crate::services::{begin_write, now};

/// Visits per bench customer in the past.
pub const VISITS_PER_CUSTOMER: u64 = 5;
/// Planned visits of each bench rep today.
pub const TODAY_PER_REP: u64 = 8;
/// The purpose of the past visits, today's and the check-in benchmark's.
const PAST: &str = "压测拜访";
const TODAY: &str = "压测今日";
pub const CHECK_IN: &str = "压测签到";
/// The title of the bench follow-up tasks.
const TASK: &str = "压测跟进";
/// Rows per INSERT: visits have 32 columns, so 500 rows stay under SQLite's 32,766 parameters.
const BATCH: u64 = 500;

#[derive(Debug, Default)]
pub struct VisitReport {
    pub visits: u64,
    pub tasks: u64,
    pub today: u64,
    pub check_ins: u64,
}

/// Midnight of today in China's time (the visits' day bounds), as UTC.
fn today_start() -> chrono::DateTime<Utc> {
    let tz = chrono::FixedOffset::east_opt(LOCAL_OFFSET_SECS).expect("a valid offset");
    let day = now().with_timezone(&tz).date_naive();
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .single()
        .expect("a fixed offset has one midnight")
        .with_timezone(&Utc)
}

/// A visit row of the bench (the columns every kind shares; past ones add the check-in).
fn row(
    customer: &customer::Model,
    owner: Uuid,
    team: Option<Uuid>,
    purpose: &str,
    at: chrono::DateTime<Utc>,
) -> visit::ActiveModel {
    visit::ActiveModel {
        id: Set(Uuid::now_v7()),
        customer_id: Set(customer.id),
        opportunity_id: Set(None),
        owner_id: Set(Some(owner)),
        owner_team_id: Set(team),
        purpose: Set(Some(purpose.into())),
        planned_at: Set(Some(at)),
        visit_at: Set(at),
        status: Set(VisitStatus::Planned.as_str().into()),
        check_in_at: Set(None),
        check_in_lat: Set(None),
        check_in_lng: Set(None),
        check_in_accuracy_m: Set(None),
        check_in_distance_m: Set(None),
        check_in_flags: Set(None),
        check_in_radius_m: Set(None),
        flagged: Set(false),
        check_in_device_at: Set(None),
        check_out_at: Set(None),
        duration_s: Set(None),
        contact_ids: Set(None),
        notes: Set(None),
        outcome: Set(None),
        next_step: Set(None),
        next_follow_up_on: Set(None),
        custom: Set(None),
        archived_at: Set(None),
        version: Set(1),
        created_by: Set(Some(owner)),
        // Planned the day before, or now for a visit planned ahead.
        created_at: Set((at - Duration::days(1)).min(now())),
        updated_at: Set((at - Duration::days(1)).min(now())),
    }
}

pub async fn seed(
    db: &DatabaseConnection,
    owners: &[Uuid],
    customers: u64,
    check_ins: Option<u64>,
) -> AppResult<VisitReport> {
    let mut report = VisitReport::default();
    let Some(&first_rep) = owners.first() else {
        return Ok(report);
    };
    let teams = super::bench_pipeline::user_teams(db).await?;
    let owner_of = |c: &customer::Model| c.owner_id.or(c.previous_owner_id).unwrap_or(first_rep);
    let base = today_start();

    // The past: five visits per customer, continuing after the last customer that has them.
    // (The last by order, not MAX: PostgreSQL has no max(uuid).)
    let mut last: Option<Uuid> = visit::Entity::find()
        .select_only()
        .column(visit::Column::CustomerId)
        .filter(visit::Column::Purpose.eq(PAST))
        .order_by_desc(visit::Column::CustomerId)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    let mut n = visit::Entity::find()
        .filter(visit::Column::Purpose.eq(PAST))
        .count(db)
        .await?;
    while n < customers * VISITS_PER_CUSTOMER {
        let batch = next_customers(db, last, Condition::all()).await?;
        let Some(l) = batch.last() else { break };
        last = Some(l.id);
        let mut rows = Vec::with_capacity(batch.len() * VISITS_PER_CUSTOMER as usize);
        for c in &batch {
            let owner = owner_of(c);
            for _ in 0..VISITS_PER_CUSTOMER {
                // Spread over the two years before today, in working hours (9:00 to 17:00).
                let day = 1 + (n * 7_919) % 730;
                let minute = (n * 104_729) % 480;
                let at = base - Duration::days(day as i64)
                    + Duration::hours(9)
                    + Duration::minutes(minute as i64);
                let flagged = n % 10 == 0;
                let mut r = row(c, owner, teams.get(&owner).copied().flatten(), PAST, at);
                r.status = Set(VisitStatus::Done.as_str().into());
                r.check_in_at = Set(Some(at));
                r.check_in_lat = Set(Some(c.lat.unwrap_or(30.27) + 0.0004));
                r.check_in_lng = Set(Some(c.lng.unwrap_or(120.15) + 0.0003));
                r.check_in_accuracy_m = Set(Some(15.0));
                r.check_in_distance_m = Set(Some(if flagged { 1_800 } else { 50 }));
                r.check_in_flags = Set(flagged.then(|| "too_far".into()));
                r.check_in_radius_m = Set(Some(500));
                r.flagged = Set(flagged);
                r.check_out_at = Set(Some(at + Duration::minutes(40)));
                r.duration_s = Set(Some(2_400));
                r.notes = Set(Some("压测拜访纪要：客户对新品有兴趣".into()));
                r.outcome = Set(Some("follow_up".into()));
                r.version = Set(3);
                r.updated_at = Set(at + Duration::minutes(40));
                rows.push(r);
                n += 1;
            }
        }
        let txn = begin_write(db).await?;
        for chunk in rows.chunks(BATCH as usize) {
            report.visits += chunk.len() as u64;
            visit::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }

    // One task per customer, due from two months ago to two months ahead: those ahead open (due
    // soon), of the past ones a third still open (overdue) and the rest done.
    // (The last by order, not MAX: PostgreSQL has no max(uuid).)
    let mut last: Option<Uuid> = follow_up::Entity::find()
        .select_only()
        .column(follow_up::Column::CustomerId)
        .filter(follow_up::Column::Title.eq(TASK))
        .order_by_desc(follow_up::Column::CustomerId)
        .limit(1)
        .into_tuple::<Uuid>()
        .one(db)
        .await?;
    let mut n = follow_up::Entity::find()
        .filter(follow_up::Column::Title.eq(TASK))
        .count(db)
        .await?;
    while n < customers {
        let batch = next_customers(db, last, Condition::all()).await?;
        let Some(l) = batch.last() else { break };
        last = Some(l.id);
        let rows: Vec<follow_up::ActiveModel> = batch
            .iter()
            .map(|c| {
                let owner = owner_of(c);
                let due =
                    base - Duration::days(60) + Duration::minutes(((n * 7_919) % 172_800) as i64);
                // Open: a third, and every one due ahead (nothing is done before it is due).
                let open = n % 3 == 0 || due > base;
                let made = (due - Duration::days(3)).min(base);
                n += 1;
                follow_up::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    customer_id: Set(c.id),
                    opportunity_id: Set(None),
                    visit_id: Set(None),
                    owner_id: Set(Some(owner)),
                    owner_team_id: Set(teams.get(&owner).copied().flatten()),
                    kind: Set("call".into()),
                    title: Set(TASK.into()),
                    notes: Set(None),
                    due_at: Set(due),
                    status: Set(if open {
                        FollowUpStatus::Open
                    } else {
                        FollowUpStatus::Done
                    }
                    .as_str()
                    .into()),
                    done_at: Set((!open).then_some(due)),
                    result: Set((!open).then(|| "已电话沟通".into())),
                    snooze_count: Set(0),
                    remind_at: Set(None),
                    remind_stage: Set(0),
                    custom: Set(None),
                    version: Set(1),
                    created_by: Set(Some(owner)),
                    created_at: Set(made),
                    updated_at: Set(made),
                }
            })
            .collect();
        let txn = begin_write(db).await?;
        report.tasks += rows.len() as u64;
        follow_up::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
    }

    // Today's plan of each rep: eight visits from nine o'clock, to the rep's first customers.
    let (from, to) = (base, base + Duration::days(1));
    for &owner in owners {
        let have = visit::Entity::find()
            .filter(visit::Column::OwnerId.eq(owner))
            .filter(visit::Column::VisitAt.gte(from))
            .filter(visit::Column::VisitAt.lt(to))
            .filter(visit::Column::Purpose.eq(TODAY))
            .count(db)
            .await?;
        if have >= TODAY_PER_REP {
            continue;
        }
        let mine = customer::Entity::find()
            .filter(customer::Column::OwnerId.eq(owner))
            .filter(customer::Column::Source.eq(BENCH_SOURCE))
            .order_by_asc(customer::Column::Id)
            .limit(TODAY_PER_REP)
            .all(db)
            .await?;
        let rows: Vec<visit::ActiveModel> = mine
            .iter()
            .enumerate()
            .skip(have as usize)
            .map(|(i, c)| {
                let at = from + Duration::hours(9 + i as i64);
                row(c, owner, teams.get(&owner).copied().flatten(), TODAY, at)
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        report.today += rows.len() as u64;
        visit::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }

    // The check-in benchmark's visits: the last run's gone (checked in or not), then one per
    // check-in a run can make, over the first rep's customers.
    visit::Entity::delete_many()
        .filter(visit::Column::Purpose.eq(CHECK_IN))
        .exec(db)
        .await?;
    let want = check_ins.unwrap_or((customers / 20).max(5_000));
    let mine = customer::Entity::find()
        .filter(customer::Column::OwnerId.eq(first_rep))
        .filter(customer::Column::Source.eq(BENCH_SOURCE))
        .filter(customer::Column::PoolId.is_null())
        .order_by_asc(customer::Column::Id)
        .limit(5_000)
        .all(db)
        .await?;
    if !mine.is_empty() {
        let team = teams.get(&first_rep).copied().flatten();
        let day = from + Duration::days(2) + Duration::hours(9);
        let mut made = 0u64;
        while made < want {
            let rows: Vec<visit::ActiveModel> = (made..(made + BATCH).min(want))
                .map(|i| {
                    let c = &mine[(i % mine.len() as u64) as usize];
                    row(
                        c,
                        first_rep,
                        team,
                        CHECK_IN,
                        day + Duration::seconds(i as i64),
                    )
                })
                .collect();
            made += rows.len() as u64;
            visit::Entity::insert_many(rows)
                .exec_without_returning(db)
                .await?;
        }
        report.check_ins = made;
    }
    Ok(report)
}
