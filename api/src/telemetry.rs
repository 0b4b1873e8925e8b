//! Logging: human-readable by default, JSON lines for log shippers. `RUST_LOG` overrides the level.

use tracing_subscriber::EnvFilter;

use crate::config::LogSettings;

pub fn init(log: &LogSettings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&log.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // `try_init` so tests and repeated calls do not panic when a subscriber is already set.
    let _ = if log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
