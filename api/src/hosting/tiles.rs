//! The origin the team map's tiles come from, for the page's Content-Security-Policy: the index
//! allows images from this origin besides its own, and from nowhere else (`img-src`). The origin
//! is an admin's setting (`visit_settings.tile_url`). The index answers without signing in, so an
//! outsider's requests must not each cost a database read, nor wait on a slow database: each
//! instance reads the setting at most once a minute, one request at a time, for at most half a
//! second, and every other request meanwhile gets the copy it has; the instance that saved a
//! change reads it again at the next page.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

/// How long an instance trusts its copy; another instance's change shows within this.
const KEEP: Duration = Duration::from_secs(60);
/// The longest a page waits for the setting; past it, the page goes with the copy it had.
const READ_TIMEOUT: Duration = Duration::from_millis(500);

#[derive(Default)]
pub struct TileOrigin {
    /// When the copy was read, and the origin (none: no tiles).
    kept: RwLock<Option<(Instant, Option<String>)>>,
    /// A request is reading the setting.
    reading: AtomicBool,
    /// Moved on by `forget`: a read that began before it is not kept.
    generation: AtomicU64,
}

impl TileOrigin {
    /// The CSP source of the configured tiles (`https://*.tile.example.com`), if any.
    pub async fn get(&self, db: &DatabaseConnection) -> Option<String> {
        let kept = self.kept.read().ok().and_then(|k| k.clone());
        let fresh = kept.as_ref().is_some_and(|(at, _)| at.elapsed() < KEEP);
        let current = kept.and_then(|(_, o)| o);
        if fresh
            || self
                .reading
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return current;
        }
        // Released however this ends, a dropped request (the client went) included.
        let _reading = Reading(&self.reading);
        let generation = self.generation.load(Ordering::Acquire);
        let read =
            tokio::time::timeout(READ_TIMEOUT, crate::services::visit::load_settings(db)).await;
        let origin = match read {
            Ok(Ok(s)) => s
                .tile_url
                .as_deref()
                .and_then(kaidan_shared::visit::tile_origin),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the map tiles' origin could not be read");
                current
            }
            Err(_) => {
                tracing::warn!("the map tiles' origin took too long to read");
                current
            }
        };
        if let Ok(mut k) = self.kept.write() {
            if self.generation.load(Ordering::Acquire) == generation {
                *k = Some((Instant::now(), origin.clone()));
            }
        }
        origin
    }

    /// Read the setting again at the next page (this instance saved it).
    pub fn forget(&self) {
        if let Ok(mut k) = self.kept.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            *k = None;
        }
    }
}

/// The one read in progress; over when dropped.
struct Reading<'a>(&'a AtomicBool);

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failed_or_abandoned_read_leaves_the_page_its_copy_and_the_next_read_free() {
        // No settings table: every read fails.
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let t = TileOrigin::default();
        *t.kept.write().unwrap() = Some((
            Instant::now() - KEEP - Duration::from_secs(1),
            Some("https://tiles.example.com".into()),
        ));
        assert_eq!(
            t.get(&db).await.as_deref(),
            Some("https://tiles.example.com")
        );
        assert!(!t.reading.load(Ordering::Acquire));
        // The copy was renewed: no read for a minute.
        assert!(t.kept.read().unwrap().as_ref().unwrap().0.elapsed() < KEEP);

        // A request dropped mid-read (its client went) does not keep others from reading.
        *t.kept.write().unwrap() = None;
        let abandoned = t.get(&db);
        drop(abandoned);
        assert!(!t.reading.load(Ordering::Acquire));
        {
            let mut pending = Box::pin(t.get(&db));
            // Started, then dropped before it finished.
            let _ = futures_util::poll!(pending.as_mut());
        }
        assert!(!t.reading.load(Ordering::Acquire));

        // While one request reads, the others answer at once with the copy they have.
        t.reading.store(true, Ordering::Release);
        assert_eq!(t.get(&db).await, None);
        t.reading.store(false, Ordering::Release);

        // A read that began before `forget` is not kept.
        let generation = t.generation.load(Ordering::Acquire);
        t.forget();
        assert_ne!(t.generation.load(Ordering::Acquire), generation);
        assert!(t.kept.read().unwrap().is_none());
    }
}
