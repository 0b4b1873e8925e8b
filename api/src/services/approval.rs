//! The approval engine (审批): flows chosen and routed by `shared::approval`, steps decided by
//! their approvers, the inbox, and the templates admins keep.
//!
//! - **Opening** (`open`) runs in the submitting record's transaction: the flow is routed from
//!   the templates and a picture of the org read there, the approval row and the first step's
//!   tasks are written, and the approvers are notified — all or nothing with the record's
//!   change.
//! - **Deciding** locks the approval row first (`SELECT … FOR UPDATE`; SQLite has one writer),
//!   then reads the caller's task. Of two approvers of an any-one step deciding at once, the
//!   second finds the step decided and gets 409 `invalid_state`. When the approval ends, the
//!   record moves (a contract to approved or back to draft, a quote to sent or back to draft) in
//!   the same transaction, through its module (`contract::after_approval`,
//!   `quote::after_approval`). Lock order: approval → the record's owner → the record.
//! - Every decision is audited on the record's history (`approval.approve`…), and notified: the
//!   next step's approvers, or the submitter at the end.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use kaidan_shared::approval::{
    self as rules, Approval, ApprovalBox, ApprovalCounts, ApprovalDecision, ApprovalListQuery,
    ApprovalStatus, ApprovalSubject, ApprovalTask, ApprovalTemplate, ApprovalTemplateInput,
    Conditions, Member, NoRoute, Org, Step, StepMode, StepRule, Subject, TaskStatus, COUNT_CAP,
};
use kaidan_shared::audit::AuditAction;
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::page::Page;
use kaidan_shared::product::percent_of_bp;
use kaidan_shared::{Action, ErrorCode, FieldCode, FieldError, Resource, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::{approval, approval_task, approval_template, customer, team, user};
use crate::error::{AppError, AppResult};
use crate::services::notification::{self, Notice};
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::{audit, begin_write, check_version, clean, new_id, now, page_limit};

fn invalid_state(detail: &str) -> AppError {
    AppError::new(ErrorCode::InvalidState).with_detail(detail.to_owned())
}

// ---- opening ----

/// What a record submits: its figures as the conditions read them.
pub struct Submission {
    pub subject: ApprovalSubject,
    pub record_id: Uuid,
    /// The record's version once submitted.
    pub record_version: i64,
    /// The number and title, as the inbox shows them.
    pub title: String,
    /// 分.
    pub amount: i64,
    pub max_discount_bp: i32,
    pub customer_id: Option<Uuid>,
    pub customer_level: Option<String>,
    /// The record's owner: whose line the steps follow.
    pub owner_id: Option<Uuid>,
}

fn template_of(m: &approval_template::Model) -> Option<rules::Template> {
    Some(rules::Template {
        id: m.id,
        priority: m.priority,
        active: m.active,
        conditions: serde_json::from_str(&m.conditions).ok()?,
        steps: serde_json::from_str(&m.steps).ok()?,
    })
}

/// The org as routing sees it for a record of `owner` submitted by `submitter`: the
/// supervisors, regional managers and admins (any of whom a step may name), everyone of the
/// owner's region (a role step), the named users of the templates, and the owner's team's
/// supervisor. Inactive users are kept with their flag, which routing falls back past.
async fn org_for<C: ConnectionTrait>(
    db: &C,
    submitter: Uuid,
    owner: Uuid,
    named: BTreeSet<Uuid>,
) -> AppResult<Org> {
    let me = user::Entity::find_by_id(owner).one(db).await?;
    let mut any = Condition::any()
        .add(user::Column::Role.is_in([
            Role::Supervisor.as_str(),
            Role::RegionalManager.as_str(),
            Role::Admin.as_str(),
        ]))
        .add(user::Column::Id.is_in([submitter, owner]));
    if let Some(r) = me.as_ref().and_then(|m| m.region_id) {
        any = any.add(user::Column::RegionId.eq(r));
    }
    if !named.is_empty() {
        any = any.add(user::Column::Id.is_in(named));
    }
    let members = user::Entity::find()
        .filter(any)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|u| {
            Some(Member {
                id: u.id,
                role: Role::parse(&u.role)?,
                team_id: u.team_id,
                region_id: u.region_id,
                active: u.active,
            })
        })
        .collect();
    let supervisors = match me.and_then(|m| m.team_id) {
        Some(t) => team::Entity::find_by_id(t)
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.id, t.supervisor_id))
            .collect(),
        None => Vec::new(),
    };
    Ok(Org {
        members,
        supervisors,
    })
}

async fn templates_of<C: ConnectionTrait>(
    db: &C,
    subject: ApprovalSubject,
) -> AppResult<Vec<(approval_template::Model, rules::Template)>> {
    Ok(approval_template::Entity::find()
        .filter(approval_template::Column::Subject.eq(subject.as_str()))
        .filter(approval_template::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|m| template_of(&m).map(|t| (m, t)))
        .collect())
}

