use sea_orm::entity::prelude::*;

/// A follow-up task; `remind_at` is when its next reminder is due (none when none is left).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "follow_ups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub visit_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    /// The owner's team, kept with the owner for the team's index; never decides who may see
    /// the task (`services::org::owner_place`).
    pub owner_team_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub notes: Option<String>,
    pub due_at: DateTimeUtc,
    pub status: String,
    pub done_at: Option<DateTimeUtc>,
    pub result: Option<String>,
    pub snooze_count: i32,
    pub remind_at: Option<DateTimeUtc>,
    pub remind_stage: i16,
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
    #[sea_orm(
        belongs_to = "super::customer::Entity",
        from = "Column::CustomerId",
        to = "super::customer::Column::Id"
    )]
    Customer,
}

impl ActiveModelBehavior for ActiveModel {}
