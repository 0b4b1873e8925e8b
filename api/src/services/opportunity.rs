//! Opportunities (商机): create for a customer, edit, move through the stages (lost with a
//! reason), reopen (supervisors), the board by stage with totals, and the stage history.
//!
//! Every stage move writes a row of `opportunity_stage_changes` (from, to, amount and
//! probability at the time, who, when) in the move's transaction. Deal activity counts as a
//! follow-up of the customer: it restarts the public pool's reclaim clock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::field::CustomValues;
use kaidan_shared::opportunity::{
    weighted, Board, BoardColumn, BoardQuery, Opportunity, OpportunityCreate, OpportunityDetail,
    OpportunityListQuery, OpportunityUpdate, Outcome, Reopen, Stage, StageChange, StageMove,
    Stages, StagesInput,
};
use kaidan_shared::option_list::{builtin, check_choice};
use kaidan_shared::page::Page;
use kaidan_shared::{Action, ErrorCode, FieldCode, Resource, Scope};
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Func, Query, SelectStatement, UnionType,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, RelationTrait, Select,
};
use uuid::Uuid;

use crate::auth::policy::{self, Scoped};
use crate::auth::Actor;
use crate::clock::Clock;
use crate::entities::{
    customer, opportunity, opportunity_stage, opportunity_stage_change, opportunity_total, user,
};
use crate::error::{AppError, AppResult};
use crate::services::clean;
use crate::services::field_plan::PlanCache;
use crate::services::org::OwnerPlace;
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, check_version, deal_totals, field, like_contains, new_id, now, page_limit,
    rules_cache, stale,
};

/// Cards per board column (the column's count and totals cover all of its deals).
pub const BOARD_CARDS: u64 = 20;

// ---- stages ----

fn stage_dto(m: opportunity_stage::Model) -> Stage {
    Stage {
        key: m.key,
        label_zh: m.label_zh,
        label_en: m.label_en,
        probability: m.probability.clamp(0, 100) as u8,
        outcome: Outcome::parse(&m.outcome).unwrap_or(Outcome::Open),
        stale_days: m.stale_days.map(|d| Ord::max(d, 0) as u32),
        active: m.active,
    }
}

/// The pipeline in order, with its version (the highest of its rows').
pub async fn load_stages<C: ConnectionTrait>(db: &C) -> AppResult<Stages> {
    let rows = opportunity_stage::Entity::find()
        .order_by_asc(opportunity_stage::Column::Position)
        .all(db)
        .await?;
    let version = rows.iter().map(|r| r.version).max().unwrap_or(0);
    Ok(Stages {
        stages: rows.into_iter().map(stage_dto).collect(),
        version,
    })
}

pub async fn stages(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
) -> AppResult<Stages> {
    policy::require(actor, Resource::Opportunity, Action::Read)?;
    Ok(kept.get(db).await?.stages.clone())
}

