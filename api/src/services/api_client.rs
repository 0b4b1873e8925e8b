//! API clients (开放平台 · 应用) and the OAuth2 client-credentials grant (RFC 6749 §4.4).
//!
//! A client is a row of `api_clients` beside a service user of role `integration` that places it
//! in the org (a team, a region or the company): its data scope is that place's, its writes are
//! audited under its name, and nothing else in the code needs to know about clients. Admins
//! register, change, disable and rotate them; the secret is shown once and kept as an argon2id
//! hash, like a password — a client proves it once per token, not per request.

use argon2::password_hash::rand_core::RngCore;
use base64::Engine;
use chrono::Duration;
use kaidan_shared::api_client::{
    ApiClient, ApiClientCreate, ApiClientRotate, ApiClientSecret, ApiClientUpdate, ApiScope,
    OAuthToken,
};
use kaidan_shared::audit::AuditAction;
use kaidan_shared::{Action, FieldCode, Patch, Resource, Role};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::auth::cache::{self, ClientGate};
use crate::auth::{policy, tokens, Actor};
use crate::entities::{api_client, region, team, user};
use crate::error::{AppError, AppResult};
use crate::services::{audit, begin_write, new_id, now, record, throttle};
use crate::state::AppState;

/// Secrets start with this, so a leaked one is recognisable (secret scanners, logs).
const SECRET_PREFIX: &str = "kds_";
/// The most clients one company registers (a list without pages).
const MAX_CLIENTS: u64 = 500;

fn split_words(s: &str) -> impl Iterator<Item = &str> {
    s.split(' ').filter(|w| !w.is_empty())
}

/// What authentication checks on every call of the client (`auth::extractor`).
pub fn gate_of(m: &api_client::Model) -> ClientGate {
    ClientGate {
        disabled: m.disabled_at.is_some(),
        scopes: ApiScope::split(&m.scopes).unwrap_or_default(),
        allowed_ips: split_words(&m.allowed_ips).filter_map(network).collect(),
        secret_version: m.secret_version,
        previous_valid_until: m.previous_valid_until,
        rate_per_minute: m.rate_per_minute,
    }
}

/// An address or a CIDR network; a bare address is its own /32 or /128.
fn network(s: &str) -> Option<ipnet::IpNet> {
    s.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
        .map(|n| n.trunc())
}

fn dto(m: &api_client::Model, u: &user::Model) -> ApiClient {
    ApiClient {
        id: m.id,
        name: m.name.clone(),
        scopes: ApiScope::split(&m.scopes).unwrap_or_default(),
        team_id: u.team_id,
        region_id: u.region_id,
        allowed_ips: split_words(&m.allowed_ips).map(str::to_owned).collect(),
        rate_per_minute: m.rate_per_minute,
        disabled: m.disabled_at.is_some(),
        previous_secret_valid_until: m.previous_valid_until.filter(|t| *t > now()),
        last_used_at: m.last_used_at,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// A new secret: 32 random bytes, URL-safe base64 behind the prefix.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    argon2::password_hash::rand_core::OsRng.fill_bytes(&mut bytes);
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Networks as stored: trimmed, each once, space-separated.
fn networks_key(ips: &[String]) -> String {
    let mut v: Vec<String> = ips.iter().map(|s| s.trim().to_owned()).collect();
    v.sort();
    v.dedup();
    v.join(" ")
}

/// Where a client is placed: a team (and so its region), a region, or the whole company.
async fn place<C: ConnectionTrait>(
    db: &C,
    team_id: Option<Uuid>,
    region_id: Option<Uuid>,
) -> AppResult<(Option<Uuid>, Option<Uuid>)> {
    if let Some(t) = team_id {
        let team = team::Entity::find_by_id(t).one(db).await?.ok_or_else(|| {
            AppError::field("team_id", FieldCode::UnknownReference, "no such team")
        })?;
        if region_id.is_some_and(|r| r != team.region_id) {
            return Err(AppError::field(
                "region_id",
                FieldCode::NotAllowed,
                "a client placed in a team reaches that team's region only",
            ));
        }
        return Ok((Some(team.id), Some(team.region_id)));
    }
    if let Some(r) = region_id {
        region::Entity::find_by_id(r)
            .one(db)
            .await?
            .ok_or_else(|| {
                AppError::field("region_id", FieldCode::UnknownReference, "no such region")
            })?;
    }
    Ok((None, region_id))
}

/// Admins only: clients reach data on the company's behalf.
fn require_admin(actor: &Actor) -> AppResult<()> {
    policy::require(actor, Resource::User, Action::Manage).map(|_| ())
}

/// One client for `action` through the one policy: admins manage clients (`User`/`Manage`, as
/// they manage users); anyone else is refused (403), and a client that does not exist is not
/// found (404) whoever asks.
async fn find<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> AppResult<(api_client::Model, user::Model)> {
    policy::find_for(actor, Resource::User, Action::Manage, |_| async move {
        Ok(api_client::Entity::find_by_id(id)
            .find_also_related(user::Entity)
            .one(db)
            .await?
            .and_then(|(c, u)| u.map(|u| (c, u))))
    })
    .await
}

pub async fn list(db: &DatabaseConnection, actor: &Actor) -> AppResult<Vec<ApiClient>> {
    require_admin(actor)?;
    use sea_orm::QuerySelect;
    let rows = api_client::Entity::find()
        .find_also_related(user::Entity)
        .order_by_asc(api_client::Column::Name)
        .order_by_asc(api_client::Column::Id)
        .limit(MAX_CLIENTS)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|(c, u)| u.as_ref().map(|u| dto(c, u)))
        .collect())
}

