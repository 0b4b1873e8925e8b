//! Demo data: a realistic Chinese company with two regions, four teams, users of every role and
//! 500 customers with contacts. Re-running adds only what is missing.

use std::collections::HashSet;

use kaidan_shared::customer::{ContactInput, CustomerCreate, CustomerKind, Level};
use kaidan_shared::org::{RegionInput, TeamCreate, TeamUpdate, UserCreate};
use kaidan_shared::validate::credit_code_check_char;
use kaidan_shared::Role;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::auth::password::PasswordHasher;
use crate::auth::Actor;
use crate::entities::{customer, region, team, user};
use crate::error::AppResult;
use crate::services::{customers, org, users};

/// The one password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "Kaidan@2026";

pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub team: Option<&'static str>,
    pub region: Option<&'static str>,
}

pub const REGIONS: [&str; 2] = ["华东", "华南"];
/// (team, region, supervisor username)
pub const TEAMS: [(&str, &str, &str); 4] = [
    ("华东一组", "华东", "sup_east1"),
    ("华东二组", "华东", "sup_east2"),
    ("华南一组", "华南", "sup_south1"),
    ("华南二组", "华南", "sup_south2"),
];

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

#[derive(Debug, Default)]
pub struct SeedReport {
    pub users_created: usize,
    pub customers_created: usize,
}

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
                    supervisor_id: Some(Some(s.id)),
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

/// The whole demo: the org and `customers` customers with 1–3 contacts each.
pub async fn seed_demo(
    db: &DatabaseConnection,
    hasher: &PasswordHasher,
    customers_wanted: usize,
) -> AppResult<SeedReport> {
    let users_created = seed_org(db, hasher, DEMO_PASSWORD).await?;
    let customers_created = seed_customers(db, customers_wanted).await?;
    Ok(SeedReport {
        users_created,
        customers_created,
    })
}

/// A small deterministic generator (SplitMix64), so the demo is the same on every machine and a
/// re-run recognises what it made before.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    /// A value in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    }
}

/// (city, area code, province code prefix, lat, lng, districts, region)
type City = (
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
    [&'static str; 3],
    &'static str,
);

const CITIES: [City; 12] = [
    (
        "杭州",
        "0571",
        "330100",
        30.274,
        120.155,
        ["西湖区", "滨江区", "余杭区"],
        "华东",
    ),
    (
        "上海",
        "021",
        "310100",
        31.230,
        121.474,
        ["浦东新区", "闵行区", "徐汇区"],
        "华东",
    ),
    (
        "苏州",
        "0512",
        "320500",
        31.299,
        120.585,
        ["工业园区", "吴中区", "相城区"],
        "华东",
    ),
    (
        "南京",
        "025",
        "320100",
        32.060,
        118.797,
        ["江宁区", "鼓楼区", "建邺区"],
        "华东",
    ),
    (
        "宁波",
        "0574",
        "330200",
        29.868,
        121.544,
        ["鄞州区", "北仑区", "海曙区"],
        "华东",
    ),
    (
        "合肥",
        "0551",
        "340100",
        31.821,
        117.227,
        ["蜀山区", "包河区", "高新区"],
        "华东",
    ),
    (
        "广州",
        "020",
        "440100",
        23.129,
        113.264,
        ["天河区", "番禺区", "黄埔区"],
        "华南",
    ),
    (
        "深圳",
        "0755",
        "440300",
        22.543,
        114.058,
        ["南山区", "福田区", "宝安区"],
        "华南",
    ),
    (
        "东莞",
        "0769",
        "441900",
        23.021,
        113.752,
        ["松山湖", "长安镇", "南城街道"],
        "华南",
    ),
    (
        "佛山",
        "0757",
        "440600",
        23.022,
        113.122,
        ["顺德区", "南海区", "禅城区"],
        "华南",
    ),
    (
        "厦门",
        "0592",
        "350200",
        24.480,
        118.089,
        ["思明区", "湖里区", "集美区"],
        "华南",
    ),
    (
        "珠海",
        "0756",
        "440400",
        22.271,
        113.577,
        ["香洲区", "金湾区", "斗门区"],
        "华南",
    ),
];

const BRANDS: [&str; 40] = [
    "星辰", "瑞丰", "华信", "恒达", "宏远", "博雅", "天成", "金诚", "鼎盛", "嘉禾", "汇通", "远景",
    "同创", "中科", "新锐", "卓越", "长青", "安泰", "永兴", "德润", "万象", "启明", "海纳", "聚力",
    "正泰", "明辉", "盛世", "锦程", "鸿运", "泰和", "东方", "蓝海", "云帆", "凯越", "润泽", "信达",
    "华宇", "开元", "精工", "联创",
];

/// (name word, industry)
const TRADES: [(&str, &str); 14] = [
    ("科技", "信息技术"),
    ("软件", "信息技术"),
    ("电子", "电子制造"),
    ("机械", "机械制造"),
    ("精密制造", "机械制造"),
    ("贸易", "批发零售"),
    ("商贸", "批发零售"),
    ("食品", "餐饮食品"),
    ("医疗器械", "医疗健康"),
    ("生物医药", "医疗健康"),
    ("建材", "建筑建材"),
    ("物流", "物流运输"),
    ("纺织", "纺织服装"),
    ("新能源", "能源"),
];

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "丽萍",
];
const TITLES: [&str; 8] = [
    "总经理",
    "采购经理",
    "财务总监",
    "技术负责人",
    "行政主管",
    "副总经理",
    "采购专员",
    "项目经理",
];
const ROADS: [&str; 8] = [
    "文一西路",
    "科技大道",
    "创业路",
    "人民路",
    "解放路",
    "中山路",
    "建设大道",
    "工业园路",
];
const SOURCES: [&str; 5] = ["展会", "转介绍", "官网", "电话开发", "渠道伙伴"];
const TAGS: [&str; 6] = [
    "重点客户",
    "老客户",
    "有预算",
    "竞品在用",
    "年底采购",
    "需要演示",
];

