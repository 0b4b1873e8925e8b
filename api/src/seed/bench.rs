//! `kaidan seed-bench`: a large, realistic data set for load benchmarks — N customers with two
//! contacts each, spread over M sales reps in every team, each placed in its city; the pipeline
//! (`bench_pipeline`) and the visits and follow-ups (`bench_visit`) on top — written in multi-row
//! batches.
//!
//! Bench rows skip the per-row audit trail and the duplicate check (they are generated, not
//! entered), and all bench reps share one password hash, computed once. Re-running tops up to N.

use std::time::Instant;

use chrono::Duration;
use kaidan_shared::normalize::{name_key, phone_key, search_key};
use kaidan_shared::validate::credit_code_check_char;
use kaidan_shared::Role;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::auth::password::PasswordHasher;
use crate::entities::{contact, custom_value, customer, field_def, team, user};
use crate::error::AppResult;
use crate::seed::{seed_org, DEMO_PASSWORD};
use crate::services::{begin_write, now};

/// The source tag of bench customers, so a re-run knows how many exist.
pub const BENCH_SOURCE: &str = "bench";
/// Rows per INSERT: customers have 21 columns, so 500 rows stay under SQLite's 32,766 parameters.
const BATCH: usize = 500;

#[derive(Debug)]
pub struct BenchReport {
    pub reps: usize,
    pub customers_added: u64,
    pub contacts_added: u64,
    pub pipeline: super::bench_pipeline::PipelineReport,
    pub visits: super::bench_visit::VisitReport,
    pub contracts: super::bench_contract::ContractReport,
    pub seconds: f64,
}

impl BenchReport {
    pub fn rows_per_second(&self) -> f64 {
        let p = &self.pipeline;
        let v = &self.visits;
        let c = &self.contracts;
        (self.customers_added
            + self.contacts_added
            + p.deals
            + p.leads
            + v.visits
            + v.tasks
            + c.waiting * 3
            + c.drafts) as f64
            / self.seconds.max(1e-9)
    }
}

/// (city, telephone area code, division code, latitude, longitude of its centre)
const CITIES: [(&str, &str, &str, f64, f64); 12] = [
    ("杭州", "0571", "330100", 30.274, 120.155),
    ("上海", "021", "310100", 31.230, 121.474),
    ("苏州", "0512", "320500", 31.299, 120.585),
    ("南京", "025", "320100", 32.060, 118.797),
    ("宁波", "0574", "330200", 29.868, 121.544),
    ("合肥", "0551", "340100", 31.821, 117.227),
    ("广州", "020", "440100", 23.129, 113.264),
    ("深圳", "0755", "440300", 22.543, 114.058),
    ("东莞", "0769", "441900", 23.021, 113.752),
    ("佛山", "0757", "440600", 23.022, 113.122),
    ("厦门", "0592", "350200", 24.480, 118.089),
    ("珠海", "0756", "440400", 22.271, 113.577),
];
const WORDS: [&str; 40] = [
    "星辰", "瑞丰", "华信", "恒达", "宏远", "博雅", "天成", "金诚", "鼎盛", "嘉禾", "汇通", "远景",
    "同创", "中科", "新锐", "卓越", "长青", "安泰", "永兴", "德润", "万象", "启明", "海纳", "聚力",
    "正泰", "明辉", "盛世", "锦程", "鸿运", "泰和", "东方", "蓝海", "云帆", "凯越", "润泽", "信达",
    "华宇", "开元", "精工", "联创",
];
/// (name word, industry key of the `customer_industry` option list)
const TRADES: [(&str, &str); 7] = [
    ("科技", "information_technology"),
    ("电子", "electronics"),
    ("机械", "machinery"),
    ("贸易", "wholesale_retail"),
    ("医疗器械", "healthcare"),
    ("物流", "logistics"),
    ("新能源", "energy"),
];
const PEOPLE: [&str; 12] = [
    "王伟", "李娜", "张敏", "刘洋", "陈静", "杨磊", "黄艳", "赵勇", "吴军", "周杰", "徐涛", "孙丽",
];

/// Customer number `i` → a unique, plausible company name.
fn company_name(i: u64) -> (String, usize, usize) {
    let city = (i % 12) as usize;
    let w1 = ((i / 12) % 40) as usize;
    let w2 = ((i / 480) % 40) as usize;
    let trade = ((i / 19_200) % 7) as usize;
    let round = i / 134_400;
    let base = format!(
        "{}{}{}{}有限公司",
        CITIES[city].0, WORDS[w1], WORDS[w2], TRADES[trade].0
    );
    let name = if round == 0 {
        base
    } else {
        format!("{base}第{round}分公司")
    };
    (name, city, trade)
}

