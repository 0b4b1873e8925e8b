//! Quotes (报价) for deals: lines of catalogue products priced from the quote's price list (or
//! the list price), discounts per line and overall, tax per line, and the figures from the one
//! function in `shared::quote`. A draft is edited; sending freezes it; a change to a sent quote
//! is a new revision (same number), which supersedes the sent one when it is sent in turn; the
//! customer's acceptance or rejection is recorded on the sent revision.
//!
//! A quote is placed by its owner (the deal's owner when it was made), like the deal. Numbers
//! (`BJ-2026-000123`) come from `services::sequence` inside the creating transaction.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::page::Page;
use kaidan_shared::pool::LOCAL_OFFSET_SECS;
use kaidan_shared::product::{applies, bp_of_percent, percent_of_bp};
use kaidan_shared::quote::{
    check_line, totals, LineInput, LineProblem, LineTotals, Quote, QuoteCreate, QuoteDecision,
    QuoteLine, QuoteLineInput, QuoteListQuery, QuoteStatus, QuoteUpdate,
};
use kaidan_shared::{Action, ErrorCode, FieldCode, FieldError, Resource, Scope};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
};
use uuid::Uuid;

use crate::auth::policy;
use crate::auth::Actor;
use crate::entities::{
    customer, opportunity, price_list, price_list_entry, product, quote, quote_line, user,
};
use crate::error::{AppError, AppResult};
use crate::services::clean;
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, check_version, field, new_id, now, org, page_limit, sequence, stale, Conns,
};

const QUANTITY_E4: i64 = 10_000;

fn invalid_state(detail: &str) -> AppError {
    AppError::new(ErrorCode::InvalidState).with_detail(detail.to_owned())
}

/// Today in China, the day a quote's prices are of when none is given.
pub fn today() -> NaiveDate {
    (Utc::now() + chrono::Duration::seconds(i64::from(LOCAL_OFFSET_SECS))).date_naive()
}

fn bp_of(d: Decimal) -> i32 {
    bp_of_percent(d).unwrap_or(0)
}

// ---- reading ----

#[derive(Debug, Clone, FromQueryResult)]
pub struct Row {
    #[sea_orm(nested)]
    pub quote: quote::Model,
    pub owner_name: Option<String>,
    pub customer_name: Option<String>,
    pub opportunity_name: Option<String>,
}

fn with_names() -> Select<quote::Entity> {
    quote::Entity::find()
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
        .join(JoinType::LeftJoin, quote::Relation::Owner.def())
        .join(JoinType::InnerJoin, quote::Relation::Customer.def())
        .join(JoinType::InnerJoin, quote::Relation::Opportunity.def())
}

pub(crate) fn line_dto(l: quote_line::Model, figures: LineTotals) -> QuoteLine {
    QuoteLine {
        product_id: l.product_id,
        product_code: l.product_code,
        product_name: l.product_name,
        spec: l.spec,
        unit: l.unit,
        quantity: Decimal::new(l.quantity_e4, 4).normalize(),
        list_price: l.list_price,
        unit_price: l.unit_price,
        discount_percent: percent_of_bp(l.discount_bp).normalize(),
        tax_rate: percent_of_bp(l.tax_rate_bp).normalize(),
        note: l.note,
        figures,
    }
}

/// What the pricing function takes from a stored line: exactly what was entered, so the figures
/// made again are those made when the line was saved.
fn line_input(l: &quote_line::Model) -> LineInput {
    LineInput {
        quantity: Decimal::new(l.quantity_e4, 4).normalize(),
        unit_price: l.unit_price,
        discount_percent: percent_of_bp(l.discount_bp).normalize(),
        tax_rate_percent: percent_of_bp(l.tax_rate_bp),
    }
}

/// A quote's figures from its stored lines and overall discount (in basis points): the lines'
/// figures are never stored, every read makes them with the one function in `shared`.
pub(crate) fn figures_of(
    lines: &[quote_line::Model],
    overall_bp: i32,
) -> kaidan_shared::quote::Totals {
    let inputs: Vec<LineInput> = lines.iter().map(line_input).collect();
    totals(&inputs, percent_of_bp(overall_bp))
}

