use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261124_000001_create_regions::Regions;
use crate::m20261124_000002_create_teams::Teams;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    TeamId,
    /// The user's region: their team's region, or the region a manager owns. Kept in step with
    /// the team by the service so that region scope is one indexed comparison.
    RegionId,
    Email,
    Phone,
    Active,
    /// Access tokens issued before this instant are refused (password change, reset, deactivation).
    TokensValidAfter,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Users::Table)
                .col(uuid_pk(Users::Id))
                .col(string(Users::Username, 32).unique_key())
                .col(string(Users::DisplayName, 64))
                .col(string(Users::PasswordHash, 255))
                .col(string(Users::Role, 32))
                .col(uuid_null(Users::TeamId))
                .col(uuid_null(Users::RegionId))
                .col(string_null(Users::Email, 254))
                .col(string_null(Users::Phone, 32))
                .col(boolean(Users::Active).default(true))
                .col(ts_null(m, Users::TokensValidAfter))
                .col(version(Users::Version))
                .col(ts_not_null(m, Users::CreatedAt))
                .col(ts_not_null(m, Users::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_users_team")
                        .from(Users::Table, Users::TeamId)
                        .to(Teams::Table, Teams::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_users_region")
                        .from(Users::Table, Users::RegionId)
                        .to(Regions::Table, Regions::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(Users::Table, "team", vec![Users::TeamId.into_iden()]))
            .await?;
        m.create_index(index(
            Users::Table,
            "region",
            vec![Users::RegionId.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}