/// Adds bench reps (`bench_rep_001` …) spread over the demo teams until there are `reps`.
async fn ensure_reps(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    reps: usize,
) -> AppResult<Vec<Uuid>> {
    let teams = team::Entity::find().all(db).await?;
    let hash = hasher.hash(DEMO_PASSWORD.to_owned()).await?;
    let mut ids = Vec::with_capacity(reps);
    let mut missing = Vec::new();
    for n in 1..=reps {
        let username = format!("bench_rep_{n:03}");
        match user::Entity::find()
            .filter(user::Column::Username.eq(&username))
            .one(db)
            .await?
        {
            Some(u) => ids.push(u.id),
            None => {
                let t = &teams[n % teams.len().max(1)];
                let id = Uuid::now_v7();
                let at = now();
                missing.push(user::ActiveModel {
                    id: Set(id),
                    username: Set(username),
                    display_name: Set(format!("压测销售{n:03}")),
                    password_hash: Set(hash.clone()),
                    role: Set(Role::SalesRep.as_str().into()),
                    team_id: Set(Some(t.id)),
                    region_id: Set(Some(t.region_id)),
                    email: Set(None),
                    phone: Set(None),
                    active: Set(true),
                    tokens_valid_after: Set(None),
                    demo_password: Set(true),
                    grants: Set(String::new()),
                    version: Set(1),
                    created_at: Set(at),
                    updated_at: Set(at),
                });
                ids.push(id);
            }
        }
    }
    for chunk in missing.chunks(BATCH) {
        user::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(ids)
}

/// Tops the bench data set up to `customers` customers (two contacts each) over `reps` reps.
pub async fn seed_bench(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    customers: u64,
    reps: usize,
    check_ins: Option<u64>,
) -> AppResult<BenchReport> {
    seed_org(db, hasher, DEMO_PASSWORD).await?;
    let owners = ensure_reps(db, hasher, reps.max(1)).await?;
    ensure_bench_field(db).await?;
    let existing = customer::Entity::find()
        .filter(customer::Column::Source.eq(BENCH_SOURCE))
        .count(db)
        .await?;
    // Each owner's team and region, for the customers' copies of them.
    let places: std::collections::HashMap<Uuid, (Option<Uuid>, Option<Uuid>)> =
        user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::TeamId)
            .column(user::Column::RegionId)
            .into_tuple::<(Uuid, Option<Uuid>, Option<Uuid>)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(id, team, region)| (id, (team, region)))
            .collect();
    let start = Instant::now();
    let base_time = now();
    let (mut added, mut contacts_added) = (0u64, 0u64);
    let mut i = existing;
    while i < customers {
        let end = (i + BATCH as u64).min(customers);
        let mut rows = Vec::with_capacity(BATCH);
        let mut people = Vec::with_capacity(BATCH * 2);
        let mut values = Vec::with_capacity(BATCH);
        for n in i..end {
            let (name, city, trade) = company_name(n);
            let (city_name, area, code, lat, lng) = CITIES[city];
            let id = Uuid::now_v7();
            // Spread changes over the last year so "recently changed first" has real order.
            let at = base_time - Duration::seconds((n % 31_536_000) as i64);
            let phone = format!("{area}-{:08}", 80_000_000 + n % 19_999_999);
            let org = format!("{:09}", n % 1_000_000_000);
            let first17 = format!("91{code}{org}");
            let credit = credit_code_check_char(&first17).map(|c| format!("{first17}{c}"));
            // Independent of the owner (n % reps): each rep's book holds every value alike.
            let cycle =
                BENCH_CYCLES[((n / owners.len() as u64) % BENCH_CYCLES.len() as u64) as usize];
            values.push(custom_value::ActiveModel {
                resource: Set("customer".into()),
                field_key: Set(BENCH_FIELD.into()),
                value: Set(cycle.into()),
                record_id: Set(id),
            });
            let owner = owners[(n % owners.len() as u64) as usize];
            let place = places.get(&owner).copied().unwrap_or_default();
            rows.push(customer::ActiveModel {
                id: Set(id),
                kind: Set("company".into()),
                name_key: Set(name_key(&name)),
                search_key: Set(search_key(&name)),
                credit_code: Set(credit),
                industry: Set(Some(TRADES[trade].1.into())),
                level: Set(Some(["A", "B", "B", "C", "C"][(n % 5) as usize].into())),
                phone_key: Set(Some(phone_key(&phone))),
                phone: Set(Some(phone)),
                address: Set(Some(format!("{city_name}市高新区创业路{}号", 1 + n % 999))),
                // Within about 15 km of the centre: the map and the check-in distance have a
                // place to work with.
                lat: Set(Some(lat + ((n * 7_919) % 2_001) as f64 / 15_000.0 - 0.0667)),
                lng: Set(Some(
                    lng + ((n * 104_729) % 2_001) as f64 / 15_000.0 - 0.0667,
                )),
                owner_id: Set(Some(owner)),
                owner_team_id: Set(place.0),
                owner_region_id: Set(place.1),
                source: Set(Some(BENCH_SOURCE.into())),
                notes: Set(None),
                tags: Set(None),
                custom: Set(Some(format!("{{\"{BENCH_FIELD}\":\"{cycle}\"}}"))),
                archived_at: Set(None),
                pool_id: Set(None),
                pooled_at: Set(None),
                pool_reason: Set(None),
                previous_owner_id: Set(None),
                followed_up_at: Set(Some(at)),
                warned_at: Set(None),
                version: Set(1),
                created_by: Set(None),
                created_at: Set(at),
                updated_at: Set(at),
                name: Set(name),
            });
            for k in 0..2u64 {
                people.push(contact::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    customer_id: Set(id),
                    name: Set(PEOPLE[((n + k * 7) % 12) as usize].into()),
                    title: Set(Some(if k == 0 { "总经理" } else { "采购经理" }.into())),
                    phones: Set(format!("[\"139{:08}\"]", (n * 2 + k) % 100_000_000)),
                    email: Set(None),
                    wechat: Set(None),
                    is_primary: Set(k == 0),
                    notes: Set(None),
                    custom: Set(None),
                    archived_at: Set(None),
                    version: Set(1),
                    created_at: Set(at),
                    updated_at: Set(at),
                });
            }
        }
        let txn = begin_write(db).await?;
        let n_rows = rows.len() as u64;
        customer::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
        for chunk in people.chunks(BATCH) {
            contact::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        custom_value::Entity::insert_many(values)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        added += n_rows;
        contacts_added += n_rows * 2;
        i = end;
    }
    let pipeline = super::bench_pipeline::seed(db, &owners, customers).await?;
    let visits = super::bench_visit::seed(db, &owners, customers, check_ins).await?;
    let contracts = super::bench_contract::seed(db, &owners, customers).await?;
    if added > 0
        || contracts.waiting > 0
        || pipeline.deals > 0
        || pipeline.leads > 0
        || pipeline.due > 0
        || visits.visits > 0
        || visits.tasks > 0
    {
        // A bulk load leaves the planner without statistics until autovacuum gets round to it;
        // on PostgreSQL the customer list then sorted 17k rows instead of walking the
        // (owner_id, updated_at, id) index (64 ms instead of 0.1 ms).
        refresh_statistics(db).await?;
    }
    Ok(BenchReport {
        reps: owners.len(),
        customers_added: added,
        contacts_added,
        pipeline,
        visits,
        contracts,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// The bench's custom field: a filterable single choice over the customer sources, so the list
/// filtered by a custom field is measured at the bench's size.
pub const BENCH_FIELD: &str = "bench_cycle";
const BENCH_CYCLES: [&str; 5] = [
    "trade_show",
    "referral",
    "website",
    "cold_call",
    "channel_partner",
];

async fn ensure_bench_field(db: &DatabaseConnection) -> AppResult<()> {
    let exists = field_def::Entity::find()
        .filter(field_def::Column::Resource.eq("customer"))
        .filter(field_def::Column::Key.eq(BENCH_FIELD))
        .count(db)
        .await?
        > 0;
    if !exists {
        let t = now();
        field_def::Entity::insert(field_def::ActiveModel {
            id: Set(Uuid::now_v7()),
            resource: Set("customer".into()),
            key: Set(BENCH_FIELD.into()),
            label_zh: Set("采购周期".into()),
            label_en: Set("Purchase cycle".into()),
            kind: Set("choice".into()),
            required: Set(false),
            default_value: Set(None),
            help_zh: Set(None),
            help_en: Set(None),
            section: Set(None),
            position: Set(0),
            option_list: Set(Some("customer_source".into())),
            visible_to: Set(
                r#"["admin","customer_service","regional_manager","sales_rep","supervisor"]"#
                    .into(),
            ),
            editable_by: Set(
                r#"["admin","customer_service","regional_manager","sales_rep","supervisor"]"#
                    .into(),
            ),
            filterable: Set(true),
            active: Set(true),
            used: Set(true),
            version: Set(1),
            created_at: Set(t),
            updated_at: Set(t),
        })
        .exec_without_returning(db)
        .await?;
        crate::services::rules_cache::bump(db).await?;
    }
    Ok(())
}

/// Refreshes the query planner's statistics of the tables the load writes. (Without the visits'
/// and tasks', PostgreSQL guessed 3,843 visits a customer and joined the owner's 100,000 to find
/// a customer's five: 22 ms instead of 0.1. The approvals' were missing until a machine whose
/// PostgreSQL runs without autovacuum had never analysed them: one-tap approve p99 34 ms instead
/// of 12.)
async fn refresh_statistics(db: &DatabaseConnection) -> AppResult<()> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "ANALYZE customers, contacts, customer_tags, custom_values, users, opportunities, leads, \
             visits, follow_ups, contracts, approvals, approval_tasks"
        }
        DbBackend::MySql => {
            "ANALYZE TABLE customers, contacts, customer_tags, custom_values, users, opportunities, \
             leads, visits, follow_ups, contracts, approvals, approval_tasks"
        }
        _ => "ANALYZE",
    };
    db.execute_unprepared(sql).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_names_are_unique_across_rounds() {
        let mut seen = std::collections::HashSet::new();
        for i in (0..400_000).step_by(7) {
            assert!(seen.insert(company_name(i).0), "{i}");
        }
        assert!(company_name(134_400).0.ends_with("第1分公司"));
    }
}
