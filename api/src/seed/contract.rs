//! Demo contracts: one from each accepted quote, and contracts for the customers of a few reps
//! in every status (signed ones with payment plans, one instalment received and one overdue;
//! completed ones paid in full) — drafts, waiting at the supervisor, waiting at the regional manager,
//! approved, signed, completed, terminated, and one rejected back to a draft — each taken
//! through the real approval flow by the people of the demo company, so the inboxes, timelines
//! and histories are what users would have made.

use kaidan_shared::approval::ApprovalDecision;
use kaidan_shared::contract::{ContractCreate, ContractReason, ContractSign};
use kaidan_shared::payment::{PaymentCreate, PaymentPlanCreate};
use kaidan_shared::Role;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use super::lead::as_user;
use crate::auth::Actor;
use crate::entities::{contract, customer, quote, user};
use crate::error::AppResult;
use crate::services::rules_cache::RulesCache;
use crate::services::{approval as approvals, contract as contracts, now, payment as payments};

/// How far a demo contract goes.
#[derive(Clone, Copy)]
enum Plan {
    Draft,
    /// Waiting at its first step.
    Waiting,
    /// The first step approved, waiting at the second.
    HalfWay,
    Approved,
    Signed,
    Completed,
    Terminated,
    /// Rejected at the first step: a draft again, with the rejection on its timeline.
    Rejected,
}

async fn actor_of(db: &DatabaseConnection, id: Uuid) -> AppResult<Option<Actor>> {
    let Some(u) = user::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    as_user(db, &u.username).await
}

/// Decides the current step of `approval` as its first approver; `false` when nobody could.
async fn decide_step(
    db: &DatabaseConnection,
    owner: &Actor,
    approval: Uuid,
    approve: bool,
) -> AppResult<bool> {
    let a = approvals::get(db, owner, approval).await?;
    let step = a.steps.get(a.current_step as usize);
    let Some(first) = step.and_then(|s| s.approvers.first()) else {
        return Ok(false);
    };
    let Some(by) = actor_of(db, *first).await? else {
        return Ok(false);
    };
    let comment = if approve {
        "价格与付款条件符合公司政策，同意。"
    } else {
        "回款周期过长，请与客户重新商定付款条件。"
    };
    approvals::decide(
        db,
        &by,
        approval,
        approve,
        ApprovalDecision {
            task_id: None,
            comment: Some(comment.into()),
        },
        now(),
    )
    .await?;
    Ok(true)
}

/// The collection of a signed demo contract: three instalments — a month ago (received), ten days
/// ago (not received: overdue), in two months — or, completed, every one received.
async fn collect(
    db: &DatabaseConnection,
    kept: &RulesCache,
    owner: &Actor,
    id: Uuid,
    amount: i64,
    all_paid: bool,
) -> AppResult<()> {
    let today = crate::services::quote::today();
    let parts = [
        (today - chrono::Duration::days(30), amount * 3 / 10),
        (today - chrono::Duration::days(10), amount * 6 / 10),
        (
            today + chrono::Duration::days(60),
            amount - amount * 3 / 10 - amount * 6 / 10,
        ),
    ];
    for (n, (due, part)) in parts.into_iter().enumerate() {
        if part <= 0 {
            continue;
        }
        let plan = payments::add_plan(
            db,
            owner,
            id,
            PaymentPlanCreate {
                due_date: due,
                amount: part,
                note: None,
            },
        )
        .await?;
        if n == 0 || all_paid {
            payments::record_payment(
                db,
                kept,
                owner,
                PaymentCreate {
                    contract_id: id,
                    plan_id: Some(plan.id),
                    amount: part,
                    received_on: due.min(today),
                    method: Some("bank_transfer".into()),
                    reference: format!("DEMO-{}-{n}", &id.simple().to_string()[24..]),
                    note: None,
                },
            )
            .await?;
        }
    }
    Ok(())
}

