use sea_orm::entity::prelude::*;

/// A visit; `visit_at` places it in time (planned, else made, then checked in), the `check_in_*`
/// columns hold what the server saw, `contact_ids` and `custom` are JSON.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    /// The owner's team, kept with the owner for the team day's index; never decides who may
    /// see the visit (`services::org::owner_place`).
    pub owner_team_id: Option<Uuid>,
    pub purpose: Option<String>,
    pub planned_at: Option<DateTimeUtc>,
    pub visit_at: DateTimeUtc,
    pub status: String,
    pub check_in_at: Option<DateTimeUtc>,
    pub check_in_lat: Option<f64>,
    pub check_in_lng: Option<f64>,
    pub check_in_accuracy_m: Option<f64>,
    pub check_in_distance_m: Option<i32>,
    pub check_in_flags: Option<String>,
    pub check_in_radius_m: Option<i32>,
    pub flagged: bool,
    pub check_in_device_at: Option<DateTimeUtc>,
    pub check_out_at: Option<DateTimeUtc>,
    pub duration_s: Option<i32>,
    pub contact_ids: Option<String>,
    pub notes: Option<String>,
    pub outcome: Option<String>,
    pub next_step: Option<String>,
    pub next_follow_up_on: Option<Date>,
    pub custom: Option<String>,
    pub archived_at: Option<DateTimeUtc>,
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
}

impl ActiveModelBehavior for ActiveModel {}
