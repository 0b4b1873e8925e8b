//! The pipeline part of `kaidan seed-bench`: at N bench customers, 30 % of them in the
//! company-wide pool, about N deals (one or two per owned customer; 60 % open, 25 % won, 15 %
//! lost), N/5 leads over the bench reps, territory rules over the teams (and a catch-all to the
//! first bench rep's team), 20,000 fresh leads of the second rep for the conversion benchmark, and
//! 100,000 customers due for reclaim (followed up long ago, their owners warned ten days ago) for
//! the reclaim-under-load benchmark. Written in multi-row batches like the customers; re-running
//! tops each part up (and gives the customers a previous run reclaimed back to their owners, due
//! again).

use chrono::Duration;
use kaidan_shared::lead::{AssignedVia, LeadStatus, DEFAULT_QUEUE};
use kaidan_shared::normalize::{name_key, phone_key, search_key};
use kaidan_shared::opportunity::Outcome;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entities::{
    contact, customer, lead, lead_rule, opportunity, opportunity_stage_change, pool, team, user,
};
use crate::error::AppResult;
use crate::jobs::pool_reclaim::REASON;
use crate::seed::bench::BENCH_SOURCE;
use crate::services::{begin_write, now};

const BATCH: u64 = 500;
/// Fresh leads of the first bench rep, for the conversion benchmark.
pub const CONVERTIBLE: u64 = 20_000;
/// The name of those leads starts with this.
pub const CONVERTIBLE_PREFIX: &str = "待转化";
/// Customers due for reclaim, for the reclaim-under-load benchmark.
pub const DUE: u64 = 100_000;
/// The name of leads the create benchmark (`scripts/bench`) makes starts with this.
pub const CREATED_PREFIX: &str = "压测新线索";
/// The pool reason of bench customers put in the pool by the seed (not by the job).
const SEEDED: &str = "bench";

