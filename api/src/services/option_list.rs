//! Option lists (数据字典). Everyone signed in reads them (forms and filters are drawn from
//! them); admins create lists and set their options. Lists are small (tens of lists, at most 200
//! options each), so they are read whole: two queries, lists and options.

use kaidan_shared::audit::AuditAction;
use kaidan_shared::option_list::{
    OptionInput, OptionItem, OptionList, OptionListCreate, OptionListUpdate,
};
use kaidan_shared::{Action, FieldCode, Patch, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::{option_item, option_list};
use crate::error::{AppError, AppResult};
use crate::services::{
    audit, begin_write, check_version, new_id, now, record, rules_cache, unique_violation,
};

fn dto(m: option_list::Model, options: Vec<OptionItem>) -> OptionList {
    OptionList {
        id: m.id,
        key: m.key,
        name_zh: m.name_zh,
        name_en: m.name_en,
        builtin: m.builtin,
        options,
        version: m.version,
        updated_at: m.updated_at,
    }
}

fn item(m: option_item::Model) -> OptionItem {
    OptionItem {
        key: m.key,
        label_zh: m.label_zh,
        label_en: m.label_en,
        active: m.active,
    }
}

/// Every list with its options, by key (no policy: the callers apply it).
pub async fn load_all<C: ConnectionTrait>(db: &C) -> AppResult<Vec<OptionList>> {
    let lists = option_list::Entity::find()
        .order_by_asc(option_list::Column::Key)
        .all(db)
        .await?;
    let mut options = option_item::Entity::find()
        .order_by_asc(option_item::Column::ListId)
        .order_by_asc(option_item::Column::Position)
        .all(db)
        .await?;
    Ok(lists
        .into_iter()
        .map(|l| {
            let mine: Vec<OptionItem> = options
                .extract_if(.., |o| o.list_id == l.id)
                .map(item)
                .collect();
            dto(l, mine)
        })
        .collect())
}

async fn load_one<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Option<OptionList>> {
    let Some(l) = option_list::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let options = option_item::Entity::find()
        .filter(option_item::Column::ListId.eq(id))
        .order_by_asc(option_item::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(item)
        .collect();
    Ok(Some(dto(l, options)))
}

pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> AppResult<Vec<OptionList>> {
    policy::require(actor, Resource::OptionList, Action::Read)?;
    load_all(db).await
}

pub async fn get<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> AppResult<OptionList> {
    policy::find_for(actor, Resource::OptionList, Action::Read, |_| async move {
        load_one(db, id).await
    })
    .await
}

/// Writes `options` as the list's options in this order: existing keys are updated in place, new
/// keys inserted (the caller checked that no existing key is missing).
async fn write_options<C: ConnectionTrait>(
    db: &C,
    list_id: Uuid,
    current: &[OptionItem],
    options: &[OptionInput],
) -> AppResult<()> {
    for (position, o) in options.iter().enumerate() {
        let position = position as i32;
        if current.iter().any(|c| c.key == o.key) {
            option_item::Entity::update_many()
                .col_expr(option_item::Column::LabelZh, Expr::value(o.label_zh.trim()))
                .col_expr(option_item::Column::LabelEn, Expr::value(o.label_en.trim()))
                .col_expr(option_item::Column::Position, Expr::value(position))
                .col_expr(option_item::Column::Active, Expr::value(o.active))
                .filter(option_item::Column::ListId.eq(list_id))
                .filter(option_item::Column::Key.eq(o.key.as_str()))
                .exec(db)
                .await?;
        } else {
            option_item::Entity::insert(option_item::ActiveModel {
                id: Set(new_id()),
                list_id: Set(list_id),
                key: Set(o.key.clone()),
                label_zh: Set(o.label_zh.trim().into()),
                label_en: Set(o.label_en.trim().into()),
                position: Set(position),
                active: Set(o.active),
            })
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: OptionListCreate,
) -> AppResult<OptionList> {
    policy::require(actor, Resource::OptionList, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    let t = now();
    let m = option_list::Model {
        id: new_id(),
        key: input.key.clone(),
        name_zh: input.name_zh.trim().into(),
        name_en: input.name_en.trim().into(),
        builtin: false,
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    option_list::Entity::insert(option_list::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique_violation(e, "an option list with this key exists"))?;
    write_options(&txn, m.id, &[], &input.options).await?;
    rules_cache::bump(&txn).await?;
    let out = load_one(&txn, m.id)
        .await?
        .ok_or_else(AppError::not_found)?;
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::OptionListCreate,
            "option_list",
            out.id,
            out.id,
            &out,
        ),
    )
    .await?;
    Ok(out)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
    input: OptionListUpdate,
) -> AppResult<OptionList> {
    let current = policy::find_for(
        actor,
        Resource::OptionList,
        Action::Manage,
        |_| async move { load_one(db, id).await },
    )
    .await?;
    input
        .validate(&current.options)
        .map_err(AppError::validation)?;
    check_version(Some(expected_version), current.version)?;
    if input.is_empty() {
        return Err(AppError::field(
            "options",
            FieldCode::Required,
            "nothing to change",
        ));
    }
    let name =
        |p: &Patch<String>, old: &str| p.value().map_or(old.to_owned(), |v| v.trim().to_owned());
    let txn = begin_write(db).await?;
    let update = option_list::Entity::update_many()
        .col_expr(
            option_list::Column::NameZh,
            Expr::value(name(&input.name_zh, &current.name_zh)),
        )
        .col_expr(
            option_list::Column::NameEn,
            Expr::value(name(&input.name_en, &current.name_en)),
        )
        .col_expr(
            option_list::Column::Version,
            Expr::value(current.version + 1),
        )
        .col_expr(option_list::Column::UpdatedAt, Expr::value(now()));
    record::update_versioned(&txn, update, id, expected_version).await?;
    if let Some(options) = &input.options {
        write_options(&txn, id, &current.options, options).await?;
    }
    rules_cache::bump(&txn).await?;
    let after = load_one(&txn, id).await?.ok_or_else(AppError::not_found)?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::OptionListUpdate,
            "option_list",
            id,
            id,
            &current,
            &after,
        ),
    )
    .await?;
    Ok(after)
}
