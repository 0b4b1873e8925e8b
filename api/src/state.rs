use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::keys::Keys;
use crate::auth::password::PasswordHasher;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::services::field_plan::PlanCache;

/// Everything a request needs, shared by all workers. Nothing here is state that matters across
/// instances: sessions are tokens, counters for throttling live in the database.
pub struct AppState {
    /// Writes, and reads that must see the transaction's own writes.
    pub db: DatabaseConnection,
    /// Reads (lists, gets, history, authentication): `db::connect_reader`.
    pub read: DatabaseConnection,
    pub settings: Arc<Settings>,
    pub keys: Arc<Keys>,
    pub hasher: PasswordHasher,
    pub metrics: Arc<Metrics>,
    /// Recent counts of custom values' holders, for filtered lists' plans.
    pub plans: Arc<PlanCache>,
    /// The time business rules see.
    pub clock: Arc<crate::clock::Clock>,
    /// This instance's copy of the settings writes are checked against.
    pub rules: Arc<crate::services::rules_cache::RulesCache>,
    /// Where attachments are kept.
    pub storage: crate::storage::Storage,
    /// The bounded pool photos are decoded and resized on.
    pub images: crate::images::ImagePool,
    /// Requests a minute per caller (`rate_limit`).
    pub limiter: Arc<crate::rate_limit::RateLimiter>,
    /// The map tiles' origin the web app's page allows images from.
    pub tiles: Arc<crate::hosting::tiles::TileOrigin>,
}

impl AppState {
    /// The writer and the readers, for a service that checks before it writes.
    pub fn conns(&self) -> crate::services::Conns<'_> {
        crate::services::Conns {
            write: &self.db,
            read: &self.read,
            rules: &self.rules,
        }
    }
}
