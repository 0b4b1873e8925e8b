use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The company's own particulars (one row, id 1): what a printed quote or contract carries as
/// its letterhead — name, address, phone, credit code, bank and account.
#[derive(DeriveIden)]
enum CompanyProfile {
    Table,
    Id,
    Name,
    Address,
    Phone,
    Email,
    CreditCode,
    BankName,
    BankAccount,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, CompanyProfile::Table)
                .col(
                    ColumnDef::new(CompanyProfile::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(string(CompanyProfile::Name, 200))
                .col(string_null(CompanyProfile::Address, 500))
                .col(string_null(CompanyProfile::Phone, 32))
                .col(string_null(CompanyProfile::Email, 254))
                .col(string_null(CompanyProfile::CreditCode, 18))
                .col(string_null(CompanyProfile::BankName, 200))
                .col(string_null(CompanyProfile::BankAccount, 64))
                .col(version(CompanyProfile::Version))
                .col(ts_not_null(m, CompanyProfile::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(CompanyProfile::Table)
                .columns([
                    CompanyProfile::Id,
                    CompanyProfile::Name,
                    CompanyProfile::Version,
                    CompanyProfile::UpdatedAt,
                ])
                .values_panic([1.into(), "".into(), 1i64.into(), chrono::Utc::now().into()])
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CompanyProfile::Table).to_owned())
            .await
    }
}
