//! Customers: `/api/v1/customers`.

use kaidan_shared::audit::{AuditEntry, HistoryQuery};
use kaidan_shared::customer::{
    Customer, CustomerCreate, CustomerDetail, CustomerListQuery, CustomerUpdate, TransferRequest,
};
use kaidan_shared::page::Page;
use uuid::Uuid;

use super::{query, send, ApiResult, Method, Reply};

pub async fn list(q: &CustomerListQuery) -> ApiResult<Page<Customer>> {
    Ok(super::get(&format!("/api/v1/customers{}", query(q)))
        .await?
        .body)
}

pub async fn get(id: Uuid) -> ApiResult<Reply<CustomerDetail>> {
    super::get(&format!("/api/v1/customers/{id}")).await
}

pub async fn create(body: &CustomerCreate) -> ApiResult<Reply<CustomerDetail>> {
    super::post("/api/v1/customers", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &CustomerUpdate) -> ApiResult<Reply<Customer>> {
    super::patch(&format!("/api/v1/customers/{id}"), etag, body).await
}

pub async fn archive(id: Uuid, etag: &str) -> ApiResult<Reply<Customer>> {
    super::delete(&format!("/api/v1/customers/{id}"), etag).await
}

pub async fn restore(id: Uuid, etag: Option<&str>) -> ApiResult<Reply<Customer>> {
    let body = serde_json::json!({});
    send(
        Method::POST,
        &format!("/api/v1/customers/{id}/restore"),
        Some(&body),
        etag,
    )
    .await
}

pub async fn transfer(
    id: Uuid,
    etag: Option<&str>,
    body: &TransferRequest,
) -> ApiResult<Reply<Customer>> {
    send(
        Method::POST,
        &format!("/api/v1/customers/{id}/transfer"),
        Some(body),
        etag,
    )
    .await
}

pub async fn history(id: Uuid, q: &HistoryQuery) -> ApiResult<Page<AuditEntry>> {
    Ok(
        super::get(&format!("/api/v1/customers/{id}/history{}", query(q)))
            .await?
            .body,
    )
}
