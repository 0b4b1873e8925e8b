//! One `Settings` struct: built-in defaults → optional `kaidan.toml` → `KAIDAN_*` env vars
//! (nested with `__`, e.g. `KAIDAN_SERVER__PORT=9000`; `KAIDAN_DATABASE_URL` at the top level).
//!
//! Every default works for the embedded run: SQLite under `./data/`, a signing key generated there.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://./data/kaidan.db?mode=rwc` (default), `postgres://…`, `mysql://…` or `mariadb://…`.
    /// It may hold a password, so it is a secret: `Debug` and logs never show it.
    #[serde(default = "default_database_url", skip_serializing)]
    pub database_url: SecretString,
    /// Pool size for PostgreSQL/MySQL. SQLite always uses one connection (see `db.rs`).
    pub database_max_connections: u32,
    /// Run pending migrations when `kaidan serve` starts.
    pub auto_migrate: bool,
    pub server: ServerSettings,
    pub auth: AuthSettings,
    pub web: WebSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub limits: LimitSettings,
    #[serde(default)]
    pub jobs: JobSettings,
    /// Requests a minute per person, API client and address (`rate_limit`).
    #[serde(default)]
    pub rate_limit: crate::rate_limit::RateLimitSettings,
    /// Shared state for several instances: the rate-limit counters.
    #[serde(default)]
    pub redis: crate::rate_limit::RedisSettings,
    /// Attachments: where they are kept, how large they may be.
    #[serde(default)]
    pub storage: crate::storage::StorageSettings,
    /// How often webhook deliveries are looked for, and how many go at once.
    #[serde(default)]
    pub webhooks: crate::jobs::webhook_delivery::WebhookSettings,
    /// Calls to addresses users typed in (webhook targets): timeouts and how much is read.
    #[serde(default)]
    pub outbound: crate::outbound::OutboundSettings,
}