/// What an earlier run's conversion benchmark made — customers, their contacts, deals and stage
/// moves, the converted leads — gone, and the board totals counted again: each run starts from
/// the seeded company. Left in place, the runs of one day had given one rep 40,000 deals newer
/// than every other team's, and a supervisor's board walked past them all in each stage
/// (150–200 ms a column on SQLite; docs/benchmarks.md).
async fn undo_conversions(db: &DatabaseConnection) -> AppResult<()> {
    let converted = |col: lead::Column| {
        Query::select()
            .column(col)
            .from(lead::Entity)
            .and_where(lead::Column::Name.like(format!("{CONVERTIBLE_PREFIX}%")))
            .and_where(lead::Column::Status.eq(LeadStatus::Converted.as_str()))
            .to_owned()
    };
    let any = lead::Entity::find()
        .filter(lead::Column::Name.like(format!("{CONVERTIBLE_PREFIX}%")))
        .filter(lead::Column::Status.eq(LeadStatus::Converted.as_str()))
        .count(db)
        .await?;
    if any == 0 {
        return Ok(());
    }
    let txn = begin_write(db).await?;
    opportunity_stage_change::Entity::delete_many()
        .filter(
            opportunity_stage_change::Column::OpportunityId
                .in_subquery(converted(lead::Column::OpportunityId)),
        )
        .exec(&txn)
        .await?;
    opportunity::Entity::delete_many()
        .filter(opportunity::Column::Id.in_subquery(converted(lead::Column::OpportunityId)))
        .exec(&txn)
        .await?;
    contact::Entity::delete_many()
        .filter(contact::Column::CustomerId.in_subquery(converted(lead::Column::CustomerId)))
        .exec(&txn)
        .await?;
    customer::Entity::delete_many()
        .filter(customer::Column::Id.in_subquery(converted(lead::Column::CustomerId)))
        .exec(&txn)
        .await?;
    lead::Entity::delete_many()
        .filter(lead::Column::Name.like(format!("{CONVERTIBLE_PREFIX}%")))
        .filter(lead::Column::Status.eq(LeadStatus::Converted.as_str()))
        .exec(&txn)
        .await?;
    // The totals as the migration first counted them (SUM of a BIGINT is NUMERIC/DECIMAL on
    // PostgreSQL and MySQL: the insert converts it back).
    txn.execute_unprepared("DELETE FROM opportunity_totals")
        .await?;
    txn.execute_unprepared(
        "INSERT INTO opportunity_totals (owner_id, stage, probability, deals, amount) \
         SELECT owner_id, stage, probability, COUNT(*), SUM(amount) FROM opportunities \
         WHERE status = 'open' AND archived_at IS NULL AND owner_id IS NOT NULL \
         GROUP BY owner_id, stage, probability",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct PipelineReport {
    pub pooled: u64,
    pub deals: u64,
    pub leads: u64,
    pub due: u64,
}

/// Each user's team (the team copies a seeded row of an owner keeps).
pub(super) async fn user_teams(
    db: &DatabaseConnection,
) -> AppResult<std::collections::HashMap<Uuid, Option<Uuid>>> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::TeamId)
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Bench customers after `last` in id order, `BATCH` at a time (None when done).
pub(super) async fn next_customers(
    db: &DatabaseConnection,
    last: Option<Uuid>,
    extra: Condition,
) -> AppResult<Vec<customer::Model>> {
    let mut sel = customer::Entity::find()
        .filter(customer::Column::Source.eq(BENCH_SOURCE))
        .filter(extra);
    if let Some(l) = last {
        sel = sel.filter(customer::Column::Id.gt(l));
    }
    Ok(sel
        .order_by_asc(customer::Column::Id)
        .limit(BATCH)
        .all(db)
        .await?)
}

pub async fn seed(
    db: &DatabaseConnection,
    owners: &[Uuid],
    customers: u64,
) -> AppResult<PipelineReport> {
    let mut report = PipelineReport::default();
    let Some(&first_rep) = owners.first() else {
        return Ok(report);
    };
    // The conversion benchmark's leads belong to the second rep: each conversion makes a
    // customer of its owner, and the first rep's lists are what the list, filter and sort
    // cases measure (60,000 converted customers on top of them had the custom filter walking
    // past them all).
    let converter = owners.get(1).copied().unwrap_or(first_rep);
    let at = now();

    // The leads an earlier run's create benchmark made: gone, so a run's new leads never meet
    // the last run's in the duplicate check (wrk's random numbers repeat from run to run).
    lead::Entity::delete_many()
        .filter(lead::Column::Name.like(format!("{CREATED_PREFIX}%")))
        .exec(db)
        .await?;
    undo_conversions(db).await?;

    // Customers a previous run's reclaim took: back to their owners, due again below.
    customer::Entity::update_many()
        .col_expr(
            customer::Column::OwnerId,
            Expr::col(customer::Column::PreviousOwnerId),
        )
        .col_expr(customer::Column::PoolId, Expr::value(Option::<Uuid>::None))
        .col_expr(
            customer::Column::PooledAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            customer::Column::PoolReason,
            Expr::value(Option::<String>::None),
        )
        .filter(customer::Column::Source.eq(BENCH_SOURCE))
        .filter(customer::Column::PoolReason.eq(REASON))
        .exec(db)
        .await?;
    // Their copies of the owner's team and region with them (as migration 30 fills them).
    db.execute_unprepared(
        "UPDATE customers SET \
         owner_team_id = (SELECT team_id FROM users WHERE users.id = customers.owner_id), \
         owner_region_id = (SELECT region_id FROM users WHERE users.id = customers.owner_id) \
         WHERE owner_id IS NOT NULL AND owner_team_id IS NULL",
    )
    .await?;

    // 30 % in the company-wide pool (not the first rep's: their list is measured as before).
    let Some(company_pool) = pool::Entity::find()
        .filter(pool::Column::RegionId.is_null())
        .order_by_asc(pool::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(report);
    };
    let pooled = customer::Entity::find()
        .filter(customer::Column::Source.eq(BENCH_SOURCE))
        .filter(customer::Column::PoolId.is_not_null())
        .count(db)
        .await?;
    let mut want = (customers * 3 / 10).saturating_sub(pooled);
    let mut last = None;
    while want > 0 {
        let rows = next_customers(
            db,
            last,
            Condition::all()
                .add(customer::Column::PoolId.is_null())
                .add(customer::Column::OwnerId.ne(first_rep)),
        )
        .await?;
        let Some(l) = rows.last() else { break };
        last = Some(l.id);
        // Every other one, so the pooled are spread over the reps and the id range.
        let ids: Vec<Uuid> = rows
            .iter()
            .step_by(2)
            .take(want as usize)
            .map(|c| c.id)
            .collect();
        // The previous owner first: SQLite and PostgreSQL read the old value in every SET, but
        // MySQL reads the columns its earlier SETs already changed.
        let update = customer::Entity::update_many().col_expr(
            customer::Column::PreviousOwnerId,
            Expr::col(customer::Column::OwnerId),
        );
        crate::services::pool::into_pool(update, company_pool.id, at, SEEDED)
            .filter(customer::Column::Id.is_in(ids.clone()))
            .exec(db)
            .await?;
        want -= ids.len() as u64;
        report.pooled += ids.len() as u64;
    }

    // Deals: one per owned customer, a second for three in seven, until there are N.
    let teams = user_teams(db).await?;
    let mut have = opportunity::Entity::find().count(db).await?;
    let mut last = None;
    let mut n = have;
    while have < customers {
        let rows = next_customers(
            db,
            last,
            Condition::all().add(customer::Column::OwnerId.is_not_null()),
        )
        .await?;
        let Some(l) = rows.last() else { break };
        last = Some(l.id);
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let with_deal: std::collections::HashSet<Uuid> = opportunity::Entity::find()
            .select_only()
            .column(opportunity::Column::CustomerId)
            .filter(opportunity::Column::CustomerId.is_in(ids))
            .into_tuple()
            .all(db)
            .await?
            .into_iter()
            .collect();
        let mut deals = Vec::new();
        for c in rows.iter().filter(|c| !with_deal.contains(&c.id)) {
            for _ in 0..(1 + usize::from(n % 7 < 3)) {
                deals.push(deal(c, &teams, n, at));
                n += 1;
            }
        }
        have += deals.len() as u64;
        report.deals += deals.len() as u64;
        let txn = begin_write(db).await?;
        for chunk in deals.chunks(BATCH as usize) {
            opportunity::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }

    // Leads: N/5 over the reps, then the converter's fresh ones.
    let existing = lead::Entity::find()
        .filter(lead::Column::Name.not_like(format!("{CONVERTIBLE_PREFIX}%")))
        .count(db)
        .await?;
    let fresh = lead::Entity::find()
        .filter(lead::Column::OwnerId.eq(converter))
        .filter(lead::Column::Status.eq(LeadStatus::New.as_str()))
        .filter(lead::Column::Name.like(format!("{CONVERTIBLE_PREFIX}%")))
        .count(db)
        .await?;
    // The convertible ones are numbered after the highest kept, so a top-up never repeats the
    // company of a lead still waiting (the second conversion's duplicate check would find the
    // first's customer).
    let names: Vec<String> = lead::Entity::find()
        .select_only()
        .column(lead::Column::Name)
        .filter(lead::Column::Name.like(format!("{CONVERTIBLE_PREFIX}%")))
        .into_tuple()
        .all(db)
        .await?;
    let made = names
        .iter()
        .filter_map(|n| n.strip_prefix(CONVERTIBLE_PREFIX)?.parse::<u64>().ok())
        .map(|i| i.saturating_sub(1_000_000_000) + 1)
        .max()
        .unwrap_or(0);
    let plan: Vec<(u64, bool)> = (existing..customers / 5)
        .map(|i| (i, false))
        .chain((0..CONVERTIBLE.saturating_sub(fresh)).map(|i| (i + made + 1_000_000_000, true)))
        .collect();
    for chunk in plan.chunks(BATCH as usize) {
        let rows: Vec<lead::ActiveModel> = chunk
            .iter()
            .map(|&(i, convertible)| {
                let owner = if convertible {
                    converter
                } else {
                    owners[(i % owners.len() as u64) as usize]
                };
                bench_lead(i, owner, convertible, at).into()
            })
            .collect();
        report.leads += rows.len() as u64;
        lead::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    ensure_rules(db, first_rep).await?;

    // Customers due for reclaim: followed up 200 days ago, their owners warned ten days ago.
    let long_ago = at - Duration::days(200);
    let warned = at - Duration::days(10);
    // Everyone else was followed up recently: only the due ones are the job's work.
    let stamp = long_ago
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or(long_ago);
    customer::Entity::update_many()
        .col_expr(
            customer::Column::FollowedUpAt,
            Expr::value(Some(at - Duration::days(1))),
        )
        .col_expr(
            customer::Column::WarnedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .filter(customer::Column::Source.eq(BENCH_SOURCE))
        .filter(customer::Column::PoolId.is_null())
        .filter(
            Condition::any()
                .add(customer::Column::FollowedUpAt.is_null())
                .add(customer::Column::FollowedUpAt.ne(stamp)),
        )
        .exec(db)
        .await?;
    let already = customer::Entity::find()
        .filter(customer::Column::Source.eq(BENCH_SOURCE))
        .filter(customer::Column::PoolId.is_null())
        .filter(customer::Column::FollowedUpAt.eq(stamp))
        .count(db)
        .await?;
    let mut want = DUE.min(customers / 5).saturating_sub(already);
    let mut last = None;
    while want > 0 {
        let rows = next_customers(
            db,
            last,
            Condition::all()
                .add(customer::Column::PoolId.is_null())
                .add(customer::Column::OwnerId.ne(first_rep))
                .add(customer::Column::FollowedUpAt.ne(stamp)),
        )
        .await?;
        let Some(l) = rows.last() else { break };
        last = Some(l.id);
        let ids: Vec<Uuid> = rows.iter().take(want as usize).map(|c| c.id).collect();
        customer::Entity::update_many()
            .col_expr(customer::Column::FollowedUpAt, Expr::value(Some(stamp)))
            .col_expr(customer::Column::WarnedAt, Expr::value(Some(warned)))
            .filter(customer::Column::Id.is_in(ids.clone()))
            .exec(db)
            .await?;
        // Their deals are closed: an open one would keep the customer from the pool.
        opportunity::Entity::update_many()
            .col_expr(
                opportunity::Column::Status,
                Expr::value(Outcome::Lost.as_str()),
            )
            .col_expr(opportunity::Column::Stage, Expr::value("lost"))
            .filter(opportunity::Column::CustomerId.is_in(ids.clone()))
            .filter(opportunity::Column::Status.eq(Outcome::Open.as_str()))
            .exec(db)
            .await?;
        want -= ids.len() as u64;
        report.due += ids.len() as u64;
    }
    // The board's totals: the bulk writes above go around the services that keep them.
    crate::services::deal_totals::rebuild(db).await?;
    Ok(report)
}

fn deal(
    c: &customer::Model,
    teams: &std::collections::HashMap<Uuid, Option<Uuid>>,
    n: u64,
    at: chrono::DateTime<chrono::Utc>,
) -> opportunity::ActiveModel {
    const OPEN: [(&str, i32); 4] = [
        ("initial", 10),
        ("needs", 30),
        ("proposal", 50),
        ("negotiation", 70),
    ];
    let (stage, probability, status) = match n % 20 {
        0..=11 => {
            let (s, p) = OPEN[(n % 4) as usize];
            (s, p, Outcome::Open)
        }
        12..=16 => ("won", 100, Outcome::Won),
        _ => ("lost", 0, Outcome::Lost),
    };
    let when = at - Duration::seconds((n % 31_536_000) as i64);
    opportunity::ActiveModel {
        id: Set(Uuid::now_v7()),
        customer_id: Set(c.id),
        name: Set(format!("{}项目{}", c.name, n % 3 + 1)),
        amount: Set(((1 + n % 500) * 10_000 * 100) as i64),
        expected_close_date: Set(Some((when + Duration::days(60)).date_naive())),
        stage: Set(stage.into()),
        probability: Set(probability),
        status: Set(status.as_str().into()),
        owner_id: Set(c.owner_id),
        owner_team_id: Set(c.owner_id.and_then(|o| teams.get(&o).copied().flatten())),
        products: Set(None),
        competitors: Set(None),
        next_step: Set(None),
        source_lead_id: Set(None),
        lost_reason: Set((status == Outcome::Lost).then(|| "price".into())),
        lost_note: Set(None),
        closed_at: Set((status != Outcome::Open).then_some(when)),
        stage_changed_at: Set(when),
        last_activity_at: Set(at),
        stale_at: Set(None),
        custom: Set(None),
        archived_at: Set(None),
        version: Set(1),
        created_by: Set(None),
        created_at: Set(when),
        updated_at: Set(when),
    }
}

fn bench_lead(
    i: u64,
    owner: Uuid,
    convertible: bool,
    at: chrono::DateTime<chrono::Utc>,
) -> lead::Model {
    const STATUS: [LeadStatus; 10] = [
        LeadStatus::New,
        LeadStatus::New,
        LeadStatus::New,
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Disqualified,
        LeadStatus::Converted,
        LeadStatus::Converted,
    ];
    let status = if convertible {
        LeadStatus::New
    } else {
        STATUS[(i % 10) as usize]
    };
    let name = if convertible {
        format!("{CONVERTIBLE_PREFIX}{i}")
    } else {
        format!("压测线索{i}")
    };
    let company = format!("压测线索公司{i}");
    let phone = format!("137{:08}", i % 100_000_000);
    let when = at - Duration::seconds((i % 31_536_000) as i64);
    lead::Model {
        id: Uuid::now_v7(),
        name_key: name_key(&company),
        search_key: search_key(&format!("{name} {company}")),
        phone_key: Some(phone_key(&phone)),
        phone: Some(phone),
        email: None,
        email_key: None,
        source: Some("website".into()),
        province: Some("zhejiang".into()),
        region_id: None,
        team_id: None,
        owner_id: Some(owner),
        queue: None,
        status: status.as_str().into(),
        disqualify_reason: (status == LeadStatus::Disqualified).then(|| "no_need".into()),
        disqualify_note: None,
        notes: None,
        assigned_rule_id: None,
        assigned_via: AssignedVia::Creator.as_str().into(),
        assigned_at: when,
        customer_id: None,
        contact_id: None,
        opportunity_id: None,
        converted_at: (status == LeadStatus::Converted).then_some(when),
        custom: None,
        version: 1,
        created_by: None,
        created_at: when,
        updated_at: when,
        name,
        company: Some(company),
    }
}

/// The provinces the create benchmark's leads come from, in turn (`scripts/bench`).
pub const TERRITORY: [&str; 8] = [
    "shanghai",
    "jiangsu",
    "zhejiang",
    "anhui",
    "guangdong",
    "fujian",
    "guangxi",
    "hainan",
];

/// The name of bench rules starts with this.
const RULE_PREFIX: &str = "压测：";

/// Territory rules as a company would set them: the provinces of `TERRITORY` shared out over
/// the teams (province → team, then the team's reps in turn), and a catch-all to the first
/// bench rep's team behind them. A lead an admin enters goes through the rules as the
/// benchmark means to measure, each team's turn row taken by its own leads. Rules of an earlier
/// seed that differ are replaced.
async fn ensure_rules(db: &DatabaseConnection, first_rep: Uuid) -> AppResult<()> {
    let teams = team::Entity::find()
        .order_by_asc(team::Column::Name)
        .all(db)
        .await?;
    if teams.is_empty() {
        return Ok(());
    }
    let mut wanted: Vec<(String, Vec<&str>, Uuid)> = teams
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let provinces: Vec<&str> = TERRITORY
                .iter()
                .enumerate()
                .filter(|(j, _)| j % teams.len() == i)
                .map(|(_, p)| *p)
                .collect();
            (
                format!("{RULE_PREFIX}{} → {}", provinces.join("、"), t.name),
                provinces,
                t.id,
            )
        })
        .filter(|w| !w.1.is_empty())
        .collect();
    if let Some(team) = user::Entity::find_by_id(first_rep)
        .one(db)
        .await?
        .and_then(|u| u.team_id)
    {
        wanted.push((
            format!("{RULE_PREFIX}其余省份 → 第一位压测销售的团队"),
            Vec::new(),
            team,
        ));
    }
    let have: Vec<String> = lead_rule::Entity::find()
        .filter(lead_rule::Column::Name.starts_with(RULE_PREFIX))
        .order_by_asc(lead_rule::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.name)
        .collect();
    if have == wanted.iter().map(|w| w.0.clone()).collect::<Vec<_>>() {
        return Ok(());
    }
    lead_rule::Entity::delete_many()
        .filter(lead_rule::Column::Name.starts_with(RULE_PREFIX))
        .exec(db)
        .await?;
    let t = now();
    lead_rule::Entity::insert_many(wanted.into_iter().enumerate().map(
        |(i, (name, provinces, team))| lead_rule::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(name),
            position: Set(i as i32 + 1),
            region_id: Set(None),
            provinces: Set(Some(
                serde_json::to_string(&provinces).unwrap_or_else(|_| "[]".into()),
            )),
            team_id: Set(Some(team)),
            queue: Set(Some(DEFAULT_QUEUE.into())),
            open_lead_cap: Set(None),
            active: Set(true),
            version: Set(1),
            created_by: Set(None),
            created_at: Set(t),
            updated_at: Set(t),
        },
    ))
    .exec_without_returning(db)
    .await?;
    crate::services::rules_cache::bump(db).await?;
    Ok(())
}
