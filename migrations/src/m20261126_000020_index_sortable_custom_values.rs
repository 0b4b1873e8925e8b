use kaidan_shared::field::FieldKind;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The value index (`custom_values`) first held only the values lists filter by (choices,
/// yes/no, users); it now also holds a sort key for every other sortable field
/// (`FieldKind::index_values`). This writes those keys for the records that already hold such
/// values, a thousand records at a time (rerunnable: each field's rows are replaced).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let backend = m.get_database_backend();
        let defs = Query::select()
            .columns([
                Alias::new("resource"),
                Alias::new("key"),
                Alias::new("kind"),
            ])
            .from(Alias::new("field_defs"))
            .to_owned();
        let mut fields: Vec<(String, String, FieldKind)> = Vec::new();
        for r in db.query_all_raw(backend.build(&defs)).await? {
            let kind: String = r.try_get_by_index(2)?;
            let Ok(kind) = serde_json::from_value::<FieldKind>(serde_json::json!(kind)) else {
                continue;
            };
            if !kind.filterable() && kind.sortable() {
                fields.push((r.try_get_by_index(0)?, r.try_get_by_index(1)?, kind));
            }
        }
        for (resource, table) in [("customer", "customers"), ("contact", "contacts")] {
            let mine: Vec<&(String, String, FieldKind)> =
                fields.iter().filter(|f| f.0 == resource).collect();
            if mine.is_empty() {
                continue;
            }
            for (_, key, _) in &mine {
                m.exec_stmt(
                    Query::delete()
                        .from_table(Alias::new("custom_values"))
                        .and_where(Expr::col(Alias::new("resource")).eq(resource))
                        .and_where(Expr::col(Alias::new("field_key")).eq(key.as_str()))
                        .to_owned(),
                )
                .await?;
            }
            let mut after: Option<uuid::Uuid> = None;
            loop {
                let mut page = Query::select()
                    .columns([Alias::new("id"), Alias::new("custom")])
                    .from(Alias::new(table))
                    .and_where(Expr::col(Alias::new("custom")).is_not_null())
                    .order_by(Alias::new("id"), Order::Asc)
                    .limit(1000)
                    .to_owned();
                if let Some(a) = after {
                    page.and_where(Expr::col(Alias::new("id")).gt(a));
                }
                let rows = db.query_all_raw(backend.build(&page)).await?;
                let Some(last) = rows.last() else { break };
                after = Some(last.try_get_by_index(0)?);
                let mut insert = Query::insert()
                    .into_table(Alias::new("custom_values"))
                    .columns([
                        Alias::new("resource"),
                        Alias::new("field_key"),
                        Alias::new("value"),
                        Alias::new("record_id"),
                    ])
                    .to_owned();
                let mut any = false;
                for r in &rows {
                    let id: uuid::Uuid = r.try_get_by_index(0)?;
                    let custom: String = r.try_get_by_index(1)?;
                    let Ok(serde_json::Value::Object(values)) = serde_json::from_str(&custom)
                    else {
                        continue;
                    };
                    for (_, key, kind) in &mine {
                        for v in values
                            .get(key)
                            .map(|v| kind.index_values(v))
                            .unwrap_or_default()
                        {
                            insert.values_panic([
                                resource.into(),
                                key.as_str().into(),
                                v.into(),
                                id.into(),
                            ]);
                            any = true;
                        }
                    }
                }
                if any {
                    m.exec_stmt(insert).await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        // Extra index rows harm no earlier version: its filters only name filterable fields.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    use sea_orm_migration::MigratorTrait;

    use crate::Migrator;

    /// A money field's values written before the index held sort keys get theirs.
    #[tokio::test]
    async fn existing_values_get_sort_keys() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, Some(19)).await.unwrap();
        let run = |sql: String| {
            let db = &db;
            async move {
                db.execute_raw(Statement::from_string(DbBackend::Sqlite, sql))
                    .await
                    .unwrap();
            }
        };
        let at = "'2026-11-26T00:00:00Z'";
        for (key, kind) in [("budget", "money"), ("cycle", "choice")] {
            run(format!(
                "INSERT INTO field_defs (id, resource, key, label_zh, label_en, kind, required, \
                 position, visible_to, editable_by, filterable, active, used, version, \
                 created_at, updated_at) VALUES ('{}', 'customer', '{key}', 'x', 'x', '{kind}', \
                 0, 0, '[]', '[]', 0, 1, 1, 1, {at}, {at})",
                uuid::Uuid::now_v7()
            ))
            .await;
        }
        // SQLite keeps UUIDs as 16-byte blobs.
        let id = "X'00000000000070008000000000000001'";
        run(format!(
            "INSERT INTO customers (id, kind, name, name_key, search_key, custom, version, \
             created_at, updated_at) VALUES ({id}, 'company', 'x', 'x', 'x', \
             '{{\"budget\": 12345, \"cycle\": \"q\"}}', 1, {at}, {at})"
        ))
        .await;
        run(format!(
            "INSERT INTO custom_values (resource, field_key, value, record_id) \
             VALUES ('customer', 'cycle', 'q', {id})"
        ))
        .await;
        Migrator::up(&db, None).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT field_key, value FROM custom_values ORDER BY field_key",
            ))
            .await
            .unwrap();
        let got: Vec<(String, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get_by_index(0).unwrap(),
                    r.try_get_by_index(1).unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("budget".into(), "10000000000000012345000000".into()),
                ("cycle".into(), "q".into())
            ]
        );
    }
}
