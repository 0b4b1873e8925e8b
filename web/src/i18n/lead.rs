//! The lead module's words.

use kaidan_shared::lead::{AssignedVia, LeadStatus};

use super::{texts, Label, Lang, T};

texts! {
    LeadText;
    Leads => "线索", "Leads";
    NewLead => "新建线索", "New lead";
    EditLead => "编辑线索", "Edit lead";
    ContactName => "联系人", "Contact name";
    Company => "公司", "Company";
    Phone => "电话", "Phone";
    Email => "邮箱", "E-mail";
    Source => "线索来源", "Source";
    Province => "省份", "Province";
    Notes => "备注", "Notes";
    Status => "状态", "Status";
    AllStatuses => "全部状态", "All statuses";
    AllSources => "全部来源", "All sources";
    SearchPlaceholder => "姓名、公司或电话", "Name, company or phone";
    Queue => "待分配", "To assign";
    Mine => "我的线索", "My leads";
    NoLeads => "暂无线索", "No leads";
    Owner => "负责人", "Owner";
    InQueue => "在队列中：", "Waiting in: ";
    AssignedBy => "分配方式", "Assigned by";
    MarkContacted => "标为已联系", "Mark contacted";
    Qualify => "确认有效", "Qualify";
    Disqualify => "标为无效", "Disqualify";
    DisqualifyReason => "无效原因", "Reason";
    TakeUp => "重新跟进", "Take up again";
    Convert => "转化为客户", "Convert";
    ConvertTitle => "转化线索", "Convert the lead";
    ConvertHint => "将新建客户（联系人为线索本人），也可同时新建商机。", "Makes a customer with this person as its contact, and a deal if you like.";
    WithDeal => "同时新建商机", "Open a deal too";
    DealName => "商机名称", "Deal name";
    DealAmount => "金额（元）", "Amount (¥)";
    AttachTo => "关联到此客户", "Attach to this customer";
    CreateAnyway => "仍然新建客户", "Create a new customer anyway";
    DuplicateHint => "已有相似的客户：可以把线索关联到已有客户。", "Similar customers exist: you can attach the lead to one.";
    LeadDuplicateHint => "已有相似的线索或客户，请确认不是重复录入。", "Similar leads or customers exist; make sure this is not a duplicate.";
    ConvertedTo => "已转化为：", "Became: ";
    ViewCustomer => "查看客户", "Open the customer";
    ViewDeal => "查看商机", "Open the deal";
    Assign => "分配", "Assign";
    AssignTo => "分配给", "Assign to";
    Rules => "线索分配", "Lead rules";
    NewRule => "新建规则", "New rule";
    RuleName => "规则名称", "Rule name";
    Position => "顺序", "Order";
    Provinces => "省份（不选即全部）", "Provinces (none: all)";
    Team => "轮流分配的团队", "Team taking turns";
    QueueName => "无人可接时进入队列", "Queue when nobody can take it";
    Cap => "每人在跟线索上限", "Open leads per rep at most";
    Active => "启用", "Active";
    NoRules => "还没有规则：所有非销售代表录入的线索进入“待分配”队列。", "No rules yet: every lead not entered by a rep waits in the 'To assign' queue.";
    DeleteRule => "删除", "Delete";
}

pub fn status_label(s: LeadStatus, lang: Lang) -> &'static str {
    let (zh, en) = match s {
        LeadStatus::New => ("新线索", "New"),
        LeadStatus::Contacted => ("已联系", "Contacted"),
        LeadStatus::Qualified => ("有效", "Qualified"),
        LeadStatus::Disqualified => ("无效", "Disqualified"),
        LeadStatus::Converted => ("已转化", "Converted"),
    };
    Label { zh, en }.text(lang)
}

pub fn via_label(v: AssignedVia, lang: Lang) -> &'static str {
    let (zh, en) = match v {
        AssignedVia::Creator => ("录入人自己跟进", "Kept by whoever entered it"),
        AssignedVia::Rule => ("按规则轮流分配", "By rule, in turn"),
        AssignedVia::Queue => ("等待分配", "Waiting to be assigned"),
        AssignedVia::Manual => ("主管分配", "Assigned by a supervisor"),
    };
    Label { zh, en }.text(lang)
}

/// The words for a lead's field in its history.
pub fn field_label(field: &str) -> Option<Label> {
    Some(match field {
        "name" => LeadText::ContactName.into(),
        "company" => LeadText::Company.into(),
        "phone" => LeadText::Phone.into(),
        "email" => LeadText::Email.into(),
        "source" => LeadText::Source.into(),
        "province" => LeadText::Province.into(),
        "notes" => LeadText::Notes.into(),
        "status" => LeadText::Status.into(),
        "disqualify_reason" => LeadText::DisqualifyReason.into(),
        "owner_id" | "owner_name" => LeadText::Owner.into(),
        "queue" => LeadText::Queue.into(),
        "assigned_via" | "assigned_rule_name" => LeadText::AssignedBy.into(),
        "reason" => T::Reason.into(),
        _ => return None,
    })
}
