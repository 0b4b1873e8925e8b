//! Follow-up tasks (跟进任务): what a rep owes a customer by when — made by hand or by a visit's
//! "next follow-up" date, done (a follow-up of the customer: its reclaim clock and the deal's
//! stale clock restart), put off, cancelled, reopened. Reminders are the job's
//! (`jobs::follow_up_remind`, `jobs::daily_digest`); each write here sets when the next one is
//! due (`remind_at`), so the job reads only tasks with a reminder to send.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::follow_up::{
    next_reminder, FollowUp, FollowUpCreate, FollowUpDone, FollowUpListQuery, FollowUpSnooze,
    FollowUpStatus, FollowUpUpdate, DUE_SOON_MINUTES,
};
use kaidan_shared::option_list::{builtin, check_choice};
use kaidan_shared::page::Page;
use kaidan_shared::pool::LOCAL_OFFSET_SECS;
use kaidan_shared::{Action, ErrorCode, Resource, Scope};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
};
use uuid::Uuid;

use crate::auth::policy;
use crate::auth::Actor;
use crate::clock::Clock;
use crate::entities::{customer, follow_up, user, visit};
use crate::error::{AppError, AppResult};
use crate::services::field_plan::PlanCache;
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, check_version, field, new_id, now, opportunity as deal, org, page_limit,
    stale,
};
use crate::services::{clean, micros};

// ---- reading ----

#[derive(Debug, FromQueryResult)]
pub struct Row {
    #[sea_orm(nested)]
    pub task: follow_up::Model,
    pub owner_name: Option<String>,
    pub customer_name: Option<String>,
}

fn with_names() -> Select<follow_up::Entity> {
    follow_up::Entity::find()
        .column_as(
            Expr::col((user::Entity, user::Column::DisplayName)),
            "owner_name",
        )
        .column_as(
            Expr::col((customer::Entity, customer::Column::Name)),
            "customer_name",
        )
        .join(JoinType::LeftJoin, follow_up::Relation::Owner.def())
        .join(JoinType::InnerJoin, follow_up::Relation::Customer.def())
}

