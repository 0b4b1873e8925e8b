use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The log of finished sign-ins was counted after the password check, so parallel guesses all
/// reached it; `rate_counters` replaces it (reserved before the check).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(Alias::new("login_attempts"))
                .if_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::m20261124_000005_create_login_attempts::Migration
            .up(m)
            .await
    }
}
