use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// API clients (开放平台 · 应用): third-party systems with OAuth2 client credentials.
///
/// Each client has a service user (`user_id`, role `integration`) that places it in the org, so
/// its data scope and its audit entries are a user's. `scopes` and `allowed_ips` are
/// space-separated lists (a handful of short words each: no JSON needed on any backend).
/// `secret_version` counts rotations: a token remembers the version it was issued under, and
/// the one before works until `previous_valid_until` (the rotation's grace).
#[derive(DeriveIden)]
enum ApiClients {
    Table,
    Id,
    UserId,
    Name,
    Scopes,
    AllowedIps,
    SecretHash,
    SecretVersion,
    PreviousSecretHash,
    PreviousValidUntil,
    RatePerMinute,
    DisabledAt,
    LastUsedAt,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
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
            table(m, ApiClients::Table)
                .col(uuid_pk(ApiClients::Id))
                .col(uuid_col(ApiClients::UserId))
                .col(string(ApiClients::Name, 64))
                .col(string(ApiClients::Scopes, 1000))
                .col(string(ApiClients::AllowedIps, 2000))
                .col(string(ApiClients::SecretHash, 255))
                .col(
                    ColumnDef::new(ApiClients::SecretVersion)
                        .big_integer()
                        .not_null(),
                )
                .col(string_null(ApiClients::PreviousSecretHash, 255))
                .col(ts_null(m, ApiClients::PreviousValidUntil))
                .col(
                    ColumnDef::new(ApiClients::RatePerMinute)
                        .big_integer()
                        .null(),
                )
                .col(ts_null(m, ApiClients::DisabledAt))
                .col(ts_null(m, ApiClients::LastUsedAt))
                .col(version(ApiClients::Version))
                .col(uuid_null(ApiClients::CreatedBy))
                .col(ts_not_null(m, ApiClients::CreatedAt))
                .col(ts_not_null(m, ApiClients::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_api_clients_user")
                        .from(ApiClients::Table, ApiClients::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                ApiClients::Table,
                "user",
                vec![ApiClients::UserId.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiClients::Table).to_owned())
            .await
    }
}
