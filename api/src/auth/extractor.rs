//! `AuthUser`: a handler that takes it as an argument is reachable only with a valid access token
//! of an active user whose session is alive. The user row and the session are read in one query,
//! remembered for a moment (`auth::cache`, forgotten on every change), so deactivation, a role
//! change, a password reset or a logout takes effect at once rather than when the token expires.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use kaidan_shared::{ErrorCode, Role};
use sea_orm::{EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::{cache, tokens, Actor};
use crate::entities::user;
use crate::error::AppError;
use crate::extract::bearer::bearer_token;
use crate::extract::client_addr;
use crate::extract::request_id;
use crate::services::sessions;
use crate::state::AppState;

pub struct AuthUser(pub Actor);

fn ended() -> AppError {
    AppError::new(ErrorCode::Unauthenticated).with_detail("session is no longer valid")
}

/// The caller of `req`: a verified access token of an active user in a live session, issued after
/// the user's last password reset. Everything that answers on a user's behalf goes through this,
/// the idempotency replay included.
pub async fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Actor, AppError> {
    let token = bearer_token(req).ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    let claims = tokens::verify_access(&state.keys, &state.settings.auth, &token)?;
    let id: Uuid = claims
        .sub
        .parse()
        .map_err(|_| AppError::new(ErrorCode::Unauthenticated))?;
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
            let u = cache::SessionUser {
                role: Role::parse(&row.role)
                    .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad role {}", row.role)))?,
                grants: crate::services::user::grants_of(&row.grants),
                username: row.username,
                team_id: row.team_id,
                region_id: row.region_id,
                active: row.active,
                tokens_valid_after: row.tokens_valid_after,
            };
            cache::put(id, sid, u.clone(), generation, ttl);
            u
        }
    };
    let revoked = u
        .tokens_valid_after
        .is_some_and(|t| claims.iat_ms < t.timestamp_millis());
    if !u.active || revoked {
        return Err(ended());
    }
    Ok(Actor {
        user_id: id,
        username: u.username,
        role: u.role,
        grants: u.grants,
        team_id: u.team_id,
        region_id: u.region_id,
        request_id: request_id::of(req),
        ip: client_addr::of(req).ip.map(|i| i.to_string()),
        session_id: Some(sid),
    })
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
