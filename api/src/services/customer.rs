//! Customers: list/search with keyset pagination, duplicate warning on create, partial updates with
//! versions, transfer of owner, archive and restore. Every query goes through `auth::policy`.

use std::collections::{BTreeSet, HashMap};

use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::customer::{
    Customer, CustomerCreate, CustomerDetail, CustomerKind, CustomerListQuery, CustomerSort,
    CustomerUpdate, Level, TransferRequest,
};
use kaidan_shared::duplicate::{DuplicateField, DuplicateMatch};
use kaidan_shared::field::CustomValues;
use kaidan_shared::normalize::{mask_name, name_key, phone_key, search_key};
use kaidan_shared::page::Page;
use kaidan_shared::FieldCode;
use kaidan_shared::{policy as table, Action, ErrorCode, Resource, Role, Scope};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, JoinType, QueryFilter, QuerySelect,
    RelationTrait, Select,
};
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::clock::Clock;
use crate::config::LimitSettings;
use crate::entities::{customer, customer_tag, user};
use crate::error::{AppError, AppResult};
use crate::services::clean;
use crate::services::duplicate::{self, Found, Hidden};
use crate::services::field_plan::PlanCache;
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, contact, field, like_contains, new_id, now, org, page_limit, stale,
};

/// The most duplicates reported on create.
const MAX_DUPLICATES: u64 = 10;

/// A customer row with its owner's name, as every read selects it (one join, one round-trip).
#[derive(Debug, FromQueryResult)]
pub struct CustomerRow {
    #[sea_orm(nested)]
    pub customer: customer::Model,
    pub owner_name: Option<String>,
}

/// Customers joined with their owner's name: the base of every read.
pub(crate) fn with_owner() -> Select<customer::Entity> {
    customer::Entity::find()
        .column_as(
            Expr::col((user::Entity, user::Column::DisplayName)),
            "owner_name",
        )
        .join(JoinType::LeftJoin, customer::Relation::Owner.def())
}

