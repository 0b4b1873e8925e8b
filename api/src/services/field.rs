//! Custom field definitions (自定义字段). Everyone signed in reads a record type's fields (its
//! forms, lists and the JSON Schema of `custom` are drawn from them); admins define them. The
//! rules a value must pass live in `kaidan_shared::field`, shared with the web app; the record
//! services call `for_write` / `visible` here.

use kaidan_shared::audit::AuditAction;
use kaidan_shared::field::{
    self as rules, CustomValues, FieldDef, FieldDefCreate, FieldDefUpdate, FieldKind, FieldSet,
    MAX_FIELDS,
};
use kaidan_shared::option_list::OptionList;
use kaidan_shared::{Action, FieldCode, Patch, Resource, Role};
use sea_orm::sea_query::{Expr, IntoCondition};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::{custom_value, field_def, user};
use crate::error::{AppError, AppResult};
use crate::services::field_plan::PlanCache;
use crate::services::field_sort::CustomOrder;
use crate::services::{
    audit, begin_write, check_version, new_id, now, option_list, record, rules_cache,
    unique_violation,
};

/// The roles named in a JSON array, in `Role::ALL` order.
fn roles(json: &str) -> Vec<Role> {
    let names: Vec<String> = serde_json::from_str(json).unwrap_or_default();
    Role::ALL
        .into_iter()
        .filter(|r| names.iter().any(|n| n == r.as_str()))
        .collect()
}

fn roles_json(roles: &[Role]) -> String {
    let mut names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

fn dto(m: field_def::Model) -> FieldDef {
    FieldDef {
        id: m.id,
        resource: Resource::parse(&m.resource).unwrap_or(Resource::Customer),
        key: m.key,
        label_zh: m.label_zh,
        label_en: m.label_en,
        kind: FieldKind::parse(&m.kind).unwrap_or(FieldKind::Text),
        required: m.required,
        default: m.default_value.and_then(|d| serde_json::from_str(&d).ok()),
        help_zh: m.help_zh,
        help_en: m.help_en,
        section: m.section,
        position: m.position,
        option_list: m.option_list,
        visible_to: roles(&m.visible_to),
        editable_by: roles(&m.editable_by),
        filterable: m.filterable,
        active: m.active,
        used: m.used,
        version: m.version,
        updated_at: m.updated_at,
    }
}

/// A record type's fields in form order (no policy: the record services and handlers apply it).
pub async fn load<C: ConnectionTrait>(db: &C, resource: Resource) -> AppResult<Vec<FieldDef>> {
    load_where(db, field_def::Column::Resource.eq(resource.as_str())).await
}

/// Every record type's fields in form order (`rules_cache`, `View`).
pub(crate) async fn load_every<C: ConnectionTrait>(db: &C) -> AppResult<Vec<FieldDef>> {
    load_where(db, Condition::all()).await
}

async fn load_where<C: ConnectionTrait>(
    db: &C,
    which: impl IntoCondition,
) -> AppResult<Vec<FieldDef>> {
    Ok(field_def::Entity::find()
        .filter(which)
        .order_by_asc(field_def::Column::Position)
        .order_by_asc(field_def::Column::Key)
        .all(db)
        .await?
        .into_iter()
        .map(dto)
        .collect())
}

pub(crate) fn custom_resource(resource: Resource) -> AppResult<Resource> {
    if rules::RESOURCES.contains(&resource) {
        Ok(resource)
    } else {
        Err(AppError::field(
            "resource",
            FieldCode::NotAllowed,
            "this record type has no custom fields",
        ))
    }
}

/// The fields of `resource` and the JSON Schema of `custom` for the caller's role.
pub async fn set<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    resource: Resource,
) -> AppResult<FieldSet> {
    policy::require(actor, Resource::Field, Action::Read)?;
    let resource = custom_resource(resource)?;
    let mut fields = load(db, resource).await?;
    let lists = option_list::load_all(db).await?;
    let schema = rules::schema(&fields, &lists, actor.role);
    // Whoever manages fields sees them all, retired ones included; everyone else only the active
    // fields their role sees — a hidden field's name says something too.
    if !kaidan_shared::policy::allows(actor.role, Resource::Field, Action::Manage) {
        fields.retain(|f| f.visible_to_role(actor.role));
    }
    let visible: Vec<FieldDef> = fields
        .iter()
        .filter(|f| f.visible_to_role(actor.role))
        .cloned()
        .collect();
    let layout = crate::services::layout::resolved(db, actor, resource, &visible).await?;
    Ok(FieldSet {
        resource,
        fields,
        schema,
        layout,
    })
}

