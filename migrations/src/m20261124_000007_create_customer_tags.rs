use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261124_000006_create_customers::Customers;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tags live in their own table so "customers tagged X" is an indexed lookup on every engine.
#[derive(DeriveIden)]
enum CustomerTags {
    Table,
    CustomerId,
    Tag,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, CustomerTags::Table)
                .col(uuid_col(CustomerTags::CustomerId))
                .col(string(CustomerTags::Tag, 32))
                .primary_key(
                    Index::create()
                        .col(CustomerTags::CustomerId)
                        .col(CustomerTags::Tag),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_customer_tags_customer")
                        .from(CustomerTags::Table, CustomerTags::CustomerId)
                        .to(Customers::Table, Customers::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            CustomerTags::Table,
            "tag",
            vec![
                CustomerTags::Tag.into_iden(),
                CustomerTags::CustomerId.into_iden(),
            ],
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CustomerTags::Table).to_owned())
            .await
    }
}
