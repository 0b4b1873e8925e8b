//! The demo company's people: one of every role, placed in its regions and teams.

use crate::error::AppResult;
use kaidan_shared::Role;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

pub const DEMO_PASSWORD: &str = "Kaidan@2026";

pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub team: Option<&'static str>,
    pub region: Option<&'static str>,
}

const fn u(
    username: &'static str,
    display_name: &'static str,
    role: Role,
    team: Option<&'static str>,
    region: Option<&'static str>,
) -> DemoUser {
    DemoUser {
        username,
        display_name,
        role,
        team,
        region,
    }
}

pub const USERS: [DemoUser; 16] = [
    u("admin", "系统管理员", Role::Admin, None, None),
    u(
        "manager_east",
        "陈建国",
        Role::RegionalManager,
        None,
        Some("华东"),
    ),
    u(
        "manager_south",
        "林海峰",
        Role::RegionalManager,
        None,
        Some("华南"),
    ),
    u(
        "sup_east1",
        "王志强",
        Role::Supervisor,
        Some("华东一组"),
        None,
    ),
    u(
        "sup_east2",
        "赵丽华",
        Role::Supervisor,
        Some("华东二组"),
        None,
    ),
    u(
        "sup_south1",
        "黄伟明",
        Role::Supervisor,
        Some("华南一组"),
        None,
    ),
    u(
        "sup_south2",
        "吴晓燕",
        Role::Supervisor,
        Some("华南二组"),
        None,
    ),
    u("rep_east1", "李明", Role::SalesRep, Some("华东一组"), None),
    u("rep_east2", "张静", Role::SalesRep, Some("华东一组"), None),
    u("rep_east3", "刘洋", Role::SalesRep, Some("华东二组"), None),
    u("rep_east4", "孙悦", Role::SalesRep, Some("华东二组"), None),
    u("rep_south1", "周杰", Role::SalesRep, Some("华南一组"), None),
    u("rep_south2", "郑敏", Role::SalesRep, Some("华南一组"), None),
    u("rep_south3", "何珊", Role::SalesRep, Some("华南二组"), None),
    u(
        "cs1",
        "钱小红",
        Role::CustomerService,
        Some("华东一组"),
        None,
    ),
    u(
        "cs_south1",
        "冯佳",
        Role::CustomerService,
        Some("华南一组"),
        None,
    ),
];

/// Usernames in the database that are not demo users (a real install, or users added by hand).
pub async fn users_not_from_demo(db: &DatabaseConnection) -> AppResult<Vec<String>> {
    let demo: Vec<&str> = USERS.iter().map(|u| u.username).collect();
    Ok(crate::entities::user::Entity::find()
        .filter(crate::entities::user::Column::Username.is_not_in(demo))
        .limit(20)
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.username)
        .collect())
}
