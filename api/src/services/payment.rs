//! Collection (回款): a contract's payment plan, the payments received against it, and the
//! receivables of a scope. Both writes take the contract's row first (`SELECT … FOR UPDATE`;
//! SQLite has one writer) and read the sums after it, so two instalments or two payments made at
//! the same moment can never together exceed the contract's amount. Payments and plans are the
//! contract's: whoever may read the contract reads them, whoever may change it records them.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use kaidan_shared::audit::AuditAction;
use kaidan_shared::contract::ContractStatus;
use kaidan_shared::option_list::{builtin, check_choice};
use kaidan_shared::page::Page;
use kaidan_shared::payment::{
    plan_status, reference_key, FinancePayment, Payment, PaymentCreate, PaymentListQuery,
    PaymentPlan, PaymentPlanCreate, PlanStatus, Receivable, ReceivableListQuery,
};
use kaidan_shared::{Action, ErrorCode, FieldCode, FieldError, Resource, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::policy::{self, Scoped};
use crate::auth::Actor;
use crate::entities::{contract, customer, payment, payment_plan, user};
use crate::error::{AppError, AppResult};
use crate::services::contract as contract_service;
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{audit, begin_write, clean, new_id, now, page_limit, quote};

fn invalid_state(detail: &str) -> AppError {
    AppError::new(ErrorCode::InvalidState).with_detail(detail.to_owned())
}

fn plan_dto(p: payment_plan::Model, today: NaiveDate) -> PaymentPlan {
    PaymentPlan {
        id: p.id,
        contract_id: p.contract_id,
        due_date: p.due_date,
        amount: p.amount,
        received: p.received,
        status: plan_status(p.amount, p.received, p.due_date, today),
        note: p.note,
        version: p.version,
        created_at: p.created_at,
    }
}

async fn plans_of<C: ConnectionTrait>(
    db: &C,
    contract: Uuid,
) -> AppResult<Vec<payment_plan::Model>> {
    Ok(payment_plan::Entity::find()
        .filter(payment_plan::Column::ContractId.eq(contract))
        .order_by_asc(payment_plan::Column::DueDate)
        .order_by_asc(payment_plan::Column::Id)
        .limit(200)
        .all(db)
        .await?)
}

/// A contract's instalments, earliest due first (at most 200).
pub async fn plans(
    db: &DatabaseConnection,
    actor: &Actor,
    contract_id: Uuid,
) -> AppResult<Vec<PaymentPlan>> {
    record::find::<contract::Entity, _>(db, actor, Action::Read, contract_id, Condition::all())
        .await?;
    let today = quote::today();
    Ok(plans_of(db, contract_id)
        .await?
        .into_iter()
        .map(|p| plan_dto(p, today))
        .collect())
}

/// Adds an instalment. All instalments together stay within the contract's amount, also when
/// two are added at once; a closed contract takes none.
pub async fn add_plan(
    db: &DatabaseConnection,
    actor: &Actor,
    contract_id: Uuid,
    input: PaymentPlanCreate,
) -> AppResult<PaymentPlan> {
    input.validate().map_err(AppError::validation)?;
    let seen = record::find::<contract::Entity, _>(
        db,
        actor,
        Action::Update,
        contract_id,
        Condition::all(),
    )
    .await?;
    let txn = begin_write(db).await?;
    let (c, place) = contract_service::lock(&txn, &seen).await?;
    if matches!(
        ContractStatus::parse(&c.status),
        Some(ContractStatus::Completed | ContractStatus::Terminated)
    ) {
        return Err(invalid_state("the contract is closed"));
    }
    let planned: i64 = plans_of(&txn, c.id).await?.iter().map(|p| p.amount).sum();
    if planned + input.amount > c.amount {
        return Err(AppError::validation(vec![FieldError::new(
            "amount",
            FieldCode::OutOfRange,
            format!(
                "the instalments would come to more than the contract's amount (¥{} of ¥{} planned)",
                kaidan_shared::money::yuan(planned),
                kaidan_shared::money::yuan(c.amount)
            ),
        )]));
    }
    let t = now();
    let m = payment_plan::Model {
        id: new_id(),
        contract_id: c.id,
        owner_id: c.owner_id,
        owner_team_id: place.team_id,
        due_date: input.due_date,
        amount: input.amount,
        received: 0,
        note: clean(input.note),
        reminded_at: None,
        version: 1,
        created_by: Some(actor.user_id),
        created_at: t,
        updated_at: t,
    };
    payment_plan::Entity::insert(payment_plan::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await?;
    let dto = plan_dto(m, quote::today());
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::PaymentPlanCreate,
            "payment_plan",
            dto.id,
            c.id,
            &dto,
        ),
    )
    .await?;
    Ok(dto)
}

