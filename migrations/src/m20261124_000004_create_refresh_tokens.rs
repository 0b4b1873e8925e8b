use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261124_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    /// All tokens descended from one sign-in; reuse of any used token revokes the family.
    FamilyId,
    /// SHA-256 of the token, hex. The token itself is never stored.
    TokenHash,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, RefreshTokens::Table)
                .col(uuid_pk(RefreshTokens::Id))
                .col(uuid_col(RefreshTokens::UserId))
                .col(uuid_col(RefreshTokens::FamilyId))
                .col(string(RefreshTokens::TokenHash, 64).unique_key())
                .col(ts_not_null(m, RefreshTokens::ExpiresAt))
                .col(ts_null(m, RefreshTokens::UsedAt))
                .col(ts_null(m, RefreshTokens::RevokedAt))
                .col(ts_not_null(m, RefreshTokens::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_refresh_tokens_user")
                        .from(RefreshTokens::Table, RefreshTokens::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            RefreshTokens::Table,
            "family",
            vec![RefreshTokens::FamilyId.into_iden()],
        ))
        .await?;
        m.create_index(index(
            RefreshTokens::Table,
            "user",
            vec![RefreshTokens::UserId.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RefreshTokens::Table).to_owned())
            .await
    }
}