pub async fn get(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> AppResult<ApiClient> {
    let (c, u) = find(db, actor, id).await?;
    Ok(dto(&c, &u))
}

/// Registers a client: its service user and its row in one transaction; the secret is answered
/// once.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    input: ApiClientCreate,
) -> AppResult<ApiClientSecret> {
    require_admin(actor)?;
    input.validate().map_err(AppError::validation)?;
    let db = &state.db;
    let (team_id, region_id) = place(&state.read, input.team_id, input.region_id).await?;
    let secret = new_secret();
    let secret_hash = state.hasher.hash(secret.clone()).await?;
    let t = now();
    let id = new_id();
    let name = input.name.trim().to_owned();
    let service_user = user::Model {
        id: new_id(),
        // Unique, recognisable in the audit trail, and never a valid sign-in: the password
        // hash below is not a hash at all.
        username: format!("api.{}", &id.simple().to_string()[20..]),
        display_name: name.clone(),
        password_hash: "!api-client".into(),
        role: Role::Integration.as_str().into(),
        team_id,
        region_id,
        email: None,
        phone: None,
        active: true,
        tokens_valid_after: None,
        demo_password: false,
        grants: String::new(),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let m = api_client::Model {
        id,
        user_id: service_user.id,
        name,
        scopes: ApiScope::join(&input.scopes),
        allowed_ips: networks_key(&input.allowed_ips),
        secret_hash,
        secret_version: 1,
        previous_secret_hash: None,
        previous_valid_until: None,
        rate_per_minute: input.rate_per_minute,
        disabled_at: None,
        last_used_at: None,
        version: 1,
        created_by: actor.audit_id(),
        created_at: t,
        updated_at: t,
    };
    let client = dto(&m, &service_user);
    let txn = begin_write(db).await?;
    user::Entity::insert(user::ActiveModel::from(service_user))
        .exec_without_returning(&txn)
        .await?;
    api_client::Entity::insert(api_client::ActiveModel::from(m))
        .exec_without_returning(&txn)
        .await?;
    audit::commit(
        txn,
        actor,
        audit::Change::created(AuditAction::ApiClientCreate, "api_client", id, id, &client),
    )
    .await?;
    Ok(ApiClientSecret {
        client,
        client_secret: secret,
    })
}

/// Changes a client under `If-Match`. Disabling, a narrower place or fewer scopes take effect on
/// its very next request (the authentication cache is emptied after the commit).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: ApiClientUpdate,
) -> AppResult<ApiClient> {
    let db = &state.db;
    let (current, current_user) = find(db, actor, id).await?;
    input.validate().map_err(AppError::validation)?;
    crate::services::check_version(Some(expected), current.version)?;
    let before = dto(&current, &current_user);
    let (mut next, mut next_user) = (current.clone(), current_user.clone());
    if let Some(n) = &input.name {
        next.name = n.trim().to_owned();
        next_user.display_name = next.name.clone();
    }
    if let Some(s) = &input.scopes {
        next.scopes = ApiScope::join(s);
    }
    if let Some(ips) = &input.allowed_ips {
        next.allowed_ips = networks_key(ips);
    }
    match input.rate_per_minute {
        Patch::Absent => {}
        Patch::Null => next.rate_per_minute = None,
        Patch::Value(r) => next.rate_per_minute = Some(r),
    }
    if let Some(d) = input.disabled {
        next.disabled_at = match (d, current.disabled_at) {
            (true, None) => Some(now()),
            (true, kept) => kept,
            (false, _) => None,
        };
    }
    let moved = !input.team_id.is_absent() || !input.region_id.is_absent();
    if moved {
        let team = input
            .team_id
            .or_current(current_user.team_id.as_ref())
            .copied();
        // A new team without a region named takes the team's region.
        let region = match (&input.team_id, &input.region_id) {
            (Patch::Value(_), Patch::Absent) => None,
            _ => input
                .region_id
                .or_current(current_user.region_id.as_ref())
                .copied(),
        };
        let (t, r) = place(db, team, region).await?;
        next_user.team_id = t;
        next_user.region_id = r;
    }
    let t = now();
    next.version = current.version + 1;
    next.updated_at = t;
    let after = dto(&next, &next_user);
    let txn = begin_write(db).await?;
    record::save_versioned::<api_client::Entity, _>(&txn, next, id, expected).await?;
    if next_user != current_user {
        next_user.version = current_user.version + 1;
        next_user.updated_at = t;
        record::save_versioned::<user::Entity, _>(
            &txn,
            next_user,
            current_user.id,
            current_user.version,
        )
        .await?;
    }
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::ApiClientUpdate,
            "api_client",
            id,
            id,
            &before,
            &after,
        ),
    )
    .await?;
    cache::forget_all();
    Ok(after)
}

