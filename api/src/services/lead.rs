//! Leads (线索): create (the duplicate check against leads and customers; the assignment rules),
//! list, edit, qualify and disqualify, hand to a rep, and convert into a customer with a contact
//! — or onto an existing customer — and optionally a deal, in one transaction.
//!
//! Assignment: the first active rule (by position) whose provinces name the lead's places it with
//! the next active rep of its team, in turn, skipping reps at the rule's open-lead cap; the turn
//! is a row per team (`lead_turns`) locked by an update in the lead's transaction, so two
//! instances assigning at once take turns and a restart changes nothing. When nobody can take the
//! lead it waits in the rule's queue (or the default queue when no rule matches).

use std::collections::{BTreeSet, HashMap};

use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::contact::ContactInput;
use kaidan_shared::customer::{CustomerCreate, CustomerKind};
use kaidan_shared::duplicate::{DuplicateField, DuplicateMatch};
use kaidan_shared::field::CustomValues;
use kaidan_shared::lead::{
    matching_rule, next_in_turn, AssignedVia, Converted, Disqualify, Lead, LeadAssign, LeadConvert,
    LeadCreate, LeadListQuery, LeadRule, LeadRuleInput, LeadStatus, LeadUpdate, DEFAULT_QUEUE,
};
use kaidan_shared::normalize::{mask_name, name_key, phone_key, search_key};
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::opportunity::{OpportunityCreate, Outcome};
use kaidan_shared::option_list::{builtin, check_choice};
use kaidan_shared::page::Page;
use kaidan_shared::{Action, ErrorCode, FieldCode, FieldError, Resource, Role, Scope};
use sea_orm::sea_query::{CaseStatement, Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, RelationDef,
    RelationTrait, Select,
};
use uuid::Uuid;

use crate::auth::policy::{self, Scoped};
use crate::auth::Actor;
use crate::clock::Clock;
use crate::config::LimitSettings;
use crate::entities::{customer, lead, lead_rule, lead_turn, team, user};
use crate::error::{AppError, AppResult};
use crate::services::clean;
use crate::services::duplicate::{self, Found, Hidden};
use crate::services::field_plan::PlanCache;
use crate::services::notification::{self, Notice};
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::Conns;
use crate::services::{
    audit, begin_write, check_version, contact, customer as customers, deal_totals, field,
    like_contains, new_id, now, opportunity, org, page_limit, rules_cache, stale,
};

/// The most lead duplicates reported on create.
const MAX_DUPLICATES: u64 = 10;

#[derive(Debug, FromQueryResult)]
pub struct Row {
    #[sea_orm(nested)]
    pub lead: lead::Model,
    pub owner_name: Option<String>,
}

fn with_owner() -> Select<lead::Entity> {
    lead::Entity::find()
        .column_as(
            Expr::col((user::Entity, user::Column::DisplayName)),
            "owner_name",
        )
        .join(JoinType::LeftJoin, lead::Relation::Owner.def())
}

fn to_dto(r: Row, rule_names: &HashMap<Uuid, String>) -> Lead {
    let m = r.lead;
    Lead {
        id: m.id,
        name: m.name,
        company: m.company,
        phone: m.phone,
        email: m.email,
        source: m.source,
        province: m.province,
        notes: m.notes,
        status: LeadStatus::parse(&m.status).unwrap_or(LeadStatus::New),
        disqualify_reason: m.disqualify_reason,
        disqualify_note: m.disqualify_note,
        owner_id: m.owner_id,
        owner_name: r.owner_name,
        team_id: m.team_id,
        queue: m.queue,
        assigned_via: AssignedVia::parse(&m.assigned_via).unwrap_or(AssignedVia::Manual),
        assigned_rule_name: m.assigned_rule_id.and_then(|i| rule_names.get(&i).cloned()),
        assigned_rule_id: m.assigned_rule_id,
        assigned_at: m.assigned_at,
        customer_id: m.customer_id,
        contact_id: m.contact_id,
        opportunity_id: m.opportunity_id,
        converted_at: m.converted_at,
        custom: field::parse(m.custom.as_deref()),
        version: m.version,
        created_by: m.created_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

/// Every rule's name by id (from the kept settings: `rules_cache`).
fn names_of(rules: &[LeadRule]) -> HashMap<Uuid, String> {
    rules.iter().map(|r| (r.id, r.name.clone())).collect()
}

/// The names of the rules that placed `rows` (one query for a page).
async fn rule_names<C: ConnectionTrait>(
    db: &C,
    ids: impl Iterator<Item = Uuid>,
) -> AppResult<HashMap<Uuid, String>> {
    record::names::<lead_rule::Entity, _>(db, ids, lead_rule::Column::Id, lead_rule::Column::Name)
        .await
}

async fn read_one<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Lead> {
    let r: Row = with_owner()
        .filter(lead::Column::Id.eq(id))
        .into_model()
        .one(db)
        .await?
        .ok_or_else(stale)?;
    let names = rule_names(db, r.lead.assigned_rule_id.into_iter()).await?;
    Ok(to_dto(r, &names))
}

pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    plans: &PlanCache,
    actor: &Actor,
    q: LeadListQuery,
) -> AppResult<Page<Lead>> {
    let scope = policy::require(actor, Resource::Lead, Action::Read)?;
    q.validate().map_err(AppError::validation)?;
    let limit = page_limit(q.limit)?;
    let view = field::View::load(db, kept, actor).await?;
    let mut sel = with_owner().filter(lead::Entity::in_scope(actor, scope));
    if let Some(s) = q.status {
        sel = sel.filter(lead::Column::Status.eq(s.as_str()));
    }
    if let Some(s) = q.source.as_deref().filter(|s| !s.is_empty()) {
        sel = sel.filter(lead::Column::Source.eq(s));
    }
    if let Some(o) = q.owner_id {
        sel = sel.filter(lead::Column::OwnerId.eq(o));
    }
    if let Some(queue) = q.queue.as_deref().filter(|s| !s.is_empty()) {
        sel = sel
            .filter(lead::Column::OwnerId.is_null())
            .filter(lead::Column::Queue.eq(queue));
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let mut any =
            Condition::any().add(lead::Column::SearchKey.like(like_contains(&search_key(text))));
        let digits = phone_key(text);
        if digits.len() >= 4 {
            any = any.add(lead::Column::PhoneKey.like(like_contains(&digits)));
        }
        sel = sel.filter(any);
    }
    let sel = view
        .filter_list(
            db,
            plans,
            Resource::Lead,
            sel,
            lead::Column::Id,
            q.custom.as_deref(),
        )
        .await?;
    let keyset = Keyset {
        name: "updated_desc",
        column: Some((lead::Column::UpdatedAt, KeyKind::Time)),
        id: lead::Column::Id,
        descending: true,
    };
    let page = view
        .page(
            db,
            Resource::Lead,
            sel,
            keyset,
            q.custom_sort.as_deref(),
            (q.cursor.as_deref(), limit),
            |r: &Row| (r.lead.updated_at.to_rfc3339(), r.lead.id),
        )
        .await?;
    let names = rule_names(
        db,
        page.items.iter().filter_map(|r| r.lead.assigned_rule_id),
    )
    .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                let mut l = to_dto(r, &names);
                l.custom = view.show(Resource::Lead, &l.custom);
                l
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
) -> AppResult<Lead> {
    let row: Row =
        record::find_with::<lead::Entity, Row, _>(db, actor, Action::Read, id, with_owner())
            .await?;
    let view = field::View::load(db, kept, actor).await?;
    let names = rule_names(db, row.lead.assigned_rule_id.into_iter()).await?;
    let mut l = to_dto(row, &names);
    l.custom = view.show(Resource::Lead, &l.custom);
    Ok(l)
}

pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<lead::Entity>(db, kept, actor, id, q).await
}

