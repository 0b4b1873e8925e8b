use sea_orm::entity::prelude::*;

/// A quote's line as entered: the product as quoted (分; percents in basis points; the quantity ×
/// 10,000). Its figures are not stored: `services::quote::figures_of` makes them from these and
/// the quote's overall discount.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "quote_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub quote_id: Uuid,
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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
