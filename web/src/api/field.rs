//! Custom field definitions: `/api/v1/fields`.

use kaidan_shared::field::{FieldDef, FieldDefCreate, FieldDefUpdate, FieldSet};
use kaidan_shared::Resource;
use uuid::Uuid;

use super::{ApiResult, Reply};

pub async fn list(resource: Resource) -> ApiResult<FieldSet> {
    Ok(
        super::get(&format!("/api/v1/fields?resource={}", resource.as_str()))
            .await?
            .body,
    )
}

pub async fn create(body: &FieldDefCreate) -> ApiResult<Reply<FieldDef>> {
    super::post("/api/v1/fields", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &FieldDefUpdate) -> ApiResult<Reply<FieldDef>> {
    super::patch(&format!("/api/v1/fields/{id}"), etag, body).await
}
