use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One row whose number moves on with every change to what writes are checked against — field
/// definitions, option lists, the pipeline's stages, lead assignment rules — in the change's own
/// transaction. Each server instance keeps those settings in memory and reads only this number per
/// request to know its copy is current (`services::rules_cache`): at a million customers the
/// settings' five reads were a quarter of a lead's creation.
#[derive(DeriveIden)]
enum SettingsVersion {
    Table,
    Id,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, SettingsVersion::Table)
                .col(
                    ColumnDef::new(SettingsVersion::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(SettingsVersion::Version)
                        .big_integer()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared("INSERT INTO settings_version (id, version) VALUES (1, 1)")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SettingsVersion::Table).to_owned())
            .await
    }
}
