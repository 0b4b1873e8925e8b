//! The demo company's org: two regions, four teams, and the users of `seed::user` placed in them.

use kaidan_shared::org::{RegionInput, TeamCreate, TeamUpdate};
use kaidan_shared::user::UserCreate;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::password::PasswordHasher;
use crate::auth::Actor;
use crate::entities::{region, team};
use crate::error::AppResult;
use crate::seed::user::USERS;
use crate::services::{org, user as users};

pub const REGIONS: [&str; 2] = ["华东", "华南"];
/// (team, region, supervisor username)
pub const TEAMS: [(&str, &str, &str); 4] = [
    ("华东一组", "华东", "sup_east1"),
    ("华东二组", "华东", "sup_east2"),
    ("华南一组", "华南", "sup_south1"),
    ("华南二组", "华南", "sup_south2"),
];

/// Regions, teams and users of the demo company (what the tests start from, too).
pub async fn seed_org(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    password: &str,
) -> AppResult<usize> {
    let system = Actor::system();
    for name in REGIONS {
        if region::Entity::find()
            .filter(region::Column::Name.eq(name))
            .one(db)
            .await?
            .is_none()
        {
            org::create_region(db, &system, RegionInput { name: name.into() }).await?;
        }
    }
    for (name, region_name, _) in TEAMS {
        if team::Entity::find()
            .filter(team::Column::Name.eq(name))
            .one(db)
            .await?
            .is_none()
        {
            let r = region_by_name(db, region_name).await?;
            org::create_team(
                db,
                &system,
                TeamCreate {
                    name: name.into(),
                    region_id: r,
                    supervisor_id: None,
                },
            )
            .await?;
        }
    }
    let mut created = 0;
    for d in &USERS {
        if users::find_by_username(db, d.username).await?.is_some() {
            continue;
        }
        let team_id = match d.team {
            Some(t) => Some(team_by_name(db, t).await?.id),
            None => None,
        };
        let region_id = match d.region {
            Some(r) => Some(region_by_name(db, r).await?),
            None => None,
        };
        users::create(
            db,
            hasher,
            &system,
            UserCreate {
                username: d.username.into(),
                display_name: d.display_name.into(),
                password: password.into(),
                role: d.role,
                team_id,
                region_id,
                email: Some(format!("{}@demo.kaidan.dev", d.username)),
                phone: None,
                grants: Vec::new(),
            },
        )
        .await?;
        created += 1;
    }
    // Supervisors lead their teams.
    for (name, _, sup) in TEAMS {
        let t = team_by_name(db, name).await?;
        if t.supervisor_id.is_none() {
            if let Some(s) = users::find_by_username(db, sup).await? {
                let patch = TeamUpdate {
                    supervisor_id: kaidan_shared::Patch::Value(s.id),
                    ..Default::default()
                };
                org::update_team(db, &system, t.id, t.version, patch).await?;
            }
        }
    }
    Ok(created)
}

async fn region_by_name(db: &DatabaseConnection, name: &str) -> AppResult<Uuid> {
    region::Entity::find()
        .filter(region::Column::Name.eq(name))
        .one(db)
        .await?
        .map(|r| r.id)
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("region {name} missing")))
}

async fn team_by_name(db: &DatabaseConnection, name: &str) -> AppResult<team::Model> {
    team::Entity::find()
        .filter(team::Column::Name.eq(name))
        .one(db)
        .await?
        .ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("team {name} missing")))
}
