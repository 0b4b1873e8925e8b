//! Contracts (合同): made from an accepted quote (lines and figures copied) or directly for a
//! customer (lines priced like a quote's at list prices, or an amount alone). A draft is edited
//! and submitted to the approval flow (`services::approval`); while it waits it is frozen; once
//! approved its amount, lines and payment terms are locked (`invalid_state`) — reopening it
//! makes it a draft that needs approval again. Then signed, and completed or terminated.
//!
//! A contract is placed by its owner like a quote: the quote's owner, else the customer's,
//! else whoever makes it. Numbers (`HT-2026-000123`) come from `services::sequence` in the
//! creating transaction.

use chrono::{DateTime, Datelike, Utc};
use kaidan_shared::approval::{Approval, ApprovalSubject};
use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::contract::{
    Contract, ContractCreate, ContractListQuery, ContractReason, ContractSign, ContractStatus,
    ContractUpdate,
};
use kaidan_shared::page::Page;
use kaidan_shared::product::percent_of_bp;
use kaidan_shared::quote::{LineTotals, QuoteStatus};
use kaidan_shared::{Action, ErrorCode, FieldCode, FieldError, Resource, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
};
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::{
    approval, contract, contract_line, customer, opportunity, quote, quote_line, user,
};
use crate::error::{AppError, AppResult};
use crate::services::approval::{self as engine, Outcome, Submission};
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, check_version, clean, field, new_id, now, org, page_limit, quote as quotes,
    sequence, stale,
};

fn invalid_state(detail: &str) -> AppError {
    AppError::new(ErrorCode::InvalidState).with_detail(detail.to_owned())
}

// ---- reading ----

#[derive(Debug, FromQueryResult)]
pub struct Row {
    #[sea_orm(nested)]
    pub contract: contract::Model,
    pub owner_name: Option<String>,
    pub customer_name: Option<String>,
    pub opportunity_name: Option<String>,
    pub quote_number: Option<String>,
}

fn with_names() -> Select<contract::Entity> {
    contract::Entity::find()
        .column_as(
            Expr::col((user::Entity, user::Column::DisplayName)),
            "owner_name",
        )
        .column_as(
            Expr::col((customer::Entity, customer::Column::Name)),
            "customer_name",
        )
        .column_as(
            Expr::col((opportunity::Entity, opportunity::Column::Name)),
            "opportunity_name",
        )
        .column_as(
            Expr::col((quote::Entity, quote::Column::Number)),
            "quote_number",
        )
        .join(JoinType::LeftJoin, contract::Relation::Owner.def())
        .join(JoinType::InnerJoin, contract::Relation::Customer.def())
        .join(JoinType::LeftJoin, contract::Relation::Opportunity.def())
        .join(JoinType::LeftJoin, contract::Relation::Quote.def())
}

/// A contract line as the wire shows it: the quote line's shape, with the figures the contract
/// keeps (what was agreed is not figured again).
fn line_dto(l: contract_line::Model) -> kaidan_shared::quote::QuoteLine {
    let figures = LineTotals {
        gross: l.gross,
        net: l.net,
        tax: l.tax,
        total: l.total,
    };
    quotes::line_dto(as_quote_line(l), figures)
}

fn as_quote_line(l: contract_line::Model) -> quote_line::Model {
    quote_line::Model {
        quote_id: l.contract_id,
        position: l.position,
        product_id: l.product_id,
        product_code: l.product_code,
        product_name: l.product_name,
        spec: l.spec,
        unit: l.unit,
        quantity_e4: l.quantity_e4,
        list_price: l.list_price,
        unit_price: l.unit_price,
        discount_bp: l.discount_bp,
        tax_rate_bp: l.tax_rate_bp,
        note: l.note,
    }
}

fn as_contract_line(
    contract_id: Uuid,
    l: quote_line::Model,
    f: &LineTotals,
) -> contract_line::Model {
    contract_line::Model {
        contract_id,
        position: l.position,
        product_id: l.product_id,
        product_code: l.product_code,
        product_name: l.product_name,
        spec: l.spec,
        unit: l.unit,
        quantity_e4: l.quantity_e4,
        list_price: l.list_price,
        unit_price: l.unit_price,
        discount_bp: l.discount_bp,
        tax_rate_bp: l.tax_rate_bp,
        note: l.note,
        gross: f.gross,
        net: f.net,
        tax: f.tax,
        total: f.total,
    }
}

