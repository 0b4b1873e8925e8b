use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Remembered answers to POSTs sent with `Idempotency-Key`, per caller. A row whose
/// `status_code` is null is a request still in flight.
#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    IdemKey,
    /// SHA-256 of method, path and body: the same key with another request is refused.
    RequestHash,
    StatusCode,
    ResponseHeaders,
    ResponseBody,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use IdempotencyKeys as K;
        m.create_table(
            table(m, K::Table)
                .col(uuid_col(K::UserId))
                .col(string(K::IdemKey, 255))
                .col(string(K::RequestHash, 64))
                .col(ColumnDef::new(K::StatusCode).integer().null())
                .col(text_null(K::ResponseHeaders))
                .col(text_null(K::ResponseBody))
                .col(ts_not_null(m, K::CreatedAt))
                .primary_key(Index::create().col(K::UserId).col(K::IdemKey))
                .to_owned(),
        )
        .await?;
        m.create_index(index(K::Table, "created", vec![K::CreatedAt.into_iden()]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}
