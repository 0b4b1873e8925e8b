//! The public pool's words.

use super::texts;

texts! {
    PoolText;
    Pool => "公海", "Pool";
    Pools => "公海", "Pools";
    Claim => "领取", "Claim";
    Claimed => "已领取，现在是你的客户", "Claimed: the customer is yours now";
    Release => "放入公海", "Release to pool";
    ReleaseReason => "放入公海的原因", "Why release it";
    ConfirmRelease => "放入公海后，你将不再负责该客户。", "You will no longer own this customer.";
    Empty => "公海里暂时没有客户", "No customers in the pool";
    ReturnedOn => "进入公海：", "In the pool since ";
    Reclaimed => "超期未跟进，自动收回", "Not followed up in time; reclaimed";
    QuotaLeft => "今日还可领取", "Claims left today";
    Held => "持有客户", "Customers held";
    Masked => "领取后可查看完整联系方式", "Claim to see full contact details";
    SearchPool => "搜索公海客户", "Search the pool";
    Rules => "公海规则", "Pool rules";
    ReclaimDays => "未跟进自动收回（天）", "Reclaim after days without follow-up";
    Unrated => "未评级", "Unrated";
    Never => "空=不收回", "empty = never";
    WarnDays => "提前提醒（天）", "Warn days ahead";
    CooldownDays => "原负责人冷却期（天）", "Ex-owner cool-down (days)";
    DailyLimit => "每人每日领取上限", "Claims per rep per day";
    HeldCap => "每人持有客户上限", "Customers a rep may hold";
    ExemptOpenDeal => "有进行中商机的客户不收回", "Keep customers with open deals";
    ExemptContract => "有已签合同的客户不收回", "Keep customers with signed contracts";
    CompanyWide => "全公司", "Company-wide";
    RulesSaved => "规则已保存", "Rules saved";
}