fn to_dto(r: Row, lines: Vec<contract_line::Model>) -> Contract {
    let m = r.contract;
    Contract {
        id: m.id,
        number: m.number,
        customer_id: m.customer_id,
        customer_name: r.customer_name,
        opportunity_id: m.opportunity_id,
        opportunity_name: r.opportunity_name,
        quote_id: m.quote_id,
        quote_number: r.quote_number,
        owner_id: m.owner_id,
        owner_name: r.owner_name,
        title: m.title,
        amount: m.amount,
        received: m.received,
        subtotal: m.subtotal,
        discount: m.discount,
        tax: m.tax,
        max_discount_percent: percent_of_bp(m.max_discount_bp).normalize(),
        sign_date: m.sign_date,
        start_date: m.start_date,
        end_date: m.end_date,
        payment_terms: m.payment_terms,
        customer_signatory: m.customer_signatory,
        our_signatory: m.our_signatory,
        notes: m.notes,
        status: ContractStatus::parse(&m.status).unwrap_or(ContractStatus::Draft),
        approval_id: m.approval_id,
        approved_at: m.approved_at,
        signed_at: m.signed_at,
        ended_at: m.ended_at,
        end_reason: m.end_reason,
        lines: lines.into_iter().map(line_dto).collect(),
        custom: field::parse(m.custom.as_deref()),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A contract as its history keeps it: every fact, and each line as entered, without figures.
fn snapshot(c: &mut Contract) -> serde_json::Value {
    // The lines are taken out while the rest is turned into JSON and put back after: the
    // figures of 200 lines are not made into JSON only to be dropped.
    let lines = std::mem::take(&mut c.lines);
    let mut v = serde_json::to_value(&*c).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        let entered: Vec<serde_json::Value> = lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "product_code": l.product_code,
                    "quantity": l.quantity,
                    "unit_price": l.unit_price,
                    "discount_percent": l.discount_percent,
                })
            })
            .collect();
        o.insert("lines".into(), entered.into());
    }
    c.lines = lines;
    v
}

async fn lines_of<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Vec<contract_line::Model>> {
    Ok(contract_line::Entity::find()
        .filter(contract_line::Column::ContractId.eq(id))
        .order_by_asc(contract_line::Column::Position)
        .all(db)
        .await?)
}

/// A contract's lines as the wire shows them (an approval's page shows them to its approvers).
pub(crate) async fn line_dtos<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> AppResult<Vec<kaidan_shared::quote::QuoteLine>> {
    Ok(lines_of(db, id).await?.into_iter().map(line_dto).collect())
}

async fn read_one<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Contract> {
    let r: Row = with_names()
        .filter(contract::Column::Id.eq(id))
        .into_model()
        .one(db)
        .await?
        .ok_or_else(stale)?;
    Ok(to_dto(r, lines_of(db, id).await?))
}

/// Contracts in the caller's scope, newest first; a customer's, a deal's, an owner's, by status.
/// Lines are left out of the list.
pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    q: ContractListQuery,
) -> AppResult<Page<Contract>> {
    let scope = policy::require(actor, Resource::Contract, Action::Read)?;
    let limit = page_limit(q.limit)?;
    let view = field::View::load(db, kept, actor).await?;
    let mut sel = with_names().filter(policy::owned_in_scope_probed(
        actor,
        scope,
        contract::Column::OwnerId,
    ));
    if let Some(o) = q.owner_id {
        sel = sel.filter(contract::Column::OwnerId.eq(o));
    } else if let (Scope::Team, Some(t), None, None) =
        (scope, actor.team_id, q.opportunity_id, q.customer_id)
    {
        sel = sel.filter(contract::Column::OwnerTeamId.eq(t));
    }
    if let Some(d) = q.opportunity_id {
        sel = sel.filter(contract::Column::OpportunityId.eq(d));
    }
    if let Some(c) = q.customer_id {
        sel = sel.filter(contract::Column::CustomerId.eq(c));
    }
    if let Some(s) = q.status {
        sel = sel.filter(contract::Column::Status.eq(s.as_str()));
    }
    let keyset = Keyset {
        name: "newest",
        column: Some((contract::Column::CreatedAt, KeyKind::Time)),
        id: contract::Column::Id,
        descending: true,
    };
    let page = keyset
        .page(db, sel, q.cursor.as_deref(), limit, |r: &Row| {
            (r.contract.created_at.to_rfc3339(), r.contract.id)
        })
        .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                let mut v = to_dto(r, Vec::new());
                v.custom = view.show(Resource::Contract, &v.custom);
                v
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

pub async fn get(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
) -> AppResult<Contract> {
    let row: Row =
        record::find_with::<contract::Entity, Row, _>(db, actor, Action::Read, id, with_names())
            .await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut v = to_dto(row, lines_of(db, id).await?);
    v.custom = view.show(Resource::Contract, &v.custom);
    Ok(v)
}

pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<contract::Entity>(db, kept, actor, id, q).await
}