// ---- writing ----

fn email_key(email: Option<&str>) -> Option<String> {
    email
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
}

/// The keys a lead is found by (duplicates, search), from its current facts.
fn set_keys(m: &mut lead::Model) {
    let who = m.company.as_deref().unwrap_or(&m.name);
    m.name_key = name_key(who);
    m.search_key = search_key(&format!(
        "{} {}",
        m.name,
        m.company.as_deref().unwrap_or("")
    ));
    m.phone_key = m.phone.as_deref().map(phone_key).filter(|p| !p.is_empty());
    m.email_key = email_key(m.email.as_deref());
}

/// Source and province hold keys of the option lists `lead_source` and `province`.
fn choices(
    errors: &mut Vec<FieldError>,
    rules: &field::Rules,
    source: Option<&str>,
    province: Option<&str>,
    current: Option<&lead::Model>,
) {
    check_choice(
        errors,
        "source",
        rules.list(builtin::LEAD_SOURCE),
        source,
        current.and_then(|c| c.source.as_deref()),
    );
    check_choice(
        errors,
        "province",
        rules.list(PROVINCE_LIST),
        province,
        current.and_then(|c| c.province.as_deref()),
    );
}

/// The option lists a lead's province and queue come from.
const PROVINCE_LIST: &str = "province";
const QUEUE_LIST: &str = "lead_queue";

/// Leads that look like the new one: the same phone, the same e-mail, or the same company (or
/// person) name key; converted leads are customers now and are found as such.
async fn lead_duplicates(
    db: &DatabaseConnection,
    actor: &Actor,
    probe: &lead::Model,
) -> AppResult<Vec<Found>> {
    let mut any = Condition::any().add(lead::Column::NameKey.eq(probe.name_key.clone()));
    if let Some(p) = &probe.phone_key {
        any = any.add(lead::Column::PhoneKey.eq(p.clone()));
    }
    if let Some(e) = &probe.email_key {
        any = any.add(lead::Column::EmailKey.eq(e.clone()));
    }
    let rows: Vec<Row> = with_owner()
        .filter(lead::Column::Status.ne(LeadStatus::Converted.as_str()))
        .filter(any)
        .limit(MAX_DUPLICATES)
        .into_model()
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.lead.id).collect();
    let visible: BTreeSet<Uuid> = match policy::scope_of(actor, Resource::Lead, Action::Read) {
        Some(scope) => lead::Entity::find()
            .filter(lead::Column::Id.is_in(ids))
            .filter(lead::Entity::in_scope(actor, scope))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect(),
        None => BTreeSet::new(),
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let l = r.lead;
            let mut matched_on = Vec::new();
            if probe.phone_key.is_some() && l.phone_key == probe.phone_key {
                matched_on.push(DuplicateField::Phone);
            }
            if probe.email_key.is_some() && l.email_key == probe.email_key {
                matched_on.push(DuplicateField::Email);
            }
            if l.name_key == probe.name_key {
                matched_on.push(DuplicateField::Name);
            }
            let mine = visible.contains(&l.id);
            let name = l.company.clone().unwrap_or_else(|| l.name.clone());
            Found {
                shown: DuplicateMatch {
                    resource: Resource::Lead,
                    id: mine.then_some(l.id),
                    name: if mine { name } else { mask_name(&name) },
                    owner_name: r.owner_name,
                    matched_on,
                },
                hidden: (!mine).then_some(Hidden {
                    id: l.id,
                    entity: "lead",
                    action: AuditAction::LeadDuplicateMatch,
                }),
            }
        })
        .collect())
}

fn rule_dto(m: lead_rule::Model, team_name: Option<String>) -> LeadRule {
    LeadRule {
        id: m.id,
        name: m.name,
        position: m.position,
        region_id: m.region_id,
        provinces: m
            .provinces
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok())
            .unwrap_or_default(),
        team_id: m.team_id,
        team_name,
        queue: m.queue,
        open_lead_cap: m.open_lead_cap.and_then(|c| u32::try_from(c).ok()),
        active: m.active,
        version: m.version,
        updated_at: m.updated_at,
    }
}

/// What the rules say about a lead from a province, read before the lead's transaction: the
/// rules, the team and its active reps are settings, read on a reader; only the team's turn is
/// taken inside the transaction (`take_turn`), so the turn row's lock is held for as few
/// statements as can be.
struct Plan {
    rule: Option<(Uuid, String)>,
    region: Option<Uuid>,
    queue: String,
    team: Option<TeamPlan>,
}

