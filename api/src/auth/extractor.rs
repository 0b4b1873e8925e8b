//! `AuthUser`: a handler that takes it as an argument is reachable only with a valid access token
//! of an active user. The user row is read on every request, so deactivation, a role change or a
//! password reset takes effect at once rather than when the token expires.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use kaidan_shared::{ErrorCode, Role};
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::auth::{tokens, Actor};
use crate::entities::user;
use crate::error::AppError;
use crate::middleware::RequestId;
use crate::state::AppState;

pub struct AuthUser(pub Actor);

/// The client address: the peer, or the first `X-Forwarded-For` hop when configured to trust it.
pub fn client_ip(req: &HttpRequest, trust_forwarded_for: bool) -> Option<String> {
    if trust_forwarded_for {
        if let Some(ip) = req.connection_info().realip_remote_addr() {
            return Some(ip.to_owned());
        }
    }
    req.peer_addr().map(|a| a.ip().to_string())
}

pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    let value = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
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
            let token =
                bearer_token(&req).ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
            let claims = tokens::verify_access(&state.keys, &state.settings.auth, &token)?;
            let id: Uuid = claims
                .sub
                .parse()
                .map_err(|_| AppError::new(ErrorCode::Unauthenticated))?;
            let u = user::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
            let revoked = u
                .tokens_valid_after
                .is_some_and(|t| claims.iat < t.timestamp());
            if !u.active || revoked {
                return Err(AppError::new(ErrorCode::Unauthenticated)
                    .with_detail("session is no longer valid"));
            }
            let role = Role::parse(&u.role)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("bad role {}", u.role)))?;
            Ok(AuthUser(Actor {
                user_id: u.id,
                username: u.username,
                role,
                team_id: u.team_id,
                region_id: u.region_id,
                request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
                ip: client_ip(&req, state.settings.server.trust_forwarded_for),
            }))
        })
    }
}
