//! Demo pipeline: deals for about two in five demo customers, opened over the last twelve months
//! and moved through the stages with realistic pace and win rates (about a third of closed deals
//! won), so the funnel, conversion and cycle-time reports have history to show. Made through the
//! service with the app's clock set back to each moment, so every deal and move is audited and
//! the stage history carries its true dates. Also the regions' public pools, with a few
//! customers released into them.

use chrono::Duration;
use kaidan_shared::opportunity::{OpportunityCreate, Outcome, StageMove};
use kaidan_shared::pool::{PoolCreate, ReleaseRequest};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::auth::Actor;
use crate::clock::Clock;
use crate::entities::{customer, opportunity, pool, region};
use crate::error::AppResult;
use crate::seed::Gen;
use crate::services::rules_cache::RulesCache;
use crate::services::{opportunity as deals, option_list, pool as pools};

const PRODUCTS: [&str; 6] = [
    "MES 生产执行系统",
    "智能仓储 WMS",
    "工业机器人集成",
    "能耗监测平台",
    "设备预测性维护",
    "质量追溯系统",
];
const COMPETITORS: [&str; 4] = ["用友", "金蝶", "鼎捷", "SAP"];

/// Deals and their histories, when there are none yet; how many were made.
pub async fn seed_pipeline(db: &DatabaseConnection) -> AppResult<usize> {
    // Settings do not change while seeding: read once a version, as a server does.
    let kept = RulesCache::default();
    if opportunity::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let system = Actor::system();
    let stages = deals::load_stages(db).await?;
    let open: Vec<String> = stages
        .stages
        .iter()
        .filter(|s| s.active && s.outcome == Outcome::Open)
        .map(|s| s.key.clone())
        .collect();
    let lost_reasons: Vec<String> = option_list::load_all(db)
        .await?
        .into_iter()
        .find(|l| l.key == kaidan_shared::option_list::builtin::LOST_REASON)
        .map(|l| {
            l.options
                .into_iter()
                .filter(|o| o.active)
                .map(|o| o.key)
                .collect()
        })
        .unwrap_or_default();
    let customers = customer::Entity::find()
        .filter(customer::Column::OwnerId.is_not_null())
        .filter(customer::Column::ArchivedAt.is_null())
        .order_by_asc(customer::Column::Id)
        .all(db)
        .await?;
    let mut g = Gen(20261127);
    let mut made = 0;
    for c in &customers {
        if g.below(5) >= 2 {
            continue;
        }
        // Opened 1–360 days ago; each stage takes 5–40 days.
        let opened = 1 + g.below(360) as i64;
        let clock = Clock::default();
        clock.advance(-Duration::days(opened));
        let amount = (5 + g.below(300) as i64) * 10_000 * 100 + g.below(100) as i64 * 100;
        let input = OpportunityCreate {
            customer_id: c.id,
            name: format!("{}项目", g.pick(&PRODUCTS)),
            amount,
            expected_close_date: Some(
                (chrono::Utc::now() + Duration::days(g.below(120) as i64)).date_naive(),
            ),
            products: Some(g.pick(&PRODUCTS).to_string()),
            competitors: Some(g.pick(&COMPETITORS).to_string()),
            next_step: Some("安排方案演示".into()),
            owner_id: c.owner_id,
            ..Default::default()
        };
        let d = deals::create(db, &kept, &system, input, &clock).await?;
        made += 1;
        let id = d.opportunity.id;
        let mut left = opened;
        // Walk the open stages; at each, the deal may stop (still open) or close.
        for next in open.iter().skip(1).map(Some).chain([None]) {
            let step = 5 + g.below(36) as i64;
            if step >= left {
                break;
            }
            clock.advance(Duration::days(step));
            left -= step;
            // At each stage one deal in ten is lost and one in ten stalls; of those that reach
            // the end, two in three are won.
            let roll = g.below(20);
            let to = match next {
                _ if roll < 2 && !lost_reasons.is_empty() => "lost".to_owned(),
                Some(k) if roll < 18 => k.clone(),
                Some(_) => break,
                None if roll < 14 => "won".to_owned(),
                None => "lost".to_owned(),
            };
            let lost = to == "lost";
            let body = StageMove {
                stage: to,
                lost_reason: lost.then(|| g.pick(&lost_reasons).clone()),
                lost_note: None,
            };
            deals::move_stage(db, &kept, &system, id, None, body, &clock).await?;
            if lost || next.is_none() {
                break;
            }
        }
    }
    Ok(made)
}

/// A pool per region beside the company-wide one, and a few customers released into them.
pub async fn seed_pools(db: &DatabaseConnection) -> AppResult<usize> {
    // Settings do not change while seeding: read once a version, as a server does.
    let kept = RulesCache::default();
    let system = Actor::system();
    let mut made = 0;
    for r in region::Entity::find().all(db).await? {
        let exists = pool::Entity::find()
            .filter(pool::Column::RegionId.eq(r.id))
            .one(db)
            .await?
            .is_some();
        if !exists {
            let input = PoolCreate {
                name: format!("{}公海", r.name),
                region_id: Some(r.id),
                rules: None,
            };
            pools::create(db, &system, input).await?;
        }
    }
    if customer::Entity::find()
        .filter(customer::Column::PoolId.is_not_null())
        .count(db)
        .await?
        > 0
    {
        return Ok(0);
    }
    let reasons = [
        "客户暂无采购计划",
        "联系人已离职",
        "多次联系无回应",
        "预算已被冻结",
    ];
    let mut g = Gen(42);
    let candidates = customer::Entity::find()
        .filter(customer::Column::OwnerId.is_not_null())
        .order_by_desc(customer::Column::Id)
        .all(db)
        .await?;
    for c in &candidates {
        if made >= 40 || g.below(12) != 0 {
            continue;
        }
        let has_deal = opportunity::Entity::find()
            .filter(opportunity::Column::CustomerId.eq(c.id))
            .count(db)
            .await?
            > 0;
        if has_deal {
            continue;
        }
        let req = ReleaseRequest {
            reason: g.pick(&reasons).to_string(),
        };
        pools::release(db, &kept, &system, c.id, None, req, crate::services::now()).await?;
        made += 1;
    }
    Ok(made)
}