pub fn to_dto(m: customer::Model, owner_name: Option<String>) -> Customer {
    Customer {
        id: m.id,
        kind: CustomerKind::parse(&m.kind).unwrap_or_default(),
        name: m.name,
        credit_code: m.credit_code,
        industry: m.industry,
        level: m.level.as_deref().and_then(Level::parse),
        tags: m
            .tags
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default(),
        phone: m.phone,
        address: m.address,
        lat: m.lat,
        lng: m.lng,
        owner_id: m.owner_id,
        owner_name,
        source: m.source,
        notes: m.notes,
        custom: field::parse(m.custom.as_deref()),
        archived: m.archived_at.is_some(),
        pool_id: m.pool_id,
        pooled_at: m.pooled_at,
        pool_reason: m.pool_reason,
        followed_up_at: m.followed_up_at,
        version: m.version,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

impl From<CustomerRow> for Customer {
    fn from(r: CustomerRow) -> Self {
        to_dto(r.customer, r.owner_name)
    }
}

async fn owner_names<C: ConnectionTrait>(
    db: &C,
    ids: impl Iterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, String>> {
    record::names::<user::Entity, _>(db, ids, user::Column::Id, user::Column::DisplayName).await
}

/// The DTO of a customer the caller just wrote (its owner's name read by id).
async fn decorate_one<C: ConnectionTrait>(db: &C, row: customer::Model) -> AppResult<Customer> {
    let owner = match row.owner_id {
        Some(o) => owner_names(db, std::iter::once(o)).await?.remove(&o),
        None => None,
    };
    Ok(to_dto(row, owner))
}

/// The customer, if it is inside the caller's scope for `action`; otherwise 404 (or 403 when the
/// role may not do `action` at all).
pub async fn find_in_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> AppResult<customer::Model> {
    record::find::<customer::Entity, _>(db, actor, action, id, Condition::all()).await
}

/// The customer a record of a rep's working day (a visit, a task) is made for: one the caller
/// reaches under `scope`, current, with an owner (not in a pool) — or a field error on
/// `customer_id`.
pub(crate) async fn for_new_record<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scope: Scope,
    id: Uuid,
    errors: &mut Vec<kaidan_shared::FieldError>,
) -> AppResult<Option<customer::Model>> {
    let found = customer::Entity::find_by_id(id)
        .filter(<customer::Entity as policy::Scoped>::in_scope(actor, scope))
        .filter(customer::Column::ArchivedAt.is_null())
        .filter(customer::Column::PoolId.is_null())
        .one(db)
        .await?;
    if found.is_none() {
        errors.push(kaidan_shared::FieldError::new(
            "customer_id",
            FieldCode::UnknownReference,
            "no active customer with this id inside your scope",
        ));
    }
    Ok(found)
}

/// Whether `user` (active) may reach `cust` as its own work — a visit, a task: the customer is
/// current, in no pool, and inside the user's own read scope for customers (a rep's own, a
/// supervisor's team's…).
pub(crate) async fn user_reaches<C: ConnectionTrait>(
    db: &C,
    user: Option<Uuid>,
    cust: &customer::Model,
) -> AppResult<bool> {
    if cust.archived_at.is_some() || cust.pool_id.is_some() {
        return Ok(false);
    }
    let Some(id) = user else {
        return Ok(false);
    };
    let Some(u) = user::Entity::find_by_id(id)
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    let Some(role) = Role::parse(&u.role) else {
        return Ok(false);
    };
    let as_user = Actor {
        user_id: u.id,
        username: u.username,
        role,
        team_id: u.team_id,
        region_id: u.region_id,
        ..Actor::system()
    };
    let Some(scope) = policy::scope_of(&as_user, Resource::Customer, Action::Read) else {
        return Ok(false);
    };
    Ok(customer::Entity::find_by_id(cust.id)
        .filter(<customer::Entity as policy::Scoped>::in_scope(
            &as_user, scope,
        ))
        .select_only()
        .column(customer::Column::Id)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

/// Whom a new record of `resource` belongs to: the caller, or one of their people when the
/// caller holds the resource's `Transfer` permission (`refusal` says why not, as a 403 on
/// `owner_id`).
pub(crate) async fn owner_for<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    resource: Resource,
    requested: Option<Uuid>,
    refusal: &str,
) -> AppResult<Uuid> {
    match requested {
        Some(o) if o != actor.user_id => {
            let scope = policy::scope_of(actor, resource, Action::Transfer)
                .ok_or_else(|| AppError::field_forbidden("owner_id", refusal))?;
            assignable_owner(db, actor, scope, o).await?;
            Ok(o)
        }
        // An API client's identity owns nothing: it names whose the record is.
        _ if !actor.role.can_own_customers() => Err(owner_required()),
        _ => Ok(actor.user_id),
    }
}

/// 422 on `owner_id`: the caller (an API client) cannot own the record and named nobody.
pub(crate) fn owner_required() -> AppError {
    AppError::field(
        "owner_id",
        FieldCode::Required,
        "name the salesperson who owns it (an API client owns nothing)",
    )
}

/// The user who may become owner (of a customer, a deal, a lead): active, able to own customers,
/// and inside `scope`.
pub(crate) async fn assignable_owner<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scope: Scope,
    owner_id: Uuid,
) -> AppResult<user::Model> {
    user::Entity::find_by_id(owner_id)
        .filter(policy::users_in_scope(actor, scope))
        .filter(user::Column::Active.eq(true))
        .one(db)
        .await?
        .filter(|u| Role::parse(&u.role).is_some_and(Role::can_own_customers))
        .ok_or_else(|| {
            AppError::field(
                "owner_id",
                FieldCode::UnknownReference,
                "no active salesperson with this id inside your scope",
            )
        })
}

pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    plans: &PlanCache,
    actor: &Actor,
    q: CustomerListQuery,
) -> AppResult<Page<Customer>> {
    let scope = policy::require(actor, Resource::Customer, Action::Read)?;
    q.validate().map_err(AppError::validation)?;
    let limit = page_limit(q.limit)?;
    let view = field::View::load(db, kept, actor).await?;
    let sort = q.sort.unwrap_or_default();
    // A team's or region's list walks the list's own index and checks each owner: gathering
    // a 53-rep team's 250,000 customers to sort them took 2 s at 1,000,000 (docs/benchmarks.md).
    // Newest change first (the default), it walks its own customers' index instead — the
    // customers' copy of their owner's team or region (`org::owner_place`) — so other teams'
    // newer changes and the pools' ownerless customers cost nothing; each owner is still checked.
    let mut sel = with_owner().filter(policy::owned_in_scope_probed(
        actor,
        scope,
        customer::Column::OwnerId,
    ));
    if sort == CustomerSort::UpdatedDesc && q.custom_sort.is_none() && q.owner_id.is_none() {
        sel = match (scope, actor.team_id, actor.region_id) {
            (Scope::Team, Some(t), _) => sel.filter(customer::Column::OwnerTeamId.eq(t)),
            (Scope::Region, _, Some(r)) => sel.filter(customer::Column::OwnerRegionId.eq(r)),
            _ => sel,
        };
    }
    sel = if q.archived.unwrap_or(false) {
        sel.filter(customer::Column::ArchivedAt.is_not_null())
    } else {
        sel.filter(customer::Column::ArchivedAt.is_null())
    };
    if let Some(o) = q.owner_id {
        sel = sel.filter(customer::Column::OwnerId.eq(o));
    }
    if let Some(l) = q.level {
        sel = sel.filter(customer::Column::Level.eq(l.as_str()));
    }
    if let Some(i) = q.industry.as_deref().filter(|i| !i.is_empty()) {
        sel = sel.filter(customer::Column::Industry.eq(i));
    }
    if let Some(tag) = q.tag.as_deref().filter(|t| !t.is_empty()) {
        sel = sel.filter(
            customer::Column::Id.in_subquery(
                Query::select()
                    .column(customer_tag::Column::CustomerId)
                    .from(customer_tag::Entity)
                    .and_where(customer_tag::Column::Tag.eq(tag.trim()))
                    .to_owned(),
            ),
        );
    }
    if let Some(t) = q.updated_since {
        sel = sel.filter(customer::Column::UpdatedAt.gte(t));
    }
    let mut sel = view
        .filter_list(
            db,
            plans,
            Resource::Customer,
            sel,
            customer::Column::Id,
            q.custom.as_deref(),
        )
        .await?;
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let mut any = Condition::any()
            .add(customer::Column::SearchKey.like(like_contains(&search_key(text))));
        let digits = phone_key(text);
        if digits.len() >= 4
            && digits.len() * 2 >= text.chars().filter(|c| !c.is_whitespace()).count()
        {
            any = any.add(customer::Column::PhoneKey.like(like_contains(&digits)));
        }
        sel = sel.filter(any);
    }
    let keyset = Keyset {
        name: sort.as_str(),
        column: Some(match sort {
            CustomerSort::UpdatedDesc => (customer::Column::UpdatedAt, KeyKind::Time),
            CustomerSort::CreatedDesc => (customer::Column::CreatedAt, KeyKind::Time),
            CustomerSort::NameAsc => (customer::Column::Name, KeyKind::Text),
        }),
        id: customer::Column::Id,
        descending: sort != CustomerSort::NameAsc,
    };
    let page = view
        .page(
            db,
            Resource::Customer,
            sel,
            keyset,
            q.custom_sort.as_deref(),
            (q.cursor.as_deref(), limit),
            |r: &CustomerRow| {
                let c = &r.customer;
                let v = match sort {
                    CustomerSort::UpdatedDesc => c.updated_at.to_rfc3339(),
                    CustomerSort::CreatedDesc => c.created_at.to_rfc3339(),
                    CustomerSort::NameAsc => c.name.clone(),
                };
                (v, c.id)
            },
        )
        .await?;
    Ok(shown(&view, page))
}

