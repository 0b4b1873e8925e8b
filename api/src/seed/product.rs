//! The demo catalogue: a CRM vendor's software, hardware and services, and a channel price list
//! for this year. Made through the service, so each product is audited like any other.

use chrono::{Datelike, NaiveDate, Utc};
use kaidan_shared::product::{PriceEntry, PriceListCreate, ProductCreate};
use rust_decimal::Decimal;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::auth::Actor;
use crate::entities::{price_list, product};
use crate::error::AppResult;
use crate::services::product as products;
use crate::services::rules_cache::RulesCache;

/// (code, name, category, unit, spec, list price in 分, tax rate %)
pub const CATALOGUE: &[(&str, &str, &str, &str, &str, i64, i64)] = &[
    (
        "KD-CRM-STD",
        "开单CRM 标准版",
        "software",
        "user_year",
        "标准版 / 年付",
        198_000,
        6,
    ),
    (
        "KD-CRM-PRO",
        "开单CRM 专业版",
        "software",
        "user_year",
        "专业版 / 年付",
        398_000,
        6,
    ),
    (
        "KD-CRM-ENT",
        "开单CRM 企业版",
        "software",
        "user_year",
        "企业版 / 年付",
        698_000,
        6,
    ),
    (
        "KD-ERP-LINK",
        "金蝶/用友 财务对接模块",
        "software",
        "set",
        "标准接口",
        3_800_000,
        6,
    ),
    (
        "KD-BI",
        "销售分析 BI 模块",
        "software",
        "set",
        "含 20 张报表",
        2_800_000,
        6,
    ),
    (
        "KD-SMS-10K",
        "短信包 1 万条",
        "subscription",
        "item",
        "10,000 条",
        450_000,
        6,
    ),
    (
        "KD-PDA-X5",
        "移动数据终端 X5",
        "hardware",
        "unit",
        "安卓 13 / 6GB+128GB",
        320_000,
        13,
    ),
    (
        "KD-PRN-80",
        "80mm 热敏票据打印机",
        "hardware",
        "unit",
        "USB + 蓝牙",
        89_000,
        13,
    ),
    (
        "KD-SCAN-2D",
        "二维扫码枪",
        "hardware",
        "piece",
        "有线",
        35_000,
        13,
    ),
    (
        "KD-SRV-IMPL",
        "实施服务",
        "service",
        "day",
        "现场 / 人天",
        250_000,
        6,
    ),
    (
        "KD-SRV-TRAIN",
        "培训服务",
        "service",
        "time",
        "半天一场",
        300_000,
        6,
    ),
    (
        "KD-SRV-DEV",
        "定制开发",
        "service",
        "day",
        "远程 / 人天",
        300_000,
        6,
    ),
    (
        "KD-SRV-SUP",
        "年度运维支持",
        "service",
        "year",
        "7×12 小时",
        1_200_000,
        6,
    ),
    (
        "KD-OLD-V1",
        "开单CRM 1.0（停售）",
        "software",
        "set",
        "旧版本",
        980_000,
        6,
    ),
];

/// Adds the catalogue and a channel price list once (nothing when products exist).
pub async fn seed_products(db: &DatabaseConnection) -> AppResult<usize> {
    if product::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let kept = RulesCache::default();
    let system = Actor::system();
    let mut entries = Vec::new();
    for (code, name, category, unit, spec, price, tax) in CATALOGUE {
        let p = products::create(
            db,
            &kept,
            &system,
            ProductCreate {
                code: (*code).into(),
                name: (*name).into(),
                category: Some((*category).into()),
                unit: Some((*unit).into()),
                spec: Some((*spec).into()),
                list_price: *price,
                tax_rate: Some(Decimal::from(*tax)),
                description: None,
                custom: Default::default(),
            },
        )
        .await?;
        if code.starts_with("KD-OLD") {
            products::update(
                db,
                &kept,
                &system,
                p.id,
                p.version,
                kaidan_shared::product::ProductUpdate {
                    active: Some(false),
                    ..Default::default()
                },
            )
            .await?;
        } else if *category == "software" {
            // Channel partners buy software at 80 % of the list price.
            entries.push(PriceEntry {
                product_id: p.id,
                price: price * 8 / 10,
            });
        }
    }
    if price_list::Entity::find().count(db).await? == 0 {
        let year = Utc::now().year();
        products::create_price_list(
            db,
            &system,
            PriceListCreate {
                name: format!("{year} 渠道价"),
                valid_from: NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
                valid_to: NaiveDate::from_ymd_opt(year, 12, 31),
                notes: Some("渠道合作伙伴：软件按标准价八折".into()),
                entries,
            },
        )
        .await?;
    }
    Ok(CATALOGUE.len())
}
