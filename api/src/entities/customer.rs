use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub name_key: String,
    pub search_key: String,
    pub credit_code: Option<String>,
    pub industry: Option<String>,
    pub level: Option<String>,
    pub phone: Option<String>,
    pub phone_key: Option<String>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub owner_id: Option<Uuid>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub archived_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
