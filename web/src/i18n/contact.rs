//! The contact module's words.

use super::{texts, Label, T};

texts! {
    ContactText;
    Contacts => "联系人", "Contacts";
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
    NoContacts => "暂无联系人", "No contacts";
}

/// The label of a contact field, for the history.
pub fn field_label(field: &str) -> Option<Label> {
    Some(match field {
        "name" => T::Name.into(),
        "title" => ContactText::Title.into(),
        "phones" => ContactText::Phones.into(),
        "email" => ContactText::Email.into(),
        "wechat" => ContactText::Wechat.into(),
        "is_primary" => ContactText::Primary.into(),
        _ => return None,
    })
}
