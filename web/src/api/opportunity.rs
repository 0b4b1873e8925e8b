//! Opportunities: `/api/v1/opportunities`, the board and the stages.

use kaidan_shared::opportunity::{
    Board, BoardQuery, Opportunity, OpportunityCreate, OpportunityDetail, OpportunityListQuery,
    OpportunityUpdate, Reopen, StageMove, Stages,
};
use kaidan_shared::page::Page;
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn board(q: &BoardQuery) -> ApiResult<Board> {
    Ok(
        super::get(&format!("/api/v1/opportunity-board{}", query(q)))
            .await?
            .body,
    )
}

pub async fn stages() -> ApiResult<Stages> {
    Ok(super::get("/api/v1/opportunity-stages").await?.body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<OpportunityDetail>> {
    super::get(&format!("/api/v1/opportunities/{id}")).await
}

pub async fn list(q: &OpportunityListQuery) -> ApiResult<Page<Opportunity>> {
    Ok(super::get(&format!("/api/v1/opportunities{}", query(q)))
        .await?
        .body)
}

pub async fn update(
    id: Uuid,
    etag: &str,
    body: &OpportunityUpdate,
) -> ApiResult<Reply<Opportunity>> {
    super::patch(&format!("/api/v1/opportunities/{id}"), etag, body).await
}

pub async fn create(body: &OpportunityCreate) -> ApiResult<Reply<OpportunityDetail>> {
    super::post("/api/v1/opportunities", body).await
}

pub async fn move_stage(id: Uuid, body: &StageMove) -> ApiResult<OpportunityDetail> {
    let r: Reply<OpportunityDetail> = send(
        Method::POST,
        &format!("/api/v1/opportunities/{id}/stage"),
        Some(body),
        None,
    )
    .await?;
    Ok(r.body)
}

pub async fn reopen(id: Uuid, body: &Reopen) -> ApiResult<OpportunityDetail> {
    let r: Reply<OpportunityDetail> = send(
        Method::POST,
        &format!("/api/v1/opportunities/{id}/reopen"),
        Some(body),
        None,
    )
    .await?;
    Ok(r.body)
}
