use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The owner's team on each deal, a copy kept with the owner (every owner change and every move
/// of a user to another team rewrites it in the same transaction), and an index that starts with
/// it: a supervisor's board finds a column's newest cards among the team's own deals instead of
/// walking the whole stage newest first and checking each owner, which took as long as the
/// company's other teams' newer deals were many (docs/benchmarks.md). The copy only narrows the
/// walk: who may see a deal is still decided by its owner, so a stale copy can hide a card from a
/// board, never show one to the wrong team.
#[derive(DeriveIden)]
enum Opportunities {
    Table,
    OwnerTeamId,
    Status,
    Stage,
    UpdatedAt,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Opportunities::Table)
                .add_column(uuid_null(Opportunities::OwnerTeamId))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE opportunities SET owner_team_id = \
                 (SELECT team_id FROM users WHERE users.id = opportunities.owner_id)",
            )
            .await?;
        m.create_index(
            index(
                Opportunities::Table,
                "team_recent",
                vec![
                    Opportunities::OwnerTeamId.into_iden(),
                    Opportunities::Status.into_iden(),
                    Opportunities::Stage.into_iden(),
                    Opportunities::UpdatedAt.into_iden(),
                    Opportunities::Id.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_opportunities_team_recent")
                .table(Opportunities::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Opportunities::Table)
                .drop_column(Opportunities::OwnerTeamId)
                .to_owned(),
        )
        .await
    }
}
