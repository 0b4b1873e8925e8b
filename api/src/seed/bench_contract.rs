//! The approvals part of `kaidan seed-bench`: 100,000 contracts of the bench customers' owners
//! (one each, a second for some when pooled customers leave fewer than 100,000 with an owner),
//! waiting for the owner's supervisor — the inbox case's population of pending approvals, and the first rep's draft contracts the submit
//! case submits, made afresh each run. Written in multi-row batches like the customers; re-running tops it up.

use kaidan_shared::approval::{ApprovalStatus, ApprovalSubject, Step, StepMode, TaskStatus};
use kaidan_shared::contract::ContractStatus;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::entities::{approval, approval_task, contract, team, user};
use crate::error::AppResult;
use crate::seed::bench_pipeline::next_customers;
use crate::services::{begin_write, now};

/// The title of the bench's contracts waiting for approval, and of the submit case's drafts.
const WAITING: &str = "压测审批合同";
pub const DRAFT: &str = "压测待提交合同";
/// Drafts of the first rep the submit case takes (more than a run of it submits).
const DRAFTS: u64 = 20_000;
/// Contracts have 32 columns: 500 rows stay under SQLite's 32,766 parameters.
const BATCH: usize = 500;

#[derive(Debug, Default)]
pub struct ContractReport {
    pub waiting: u64,
    pub drafts: u64,
}

fn contract_row(
    n: u64,
    customer: Uuid,
    owner: Uuid,
    team: Option<Uuid>,
    title: &str,
    status: ContractStatus,
    approval: Option<Uuid>,
) -> contract::ActiveModel {
    let at = now();
    contract::ActiveModel::from(contract::Model {
        id: Uuid::now_v7(),
        number: format!(
            "HT-BENCH-{n:09}-{}",
            &Uuid::now_v7().simple().to_string()[20..]
        ),
        customer_id: customer,
        opportunity_id: None,
        quote_id: None,
        owner_id: Some(owner),
        owner_team_id: team,
        title: title.into(),
        amount: 5_000_000 + (n % 97) as i64 * 10_000,
        received: 0,
        subtotal: 0,
        discount: 0,
        tax: 0,
        max_discount_bp: 0,
        sign_date: None,
        start_date: None,
        end_date: None,
        payment_terms: Some("月结 30 天".into()),
        customer_signatory: None,
        our_signatory: None,
        notes: None,
        status: status.as_str().into(),
        approval_id: approval,
        approved_at: None,
        signed_at: None,
        ended_at: None,
        end_reason: None,
        custom: None,
        version: 1,
        created_by: Some(owner),
        created_at: at,
        updated_at: at,
    })
}

