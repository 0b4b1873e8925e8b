//! Sign-in sessions: login, refresh-token rotation with reuse detection, logout, password change.
//!
//! A session is a family of refresh tokens. Each refresh marks the presented token used and issues
//! a new one in the same family; presenting a used token again means it was stolen (or replayed),
//! so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use kaidan_shared::audit::AuditAction;
use kaidan_shared::auth::{Me, TokenResponse};
use kaidan_shared::{ErrorCode, Role};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::password::{check_strength, is_demo_password};
use crate::auth::{tokens, Actor};
use crate::entities::{refresh_token, region, session, team, user};
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
        grants: crate::services::user::grants_of(&u.grants),
    })
}

/// Tokens for a session, and whether the browser keeps the refresh token in a cookie.
pub struct Issued {
    pub tokens: TokenResponse,
    /// The refresh token goes into the `kaidan_refresh` cookie, not the body.
    pub cookie: bool,
}

/// Inserts a refresh token in session `family_id` and issues an access token with it.
async fn issue<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    user_id: Uuid,
    family_id: Uuid,
    cookie: bool,
) -> AppResult<Issued> {
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
    Ok(Issued {
        tokens: TokenResponse {
            access_token: access,
            token_type: "Bearer".into(),
            expires_in,
            refresh_token: Some(refresh),
            refresh_expires_in: ttl.num_seconds(),
            user: me(conn, user_id).await?,
        },
        cookie,
    })
}