fn named_in(steps: &[StepRule]) -> impl Iterator<Item = Uuid> + '_ {
    steps.iter().flat_map(|s| match &s.approvers {
        rules::Approvers::Users { ids } => ids.clone(),
        _ => Vec::new(),
    })
}

fn task_row(
    approval_id: Uuid,
    step: i32,
    approver: Uuid,
    escalated: bool,
    at: DateTime<Utc>,
) -> approval_task::ActiveModel {
    approval_task::ActiveModel::from(approval_task::Model {
        id: new_id(),
        approval_id,
        step,
        approver_id: approver,
        status: TaskStatus::Pending.as_str().into(),
        escalated,
        comment: None,
        decided_at: None,
        created_at: at,
    })
}

fn requested(approver: Uuid, a: &approval::Model, submitter: &str) -> Notice {
    Notice {
        user_id: approver,
        kind: NotificationKind::ApprovalRequested,
        resource: Some(Resource::Approval),
        record_id: Some(a.id),
        data: json!({"title": a.title, "amount": a.amount, "submitter": submitter, "subject": a.subject}),
    }
}

/// Routes `s` and opens its approval in the record's transaction, or `Ok(None)` when no flow
/// applies and `optional` (a quote within what its sender may give). A contract that no flow
/// covers, or a step nobody can decide, is refused with 409 `invalid_state`.
pub async fn open(
    txn: &DatabaseTransaction,
    actor: &Actor,
    s: Submission,
    optional: bool,
    at: DateTime<Utc>,
) -> AppResult<Option<approval::Model>> {
    let templates = templates_of(txn, s.subject).await?;
    let plain: Vec<rules::Template> = templates.iter().map(|(_, t)| t.clone()).collect();
    let subject = Subject {
        submitter: actor.user_id,
        submitter_role: actor.role,
        owner: s.owner_id,
        amount: s.amount,
        max_discount: percent_of_bp(s.max_discount_bp),
        customer_level: s.customer_level.clone(),
    };
    let Some(chosen) = rules::choose(&plain, &subject) else {
        return if optional {
            Ok(None)
        } else {
            Err(invalid_state(
                "no approval flow applies to this contract: ask an administrator to add one",
            ))
        };
    };
    let owner = s.owner_id.unwrap_or(actor.user_id);
    let org = org_for(txn, actor.user_id, owner, named_in(&chosen.steps).collect()).await?;
    let steps = match rules::route(&plain, &subject, &org) {
        Ok(steps) => steps,
        Err(NoRoute::NoTemplate) => return Err(invalid_state("no approval flow applies")),
        Err(NoRoute::NoApprover { step }) => {
            return Err(invalid_state(&format!(
                "step {} of the approval flow has nobody to decide it",
                step + 1
            )))
        }
    };
    let template = templates
        .iter()
        .find(|(m, _)| m.id == chosen.id)
        .map(|(m, _)| m.clone());
    let id = new_id();
    let m = approval::Model {
        id,
        subject: s.subject.as_str().into(),
        record_id: s.record_id,
        record_version: s.record_version,
        title: s.title,
        amount: s.amount,
        max_discount_bp: s.max_discount_bp,
        customer_id: s.customer_id,
        submitter_id: actor.user_id,
        owner_id: s.owner_id,
        template_id: template.as_ref().map(|t| t.id),
        template_name: template.as_ref().map(|t| t.name.clone()),
        steps: serde_json::to_string(&steps).unwrap_or_else(|_| "[]".into()),
        current_step: 0,
        status: ApprovalStatus::Pending.as_str().into(),
        step_started_at: at,
        reminded_at: None,
        escalated_at: None,
        remind_after_hours: template.as_ref().map_or(24, |t| t.remind_after_hours),
        escalate_after_hours: template.as_ref().map_or(48, |t| t.escalate_after_hours),
        decided_at: None,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    approval::Entity::insert(approval::ActiveModel::from(m.clone()))
        .exec_without_returning(txn)
        .await?;
    let first = &steps[0];
    let me = names(txn, [actor.user_id].into_iter())
        .await?
        .remove(&actor.user_id)
        .unwrap_or_default();
    approval_task::Entity::insert_many(
        first
            .approvers
            .iter()
            .map(|a| task_row(id, 0, *a, false, at)),
    )
    .exec_without_returning(txn)
    .await?;
    notification::send_all(
        txn,
        first
            .approvers
            .iter()
            .map(|a| requested(*a, &m, &me))
            .collect(),
    )
    .await?;
    Ok(Some(m))
}

// ---- deciding ----

/// How an approval ended, for the record's module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Approved,
    Rejected,
    Withdrawn,
}

