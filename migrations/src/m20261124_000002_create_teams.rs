use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261124_000001_create_regions::Regions;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Teams {
    Table,
    Id,
    Name,
    RegionId,
    /// Not a foreign key: users reference teams too, and a cycle of FKs makes inserts awkward
    /// on every engine. The service checks it points at an active user.
    SupervisorId,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Teams::Table)
                .col(uuid_pk(Teams::Id))
                .col(string(Teams::Name, 64).unique_key())
                .col(uuid_col(Teams::RegionId))
                .col(uuid_null(Teams::SupervisorId))
                .col(version(Teams::Version))
                .col(ts_not_null(m, Teams::CreatedAt))
                .col(ts_not_null(m, Teams::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_teams_region")
                        .from(Teams::Table, Teams::RegionId)
                        .to(Regions::Table, Regions::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            Teams::Table,
            "region",
            vec![Teams::RegionId.into_iden()],
        ))
        .await?;
        m.create_index(index(
            Teams::Table,
            "supervisor",
            vec![Teams::SupervisorId.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Teams::Table).to_owned())
            .await
    }
}