fn to_dto(r: Row, lines: Vec<quote_line::Model>) -> Quote {
    let m = r.quote;
    let figures = figures_of(&lines, m.overall_discount_bp).lines;
    Quote {
        id: m.id,
        number: m.number,
        revision: u32::try_from(m.revision).unwrap_or(1),
        opportunity_id: m.opportunity_id,
        opportunity_name: r.opportunity_name,
        customer_id: m.customer_id,
        customer_name: r.customer_name,
        owner_id: m.owner_id,
        owner_name: r.owner_name,
        title: m.title,
        price_list_id: m.price_list_id,
        quote_date: m.quote_date,
        valid_until: m.valid_until,
        overall_discount_percent: percent_of_bp(m.overall_discount_bp).normalize(),
        subtotal: m.subtotal,
        discount: m.discount,
        tax: m.tax,
        total: m.total,
        max_discount_percent: percent_of_bp(m.max_discount_bp).normalize(),
        status: QuoteStatus::parse(&m.status).unwrap_or(QuoteStatus::Draft),
        notes: m.notes,
        terms: m.terms,
        sent_at: m.sent_at,
        decided_at: m.decided_at,
        decision_note: m.decision_note,
        lines: lines
            .into_iter()
            .zip(figures)
            .map(|(l, f)| line_dto(l, f))
            .collect(),
        custom: field::parse(m.custom.as_deref()),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A quote as its history keeps it: every fact, and each line as entered (product, quantity,
/// price, discount) without its figures, which the quote's totals already say. A change of the
/// overall discount then records the totals, not 200 lines twice.
fn snapshot(q: &mut Quote) -> serde_json::Value {
    // The lines are taken out while the rest is turned into JSON and put back after: the
    // figures of 200 lines are not made into JSON only to be dropped.
    let lines = std::mem::take(&mut q.lines);
    let mut v = serde_json::to_value(&*q).unwrap_or_default();
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
    q.lines = lines;
    v
}

pub(crate) async fn lines_of<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> AppResult<Vec<quote_line::Model>> {
    Ok(quote_line::Entity::find()
        .filter(quote_line::Column::QuoteId.eq(id))
        .order_by_asc(quote_line::Column::Position)
        .all(db)
        .await?)
}

/// A quote's lines as the wire shows them, figures and all (an approval's page shows them to
/// its approvers); none when the quote is gone.
pub(crate) async fn line_dtos<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Vec<QuoteLine>> {
    let overall: Option<i32> = quote::Entity::find_by_id(id)
        .select_only()
        .column(quote::Column::OverallDiscountBp)
        .into_tuple()
        .one(db)
        .await?;
    let Some(overall) = overall else {
        return Ok(Vec::new());
    };
    let lines = lines_of(db, id).await?;
    let figures = figures_of(&lines, overall).lines;
    Ok(lines
        .into_iter()
        .zip(figures)
        .map(|(l, f)| line_dto(l, f))
        .collect())
}

async fn read_one<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Quote> {
    let r: Row = with_names()
        .filter(quote::Column::Id.eq(id))
        .into_model()
        .one(db)
        .await?
        .ok_or_else(stale)?;
    Ok(to_dto(r, lines_of(db, id).await?))
}

/// Quotes in the caller's scope, newest first; a deal's, a customer's, an owner's, by status.
/// Lines are left out of the list (`GET /quotes/{id}` has them).
pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    q: QuoteListQuery,
) -> AppResult<Page<Quote>> {
    let scope = policy::require(actor, Resource::Quote, Action::Read)?;
    let limit = page_limit(q.limit)?;
    let view = field::View::load(db, kept, actor).await?;
    let mut sel = with_names().filter(policy::owned_in_scope_probed(
        actor,
        scope,
        quote::Column::OwnerId,
    ));
    if let Some(o) = q.owner_id {
        sel = sel.filter(quote::Column::OwnerId.eq(o));
    } else if let (Scope::Team, Some(t), None, None) =
        (scope, actor.team_id, q.opportunity_id, q.customer_id)
    {
        sel = sel.filter(quote::Column::OwnerTeamId.eq(t));
    }
    if let Some(d) = q.opportunity_id {
        sel = sel.filter(quote::Column::OpportunityId.eq(d));
    }
    if let Some(c) = q.customer_id {
        sel = sel.filter(quote::Column::CustomerId.eq(c));
    }
    if let Some(s) = q.status {
        sel = sel.filter(quote::Column::Status.eq(s.as_str()));
    }
    let keyset = Keyset {
        name: "newest",
        column: Some((quote::Column::CreatedAt, KeyKind::Time)),
        id: quote::Column::Id,
        descending: true,
    };
    let page = keyset
        .page(db, sel, q.cursor.as_deref(), limit, |r: &Row| {
            (r.quote.created_at.to_rfc3339(), r.quote.id)
        })
        .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                let mut v = to_dto(r, Vec::new());
                v.custom = view.show(Resource::Quote, &v.custom);
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
) -> AppResult<Quote> {
    let row: Row =
        record::find_with::<quote::Entity, Row, _>(db, actor, Action::Read, id, with_names())
            .await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut v = to_dto(row, lines_of(db, id).await?);
    v.custom = view.show(Resource::Quote, &v.custom);
    Ok(v)
}

pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<quote::Entity>(db, kept, actor, id, q).await
}

// ---- pricing ----

/// A quote's lines priced, ready to store, each line's figures beside it, and the quote's figures.
pub(crate) struct Priced {
    pub lines: Vec<quote_line::Model>,
    pub figures: Vec<LineTotals>,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub max_discount_bp: i32,
}

/// The largest discount a line gives against its product's list price, its own discount, a
/// lower unit price and the overall discount together: 1 − net ÷ (quantity × list price), in
/// percent, half-up to two places. What the approval of discounts compares.
fn max_discount(
    lines: &[quote_line::Model],
    inputs: &[LineInput],
    figures: &[LineTotals],
) -> Decimal {
    lines
        .iter()
        .zip(inputs)
        .zip(figures)
        .filter_map(|((l, i), f)| {
            let listed = i.quantity * Decimal::from(l.list_price);
            (listed > Decimal::ZERO).then(|| {
                ((listed - Decimal::from(f.net)) / listed * Decimal::ONE_HUNDRED)
                    .max(Decimal::ZERO)
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            })
        })
        .max()
        .unwrap_or(Decimal::ZERO)
}

/// What a quote line takes from its product: only these columns are read, as a 200-line quote
/// reads 200 products on every save.
#[derive(FromQueryResult)]
struct Sold {
    id: Uuid,
    code: String,
    name: String,
    spec: Option<String>,
    unit: Option<String>,
    list_price: i64,
    tax_rate_bp: i32,
    active: bool,
}

/// Prices `input` on `day` from `list` (checked to apply) and the products' own prices, or the
/// `lines[i].…` errors. `kept` are the products already on the quote (a retired one may stay).
pub(crate) async fn price<C: ConnectionTrait>(
    db: &C,
    quote_id: Uuid,
    input: &[QuoteLineInput],
    list: Option<&price_list::Model>,
    overall: Decimal,
    kept: &[Uuid],
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<Priced>> {
    let ids: Vec<Uuid> = input.iter().map(|l| l.product_id).collect();
    let products: HashMap<Uuid, Sold> = if ids.is_empty() {
        HashMap::new()
    } else {
        product::Entity::find()
            .select_only()
            .columns([
                product::Column::Id,
                product::Column::Code,
                product::Column::Name,
                product::Column::Spec,
                product::Column::Unit,
                product::Column::ListPrice,
                product::Column::TaxRateBp,
                product::Column::Active,
            ])
            .filter(product::Column::Id.is_in(ids.clone()))
            .into_model::<Sold>()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let listed: HashMap<Uuid, i64> = match list {
        Some(l) if !ids.is_empty() => price_list_entry::Entity::find()
            .filter(price_list_entry::Column::PriceListId.eq(l.id))
            .filter(price_list_entry::Column::ProductId.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.product_id, e.price))
            .collect(),
        _ => HashMap::new(),
    };
    let before = errors.len();
    let mut inputs = Vec::with_capacity(input.len());
    let mut rows = Vec::with_capacity(input.len());
    for (i, l) in input.iter().enumerate() {
        let f = |k: &str| format!("lines[{i}].{k}");
        let Some(p) = products.get(&l.product_id) else {
            errors.push(FieldError::new(
                f("product_id"),
                FieldCode::UnknownReference,
                "no such product",
            ));
            continue;
        };
        if !p.active && !kept.contains(&p.id) {
            errors.push(FieldError::new(
                f("product_id"),
                FieldCode::NotAllowed,
                "the product is retired",
            ));
            continue;
        }
        let unit_price = l
            .unit_price
            .or_else(|| listed.get(&p.id).copied())
            .unwrap_or(p.list_price);
        let li = LineInput {
            quantity: l.quantity.normalize(),
            unit_price,
            discount_percent: l.discount_percent.unwrap_or_default().normalize(),
            tax_rate_percent: percent_of_bp(p.tax_rate_bp),
        };
        match check_line(&li) {
            Ok(()) => {}
            Err(problem) => {
                let (field, message) = match problem {
                    LineProblem::Quantity => (
                        "quantity",
                        "more than 0, at most 100,000,000, at most four decimals",
                    ),
                    LineProblem::UnitPrice => ("unit_price", "not negative"),
                    LineProblem::Discount => ("discount_percent", "0 to 100, at most two decimals"),
                    LineProblem::TaxRate => {
                        ("product_id", "the product's tax rate is out of range")
                    }
                    LineProblem::TooLarge => ("quantity", "the line is over ¥100 billion"),
                };
                errors.push(FieldError::new(f(field), FieldCode::OutOfRange, message));
                continue;
            }
        }
        let position = i32::try_from(i).unwrap_or(i32::MAX);
        rows.push(quote_line::Model {
            quote_id,
            position,
            product_id: p.id,
            product_code: p.code.clone(),
            product_name: p.name.clone(),
            spec: p.spec.clone(),
            unit: p.unit.clone(),
            quantity_e4: (li.quantity * Decimal::from(QUANTITY_E4))
                .to_i64()
                .unwrap_or(0),
            list_price: p.list_price,
            unit_price,
            discount_bp: bp_of(li.discount_percent),
            tax_rate_bp: p.tax_rate_bp,
            note: clean(l.note.clone()),
        });
        inputs.push(li);
    }
    if errors.len() > before {
        return Ok(None);
    }
    Ok(Some(figured(rows, &inputs, overall)))
}

/// Lines ready to store with their figures and the quote's, by the one function in `shared`.
fn figured(lines: Vec<quote_line::Model>, inputs: &[LineInput], overall: Decimal) -> Priced {
    let t = totals(inputs, overall);
    let max = max_discount(&lines, inputs, &t.lines).max(overall);
    Priced {
        max_discount_bp: bp_of(max.min(Decimal::ONE_HUNDRED)),
        lines,
        figures: t.lines,
        subtotal: t.subtotal,
        discount: t.discount,
        tax: t.tax,
        total: t.total,
    }
}

/// The price list a quote of `day` may use: existing, in force and valid that day, or an error
/// on `price_list_id`.
async fn list_for<C: ConnectionTrait>(
    db: &C,
    id: Option<Uuid>,
    day: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> AppResult<Option<price_list::Model>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let found = price_list::Entity::find_by_id(id).one(db).await?;
    match found {
        Some(l) if applies(l.active, l.valid_from, l.valid_to, day) => Ok(Some(l)),
        Some(_) => {
            errors.push(FieldError::new(
                "price_list_id",
                FieldCode::NotAllowed,
                "the price list does not apply on the quote's date",
            ));
            Ok(None)
        }
        None => {
            errors.push(FieldError::new(
                "price_list_id",
                FieldCode::UnknownReference,
                "no such price list",
            ));
            Ok(None)
        }
    }
}

async fn write_lines<C: ConnectionTrait>(
    txn: &C,
    id: Uuid,
    lines: &[quote_line::Model],
) -> AppResult<()> {
    quote_line::Entity::delete_many()
        .filter(quote_line::Column::QuoteId.eq(id))
        .exec(txn)
        .await?;
    for chunk in lines.chunks(100) {
        quote_line::Entity::insert_many(
            chunk
                .iter()
                .map(|l| quote_line::ActiveModel::from(l.clone())),
        )
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// Saves a quote's next state if it is still at `expected`: its owner's team copy is read first
/// in the transaction (`org::owner_place` says why), so a save never writes back a team the
/// owner has left.
async fn save(txn: &DatabaseTransaction, mut next: quote::Model, expected: i64) -> AppResult<()> {
    let id = next.id;
    next.owner_team_id = org::owner_place(txn, next.owner_id).await?.team_id;
    record::save_versioned::<quote::Entity, _>(txn, next, id, expected).await
}

/// A deal's quotes follow the deal to its new owner, in the deal's transaction. Their versions
/// move on, so an edit of a quote read before the transfer answers 412 rather than writing the
/// old owner back.
pub(crate) async fn follow_deal<C: ConnectionTrait>(
    txn: &C,
    deal: Uuid,
    owner: Option<Uuid>,
    team: Option<Uuid>,
) -> AppResult<()> {
    quote::Entity::update_many()
        .col_expr(quote::Column::OwnerId, Expr::value(owner))
        .col_expr(quote::Column::OwnerTeamId, Expr::value(team))
        .col_expr(
            quote::Column::Version,
            Expr::col(quote::Column::Version).add(1),
        )
        .filter(quote::Column::OpportunityId.eq(deal))
        .exec(txn)
        .await?;
    Ok(())
}

fn apply_figures(m: &mut quote::Model, p: &Priced) {
    m.subtotal = p.subtotal;
    m.discount = p.discount;
    m.tax = p.tax;
    m.total = p.total;
    m.max_discount_bp = p.max_discount_bp;
}

// ---- writes ----

/// Makes a draft quote for a deal the caller may work on; its owner is the deal's owner.
pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: QuoteCreate,
) -> AppResult<Quote> {
    let scope = policy::require(actor, Resource::Quote, Action::Create)?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Quote);
    let mut errors = input.validate().err().unwrap_or_default();
    let custom = rules
        .check(db, actor.role, &input.custom, None)
        .await?
        .map_err(|e| errors.extend(e))
        .ok();
    let deal = opportunity::Entity::find_by_id(input.opportunity_id)
        .filter(policy::owned_in_scope(
            actor,
            scope,
            opportunity::Column::OwnerId,
        ))
        .filter(opportunity::Column::ArchivedAt.is_null())
        .one(db)
        .await?;
    if deal.is_none() {
        errors.push(FieldError::new(
            "opportunity_id",
            FieldCode::UnknownReference,
            "no current deal with this id that you may quote for",
        ));
    }
    let day = input.quote_date.unwrap_or_else(today);
    if input.valid_until.is_some_and(|v| v < day) {
        errors.push(FieldError::new(
            "valid_until",
            FieldCode::OutOfRange,
            "not before the quote's date",
        ));
    }
    let list = list_for(db, input.price_list_id, day, &mut errors).await?;
    let id = new_id();
    // Priced from the discount as stored (basis points), as every later read figures it.
    let overall = percent_of_bp(bp_of(input.overall_discount_percent.unwrap_or_default()));
    let priced = if errors.is_empty() {
        price(
            db,
            id,
            &input.lines,
            list.as_ref(),
            overall,
            &[],
            &mut errors,
        )
        .await?
    } else {
        None
    };
    let (Some(deal), Some(custom), Some(priced), true) = (deal, custom, priced, errors.is_empty())
    else {
        return Err(AppError::validation(errors));
    };
    let t = now();
    let txn = begin_write(db).await?;
    let n = sequence::next(&txn, &format!("quote:{}", day.year())).await?;
    let mut m = quote::Model {
        id,
        number: sequence::format("BJ", day.year(), n),
        revision: 1,
        opportunity_id: deal.id,
        customer_id: deal.customer_id,
        owner_id: deal.owner_id,
        owner_team_id: org::owner_place(&txn, deal.owner_id).await?.team_id,
        title: input.title.trim().to_owned(),
        price_list_id: list.map(|l| l.id),
        quote_date: day,
        valid_until: input.valid_until,
        overall_discount_bp: bp_of(overall),
        subtotal: 0,
        discount: 0,
        tax: 0,
        total: 0,
        max_discount_bp: 0,
        status: QuoteStatus::Draft.as_str().into(),
        notes: clean(input.notes),
        terms: clean(input.terms),
        sent_at: None,
        decided_at: None,
        decision_note: None,
        custom: field::stored(&custom),
        version: 1,
        created_by: Some(actor.user_id),
        created_at: t,
        updated_at: t,
    };
    apply_figures(&mut m, &priced);
    quote::Entity::insert(quote::ActiveModel::from(m))
        .exec_without_returning(&txn)
        .await?;
    write_lines(&txn, id, &priced.lines).await?;
    rules.mark_used(&txn, &custom).await?;
    rules
        .index(&txn, Resource::Quote, id, &Default::default(), &custom)
        .await?;
    let mut dto = read_one(&txn, id).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::QuoteCreate,
            "quote",
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
    allowed: &[QuoteStatus],
    detail: &str,
) -> AppResult<quote::Model> {
    let current =
        record::find::<quote::Entity, _>(db, actor, Action::Update, id, Condition::all()).await?;
    check_version(expected, current.version)?;
    if !allowed
        .iter()
        .any(|s| s.as_str() == current.status.as_str())
    {
        return Err(invalid_state(detail));
    }
    Ok(current)
}

/// Changes a draft: its facts, its lines (all of them, priced again), its custom fields.
pub async fn update(
    conns: Conns<'_>,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: QuoteUpdate,
) -> AppResult<Quote> {
    // Everything up to the transaction reads through the readers (on SQLite, beside the one
    // writer every other write queues for): the quote, its 200 lines, the products and prices.
    // The transaction's versioned save answers 412 if anything read here changed since.
    let (db, kept) = (conns.read, conns.rules);
    let current = for_change(
        db,
        actor,
        id,
        Some(expected),
        &[QuoteStatus::Draft],
        "only a draft changes: revise a sent quote",
    )
    .await?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Quote);
    let mut errors = input
        .validate(current.quote_date, current.valid_until)
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
    let mut next = current.clone();
    if let Some(t) = &input.title {
        next.title = t.trim().to_owned();
    }
    if let Some(d) = input.quote_date {
        next.quote_date = d;
    }
    input.valid_until.apply_with(&mut next.valid_until, Some);
    input
        .price_list_id
        .apply_with(&mut next.price_list_id, Some);
    if let Some(o) = input.overall_discount_percent {
        next.overall_discount_bp = bp_of(o);
    }
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    input.terms.apply_with(&mut next.terms, |v| clean(Some(v)));
    // A new price list or date prices the lines again from it (the stored lines lose the prices
    // they had); otherwise they keep theirs, and a list retired since no longer stops an edit.
    let repriced =
        next.price_list_id != current.price_list_id || next.quote_date != current.quote_date;
    let stored = lines_of(db, id).await?;
    // Lines neither given nor repriced stay as they are, and so do their products' facts as
    // quoted: only their figures follow the quote's (overall discount), and none is written.
    let kept_lines = input.lines.is_none() && !repriced;
    let lines: Vec<QuoteLineInput> = match &input.lines {
        Some(l) => l.clone(),
        None if kept_lines => Vec::new(),
        None => stored
            .iter()
            .map(|l| QuoteLineInput {
                product_id: l.product_id,
                quantity: Decimal::new(l.quantity_e4, 4),
                unit_price: (!repriced).then_some(l.unit_price),
                discount_percent: Some(percent_of_bp(l.discount_bp)),
                note: l.note.clone(),
            })
            .collect(),
    };
    let list = if !errors.is_empty() || kept_lines {
        None
    } else if repriced {
        list_for(db, next.price_list_id, next.quote_date, &mut errors).await?
    } else {
        let mut ignored = Vec::new();
        list_for(db, next.price_list_id, next.quote_date, &mut ignored).await?
    };
    let kept_products: Vec<Uuid> = stored.iter().map(|l| l.product_id).collect();
    let priced = if errors.is_empty() && kept_lines {
        let inputs: Vec<LineInput> = stored.iter().map(line_input).collect();
        Some(figured(
            stored.clone(),
            &inputs,
            percent_of_bp(next.overall_discount_bp),
        ))
    } else if errors.is_empty() {
        price(
            db,
            id,
            &lines,
            list.as_ref(),
            percent_of_bp(next.overall_discount_bp),
            &kept_products,
            &mut errors,
        )
        .await?
    } else {
        None
    };
    let (Some(priced), true) = (priced, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    apply_figures(&mut next, &priced);
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    next.version += 1;
    next.updated_at = now();
    // Before and after are made from the lines already read and those about to be written, not
    // read back: a 200-line quote is then read once, and nothing is read while the write holds
    // the database (SQLite's one writer).
    let named = with_names()
        .filter(quote::Column::Id.eq(id))
        .into_model::<Row>()
        .one(db)
        .await?
        .ok_or_else(stale)?;
    // The history keeps lines as entered, not their figures: `before` is not figured.
    let mut before = to_dto(named.clone(), Vec::new());
    before.lines = stored
        .into_iter()
        .map(|l| line_dto(l, LineTotals::default()))
        .collect();
    // The answer and the audit entry are made before the write lock is taken: the transaction
    // holds it only for its statements.
    let mut after = to_dto(
        Row {
            quote: next.clone(),
            ..named
        },
        priced.lines.clone(),
    );
    let change = audit::Change::updated_json(
        AuditAction::QuoteUpdate,
        "quote",
        id,
        id,
        snapshot(&mut before),
        snapshot(&mut after),
    );
    let txn = begin_write(conns.write).await?;
    save(&txn, next, expected).await?;
    if !kept_lines {
        write_lines(&txn, id, &priced.lines).await?;
    }
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        rules.index(&txn, Resource::Quote, id, &previous, c).await?;
    }
    audit::commit(txn, actor, change).await?;
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(after)
}

/// Saves a status change read and checked by the caller, with its audit row. Sending opens the
/// discount approval when a quote flow applies (`services::approval::open`): the quote then
/// waits as `pending_approval` instead, and is sent when approved.
#[allow(clippy::too_many_arguments)]
async fn transition(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    current: quote::Model,
    mut next: quote::Model,
    mut action: AuditAction,
    at: chrono::DateTime<Utc>,
) -> AppResult<Quote> {
    let id = current.id;
    let mut before = read_one(db, id).await?;
    let txn = begin_write(db).await?;
    if action == AuditAction::QuoteSend {
        let level = customer_level(&txn, current.customer_id).await?;
        let opened = crate::services::approval::open(
            &txn,
            actor,
            crate::services::approval::Submission {
                subject: kaidan_shared::approval::ApprovalSubject::Quote,
                record_id: id,
                record_version: next.version,
                title: format!("{} {}", current.number, current.title),
                amount: current.total,
                max_discount_bp: current.max_discount_bp,
                customer_id: Some(current.customer_id),
                customer_level: level,
                owner_id: current.owner_id,
            },
            true,
            at,
        )
        .await?;
        if opened.is_some() {
            next.status = QuoteStatus::PendingApproval.as_str().into();
            next.sent_at = None;
            action = AuditAction::QuoteSubmit;
        }
    }
    save(&txn, next, current.version).await?;
    let trail = settle(&txn, &current, action).await?;
    trail.write(&txn, actor).await?;
    let mut after = read_one(&txn, id).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            action,
            "quote",
            id,
            id,
            &snapshot(&mut before),
            &snapshot(&mut after),
        ),
    )
    .await?;
    let view = field::View::load(db, kept, actor).await?;
    after.custom = view.show(Resource::Quote, &after.custom);
    Ok(after)
}

