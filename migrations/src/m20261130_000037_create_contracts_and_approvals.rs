use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Approval flows (审批) and contracts (合同).
///
/// - `approval_templates`: admins' flows per subject (contract, quote): priority, conditions and
///   steps as JSON of `shared::approval::{Conditions, StepRule}`, the hours before a waiting
///   step reminds and escalates. Seeded with the default flows.
/// - `approvals`: one submission of a record, its resolved steps (JSON of
///   `shared::approval::Step`), the current step and when it started (what the escalation job
///   walks: `(status, step_started_at, id)`), the submitter's box `(submitter_id, created_at,
///   id)`, a record's timeline `(record_id, created_at)`.
/// - `approval_tasks`: one approver's part in a step. 待我审批 reads `(approver_id, status,
///   created_at, id)`, 我已审批 `(approver_id, decided_at, id)`.
/// - `contracts` and `contract_lines`, shaped like quotes and their lines; numbers
///   `HT-2026-000123` from `sequences`.
#[derive(DeriveIden)]
enum ApprovalTemplates {
    Table,
    Id,
    Subject,
    Name,
    Priority,
    Active,
    Conditions,
    Steps,
    RemindAfterHours,
    EscalateAfterHours,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Approvals {
    Table,
    Id,
    Subject,
    RecordId,
    RecordVersion,
    Title,
    Amount,
    MaxDiscountBp,
    CustomerId,
    SubmitterId,
    OwnerId,
    TemplateId,
    TemplateName,
    Steps,
    CurrentStep,
    Status,
    StepStartedAt,
    RemindedAt,
    EscalatedAt,
    RemindAfterHours,
    EscalateAfterHours,
    DecidedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApprovalTasks {
    Table,
    Id,
    ApprovalId,
    Step,
    ApproverId,
    Status,
    Escalated,
    Comment,
    DecidedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contracts {
    Table,
    Id,
    Number,
    CustomerId,
    OpportunityId,
    QuoteId,
    OwnerId,
    OwnerTeamId,
    Title,
    Amount,
    Subtotal,
    Discount,
    Tax,
    MaxDiscountBp,
    SignDate,
    StartDate,
    EndDate,
    PaymentTerms,
    CustomerSignatory,
    OurSignatory,
    Notes,
    Status,
    ApprovalId,
    ApprovedAt,
    SignedAt,
    EndedAt,
    EndReason,
    Custom,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContractLines {
    Table,
    ContractId,
    Position,
    ProductId,
    ProductCode,
    ProductName,
    Spec,
    Unit,
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
enum Customers {
    Table,
    Id,
}

fn money(c: impl IntoIden) -> ColumnDef {
    let mut d = ColumnDef::new(c);
    d.big_integer().not_null();
    d
}

fn int(c: impl IntoIden) -> ColumnDef {
    let mut d = ColumnDef::new(c);
    d.integer().not_null();
    d
}

/// The default flows as `shared::approval::default_templates` and `default_quote_templates`
/// describe them, written out here so that this migration never changes with the code.
const DEFAULTS: [(&str, &str, i32, &str, &str); 5] = [
    (
        "contract",
        "合同 ≤ ¥100,000：主管",
        10,
        r#"{"amount_up_to":10000000}"#,
        r#"[{"approvers":{"kind":"supervisor"},"mode":"any_one"}]"#,
    ),
    (
        "contract",
        "合同 ¥100,000–500,000：主管 → 区域经理",
        20,
        r#"{"amount_over":10000000,"amount_up_to":50000000}"#,
        r#"[{"approvers":{"kind":"supervisor"},"mode":"any_one"},{"approvers":{"kind":"regional_manager"},"mode":"any_one"}]"#,
    ),
    (
        "contract",
        "合同 > ¥500,000：主管 → 区域经理 → 管理员",
        30,
        r#"{"amount_over":50000000}"#,
        r#"[{"approvers":{"kind":"supervisor"},"mode":"any_one"},{"approvers":{"kind":"regional_manager"},"mode":"any_one"},{"approvers":{"kind":"role","role":"admin"},"mode":"any_one"}]"#,
    ),
    (
        "quote",
        "报价折扣 > 20%：主管 → 区域经理",
        10,
        r#"{"discount_over":"20","submitter_roles":["sales_rep","supervisor"]}"#,
        r#"[{"approvers":{"kind":"supervisor"},"mode":"any_one"},{"approvers":{"kind":"regional_manager"},"mode":"any_one"}]"#,
    ),
    (
        "quote",
        "销售代表报价折扣 > 10%：主管",
        20,
        r#"{"discount_over":"10","submitter_roles":["sales_rep"]}"#,
        r#"[{"approvers":{"kind":"supervisor"},"mode":"any_one"}]"#,
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, ApprovalTemplates::Table)
                .col(uuid_pk(ApprovalTemplates::Id))
                .col(string(ApprovalTemplates::Subject, 16))
                .col(string(ApprovalTemplates::Name, 100))
                .col(int(ApprovalTemplates::Priority))
                .col(boolean(ApprovalTemplates::Active))
                .col(
                    ColumnDef::new(ApprovalTemplates::Conditions)
                        .text()
                        .not_null(),
                )
                .col(ColumnDef::new(ApprovalTemplates::Steps).text().not_null())
                .col(int(ApprovalTemplates::RemindAfterHours))
                .col(int(ApprovalTemplates::EscalateAfterHours))
                .col(version(ApprovalTemplates::Version))
                .col(ts_not_null(m, ApprovalTemplates::CreatedAt))
                .col(ts_not_null(m, ApprovalTemplates::UpdatedAt))
                .to_owned(),
        )
        .await?;
        let now = chrono::Utc::now();
        for (subject, name, priority, conditions, steps) in DEFAULTS {
            m.exec_stmt(
                Query::insert()
                    .into_table(ApprovalTemplates::Table)
                    .columns([
                        ApprovalTemplates::Id,
                        ApprovalTemplates::Subject,
                        ApprovalTemplates::Name,
                        ApprovalTemplates::Priority,
                        ApprovalTemplates::Active,
                        ApprovalTemplates::Conditions,
                        ApprovalTemplates::Steps,
                        ApprovalTemplates::RemindAfterHours,
                        ApprovalTemplates::EscalateAfterHours,
                        ApprovalTemplates::Version,
                        ApprovalTemplates::CreatedAt,
                        ApprovalTemplates::UpdatedAt,
                    ])
                    .values_panic([
                        uuid::Uuid::now_v7().into(),
                        subject.into(),
                        name.into(),
                        priority.into(),
                        true.into(),
                        conditions.into(),
                        steps.into(),
                        24.into(),
                        48.into(),
                        1i64.into(),
                        now.into(),
                        now.into(),
                    ])
                    .to_owned(),
            )
            .await?;
        }
        m.create_table(
            table(m, Approvals::Table)
                .col(uuid_pk(Approvals::Id))
                .col(string(Approvals::Subject, 16))
                .col(uuid_col(Approvals::RecordId))
                .col(
                    ColumnDef::new(Approvals::RecordVersion)
                        .big_integer()
                        .not_null(),
                )
                .col(string(Approvals::Title, 260))
                .col(money(Approvals::Amount))
                .col(int(Approvals::MaxDiscountBp))
                .col(uuid_null(Approvals::CustomerId))
                .col(uuid_col(Approvals::SubmitterId))
                .col(uuid_null(Approvals::OwnerId))
                .col(uuid_null(Approvals::TemplateId))
                .col(string_null(Approvals::TemplateName, 100))
                .col(ColumnDef::new(Approvals::Steps).text().not_null())
                .col(int(Approvals::CurrentStep))
                .col(string(Approvals::Status, 16))
                .col(ts_not_null(m, Approvals::StepStartedAt))
                .col(ts_null(m, Approvals::RemindedAt))
                .col(ts_null(m, Approvals::EscalatedAt))
                .col(int(Approvals::RemindAfterHours))
                .col(int(Approvals::EscalateAfterHours))
                .col(ts_null(m, Approvals::DecidedAt))
                .col(version(Approvals::Version))
                .col(ts_not_null(m, Approvals::CreatedAt))
                .col(ts_not_null(m, Approvals::UpdatedAt))
                .to_owned(),
        )
        .await?;
        let ix: [(&str, Vec<Approvals>); 3] = [
            (
                "submitter_created",
                vec![Approvals::SubmitterId, Approvals::CreatedAt, Approvals::Id],
            ),
            (
                "record_created",
                vec![Approvals::RecordId, Approvals::CreatedAt],
            ),
            (
                "status_step",
                vec![Approvals::Status, Approvals::StepStartedAt, Approvals::Id],
            ),
        ];
        for (suffix, cols) in ix {
            let cols = cols.into_iter().map(IntoIden::into_iden).collect();
            m.create_index(index(Approvals::Table, suffix, cols).to_owned())
                .await?;
        }
        m.create_table(
            table(m, ApprovalTasks::Table)
                .col(uuid_pk(ApprovalTasks::Id))
                .col(uuid_col(ApprovalTasks::ApprovalId))
                .col(int(ApprovalTasks::Step))
                .col(uuid_col(ApprovalTasks::ApproverId))
                .col(string(ApprovalTasks::Status, 16))
                .col(boolean(ApprovalTasks::Escalated))
                .col(string_null(ApprovalTasks::Comment, 500))
                .col(ts_null(m, ApprovalTasks::DecidedAt))
                .col(ts_not_null(m, ApprovalTasks::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_approval_tasks_approval")
                        .from(ApprovalTasks::Table, ApprovalTasks::ApprovalId)
                        .to(Approvals::Table, Approvals::Id),
                )
                .to_owned(),
        )
        .await?;
        let ix: [(&str, Vec<ApprovalTasks>); 3] = [
            (
                "approver_status_created",
                vec![
                    ApprovalTasks::ApproverId,
                    ApprovalTasks::Status,
                    ApprovalTasks::CreatedAt,
                    ApprovalTasks::Id,
                ],
            ),
            (
                "approver_decided",
                vec![
                    ApprovalTasks::ApproverId,
                    ApprovalTasks::DecidedAt,
                    ApprovalTasks::Id,
                ],
            ),
            (
                "approval_step",
                vec![ApprovalTasks::ApprovalId, ApprovalTasks::Step],
            ),
        ];
        for (suffix, cols) in ix {
            let cols = cols.into_iter().map(IntoIden::into_iden).collect();
            m.create_index(index(ApprovalTasks::Table, suffix, cols).to_owned())
                .await?;
        }
        m.create_table(
            table(m, Contracts::Table)
                .col(uuid_pk(Contracts::Id))
                .col(string(Contracts::Number, 32))
                .col(uuid_col(Contracts::CustomerId))
                .col(uuid_null(Contracts::OpportunityId))
                .col(uuid_null(Contracts::QuoteId))
                .col(uuid_null(Contracts::OwnerId))
                .col(uuid_null(Contracts::OwnerTeamId))
                .col(string(Contracts::Title, 200))
                .col(money(Contracts::Amount))
                .col(money(Contracts::Subtotal))
                .col(money(Contracts::Discount))
                .col(money(Contracts::Tax))
                .col(int(Contracts::MaxDiscountBp))
                .col(ColumnDef::new(Contracts::SignDate).date().null())
                .col(ColumnDef::new(Contracts::StartDate).date().null())
                .col(ColumnDef::new(Contracts::EndDate).date().null())
                .col(text_null(Contracts::PaymentTerms))
                .col(string_null(Contracts::CustomerSignatory, 200))
                .col(string_null(Contracts::OurSignatory, 200))
                .col(text_null(Contracts::Notes))
                .col(string(Contracts::Status, 20))
                .col(uuid_null(Contracts::ApprovalId))
                .col(ts_null(m, Contracts::ApprovedAt))
                .col(ts_null(m, Contracts::SignedAt))
                .col(ts_null(m, Contracts::EndedAt))
                .col(string_null(Contracts::EndReason, 500))
                .col(text_null(Contracts::Custom))
                .col(version(Contracts::Version))
                .col(uuid_null(Contracts::CreatedBy))
                .col(ts_not_null(m, Contracts::CreatedAt))
                .col(ts_not_null(m, Contracts::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contracts_customer")
                        .from(Contracts::Table, Contracts::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Contracts::Table,
                "number",
                vec![Contracts::Number.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        let ix: [(&str, Vec<Contracts>); 4] = [
            (
                "owner_created",
                vec![Contracts::OwnerId, Contracts::CreatedAt, Contracts::Id],
            ),
            (
                "team_created",
                vec![Contracts::OwnerTeamId, Contracts::CreatedAt, Contracts::Id],
            ),
            (
                "customer_created",
                vec![Contracts::CustomerId, Contracts::CreatedAt, Contracts::Id],
            ),
            (
                "deal_created",
                vec![
                    Contracts::OpportunityId,
                    Contracts::CreatedAt,
                    Contracts::Id,
                ],
            ),
        ];
        for (suffix, cols) in ix {
            let cols = cols.into_iter().map(IntoIden::into_iden).collect();
            m.create_index(index(Contracts::Table, suffix, cols).to_owned())
                .await?;
        }
        m.create_table(
            table(m, ContractLines::Table)
                .col(uuid_col(ContractLines::ContractId))
                .col(int(ContractLines::Position))
                .col(uuid_col(ContractLines::ProductId))
                .col(string(ContractLines::ProductCode, 40))
                .col(string(ContractLines::ProductName, 200))
                .col(string_null(ContractLines::Spec, 200))
                .col(string_null(ContractLines::Unit, 40))
                .col(money(ContractLines::QuantityE4))
                .col(money(ContractLines::ListPrice))
                .col(money(ContractLines::UnitPrice))
                .col(int(ContractLines::DiscountBp))
                .col(int(ContractLines::TaxRateBp))
                .col(string_null(ContractLines::Note, 500))
                .col(money(ContractLines::Gross))
                .col(money(ContractLines::Net))
                .col(money(ContractLines::Tax))
                .col(money(ContractLines::Total))
                .primary_key(
                    Index::create()
                        .col(ContractLines::ContractId)
                        .col(ContractLines::Position),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contract_lines_contract")
                        .from(ContractLines::Table, ContractLines::ContractId)
                        .to(Contracts::Table, Contracts::Id),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ContractLines::Table.into_iden(),
            Contracts::Table.into_iden(),
            ApprovalTasks::Table.into_iden(),
            Approvals::Table.into_iden(),
            ApprovalTemplates::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
