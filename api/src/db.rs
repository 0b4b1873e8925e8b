//! Database connections for SQLite, PostgreSQL and MySQL/MariaDB.

use std::time::Duration;

use kaidan_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::config::{DatabaseKind, Settings};

/// Connects to the configured database.
///
/// SQLite gets one connection in WAL mode with a busy timeout: requests queue for it in order.
/// Measured on 1M customers (docs/benchmarks.md): a pool of four let reads run side by side
/// (+5–15 % on lists and get-one) but pushed write p99 from 17–28 ms to 230–520 ms, because a
/// writer that finds SQLite's lock taken sleeps in growing steps (1, 2, 5 … 100 ms) instead of
/// queueing. Writing transactions still start with `BEGIN IMMEDIATE` (`services::begin_write`),
/// so nothing breaks when someone raises the pool. Companies that need concurrent writers run
/// PostgreSQL or MySQL, which get a real pool.
pub async fn connect(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.normalized_database_url();
    let kind = DatabaseKind::of(&url)?;
    if kind == DatabaseKind::Sqlite {
        ensure_sqlite_dir(&url)?;
    }
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15));
    match kind {
        DatabaseKind::Sqlite => {
            opts.max_connections(1).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
                    .pragma("wal_autocheckpoint", WRITER_CHECKPOINT_PAGES.to_string())
            });
        }
        DatabaseKind::MySql => {
            opts.max_connections(settings.database_max_connections);
            // Timestamps are stored as UTC `datetime(6)`; make the session agree.
            opts.map_sqlx_mysql_opts(|o| o.timezone(Some("+00:00".into())).charset("utf8mb4"));
        }
        DatabaseKind::Postgres => {
            opts.max_connections(settings.database_max_connections);
            // Request paths are short keyset walks that stop after a page. PostgreSQL's planner
            // may still hand one to parallel workers (the walk of a custom field's index for a
            // sorted list: 14 ms alone, 35–60 ms with workers, who then also take the cores
            // other requests need). Reports that want workers can `SET LOCAL` them.
            opts.map_sqlx_postgres_opts(|o| o.options([("max_parallel_workers_per_gather", "0")]));
        }
    }
    Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))
}

/// The connections reads go through. On SQLite: a pool of read-only connections beside the one
/// writer, so a list or a get never queues behind a write (WAL lets readers and the writer run at
/// once; each read sees everything committed before it began). On PostgreSQL and MySQL the one
/// pool already does both, and this is a handle to it.
///
/// (The earlier measurement of a pool of four *read-write* SQLite connections — write p99 up to
/// 0.5 s — does not apply: these connections never take the write lock, so the writer never
/// sleeps in SQLite's busy handler because of them.)
pub async fn connect_reader(
    settings: &Settings,
    writer: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    let url = settings.normalized_database_url();
    if DatabaseKind::of(&url)? != DatabaseKind::Sqlite || is_memory(&url) {
        return Ok(writer.clone());
    }
    let readers = settings.server.workers.clamp(2, 8) as u32;
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        .max_connections(readers)
        .min_connections(1);
    opts.map_sqlx_sqlite_opts(|o| {
        o.read_only(true)
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true)
    });
    Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database for reading: {e}"))
}

/// How often the background checkpointer copies SQLite's write-ahead log into the database.
/// Measured at 1M customers with leads created and converted from eight connections: every
/// second, each checkpoint copied some 60 MB at once and its fsync stalled the writer (create
/// p99 41–48 ms against 23–30 ms with the writer's own checkpoints); every 100 ms, small copies
/// (p99 23 ms) at the throughput of the background (+10–20 %). An idle tick finds nothing to do.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// The writer's own checkpoint threshold, in pages of 4 KiB (SQLite's default is 1,000): only a
/// safety net behind the background checkpointer, and what bounds the log for commands that run
/// without it (`seed-bench` writing a million rows).
const WRITER_CHECKPOINT_PAGES: u32 = 10_000;

/// On file-backed SQLite, copies the write-ahead log into the database file in the background,
/// every 100 ms, on a connection of its own (`PRAGMA wal_checkpoint(PASSIVE)`, which never waits
/// for the writer or a reader). Without it the write that happens to pass the threshold runs the
/// checkpoint itself, fsync and all, while it holds the one write lock: every writer queued
/// behind it waits too, which was the tail of lead creation and conversion at 1M customers
/// (docs/benchmarks.md). With synchronous=NORMAL in WAL mode, checkpoints are the only fsyncs.
pub async fn spawn_sqlite_checkpointer(settings: &Settings) -> anyhow::Result<()> {
    let url = settings.normalized_database_url();
    if DatabaseKind::of(&url)? != DatabaseKind::Sqlite || is_memory(&url) {
        return Ok(());
    }
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        .max_connections(1)
        .min_connections(1);
    opts.map_sqlx_sqlite_opts(|o| o.create_if_missing(false));
    let conn = Database::connect(opts)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database for checkpoints: {e}"))?;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = conn
                .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
                .await
            {
                tracing::warn!(error = %e, "SQLite checkpoint failed; will retry");
            }
        }
    });
    Ok(())
}

fn is_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))
}

/// Prepares a file-backed SQLite URL, so the embedded run works on a fresh clone and keeps its
/// data private: the folder is created `0700`, the database file `0600` (SQLite gives its `-wal`
/// and `-shm` files the same mode), and an existing file others can read is tightened to `0600`.
fn ensure_sqlite_dir(url: &str) -> anyhow::Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or("");
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    let file = std::path::Path::new(path);
    if let Some(dir) = file.parent() {
        if !dir.as_os_str().is_empty() {
            crate::fs_private::create_dir(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
    }
    crate::fs_private::create_file(file)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", file.display()))?;
    // Journal files an older, laxer install left behind hold the same data.
    for suffix in ["-wal", "-shm"] {
        let side = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        if side.exists() {
            crate::fs_private::create_file(&side)
                .map_err(|e| anyhow::anyhow!("cannot secure {}: {e}", side.display()))?;
        }
    }
    Ok(())
}
