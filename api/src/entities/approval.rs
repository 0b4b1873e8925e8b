use sea_orm::entity::prelude::*;

/// One submission of a record for approval; `steps` is JSON of `Vec<shared::approval::Step>`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "approvals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject: String,
    pub record_id: Uuid,
    /// The record's version the submission made (what a decision writes back against).
    pub record_version: i64,
    pub title: String,
    pub amount: i64,
    pub max_discount_bp: i32,
    pub customer_id: Option<Uuid>,
    pub submitter_id: Uuid,
    /// The record's owner when submitted: whose line the steps follow.
    pub owner_id: Option<Uuid>,
    pub template_id: Option<Uuid>,
    pub template_name: Option<String>,
    pub steps: String,
    pub current_step: i32,
    pub status: String,
    pub step_started_at: DateTimeUtc,
    pub reminded_at: Option<DateTimeUtc>,
    pub escalated_at: Option<DateTimeUtc>,
    pub remind_after_hours: i32,
    pub escalate_after_hours: i32,
    pub decided_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::SubmitterId",
        to = "super::user::Column::Id"
    )]
    Submitter,
    #[sea_orm(
        belongs_to = "super::customer::Entity",
        from = "Column::CustomerId",
        to = "super::customer::Column::Id"
    )]
    Customer,
}

impl ActiveModelBehavior for ActiveModel {}