/// A page of rows as the reader sees them (custom values of hidden fields taken out).
pub(crate) fn shown(view: &field::View, page: Page<CustomerRow>) -> Page<Customer> {
    Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                let mut c = Customer::from(r);
                c.custom = view.show(Resource::Customer, &c.custom);
                c.masked_if_pooled()
            })
            .collect(),
        next_cursor: page.next_cursor,
    }
}

/// One customer with its contacts: the row with its owner's name, and the field definitions at
/// once (two connections of the read pool), then the contacts.
pub async fn get(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
) -> AppResult<CustomerDetail> {
    let (row, view) = tokio::try_join!(
        record::find_with::<customer::Entity, CustomerRow, _>(
            db,
            actor,
            Action::Read,
            id,
            with_owner()
        ),
        field::View::load(db, kept, actor),
    )?;
    let mut contacts = contact::for_customer(db, id).await?;
    for c in &mut contacts {
        c.custom = view.show(Resource::Contact, &c.custom);
    }
    let mut customer = Customer::from(row);
    customer.custom = view.show(Resource::Customer, &customer.custom);
    Ok(CustomerDetail { customer, contacts }.masked_if_pooled())
}

/// What a new record is compared with: customers match on the credit code, the phone or the
/// name key (leads probe with their company and phone).
pub(crate) struct Probe<'a> {
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub credit_code: Option<&'a str>,
}

