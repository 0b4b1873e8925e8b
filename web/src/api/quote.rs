//! Quotes: `/api/v1/quotes`.

use kaidan_shared::page::Page;
use kaidan_shared::quote::{Quote, QuoteCreate, QuoteDecision, QuoteListQuery, QuoteUpdate};
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &QuoteListQuery) -> ApiResult<Page<Quote>> {
    Ok(super::get(&format!("/api/v1/quotes{}", query(q)))
        .await?
        .body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<Quote>> {
    super::get(&format!("/api/v1/quotes/{id}")).await
}

pub async fn create(body: &QuoteCreate) -> ApiResult<Reply<Quote>> {
    super::post("/api/v1/quotes", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &QuoteUpdate) -> ApiResult<Reply<Quote>> {
    super::patch(&format!("/api/v1/quotes/{id}"), etag, body).await
}

pub async fn send_quote(id: Uuid) -> ApiResult<Reply<Quote>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/quotes/{id}/send"),
        None,
        None,
    )
    .await
}

pub async fn revise(id: Uuid) -> ApiResult<Reply<Quote>> {
    send::<(), _>(
        Method::POST,
        &format!("/api/v1/quotes/{id}/revise"),
        None,
        None,
    )
    .await
}

pub async fn decide(id: Uuid, accept: bool, body: &QuoteDecision) -> ApiResult<Reply<Quote>> {
    let what = if accept { "accept" } else { "reject" };
    super::post(&format!("/api/v1/quotes/{id}/{what}"), body).await
}
