use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Attachments of any record (a visit's photos now; contracts' files next): what the storage
/// layer keeps under `key` (and a thumbnail under `thumb_key`), and whose record it belongs to.
/// Who may see or change one is decided by its record.
#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    /// The record type (`visit`).
    Resource,
    RecordId,
    /// `photo` (re-encoded, no metadata) or `file`.
    Kind,
    ContentType,
    SizeBytes,
    Width,
    Height,
    Key,
    ThumbKey,
    /// The name the uploader's device gave it (shown, never used as a path).
    OriginalName,
    CreatedBy,
    CreatedAt,
    ArchivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Attachments::Table)
                .col(uuid_pk(Attachments::Id))
                .col(string(Attachments::Resource, 32))
                .col(uuid_col(Attachments::RecordId))
                .col(string(Attachments::Kind, 16))
                .col(string(Attachments::ContentType, 100))
                .col(
                    ColumnDef::new(Attachments::SizeBytes)
                        .big_integer()
                        .not_null(),
                )
                .col(ColumnDef::new(Attachments::Width).integer().null())
                .col(ColumnDef::new(Attachments::Height).integer().null())
                .col(string(Attachments::Key, 200))
                .col(string_null(Attachments::ThumbKey, 200))
                .col(string_null(Attachments::OriginalName, 200))
                .col(uuid_null(Attachments::CreatedBy))
                .col(ts_not_null(m, Attachments::CreatedAt))
                .col(ts_null(m, Attachments::ArchivedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Attachments::Table,
                "record",
                vec![
                    Attachments::Resource.into_iden(),
                    Attachments::RecordId.into_iden(),
                    Attachments::CreatedAt.into_iden(),
                    Attachments::Id.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Attachments::Table).to_owned())
            .await
    }
}
