use sea_orm::entity::prelude::*;

/// An assignment rule for new leads; `provinces` is a JSON array of `province` option keys.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lead_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    pub region_id: Option<Uuid>,
    pub provinces: Option<String>,
    pub team_id: Option<Uuid>,
    pub queue: Option<String>,
    pub open_lead_cap: Option<i32>,
    pub active: bool,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
