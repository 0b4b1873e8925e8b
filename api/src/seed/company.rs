//! The demo company's letterhead (once: a profile with a name is left alone).

use kaidan_shared::company::CompanyProfileInput;
use sea_orm::DatabaseConnection;

use crate::auth::Actor;
use crate::error::AppResult;
use crate::services::company;

pub async fn seed_company(db: &DatabaseConnection) -> AppResult<bool> {
    let system = Actor::system();
    let current = company::get(db, &system).await?;
    if !current.name.is_empty() {
        return Ok(false);
    }
    company::save(
        db,
        &system,
        current.version,
        CompanyProfileInput {
            name: "杭州开单科技有限公司".into(),
            address: Some("浙江省杭州市西湖区文三路 90 号".into()),
            phone: Some("0571-88886666".into()),
            email: Some("sales@demo.kaidan.dev".into()),
            credit_code: None,
            bank_name: Some("招商银行杭州分行".into()),
            bank_account: Some("5719 0812 3456 789".into()),
        },
    )
    .await?;
    Ok(true)
}
