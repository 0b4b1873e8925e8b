//! The demo customers: companies in twelve cities with valid credit codes, phones, addresses and
//! 1–3 contacts, owned by the reps of their region.

use std::collections::HashSet;

use kaidan_shared::contact::ContactInput;
use kaidan_shared::customer::{CustomerCreate, CustomerKind, Level};
use kaidan_shared::validate::credit_code_check_char;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use crate::auth::Actor;
use crate::entities::{customer, user};
use crate::error::AppResult;
use crate::seed::{contact, Gen};
use crate::services::customer as customers;
use crate::services::rules_cache::RulesCache;

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

/// (name word, industry: a key of the `customer_industry` option list)
const TRADES: [(&str, &str); 14] = [
    ("科技", "information_technology"),
    ("软件", "information_technology"),
    ("电子", "electronics"),
    ("机械", "machinery"),
    ("精密制造", "machinery"),
    ("贸易", "wholesale_retail"),
    ("商贸", "wholesale_retail"),
    ("食品", "food"),
    ("医疗器械", "healthcare"),
    ("生物医药", "healthcare"),
    ("建材", "construction"),
    ("物流", "logistics"),
    ("纺织", "textiles"),
    ("新能源", "energy"),
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
/// Keys of the `customer_source` option list.
const SOURCES: [&str; 5] = [
    "trade_show",
    "referral",
    "website",
    "cold_call",
    "channel_partner",
];
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
    // Settings do not change while seeding: read once a version, as a server does.
    let kept = RulesCache::default();
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
            .map(|i| contact::contact(&mut g, i == 0))
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
            custom: Default::default(),
            contacts,
            force: true,
        };
        customers::create(
            db,
            &kept,
            &system,
            input,
            &crate::config::Settings::default().limits,
            &crate::clock::Clock::default(),
        )
        .await?;
        created += 1;
    }
    Ok(created)
}
