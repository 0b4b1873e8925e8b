use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261124_000006_create_customers::Customers;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Custom field definitions (自定义字段) per record type, and the `custom` JSON column on the
/// records that have them (the values, keyed by field key). A value the role may not see stays in
/// the column and is taken out of every answer by the service (`kaidan_shared::field::visible`).
#[derive(DeriveIden)]
enum FieldDefs {
    Table,
    Id,
    Resource,
    Key,
    LabelZh,
    LabelEn,
    Kind,
    Required,
    /// JSON: the value a new record gets.
    DefaultValue,
    HelpZh,
    HelpEn,
    Section,
    Position,
    /// The key of the option list of a choice field.
    OptionList,
    /// JSON arrays of role names.
    VisibleTo,
    EditableBy,
    Filterable,
    Active,
    /// Some record holds a value: key and kind are fixed.
    Used,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
}

#[derive(DeriveIden)]
enum Cols {
    Custom,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, FieldDefs::Table)
                .col(uuid_pk(FieldDefs::Id))
                .col(string(FieldDefs::Resource, 32))
                .col(string(FieldDefs::Key, 40))
                .col(string(FieldDefs::LabelZh, 64))
                .col(string(FieldDefs::LabelEn, 64))
                .col(string(FieldDefs::Kind, 16))
                .col(boolean(FieldDefs::Required).default(false))
                .col(text_null(FieldDefs::DefaultValue))
                .col(text_null(FieldDefs::HelpZh))
                .col(text_null(FieldDefs::HelpEn))
                .col(string_null(FieldDefs::Section, 64))
                .col(ColumnDef::new(FieldDefs::Position).integer().not_null())
                .col(string_null(FieldDefs::OptionList, 40))
                .col(ColumnDef::new(FieldDefs::VisibleTo).text().not_null())
                .col(ColumnDef::new(FieldDefs::EditableBy).text().not_null())
                .col(boolean(FieldDefs::Filterable).default(false))
                .col(boolean(FieldDefs::Active).default(true))
                .col(boolean(FieldDefs::Used).default(false))
                .col(version(FieldDefs::Version))
                .col(ts_not_null(m, FieldDefs::CreatedAt))
                .col(ts_not_null(m, FieldDefs::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                FieldDefs::Table,
                "resource_key",
                vec![FieldDefs::Resource.into_iden(), FieldDefs::Key.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        for t in [Customers::Table.into_iden(), Contacts::Table.into_iden()] {
            m.alter_table(
                Table::alter()
                    .table(t)
                    .add_column(text_null(Cols::Custom))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [Customers::Table.into_iden(), Contacts::Table.into_iden()] {
            m.alter_table(Table::alter().table(t).drop_column(Cols::Custom).to_owned())
                .await?;
        }
        m.drop_table(Table::drop().table(FieldDefs::Table).to_owned())
            .await
    }
}
