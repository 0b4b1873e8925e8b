//! The org module's words (regions and teams on the admin screen).

use super::texts;

texts! {
    OrgText;
    Regions => "区域", "Regions";
    Teams => "团队", "Teams";
    Supervisor => "主管", "Supervisor";
    Company => "公司信息", "Company";
    CompanyName => "公司名称", "Company name";
    Address => "地址", "Address";
    Phone => "电话", "Phone";
    Email => "邮箱", "E-mail";
    CreditCode => "统一社会信用代码", "Credit code";
    BankName => "开户银行", "Bank";
    BankAccount => "银行账号", "Account";
    CompanyHint => "打印报价单和合同时作为抬头", "The letterhead of printed quotes and contracts";
    Saved => "已保存", "Saved";
}
