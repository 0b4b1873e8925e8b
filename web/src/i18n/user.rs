//! The user module's words (the admin screen's users).

use kaidan_shared::Role;

use super::{texts, Lang};

texts! {
    UserText;
    Users => "用户", "Users";
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
}

pub fn role_label(role: Role, lang: Lang) -> &'static str {
    match (role, lang) {
        (Role::Admin, Lang::Zh) => "管理员",
        (Role::RegionalManager, Lang::Zh) => "区域经理",
        (Role::Supervisor, Lang::Zh) => "主管",
        (Role::SalesRep, Lang::Zh) => "销售代表",
        (Role::CustomerService, Lang::Zh) => "客服",
        (Role::Integration, Lang::Zh) => "开放平台应用",
        (Role::Admin, Lang::En) => "Admin",
        (Role::RegionalManager, Lang::En) => "Regional manager",
        (Role::Supervisor, Lang::En) => "Supervisor",
        (Role::SalesRep, Lang::En) => "Sales rep",
        (Role::CustomerService, Lang::En) => "Customer service",
        (Role::Integration, Lang::En) => "API client",
    }
}