/// A new secret; the old one keeps working for the grace (its tokens too), then stops.
pub async fn rotate(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: ApiClientRotate,
) -> AppResult<ApiClientSecret> {
    let db = &state.db;
    let (current, u) = find(db, actor, id).await?;
    input.validate().map_err(AppError::validation)?;
    crate::services::check_version(Some(expected), current.version)?;
    let secret = new_secret();
    let hash = state.hasher.hash(secret.clone()).await?;
    let t = now();
    let mut next = current.clone();
    next.previous_secret_hash = Some(current.secret_hash.clone());
    next.previous_valid_until = Some(t + Duration::hours(input.grace_hours));
    next.secret_hash = hash;
    next.secret_version = current.secret_version + 1;
    next.version = current.version + 1;
    next.updated_at = t;
    let client = dto(&next, &u);
    let txn = begin_write(db).await?;
    record::save_versioned::<api_client::Entity, _>(&txn, next, id, expected).await?;
    audit::commit(
        txn,
        actor,
        audit::Change {
            action: AuditAction::ApiClientRotateSecret,
            entity: "api_client",
            entity_id: id,
            subject_id: id,
            before: None,
            after: Some(serde_json::json!({ "grace_hours": input.grace_hours })),
        },
    )
    .await?;
    cache::forget_all();
    Ok(ApiClientSecret {
        client,
        client_secret: secret,
    })
}

/// Why the token endpoint refuses (RFC 6749 §5.2).
#[derive(Debug)]
pub enum Refusal {
    /// Unknown client, wrong secret, disabled, old secret past its grace, address not allowed:
    /// one answer for all, so none of them can be told apart from outside.
    InvalidClient,
    InvalidScope(String),
    /// Throttled or the database failed: answered as a problem.
    App(AppError),
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        Refusal::App(e)
    }
}

