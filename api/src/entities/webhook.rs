use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The client whose place and scopes decide what is sent.
    pub api_client_id: Uuid,
    pub url: String,
    /// Event names, space-separated (`kaidan_shared::webhook::EventType`).
    pub events: String,
    pub description: String,
    /// `whsec_…`: it signs, so it is kept as it is.
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_valid_until: Option<DateTimeUtc>,
    pub allow_private: bool,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::api_client::Entity",
        from = "Column::ApiClientId",
        to = "super::api_client::Column::Id"
    )]
    ApiClient,
}

impl Related<super::api_client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ApiClient.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
