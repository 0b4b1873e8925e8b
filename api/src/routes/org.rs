use actix_web::http::StatusCode;
use actix_web::{get, patch, post, put, web, HttpResponse};
use kaidan_shared::company::{CompanyProfile, CompanyProfileInput};
use kaidan_shared::org::{Region, RegionInput, Team, TeamCreate, TeamUpdate};
use kaidan_shared::Problem;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::AppResult;
use crate::extract::if_match::IfMatchHeader;
use crate::routes::{json_with_etag, IfMatch};
use crate::services::org;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_regions)
        .service(create_region)
        .service(update_region)
        .service(list_teams)
        .service(create_team)
        .service(update_team)
        .service(get_company)
        .service(save_company);
}

/// The company's particulars: the letterhead of printed quotes and contracts (empty `name`
/// until an admin sets them).
#[utoipa::path(
    tag = "org", security(("bearer" = [])),
    responses((status = 200, description = "The particulars", body = CompanyProfile, headers(("ETag" = String))))
)]
#[get("/company")]
pub async fn get_company(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    let c = crate::services::company::get(&state.read, &user.0).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// Replace the company's particulars (admins): name, address, phone, e-mail, credit code, bank.
#[utoipa::path(
    tag = "org", security(("bearer" = [])), request_body = CompanyProfileInput,
    params(IfMatchHeader),
    responses(
        (status = 200, description = "Saved", body = CompanyProfile, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/company")]
pub async fn save_company(
    state: web::Data<AppState>,
    user: AuthUser,
    if_match: IfMatch,
    body: web::Json<CompanyProfileInput>,
) -> AppResult<HttpResponse> {
    let c =
        crate::services::company::save(&state.db, &user.0, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &c, c.version))
}

/// All regions (everyone signed in may read the org chart).
#[utoipa::path(tag = "org", security(("bearer" = [])), responses((status = 200, description = "Regions by name", body = Vec<Region>)))]
#[get("/regions")]
pub async fn list_regions(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(org::list_regions(&state.read, &user.0).await?))
}

/// Create a region (admin).
#[utoipa::path(
    tag = "org", security(("bearer" = [])), request_body = RegionInput,
    responses(
        (status = 201, description = "Created", body = Region, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken (`conflict`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/regions")]
pub async fn create_region(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<RegionInput>,
) -> AppResult<HttpResponse> {
    let r = org::create_region(&state.db, &user.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &r, r.version))
}

/// Rename a region (admin).
#[utoipa::path(
    tag = "org", security(("bearer" = [])), request_body = RegionInput,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = Region, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/regions/{id}")]
pub async fn update_region(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<RegionInput>,
) -> AppResult<HttpResponse> {
    let r = org::update_region(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &r, r.version))
}

/// All teams.
#[utoipa::path(tag = "org", security(("bearer" = [])), responses((status = 200, description = "Teams by name", body = Vec<Team>)))]
#[get("/teams")]
pub async fn list_teams(state: web::Data<AppState>, user: AuthUser) -> AppResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(org::list_teams(&state.read, &user.0).await?))
}

/// Create a team in a region (admin).
#[utoipa::path(
    tag = "org", security(("bearer" = [])), request_body = TeamCreate,
    responses(
        (status = 201, description = "Created", body = Team, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<TeamCreate>,
) -> AppResult<HttpResponse> {
    let t = org::create_team(&state.db, &user.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::CREATED, &t, t.version))
}

/// Rename a team, move it to another region (its members move with it), or change its supervisor (admin).
#[utoipa::path(
    tag = "org", security(("bearer" = [])), request_body = TeamUpdate,
    params(("id" = Uuid, Path), IfMatchHeader),
    responses(
        (status = 200, description = "Updated", body = Team, headers(("ETag" = String))),
        (status = 403, description = "Only admins", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/teams/{id}")]
pub async fn update_team(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<TeamUpdate>,
) -> AppResult<HttpResponse> {
    let t = org::update_team(&state.db, &user.0, *id, if_match.0, body.into_inner()).await?;
    Ok(json_with_etag(StatusCode::OK, &t, t.version))
}
