use sea_orm::entity::prelude::*;

/// A leased background job: who runs it until when, where its run got to, when it runs next.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    pub lease_holder: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub run_id: Option<Uuid>,
    pub run_started_at: Option<DateTimeUtc>,
    pub cursor: Option<String>,
    pub next_run_at: DateTimeUtc,
    pub last_finished_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub runs: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