const EAST_OWNERS: [&str; 6] = [
    "rep_east1",
    "rep_east2",
    "rep_east3",
    "rep_east4",
    "sup_east1",
    "sup_east2",
];
const SOUTH_OWNERS: [&str; 5] = [
    "rep_south1",
    "rep_south2",
    "rep_south3",
    "sup_south1",
    "sup_south2",
];

fn mobile(g: &mut Gen) -> String {
    let prefix = g.pick(&[
        "138", "139", "136", "158", "159", "186", "187", "135", "150", "177",
    ]);
    format!("{prefix}{:08}", g.next() % 100_000_000)
}

fn credit_code(g: &mut Gen, area: &str) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let org: String = (0..9)
        .map(|_| CHARS[g.below(CHARS.len())] as char)
        .collect();
    let first17 = format!("91{area}{org}");
    let check = credit_code_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// Generates up to `wanted` demo customers through the customer service (so they get audit rows
/// and normalised keys like any other), skipping names that already exist.
pub async fn seed_customers(db: &DatabaseConnection, wanted: usize) -> AppResult<usize> {
    let mut g = Gen(20_261_124);
    let existing: HashSet<String> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Name)
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut owners = std::collections::HashMap::new();
    for name in EAST_OWNERS.iter().chain(SOUTH_OWNERS.iter()) {
        if let Some(u) = user::Entity::find()
            .filter(user::Column::Username.eq(*name))
            .one(db)
            .await?
        {
            owners.insert(*name, u.id);
        }
    }
    let system = Actor::system();
    let mut names = HashSet::new();
    let mut created = 0;
    let mut attempts = 0;
    while names.len() < wanted && attempts < wanted * 20 {
        attempts += 1;
        let city = *g.pick(&CITIES);
        let brand = g.pick(&BRANDS);
        let (trade, industry) = *g.pick(&TRADES);
        let name = format!("{}{}{}有限公司", city.0, brand, trade);
        if !names.insert(name.clone()) {
            continue;
        }
        // Draw everything for this name even when it exists, so re-runs stay in step.
        let district = g.pick(&city.5);
        let road = g.pick(&ROADS);
        let address = format!("{}市{}{}{}号", city.0, district, road, 1 + g.below(999));
        let lat = city.3 + g.unit() * 0.08;
        let lng = city.4 + g.unit() * 0.08;
        let phone = format!("{}-{}", city.1, 80_000_000 + g.below(9_999_999));
        let code = credit_code(&mut g, city.2);
        let level = [Level::A, Level::B, Level::B, Level::C, Level::C][g.below(5)];
        let pool: &[&str] = if city.6 == "华东" {
            &EAST_OWNERS
        } else {
            &SOUTH_OWNERS
        };
        let owner = owners.get(g.pick(pool)).copied();
        let tag_count = g.below(3);
        let tags: Vec<String> = (0..tag_count).map(|_| g.pick(&TAGS).to_string()).collect();
        let source = g.pick(&SOURCES).to_string();
        let contact_count = 1 + g.below(3);
        let contacts: Vec<ContactInput> = (0..contact_count)
            .map(|i| {
                let person = format!("{}{}", g.pick(&SURNAMES), g.pick(&GIVEN));
                let title = g.pick(&TITLES).to_string();
                let m = mobile(&mut g);
                ContactInput {
                    wechat: Some(format!("wx_{}", &m[3..])),
                    name: person,
                    title: Some(title),
                    phones: vec![m],
                    email: None,
                    is_primary: i == 0,
                    notes: None,
                }
            })
            .collect();
        if existing.contains(&name) || owner.is_none() {
            continue;
        }
        let input = CustomerCreate {
            kind: CustomerKind::Company,
            name,
            credit_code: Some(code),
            industry: Some(industry.into()),
            level: Some(level),
            tags,
            phone: Some(phone),
            address: Some(address),
            lat: Some((lat * 1e6).round() / 1e6),
            lng: Some((lng * 1e6).round() / 1e6),
            owner_id: owner,
            source: Some(source),
            notes: None,
            contacts,
            force: true,
        };
        customers::create(
            db,
            &system,
            input,
            &crate::config::Settings::default().limits,
        )
        .await?;
        created += 1;
    }
    Ok(created)
}
