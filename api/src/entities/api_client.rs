use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    /// The `client_id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The service user that places the client in the org.
    pub user_id: Uuid,
    pub name: String,
    /// Scope keys, space-separated (`kaidan_shared::api_client::ApiScope`).
    pub scopes: String,
    /// Addresses and networks (CIDR), space-separated; empty: anywhere.
    pub allowed_ips: String,
    pub secret_hash: String,
    pub secret_version: i64,
    pub previous_secret_hash: Option<String>,
    pub previous_valid_until: Option<DateTimeUtc>,
    pub rate_per_minute: Option<i64>,
    pub disabled_at: Option<DateTimeUtc>,
    pub last_used_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::UserId",
        to = "super::user::Column::Id"
    )]
    User,
}

impl Related<super::user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
