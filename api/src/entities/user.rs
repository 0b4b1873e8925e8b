use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub team_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
    pub tokens_valid_after: Option<DateTimeUtc>,
    pub demo_password: bool,
    /// Grant keys, comma-separated (`kaidan_shared::policy::Grant`).
    pub grants: String,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
