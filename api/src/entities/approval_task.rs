use sea_orm::entity::prelude::*;

/// One approver's part in one step of an approval.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "approval_tasks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub approval_id: Uuid,
    pub step: i32,
    pub approver_id: Uuid,
    pub status: String,
    pub escalated: bool,
    pub comment: Option<String>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::approval::Entity",
        from = "Column::ApprovalId",
        to = "super::approval::Column::Id"
    )]
    Approval,
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::ApproverId",
        to = "super::user::Column::Id"
    )]
    Approver,
}

impl Related<super::approval::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Approval.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
