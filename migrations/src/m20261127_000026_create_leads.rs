use sea_orm_migration::prelude::*;

use crate::cols::*;
use crate::m20261126_000016_create_option_lists::{delete_lists, insert_list};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Leads (线索), the rules that assign them (territory → team round-robin → queue) and each
/// team's round-robin turn; the option lists `province` (the territories rules name) and
/// `lead_queue` (where leads wait for a supervisor).
#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    /// The contact person's name.
    Name,
    Company,
    /// `normalize::name_key` of the company (or of the person without one): the duplicate probe.
    NameKey,
    /// Name and company, for the list's search.
    SearchKey,
    Phone,
    PhoneKey,
    Email,
    /// The e-mail lower-cased: the duplicate probe.
    EmailKey,
    Source,
    Province,
    /// Where the lead belongs while nobody owns it (from the rule's team), for scopes.
    RegionId,
    TeamId,
    OwnerId,
    /// An option key of `lead_queue` while the lead waits for manual assignment.
    Queue,
    /// `new`, `contacted`, `qualified`, `disqualified`, `converted`.
    Status,
    DisqualifyReason,
    DisqualifyNote,
    Notes,
    /// The rule that assigned it (`NULL`: by hand or by its creator).
    AssignedRuleId,
    /// `creator`, `rule`, `queue`, `manual`.
    AssignedVia,
    AssignedAt,
    CustomerId,
    ContactId,
    OpportunityId,
    ConvertedAt,
    Custom,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum LeadRules {
    Table,
    Id,
    Name,
    /// Evaluation order, lowest first.
    Position,
    /// The regional manager's region the rule was made for (`NULL`: company-wide, admins).
    RegionId,
    /// JSON array of `province` option keys; empty matches every lead.
    Provinces,
    /// The team whose active reps take turns.
    TeamId,
    /// Where a lead goes when no rep of the team can take it.
    Queue,
    /// A rep with this many open leads is skipped.
    OpenLeadCap,
    Active,
    Version,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

/// Each team's round-robin position, one row per team: locked by an update while the next rep is
/// chosen, so turns are fair across restarts and across instances.
#[derive(DeriveIden)]
enum LeadTurns {
    Table,
    TeamId,
    LastUserId,
    Turns,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

/// The 34 province-level divisions (keys are pinyin; admins may add cities or areas).
const PROVINCES: &[(&str, &str, &str)] = &[
    ("beijing", "北京", "Beijing"),
    ("tianjin", "天津", "Tianjin"),
    ("hebei", "河北", "Hebei"),
    ("shanxi", "山西", "Shanxi"),
    ("neimenggu", "内蒙古", "Inner Mongolia"),
    ("liaoning", "辽宁", "Liaoning"),
    ("jilin", "吉林", "Jilin"),
    ("heilongjiang", "黑龙江", "Heilongjiang"),
    ("shanghai", "上海", "Shanghai"),
    ("jiangsu", "江苏", "Jiangsu"),
    ("zhejiang", "浙江", "Zhejiang"),
    ("anhui", "安徽", "Anhui"),
    ("fujian", "福建", "Fujian"),
    ("jiangxi", "江西", "Jiangxi"),
    ("shandong", "山东", "Shandong"),
    ("henan", "河南", "Henan"),
    ("hubei", "湖北", "Hubei"),
    ("hunan", "湖南", "Hunan"),
    ("guangdong", "广东", "Guangdong"),
    ("guangxi", "广西", "Guangxi"),
    ("hainan", "海南", "Hainan"),
    ("chongqing", "重庆", "Chongqing"),
    ("sichuan", "四川", "Sichuan"),
    ("guizhou", "贵州", "Guizhou"),
    ("yunnan", "云南", "Yunnan"),
    ("xizang", "西藏", "Tibet"),
    ("shaanxi", "陕西", "Shaanxi"),
    ("gansu", "甘肃", "Gansu"),
    ("qinghai", "青海", "Qinghai"),
    ("ningxia", "宁夏", "Ningxia"),
    ("xinjiang", "新疆", "Xinjiang"),
    ("hongkong", "香港", "Hong Kong"),
    ("macau", "澳门", "Macau"),
    ("taiwan", "台湾", "Taiwan"),
];

const QUEUES: &[(&str, &str, &str)] = &[("unassigned", "待分配", "Unassigned")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        insert_list(m, "province", "省份", "Province", PROVINCES).await?;
        insert_list(m, "lead_queue", "线索队列", "Lead queue", QUEUES).await?;

        m.create_table(
            table(m, Leads::Table)
                .col(uuid_pk(Leads::Id))
                .col(string(Leads::Name, 200))
                .col(string_null(Leads::Company, 200))
                .col(string(Leads::NameKey, 200))
                .col(string(Leads::SearchKey, 420))
                .col(string_null(Leads::Phone, 40))
                .col(string_null(Leads::PhoneKey, 40))
                .col(string_null(Leads::Email, 254))
                .col(string_null(Leads::EmailKey, 254))
                .col(string_null(Leads::Source, 40))
                .col(string_null(Leads::Province, 40))
                .col(uuid_null(Leads::RegionId))
                .col(uuid_null(Leads::TeamId))
                .col(uuid_null(Leads::OwnerId))
                .col(string_null(Leads::Queue, 40))
                .col(string(Leads::Status, 16))
                .col(string_null(Leads::DisqualifyReason, 40))
                .col(string_null(Leads::DisqualifyNote, 500))
                .col(text_null(Leads::Notes))
                .col(uuid_null(Leads::AssignedRuleId))
                .col(string(Leads::AssignedVia, 16))
                .col(ts_not_null(m, Leads::AssignedAt))
                .col(uuid_null(Leads::CustomerId))
                .col(uuid_null(Leads::ContactId))
                .col(uuid_null(Leads::OpportunityId))
                .col(ts_null(m, Leads::ConvertedAt))
                .col(text_null(Leads::Custom))
                .col(version(Leads::Version))
                .col(uuid_null(Leads::CreatedBy))
                .col(ts_not_null(m, Leads::CreatedAt))
                .col(ts_not_null(m, Leads::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_leads_owner")
                        .from(Leads::Table, Leads::OwnerId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        // My leads and a scope's (owner, then the list's order); a rep's open leads (the cap);
        // the queues (region, queue, order); the duplicate probes.
        for (suffix, cols) in [
            (
                "owner_updated",
                vec![
                    Leads::OwnerId.into_iden(),
                    Leads::UpdatedAt.into_iden(),
                    Leads::Id.into_iden(),
                ],
            ),
            (
                "owner_status",
                vec![Leads::OwnerId.into_iden(), Leads::Status.into_iden()],
            ),
            (
                "queue",
                vec![
                    Leads::Queue.into_iden(),
                    Leads::RegionId.into_iden(),
                    Leads::UpdatedAt.into_iden(),
                    Leads::Id.into_iden(),
                ],
            ),
            ("name_key", vec![Leads::NameKey.into_iden()]),
            ("phone_key", vec![Leads::PhoneKey.into_iden()]),
            ("email_key", vec![Leads::EmailKey.into_iden()]),
        ] {
            m.create_index(index(Leads::Table, suffix, cols).to_owned())
                .await?;
        }

        m.create_table(
            table(m, LeadRules::Table)
                .col(uuid_pk(LeadRules::Id))
                .col(string(LeadRules::Name, 100))
                .col(ColumnDef::new(LeadRules::Position).integer().not_null())
                .col(uuid_null(LeadRules::RegionId))
                .col(text_null(LeadRules::Provinces))
                .col(uuid_null(LeadRules::TeamId))
                .col(string_null(LeadRules::Queue, 40))
                .col(ColumnDef::new(LeadRules::OpenLeadCap).integer().null())
                .col(boolean(LeadRules::Active))
                .col(version(LeadRules::Version))
                .col(uuid_null(LeadRules::CreatedBy))
                .col(ts_not_null(m, LeadRules::CreatedAt))
                .col(ts_not_null(m, LeadRules::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(m, LeadTurns::Table)
                .col(uuid_pk(LeadTurns::TeamId))
                .col(uuid_null(LeadTurns::LastUserId))
                .col(
                    ColumnDef::new(LeadTurns::Turns)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .col(ts_not_null(m, LeadTurns::UpdatedAt))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            LeadTurns::Table.into_iden(),
            LeadRules::Table.into_iden(),
            Leads::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        delete_lists(m, &["province", "lead_queue"]).await
    }
}
