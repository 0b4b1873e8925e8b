use sea_orm::entity::prelude::*;

/// An approval flow admins keep; `conditions` and `steps` are JSON of
/// `shared::approval::{Conditions, StepRule}`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subject: String,
    pub name: String,
    pub priority: i32,
    pub active: bool,
    pub conditions: String,
    pub steps: String,
    pub remind_after_hours: i32,
    pub escalate_after_hours: i32,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
