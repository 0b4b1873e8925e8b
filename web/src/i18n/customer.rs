//! The customer module's words.

use kaidan_shared::customer::Level;
use kaidan_shared::duplicate::DuplicateField;

use super::{texts, Label, Lang, T};
use crate::i18n::contact::ContactText;

texts! {
    CustomerText;
    SearchPlaceholder => "客户名称或电话", "Customer name or phone";
    AllLevels => "全部等级", "All levels";
    Level => "客户等级", "Level";
    Industry => "行业", "Industry";
    Tag => "标签", "Tag";
    Tags => "标签（逗号分隔）", "Tags (comma separated)";
    Owner => "负责人", "Owner";
    AllOwners => "全部负责人", "All owners";
    NoCustomers => "还没有客户", "No customers yet";
    SortCreated => "最新创建", "Newest";
    SortName => "名称", "Name";
    NoResults => "没有符合条件的客户", "No customers match";
    NewCustomer => "新建客户", "New customer";
    EditCustomer => "编辑客户", "Edit customer";
    CustomerName => "客户名称", "Customer name";
    Kind => "类型", "Type";
    Company => "企业", "Company";
    Individual => "个人", "Individual";
    CreditCode => "统一社会信用代码", "Unified social credit code";
    Phone => "电话", "Phone";
    Address => "地址", "Address";
    Source => "来源", "Source";
    Notes => "备注", "Notes";
    Transfer => "转移", "Transfer";
    TransferTo => "转移给", "Transfer to";
    ConfirmArchive => "确定归档该客户？归档后可恢复。", "Archive this customer? You can restore it later.";
    DuplicateHint => "以下客户与新客户相似，请确认不是同一家：", "These customers look like the new one; make sure it is not the same:";
    CreateAnyway => "仍然创建", "Create anyway";
    MatchedCreditCode => "信用代码相同", "same credit code";
    MatchedPhone => "电话相同", "same phone";
    MatchedName => "名称相同", "same name";
    OwnedBy => "负责人：", "Owner: ";
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
        DuplicateField::CreditCode => CustomerText::MatchedCreditCode.text(lang),
        DuplicateField::Phone => CustomerText::MatchedPhone.text(lang),
        DuplicateField::Name => CustomerText::MatchedName.text(lang),
        DuplicateField::Email => match lang {
            Lang::Zh => "邮箱相同",
            Lang::En => "same e-mail",
        },
    }
}

/// The label of a customer field, for the history.
pub fn field_label(field: &str) -> Option<Label> {
    Some(match field {
        "name" => T::Name.into(),
        "phone" => CustomerText::Phone.into(),
        "industry" => CustomerText::Industry.into(),
        "level" => CustomerText::Level.into(),
        "tags" => CustomerText::Tag.into(),
        "address" => CustomerText::Address.into(),
        "credit_code" => CustomerText::CreditCode.into(),
        "source" => CustomerText::Source.into(),
        "notes" => CustomerText::Notes.into(),
        "owner_id" | "owner_name" => CustomerText::Owner.into(),
        "reason" => T::Reason.into(),
        "kind" => CustomerText::Kind.into(),
        // A contact change is written to its customer's history too.
        other => {
            return super::contact::field_label(other).or(match other {
                "contacts" => Some(ContactText::Contacts.into()),
                _ => None,
            })
        }
    })
}