/// The task as answered at `at` (its `overdue` is judged then).
pub fn to_dto(r: Row, at: DateTime<Utc>) -> FollowUp {
    let m = r.task;
    let status = FollowUpStatus::parse(&m.status).unwrap_or(FollowUpStatus::Open);
    FollowUp {
        id: m.id,
        customer_id: m.customer_id,
        customer_name: r.customer_name,
        opportunity_id: m.opportunity_id,
        visit_id: m.visit_id,
        owner_id: m.owner_id,
        owner_name: r.owner_name,
        kind: m.kind,
        title: m.title,
        notes: m.notes,
        due_at: m.due_at,
        status,
        overdue: status == FollowUpStatus::Open && m.due_at <= at,
        done_at: m.done_at,
        result: m.result,
        snooze_count: u32::try_from(m.snooze_count).unwrap_or(0),
        custom: field::parse(m.custom.as_deref()),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn read_one<C: ConnectionTrait>(db: &C, id: Uuid, at: DateTime<Utc>) -> AppResult<FollowUp> {
    let r: Row = with_names()
        .filter(follow_up::Column::Id.eq(id))
        .into_model()
        .one(db)
        .await?
        .ok_or_else(stale)?;
    Ok(to_dto(r, at))
}

/// A task's audit snapshot: what a reader of its history sees change (not `overdue`, which is
/// the clock's, not an edit).
fn snapshot(t: &FollowUp) -> serde_json::Value {
    let mut v = serde_json::to_value(t).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("overdue");
    }
    v
}

/// Tasks in the caller's scope, earliest due first (or by a custom field). A rep's list reads
/// their own index, a supervisor's team list the team's (the tasks' copy of the owner's team,
/// each owner still checked), a customer's timeline the customer's.
pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    plans: &PlanCache,
    actor: &Actor,
    q: FollowUpListQuery,
    clock: &Clock,
) -> AppResult<Page<FollowUp>> {
    let scope = policy::require(actor, Resource::FollowUp, Action::Read)?;
    q.validate().map_err(AppError::validation)?;
    let limit = page_limit(q.limit)?;
    let at = clock.now();
    let view = field::View::load(db, kept, actor).await?;
    let mut sel = with_names().filter(policy::owned_in_scope_probed(
        actor,
        scope,
        follow_up::Column::OwnerId,
    ));
    if let Some(o) = q.owner_id {
        sel = sel.filter(follow_up::Column::OwnerId.eq(o));
    } else if let (Scope::Team, Some(t), None) = (scope, actor.team_id, q.customer_id) {
        sel = sel.filter(follow_up::Column::OwnerTeamId.eq(t));
    }
    if let Some(c) = q.customer_id {
        sel = sel.filter(follow_up::Column::CustomerId.eq(c));
    }
    if let Some(d) = q.opportunity_id {
        sel = sel.filter(follow_up::Column::OpportunityId.eq(d));
    }
    let status = match q.overdue {
        Some(true) => Some(FollowUpStatus::Open),
        _ => q.status,
    };
    if q.overdue == Some(true) && q.status.is_some_and(|s| s != FollowUpStatus::Open) {
        // Only open tasks are overdue.
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    }
    if let Some(s) = status {
        sel = sel.filter(follow_up::Column::Status.eq(s.as_str()));
    }
    match q.overdue {
        Some(true) => sel = sel.filter(follow_up::Column::DueAt.lte(at)),
        Some(false) => {
            sel = sel.filter(
                Condition::any()
                    .add(follow_up::Column::Status.ne(FollowUpStatus::Open.as_str()))
                    .add(follow_up::Column::DueAt.gt(at)),
            )
        }
        None => {}
    }
    if let Some(b) = q.due_before {
        sel = sel.filter(follow_up::Column::DueAt.lt(b));
    }
    let sel = view
        .filter_list(
            db,
            plans,
            Resource::FollowUp,
            sel,
            follow_up::Column::Id,
            q.custom.as_deref(),
        )
        .await?;
    let keyset = Keyset {
        name: "due_asc",
        column: Some((follow_up::Column::DueAt, KeyKind::Time)),
        id: follow_up::Column::Id,
        descending: false,
    };
    let page = view
        .page(
            db,
            Resource::FollowUp,
            sel,
            keyset,
            q.custom_sort.as_deref(),
            (q.cursor.as_deref(), limit),
            |r: &Row| (r.task.due_at.to_rfc3339(), r.task.id),
        )
        .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                let mut v = to_dto(r, at);
                v.custom = view.show(Resource::FollowUp, &v.custom);
                v
            })
            .collect(),
        next_cursor: page.next_cursor,
    })
}

pub async fn get(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    clock: &Clock,
) -> AppResult<FollowUp> {
    let row: Row =
        record::find_with::<follow_up::Entity, Row, _>(db, actor, Action::Read, id, with_names())
            .await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut v = to_dto(row, clock.now());
    v.custom = view.show(Resource::FollowUp, &v.custom);
    Ok(v)
}

pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<follow_up::Entity>(db, kept, actor, id, q).await
}

// ---- writes ----

fn lead() -> Duration {
    Duration::minutes(DUE_SOON_MINUTES)
}

/// Reminders start again for a task (new, put off, moved, reopened) due at `due_at`.
fn rearm(m: &mut follow_up::Model) {
    m.remind_stage = 0;
    m.remind_at = next_reminder(m.due_at, 0, lead()).map(|(at, _)| at);
}

/// No reminder is left for a closed task.
fn disarm(m: &mut follow_up::Model) {
    m.remind_at = None;
}

fn bad_state(detail: &str) -> AppError {
    AppError::new(ErrorCode::Conflict).with_detail(detail.to_owned())
}

/// What a task made inside another module's transaction holds.
pub(crate) struct NewFollowUp {
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub visit_id: Option<Uuid>,
    pub owner_id: Uuid,
    pub kind: String,
    pub title: String,
    pub due_at: DateTime<Utc>,
}

