//! Database connections for SQLite, PostgreSQL and MySQL/MariaDB.

use std::time::Duration;

use kaidan_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::config::{DatabaseKind, Settings};

/// Connects to the configured database.
///
/// SQLite runs in WAL mode with a busy timeout and a small pool: readers run side by side (WAL
/// never blocks them), writers queue on SQLite's write lock. Every transaction that writes starts
/// with `BEGIN IMMEDIATE` (`services::begin_write`), so none fails with `SQLITE_BUSY` trying to
/// upgrade a read snapshot. (One connection for everything, as before, made every request wait
/// for every other one: the load benchmark's list p99 was mostly queueing.) An in-memory database
/// keeps one connection, since each connection would open a database of its own.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.normalized_database_url();
    let kind = DatabaseKind::of(&url)?;
    if kind == DatabaseKind::Sqlite {
        ensure_sqlite_dir(&url)?;
    }
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15));
    match kind {
        DatabaseKind::Sqlite => {
            let pool = if in_memory {
                1
            } else {
                settings.database_max_connections.clamp(1, 4)
            };
            opts.max_connections(pool).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
            });
        }
        DatabaseKind::MySql => {
            opts.max_connections(settings.database_max_connections);
            // Timestamps are stored as UTC `datetime(6)`; make the session agree.
            opts.map_sqlx_mysql_opts(|o| o.timezone(Some("+00:00".into())).charset("utf8mb4"));
        }
        DatabaseKind::Postgres => {
            opts.max_connections(settings.database_max_connections);
        }
    }
    Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// Creates the folder of a file-backed SQLite URL, so the embedded run works on a fresh clone.
fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(dir) = std::path::Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
    }
    Ok(())
}
