//! Option lists (数据字典): `/api/v1/option-lists`.

use kaidan_shared::option_list::{OptionList, OptionListCreate, OptionListUpdate};
use uuid::Uuid;

use super::{ApiResult, Reply};

pub async fn list() -> ApiResult<Vec<OptionList>> {
    Ok(super::get("/api/v1/option-lists").await?.body)
}

pub async fn create(body: &OptionListCreate) -> ApiResult<Reply<OptionList>> {
    super::post("/api/v1/option-lists", body).await
}

pub async fn update(id: Uuid, etag: &str, body: &OptionListUpdate) -> ApiResult<Reply<OptionList>> {
    super::patch(&format!("/api/v1/option-lists/{id}"), etag, body).await
}
