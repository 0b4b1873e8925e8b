//! Products (产品) and price lists (价格表): the catalogue every quote line comes from. Everyone
//! reads it; admins and holders of the product-manager grant keep it (`Resource::Product`,
//! `Action::Manage`).
//!
//! A product is never deleted: retiring it (`active: false`) keeps old quotes readable and stops
//! new lines. A price list's entries are replaced as a whole, in the transaction that bumps the
//! list's version, so a quote reading the list sees one version's prices or the next's.

use chrono::NaiveDate;
use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::option_list::{builtin, check_choice};
use kaidan_shared::page::Page;
use kaidan_shared::product::{
    bp_of_percent, default_tax_rate, percent_of_bp, PriceEntry, PriceList, PriceListCreate,
    PriceListDetail, PriceListEntry, PriceListListQuery, PriceListUpdate, Product, ProductCreate,
    ProductListQuery, ProductUpdate,
};
use kaidan_shared::{Action, FieldCode, FieldError, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, JoinType,
    QueryFilter, QueryOrder, QuerySelect, RelationTrait,
};
use uuid::Uuid;

use crate::auth::policy;
use crate::auth::Actor;
use crate::entities::{price_list, price_list_entry, product};
use crate::error::{AppError, AppResult};
use crate::services::clean;
use crate::services::field_plan::PlanCache;
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, check_version, field, like_contains, new_id, now, page_limit,
    unique_violation,
};

const CODE_TAKEN: &str = "another product has this code";

pub fn to_dto(m: product::Model) -> Product {
    Product {
        id: m.id,
        code: m.code,
        name: m.name,
        category: m.category,
        unit: m.unit,
        spec: m.spec,
        list_price: m.list_price,
        tax_rate: percent_of_bp(m.tax_rate_bp).normalize(),
        description: m.description,
        active: m.active,
        custom: field::parse(m.custom.as_deref()),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

// ---- products: reading ----

/// The catalogue by code (or by a custom field), filtered by text, category and status.
pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    plans: &PlanCache,
    actor: &Actor,
    q: ProductListQuery,
) -> AppResult<Page<Product>> {
    policy::require(actor, Resource::Product, Action::Read)?;
    q.validate().map_err(AppError::validation)?;
    let limit = page_limit(q.limit)?;
    let view = field::View::load(db, kept, actor).await?;
    let mut sel = product::Entity::find();
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        sel = sel.filter(
            Condition::any()
                .add(product::Column::CodeKey.like(like_contains(&text.to_lowercase())))
                .add(product::Column::Name.like(like_contains(text))),
        );
    }
    if let Some(c) = q.category.as_deref().filter(|c| !c.is_empty()) {
        sel = sel.filter(product::Column::Category.eq(c));
    }
    if let Some(a) = q.active {
        sel = sel.filter(product::Column::Active.eq(a));
    }
    let sel = view
        .filter_list(
            db,
            plans,
            Resource::Product,
            sel,
            product::Column::Id,
            q.custom.as_deref(),
        )
        .await?;
    let keyset = Keyset {
        name: "code_asc",
        column: Some((product::Column::CodeKey, KeyKind::Text)),
        id: product::Column::Id,
        descending: false,
    };
    let page = view
        .page(
            db,
            Resource::Product,
            sel,
            keyset,
            q.custom_sort.as_deref(),
            (q.cursor.as_deref(), limit),
            |r: &product::Model| (r.code_key.clone(), r.id),
        )
        .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|m| {
                let mut p = to_dto(m);
                p.custom = view.show(Resource::Product, &p.custom);
                p
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
) -> AppResult<Product> {
    let m =
        record::find::<product::Entity, _>(db, actor, Action::Read, id, Condition::all()).await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut p = to_dto(m);
    p.custom = view.show(Resource::Product, &p.custom);
    Ok(p)
}

pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<product::Entity>(db, kept, actor, id, q).await
}

// ---- products: writes ----

pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: ProductCreate,
) -> AppResult<Product> {
    policy::require(actor, Resource::Product, Action::Manage)?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Product);
    let mut errors = input.validate().err().unwrap_or_default();
    let custom = rules
        .check(db, actor.role, &input.custom, None)
        .await?
        .map_err(|e| errors.extend(e))
        .ok();
    check_choice(
        &mut errors,
        "category",
        rules.list(builtin::PRODUCT_CATEGORY),
        input.category.as_deref(),
        None,
    );
    check_choice(
        &mut errors,
        "unit",
        rules.list(builtin::PRODUCT_UNIT),
        input.unit.as_deref(),
        None,
    );
    let tax = bp_of_percent(input.tax_rate.unwrap_or_else(default_tax_rate));
    let (Some(custom), Some(tax), true) = (custom, tax, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    let code = input.code.trim().to_owned();
    let t = now();
    let m = product::Model {
        id: new_id(),
        code_key: code.to_lowercase(),
        code,
        name: input.name.trim().to_owned(),
        category: clean(input.category),
        unit: clean(input.unit),
        spec: clean(input.spec),
        list_price: input.list_price,
        tax_rate_bp: tax,
        description: clean(input.description),
        active: true,
        custom: field::stored(&custom),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    product::Entity::insert(product::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique_violation(e, CODE_TAKEN))?;
    rules.mark_used(&txn, &custom).await?;
    rules
        .index(&txn, Resource::Product, m.id, &Default::default(), &custom)
        .await?;
    let mut dto = to_dto(m);
    audit::commit(
        txn,
        actor,
        audit::Change::created(AuditAction::ProductCreate, "product", dto.id, dto.id, &dto),
    )
    .await?;
    dto.custom = rules.visible(actor.role, &dto.custom);
    Ok(dto)
}

pub async fn update(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: ProductUpdate,
) -> AppResult<Product> {
    let current =
        record::find::<product::Entity, _>(db, actor, Action::Manage, id, Condition::all()).await?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Product);
    let mut errors = input.validate().err().unwrap_or_default();
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
    check_choice(
        &mut errors,
        "category",
        rules.list(builtin::PRODUCT_CATEGORY),
        input.category.value().map(String::as_str),
        current.category.as_deref(),
    );
    check_choice(
        &mut errors,
        "unit",
        rules.list(builtin::PRODUCT_UNIT),
        input.unit.value().map(String::as_str),
        current.unit.as_deref(),
    );
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_version(Some(expected), current.version)?;
    let before = to_dto(current.clone());
    let mut next = current;
    if let Some(c) = &input.code {
        next.code = c.trim().to_owned();
        next.code_key = next.code.to_lowercase();
    }
    if let Some(n) = &input.name {
        next.name = n.trim().to_owned();
    }
    input
        .category
        .apply_with(&mut next.category, |v| clean(Some(v)));
    input.unit.apply_with(&mut next.unit, |v| clean(Some(v)));
    input.spec.apply_with(&mut next.spec, |v| clean(Some(v)));
    input
        .description
        .apply_with(&mut next.description, |v| clean(Some(v)));
    if let Some(p) = input.list_price {
        next.list_price = p;
    }
    if let Some(bp) = input.tax_rate.and_then(bp_of_percent) {
        next.tax_rate_bp = bp;
    }
    if let Some(a) = input.active {
        next.active = a;
    }
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    record::save_versioned::<product::Entity, _>(&txn, next.clone(), id, expected)
        .await
        .map_err(|e| match e.code {
            kaidan_shared::ErrorCode::Conflict => e.with_detail(CODE_TAKEN),
            _ => e,
        })?;
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        rules
            .index(&txn, Resource::Product, id, &previous, c)
            .await?;
    }
    let mut after = to_dto(next);
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::ProductUpdate,
            "product",
            id,
            id,
            &before,
            &after,
        ),
    )
    .await?;
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(after)
}

// ---- price lists ----

