use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Failed and successful sign-ins, for per-account and per-IP throttling. Kept in the database
/// (not in memory) so that several `kaidan serve` instances share one count.
#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    Ip,
    Succeeded,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, LoginAttempts::Table)
                .col(uuid_pk(LoginAttempts::Id))
                .col(string(LoginAttempts::Username, 64))
                .col(string(LoginAttempts::Ip, 64))
                .col(boolean(LoginAttempts::Succeeded))
                .col(ts_not_null(m, LoginAttempts::At))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            LoginAttempts::Table,
            "username_at",
            vec![
                LoginAttempts::Username.into_iden(),
                LoginAttempts::At.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            LoginAttempts::Table,
            "ip_at",
            vec![LoginAttempts::Ip.into_iden(), LoginAttempts::At.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(LoginAttempts::Table).to_owned())
            .await
    }
}
