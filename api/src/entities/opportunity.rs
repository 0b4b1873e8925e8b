use sea_orm::entity::prelude::*;

/// A deal; `amount` in 分, `custom` holds the custom values as JSON.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "opportunities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub name: String,
    pub amount: i64,
    pub expected_close_date: Option<Date>,
    pub stage: String,
    pub probability: i32,
    pub status: String,
    pub owner_id: Option<Uuid>,
    /// The owner's team, kept with the owner for the team board's index; never decides who
    /// may see the deal (`services::opportunity::owner_team`).
    pub owner_team_id: Option<Uuid>,
    pub products: Option<String>,
    pub competitors: Option<String>,
    pub next_step: Option<String>,
    pub source_lead_id: Option<Uuid>,
    pub lost_reason: Option<String>,
    pub lost_note: Option<String>,
    pub closed_at: Option<DateTimeUtc>,
    pub stage_changed_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    pub stale_at: Option<DateTimeUtc>,
    pub custom: Option<String>,
    pub archived_at: Option<DateTimeUtc>,
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
    #[sea_orm(
        belongs_to = "super::customer::Entity",
        from = "Column::CustomerId",
        to = "super::customer::Column::Id"
    )]
    Customer,
}

impl ActiveModelBehavior for ActiveModel {}
