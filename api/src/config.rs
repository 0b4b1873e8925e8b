//! One `Settings` struct: built-in defaults → optional `kaidan.toml` → `KAIDAN_*` env vars
//! (nested with `__`, e.g. `KAIDAN_SERVER__PORT=9000`; `KAIDAN_DATABASE_URL` at the top level).
//!
//! Every default works for the embedded run: SQLite under `./data/`, a signing key generated there.

use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://./data/kaidan.db?mode=rwc` (default), `postgres://…`, `mysql://…` or `mariadb://…`.
    pub database_url: String,
    /// Pool size for PostgreSQL/MySQL. SQLite always uses one connection (see `db.rs`).
    pub database_max_connections: u32,
    /// Run pending migrations when `kaidan serve` starts.
    pub auto_migrate: bool,
    pub server: ServerSettings,
    pub auth: AuthSettings,
    pub web: WebSettings,
    pub log: LogSettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    /// Largest accepted JSON body, in bytes.
    pub body_limit_bytes: usize,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted reverse proxy).
    pub trust_forwarded_for: bool,
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
    pub signing_key_pem: Option<String>,
    /// Argon2id memory in KiB, iterations and lanes. Defaults are OWASP's (19 MiB, 2, 1).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_lanes: u32,
    /// Sign-in throttling: failures allowed per account and per IP within the window.
    pub max_failures_per_account: u64,
    pub max_failures_per_ip: u64,
    pub failure_window_secs: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// The built SPA (trunk's output). When it has no `index.html`, a placeholder page is served.
    pub dist_dir: PathBuf,
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
            database_url: "sqlite://./data/kaidan.db?mode=rwc".into(),
            database_max_connections: 10,
            auto_migrate: true,
            server: ServerSettings {
                host: "127.0.0.1".into(),
                port: 8080,
                body_limit_bytes: 256 * 1024,
                trust_forwarded_for: false,
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
            },
            web: WebSettings {
                dist_dir: PathBuf::from("./web/dist"),
            },
            log: LogSettings {
                format: "pretty".into(),
                level: "info".into(),
            },
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
        DatabaseKind::of(&self.database_url)?;
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
        match self.database_url.strip_prefix("mariadb://") {
            Some(rest) => format!("mysql://{rest}"),
            None => self.database_url.clone(),
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
            DatabaseKind::of(&s.database_url).unwrap(),
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
}
