use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Leased background jobs (one row per job: who holds it until when, where an interrupted run
/// stopped, when it runs next) and the in-app notifications that jobs and modules send.
#[derive(DeriveIden)]
enum Jobs {
    Table,
    Name,
    /// The instance that holds the lease (`host:pid:random`), while a run is under way.
    LeaseHolder,
    LeaseUntil,
    /// The run under way (its audit row carries the id).
    RunId,
    RunStartedAt,
    /// Where the run under way got to: a crashed run's successor resumes here.
    Cursor,
    NextRunAt,
    LastFinishedAt,
    LastError,
    Runs,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    /// What happened (`lead_assigned`, `pool_warning`, `pool_reclaimed`, `deal_stale`…).
    Kind,
    /// The record it is about, for the link.
    Resource,
    RecordId,
    /// The facts the reader's language turns into text (JSON object).
    Data,
    ReadAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Jobs::Table)
                .col(string(Jobs::Name, 64).primary_key())
                .col(string_null(Jobs::LeaseHolder, 96))
                .col(ts_null(m, Jobs::LeaseUntil))
                .col(uuid_null(Jobs::RunId))
                .col(ts_null(m, Jobs::RunStartedAt))
                .col(text_null(Jobs::Cursor))
                .col(ts_not_null(m, Jobs::NextRunAt))
                .col(ts_null(m, Jobs::LastFinishedAt))
                .col(text_null(Jobs::LastError))
                .col(
                    ColumnDef::new(Jobs::Runs)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, Notifications::Table)
                .col(uuid_pk(Notifications::Id))
                .col(uuid_col(Notifications::UserId))
                .col(string(Notifications::Kind, 32))
                .col(string_null(Notifications::Resource, 32))
                .col(uuid_null(Notifications::RecordId))
                .col(ColumnDef::new(Notifications::Data).text().not_null())
                .col(ts_null(m, Notifications::ReadAt))
                .col(ts_not_null(m, Notifications::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notifications_user")
                        .from(Notifications::Table, Notifications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        // The bell's list (newest first: ids are UUIDv7) and its unread count and filter both
        // start with the reader.
        m.create_index(
            index(
                Notifications::Table,
                "user_id",
                vec![
                    Notifications::UserId.into_iden(),
                    Notifications::Id.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Notifications::Table,
                "user_unread",
                vec![
                    Notifications::UserId.into_iden(),
                    Notifications::ReadAt.into_iden(),
                    Notifications::Id.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        // The 90-day purge.
        m.create_index(
            index(
                Notifications::Table,
                "created",
                vec![Notifications::CreatedAt.into_iden()],
            )
            .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Jobs::Table).to_owned())
            .await
    }
}
