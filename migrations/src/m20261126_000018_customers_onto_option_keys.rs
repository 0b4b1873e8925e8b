use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, Value};

use crate::m20261126_000016_create_option_lists::{insert_option, OptionLists};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Options {
    Table,
    ListId,
    Key,
    LabelZh,
    LabelEn,
    Position,
}

/// Customers' industry and source were free text; they now hold keys of the option lists
/// `customer_industry` and `customer_source`. Each distinct text becomes the key of the option
/// whose Chinese or English label it is; a text no option has becomes an option of its own
/// (`legacy_1`, …, labelled with the text), so no customer loses what it said.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (column, list) in [
            ("industry", "customer_industry"),
            ("source", "customer_source"),
        ] {
            onto_keys(m, column, list).await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // The keys stay: the labels are in the option lists.
        Ok(())
    }
}

async fn onto_keys(m: &SchemaManager<'_>, column: &str, list: &str) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = m.get_database_backend();
    let find = Query::select()
        .column(OptionLists::Id)
        .from(OptionLists::Table)
        .and_where(Expr::col(OptionLists::Key).eq(list))
        .to_owned();
    let Some(row) = db.query_one_raw(backend.build(&find)).await? else {
        return Ok(());
    };
    let list_id: uuid::Uuid = row.try_get_by_index(0)?;
    let select = Query::select()
        .columns([
            Options::Key,
            Options::LabelZh,
            Options::LabelEn,
            Options::Position,
        ])
        .from(Options::Table)
        .and_where(Expr::col(Options::ListId).eq(list_id))
        .to_owned();
    let mut options: Vec<(String, String, String)> = Vec::new();
    let mut position = 0;
    for r in db.query_all_raw(backend.build(&select)).await? {
        options.push((
            r.try_get_by_index(0)?,
            r.try_get_by_index(1)?,
            r.try_get_by_index(2)?,
        ));
        position = Ord::max(position, r.try_get_by_index::<i32>(3)? + 1);
    }
    let distinct = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT DISTINCT {column} FROM customers WHERE {column} IS NOT NULL"),
        ))
        .await?;
    let mut legacy = 0;
    for row in distinct {
        let text: String = row.try_get_by_index(0)?;
        let trimmed = text.trim();
        let found = options
            .iter()
            .find(|(k, zh, en)| k == trimmed || zh == trimmed || en.eq_ignore_ascii_case(trimmed))
            .map(|(k, _, _)| k.clone());
        let key = match found {
            Some(k) => Some(k),
            None if trimmed.is_empty() => None,
            None => {
                legacy += 1;
                let mut k = format!("legacy_{legacy}");
                while options.iter().any(|(o, _, _)| *o == k) {
                    legacy += 1;
                    k = format!("legacy_{legacy}");
                }
                let label: String = trimmed.chars().take(64).collect();
                insert_option(m, list_id, &k, &label, &label, position).await?;
                position += 1;
                options.push((k.clone(), label.clone(), label));
                Some(k)
            }
        };
        if key.as_deref() == Some(text.as_str()) {
            continue;
        }
        m.exec_stmt(
            Query::update()
                .table(Alias::new("customers"))
                .value(Alias::new(column), Value::String(key))
                .and_where(Expr::col(Alias::new(column)).eq(text))
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    use sea_orm_migration::MigratorTrait;

    use crate::Migrator;

    /// A database from before the option lists: its free-text industries and sources end up as
    /// option keys, an unknown text as an option of its own.
    #[tokio::test]
    async fn free_text_moves_onto_option_keys() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, Some(17)).await.unwrap();
        for (id, industry, source) in [
            ("00000000-0000-7000-8000-000000000001", "信息技术", "展会"),
            (
                "00000000-0000-7000-8000-000000000002",
                " 奇怪行业 ",
                "Referral",
            ),
            ("00000000-0000-7000-8000-000000000003", "Energy", ""),
        ] {
            db.execute_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!(
                    "INSERT INTO customers (id, kind, name, name_key, search_key, industry, source, \
                     version, created_at, updated_at) VALUES ('{id}', 'company', 'x', 'x', 'x', \
                     '{industry}', '{source}', 1, '2026-11-26T00:00:00Z', '2026-11-26T00:00:00Z')"
                ),
            ))
            .await
            .unwrap();
        }
        Migrator::up(&db, None).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT industry, source FROM customers ORDER BY id",
            ))
            .await
            .unwrap();
        let got: Vec<(Option<String>, Option<String>)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).unwrap(),
                    r.try_get_by_index(1).unwrap(),
                )
            })
            .collect();
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            got,
            [
                (s("information_technology"), s("trade_show")),
                (s("legacy_1"), s("referral")),
                (s("energy"), None),
            ]
        );
        let legacy = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT o.label_zh FROM options o JOIN option_lists l ON l.id = o.list_id \
                 WHERE l.key = 'customer_industry' AND o.key = 'legacy_1'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(legacy.try_get_by_index::<String>(0).unwrap(), "奇怪行业");
    }
}