/// Writes a new task inside `txn` with its audit row in `trail` (a visit's next follow-up date
/// makes one in the visit's transaction). The owner's place is read first, as every write of a
/// copy does; the caller has not touched a record of this owner's yet, or holds their row.
pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    actor: &Actor,
    trail: &mut audit::Trail,
    new: NewFollowUp,
    custom: &kaidan_shared::field::CustomValues,
    notes: Option<String>,
    at: DateTime<Utc>,
) -> AppResult<FollowUp> {
    let place = org::owner_place(txn, Some(new.owner_id)).await?;
    let t = now();
    let mut m = follow_up::Model {
        id: new_id(),
        customer_id: new.customer_id,
        opportunity_id: new.opportunity_id,
        visit_id: new.visit_id,
        owner_id: Some(new.owner_id),
        owner_team_id: place.team_id,
        kind: new.kind,
        title: new.title,
        notes,
        due_at: micros(new.due_at),
        status: FollowUpStatus::Open.as_str().into(),
        done_at: None,
        result: None,
        snooze_count: 0,
        remind_at: None,
        remind_stage: 0,
        custom: field::stored(custom),
        version: 1,
        created_by: actor.audit_id(),
        created_at: t,
        updated_at: t,
    };
    rearm(&mut m);
    follow_up::Entity::insert(follow_up::ActiveModel::from(m.clone()))
        .exec_without_returning(txn)
        .await?;
    let dto = read_one(txn, m.id, at).await?;
    trail.add(audit::Change::created(
        AuditAction::FollowUpCreate,
        "follow_up",
        m.id,
        m.id,
        &snapshot(&dto),
    ));
    Ok(dto)
}

/// The due time of a task made from a visit's next follow-up date: 09:00 company time that day.
pub(crate) fn due_on(day: NaiveDate) -> DateTime<Utc> {
    let nine = day
        .and_hms_opt(9, 0, 0)
        .map(|t| t.and_utc())
        .unwrap_or_default();
    nine.checked_sub_signed(Duration::seconds(i64::from(LOCAL_OFFSET_SECS)))
        .unwrap_or(nine)
}

/// Keeps a visit's task in step with its next follow-up date, inside the visit's transaction:
/// a date makes the task (or moves the open one), no date cancels the open one. A task already
/// done or cancelled stays as it is, and a new date makes a new task.
pub(crate) async fn follow_visit(
    txn: &DatabaseTransaction,
    actor: &Actor,
    trail: &mut audit::Trail,
    visit: &crate::entities::visit::Model,
    kind: Option<String>,
    title: String,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let open = follow_up::Entity::find()
        .filter(follow_up::Column::VisitId.eq(visit.id))
        .filter(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
        .one(txn)
        .await?;
    match (visit.next_follow_up_on, open) {
        (Some(day), Some(task)) => {
            let due = due_on(day);
            if task.due_at == due {
                return Ok(());
            }
            let before = read_one(txn, task.id, at).await?;
            let mut next = task.clone();
            next.due_at = due;
            rearm(&mut next);
            next.version += 1;
            next.updated_at = now();
            save(txn, next, task.version, Reminders::Set).await?;
            let after = read_one(txn, task.id, at).await?;
            trail.add(audit::Change::updated(
                AuditAction::FollowUpUpdate,
                "follow_up",
                task.id,
                task.id,
                &snapshot(&before),
                &snapshot(&after),
            ));
        }
        (Some(day), None) => {
            let (Some(owner), Some(kind)) = (visit.owner_id, kind) else {
                return Ok(());
            };
            insert(
                txn,
                actor,
                trail,
                NewFollowUp {
                    customer_id: visit.customer_id,
                    opportunity_id: visit.opportunity_id,
                    visit_id: Some(visit.id),
                    owner_id: owner,
                    kind,
                    title,
                    due_at: due_on(day),
                },
                &Default::default(),
                None,
                at,
            )
            .await?;
        }
        (None, Some(task)) => {
            let before = read_one(txn, task.id, at).await?;
            let mut next = task.clone();
            next.status = FollowUpStatus::Cancelled.as_str().into();
            disarm(&mut next);
            next.version += 1;
            next.updated_at = now();
            save(txn, next, task.version, Reminders::Set).await?;
            let after = read_one(txn, task.id, at).await?;
            trail.add(audit::Change::updated(
                AuditAction::FollowUpCancel,
                "follow_up",
                task.id,
                task.id,
                &snapshot(&before),
                &snapshot(&after),
            ));
        }
        (None, None) => {}
    }
    Ok(())
}

/// Whether a save sets the reminders itself (re-armed or disarmed) or keeps what is stored.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reminders {
    Set,
    /// As stored now: the reminder job moves them without a version of their own, so an edit
    /// that leaves the due time alone must not write back what it read before the job ran.
    Keep,
}

