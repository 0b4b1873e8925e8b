use sea_orm::entity::prelude::*;

/// The outbox: an event waiting for the delivery job to make its deliveries.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    /// Also the event's id on the wire (`msg_<simple uuid>`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_type: String,
    /// The audit row's entity and id (`payment` for a payment received).
    pub entity: String,
    pub entity_id: Uuid,
    /// The record the payload's `data` is (the audit row's subject).
    pub subject_id: Uuid,
    /// `{"before": …, "after": …}` as the audit row has them.
    pub changes: Option<String>,
    pub occurred_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