async fn customer_level<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Option<String>> {
    let level: Option<Option<String>> = customer::Entity::find_by_id(id)
        .select_only()
        .column(customer::Column::Level)
        .into_tuple()
        .one(db)
        .await?;
    Ok(level.flatten())
}

/// What a status change of `current` (already saved) means for the other revisions of its
/// number, checked and written in the change's transaction: nothing is sent once a revision is
/// accepted, only the newest revision is answered, and a sent revision supersedes the earlier
/// sent one.
async fn settle(
    txn: &DatabaseTransaction,
    current: &quote::Model,
    action: AuditAction,
) -> AppResult<audit::Trail> {
    let id = current.id;
    // The other revisions of the number, read after this one's row is held (its owner's place
    // first, then the quotes: the order every quote write takes).
    let others: Vec<(i32, String)> = quote::Entity::find()
        .filter(quote::Column::Number.eq(current.number.as_str()))
        .filter(quote::Column::Id.ne(id))
        .select_only()
        .column(quote::Column::Revision)
        .column(quote::Column::Status)
        .lock_exclusive()
        .into_tuple()
        .all(txn)
        .await?;
    match action {
        AuditAction::QuoteSend | AuditAction::QuoteSubmit
            if others
                .iter()
                .any(|(_, s)| s == QuoteStatus::Accepted.as_str()) =>
        {
            return Err(invalid_state(
                "the customer accepted another revision of this quote",
            ));
        }
        AuditAction::QuoteAccept | AuditAction::QuoteReject
            if others.iter().any(|(r, _)| *r > current.revision) =>
        {
            return Err(invalid_state(
                "a newer revision of this quote exists: answer that one",
            ));
        }
        _ => {}
    }
    let mut trail = audit::Trail::default();
    if action == AuditAction::QuoteSend {
        // The earlier revision the customer had is superseded by this one.
        let earlier = quote::Entity::find()
            .filter(quote::Column::Number.eq(current.number.as_str()))
            .filter(quote::Column::Id.ne(id))
            .filter(quote::Column::Status.eq(QuoteStatus::Sent.as_str()))
            .all(txn)
            .await?;
        for e in earlier {
            let mut was = read_one(txn, e.id).await?;
            let mut s = e.clone();
            s.status = QuoteStatus::Superseded.as_str().into();
            s.version += 1;
            s.updated_at = now();
            save(txn, s, e.version).await?;
            let mut is = read_one(txn, e.id).await?;
            trail.add(audit::Change::updated(
                AuditAction::QuoteSupersede,
                "quote",
                e.id,
                e.id,
                &snapshot(&mut was),
                &snapshot(&mut is),
            ));
        }
    }
    Ok(trail)
}

