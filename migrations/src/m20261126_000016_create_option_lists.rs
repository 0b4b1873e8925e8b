use sea_orm_migration::prelude::*;

use crate::cols::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Option lists (数据字典) and their options: stable keys that records store, labels people read.
/// Options are retired (`active = false`), never deleted, so old records keep their meaning.
#[derive(DeriveIden)]
pub enum OptionLists {
    Table,
    Id,
    Key,
    NameZh,
    NameEn,
    Builtin,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Options {
    Table,
    Id,
    ListId,
    Key,
    LabelZh,
    LabelEn,
    Position,
    Active,
}

/// The lists every installation starts with: (key, 中文名, English name, options as
/// (key, 中文, English)). The customer lists hold the values the app's demo data uses, so that
/// customers' free-text industry and source can move onto their keys.
/// (key, 中文, English)
type Labels = (&'static str, &'static str, &'static str);

const BUILTIN: &[(&str, &str, &str, &[Labels])] = &[
    (
        "customer_industry",
        "客户行业",
        "Customer industry",
        &[
            (
                "information_technology",
                "信息技术",
                "Information technology",
            ),
            ("electronics", "电子制造", "Electronics manufacturing"),
            ("machinery", "机械制造", "Machinery manufacturing"),
            ("wholesale_retail", "批发零售", "Wholesale and retail"),
            ("food", "餐饮食品", "Food and catering"),
            ("healthcare", "医疗健康", "Healthcare"),
            ("construction", "建筑建材", "Construction and materials"),
            ("logistics", "物流运输", "Logistics"),
            ("textiles", "纺织服装", "Textiles and apparel"),
            ("energy", "能源", "Energy"),
            ("finance", "金融", "Finance"),
            ("education", "教育", "Education"),
            ("government", "政府机构", "Government"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "customer_source",
        "客户来源",
        "Customer source",
        &[
            ("trade_show", "展会", "Trade show"),
            ("referral", "转介绍", "Referral"),
            ("website", "官网", "Website"),
            ("cold_call", "电话开发", "Cold call"),
            ("channel_partner", "渠道伙伴", "Channel partner"),
            ("advertising", "广告", "Advertising"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "lead_source",
        "线索来源",
        "Lead source",
        &[
            ("trade_show", "展会", "Trade show"),
            ("website", "官网", "Website"),
            ("phone", "电话", "Phone"),
            ("referral", "转介绍", "Referral"),
            ("advertising", "广告", "Advertising"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "disqualify_reason",
        "线索无效原因",
        "Disqualification reason",
        &[
            ("no_budget", "无预算", "No budget"),
            ("no_need", "无需求", "No need"),
            ("unreachable", "联系不上", "Unreachable"),
            ("duplicate", "重复线索", "Duplicate"),
            ("competitor", "竞争对手", "Competitor"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "lost_reason",
        "输单原因",
        "Lost reason",
        &[
            ("price", "价格", "Price"),
            ("competitor", "选择竞品", "Chose a competitor"),
            ("no_budget", "预算取消", "Budget cancelled"),
            ("timing", "时机未到", "Timing"),
            ("product_fit", "产品不匹配", "Product fit"),
            ("other", "其他", "Other"),
        ],
    ),
    (
        "visit_outcome",
        "拜访结果",
        "Visit outcome",
        &[
            ("interested", "有意向", "Interested"),
            ("follow_up", "需跟进", "Needs follow-up"),
            ("not_interested", "无意向", "Not interested"),
            ("closed", "已成交", "Closed"),
        ],
    ),
    (
        "followup_type",
        "跟进方式",
        "Follow-up type",
        &[
            ("call", "电话", "Call"),
            ("visit", "拜访", "Visit"),
            ("wechat", "微信", "WeChat"),
            ("email", "邮件", "E-mail"),
        ],
    ),
    (
        "payment_method",
        "付款方式",
        "Payment method",
        &[
            ("bank_transfer", "银行转账", "Bank transfer"),
            ("acceptance_bill", "承兑汇票", "Acceptance bill"),
            ("alipay", "支付宝", "Alipay"),
            ("wechat_pay", "微信支付", "WeChat Pay"),
            ("cash", "现金", "Cash"),
            ("other", "其他", "Other"),
        ],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            table(m, OptionLists::Table)
                .col(uuid_pk(OptionLists::Id))
                .col(string(OptionLists::Key, 40))
                .col(string(OptionLists::NameZh, 64))
                .col(string(OptionLists::NameEn, 64))
                .col(boolean(OptionLists::Builtin).default(false))
                .col(version(OptionLists::Version))
                .col(ts_not_null(m, OptionLists::CreatedAt))
                .col(ts_not_null(m, OptionLists::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                OptionLists::Table,
                "key",
                vec![OptionLists::Key.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, Options::Table)
                .col(uuid_pk(Options::Id))
                .col(uuid_col(Options::ListId))
                .col(string(Options::Key, 40))
                .col(string(Options::LabelZh, 64))
                .col(string(Options::LabelEn, 64))
                .col(ColumnDef::new(Options::Position).integer().not_null())
                .col(boolean(Options::Active).default(true))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_options_list")
                        .from(Options::Table, Options::ListId)
                        .to(OptionLists::Table, OptionLists::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                Options::Table,
                "list_key",
                vec![Options::ListId.into_iden(), Options::Key.into_iden()],
            )
            .unique()
            .to_owned(),
        )
        .await?;

        for (key, zh, en, options) in BUILTIN {
            insert_list(m, key, zh, en, options).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Options::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(OptionLists::Table).to_owned())
            .await
    }
}

/// Adds a built-in list with its options (also used by later migrations that bring a module's
/// lists).
pub(crate) async fn insert_list(
    m: &SchemaManager<'_>,
    key: &str,
    zh: &str,
    en: &str,
    options: &[(&str, &str, &str)],
) -> Result<(), DbErr> {
    let now = chrono::Utc::now();
    let list_id = uuid::Uuid::now_v7();
    m.exec_stmt(
        Query::insert()
            .into_table(OptionLists::Table)
            .columns([
                OptionLists::Id,
                OptionLists::Key,
                OptionLists::NameZh,
                OptionLists::NameEn,
                OptionLists::Builtin,
                OptionLists::Version,
                OptionLists::CreatedAt,
                OptionLists::UpdatedAt,
            ])
            .values_panic([
                list_id.into(),
                key.into(),
                zh.into(),
                en.into(),
                true.into(),
                1i64.into(),
                now.into(),
                now.into(),
            ])
            .to_owned(),
    )
    .await?;
    for (position, (k, zh, en)) in options.iter().enumerate() {
        insert_option(m, list_id, k, zh, en, position as i32).await?;
    }
    Ok(())
}

/// Removes built-in lists and their options (the `down` of a migration that added them).
pub(crate) async fn delete_lists(m: &SchemaManager<'_>, keys: &[&str]) -> Result<(), DbErr> {
    let lists = Query::select()
        .column(OptionLists::Id)
        .from(OptionLists::Table)
        .and_where(Expr::col(OptionLists::Key).is_in(keys.iter().copied()))
        .to_owned();
    m.exec_stmt(
        Query::delete()
            .from_table(Options::Table)
            .and_where(Expr::col(Options::ListId).in_subquery(lists))
            .to_owned(),
    )
    .await?;
    m.exec_stmt(
        Query::delete()
            .from_table(OptionLists::Table)
            .and_where(Expr::col(OptionLists::Key).is_in(keys.iter().copied()))
            .to_owned(),
    )
    .await
}

/// Adds an option to a list (also used by the migration that moves customers onto keys).
pub(crate) async fn insert_option(
    m: &SchemaManager<'_>,
    list_id: uuid::Uuid,
    key: &str,
    zh: &str,
    en: &str,
    position: i32,
) -> Result<(), DbErr> {
    m.exec_stmt(
        Query::insert()
            .into_table(Options::Table)
            .columns([
                Options::Id,
                Options::ListId,
                Options::Key,
                Options::LabelZh,
                Options::LabelEn,
                Options::Position,
                Options::Active,
            ])
            .values_panic([
                uuid::Uuid::now_v7().into(),
                list_id.into(),
                key.into(),
                zh.into(),
                en.into(),
                position.into(),
                true.into(),
            ])
            .to_owned(),
    )
    .await
}