struct TeamPlan {
    id: Uuid,
    region: Uuid,
    /// The team's active reps with their names, the candidates in turn.
    reps: Vec<(Uuid, String)>,
    cap: Option<u32>,
}

/// Every assignment rule, without team names (`rules_cache`).
pub(crate) async fn load_rules<C: ConnectionTrait>(db: &C) -> AppResult<Vec<LeadRule>> {
    Ok(lead_rule::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| rule_dto(m, None))
        .collect())
}

async fn plan<C: ConnectionTrait>(
    db: &C,
    rules: &[LeadRule],
    province: Option<&str>,
) -> AppResult<Plan> {
    let Some(rule) = matching_rule(rules, province) else {
        return Ok(Plan {
            rule: None,
            region: None,
            queue: DEFAULT_QUEUE.into(),
            team: None,
        });
    };
    let team = match rule.team_id {
        Some(t) => team_plan(db, t, rule.open_lead_cap).await?,
        None => None,
    };
    Ok(Plan {
        rule: Some((rule.id, rule.name.clone())),
        region: rule.region_id,
        queue: rule.queue.clone().unwrap_or_else(|| DEFAULT_QUEUE.into()),
        team,
    })
}

/// The team with its active reps, in one query (the team, joined to its reps if it has any).
async fn team_plan<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    cap: Option<u32>,
) -> AppResult<Option<TeamPlan>> {
    let reps = RelationDef::from(
        user::Entity::belongs_to(team::Entity)
            .from(user::Column::TeamId)
            .to(team::Column::Id),
    )
    .rev()
    .on_condition(|_, _| {
        Condition::all()
            .add(Expr::col((user::Entity, user::Column::Active)).eq(true))
            .add(Expr::col((user::Entity, user::Column::Role)).eq(Role::SalesRep.as_str()))
    });
    let rows: Vec<(Uuid, Uuid, Option<Uuid>, Option<String>)> = team::Entity::find()
        .select_only()
        .column_as(team::Column::Id, "team_id")
        .column_as(team::Column::RegionId, "region_id")
        .column_as(user::Column::Id, "rep_id")
        .column_as(user::Column::DisplayName, "rep_name")
        .join(JoinType::LeftJoin, reps)
        .filter(team::Column::Id.eq(id))
        .into_tuple()
        .all(db)
        .await?;
    let Some(&(id, region, _, _)) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(TeamPlan {
        id,
        region,
        reps: rows
            .into_iter()
            .filter_map(|(_, _, rep, name)| rep.zip(name))
            .collect(),
        cap,
    }))
}

/// Where a new lead goes, and its owner's name.
struct Placement {
    owner: Option<(Uuid, String)>,
    team: Option<Uuid>,
    region: Option<Uuid>,
    queue: Option<String>,
    rule: Option<Uuid>,
    via: AssignedVia,
}

/// Whether the team's turn is taken before the lead's transaction, by a statement of its own.
/// On PostgreSQL an uncapped team's turn is one atomic statement (`advance`), whose row lock is
/// then held only inside the database for that statement — not across the transaction's five
/// round trips to a busy server, where assignments to the same team queued behind each other
/// (at 1M customers the turn's lock waits were the tail of lead creation; docs/benchmarks.md).
/// A lead whose transaction then fails has used a turn: that rep's turn passes, as when a rep is
/// skipped. SQLite runs one writer at a time and gains nothing; MySQL cannot return the turn from
/// the statement; a capped team counts open leads under the lock (`next_rep`).
fn turn_first(db: &DatabaseConnection, plan: &Plan) -> bool {
    db.get_database_backend() == DbBackend::Postgres
        && plan.team.as_ref().is_some_and(|t| t.cap.is_none())
}

/// Follows the plan: the team's next rep in turn, or its queue. A capped team's turn is taken
/// inside the lead's transaction (`next_rep`).
async fn take_turn<C: ConnectionTrait>(db: &C, plan: Option<&Plan>) -> AppResult<Placement> {
    let Some(plan) = plan else {
        return Ok(Placement {
            owner: None,
            team: None,
            region: None,
            queue: Some(DEFAULT_QUEUE.into()),
            rule: None,
            via: AssignedVia::Queue,
        });
    };
    let rule = plan.rule.as_ref().map(|r| r.0);
    let Some(team) = &plan.team else {
        return Ok(Placement {
            owner: None,
            team: None,
            region: plan.region,
            queue: Some(plan.queue.clone()),
            rule,
            via: AssignedVia::Queue,
        });
    };
    let owner = match team.cap {
        None => advance(db, team).await?,
        Some(_) => next_rep(db, team).await?,
    };
    Ok(Placement {
        via: if owner.is_some() {
            AssignedVia::Rule
        } else {
            AssignedVia::Queue
        },
        queue: owner.is_none().then(|| plan.queue.clone()),
        owner,
        team: Some(team.id),
        region: Some(team.region),
        rule,
    })
}

/// The team's next active rep in turn under its cap of open leads, taking the turn. The team's
/// turn row is written first (made on first use, its count moved on in the same statement), so
/// its lock is held until the lead's transaction ends: a parallel assignment for the same team,
/// on this instance or another, waits, then reads the turn this one took, and the open-lead
/// counts it checks the cap against include this lead.
async fn next_rep<C: ConnectionTrait>(
    txn: &C,
    team: &TeamPlan,
) -> AppResult<Option<(Uuid, String)>> {
    let last = upsert_turn(txn, team.id, None).await?;
    let reps: Vec<Uuid> = team.reps.iter().map(|r| r.0).collect();
    let open: HashMap<Uuid, i64> = match team.cap {
        Some(_) if !reps.is_empty() => lead::Entity::find()
            .select_only()
            .column(lead::Column::OwnerId)
            .column_as(lead::Column::Id.count(), "n")
            .filter(lead::Column::OwnerId.is_in(reps.clone()))
            .filter(lead::Column::Status.is_in(LeadStatus::OPEN.map(LeadStatus::as_str)))
            .group_by(lead::Column::OwnerId)
            .into_tuple::<(Uuid, i64)>()
            .all(txn)
            .await?
            .into_iter()
            .collect(),
        _ => HashMap::new(),
    };
    let chosen = next_in_turn(&reps, last, |id| {
        team.cap
            .is_none_or(|c| open.get(&id).copied().unwrap_or(0) < i64::from(c))
    });
    let Some(rep) = chosen else {
        return Ok(None);
    };
    lead_turn::Entity::update_many()
        .col_expr(lead_turn::Column::LastUserId, Expr::value(Some(rep)))
        .col_expr(lead_turn::Column::UpdatedAt, Expr::value(now()))
        .filter(lead_turn::Column::TeamId.eq(team.id))
        .exec(txn)
        .await?;
    Ok(team.reps.iter().find(|r| r.0 == rep).cloned())
}

