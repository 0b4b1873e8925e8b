use sea_orm::entity::prelude::*;

/// One revision of a quote; money in 分, percents in basis points.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: String,
    pub revision: i32,
    pub opportunity_id: Uuid,
    pub customer_id: Uuid,
    pub owner_id: Option<Uuid>,
    /// The owner's team, kept with the owner for the team's index (`services::org::owner_place`).
    pub owner_team_id: Option<Uuid>,
    pub title: String,
    pub price_list_id: Option<Uuid>,
    pub quote_date: Date,
    pub valid_until: Option<Date>,
    pub overall_discount_bp: i32,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub max_discount_bp: i32,
    pub status: String,
    pub notes: Option<String>,
    pub terms: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub decision_note: Option<String>,
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
}

impl ActiveModelBehavior for ActiveModel {}
