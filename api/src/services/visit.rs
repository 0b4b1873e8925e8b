//! Visits (拜访): planned for a day or logged on the spot, checked in where and when the server
//! says, checked out, recorded (contacts met, notes, outcome, next step and follow-up date), and
//! the visits' settings (the check-in radius, the map's tiles).
//!
//! A check-in is a follow-up of the customer: in its transaction it restarts the customer's
//! public-pool reclaim clock and the linked deal's stale clock (both forward only). Its time is
//! the server's clock; the phone's own clock is kept beside it only for check-ins sent late from
//! the offline queue.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kaidan_shared::audit::{AuditAction, AuditEntry, HistoryQuery};
use kaidan_shared::geo::LatLng;
use kaidan_shared::opportunity::StageMove;
use kaidan_shared::option_list::{builtin, check_choice};
use kaidan_shared::page::Page;
use kaidan_shared::pool::LOCAL_OFFSET_SECS;
use kaidan_shared::visit::{
    assess_check_in, device_at_errors, visit_duration_s, CheckIn, CheckInAssessment, CheckInFlag,
    CheckInRecord, CheckOut, RepVisitStats, Visit, VisitCreate, VisitListQuery, VisitSettings,
    VisitSettingsInput, VisitStats, VisitStatsQuery, VisitStatus, VisitUpdate, DEFAULT_RADIUS_M,
};
use kaidan_shared::{Action, ErrorCode, FieldCode, FieldError, Resource, Scope};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, PaginatorTrait, QueryFilter, QuerySelect, RelationTrait, Select,
};
use uuid::Uuid;

use crate::auth::policy::{self, Scoped};
use crate::auth::Actor;
use crate::clock::Clock;
use crate::entities::{contact, customer, user, visit, visit_settings};
use crate::error::{AppError, AppResult};
use crate::services::field_plan::PlanCache;
use crate::services::record::{self, KeyKind, Keyset};
use crate::services::rules_cache::RulesCache;
use crate::services::{
    audit, begin_write, check_version, field, follow_up, new_id, now, opportunity as deal, org,
    page_limit, stale,
};
use crate::services::{clean, micros};

// ---- reading ----

#[derive(Debug, FromQueryResult)]
pub struct Row {
    #[sea_orm(nested)]
    pub visit: visit::Model,
    pub owner_name: Option<String>,
    pub customer_name: Option<String>,
    pub customer_lat: Option<f64>,
    pub customer_lng: Option<f64>,
}

fn with_names() -> Select<visit::Entity> {
    visit::Entity::find()
        .column_as(
            Expr::col((user::Entity, user::Column::DisplayName)),
            "owner_name",
        )
        .column_as(
            Expr::col((customer::Entity, customer::Column::Name)),
            "customer_name",
        )
        .column_as(
            Expr::col((customer::Entity, customer::Column::Lat)),
            "customer_lat",
        )
        .column_as(
            Expr::col((customer::Entity, customer::Column::Lng)),
            "customer_lng",
        )
        .join(JoinType::LeftJoin, visit::Relation::Owner.def())
        .join(JoinType::InnerJoin, visit::Relation::Customer.def())
}

fn flags_of(stored: Option<&str>) -> Vec<CheckInFlag> {
    stored
        .unwrap_or_default()
        .split(',')
        .filter_map(|f| serde_json::from_value(serde_json::Value::String(f.into())).ok())
        .collect()
}

fn flags_stored(flags: &[CheckInFlag]) -> Option<String> {
    let names: Vec<String> = flags
        .iter()
        .filter_map(|f| serde_json::to_value(f).ok())
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    (!names.is_empty()).then(|| names.join(","))
}