/// Moves an uncapped team's turn on to its next rep and answers that rep, in one statement where
/// the engine can return it: the first rep (in id order, so the order survives restarts) after
/// the one who had the last turn, else the first — `next_in_turn` written as a `CASE`, so two
/// instances taking turns at once each get their own.
async fn advance<C: ConnectionTrait>(db: &C, team: &TeamPlan) -> AppResult<Option<(Uuid, String)>> {
    let mut reps: Vec<Uuid> = team.reps.iter().map(|r| r.0).collect();
    reps.sort();
    reps.dedup();
    let Some(&first) = reps.first() else {
        return Ok(None);
    };
    let last = || Expr::col((lead_turn::Entity, lead_turn::Column::LastUserId));
    let next = reps
        .iter()
        .fold(
            CaseStatement::new().case(last().is_null(), Expr::val(first)),
            |case, &rep| case.case(last().lt(rep), Expr::val(rep)),
        )
        .finally(Expr::val(first));
    let chosen = upsert_turn(db, team.id, Some((first, next.into()))).await?;
    Ok(chosen.and_then(|c| team.reps.iter().find(|r| r.0 == c).cloned()))
}

/// Makes the team's turn row (its first turn `given.0`, when given) or moves it on — one more
/// turn, and the turn to `given.1` when given — in one upsert, and answers who has the turn
/// after it: returned by the statement where the engine can (PostgreSQL, SQLite), else read back
/// inside the caller's transaction under the lock the upsert took (MySQL).
async fn upsert_turn<C: ConnectionTrait>(
    db: &C,
    team: Uuid,
    given: Option<(Uuid, Expr)>,
) -> AppResult<Option<Uuid>> {
    let mut on_conflict = OnConflict::column(lead_turn::Column::TeamId);
    on_conflict
        .value(
            lead_turn::Column::Turns,
            Expr::col((lead_turn::Entity, lead_turn::Column::Turns)).add(1),
        )
        .update_column(lead_turn::Column::UpdatedAt);
    let first = given.map(|(first, next)| {
        on_conflict.value(lead_turn::Column::LastUserId, next);
        first
    });
    let take = lead_turn::Entity::insert(lead_turn::ActiveModel {
        team_id: Set(team),
        last_user_id: Set(first),
        turns: Set(1),
        updated_at: Set(now()),
    })
    .on_conflict(on_conflict);
    Ok(if db.support_returning() {
        take.exec_with_returning(db).await?.last_user_id
    } else {
        take.exec_without_returning(db).await?;
        lead_turn::Entity::find_by_id(team)
            .one(db)
            .await?
            .and_then(|t| t.last_user_id)
    })
}

fn assigned_notice(lead: &Lead, by: AssignedVia) -> Option<Notice> {
    Some(Notice {
        user_id: lead.owner_id?,
        kind: NotificationKind::LeadAssigned,
        resource: Some(Resource::Lead),
        record_id: Some(lead.id),
        data: serde_json::json!({
            "name": lead.name,
            "company": lead.company,
            "via": by,
        }),
    })
}

