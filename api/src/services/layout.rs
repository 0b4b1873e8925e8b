//! Layouts (布局): admins arrange a record type's forms, details and default list columns; each
//! user picks their own list columns. The rules are `kaidan_shared::layout`; screens get the
//! layout resolved for their reader with the field definitions (`field::set`).

use kaidan_shared::audit::AuditAction;
use kaidan_shared::field::FieldDef;
use kaidan_shared::layout::{self as rules, ColumnsInput, Layout, LayoutInput, Resolved, Section};
use kaidan_shared::{Action, Resource};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::auth::{policy, Actor};
use crate::entities::{layout, user_column};
use crate::error::{AppError, AppResult};
use crate::services::{audit, begin_write, check_version, field, new_id, now, record};

fn dto(resource: Resource, m: layout::Model) -> Layout {
    Layout {
        resource,
        sections: serde_json::from_str::<Vec<Section>>(&m.sections).unwrap_or_default(),
        list_columns: serde_json::from_str(&m.list_columns).unwrap_or_default(),
        version: m.version,
        updated_at: Some(m.updated_at),
    }
}

async fn row<C: ConnectionTrait>(db: &C, resource: Resource) -> AppResult<Option<layout::Model>> {
    Ok(layout::Entity::find_by_id(resource.as_str().to_owned())
        .one(db)
        .await?)
}

/// The saved layout of `resource`, or the default one (no policy: callers apply it).
pub async fn stored<C: ConnectionTrait>(db: &C, resource: Resource) -> AppResult<Layout> {
    Ok(match row(db, resource).await? {
        Some(m) => dto(resource, m),
        None => rules::default_layout(resource),
    })
}

/// The layout of a record type, as saved (everyone signed in: it names only field keys, which
/// the reader's own field list filters).
pub async fn get(db: &DatabaseConnection, actor: &Actor, resource: Resource) -> AppResult<Layout> {
    policy::require(actor, Resource::Field, Action::Read)?;
    let resource = field::custom_resource(resource)?;
    let mut layout = stored(db, resource).await?;
    // Whoever does not manage fields reads only the custom fields their role sees: a hidden
    // field's key says something too (as in `GET /fields`).
    if !kaidan_shared::policy::allows(actor.role, Resource::Field, Action::Manage) {
        let seen: Vec<String> = field::load(db, resource)
            .await?
            .into_iter()
            .filter(|f| f.visible_to_role(actor.role))
            .map(|f| rules::custom_ref(&f.key))
            .collect();
        let keep = |r: &String| !r.starts_with("custom.") || seen.contains(r);
        for s in &mut layout.sections {
            s.fields.retain(keep);
        }
        layout.list_columns.retain(keep);
    }
    Ok(layout)
}

/// The layout resolved for `actor`, given the fields it sees (`visible`).
pub async fn resolved<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    resource: Resource,
    visible: &[FieldDef],
) -> AppResult<Resolved> {
    let layout = stored(db, resource).await?;
    let own = user_column::Entity::find_by_id((actor.user_id, resource.as_str().to_owned()))
        .one(db)
        .await?
        .and_then(|m| serde_json::from_str::<Vec<String>>(&m.columns).ok());
    Ok(rules::resolve(&layout, visible, own.as_deref()))
}

/// Saves a record type's layout (admins), replacing the whole of it; `expected_version` is 0 while
/// the default layout is in force.
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    resource: Resource,
    expected_version: i64,
    input: LayoutInput,
) -> AppResult<Layout> {
    policy::require(actor, Resource::Field, Action::Manage)?;
    let resource = field::custom_resource(resource)?;
    let fields = field::load(db, resource).await?;
    input
        .validate(resource, &fields)
        .map_err(AppError::validation)?;
    let txn = begin_write(db).await?;
    let current = row(&txn, resource).await?;
    let before = match &current {
        Some(m) => dto(resource, m.clone()),
        None => rules::default_layout(resource),
    };
    check_version(Some(expected_version), before.version)?;
    let t = now();
    let id = current.as_ref().map(|m| m.id).unwrap_or_else(new_id);
    let next = layout::Model {
        resource: resource.as_str().into(),
        id,
        sections: serde_json::to_string(&input.sections).unwrap_or_default(),
        list_columns: serde_json::to_string(&input.list_columns).unwrap_or_default(),
        version: before.version + 1,
        updated_by: Some(actor.user_id),
        updated_at: t,
    };
    if current.is_some() {
        record::save_versioned::<layout::Entity, _>(&txn, next.clone(), id, expected_version)
            .await?;
    } else {
        // Two first saves at once: the second finds the row the first inserted — stale.
        layout::Entity::insert(layout::ActiveModel::from(next.clone()))
            .exec_without_returning(&txn)
            .await
            .map_err(|e| {
                if crate::services::is_unique_violation(&e) {
                    crate::services::stale()
                } else {
                    e.into()
                }
            })?;
    }
    let after = dto(resource, next);
    audit::commit(
        txn,
        actor,
        audit::Change::updated(AuditAction::LayoutUpdate, "layout", id, id, &before, &after),
    )
    .await?;
    Ok(after)
}

/// Sets (or, with `None`, forgets) the caller's own list columns of a record type, and answers
/// the layout as the caller now draws it.
pub async fn set_columns(
    db: &DatabaseConnection,
    actor: &Actor,
    resource: Resource,
    input: Option<ColumnsInput>,
) -> AppResult<Resolved> {
    policy::require(actor, Resource::Field, Action::Read)?;
    let resource = field::custom_resource(resource)?;
    let visible: Vec<FieldDef> = field::load(db, resource)
        .await?
        .into_iter()
        .filter(|f| f.visible_to_role(actor.role))
        .collect();
    if let Some(input) = &input {
        input
            .validate(resource, &visible)
            .map_err(AppError::validation)?;
    }
    let txn = begin_write(db).await?;
    let key = (actor.user_id, resource.as_str().to_owned());
    let before = user_column::Entity::find_by_id(key.clone())
        .one(&txn)
        .await?
        .and_then(|m| serde_json::from_str::<Vec<String>>(&m.columns).ok());
    let after = input.map(|i| i.columns);
    match &after {
        // One statement either way, so parallel saves of the same user's columns cannot both
        // find no row and then collide on the insert.
        Some(cols) => {
            user_column::Entity::insert(user_column::ActiveModel::from(user_column::Model {
                user_id: actor.user_id,
                resource: resource.as_str().into(),
                columns: serde_json::to_string(cols).unwrap_or_default(),
                updated_at: now(),
            }))
            .on_conflict(
                OnConflict::columns([user_column::Column::UserId, user_column::Column::Resource])
                    .update_columns([user_column::Column::Columns, user_column::Column::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        }
        None => {
            user_column::Entity::delete_many()
                .filter(user_column::Column::UserId.eq(actor.user_id))
                .filter(user_column::Column::Resource.eq(resource.as_str()))
                .exec(&txn)
                .await?;
        }
    }
    let json = |c: &Option<Vec<String>>| serde_json::json!({ "resource": resource.as_str(), "columns": c });
    audit::record(
        &txn,
        actor,
        audit::Change::updated(
            AuditAction::LayoutColumns,
            "user",
            actor.user_id,
            actor.user_id,
            &json(&before),
            &json(&after),
        ),
    )
    .await?;
    let out = resolved(&txn, actor, resource, &visible).await?;
    txn.commit().await?;
    Ok(out)
}
