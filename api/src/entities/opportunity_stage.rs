use sea_orm::entity::prelude::*;

/// A stage of the pipeline.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "opportunity_stages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub id: Uuid,
    pub label_zh: String,
    pub label_en: String,
    pub probability: i32,
    pub outcome: String,
    pub stale_days: Option<i32>,
    pub position: i32,
    pub active: bool,
    pub version: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
