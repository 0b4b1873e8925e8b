//! The opportunity module's words.

use super::texts;

texts! {
    OpportunityText;
    Opportunities => "商机", "Deals";
    Board => "销售看板", "Pipeline";
    NewDeal => "新建商机", "New deal";
    DealName => "商机名称", "Deal name";
    Amount => "金额（元）", "Amount (¥)";
    ExpectedClose => "预计成交日期", "Expected close";
    Products => "意向产品", "Products of interest";
    Competitors => "竞争对手", "Competitors";
    NextStep => "下一步", "Next step";
    MoveTo => "移动到阶段", "Move to stage";
    Deals => "个", " deals";
    Total => "合计", "Total";
    Weighted => "加权", "Weighted";
    Probability => "赢率", "Probability";
    StageHistory => "阶段历程", "Stage history";
    LostReason => "输单原因", "Why it was lost";
    Confirm => "确定", "Confirm";
    NoDeals => "暂无商机", "No deals";
    Stale => "停滞", "Stale";
    Reopen => "重新打开", "Reopen";
    Customer => "客户", "Customer";
    BadAmount => "请输入金额，最多两位小数", "Enter an amount with at most two decimals";
    Moved => "已移动", "Moved";
    List => "列表", "List";
    Status => "状态", "Status";
    OpenDeals => "进行中", "Open";
    Won => "赢单", "Won";
    Lost => "输单", "Lost";
    AllDeals => "全部", "All";
    Owner => "负责人", "Owner";
}