async fn carry(
    db: &DatabaseConnection,
    kept: &RulesCache,
    owner: &Actor,
    input: ContractCreate,
    plan: Plan,
) -> AppResult<()> {
    let c = contracts::create(db, kept, owner, input).await?;
    if matches!(plan, Plan::Draft) {
        return Ok(());
    }
    let c = contracts::submit(db, kept, owner, c.id, None, now()).await?;
    let Some(approval) = c.approval_id else {
        return Ok(());
    };
    match plan {
        Plan::Waiting | Plan::Draft => return Ok(()),
        Plan::Rejected => {
            decide_step(db, owner, approval, false).await?;
            return Ok(());
        }
        Plan::HalfWay => {
            decide_step(db, owner, approval, true).await?;
            return Ok(());
        }
        _ => {}
    }
    // Every step approved, then as far as the plan goes.
    for _ in 0..5 {
        if approvals::get(db, owner, approval).await?.status
            != kaidan_shared::approval::ApprovalStatus::Pending
            || !decide_step(db, owner, approval, true).await?
        {
            break;
        }
    }
    match plan {
        Plan::Signed | Plan::Completed | Plan::Terminated => {
            contracts::sign(db, kept, owner, c.id, None, ContractSign::default()).await?;
        }
        _ => return Ok(()),
    }
    if matches!(plan, Plan::Signed | Plan::Completed) {
        collect(
            db,
            kept,
            owner,
            c.id,
            c.amount,
            matches!(plan, Plan::Completed),
        )
        .await?;
    }
    match plan {
        Plan::Completed => {
            contracts::complete(db, kept, owner, c.id, None).await?;
        }
        Plan::Terminated => {
            contracts::terminate(
                db,
                kept,
                owner,
                c.id,
                None,
                ContractReason {
                    reason: "客户预算冻结，双方协商终止".into(),
                },
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

const TERMS: &str =
    "合同签订后 7 日内支付 30% 预付款，到货验收后 30 日内支付 60%，质保期满支付 10%。";

/// Contracts, when there are none yet; how many were made.
pub async fn seed_contracts(db: &DatabaseConnection) -> AppResult<usize> {
    if contract::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let kept = RulesCache::default();
    let mut made = 0;
    // From the accepted quotes, by their owners.
    let accepted = quote::Entity::find()
        .filter(quote::Column::Status.eq("accepted"))
        .order_by_asc(quote::Column::Id)
        .all(db)
        .await?;
    let plans = [Plan::Signed, Plan::Waiting, Plan::Approved, Plan::Completed];
    for (i, q) in accepted.iter().enumerate() {
        let Some(owner) = q.owner_id else { continue };
        let Some(actor) = actor_of(db, owner).await? else {
            continue;
        };
        if !matches!(actor.role, Role::SalesRep | Role::Supervisor) {
            continue;
        }
        let input = ContractCreate {
            quote_id: Some(q.id),
            title: format!("{} 合同", q.title.trim_end_matches(" 报价")),
            payment_terms: Some(TERMS.into()),
            customer_signatory: Some("采购部 王经理".into()),
            our_signatory: Some(actor.username.clone()),
            ..Default::default()
        };
        carry(db, &kept, &actor, input, plans[i % plans.len()]).await?;
        made += 1;
    }
    // Direct contracts of a few reps, in every status and through every default flow.
    let story: [(&str, i64, Plan); 8] = [
        ("华东智造 年度运维服务合同", 8_000_000, Plan::Signed),
        ("华东智造 二期产线改造合同", 20_000_000, Plan::HalfWay),
        ("华东智造 集团数字化总包合同", 65_000_000, Plan::Waiting),
        ("华东智造 培训服务合同", 3_000_000, Plan::Draft),
        ("华东智造 备件采购合同", 12_000_000, Plan::Rejected),
        ("华东智造 软件许可合同", 5_000_000, Plan::Completed),
        ("华东智造 试点项目合同", 9_000_000, Plan::Terminated),
        ("华东智造 设备租赁合同", 4_500_000, Plan::Approved),
    ];
    for rep in ["rep_east1", "rep_east3", "rep_south1"] {
        let Some(actor) = as_user(db, rep).await? else {
            continue;
        };
        let customers = customer::Entity::find()
            .filter(customer::Column::OwnerId.eq(actor.user_id))
            .filter(customer::Column::ArchivedAt.is_null())
            .order_by_asc(customer::Column::Id)
            .limit(story.len() as u64)
            .all(db)
            .await?;
        for ((title, amount, plan), c) in story.iter().zip(&customers) {
            let input = ContractCreate {
                customer_id: Some(c.id),
                title: title.replace("华东智造", &c.name),
                amount: Some(*amount),
                payment_terms: Some(TERMS.into()),
                customer_signatory: Some("总经理".into()),
                ..Default::default()
            };
            carry(db, &kept, &actor, input, *plan).await?;
            made += 1;
        }
    }
    Ok(made)
}
