use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The filter index of custom values: one row per (record, choice-like field, value) — a single
/// choice, each key of a multiple choice, a yes/no, a user — written with the record's change in
/// the same transaction. A list filtered by a custom field probes it per candidate row
/// (`EXISTS`, by the primary key), so the filter costs what the list's own index walk costs
/// whatever the number of records (docs/benchmarks.md). The record's `custom` column stays the
/// source of truth; this table only answers "which records have this value".
#[derive(DeriveIden)]
enum CustomValues {
    Table,
    Resource,
    FieldKey,
    Value,
    RecordId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, CustomValues::Table)
                .col(string(CustomValues::Resource, 32))
                .col(string(CustomValues::FieldKey, 40))
                .col(string(CustomValues::Value, 64))
                .col(uuid_col(CustomValues::RecordId))
                .primary_key(
                    Index::create()
                        .col(CustomValues::Resource)
                        .col(CustomValues::FieldKey)
                        .col(CustomValues::Value)
                        .col(CustomValues::RecordId),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            CustomValues::Table,
            "record",
            vec![CustomValues::RecordId.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CustomValues::Table).to_owned())
            .await
    }
}
