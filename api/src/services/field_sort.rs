//! Lists ordered by a custom field (`?custom_sort=key` or `-key`), for every record type that
//! has custom fields.
//!
//! The value index (`custom_values`, primary key resource, field, value, record) holds one
//! order-preserving sort key per record and sortable field (`FieldKind::sort_key`). A page is
//! read in two phases, so that no database has to order NULLs the same way and each phase
//! walks an index from its cursor:
//! 1. records holding a value: the index is walked in (value, id) order from the cursor, each
//!    entry kept if its record passes the list's scope and filters (an `EXISTS` probe by
//!    primary key), until a page is found; then those records are read by id. Driving from
//!    the index keeps the cost at about `limit` ÷ (the share of the field's records the caller
//!    may list) probes, whatever the size of the caller's scope — an admin's sort over
//!    1,000,000 customers reads one page's worth. (Joining the other way round, as planners
//!    pick for a rep's book, sorts the whole book: 29 ms against 6 ms for 5,000 customers on
//!    SQLite, and every row for an admin.) A scope whose records all hold the last values of
//!    the order walks further; docs/benchmarks.md has the numbers;
//! 2. then records without one, by id (records without a value come last in both directions).
//!
//! The cursor names the field and direction (a cursor of another order is refused) and carries
//! `v:<sort key>` or `n` with the last record's id.

use kaidan_shared::page::Page;
use kaidan_shared::{ErrorCode, Resource};
use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select,
};
use uuid::Uuid;

use crate::entities::custom_value;
use crate::error::{AppError, AppResult};
use crate::services::cursor;

/// One list order by a custom field the reader sees (made by `field::View::order`).
pub struct CustomOrder {
    pub(crate) resource: Resource,
    pub(crate) key: String,
    pub(crate) descending: bool,
}

impl CustomOrder {
    /// The name cursors of this order carry.
    fn name(&self) -> String {
        let dir = if self.descending { "desc" } else { "asc" };
        format!("custom.{}.{dir}", self.key)
    }

    /// The index rows of this field.
    fn holders(&self) -> SelectStatement {
        Query::select()
            .column(custom_value::Column::RecordId)
            .from(custom_value::Entity)
            .and_where(custom_value::Column::Resource.eq(self.resource.as_str()))
            .and_where(custom_value::Column::FieldKey.eq(self.key.as_str()))
            .to_owned()
    }

    /// One page of `sel` (the list with its scope and filters, whose rows are `M`) in this
    /// order; `id_of` gives a row's id.
    pub async fn page<E, M, C>(
        &self,
        db: &C,
        sel: Select<E>,
        id: E::Column,
        cursor: Option<&str>,
        limit: u64,
        id_of: impl Fn(&M) -> Uuid,
    ) -> AppResult<Page<M>>
    where
        E: EntityTrait,
        M: FromQueryResult + Send + Sync,
        C: ConnectionTrait,
    {
        let name = self.name();
        // (in the valued phase, the last sort key), the last id
        let after: Option<(Option<String>, Uuid)> = match cursor {
            None => None,
            Some(c) => {
                let (v, last) = cursor::decode(c, &name)?;
                let phase = match (v.strip_prefix("v:"), v.as_str()) {
                    (Some(k), _) => Some(k.to_owned()),
                    (None, "n") => None,
                    _ => return Err(AppError::new(ErrorCode::InvalidCursor)),
                };
                Some((phase, last))
            }
        };
        let order = if self.descending {
            sea_orm::Order::Desc
        } else {
            sea_orm::Order::Asc
        };
        let beyond = |e: Expr, v: sea_orm::Value| -> Expr {
            if self.descending {
                e.lt(v)
            } else {
                e.gt(v)
            }
        };
        let record_id = || Expr::col((E::default().into_iden(), id.into_iden()));
        let held_by = || {
            Expr::col((custom_value::Entity, custom_value::Column::RecordId))
                .equals((E::default().into_iden(), id.into_iden()))
        };
        // (sort key, id) of the page's valued records, in order
        let mut keys: Vec<(String, Uuid)> = Vec::new();
        if !matches!(after, Some((None, _))) {
            let value = || Expr::col((custom_value::Entity, custom_value::Column::Value));
            let rid = || Expr::col((custom_value::Entity, custom_value::Column::RecordId));
            let mut listed = sel.clone().select_only().column(id).into_query();
            listed.and_where(held_by());
            let mut walk = self.holders();
            walk.column(custom_value::Column::Value)
                .and_where(Expr::exists(listed))
                .order_by(
                    (custom_value::Entity, custom_value::Column::Value),
                    order.clone(),
                )
                .order_by(
                    (custom_value::Entity, custom_value::Column::RecordId),
                    order.clone(),
                )
                .limit(limit + 1);
            if let Some((Some(v), last)) = &after {
                let bound = if self.descending {
                    value().lte(v.clone())
                } else {
                    value().gte(v.clone())
                };
                walk.cond_where(
                    Condition::all().add(bound).add(
                        Condition::any().add(beyond(value(), v.clone().into())).add(
                            Condition::all()
                                .add(value().eq(v.clone()))
                                .add(beyond(rid(), (*last).into())),
                        ),
                    ),
                );
            }
            for row in db.query_all(&walk).await? {
                keys.push((row.try_get_by_index(1)?, row.try_get_by_index(0)?));
            }
        }
        let mut rows: Vec<M> = Vec::new();
        if !keys.is_empty() {
            let ids: Vec<Uuid> = keys.iter().map(|(_, id)| *id).collect();
            let mut found = sel
                .clone()
                .filter(record_id().is_in(ids))
                .into_model::<M>()
                .all(db)
                .await?;
            // In the index's order.
            found.sort_by_key(|m| {
                let me = id_of(m);
                keys.iter().position(|(_, id)| *id == me)
            });
            rows = found;
        }
        if (rows.len() as u64) <= limit {
            let mut s =
                sel.filter(Expr::exists(self.holders().and_where(held_by()).to_owned()).not());
            if let Some((None, last)) = &after {
                s = s.filter(beyond(record_id(), (*last).into()));
            }
            let more = s
                .order_by(id, order)
                .limit(limit + 1 - rows.len() as u64)
                .into_model::<M>()
                .all(db)
                .await?;
            rows.extend(more);
        }
        let next_cursor = if rows.len() as u64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| {
                let id = id_of(r);
                match keys.iter().find(|(_, k)| *k == id) {
                    Some((v, _)) => cursor::encode(&name, &format!("v:{v}"), id),
                    None => cursor::encode(&name, "n", id),
                }
            })
        } else {
            None
        };
        Ok(Page {
            items: rows,
            next_cursor,
        })
    }
}
