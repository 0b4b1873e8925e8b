//! The words of Admin → 事件推送 (webhooks).

use kaidan_shared::webhook::{DeliveryStatus, EventType};

use super::{texts, Lang};

texts! {
    WebhookText;
    Webhooks => "事件推送", "Webhooks";
    Intro => "把开单里发生的事（新客户、商机赢单、合同审批、回款到账）实时推送到外部系统的地址。推送按应用的数据范围和权限过滤，带 Standard Webhooks 签名，失败会在 24 小时内重试。",
        "Send what happens in Kaidan (a new customer, a deal won, a contract approved, a payment received) to another system's URL as it happens. What is sent follows the client's data scope and scopes; each request is signed the Standard Webhooks way and retried for a day when it fails.";
    NewWebhook => "添加推送", "Add a webhook";
    Client => "应用", "Client";
    Url => "接收地址（https://）", "Target URL (https://)";
    Events => "推送的事件", "Events";
    Description => "说明", "Description";
    AllowPrivate => "允许内网地址（本地部署的 ERP 等）", "Allow private addresses (an on-premise ERP)";
    SecretOnce => "签名密钥只显示这一次，请立即复制到接收端。", "The signing secret is shown this once: copy it to the receiver now.";
    NoWebhooks => "还没有事件推送。", "No webhook yet.";
    NoClients => "先在「开放平台」登记一个应用，再为它添加推送。", "Register a client under API clients first, then add its webhooks.";
    Deliveries => "推送记录", "Deliveries";
    NoDeliveries => "还没有推送记录。", "Nothing has been sent yet.";
    Redeliver => "重新推送", "Send again";
    Attempts => "次尝试", "attempts";
    NextAttempt => "下次重试", "Next try";
    RotateConfirm => "更换签名密钥？24 小时内旧密钥的签名仍会一起发送。", "Rotate the signing secret? For 24 hours the old secret's signature is sent too.";
    DisableConfirm => "停用这个推送？停用期间的事件不会再推送给它。", "Disable this webhook? Events while it is disabled are not sent to it.";
    More => "更多记录", "More";
}

/// An event's name on the admin screen.
pub fn event_label(e: EventType, lang: Lang) -> &'static str {
    use EventType::*;
    match (e, lang) {
        (CustomerCreated, Lang::Zh) => "新建客户",
        (CustomerUpdated, Lang::Zh) => "修改客户",
        (CustomerTransferred, Lang::Zh) => "客户换负责人（转移、领取、退回公海）",
        (LeadCreated, Lang::Zh) => "新线索",
        (LeadAssigned, Lang::Zh) => "线索分配",
        (LeadConverted, Lang::Zh) => "线索转化",
        (OpportunityStageChanged, Lang::Zh) => "商机阶段变化",
        (OpportunityWon, Lang::Zh) => "商机赢单",
        (OpportunityLost, Lang::Zh) => "商机输单",
        (VisitCheckedIn, Lang::Zh) => "拜访签到",
        (ContractSubmitted, Lang::Zh) => "合同提交审批",
        (ContractApproved, Lang::Zh) => "合同审批通过",
        (ContractRejected, Lang::Zh) => "合同被退回",
        (ContractSigned, Lang::Zh) => "合同签订",
        (PaymentReceived, Lang::Zh) => "回款到账",
        (CustomerCreated, Lang::En) => "Customer created",
        (CustomerUpdated, Lang::En) => "Customer changed",
        (CustomerTransferred, Lang::En) => "Customer's owner changed",
        (LeadCreated, Lang::En) => "Lead created",
        (LeadAssigned, Lang::En) => "Lead assigned",
        (LeadConverted, Lang::En) => "Lead converted",
        (OpportunityStageChanged, Lang::En) => "Deal changed stage",
        (OpportunityWon, Lang::En) => "Deal won",
        (OpportunityLost, Lang::En) => "Deal lost",
        (VisitCheckedIn, Lang::En) => "Visit checked in",
        (ContractSubmitted, Lang::En) => "Contract submitted",
        (ContractApproved, Lang::En) => "Contract approved",
        (ContractRejected, Lang::En) => "Contract sent back",
        (ContractSigned, Lang::En) => "Contract signed",
        (PaymentReceived, Lang::En) => "Payment received",
    }
}

pub fn status_label(s: DeliveryStatus, lang: Lang) -> &'static str {
    match (s, lang) {
        (DeliveryStatus::Pending, Lang::Zh) => "等待重试",
        (DeliveryStatus::Delivered, Lang::Zh) => "已送达",
        (DeliveryStatus::Failed, Lang::Zh) => "失败",
        (DeliveryStatus::Pending, Lang::En) => "Retrying",
        (DeliveryStatus::Delivered, Lang::En) => "Delivered",
        (DeliveryStatus::Failed, Lang::En) => "Failed",
    }
}
