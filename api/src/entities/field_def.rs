use sea_orm::entity::prelude::*;

/// A custom field definition. `default_value`, `visible_to` and `editable_by` hold JSON text.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "field_defs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub resource: String,
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub kind: String,
    pub required: bool,
    pub default_value: Option<String>,
    pub help_zh: Option<String>,
    pub help_en: Option<String>,
    pub section: Option<String>,
    pub position: i32,
    pub option_list: Option<String>,
    pub visible_to: String,
    pub editable_by: String,
    pub filterable: bool,
    pub active: bool,
    pub used: bool,
    pub version: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
