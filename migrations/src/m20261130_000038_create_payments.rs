use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Collection (回款): a contract's payment plan (instalments with due dates and amounts) and the
/// payments received against it.
///
/// - `payment_plans`: the instalments; `received` is what the payments against it add up to,
///   written with each payment, so receivables read `received < amount` without a sum. A copy
///   of the contract's owner (`owner_id`, `owner_team_id`) drives the receivables list in a
///   scope, due date first: `(owner_id, due_date, id)` and `(owner_team_id, due_date, id)`.
/// - `payments`: amount, day received, method (option list `payment_method`), reference
///   (unique per contract regardless of case and spaces: `reference_key`), the contract's owner
///   and customer for reports by owner, team and region and by day.
/// - `contracts.received`: the contract's payments in total, so what is outstanding is one read.
#[derive(DeriveIden)]
enum PaymentPlans {
    Table,
    Id,
    ContractId,
    OwnerId,
    OwnerTeamId,
    DueDate,
    Amount,
    Received,
    Note,
    RemindedAt,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    ContractId,
    PlanId,
    CustomerId,
    OwnerId,
    OwnerTeamId,
    Amount,
    ReceivedOn,
    Method,
    Reference,
    ReferenceKey,
    Note,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    Received,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Contracts::Table)
                .add_column(
                    ColumnDef::new(Contracts::Received)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, PaymentPlans::Table)
                .col(uuid_pk(PaymentPlans::Id))
                .col(uuid_col(PaymentPlans::ContractId))
                .col(uuid_null(PaymentPlans::OwnerId))
                .col(uuid_null(PaymentPlans::OwnerTeamId))
                .col(ColumnDef::new(PaymentPlans::DueDate).date().not_null())
                .col(
                    ColumnDef::new(PaymentPlans::Amount)
                        .big_integer()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(PaymentPlans::Received)
                        .big_integer()
                        .not_null(),
                )
                .col(string_null(PaymentPlans::Note, 500))
                .col(ts_null(m, PaymentPlans::RemindedAt))
                .col(version(PaymentPlans::Version))
                .col(uuid_null(PaymentPlans::CreatedBy))
                .col(ts_not_null(m, PaymentPlans::CreatedAt))
                .col(ts_not_null(m, PaymentPlans::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_payment_plans_contract")
                        .from(PaymentPlans::Table, PaymentPlans::ContractId)
                        .to(Contracts::Table, Contracts::Id),
                )
                .to_owned(),
        )
        .await?;
        let ix: [(&str, Vec<PaymentPlans>); 3] = [
            (
                "contract_due",
                vec![PaymentPlans::ContractId, PaymentPlans::DueDate],
            ),
            (
                "owner_due",
                vec![
                    PaymentPlans::OwnerId,
                    PaymentPlans::DueDate,
                    PaymentPlans::Id,
                ],
            ),
            (
                "team_due",
                vec![
                    PaymentPlans::OwnerTeamId,
                    PaymentPlans::DueDate,
                    PaymentPlans::Id,
                ],
            ),
        ];
        for (suffix, cols) in ix {
            let cols = cols.into_iter().map(IntoIden::into_iden).collect();
            m.create_index(index(PaymentPlans::Table, suffix, cols).to_owned())
                .await?;
        }
        m.create_table(
            table(m, Payments::Table)
                .col(uuid_pk(Payments::Id))
                .col(uuid_col(Payments::ContractId))
                .col(uuid_null(Payments::PlanId))
                .col(uuid_col(Payments::CustomerId))
                .col(uuid_null(Payments::OwnerId))
                .col(uuid_null(Payments::OwnerTeamId))
                .col(ColumnDef::new(Payments::Amount).big_integer().not_null())
                .col(ColumnDef::new(Payments::ReceivedOn).date().not_null())
                .col(string_null(Payments::Method, 64))
                .col(string(Payments::Reference, 64))
                .col(string(Payments::ReferenceKey, 64))
                .col(string_null(Payments::Note, 500))
                .col(uuid_null(Payments::CreatedBy))
                .col(ts_not_null(m, Payments::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_payments_contract")
                        .from(Payments::Table, Payments::ContractId)
                        .to(Contracts::Table, Contracts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Payments::Table,
                "reference",
                vec![
                    Payments::ContractId.into_iden(),
                    Payments::ReferenceKey.into_iden(),
                ],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        let ix: [(&str, Vec<Payments>); 3] = [
            (
                "owner_received",
                vec![Payments::OwnerId, Payments::ReceivedOn, Payments::Id],
            ),
            (
                "team_received",
                vec![Payments::OwnerTeamId, Payments::ReceivedOn, Payments::Id],
            ),
            (
                "contract_received",
                vec![Payments::ContractId, Payments::ReceivedOn],
            ),
        ];
        for (suffix, cols) in ix {
            let cols = cols.into_iter().map(IntoIden::into_iden).collect();
            m.create_index(index(Payments::Table, suffix, cols).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [Payments::Table.into_iden(), PaymentPlans::Table.into_iden()] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Contracts::Table)
                .drop_column(Contracts::Received)
                .to_owned(),
        )
        .await
    }
}
