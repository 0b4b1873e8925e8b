use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Quotes (报价) and their lines, and the numbering sequences that quotes (`BJ-2026-000123`) and
/// contracts (`HT-…`) draw from.
///
/// A sequence row is taken with an `UPDATE … SET value = value + 1` inside the transaction that
/// uses the number, so two writers on any engine queue on the row and never share a number; the
/// unique index on (number, revision) would catch one that did.
///
/// A quote is one revision: a sent quote is frozen, and changing it makes the next revision (a
/// new row with the same number). A rep's quotes read `(owner_id, created_at, id)`, a deal's
/// `(opportunity_id, created_at, id)`.
#[derive(DeriveIden)]
enum Sequences {
    Table,
    /// `quote:2026`, `contract:2026`.
    Name,
    /// The last number given.
    Value,
}

#[derive(DeriveIden)]
enum Quotes {
    Table,
    Id,
    Number,
    Revision,
    OpportunityId,
    CustomerId,
    OwnerId,
    OwnerTeamId,
    Title,
    PriceListId,
    QuoteDate,
    ValidUntil,
    /// Basis points of a percent.
    OverallDiscountBp,
    Subtotal,
    Discount,
    Tax,
    Total,
    MaxDiscountBp,
    Status,
    Notes,
    Terms,
    SentAt,
    DecidedAt,
    DecisionNote,
    Custom,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum QuoteLines {
    Table,
    QuoteId,
    Position,
    ProductId,
    ProductCode,
    ProductName,
    Spec,
    Unit,
    /// The quantity × 10,000 (four decimals, exact).
    QuantityE4,
    ListPrice,
    UnitPrice,
    DiscountBp,
    TaxRateBp,
    Note,
    Gross,
    Net,
    Tax,
    Total,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

fn money(c: impl IntoIden) -> ColumnDef {
    let mut d = ColumnDef::new(c);
    d.big_integer().not_null();
    d
}

fn bp(c: impl IntoIden) -> ColumnDef {
    let mut d = ColumnDef::new(c);
    d.integer().not_null();
    d
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Sequences::Table)
                .col(
                    ColumnDef::new(Sequences::Name)
                        .string_len(40)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Sequences::Value).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, Quotes::Table)
                .col(uuid_pk(Quotes::Id))
                .col(string(Quotes::Number, 32))
                .col(ColumnDef::new(Quotes::Revision).integer().not_null())
                .col(uuid_col(Quotes::OpportunityId))
                .col(uuid_col(Quotes::CustomerId))
                .col(uuid_null(Quotes::OwnerId))
                .col(uuid_null(Quotes::OwnerTeamId))
                .col(string(Quotes::Title, 200))
                .col(uuid_null(Quotes::PriceListId))
                .col(ColumnDef::new(Quotes::QuoteDate).date().not_null())
                .col(ColumnDef::new(Quotes::ValidUntil).date().null())
                .col(bp(Quotes::OverallDiscountBp))
                .col(money(Quotes::Subtotal))
                .col(money(Quotes::Discount))
                .col(money(Quotes::Tax))
                .col(money(Quotes::Total))
                .col(bp(Quotes::MaxDiscountBp))
                .col(string(Quotes::Status, 16))
                .col(text_null(Quotes::Notes))
                .col(text_null(Quotes::Terms))
                .col(ts_null(m, Quotes::SentAt))
                .col(ts_null(m, Quotes::DecidedAt))
                .col(string_null(Quotes::DecisionNote, 500))
                .col(text_null(Quotes::Custom))
                .col(version(Quotes::Version))
                .col(uuid_null(Quotes::CreatedBy))
                .col(ts_not_null(m, Quotes::CreatedAt))
                .col(ts_not_null(m, Quotes::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_quotes_opportunity")
                        .from(Quotes::Table, Quotes::OpportunityId)
                        .to(Opportunities::Table, Opportunities::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Quotes::Table,
                "number",
                vec![Quotes::Number.into_iden(), Quotes::Revision.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        let ix: [(&str, Vec<Quotes>); 3] = [
            (
                "owner_created",
                vec![Quotes::OwnerId, Quotes::CreatedAt, Quotes::Id],
            ),
            (
                "team_created",
                vec![Quotes::OwnerTeamId, Quotes::CreatedAt, Quotes::Id],
            ),
            (
                "deal_created",
                vec![Quotes::OpportunityId, Quotes::CreatedAt, Quotes::Id],
            ),
        ];
        for (suffix, cols) in ix {
            let cols = cols.into_iter().map(IntoIden::into_iden).collect();
            m.create_index(index(Quotes::Table, suffix, cols).to_owned())
                .await?;
        }
        m.create_table(
            table(m, QuoteLines::Table)
                .col(uuid_col(QuoteLines::QuoteId))
                .col(ColumnDef::new(QuoteLines::Position).integer().not_null())
                .col(uuid_col(QuoteLines::ProductId))
                .col(string(QuoteLines::ProductCode, 40))
                .col(string(QuoteLines::ProductName, 200))
                .col(string_null(QuoteLines::Spec, 200))
                .col(string_null(QuoteLines::Unit, 40))
                .col(money(QuoteLines::QuantityE4))
                .col(money(QuoteLines::ListPrice))
                .col(money(QuoteLines::UnitPrice))
                .col(bp(QuoteLines::DiscountBp))
                .col(bp(QuoteLines::TaxRateBp))
                .col(string_null(QuoteLines::Note, 500))
                .col(money(QuoteLines::Gross))
                .col(money(QuoteLines::Net))
                .col(money(QuoteLines::Tax))
                .col(money(QuoteLines::Total))
                .primary_key(
                    Index::create()
                        .col(QuoteLines::QuoteId)
                        .col(QuoteLines::Position),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_quote_lines_quote")
                        .from(QuoteLines::Table, QuoteLines::QuoteId)
                        .to(Quotes::Table, Quotes::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_quote_lines_product")
                        .from(QuoteLines::Table, QuoteLines::ProductId)
                        .to(Products::Table, Products::Id),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            QuoteLines::Table.into_iden(),
            Quotes::Table.into_iden(),
            Sequences::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
