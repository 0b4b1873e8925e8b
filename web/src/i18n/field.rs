//! Words of the custom fields and option lists (the admin screen's tabs).

use kaidan_shared::field::FieldKind;

use super::{texts, Lang};

texts! {
    FieldText;
    Fields => "自定义字段", "Custom fields";
    OptionLists => "选项列表", "Option lists";
    RecordType => "记录类型", "Record type";
    Customers => "客户", "Customers";
    Contacts => "联系人", "Contacts";
    Key => "标识(英文小写)", "Key (lower case)";
    LabelZh => "中文名称", "Chinese label";
    LabelEn => "英文名称", "English label";
    Kind => "类型", "Type";
    OptionList => "选项列表", "Option list";
    Required => "必填", "Required";
    Filterable => "可在列表中筛选", "Filter lists by it";
    Retired => "已停用", "Retired";
    Retire => "停用", "Retire";
    Reactivate => "启用", "Reactivate";
    MoveUp => "上移", "Move up";
    MoveDown => "下移", "Move down";
    NewField => "新增字段", "New field";
    NewList => "新增选项列表", "New option list";
    NewOption => "新增选项", "New option";
    Preview => "手机预览", "Phone preview";
    NoFields => "还没有自定义字段", "No custom fields yet";
    Builtin => "内置", "Built-in";
    Layouts => "布局", "Layouts";
    FormLayout => "表单与详情的分组和顺序", "Form and detail sections";
    LayoutHint => "拖动字段，或用 ↑↓ 调整顺序；带 * 的字段不能移出表单。", "Drag fields, or use ↑↓ to order them; fields marked * stay on the form.";
    AddSection => "新增分组", "Add section";
    RemoveSection => "删除分组（字段并入相邻分组）", "Remove section (its fields join the next one)";
    SectionUp => "分组上移", "Move section up";
    SectionDown => "分组下移", "Move section down";
    SectionZh => "分组中文名", "Section name (Chinese)";
    SectionEn => "分组英文名", "Section name (English)";
    Unplaced => "未放置的字段", "Fields not placed";
    PlaceIn => "放入分组…", "Put in section…";
    Unplace => "移出表单", "Take off the form";
    ListColumns => "列表默认显示的列", "Default list columns";
    Saved => "已保存", "Saved";
    Edit => "编辑", "Edit";
    HelpZh => "中文说明", "Help text (Chinese)";
    HelpEn => "英文说明", "Help text (English)";
    Section => "所在分组", "Section";
    VisibleTo => "可见角色", "Roles that see it";
    EditableBy => "可编辑角色", "Roles that edit it";
}

/// A person's words for a field type.
pub fn kind_label(kind: FieldKind, lang: Lang) -> &'static str {
    use FieldKind::*;
    let (zh, en) = match kind {
        Text => ("单行文本", "Text"),
        LongText => ("多行文本", "Long text"),
        Integer => ("整数", "Whole number"),
        Decimal => ("小数", "Decimal"),
        Money => ("金额", "Money"),
        Date => ("日期", "Date"),
        DateTime => ("日期时间", "Date and time"),
        Choice => ("单选", "Single choice"),
        MultiChoice => ("多选", "Multiple choice"),
        Bool => ("是/否", "Yes/no"),
        Phone => ("电话", "Phone"),
        Email => ("邮箱", "E-mail"),
        Url => ("网址", "Web address"),
        User => ("用户", "User"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
