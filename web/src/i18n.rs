//! zh-CN (default) and English. Every user-visible string goes through `T`.

use kaidan_shared::audit::AuditAction;
use kaidan_shared::customer::Level;
use kaidan_shared::duplicate::DuplicateField;
use kaidan_shared::{ErrorCode, FieldCode, Role};
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
    pub fn t(&self, k: T) -> &'static str {
        k.text(self.0.get())
    }
}

macro_rules! texts {
    ($($key:ident => $zh:expr, $en:expr;)*) => {
        /// Text keys.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum T { $($key),* }
        impl T {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((T::$key, Lang::Zh) => $zh, (T::$key, Lang::En) => $en,)*
                }
            }
        }
    };
}

texts! {
    AppName => "开单", "Kaidan";
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
    Me => "我的", "Me";
    Admin => "管理", "Admin";
    Search => "搜索", "Search";
    SearchPlaceholder => "客户名称或电话", "Customer name or phone";
    Filters => "筛选", "Filters";
    AllLevels => "全部等级", "All levels";
    Level => "客户等级", "Level";
    Industry => "行业", "Industry";
    Tag => "标签", "Tag";
    Tags => "标签（逗号分隔）", "Tags (comma separated)";
    Owner => "负责人", "Owner";
    AllOwners => "全部负责人", "All owners";
    Loading => "加载中…", "Loading…";
    LoadMore => "加载更多", "Load more";
    NoMore => "没有更多了", "No more";
    NoCustomers => "还没有客户", "No customers yet";
    NoResults => "没有符合条件的客户", "No customers match";
    LoadFailed => "加载失败", "Could not load";
    Retry => "重试", "Retry";
    NewCustomer => "新建客户", "New customer";
    EditCustomer => "编辑客户", "Edit customer";
    Save => "保存", "Save";
    Saving => "保存中…", "Saving…";
    Cancel => "取消", "Cancel";
    Name => "名称", "Name";
    CustomerName => "客户名称", "Customer name";
    Kind => "类型", "Type";
    Company => "企业", "Company";
    Individual => "个人", "Individual";
    CreditCode => "统一社会信用代码", "Unified social credit code";
    Phone => "电话", "Phone";
    Address => "地址", "Address";
    Source => "来源", "Source";
    Notes => "备注", "Notes";
    Contacts => "联系人", "Contacts";
    Contact => "联系人", "Contact";
    AddContact => "添加联系人", "Add contact";
    EditContact => "编辑联系人", "Edit contact";
    FirstContact => "首要联系人", "First contact";
    ContactName => "联系人姓名", "Contact name";
    Title => "职位", "Title";
    Phones => "手机/电话（逗号分隔）", "Phones (comma separated)";
    Email => "邮箱", "Email";
    Wechat => "微信", "WeChat";
    Primary => "首要", "Primary";
    MakePrimary => "设为首要", "Make primary";
    Call => "拨打", "Call";
    CopyWechat => "复制微信", "Copy WeChat";
    Copied => "已复制", "Copied";
    Remove => "删除", "Remove";
    NoContacts => "暂无联系人", "No contacts";
    History => "变更记录", "History";
    NoHistory => "暂无记录", "No history";
    Edit => "编辑", "Edit";
    Transfer => "转移", "Transfer";
    TransferTo => "转移给", "Transfer to";
    Reason => "原因", "Reason";
    Archive => "归档", "Archive";
    Restore => "恢复", "Restore";
    Archived => "已归档", "Archived";
    ConfirmArchive => "确定归档该客户？归档后可恢复。", "Archive this customer? You can restore it later.";
    Duplicates => "发现可能重复的客户", "Possible duplicates found";
    DuplicateHint => "以下客户与新客户相似，请确认不是同一家：", "These customers look like the new one; make sure it is not the same:";
    CreateAnyway => "仍然创建", "Create anyway";
    MatchedCreditCode => "信用代码相同", "same credit code";
    MatchedPhone => "电话相同", "same phone";
    MatchedName => "名称相同", "same name";
    OwnedBy => "负责人：", "Owner: ";
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
    Regions => "区域", "Regions";
    Teams => "团队", "Teams";
    Users => "用户", "Users";
    Add => "添加", "Add";
    Supervisor => "主管", "Supervisor";
    Active => "启用", "Active";
    Inactive => "已停用", "Deactivated";
    Deactivate => "停用", "Deactivate";
    Activate => "启用", "Activate";
    ResetPassword => "重置密码", "Reset password";
    SignInLocks => "登录锁定", "Sign-in locks";
    ClearLocks => "解除锁定", "Clear locks";
    NoLocks => "没有被锁定的地址", "No address is locked";
    FailedSignIns => "近期登录失败次数", "Recent failed sign-ins";
    SignInDelay => "每次登录等待（毫秒）", "Each sign-in waits (ms)";
    LockedUntil => "锁定至", "Locked until";
    DisplayName => "姓名", "Display name";
    None_ => "无", "None";
    Back => "返回", "Back";
    Created => "创建", "Created";
    Updated => "修改", "Updated";
    Version => "版本", "Version";
    Done => "完成", "Done";
    Menu => "导航", "Navigation";
}