/// The approvals a contract went through, newest first, with their timelines: whoever reads the
/// contract reads them.
pub async fn approvals(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<Vec<Approval>> {
    record::find::<contract::Entity, _>(db, actor, Action::Read, id, Condition::all()).await?;
    engine::of_record(db, actor, ApprovalSubject::Contract, id).await
}

// ---- writes ----

/// Lines and figures for a contract being made or changed.
struct Figures {
    lines: Vec<contract_line::Model>,
    amount: i64,
    subtotal: i64,
    discount: i64,
    tax: i64,
    max_discount_bp: i32,
}

fn amount_only(amount: i64) -> Figures {
    Figures {
        lines: Vec::new(),
        amount,
        subtotal: 0,
        discount: 0,
        tax: 0,
        max_discount_bp: 0,
    }
}

async fn priced(
    db: &DatabaseConnection,
    id: Uuid,
    input: &[kaidan_shared::quote::QuoteLineInput],
    kept: &[Uuid],
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<Figures>> {
    let p = quotes::price(
        db,
        id,
        input,
        None,
        rust_decimal::Decimal::ZERO,
        kept,
        errors,
    )
    .await?;
    Ok(p.map(|p| Figures {
        lines: p
            .lines
            .into_iter()
            .zip(&p.figures)
            .map(|(l, f)| as_contract_line(id, l, f))
            .collect(),
        amount: p.total,
        subtotal: p.subtotal,
        discount: p.discount,
        tax: p.tax,
        max_discount_bp: p.max_discount_bp,
    }))
}

async fn write_lines<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    lines: &[contract_line::Model],
) -> AppResult<()> {
    contract_line::Entity::delete_many()
        .filter(contract_line::Column::ContractId.eq(id))
        .exec(txn)
        .await?;
    for chunk in lines.chunks(100) {
        contract_line::Entity::insert_many(
            chunk
                .iter()
                .map(|l| contract_line::ActiveModel::from(l.clone())),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

fn apply(m: &mut contract::Model, f: &Figures) {
    m.amount = f.amount;
    m.subtotal = f.subtotal;
    m.discount = f.discount;
    m.tax = f.tax;
    m.max_discount_bp = f.max_discount_bp;
}

/// Saves a contract's next state if it is still at `expected`, its owner's team read first.
async fn save(
    txn: &DatabaseTransaction,
    mut next: contract::Model,
    expected: i64,
) -> AppResult<()> {
    let id = next.id;
    next.owner_team_id = org::owner_place(txn, next.owner_id).await?.team_id;
    record::save_versioned::<contract::Entity, _>(txn, next, id, expected).await
}

/// Makes a draft contract from an accepted quote, or for a customer the caller may work on.
pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: ContractCreate,
) -> AppResult<Contract> {
    let scope = policy::require(actor, Resource::Contract, Action::Create)?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Contract);
    let mut errors = input.validate().err().unwrap_or_default();
    let custom = rules
        .check(db, actor.role, &input.custom, None)
        .await?
        .map_err(|e| errors.extend(e))
        .ok();
    let id = new_id();
    // The customer, deal and owner: the quote's, or the customer's given.
    let mut customer_id = input.customer_id;
    let mut deal_id = input.opportunity_id;
    let mut owner = None;
    let mut figures = None;
    if let Some(qid) = input.quote_id {
        let q = quote::Entity::find_by_id(qid)
            .filter(policy::owned_in_scope(actor, scope, quote::Column::OwnerId))
            .one(db)
            .await?;
        match q {
            Some(q) if q.status == QuoteStatus::Accepted.as_str() => {
                let lines = quotes::lines_of(db, q.id).await?;
                let made = quotes::figures_of(&lines, q.overall_discount_bp).lines;
                customer_id = Some(q.customer_id);
                deal_id = Some(q.opportunity_id);
                owner = q.owner_id;
                figures = Some(Figures {
                    lines: lines
                        .into_iter()
                        .zip(&made)
                        .map(|(l, f)| as_contract_line(id, l, f))
                        .collect(),
                    amount: q.total,
                    subtotal: q.subtotal,
                    discount: q.discount,
                    tax: q.tax,
                    max_discount_bp: q.max_discount_bp,
                });
            }
            Some(_) => errors.push(FieldError::new(
                "quote_id",
                FieldCode::NotAllowed,
                "only an accepted quote becomes a contract",
            )),
            None => errors.push(FieldError::new(
                "quote_id",
                FieldCode::UnknownReference,
                "no quote with this id that you may make a contract of",
            )),
        }
    }
    let cust = match customer_id {
        Some(c) => {
            customer::Entity::find_by_id(c)
                .filter(policy::owned_in_scope(
                    actor,
                    scope,
                    customer::Column::OwnerId,
                ))
                .filter(customer::Column::ArchivedAt.is_null())
                .one(db)
                .await?
        }
        None => None,
    };
    if cust.is_none() && (input.customer_id.is_some() || errors.is_empty()) {
        errors.push(FieldError::new(
            "customer_id",
            FieldCode::UnknownReference,
            "no current customer with this id that you may make a contract for",
        ));
    }
    if let (Some(d), None) = (input.opportunity_id, input.quote_id) {
        let deal = opportunity::Entity::find_by_id(d)
            .filter(policy::owned_in_scope(
                actor,
                scope,
                opportunity::Column::OwnerId,
            ))
            .one(db)
            .await?;
        if deal.is_none_or(|o| Some(o.customer_id) != customer_id) {
            errors.push(FieldError::new(
                "opportunity_id",
                FieldCode::UnknownReference,
                "no deal of this customer with this id that you may work on",
            ));
        }
    }
    if figures.is_none() && errors.is_empty() {
        figures = if input.lines.is_empty() {
            input.amount.map(amount_only)
        } else {
            priced(db, id, &input.lines, &[], &mut errors).await?
        };
    }
    let (Some(cust), Some(custom), Some(f), true) = (cust, custom, figures, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    let owner = owner.or(cust.owner_id).or(Some(actor.user_id));
    let t = now();
    let year = quotes::today().year();
    let txn = begin_write(db).await?;
    // The owner's place first, then the records (the order every write takes).
    let team = org::owner_place(&txn, owner).await?.team_id;
    if let Some(q) = input.quote_id {
        // One contract per accepted quote: the quote's row is held while the others are read,
        // so two taps at once make one (a terminated one may be replaced).
        quote::Entity::find_by_id(q)
            .lock_exclusive()
            .one(&txn)
            .await?;
        let made: Vec<String> = contract::Entity::find()
            .filter(contract::Column::QuoteId.eq(q))
            .filter(contract::Column::Status.ne(ContractStatus::Terminated.as_str()))
            .select_only()
            .column(contract::Column::Number)
            .into_tuple()
            .all(&txn)
            .await?;
        if let Some(n) = made.first() {
            return Err(invalid_state(&format!(
                "this quote already has contract {n}"
            )));
        }
    }
    let n = sequence::next(&txn, &format!("contract:{year}")).await?;
    let mut m = contract::Model {
        id,
        number: sequence::format("HT", year, n),
        customer_id: cust.id,
        opportunity_id: deal_id,
        quote_id: input.quote_id,
        owner_id: owner,
        owner_team_id: team,
        title: input.title.trim().to_owned(),
        amount: 0,
        received: 0,
        subtotal: 0,
        discount: 0,
        tax: 0,
        max_discount_bp: 0,
        sign_date: input.sign_date,
        start_date: input.start_date,
        end_date: input.end_date,
        payment_terms: clean(input.payment_terms),
        customer_signatory: clean(input.customer_signatory),
        our_signatory: clean(input.our_signatory),
        notes: clean(input.notes),
        status: ContractStatus::Draft.as_str().into(),
        approval_id: None,
        approved_at: None,
        signed_at: None,
        ended_at: None,
        end_reason: None,
        custom: field::stored(&custom),
        version: 1,
        created_by: Some(actor.user_id),
        created_at: t,
        updated_at: t,
    };
    apply(&mut m, &f);
    contract::Entity::insert(contract::ActiveModel::from(m))
        .exec_without_returning(&txn)
        .await?;
    write_lines(&txn, id, &f.lines).await?;
    rules.mark_used(&txn, &custom).await?;
    rules
        .index(&txn, Resource::Contract, id, &Default::default(), &custom)
        .await?;
    let mut dto = read_one(&txn, id).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::ContractCreate,
            "contract",
            id,
            id,
            &snapshot(&mut dto),
        ),
    )
    .await?;
    dto.custom = rules.visible(actor.role, &dto.custom);
    Ok(dto)
}

async fn for_change(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
) -> AppResult<contract::Model> {
    let current =
        record::find::<contract::Entity, _>(db, actor, Action::Update, id, Condition::all())
            .await?;
    check_version(expected, current.version)?;
    Ok(current)
}

/// The contract's row for a write beside it (a payment, a plan, a document): looked up for `Update` in the caller's scope,
/// then its owner's place and the row itself locked in `txn` (the order every contract write
/// takes), read again as it now stands.
pub(crate) async fn lock(
    txn: &DatabaseTransaction,
    seen: &contract::Model,
) -> AppResult<(contract::Model, org::OwnerPlace)> {
    let place = org::owner_place(txn, seen.owner_id).await?;
    let c = contract::Entity::find_by_id(seen.id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((c, place))
}

fn status_of(m: &contract::Model) -> ContractStatus {
    ContractStatus::parse(&m.status).unwrap_or(ContractStatus::Draft)
}

/// Changes a contract. A draft changes in full; while it waits for approval nothing changes;
/// after approval everything but the amount, lines and payment terms (reopen it for those);
/// a completed or terminated contract is closed.
pub async fn update(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: ContractUpdate,
) -> AppResult<Contract> {
    let current = for_change(db, actor, id, None).await?;
    // A body that breaks the rules is refused as such (422) whatever version it names; only a
    // good one is held to its If-Match.
    input
        .validate(current.start_date, current.end_date)
        .map_err(AppError::validation)?;
    check_version(Some(expected), current.version)?;
    match status_of(&current) {
        ContractStatus::Draft => {}
        ContractStatus::PendingApproval => {
            return Err(invalid_state(
                "the contract waits for approval: withdraw the submission to change it",
            ))
        }
        ContractStatus::Approved | ContractStatus::Signed if input.touches_locked() => {
            return Err(invalid_state(
                "the amount, lines and payment terms were approved: reopen the contract to change them",
            ))
        }
        ContractStatus::Approved | ContractStatus::Signed => {}
        ContractStatus::Completed | ContractStatus::Terminated => {
            return Err(invalid_state("the contract is closed"))
        }
    }
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Contract);
    let mut errors = input
        .validate(current.start_date, current.end_date)
        .err()
        .unwrap_or_default();
    let previous = field::parse(current.custom.as_deref());
    let custom = if input.custom.is_empty() {
        None
    } else {
        rules
            .check(db, actor.role, &input.custom, Some(&previous))
            .await?
            .map_err(|e| errors.extend(e))
            .ok()
    };
    let stored = lines_of(db, id).await?;
    let figures = match (&input.lines, input.amount) {
        (Some(_), _) if current.quote_id.is_some() => {
            errors.push(FieldError::new(
                "lines",
                FieldCode::NotAllowed,
                "a quote's contract keeps the quote's lines",
            ));
            None
        }
        (Some(lines), _) if !lines.is_empty() => {
            let kept_products: Vec<Uuid> = stored.iter().map(|l| l.product_id).collect();
            priced(db, id, lines, &kept_products, &mut errors).await?
        }
        // No lines from now on: the amount is typed.
        (Some(_), Some(a)) => Some(amount_only(a)),
        (Some(_), None) => {
            errors.push(FieldError::new(
                "amount",
                FieldCode::Required,
                "a contract without lines needs an amount",
            ));
            None
        }
        (None, Some(_)) if !stored.is_empty() || current.quote_id.is_some() => {
            errors.push(FieldError::new(
                "amount",
                FieldCode::NotAllowed,
                "a contract with lines takes their total",
            ));
            None
        }
        (None, Some(a)) => Some(amount_only(a)),
        (None, None) => None,
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut next = current.clone();
    if let Some(t) = &input.title {
        next.title = t.trim().to_owned();
    }
    input.sign_date.apply_with(&mut next.sign_date, Some);
    input.start_date.apply_with(&mut next.start_date, Some);
    input.end_date.apply_with(&mut next.end_date, Some);
    input
        .payment_terms
        .apply_with(&mut next.payment_terms, |v| clean(Some(v)));
    input
        .customer_signatory
        .apply_with(&mut next.customer_signatory, |v| clean(Some(v)));
    input
        .our_signatory
        .apply_with(&mut next.our_signatory, |v| clean(Some(v)));
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    if let Some(f) = &figures {
        apply(&mut next, f);
    }
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    next.version += 1;
    next.updated_at = now();
    let mut before = read_one(db, id).await?;
    let txn = begin_write(db).await?;
    save(&txn, next, expected).await?;
    if let Some(f) = &figures {
        write_lines(&txn, id, &f.lines).await?;
    }
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        rules
            .index(&txn, Resource::Contract, id, &previous, c)
            .await?;
    }
    let mut after = read_one(&txn, id).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::ContractUpdate,
            "contract",
            id,
            id,
            &snapshot(&mut before),
            &snapshot(&mut after),
        ),
    )
    .await?;
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(after)
}

