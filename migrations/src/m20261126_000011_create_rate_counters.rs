use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Fixed-window counters for throttling (sign-in attempts per account and address, per address,
/// failures per account; duplicate-check answers per user). One row a key, taken with conditional
/// UPDATEs so that concurrent requests on any engine and any number of instances never take more
/// than the window allows.
#[derive(DeriveIden)]
enum RateCounters {
    Table,
    /// `<kind>|<subject>|<ip>`.
    Key,
    /// What is counted against: a username or user id (empty for per-address counters).
    Subject,
    Ip,
    Count,
    WindowStartedAt,
    /// Set once when the window's last allowed attempt failed (a lock began), so the lock is
    /// audited exactly once.
    LockedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, RateCounters::Table)
                .col(string(RateCounters::Key, 200).primary_key())
                .col(string(RateCounters::Subject, 64))
                .col(string(RateCounters::Ip, 64))
                .col(ColumnDef::new(RateCounters::Count).big_integer().not_null())
                .col(ts_not_null(m, RateCounters::WindowStartedAt))
                .col(ts_null(m, RateCounters::LockedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            RateCounters::Table,
            "subject",
            vec![RateCounters::Subject.into_iden()],
        ))
        .await?;
        m.create_index(index(
            RateCounters::Table,
            "window",
            vec![RateCounters::WindowStartedAt.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RateCounters::Table).to_owned())
            .await
    }
}