/// Starts a session (one refresh-token family) and issues its first tokens.
async fn start_session<C: ConnectionTrait>(
    state: &AppState,
    conn: &C,
    user_id: Uuid,
    cookie: bool,
    ip: Option<String>,
) -> AppResult<Issued> {
    let id = new_id();
    let t = now();
    session::Entity::insert(session::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        cookie: Set(cookie),
        ip: Set(ip.map(|i| i.chars().take(64).collect())),
        created_at: Set(t),
        refreshed_at: Set(t),
        revoked_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    issue(state, conn, user_id, id, cookie).await
}

/// Where a sign-in comes from.
pub struct Origin {
    pub ip: String,
    pub request_id: Option<String>,
}

/// Signs in. Unknown users, wrong passwords and deactivated accounts all answer the same
/// `invalid_credentials`, after the same argon2 work; the check is reserved with the throttle
/// first, so it runs at most the allowed number of times however many requests arrive at once.
pub async fn login(
    state: &AppState,
    username: &str,
    password: String,
    origin: Origin,
    cookie: bool,
) -> AppResult<Issued> {
    let db = &state.db;
    let username = username.trim().to_lowercase();
    let reserved = throttle::reserve(db, &state.settings.auth, &username, &origin.ip).await?;
    // No stored username is longer or holds a NUL (PostgreSQL cannot even compare one); such a
    // name is unknown, after the same argon2 work.
    let plausible = username.chars().count() <= 64 && !kaidan_shared::validate::has_nul(&username);
    let found = if plausible {
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
    throttle::finish(
        db,
        &state.settings.auth,
        reserved,
        user.is_some(),
        origin.request_id,
    )
    .await?;
    let user = user.ok_or_else(|| AppError::new(ErrorCode::InvalidCredentials))?;
    let txn = begin_write(db).await?;
    // The password was checked against a hash read before argon2 ran. Under a share lock on the
    // user row (which a reset, change or deactivation takes exclusively before revoking sessions)
    // make sure it is still the hash and the account is still active; otherwise a sign-in that
    // raced a reset would keep a session the reset never saw.
    let still = user::Entity::find_by_id(user.id)
        .lock_shared()
        .one(&txn)
        .await?
        .is_some_and(|u| u.active && u.password_hash == user.password_hash);
    if !still {
        txn.rollback().await?;
        return Err(AppError::new(ErrorCode::InvalidCredentials));
    }
    let issued = start_session(state, &txn, user.id, cookie, Some(origin.ip)).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Ends one session: the session row first (a concurrent refresh holds it until it commits, so
/// the token it minted is there to be revoked next), then every refresh token of the family.
async fn revoke_session(db: &sea_orm::DatabaseConnection, family_id: Uuid) -> AppResult<()> {
    let txn = begin_write(db).await?;
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now()))
        .filter(session::Column::Id.eq(family_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    crate::auth::cache::forget_all();
    Ok(())
}

/// Revokes every session of a user (deactivation, password reset or change) and refuses access
/// tokens issued before now (compared to the millisecond; the session check already refuses
/// every token of a revoked session).
///
/// Call it first in the transaction: it takes the user row exclusively, and sign-ins and refreshes
/// take it shared before they create or extend a session, so each either finishes before the
/// revocation (and is revoked) or sees its result. Locks are always taken user row → session →
/// refresh tokens, so the three never deadlock.
pub async fn revoke_user<C: ConnectionTrait>(conn: &C, user_id: Uuid) -> AppResult<()> {
    user::Entity::find_by_id(user_id)
        .lock_exclusive()
        .one(conn)
        .await?;
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(now()))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now()))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    user::Entity::update_many()
        .col_expr(user::Column::TokensValidAfter, Expr::value(now()))
        .filter(user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// How long after a cookie session's refresh token was used a second use is taken for another tab
/// of the same browser (tabs share the cookie and may refresh at the same moment) rather than theft.
const OTHER_TAB_GRACE_SECS: i64 = 10;

/// Whether the used token `row` belongs to a cookie session and was used within the grace: then a
/// second use is refused (401, no new tokens) without ending the session, and the other tab retries
/// with the cookie the first refresh set. Body-token clients have no such excuse.
async fn is_other_tab<C: ConnectionTrait>(db: &C, row: &refresh_token::Model) -> AppResult<bool> {
    let recent = row
        .used_at
        .is_some_and(|t| t > now() - Duration::seconds(OTHER_TAB_GRACE_SECS));
    if !recent {
        return Ok(false);
    }
    Ok(session::Entity::find_by_id(row.family_id)
        .one(db)
        .await?
        .is_some_and(|s| s.cookie && s.revoked_at.is_none()))
}

/// Exchanges a refresh token for a new pair. A token presented twice revokes its session (except
/// a cookie session's token presented again within seconds: another tab of the same browser).
pub async fn refresh(state: &AppState, token: &str) -> AppResult<Issued> {
    let db = &state.db;
    let invalid = || AppError::new(ErrorCode::InvalidRefreshToken);
    if token.is_empty() || token.len() > 256 {
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
        if is_other_tab(db, &row).await? {
            return Err(invalid());
        }
        revoke_session(db, row.family_id).await?;
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
    // The user row first, shared (see `revoke_user`): a reset or deactivation in progress finishes
    // first, and then the session below is found revoked.
    let active = user::Entity::find_by_id(row.user_id)
        .lock_shared()
        .one(&txn)
        .await?
        .is_some_and(|u| u.active);
    if !active {
        txn.rollback().await?;
        return Err(invalid());
    }
    // Only a live session is refreshed, and this update holds its row until commit, so a logout
    // running now waits and then revokes what this refresh minted.
    let live = session::Entity::update_many()
        .col_expr(session::Column::RefreshedAt, Expr::value(now()))
        .filter(session::Column::Id.eq(row.family_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if live.rows_affected == 0 {
        txn.rollback().await?;
        return Err(invalid());
    }
    // Only one of two concurrent refreshes with the same token can mark it used.
    let marked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::UsedAt, Expr::value(now()))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::UsedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected == 0 {
        txn.rollback().await?;
        let now_used = refresh_token::Entity::find_by_id(row.id).one(db).await?;
        if let Some(r) = now_used.filter(|r| r.revoked_at.is_none()) {
            if is_other_tab(db, &r).await? {
                return Err(invalid());
            }
        }
        revoke_session(db, row.family_id).await?;
        return Err(AppError::new(ErrorCode::RefreshTokenReused));
    }
    let cookie = session::Entity::find_by_id(row.family_id)
        .one(&txn)
        .await?
        .is_some_and(|s| s.cookie);
    let issued = issue(state, &txn, row.user_id, row.family_id, cookie).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Ends the session the refresh token belongs to. Unknown tokens are accepted silently: logging
/// out twice is not an error.
pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    if token.is_empty() || token.len() > 256 {
        return Ok(());
    }
    if let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(&state.db)
        .await?
    {
        revoke_session(&state.db, row.family_id).await?;
    }
    Ok(())
}

/// Whether session `sid` of `user_id` is alive (checked on every authenticated request).
pub fn alive_condition(user_id: Uuid, sid: Uuid) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::Query;
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(session::Entity)
            .and_where(session::Column::Id.eq(sid))
            .and_where(session::Column::UserId.eq(user_id))
            .and_where(session::Column::RevokedAt.is_null())
            .to_owned(),
    )
}

/// Changes the caller's password, ends all their sessions, and returns a fresh session for the
/// device that made the change.
///
/// The current password is a password check like a sign-in: reserved with the throttle, and a
/// wrong one counts as a failed sign-in (a stolen access token must not become a way to guess).
pub async fn change_password(
    state: &AppState,
    actor: &Actor,
    session_id: Uuid,
    current: String,
    new: String,
) -> AppResult<Issued> {
    let db = &state.db;
    let u = user::Entity::find_by_id(actor.user_id)
        .one(db)
        .await?
        .ok_or_else(AppError::not_found)?;
    let ip = actor.ip.clone().unwrap_or_default();
    let reserved = throttle::reserve(db, &state.settings.auth, &u.username, &ip).await?;
    let verified = state
        .hasher
        .verify(current, Some(u.password_hash.clone()))
        .await?;
    throttle::finish(
        db,
        &state.settings.auth,
        reserved,
        verified,
        actor.request_id.clone(),
    )
    .await?;
    if !verified {
        return Err(AppError::new(ErrorCode::WrongPassword));
    }
    check_strength(&new, &u.username, "new_password")?;
    let demo = is_demo_password(&new);
    let hash = state.hasher.hash(new).await?;
    let cookie = session::Entity::find_by_id(session_id)
        .one(db)
        .await?
        .is_some_and(|s| s.cookie);
    let txn = begin_write(db).await?;
    // First in the transaction: it locks the user row before anything else.
    revoke_user(&txn, u.id).await?;
    user::Entity::update_many()
        .col_expr(user::Column::PasswordHash, Expr::value(hash))
        .col_expr(user::Column::DemoPassword, Expr::value(demo))
        .col_expr(
            user::Column::Version,
            Expr::col(user::Column::Version).add(1),
        )
        .col_expr(user::Column::UpdatedAt, Expr::value(now()))
        .filter(user::Column::Id.eq(u.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        audit::Change {
            action: AuditAction::UserPasswordChange,
            entity: "user",
            entity_id: u.id,
            subject_id: u.id,
            before: None,
            after: None,
        },
    )
    .await?;
    let issued = start_session(state, &txn, u.id, cookie, actor.ip.clone()).await?;
    txn.commit().await?;
    crate::auth::cache::forget_all();
    Ok(issued)
}
