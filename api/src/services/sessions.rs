//! Sign-in sessions: login, refresh-token rotation with reuse detection, logout, password change.
//!
//! A session is a family of refresh tokens. Each refresh marks the presented token used and issues
//! a new one in the same family; presenting a used token again means it was stolen (or replayed),
//! so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, SubsecRound};
use kaidan_shared::auth::{Me, TokenResponse};
use kaidan_shared::{ErrorCode, Role};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::password::check_strength;
use crate::auth::{tokens, Actor};
use crate::entities::{refresh_token, region, team, user};
use crate::error::{AppError, AppResult};
use crate::services::{audit, begin_write, new_id, now, throttle};
use crate::state::AppState;

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The signed-in user's profile with team and region names.
pub async fn me<C: ConnectionTrait>(db: &C, user_id: Uuid) -> AppResult<Me> {
    let u = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let team = match u.team_id {
        Some(t) => team::Entity::find_by_id(t).one(db).await?,
        None => None,
    };
    let region = match u.region_id {
        Some(r) => region::Entity::find_by_id(r).one(db).await?,
        None => None,
    };
    Ok(Me {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        role: Role::parse(&u.role)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad role")))?,
        team_id: u.team_id,
        team_name: team.map(|t| t.name),
        region_id: u.region_id,
        region_name: region.map(|r| r.name),
        email: u.email,
        phone: u.phone,
    })
}

/// Inserts a refresh token in `family_id` and issues an access token with it.
async fn issue<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    user_id: Uuid,
    family_id: Uuid,
) -> AppResult<TokenResponse> {
    let s = &state.settings.auth;
    let refresh = new_refresh_token();
    let ttl = Duration::days(s.refresh_ttl_days);
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id),
        family_id: Set(family_id),
        token_hash: Set(hash_token(&refresh)),
        expires_at: Set(now() + ttl),
        used_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now()),
    })
    .exec_without_returning(conn)
    .await?;
    let (access, expires_in) = tokens::issue_access(&state.keys, s, user_id, family_id)?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in,
        refresh_token: refresh,
        refresh_expires_in: ttl.num_seconds(),
        user: me(conn, user_id).await?,
    })
}

/// Signs in. Unknown users, wrong passwords and deactivated accounts all answer the same
/// `invalid_credentials`, after the same argon2 work.
pub async fn login(
    state: &AppState,
    username: &str,
    password: String,
    ip: &str,
) -> AppResult<TokenResponse> {
    let db = &state.db;
    let username = username.trim().to_lowercase();
    throttle::check(db, &state.settings.auth, &username, ip).await?;
    let found = if username.chars().count() <= 64 {
        user::Entity::find()
            .filter(user::Column::Username.eq(&username))
            .one(db)
            .await?
    } else {
        None
    };
    let hash = found.as_ref().map(|u| u.password_hash.clone());
    let verified = state.hasher.verify(password, hash).await?;
    let user = found.filter(|u| verified && u.active);
    throttle::record(db, &username, ip, user.is_some()).await?;
    let user = user.ok_or_else(|| AppError::new(ErrorCode::InvalidCredentials))?;
    issue(state, db, user.id, new_id()).await
}

/// Revokes every token of a family (logout, or reuse detected).
async fn revoke_family<C: ConnectionTrait>(conn: &C, family_id: Uuid) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes every session of a user (deactivation, password reset or change) and refuses access
/// tokens issued before now.
pub async fn revoke_user<C: ConnectionTrait>(conn: &C, user_id: Uuid) -> AppResult<()> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    // Whole seconds: JWT `iat` is in seconds, and a token issued in this same second by the
    // caller's own password change must stay valid.
    user::Entity::update_many()
        .col_expr(
            user::Column::TokensValidAfter,
            Expr::value(now().trunc_subsecs(0)),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Exchanges a refresh token for a new pair. A token presented twice revokes its family.
pub async fn refresh(state: &AppState, token: &str) -> AppResult<TokenResponse> {
    let db = &state.db;
    let invalid = || AppError::new(ErrorCode::InvalidRefreshToken);
    if token.len() > 256 {
        return Err(invalid());
    }
    let row = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    if row.revoked_at.is_some() {
        return Err(invalid());
    }
    if row.used_at.is_some() {
        revoke_family(db, row.family_id).await?;
        tracing::warn!(user = %row.user_id, family = %row.family_id, "refresh token reused; session revoked");
        return Err(AppError::new(ErrorCode::RefreshTokenReused));
    }
    if row.expires_at < now() {
        return Err(invalid());
    }
    let active = user::Entity::find_by_id(row.user_id)
        .one(db)
        .await?
        .is_some_and(|u| u.active);
    if !active {
        return Err(invalid());
    }
    let txn = begin_write(db).await?;
    // Only one of two concurrent refreshes with the same token can mark it used.
    let marked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now()))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        txn.rollback().await?;
        revoke_family(db, row.family_id).await?;
        return Err(AppError::new(ErrorCode::RefreshTokenReused));
    }
    let issued = issue(state, &txn, row.user_id, row.family_id).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Ends the session the refresh token belongs to. Unknown tokens are accepted silently: logging
/// out twice is not an error.
pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    if token.len() > 256 {
        return Ok(());
    }
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(&state.db)
        .await?
    {
        revoke_family(&state.db, row.family_id).await?;
    }
    Ok(())
}

/// Changes the caller's password, ends all their sessions, and returns a fresh session for the
/// device that made the change.
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    current: String,
    new: String,
) -> AppResult<TokenResponse> {
    let db = &state.db;
    let u = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    if !state
        .hasher
        .verify(current, Some(u.password_hash.clone()))
        .await?
    {
        return Err(AppError::new(ErrorCode::WrongPassword));
    }
    check_strength(&new, &u.username, "new_password")?;
    let hash = state.hasher.hash(new).await?;
    let txn = begin_write(db).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(u.id))
        .exec(&txn)
        .await?;
    revoke_user(&txn, u.id).await?;
    audit::record(
        &txn,
        actor,
        audit::Change {
            action: "user.password_change",
            entity: "user",
            entity_id: u.id,
            subject_id: u.id,
            before: None,
            after: None,
        },
    )
    .await?;
    let issued = issue(state, &txn, u.id, new_id()).await?;
    txn.commit().await?;
    Ok(issued)
}
