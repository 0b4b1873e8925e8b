//! How many records hold a custom value, roughly and recently: what a filtered list needs to
//! pick its plan (`field::View::filter`) without counting on every request.
//!
//! A count is capped (`CAP + 1` index entries at most) and kept for `TTL`; a stale one can only
//! pick the slower of two correct plans for a while, never a wrong answer. Each server instance
//! keeps its own (nothing here matters across instances). Counting the same value twice at once
//! is harmless, so there is no lock around the count itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A value held by at most this many records drives the filtered query (the default of
/// `limits.custom_filter_selective`).
pub const CAP: u64 = 5_000;
/// How long a count is trusted.
const TTL: Duration = Duration::from_secs(60);
/// At most this many counts are kept; past it the cache starts afresh.
const MAX_ENTRIES: usize = 10_000;

/// (record type, field key, value).
type Key = (String, String, String);

/// Counts by (record type, field key, value).
pub struct PlanCache {
    /// Counts stop here: a value with more holders is "common".
    cap: u64,
    entries: Mutex<HashMap<Key, (u64, Instant)>>,
}

impl Default for PlanCache {
    fn default() -> Self {
        PlanCache::new(CAP)
    }
}

impl PlanCache {
    pub fn new(cap: u64) -> PlanCache {
        PlanCache {
            cap,
            entries: Mutex::default(),
        }
    }

    /// A value held by at most this many records is "rare": it drives the query.
    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// The cached count, if fresh.
    pub fn get(&self, resource: &str, key: &str, value: &str) -> Option<u64> {
        let entries = self.entries.lock().ok()?;
        let (n, at) = entries.get(&(resource.into(), key.into(), value.into()))?;
        (at.elapsed() < TTL).then_some(*n)
    }

    pub fn put(&self, resource: &str, key: &str, value: &str, holders: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                (resource.into(), key.into(), value.into()),
                (holders, Instant::now()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_kept_per_value_and_bounded() {
        let c = PlanCache::default();
        assert_eq!(c.get("customer", "cycle", "year"), None);
        c.put("customer", "cycle", "year", 12);
        assert_eq!(c.get("customer", "cycle", "year"), Some(12));
        assert_eq!(c.get("customer", "cycle", "month"), None);
        for i in 0..MAX_ENTRIES {
            c.put("customer", "cycle", &i.to_string(), 1);
        }
        let kept = c.entries.lock().map(|e| e.len()).unwrap_or(usize::MAX);
        assert!(kept <= MAX_ENTRIES);
    }
}
