use sea_orm::entity::prelude::*;

/// One try of a delivery: the answer, or why there was none.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub delivery_id: Uuid,
    pub at: DateTimeUtc,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// The first 2 KB of the answer's body.
    pub response: Option<String>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
