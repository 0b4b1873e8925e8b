//! The signed-in user's own account: `/api/v1/me/password`. (Signing in and out, and the silent
//! refresh, are the transport's: `api::login`, `api::logout`, `api::restore`.)

use kaidan_shared::auth::{ChangePasswordRequest, TokenResponse};

use super::{ApiResult, Reply};

pub async fn change_password(body: &ChangePasswordRequest) -> ApiResult<Reply<TokenResponse>> {
    super::post("/api/v1/me/password", body).await
}