/// Moves the record an ended approval is about, in the approval's transaction.
async fn settle_record(
    txn: &DatabaseTransaction,
    a: &approval::Model,
    outcome: Outcome,
    trail: &mut audit::Trail,
) -> AppResult<()> {
    match ApprovalSubject::parse(&a.subject) {
        Some(ApprovalSubject::Contract) => {
            crate::services::contract::after_approval(txn, a, outcome, trail).await
        }
        Some(ApprovalSubject::Quote) => {
            crate::services::quote::after_approval(txn, a, outcome, trail).await
        }
        None => Ok(()),
    }
}

fn steps_of(a: &approval::Model) -> Vec<Step> {
    serde_json::from_str(&a.steps).unwrap_or_default()
}

/// The approval row, locked for this transaction.
async fn lock(txn: &DatabaseTransaction, id: Uuid) -> AppResult<approval::Model> {
    approval::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(AppError::not_found)
}

async fn tasks_of<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Vec<approval_task::Model>> {
    Ok(approval_task::Entity::find()
        .filter(approval_task::Column::ApprovalId.eq(id))
        .order_by_asc(approval_task::Column::Step)
        .order_by_asc(approval_task::Column::CreatedAt)
        .order_by_asc(approval_task::Column::Id)
        .all(db)
        .await?)
}

fn task_snapshot(t: &approval_task::Model, a: &approval::Model) -> serde_json::Value {
    json!({
        "approval_id": a.id,
        "title": a.title,
        "step": t.step + 1,
        "status": t.status,
        "comment": t.comment,
    })
}

/// Approves or rejects the caller's task on the current step of an approval they may see.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    approve: bool,
    input: ApprovalDecision,
    at: DateTime<Utc>,
) -> AppResult<Approval> {
    let comment = clean(input.comment);
    let mut errors = kaidan_shared::validate::Errors::new();
    let limit = kaidan_shared::validate::limits::REASON;
    if approve {
        errors.optional_text("comment", comment.as_deref(), limit);
    } else {
        errors.required_text("comment", comment.as_deref().unwrap_or(""), limit);
    }
    errors.finish().map_err(AppError::validation)?;
    record::find::<approval::Entity, _>(db, actor, Action::Read, id, Condition::all()).await?;
    let txn = begin_write(db).await?;
    let a = lock(&txn, id).await?;
    if a.submitter_id == actor.user_id {
        return Err(AppError::forbidden().with_detail("nobody decides their own submission"));
    }
    let tasks = tasks_of(&txn, id).await?;
    let pending = TaskStatus::Pending.as_str();
    let current = tasks.iter().find(|t| {
        t.approver_id == actor.user_id && t.step == a.current_step && t.status == pending
    });
    let task = match (current, input.task_id) {
        (Some(t), Some(asked)) if t.id != asked => None,
        (t, _) => t,
    };
    let Some(task) = task else {
        let mine: Vec<&approval_task::Model> = tasks
            .iter()
            .filter(|t| t.approver_id == actor.user_id)
            .collect();
        return Err(if a.status != ApprovalStatus::Pending.as_str() {
            invalid_state("this approval is already decided")
        } else if mine.is_empty() {
            AppError::forbidden().with_detail("this step is not yours to decide")
        } else if mine
            .iter()
            .any(|t| t.status == TaskStatus::Cancelled.as_str())
        {
            invalid_state("another approver already decided this step")
        } else if mine.iter().any(|t| t.step == a.current_step) || input.task_id.is_some() {
            invalid_state("you already decided this step")
        } else {
            AppError::forbidden().with_detail("this step is not yours to decide yet")
        });
    };
    let steps = steps_of(&a);
    let step_no = usize::try_from(a.current_step).unwrap_or(0);
    let mode = steps.get(step_no).map_or(StepMode::AnyOne, |s| s.mode);
    let status = if approve {
        TaskStatus::Approved
    } else {
        TaskStatus::Rejected
    };
    let mut decided = task.clone();
    decided.status = status.as_str().into();
    decided.comment = comment.clone();
    decided.decided_at = Some(at);
    let done = approval_task::Entity::update_many()
        .col_expr(approval_task::Column::Status, Expr::value(status.as_str()))
        .col_expr(approval_task::Column::Comment, Expr::value(comment.clone()))
        .col_expr(approval_task::Column::DecidedAt, Expr::value(Some(at)))
        .filter(approval_task::Column::Id.eq(task.id))
        .filter(approval_task::Column::Status.eq(pending))
        .exec(&txn)
        .await?;
    if done.rows_affected != 1 {
        return Err(invalid_state("another approver already decided this step"));
    }
    let mut trail = audit::Trail::default();
    trail.add(audit::Change::updated(
        if approve {
            AuditAction::ApprovalApprove
        } else {
            AuditAction::ApprovalReject
        },
        "approval",
        id,
        a.record_id,
        &task_snapshot(task, &a),
        &task_snapshot(&decided, &a),
    ));
    // The rest of the step: still waiting, unless this decision settles it.
    let others_pending = tasks
        .iter()
        .any(|t| t.id != task.id && t.step == a.current_step && t.status == pending);
    // An approver added by escalation stands in for those who did not answer: their approval
    // settles a countersigned step too.
    let step_done = !approve || mode == StepMode::AnyOne || !others_pending || task.escalated;
    let mut next = a.clone();
    next.version += 1;
    next.updated_at = at;
    let mut notices = Vec::new();
    let people = names(&txn, [a.submitter_id, actor.user_id].into_iter()).await?;
    let submitter_name = people.get(&a.submitter_id).cloned().unwrap_or_default();
    let by = people.get(&actor.user_id).cloned().unwrap_or_default();
    if step_done {
        cancel_pending(&txn, id).await?;
        let last = step_no + 1 >= steps.len();
        if !approve || last {
            next.status = if approve {
                ApprovalStatus::Approved
            } else {
                ApprovalStatus::Rejected
            }
            .as_str()
            .into();
            next.decided_at = Some(at);
            let outcome = if approve {
                Outcome::Approved
            } else {
                Outcome::Rejected
            };
            settle_record(&txn, &next, outcome, &mut trail).await?;
            let told: Vec<Uuid> = std::iter::once(a.submitter_id)
                .chain(a.owner_id.filter(|o| *o != a.submitter_id))
                .collect();
            notices.extend(told.into_iter().map(|who| Notice {
                user_id: who,
                kind: if approve {
                    NotificationKind::ApprovalApproved
                } else {
                    NotificationKind::ApprovalRejected
                },
                resource: Some(Resource::Approval),
                record_id: Some(id),
                data: json!({
                    "title": a.title, "amount": a.amount, "subject": a.subject,
                    "by": by, "comment": comment,
                }),
            }));
        } else {
            let step = &steps[step_no + 1];
            next.current_step = a.current_step + 1;
            next.step_started_at = at;
            next.reminded_at = None;
            next.escalated_at = None;
            approval_task::Entity::insert_many(
                step.approvers
                    .iter()
                    .map(|u| task_row(id, next.current_step, *u, false, at)),
            )
            .exec_without_returning(&txn)
            .await?;
            notices.extend(
                step.approvers
                    .iter()
                    .map(|u| requested(*u, &next, &submitter_name)),
            );
        }
    }
    save(&txn, &next, a.version).await?;
    notification::send_all(&txn, notices).await?;
    trail.commit(txn, actor).await?;
    get(db, actor, id).await
}

