use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Layouts (布局) per record type — the form and detail sections and the list's default columns
/// (JSON, see `kaidan_shared::layout`) — and each user's own list columns. A record type
/// without a row uses the default layout.
#[derive(DeriveIden)]
enum Layouts {
    Table,
    /// The id its audit rows name.
    Id,
    Resource,
    /// JSON array of sections.
    Sections,
    /// JSON array of field references.
    ListColumns,
    Version,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserColumns {
    Table,
    UserId,
    Resource,
    /// JSON array of field references.
    Columns,
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
            table(m, Layouts::Table)
                .col(string(Layouts::Resource, 32).primary_key())
                .col(uuid_col(Layouts::Id))
                .col(ColumnDef::new(Layouts::Sections).text().not_null())
                .col(ColumnDef::new(Layouts::ListColumns).text().not_null())
                .col(version(Layouts::Version))
                .col(uuid_null(Layouts::UpdatedBy))
                .col(ts_not_null(m, Layouts::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, UserColumns::Table)
                .col(uuid_col(UserColumns::UserId))
                .col(string(UserColumns::Resource, 32))
                .col(ColumnDef::new(UserColumns::Columns).text().not_null())
                .col(ts_not_null(m, UserColumns::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(UserColumns::UserId)
                        .col(UserColumns::Resource),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_user_columns_user")
                        .from(UserColumns::Table, UserColumns::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UserColumns::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Layouts::Table).to_owned())
            .await
    }
}