fn contact_ids_of(stored: Option<&str>) -> Vec<Uuid> {
    stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

pub fn to_dto(r: Row) -> Visit {
    let m = r.visit;
    let check_in = match (m.check_in_at, m.check_in_lat, m.check_in_lng) {
        (Some(at), Some(lat), Some(lng)) => Some(CheckInRecord {
            at,
            lat,
            lng,
            accuracy_m: m.check_in_accuracy_m.unwrap_or_default(),
            assessment: CheckInAssessment {
                distance_m: m.check_in_distance_m.and_then(|d| u32::try_from(d).ok()),
                flags: flags_of(m.check_in_flags.as_deref()),
            },
            radius_m: u32::try_from(m.check_in_radius_m.unwrap_or_default()).unwrap_or(0),
            device_at: m.check_in_device_at,
        }),
        _ => None,
    };
    Visit {
        id: m.id,
        customer_id: m.customer_id,
        customer_name: r.customer_name,
        customer_lat: r.customer_lat,
        customer_lng: r.customer_lng,
        opportunity_id: m.opportunity_id,
        owner_id: m.owner_id,
        owner_name: r.owner_name,
        purpose: m.purpose,
        planned_at: m.planned_at,
        status: VisitStatus::parse(&m.status).unwrap_or(VisitStatus::Planned),
        visit_at: m.visit_at,
        check_in,
        check_out_at: m.check_out_at,
        duration_s: m.duration_s.and_then(|d| u32::try_from(d).ok()),
        contact_ids: contact_ids_of(m.contact_ids.as_deref()),
        notes: m.notes,
        outcome: m.outcome,
        next_step: m.next_step,
        next_follow_up_on: m.next_follow_up_on,
        custom: field::parse(m.custom.as_deref()),
        archived: m.archived_at.is_some(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

async fn read_one<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Visit> {
    let r: Row = with_names()
        .filter(visit::Column::Id.eq(id))
        .into_model()
        .one(db)
        .await?
        .ok_or_else(stale)?;
    Ok(to_dto(r))
}

/// The UTC bounds of a company-time day (dates are checked to 2000–2099 before they get here;
/// arithmetic that would leave chrono's range saturates instead of panicking).
fn day_bounds(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let start = midnight
        .checked_sub_signed(Duration::seconds(i64::from(LOCAL_OFFSET_SECS)))
        .unwrap_or(midnight);
    let end = start.checked_add_signed(Duration::days(1)).unwrap_or(start);
    (start, end)
}

/// Visits in the caller's scope: a day's earliest first (`day`), otherwise newest first; by a
/// custom field when asked. A rep's day reads their own index, a supervisor's team day the
/// team's (the visits' copy of the owner's team, each owner still checked), a customer's
/// timeline the customer's.
pub async fn list(
    db: &DatabaseConnection,
    kept: &RulesCache,
    plans: &PlanCache,
    actor: &Actor,
    q: VisitListQuery,
) -> AppResult<Page<Visit>> {
    let scope = policy::require(actor, Resource::Visit, Action::Read)?;
    q.validate().map_err(AppError::validation)?;
    let limit = page_limit(q.limit)?;
    let view = field::View::load(db, kept, actor).await?;
    let mut sel = with_names()
        .filter(policy::owned_in_scope_probed(
            actor,
            scope,
            visit::Column::OwnerId,
        ))
        .filter(visit::Column::ArchivedAt.is_null());
    if let Some(o) = q.owner_id {
        sel = sel.filter(visit::Column::OwnerId.eq(o));
    } else if let (Scope::Team, Some(t), None) = (scope, actor.team_id, q.customer_id) {
        sel = sel.filter(visit::Column::OwnerTeamId.eq(t));
    }
    if let Some(c) = q.customer_id {
        sel = sel.filter(visit::Column::CustomerId.eq(c));
    }
    if let Some(s) = q.status {
        sel = sel.filter(visit::Column::Status.eq(s.as_str()));
    }
    if let Some(day) = q.day {
        let (start, end) = day_bounds(day);
        sel = sel
            .filter(visit::Column::VisitAt.gte(start))
            .filter(visit::Column::VisitAt.lt(end));
    }
    if let Some(f) = q.flagged {
        sel = sel.filter(visit::Column::Flagged.eq(f));
    }
    let sel = view
        .filter_list(
            db,
            plans,
            Resource::Visit,
            sel,
            visit::Column::Id,
            q.custom.as_deref(),
        )
        .await?;
    let keyset = Keyset {
        name: if q.day.is_some() { "at_asc" } else { "at_desc" },
        column: Some((visit::Column::VisitAt, KeyKind::Time)),
        id: visit::Column::Id,
        descending: q.day.is_none(),
    };
    let page = view
        .page(
            db,
            Resource::Visit,
            sel,
            keyset,
            q.custom_sort.as_deref(),
            (q.cursor.as_deref(), limit),
            |r: &Row| (r.visit.visit_at.to_rfc3339(), r.visit.id),
        )
        .await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| {
                let mut v = to_dto(r);
                v.custom = view.show(Resource::Visit, &v.custom);
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
) -> AppResult<Visit> {
    let row: Row =
        record::find_with::<visit::Entity, Row, _>(db, actor, Action::Read, id, with_names())
            .await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut v = to_dto(row);
    v.custom = view.show(Resource::Visit, &v.custom);
    Ok(v)
}

pub async fn history(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    q: HistoryQuery,
) -> AppResult<Page<AuditEntry>> {
    audit::history_of::<visit::Entity>(db, kept, actor, id, q).await
}

// ---- checks shared by the writes ----

/// Contacts of the visit's customer, all of them current, or a field error.
async fn check_contacts<C: ConnectionTrait>(
    db: &C,
    customer_id: Uuid,
    ids: &[Uuid],
    errors: &mut Vec<FieldError>,
) -> AppResult<Vec<Uuid>> {
    let mut unique: Vec<Uuid> = Vec::with_capacity(ids.len());
    for id in ids {
        if !unique.contains(id) {
            unique.push(*id);
        }
    }
    if unique.is_empty() {
        return Ok(unique);
    }
    let found = contact::Entity::find()
        .filter(contact::Column::Id.is_in(unique.clone()))
        .filter(contact::Column::CustomerId.eq(customer_id))
        .filter(contact::Column::ArchivedAt.is_null())
        .count(db)
        .await?;
    if found != unique.len() as u64 {
        errors.push(FieldError::new(
            "contact_ids",
            FieldCode::UnknownReference,
            "every contact must be a current contact of the visit's customer",
        ));
    }
    Ok(unique)
}

fn bad_state(detail: &str) -> AppError {
    AppError::new(ErrorCode::Conflict).with_detail(detail.to_owned())
}

// ---- writes ----

/// Plans a visit (`planned_at`) or logs one on the spot, at a customer the caller may reach,
/// for the caller or (supervisors and above) for one of their people.
pub async fn create(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    input: VisitCreate,
    clock: &Clock,
) -> AppResult<Visit> {
    let scope = policy::require(actor, Resource::Visit, Action::Create)?;
    let rules = kept.get(db).await?.rules(Resource::Visit);
    let mut errors = input.validate(clock.now()).err().unwrap_or_default();
    let custom = match rules.check(db, actor.role, &input.custom, None).await? {
        Ok(c) => Some(c),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
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
        Resource::Visit,
        input.owner_id,
        "only supervisors and above plan visits for others",
    )
    .await?;
    let t = now();
    let at = clock.now();
    let txn = begin_write(db).await?;
    let place = org::owner_place(&txn, Some(owner)).await?;
    let m = visit::Model {
        id: input.id.unwrap_or_else(new_id),
        customer_id: cust.id,
        opportunity_id: input.opportunity_id,
        owner_id: Some(owner),
        owner_team_id: place.team_id,
        purpose: clean(input.purpose),
        planned_at: input.planned_at.map(micros),
        visit_at: input.planned_at.map(micros).unwrap_or(at),
        status: VisitStatus::Planned.as_str().into(),
        check_in_at: None,
        check_in_lat: None,
        check_in_lng: None,
        check_in_accuracy_m: None,
        check_in_distance_m: None,
        check_in_flags: None,
        check_in_radius_m: None,
        flagged: false,
        check_in_device_at: None,
        check_out_at: None,
        duration_s: None,
        contact_ids: None,
        notes: None,
        outcome: None,
        next_step: None,
        next_follow_up_on: None,
        custom: field::stored(&custom),
        archived_at: None,
        version: 1,
        created_by: actor.audit_id(),
        created_at: t,
        updated_at: t,
    };
    visit::Entity::insert(visit::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| {
            if crate::services::is_unique_violation(&e) {
                AppError::new(ErrorCode::Conflict).with_detail("a visit with this id exists")
            } else {
                e.into()
            }
        })?;
    rules.mark_used(&txn, &custom).await?;
    rules
        .index(&txn, Resource::Visit, m.id, &Default::default(), &custom)
        .await?;
    let mut dto = read_one(&txn, m.id).await?;
    let change = audit::Change::created(AuditAction::VisitCreate, "visit", m.id, m.id, &dto);
    audit::commit(txn, actor, change).await?;
    dto.custom = rules.visible(actor.role, &dto.custom);
    Ok(dto)
}

/// Writes what the rep recorded. A stage for the linked deal moves the deal first, by the
/// pipeline's rules and under the deal's own permission (its own transaction, history and audit
/// row); a refused move leaves the visit as it was.
#[allow(clippy::too_many_arguments)]
pub async fn update(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: i64,
    input: VisitUpdate,
    clock: &Clock,
) -> AppResult<Visit> {
    let current =
        record::find::<visit::Entity, _>(db, actor, Action::Update, id, Condition::all()).await?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    if current.status == VisitStatus::Cancelled.as_str() {
        return Err(bad_state("the visit was cancelled"));
    }
    let settings = kept.get(db).await?;
    let rules = settings.rules(Resource::Visit);
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
        "outcome",
        rules.list(builtin::VISIT_OUTCOME),
        input.outcome.value().map(String::as_str),
        current.outcome.as_deref(),
    );
    if let Some(d) = input.opportunity_id.value() {
        if Some(*d) != current.opportunity_id {
            deal::check_deal_of(db, actor, current.customer_id, *d, &mut errors).await?;
        }
    }
    let contacts = match &input.contact_ids {
        Some(ids) => Some(check_contacts(db, current.customer_id, ids, &mut errors).await?),
        None => None,
    };
    let mut next = current.clone();
    input
        .opportunity_id
        .apply_with(&mut next.opportunity_id, Some);
    if input.opportunity_stage.is_some() && next.opportunity_id.is_none() {
        errors.push(FieldError::new(
            "opportunity_stage",
            FieldCode::NotAllowed,
            "the visit has no deal to move",
        ));
    }
    if input.planned_at.value().is_some() && current.status != VisitStatus::Planned.as_str() {
        errors.push(FieldError::new(
            "planned_at",
            FieldCode::NotAllowed,
            "only a planned visit can be moved to another time",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    check_version(Some(expected), current.version)?;
    let mut moved = match (input.opportunity_stage.clone(), next.opportunity_id) {
        (Some(stage), Some(d)) => {
            deal::plan_move(
                db,
                kept,
                actor,
                d,
                None,
                StageMove {
                    stage,
                    lost_reason: None,
                    lost_note: None,
                },
                clock,
            )
            .await?
        }
        _ => None,
    };
    let before = read_one(db, id).await?;
    if let Some(c) = &custom {
        next.custom = field::stored(c);
    }
    input
        .purpose
        .apply_with(&mut next.purpose, |v| clean(Some(v)));
    input
        .planned_at
        .apply_with(&mut next.planned_at, |t| Some(micros(t)));
    if current.status == VisitStatus::Planned.as_str() {
        if let Some(p) = next.planned_at {
            next.visit_at = p;
        }
    }
    if let Some(c) = &contacts {
        next.contact_ids = (!c.is_empty()).then(|| serde_json::json!(c).to_string());
    }
    input.notes.apply_with(&mut next.notes, |v| clean(Some(v)));
    input
        .outcome
        .apply_with(&mut next.outcome, |v| clean(Some(v)));
    input
        .next_step
        .apply_with(&mut next.next_step, |v| clean(Some(v)));
    input
        .next_follow_up_on
        .apply_with(&mut next.next_follow_up_on, Some);
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    // The owners' places first (the visit's and the deal's, in id order: org::owner_place), then
    // the records in the order every write takes them: visit, task, deal, customer.
    let mut owners: Vec<Uuid> = next
        .owner_id
        .into_iter()
        .chain(moved.as_ref().and_then(|m| m.owner_id()))
        .collect();
    owners.sort();
    owners.dedup();
    let mut teams = std::collections::HashMap::new();
    for o in owners {
        teams.insert(o, owner_team(&txn, Some(o)).await?);
    }
    let team_of = |o: Option<Uuid>| o.and_then(|o| teams.get(&o).copied().flatten());
    next.owner_team_id = team_of(next.owner_id);
    if let Some(m) = moved.as_mut() {
        m.set_owner_team(team_of(m.owner_id()));
    }
    record::save_versioned::<visit::Entity, _>(&txn, next.clone(), id, expected).await?;
    if let Some(c) = &custom {
        rules.mark_used(&txn, c).await?;
        rules.index(&txn, Resource::Visit, id, &previous, c).await?;
    }
    let mut after = read_one(&txn, id).await?;
    let mut trail = audit::Trail::default();
    trail.add(audit::Change::updated(
        AuditAction::VisitUpdate,
        "visit",
        id,
        id,
        &before,
        &after,
    ));
    if next.next_follow_up_on != current.next_follow_up_on {
        let kind = rules
            .list(builtin::FOLLOWUP_TYPE)
            .and_then(|l| {
                l.options
                    .iter()
                    .filter(|o| o.active)
                    .find(|o| o.key == "visit")
                    .or_else(|| l.options.iter().find(|o| o.active))
            })
            .map(|o| o.key.clone());
        let title: String = next
            .next_step
            .clone()
            .unwrap_or_else(|| format!("回访 {}", after.customer_name.as_deref().unwrap_or("")))
            .chars()
            .take(200)
            .collect();
        follow_up::follow_visit(&txn, actor, &mut trail, &next, kind, title, clock.now()).await?;
    }
    if let Some(m) = moved.as_mut() {
        deal::write_move(&txn, actor, m, AuditAction::OpportunityStage, None).await?;
    }
    match &moved {
        Some(m) => {
            trail.write(&txn, actor).await?;
            deal::finish_move(txn, m).await?;
        }
        None => trail.commit(txn, actor).await?,
    }
    after.custom = rules.visible(actor.role, &after.custom);
    Ok(after)
}

/// The team of a visit's owner for the visit's copy of it, read share-locked first in the
/// write's transaction (`org::owner_place` says why): a rep moved to another team meanwhile
/// takes this visit along instead of leaving it on the old team's day.
async fn owner_team(txn: &DatabaseTransaction, owner: Option<Uuid>) -> AppResult<Option<Uuid>> {
    Ok(org::owner_place(txn, owner).await?.team_id)
}

/// The radius (and tiles) as set, or the defaults before anyone set them.
pub async fn load_settings<C: ConnectionTrait>(db: &C) -> AppResult<VisitSettings> {
    Ok(match visit_settings::Entity::find_by_id(1).one(db).await? {
        Some(m) => VisitSettings {
            radius_m: u32::try_from(m.radius_m).unwrap_or(0),
            tile_url: m.tile_url,
            tile_gcj02: m.tile_gcj02,
            tile_attribution: m.tile_attribution,
            version: m.version,
        },
        None => VisitSettings {
            radius_m: DEFAULT_RADIUS_M,
            tile_url: None,
            tile_gcj02: false,
            tile_attribution: None,
            version: 0,
        },
    })
}

/// A visit's owner, or whoever planned it (a supervisor sending a colleague), must still reach
/// its customer: one transferred away, pooled or archived since takes no check-in
/// (`customer_moved`), so a check-in sent late from the offline queue is never recorded against
/// someone else's customer.
async fn still_reached<C: ConnectionTrait>(
    db: &C,
    v: &visit::Model,
    cust: &customer::Model,
) -> AppResult<()> {
    use crate::services::customer::user_reaches;
    if user_reaches(db, v.owner_id, cust).await?
        || (v.created_by != v.owner_id && user_reaches(db, v.created_by, cust).await?)
    {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::CustomerMoved))
    }
}

/// Checks a planned visit in where the phone is, at the server's time: judged against the
/// customer's location and the radius; the customer's missing location taken from it when asked
/// (by a role that may edit the customer, audited as the customer's change); the customer's
/// reclaim clock and the deal's stale clock restarted.
pub async fn check_in(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: CheckIn,
    clock: &Clock,
) -> AppResult<Visit> {
    let current =
        record::find::<visit::Entity, _>(db, actor, Action::Update, id, Condition::all()).await?;
    input.validate().map_err(AppError::validation)?;
    device_at_errors("device_at", input.device_at, clock.now()).map_err(AppError::validation)?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    check_version(expected, current.version)?;
    if current.status != VisitStatus::Planned.as_str() {
        return Err(bad_state("only a planned visit can be checked in"));
    }
    let settings = load_settings(db).await?;
    let cust = customer::Entity::find_by_id(current.customer_id)
        .one(db)
        .await?
        .ok_or_else(stale)?;
    still_reached(db, &current, &cust).await?;
    let stored = match (cust.lat, cust.lng) {
        (Some(lat), Some(lng)) => Some(LatLng::new(lat, lng)),
        _ => None,
    };
    let locate = input.set_customer_location
        && stored.is_none()
        && input.accuracy_m <= kaidan_shared::visit::LOCATE_MAX_ACCURACY_M;
    if locate {
        // The customer's own edit permission, not the visit's.
        record::find::<customer::Entity, _>(
            db,
            actor,
            Action::Update,
            cust.id,
            Condition::all().add(customer::Column::ArchivedAt.is_null()),
        )
        .await
        .map_err(|_| {
            AppError::field_forbidden(
                "set_customer_location",
                "you may not change this customer's location",
            )
        })?;
    }
    let at = clock.now();
    let assessment = assess_check_in(stored, input.at(), input.accuracy_m, settings.radius_m);
    let before = read_one(db, id).await?;
    let mut next = current.clone();
    next.status = VisitStatus::CheckedIn.as_str().into();
    next.check_in_at = Some(at);
    next.check_in_lat = Some(input.lat);
    next.check_in_lng = Some(input.lng);
    next.check_in_accuracy_m = Some(input.accuracy_m);
    next.check_in_distance_m = assessment
        .distance_m
        .map(|d| i32::try_from(d).unwrap_or(i32::MAX));
    next.check_in_flags = flags_stored(&assessment.flags);
    next.check_in_radius_m = Some(settings.radius_m as i32);
    next.flagged = assessment.flagged();
    next.check_in_device_at = input.device_at.map(micros);
    if current.planned_at.is_none() {
        next.visit_at = at;
    }
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    next.owner_team_id = owner_team(&txn, next.owner_id).await?;
    // Checked again in the transaction, so a transfer committed since the first look counts.
    let fresh = customer::Entity::find_by_id(cust.id)
        .one(&txn)
        .await?
        .ok_or_else(stale)?;
    still_reached(&txn, &current, &fresh).await?;
    record::save_versioned::<visit::Entity, _>(&txn, next.clone(), id, current.version).await?;
    // The records in the order every write takes them: visit, deal, customer.
    if let Some(d) = current.opportunity_id {
        deal::touch_activity(&txn, d, at).await?;
    }
    let mut changes = Vec::new();
    if locate {
        let c_before = serde_json::json!({ "lat": null, "lng": null });
        let t = now();
        let res = customer::Entity::update_many()
            .col_expr(customer::Column::Lat, Expr::value(Some(input.lat)))
            .col_expr(customer::Column::Lng, Expr::value(Some(input.lng)))
            .col_expr(
                customer::Column::Version,
                Expr::col(customer::Column::Version).add(1),
            )
            .col_expr(customer::Column::UpdatedAt, Expr::value(t))
            .filter(customer::Column::Id.eq(cust.id))
            .filter(customer::Column::Lat.is_null())
            .exec(&txn)
            .await?;
        if res.rows_affected == 1 {
            let c_after = serde_json::json!({ "lat": input.lat, "lng": input.lng, "visit_id": id });
            changes.push(audit::Change::updated(
                AuditAction::CustomerLocate,
                "customer",
                cust.id,
                cust.id,
                &c_before,
                &c_after,
            ));
        }
    }
    deal::touch_customer(&txn, cust.id, at).await?;
    let after = read_one(&txn, id).await?;
    changes.push(audit::Change::updated(
        AuditAction::VisitCheckIn,
        "visit",
        id,
        id,
        &before,
        &after,
    ));
    let mut trail = audit::Trail::default();
    for c in changes {
        trail.add(c);
    }
    trail.commit(txn, actor).await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut after = after;
    after.custom = view.show(Resource::Visit, &after.custom);
    Ok(after)
}

/// Checks a visit out at the server's time; its duration is kept.
pub async fn check_out(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
    input: CheckOut,
    clock: &Clock,
) -> AppResult<Visit> {
    input.validate().map_err(AppError::validation)?;
    device_at_errors("device_at", input.device_at, clock.now()).map_err(AppError::validation)?;
    let current =
        record::find::<visit::Entity, _>(db, actor, Action::Update, id, Condition::all()).await?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    check_version(expected, current.version)?;
    let Some(check_in_at) = current
        .check_in_at
        .filter(|_| current.status == VisitStatus::CheckedIn.as_str())
    else {
        return Err(bad_state("only a checked-in visit can be checked out"));
    };
    let at = clock.now();
    let mut next = current.clone();
    next.status = VisitStatus::Done.as_str().into();
    next.check_out_at = Some(at);
    let d = visit_duration_s(
        check_in_at,
        current.check_in_device_at,
        at,
        input.device_at.map(micros),
    );
    next.duration_s = Some(i32::try_from(d).unwrap_or(i32::MAX));
    next.version += 1;
    next.updated_at = now();
    transition(db, kept, actor, current, next, AuditAction::VisitCheckOut).await
}

/// Calls off a planned visit.
pub async fn cancel(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: Option<i64>,
) -> AppResult<Visit> {
    let current =
        record::find::<visit::Entity, _>(db, actor, Action::Update, id, Condition::all()).await?;
    if current.archived_at.is_some() {
        return Err(AppError::new(ErrorCode::Archived));
    }
    check_version(expected, current.version)?;
    if current.status != VisitStatus::Planned.as_str() {
        return Err(bad_state("only a planned visit can be cancelled"));
    }
    let mut next = current.clone();
    next.status = VisitStatus::Cancelled.as_str().into();
    next.version += 1;
    next.updated_at = now();
    transition(db, kept, actor, current, next, AuditAction::VisitCancel).await
}

/// Archives a visit (it leaves the lists; its history stays).
pub async fn archive(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    id: Uuid,
    expected: i64,
) -> AppResult<Visit> {
    let current =
        record::find::<visit::Entity, _>(db, actor, Action::Archive, id, Condition::all()).await?;
    check_version(Some(expected), current.version)?;
    if current.archived_at.is_some() {
        return get(db, kept, actor, id).await;
    }
    let mut next = current.clone();
    next.archived_at = Some(now());
    next.version += 1;
    next.updated_at = now();
    transition(db, kept, actor, current, next, AuditAction::VisitArchive).await
}

/// Saves a status change read and checked by the caller, with its audit row.
async fn transition(
    db: &DatabaseConnection,
    kept: &RulesCache,
    actor: &Actor,
    current: visit::Model,
    next: visit::Model,
    action: AuditAction,
) -> AppResult<Visit> {
    let id = current.id;
    let before = read_one(db, id).await?;
    let txn = begin_write(db).await?;
    let mut next = next;
    next.owner_team_id = owner_team(&txn, next.owner_id).await?;
    record::save_versioned::<visit::Entity, _>(&txn, next, id, current.version).await?;
    let after = read_one(&txn, id).await?;
    audit::commit(
        txn,
        actor,
        audit::Change::updated(action, "visit", id, id, &before, &after),
    )
    .await?;
    let view = field::View::load(db, kept, actor).await?;
    let mut after = after;
    after.custom = view.show(Resource::Visit, &after.custom);
    Ok(after)
}

// ---- the supervisors' report ----

/// The most visits one report reads (a month of a large company's; narrow by team beyond it).
const STATS_ROWS: u64 = 200_000;

/// Visits per rep per day over up to 31 days, in the caller's scope (or one team of it).
pub async fn stats(
    db: &DatabaseConnection,
    actor: &Actor,
    q: VisitStatsQuery,
) -> AppResult<VisitStats> {
    let scope = policy::require(actor, Resource::Visit, Action::Read)?;
    q.validate().map_err(AppError::validation)?;
    let days = q.days();
    let (start, _) = day_bounds(q.from);
    let end = start
        .checked_add_signed(Duration::days(i64::from(days)))
        .unwrap_or(start);
    let mut sel = visit::Entity::find()
        .select_only()
        .column(visit::Column::OwnerId)
        .column(visit::Column::Status)
        .column(visit::Column::Flagged)
        .column(visit::Column::VisitAt)
        .filter(visit::Entity::in_scope(actor, scope))
        .filter(visit::Column::ArchivedAt.is_null())
        .filter(visit::Column::VisitAt.gte(start))
        .filter(visit::Column::VisitAt.lt(end))
        .filter(visit::Column::OwnerId.is_not_null());
    if let Some(t) = q.team_id {
        sel = sel.filter(
            visit::Column::OwnerId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(user::Column::Id)
                    .from(user::Entity)
                    .and_where(user::Column::TeamId.eq(t))
                    .to_owned(),
            ),
        );
    }
    let rows: Vec<(Option<Uuid>, String, bool, DateTime<Utc>)> =
        sel.limit(STATS_ROWS + 1).into_tuple().all(db).await?;
    if rows.len() as u64 > STATS_ROWS {
        return Err(AppError::field(
            "days",
            FieldCode::OutOfRange,
            "too many visits for one report: pick fewer days or one team",
        ));
    }
    let mut by_owner: std::collections::HashMap<Uuid, RepVisitStats> = Default::default();
    for (owner, status, flagged, at) in rows {
        let Some(owner) = owner else { continue };
        let r = by_owner.entry(owner).or_insert_with(|| RepVisitStats {
            owner_id: owner,
            owner_name: None,
            done_per_day: vec![0; usize::from(days)],
            done: 0,
            checked_in: 0,
            planned: 0,
            cancelled: 0,
            flagged: 0,
        });
        match VisitStatus::parse(&status) {
            Some(VisitStatus::Done) => {
                r.done += 1;
                let day = usize::try_from((at - start).num_days()).unwrap_or(0);
                if let Some(d) = r.done_per_day.get_mut(day) {
                    *d += 1;
                }
            }
            Some(VisitStatus::CheckedIn) => r.checked_in += 1,
            Some(VisitStatus::Planned) | None => r.planned += 1,
            Some(VisitStatus::Cancelled) => r.cancelled += 1,
        }
        r.flagged += u32::from(flagged);
    }
    let names = record::names::<user::Entity, _>(
        db,
        by_owner.keys().copied(),
        user::Column::Id,
        user::Column::DisplayName,
    )
    .await?;
    let mut rows: Vec<RepVisitStats> = by_owner
        .into_values()
        .map(|mut r| {
            r.owner_name = names.get(&r.owner_id).cloned();
            r
        })
        .collect();
    rows.sort_by(|a, b| {
        b.done
            .cmp(&a.done)
            .then_with(|| a.owner_name.cmp(&b.owner_name))
            .then_with(|| a.owner_id.cmp(&b.owner_id))
    });
    Ok(VisitStats {
        from: q.from,
        days,
        rows,
    })
}

// ---- settings ----

pub async fn settings(db: &DatabaseConnection, actor: &Actor) -> AppResult<VisitSettings> {
    policy::require(actor, Resource::Visit, Action::Read)?;
    load_settings(db).await
}

/// Sets the radius and the tiles (admins).
pub async fn save_settings(
    db: &DatabaseConnection,
    actor: &Actor,
    expected: i64,
    input: VisitSettingsInput,
) -> AppResult<VisitSettings> {
    policy::require(actor, Resource::Visit, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    let before = load_settings(db).await?;
    check_version(Some(expected), before.version)?;
    let version = before.version + 1;
    let txn = begin_write(db).await?;
    let res = visit_settings::Entity::update_many()
        .col_expr(
            visit_settings::Column::RadiusM,
            Expr::value(input.radius_m as i32),
        )
        .col_expr(
            visit_settings::Column::TileUrl,
            Expr::value(clean(input.tile_url)),
        )
        .col_expr(
            visit_settings::Column::TileGcj02,
            Expr::value(input.tile_gcj02),
        )
        .col_expr(
            visit_settings::Column::TileAttribution,
            Expr::value(clean(input.tile_attribution)),
        )
        .col_expr(visit_settings::Column::Version, Expr::value(version))
        .col_expr(visit_settings::Column::UpdatedAt, Expr::value(now()))
        .filter(visit_settings::Column::Id.eq(1))
        .filter(visit_settings::Column::Version.eq(expected))
        .exec(&txn)
        .await?;
    if res.rows_affected == 0 {
        return Err(stale());
    }
    let after = load_settings(&txn).await?;
    let nil = Uuid::nil();
    audit::commit(
        txn,
        actor,
        audit::Change::updated(
            AuditAction::VisitSettingsUpdate,
            "visit_settings",
            nil,
            nil,
            &before,
            &after,
        ),
    )
    .await?;
    Ok(after)
}