async fn list_by_key<C: ConnectionTrait>(
    db: &C,
    key: Option<&str>,
) -> AppResult<Option<OptionList>> {
    let Some(key) = key else { return Ok(None) };
    Ok(option_list::load_all(db)
        .await?
        .into_iter()
        .find(|l| l.key == key))
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: FieldDefCreate,
) -> AppResult<FieldDef> {
    policy::require(actor, Resource::Field, Action::Manage)?;
    let list = list_by_key(db, input.option_list.as_deref()).await?;
    input
        .validate(list.as_ref())
        .map_err(AppError::validation)?;
    let txn = begin_write(db).await?;
    let existing = load(&txn, input.resource).await?;
    if existing.len() >= MAX_FIELDS {
        return Err(AppError::field(
            "resource",
            FieldCode::TooMany,
            "a record type has at most 100 custom fields",
        ));
    }
    let visible = input
        .visible_to
        .clone()
        .unwrap_or_else(|| Role::ALL.to_vec());
    let editable = input.editable_by.clone().unwrap_or_else(|| visible.clone());
    let t = now();
    let m = field_def::Model {
        id: new_id(),
        resource: input.resource.as_str().into(),
        key: input.key.clone(),
        label_zh: input.label_zh.trim().into(),
        label_en: input.label_en.trim().into(),
        kind: input.kind.as_str().into(),
        required: input.required,
        default_value: input.default.as_ref().map(|d| d.to_string()),
        help_zh: input.help_zh.clone().filter(|h| !h.trim().is_empty()),
        help_en: input.help_en.clone().filter(|h| !h.trim().is_empty()),
        section: input.section.clone().filter(|s| !s.trim().is_empty()),
        position: input
            .position
            .unwrap_or_else(|| existing.iter().map(|f| f.position + 1).max().unwrap_or(0)),
        option_list: input.option_list.clone(),
        visible_to: roles_json(&visible),
        editable_by: roles_json(&editable),
        filterable: input.filterable,
        active: true,
        used: false,
        version: 1,
        created_at: t,
        updated_at: t,
    };
    field_def::Entity::insert(field_def::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique_violation(e, "this record type has a field with this key"))?;
    rules_cache::bump(&txn).await?;
    let out = dto(m);
    audit::commit(
        txn,
        actor,
        audit::Change::created(AuditAction::FieldCreate, "field", out.id, out.id, &out),
    )
    .await?;
    Ok(out)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
    input: FieldDefUpdate,
) -> AppResult<FieldDef> {
    let current = policy::find_for(actor, Resource::Field, Action::Manage, |_| async move {
        Ok(field_def::Entity::find_by_id(id).one(db).await?.map(dto))
    })
    .await?;
    let list_key = match &input.option_list {
        Patch::Absent => current.option_list.clone(),
        Patch::Null => None,
        Patch::Value(k) => Some(k.clone()),
    };
    let list = list_by_key(db, list_key.as_deref()).await?;
    input
        .validate(&current, list.as_ref())
        .map_err(AppError::validation)?;
    check_version(Some(expected_version), current.version)?;
    let mut next = current.clone();
    if let Patch::Value(k) = &input.key {
        next.key = k.clone();
    }
    if let Patch::Value(l) = &input.label_zh {
        next.label_zh = l.trim().into();
    }
    if let Patch::Value(l) = &input.label_en {
        next.label_en = l.trim().into();
    }
    next.kind = input.kind.unwrap_or(current.kind);
    next.required = input.required.unwrap_or(current.required);
    let text = |t: String| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
    input.default.clone().apply_with(&mut next.default, Some);
    input.help_zh.clone().apply_with(&mut next.help_zh, text);
    input.help_en.clone().apply_with(&mut next.help_en, text);
    input.section.clone().apply_with(&mut next.section, text);
    next.position = input.position.unwrap_or(current.position);
    next.option_list = list_key;
    // Stored and answered as a set, in `Role::ALL` order.
    let set = |r: &Option<Vec<Role>>, old: &[Role]| roles(&roles_json(r.as_deref().unwrap_or(old)));
    next.visible_to = set(&input.visible_to, &current.visible_to);
    next.editable_by = set(&input.editable_by, &current.editable_by);
    next.filterable = input.filterable.unwrap_or(current.filterable);
    next.active = input.active.unwrap_or(current.active);
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    let row = field_def::Model {
        id,
        resource: next.resource.as_str().into(),
        key: next.key.clone(),
        label_zh: next.label_zh.clone(),
        label_en: next.label_en.clone(),
        kind: next.kind.as_str().into(),
        required: next.required,
        default_value: next.default.as_ref().map(|d| d.to_string()),
        help_zh: next.help_zh.clone(),
        help_en: next.help_en.clone(),
        section: next.section.clone(),
        position: next.position,
        option_list: next.option_list.clone(),
        visible_to: roles_json(&next.visible_to),
        editable_by: roles_json(&next.editable_by),
        filterable: next.filterable,
        active: next.active,
        used: next.used,
        version: next.version,
        created_at: created_at(&txn, id).await?,
        updated_at: next.updated_at,
    };
    record::save_versioned::<field_def::Entity, _>(&txn, row, id, expected_version)
        .await
        .map_err(|e| e.on_conflict("this record type has a field with this key"))?;
    rules_cache::bump(&txn).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(AuditAction::FieldUpdate, "field", id, id, &current, &next),
    )
    .await?;
    Ok(next)
}

