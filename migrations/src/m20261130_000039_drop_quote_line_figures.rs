use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A quote line keeps what was entered (product, quantity, prices, discount, tax rate), not its
/// figures: they follow from those and the quote's overall discount by the one pricing function
/// (`kaidan_shared::quote::totals`), which every read now applies. A draft's overall discount
/// then changes one row, not 200, and no stored figure can disagree with the rule. (The quote
/// keeps its totals for lists and reports; a contract keeps its lines' figures, as it is a
/// record of what was agreed.)
#[derive(DeriveIden)]
enum QuoteLines {
    Table,
    Gross,
    Net,
    Tax,
    Total,
}

fn figures() -> [QuoteLines; 4] {
    [
        QuoteLines::Gross,
        QuoteLines::Net,
        QuoteLines::Tax,
        QuoteLines::Total,
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column a statement: SQLite's ALTER TABLE drops one at a time.
        for c in figures() {
            m.alter_table(
                Table::alter()
                    .table(QuoteLines::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The columns come back, but as zero: the figures are not made again here (that takes
        // the pricing function), and sent or accepted quotes are never saved again. A build from
        // before this migration would show those zeros and copy them onto new contracts, so
        // roll forward rather than back.
        for c in figures() {
            m.alter_table(
                Table::alter()
                    .table(QuoteLines::Table)
                    .add_column(ColumnDef::new(c).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
