//! `AuthUser`: a handler that takes it as an argument is reachable only with a valid access token
//! of an active user whose session is alive. The user row and the session are read in one query,
//! remembered for a moment (`auth::cache`, forgotten on every change), so deactivation, a role
//! change, a password reset or a logout takes effect at once rather than when the token expires.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use kaidan_shared::api_client::{self as api_scope, ApiScope, Need};
use kaidan_shared::{ErrorCode, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::actor::ClientCall;
use crate::auth::{cache, tokens, Actor};
use crate::entities::{api_client, user};
use crate::error::AppError;
use crate::extract::bearer::bearer_token;
use crate::extract::client_addr;
use crate::extract::request_id;
use crate::rate_limit;
use crate::services::sessions;
use crate::state::AppState;

pub struct AuthUser(pub Actor);

fn ended() -> AppError {
    AppError::new(ErrorCode::Unauthenticated).with_detail("session is no longer valid")
}

/// The caller of `req`: a verified access token of an active user in a live session, issued after
/// the user's last password reset — or of an enabled API client, within its allowed addresses and
/// its secret's rotation, whose token holds the scope this operation needs. Everything that
/// answers on someone's behalf goes through this, the idempotency replay included.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Actor, AppError> {
    let token = bearer_token(req).ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    let claims = tokens::verify_access(&state.keys, &state.settings.auth, &token)?;
    let id: Uuid = claims
        .sub
        .parse()
        .map_err(|_| AppError::new(ErrorCode::Unauthenticated))?;
    if claims.client_id.is_some() {
        return authenticate_client(state, req, id, &claims).await;
    }
    let sid: Uuid = claims.sid.parse().map_err(|_| ended())?;
    let ttl = std::time::Duration::from_millis(state.settings.auth.session_cache_ms);
    let u = match cache::get(id, sid, ttl) {
        Some(u) => u,
        None => {
            let generation = cache::generation();
            let row = user::Entity::find_by_id(id)
                .filter(sessions::alive_condition(id, sid))
                .one(&state.read)
                .await?
                .ok_or_else(ended)?;
            let u = session_user(row, None)?;
            cache::put(id, sid, u.clone(), generation, ttl);
            u
        }
    };
    let revoked = u
        .tokens_valid_after
        .is_some_and(|t| claims.iat_ms < t.timestamp_millis());
    // A service user has no sessions, so this never holds for one; refuse it all the same.
    if !u.active || revoked || u.role == Role::Integration {
        return Err(ended());
    }
    let limit = state.limiter.settings().per_user;
    rate_limit::charge(state, req, &format!("u:{id}"), limit).await?;
    Ok(actor(req, id, u, Some(sid), None))
}

fn session_user(
    row: user::Model,
    client: Option<cache::ClientGate>,
) -> Result<cache::SessionUser, AppError> {
    Ok(cache::SessionUser {
        role: Role::parse(&row.role)
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad role {}", row.role)))?,
        grants: crate::services::user::grants_of(&row.grants),
        username: row.username,
        team_id: row.team_id,
        region_id: row.region_id,
        active: row.active,
        tokens_valid_after: row.tokens_valid_after,
        client,
    })
}

fn actor(
    req: &HttpRequest,
    id: Uuid,
    u: cache::SessionUser,
    session_id: Option<Uuid>,
    client: Option<ClientCall>,
) -> Actor {
    Actor {
        user_id: id,
        username: u.username,
        role: u.role,
        grants: u.grants,
        team_id: u.team_id,
        region_id: u.region_id,
        request_id: request_id::of(req),
        ip: client_addr::of(req).ip.map(|i| i.to_string()),
        session_id,
        client,
    }
}

/// An API client's token: the client must still be enabled, the token's secret still valid
/// (rotated past its grace: refused), the caller inside its allowed addresses, and the operation
/// one that the token's scopes — as far as the client still holds them — allow.
async fn authenticate_client(
    state: &AppState,
    req: &HttpRequest,
    user_id: Uuid,
    claims: &tokens::Claims,
) -> Result<Actor, AppError> {
    let client_id: Uuid = claims
        .client_id
        .as_deref()
        .and_then(|c| c.parse().ok())
        .ok_or_else(ended)?;
    let ttl = std::time::Duration::from_millis(state.settings.auth.session_cache_ms);
    let u = match cache::get(user_id, client_id, ttl) {
        Some(u) => u,
        None => {
            let generation = cache::generation();
            let (client, row) = api_client::Entity::find_by_id(client_id)
                .filter(api_client::Column::UserId.eq(user_id))
                .find_also_related(user::Entity)
                .one(&state.read)
                .await?
                .ok_or_else(ended)?;
            let row = row.ok_or_else(ended)?;
            let u = session_user(row, Some(crate::services::api_client::gate_of(&client)))?;
            cache::put(user_id, client_id, u.clone(), generation, ttl);
            u
        }
    };
    let gate = u.client.as_ref().ok_or_else(ended)?;
    let ip = client_addr::of(req).ip;
    if !u.active
        || gate.disabled
        || u.role != Role::Integration
        || !gate.accepts_secret(claims.sv.unwrap_or(i64::MIN), chrono::Utc::now())
        || !gate.allows_address(ip)
    {
        return Err(ended());
    }
    // Every call of a known client counts, refused ones too.
    let limit = gate
        .rate_per_minute
        .and_then(|r| u64::try_from(r).ok())
        .unwrap_or(state.limiter.settings().per_client);
    rate_limit::charge(state, req, &format!("c:{client_id}"), limit).await?;
    // A scope taken from the client since the token was issued no longer counts.
    let scopes: Vec<ApiScope> = ApiScope::split(claims.scope.as_deref().unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter(|s| gate.scopes.contains(s))
        .collect();
    // No routed pattern (nothing matched): nothing a client may call.
    let need = req.match_pattern().map_or(Need::People, |p| {
        api_scope::required(req.method().as_str(), &p)
    });
    match need {
        Need::AnyClient => {}
        Need::Scope(s) if scopes.contains(&s) => {}
        Need::Scope(s) => {
            return Err(AppError::new(ErrorCode::InsufficientScope)
                .with_detail(format!("this operation needs the scope `{}`", s.as_str())))
        }
        Need::People => {
            return Err(AppError::new(ErrorCode::InsufficientScope).with_detail(
                "this operation is for people signed in to Kaidan, not for API clients",
            ))
        }
    }
    Ok(actor(
        req,
        user_id,
        u,
        None,
        Some(ClientCall { client_id, scopes }),
    ))
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<AuthUser, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing")))?;
            authenticate(state, &req).await.map(AuthUser)
        })
    }
}