/// Creates a lead. Likely duplicates (leads and customers) stop it with 409
/// `duplicate_suspected` unless `force` is set. Without `owner_id` a sales rep keeps the lead;
/// anyone else's goes through the assignment rules.
pub async fn create(
    conns: Conns<'_>,
    actor: &Actor,
    input: LeadCreate,
    limits: &LimitSettings,
) -> AppResult<Lead> {
    let (db, read) = (conns.write, conns.read);
    policy::require(actor, Resource::Lead, Action::Create)?;
    let settings = conns.rules.get(read).await?;
    let rules = settings.rules(Resource::Lead);
    let mut errors = input.validate().err().unwrap_or_default();
    let source = clean(input.source.clone());
    let province = clean(input.province.clone());
    choices(
        &mut errors,
        &rules,
        source.as_deref(),
        province.as_deref(),
        None,
    );
    let custom = rules
        .check(read, actor.role, &input.custom, None)
        .await?
        .map_err(|e| errors.extend(e))
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    // Who decides the owner: the caller naming one (supervisors and above may name another),
    // a rep keeping their own, or the rules.
    let chosen = match input.owner_id {
        Some(o) => {
            // The owner field rule of customers: naming someone else is a supervisor's call.
            let scope = if o == actor.user_id {
                Scope::Own
            } else {
                policy::scope_of(actor, Resource::Lead, Action::Transfer).ok_or_else(|| {
                    AppError::field_forbidden(
                        "owner_id",
                        "only supervisors and above may choose the owner",
                    )
                })?
            };
            let u = customers::assignable_owner(read, actor, scope, o).await?;
            let via = if o == actor.user_id {
                AssignedVia::Creator
            } else {
                AssignedVia::Manual
            };
            Some((u, via))
        }
        None if actor.role == Role::SalesRep => user::Entity::find_by_id(actor.user_id)
            .one(read)
            .await?
            .map(|u| (u, AssignedVia::Creator)),
        None => None,
    };
    let t = now();
    let mut m = lead::Model {
        id: new_id(),
        name: input.name.trim().into(),
        company: clean(input.company),
        name_key: String::new(),
        search_key: String::new(),
        phone: clean(input.phone),
        phone_key: None,
        email: clean(input.email),
        email_key: None,
        source,
        province,
        region_id: None,
        team_id: None,
        owner_id: None,
        queue: None,
        status: LeadStatus::New.as_str().into(),
        disqualify_reason: None,
        disqualify_note: None,
        notes: clean(input.notes),
        assigned_rule_id: None,
        assigned_via: AssignedVia::Creator.as_str().into(),
        assigned_at: t,
        customer_id: None,
        contact_id: None,
        opportunity_id: None,
        converted_at: None,
        custom: field::stored(&custom),
        version: 1,
        created_by: actor.audit_id(),
        created_at: t,
        updated_at: t,
    };
    set_keys(&mut m);
    if !input.force {
        let mut found = lead_duplicates(read, actor, &m).await?;
        let probe = customers::Probe {
            name: m.company.as_deref().unwrap_or(&m.name),
            phone: m.phone.as_deref(),
            credit_code: None,
        };
        found.extend(customers::duplicates_of(read, actor, probe).await?);
        let dups = duplicate::settle(db, actor, limits, found).await?;
        if !dups.is_empty() {
            return Err(AppError::duplicates(dups));
        }
    }
    let plan = match chosen {
        Some(_) => None,
        None => Some(plan(read, &settings.lead_rules, m.province.as_deref()).await?),
    };
    let first = match &plan {
        Some(p) if chosen.is_none() && turn_first(db, p) => Some(take_turn(db, Some(p)).await?),
        _ => None,
    };
    let txn = begin_write(db).await?;
    let placement = match (chosen, first) {
        (Some((u, via)), _) => Placement {
            owner: Some((u.id, u.display_name)),
            team: u.team_id,
            region: u.region_id,
            queue: None,
            rule: None,
            via,
        },
        (None, Some(p)) => p,
        (None, None) => take_turn(&txn, plan.as_ref()).await?,
    };
    let (owner_id, owner_name) = placement.owner.clone().unzip();
    m.owner_id = owner_id;
    m.team_id = placement.team;
    m.region_id = placement.region;
    m.queue = placement.queue.clone();
    m.assigned_rule_id = placement.rule;
    m.assigned_via = placement.via.as_str().into();
    lead::Entity::insert(lead::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await?;
    rules.mark_used(&txn, &custom).await?;
    rules
        .index(&txn, Resource::Lead, m.id, &Default::default(), &custom)
        .await?;
    // The answer is the row as written (no read back): the owner's and the rule's names came
    // with the placement.
    let rule_names: HashMap<Uuid, String> = plan
        .and_then(|p| p.rule)
        .filter(|r| Some(r.0) == m.assigned_rule_id)
        .into_iter()
        .collect();
    let mut dto = to_dto(
        Row {
            lead: m.clone(),
            owner_name,
        },
        &rule_names,
    );
    if dto.owner_id != Some(actor.user_id) {
        if let Some(n) = assigned_notice(&dto, placement.via) {
            notification::send(&txn, n).await?;
        }
    }
    audit::record(
        &txn,
        actor,
        audit::Change::created(AuditAction::LeadCreate, "lead", m.id, m.id, &dto),
    )
    .await?;
    txn.commit().await?;
    dto.custom = rules.visible(actor.role, &dto.custom);
    Ok(dto)
}

fn converted() -> AppError {
    AppError::new(ErrorCode::Converted).with_detail("a converted lead is read-only")
}

/// A lead the caller may `action`, not converted.
async fn workable(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> AppResult<lead::Model> {
    let m = record::find::<lead::Entity, _>(db, actor, action, id, Condition::all()).await?;
    if m.status == LeadStatus::Converted.as_str() {
        return Err(converted());
    }
    Ok(m)
}

/// Custom values changed by an edit, for the value index.
struct Index<'a> {
    rules: &'a field::Rules,
    old: &'a CustomValues,
    new: &'a CustomValues,
}

/// Writes `next` over the lead if it is still at its version (412 otherwise), with the custom
/// value index, the new owner's notification (`notice`) and the audit row in one transaction;
/// answers the lead as it is now.
async fn save(
    conns: Conns<'_>,
    actor: &Actor,
    action: AuditAction,
    current: &lead::Model,
    next: lead::Model,
    notice: bool,
    index: Option<Index<'_>>,
) -> AppResult<Lead> {
    let (db, kept) = (conns.write, conns.rules);
    let txn = begin_write(db).await?;
    let before = read_one(&txn, current.id).await?;
    record::save_versioned::<lead::Entity, _>(&txn, next, current.id, current.version).await?;
    if let Some(i) = index {
        i.rules.mark_used(&txn, i.new).await?;
        i.rules
            .index(&txn, Resource::Lead, current.id, i.old, i.new)
            .await?;
    }
    let after = read_one(&txn, current.id).await?;
    if notice && after.owner_id != Some(actor.user_id) {
        if let Some(n) = assigned_notice(&after, AssignedVia::Manual) {
            notification::send(&txn, n).await?;
        }
    }
    let change = audit::Change::updated(action, "lead", current.id, current.id, &before, &after);
    audit::commit(txn, actor, change).await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut after = after;
    after.custom = view.show(Resource::Lead, &after.custom);
    Ok(after)
}

pub async fn update(
    conns: Conns<'_>,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: LeadUpdate,
) -> AppResult<Lead> {
    let (db, kept) = (conns.write, conns.rules);
    let current = workable(db, actor, id, Action::Update).await?;
    let settings = kept.get(db).await?;
    let lead_rules = settings.rules(Resource::Lead);
    let mut errors = input.validate().err().unwrap_or_default();
    choices(
        &mut errors,
        &lead_rules,
        input.source.value().map(String::as_str),
        input.province.value().map(String::as_str),
        Some(&current),
    );
    let previous = field::parse(current.custom.as_deref());
    let custom = if input.custom.is_empty() {
        None
    } else {
        lead_rules
            .check(db, actor.role, &input.custom, Some(&previous))
            .await?
            .map_err(|e| errors.extend(e))
            .ok()
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_version(Some(expected), current.version)?;
    let mut next = current.clone();
    if let Some(n) = &input.name {
        next.name = n.trim().into();
    }
    input
        .company
        .apply_with(&mut next.company, |v| clean(Some(v)));
    input.phone.apply_with(&mut next.phone, |v| clean(Some(v)));
    input.email.apply_with(&mut next.email, |v| clean(Some(v)));
    input
        .source
        .apply_with(&mut next.source, |v| clean(Some(v)));
    input
        .province
        .apply_with(&mut next.province, |v| clean(Some(v)));
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    if let Some(s) = input.status {
        next.status = s.as_str().into();
        // Taken up again: the old reason no longer describes it.
        next.disqualify_reason = None;
        next.disqualify_note = None;
    }
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    set_keys(&mut next);
    next.version = current.version + 1;
    next.updated_at = now();
    let index = custom.as_ref().map(|c| Index {
        rules: &lead_rules,
        old: &previous,
        new: c,
    });
    save(
        conns,
        actor,
        AuditAction::LeadUpdate,
        &current,
        next,
        false,
        index,
    )
    .await
}

/// Hands a lead to a rep (from a queue or from another rep): supervisors and above, for leads
/// and reps inside their scope. The new owner is notified.
pub async fn assign(
    conns: Conns<'_>,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: LeadAssign,
) -> AppResult<Lead> {
    let db = conns.write;
    let current = workable(db, actor, id, Action::Transfer).await?;
    check_version(expected, current.version)?;
    let scope = policy::require(actor, Resource::Lead, Action::Transfer)?;
    let owner = customers::assignable_owner(db, actor, scope, input.owner_id).await?;
    let mut next = current.clone();
    next.owner_id = Some(owner.id);
    next.team_id = owner.team_id;
    next.region_id = owner.region_id;
    next.queue = None;
    next.assigned_rule_id = None;
    next.assigned_via = AssignedVia::Manual.as_str().into();
    next.assigned_at = now();
    next.version = current.version + 1;
    next.updated_at = next.assigned_at;
    save(
        conns,
        actor,
        AuditAction::LeadAssign,
        &current,
        next,
        true,
        None,
    )
    .await
}

pub async fn disqualify(
    conns: Conns<'_>,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: Disqualify,
) -> AppResult<Lead> {
    let (db, kept) = (conns.write, conns.rules);
    let current = workable(db, actor, id, Action::Update).await?;
    check_version(expected, current.version)?;
    let rules = kept.get(db).await?.rules(Resource::Lead);
    let mut errors = input.validate().err().unwrap_or_default();
    check_choice(
        &mut errors,
        "reason",
        rules.list(builtin::DISQUALIFY_REASON),
        Some(input.reason.as_str()),
        None,
    );
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let mut next = current.clone();
    next.status = LeadStatus::Disqualified.as_str().into();
    next.disqualify_reason = Some(input.reason.trim().into());
    next.disqualify_note = clean(input.note);
    next.version = current.version + 1;
    next.updated_at = now();
    save(
        conns,
        actor,
        AuditAction::LeadDisqualify,
        &current,
        next,
        false,
        None,
    )
    .await
}

/// Converts a lead into a customer with a contact (or onto an existing customer) and optionally
/// a deal, in one transaction: the lead's row is written with its links, conditional on its
/// version, so of two conversions at once one wins and the other rolls back with 412 having
/// made nothing.
pub async fn convert(
    conns: Conns<'_>,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: LeadConvert,
    limits: &LimitSettings,
    clock: &Clock,
) -> AppResult<Converted> {
    let (db, read) = (conns.write, conns.read);
    let settings = conns.rules.get(read).await?;
    // The lead with its owner's name, in one read (the rule's name is a setting).
    let row: Row =
        record::find_with::<lead::Entity, Row, _>(read, actor, Action::Update, id, with_owner())
            .await?;
    if row.lead.status == LeadStatus::Converted.as_str() {
        return Err(converted());
    }
    let current = row.lead.clone();
    let lead_now = to_dto(row, &names_of(&settings.lead_rules));
    check_version(expected, current.version)?;
    let mut errors = input.validate().err().unwrap_or_default();
    if current.status == LeadStatus::Disqualified.as_str() {
        errors.push(FieldError::new(
            "status",
            FieldCode::NotAllowed,
            "take a disqualified lead up again before converting it",
        ));
    }
    // The customer: an existing one the caller may edit, or a new one they may create.
    let existing = match input.customer_id {
        Some(cid) => {
            let found = customer::Entity::find_by_id(cid)
                .filter(customer::Entity::in_scope(
                    actor,
                    policy::require(actor, Resource::Customer, Action::Update)?,
                ))
                .filter(customer::Column::ArchivedAt.is_null())
                .filter(customer::Column::PoolId.is_null())
                .one(read)
                .await?;
            if found.is_none() {
                errors.push(FieldError::new(
                    "customer_id",
                    FieldCode::UnknownReference,
                    "no active customer with this id that you may edit",
                ));
            }
            found
        }
        None => {
            policy::require(actor, Resource::Customer, Action::Create)?;
            None
        }
    };
    let owner = current.owner_id.unwrap_or(actor.user_id);
    let [customer_rules, contact_rules, deal_rules] =
        [Resource::Customer, Resource::Contact, Resource::Opportunity].map(|r| settings.rules(r));
    let empty = CustomValues::default();
    if existing.is_none() && input.customer_id.is_none() {
        errors.extend(
            customer_rules
                .check_nested(read, actor.role, &empty, "customer")
                .await?,
        );
    }
    errors.extend(
        contact_rules
            .check_nested(read, actor.role, &empty, "contact")
            .await?,
    );
    let stages = &settings.stages;
    let stage = match &input.opportunity {
        Some(d) => {
            policy::require(actor, Resource::Opportunity, Action::Create)?;
            errors.extend(
                deal_rules
                    .check_nested(read, actor.role, &empty, "opportunity")
                    .await?,
            );
            let s = match d.stage.as_deref() {
                Some(k) => stages.stages.iter().find(|s| s.key == k),
                None => stages
                    .stages
                    .iter()
                    .find(|s| s.active && s.outcome == Outcome::Open),
            }
            .filter(|s| s.active && s.outcome == Outcome::Open);
            if s.is_none() {
                errors.push(FieldError::new(
                    "opportunity.stage",
                    FieldCode::UnknownReference,
                    "not an active open stage of the pipeline",
                ));
            }
            s
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let customer_input = CustomerCreate {
        kind: if current.company.is_some() {
            CustomerKind::Company
        } else {
            CustomerKind::Individual
        },
        name: lead_now.customer_name().to_owned(),
        phone: current.phone.clone(),
        // A lead source that customers know too carries over.
        source: current.source.clone().filter(|s| {
            customer_rules
                .list(builtin::CUSTOMER_SOURCE)
                .is_some_and(|l| l.options.iter().any(|o| o.active && &o.key == s))
        }),
        notes: current.notes.clone(),
        ..Default::default()
    };
    if existing.is_none() && !input.force {
        let probe = customers::Probe {
            name: &customer_input.name,
            phone: customer_input.phone.as_deref(),
            credit_code: None,
        };
        let found = customers::duplicates_of(read, actor, probe).await?;
        let dups = duplicate::settle(db, actor, limits, found).await?;
        if !dups.is_empty() {
            return Err(AppError::duplicates(dups));
        }
    }
    let contact_input = ContactInput {
        name: current.name.clone(),
        phones: current.phone.clone().into_iter().collect(),
        email: current.email.clone(),
        is_primary: existing.is_none(),
        ..Default::default()
    };

    let txn = begin_write(db).await?;
    // Whoever will own what is made: their place first, read once for the customer's and the
    // deal's copies (org::owner_place).
    let deal_owner = existing.as_ref().and_then(|c| c.owner_id).unwrap_or(owner);
    let place = org::owner_place(&txn, Some(deal_owner)).await?;
    let at = now();
    let mut next = current.clone();
    next.status = LeadStatus::Converted.as_str().into();
    next.converted_at = Some(at);
    next.version = current.version + 1;
    next.updated_at = at;
    let mut trail = audit::Trail::default();
    // The lead's owner owns a new customer; their name came with the lead.
    let owner_name = current.owner_id.and(lead_now.owner_name.clone());
    let (customer_id, contact_id, deal_names) = match &existing {
        Some(c) => {
            let made =
                contact::insert(&txn, actor, &contact_rules, c.id, contact_input, &mut trail)
                    .await?;
            (c.id, made.id, None)
        }
        None => {
            let mut ci = customer_input;
            ci.contacts = vec![contact_input];
            let made = customers::insert(
                &txn,
                actor,
                &customer_rules,
                &contact_rules,
                customers::NewCustomer {
                    input: ci,
                    custom: empty.clone(),
                    owner_id: owner,
                    owner_name: owner_name.clone(),
                    place: Some(place),
                },
                clock,
                &mut trail,
            )
            .await?;
            let contact_id = made
                .contacts
                .first()
                .map(|c| c.id)
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("the contact was made")))?;
            let names = owner_name.map(|o| (made.customer.name.clone(), o));
            (made.customer.id, contact_id, names)
        }
    };
    let made_deal = match (&input.opportunity, stage) {
        (Some(d), Some(stage)) => {
            let deal = opportunity::NewDeal {
                names: deal_names,
                fresh_customer: existing.is_none(),
                customer_id,
                owner: deal_owner,
                place: Some(place),
                stage,
                input: OpportunityCreate {
                    customer_id,
                    name: d.name.clone(),
                    amount: d.amount,
                    expected_close_date: d.expected_close_date,
                    source_lead_id: Some(id),
                    ..Default::default()
                },
                custom: empty.clone(),
            };
            Some(opportunity::insert(&txn, actor, &deal_rules, deal, clock, &mut trail).await?)
        }
        _ => None,
    };
    let (opportunity_id, deal_row) = match made_deal {
        Some((dto, row)) => (Some(dto.id), Some(row)),
        None => (None, None),
    };
    // The lead, converted and linked to what it became, in one write conditional on its
    // version: of two conversions at once, the second waits here for the first's row and rolls
    // back with 412, having made nothing.
    next.customer_id = Some(customer_id);
    next.contact_id = Some(contact_id);
    next.opportunity_id = opportunity_id;
    record::save_versioned::<lead::Entity, _>(&txn, next.clone(), id, current.version).await?;
    // The answer is the lead as written, with the names read before (its owner and rule stay).
    let after = to_dto(
        Row {
            lead: next,
            owner_name: lead_now.owner_name.clone(),
        },
        &lead_now
            .assigned_rule_id
            .zip(lead_now.assigned_rule_name.clone())
            .into_iter()
            .collect(),
    );
    trail.add(audit::Change::updated(
        AuditAction::LeadConvert,
        "lead",
        id,
        id,
        &lead_now,
        &after,
    ));
    trail.write(&txn, actor).await?;
    // Last: the owner's board totals row is shared by all their deals.
    match &deal_row {
        Some(row) => deal_totals::commit(txn, None, Some(row)).await?,
        None => txn.commit().await?,
    }
    let mut after = after;
    after.custom = settings
        .view(actor.role)
        .show(Resource::Lead, &after.custom);
    Ok(Converted {
        lead: after,
        customer_id,
        contact_id,
        opportunity_id,
    })
}

// ---- assignment rules ----

async fn rule_dtos<C: ConnectionTrait>(
    db: &C,
    rows: Vec<lead_rule::Model>,
) -> AppResult<Vec<LeadRule>> {
    let names = record::names::<team::Entity, _>(
        db,
        rows.iter().filter_map(|r| r.team_id),
        team::Column::Id,
        team::Column::Name,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = r.team_id.and_then(|t| names.get(&t).cloned());
            rule_dto(r, n)
        })
        .collect())
}