fn list_dto(m: price_list::Model) -> PriceList {
    PriceList {
        id: m.id,
        name: m.name,
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        active: m.active,
        notes: m.notes,
        entry_count: u32::try_from(m.entry_count).unwrap_or(0),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct EntryRow {
    product_id: Uuid,
    price: i64,
    code: String,
    name: String,
    list_price: i64,
}

/// A list's entries by product code.
pub async fn entries_of<C: ConnectionTrait>(db: &C, list: Uuid) -> AppResult<Vec<PriceListEntry>> {
    let rows: Vec<EntryRow> = price_list_entry::Entity::find()
        .select_only()
        .column(price_list_entry::Column::ProductId)
        .column(price_list_entry::Column::Price)
        .column_as(Expr::col((product::Entity, product::Column::Code)), "code")
        .column_as(Expr::col((product::Entity, product::Column::Name)), "name")
        .column_as(
            Expr::col((product::Entity, product::Column::ListPrice)),
            "list_price",
        )
        .join(
            JoinType::InnerJoin,
            price_list_entry::Relation::Product.def(),
        )
        .filter(price_list_entry::Column::PriceListId.eq(list))
        .order_by_asc(product::Column::CodeKey)
        .into_model()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| PriceListEntry {
            product_id: r.product_id,
            product_code: r.code,
            product_name: r.name,
            list_price: r.list_price,
            price: r.price,
        })
        .collect())
}

/// What a list's history shows of it: its facts and its prices by product code.
fn list_snapshot(l: &PriceList, entries: &[PriceListEntry]) -> serde_json::Value {
    let mut v = serde_json::to_value(l).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        let prices: serde_json::Map<String, serde_json::Value> = entries
            .iter()
            .map(|e| (e.product_code.clone(), e.price.into()))
            .collect();
        o.insert("prices".into(), prices.into());
    }
    v
}

/// Price lists, newest first; `valid_on`: the active ones that apply on that day.
pub async fn price_lists(
    db: &DatabaseConnection,
    actor: &Actor,
    q: PriceListListQuery,
) -> AppResult<Page<PriceList>> {
    policy::require(actor, Resource::Product, Action::Read)?;
    let limit = page_limit(q.limit)?;
    let mut sel = price_list::Entity::find();
    if let Some(d) = q.valid_on {
        sel = sel
            .filter(price_list::Column::Active.eq(true))
            .filter(price_list::Column::ValidFrom.lte(d))
            .filter(
                Condition::any()
                    .add(price_list::Column::ValidTo.is_null())
                    .add(price_list::Column::ValidTo.gte(d)),
            );
    }
    let keyset = Keyset {
        name: "newest",
        column: None,
        id: price_list::Column::Id,
        descending: true,
    };
    let page = keyset
        .page(
            db,
            sel,
            q.cursor.as_deref(),
            limit,
            |r: &price_list::Model| (String::new(), r.id),
        )
        .await?;
    Ok(Page {
        items: page.items.into_iter().map(list_dto).collect(),
        next_cursor: page.next_cursor,
    })
}

pub async fn price_list(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<PriceListDetail> {
    let m = record::find::<price_list::Entity, _>(db, actor, Action::Read, id, Condition::all())
        .await?;
    Ok(PriceListDetail {
        price_list: list_dto(m),
        entries: entries_of(db, id).await?,
    })
}

pub async fn price_list_history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<price_list::Entity>(db, kept, actor, id, q).await
}

/// `entries[i].product_id` errors for products that do not exist.
async fn check_products<C: ConnectionTrait>(
    db: &C,
    entries: &[PriceEntry],
    errors: &mut Vec<FieldError>,
) -> AppResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let found: std::collections::HashSet<Uuid> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::Id.is_in(entries.iter().map(|e| e.product_id)))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for (i, e) in entries.iter().enumerate() {
        if !found.contains(&e.product_id) {
            errors.push(FieldError::new(
                format!("entries[{i}].product_id"),
                FieldCode::UnknownReference,
                "no such product",
            ));
        }
    }
    Ok(())
}

