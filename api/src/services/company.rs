//! The company's particulars (the letterhead of printed quotes and contracts): everyone signed
//! in reads them, admins change them (`Resource::Region`: the top of the org chart).

use kaidan_shared::audit::AuditAction;
use kaidan_shared::company::{CompanyProfile, CompanyProfileInput};
use kaidan_shared::{Action, Resource};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::policy;
use crate::auth::Actor;
use crate::entities::company_profile;
use crate::error::{AppError, AppResult};
use crate::services::{audit, begin_write, check_version, clean, now, stale};

async fn load<C: ConnectionTrait>(db: &C) -> AppResult<CompanyProfile> {
    Ok(
        match company_profile::Entity::find_by_id(1).one(db).await? {
            Some(m) => CompanyProfile {
                name: m.name,
                address: m.address,
                phone: m.phone,
                email: m.email,
                credit_code: m.credit_code,
                bank_name: m.bank_name,
                bank_account: m.bank_account,
                version: m.version,
            },
            None => CompanyProfile::default(),
        },
    )
}

pub async fn get(db: &DatabaseConnection, actor: &Actor) -> AppResult<CompanyProfile> {
    policy::require(actor, Resource::Region, Action::Read)?;
    load(db).await
}

/// Replaces the particulars (admins).
pub async fn save(
    db: &DatabaseConnection,
    actor: &Actor,
    expected: i64,
    input: CompanyProfileInput,
) -> AppResult<CompanyProfile> {
    policy::require(actor, Resource::Region, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    let before = load(db).await?;
    check_version(Some(expected), before.version)?;
    let txn = begin_write(db).await?;
    let res = company_profile::Entity::update_many()
        .col_expr(
            company_profile::Column::Name,
            Expr::value(input.name.trim().to_owned()),
        )
        .col_expr(
            company_profile::Column::Address,
            Expr::value(clean(input.address)),
        )
        .col_expr(
            company_profile::Column::Phone,
            Expr::value(clean(input.phone)),
        )
        .col_expr(
            company_profile::Column::Email,
            Expr::value(clean(input.email)),
        )
        .col_expr(
            company_profile::Column::CreditCode,
            Expr::value(clean(input.credit_code)),
        )
        .col_expr(
            company_profile::Column::BankName,
            Expr::value(clean(input.bank_name)),
        )
        .col_expr(
            company_profile::Column::BankAccount,
            Expr::value(clean(input.bank_account)),
        )
        .col_expr(company_profile::Column::Version, Expr::value(expected + 1))
        .col_expr(company_profile::Column::UpdatedAt, Expr::value(now()))
        .filter(company_profile::Column::Id.eq(1))
        .filter(company_profile::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale());
    }
    let after = load(&txn).await?;
    let nil = Uuid::nil();
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::CompanyUpdate,
            "company",
            nil,
            nil,
            &before,
            &after,
        ),
    )
    .await?;
    Ok(after)
}