/// The assignment rules in evaluation order (admins see every one; regional managers their
/// region's, and may read the others' order only through where leads land).
pub async fn rules(db: &DatabaseConnection, actor: &Actor) -> AppResult<Vec<LeadRule>> {
    let scope = policy::require(actor, Resource::Lead, Action::Manage)?;
    let rows = lead_rule::Entity::find()
        .filter(lead_rule::Entity::in_scope(actor, scope))
        .order_by_asc(lead_rule::Column::Position)
        .order_by_asc(lead_rule::Column::Id)
        .all(db)
        .await?;
    rule_dtos(db, rows).await
}

/// Checks a rule: its team inside the caller's scope, its provinces and queue from their lists.
async fn check_rule(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: Scope,
    input: &LeadRuleInput,
) -> AppResult<()> {
    let mut errors = input.validate().err().unwrap_or_default();
    let lists = field::Rules::load(db, Resource::Lead).await?;
    for (i, p) in input.provinces.iter().enumerate() {
        check_choice(
            &mut errors,
            &format!("provinces[{i}]"),
            lists.list(PROVINCE_LIST),
            Some(p.as_str()),
            None,
        );
    }
    check_choice(
        &mut errors,
        "queue",
        lists.list(QUEUE_LIST),
        input.queue.as_deref(),
        None,
    );
    if let Some(t) = input.team_id {
        let team = team::Entity::find_by_id(t).one(db).await?;
        let inside =
            team.is_some_and(|t| scope == Scope::All || Some(t.region_id) == actor.region_id);
        if !inside {
            errors.push(FieldError::new(
                "team_id",
                FieldCode::UnknownReference,
                "no team with this id inside your scope",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::validation(errors))
    }
}

fn rule_model(input: LeadRuleInput, mut m: lead_rule::Model) -> lead_rule::Model {
    let mut provinces: Vec<String> = input
        .provinces
        .into_iter()
        .map(|p| p.trim().into())
        .collect();
    provinces.sort();
    provinces.dedup();
    m.name = input.name.trim().into();
    m.position = input.position;
    m.provinces = Some(serde_json::to_string(&provinces).unwrap_or_else(|_| "[]".into()));
    m.team_id = input.team_id;
    m.queue = clean(input.queue);
    m.open_lead_cap = input.open_lead_cap.map(|c| c as i32);
    m.active = input.active;
    m
}

pub async fn create_rule(
    db: &DatabaseConnection,
    actor: &Actor,
    input: LeadRuleInput,
) -> AppResult<LeadRule> {
    let scope = policy::require(actor, Resource::Lead, Action::Manage)?;
    check_rule(db, actor, scope, &input).await?;
    let t = now();
    let m = rule_model(
        input,
        lead_rule::Model {
            id: new_id(),
            name: String::new(),
            position: 0,
            // A regional manager's rule is their region's; an admin's is the company's.
            region_id: if scope == Scope::All {
                None
            } else {
                actor.region_id
            },
            provinces: None,
            team_id: None,
            queue: None,
            open_lead_cap: None,
            active: true,
            version: 1,
            created_by: actor.audit_id(),
            created_at: t,
            updated_at: t,
        },
    );
    let txn = begin_write(db).await?;
    lead_rule::Entity::insert(lead_rule::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await?;
    rules_cache::bump(&txn).await?;
    let dto = rule_dtos(&txn, vec![m.clone()]).await?.remove(0);
    audit::record(
        &txn,
        actor,
        audit::Change::created(AuditAction::LeadRuleCreate, "lead_rule", m.id, m.id, &dto),
    )
    .await?;
    txn.commit().await?;
    Ok(dto)
}

async fn rule_in_scope(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> AppResult<(Scope, lead_rule::Model)> {
    let m = record::find::<lead_rule::Entity, _>(db, actor, Action::Manage, id, Condition::all())
        .await?;
    Ok((policy::require(actor, Resource::Lead, Action::Manage)?, m))
}

pub async fn update_rule(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: LeadRuleInput,
) -> AppResult<LeadRule> {
    let (scope, current) = rule_in_scope(db, actor, id).await?;
    check_rule(db, actor, scope, &input).await?;
    check_version(Some(expected), current.version)?;
    let mut next = rule_model(input, current.clone());
    next.version = current.version + 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    let before = rule_dtos(&txn, vec![current.clone()]).await?.remove(0);
    let res = lead_rule::Entity::update_many()
        .set(lead_rule::ActiveModel {
            name: Set(next.name.clone()),
            position: Set(next.position),
            provinces: Set(next.provinces.clone()),
            team_id: Set(next.team_id),
            queue: Set(next.queue.clone()),
            open_lead_cap: Set(next.open_lead_cap),
            active: Set(next.active),
            version: Set(next.version),
            updated_at: Set(next.updated_at),
            ..Default::default()
        })
        .filter(lead_rule::Column::Id.eq(id))
        .filter(lead_rule::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale());
    }
    rules_cache::bump(&txn).await?;
    let after = rule_dtos(&txn, vec![next]).await?.remove(0);
    let change = audit::Change::updated(
        AuditAction::LeadRuleUpdate,
        "lead_rule",
        id,
        id,
        &before,
        &after,
    );
    audit::commit(txn, actor, change).await?;
    Ok(after)
}

/// Deletes a rule (leads it placed keep its id; their history names it).
pub async fn delete_rule(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
) -> AppResult<()> {
    let (_, current) = rule_in_scope(db, actor, id).await?;
    check_version(expected, current.version)?;
    let txn = begin_write(db).await?;
    let before = rule_dtos(&txn, vec![current.clone()]).await?.remove(0);
    let res = lead_rule::Entity::delete_many()
        .filter(lead_rule::Column::Id.eq(id))
        .filter(lead_rule::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale());
    }
    rules_cache::bump(&txn).await?;
    let change = audit::Change {
        action: AuditAction::LeadRuleDelete,
        entity: "lead_rule",
        entity_id: id,
        subject_id: id,
        before: Some(serde_json::to_value(&before).unwrap_or_default()),
        after: None,
    };
    audit::commit(txn, actor, change).await?;
    Ok(())
}
