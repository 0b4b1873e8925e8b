//! Contacts (联系人) of a customer. A contact is inside the caller's scope exactly when its
//! customer is; the policy is applied to the customer's owner.

use kaidan_shared::audit::AuditAction;
use kaidan_shared::contact::{Contact, ContactInput, ContactUpdate};
use kaidan_shared::{Action, ErrorCode, Resource};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::auth::Actor;
use crate::entities::{contact, customer};
use crate::error::{AppError, AppResult};
use crate::services::clean;
use crate::services::rules_cache::RulesCache;
use crate::services::{audit, begin_write, check_version, field, new_id, now, record};

/// A customer has few contacts; the detail view shows them all, up to this many.
pub const MAX_CONTACTS: u64 = 200;

fn to_dto(m: contact::Model) -> Contact {
    Contact {
        id: m.id,
        customer_id: m.customer_id,
        name: m.name,
        title: m.title,
        phones: serde_json::from_str(&m.phones).unwrap_or_default(),
        email: m.email,
        wechat: m.wechat,
        is_primary: m.is_primary,
        notes: m.notes,
        custom: field::parse(m.custom.as_deref()),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A contact as a response shows it: masked while its customer is in a public pool.
fn shown_for(customer: &customer::Model, c: Contact) -> Contact {
    if customer.pool_id.is_some() {
        c.masked()
    } else {
        c
    }
}

fn clean_phones(p: Vec<String>) -> String {
    let v: Vec<String> = p
        .into_iter()
        .map(|x| x.trim().to_owned())
        .filter(|x| !x.is_empty())
        .collect();
    serde_json::to_string(&v).unwrap_or_else(|_| "[]".into())
}

/// The active contacts of a customer (already authorised), primary first.
pub async fn for_customer<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
) -> AppResult<Vec<Contact>> {
    Ok(contact::Entity::find()
        .filter(contact::Column::CustomerId.eq(customer_id))
        .filter(contact::Column::ArchivedAt.is_null())
        .order_by_desc(contact::Column::IsPrimary)
        .order_by_asc(contact::Column::Id)
        .limit(MAX_CONTACTS)
        .all(db)
        .await?
        .into_iter()
        .map(to_dto)
        .collect())
}

/// The customer, if inside the caller's contact scope for `action`.
async fn customer_in_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> AppResult<customer::Model> {
    record::find_as::<customer::Entity, _>(
        db,
        actor,
        Resource::Contact,
        action,
        id,
        Condition::all(),
    )
    .await
}

/// The contact, if it is inside the caller's contact scope for `action`, with its customer.
async fn find_in_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> AppResult<(contact::Model, customer::Model)> {
    let active = Condition::all().add(contact::Column::ArchivedAt.is_null());
    let c = record::find::<contact::Entity, _>(db, actor, action, id, active).await?;
    let cust = customer::Entity::find_by_id(c.customer_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    Ok((c, cust))
}

fn not_archived(c: &customer::Model) -> AppResult<()> {
    if c.archived_at.is_some() {
        Err(AppError::new(ErrorCode::Archived)
            .with_detail("restore the customer before changing its contacts"))
    } else {
        Ok(())
    }
}

/// Makes `keep` the only primary contact of the customer.
async fn clear_other_primaries<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
    keep: Uuid,
) -> AppResult<()> {
    contact::Entity::update_many()
        .col_expr(contact::Column::IsPrimary, Expr::value(false))
        .col_expr(
            contact::Column::Version,
            Expr::col(contact::Column::Version).add(1),
        )
        .filter(contact::Column::CustomerId.eq(customer_id))
        .filter(contact::Column::IsPrimary.eq(true))
        .filter(contact::Column::Id.ne(keep))
        .exec(db)
        .await?;
    Ok(())
}

/// Inserts a contact inside an open transaction (used by customer create too), its audit row
/// added to `trail`; `rules` are the contact fields' (`field::Rules::load(_, Resource::Contact)`).
/// Answers the contact with every custom value: the caller shows it through a `field::View`.
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    rules: &field::Rules,
    customer_id: Uuid,
    input: ContactInput,
    trail: &mut audit::Trail,
) -> AppResult<Contact> {
    write(txn, actor, rules, customer_id, input, true, trail).await
}

/// `insert` for a customer made in the same transaction, whose contacts the caller has given
/// one primary at most: there is no other primary contact to clear.
pub(crate) async fn insert_first<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    rules: &field::Rules,
    customer_id: Uuid,
    input: ContactInput,
    trail: &mut audit::Trail,
) -> AppResult<Contact> {
    write(txn, actor, rules, customer_id, input, false, trail).await
}

async fn write<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    rules: &field::Rules,
    customer_id: Uuid,
    input: ContactInput,
    others: bool,
    trail: &mut audit::Trail,
) -> AppResult<Contact> {
    let custom = rules.apply(txn, actor.role, &input.custom, None).await?;
    rules.mark_used(txn, &custom).await?;
    let t = now();
    let id = new_id();
    rules
        .index(txn, Resource::Contact, id, &Default::default(), &custom)
        .await?;
    let m = contact::Model {
        id,
        customer_id,
        name: input.name.trim().into(),
        title: clean(input.title),
        phones: clean_phones(input.phones),
        email: clean(input.email),
        wechat: clean(input.wechat),
        is_primary: input.is_primary,
        notes: clean(input.notes),
        custom: field::stored(&custom),
        archived_at: None,
        version: 1,
        created_at: t,
        updated_at: t,
    };
    if m.is_primary && others {
        clear_other_primaries(txn, customer_id, m.id).await?;
    }
    contact::Entity::insert(contact::ActiveModel::from(m.clone()))
        .exec_without_returning(txn)
        .await?;
    let dto = to_dto(m);
    trail.add(audit::Change::created(
        AuditAction::ContactCreate,
        "contact",
        dto.id,
        customer_id,
        &dto,
    ));
    Ok(dto)
}

pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    customer_id: Uuid,
) -> AppResult<Vec<Contact>> {
    let cust = customer_in_scope(db, actor, customer_id, Action::Read).await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut contacts = for_customer(db, customer_id).await?;
    for c in &mut contacts {
        c.custom = view.show(Resource::Contact, &c.custom);
    }
    Ok(contacts.into_iter().map(|c| shown_for(&cust, c)).collect())
}

pub async fn get(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
) -> AppResult<Contact> {
    let (m, cust) = find_in_scope(db, actor, id, Action::Read).await?;
    let mut c = to_dto(m);
    let view = field::View::load(db, kept, actor).await?;
    c.custom = view.show(Resource::Contact, &c.custom);
    Ok(shown_for(&cust, c))
}

pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    customer_id: Uuid,
    mut input: ContactInput,
) -> AppResult<Contact> {
    input.validate().map_err(AppError::validation)?;
    let cust = customer_in_scope(db, actor, customer_id, Action::Create).await?;
    not_archived(&cust)?;
    let rules = kept.get(db).await?.rules(Resource::Contact);
    let txn = begin_write(db).await?;
    lock_customer(&txn, customer_id).await?;
    // The first contact of a customer is its primary contact.
    if for_customer(&txn, customer_id).await?.is_empty() {
        input.is_primary = true;
    }
    let mut trail = audit::Trail::default();
    let mut c = insert(&txn, actor, &rules, customer_id, input, &mut trail).await?;
    trail.commit(txn, actor).await?;
    c.custom = rules.visible(actor.role, &c.custom);
    Ok(shown_for(&cust, c))
}

/// Takes the customer's row lock for the rest of the transaction, so that two requests adding
/// a first contact, or making different contacts primary, at the same moment run one after the
/// other and leave exactly one primary contact. (PostgreSQL and MySQL: `SELECT … FOR UPDATE`;
/// SQLite has no row locks and needs none — `BEGIN IMMEDIATE` already serialises writers.)
async fn lock_customer(txn: &DatabaseTransaction, customer_id: Uuid) -> AppResult<()> {
    customer::Entity::find_by_id(customer_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(())
}

pub async fn update(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
    input: ContactUpdate,
) -> AppResult<Contact> {
    input.validate().map_err(AppError::validation)?;
    let (current, cust) = find_in_scope(db, actor, id, Action::Update).await?;
    not_archived(&cust)?;
    check_version(Some(expected_version), current.version)?;
    let rules = kept.get(db).await?.rules(Resource::Contact);
    let mut next = current.clone();
    let custom = if input.custom.is_empty() {
        None
    } else {
        let previous = field::parse(current.custom.as_deref());
        Some(
            rules
                .apply(db, actor.role, &input.custom, Some(&previous))
                .await?,
        )
    };
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    if let Some(n) = &input.name {
        next.name = n.trim().into();
    }
    input.title.apply_with(&mut next.title, |v| clean(Some(v)));
    if let Some(v) = input.phones {
        next.phones = clean_phones(v);
    }
    input.email.apply_with(&mut next.email, |v| clean(Some(v)));
    input
        .wechat
        .apply_with(&mut next.wechat, |v| clean(Some(v)));
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    if let Some(p) = input.is_primary {
        next.is_primary = p;
    }
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    if next.is_primary && !current.is_primary {
        lock_customer(&txn, current.customer_id).await?;
    }
    record::save_versioned::<contact::Entity, _>(&txn, next.clone(), id, expected_version).await?;
    if next.is_primary && !current.is_primary {
        clear_other_primaries(&txn, current.customer_id, id).await?;
    }
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        let previous = field::parse(current.custom.as_deref());
        rules
            .index(&txn, Resource::Contact, id, &previous, c)
            .await?;
    }
    let (before, mut after) = (to_dto(current), to_dto(next));
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::ContactUpdate,
            "contact",
            id,
            after.customer_id,
            &before,
            &after,
        ),
    )
    .await?;
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(shown_for(&cust, after))
}

/// Archives a contact (it leaves the customer's list; history keeps it).
pub async fn archive(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
) -> AppResult<()> {
    let (current, cust) = find_in_scope(db, actor, id, Action::Archive).await?;
    not_archived(&cust)?;
    check_version(Some(expected_version), current.version)?;
    let txn = begin_write(db).await?;
    let update = contact::Entity::update_many()
        .col_expr(contact::Column::ArchivedAt, Expr::value(Some(now())))
        .col_expr(contact::Column::IsPrimary, Expr::value(false))
        .col_expr(contact::Column::Version, Expr::value(current.version + 1))
        .col_expr(contact::Column::UpdatedAt, Expr::value(now()));
    record::update_versioned(&txn, update, id, expected_version).await?;
    let before = to_dto(current.clone());
    audit::commit(
        txn,
        actor,
        audit::Change {
            action: AuditAction::ContactArchive,
            entity: "contact",
            entity_id: id,
            subject_id: current.customer_id,
            before: serde_json::to_value(&before).ok(),
            after: None,
        },
    )
    .await?;
    Ok(())
}