/// Moves a quote whose discount approval ended (in the approval's transaction): approved, it is
/// sent (superseding the earlier sent revision); rejected or withdrawn, a draft again.
pub(crate) async fn after_approval(
    txn: &DatabaseTransaction,
    a: &crate::entities::approval::Model,
    outcome: crate::services::approval::Outcome,
    trail: &mut audit::Trail,
) -> AppResult<()> {
    use crate::services::approval::Outcome;
    let Some(current) = quote::Entity::find_by_id(a.record_id).one(txn).await? else {
        return Ok(());
    };
    if current.status != QuoteStatus::PendingApproval.as_str() {
        return Ok(());
    }
    let mut before = read_one(txn, current.id).await?;
    let at = a.decided_at.unwrap_or_else(now);
    let mut next = current.clone();
    let action = match outcome {
        Outcome::Approved => {
            next.status = QuoteStatus::Sent.as_str().into();
            next.sent_at = Some(at);
            AuditAction::QuoteSend
        }
        Outcome::Rejected | Outcome::Withdrawn => {
            next.status = QuoteStatus::Draft.as_str().into();
            AuditAction::QuoteReturn
        }
    };
    next.version += 1;
    next.updated_at = at;
    save(txn, next, current.version).await?;
    if action == AuditAction::QuoteSend {
        for c in settle(txn, &current, action).await?.into_changes() {
            trail.add(c);
        }
    }
    let mut after = read_one(txn, current.id).await?;
    trail.add(audit::Change::updated(
        action,
        "quote",
        current.id,
        current.id,
        &snapshot(&mut before),
        &snapshot(&mut after),
    ));
    Ok(())
}

