use sea_orm::entity::prelude::*;

/// A lead (线索); `custom` holds the custom values as JSON.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "leads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub company: Option<String>,
    pub name_key: String,
    pub search_key: String,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub email: Option<String>,
    pub email_key: Option<String>,
    pub source: Option<String>,
    pub province: Option<String>,
    pub region_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub queue: Option<String>,
    pub status: String,
    pub disqualify_reason: Option<String>,
    pub disqualify_note: Option<String>,
    pub notes: Option<String>,
    pub assigned_rule_id: Option<Uuid>,
    pub assigned_via: String,
    pub assigned_at: DateTimeUtc,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub opportunity_id: Option<Uuid>,
    pub converted_at: Option<DateTimeUtc>,
    pub custom: Option<String>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id"
    )]
    Owner,
}

impl ActiveModelBehavior for ActiveModel {}
