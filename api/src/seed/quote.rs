//! Demo quotes for the seeded deals: drafts, sent ones, accepted ones and a revised one, priced
//! from the demo catalogue (some from the channel price list), made through the service.

use kaidan_shared::quote::{QuoteCreate, QuoteDecision, QuoteLineInput};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::auth::Actor;
use crate::entities::{opportunity, product, quote};
use crate::error::AppResult;
use crate::services::quote as quotes;
use crate::services::rules_cache::RulesCache;

/// Quotes for the first open deals (once: nothing when quotes exist).
pub async fn seed_quotes(db: &DatabaseConnection) -> AppResult<usize> {
    if quote::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let products = product::Entity::find()
        .filter(product::Column::Active.eq(true))
        .order_by_asc(product::Column::CodeKey)
        .all(db)
        .await?;
    if products.len() < 3 {
        return Ok(0);
    }
    let deals = opportunity::Entity::find()
        .filter(opportunity::Column::Status.eq("open"))
        .filter(opportunity::Column::ArchivedAt.is_null())
        .order_by_asc(opportunity::Column::Id)
        .limit(16)
        .all(db)
        .await?;
    let kept = RulesCache::default();
    let system = Actor::system();
    let mut made = 0;
    for (i, d) in deals.iter().enumerate() {
        let pick = |k: usize| &products[(i * 3 + k) % products.len()];
        let lines = (0..(2 + i % 2))
            .map(|k| QuoteLineInput {
                product_id: pick(k).id,
                quantity: Decimal::from(1 + (i + k) % 5 * 5),
                unit_price: None,
                discount_percent: Some(Decimal::from((i % 3 * 5) as u32)),
                note: None,
            })
            .collect();
        let q = quotes::create(
            db,
            &kept,
            &system,
            QuoteCreate {
                opportunity_id: d.id,
                title: format!("{} 报价", d.name),
                overall_discount_percent: Some(Decimal::from((i % 2 * 3) as u32)),
                terms: Some("合同签订后 7 日内支付 50%，验收后支付尾款。报价含税。".into()),
                lines,
                ..Default::default()
            },
        )
        .await?;
        made += 1;
        match i % 4 {
            0 => {}
            1 => {
                quotes::send(db, &kept, &system, q.id, None, crate::services::now()).await?;
            }
            2 => {
                quotes::send(db, &kept, &system, q.id, None, crate::services::now()).await?;
                quotes::decide(
                    db,
                    &kept,
                    &system,
                    q.id,
                    None,
                    true,
                    QuoteDecision {
                        note: Some("客户已确认".into()),
                    },
                )
                .await?;
            }
            _ => {
                quotes::send(db, &kept, &system, q.id, None, crate::services::now()).await?;
                let rev = quotes::revise(db, &kept, &system, q.id).await?;
                quotes::send(db, &kept, &system, rev.id, None, crate::services::now()).await?;
                made += 1;
            }
        }
    }
    Ok(made)
}
