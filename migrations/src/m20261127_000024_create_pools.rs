use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Public pools (公海) with their rules, each customer's place in one, the follow-up clock the
/// reclaim job reads, and the claims that the daily limit counts.
#[derive(DeriveIden)]
enum Pools {
    Table,
    Id,
    Name,
    /// `NULL`: the company-wide pool.
    RegionId,
    /// JSON `kaidan_shared::pool::PoolRules`.
    Rules,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Customers {
    Table,
    /// The pool it is in (its `owner_id` is then `NULL`).
    PoolId,
    PooledAt,
    PoolReason,
    /// Who owned it before it went to the pool (their cool-down).
    PreviousOwnerId,
    /// The last follow-up (create, claim, transfer, visit, deal activity): the reclaim clock.
    FollowedUpAt,
    /// When the owner was warned of the coming reclaim (once per follow-up period).
    WarnedAt,
    Id,
}

#[derive(DeriveIden)]
enum PoolClaims {
    Table,
    Id,
    UserId,
    CustomerId,
    PoolId,
    ClaimedAt,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, Pools::Table)
                .col(uuid_pk(Pools::Id))
                .col(string(Pools::Name, 64))
                .col(uuid_null(Pools::RegionId))
                .col(ColumnDef::new(Pools::Rules).text().not_null())
                .col(version(Pools::Version))
                .col(ts_not_null(m, Pools::CreatedAt))
                .col(ts_not_null(m, Pools::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_pools_region")
                        .from(Pools::Table, Pools::RegionId)
                        .to(Regions::Table, Regions::Id),
                )
                .to_owned(),
        )
        .await?;
        // The company-wide pool, with the common rules: every customer has a pool to go to.
        let now = chrono::Utc::now();
        let rules = serde_json::to_string(&kaidan_shared::pool::PoolRules::default())
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        m.exec_stmt(
            Query::insert()
                .into_table(Pools::Table)
                .columns([
                    Pools::Id,
                    Pools::Name,
                    Pools::Rules,
                    Pools::Version,
                    Pools::CreatedAt,
                    Pools::UpdatedAt,
                ])
                .values_panic([
                    uuid::Uuid::now_v7().into(),
                    "公海".into(),
                    rules.into(),
                    1i64.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
        // One pool per region (NULLs, the company-wide pools, are not equal to each other).
        m.create_index(
            index(Pools::Table, "region", vec![Pools::RegionId.into_iden()])
                .unique()
                .to_owned(),
        )
        .await?;
        for col in [
            uuid_null(Customers::PoolId),
            ts_null(m, Customers::PooledAt),
            string_null(Customers::PoolReason, 500),
            uuid_null(Customers::PreviousOwnerId),
            ts_null(m, Customers::FollowedUpAt),
            ts_null(m, Customers::WarnedAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        // Every customer so far was last followed up when it was created, as far as we know.
        let db = m.get_connection();
        db.execute_raw(Statement::from_string(
            db.get_database_backend(),
            "UPDATE customers SET followed_up_at = created_at",
        ))
        .await?;
        // The pool list (newest returns first) and the reclaim job's walk by follow-up time.
        m.create_index(
            index(
                Customers::Table,
                "pool",
                vec![
                    Customers::PoolId.into_iden(),
                    Customers::PooledAt.into_iden(),
                    Customers::Id.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Customers::Table,
                "followed_up",
                vec![
                    Customers::FollowedUpAt.into_iden(),
                    Customers::Id.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, PoolClaims::Table)
                .col(uuid_pk(PoolClaims::Id))
                .col(uuid_col(PoolClaims::UserId))
                .col(uuid_col(PoolClaims::CustomerId))
                .col(uuid_col(PoolClaims::PoolId))
                .col(ts_not_null(m, PoolClaims::ClaimedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                PoolClaims::Table,
                "user_day",
                vec![
                    PoolClaims::UserId.into_iden(),
                    PoolClaims::ClaimedAt.into_iden(),
                ],
            )
            .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PoolClaims::Table).to_owned())
            .await?;
        for ix in ["ix_customers_pool", "ix_customers_followed_up"] {
            m.drop_index(Index::drop().name(ix).table(Customers::Table).to_owned())
                .await?;
        }
        for col in [
            Customers::PoolId,
            Customers::PooledAt,
            Customers::PoolReason,
            Customers::PreviousOwnerId,
            Customers::FollowedUpAt,
            Customers::WarnedAt,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table(Pools::Table).to_owned())
            .await
    }
}