async fn cancel_pending(txn: &DatabaseTransaction, id: Uuid) -> AppResult<()> {
    approval_task::Entity::update_many()
        .col_expr(
            approval_task::Column::Status,
            Expr::value(TaskStatus::Cancelled.as_str()),
        )
        .filter(approval_task::Column::ApprovalId.eq(id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Pending.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

async fn save(txn: &DatabaseTransaction, next: &approval::Model, expected: i64) -> AppResult<()> {
    record::save_versioned::<approval::Entity, _>(txn, next.clone(), next.id, expected).await
}

/// The submitter takes a pending submission back; the record returns to a draft.
pub async fn withdraw(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    at: DateTime<Utc>,
) -> AppResult<Approval> {
    let seen =
        record::find::<approval::Entity, _>(db, actor, Action::Read, id, Condition::all()).await?;
    check_version(expected, seen.version)?;
    let txn = begin_write(db).await?;
    let a = lock(&txn, id).await?;
    if a.submitter_id != actor.user_id {
        return Err(AppError::forbidden().with_detail("only the submitter withdraws a submission"));
    }
    check_version(expected, a.version)?;
    withdraw_locked(&txn, a, at)
        .await?
        .commit(txn, actor)
        .await?;
    get(db, actor, id).await
}

/// Withdraws a locked pending approval and returns its record to a draft; the trail holds the
/// audit rows for the caller to commit.
async fn withdraw_locked(
    txn: &DatabaseTransaction,
    a: approval::Model,
    at: DateTime<Utc>,
) -> AppResult<audit::Trail> {
    if a.status != ApprovalStatus::Pending.as_str() {
        return Err(invalid_state("only a pending submission is withdrawn"));
    }
    cancel_pending(txn, a.id).await?;
    let mut next = a.clone();
    next.status = ApprovalStatus::Withdrawn.as_str().into();
    next.decided_at = Some(at);
    next.version += 1;
    next.updated_at = at;
    save(txn, &next, a.version).await?;
    let mut trail = audit::Trail::default();
    trail.add(audit::Change::updated(
        AuditAction::ApprovalWithdraw,
        "approval",
        a.id,
        a.record_id,
        &json!({"approval_id": a.id, "title": a.title, "status": a.status}),
        &json!({"approval_id": a.id, "title": a.title, "status": next.status}),
    ));
    settle_record(txn, &next, Outcome::Withdrawn, &mut trail).await?;
    Ok(trail)
}

// ---- escalation (the job's part) ----

/// Adds the next level up to a pending approval's current step (`shared::approval::escalation`)
/// and tells them; `false` when there is nobody above. In the job's transaction, conditional on
/// the approval still being at the version the batch read.
pub(crate) async fn escalate(
    txn: &DatabaseTransaction,
    a: &approval::Model,
    at: DateTime<Utc>,
    trail: &mut audit::Trail,
) -> AppResult<bool> {
    let tasks: Vec<approval_task::Model> = tasks_of(txn, a.id)
        .await?
        .into_iter()
        .filter(|t| t.step == a.current_step)
        .collect();
    let current: Vec<Uuid> = tasks.iter().map(|t| t.approver_id).collect();
    let owner = a.owner_id.unwrap_or(a.submitter_id);
    let org = org_for(
        txn,
        a.submitter_id,
        owner,
        current.iter().copied().collect(),
    )
    .await?;
    let above = rules::escalation(&org, a.submitter_id, owner, &current);
    let moved = approval::Entity::update_many()
        .col_expr(approval::Column::EscalatedAt, Expr::value(Some(at)))
        .col_expr(approval::Column::Version, Expr::value(a.version + 1))
        .filter(approval::Column::Id.eq(a.id))
        .filter(approval::Column::Version.eq(a.version))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 || above.is_empty() {
        return Ok(false);
    }
    approval_task::Entity::insert_many(
        above
            .iter()
            .map(|u| task_row(a.id, a.current_step, *u, true, at)),
    )
    .exec_without_returning(txn)
    .await?;
    let submitter = names(txn, [a.submitter_id].into_iter()).await?;
    let submitter = submitter.get(&a.submitter_id).cloned().unwrap_or_default();
    notification::send_all(
        txn,
        above.iter().map(|u| requested(*u, a, &submitter)).collect(),
    )
    .await?;
    trail.add(audit::Change::updated(
        AuditAction::ApprovalEscalate,
        "approval",
        a.id,
        a.record_id,
        &json!({"approval_id": a.id, "step": a.current_step + 1, "approvers": current}),
        &json!({"approval_id": a.id, "step": a.current_step + 1, "approvers": current.iter().chain(&above).collect::<Vec<_>>()}),
    ));
    Ok(true)
}

/// Reminds a pending approval's waiting approvers once per step.
pub(crate) async fn remind(
    txn: &DatabaseTransaction,
    a: &approval::Model,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let moved = approval::Entity::update_many()
        .col_expr(approval::Column::RemindedAt, Expr::value(Some(at)))
        .col_expr(approval::Column::Version, Expr::value(a.version + 1))
        .filter(approval::Column::Id.eq(a.id))
        .filter(approval::Column::Version.eq(a.version))
        .exec(txn)
        .await?;
    if moved.rows_affected != 1 {
        return Ok(false);
    }
    let waiting: Vec<Uuid> = approval_task::Entity::find()
        .filter(approval_task::Column::ApprovalId.eq(a.id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Pending.as_str()))
        .select_only()
        .column(approval_task::Column::ApproverId)
        .into_tuple()
        .all(txn)
        .await?;
    notification::send_all(
        txn,
        waiting
            .into_iter()
            .map(|u| Notice {
                user_id: u,
                kind: NotificationKind::ApprovalReminder,
                resource: Some(Resource::Approval),
                record_id: Some(a.id),
                data: json!({"title": a.title, "amount": a.amount, "subject": a.subject}),
            })
            .collect(),
    )
    .await?;
    Ok(true)
}

// ---- reading ----

async fn names<C: ConnectionTrait>(
    db: &C,
    ids: impl Iterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, String>> {
    record::names::<user::Entity, _>(db, ids, user::Column::Id, user::Column::DisplayName).await
}

fn task_dto(t: approval_task::Model, names: &HashMap<Uuid, String>) -> ApprovalTask {
    ApprovalTask {
        id: t.id,
        step: u32::try_from(t.step).unwrap_or(0),
        approver_id: t.approver_id,
        approver_name: names.get(&t.approver_id).cloned(),
        status: TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Cancelled),
        escalated: t.escalated,
        comment: t.comment,
        decided_at: t.decided_at,
        created_at: t.created_at,
    }
}

/// Approvals as the wire shows them, with their names read once for all of them.
async fn to_dtos<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    rows: Vec<approval::Model>,
    mut tasks: Vec<approval_task::Model>,
    with_tasks: bool,
) -> AppResult<Vec<Approval>> {
    let people = names(
        db,
        rows.iter()
            .map(|a| a.submitter_id)
            .chain(tasks.iter().map(|t| t.approver_id)),
    )
    .await?;
    let customers = record::names::<customer::Entity, _>(
        db,
        rows.iter().filter_map(|a| a.customer_id),
        customer::Column::Id,
        customer::Column::Name,
    )
    .await?;
    let pending = TaskStatus::Pending.as_str();
    Ok(rows
        .into_iter()
        .map(|a| {
            let mine = tasks
                .iter()
                .find(|t| {
                    t.approval_id == a.id
                        && t.approver_id == actor.user_id
                        && t.step == a.current_step
                        && t.status == pending
                })
                .map(|t| t.id);
            let own: Vec<ApprovalTask> = if with_tasks {
                let (these, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut tasks)
                    .into_iter()
                    .partition(|t| t.approval_id == a.id);
                tasks = rest;
                these.into_iter().map(|t| task_dto(t, &people)).collect()
            } else {
                Vec::new()
            };
            Approval {
                id: a.id,
                subject: ApprovalSubject::parse(&a.subject).unwrap_or(ApprovalSubject::Contract),
                record_id: a.record_id,
                title: a.title.clone(),
                amount: a.amount,
                max_discount_percent: percent_of_bp(a.max_discount_bp).normalize(),
                customer_name: a.customer_id.and_then(|c| customers.get(&c).cloned()),
                submitter_id: a.submitter_id,
                submitter_name: people.get(&a.submitter_id).cloned(),
                template_name: a.template_name.clone(),
                steps: steps_of(&a),
                current_step: u32::try_from(a.current_step).unwrap_or(0),
                status: ApprovalStatus::parse(&a.status).unwrap_or(ApprovalStatus::Pending),
                my_task_id: mine,
                tasks: own,
                lines: Vec::new(),
                decided_at: a.decided_at,
                created_at: a.created_at,
                version: a.version,
            }
        })
        .collect())
}

/// One approval the caller takes part in (admins: any), with its timeline.
pub async fn get(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> AppResult<Approval> {
    let a =
        record::find::<approval::Entity, _>(db, actor, Action::Read, id, Condition::all()).await?;
    let tasks = tasks_of(db, id).await?;
    // The lines as they stand are what is being decided: shown while it waits, not after (the
    // record may have changed since, and may be outside the reader's scope).
    let waiting = a.status == ApprovalStatus::Pending.as_str();
    let lines = match ApprovalSubject::parse(&a.subject).filter(|_| waiting) {
        Some(ApprovalSubject::Contract) => {
            crate::services::contract::line_dtos(db, a.record_id).await?
        }
        Some(ApprovalSubject::Quote) => crate::services::quote::line_dtos(db, a.record_id).await?,
        None => Vec::new(),
    };
    let mut dto = to_dtos(db, actor, vec![a], tasks, true)
        .await?
        .pop()
        .ok_or_else(AppError::not_found)?;
    dto.lines = lines;
    Ok(dto)
}

/// The approvals of a record the caller has already been allowed to read, newest first, with
/// their timelines: what the record's page shows.
pub async fn of_record(
    db: &DatabaseConnection,
    actor: &Actor,
    subject: ApprovalSubject,
    record_id: Uuid,
) -> AppResult<Vec<Approval>> {
    let rows = approval::Entity::find()
        .filter(approval::Column::RecordId.eq(record_id))
        .filter(approval::Column::Subject.eq(subject.as_str()))
        .order_by_desc(approval::Column::CreatedAt)
        .limit(50)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|a| a.id).collect();
    let tasks = if ids.is_empty() {
        Vec::new()
    } else {
        approval_task::Entity::find()
            .filter(approval_task::Column::ApprovalId.is_in(ids))
            .order_by_asc(approval_task::Column::Step)
            .order_by_asc(approval_task::Column::CreatedAt)
            .order_by_asc(approval_task::Column::Id)
            .all(db)
            .await?
    };
    to_dtos(db, actor, rows, tasks, true).await
}

/// The inbox: 待我审批 (my pending tasks, newest first), 我已审批 (my decisions, latest first),
/// 我发起的 (my submissions, newest first). Each box reads its own index.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    q: ApprovalListQuery,
) -> AppResult<Page<Approval>> {
    policy::require(actor, Resource::Approval, Action::Read)?;
    let limit = page_limit(q.limit)?;
    let view = q.view.unwrap_or_default();
    if view == ApprovalBox::Submitted {
        let keyset = Keyset {
            name: "submitted",
            column: Some((approval::Column::CreatedAt, KeyKind::Time)),
            id: approval::Column::Id,
            descending: true,
        };
        let sel = approval::Entity::find().filter(approval::Column::SubmitterId.eq(actor.user_id));
        let page = keyset
            .page(
                db,
                sel,
                q.cursor.as_deref(),
                limit,
                |a: &approval::Model| (a.created_at.to_rfc3339(), a.id),
            )
            .await?;
        let ids: Vec<Uuid> = page.items.iter().map(|a| a.id).collect();
        let mine = my_tasks(db, actor, ids).await?;
        return Ok(Page {
            items: to_dtos(db, actor, page.items, mine, false).await?,
            next_cursor: page.next_cursor,
        });
    }
    let (name, column) = match view {
        ApprovalBox::Pending => ("pending", approval_task::Column::CreatedAt),
        _ => ("decided", approval_task::Column::DecidedAt),
    };
    let keyset = Keyset {
        name,
        column: Some((column, KeyKind::Time)),
        id: approval_task::Column::Id,
        descending: true,
    };
    let mut sel =
        approval_task::Entity::find().filter(approval_task::Column::ApproverId.eq(actor.user_id));
    sel = match view {
        ApprovalBox::Pending => {
            sel.filter(approval_task::Column::Status.eq(TaskStatus::Pending.as_str()))
        }
        // Someone who decided two steps of one approval (named on both) sees it once, at their
        // latest decision: a decision of theirs with a later one on the same approval is left
        // out, so the approval is neither twice on a page nor again on a later page.
        _ => sel
            .filter(approval_task::Column::DecidedAt.is_not_null())
            .filter(
                Condition::all()
                    .add(Expr::exists(later_decision(actor.user_id)))
                    .not(),
            ),
    };
    let page = keyset
        .page(
            db,
            sel,
            q.cursor.as_deref(),
            limit,
            |t: &approval_task::Model| {
                let at = if view == ApprovalBox::Pending {
                    t.created_at
                } else {
                    t.decided_at.unwrap_or(t.created_at)
                };
                (at.to_rfc3339(), t.id)
            },
        )
        .await?;
    let ids: Vec<Uuid> = page.items.iter().map(|t| t.approval_id).collect();
    let found: HashMap<Uuid, approval::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        approval::Entity::find()
            .filter(approval::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect()
    };
    let rows: Vec<approval::Model> = page
        .items
        .iter()
        .filter_map(|t| found.get(&t.approval_id).cloned())
        .collect();
    Ok(Page {
        items: to_dtos(db, actor, rows, page.items, false).await?,
        next_cursor: page.next_cursor,
    })
}

/// The caller's decisions on the same approval after the outer `approval_tasks` row's (by time,
/// then id), correlated on `approval_id` (the `approval_step` index).
fn later_decision(me: Uuid) -> sea_orm::sea_query::SelectStatement {
    let later = sea_orm::sea_query::Alias::new("later");
    let col = |c: approval_task::Column| Expr::col((later.clone(), c));
    let outer = |c: approval_task::Column| Expr::col((approval_task::Entity, c));
    sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from_as(approval_task::Entity, later.clone())
        .and_where(
            col(approval_task::Column::ApprovalId)
                .equals((approval_task::Entity, approval_task::Column::ApprovalId)),
        )
        .and_where(col(approval_task::Column::ApproverId).eq(me))
        .and_where(col(approval_task::Column::DecidedAt).is_not_null())
        .cond_where(
            Condition::any()
                .add(
                    col(approval_task::Column::DecidedAt)
                        .gt(outer(approval_task::Column::DecidedAt)),
                )
                .add(
                    Condition::all()
                        .add(
                            col(approval_task::Column::DecidedAt)
                                .equals((approval_task::Entity, approval_task::Column::DecidedAt)),
                        )
                        .add(col(approval_task::Column::Id).gt(outer(approval_task::Column::Id))),
                ),
        )
        .to_owned()
}

async fn my_tasks(
    db: &DatabaseConnection,
    actor: &Actor,
    ids: Vec<Uuid>,
) -> AppResult<Vec<approval_task::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(approval_task::Entity::find()
        .filter(approval_task::Column::ApprovalId.is_in(ids))
        .filter(approval_task::Column::ApproverId.eq(actor.user_id))
        .all(db)
        .await?)
}

