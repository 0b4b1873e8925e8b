use sea_orm::entity::prelude::*;

/// One instalment of a contract's payment plan (分); `received` is what its payments add up to.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    /// The contract's owner and their team, copied for the receivables of a scope.
    pub owner_id: Option<Uuid>,
    pub owner_team_id: Option<Uuid>,
    pub due_date: Date,
    pub amount: i64,
    pub received: i64,
    pub note: Option<String>,
    pub reminded_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contract::Entity",
        from = "Column::ContractId",
        to = "super::contract::Column::Id"
    )]
    Contract,
}

impl ActiveModelBehavior for ActiveModel {}
