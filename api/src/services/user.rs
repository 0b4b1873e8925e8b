//! Users: admins create them, change their role and team, deactivate them and reset passwords.
//! Others may read the users inside their own scope (a supervisor picks a transfer target).

use kaidan_shared::audit::AuditAction;
use kaidan_shared::page::Page;
use kaidan_shared::policy::Grant;
use kaidan_shared::user::{SignInLocks, User, UserCreate, UserListQuery, UserUpdate};
use kaidan_shared::FieldCode;
use kaidan_shared::{Action, ErrorCode, Resource, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::password::{check_strength, is_demo_password, PasswordHasher};
use crate::auth::{policy, Actor};
use crate::config::AuthSettings;
use crate::entities::{customer, follow_up, opportunity, quote, team, user, visit};
use crate::error::{AppError, AppResult};
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::{
    audit, begin_write, check_version, like_contains, new_id, now, page_limit, sessions, throttle,
    unique_violation,
};

/// The grants stored as `product_manager,…`; an unknown key (from a newer release) is dropped.
pub fn grants_of(stored: &str) -> Vec<Grant> {
    let mut g: Vec<Grant> = stored.split(',').filter_map(Grant::parse).collect();
    g.sort();
    g.dedup();
    g
}

/// Grants as stored: sorted, each once.
pub fn grants_key(grants: &[Grant]) -> String {
    let mut g = grants.to_vec();
    g.sort();
    g.dedup();
    g.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(",")
}

pub fn user_dto(m: user::Model) -> AppResult<User> {
    Ok(User {
        grants: grants_of(&m.grants),
        role: Role::parse(&m.role)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad role {}", m.role)))?,
        id: m.id,
        username: m.username,
        display_name: m.display_name,
        team_id: m.team_id,
        region_id: m.region_id,
        email: m.email,
        phone: m.phone,
        active: m.active,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// One user inside the caller's scope for `action`, or 404.
async fn find_in_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> AppResult<user::Model> {
    record::find::<user::Entity, _>(db, actor, action, id, Condition::all()).await
}

pub async fn get(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> AppResult<User> {
    user_dto(find_in_scope(db, actor, id, Action::Read).await?)
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: UserListQuery,
) -> AppResult<Page<User>> {
    let scope = policy::require(actor, Resource::User, Action::Read)?;
    let limit = page_limit(q.limit)?;
    let mut sel =
        user::Entity::find().filter(<user::Entity as policy::Scoped>::in_scope(actor, scope));
    if let Some(t) = q.team_id {
        sel = sel.filter(user::Column::TeamId.eq(t));
    }
    if let Some(r) = q.region_id {
        sel = sel.filter(user::Column::RegionId.eq(r));
    }
    if let Some(role) = q.role {
        sel = sel.filter(user::Column::Role.eq(role.as_str()));
    }
    if !q.include_inactive.unwrap_or(false) {
        sel = sel.filter(user::Column::Active.eq(true));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if kaidan_shared::validate::has_nul(text) {
            return Err(AppError::field(
                "q",
                FieldCode::InvalidCharacters,
                "must not contain NUL characters",
            ));
        }
        if text.chars().count() > 64 {
            return Err(AppError::field(
                "q",
                FieldCode::TooLong,
                "at most 64 characters",
            ));
        }
        sel = sel.filter(
            Condition::any()
                .add(user::Column::Username.like(like_contains(&text.to_lowercase())))
                .add(user::Column::DisplayName.like(like_contains(text))),
        );
    }
    let keyset = Keyset {
        name: "username_asc",
        column: Some((user::Column::Username, KeyKind::Text)),
        id: user::Column::Id,
        descending: false,
    };
    let page = keyset
        .page(db, sel, q.cursor.as_deref(), limit, |u: &user::Model| {
            (u.username.clone(), u.id)
        })
        .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(user_dto)
            .collect::<AppResult<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// Where a user sits: a team (whose region they take) or, for a manager, a region.
async fn placement<C: ConnectionTrait>(
    db: &C,
    role: Role,
    team_id: Option<Uuid>,
    region_id: Option<Uuid>,
) -> AppResult<(Option<Uuid>, Option<Uuid>)> {
    if role == Role::Admin {
        return Ok((None, None));
    }
    if role.needs_region() {
        let r = region_id.ok_or_else(|| {
            AppError::field(
                "region_id",
                FieldCode::Required,
                "a regional manager owns a region",
            )
        })?;
        crate::entities::region::Entity::find_by_id(r)
            .one(db)
            .await?
            .ok_or_else(|| {
                AppError::field("region_id", FieldCode::UnknownReference, "no such region")
            })?;
        return Ok((None, Some(r)));
    }
    let t = team_id.ok_or_else(|| {
        AppError::field(
            "team_id",
            FieldCode::Required,
            "this role belongs to a team",
        )
    })?;
    let team = team::Entity::find_by_id(t)
        .one(db)
        .await?
        .ok_or_else(|| AppError::field("team_id", FieldCode::UnknownReference, "no such team"))?;
    Ok((Some(team.id), Some(team.region_id)))
}

/// Creates a user (admin, or the `kaidan user add` command acting as the system).
pub async fn create(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    actor: &Actor,
    input: UserCreate,
) -> AppResult<User> {
    policy::require(actor, Resource::User, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    let username = input.username.trim().to_lowercase();
    check_strength(&input.password, &username, "password")?;
    let (team_id, region_id) = placement(db, input.role, input.team_id, input.region_id).await?;
    let demo_password = is_demo_password(&input.password);
    let hash = hasher.hash(input.password).await?;
    let t = now();
    let m = user::Model {
        id: new_id(),
        username,
        display_name: input.display_name.trim().into(),
        password_hash: hash,
        role: input.role.as_str().into(),
        team_id,
        region_id,
        email: input.email,
        phone: input.phone,
        active: true,
        tokens_valid_after: None,
        demo_password,
        grants: grants_key(&input.grants),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    user::Entity::insert(user::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique_violation(e, "this username is taken"))?;
    let dto = user_dto(m)?;
    audit::commit(
        txn,
        actor,
        audit::Change::created(AuditAction::UserCreate, "user", dto.id, dto.id, &dto),
    )
    .await?;
    Ok(dto)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
    input: UserUpdate,
) -> AppResult<User> {
    let current = find_in_scope(db, actor, id, Action::Manage).await?;
    check_version(Some(expected_version), current.version)?;
    let before = user_dto(current.clone())?;
    input.validate(&before).map_err(AppError::validation)?;
    let role = input.role.unwrap_or(before.role);
    if id == actor.user_id && role != before.role {
        return Err(AppError::field_forbidden(
            "role",
            "you cannot change your own role",
        ));
    }
    let (team_id, region_id) = placement(
        db,
        role,
        input.team_id.or_current(before.team_id.as_ref()).copied(),
        input
            .region_id
            .or_current(before.region_id.as_ref())
            .copied(),
    )
    .await?;
    let mut next = current.clone();
    if let Some(n) = &input.display_name {
        next.display_name = n.trim().into();
    }
    next.role = role.as_str().into();
    next.team_id = team_id;
    next.region_id = region_id;
    input.email.apply_with(&mut next.email, Some);
    input.phone.apply_with(&mut next.phone, Some);
    if let Some(g) = &input.grants {
        next.grants = grants_key(g);
    }
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    let update = user::Entity::update_many()
        .col_expr(
            user::Column::DisplayName,
            Expr::value(next.display_name.clone()),
        )
        .col_expr(user::Column::Role, Expr::value(next.role.clone()))
        .col_expr(user::Column::TeamId, Expr::value(next.team_id))
        .col_expr(user::Column::RegionId, Expr::value(next.region_id))
        .col_expr(user::Column::Email, Expr::value(next.email.clone()))
        .col_expr(user::Column::Phone, Expr::value(next.phone.clone()))
        .col_expr(user::Column::Grants, Expr::value(next.grants.clone()))
        .col_expr(user::Column::Version, Expr::value(next.version))
        .col_expr(user::Column::UpdatedAt, Expr::value(next.updated_at));
    record::update_versioned(&txn, update, id, expected_version).await?;
    if next.team_id != current.team_id {
        // Their deals carry a copy of the owner's team for the team board's index, rewritten
        // with the move (the user row, locked above, orders this against deal writes:
        // org::owner_place).
        opportunity::Entity::update_many()
            .col_expr(opportunity::Column::OwnerTeamId, Expr::value(next.team_id))
            .filter(opportunity::Column::OwnerId.eq(id))
            .exec(&txn)
            .await?;
        // And their visits, for the team day's index.
        visit::Entity::update_many()
            .col_expr(visit::Column::OwnerTeamId, Expr::value(next.team_id))
            .filter(visit::Column::OwnerId.eq(id))
            .exec(&txn)
            .await?;
        // And their follow-up tasks, for the team's overdue list.
        follow_up::Entity::update_many()
            .col_expr(follow_up::Column::OwnerTeamId, Expr::value(next.team_id))
            .filter(follow_up::Column::OwnerId.eq(id))
            .exec(&txn)
            .await?;
        // And their quotes, for the team's quote list.
        quote::Entity::update_many()
            .col_expr(quote::Column::OwnerTeamId, Expr::value(next.team_id))
            .filter(quote::Column::OwnerId.eq(id))
            .exec(&txn)
            .await?;
    }
    if next.team_id != current.team_id || next.region_id != current.region_id {
        // So do their customers, which carry the team and the region (org::owner_place).
        customer::Entity::update_many()
            .col_expr(customer::Column::OwnerTeamId, Expr::value(next.team_id))
            .col_expr(customer::Column::OwnerRegionId, Expr::value(next.region_id))
            .filter(customer::Column::OwnerId.eq(id))
            .exec(&txn)
            .await?;
    }
    let after = user_dto(next)?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(AuditAction::UserUpdate, "user", id, id, &before, &after),
    )
    .await?;
    crate::auth::cache::forget_all();
    Ok(after)
}

/// Deactivates or reactivates a user. Deactivation ends every session at once.
pub async fn set_active(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    active: bool,
) -> AppResult<User> {
    let current = find_in_scope(db, actor, id, Action::Manage).await?;
    if id == actor.user_id && !active {
        return Err(
            AppError::new(ErrorCode::Forbidden).with_detail("you cannot deactivate yourself")
        );
    }
    let before = user_dto(current.clone())?;
    let mut next = current.clone();
    next.active = active;
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    // First in the transaction, as in `reset_password`.
    if !active {
        sessions::revoke_user(&txn, id).await?;
    }
    user::Entity::update_many()
        .col_expr(user::Column::Active, Expr::value(active))
        .col_expr(user::Column::Version, Expr::value(next.version))
        .col_expr(user::Column::UpdatedAt, Expr::value(next.updated_at))
        .filter(user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let after = user_dto(next)?;
    let action = if active {
        AuditAction::UserActivate
    } else {
        AuditAction::UserDeactivate
    };
    audit::commit(
        txn,
        actor,
        audit::Change::updated(action, "user", id, id, &before, &after),
    )
    .await?;
    crate::auth::cache::forget_all();
    Ok(after)
}

/// Sets a new password for a user and ends their sessions.
pub async fn reset_password(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    actor: &Actor,
    id: Uuid,
    new_password: String,
) -> AppResult<()> {
    let current = find_in_scope(db, actor, id, Action::Manage).await?;
    check_strength(&new_password, &current.username, "new_password")?;
    let demo = is_demo_password(&new_password);
    let hash = hasher.hash(new_password).await?;
    let txn = begin_write(db).await?;
    // First in the transaction: it locks the user row before anything else (see `revoke_user`).
    sessions::revoke_user(&txn, id).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::DemoPassword, Expr::value(demo))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::commit(
        txn,
        actor,
        audit::Change {
            action: AuditAction::UserResetPassword,
            entity: "user",
            entity_id: id,
            subject_id: id,
            before: None,
            after: None,
        },
    )
    .await?;
    crate::auth::cache::forget_all();
    Ok(())
}

/// The user's sign-in locks and slow-down (admins: who is guessing this account's password, from
/// where).
pub async fn sign_in_locks(
    db: &DatabaseConnection,
    s: &AuthSettings,
    actor: &Actor,
    id: Uuid,
) -> AppResult<SignInLocks> {
    let u = find_in_scope(db, actor, id, Action::Manage).await?;
    throttle::locks(db, s, &u.username).await
}

/// Clears the user's sign-in locks and slow-down (after talking to them); audited with what was
/// cleared.
pub async fn clear_sign_in_locks(
    db: &DatabaseConnection,
    s: &AuthSettings,
    actor: &Actor,
    id: Uuid,
) -> AppResult<()> {
    let u = find_in_scope(db, actor, id, Action::Manage).await?;
    let before = throttle::locks(db, s, &u.username).await?;
    let txn = begin_write(db).await?;
    throttle::clear(&txn, &u.username).await?;
    audit::commit(
        txn,
        actor,
        audit::Change {
            action: AuditAction::UserSignInLocksClear,
            entity: "user",
            entity_id: id,
            subject_id: id,
            before: serde_json::to_value(&before).ok(),
            after: None,
        },
    )
    .await?;
    Ok(())
}

/// Finds a user by username (for the command line).
pub async fn find_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// How many active accounts still sign in with the published demo password.
pub async fn with_demo_password<C: ConnectionTrait>(db: &C) -> AppResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::DemoPassword.eq(true))
        .count(db)
        .await?)
}

/// For accounts that predate the `demo_password` flag: checks the demo accounts whose flag is off
/// against the demo password once (at most one argon2 check per demo username) and sets the flag
/// where it still matches. Run by `kaidan serve` before it warns.
pub async fn reconcile_demo_flags(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
) -> AppResult<u64> {
    let names: Vec<&str> = crate::seed::USERS.iter().map(|u| u.username).collect();
    let candidates = user::Entity::find()
        .filter(user::Column::Username.is_in(names))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::DemoPassword.eq(false))
        .all(db)
        .await?;
    let mut flagged = 0;
    for u in candidates {
        let demo = crate::seed::DEMO_PASSWORD.to_owned();
        if hasher.verify(demo, Some(u.password_hash.clone())).await? {
            user::Entity::update_many()
                .col_expr(user::Column::DemoPassword, Expr::value(true))
                .filter(user::Column::Id.eq(u.id))
                .filter(user::Column::PasswordHash.eq(u.password_hash))
                .exec(db)
                .await?;
            flagged += 1;
        }
    }
    Ok(flagged)
}