/// The inbox's badges, each counted up to `COUNT_CAP`.
pub async fn counts(db: &DatabaseConnection, actor: &Actor) -> AppResult<ApprovalCounts> {
    policy::require(actor, Resource::Approval, Action::Read)?;
    let cap = u64::from(COUNT_CAP);
    let pending: Vec<Uuid> = approval_task::Entity::find()
        .filter(approval_task::Column::ApproverId.eq(actor.user_id))
        .filter(approval_task::Column::Status.eq(TaskStatus::Pending.as_str()))
        .select_only()
        .column(approval_task::Column::Id)
        .limit(cap)
        .into_tuple()
        .all(db)
        .await?;
    let submitted: Vec<Uuid> = approval::Entity::find()
        .filter(approval::Column::SubmitterId.eq(actor.user_id))
        .filter(approval::Column::Status.eq(ApprovalStatus::Pending.as_str()))
        .select_only()
        .column(approval::Column::Id)
        .limit(cap)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ApprovalCounts {
        pending: u32::try_from(pending.len()).unwrap_or(COUNT_CAP),
        submitted_pending: u32::try_from(submitted.len()).unwrap_or(COUNT_CAP),
    })
}

// ---- templates ----

fn template_dto(m: approval_template::Model) -> ApprovalTemplate {
    ApprovalTemplate {
        id: m.id,
        subject: ApprovalSubject::parse(&m.subject).unwrap_or(ApprovalSubject::Contract),
        name: m.name,
        priority: m.priority,
        active: m.active,
        conditions: serde_json::from_str(&m.conditions).unwrap_or_default(),
        steps: serde_json::from_str(&m.steps).unwrap_or_default(),
        remind_after_hours: u32::try_from(m.remind_after_hours).unwrap_or(24),
        escalate_after_hours: u32::try_from(m.escalate_after_hours).unwrap_or(48),
        version: m.version,
        updated_at: m.updated_at,
    }
}

