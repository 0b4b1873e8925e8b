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
    /// Copies of the owner's team and region, for the team's and region's list index; a copy
    /// narrows where a list looks, never who may see the customer (`services::org::owner_place`).
    pub owner_team_id: Option<Uuid>,
    pub owner_region_id: Option<Uuid>,
    pub source: Option<String>,
    pub notes: Option<String>,
    /// The tags as a JSON array (mirrors `customer_tags`, which the tag filter uses).
    pub tags: Option<String>,
    /// Custom field values as a JSON object (all of them; readers see those their role may).
    pub custom: Option<String>,
    pub archived_at: Option<DateTimeUtc>,
    /// The public pool it is in (its owner is then `None`).
    pub pool_id: Option<Uuid>,
    pub pooled_at: Option<DateTimeUtc>,
    pub pool_reason: Option<String>,
    /// Who owned it before it went to a pool (their cool-down).
    pub previous_owner_id: Option<Uuid>,
    /// The reclaim clock: the last follow-up.
    pub followed_up_at: Option<DateTimeUtc>,
    /// When the owner was warned of the coming reclaim.
    pub warned_at: Option<DateTimeUtc>,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The owner, for the owner's name on every read (one join instead of one more query).
    #[sea_orm(
        belongs_to = "super::user::Entity",
        from = "Column::OwnerId",
        to = "super::user::Column::Id"
    )]
    Owner,
}

impl ActiveModelBehavior for ActiveModel {}
