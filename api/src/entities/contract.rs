use sea_orm::entity::prelude::*;

/// A contract; money in 分, the largest discount in basis points.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contracts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub quote_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    /// The owner's team, kept with the owner for the team's index (`services::org::owner_place`).
    pub owner_team_id: Option<Uuid>,
    pub title: String,
    pub amount: i64,
    /// What its payments add up to (分).
    pub received: i64,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub max_discount_bp: i32,
    pub sign_date: Option<Date>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub payment_terms: Option<String>,
    pub customer_signatory: Option<String>,
    pub our_signatory: Option<String>,
    pub notes: Option<String>,
    pub status: String,
    pub approval_id: Option<Uuid>,
    pub approved_at: Option<DateTimeUtc>,
    pub signed_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    pub end_reason: Option<String>,
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
    #[sea_orm(
        belongs_to = "super::opportunity::Entity",
        from = "Column::OpportunityId",
        to = "super::opportunity::Column::Id"
    )]
    Opportunity,
    #[sea_orm(
        belongs_to = "super::quote::Entity",
        from = "Column::QuoteId",
        to = "super::quote::Column::Id"
    )]
    Quote,
}

impl ActiveModelBehavior for ActiveModel {}
