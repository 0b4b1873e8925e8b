//! The origin the team map's tiles come from, for the page's Content-Security-Policy: the index
//! allows images from this origin besides its own, and from nowhere else (`img-src`). The origin
//! is an admin's setting (`visit_settings.tile_url`), read at most once a minute per instance
//! (the index answers without signing in, so an outsider's requests must not each cost a
//! database read) and at once on the instance that saved a change.

use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

/// How long an instance trusts its copy; another instance's change shows within this.
const KEEP: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct TileOrigin {
    kept: RwLock<Option<(Instant, Option<String>)>>,
}

impl TileOrigin {
    /// The CSP source of the configured tiles (`https://*.tile.example.com`), if any. A failed
    /// read keeps the last known origin (or none) rather than failing the page.
    pub async fn get(&self, db: &DatabaseConnection) -> Option<String> {
        if let Some((at, origin)) = self.kept.read().ok().and_then(|k| k.clone()) {
            if at.elapsed() < KEEP {
                return origin;
            }
        }
        let origin = match crate::services::visit::load_settings(db).await {
            Ok(s) => s
                .tile_url
                .as_deref()
                .and_then(kaidan_shared::visit::tile_origin),
            Err(e) => {
                tracing::warn!(error = %e, "the map tiles' origin could not be read");
                self.kept
                    .read()
                    .ok()
                    .and_then(|k| k.clone())
                    .and_then(|(_, o)| o)
            }
        };
        if let Ok(mut k) = self.kept.write() {
            *k = Some((Instant::now(), origin.clone()));
        }
        origin
    }

    /// Read the setting again at the next page (this instance saved it).
    pub fn forget(&self) {
        if let Ok(mut k) = self.kept.write() {
            *k = None;
        }
    }
}
