use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::m20261124_000006_create_customers::Customers;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A customer's tags as a JSON array on its own row, beside the `customer_tags` table that the
/// tag filter uses: a get or a list page reads them with the row instead of one more query
/// (docs/benchmarks.md, 2026-11-26: each query is a round-trip through the driver's worker
/// thread, and they were most of the time of a get). The service writes both in one transaction.
#[derive(DeriveIden)]
enum Cols {
    Tags,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Customers::Table)
                .add_column(ColumnDef::new(Cols::Tags).text().null())
                .to_owned(),
        )
        .await?;
        // The existing tags, sorted as the service keeps them.
        let fill = match m.get_database_backend() {
            DbBackend::Sqlite => {
                "UPDATE customers SET tags = (SELECT json_group_array(tag) FROM \
                 (SELECT tag FROM customer_tags t WHERE t.customer_id = customers.id ORDER BY tag)) \
                 WHERE id IN (SELECT customer_id FROM customer_tags)"
            }
            DbBackend::Postgres => {
                "UPDATE customers c SET tags = (SELECT json_agg(tag ORDER BY tag)::text \
                 FROM customer_tags t WHERE t.customer_id = c.id) \
                 WHERE c.id IN (SELECT customer_id FROM customer_tags)"
            }
            _ => {
                "UPDATE customers c SET tags = (SELECT JSON_ARRAYAGG(tag ORDER BY tag) \
                 FROM customer_tags t WHERE t.customer_id = c.id) \
                 WHERE c.id IN (SELECT customer_id FROM customer_tags)"
            }
        };
        m.get_connection().execute_unprepared(fill).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Customers::Table)
                .drop_column(Cols::Tags)
                .to_owned(),
        )
        .await
    }
}
