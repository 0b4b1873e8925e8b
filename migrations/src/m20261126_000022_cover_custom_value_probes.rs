use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CustomValues {
    Table,
    Resource,
    FieldKey,
    Value,
    RecordId,
}

/// A filtered list probes the value index once per candidate row ("does this record hold this
/// value?"). The index on `record_id` alone found the row but had to read the table for the
/// other three columns; this one holds them all, so the probe never leaves the index
/// (PostgreSQL, one filtered page at 1,000,000 customers: 13.4 ms → 2.2 ms). It still serves the
/// writes' "this record's rows of this field" by its leading column.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            CustomValues::Table,
            "probe",
            vec![
                CustomValues::RecordId.into_iden(),
                CustomValues::Resource.into_iden(),
                CustomValues::FieldKey.into_iden(),
                CustomValues::Value.into_iden(),
            ],
        ))
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_custom_values_record")
                .table(CustomValues::Table)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            CustomValues::Table,
            "record",
            vec![CustomValues::RecordId.into_iden()],
        ))
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_custom_values_probe")
                .table(CustomValues::Table)
                .to_owned(),
        )
        .await
    }
}
