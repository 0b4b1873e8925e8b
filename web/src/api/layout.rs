//! Layouts: `/api/v1/layouts`.

use gloo_net::http::Method;
use kaidan_shared::layout::{ColumnsInput, Layout, LayoutInput, Resolved};
use kaidan_shared::Resource;

use super::{ApiResult, Reply};

pub async fn get(resource: Resource) -> ApiResult<Reply<Layout>> {
    super::get(&format!("/api/v1/layouts/{}", resource.as_str())).await
}

pub async fn save(resource: Resource, etag: &str, body: &LayoutInput) -> ApiResult<Reply<Layout>> {
    super::send(
        Method::PUT,
        &format!("/api/v1/layouts/{}", resource.as_str()),
        Some(body),
        Some(etag),
    )
    .await
}

/// Saves the caller's own list columns; `None` goes back to the layout's default.
pub async fn set_columns(resource: Resource, columns: Option<Vec<String>>) -> ApiResult<Resolved> {
    let path = format!("/api/v1/layouts/{}/columns", resource.as_str());
    let r = match columns {
        Some(columns) => {
            super::send(Method::PUT, &path, Some(&ColumnsInput { columns }), None).await?
        }
        None => super::send::<(), Resolved>(Method::DELETE, &path, None, None).await?,
    };
    Ok(r.body)
}
