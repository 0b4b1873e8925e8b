use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Append-only: one row per mutation, written in the mutation's own transaction.
/// Ids are UUIDv7, so ordering by id is ordering by time.
#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    Entity,
    EntityId,
    /// The record whose history this row belongs to: the customer for a contact change.
    SubjectId,
    Before,
    After,
    RequestId,
    Ip,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use AuditLog as A;
        m.create_table(
            table(m, A::Table)
                .col(uuid_pk(A::Id))
                .col(uuid_null(A::ActorId))
                .col(string(A::Action, 64))
                .col(string(A::Entity, 32))
                .col(uuid_col(A::EntityId))
                .col(uuid_col(A::SubjectId))
                .col(text_null(A::Before))
                .col(text_null(A::After))
                .col(string_null(A::RequestId, 64))
                .col(string_null(A::Ip, 64))
                .col(ts_not_null(m, A::At))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            A::Table,
            "subject",
            vec![A::SubjectId.into_iden(), A::Id.into_iden()],
        ))
        .await?;
        m.create_index(index(
            A::Table,
            "entity",
            vec![A::Entity.into_iden(), A::EntityId.into_iden()],
        ))
        .await?;
        m.create_index(index(
            A::Table,
            "actor",
            vec![A::ActorId.into_iden(), A::Id.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await
    }
}
