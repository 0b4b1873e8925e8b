use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Regions {
    Table,
    Id,
    Name,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Regions::Table)
                .col(uuid_pk(Regions::Id))
                .col(string(Regions::Name, 64).unique_key())
                .col(version(Regions::Version))
                .col(ts_not_null(m, Regions::CreatedAt))
                .col(ts_not_null(m, Regions::UpdatedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Regions::Table).to_owned())
            .await
    }
}
