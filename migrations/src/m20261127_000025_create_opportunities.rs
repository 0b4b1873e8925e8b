use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Opportunities (商机), their stages (configurable, each with its probability, its outcome and
/// its stale-after days) and every stage move (the history reports compute conversion and cycle
/// time from).
#[derive(DeriveIden)]
enum OpportunityStages {
    Table,
    Key,
    Id,
    LabelZh,
    LabelEn,
    Probability,
    /// `open`, `won` or `lost`.
    Outcome,
    /// Days without activity in this stage after which a deal is stale (`NULL`: never).
    StaleDays,
    Position,
    Active,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Opportunities {
    Table,
    Id,
    CustomerId,
    Name,
    /// Integer 分.
    Amount,
    ExpectedCloseDate,
    Stage,
    /// 0–100.
    Probability,
    /// `open`, `won` or `lost` (the stage's outcome, kept on the row for the lists' indexes).
    Status,
    OwnerId,
    Products,
    Competitors,
    NextStep,
    SourceLeadId,
    LostReason,
    LostNote,
    ClosedAt,
    StageChangedAt,
    /// The last change or activity: the stale clock.
    LastActivityAt,
    /// When the stale job marked it (stale while this is after the last activity).
    StaleAt,
    Custom,
    ArchivedAt,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OpportunityStageChanges {
    Table,
    Id,
    OpportunityId,
    FromStage,
    ToStage,
    /// The amount at the time (分).
    Amount,
    Probability,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// key, labels, probability, outcome, stale days.
type StageRow = (
    &'static str,
    &'static str,
    &'static str,
    i32,
    &'static str,
    Option<i32>,
);

const DEFAULT_STAGES: [StageRow; 6] = [
    (
        "initial",
        "初步接洽",
        "Initial contact",
        10,
        "open",
        Some(30),
    ),
    ("needs", "需求确认", "Needs confirmed", 30, "open", Some(30)),
    ("proposal", "方案报价", "Proposal", 50, "open", Some(21)),
    (
        "negotiation",
        "谈判审核",
        "Negotiation",
        70,
        "open",
        Some(14),
    ),
    ("won", "赢单", "Won", 100, "won", None),
    ("lost", "输单", "Lost", 0, "lost", None),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, OpportunityStages::Table)
                .col(string(OpportunityStages::Key, 40).primary_key())
                .col(uuid_col(OpportunityStages::Id))
                .col(string(OpportunityStages::LabelZh, 64))
                .col(string(OpportunityStages::LabelEn, 64))
                .col(
                    ColumnDef::new(OpportunityStages::Probability)
                        .integer()
                        .not_null(),
                )
                .col(string(OpportunityStages::Outcome, 8))
                .col(
                    ColumnDef::new(OpportunityStages::StaleDays)
                        .integer()
                        .null(),
                )
                .col(
                    ColumnDef::new(OpportunityStages::Position)
                        .integer()
                        .not_null(),
                )
                .col(boolean(OpportunityStages::Active))
                .col(version(OpportunityStages::Version))
                .col(ts_not_null(m, OpportunityStages::UpdatedAt))
                .to_owned(),
        )
        .await?;
        let now = chrono::Utc::now();
        for (position, (key, zh, en, p, outcome, stale)) in DEFAULT_STAGES.iter().enumerate() {
            m.exec_stmt(
                Query::insert()
                    .into_table(OpportunityStages::Table)
                    .columns([
                        OpportunityStages::Key,
                        OpportunityStages::Id,
                        OpportunityStages::LabelZh,
                        OpportunityStages::LabelEn,
                        OpportunityStages::Probability,
                        OpportunityStages::Outcome,
                        OpportunityStages::StaleDays,
                        OpportunityStages::Position,
                        OpportunityStages::Active,
                        OpportunityStages::Version,
                        OpportunityStages::UpdatedAt,
                    ])
                    .values_panic([
                        (*key).into(),
                        uuid::Uuid::now_v7().into(),
                        (*zh).into(),
                        (*en).into(),
                        (*p).into(),
                        (*outcome).into(),
                        (*stale).into(),
                        (position as i32).into(),
                        true.into(),
                        1i64.into(),
                        now.into(),
                    ])
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            table(m, Opportunities::Table)
                .col(uuid_pk(Opportunities::Id))
                .col(uuid_col(Opportunities::CustomerId))
                .col(string(Opportunities::Name, 200))
                .col(
                    ColumnDef::new(Opportunities::Amount)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Opportunities::ExpectedCloseDate)
                        .date()
                        .null(),
                )
                .col(string(Opportunities::Stage, 40))
                .col(
                    ColumnDef::new(Opportunities::Probability)
                        .integer()
                        .not_null(),
                )
                .col(string(Opportunities::Status, 8))
                .col(uuid_null(Opportunities::OwnerId))
                .col(text_null(Opportunities::Products))
                .col(text_null(Opportunities::Competitors))
                .col(string_null(Opportunities::NextStep, 500))
                .col(uuid_null(Opportunities::SourceLeadId))
                .col(string_null(Opportunities::LostReason, 40))
                .col(string_null(Opportunities::LostNote, 500))
                .col(ts_null(m, Opportunities::ClosedAt))
                .col(ts_not_null(m, Opportunities::StageChangedAt))
                .col(ts_not_null(m, Opportunities::LastActivityAt))
                .col(ts_null(m, Opportunities::StaleAt))
                .col(text_null(Opportunities::Custom))
                .col(ts_null(m, Opportunities::ArchivedAt))
                .col(version(Opportunities::Version))
                .col(uuid_null(Opportunities::CreatedBy))
                .col(ts_not_null(m, Opportunities::CreatedAt))
                .col(ts_not_null(m, Opportunities::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_opportunities_customer")
                        .from(Opportunities::Table, Opportunities::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_opportunities_owner")
                        .from(Opportunities::Table, Opportunities::OwnerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // My open deals, a team's board (owner, status, then the list's order); a customer's
        // deals; the stale job's walk by last activity.
        for (suffix, cols) in [
            (
                "owner_status",
                vec![
                    Opportunities::OwnerId.into_iden(),
                    Opportunities::Status.into_iden(),
                    Opportunities::UpdatedAt.into_iden(),
                    Opportunities::Id.into_iden(),
                ],
            ),
            (
                "owner_stage",
                vec![
                    Opportunities::OwnerId.into_iden(),
                    Opportunities::Status.into_iden(),
                    Opportunities::Stage.into_iden(),
                    Opportunities::Amount.into_iden(),
                    Opportunities::Probability.into_iden(),
                ],
            ),
            (
                "customer",
                vec![
                    Opportunities::CustomerId.into_iden(),
                    Opportunities::Status.into_iden(),
                ],
            ),
            (
                "activity",
                vec![
                    Opportunities::Status.into_iden(),
                    Opportunities::LastActivityAt.into_iden(),
                    Opportunities::Id.into_iden(),
                ],
            ),
            (
                "updated",
                vec![
                    Opportunities::UpdatedAt.into_iden(),
                    Opportunities::Id.into_iden(),
                ],
            ),
        ] {
            m.create_index(index(Opportunities::Table, suffix, cols).to_owned())
                .await?;
        }

        m.create_table(
            table(m, OpportunityStageChanges::Table)
                .col(uuid_pk(OpportunityStageChanges::Id))
                .col(uuid_col(OpportunityStageChanges::OpportunityId))
                .col(string_null(OpportunityStageChanges::FromStage, 40))
                .col(string(OpportunityStageChanges::ToStage, 40))
                .col(
                    ColumnDef::new(OpportunityStageChanges::Amount)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(OpportunityStageChanges::Probability)
                        .integer()
                        .not_null(),
                )
                .col(uuid_null(OpportunityStageChanges::ChangedBy))
                .col(ts_not_null(m, OpportunityStageChanges::ChangedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_stage_changes_opportunity")
                        .from(
                            OpportunityStageChanges::Table,
                            OpportunityStageChanges::OpportunityId,
                        )
                        .to(Opportunities::Table, Opportunities::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                OpportunityStageChanges::Table,
                "opportunity",
                vec![
                    OpportunityStageChanges::OpportunityId.into_iden(),
                    OpportunityStageChanges::ChangedAt.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        // Reports by time: conversions and cycle times per period.
        m.create_index(
            index(
                OpportunityStageChanges::Table,
                "changed",
                vec![OpportunityStageChanges::ChangedAt.into_iden()],
            )
            .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(OpportunityStageChanges::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(Opportunities::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(OpportunityStages::Table).to_owned())
            .await
    }
}