/// Saves a status change read and checked by the caller, with its audit row.
async fn transition(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    current: contract::Model,
    next: contract::Model,
    action: AuditAction,
    reason: Option<String>,
) -> AppResult<Contract> {
    let id = current.id;
    let mut before = read_one(db, id).await?;
    let txn = begin_write(db).await?;
    save(&txn, next, current.version).await?;
    let mut after = read_one(&txn, id).await?;
    let mut shown = snapshot(&mut after);
    if let (Some(r), Some(o)) = (reason, shown.as_object_mut()) {
        o.insert("reason".into(), r.into());
    }
    audit::commit(
        txn,
        actor,
        audit::Change::updated(action, "contract", id, id, &snapshot(&mut before), &shown),
    )
    .await?;
    let view = field::View::load(db, kept, actor).await?;
    after.custom = view.show(Resource::Contract, &after.custom);
    Ok(after)
}

/// Submits a draft for approval: the flow is chosen by its amount, largest discount and
/// customer's level, and the first step's approvers are told. Frozen until decided.
pub async fn submit(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    at: DateTime<Utc>,
) -> AppResult<Contract> {
    let current = for_change(db, actor, id, expected).await?;
    if status_of(&current) != ContractStatus::Draft {
        return Err(invalid_state("only a draft is submitted for approval"));
    }
    let level: Option<Option<String>> = customer::Entity::find_by_id(current.customer_id)
        .select_only()
        .column(customer::Column::Level)
        .into_tuple()
        .one(db)
        .await?;
    let mut before = read_one(db, id).await?;
    let txn = begin_write(db).await?;
    let mut next = current.clone();
    next.status = ContractStatus::PendingApproval.as_str().into();
    next.version += 1;
    next.updated_at = now();
    let opened = engine::open(
        &txn,
        actor,
        Submission {
            subject: ApprovalSubject::Contract,
            record_id: id,
            record_version: next.version,
            title: format!("{} {}", current.number, current.title),
            amount: current.amount,
            max_discount_bp: current.max_discount_bp,
            customer_id: Some(current.customer_id),
            customer_level: level.flatten(),
            owner_id: current.owner_id,
        },
        false,
        at,
    )
    .await?;
    next.approval_id = opened.map(|a| a.id);
    save(&txn, next, current.version).await?;
    let mut after = read_one(&txn, id).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::ContractSubmit,
            "contract",
            id,
            id,
            &snapshot(&mut before),
            &snapshot(&mut after),
        ),
    )
    .await?;
    let view = field::View::load(db, kept, actor).await?;
    after.custom = view.show(Resource::Contract, &after.custom);
    Ok(after)
}