impl From<sea_orm::DbErr> for Refusal {
    fn from(e: sea_orm::DbErr) -> Self {
        Refusal::App(e.into())
    }
}

/// What a token request presented.
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    /// The `scope` parameter, if any.
    pub scope: Option<String>,
    pub ip: String,
}

/// The client-credentials grant: checks the client (throttled like sign-in, reserved before
/// argon2 runs) and issues a token of the scopes asked for — all of the client's when none are.
pub async fn exchange(state: &AppState, c: Credentials) -> Result<OAuthToken, Refusal> {
    // RFC 6749 §3.1: an empty parameter is as good as left out.
    let asked = match c.scope.as_deref().filter(|s| !s.trim().is_empty()) {
        None => None,
        Some(s) => Some(
            ApiScope::split(s)
                .map_err(|unknown| Refusal::InvalidScope(format!("unknown scope `{unknown}`")))?,
        ),
    };
    // Only the hyphenated form names a client (one spelling, one set of counters).
    let id: Option<Uuid> = Uuid::try_parse(&c.client_id)
        .ok()
        .filter(|u| u.hyphenated().to_string() == c.client_id.to_lowercase());
    let s = &state.settings.auth;
    let throttled = match id {
        Some(u) => format!("client:{u}"),
        None => "client:?".to_owned(),
    };
    let reserved = throttle::reserve_for_client(&state.db, s, &throttled, &c.ip).await?;
    let found = match id {
        Some(id) if c.client_secret.len() <= 256 => api_client::Entity::find_by_id(id)
            .find_also_related(user::Entity)
            .one(&state.db)
            .await?
            .and_then(|(c, u)| u.map(|u| (c, u))),
        _ => None,
    };
    let t = now();
    // The current secret, else the one before it while its grace lasts.
    let (current, previous) = match &found {
        Some((m, _)) => (
            Some(m.secret_hash.clone()),
            m.previous_secret_hash
                .clone()
                .filter(|_| m.previous_valid_until.is_some_and(|u| t < u)),
        ),
        None => (None, None),
    };
    // Both checks always run (the second against a dummy when there is no previous secret),
    // so the time taken tells nobody whether a client is in a rotation's grace.
    let now_ok = state
        .hasher
        .verify(c.client_secret.clone(), current)
        .await?;
    let before_ok = state.hasher.verify(c.client_secret, previous).await?;
    let version = match &found {
        Some((m, _)) if now_ok => Some(m.secret_version),
        Some((m, _)) if before_ok => Some(m.secret_version - 1),
        _ => None,
    };
    let ip = c.ip.parse::<std::net::IpAddr>().ok();
    let admitted = match (&found, version) {
        (Some((m, u)), Some(v)) => {
            let gate = gate_of(m);
            (!gate.disabled && u.active && gate.allows_address(ip)).then_some((m, u, v, gate))
        }
        _ => None,
    };
    throttle::finish(&state.db, s, reserved, admitted.is_some(), None).await?;
    let (m, u, v, gate) = admitted.ok_or(Refusal::InvalidClient)?;
    let granted = match asked {
        None => gate.scopes.clone(),
        Some(a) => {
            if let Some(x) = a.iter().find(|x| !gate.scopes.contains(x)) {
                return Err(Refusal::InvalidScope(format!(
                    "the client does not hold the scope `{}`",
                    x.as_str()
                )));
            }
            a
        }
    };
    let scope = ApiScope::join(&granted);
    let (access_token, expires_in) = tokens::issue_client(
        &state.keys,
        s,
        u.id,
        tokens::ClientGrant {
            client_id: m.id,
            scope: &scope,
            secret_version: v,
        },
    )?;
    // When it was last used, for the admin screen; a failure here must not refuse the token.
    if let Err(e) = api_client::Entity::update_many()
        .col_expr(
            api_client::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(t),
        )
        .filter(api_client::Column::Id.eq(m.id))
        .exec(&state.db)
        .await
    {
        tracing::warn!(error = %e, "could not note the client's last use");
    }
    Ok(OAuthToken {
        access_token,
        token_type: "Bearer".into(),
        expires_in,
        scope,
    })
}
