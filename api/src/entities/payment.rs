use sea_orm::entity::prelude::*;

/// A payment received against a contract (分).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub contract_id: Uuid,
    pub plan_id: Option<Uuid>,
    pub customer_id: Uuid,
    /// The contract's owner and their team when received, for reports and scopes.
    pub owner_id: Option<Uuid>,
    pub owner_team_id: Option<Uuid>,
    pub amount: i64,
    pub received_on: Date,
    pub method: Option<String>,
    pub reference: String,
    /// `reference` trimmed and lower-cased: unique per contract.
    pub reference_key: String,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::contract::Entity",
        from = "Column::ContractId",
        to = "super::contract::Column::Id"
    )]
    Contract,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id"
    )]
    Owner,
}

impl ActiveModelBehavior for ActiveModel {}