/// Sends a draft to the customer: it is frozen from now on, and an earlier sent revision is
/// superseded. A quote without lines is not sent. A discount over what the sender may give (a
/// quote flow applies) waits for approval first.
pub async fn send(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    at: chrono::DateTime<Utc>,
) -> AppResult<Quote> {
    let current = for_change(
        db,
        actor,
        id,
        expected,
        &[QuoteStatus::Draft],
        "only a draft is sent",
    )
    .await?;
    let lines = quote_line::Entity::find()
        .filter(quote_line::Column::QuoteId.eq(id))
        .select_only()
        .column(quote_line::Column::Position)
        .into_tuple::<i32>()
        .one(db)
        .await?;
    if lines.is_none() {
        return Err(AppError::validation(vec![FieldError::new(
            "lines",
            FieldCode::Required,
            "a quote needs at least one line to be sent",
        )]));
    }
    let mut next = current.clone();
    next.status = QuoteStatus::Sent.as_str().into();
    next.sent_at = Some(now());
    next.version += 1;
    next.updated_at = now();
    transition(db, kept, actor, current, next, AuditAction::QuoteSend, at).await
}

/// Records the customer's answer to a sent quote (a rejection says why).
pub async fn decide(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    accepted: bool,
    input: QuoteDecision,
) -> AppResult<Quote> {
    let note = clean(input.note);
    let mut errors = kaidan_shared::validate::Errors::new();
    if accepted {
        errors.optional_text(
            "note",
            note.as_deref(),
            kaidan_shared::validate::limits::REASON,
        );
    } else {
        errors.required_text(
            "note",
            note.as_deref().unwrap_or(""),
            kaidan_shared::validate::limits::REASON,
        );
    }
    errors.finish().map_err(AppError::validation)?;
    let current = for_change(
        db,
        actor,
        id,
        expected,
        &[QuoteStatus::Sent],
        "only a sent quote is accepted or rejected",
    )
    .await?;
    let mut next = current.clone();
    next.status = if accepted {
        QuoteStatus::Accepted
    } else {
        QuoteStatus::Rejected
    }
    .as_str()
    .into();
    next.decided_at = Some(now());
    next.decision_note = note;
    next.version += 1;
    next.updated_at = now();
    let action = if accepted {
        AuditAction::QuoteAccept
    } else {
        AuditAction::QuoteReject
    };
    transition(db, kept, actor, current, next, action, now()).await
}