/// Removes an instalment nothing was received against.
pub async fn remove_plan(db: &DatabaseConnection, actor: &Actor, plan_id: Uuid) -> AppResult<()> {
    let plan = payment_plan::Entity::find_by_id(plan_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let seen = record::find::<contract::Entity, _>(
        db,
        actor,
        Action::Update,
        plan.contract_id,
        Condition::all(),
    )
    .await?;
    let txn = begin_write(db).await?;
    let (c, _) = contract_service::lock(&txn, &seen).await?;
    let Some(now_plan) = payment_plan::Entity::find_by_id(plan_id).one(&txn).await? else {
        return Err(AppError::not_found());
    };
    if now_plan.received > 0 {
        return Err(invalid_state(
            "payments were received against this instalment: it stays",
        ));
    }
    payment_plan::Entity::delete_by_id(plan_id)
        .exec(&txn)
        .await?;
    let dto = plan_dto(now_plan, quote::today());
    audit::commit(
        txn,
        actor,
        audit::Change {
            action: AuditAction::PaymentPlanDelete,
            entity: "payment_plan",
            entity_id: plan_id,
            subject_id: c.id,
            before: Some(serde_json::to_value(&dto).unwrap_or_default()),
            after: None,
        },
    )
    .await
}

/// Records a payment against a signed (or completed) contract, and against one of its
/// instalments when named. Never more than what is outstanding on the contract (or the
/// instalment), also when two are recorded at once; a reference is recorded once per contract
/// (409 `conflict` for the second).
pub async fn record_payment(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: PaymentCreate,
) -> AppResult<Payment> {
    record(db, kept, actor, input, false).await
}

/// [`record_payment`]; with `spread`, a payment that names no instalment pays the contract's
/// open instalments, earliest due first (a finance system knows the contract, not our plan).
async fn record(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: PaymentCreate,
    spread: bool,
) -> AppResult<Payment> {
    let mut errors = input.validate().err().unwrap_or_default();
    let settings = kept.get(db).await?;
    check_choice(
        &mut errors,
        "method",
        settings
            .rules(Resource::Contract)
            .list(builtin::PAYMENT_METHOD),
        input.method.as_deref(),
        None,
    );
    let scope = policy::require(actor, Resource::Contract, Action::Update)?;
    let seen = contract::Entity::find_by_id(input.contract_id)
        .filter(<contract::Entity as Scoped>::in_scope(actor, scope))
        .one(db)
        .await?;
    let Some(seen) = seen else {
        errors.push(FieldError::new(
            "contract_id",
            FieldCode::UnknownReference,
            "no contract with this id that you may record payments for",
        ));
        return Err(AppError::validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let txn = begin_write(db).await?;
    let (c, place) = contract_service::lock(&txn, &seen).await?;
    if !matches!(
        ContractStatus::parse(&c.status),
        Some(ContractStatus::Signed | ContractStatus::Completed)
    ) {
        return Err(invalid_state(
            "payments are recorded against a signed contract",
        ));
    }
    let outstanding = c.amount - c.received;
    if input.amount > outstanding {
        return Err(AppError::validation(vec![FieldError::new(
            "amount",
            FieldCode::OutOfRange,
            format!(
                "more than is outstanding on the contract (¥{})",
                kaidan_shared::money::yuan(Ord::max(outstanding, 0))
            ),
        )]));
    }
    if let Some(pid) = input.plan_id {
        let plan = payment_plan::Entity::find_by_id(pid)
            .filter(payment_plan::Column::ContractId.eq(c.id))
            .one(&txn)
            .await?;
        match plan {
            None => {
                return Err(AppError::validation(vec![FieldError::new(
                    "plan_id",
                    FieldCode::UnknownReference,
                    "no instalment of this contract with this id",
                )]))
            }
            Some(p) if input.amount > p.amount - p.received => {
                return Err(AppError::validation(vec![FieldError::new(
                    "amount",
                    FieldCode::OutOfRange,
                    format!(
                        "more than is outstanding on the instalment (¥{})",
                        kaidan_shared::money::yuan(Ord::max(p.amount - p.received, 0))
                    ),
                )]))
            }
            Some(_) => receive(&txn, pid, input.amount).await?,
        }
    } else if spread {
        // Under the contract's lock, like the instalment above: earliest due first.
        let open = payment_plan::Entity::find()
            .filter(payment_plan::Column::ContractId.eq(c.id))
            .order_by_asc(payment_plan::Column::DueDate)
            .order_by_asc(payment_plan::Column::Id)
            .all(&txn)
            .await?;
        let mut left = input.amount;
        for p in open {
            let take = (p.amount - p.received).clamp(0, left);
            if take > 0 {
                receive(&txn, p.id, take).await?;
                left -= take;
            }
        }
    }
    contract::Entity::update_many()
        .col_expr(
            contract::Column::Received,
            Expr::col(contract::Column::Received).add(input.amount),
        )
        .col_expr(
            contract::Column::Version,
            Expr::col(contract::Column::Version).add(1),
        )
        .filter(contract::Column::Id.eq(c.id))
        .exec(&txn)
        .await?;
    let reference = input.reference.trim().to_owned();
    let m = payment::Model {
        id: new_id(),
        contract_id: c.id,
        plan_id: input.plan_id,
        customer_id: c.customer_id,
        owner_id: c.owner_id,
        owner_team_id: place.team_id,
        amount: input.amount,
        received_on: input.received_on,
        method: clean(input.method),
        reference_key: reference_key(&reference),
        reference,
        note: clean(input.note),
        created_by: Some(actor.user_id),
        created_at: now(),
    };
    payment::Entity::insert(payment::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| {
            crate::services::unique_violation(
                e,
                "this reference is already recorded for the contract",
            )
        })?;
    let dto = to_dtos(&txn, vec![m]).await?.remove(0);
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::PaymentRecord,
            "payment",
            dto.id,
            c.id,
            &json!({
                "amount": dto.amount, "received_on": dto.received_on, "method": dto.method,
                "reference": dto.reference, "plan_id": dto.plan_id,
                "contract_received": c.received + dto.amount,
            }),
        ),
    )
    .await?;
    Ok(dto)
}

/// A payment reported by a finance system (`payments:write`): the contract named by its number
/// inside the caller's scope, recorded as [`record_payment`] records any payment — so more than is
/// outstanding is refused and nothing is written — paying the open instalments earliest due
/// first, and idempotent by the finance system's reference: the caller's own report whose
/// reference is already recorded for the contract with the same amount and day answers that
/// payment (`false`: nothing new), also when retries race; anything else under a taken
/// reference is a conflict (409).
pub async fn report_payment(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: FinancePayment,
) -> AppResult<(Payment, bool)> {
    input.validate().map_err(AppError::validation)?;
    let scope = policy::require(actor, Resource::Contract, Action::Update)?;
    let number = input.contract_number.trim();
    let found = contract::Entity::find()
        .filter(contract::Column::Number.eq(number))
        .filter(<contract::Entity as Scoped>::in_scope(actor, scope))
        .one(db)
        .await?
        .ok_or_else(|| {
            AppError::field(
                "contract_number",
                FieldCode::UnknownReference,
                "no contract with this number that you may report payments for",
            )
        })?;
    let key = reference_key(input.reference.trim());
    if let Some(first) = reported(db, found.id, &key).await? {
        return replay(db, actor, first, &input).await;
    }
    match record(db, kept, actor, input.for_contract(found.id), true).await {
        Ok(p) => Ok((p, true)),
        // A retry that raced the first report: the first may have taken the reference (409)
        // or the outstanding amount (422) by the time this one held the contract's lock.
        Err(e) => match reported(db, found.id, &key).await? {
            Some(first) => replay(db, actor, first, &input).await,
            None => Err(e),
        },
    }
}

/// Adds `amount` to what instalment `id` has received.
async fn receive(txn: &DatabaseTransaction, id: Uuid, amount: i64) -> AppResult<()> {
    payment_plan::Entity::update_many()
        .col_expr(
            payment_plan::Column::Received,
            Expr::col(payment_plan::Column::Received).add(amount),
        )
        .col_expr(
            payment_plan::Column::Version,
            Expr::col(payment_plan::Column::Version).add(1),
        )
        .filter(payment_plan::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

async fn reported(
    db: &DatabaseConnection,
    contract_id: Uuid,
    key: &str,
) -> AppResult<Option<payment::Model>> {
    Ok(payment::Entity::find()
        .filter(payment::Column::ContractId.eq(contract_id))
        .filter(payment::Column::ReferenceKey.eq(key))
        .one(db)
        .await?)
}

/// The payment first recorded under a reference, when the report says the same again.
async fn replay(
    db: &DatabaseConnection,
    actor: &Actor,
    first: payment::Model,
    input: &FinancePayment,
) -> AppResult<(Payment, bool)> {
    // Only the reporter's own report is answered again: anyone else learns no more than that
    // the reference is taken.
    if first.created_by != Some(actor.user_id)
        || first.amount != input.amount
        || first.received_on != input.received_on
    {
        return Err(AppError::new(ErrorCode::Conflict).with_detail(
            "this reference is already recorded for the contract with another amount or day",
        ));
    }
    Ok((to_dtos(db, vec![first]).await?.remove(0), false))
}

async fn to_dtos<C: ConnectionTrait>(db: &C, rows: Vec<payment::Model>) -> AppResult<Vec<Payment>> {
    let owners = record::names::<user::Entity, _>(
        db,
        rows.iter().filter_map(|p| p.owner_id),
        user::Column::Id,
        user::Column::DisplayName,
    )
    .await?;
    let customers = record::names::<customer::Entity, _>(
        db,
        rows.iter().map(|p| p.customer_id),
        customer::Column::Id,
        customer::Column::Name,
    )
    .await?;
    let contracts: HashMap<Uuid, (String, String)> =
        contract_names(db, rows.iter().map(|p| p.contract_id)).await?;
    Ok(rows
        .into_iter()
        .map(|p| Payment {
            id: p.id,
            contract_id: p.contract_id,
            contract_number: contracts.get(&p.contract_id).map(|c| c.0.clone()),
            contract_title: contracts.get(&p.contract_id).map(|c| c.1.clone()),
            plan_id: p.plan_id,
            customer_id: p.customer_id,
            customer_name: customers.get(&p.customer_id).cloned(),
            owner_id: p.owner_id,
            owner_name: p.owner_id.and_then(|o| owners.get(&o).cloned()),
            amount: p.amount,
            received_on: p.received_on,
            method: p.method,
            reference: p.reference,
            note: p.note,
            created_at: p.created_at,
        })
        .collect())
}

async fn contract_names<C: ConnectionTrait>(
    db: &C,
    ids: impl Iterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, (String, String)>> {
    let ids: std::collections::BTreeSet<Uuid> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(contract::Entity::find()
        .select_only()
        .column(contract::Column::Id)
        .column(contract::Column::Number)
        .column(contract::Column::Title)
        .filter(contract::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String, String)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, n, t)| (id, (n, t)))
        .collect())
}

/// Payments in the caller's scope (their contracts' owners), latest received first; a
/// contract's, an owner's.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: PaymentListQuery,
) -> AppResult<Page<Payment>> {
    let scope = policy::require(actor, Resource::Contract, Action::Read)?;
    let limit = page_limit(q.limit)?;
    let mut sel = payment::Entity::find().filter(policy::owned_in_scope_probed(
        actor,
        scope,
        payment::Column::OwnerId,
    ));
    if let Some(c) = q.contract_id {
        sel = sel.filter(payment::Column::ContractId.eq(c));
    }
    if let Some(o) = q.owner_id {
        sel = sel.filter(payment::Column::OwnerId.eq(o));
    } else if let (Scope::Team, Some(t), None) = (scope, actor.team_id, q.contract_id) {
        sel = sel.filter(payment::Column::OwnerTeamId.eq(t));
    }
    let keyset = Keyset {
        name: "received",
        column: Some((payment::Column::ReceivedOn, KeyKind::Date)),
        id: payment::Column::Id,
        descending: true,
    };
    let page = keyset
        .page(db, sel, q.cursor.as_deref(), limit, |p: &payment::Model| {
            (p.received_on.to_string(), p.id)
        })
        .await?;
    Ok(Page {
        items: to_dtos(db, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// Instalments not received in full in the caller's scope, earliest due first; only the overdue
/// ones with `overdue=true`.
pub async fn receivables(
    db: &DatabaseConnection,
    actor: &Actor,
    q: ReceivableListQuery,
) -> AppResult<Page<Receivable>> {
    let scope = policy::require(actor, Resource::Contract, Action::Read)?;
    let limit = page_limit(q.limit)?;
    let today = quote::today();
    let mut sel = payment_plan::Entity::find()
        .filter(policy::owned_in_scope_probed(
            actor,
            scope,
            payment_plan::Column::OwnerId,
        ))
        .filter(
            Expr::col(payment_plan::Column::Received).lt(Expr::col(payment_plan::Column::Amount)),
        );
    if let Some(o) = q.owner_id {
        sel = sel.filter(payment_plan::Column::OwnerId.eq(o));
    } else if let (Scope::Team, Some(t)) = (scope, actor.team_id) {
        sel = sel.filter(payment_plan::Column::OwnerTeamId.eq(t));
    }
    if q.overdue == Some(true) {
        sel = sel.filter(payment_plan::Column::DueDate.lt(today));
    }
    let keyset = Keyset {
        name: "due",
        column: Some((payment_plan::Column::DueDate, KeyKind::Date)),
        id: payment_plan::Column::Id,
        descending: false,
    };
    let page = keyset
        .page(
            db,
            sel,
            q.cursor.as_deref(),
            limit,
            |p: &payment_plan::Model| (p.due_date.to_string(), p.id),
        )
        .await?;
    let contracts: HashMap<Uuid, contract::Model> = {
        let ids: Vec<Uuid> = page.items.iter().map(|p| p.contract_id).collect();
        if ids.is_empty() {
            HashMap::new()
        } else {
            contract::Entity::find()
                .filter(contract::Column::Id.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|c| (c.id, c))
                .collect()
        }
    };
    let owners = record::names::<user::Entity, _>(
        db,
        page.items.iter().filter_map(|p| p.owner_id),
        user::Column::Id,
        user::Column::DisplayName,
    )
    .await?;
    let customers = record::names::<customer::Entity, _>(
        db,
        contracts.values().map(|c| c.customer_id),
        customer::Column::Id,
        customer::Column::Name,
    )
    .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .filter_map(|p| {
                let c = contracts.get(&p.contract_id)?;
                let status = plan_status(p.amount, p.received, p.due_date, today);
                Some(Receivable {
                    plan_id: p.id,
                    contract_id: c.id,
                    contract_number: c.number.clone(),
                    contract_title: c.title.clone(),
                    customer_id: c.customer_id,
                    customer_name: customers.get(&c.customer_id).cloned(),
                    owner_id: p.owner_id,
                    owner_name: p.owner_id.and_then(|o| owners.get(&o).cloned()),
                    due_date: p.due_date,
                    amount: p.amount,
                    received: p.received,
                    outstanding: p.amount - p.received,
                    status,
                    days_overdue: if status == PlanStatus::Overdue {
                        (today - p.due_date).num_days()
                    } else {
                        0
                    },
                })
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

/// The collection of a deal's contracts follows the deal to its new owner (in the deal's
/// transaction, after its contracts moved).
pub(crate) async fn follow_contracts<C: ConnectionTrait>(
    txn: &C,
    deal: Uuid,
    owner: Option<Uuid>,
    team: Option<Uuid>,
) -> AppResult<()> {
    let ids: Vec<Uuid> = contract::Entity::find()
        .filter(contract::Column::OpportunityId.eq(deal))
        .select_only()
        .column(contract::Column::Id)
        .into_tuple()
        .all(txn)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    payment_plan::Entity::update_many()
        .col_expr(payment_plan::Column::OwnerId, Expr::value(owner))
        .col_expr(payment_plan::Column::OwnerTeamId, Expr::value(team))
        .filter(payment_plan::Column::ContractId.is_in(ids.clone()))
        .exec(txn)
        .await?;
    payment::Entity::update_many()
        .col_expr(payment::Column::OwnerId, Expr::value(owner))
        .col_expr(payment::Column::OwnerTeamId, Expr::value(team))
        .filter(payment::Column::ContractId.is_in(ids))
        .exec(txn)
        .await?;
    Ok(())
}

/// The overdue reminder's part: instalments past due with something outstanding, not reminded
/// since they fell due, after `after` in due-date order; their owners are told once.
pub(crate) async fn remind_overdue(
    txn: &DatabaseTransaction,
    after: Option<(NaiveDate, Uuid)>,
    today: NaiveDate,
    at: DateTime<Utc>,
    batch: u64,
) -> AppResult<(Vec<payment_plan::Model>, u64)> {
    let mut sel = payment_plan::Entity::find()
        .filter(payment_plan::Column::DueDate.lt(today))
        .filter(
            Expr::col(payment_plan::Column::Received).lt(Expr::col(payment_plan::Column::Amount)),
        )
        .filter(payment_plan::Column::RemindedAt.is_null());
    if let Some((d, id)) = after {
        sel = sel.filter(
            Condition::any()
                .add(payment_plan::Column::DueDate.gt(d))
                .add(
                    Condition::all()
                        .add(payment_plan::Column::DueDate.eq(d))
                        .add(payment_plan::Column::Id.gt(id)),
                ),
        );
    }
    let rows = sel
        .order_by_asc(payment_plan::Column::DueDate)
        .order_by_asc(payment_plan::Column::Id)
        .limit(batch)
        .all(txn)
        .await?;
    let names = contract_names(txn, rows.iter().map(|p| p.contract_id)).await?;
    let mut notices = Vec::new();
    let mut told = 0;
    for p in &rows {
        let done = payment_plan::Entity::update_many()
            .col_expr(payment_plan::Column::RemindedAt, Expr::value(Some(at)))
            .filter(payment_plan::Column::Id.eq(p.id))
            .filter(payment_plan::Column::RemindedAt.is_null())
            .filter(payment_plan::Column::Received.eq(p.received))
            .exec(txn)
            .await?;
        if done.rows_affected != 1 {
            continue;
        }
        told += 1;
        if let Some(owner) = p.owner_id {
            let (number, title) = names.get(&p.contract_id).cloned().unwrap_or_default();
            notices.push(crate::services::notification::Notice {
                user_id: owner,
                kind: kaidan_shared::notification::NotificationKind::PaymentOverdue,
                resource: Some(Resource::Contract),
                record_id: Some(p.contract_id),
                data: json!({
                    "number": number, "title": title, "due_date": p.due_date,
                    "outstanding": p.amount - p.received,
                }),
            });
        }
    }
    crate::services::notification::send_all(txn, notices).await?;
    Ok((rows, told))
}
