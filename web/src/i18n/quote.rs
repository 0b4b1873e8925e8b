//! The quote module's words.

use super::texts;

texts! {
    QuoteText;
    Quotes => "报价", "Quotes";
    NewQuote => "新建报价", "New quote";
    Title => "报价标题", "Title";
    Number => "报价单号", "Number";
    Revision => "版本", "Revision";
    QuoteDate => "报价日期", "Quote date";
    ValidUntil => "有效期至", "Valid until";
    PriceList => "价格表", "Price list";
    NoPriceList => "标准价", "List prices";
    OverallDiscount => "整单折扣（%）", "Overall discount (%)";
    Lines => "报价明细", "Lines";
    Product => "产品", "Product";
    Quantity => "数量", "Quantity";
    UnitPrice => "单价（元）", "Unit price (¥)";
    Discount => "折扣（%）", "Discount (%)";
    TaxRate => "税率", "Tax";
    LineTotal => "小计（含税）", "Line total";
    Subtotal => "合计金额", "Subtotal";
    DiscountAmount => "折扣金额", "Discount";
    Tax => "税额", "Tax";
    Total => "价税合计", "Total";
    TotalCapitals => "价税合计（大写）", "Total in words";
    Terms => "付款及交付条款", "Terms";
    Notes => "备注", "Notes";
    AddLine => "添加产品", "Add a product";
    SearchProduct => "搜索产品编码或名称", "Search code or name";
    Remove => "移除", "Remove";
    NoLines => "还没有报价明细", "No lines yet";
    Draft => "草稿", "Draft";
    Sent => "已发送", "Sent";
    Accepted => "客户已接受", "Accepted";
    Rejected => "客户已拒绝", "Rejected";
    Superseded => "已被新版本取代", "Superseded";
    PendingApproval => "折扣审批中", "Discount awaiting approval";
    Send => "发送给客户", "Send to customer";
    Revise => "修订（新版本）", "Revise (new revision)";
    Accept => "客户接受", "Customer accepted";
    Reject => "客户拒绝", "Customer rejected";
    RejectReason => "拒绝原因", "Why it was rejected";
    Print => "打印 / 导出 PDF", "Print / save as PDF";
    Customer => "客户", "Customer";
    Deal => "商机", "Deal";
    Owner => "负责人", "Prepared by";
    NoQuotes => "暂无报价", "No quotes";
    BadNumber => "请检查数量、单价和折扣", "Check the quantities, prices and discounts";
    MaxDiscount => "最大折扣", "Largest discount";
    Frozen => "已发送的报价不能修改，请修订生成新版本", "A sent quote cannot change: revise it";
}