pub async fn seed(
    db: &DatabaseConnection,
    owners: &[Uuid],
    customers: u64,
) -> AppResult<ContractReport> {
    let mut report = ContractReport::default();
    let Some(&first_rep) = owners.first() else {
        return Ok(report);
    };
    let users: Vec<user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(owners.to_vec()))
        .all(db)
        .await?;
    let supervisors: std::collections::HashMap<Uuid, Option<Uuid>> = team::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.supervisor_id))
        .collect();
    // Each rep's team and its supervisor (the one approver of a bench contract).
    let place: std::collections::HashMap<Uuid, (Option<Uuid>, Option<Uuid>)> = users
        .iter()
        .map(|u| {
            let sup = u
                .team_id
                .and_then(|t| supervisors.get(&t).copied().flatten());
            (u.id, (u.team_id, sup))
        })
        .collect();

    // Waiting approvals: as many as bench customers, up to 100,000, still waiting (the approve
    // case decides some each run; the next run tops them up). Numbers go on from every one made.
    let made = contract::Entity::find()
        .filter(contract::Column::Title.eq(WAITING))
        .count(db)
        .await?;
    let waiting = contract::Entity::find()
        .filter(contract::Column::Title.eq(WAITING))
        .filter(contract::Column::Status.eq(ContractStatus::PendingApproval.as_str()))
        .count(db)
        .await?;
    let want = made + customers.min(100_000).saturating_sub(waiting);
    let mut n = made;
    let mut last = None;
    // Walk the customers with an owner (in id order, as they were made), as often as it takes:
    // pooled customers have none, so at 100,000 customers a second pass gives some owners'
    // customers a second contract and the population is still 100,000.
    let mut made_in_pass = false;
    while n < want {
        let batch = next_customers(db, last, Condition::all()).await?;
        let Some(l) = batch.last() else {
            if !made_in_pass {
                break;
            }
            last = None;
            made_in_pass = false;
            continue;
        };
        last = Some(l.id);
        let mut contracts = Vec::new();
        let mut approvals = Vec::new();
        let mut tasks = Vec::new();
        for c in &batch {
            if n >= want {
                continue;
            }
            let Some(owner) = c.owner_id else { continue };
            let Some(&(team, Some(sup))) = place.get(&owner) else {
                continue;
            };
            let at = now();
            let approval_id = Uuid::now_v7();
            let row = contract_row(
                n,
                c.id,
                owner,
                team,
                WAITING,
                ContractStatus::PendingApproval,
                Some(approval_id),
            );
            let contract_id = match &row.id {
                sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
                _ => continue,
            };
            contracts.push(row);
            let steps = vec![Step {
                approvers: vec![sup],
                mode: StepMode::AnyOne,
                fell_back: false,
            }];
            approvals.push(approval::ActiveModel::from(approval::Model {
                id: approval_id,
                subject: ApprovalSubject::Contract.as_str().into(),
                record_id: contract_id,
                record_version: 1,
                title: format!("HT-BENCH-{n:09} {WAITING}"),
                amount: 5_000_000,
                max_discount_bp: 0,
                customer_id: Some(c.id),
                submitter_id: owner,
                owner_id: Some(owner),
                template_id: None,
                template_name: Some("压测流程".into()),
                steps: serde_json::to_string(&steps).unwrap_or_default(),
                current_step: 0,
                status: ApprovalStatus::Pending.as_str().into(),
                step_started_at: at,
                reminded_at: None,
                escalated_at: None,
                remind_after_hours: 24,
                escalate_after_hours: 48,
                decided_at: None,
                version: 1,
                created_at: at,
                updated_at: at,
            }));
            tasks.push(approval_task::ActiveModel::from(approval_task::Model {
                id: Uuid::now_v7(),
                approval_id,
                step: 0,
                approver_id: sup,
                status: TaskStatus::Pending.as_str().into(),
                escalated: false,
                comment: None,
                decided_at: None,
                created_at: at,
            }));
            n += 1;
        }
        if contracts.is_empty() {
            continue;
        }
        made_in_pass = true;
        let txn = begin_write(db).await?;
        for chunk in contracts.chunks(BATCH) {
            contract::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in approvals.chunks(BATCH) {
            approval::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in tasks.chunks(BATCH) {
            approval_task::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        report.waiting += contracts.len() as u64;
    }

    // The submit case's drafts: the first rep's, made afresh each run.
    let have = contract::Entity::find()
        .filter(contract::Column::Title.eq(DRAFT))
        .filter(contract::Column::Status.eq(ContractStatus::Draft.as_str()))
        .count(db)
        .await?;
    let (team, _) = place.get(&first_rep).copied().unwrap_or_default();
    let mine = next_customers(
        db,
        None,
        Condition::all().add(crate::entities::customer::Column::OwnerId.eq(first_rep)),
    )
    .await?;
    if let Some(c) = mine.first() {
        let mut rows = Vec::new();
        for i in have..DRAFTS {
            rows.push(contract_row(
                1_000_000_000 + i,
                c.id,
                first_rep,
                team,
                DRAFT,
                ContractStatus::Draft,
                None,
            ));
        }
        for chunk in rows.chunks(BATCH) {
            contract::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await?;
        }
        report.drafts = rows.len() as u64;
    }
    Ok(report)
}
