use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261124_000003_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Customers {
    Table,
    Id,
    Kind,
    Name,
    /// `shared::normalize::name_key(name)`: duplicate detection.
    NameKey,
    /// `shared::normalize::search_key(name)`: case/width-insensitive search.
    SearchKey,
    CreditCode,
    Industry,
    Level,
    Phone,
    /// `shared::normalize::phone_key(phone)`: duplicate detection and phone search.
    PhoneKey,
    Address,
    Lat,
    Lng,
    OwnerId,
    Source,
    Notes,
    ArchivedAt,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use Customers as C;
        m.create_table(
            table(m, C::Table)
                .col(uuid_pk(C::Id))
                .col(string(C::Kind, 16))
                .col(string(C::Name, 200))
                .col(string(C::NameKey, 200))
                .col(string(C::SearchKey, 200))
                .col(string_null(C::CreditCode, 18))
                .col(string_null(C::Industry, 64))
                .col(string_null(C::Level, 1))
                .col(string_null(C::Phone, 32))
                .col(string_null(C::PhoneKey, 32))
                .col(text_null(C::Address))
                .col(double_null(C::Lat))
                .col(double_null(C::Lng))
                .col(uuid_null(C::OwnerId))
                .col(string_null(C::Source, 64))
                .col(text_null(C::Notes))
                .col(ts_null(m, C::ArchivedAt))
                .col(version(C::Version))
                .col(uuid_null(C::CreatedBy))
                .col(ts_not_null(m, C::CreatedAt))
                .col(ts_not_null(m, C::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_customers_owner")
                        .from(C::Table, C::OwnerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // The list's default order (most recently changed first), per owner and overall.
        m.create_index(index(
            C::Table,
            "owner_updated",
            vec![
                C::OwnerId.into_iden(),
                C::UpdatedAt.into_iden(),
                C::Id.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            C::Table,
            "updated",
            vec![C::UpdatedAt.into_iden(), C::Id.into_iden()],
        ))
        .await?;
        m.create_index(index(
            C::Table,
            "created",
            vec![C::CreatedAt.into_iden(), C::Id.into_iden()],
        ))
        .await?;
        m.create_index(index(
            C::Table,
            "name",
            vec![C::Name.into_iden(), C::Id.into_iden()],
        ))
        .await?;
        // Duplicate detection.
        m.create_index(index(C::Table, "name_key", vec![C::NameKey.into_iden()]))
            .await?;
        m.create_index(index(C::Table, "phone_key", vec![C::PhoneKey.into_iden()]))
            .await?;
        m.create_index(index(
            C::Table,
            "credit_code",
            vec![C::CreditCode.into_iden()],
        ))
        .await?;
        m.create_index(index(C::Table, "industry", vec![C::Industry.into_iden()]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Customers::Table).to_owned())
            .await
    }
}
