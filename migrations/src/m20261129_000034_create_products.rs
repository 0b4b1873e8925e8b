use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261126_000016_create_option_lists::{delete_lists, insert_list};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The product catalogue (产品), price lists (价格表) and their entries, the option lists of
/// product categories and units, and the grants column of users (a product manager keeps the
/// catalogue without being an admin).
///
/// The catalogue reads by code (`code_key`, the code in lower case: unique, so codes differ by
/// more than case) and by category then code; a price list's entries by list then product.
#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Code,
    /// `lower(code)`: what uniqueness and the code order read.
    CodeKey,
    Name,
    /// An option key of `product_category`.
    Category,
    /// An option key of `product_unit`.
    Unit,
    Spec,
    /// 分 per unit, before tax.
    ListPrice,
    /// Basis points: 1300 is 13 %.
    TaxRateBp,
    Description,
    Active,
    Custom,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PriceLists {
    Table,
    Id,
    Name,
    ValidFrom,
    ValidTo,
    Active,
    Notes,
    EntryCount,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PriceListEntries {
    Table,
    PriceListId,
    ProductId,
    Price,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    /// Grant keys, comma-separated (`product_manager`).
    Grants,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(
                    ColumnDef::new(Users::Grants)
                        .string_len(200)
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, Products::Table)
                .col(uuid_pk(Products::Id))
                .col(string(Products::Code, 40))
                .col(string(Products::CodeKey, 40))
                .col(string(Products::Name, 200))
                .col(string_null(Products::Category, 40))
                .col(string_null(Products::Unit, 40))
                .col(string_null(Products::Spec, 200))
                .col(ColumnDef::new(Products::ListPrice).big_integer().not_null())
                .col(ColumnDef::new(Products::TaxRateBp).integer().not_null())
                .col(text_null(Products::Description))
                .col(boolean(Products::Active))
                .col(text_null(Products::Custom))
                .col(version(Products::Version))
                .col(ts_not_null(m, Products::CreatedAt))
                .col(ts_not_null(m, Products::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(Products::Table, "code", vec![Products::CodeKey.into_iden()])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Products::Table,
                "category_code",
                vec![
                    Products::Category.into_iden(),
                    Products::CodeKey.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, PriceLists::Table)
                .col(uuid_pk(PriceLists::Id))
                .col(string(PriceLists::Name, 200))
                .col(ColumnDef::new(PriceLists::ValidFrom).date().not_null())
                .col(ColumnDef::new(PriceLists::ValidTo).date().null())
                .col(boolean(PriceLists::Active))
                .col(text_null(PriceLists::Notes))
                .col(
                    ColumnDef::new(PriceLists::EntryCount)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(version(PriceLists::Version))
                .col(ts_not_null(m, PriceLists::CreatedAt))
                .col(ts_not_null(m, PriceLists::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, PriceListEntries::Table)
                .col(uuid_col(PriceListEntries::PriceListId))
                .col(uuid_col(PriceListEntries::ProductId))
                .col(
                    ColumnDef::new(PriceListEntries::Price)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(PriceListEntries::PriceListId)
                        .col(PriceListEntries::ProductId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_price_list_entries_list")
                        .from(PriceListEntries::Table, PriceListEntries::PriceListId)
                        .to(PriceLists::Table, PriceLists::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_price_list_entries_product")
                        .from(PriceListEntries::Table, PriceListEntries::ProductId)
                        .to(Products::Table, Products::Id),
                )
                .to_owned(),
        )
        .await?;
        insert_list(
            m,
            "product_category",
            "产品分类",
            "Product category",
            &[
                ("software", "软件", "Software"),
                ("hardware", "硬件", "Hardware"),
                ("service", "服务", "Services"),
                ("subscription", "订阅", "Subscription"),
                ("other", "其他", "Other"),
            ],
        )
        .await?;
        insert_list(
            m,
            "product_unit",
            "产品单位",
            "Product unit",
            &[
                ("set", "套", "set"),
                ("piece", "个", "piece"),
                ("unit", "台", "unit"),
                ("user_year", "用户·年", "user-year"),
                ("year", "年", "year"),
                ("day", "人天", "person-day"),
                ("time", "次", "time"),
                ("item", "项", "item"),
            ],
        )
        .await?;
        m.get_connection()
            .execute_unprepared("UPDATE settings_version SET version = version + 1 WHERE id = 1")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        delete_lists(m, &["product_category", "product_unit"]).await?;
        m.drop_table(Table::drop().table(PriceListEntries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PriceLists::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Products::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::Grants)
                .to_owned(),
        )
        .await
    }
}
