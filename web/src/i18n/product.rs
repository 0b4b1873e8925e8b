//! The product module's words.

use super::texts;

texts! {
    ProductText;
    Products => "产品", "Products";
    Catalogue => "产品目录", "Catalogue";
    NewProduct => "新建产品", "New product";
    Code => "产品编码", "Code";
    Name => "产品名称", "Name";
    Category => "产品分类", "Category";
    Unit => "单位", "Unit";
    Spec => "规格型号", "Specification";
    ListPrice => "标准价（元）", "List price (¥)";
    TaxRate => "税率（%）", "Tax rate (%)";
    Description => "描述", "Description";
    Active => "在售", "On sale";
    Retired => "已停售", "Retired";
    Retire => "停售", "Retire";
    Reactivate => "恢复在售", "Put back on sale";
    AllCategories => "全部分类", "All categories";
    OnlyActive => "只看在售", "On sale only";
    NoProducts => "暂无产品", "No products";
    SearchHint => "编码或名称", "Code or name";
    BadPrice => "请输入价格，最多两位小数", "Enter a price with at most two decimals";
    PriceLists => "价格表", "Price lists";
    NewPriceList => "新建价格表", "New price list";
    ListName => "价格表名称", "Name";
    ValidFrom => "生效日期", "Valid from";
    ValidTo => "失效日期", "Valid to";
    OpenEnded => "长期有效", "Open-ended";
    Notes => "备注", "Notes";
    Entries => "产品价格", "Prices";
    Price => "价格（元）", "Price (¥)";
    AddProduct => "添加产品", "Add a product";
    PickProduct => "选择产品", "Choose a product";
    Remove => "移除", "Remove";
    NoPriceLists => "暂无价格表", "No price lists";
    InForce => "生效中", "In force";
    Inactive => "已停用", "Inactive";
    Deactivate => "停用", "Deactivate";
    Activate => "启用", "Activate";
    ProductCount => "个产品", " products";
    ProductManager => "产品管理", "Product manager";
    Saved => "已保存", "Saved";
}

/// The label of a product or price list field, for the history.
pub fn field_label(field: &str) -> Option<super::Label> {
    Some(match field {
        "code" => ProductText::Code.into(),
        "name" => ProductText::Name.into(),
        "category" => ProductText::Category.into(),
        "unit" => ProductText::Unit.into(),
        "spec" => ProductText::Spec.into(),
        "list_price" => ProductText::ListPrice.into(),
        "tax_rate" => ProductText::TaxRate.into(),
        "description" => ProductText::Description.into(),
        "active" => ProductText::Active.into(),
        _ => return None,
    })
}