/// Moves a contract whose approval ended (in the approval's transaction, which holds the
/// approval's row): approved, or back to a draft. Its version moves on, so an edit read before
/// answers 412.
pub(crate) async fn after_approval(
    txn: &DatabaseTransaction,
    a: &approval::Model,
    outcome: Outcome,
    trail: &mut audit::Trail,
) -> AppResult<()> {
    let Some(current) = contract::Entity::find_by_id(a.record_id).one(txn).await? else {
        return Ok(());
    };
    if current.status != ContractStatus::PendingApproval.as_str()
        || current.approval_id != Some(a.id)
    {
        return Ok(());
    }
    let mut before = read_one(txn, current.id).await?;
    let mut next = current.clone();
    let at = a.decided_at.unwrap_or_else(now);
    let action = match outcome {
        Outcome::Approved => {
            next.status = ContractStatus::Approved.as_str().into();
            next.approved_at = Some(at);
            AuditAction::ContractApprove
        }
        Outcome::Rejected | Outcome::Withdrawn => {
            next.status = ContractStatus::Draft.as_str().into();
            AuditAction::ContractReturn
        }
    };
    next.version += 1;
    next.updated_at = at;
    save(txn, next, current.version).await?;
    let mut after = read_one(txn, current.id).await?;
    trail.add(audit::Change::updated(
        action,
        "contract",
        current.id,
        current.id,
        &snapshot(&mut before),
        &snapshot(&mut after),
    ));
    Ok(())
}

