use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The board's totals, kept as the deals change: per owner, stage and probability, the number of
/// open, unarchived deals and the sum of their amounts (分). Every write of a deal shifts its old
/// and new contribution in the write's transaction, so a team's board sums a few hundred rows
/// instead of grouping a team's hundred thousand open deals on every view (at 1,000,000 customers
/// the grouping alone took 200 ms on SQLite; docs/benchmarks.md). Probability stays in the key so
/// the weighted total (amount × probability, rounded per group) is exactly what grouping the deals
/// gave. Also: the deals' recent-card indexes, per owner and per stage, for the board's columns;
/// the owner's stage index that served the grouping goes.
#[derive(DeriveIden)]
enum OpportunityTotals {
    Table,
    OwnerId,
    Stage,
    Probability,
    Deals,
    Amount,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    OwnerId,
    Status,
    Stage,
    UpdatedAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, OpportunityTotals::Table)
                .col(uuid_col(OpportunityTotals::OwnerId))
                .col(string(OpportunityTotals::Stage, 40))
                .col(
                    ColumnDef::new(OpportunityTotals::Probability)
                        .integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OpportunityTotals::Deals)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OpportunityTotals::Amount)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(OpportunityTotals::OwnerId)
                        .col(OpportunityTotals::Stage)
                        .col(OpportunityTotals::Probability),
                )
                .to_owned(),
        )
        .await?;
        // The deals there are now (SUM of a BIGINT is NUMERIC/DECIMAL on PostgreSQL and MySQL:
        // the insert converts it back).
        let backfill =
            "INSERT INTO opportunity_totals (owner_id, stage, probability, deals, amount) \
             SELECT owner_id, stage, probability, COUNT(*), SUM(amount) FROM opportunities \
             WHERE status = 'open' AND archived_at IS NULL AND owner_id IS NOT NULL \
             GROUP BY owner_id, stage, probability";
        let db = m.get_connection();
        db.execute_unprepared(backfill).await?;

        m.drop_index(
            Index::drop()
                .name("ix_opportunities_owner_stage")
                .table(Opportunities::Table)
                .to_owned(),
        )
        .await?;
        for (suffix, cols) in [
            // An owner's column: their open deals of a stage, newest first.
            (
                "owner_recent",
                vec![
                    Opportunities::OwnerId.into_iden(),
                    Opportunities::Status.into_iden(),
                    Opportunities::Stage.into_iden(),
                    Opportunities::UpdatedAt.into_iden(),
                    Opportunities::Id.into_iden(),
                ],
            ),
            // A team's or region's column: the stage's open deals newest first, the owner checked
            // per row until the column's cards are found.
            (
                "stage_recent",
                vec![
                    Opportunities::Status.into_iden(),
                    Opportunities::Stage.into_iden(),
                    Opportunities::UpdatedAt.into_iden(),
                    Opportunities::Id.into_iden(),
                ],
            ),
        ] {
            m.create_index(index(Opportunities::Table, suffix, cols).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for suffix in ["owner_recent", "stage_recent"] {
            m.drop_index(
                Index::drop()
                    .name(format!("ix_opportunities_{suffix}"))
                    .table(Opportunities::Table)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            index(
                Opportunities::Table,
                "owner_stage",
                vec![
                    Opportunities::OwnerId.into_iden(),
                    Opportunities::Status.into_iden(),
                    Opportunities::Stage.into_iden(),
                    Alias::new("amount").into_iden(),
                    Alias::new("probability").into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(OpportunityTotals::Table).to_owned())
            .await
    }
}