/// Replaces the pipeline (admin). A stage some deal is in cannot be left out: retire it.
pub async fn save_stages(
    db: &DatabaseConnection,
    actor: &Actor,
    expected: i64,
    input: StagesInput,
) -> AppResult<Stages> {
    policy::require(actor, Resource::Field, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    let before = load_stages(db).await?;
    check_version(Some(expected), before.version)?;
    let mut errors = Vec::new();
    for (i, old) in before.stages.iter().enumerate() {
        if input.stages.iter().any(|s| s.key == old.key) {
            continue;
        }
        let used = opportunity::Entity::find()
            .select_only()
            .column(opportunity::Column::Id)
            .filter(opportunity::Column::Stage.eq(old.key.as_str()))
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .is_some();
        if used {
            errors.push(kaidan_shared::FieldError::new(
                format!("stages[{i}]"),
                FieldCode::NotAllowed,
                format!("deals are in stage {}: retire it instead", old.key),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let version = before.version + 1;
    let t = now();
    let txn = begin_write(db).await?;
    opportunity_stage::Entity::delete_many().exec(&txn).await?;
    let rows = input
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| opportunity_stage::ActiveModel {
            key: Set(s.key.clone()),
            id: Set(new_id()),
            label_zh: Set(s.label_zh.trim().into()),
            label_en: Set(s.label_en.trim().into()),
            probability: Set(s.probability as i32),
            outcome: Set(s.outcome.as_str().into()),
            stale_days: Set(s.stale_days.map(|d| d as i32)),
            position: Set(i as i32),
            active: Set(s.active),
            version: Set(version),
            updated_at: Set(t),
        });
    opportunity_stage::Entity::insert_many(rows)
        .exec_without_returning(&txn)
        .await?;
    rules_cache::bump(&txn).await?;
    let after = load_stages(&txn).await?;
    let id = Uuid::nil();
    let change = audit::Change::updated(
        AuditAction::StagesUpdate,
        "opportunity_stages",
        id,
        id,
        &before,
        &after,
    );
    audit::commit(txn, actor, change).await?;
    Ok(after)
}

pub(crate) fn find_stage<'a>(stages: &'a Stages, key: &str) -> Option<&'a Stage> {
    stages.stages.iter().find(|s| s.key == key)
}

fn bad_stage(field: &str) -> AppError {
    AppError::field(
        field,
        FieldCode::UnknownReference,
        "not an active stage of the pipeline",
    )
}

// ---- reading ----

#[derive(Debug, FromQueryResult)]
pub struct Row {
    #[sea_orm(nested)]
    pub opportunity: opportunity::Model,
    pub owner_name: Option<String>,
    pub customer_name: Option<String>,
}

fn with_names() -> Select<opportunity::Entity> {
    opportunity::Entity::find()
        .column_as(
            Expr::col((user::Entity, user::Column::DisplayName)),
            "owner_name",
        )
        .column_as(
            Expr::col((customer::Entity, customer::Column::Name)),
            "customer_name",
        )
        .join(JoinType::LeftJoin, opportunity::Relation::Owner.def())
        .join(JoinType::InnerJoin, opportunity::Relation::Customer.def())
}

pub fn to_dto(r: Row) -> Opportunity {
    let m = r.opportunity;
    let probability = m.probability.clamp(0, 100) as u8;
    Opportunity {
        id: m.id,
        customer_id: m.customer_id,
        customer_name: r.customer_name,
        name: m.name,
        amount: m.amount,
        weighted_amount: weighted(m.amount, probability),
        expected_close_date: m.expected_close_date,
        stage: m.stage,
        probability,
        status: Outcome::parse(&m.status).unwrap_or(Outcome::Open),
        owner_id: m.owner_id,
        owner_name: r.owner_name,
        products: m.products,
        competitors: m.competitors,
        next_step: m.next_step,
        source_lead_id: m.source_lead_id,
        lost_reason: m.lost_reason,
        lost_note: m.lost_note,
        closed_at: m.closed_at,
        stage_changed_at: m.stage_changed_at,
        last_activity_at: m.last_activity_at,
        stale: m.stale_at.is_some_and(|s| s >= m.last_activity_at),
        custom: field::parse(m.custom.as_deref()),
        archived: m.archived_at.is_some(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn read_one<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Opportunity> {
    let r: Row = with_names()
        .filter(opportunity::Column::Id.eq(id))
        .into_model()
        .one(db)
        .await?
        .ok_or_else(stale)?;
    Ok(to_dto(r))
}

pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    plans: &PlanCache,
    actor: &Actor,
    q: OpportunityListQuery,
) -> AppResult<Page<Opportunity>> {
    let scope = policy::require(actor, Resource::Opportunity, Action::Read)?;
    q.validate().map_err(AppError::validation)?;
    let limit = page_limit(q.limit)?;
    let view = field::View::load(db, kept, actor).await?;
    // Owners checked per row, as on the customer list (policy::owned_in_scope_probed).
    let mut sel = with_names()
        .filter(policy::owned_in_scope_probed(
            actor,
            scope,
            opportunity::Column::OwnerId,
        ))
        .filter(opportunity::Column::ArchivedAt.is_null());
    if let Some(o) = q.owner_id {
        sel = sel.filter(opportunity::Column::OwnerId.eq(o));
    }
    if let Some(c) = q.customer_id {
        sel = sel.filter(opportunity::Column::CustomerId.eq(c));
    }
    if let Some(s) = q.status {
        sel = sel.filter(opportunity::Column::Status.eq(s.as_str()));
    }
    if let Some(s) = q.stage.as_deref().filter(|s| !s.is_empty()) {
        sel = sel.filter(opportunity::Column::Stage.eq(s));
    }
    if q.stale == Some(true) {
        sel = sel.filter(
            Expr::col((opportunity::Entity, opportunity::Column::StaleAt)).gte(Expr::col((
                opportunity::Entity,
                opportunity::Column::LastActivityAt,
            ))),
        );
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        sel = sel.filter(
            Expr::expr(Func::lower(Expr::col((
                opportunity::Entity,
                opportunity::Column::Name,
            ))))
            .like(like_contains(&text.to_lowercase())),
        );
    }
    let sel = view
        .filter_list(
            db,
            plans,
            Resource::Opportunity,
            sel,
            opportunity::Column::Id,
            q.custom.as_deref(),
        )
        .await?;
    let keyset = Keyset {
        name: "updated_desc",
        column: Some((opportunity::Column::UpdatedAt, KeyKind::Time)),
        id: opportunity::Column::Id,
        descending: true,
    };
    let page = view
        .page(
            db,
            Resource::Opportunity,
            sel,
            keyset,
            q.custom_sort.as_deref(),
            (q.cursor.as_deref(), limit),
            |r: &Row| (r.opportunity.updated_at.to_rfc3339(), r.opportunity.id),
        )
        .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                let mut o = to_dto(r);
                o.custom = view.show(Resource::Opportunity, &o.custom);
                o
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

async fn stage_history<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Vec<StageChange>> {
    let rows = opportunity_stage_change::Entity::find()
        .filter(opportunity_stage_change::Column::OpportunityId.eq(id))
        .order_by_asc(opportunity_stage_change::Column::ChangedAt)
        .order_by_asc(opportunity_stage_change::Column::Id)
        .limit(500)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.changed_by).collect();
    let names: HashMap<Uuid, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|r| StageChange {
            from_stage: r.from_stage,
            to_stage: r.to_stage,
            amount: r.amount,
            probability: r.probability.clamp(0, 100) as u8,
            changed_by_name: r.changed_by.and_then(|u| names.get(&u).cloned()),
            changed_by: r.changed_by,
            changed_at: r.changed_at,
        })
        .collect())
}

pub async fn get(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
) -> AppResult<OpportunityDetail> {
    let row: Row =
        record::find_with::<opportunity::Entity, Row, _>(db, actor, Action::Read, id, with_names())
            .await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut o = to_dto(row);
    o.custom = view.show(Resource::Opportunity, &o.custom);
    Ok(OpportunityDetail {
        opportunity: o,
        stage_history: stage_history(db, id).await?,
    })
}

pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<opportunity::Entity>(db, kept, actor, id, q).await
}

/// The board: one column per active open stage with the deals of the caller's scope (or of one
/// owner in it), each column counted and summed over all its deals. A supervisor's column reads
/// its team's newest deals of the stage (`BOARD_CARDS` rows); any other column of more than
/// `walk_from` deals finds its cards by walking the stage's newest deals (about `BOARD_CARDS` ×
/// stage ÷ column rows), a smaller one by sorting its own deals (at most `walk_from` rows).
pub async fn board(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    q: BoardQuery,
    walk_from: u64,
) -> AppResult<Board> {
    let scope = policy::require(actor, Resource::Opportunity, Action::Read)?;
    let settings = kept.get(db).await?;
    let stages = &settings.stages;
    let mut base = Condition::all()
        .add(opportunity::Column::Status.eq(Outcome::Open.as_str()))
        .add(opportunity::Column::ArchivedAt.is_null());
    if let Some(o) = q.owner_id {
        base = base.add(opportunity::Column::OwnerId.eq(o));
    }
    // Σ deals and Σ amount per (stage, probability) from the totals the writes keep (a few rows
    // per owner): the weighted sum is exact when rounded per group, as grouping the deals gave.
    let mut owners = policy::owned_in_scope(actor, scope, opportunity_total::Column::OwnerId);
    if let Some(o) = q.owner_id {
        owners = owners.add(opportunity_total::Column::OwnerId.eq(o));
    }
    let backend = db.get_database_backend();
    let sums: Vec<(String, i32, Option<i64>, Option<i64>)> = opportunity_total::Entity::find()
        .select_only()
        .column(opportunity_total::Column::Stage)
        .column(opportunity_total::Column::Probability)
        .column_as(sum_i64(backend, "deals"), "n")
        .column_as(sum_i64(backend, "amount"), "total")
        .filter(owners)
        .filter(opportunity_total::Column::Deals.gt(0))
        .group_by(opportunity_total::Column::Stage)
        .group_by(opportunity_total::Column::Probability)
        .into_tuple()
        .all(db)
        .await?;
    let view = settings.view(actor.role);
    let mut columns: Vec<BoardColumn> = stages
        .stages
        .iter()
        .filter(|s| s.active && s.outcome == Outcome::Open)
        .map(|s| {
            let (mut count, mut total, mut weighted_total) = (0u64, 0i64, 0i64);
            for (stage, p, n, t) in &sums {
                if *stage == s.key {
                    let t = t.unwrap_or(0);
                    count += Ord::max(n.unwrap_or(0), 0) as u64;
                    total += t;
                    weighted_total += weighted(t, (*p).clamp(0, 100) as u8);
                }
            }
            BoardColumn {
                stage: s.key.clone(),
                count,
                total,
                weighted_total,
                items: Vec::new(),
            }
        })
        .collect();
    // Every column's newest cards in one statement: a `UNION ALL` of one limited query per
    // column that has deals (each wrapped, as SQLite takes no `LIMIT` in a compound's parts).
    // A team's column reads the team's own deals of the stage newest first (the deals' copy of
    // their owner's team, `owner_team`), each owner still checked, so other teams' newer deals
    // cost nothing. Otherwise a column of many deals walks the stage's newest deals and checks
    // each one's owner; a small one gathers its owners' deals and sorts them
    // (policy::owned_in_scope_probed).
    let team = match (scope, q.owner_id) {
        (Scope::Team, None) => actor.team_id,
        _ => None,
    };
    let mut cards: Option<SelectStatement> = None;
    for (i, c) in columns.iter().filter(|c| c.count > 0).enumerate() {
        let owners = if let Some(t) = team {
            Condition::all()
                .add(opportunity::Column::OwnerTeamId.eq(t))
                .add(policy::owned_in_scope_probed(
                    actor,
                    scope,
                    opportunity::Column::OwnerId,
                ))
        } else if c.count > walk_from {
            policy::owned_in_scope_probed(actor, scope, opportunity::Column::OwnerId)
        } else {
            opportunity::Entity::in_scope(actor, scope)
        };
        let part = with_names()
            .filter(base.clone())
            .filter(owners)
            .filter(opportunity::Column::Stage.eq(c.stage.as_str()))
            .order_by_desc(opportunity::Column::UpdatedAt)
            .order_by_desc(opportunity::Column::Id)
            .limit(BOARD_CARDS)
            .into_query();
        let part = Query::select()
            .column(Asterisk)
            .from_subquery(part, Alias::new(format!("c{i}")))
            .to_owned();
        match cards.as_mut() {
            None => cards = Some(part),
            Some(all) => {
                all.union(UnionType::All, part);
            }
        }
    }
    let rows: Vec<Row> = match cards {
        Some(q) => {
            let cards = Row::find_by_statement(record::limits_in_text(backend.build(&q)));
            if backend == sea_orm::DatabaseBackend::Postgres && team.is_none() {
                // The walk's best plan does not depend on its values (walk the stage's index
                // newest first), yet PostgreSQL's estimate of its generic plan comes out a
                // little dearer than a plan for the values, so it would plan every board anew
                // (2.4 ms, twice the run). Told to, it keeps the one plan. (A team's columns,
                // read by team, get the generic plan without being told: three round trips
                // fewer.)
                let txn = sea_orm::TransactionTrait::begin(db).await?;
                txn.execute_unprepared("SET LOCAL plan_cache_mode = force_generic_plan")
                    .await?;
                let rows = cards.all(&txn).await?;
                txn.commit().await?;
                rows
            } else {
                cards.all(db).await?
            }
        }
        None => Vec::new(),
    };
    let mut rows: Vec<Opportunity> = rows
        .into_iter()
        .map(|r| {
            let mut o = to_dto(r);
            o.custom = view.show(Resource::Opportunity, &o.custom);
            o
        })
        .collect();
    // A compound statement promises no order: newest first within each column, as one
    // column's query gave them.
    rows.sort_by_key(|o| std::cmp::Reverse((o.updated_at, o.id)));
    for o in rows {
        if let Some(c) = columns.iter_mut().find(|c| c.stage == o.stage) {
            c.items.push(o);
        }
    }
    Ok(Board { columns })
}

/// `SUM(column)` of a BIGINT column as a 64-bit integer on every engine (PostgreSQL answers
/// NUMERIC and MySQL DECIMAL for it).
fn sum_i64(backend: sea_orm::DatabaseBackend, column: &str) -> Expr {
    Expr::cust(match backend {
        sea_orm::DatabaseBackend::Postgres => format!("CAST(SUM({column}) AS BIGINT)"),
        sea_orm::DatabaseBackend::MySql => format!("CAST(SUM({column}) AS SIGNED)"),
        _ => format!("SUM({column})"),
    })
}

/// The customers among `ids` with an open deal (the public pool's reclaim exemption).
pub async fn customers_with_open_deal<C: ConnectionTrait>(
    db: &C,
    ids: Vec<Uuid>,
) -> AppResult<Vec<Uuid>> {
    Ok(opportunity::Entity::find()
        .select_only()
        .column(opportunity::Column::CustomerId)
        .distinct()
        .filter(opportunity::Column::CustomerId.is_in(ids))
        .filter(opportunity::Column::Status.eq(Outcome::Open.as_str()))
        .filter(opportunity::Column::ArchivedAt.is_null())
        .into_tuple()
        .all(db)
        .await?)
}

// ---- writing ----

/// For a record linked to a deal (a visit, a task): a deal of `customer_id` that the caller may
/// read, or a field error on `opportunity_id`.
pub(crate) async fn check_deal_of<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    customer_id: Uuid,
    deal_id: Uuid,
    errors: &mut Vec<kaidan_shared::FieldError>,
) -> AppResult<()> {
    let found = match policy::scope_of(actor, Resource::Opportunity, Action::Read) {
        Some(scope) => opportunity::Entity::find_by_id(deal_id)
            .filter(opportunity::Entity::in_scope(actor, scope))
            .filter(opportunity::Column::CustomerId.eq(customer_id))
            .filter(opportunity::Column::ArchivedAt.is_null())
            .select_only()
            .column(opportunity::Column::Id)
            .into_tuple::<Uuid>()
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    if !found {
        errors.push(kaidan_shared::FieldError::new(
            "opportunity_id",
            FieldCode::UnknownReference,
            "no deal of this customer with this id inside your scope",
        ));
    }
    Ok(())
}

/// Deal activity is a follow-up of its customer: the pool's reclaim clock starts again (so does
/// a visit's check-in).
pub(crate) async fn touch_customer<C: ConnectionTrait>(
    db: &C,
    customer: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    // Forward only: a back-dated activity never winds the clock back.
    customer::Entity::update_many()
        .col_expr(customer::Column::FollowedUpAt, Expr::value(Some(at)))
        .filter(customer::Column::Id.eq(customer))
        .filter(customer::Column::PoolId.is_null())
        .filter(
            Condition::any()
                .add(customer::Column::FollowedUpAt.is_null())
                .add(customer::Column::FollowedUpAt.lt(at)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Restarts an open deal's stale clock (a visit's check-in is activity), forward only.
pub(crate) async fn touch_activity<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    at: DateTime<Utc>,
) -> AppResult<()> {
    opportunity::Entity::update_many()
        .col_expr(opportunity::Column::LastActivityAt, Expr::value(at))
        .filter(opportunity::Column::Id.eq(id))
        .filter(opportunity::Column::Status.eq(Outcome::Open.as_str()))
        .filter(opportunity::Column::LastActivityAt.lt(at))
        .exec(db)
        .await?;
    Ok(())
}

async fn record_move<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    m: &opportunity::Model,
    from: Option<String>,
) -> AppResult<()> {
    opportunity_stage_change::Entity::insert(opportunity_stage_change::ActiveModel {
        id: Set(new_id()),
        opportunity_id: Set(m.id),
        from_stage: Set(from),
        to_stage: Set(m.stage.clone()),
        amount: Set(m.amount),
        probability: Set(m.probability),
        changed_by: Set(actor.audit_id()),
        changed_at: Set(m.stage_changed_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: OpportunityCreate,
    clock: &Clock,
) -> AppResult<OpportunityDetail> {
    let scope = policy::require(actor, Resource::Opportunity, Action::Create)?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Opportunity);
    let mut errors = input.validate().err().unwrap_or_default();
    let custom = match rules.check(db, actor.role, &input.custom, None).await? {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let stages = &settings.stages;
    let stage = match input.stage.as_deref() {
        Some(k) => find_stage(stages, k).filter(|s| s.active && s.outcome == Outcome::Open),
        None => stages
            .stages
            .iter()
            .find(|s| s.active && s.outcome == Outcome::Open),
    };
    if stage.is_none() {
        errors.push(kaidan_shared::FieldError::new(
            "stage",
            FieldCode::UnknownReference,
            "not an active open stage of the pipeline",
        ));
    }
    // The customer: one the caller may add deals to, not archived, not in a pool.
    let cust = customer::Entity::find_by_id(input.customer_id)
        .filter(<customer::Entity as Scoped>::in_scope(actor, scope))
        .filter(customer::Column::ArchivedAt.is_null())
        .filter(customer::Column::PoolId.is_null())
        .one(db)
        .await?;
    if cust.is_none() {
        errors.push(kaidan_shared::FieldError::new(
            "customer_id",
            FieldCode::UnknownReference,
            "no active customer with this id inside your scope",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let (Some(cust), Some(stage), Some(custom)) = (cust, stage, custom) else {
        return Err(AppError::internal(anyhow::anyhow!("checked above")));
    };
    let owner = match input.owner_id {
        Some(o) if o != actor.user_id && Some(o) != cust.owner_id => {
            let scope = policy::scope_of(actor, Resource::Opportunity, Action::Transfer)
                .ok_or_else(|| {
                    AppError::field_forbidden(
                        "owner_id",
                        "only supervisors and above may choose the owner",
                    )
                })?;
            crate::services::customer::assignable_owner(db, actor, scope, o).await?;
            o
        }
        Some(o) => o,
        None => cust.owner_id.unwrap_or(actor.user_id),
    };
    // Somebody owns every deal: an API client's identity never does.
    if owner == actor.user_id && !actor.role.can_own_customers() {
        return Err(crate::services::customer::owner_required());
    }
    let txn = begin_write(db).await?;
    let deal = NewDeal {
        customer_id: cust.id,
        owner,
        stage,
        input,
        custom,
        names: None,
        fresh_customer: false,
        place: None,
    };
    let mut trail = audit::Trail::default();
    let (mut dto, row) = insert(&txn, actor, &rules, deal, clock, &mut trail).await?;
    let history = stage_history(&txn, dto.id).await?;
    trail.write(&txn, actor).await?;
    deal_totals::commit(txn, None, Some(&row)).await?;
    dto.custom = rules.visible(actor.role, &dto.custom);
    Ok(OpportunityDetail {
        opportunity: dto,
        stage_history: history,
    })
}

/// A checked new deal: its customer, owner and open stage decided, its custom values checked.
pub(crate) struct NewDeal<'a> {
    pub customer_id: Uuid,
    pub owner: Uuid,
    pub stage: &'a Stage,
    pub input: OpportunityCreate,
    pub custom: CustomValues,
    /// The customer's and the owner's names when the caller has them (else they are read).
    pub names: Option<(String, String)>,
    /// The customer was made in this transaction, its follow-up clock just set.
    pub fresh_customer: bool,
    /// The owner's place when the caller read it first in this transaction
    /// (`org::owner_place`); else it is read here, first.
    pub place: Option<OwnerPlace>,
}

/// Writes a new deal inside `txn`: the row, its first stage move, its customer's follow-up clock
/// and the audit row, added to `trail` (lead conversion calls this inside its own transaction).
/// Answers every custom value (the caller shows what the reader may see) and the row, whose
/// board totals the caller shifts as it commits (`deal_totals::commit`, after the audit rows):
/// all of an owner's deals in a stage share one totals row, so its lock is best held for the
/// commit alone.
pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    actor: &Actor,
    rules: &field::Rules,
    deal: NewDeal<'_>,
    clock: &Clock,
    trail: &mut audit::Trail,
) -> AppResult<(Opportunity, opportunity::Model)> {
    let NewDeal {
        customer_id,
        owner,
        stage,
        input,
        custom,
        names,
        fresh_customer,
        place,
    } = deal;
    let owner_team_id = match place {
        Some(p) => p.team_id,
        None => owner_team(txn, Some(owner)).await?,
    };
    let t = now();
    let at = clock.now();
    let m = opportunity::Model {
        id: new_id(),
        customer_id,
        name: input.name.trim().into(),
        amount: input.amount,
        expected_close_date: input.expected_close_date,
        stage: stage.key.clone(),
        probability: input.probability.unwrap_or(stage.probability) as i32,
        status: Outcome::Open.as_str().into(),
        owner_id: Some(owner),
        owner_team_id,
        products: clean(input.products),
        competitors: clean(input.competitors),
        next_step: clean(input.next_step),
        source_lead_id: input.source_lead_id,
        lost_reason: None,
        lost_note: None,
        closed_at: None,
        stage_changed_at: at,
        last_activity_at: at,
        stale_at: None,
        custom: field::stored(&custom),
        archived_at: None,
        version: 1,
        created_by: actor.audit_id(),
        created_at: t,
        updated_at: t,
    };
    opportunity::Entity::insert(opportunity::ActiveModel::from(m.clone()))
        .exec_without_returning(txn)
        .await?;
    rules.mark_used(txn, &custom).await?;
    rules
        .index(
            txn,
            Resource::Opportunity,
            m.id,
            &Default::default(),
            &custom,
        )
        .await?;
    record_move(txn, actor, &m, None).await?;
    if !fresh_customer {
        touch_customer(txn, customer_id, at).await?;
    }
    let dto = match names {
        Some((customer_name, owner_name)) => to_dto(Row {
            opportunity: m.clone(),
            owner_name: Some(owner_name),
            customer_name: Some(customer_name),
        }),
        None => read_one(txn, m.id).await?,
    };
    trail.add(audit::Change::created(
        AuditAction::OpportunityCreate,
        "opportunity",
        m.id,
        m.id,
        &dto,
    ));
    Ok((dto, m))
}

pub async fn update(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: OpportunityUpdate,
    clock: &Clock,
) -> AppResult<Opportunity> {
    let current =
        record::find::<opportunity::Entity, _>(db, actor, Action::Update, id, Condition::all())
            .await?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    let rules = kept.get(db).await?.rules(Resource::Opportunity);
    let mut errors = input.validate().err().unwrap_or_default();
    let custom = if input.custom.is_empty() {
        None
    } else {
        let previous = field::parse(current.custom.as_deref());
        rules
            .check(db, actor.role, &input.custom, Some(&previous))
            .await?
            .map_err(|e| errors.extend(e))
            .ok()
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_version(Some(expected), current.version)?;
    let mut action = AuditAction::OpportunityUpdate;
    if let Some(o) = input.owner_id.filter(|o| Some(*o) != current.owner_id) {
        let scope =
            policy::scope_of(actor, Resource::Opportunity, Action::Transfer).ok_or_else(|| {
                AppError::field_forbidden(
                    "owner_id",
                    "only supervisors and above may change the owner",
                )
            })?;
        record::find::<opportunity::Entity, _>(db, actor, Action::Transfer, id, Condition::all())
            .await?;
        crate::services::customer::assignable_owner(db, actor, scope, o).await?;
        action = AuditAction::OpportunityTransfer;
    }
    let before = read_one(db, id).await?;
    let mut next = current.clone();
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    if let Some(n) = &input.name {
        next.name = n.trim().into();
    }
    if let Some(a) = input.amount {
        next.amount = a;
    }
    input
        .expected_close_date
        .apply_with(&mut next.expected_close_date, Some);
    if let Some(p) = input.probability {
        next.probability = p as i32;
    }
    input
        .products
        .apply_with(&mut next.products, |v| clean(Some(v)));
    input
        .competitors
        .apply_with(&mut next.competitors, |v| clean(Some(v)));
    input
        .next_step
        .apply_with(&mut next.next_step, |v| clean(Some(v)));
    if let Some(o) = input.owner_id {
        next.owner_id = Some(o);
    }
    let at = clock.now();
    next.last_activity_at = at;
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    next.owner_team_id = owner_team(&txn, next.owner_id).await?;
    record::save_versioned::<opportunity::Entity, _>(&txn, next.clone(), id, expected).await?;
    if next.owner_id != current.owner_id {
        // The deal's quotes and contracts are its owner's: they move with it.
        crate::services::quote::follow_deal(&txn, id, next.owner_id, next.owner_team_id).await?;
        crate::services::contract::follow_deal(&txn, id, next.owner_id, next.owner_team_id).await?;
    }
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        let previous = field::parse(current.custom.as_deref());
        rules
            .index(&txn, Resource::Opportunity, id, &previous, c)
            .await?;
    }
    touch_customer(&txn, current.customer_id, at).await?;
    let mut after = read_one(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        audit::Change::updated(action, "opportunity", id, id, &before, &after),
    )
    .await?;
    // Last: the owner's totals row is shared by all their deals.
    deal_totals::commit(txn, Some(&current), Some(&next)).await?;
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(after)
}

/// The team of a deal's owner, for the deal's copy of it (`owner_team_id`, the team board's
/// index), read share-locked first in the deal's transaction (`org::owner_place` says why).
pub(crate) async fn owner_team<C: ConnectionTrait>(
    txn: &C,
    owner: Option<Uuid>,
) -> AppResult<Option<Uuid>> {
    Ok(crate::services::org::owner_place(txn, owner).await?.team_id)
}

/// Applies a stage move to `next` (status, probability, close time, lost reason).
fn enter_stage(next: &mut opportunity::Model, stage: &Stage, at: DateTime<Utc>) {
    next.stage = stage.key.clone();
    next.status = stage.outcome.as_str().into();
    next.stage_changed_at = at;
    next.last_activity_at = at;
    match stage.outcome {
        Outcome::Open => {
            next.probability = stage.probability as i32;
            next.closed_at = None;
            next.lost_reason = None;
            next.lost_note = None;
        }
        Outcome::Won | Outcome::Lost => {
            next.probability = stage.probability as i32;
            next.closed_at = Some(at);
        }
    }
}

/// A checked stage move, ready to be written: `move_stage` writes it alone; a visit that moves
/// its deal writes it in the visit's own transaction, so both land or neither does.
pub(crate) struct PlannedMove {
    current: opportunity::Model,
    next: opportunity::Model,
    before: Opportunity,
    /// The owner's team when the caller read the owner's place itself (first in its
    /// transaction, with its other owners in id order).
    owner_team: Option<Option<Uuid>>,
}

impl PlannedMove {
    /// The deal's owner, whose place the write reads first.
    pub(crate) fn owner_id(&self) -> Option<Uuid> {
        self.next.owner_id
    }

    /// The owner's team as the caller read it first in the transaction.
    pub(crate) fn set_owner_team(&mut self, team: Option<Uuid>) {
        self.owner_team = Some(team);
    }
}

/// Writes a move (or reopen) inside `txn` — the owner's place read first, as every write of a
/// copy does — with its history row, the customer's follow-up clock and the audit row. The caller
/// commits through `deal_totals::commit` (`finish_move`), after any rows of its own.
pub(crate) async fn write_move(
    txn: &DatabaseTransaction,
    actor: &Actor,
    planned: &mut PlannedMove,
    action: AuditAction,
    note: Option<(&str, String)>,
) -> AppResult<(Opportunity, Vec<StageChange>)> {
    let id = planned.current.id;
    planned.next.owner_team_id = match planned.owner_team {
        Some(t) => t,
        None => owner_team(txn, planned.next.owner_id).await?,
    };
    record::save_versioned::<opportunity::Entity, _>(
        txn,
        planned.next.clone(),
        id,
        planned.current.version,
    )
    .await?;
    record_move(
        txn,
        actor,
        &planned.next,
        Some(planned.current.stage.clone()),
    )
    .await?;
    touch_customer(
        txn,
        planned.current.customer_id,
        planned.next.last_activity_at,
    )
    .await?;
    let after = read_one(txn, id).await?;
    let history = stage_history(txn, id).await?;
    let mut change = audit::Change::updated(action, "opportunity", id, id, &planned.before, &after);
    if let (Some(serde_json::Value::Object(a)), Some((k, v))) = (change.after.as_mut(), note) {
        a.insert(k.into(), serde_json::Value::String(v));
    }
    audit::record(txn, actor, change).await?;
    Ok((after, history))
}

/// Shifts the board's totals by a written move and commits (the totals rows last: they are
/// shared by all of an owner's deals in a stage, so their locks are held shortest).
pub(crate) async fn finish_move(txn: DatabaseTransaction, planned: &PlannedMove) -> AppResult<()> {
    deal_totals::commit(txn, Some(&planned.current), Some(&planned.next)).await
}

async fn save_move(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    mut planned: PlannedMove,
    action: AuditAction,
    note: Option<(&str, String)>,
) -> AppResult<OpportunityDetail> {
    let txn = begin_write(db).await?;
    let (after, history) = write_move(&txn, actor, &mut planned, action, note).await?;
    finish_move(txn, &planned).await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut after = after;
    after.custom = view.show(Resource::Opportunity, &after.custom);
    Ok(OpportunityDetail {
        opportunity: after,
        stage_history: history,
    })
}

/// Checks a move of an open deal to another stage (lost needs a reason from the `lost_reason`
/// list) under the deal's own permission; `None` when the deal is in that stage already.
pub(crate) async fn plan_move(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: StageMove,
    clock: &Clock,
) -> AppResult<Option<PlannedMove>> {
    let current =
        record::find::<opportunity::Entity, _>(db, actor, Action::Update, id, Condition::all())
            .await?;
    input.validate().map_err(AppError::validation)?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    check_version(expected, current.version)?;
    let stages = kept.get(db).await?.stages.clone();
    let stage = find_stage(&stages, &input.stage)
        .filter(|s| s.active)
        .ok_or_else(|| bad_stage("stage"))?;
    if current.status != Outcome::Open.as_str() {
        return Err(AppError::new(ErrorCode::Conflict)
            .with_detail("the deal is closed: a supervisor may reopen it"));
    }
    if stage.key == current.stage {
        return Ok(None);
    }
    let mut next = current.clone();
    if stage.outcome == Outcome::Lost {
        let rules = kept.get(db).await?.rules(Resource::Opportunity);
        let mut errors = Vec::new();
        if input
            .lost_reason
            .as_deref()
            .is_none_or(|r| r.trim().is_empty())
        {
            errors.push(kaidan_shared::FieldError::new(
                "lost_reason",
                FieldCode::Required,
                "a lost deal needs a reason",
            ));
        }
        check_choice(
            &mut errors,
            "lost_reason",
            rules.list(builtin::LOST_REASON),
            input.lost_reason.as_deref(),
            None,
        );
        if !errors.is_empty() {
            return Err(AppError::validation(errors));
        }
    }
    enter_stage(&mut next, stage, clock.now());
    if stage.outcome == Outcome::Lost {
        next.lost_reason = clean(input.lost_reason);
        next.lost_note = clean(input.lost_note);
    }
    next.version += 1;
    next.updated_at = now();
    let before = read_one(db, id).await?;
    Ok(Some(PlannedMove {
        current,
        next,
        before,
        owner_team: None,
    }))
}

/// Moves an open deal to another stage; lost needs a reason from the `lost_reason` list.
pub async fn move_stage(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: StageMove,
    clock: &Clock,
) -> AppResult<OpportunityDetail> {
    match plan_move(db, kept, actor, id, expected, input, clock).await? {
        Some(planned) => {
            save_move(
                db,
                kept,
                actor,
                planned,
                AuditAction::OpportunityStage,
                None,
            )
            .await
        }
        None => get(db, kept, actor, id).await,
    }
}

/// Reopens a won or lost deal into an open stage (supervisors and above), with a reason.
pub async fn reopen(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: Reopen,
    clock: &Clock,
) -> AppResult<OpportunityDetail> {
    let current =
        record::find::<opportunity::Entity, _>(db, actor, Action::Manage, id, Condition::all())
            .await?;
    input.validate().map_err(AppError::validation)?;
    check_version(expected, current.version)?;
    if current.status == Outcome::Open.as_str() {
        return Err(AppError::new(ErrorCode::Conflict).with_detail("the deal is open already"));
    }
    let stages = kept.get(db).await?.stages.clone();
    let stage = find_stage(&stages, &input.stage)
        .filter(|s| s.active && s.outcome == Outcome::Open)
        .ok_or_else(|| bad_stage("stage"))?;
    let mut next = current.clone();
    enter_stage(&mut next, stage, clock.now());
    next.version += 1;
    next.updated_at = now();
    let reason = input.reason.trim().to_owned();
    let before = read_one(db, id).await?;
    let planned = PlannedMove {
        current,
        next,
        before,
        owner_team: None,
    };
    save_move(
        db,
        kept,
        actor,
        planned,
        AuditAction::OpportunityReopen,
        Some(("reason", reason)),
    )
    .await
}

/// Archives a deal (it leaves lists and the board; its history stays).
pub async fn archive(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: i64,
) -> AppResult<Opportunity> {
    let current =
        record::find::<opportunity::Entity, _>(db, actor, Action::Archive, id, Condition::all())
            .await?;
    check_version(Some(expected), current.version)?;
    if current.archived_at.is_some() {
        return read_one(db, id).await;
    }
    let before = read_one(db, id).await?;
    let t = now();
    let mut archived = current.clone();
    archived.archived_at = Some(t);
    let txn = begin_write(db).await?;
    let update = opportunity::Entity::update_many()
        .col_expr(opportunity::Column::ArchivedAt, Expr::value(Some(t)))
        .col_expr(
            opportunity::Column::Version,
            Expr::value(current.version + 1),
        )
        .col_expr(opportunity::Column::UpdatedAt, Expr::value(t));
    record::update_versioned(&txn, update, id, expected).await?;
    let after = read_one(&txn, id).await?;
    audit::record(
        &txn,
        actor,
        audit::Change::updated(
            AuditAction::OpportunityArchive,
            "opportunity",
            id,
            id,
            &before,
            &after,
        ),
    )
    .await?;
    deal_totals::commit(txn, Some(&current), Some(&archived)).await?;
    Ok(after)
}