/// Saves a task's next state: its owner's team copy read first in the transaction.
async fn save(
    txn: &DatabaseTransaction,
    next: follow_up::Model,
    expected: i64,
    reminders: Reminders,
) -> AppResult<()> {
    let mut next = next;
    let id = next.id;
    next.owner_team_id = org::owner_place(txn, next.owner_id).await?.team_id;
    if reminders == Reminders::Keep {
        let stored: Option<(Option<DateTime<Utc>>, i16)> = follow_up::Entity::find_by_id(id)
            .select_only()
            .column(follow_up::Column::RemindAt)
            .column(follow_up::Column::RemindStage)
            .lock_exclusive()
            .into_tuple()
            .one(txn)
            .await?;
        if let Some((at, stage)) = stored {
            next.remind_at = at;
            next.remind_stage = stage;
        }
    }
    record::save_versioned::<follow_up::Entity, _>(txn, next, id, expected).await
}

/// Makes a task for a customer the caller may reach, for the caller or (supervisors and above)
/// for one of their people.
pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: FollowUpCreate,
    clock: &Clock,
) -> AppResult<FollowUp> {
    let scope = policy::require(actor, Resource::FollowUp, Action::Create)?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::FollowUp);
    let mut errors = input.validate().err().unwrap_or_default();
    let custom = match rules.check(db, actor.role, &input.custom, None).await? {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    check_choice(
        &mut errors,
        "kind",
        rules.list(builtin::FOLLOWUP_TYPE),
        Some(input.kind.as_str()),
        None,
    );
    let cust =
        crate::services::customer::for_new_record(db, actor, scope, input.customer_id, &mut errors)
            .await?;
    if let (Some(c), Some(d)) = (&cust, input.opportunity_id) {
        deal::check_deal_of(db, actor, c.id, d, &mut errors).await?;
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let (Some(cust), Some(custom)) = (cust, custom) else {
        return Err(AppError::internal(anyhow::anyhow!("checked above")));
    };
    let owner = crate::services::customer::owner_for(
        db,
        actor,
        Resource::FollowUp,
        input.owner_id,
        "only supervisors and above give tasks to others",
    )
    .await?;
    if owner != actor.user_id
        && !crate::services::customer::user_reaches(db, Some(owner), &cust).await?
    {
        return Err(AppError::validation(vec![kaidan_shared::FieldError::new(
            "owner_id",
            kaidan_shared::FieldCode::UnknownReference,
            "this person cannot reach the customer",
        )]));
    }
    let at = clock.now();
    let txn = begin_write(db).await?;
    let mut trail = audit::Trail::default();
    let mut dto = insert(
        &txn,
        actor,
        &mut trail,
        NewFollowUp {
            customer_id: cust.id,
            opportunity_id: input.opportunity_id,
            visit_id: None,
            owner_id: owner,
            kind: input.kind.trim().to_owned(),
            title: input.title.trim().to_owned(),
            due_at: input.due_at,
        },
        &custom,
        clean(input.notes),
        at,
    )
    .await?;
    rules.mark_used(&txn, &custom).await?;
    rules
        .index(
            &txn,
            Resource::FollowUp,
            dto.id,
            &Default::default(),
            &custom,
        )
        .await?;
    trail.commit(txn, actor).await?;
    dto.custom = rules.visible(actor.role, &dto.custom);
    Ok(dto)
}

/// Reads a task for a change, refusing one that is closed (`open_only`).
async fn for_change(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    open_only: bool,
) -> AppResult<follow_up::Model> {
    let current =
        record::find::<follow_up::Entity, _>(db, actor, Action::Update, id, Condition::all())
            .await?;
    check_version(expected, current.version)?;
    if open_only && current.status != FollowUpStatus::Open.as_str() {
        return Err(bad_state("the task is closed: reopen it first"));
    }
    Ok(current)
}

/// Changes an open task; a new due time starts its reminders again.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: FollowUpUpdate,
    clock: &Clock,
) -> AppResult<FollowUp> {
    let current = for_change(db, actor, id, None, false).await?;
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::FollowUp);
    let mut errors = input.validate().err().unwrap_or_default();
    let previous = field::parse(current.custom.as_deref());
    let custom = if input.custom.is_empty() {
        None
    } else {
        rules
            .check(db, actor.role, &input.custom, Some(&previous))
            .await?
            .map_err(|e| errors.extend(e))
            .ok()
    };
    check_choice(
        &mut errors,
        "kind",
        rules.list(builtin::FOLLOWUP_TYPE),
        input.kind.as_deref(),
        Some(current.kind.as_str()),
    );
    if let Some(d) = input.opportunity_id.value() {
        if Some(*d) != current.opportunity_id {
            deal::check_deal_of(db, actor, current.customer_id, *d, &mut errors).await?;
        }
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_version(Some(expected), current.version)?;
    if current.status != FollowUpStatus::Open.as_str() {
        return Err(bad_state("the task is closed: reopen it first"));
    }
    let at = clock.now();
    let before = read_one(db, id, at).await?;
    let mut next = current.clone();
    if let Some(k) = &input.kind {
        next.kind = k.trim().to_owned();
    }
    if let Some(t) = &input.title {
        next.title = t.trim().to_owned();
    }
    let mut reminders = Reminders::Keep;
    if let Some(d) = input.due_at {
        let d = micros(d);
        if d != next.due_at {
            next.due_at = d;
            rearm(&mut next);
            reminders = Reminders::Set;
        }
    }
    input
        .opportunity_id
        .apply_with(&mut next.opportunity_id, Some);
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    save(&txn, next, expected, reminders).await?;
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        rules
            .index(&txn, Resource::FollowUp, id, &previous, c)
            .await?;
    }
    let mut after = read_one(&txn, id, at).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::FollowUpUpdate,
            "follow_up",
            id,
            id,
            &snapshot(&before),
            &snapshot(&after),
        ),
    )
    .await?;
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(after)
}