/// Active customers that look like the probe: same credit code, same phone, or same name key.
/// Matches outside the caller's scope come masked with their owner's name (so two reps do not
/// chase one company); `duplicate::settle` charges and records them.
pub(crate) async fn duplicates_of(
    db: &DatabaseConnection,
    actor: &Actor,
    probe: Probe<'_>,
) -> AppResult<Vec<Found>> {
    let nk = name_key(probe.name);
    let pk = probe.phone.map(phone_key).filter(|p| !p.is_empty());
    let cc = probe.credit_code.map(str::to_owned);
    let mut any = Condition::any().add(customer::Column::NameKey.eq(nk.clone()));
    if let Some(p) = &pk {
        any = any.add(customer::Column::PhoneKey.eq(p.clone()));
    }
    if let Some(c) = &cc {
        any = any.add(customer::Column::CreditCode.eq(c.clone()));
    }
    let rows = customer::Entity::find()
        .filter(customer::Column::ArchivedAt.is_null())
        .filter(any)
        .limit(MAX_DUPLICATES)
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Which of them may the caller open? Same policy as every read.
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let visible: BTreeSet<Uuid> = match policy::scope_of(actor, Resource::Customer, Action::Read) {
        Some(scope) => customer::Entity::find()
            .filter(customer::Column::Id.is_in(ids))
            .filter(policy::owned_in_scope(
                actor,
                scope,
                customer::Column::OwnerId,
            ))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect(),
        None => BTreeSet::new(),
    };
    let owners = owner_names(db, rows.iter().filter_map(|r| r.owner_id)).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut matched_on = Vec::new();
            if cc.is_some() && r.credit_code == cc {
                matched_on.push(DuplicateField::CreditCode);
            }
            if pk.is_some() && r.phone_key == pk {
                matched_on.push(DuplicateField::Phone);
            }
            if r.name_key == nk {
                matched_on.push(DuplicateField::Name);
            }
            let mine = visible.contains(&r.id);
            Found {
                shown: DuplicateMatch {
                    resource: Resource::Customer,
                    id: mine.then_some(r.id),
                    name: if mine { r.name } else { mask_name(&r.name) },
                    owner_name: r.owner_id.and_then(|o| owners.get(&o).cloned()),
                    matched_on,
                },
                hidden: (!mine).then_some(Hidden {
                    id: r.id,
                    entity: "customer",
                    action: AuditAction::CustomerDuplicateMatch,
                }),
            }
        })
        .collect())
}

fn clean_tags(tags: Vec<String>) -> Vec<String> {
    let set: BTreeSet<String> = tags
        .into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    set.into_iter().collect()
}

/// The tags as the row keeps them (a JSON array, sorted).
fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".into())
}