/// Signs an approved contract (the sign date defaults to today, China time).
pub async fn sign(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: ContractSign,
) -> AppResult<Contract> {
    let current = for_change(db, actor, id, expected).await?;
    if status_of(&current) != ContractStatus::Approved {
        return Err(invalid_state("only an approved contract is signed"));
    }
    let day = input.sign_date.unwrap_or_else(quotes::today);
    if !kaidan_shared::visit::date_is_sane(day) {
        return Err(AppError::field(
            "sign_date",
            FieldCode::OutOfRange,
            "not a plausible date",
        ));
    }
    let mut next = current.clone();
    next.status = ContractStatus::Signed.as_str().into();
    next.sign_date = Some(day);
    next.signed_at = Some(now());
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::ContractSign,
        None,
    )
    .await
}

/// Marks a signed contract fulfilled.
pub async fn complete(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
) -> AppResult<Contract> {
    let current = for_change(db, actor, id, expected).await?;
    if status_of(&current) != ContractStatus::Signed {
        return Err(invalid_state("only a signed contract is completed"));
    }
    let mut next = current.clone();
    next.status = ContractStatus::Completed.as_str().into();
    next.ended_at = Some(now());
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::ContractComplete,
        None,
    )
    .await
}

fn reason_of(input: ContractReason) -> AppResult<String> {
    let reason = clean(Some(input.reason)).unwrap_or_default();
    let mut e = kaidan_shared::validate::Errors::new();
    e.required_text("reason", &reason, kaidan_shared::validate::limits::REASON);
    e.finish().map_err(AppError::validation)?;
    Ok(reason)
}