async fn created_at<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> AppResult<chrono::DateTime<chrono::Utc>> {
    field_def::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|m| m.created_at)
        .ok_or_else(AppError::not_found)
}

/// The definitions and lists a write of `resource` is checked against.
pub struct Rules {
    pub fields: Vec<FieldDef>,
    pub lists: Vec<OptionList>,
}

impl Rules {
    pub async fn load<C: ConnectionTrait>(db: &C, resource: Resource) -> AppResult<Rules> {
        Ok(Rules {
            fields: load(db, resource).await?,
            lists: option_list::load_all(db).await?,
        })
    }

    /// The values to store after `role` sends `input`, or the `custom.<key>` errors (for a
    /// service that reports them with the record's other field errors). A user field must name
    /// an active user.
    pub async fn check<C: ConnectionTrait>(
        &self,
        db: &C,
        role: Role,
        input: &CustomValues,
        previous: Option<&CustomValues>,
    ) -> AppResult<Result<CustomValues, Vec<kaidan_shared::FieldError>>> {
        let out = match rules::apply(&self.fields, &self.lists, role, input, previous) {
            Ok(out) => out,
            Err(errs) => return Ok(Err(errs)),
        };
        let mut errs = Vec::new();
        for (key, id) in rules::user_refs(&self.fields, &out) {
            if previous.and_then(|p| p.get(&key)) == out.get(&key) {
                continue;
            }
            let active = user::Entity::find_by_id(id)
                .one(db)
                .await?
                .is_some_and(|u| u.active);
            if !active {
                errs.push(kaidan_shared::FieldError::new(
                    format!("custom.{key}"),
                    FieldCode::UnknownReference,
                    "no active user has this id",
                ));
            }
        }
        Ok(if errs.is_empty() { Ok(out) } else { Err(errs) })
    }

    /// The values to store after `role` sends `input` (422 with `custom.<key>` errors).
    pub async fn apply<C: ConnectionTrait>(
        &self,
        db: &C,
        role: Role,
        input: &CustomValues,
        previous: Option<&CustomValues>,
    ) -> AppResult<CustomValues> {
        self.check(db, role, input, previous)
            .await?
            .map_err(AppError::validation)
    }

