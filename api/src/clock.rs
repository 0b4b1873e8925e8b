//! The time as business rules see it: reclaim deadlines, claim cool-downs, stale deals, daily
//! limits. One `Clock` per running app, so a test can move that app's time forward by weeks and
//! watch the rules act, without sleeping and without touching the machine's clock.
//!
//! Record timestamps (`created_at`, audit rows) keep the real time (`services::now`); only the
//! rules ask the clock.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Default)]
pub struct Clock {
    /// Seconds added to the real time (0 in production).
    offset_secs: AtomicI64,
}

impl Clock {
    /// The real time (microsecond precision, like every stored time) plus the offset.
    pub fn now(&self) -> DateTime<Utc> {
        crate::services::now() + Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this app's time forward (tests).
    pub fn advance(&self, by: Duration) {
        self.offset_secs
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_forward_by_that_much() {
        let c = Clock::default();
        let before = c.now();
        c.advance(Duration::days(31));
        let gap = c.now() - before;
        assert!(gap >= Duration::days(31) && gap < Duration::days(31) + Duration::seconds(5));
    }
}
