//! The words of Admin → 开放平台 (API clients).

use kaidan_shared::api_client::ApiScope;

use super::{texts, Lang};

texts! {
    ApiClientText;
    ApiClients => "开放平台", "API clients";
    Intro => "登记调用开单 API 的外部系统（金蝶、ERP、钉钉/飞书应用、官网表单）：客户端凭证（OAuth2）换取令牌，只能在所放位置的数据范围内、按所选权限访问。",
        "Register the systems that call Kaidan's API (Kingdee, an ERP, DingTalk or Feishu apps, web forms): they trade client credentials (OAuth2) for tokens that reach only the data of their place, for the scopes chosen.";
    NewClient => "登记应用", "Register a client";
    Scopes => "权限", "Scopes";
    Place => "数据范围", "Data scope";
    WholeCompany => "全公司", "The whole company";
    AllowedIps => "允许的来源 IP（每行一个，可写网段；留空不限）", "Allowed source addresses (one per line, networks allowed; empty: anywhere)";
    RatePerMinute => "每分钟请求上限（留空用默认）", "Requests a minute (empty: the default)";
    ClientId => "Client ID", "Client ID";
    SecretOnce => "密钥只显示这一次，请立即复制保存。", "The secret is shown this once: copy it now.";
    Copy => "复制", "Copy";
    Copied => "已复制", "Copied";
    Saved => "我已保存", "I have saved it";
    Rotate => "更换密钥", "Rotate secret";
    RotateConfirm => "更换密钥？旧密钥在 24 小时内仍可用。", "Rotate the secret? The old one keeps working for 24 hours.";
    Disable => "停用", "Disable";
    DisableConfirm => "停用这个应用？它的令牌会立即失效。", "Disable this client? Its tokens stop working at once.";
    Enable => "启用", "Enable";
    Disabled => "已停用", "Disabled";
    LastUsed => "最近取令牌", "Last token";
    Never => "从未", "never";
    OldSecretUntil => "旧密钥可用至", "Old secret works until";
    NoClients => "还没有登记任何应用。", "No client is registered yet.";
}

/// A scope's name on the admin screen.
pub fn scope_label(s: ApiScope, lang: Lang) -> &'static str {
    use ApiScope::*;
    match (s, lang) {
        (CustomersRead, Lang::Zh) => "读取客户与联系人",
        (CustomersWrite, Lang::Zh) => "新建、修改客户与联系人",
        (LeadsRead, Lang::Zh) => "读取线索",
        (LeadsWrite, Lang::Zh) => "提交线索（按分配规则分配）",
        (OpportunitiesRead, Lang::Zh) => "读取商机",
        (OpportunitiesWrite, Lang::Zh) => "新建、修改商机",
        (VisitsRead, Lang::Zh) => "读取拜访",
        (FollowUpsRead, Lang::Zh) => "读取跟进任务",
        (FollowUpsWrite, Lang::Zh) => "新建、完成跟进任务",
        (ProductsRead, Lang::Zh) => "读取产品与价格表",
        (QuotesRead, Lang::Zh) => "读取报价",
        (ContractsRead, Lang::Zh) => "读取合同",
        (PaymentsRead, Lang::Zh) => "读取回款与应收",
        (PaymentsWrite, Lang::Zh) => "登记回款（财务系统）",
        (OrgRead, Lang::Zh) => "读取组织架构（用户、团队、区域）",
        (s, Lang::En) => s.description(),
    }
}
