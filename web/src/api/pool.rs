//! Public pools: `/api/v1/pools`, release and claim of customers.

use kaidan_shared::customer::{Customer, CustomerDetail};
use kaidan_shared::page::Page;
use kaidan_shared::pool::{
    ClaimQuota, Pool, PoolCreate, PoolCustomerQuery, PoolUpdate, ReleaseRequest,
};
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list() -> ApiResult<Vec<Pool>> {
    Ok(super::get("/api/v1/pools").await?.body)
}

pub async fn quota() -> ApiResult<ClaimQuota> {
    Ok(super::get("/api/v1/pool-quota").await?.body)
}

pub async fn create(body: &PoolCreate) -> ApiResult<Reply<Pool>> {
    super::post("/api/v1/pools", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &PoolUpdate) -> ApiResult<Reply<Pool>> {
    super::patch(&format!("/api/v1/pools/{id}"), etag, body).await
}

pub async fn customers(pool: Uuid, q: &PoolCustomerQuery) -> ApiResult<Page<Customer>> {
    Ok(
        super::get(&format!("/api/v1/pools/{pool}/customers{}", query(q)))
            .await?
            .body,
    )
}

pub async fn customer(id: Uuid) -> ApiResult<CustomerDetail> {
    Ok(super::get(&format!("/api/v1/pool-customers/{id}"))
        .await?
        .body)
}

pub async fn release(
    id: Uuid,
    etag: Option<&str>,
    body: &ReleaseRequest,
) -> ApiResult<Reply<Customer>> {
    send(
        Method::POST,
        &format!("/api/v1/customers/{id}/release"),
        Some(body),
        etag,
    )
    .await
}

pub async fn claim(id: Uuid) -> ApiResult<Customer> {
    let body = serde_json::json!({});
    Ok(super::post(&format!("/api/v1/customers/{id}/claim"), &body)
        .await?
        .body)
}