/// Saves a status change of a task read and checked by the caller, with its audit row, and
/// whatever `also` writes in the same transaction (a done task touches its customer).
async fn transition(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    current: follow_up::Model,
    next: follow_up::Model,
    action: AuditAction,
    at: DateTime<Utc>,
) -> AppResult<FollowUp> {
    let id = current.id;
    let before = read_one(db, id, at).await?;
    let txn = begin_write(db).await?;
    if action == AuditAction::FollowUpReopen {
        if let Some(v) = next.visit_id {
            // The owner's place first, as every write takes it (docs/modules.md, lock order).
            org::owner_place(&txn, next.owner_id).await?;
            one_open_task(&txn, v, id).await?;
        }
    }
    save(&txn, next.clone(), current.version, Reminders::Set).await?;
    if action == AuditAction::FollowUpDone {
        // Done is a follow-up of the customer — its reclaim clock and the deal's stale clock
        // start again, forward only, deal before customer as every write takes them — while the
        // task's owner still reaches the customer (not one transferred or pooled since).
        let cust = customer::Entity::find_by_id(next.customer_id)
            .one(&txn)
            .await?
            .ok_or_else(stale)?;
        if crate::services::customer::user_reaches(&txn, next.owner_id, &cust).await? {
            if let Some(d) = next.opportunity_id {
                deal::touch_activity(&txn, d, at).await?;
            }
            deal::touch_customer(&txn, next.customer_id, at).await?;
        }
    }
    let after = read_one(&txn, id, at).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            action,
            "follow_up",
            id,
            id,
            &snapshot(&before),
            &snapshot(&after),
        ),
    )
    .await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut after = after;
    after.custom = view.show(Resource::FollowUp, &after.custom);
    Ok(after)
}

