//! zh-CN (default) and English. Every user-visible string is a key of a text enum: `T` here for
//! the words every screen shares (sign-in, errors, buttons), and one enum per module in the
//! module's own file (`customer::CustomerText`, …), so a module brings its words with it.

pub mod api_client;
pub mod contact;
pub mod contract;
pub mod customer;
pub mod field;
pub mod lead;
pub mod notification;
pub mod opportunity;
pub mod org;
pub mod pool;
pub mod product;
pub mod quote;
pub mod user;
pub mod visit;
pub mod webhook;

pub use user::role_label;

use kaidan_shared::audit::AuditAction;
use kaidan_shared::{ErrorCode, FieldCode};
use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Lang {
        if s.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }
}

/// The current language, provided at the root.
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or(I18n(RwSignal::new(Lang::Zh)))
}

impl I18n {
    pub fn lang(&self) -> Lang {
        self.0.get()
    }
    /// The text for `k` in the current language (reactive when called inside a closure).
    pub fn t(&self, k: impl Into<Label>) -> &'static str {
        k.into().text(self.0.get())
    }
}

/// A text in both languages: what any module's text key turns into, so components (a field's
/// label, say) take the words of any module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Label {
    pub zh: &'static str,
    pub en: &'static str,
}

impl Label {
    pub fn text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh,
            Lang::En => self.en,
        }
    }
}

/// Declares a text enum: each key with its Chinese and English text.
macro_rules! texts {
    ($name:ident; $($key:ident => $zh:expr, $en:expr;)*) => {
        /// Text keys.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name { $($key),* }
        impl $name {
            pub fn text(self, lang: $crate::i18n::Lang) -> &'static str {
                $crate::i18n::Label::from(self).text(lang)
            }
        }
        impl From<$name> for $crate::i18n::Label {
            fn from(k: $name) -> Self {
                match k {
                    $($name::$key => $crate::i18n::Label { zh: $zh, en: $en },)*
                }
            }
        }
    };
}
pub(crate) use texts;

texts! {
    T;
    AppName => "开单", "Kaidan";
    Visits => "拜访", "Visits";
    Approvals => "审批", "Approvals";
    SignIn => "登录", "Sign in";
    SignOut => "退出登录", "Sign out";
    Username => "用户名", "Username";
    Password => "密码", "Password";
    SigningIn => "正在登录…", "Signing in…";
    WrongPassword => "用户名或密码错误", "Wrong username or password";
    TooManyAttempts => "尝试次数过多，请稍后再试", "Too many attempts; try again later";
    RetryAfterSeconds => "秒后可重试", "seconds until you can retry";
    SessionExpired => "登录已过期，请重新登录", "Your session has expired; please sign in again";
    NetworkError => "网络异常，请检查网络后重试", "Network problem; check your connection and retry";
    Customers => "客户", "Customers";
    // The shell's own words: naming a module's text enum here would bring all of its words into
    // the first download (docs/bundle-size.md).
    Leads => "线索", "Leads";
    Deals => "商机", "Deals";
    Pool => "公海", "Pool";
    UnreadNotifications => "未读通知", "unread notifications";
    PendingSync => "待同步", "To sync";
    SyncConflicts => "同步冲突", "Sync conflicts";
    Me => "我的", "Me";
    Admin => "管理", "Admin";
    Search => "搜索", "Search";
    Filters => "筛选", "Filters";
    Columns => "列", "Columns";
    DefaultColumns => "恢复默认", "Default columns";
    SortBy => "排序", "Sort by";
    SortUpdated => "最近更新", "Recently changed";
    Loading => "加载中…", "Loading…";
    LoadMore => "加载更多", "Load more";
    LoadFailed => "加载失败", "Could not load";
    Retry => "重试", "Retry";
    Save => "保存", "Save";
    Saving => "保存中…", "Saving…";
    Cancel => "取消", "Cancel";
    Name => "名称", "Name";
    Copied => "已复制", "Copied";
    Remove => "删除", "Remove";
    History => "变更记录", "History";
    NoHistory => "暂无记录", "No history";
    Edit => "编辑", "Edit";
    Reason => "原因", "Reason";
    Archive => "归档", "Archive";
    Restore => "恢复", "Restore";
    Archived => "已归档", "Archived";
    Duplicates => "发现可能重复的客户", "Possible duplicates found";
    Open => "查看", "Open";
    ChangedBySomeoneElse => "该记录已被他人修改，请刷新后重试（您填写的内容已保留）", "Someone else changed this record; reload and retry (your input is kept)";
    SaveFailed => "保存失败", "Save failed";
    FixFields => "请修正标出的字段", "Please fix the marked fields";
    NotFound => "未找到，或您无权查看", "Not found, or not visible to you";
    Forbidden => "您没有权限执行此操作", "You are not allowed to do this";
    Profile => "个人资料", "Profile";
    Role => "角色", "Role";
    Team => "团队", "Team";
    Region => "区域", "Region";
    Language => "语言", "Language";
    ChangePassword => "修改密码", "Change password";
    CurrentPassword => "当前密码", "Current password";
    NewPassword => "新密码（至少 8 位）", "New password (8+ characters)";
    PasswordChanged => "密码已修改", "Password changed";
    Add => "添加", "Add";
    DisplayName => "姓名", "Display name";
    Back => "返回", "Back";
    Done => "完成", "Done";
    Menu => "导航", "Navigation";
}

