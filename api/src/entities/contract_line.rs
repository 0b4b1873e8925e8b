use sea_orm::entity::prelude::*;

/// A contract's line: the product as contracted (copied from the quote or priced like a quote's line) and the line's figures (分; percents in basis points;
/// the quantity × 10,000).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contract_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contract_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub position: i32,
    pub product_id: Uuid,
    pub product_code: String,
    pub product_name: String,
    pub spec: Option<String>,
    pub unit: Option<String>,
    pub quantity_e4: i64,
    pub list_price: i64,
    pub unit_price: i64,
    pub discount_bp: i32,
    pub tax_rate_bp: i32,
    pub note: Option<String>,
    pub gross: i64,
    pub net: i64,
    pub tax: i64,
    pub total: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