/// The tag filter's rows for a customer (the row's own `tags` column is written with it).
async fn write_tags<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
    tags: &[String],
) -> AppResult<()> {
    customer_tag::Entity::delete_many()
        .filter(customer_tag::Column::CustomerId.eq(customer_id))
        .exec(db)
        .await?;
    insert_tags(db, customer_id, tags).await
}

/// The tags of a customer that has none yet.
async fn insert_tags<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
    tags: &[String],
) -> AppResult<()> {
    if !tags.is_empty() {
        customer_tag::Entity::insert_many(tags.iter().map(|t| customer_tag::ActiveModel {
            customer_id: Set(customer_id),
            tag: Set(t.clone()),
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

/// Industry and source hold keys of the option lists `customer_industry` and `customer_source`.
fn choices(
    errors: &mut Vec<kaidan_shared::FieldError>,
    rules: &field::Rules,
    industry: &Option<String>,
    source: &Option<String>,
    current: Option<&customer::Model>,
) {
    use kaidan_shared::option_list::{builtin, check_choice};
    check_choice(
        errors,
        "industry",
        rules.list(builtin::CUSTOMER_INDUSTRY),
        industry.as_deref(),
        current.and_then(|c| c.industry.as_deref()),
    );
    check_choice(
        errors,
        "source",
        rules.list(builtin::CUSTOMER_SOURCE),
        source.as_deref(),
        current.and_then(|c| c.source.as_deref()),
    );
}

/// Creates a customer (with its first contacts). Likely duplicates stop the create with 409
/// `duplicate_suspected` unless `force` is set.
pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: CustomerCreate,
    limits: &LimitSettings,
    clock: &Clock,
) -> AppResult<CustomerDetail> {
    let scope = policy::require(actor, Resource::Customer, Action::Create)?;
    // Every bad field at once: the record's own, its custom values, its contacts' custom values.
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Customer);
    let contact_rules = settings.rules(Resource::Contact);
    let mut errors = input.validate().err().unwrap_or_default();
    choices(&mut errors, &rules, &input.industry, &input.source, None);
    let custom = rules
        .check(db, actor.role, &input.custom, None)
        .await?
        .map_err(|e| errors.extend(e))
        .unwrap_or_default();
    for (i, c) in input.contacts.iter().enumerate() {
        let at = format!("contacts[{i}]");
        errors.extend(
            contact_rules
                .check_nested(db, actor.role, &c.custom, &at)
                .await?,
        );
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let owner_id = input.owner_id.unwrap_or(actor.user_id);
    if owner_id != actor.user_id && !table::allows(actor.role, Resource::Customer, Action::Transfer)
    {
        return Err(AppError::field_forbidden(
            "owner_id",
            "only supervisors and above may choose the owner",
        ));
    }
    assignable_owner(db, actor, scope, owner_id).await?;
    if !input.force {
        let probe = Probe {
            name: &input.name,
            phone: input.phone.as_deref(),
            credit_code: input.credit_code.as_deref(),
        };
        let found = duplicates_of(db, actor, probe).await?;
        let dups = duplicate::settle(db, actor, limits, found).await?;
        if !dups.is_empty() {
            return Err(AppError::duplicates(dups));
        }
    }
    let txn = begin_write(db).await?;
    let mut trail = audit::Trail::default();
    let mut detail = insert(
        &txn,
        actor,
        &rules,
        &contact_rules,
        NewCustomer {
            input,
            custom,
            owner_id,
            owner_name: None,
            place: None,
        },
        clock,
        &mut trail,
    )
    .await?;
    trail.commit(txn, actor).await?;
    detail.customer.custom = rules.visible(actor.role, &detail.customer.custom);
    for c in &mut detail.contacts {
        c.custom = contact_rules.visible(actor.role, &c.custom);
    }
    Ok(detail)
}

/// A checked new customer: its values and owner.
pub(crate) struct NewCustomer {
    pub input: CustomerCreate,
    pub custom: CustomValues,
    pub owner_id: Uuid,
    /// The owner's name when the caller has it (else it is read).
    pub owner_name: Option<String>,
    /// The owner's place when the caller read it first in this transaction
    /// (`org::owner_place`); else it is read here, first.
    pub place: Option<org::OwnerPlace>,
}

/// Writes a checked new customer and its contacts inside `txn`, their audit rows added to
/// `trail` (lead conversion calls this inside its own transaction). Answers every custom value:
/// the caller shows what the reader may see.
pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    actor: &Actor,
    rules: &field::Rules,
    contact_rules: &field::Rules,
    new: NewCustomer,
    clock: &Clock,
    trail: &mut audit::Trail,
) -> AppResult<CustomerDetail> {
    let NewCustomer {
        input,
        custom,
        owner_id,
        owner_name,
        place,
    } = new;
    let place = match place {
        Some(p) => p,
        None => org::owner_place(txn, Some(owner_id)).await?,
    };
    let t = now();
    let tags = clean_tags(input.tags.clone());
    let name = input.name.trim().to_owned();
    let phone = clean(input.phone.clone());
    let m = customer::Model {
        id: new_id(),
        kind: input.kind.as_str().into(),
        name_key: name_key(&name),
        search_key: search_key(&name),
        name,
        credit_code: clean(input.credit_code.clone()),
        industry: clean(input.industry.clone()),
        level: input.level.map(|l| l.as_str().into()),
        phone_key: phone.as_deref().map(phone_key),
        phone,
        address: clean(input.address.clone()),
        lat: input.lat,
        lng: input.lng,
        owner_id: Some(owner_id),
        owner_team_id: place.team_id,
        owner_region_id: place.region_id,
        source: clean(input.source.clone()),
        notes: clean(input.notes.clone()),
        tags: Some(tags_json(&tags)),
        custom: field::stored(&custom),
        archived_at: None,
        pool_id: None,
        pooled_at: None,
        pool_reason: None,
        previous_owner_id: None,
        followed_up_at: Some(clock.now()),
        warned_at: None,
        version: 1,
        created_by: actor.audit_id(),
        created_at: t,
        updated_at: t,
    };
    customer::Entity::insert(customer::ActiveModel::from(m.clone()))
        .exec_without_returning(txn)
        .await?;
    insert_tags(txn, m.id, &tags).await?;
    rules.mark_used(txn, &custom).await?;
    rules
        .index(txn, Resource::Customer, m.id, &Default::default(), &custom)
        .await?;
    let dto = match owner_name {
        Some(name) => to_dto(m.clone(), Some(name)),
        None => decorate_one(txn, m.clone()).await?,
    };
    trail.add(audit::Change::created(
        AuditAction::CustomerCreate,
        "customer",
        m.id,
        m.id,
        &dto,
    ));
    // One primary contact: the last one marked so (as if each had been added in turn), else
    // the first; then none of them has another primary to clear.
    let mut contact_inputs = input.contacts;
    let primary = contact_inputs
        .iter()
        .rposition(|c| c.is_primary)
        .unwrap_or(0);
    for (i, c) in contact_inputs.iter_mut().enumerate() {
        c.is_primary = i == primary;
    }
    let mut created = Vec::with_capacity(contact_inputs.len());
    for c in contact_inputs {
        created.push(contact::insert_first(txn, actor, contact_rules, m.id, c, trail).await?);
    }
    Ok(CustomerDetail {
        customer: dto,
        contacts: created,
    })
}

/// Applies a partial update when `expected_version` is current. Changing `owner_id` is a transfer
/// and needs the transfer permission, with the new owner inside the caller's transfer scope.
pub async fn update(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
    input: CustomerUpdate,
) -> AppResult<Customer> {
    let current = find_in_scope(db, actor, id, Action::Update).await?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived)
            .with_detail("restore the customer before editing it"));
    }
    if current.version != expected_version {
        return Err(stale());
    }
    let rules = kept.get(db).await?.rules(Resource::Customer);
    let mut errors = input
        .validate(current.lat, current.lng)
        .err()
        .unwrap_or_default();
    choices(
        &mut errors,
        &rules,
        &input.industry.value().cloned(),
        &input.source.value().cloned(),
        Some(&current),
    );
    let custom = if input.custom.is_empty() {
        None
    } else {
        let previous = field::parse(current.custom.as_deref());
        rules
            .check(db, actor.role, &input.custom, Some(&previous))
            .await?
            .map_err(|e| errors.extend(e))
            .ok()
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    if let Some(owner) = input.owner_id.filter(|o| Some(*o) != current.owner_id) {
        let scope =
            policy::scope_of(actor, Resource::Customer, Action::Transfer).ok_or_else(|| {
                AppError::field_forbidden(
                    "owner_id",
                    "only supervisors and above may change the owner",
                )
            })?;
        // The customer itself must be inside the transfer scope too.
        find_in_scope(db, actor, id, Action::Transfer).await?;
        assignable_owner(db, actor, scope, owner).await?;
    }
    let before = decorate_one(db, current.clone()).await?;
    let mut next = current.clone();
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    if let Some(k) = input.kind {
        next.kind = k.as_str().into();
    }
    if let Some(n) = &input.name {
        next.name = n.trim().into();
        next.name_key = name_key(&next.name);
        next.search_key = search_key(&next.name);
    }
    input
        .credit_code
        .apply_with(&mut next.credit_code, |v| clean(Some(v)));
    input
        .industry
        .apply_with(&mut next.industry, |v| clean(Some(v)));
    input
        .level
        .apply_with(&mut next.level, |l| Some(l.as_str().into()));
    if !input.phone.is_absent() {
        input.phone.apply_with(&mut next.phone, |v| clean(Some(v)));
        next.phone_key = next.phone.as_deref().map(phone_key);
    }
    input
        .address
        .apply_with(&mut next.address, |v| clean(Some(v)));
    input.lat.apply_with(&mut next.lat, Some);
    input.lng.apply_with(&mut next.lng, Some);
    input
        .source
        .apply_with(&mut next.source, |v| clean(Some(v)));
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    if let Some(o) = input.owner_id {
        next.owner_id = Some(o);
    }
    let tags = input.tags.map(clean_tags);
    if let Some(t) = &tags {
        next.tags = Some(tags_json(t));
    }
    next.version = current.version + 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    // The row is written whole: its copies of the owner's place are read now, first.
    let place = org::owner_place(&txn, next.owner_id).await?;
    next.owner_team_id = place.team_id;
    next.owner_region_id = place.region_id;
    record::save_versioned::<customer::Entity, _>(&txn, next.clone(), id, expected_version).await?;
    if let Some(t) = &tags {
        write_tags(&txn, id, t).await?;
    }
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        let previous = field::parse(current.custom.as_deref());
        rules
            .index(&txn, Resource::Customer, id, &previous, c)
            .await?;
    }
    let mut after = decorate_one(&txn, next).await?;
    let action = if before.owner_id != after.owner_id {
        AuditAction::CustomerTransfer
    } else {
        AuditAction::CustomerUpdate
    };
    audit::commit(
        txn,
        actor,
        audit::Change::updated(action, "customer", id, id, &before, &after),
    )
    .await?;
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(after.masked_if_pooled())
}