/// A person's message for an error code.
pub fn error_text(code: ErrorCode, lang: Lang) -> &'static str {
    use ErrorCode::*;
    match code {
        InvalidCredentials => T::WrongPassword.text(lang),
        TooManyRequests => T::TooManyAttempts.text(lang),
        TokenExpired | Unauthenticated | InvalidRefreshToken | RefreshTokenReused => {
            T::SessionExpired.text(lang)
        }
        VersionConflict => T::ChangedBySomeoneElse.text(lang),
        ValidationFailed | WeakPassword => T::FixFields.text(lang),
        NotFound => T::NotFound.text(lang),
        Forbidden | FieldForbidden => T::Forbidden.text(lang),
        DuplicateSuspected => T::Duplicates.text(lang),
        WrongPassword => match lang {
            Lang::Zh => "当前密码不正确",
            Lang::En => "The current password is wrong",
        },
        Archived => match lang {
            Lang::Zh => "该客户已归档，请先恢复",
            Lang::En => "This customer is archived; restore it first",
        },
        NotInPool => match lang {
            Lang::Zh => "该客户已不在公海（可能已被他人领取）",
            Lang::En => "No longer in the pool (someone may have claimed it)",
        },
        ClaimLimitReached => match lang {
            Lang::Zh => "今日领取次数已用完",
            Lang::En => "You have used today's claims",
        },
        HeldCapReached => match lang {
            Lang::Zh => "持有客户数已达上限",
            Lang::En => "You hold the most customers allowed",
        },
        ClaimCooldown => match lang {
            Lang::Zh => "刚放弃的客户需过冷却期才能再领取",
            Lang::En => "You released this customer recently; wait for the cool-down",
        },
        CustomerMoved => match lang {
            Lang::Zh => "该客户已转给他人、退回公海或已归档，不能再签到",
            Lang::En => "The customer was transferred, pooled or archived: no check-in",
        },
        InvalidState => match lang {
            Lang::Zh => "当前状态不允许此操作",
            Lang::En => "Not allowed in this state",
        },
        Converted => match lang {
            Lang::Zh => "该线索已转化，不能再修改",
            Lang::En => "This lead is converted; it can no longer change",
        },
        Conflict => match lang {
            Lang::Zh => "名称已被占用",
            Lang::En => "That name is taken",
        },
        ServiceUnavailable | Internal => match lang {
            Lang::Zh => "服务器出错，请稍后再试",
            Lang::En => "Server error; try again later",
        },
        _ => T::SaveFailed.text(lang),
    }
}

