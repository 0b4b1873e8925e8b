//! Regions and teams. Everyone may read the org chart's names; only admins change it.

use kaidan_shared::audit::AuditAction;
use kaidan_shared::org::{Region, RegionInput, Team, TeamCreate, TeamUpdate};
use kaidan_shared::FieldCode;
use kaidan_shared::{Action, Patch, Resource, Role};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::auth::{policy, Actor};
use crate::entities::{customer, region, team, user};
use crate::error::{AppError, AppResult};
use crate::services::{audit, begin_write, check_version, new_id, now, record, unique_violation};

/// Where a record's owner sits in the org: the copies a customer (team and region) and a deal
/// (team) keep of it, so that a team's or region's list reads an index of its own records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct OwnerPlace {
    pub team_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
}

/// The team and region of a record's owner, for the record's copies of them. Every write that
/// saves a copy reads it here first in its transaction, before it touches an existing record,
/// and holds the user row share-locked to its commit: moving a user to another team or region
/// locks that row (a team's move to another region locks its members' rows) and then rewrites the
/// copies on their records (`user::update`, `update_team`), so a write either waits for the move
/// and reads the new place, or the move waits for the write and then rewrites what it saved —
/// and, the user row coming first in both, neither waits on a record the other holds. (SQLite
/// takes one writer at a time.) No owner (a pool's customer): no place.
pub(crate) async fn owner_place<C: ConnectionTrait>(
    txn: &C,
    owner: Option<Uuid>,
) -> AppResult<OwnerPlace> {
    let Some(owner) = owner else {
        return Ok(OwnerPlace::default());
    };
    let place: Option<(Option<Uuid>, Option<Uuid>)> = user::Entity::find_by_id(owner)
        .select_only()
        .column(user::Column::TeamId)
        .column(user::Column::RegionId)
        .lock_shared()
        .into_tuple()
        .one(txn)
        .await?;
    let (team_id, region_id) = place.unwrap_or_default();
    Ok(OwnerPlace { team_id, region_id })
}

/// Regions and teams are few (tens), so their lists are whole, sorted by name.
pub const MAX_ORG_ROWS: u64 = 1000;

