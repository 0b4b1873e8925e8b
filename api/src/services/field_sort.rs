//! Lists ordered by a custom field (`?custom_sort=key` or `-key`), for every record type that
//! has custom fields.
//!
//! The value index (`custom_values`, primary key resource, field, value, record) holds one
//! order-preserving sort key per record and sortable field (`FieldKind::sort_key`). A page is
//! read in two phases, so that no database has to order NULLs the same way and each phase
//! walks an index from its cursor:
//! 1. records holding a value, joined through the index in (value, id) order;
//! 2. then records without one, by id (records without a value come last in both directions).
//!
//! The cursor names the field and direction (a cursor of another order is refused) and carries
//! `v:<sort key>` or `n` with the last record's id.

use kaidan_shared::field::{CustomValues, FieldKind};
use kaidan_shared::page::Page;
use kaidan_shared::{ErrorCode, Resource};
use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, JoinType, Query};
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
    pub(crate) kind: FieldKind,
    pub(crate) descending: bool,
}

impl CustomOrder {
    /// The name cursors of this order carry.
    fn name(&self) -> String {
        let dir = if self.descending { "desc" } else { "asc" };
        format!("custom.{}.{dir}", self.key)
    }

    /// A record's sort key, from its stored values (what the index holds for it).
    pub fn key_of(&self, values: &CustomValues) -> Option<String> {
        values.get(&self.key).and_then(|v| self.kind.sort_key(v))
    }

    /// The index rows of this field (for `record_id` = the list's id column when `id` is given).
    fn holders(&self) -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .column(custom_value::Column::RecordId)
            .from(custom_value::Entity)
            .and_where(custom_value::Column::Resource.eq(self.resource.as_str()))
            .and_where(custom_value::Column::FieldKey.eq(self.key.as_str()))
            .to_owned()
    }

    /// One page of `sel` (the list with its scope and filters) in this order; `key` gives a
    /// row's sort key (`key_of` its values) and id.
    pub async fn page<E, M, C>(
        &self,
        db: &C,
        sel: Select<E>,
        id: E::Column,
        cursor: Option<&str>,
        limit: u64,
        key: impl Fn(&M) -> (Option<String>, Uuid),
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
        let mut rows: Vec<M> = Vec::new();
        let valued_phase = !matches!(after, Some((None, _)));
        if valued_phase {
            let value = || Expr::col((custom_value::Entity, custom_value::Column::Value));
            let mut s = sel.clone();
            QueryTrait::query(&mut s).join(
                JoinType::InnerJoin,
                custom_value::Entity,
                Condition::all()
                    .add(
                        Expr::col((custom_value::Entity, custom_value::Column::RecordId))
                            .equals((E::default().into_iden(), id.into_iden())),
                    )
                    .add(
                        Expr::col((custom_value::Entity, custom_value::Column::Resource))
                            .eq(self.resource.as_str()),
                    )
                    .add(
                        Expr::col((custom_value::Entity, custom_value::Column::FieldKey))
                            .eq(self.key.as_str()),
                    ),
            );
            if let Some((Some(v), last)) = &after {
                let bound = if self.descending {
                    value().lte(v.clone())
                } else {
                    value().gte(v.clone())
                };
                s = s.filter(
                    Condition::all().add(bound).add(
                        Condition::any().add(beyond(value(), v.clone().into())).add(
                            Condition::all()
                                .add(value().eq(v.clone()))
                                .add(beyond(record_id(), (*last).into())),
                        ),
                    ),
                );
            }
            rows = s
                .order_by(value(), order.clone())
                .order_by(id, order.clone())
                .limit(limit + 1)
                .into_model::<M>()
                .all(db)
                .await?;
        }
        if (rows.len() as u64) <= limit {
            let mut s = sel.filter(
                Expr::exists(
                    self.holders()
                        .and_where(
                            Expr::col((custom_value::Entity, custom_value::Column::RecordId))
                                .equals((E::default().into_iden(), id.into_iden())),
                        )
                        .to_owned(),
                )
                .not(),
            );
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
            rows.last().map(|r| match key(r) {
                (Some(v), id) => cursor::encode(&name, &format!("v:{v}"), id),
                (None, id) => cursor::encode(&name, "n", id),
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