/// Hands the customer to another salesperson inside the caller's transfer scope (a customer in
/// a pool leaves it: the new owner's reclaim clock starts now).
pub async fn transfer(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected_version: Option<i64>,
    req: TransferRequest,
    clock: &Clock,
) -> AppResult<Customer> {
    let current = find_in_scope(db, actor, id, Action::Transfer).await?;
    let scope = policy::require(actor, Resource::Customer, Action::Transfer)?;
    req.validate().map_err(AppError::validation)?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived)
            .with_detail("restore the customer before transferring it"));
    }
    crate::services::check_version(expected_version, current.version)?;
    assignable_owner(db, actor, scope, req.owner_id).await?;
    let before = decorate_one(db, current.clone()).await?;
    let mut next = current.clone();
    next.owner_id = Some(req.owner_id);
    next.pool_id = None;
    next.pooled_at = None;
    next.pool_reason = None;
    next.warned_at = None;
    next.version += 1;
    next.updated_at = now();
    next.followed_up_at = Some(clock.now());
    let txn = begin_write(db).await?;
    let place = org::owner_place(&txn, next.owner_id).await?;
    next.owner_team_id = place.team_id;
    next.owner_region_id = place.region_id;
    let update = customer::Entity::update_many()
        .col_expr(customer::Column::OwnerId, Expr::value(next.owner_id))
        .col_expr(customer::Column::OwnerTeamId, Expr::value(place.team_id))
        .col_expr(
            customer::Column::OwnerRegionId,
            Expr::value(place.region_id),
        )
        .col_expr(customer::Column::PoolId, Expr::value(next.pool_id))
        .col_expr(customer::Column::PooledAt, Expr::value(next.pooled_at))
        .col_expr(
            customer::Column::PoolReason,
            Expr::value(next.pool_reason.clone()),
        )
        .col_expr(customer::Column::WarnedAt, Expr::value(next.warned_at))
        .col_expr(
            customer::Column::FollowedUpAt,
            Expr::value(next.followed_up_at),
        )
        .col_expr(customer::Column::Version, Expr::value(next.version))
        .col_expr(customer::Column::UpdatedAt, Expr::value(next.updated_at));
    record::update_versioned(&txn, update, id, current.version).await?;
    let mut after = decorate_one(&txn, next).await?;
    let mut change = audit::Change::updated(
        AuditAction::CustomerTransfer,
        "customer",
        id,
        id,
        &before,
        &after,
    );
    if let (Some(serde_json::Value::Object(a)), Some(reason)) =
        (change.after.as_mut(), req.reason.as_ref())
    {
        a.insert("reason".into(), serde_json::Value::String(reason.clone()));
    }
    audit::commit(txn, actor, change).await?;
    let view = field::View::load(db, kept, actor).await?;
    after.custom = view.show(Resource::Customer, &after.custom);
    Ok(after)
}