/// A person's message for a field error code.
pub fn field_error_text(code: FieldCode, lang: Lang) -> &'static str {
    use FieldCode::*;
    let (zh, en) = match code {
        Required => ("必填", "Required"),
        TooLong => ("太长了", "Too long"),
        TooShort => ("太短了", "Too short"),
        InvalidCharacters => ("含有不允许的空字符", "Contains a NUL character"),
        TooCommon => ("密码太常见", "Too common a password"),
        ContainsUsername => ("密码不能包含用户名", "Must not contain the username"),
        InvalidChecksum => ("信用代码校验位不正确", "Check digit does not match"),
        InvalidFormat => ("格式不正确", "Invalid format"),
        OutOfRange => ("超出范围", "Out of range"),
        TooMany => ("数量太多", "Too many"),
        UnknownReference => (
            "不存在或不在您的权限范围内",
            "Unknown or outside your scope",
        ),
        NotAllowed => ("不允许", "Not allowed"),
        UnknownField => ("没有这个字段", "No such field"),
        Other => ("无效", "Invalid"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A person's words for an audit action.
pub fn action_label(action: AuditAction, lang: Lang) -> &'static str {
    use AuditAction::*;
    let (zh, en) = match action {
        CustomerCreate => ("创建了客户", "created the customer"),
        CustomerUpdate => ("修改了客户", "edited the customer"),
        CustomerTransfer => ("转移了客户", "transferred the customer"),
        CustomerArchive => ("归档了客户", "archived the customer"),
        CustomerRestore => ("恢复了客户", "restored the customer"),
        CustomerDuplicateMatch => (
            "查重时匹配到此客户",
            "matched in another user's duplicate check",
        ),
        ContactCreate => ("添加了联系人", "added a contact"),
        ContactUpdate => ("修改了联系人", "edited a contact"),
        ContactArchive => ("删除了联系人", "removed a contact"),
        RegionCreate => ("创建了区域", "created the region"),
        RegionUpdate => ("修改了区域", "edited the region"),
        TeamCreate => ("创建了团队", "created the team"),
        TeamUpdate => ("修改了团队", "edited the team"),
        ApiClientCreate => ("登记了开放平台应用", "registered the API client"),
        ApiClientUpdate => ("修改了开放平台应用", "edited the API client"),
        ApiClientRotateSecret => ("更换了应用密钥", "rotated the API client's secret"),
        WebhookCreate => ("添加了事件推送", "added the webhook"),
        WebhookUpdate => ("修改了事件推送", "changed the webhook"),
        WebhookRotateSecret => ("更换了推送签名密钥", "rotated the webhook's signing secret"),
        WebhookRedeliver => ("重新推送了事件", "redelivered an event"),
        WebhookDisable => ("停用了失败的事件推送", "disabled the failing webhook"),
        UserCreate => ("创建了用户", "created the user"),
        UserUpdate => ("修改了用户", "edited the user"),
        UserActivate => ("启用了用户", "activated the user"),
        UserDeactivate => ("停用了用户", "deactivated the user"),
        UserPasswordChange => ("修改了密码", "changed the password"),
        UserResetPassword => ("重置了密码", "reset the password"),
        UserSignInLocked => ("登录被锁定", "sign-in locked"),
        UserSignInLocksClear => ("解除了登录锁定", "cleared sign-in locks"),
        OptionListCreate => ("创建了选项列表", "created the option list"),
        OptionListUpdate => ("修改了选项列表", "edited the option list"),
        FieldCreate => ("添加了自定义字段", "added the custom field"),
        FieldUpdate => ("修改了自定义字段", "edited the custom field"),
        LayoutUpdate => ("修改了布局", "edited the layout"),
        LayoutColumns => ("选择了列表列", "chose list columns"),
        CustomerRelease => ("放入了公海", "released to the pool"),
        CustomerClaim => ("从公海领取", "claimed from the pool"),
        CustomerReclaim => ("自动收回到公海", "reclaimed to the pool"),
        PoolCreate => ("创建了公海", "created the pool"),
        PoolUpdate => ("修改了公海规则", "edited the pool's rules"),
        NotificationRead => ("标记通知已读", "marked a notification read"),
        NotificationReadAll => ("全部通知标为已读", "marked all notifications read"),
        JobRun => ("后台任务运行", "background job ran"),
        OpportunityCreate => ("创建了商机", "created the deal"),
        OpportunityUpdate => ("修改了商机", "edited the deal"),
        OpportunityStage => ("推进了商机阶段", "moved the deal's stage"),
        OpportunityReopen => ("重新打开了商机", "reopened the deal"),
        OpportunityArchive => ("删除了商机", "removed the deal"),
        OpportunityTransfer => ("转移了商机", "transferred the deal"),
        VisitCreate => ("安排了拜访", "planned the visit"),
        VisitUpdate => ("记录了拜访", "recorded the visit"),
        VisitCheckIn => ("签到", "checked in"),
        VisitCheckOut => ("签退", "checked out"),
        VisitCancel => ("取消了拜访", "cancelled the visit"),
        VisitArchive => ("删除了拜访", "removed the visit"),
        VisitSettingsUpdate => ("修改了拜访设置", "changed the visit settings"),
        CustomerLocate => (
            "用签到位置标注了客户地址",
            "placed the customer from a check-in",
        ),
        AttachmentAdd => ("添加了附件", "added an attachment"),
        AttachmentRemove => ("删除了附件", "removed an attachment"),
        FollowUpCreate => ("创建了跟进任务", "created the follow-up task"),
        FollowUpUpdate => ("修改了跟进任务", "edited the follow-up task"),
        FollowUpDone => ("完成了跟进任务", "completed the follow-up task"),
        FollowUpSnooze => ("推迟了跟进任务", "put off the follow-up task"),
        FollowUpCancel => ("取消了跟进任务", "cancelled the follow-up task"),
        FollowUpReopen => ("重新打开了跟进任务", "reopened the follow-up task"),
        ProductCreate => ("创建了产品", "created the product"),
        ProductUpdate => ("修改了产品", "edited the product"),
        PriceListCreate => ("创建了价格表", "created the price list"),
        PriceListUpdate => ("修改了价格表", "edited the price list"),
        QuoteCreate => ("创建了报价", "created the quote"),
        QuoteUpdate => ("修改了报价", "edited the quote"),
        QuoteSend => ("发送了报价", "sent the quote"),
        QuoteRevise => ("修订了报价", "revised the quote"),
        QuoteAccept => ("客户接受了报价", "recorded the customer's acceptance"),
        QuoteReject => ("客户拒绝了报价", "recorded the customer's rejection"),
        QuoteSupersede => ("报价被新版本取代", "superseded by a new revision"),
        CompanyUpdate => ("修改了公司信息", "edited the company's particulars"),
        QuoteSubmit => ("提交了折扣审批", "submitted the discount for approval"),
        QuoteReturn => ("报价退回为草稿", "returned the quote to a draft"),
        ContractCreate => ("创建了合同", "created the contract"),
        ContractUpdate => ("修改了合同", "edited the contract"),
        ContractSubmit => ("提交了合同审批", "submitted the contract for approval"),
        ContractApprove => ("合同审批通过", "the contract was approved"),
        ContractReturn => ("合同退回为草稿", "returned the contract to a draft"),
        ContractReopen => ("重新打开了合同", "reopened the contract"),
        ContractSign => ("签订了合同", "signed the contract"),
        ContractComplete => ("合同已履行完毕", "completed the contract"),
        ContractTerminate => ("终止了合同", "terminated the contract"),
        ApprovalApprove => ("审批同意", "approved"),
        ApprovalReject => ("审批驳回", "rejected"),
        ApprovalWithdraw => ("撤回了审批", "withdrew the submission"),
        ApprovalEscalate => ("审批超时，已升级", "escalated the waiting step"),
        ApprovalTemplateCreate => ("创建了审批流程", "created the approval flow"),
        ApprovalTemplateUpdate => ("修改了审批流程", "edited the approval flow"),
        PaymentPlanCreate => ("添加了回款计划", "added an instalment"),
        PaymentPlanDelete => ("删除了回款计划", "removed an instalment"),
        PaymentRecord => ("登记了回款", "recorded a payment"),
        StagesUpdate => ("修改了销售阶段", "edited the pipeline's stages"),
        LeadCreate => ("创建了线索", "created the lead"),
        LeadUpdate => ("修改了线索", "edited the lead"),
        LeadAssign => ("分配了线索", "assigned the lead"),
        LeadDisqualify => ("将线索标为无效", "disqualified the lead"),
        LeadConvert => ("转化了线索", "converted the lead"),
        LeadDuplicateMatch => (
            "查重时匹配到此线索",
            "matched this lead in a duplicate check",
        ),
        LeadRuleCreate => ("新建了分配规则", "added an assignment rule"),
        LeadRuleUpdate => ("修改了分配规则", "edited an assignment rule"),
        LeadRuleDelete => ("删除了分配规则", "deleted an assignment rule"),
        Other => ("其他操作", "other change"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A person's words for a changed field of a record of `entity` (as the audit trail names it),
/// or empty when there are none.
pub fn field_label(entity: &str, field: &str, lang: Lang) -> String {
    let label = match entity {
        "customer" => customer::field_label(field),
        "contact" => contact::field_label(field),
        "lead" => lead::field_label(field),
        "product" => product::field_label(field),
        _ => None,
    };
    label.map(|l| l.text(lang).to_owned()).unwrap_or_default()
}