pub fn role_label(role: Role, lang: Lang) -> &'static str {
    match (role, lang) {
        (Role::Admin, Lang::Zh) => "管理员",
        (Role::RegionalManager, Lang::Zh) => "区域经理",
        (Role::Supervisor, Lang::Zh) => "主管",
        (Role::SalesRep, Lang::Zh) => "销售代表",
        (Role::CustomerService, Lang::Zh) => "客服",
        (Role::Admin, Lang::En) => "Admin",
        (Role::RegionalManager, Lang::En) => "Regional manager",
        (Role::Supervisor, Lang::En) => "Supervisor",
        (Role::SalesRep, Lang::En) => "Sales rep",
        (Role::CustomerService, Lang::En) => "Customer service",
    }
}

pub fn level_label(level: Level, lang: Lang) -> &'static str {
    match (level, lang) {
        (Level::A, Lang::Zh) => "A 重点",
        (Level::B, Lang::Zh) => "B 普通",
        (Level::C, Lang::Zh) => "C 一般",
        (Level::A, Lang::En) => "A key",
        (Level::B, Lang::En) => "B normal",
        (Level::C, Lang::En) => "C small",
    }
}

pub fn matched_label(f: DuplicateField, lang: Lang) -> &'static str {
    match f {
        DuplicateField::CreditCode => T::MatchedCreditCode.text(lang),
        DuplicateField::Phone => T::MatchedPhone.text(lang),
        DuplicateField::Name => T::MatchedName.text(lang),
        DuplicateField::Email => match lang {
            Lang::Zh => "邮箱相同",
            Lang::En => "same e-mail",
        },
    }
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
        UserCreate => ("创建了用户", "created the user"),
        UserUpdate => ("修改了用户", "edited the user"),
        UserActivate => ("启用了用户", "activated the user"),
        UserDeactivate => ("停用了用户", "deactivated the user"),
        UserPasswordChange => ("修改了密码", "changed the password"),
        UserResetPassword => ("重置了密码", "reset the password"),
        UserSignInLocked => ("登录被锁定", "sign-in locked"),
        UserSignInLocksClear => ("解除了登录锁定", "cleared sign-in locks"),
        Other => ("其他操作", "other change"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// A person's words for a changed field.
pub fn field_label(field: &str, lang: Lang) -> String {
    let t = match field {
        "name" => Some(T::Name),
        "phone" => Some(T::Phone),
        "industry" => Some(T::Industry),
        "level" => Some(T::Level),
        "tags" => Some(T::Tag),
        "address" => Some(T::Address),
        "credit_code" => Some(T::CreditCode),
        "source" => Some(T::Source),
        "notes" => Some(T::Notes),
        "owner_id" | "owner_name" => Some(T::Owner),
        "reason" => Some(T::Reason),
        "title" => Some(T::Title),
        "phones" => Some(T::Phone),
        "email" => Some(T::Email),
        "wechat" => Some(T::Wechat),
        "is_primary" => Some(T::Primary),
        "kind" => Some(T::Kind),
        _ => None,
    };
    t.map(|t| t.text(lang).to_owned()).unwrap_or_default()
}