    /// Checks the values of a record created inside another's request (a customer's first
    /// contacts), naming errors under `prefix` (`contacts[0]`).
    pub async fn check_nested<C: ConnectionTrait>(
        &self,
        db: &C,
        role: Role,
        input: &CustomValues,
        prefix: &str,
    ) -> AppResult<Vec<kaidan_shared::FieldError>> {
        Ok(match self.check(db, role, input, None).await? {
            Ok(_) => Vec::new(),
            Err(errs) => errs
                .into_iter()
                .map(|mut e| {
                    e.field = format!("{prefix}.{}", e.field);
                    e
                })
                .collect(),
        })
    }

    /// Brings the value index of one record up to date with its values (inside the write's
    /// transaction): the rows of each field whose value changed are replaced (what a filter
    /// probes and a sort walks: `FieldKind::index_values`).
    pub async fn index<C: ConnectionTrait>(
        &self,
        db: &C,
        resource: Resource,
        record_id: Uuid,
        old: &CustomValues,
        new: &CustomValues,
    ) -> AppResult<()> {
        for def in &self.fields {
            let (before, after) = (old.get(&def.key), new.get(&def.key));
            if before == after {
                continue;
            }
            if before.is_some() {
                custom_value::Entity::delete_many()
                    .filter(custom_value::Column::Resource.eq(resource.as_str()))
                    .filter(custom_value::Column::FieldKey.eq(def.key.as_str()))
                    .filter(custom_value::Column::RecordId.eq(record_id))
                    .exec(db)
                    .await?;
            }
            let rows: Vec<custom_value::ActiveModel> = after
                .map(|v| def.kind.index_values(v))
                .unwrap_or_default()
                .into_iter()
                .map(|value| {
                    custom_value::Model {
                        resource: resource.as_str().into(),
                        field_key: def.key.clone(),
                        value,
                        record_id,
                    }
                    .into()
                })
                .collect();
            if !rows.is_empty() {
                custom_value::Entity::insert_many(rows)
                    .exec_without_returning(db)
                    .await?;
            }
        }
        Ok(())
    }

    /// The option list with this key.
    pub fn list(&self, key: &str) -> Option<&OptionList> {
        self.lists.iter().find(|l| l.key == key)
    }

    /// Marks the fields `values` holds as used (their key and type are then fixed).
    pub async fn mark_used<C: ConnectionTrait>(
        &self,
        db: &C,
        values: &CustomValues,
    ) -> AppResult<()> {
        let fresh: Vec<Uuid> = self
            .fields
            .iter()
            .filter(|f| !f.used && values.contains_key(&f.key))
            .map(|f| f.id)
            .collect();
        if !fresh.is_empty() {
            field_def::Entity::update_many()
                .col_expr(field_def::Column::Used, Expr::value(true))
                .filter(field_def::Column::Id.is_in(fresh))
                .exec(db)
                .await?;
            rules_cache::bump(db).await?;
        }
        Ok(())
    }
}

impl Rules {
    /// What `role` may see of a record's values.
    pub fn visible(&self, role: Role, values: &CustomValues) -> CustomValues {
        rules::visible(&self.fields, role, values)
    }
}

/// Every record type's fields as one reader sees them (one query for all types, since a customer
/// answer carries its contacts): every answer's `custom` goes through `show`.
pub struct View {
    fields: Vec<FieldDef>,
    role: Role,
}

impl View {
    /// The caller's view from this instance's kept settings (`rules_cache`: one primary-key read
    /// when nothing changed).
    pub async fn load<C: ConnectionTrait>(
        db: &C,
        kept: &rules_cache::RulesCache,
        actor: &Actor,
    ) -> AppResult<View> {
        Ok(kept.get(db).await?.view(actor.role))
    }

    /// The view of `role` over these fields (`rules_cache::Snapshot::view`).
    pub fn of(fields: Vec<FieldDef>, role: Role) -> View {
        View { fields, role }
    }

