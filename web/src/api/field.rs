//! Custom field definitions: `/api/v1/fields`.

use kaidan_shared::field::FieldSet;
use kaidan_shared::Resource;

use super::ApiResult;

pub async fn list(resource: Resource) -> ApiResult<FieldSet> {
    Ok(
        super::get(&format!("/api/v1/fields?resource={}", resource.as_str()))
            .await?
            .body,
    )
}