/// A new draft revision of a sent (or rejected) quote, with its lines as they were: what
/// "editing a sent quote" makes. One open draft per quote number.
pub async fn revise(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
) -> AppResult<Quote> {
    let current =
        record::find::<quote::Entity, _>(db, actor, Action::Update, id, Condition::all()).await?;
    let status = QuoteStatus::parse(&current.status);
    if !matches!(status, Some(QuoteStatus::Sent | QuoteStatus::Rejected)) {
        return Err(invalid_state(
            "only a sent or rejected quote is revised (a draft is edited)",
        ));
    }
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Quote);
    let new = new_id();
    let t = now();
    let txn = begin_write(db).await?;
    // The owner's place before the quotes' rows (the order every quote write takes).
    let team = org::owner_place(&txn, current.owner_id).await?.team_id;
    let revisions: Vec<(i32, String)> = quote::Entity::find()
        .filter(quote::Column::Number.eq(current.number.as_str()))
        .select_only()
        .column(quote::Column::Revision)
        .column(quote::Column::Status)
        .lock_exclusive()
        .into_tuple()
        .all(&txn)
        .await?;
    if revisions
        .iter()
        .any(|(_, s)| s == QuoteStatus::Draft.as_str())
    {
        return Err(invalid_state("this quote already has a draft revision"));
    }
    if revisions
        .iter()
        .any(|(_, s)| s == QuoteStatus::Accepted.as_str())
    {
        return Err(invalid_state(
            "the customer accepted a revision of this quote",
        ));
    }
    let newest = revisions.iter().map(|(r, _)| *r).max().unwrap_or(1);
    let still = revisions
        .iter()
        .find(|(r, _)| *r == current.revision)
        .map(|(_, s)| s.as_str());
    if newest != current.revision
        || !matches!(still, Some(s) if s == QuoteStatus::Sent.as_str() || s == QuoteStatus::Rejected.as_str())
    {
        return Err(invalid_state(
            "only the newest sent or rejected revision is revised",
        ));
    }
    let revision = newest + 1;
    let m = quote::Model {
        id: new,
        revision,
        status: QuoteStatus::Draft.as_str().into(),
        sent_at: None,
        decided_at: None,
        decision_note: None,
        owner_team_id: team,
        version: 1,
        created_by: Some(actor.user_id),
        created_at: t,
        updated_at: t,
        ..current.clone()
    };
    quote::Entity::insert(quote::ActiveModel::from(m))
        .exec_without_returning(&txn)
        .await?;
    let lines: Vec<quote_line::Model> = lines_of(&txn, id)
        .await?
        .into_iter()
        .map(|l| quote_line::Model { quote_id: new, ..l })
        .collect();
    write_lines(&txn, new, &lines).await?;
    let custom = field::parse(current.custom.as_deref());
    rules
        .index(&txn, Resource::Quote, new, &Default::default(), &custom)
        .await?;
    let mut dto = read_one(&txn, new).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::QuoteRevise,
            "quote",
            new,
            new,
            &snapshot(&mut dto),
        ),
    )
    .await?;
    dto.custom = rules.visible(actor.role, &dto.custom);
    Ok(dto)
}
