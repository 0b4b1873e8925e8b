use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261124_000006_create_customers::Customers;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    CustomerId,
    Name,
    Title,
    /// JSON array of phone numbers as typed.
    Phones,
    Email,
    Wechat,
    IsPrimary,
    Notes,
    ArchivedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Contacts as C;
        m.create_table(
            table(m, C::Table)
                .col(uuid_pk(C::Id))
                .col(uuid_col(C::CustomerId))
                .col(string(C::Name, 64))
                .col(string_null(C::Title, 64))
                .col(ColumnDef::new(C::Phones).text().not_null())
                .col(string_null(C::Email, 254))
                .col(string_null(C::Wechat, 64))
                .col(boolean(C::IsPrimary).default(false))
                .col(text_null(C::Notes))
                .col(ts_null(m, C::ArchivedAt))
                .col(version(C::Version))
                .col(ts_not_null(m, C::CreatedAt))
                .col(ts_not_null(m, C::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contacts_customer")
                        .from(C::Table, C::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            C::Table,
            "customer",
            vec![C::CustomerId.into_iden(), C::Id.into_iden()],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await
    }
}