fn default_database_url() -> SecretString {
    SecretString::from("sqlite://./data/kaidan.db?mode=rwc")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Largest accepted JSON body, in bytes.
    pub body_limit_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` / `X-Forwarded-Proto` are believed
    /// (CIDR list, e.g. `KAIDAN_SERVER__TRUSTED_PROXIES="127.0.0.1/32,10.0.0.0/8"`). Empty: the
    /// peer address is the client, whatever the headers say.
    #[serde(deserialize_with = "proxy_list")]
    pub trusted_proxies: Vec<IpNet>,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    pub issuer: String,
    pub audience: String,
    /// Access-token lifetime in seconds (30–900).
    pub access_ttl_secs: i64,
    /// Refresh-token lifetime in days.
    pub refresh_ttl_days: i64,
    /// Ed25519 private key (PKCS#8 PEM) file; generated on first start when missing. Several
    /// instances behind one load balancer must share it (same file or `signing_key_pem`).
    pub signing_key_file: PathBuf,
    /// The key itself, instead of a file (e.g. from a secret store). Never logged.
    #[serde(default, skip_serializing)]
    pub signing_key_pem: Option<SecretString>,
    /// Argon2id memory in KiB, iterations and lanes. Defaults are OWASP's (19 MiB, 2, 1).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_lanes: u32,
    /// Sign-in throttling (OWASP): password checks allowed per account from one client address,
    /// and per client address over all accounts, within the window; past them, 429. Counted as
    /// attempts reserved before the password is checked, so concurrency cannot exceed them.
    pub max_failures_per_account: u64,
    pub max_failures_per_ip: u64,
    pub failure_window_secs: i64,
    /// Across all addresses an account is never locked (that would hand anyone a way to lock the
    /// admin out); after this many failures in the window its password checks from unknown
    /// addresses are spaced out instead — one per delay, doubling from 250 ms up to
    /// `max_slowdown_ms` — while the owner's own addresses are not held up.
    pub slowdown_after_failures: u64,
    pub max_slowdown_ms: u64,
    /// How long a request may reuse what an earlier request of the same session read of the
    /// user and session rows (milliseconds; 0 reads them on every request). Changes on this
    /// instance take effect at once whatever the setting; on other instances within it.
    #[serde(default = "default_session_cache_ms")]
    pub session_cache_ms: u64,
}

fn default_session_cache_ms() -> u64 {
    2000
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    #[serde(default, skip_serializing)]
    pub bearer_token: Option<SecretString>,
    /// When set (`127.0.0.1:9100`), `/metrics` is served only on this separate address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// How many likely duplicates owned outside their data scope one user is shown per hour
    /// (the duplicate check on create names the company and its owner, so it must not become a
    /// way to list other teams' customers).
    pub cross_scope_duplicates_per_hour: u64,
    /// A custom-field filter value held by at most this many records drives the list's query
    /// from its holders; a commoner one is probed per row of the list (docs/benchmarks.md).
    #[serde(default = "default_custom_filter_selective")]
    pub custom_filter_selective: u64,
    /// A board column of more open deals than this finds its newest cards by walking the
    /// stage's newest deals and checking each owner; a smaller one sorts its own deals
    /// (`policy::owned_in_scope_probed`, docs/benchmarks.md).
    #[serde(default = "default_board_walk_from")]
    pub board_walk_from: u64,
}

fn default_custom_filter_selective() -> u64 {
    crate::services::field_plan::CAP
}

fn default_board_walk_from() -> u64 {
    2_000
}

/// A CIDR list, as a TOML/JSON list or one comma-separated string (environment variables).
/// A bare address is a /32 or /128.
fn proxy_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        One(String),
        Many(Vec<String>),
    }
    let items = match List::deserialize(d)? {
        List::One(s) => s.split(',').map(|p| p.trim().to_owned()).collect(),
        List::Many(v) => v,
    };
    items
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let s = s.trim();
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| serde::de::Error::custom(format!("`{s}` is not an address or CIDR")))
        })
        .collect()
}

/// Background jobs (`api/src/jobs/`): leased in the database, so any number of instances may
/// run them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobSettings {
    /// Whether this instance looks for due jobs at all (an instance that only answers requests
    /// may turn it off; tests run jobs by hand).
    pub enabled: bool,
    /// How often this instance looks for due jobs.
    pub poll_secs: u64,
    /// How long a run holds its job without checking in; a crashed run's job is taken over after
    /// this long and resumes where it stopped.
    pub lease_secs: u64,
    /// The company's time zone (IANA name) for the reps' morning digest.
    pub time_zone: String,
    /// When each rep's morning digest goes out, local time (`HH:MM`).
    pub digest_at: String,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            enabled: true,
            poll_secs: 30,
            lease_secs: 120,
            time_zone: "Asia/Shanghai".into(),
            digest_at: "08:30".into(),
        }
    }
}

impl JobSettings {
    /// The time zone, checked by `Settings::validate`.
    pub fn tz(&self) -> Option<chrono_tz::Tz> {
        self.time_zone.parse().ok()
    }

    /// The digest's local time, checked by `Settings::validate`.
    pub fn digest_time(&self) -> Option<chrono::NaiveTime> {
        chrono::NaiveTime::parse_from_str(&self.digest_at, "%H:%M").ok()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// The built SPA (`scripts/build-web`'s output). When it has no `index.html`, a placeholder page is served.
    /// A binary built with `embed-web` serves only its embedded copy unless this is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dist_dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `kaidan_api=debug,info`. `RUST_LOG` wins when set.
    pub level: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: default_database_url(),
            database_max_connections: 10,
            auto_migrate: true,
            server: ServerSettings {
                host: "127.0.0.1".into(),
                port: 8080,
                body_limit_bytes: 256 * 1024,
                trusted_proxies: Vec::new(),
                workers: 0,
            },
            auth: AuthSettings {
                issuer: "kaidan".into(),
                audience: "kaidan-api".into(),
                access_ttl_secs: 900,
                refresh_ttl_days: 30,
                signing_key_file: PathBuf::from("./data/jwt-ed25519.pem"),
                signing_key_pem: None,
                argon2_memory_kib: 19 * 1024,
                argon2_iterations: 2,
                argon2_lanes: 1,
                max_failures_per_account: 5,
                max_failures_per_ip: 50,
                failure_window_secs: 15 * 60,
                slowdown_after_failures: 5,
                max_slowdown_ms: 8_000,
                session_cache_ms: default_session_cache_ms(),
            },
            web: WebSettings {
                // An embedded build must not read files from wherever it happens to be started.
                dist_dir: (!cfg!(feature = "embed-web")).then(|| PathBuf::from("./web/dist")),
            },
            log: LogSettings {
                format: "pretty".into(),
                level: "info".into(),
            },
            metrics: MetricsSettings {
                bearer_token: None,
                listen: None,
            },
            limits: LimitSettings {
                cross_scope_duplicates_per_hour: 30,
                custom_filter_selective: default_custom_filter_selective(),
                board_walk_from: default_board_walk_from(),
            },
            jobs: JobSettings::default(),
            rate_limit: Default::default(),
            redis: Default::default(),
            webhooks: Default::default(),
            outbound: Default::default(),
            storage: crate::storage::StorageSettings::default(),
        }
    }
}

/// Why the settings cannot be used. Printed as-is to the operator by `kaidan`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration: {0}")]
    Load(String),
    #[error("invalid setting `{field}`: {reason}")]
    Invalid { field: &'static str, reason: String },
}

impl Settings {
    /// Loads defaults, then `kaidan.toml` (or `path`), then `KAIDAN_*` variables, and validates.
    pub fn load(path: Option<&Path>) -> Result<Settings, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        match path {
            Some(p) => {
                if !p.exists() {
                    return Err(ConfigError::Load(format!("{} does not exist", p.display())));
                }
                fig = fig.merge(Toml::file(p));
            }
            None => fig = fig.merge(Toml::file("kaidan.toml")),
        }
        let settings: Settings = fig
            .merge(
                Env::prefixed("KAIDAN_")
                    // Variables that belong to the command line and the test suite, not to settings.
                    .filter(|k| {
                        k != "password" && !k.as_str().to_ascii_lowercase().starts_with("test_")
                    })
                    .split("__"),
            )
            .extract()
            .map_err(|e| ConfigError::Load(e.to_string()))?;
        settings.validate()?;
        Ok(settings)
    }

    /// Refuses settings that would make the server unsafe or unable to work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        DatabaseKind::of(self.database_url.expose_secret())?;
        let a = &self.auth;
        if !(30..=900).contains(&a.access_ttl_secs) {
            return Err(ConfigError::Invalid {
                field: "auth.access_ttl_secs",
                reason: "must be between 30 and 900 seconds (access tokens are short-lived)".into(),
            });
        }
        if !(1..=365).contains(&a.refresh_ttl_days) {
            return Err(ConfigError::Invalid {
                field: "auth.refresh_ttl_days",
                reason: "must be between 1 and 365".into(),
            });
        }
        if a.argon2_memory_kib < 8 || a.argon2_iterations < 1 || a.argon2_lanes < 1 {
            return Err(ConfigError::Invalid {
                field: "auth.argon2_*",
                reason: "memory ≥ 8 KiB, iterations ≥ 1, lanes ≥ 1".into(),
            });
        }
        if a.issuer.is_empty() || a.audience.is_empty() {
            return Err(ConfigError::Invalid {
                field: "auth.issuer/audience",
                reason: "must not be empty".into(),
            });
        }
        if self.server.body_limit_bytes < 1024 {
            return Err(ConfigError::Invalid {
                field: "server.body_limit_bytes",
                reason: "must be at least 1024".into(),
            });
        }
        if a.max_failures_per_account < 1
            || a.max_failures_per_ip < 1
            || !(1..=86_400).contains(&a.failure_window_secs)
        {
            return Err(ConfigError::Invalid {
                field: "auth.max_failures_*",
                reason: "limits must be at least 1 and the window 1–86400 seconds".into(),
            });
        }
        if !(1..=3_600_000).contains(&a.max_slowdown_ms) {
            return Err(ConfigError::Invalid {
                field: "auth.max_slowdown_ms",
                reason: "must be between 1 and 3600000".into(),
            });
        }
        if self.limits.cross_scope_duplicates_per_hour < 1 {
            return Err(ConfigError::Invalid {
                field: "limits.cross_scope_duplicates_per_hour",
                reason: "must be at least 1 (0 would hide every likely duplicate in other teams)"
                    .into(),
            });
        }
        let j = &self.jobs;
        if !(1..=3600).contains(&j.poll_secs) || j.lease_secs < 10 || j.lease_secs > 86_400 {
            return Err(ConfigError::Invalid {
                field: "jobs.*",
                reason: "poll_secs must be 1–3600 and lease_secs 10–86400".into(),
            });
        }
        if j.tz().is_none() {
            return Err(ConfigError::Invalid {
                field: "jobs.time_zone",
                reason: "must be an IANA time zone name, like Asia/Shanghai".into(),
            });
        }
        if j.digest_time().is_none() {
            return Err(ConfigError::Invalid {
                field: "jobs.digest_at",
                reason: "must be a local time as HH:MM, like 08:30".into(),
            });
        }
        if let Some((field, reason)) = self.storage.problem() {
            return Err(ConfigError::Invalid { field, reason });
        }
        if let Some(l) = &self.metrics.listen {
            if l.parse::<std::net::SocketAddr>().is_err() {
                return Err(ConfigError::Invalid {
                    field: "metrics.listen",
                    reason: "must be an address with a port, like 127.0.0.1:9100".into(),
                });
            }
        }
        if self
            .metrics
            .bearer_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().len() < 16)
        {
            return Err(ConfigError::Invalid {
                field: "metrics.bearer_token",
                reason: "must be at least 16 characters".into(),
            });
        }
        if !matches!(self.log.format.as_str(), "pretty" | "json") {
            return Err(ConfigError::Invalid {
                field: "log.format",
                reason: "must be `pretty` or `json`".into(),
            });
        }
        Ok(())
    }

    /// The URL sqlx understands (`mariadb://` is spelled `mysql://` there).
    pub fn normalized_database_url(&self) -> String {
        let url = self.database_url.expose_secret();
        match url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => url.to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
    MySql,
}

impl DatabaseKind {
    pub fn of(url: &str) -> Result<DatabaseKind, ConfigError> {
        let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or("");
        match scheme {
            "sqlite" => Ok(DatabaseKind::Sqlite),
            "postgres" | "postgresql" => Ok(DatabaseKind::Postgres),
            "mysql" | "mariadb" => Ok(DatabaseKind::MySql),
            _ => Err(ConfigError::Invalid {
                field: "database_url",
                reason: "must start with sqlite://, postgres://, mysql:// or mariadb://".into(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_embedded() {
        let s = Settings::default();
        s.validate().unwrap();
        assert_eq!(
            DatabaseKind::of(s.database_url.expose_secret()).unwrap(),
            DatabaseKind::Sqlite
        );
        assert!(s.auth.access_ttl_secs <= 900);
    }

    #[test]
    fn unsafe_or_unknown_settings_are_refused() {
        let mut s = Settings::default();
        s.auth.access_ttl_secs = 3600;
        assert!(matches!(
            s.validate(),
            Err(ConfigError::Invalid {
                field: "auth.access_ttl_secs",
                ..
            })
        ));
        let s = Settings {
            database_url: "oracle://x".into(),
            ..Settings::default()
        };
        assert!(s.validate().is_err());
        let s = Settings {
            database_url: "mariadb://root@localhost/k".into(),
            ..Settings::default()
        };
        assert_eq!(s.normalized_database_url(), "mysql://root@localhost/k");
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let mut s = Settings {
            database_url: "postgres://kaidan:hunter2-db@db/kaidan".into(),
            ..Settings::default()
        };
        s.auth.signing_key_pem = Some("-----BEGIN PRIVATE KEY-----MC4CAQ".into());
        s.metrics.bearer_token = Some("metrics-secret-0123456789".into());
        let printed = format!("{s:?} {s:#?}");
        for secret in ["hunter2-db", "MC4CAQ", "metrics-secret"] {
            assert!(!printed.contains(secret), "{secret} leaked: {printed}");
        }
    }

    #[test]
    fn trusted_proxies_come_as_a_list_or_a_comma_separated_string() {
        let s: ServerSettings = serde_json::from_value(serde_json::json!({
            "host": "h", "port": 1, "body_limit_bytes": 2048, "workers": 0,
            "trusted_proxies": "127.0.0.1/32, 10.0.0.0/8,::1"
        }))
        .unwrap();
        assert_eq!(s.trusted_proxies.len(), 3);
        let bad: Result<ServerSettings, _> = serde_json::from_value(serde_json::json!({
            "host": "h", "port": 1, "body_limit_bytes": 2048, "workers": 0,
            "trusted_proxies": ["10.0.0.0/8", "nonsense"]
        }));
        assert!(bad.is_err());
    }
}