/// A visit keeps one open task (its next follow-up date moves it): refuses to open `task` again
/// while another task of the visit is open. The visit's row is locked first (the lock order of
/// docs/modules.md: visit, then task), so two reopens of a visit's two done tasks, or a reopen
/// beside the visit's new date, take turns and the second sees the first's open task.
async fn one_open_task(txn: &DatabaseTransaction, visit_id: Uuid, task: Uuid) -> AppResult<()> {
    visit::Entity::find_by_id(visit_id)
        .select_only()
        .column(visit::Column::Id)
        .lock_exclusive()
        .into_tuple::<Uuid>()
        .one(txn)
        .await?;
    let other = follow_up::Entity::find()
        .filter(follow_up::Column::VisitId.eq(visit_id))
        .filter(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
        .filter(follow_up::Column::Id.ne(task))
        .select_only()
        .column(follow_up::Column::Id)
        .into_tuple::<Uuid>()
        .one(txn)
        .await?;
    match other {
        Some(_) => Err(bad_state(
            "the visit has another open task: change that one instead",
        )),
        None => Ok(()),
    }
}

/// Marks an open task done with what came of it.
#[allow(clippy::too_many_arguments)]
pub async fn done(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: FollowUpDone,
    clock: &Clock,
) -> AppResult<FollowUp> {
    input.validate().map_err(AppError::validation)?;
    let current = for_change(db, actor, id, expected, true).await?;
    let at = clock.now();
    let mut next = current.clone();
    next.status = FollowUpStatus::Done.as_str().into();
    next.done_at = Some(at);
    next.result = clean(input.result);
    disarm(&mut next);
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::FollowUpDone,
        at,
    )
    .await
}

/// Puts an open task off; its reminders start again.
#[allow(clippy::too_many_arguments)]
pub async fn snooze(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: FollowUpSnooze,
    clock: &Clock,
) -> AppResult<FollowUp> {
    let at = clock.now();
    input.validate(at).map_err(AppError::validation)?;
    let current = for_change(db, actor, id, expected, true).await?;
    let mut next = current.clone();
    next.due_at = micros(input.until);
    next.snooze_count = next.snooze_count.saturating_add(1);
    rearm(&mut next);
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::FollowUpSnooze,
        at,
    )
    .await
}

/// Calls an open task off.
pub async fn cancel(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    clock: &Clock,
) -> AppResult<FollowUp> {
    let current = for_change(db, actor, id, expected, true).await?;
    let at = clock.now();
    let mut next = current.clone();
    next.status = FollowUpStatus::Cancelled.as_str().into();
    disarm(&mut next);
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::FollowUpCancel,
        at,
    )
    .await
}

/// Opens a done or cancelled task again (done by mistake); its result stays in the history.
pub async fn reopen(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    clock: &Clock,
) -> AppResult<FollowUp> {
    let current = for_change(db, actor, id, expected, false).await?;
    if current.status == FollowUpStatus::Open.as_str() {
        return Err(bad_state("the task is open already"));
    }
    let at = clock.now();
    let mut next = current.clone();
    next.status = FollowUpStatus::Open.as_str().into();
    next.done_at = None;
    next.result = None;
    rearm(&mut next);
    next.version += 1;
    next.updated_at = now();
    transition(
        db,
        kept,
        actor,
        current,
        next,
        AuditAction::FollowUpReopen,
        at,
    )
    .await
}

/// Open tasks of some owners: (owner, due before `today_end` and not yet due at `at`, due at or
/// before `at`), for the morning digest; one grouped query over the owners' index.
pub(crate) async fn open_counts<C: ConnectionTrait>(
    db: &C,
    owners: &[Uuid],
    at: DateTime<Utc>,
    today_end: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, i64, i64)>> {
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    let count = |before: DateTime<Utc>, after: Option<DateTime<Utc>>| {
        let mut sel = follow_up::Entity::find()
            .select_only()
            .column(follow_up::Column::OwnerId)
            .column_as(follow_up::Column::Id.count(), "n")
            .filter(follow_up::Column::OwnerId.is_in(owners.to_vec()))
            .filter(follow_up::Column::Status.eq(FollowUpStatus::Open.as_str()))
            .filter(follow_up::Column::DueAt.lte(before));
        if let Some(a) = after {
            sel = sel.filter(follow_up::Column::DueAt.gt(a));
        }
        sel.group_by(follow_up::Column::OwnerId)
            .order_by_asc(follow_up::Column::OwnerId)
            .into_tuple::<(Uuid, i64)>()
    };
    let overdue = count(at, None).all(db).await?;
    let today = count(today_end - Duration::microseconds(1), Some(at))
        .all(db)
        .await?;
    let mut out: Vec<(Uuid, i64, i64)> = Vec::new();
    for o in owners {
        let t = today.iter().find(|(u, _)| u == o).map_or(0, |(_, n)| *n);
        let d = overdue.iter().find(|(u, _)| u == o).map_or(0, |(_, n)| *n);
        if t > 0 || d > 0 {
            out.push((*o, t, d));
        }
    }
    Ok(out)
}