/// Archives (`archive = true`) or restores a customer. Archived customers leave the lists but keep
/// their history, contacts and audit trail.
pub async fn set_archived(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected_version: Option<i64>,
    archive: bool,
) -> AppResult<Customer> {
    let current = find_in_scope(db, actor, id, Action::Archive).await?;
    crate::services::check_version(expected_version, current.version)?;
    if current.archived_at.is_some() == archive {
        // Already in the asked state: answer it as it is (idempotent).
        return decorate_one(db, current).await;
    }
    let before = decorate_one(db, current.clone()).await?;
    let mut next = current.clone();
    next.archived_at = archive.then(now);
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    let update = customer::Entity::update_many()
        .col_expr(customer::Column::ArchivedAt, Expr::value(next.archived_at))
        .col_expr(customer::Column::Version, Expr::value(next.version))
        .col_expr(customer::Column::UpdatedAt, Expr::value(next.updated_at));
    record::update_versioned(&txn, update, id, current.version).await?;
    let mut after = decorate_one(&txn, next).await?;
    let action = if archive {
        AuditAction::CustomerArchive
    } else {
        AuditAction::CustomerRestore
    };
    audit::commit(
        txn,
        actor,
        audit::Change::updated(action, "customer", id, id, &before, &after),
    )
    .await?;
    let view = field::View::load(db, kept, actor).await?;
    after.custom = view.show(Resource::Customer, &after.custom);
    Ok(after.masked_if_pooled())
}

/// The customer's change history (its own and its contacts'), for anyone who can see it.
pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    let c = find_in_scope(db, actor, id, Action::Read).await?;
    let mut page = audit::history(db, actor, id, q).await?;
    let view = field::View::load(db, kept, actor).await?;
    for entry in &mut page.items {
        view.redact(entry);
        // A customer in a pool: earlier changes must not reveal what the pool masks.
        if c.pool_id.is_some() {
            for side in [entry.before.as_mut(), entry.after.as_mut()]
                .into_iter()
                .flatten()
            {
                kaidan_shared::contact::mask_reach(side);
            }
        }
    }
    Ok(page)
}