/// Every flow, by subject and priority (admins; a company keeps tens of them).
pub async fn templates(db: &DatabaseConnection, actor: &Actor) -> AppResult<Vec<ApprovalTemplate>> {
    policy::require(actor, Resource::Approval, Action::Manage)?;
    Ok(approval_template::Entity::find()
        .order_by_asc(approval_template::Column::Subject)
        .order_by_asc(approval_template::Column::Priority)
        .order_by_asc(approval_template::Column::Id)
        .limit(500)
        .all(db)
        .await?
        .into_iter()
        .map(template_dto)
        .collect())
}

/// The input's problems beyond its shape: named users must be active users.
async fn check_template(db: &DatabaseConnection, input: &ApprovalTemplateInput) -> AppResult<()> {
    let mut errors = input.validate().err().unwrap_or_default();
    let named: BTreeSet<Uuid> = named_in(&input.steps).collect();
    if !named.is_empty() {
        let found: Vec<Uuid> = user::Entity::find()
            .filter(user::Column::Id.is_in(named.clone()))
            .filter(user::Column::Active.eq(true))
            // An API client's identity decides nothing.
            .filter(user::Column::Role.ne(kaidan_shared::Role::Integration.as_str()))
            .select_only()
            .column(user::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
        if found.len() != named.len() {
            errors.push(FieldError::new(
                "steps",
                FieldCode::UnknownReference,
                "a named approver is not an active user",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

fn conditions_json(c: &Conditions) -> String {
    serde_json::to_string(c).unwrap_or_else(|_| "{}".into())
}

pub async fn create_template(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ApprovalTemplateInput,
) -> AppResult<ApprovalTemplate> {
    policy::require(actor, Resource::Approval, Action::Manage)?;
    check_template(db, &input).await?;
    let t = now();
    let m = approval_template::Model {
        id: new_id(),
        subject: input.subject.as_str().into(),
        name: input.name.trim().to_owned(),
        priority: input.priority,
        active: input.active,
        conditions: conditions_json(&input.conditions),
        steps: serde_json::to_string(&input.steps).unwrap_or_else(|_| "[]".into()),
        remind_after_hours: i32::try_from(input.remind_after_hours).unwrap_or(24),
        escalate_after_hours: i32::try_from(input.escalate_after_hours).unwrap_or(48),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    approval_template::Entity::insert(approval_template::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await?;
    let dto = template_dto(m);
    audit::commit(
        txn,
        actor,
        audit::Change::created(
            AuditAction::ApprovalTemplateCreate,
            "approval_template",
            dto.id,
            dto.id,
            &dto,
        ),
    )
    .await?;
    Ok(dto)
}

/// Replaces a flow; approvals already open keep the steps they were routed with.
pub async fn update_template(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: ApprovalTemplateInput,
) -> AppResult<ApprovalTemplate> {
    let current = record::find::<approval_template::Entity, _>(
        db,
        actor,
        Action::Manage,
        id,
        Condition::all(),
    )
    .await?;
    check_version(Some(expected), current.version)?;
    check_template(db, &input).await?;
    let next = approval_template::Model {
        subject: input.subject.as_str().into(),
        name: input.name.trim().to_owned(),
        priority: input.priority,
        active: input.active,
        conditions: conditions_json(&input.conditions),
        steps: serde_json::to_string(&input.steps).unwrap_or_else(|_| "[]".into()),
        remind_after_hours: i32::try_from(input.remind_after_hours).unwrap_or(24),
        escalate_after_hours: i32::try_from(input.escalate_after_hours).unwrap_or(48),
        version: current.version + 1,
        updated_at: now(),
        ..current.clone()
    };
    let txn = begin_write(db).await?;
    record::save_versioned::<approval_template::Entity, _>(&txn, next.clone(), id, expected)
        .await?;
    let (before, after) = (template_dto(current), template_dto(next));
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::ApprovalTemplateUpdate,
            "approval_template",
            id,
            id,
            &before,
            &after,
        ),
    )
    .await?;
    Ok(after)
}