fn region_dto(m: region::Model) -> Region {
    Region {
        id: m.id,
        name: m.name,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn team_dto(m: team::Model) -> Team {
    Team {
        id: m.id,
        name: m.name,
        region_id: m.region_id,
        supervisor_id: m.supervisor_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub async fn list_regions(db: &DatabaseConnection, actor: &Actor) -> AppResult<Vec<Region>> {
    policy::require(actor, Resource::Region, Action::Read)?;
    use sea_orm::QuerySelect;
    Ok(region::Entity::find()
        .order_by_asc(region::Column::Name)
        .limit(MAX_ORG_ROWS)
        .all(db)
        .await?
        .into_iter()
        .map(region_dto)
        .collect())
}

pub async fn create_region(
    db: &DatabaseConnection,
    actor: &Actor,
    input: RegionInput,
) -> AppResult<Region> {
    policy::require(actor, Resource::Region, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    let t = now();
    let m = region::Model {
        id: new_id(),
        name: input.name.trim().into(),
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    region::Entity::insert(region::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique_violation(e, "a region with this name exists"))?;
    let dto = region_dto(m);
    audit::commit(
        txn,
        actor,
        audit::Change::created(AuditAction::RegionCreate, "region", dto.id, dto.id, &dto),
    )
    .await?;
    Ok(dto)
}

pub async fn update_region(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
    input: RegionInput,
) -> AppResult<Region> {
    // Everyone may read regions, so a non-admin learns nothing from 403 over 404 here; the
    // lookup still goes through the one policy so a missing region answers 404 for all.
    let current = policy::find_for(actor, Resource::Region, Action::Manage, |_| async move {
        Ok(region::Entity::find_by_id(id).one(db).await?)
    })
    .await?;
    input.validate().map_err(AppError::validation)?;
    check_version(Some(expected_version), current.version)?;
    let mut next = current.clone();
    next.name = input.name.trim().into();
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    let update = region::Entity::update_many()
        .col_expr(region::Column::Name, Expr::value(next.name.clone()))
        .col_expr(region::Column::Version, Expr::value(next.version))
        .col_expr(region::Column::UpdatedAt, Expr::value(next.updated_at));
    record::update_versioned(&txn, update, id, expected_version)
        .await
        .map_err(|e| e.on_conflict("a region with this name exists"))?;
    let (before, after) = (region_dto(current), region_dto(next));
    audit::commit(
        txn,
        actor,
        audit::Change::updated(AuditAction::RegionUpdate, "region", id, id, &before, &after),
    )
    .await?;
    Ok(after)
}

pub async fn list_teams(db: &DatabaseConnection, actor: &Actor) -> AppResult<Vec<Team>> {
    policy::require(actor, Resource::Team, Action::Read)?;
    use sea_orm::QuerySelect;
    Ok(team::Entity::find()
        .order_by_asc(team::Column::Name)
        .limit(MAX_ORG_ROWS)
        .all(db)
        .await?
        .into_iter()
        .map(team_dto)
        .collect())
}

async fn check_region_exists<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    region::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::field("region_id", FieldCode::UnknownReference, "no such region"))
}

/// A team's supervisor must be an active user with the supervisor role.
async fn check_supervisor<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<()> {
    let ok = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .is_some_and(|u| u.active && u.role == Role::Supervisor.as_str());
    if ok {
        Ok(())
    } else {
        Err(AppError::field(
            "supervisor_id",
            FieldCode::UnknownReference,
            "no active supervisor with this id",
        ))
    }
}

pub async fn create_team(
    db: &DatabaseConnection,
    actor: &Actor,
    input: TeamCreate,
) -> AppResult<Team> {
    policy::require(actor, Resource::Team, Action::Manage)?;
    input.validate().map_err(AppError::validation)?;
    check_region_exists(db, input.region_id).await?;
    if let Some(s) = input.supervisor_id {
        check_supervisor(db, s).await?;
    }
    let t = now();
    let m = team::Model {
        id: new_id(),
        name: input.name.trim().into(),
        region_id: input.region_id,
        supervisor_id: input.supervisor_id,
        version: 1,
        created_at: t,
        updated_at: t,
    };
    let txn = begin_write(db).await?;
    team::Entity::insert(team::ActiveModel::from(m.clone()))
        .exec_without_returning(&txn)
        .await
        .map_err(|e| unique_violation(e, "a team with this name exists"))?;
    let dto = team_dto(m);
    audit::commit(
        txn,
        actor,
        audit::Change::created(AuditAction::TeamCreate, "team", dto.id, dto.id, &dto),
    )
    .await?;
    Ok(dto)
}

/// Updates a team. Moving it to another region moves its members' region with it, in the same
/// transaction, so region scope stays right.
pub async fn update_team(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected_version: i64,
    input: TeamUpdate,
) -> AppResult<Team> {
    let current = policy::find_for(actor, Resource::Team, Action::Manage, |_| async move {
        Ok(team::Entity::find_by_id(id).one(db).await?)
    })
    .await?;
    input.validate().map_err(AppError::validation)?;
    check_version(Some(expected_version), current.version)?;
    if let Some(r) = input.region_id {
        check_region_exists(db, r).await?;
    }
    if let Patch::Value(s) = input.supervisor_id {
        check_supervisor(db, s).await?;
    }
    let mut next = current.clone();
    if let Some(n) = &input.name {
        next.name = n.trim().into();
    }
    if let Some(r) = input.region_id {
        next.region_id = r;
    }
    input
        .supervisor_id
        .apply_with(&mut next.supervisor_id, Some);
    next.version += 1;
    next.updated_at = now();
    let txn = begin_write(db).await?;
    let update = team::Entity::update_many()
        .col_expr(team::Column::Name, Expr::value(next.name.clone()))
        .col_expr(team::Column::RegionId, Expr::value(next.region_id))
        .col_expr(team::Column::SupervisorId, Expr::value(next.supervisor_id))
        .col_expr(team::Column::Version, Expr::value(next.version))
        .col_expr(team::Column::UpdatedAt, Expr::value(next.updated_at));
    record::update_versioned(&txn, update, id, expected_version)
        .await
        .map_err(|e| e.on_conflict("a team with this name exists"))?;
    if next.region_id != current.region_id {
        // The members' rows locked first, in id order (as the reclaim job share-locks owners),
        // then moved; their versions move too, so an edit of a member read before the move
        // answers 412 instead of writing the old region back.
        let members: Vec<Uuid> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::TeamId.eq(id))
            .order_by_asc(user::Column::Id)
            .lock_exclusive()
            .into_tuple()
            .all(&txn)
            .await?;
        if !members.is_empty() {
            user::Entity::update_many()
                .col_expr(user::Column::RegionId, Expr::value(next.region_id))
                .col_expr(
                    user::Column::Version,
                    Expr::col(user::Column::Version).add(1),
                )
                .filter(user::Column::Id.is_in(members.clone()))
                .exec(&txn)
                .await?;
            // Their customers' copy of the owner's region follows (`owner_place`), by the
            // owners' ids: an `IN (subquery)` would scan every customer on MariaDB before 11.1.
            customer::Entity::update_many()
                .col_expr(customer::Column::OwnerRegionId, Expr::value(next.region_id))
                .filter(customer::Column::OwnerId.is_in(members))
                .exec(&txn)
                .await?;
        }
    }
    let (before, after) = (team_dto(current), team_dto(next));
    audit::commit(
        txn,
        actor,
        audit::Change::updated(AuditAction::TeamUpdate, "team", id, id, &before, &after),
    )
    .await?;
    crate::auth::cache::forget_all();
    Ok(after)
}
