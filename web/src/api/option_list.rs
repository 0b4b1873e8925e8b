//! Option lists (数据字典): `/api/v1/option-lists`.

use kaidan_shared::option_list::OptionList;

use super::ApiResult;

pub async fn list() -> ApiResult<Vec<OptionList>> {
    Ok(super::get("/api/v1/option-lists").await?.body)
}
