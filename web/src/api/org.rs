//! Regions and teams: `/api/v1/regions`, `/api/v1/teams`.

use kaidan_shared::org::{Region, RegionInput, Team, TeamCreate};

use super::{ApiResult, Reply};

pub async fn regions() -> ApiResult<Vec<Region>> {
    Ok(super::get("/api/v1/regions").await?.body)
}

pub async fn create_region(body: &RegionInput) -> ApiResult<Reply<Region>> {
    super::post("/api/v1/regions", body).await
}

pub async fn teams() -> ApiResult<Vec<Team>> {
    Ok(super::get("/api/v1/teams").await?.body)
}

pub async fn create_team(body: &TeamCreate) -> ApiResult<Reply<Team>> {
    super::post("/api/v1/teams", body).await
}

pub async fn company() -> ApiResult<Reply<kaidan_shared::company::CompanyProfile>> {
    super::get("/api/v1/company").await
}

pub async fn save_company(
    etag: &str,
    body: &kaidan_shared::company::CompanyProfileInput,
) -> ApiResult<Reply<kaidan_shared::company::CompanyProfile>> {
    super::send(
        super::Method::PUT,
        "/api/v1/company",
        Some(body),
        Some(etag),
    )
    .await
}