async fn write_entries<C: ConnectionTrait>(
    txn: &C,
    list: Uuid,
    entries: &[PriceEntry],
) -> AppResult<()> {
    price_list_entry::Entity::delete_many()
        .filter(price_list_entry::Column::PriceListId.eq(list))
        .exec(txn)
        .await?;
    for chunk in entries.chunks(500) {
        price_list_entry::Entity::insert_many(chunk.iter().map(|e| {
            price_list_entry::ActiveModel::from(price_list_entry::Model {
                price_list_id: list,
                product_id: e.product_id,
                price: e.price,
            })
        }))
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

fn count(entries: &[PriceEntry]) -> i32 {
    i32::try_from(entries.len()).unwrap_or(i32::MAX)
}

pub async fn create_price_list(
    db: &DatabaseConnection,
    actor: &Actor,
    input: PriceListCreate,
) -> AppResult<PriceListDetail> {
    policy::require(actor, Resource::Product, Action::Manage)?;
    let mut errors = input.validate().err().unwrap_or_default();
    check_products(db, &input.entries, &mut errors).await?;
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let t = now();
    let m = price_list::Model {
        id: new_id(),
        name: input.name.trim().to_owned(),
        valid_from: input.valid_from,
        valid_to: input.valid_to,
        active: true,
        notes: clean(input.notes),
        entry_count: count(&input.entries),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    price_list::Entity::insert(price_list::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await?;
    write_entries(&txn, m.id, &input.entries).await?;
    let detail = PriceListDetail {
        entries: entries_of(&txn, m.id).await?,
        price_list: list_dto(m),
    };
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::PriceListCreate,
            "price_list",
            detail.price_list.id,
            detail.price_list.id,
            &list_snapshot(&detail.price_list, &detail.entries),
        ),
    )
    .await?;
    Ok(detail)
}

pub async fn update_price_list(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: PriceListUpdate,
) -> AppResult<PriceListDetail> {
    let current =
        record::find::<price_list::Entity, _>(db, actor, Action::Manage, id, Condition::all())
            .await?;
    let mut errors = input
        .validate(current.valid_from, current.valid_to)
        .err()
        .unwrap_or_default();
    if let Some(x) = &input.entries {
        check_products(db, x, &mut errors).await?;
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_version(Some(expected), current.version)?;
    let before_entries = entries_of(db, id).await?;
    let before = list_snapshot(&list_dto(current.clone()), &before_entries);
    let mut next = current;
    if let Some(n) = &input.name {
        next.name = n.trim().to_owned();
    }
    if let Some(d) = input.valid_from {
        next.valid_from = d;
    }
    input.valid_to.apply_with(&mut next.valid_to, Some);
    if let Some(a) = input.active {
        next.active = a;
    }
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    if let Some(x) = &input.entries {
        next.entry_count = count(x);
    }
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    record::save_versioned::<price_list::Entity, _>(&txn, next.clone(), id, expected).await?;
    if let Some(x) = &input.entries {
        write_entries(&txn, id, x).await?;
    }
    let detail = PriceListDetail {
        price_list: list_dto(next),
        entries: entries_of(&txn, id).await?,
    };
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::PriceListUpdate,
            "price_list",
            id,
            id,
            &before,
            &list_snapshot(&detail.price_list, &detail.entries),
        ),
    )
    .await?;
    Ok(detail)
}

/// A product's unit price on `day` from `list` (when given): the list's entry when the list
/// applies that day and names the product, else the product's list price. Quotes price their
/// lines through this.
pub async fn unit_price<C: ConnectionTrait>(
    db: &C,
    product: &product::Model,
    list: Option<&price_list::Model>,
    day: NaiveDate,
) -> AppResult<i64> {
    let Some(l) = list else {
        return Ok(product.list_price);
    };
    let entry = price_list_entry::Entity::find_by_id((l.id, product.id))
        .one(db)
        .await?
        .map(|e| e.price);
    Ok(kaidan_shared::product::price_on(
        product.list_price,
        Some((&list_dto(l.clone()), entry)),
        day,
    ))
}