/// Ends an approved or signed contract early, saying why.
pub async fn terminate(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: ContractReason,
) -> AppResult<Contract> {
    let reason = reason_of(input)?;
    let current = for_change(db, actor, id, expected).await?;
    if !matches!(
        status_of(&current),
        ContractStatus::Approved | ContractStatus::Signed
    ) {
        return Err(invalid_state(
            "only an approved or signed contract is terminated (a draft is simply not submitted)",
        ));
    }
    let mut next = current.clone();
    next.status = ContractStatus::Terminated.as_str().into();
    next.ended_at = Some(now());
    next.end_reason = Some(reason);
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::ContractTerminate,
        None,
    )
    .await
}

/// Reopens an approved, unsigned contract as a draft to change what the approval settled; it
/// needs approval again.
pub async fn reopen(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: ContractReason,
) -> AppResult<Contract> {
    let reason = reason_of(input)?;
    let current = for_change(db, actor, id, expected).await?;
    if status_of(&current) != ContractStatus::Approved {
        return Err(invalid_state(
            "only an approved contract that is not signed yet is reopened",
        ));
    }
    let mut next = current.clone();
    next.status = ContractStatus::Draft.as_str().into();
    next.approved_at = None;
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::ContractReopen,
        Some(reason),
    )
    .await
}

/// A deal's contracts follow the deal to its new owner, in the deal's transaction.
pub(crate) async fn follow_deal<C: ConnectionTrait>(
    txn: &C,
    deal: Uuid,
    owner: Option<Uuid>,
    team: Option<Uuid>,
) -> AppResult<()> {
    contract::Entity::update_many()
        .col_expr(contract::Column::OwnerId, Expr::value(owner))
        .col_expr(contract::Column::OwnerTeamId, Expr::value(team))
        .col_expr(
            contract::Column::Version,
            Expr::col(contract::Column::Version).add(1),
        )
        .filter(contract::Column::OpportunityId.eq(deal))
        .exec(txn)
        .await?;
    crate::services::payment::follow_contracts(txn, deal, owner, team).await
}
