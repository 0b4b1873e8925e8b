use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Follow-up tasks (跟进任务): a call, visit, WeChat message or e-mail a rep owes a customer by a
/// time.
///
/// A rep's open tasks by due time read `(owner_id, status, due_at, id)`, a supervisor's team's
/// overdue ones `(owner_team_id, status, due_at, id)` (the owner's team copied onto the task, as
/// deals and visits keep it), a customer's timeline `(customer_id, due_at, id)`. The reminder job
/// reads only the tasks with a reminder still to send: `remind_at` is when the next one is due
/// (the due-soon warning, then the overdue notice) and is cleared once the last is sent or the
/// task is closed, so its index holds the pending reminders alone.
#[derive(DeriveIden)]
enum FollowUps {
    Table,
    Id,
    CustomerId,
    OpportunityId,
    /// The visit whose "next follow-up" made this task.
    VisitId,
    OwnerId,
    OwnerTeamId,
    /// An option key of `followup_type`.
    Kind,
    Title,
    Notes,
    DueAt,
    /// `open`, `done` or `cancelled`.
    Status,
    DoneAt,
    Result,
    /// How often it was put off.
    SnoozeCount,
    /// When the next reminder is due; none when none is left to send.
    RemindAt,
    /// 0 none sent, 1 the due-soon warning sent, 2 the overdue notice sent.
    RemindStage,
    Custom,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, FollowUps::Table)
                .col(uuid_pk(FollowUps::Id))
                .col(uuid_col(FollowUps::CustomerId))
                .col(uuid_null(FollowUps::OpportunityId))
                .col(uuid_null(FollowUps::VisitId))
                .col(uuid_null(FollowUps::OwnerId))
                .col(uuid_null(FollowUps::OwnerTeamId))
                .col(string(FollowUps::Kind, 40))
                .col(string(FollowUps::Title, 200))
                .col(text_null(FollowUps::Notes))
                .col(ts_not_null(m, FollowUps::DueAt))
                .col(string(FollowUps::Status, 16))
                .col(ts_null(m, FollowUps::DoneAt))
                .col(string_null(FollowUps::Result, 500))
                .col(
                    ColumnDef::new(FollowUps::SnoozeCount)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(ts_null(m, FollowUps::RemindAt))
                .col(
                    ColumnDef::new(FollowUps::RemindStage)
                        .small_integer()
                        .not_null()
                        .default(0),
                )
                .col(text_null(FollowUps::Custom))
                .col(version(FollowUps::Version))
                .col(uuid_null(FollowUps::CreatedBy))
                .col(ts_not_null(m, FollowUps::CreatedAt))
                .col(ts_not_null(m, FollowUps::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_follow_ups_customer")
                        .from(FollowUps::Table, FollowUps::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_follow_ups_owner")
                        .from(FollowUps::Table, FollowUps::OwnerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        let ix: [(&str, Vec<FollowUps>); 5] = [
            (
                "owner_due",
                vec![
                    FollowUps::OwnerId,
                    FollowUps::Status,
                    FollowUps::DueAt,
                    FollowUps::Id,
                ],
            ),
            (
                "team_due",
                vec![
                    FollowUps::OwnerTeamId,
                    FollowUps::Status,
                    FollowUps::DueAt,
                    FollowUps::Id,
                ],
            ),
            (
                "customer_due",
                vec![FollowUps::CustomerId, FollowUps::DueAt, FollowUps::Id],
            ),
            (
                "status_due",
                vec![FollowUps::Status, FollowUps::DueAt, FollowUps::Id],
            ),
            ("remind", vec![FollowUps::RemindAt, FollowUps::Id]),
        ];
        for (suffix, cols) in ix {
            let cols = cols.into_iter().map(IntoIden::into_iden).collect();
            m.create_index(index(FollowUps::Table, suffix, cols).to_owned())
                .await?;
        }
        // A visit's open task, found when its next follow-up date changes.
        m.create_index(
            index(
                FollowUps::Table,
                "visit",
                vec![FollowUps::VisitId.into_iden()],
            )
            .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(FollowUps::Table).to_owned())
            .await
    }
}
