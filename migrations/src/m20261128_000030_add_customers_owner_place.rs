use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The owner's team and region on each customer, copies kept with the owner (every write that
/// sets the owner, and every move of a user or a team, rewrites them in the same transaction),
/// and an index for each that starts with it: a supervisor's or regional manager's list, newest
/// change first, reads its own customers' index instead of walking the company's newest changes
/// and checking each owner, which took as long as other teams' newer changes and the pools'
/// ownerless customers were many (at 1,000,000: p50 204 ms, 0.78 s cold after a reclaim;
/// docs/benchmarks.md). As with the deals' copy (migration 29) the copies only narrow the walk:
/// who may see a customer is still decided by its owner.
#[derive(DeriveIden)]
enum Customers {
    Table,
    OwnerTeamId,
    OwnerRegionId,
    UpdatedAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for col in [Customers::OwnerTeamId, Customers::OwnerRegionId] {
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(uuid_null(col))
                    .to_owned(),
            )
            .await?;
        }
        m.get_connection()
            .execute_unprepared(
                "UPDATE customers SET \
                 owner_team_id = (SELECT team_id FROM users WHERE users.id = customers.owner_id), \
                 owner_region_id = (SELECT region_id FROM users WHERE users.id = customers.owner_id) \
                 WHERE owner_id IS NOT NULL",
            )
            .await?;
        for (suffix, col) in [
            ("team_updated", Customers::OwnerTeamId),
            ("region_updated", Customers::OwnerRegionId),
        ] {
            m.create_index(
                index(
                    Customers::Table,
                    suffix,
                    vec![
                        col.into_iden(),
                        Customers::UpdatedAt.into_iden(),
                        Customers::Id.into_iden(),
                    ],
                )
                .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (ix, col) in [
            ("ix_customers_team_updated", Customers::OwnerTeamId),
            ("ix_customers_region_updated", Customers::OwnerRegionId),
        ] {
            m.drop_index(Index::drop().name(ix).table(Customers::Table).to_owned())
                .await?;
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
