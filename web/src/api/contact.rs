//! Contacts: `/api/v1/customers/{id}/contacts` and `/api/v1/contacts/{id}`.

use kaidan_shared::contact::{Contact, ContactInput, ContactUpdate};
use uuid::Uuid;

use super::{ApiResult, Reply};

pub async fn list(customer_id: Uuid) -> ApiResult<Vec<Contact>> {
    Ok(
        super::get(&format!("/api/v1/customers/{customer_id}/contacts"))
            .await?
            .body,
    )
}

pub async fn create(customer_id: Uuid, body: &ContactInput) -> ApiResult<Reply<Contact>> {
    super::post(&format!("/api/v1/customers/{customer_id}/contacts"), body).await
}

pub async fn update(id: Uuid, etag: &str, body: &ContactUpdate) -> ApiResult<Reply<Contact>> {
    super::patch(&format!("/api/v1/contacts/{id}"), etag, body).await
}

pub async fn archive(id: Uuid, etag: &str) -> ApiResult<()> {
    super::delete::<serde_json::Value>(&format!("/api/v1/contacts/{id}"), etag)
        .await
        .map(|_| ())
}
