use sea_orm_migration::prelude::*;

use crate::m20261124_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Whether the account's password is the published demo password, set whenever a password is
/// set, so `kaidan serve` and `/readyz` can warn without hashing anything.
#[derive(DeriveIden)]
enum Cols {
    DemoPassword,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Cols::DemoPassword)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Cols::DemoPassword)
                .to_owned(),
        )
        .await
    }
}