    fn sees(&self, resource: Resource, key: &str) -> bool {
        self.fields
            .iter()
            .any(|f| f.resource == resource && f.key == key && f.visible_to_role(self.role))
    }

    /// The values of a `resource` record the reader may see.
    pub fn show(&self, resource: Resource, values: &CustomValues) -> CustomValues {
        values
            .iter()
            .filter(|(k, _)| self.sees(resource, k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The conditions of a list's custom filter (`key:value,key:value`) on `resource` rows whose
    /// id is `id_column`. A field the reader does not see, a retired one or one not marked
    /// filterable is refused like an unknown one, so a filter never tells a role about values it
    /// may not read.
    ///
    /// Each pair picks its plan by how many records hold the value, counted up to a cap (never an
    /// unbounded count): a rare value drives the query (`id IN (its records)`, at most
    /// `limits.custom_filter_selective` rows to sort; the count is cached a minute, `field_plan`), a common one is probed per row of the list's own index walk
    /// (`EXISTS`), which finds a page after a few hundred rows. Either way a page costs a bounded
    /// amount of work whatever the number of records (docs/benchmarks.md).
    pub async fn filter<C: ConnectionTrait>(
        &self,
        db: &C,
        plans: &PlanCache,
        resource: Resource,
        spec: &str,
        id_column: (sea_orm::sea_query::DynIden, sea_orm::sea_query::DynIden),
    ) -> AppResult<sea_orm::Condition> {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        let mut all = sea_orm::Condition::all();
        let pairs: Vec<&str> = spec
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if pairs.len() > MAX_CUSTOM_FILTERS {
            return Err(AppError::field(
                "custom",
                FieldCode::TooMany,
                "at most 5 custom field filters",
            ));
        }
        for pair in pairs {
            let Some((key, value)) = pair.split_once(':') else {
                return Err(AppError::field(
                    "custom",
                    FieldCode::InvalidFormat,
                    "filters are key:value",
                ));
            };
            let known = self.fields.iter().any(|f| {
                f.resource == resource
                    && f.key == key
                    && f.filterable
                    && f.kind.filterable()
                    && f.visible_to_role(self.role)
            });
            if !known {
                return Err(AppError::field(
                    "custom",
                    FieldCode::UnknownField,
                    "no filterable custom field has this key",
                ));
            }
            let mut holders = Query::select()
                .column(custom_value::Column::RecordId)
                .from(custom_value::Entity)
                .and_where(custom_value::Column::Resource.eq(resource.as_str()))
                .and_where(custom_value::Column::FieldKey.eq(key))
                .and_where(custom_value::Column::Value.eq(value))
                .to_owned();
            let count = match plans.get(resource.as_str(), key, value) {
                Some(n) => n,
                None => {
                    let capped = Query::select()
                        .expr(Expr::cust("COUNT(*)"))
                        .from_subquery(
                            holders.clone().limit(plans.cap() + 1).to_owned(),
                            Alias::new("holders"),
                        )
                        .to_owned();
                    let n: i64 = match db.query_one(&capped).await? {
                        Some(row) => row.try_get_by_index(0)?,
                        None => 0,
                    };
                    let n = u64::try_from(n).unwrap_or(0);
                    plans.put(resource.as_str(), key, value, n);
                    n
                }
            };
            if count <= plans.cap() {
                all = all.add(Expr::col(id_column.clone()).in_subquery(holders));
            } else {
                all = all.add(Expr::exists(
                    holders
                        .and_where(
                            Expr::col((custom_value::Entity, custom_value::Column::RecordId))
                                .equals(id_column.clone()),
                        )
                        .to_owned(),
                ));
            }
        }
        Ok(all)
    }

    /// A list order by a custom field (`key`, or `-key` for descending) of `resource`: a field
    /// the reader sees whose kind sorts; any other key is refused like an unknown one.
    pub fn order(&self, resource: Resource, spec: &str) -> AppResult<CustomOrder> {
        let (key, descending) = match spec.trim().strip_prefix('-') {
            Some(k) => (k, true),
            None => (spec.trim(), false),
        };
        let def = self
            .fields
            .iter()
            .find(|f| {
                f.resource == resource
                    && f.key == key
                    && f.kind.sortable()
                    && f.visible_to_role(self.role)
            })
            .ok_or_else(|| {
                AppError::field(
                    "custom_sort",
                    FieldCode::UnknownField,
                    "no sortable custom field has this key",
                )
            })?;
        Ok(CustomOrder {
            resource,
            key: def.key.clone(),
            descending,
        })
    }

    /// A list's `custom` filter applied to `sel` (rows of `E` whose id column is `id`); no
    /// filter, the same select. Every module's list calls this with its query's `custom`.
    pub async fn filter_list<E, C>(
        &self,
        db: &C,
        plans: &PlanCache,
        resource: Resource,
        sel: sea_orm::Select<E>,
        id: E::Column,
        spec: Option<&str>,
    ) -> AppResult<sea_orm::Select<E>>
    where
        E: EntityTrait,
        C: ConnectionTrait,
    {
        use sea_orm::sea_query::IntoIden;
        let Some(spec) = spec.filter(|s| !s.trim().is_empty()) else {
            return Ok(sel);
        };
        let cond = self
            .filter(
                db,
                plans,
                resource,
                spec,
                (E::default().into_iden(), id.into_iden()),
            )
            .await?;
        Ok(sel.filter(cond))
    }

    /// A page of a list: in its `custom_sort` order when one is asked, else in `keyset`'s (the
    /// list's own order); `key` gives a row's keyset value and id. Every module's list pages
    /// through this.
    #[allow(clippy::too_many_arguments)] // each one a part of the list's query
    pub async fn page<E, M, C>(
        &self,
        db: &C,
        resource: Resource,
        sel: sea_orm::Select<E>,
        keyset: crate::services::record::Keyset<E>,
        custom_sort: Option<&str>,
        (cursor, limit): (Option<&str>, u64),
        key: impl Fn(&M) -> (String, Uuid),
    ) -> AppResult<kaidan_shared::page::Page<M>>
    where
        E: EntityTrait,
        M: sea_orm::FromQueryResult + Send + Sync,
        C: ConnectionTrait,
    {
        match custom_sort.filter(|s| !s.trim().is_empty()) {
            Some(spec) => {
                let order = self.order(resource, spec)?;
                order
                    .page(db, sel, keyset.id, cursor, limit, |r| key(r).1)
                    .await
            }
            None => keyset.page(db, sel, cursor, limit, key).await,
        }
    }

    /// Takes out of an audit entry's before/after the custom values (`custom.<key>`) the reader
    /// may not see (the entry's `entity` names the record type).
    pub fn redact(&self, entry: &mut kaidan_shared::audit::AuditEntry) {
        let resource = Resource::parse(&entry.entity).unwrap_or(Resource::Customer);
        for side in [&mut entry.before, &mut entry.after].into_iter().flatten() {
            self.redact_side(resource, side);
        }
    }

    /// The same for a webhook's `changes` (`{"before": …, "after": …}` of an audit row of
    /// `entity`), before it is sent to a client.
    pub fn redact_changes(&self, entity: &str, changes: &mut serde_json::Value) {
        let resource = Resource::parse(entity).unwrap_or(Resource::Customer);
        if let serde_json::Value::Object(sides) = changes {
            for v in sides.values_mut() {
                self.redact_side(resource, v);
            }
        }
    }

    fn redact_side(&self, resource: Resource, side: &mut serde_json::Value) {
        if let serde_json::Value::Object(map) = side {
            map.retain(|k, _| match k.strip_prefix("custom.") {
                Some(key) => self.sees(resource, key),
                None => true,
            });
        }
    }
}

/// At most this many custom filters on one list.
pub const MAX_CUSTOM_FILTERS: usize = 5;

/// A record's stored custom values (the column's JSON text).
pub fn parse(stored: Option<&str>) -> CustomValues {
    stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// The column's JSON text for `values` (`NULL` when there are none).
pub fn stored(values: &CustomValues) -> Option<String> {
    (!values.is_empty()).then(|| serde_json::Value::Object(values.clone()).to_string())
}
