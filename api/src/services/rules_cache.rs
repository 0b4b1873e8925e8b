//! The settings every write is checked against — field definitions, option lists, the pipeline's
//! stages and the lead assignment rules — kept in memory per server instance.
//!
//! They change a few times a month and are read by every write: at a million customers their
//! five reads were a quarter of a lead's creation and of its conversion (docs/benchmarks.md). The
//! copy is good while the one-row `settings_version` says so: every change to those settings
//! moves the number on inside its own transaction (`bump`), and each use reads the number first
//! (one primary-key read), so an instance never checks a write against settings another instance
//! has changed since, and a change is seen by the next request on every instance.

use std::sync::{Arc, RwLock};

use kaidan_shared::field::FieldDef;
use kaidan_shared::lead::LeadRule;
use kaidan_shared::opportunity::Stages;
use kaidan_shared::option_list::OptionList;
use kaidan_shared::{Resource, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::entities::settings_version;
use crate::error::AppResult;
use crate::services::{field, lead, opportunity, option_list};

/// The settings as of one version.
pub struct Snapshot {
    version: i64,
    /// Every record type's fields in form order.
    pub fields: Vec<FieldDef>,
    pub lists: Vec<OptionList>,
    pub stages: Stages,
    /// Every lead assignment rule, retired ones included.
    pub lead_rules: Vec<LeadRule>,
}

impl Snapshot {
    /// What a write of `resource` is checked against.
    pub fn rules(&self, resource: Resource) -> field::Rules {
        field::Rules {
            fields: self
                .fields
                .iter()
                .filter(|f| f.resource == resource)
                .cloned()
                .collect(),
            lists: self.lists.clone(),
        }
    }

    /// What `role` may see of every record type's custom values.
    pub fn view(&self, role: Role) -> field::View {
        field::View::of(self.fields.clone(), role)
    }
}

/// One instance's copy of the settings.
pub struct RulesCache {
    /// Off for one-off tools and seeds, which read the settings each time.
    keep: bool,
    current: RwLock<Option<Arc<Snapshot>>>,
}

/// The cache of tools and seeds (`Conns::one`): it keeps nothing.
pub static NONE: RulesCache = RulesCache {
    keep: false,
    current: RwLock::new(None),
};

impl Default for RulesCache {
    fn default() -> Self {
        RulesCache {
            keep: true,
            current: RwLock::new(None),
        }
    }
}

impl RulesCache {
    /// The settings as they are now: the kept copy when its version is the current one, else a
    /// fresh read, kept for the next request. The version is read before the settings, so a copy
    /// read during a change is labelled older than it may be and read again next time — never
    /// the other way round.
    pub async fn get<C: ConnectionTrait>(&self, db: &C) -> AppResult<Arc<Snapshot>> {
        let version: i64 = settings_version::Entity::find()
            .select_only()
            .column(settings_version::Column::Version)
            .filter(settings_version::Column::Id.eq(1))
            .into_tuple()
            .one(db)
            .await?
            .unwrap_or(0);
        if self.keep {
            let kept = self.current.read().ok().and_then(|c| c.clone());
            if let Some(s) = kept.filter(|s| s.version == version) {
                return Ok(s);
            }
        }
        let snapshot = Arc::new(Snapshot {
            version,
            fields: field::load_every(db).await?,
            lists: option_list::load_all(db).await?,
            stages: opportunity::load_stages(db).await?,
            lead_rules: lead::load_rules(db).await?,
        });
        if self.keep {
            if let Ok(mut c) = self.current.write() {
                // Two requests may have read different versions: the newer copy stays.
                if c.as_ref().is_none_or(|k| k.version <= version) {
                    *c = Some(snapshot.clone());
                }
            }
        }
        Ok(snapshot)
    }
}

/// Tells every instance that the settings changed: called inside the changing transaction.
pub async fn bump<C: ConnectionTrait>(db: &C) -> AppResult<()> {
    settings_version::Entity::update_many()
        .col_expr(
            settings_version::Column::Version,
            Expr::col(settings_version::Column::Version).add(1),
        )
        .filter(settings_version::Column::Id.eq(1))
        .exec(db)
        .await?;
    Ok(())
}
