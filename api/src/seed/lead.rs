//! Demo leads: the regions' assignment rules (made by each regional manager for their region:
//! their provinces → the region's first team in turn, a cap of 25 open leads a rep) and about
//! sixty leads in every status — taken by 客服 from calls and handed out by the rules, entered by
//! reps themselves, a few waiting in the queue (provinces no rule names), some contacted,
//! qualified, disqualified with a reason, converted into customers with a deal. All through the
//! services, so every one is audited and assigned the way a real one would be.

use kaidan_shared::lead::{
    ConvertDeal, Disqualify, LeadConvert, LeadCreate, LeadRuleInput, LeadStatus, LeadUpdate,
};
use kaidan_shared::Role;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use crate::auth::Actor;
use crate::clock::Clock;
use crate::config::LimitSettings;
use crate::entities::{lead, team, user};
use crate::error::AppResult;
use crate::seed::Gen;
use crate::services::lead as leads;
use crate::services::rules_cache::RulesCache;
use crate::services::Conns;

/// (region's manager, first team of the region, provinces)
const TERRITORIES: [(&str, &str, &[&str]); 2] = [
    (
        "manager_east",
        "华东一组",
        &["shanghai", "jiangsu", "zhejiang", "anhui", "shandong"],
    ),
    (
        "manager_south",
        "华南一组",
        &["guangdong", "guangxi", "fujian", "hainan"],
    ),
];
/// Provinces no rule names: their leads wait in the queue for an admin.
const ELSEWHERE: [&str; 3] = ["sichuan", "hubei", "beijing"];
const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: [&str; 10] = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "军"];
const CITIES: [&str; 8] = [
    "苏州", "杭州", "宁波", "合肥", "广州", "深圳", "厦门", "成都",
];
const TRADES: [&str; 8] = [
    "精密机械",
    "新材料",
    "电子科技",
    "食品",
    "汽车零部件",
    "包装",
    "医疗器械",
    "物流",
];
const SOURCES: [&str; 5] = ["trade_show", "website", "phone", "referral", "advertising"];
const REASONS: [&str; 4] = ["no_budget", "no_need", "unreachable", "competitor"];

/// An actor for a demo user (the seed acts as the people of the demo company).
pub(crate) async fn as_user(db: &DatabaseConnection, username: &str) -> AppResult<Option<Actor>> {
    Ok(user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(db)
        .await?
        .and_then(|u| {
            Some(Actor {
                user_id: u.id,
                username: u.username,
                role: Role::parse(&u.role)?,
                team_id: u.team_id,
                region_id: u.region_id,
                ..Actor::system()
            })
        }))
}

/// Rules and leads, when there are no leads yet; how many leads were made.
pub async fn seed_leads(db: &DatabaseConnection) -> AppResult<usize> {
    // Settings do not change while seeding: read once a version, as a server does.
    let kept = RulesCache::default();
    let conns = Conns {
        write: db,
        read: db,
        rules: &kept,
    };
    if lead::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let limits = LimitSettings {
        cross_scope_duplicates_per_hour: 1000,
        custom_filter_selective: crate::services::field_plan::CAP,
        board_walk_from: 2_000,
    };
    let clock = Clock::default();
    for (i, (manager, team_name, provinces)) in TERRITORIES.iter().enumerate() {
        let (Some(m), Some(t)) = (
            as_user(db, manager).await?,
            team::Entity::find()
                .filter(team::Column::Name.eq(*team_name))
                .one(db)
                .await?,
        ) else {
            continue;
        };
        let input = LeadRuleInput {
            name: format!("{}省份 → {team_name}", provinces.len()),
            position: 10 * (i as i32 + 1),
            provinces: provinces.iter().map(|p| p.to_string()).collect(),
            team_id: Some(t.id),
            queue: Some(kaidan_shared::lead::DEFAULT_QUEUE.into()),
            open_lead_cap: Some(25),
            active: true,
        };
        leads::create_rule(db, &m, input).await?;
    }
    let mut g = Gen(20261128);
    let mut made = 0;
    let takers = ["cs1", "cs_south1"];
    let reps = ["rep_east1", "rep_east3", "rep_south1", "rep_south3"];
    for n in 0..60 {
        // Two in three from calls (客服, then the rules), the rest entered by a rep.
        let by = if n % 3 == 2 {
            *g.pick(&reps)
        } else {
            *g.pick(&takers)
        };
        let Some(actor) = as_user(db, by).await? else {
            continue;
        };
        let province = if n % 10 == 9 {
            *g.pick(&ELSEWHERE)
        } else {
            let (_, _, ps) = TERRITORIES[n % 2];
            *g.pick(ps)
        };
        let person = format!("{}{}", g.pick(&SURNAMES), g.pick(&GIVEN));
        let company = format!("{}{}{}有限公司", g.pick(&CITIES), g.pick(&TRADES), n + 1);
        let input = LeadCreate {
            name: person,
            company: Some(company),
            phone: Some(format!("139{:08}", 10_000_000 + n * 7919 % 89_999_999)),
            source: Some(g.pick(&SOURCES).to_string()),
            province: Some(province.into()),
            force: true,
            ..Default::default()
        };
        let l = leads::create(conns, &actor, input, &limits).await?;
        made += 1;
        // Work it as its owner would.
        let Some(owner) = l.owner_id else { continue };
        let Some(owner) = user::Entity::find_by_id(owner).one(db).await? else {
            continue;
        };
        let Some(worker) = as_user(db, &owner.username).await? else {
            continue;
        };
        let roll = g.below(10);
        let step = |status: LeadStatus| LeadUpdate {
            status: Some(status),
            ..Default::default()
        };
        match roll {
            0..=2 => {}
            3 | 4 => {
                leads::update(conns, &worker, l.id, l.version, step(LeadStatus::Contacted)).await?;
            }
            5 | 6 => {
                leads::update(conns, &worker, l.id, l.version, step(LeadStatus::Qualified)).await?;
            }
            7 => {
                let body = Disqualify {
                    reason: g.pick(&REASONS).to_string(),
                    note: None,
                };
                leads::disqualify(conns, &worker, l.id, None, body).await?;
            }
            _ => {
                let deal = (roll == 9).then(|| ConvertDeal {
                    name: format!("{} 首单", l.company.clone().unwrap_or_default()),
                    amount: (10 + g.below(90) as i64) * 10_000 * 100,
                    ..Default::default()
                });
                let body = LeadConvert {
                    force: true,
                    opportunity: deal,
                    ..Default::default()
                };
                leads::convert(conns, &worker, l.id, None, body, &limits, &clock).await?;
            }
        }
    }
    Ok(made)
}
