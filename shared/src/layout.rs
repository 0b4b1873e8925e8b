//! Layouts (布局): per record type, the sections and order of the built-in and custom fields in
//! forms and detail views, and the columns a list shows by default; each user may choose their
//! own list columns.
//!
//! A layout names fields by reference: a built-in field's name (`phone`) or `custom.<key>`. The
//! record types declare their built-in fields here (`builtins`), so that the server validates a
//! layout and the web app renders one without module code. `resolve` is what every screen
//! draws: it is total, so a layout saved before a field was added or retired still shows every
//! field a form needs — required built-ins never go missing, new custom fields appear in their
//! section, retired or hidden ones disappear.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::field::{FieldDef, FieldKind};
use crate::validate::{limits, Errors};
use crate::{FieldCode, FieldError, Resource};

/// A built-in field of a record type, as layouts know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Builtin {
    /// The field's name in the record's JSON.
    pub key: &'static str,
    pub label_zh: &'static str,
    pub label_en: &'static str,
    /// Whether forms have an input for it (the owner and timestamps are set otherwise).
    pub form: bool,
    /// Whether it can be a list column.
    pub list: bool,
    /// A form cannot leave it out.
    pub required: bool,
}

const fn b(
    key: &'static str,
    label_zh: &'static str,
    label_en: &'static str,
    form: bool,
    list: bool,
    required: bool,
) -> Builtin {
    Builtin {
        key,
        label_zh,
        label_en,
        form,
        list,
        required,
    }
}

const CUSTOMER: &[Builtin] = &[
    b("kind", "类型", "Type", true, true, true),
    b("name", "客户名称", "Customer name", true, true, true),
    b("phone", "电话", "Phone", true, true, false),
    b(
        "credit_code",
        "统一社会信用代码",
        "Credit code",
        true,
        false,
        false,
    ),
    b("level", "客户等级", "Level", true, true, false),
    b("industry", "行业", "Industry", true, true, false),
    b("tags", "标签", "Tags", true, true, false),
    b("address", "地址", "Address", true, true, false),
    b("source", "来源", "Source", true, true, false),
    b("notes", "备注", "Notes", true, false, false),
    b("owner", "负责人", "Owner", false, true, false),
    b("updated_at", "更新时间", "Updated", false, true, false),
    b("created_at", "创建时间", "Created", false, true, false),
];

const CONTACT: &[Builtin] = &[
    b("name", "姓名", "Name", true, true, true),
    b("title", "职务", "Title", true, true, false),
    b("phones", "电话", "Phones", true, true, false),
    b("email", "邮箱", "E-mail", true, true, false),
    b("wechat", "微信", "WeChat", true, true, false),
    b(
        "is_primary",
        "主要联系人",
        "Primary contact",
        true,
        true,
        false,
    ),
    b("notes", "备注", "Notes", true, false, false),
];

const OPPORTUNITY: &[Builtin] = &[
    b("name", "商机名称", "Deal name", true, true, true),
    b("customer", "客户", "Customer", true, true, true),
    b("amount", "金额", "Amount", true, true, true),
    b("stage", "阶段", "Stage", false, true, false),
    b("probability", "赢率", "Probability", true, true, false),
    b(
        "expected_close_date",
        "预计成交日期",
        "Expected close",
        true,
        true,
        false,
    ),
    b(
        "products",
        "意向产品",
        "Products of interest",
        true,
        false,
        false,
    ),
    b("competitors", "竞争对手", "Competitors", true, false, false),
    b("next_step", "下一步", "Next step", true, true, false),
    b("owner", "负责人", "Owner", false, true, false),
    b("updated_at", "更新时间", "Updated", false, true, false),
];

const LEAD: &[Builtin] = &[
    b("name", "联系人", "Contact name", true, true, true),
    b("company", "公司", "Company", true, true, false),
    b("phone", "电话", "Phone", true, true, false),
    b("email", "邮箱", "E-mail", true, false, false),
    b("source", "线索来源", "Source", true, true, false),
    b("province", "省份", "Province", true, true, false),
    b("status", "状态", "Status", false, true, false),
    b("notes", "备注", "Notes", true, false, false),
    b("owner", "负责人", "Owner", false, true, false),
    b("updated_at", "更新时间", "Updated", false, true, false),
];

const VISIT: &[Builtin] = &[
    b("customer", "客户", "Customer", true, true, true),
    b("purpose", "拜访目的", "Purpose", true, true, false),
    b("planned_at", "计划时间", "Planned for", true, true, false),
    b("status", "状态", "Status", false, true, false),
    b("check_in", "签到", "Check-in", false, true, false),
    b("opportunity", "商机", "Deal", true, false, false),
    b("contacts", "拜访对象", "Contacts met", true, false, false),
    b("outcome", "拜访结果", "Outcome", true, true, false),
    b("notes", "拜访记录", "Notes", true, false, false),
    b("next_step", "下一步", "Next step", true, false, false),
    b(
        "next_follow_up_on",
        "下次跟进",
        "Next follow-up",
        true,
        true,
        false,
    ),
    b("owner", "负责人", "Owner", false, true, false),
];

const FOLLOW_UP: &[Builtin] = &[
    b("title", "跟进事项", "Task", true, true, true),
    b("customer", "客户", "Customer", true, true, true),
    b("kind", "跟进方式", "Type", true, true, true),
    b("due_at", "截止时间", "Due", true, true, true),
    b("status", "状态", "Status", false, true, false),
    b("opportunity", "商机", "Deal", true, false, false),
    b("notes", "备注", "Notes", true, false, false),
    b("result", "跟进结果", "Result", false, false, false),
    b("owner", "负责人", "Owner", false, true, false),
];

const PRODUCT: &[Builtin] = &[
    b("code", "产品编码", "Code", true, true, true),
    b("name", "产品名称", "Name", true, true, true),
    b("category", "产品分类", "Category", true, true, false),
    b("spec", "规格型号", "Specification", true, true, false),
    b("unit", "单位", "Unit", true, true, false),
    b("list_price", "标准价", "List price", true, true, true),
    b("tax_rate", "税率", "Tax rate", true, true, true),
    b("description", "描述", "Description", true, false, false),
    b("active", "状态", "Status", false, true, false),
];

const QUOTE: &[Builtin] = &[
    b("title", "报价标题", "Title", true, true, true),
    b("number", "报价单号", "Number", false, true, false),
    b("opportunity", "商机", "Deal", true, true, true),
    b("customer", "客户", "Customer", false, true, false),
    b("quote_date", "报价日期", "Quote date", true, true, false),
    b("valid_until", "有效期至", "Valid until", true, true, false),
    b("price_list", "价格表", "Price list", true, false, false),
    b(
        "overall_discount_percent",
        "整单折扣",
        "Overall discount",
        true,
        false,
        false,
    ),
    b("total", "报价总额", "Total", false, true, false),
    b("status", "状态", "Status", false, true, false),
    b("terms", "付款及交付条款", "Terms", true, false, false),
    b("notes", "备注", "Notes", true, false, false),
    b("owner", "负责人", "Owner", false, true, false),
];

const CONTRACT: &[Builtin] = &[
    b("title", "合同名称", "Title", true, true, true),
    b("number", "合同编号", "Number", false, true, false),
    b("customer", "客户", "Customer", true, true, true),
    b("opportunity", "商机", "Deal", true, false, false),
    b("amount", "合同金额", "Amount", true, true, false),
    b("sign_date", "签订日期", "Sign date", true, true, false),
    b("start_date", "开始日期", "Start date", true, false, false),
    b("end_date", "结束日期", "End date", true, false, false),
    b(
        "payment_terms",
        "付款条件",
        "Payment terms",
        true,
        false,
        false,
    ),
    b(
        "customer_signatory",
        "客户签约人",
        "Customer signatory",
        true,
        false,
        false,
    ),
    b(
        "our_signatory",
        "我方签约人",
        "Our signatory",
        true,
        false,
        false,
    ),
    b("status", "状态", "Status", false, true, false),
    b("notes", "备注", "Notes", true, false, false),
    b("owner", "负责人", "Owner", false, true, false),
];

/// The built-in fields of a record type that has layouts, in their default order.
pub fn builtins(resource: Resource) -> &'static [Builtin] {
    match resource {
        Resource::Customer => CUSTOMER,
        Resource::Contact => CONTACT,
        Resource::Opportunity => OPPORTUNITY,
        Resource::Lead => LEAD,
        Resource::Visit => VISIT,
        Resource::FollowUp => FOLLOW_UP,
        Resource::Product => PRODUCT,
        Resource::Quote => QUOTE,
        Resource::Contract => CONTRACT,
        _ => &[],
    }
}

/// The reference of a custom field in a layout.
pub fn custom_ref(key: &str) -> String {
    format!("custom.{key}")
}

/// A section of a form or detail view: a heading and the fields under it, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    /// Stable within the layout: `[a-z][a-z0-9_]*`, at most 40 characters.
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    /// Field references: a built-in field's name (`phone`) or `custom.<key>`.
    pub fields: Vec<String>,
}

impl Section {
    pub fn label(&self, lang: &str) -> &str {
        if lang == "en" && !self.label_en.is_empty() {
            &self.label_en
        } else {
            &self.label_zh
        }
    }
}

/// A record type's layout, as `GET /api/v1/layouts/{resource}` answers it: the saved one, or
/// the default (`version` 0) while an admin has not saved one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Layout {
    pub resource: Resource,
    pub sections: Vec<Section>,
    /// The list's default columns, in order (field references that can be list columns).
    pub list_columns: Vec<String>,
    /// 0 for the default layout; the `If-Match` of the next save.
    pub version: i64,
    pub updated_at: Option<DateTime<Utc>>,
}

/// What an admin saves as a record type's layout (`PUT /api/v1/layouts/{resource}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LayoutInput {
    /// At most 20 sections; every required built-in field placed once.
    pub sections: Vec<Section>,
    /// At least 1 and at most `MAX_COLUMNS` columns.
    pub list_columns: Vec<String>,
}

/// A user's own list columns (`PUT /api/v1/layouts/{resource}/columns`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ColumnsInput {
    /// At least 1 and at most `MAX_COLUMNS` column references, in order.
    pub columns: Vec<String>,
}

/// A section, resolved for one reader: the fields it shows, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedSection {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub items: Vec<Item>,
}

impl ResolvedSection {
    pub fn label(&self, lang: &str) -> &str {
        if lang == "en" && !self.label_en.is_empty() {
            &self.label_en
        } else {
            &self.label_zh
        }
    }
}

/// One field of a resolved layout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "key", rename_all = "snake_case")]
pub enum Item {
    /// A built-in field, by name.
    Builtin(String),
    /// A custom field, by key.
    Custom(String),
}

impl Item {
    pub fn reference(&self) -> String {
        match self {
            Item::Builtin(k) => k.clone(),
            Item::Custom(k) => custom_ref(k),
        }
    }
}

/// A layout as one reader's screens draw it (part of `GET /api/v1/fields`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resolved {
    /// Form and detail sections, each with at least one field.
    pub sections: Vec<ResolvedSection>,
    /// The reader's list columns: their own choice, else the layout's default (the columns they
    /// may see).
    pub columns: Vec<String>,
    /// Whether `columns` is the reader's own choice.
    pub own_columns: bool,
}

/// At most this many list columns.
pub const MAX_COLUMNS: usize = 12;
/// At most this many sections.
pub const MAX_SECTIONS: usize = 20;

/// What a reference names, if anything, among `fields` (all of the record type's definitions).
enum Target<'a> {
    Builtin(&'static Builtin),
    Custom(&'a FieldDef),
}

fn target<'a>(resource: Resource, fields: &'a [FieldDef], r: &str) -> Option<Target<'a>> {
    match r.strip_prefix("custom.") {
        Some(key) => fields
            .iter()
            .find(|f| f.resource == resource && f.key == key)
            .map(Target::Custom),
        None => builtins(resource)
            .iter()
            .find(|b| b.key == r)
            .map(Target::Builtin),
    }
}

/// Whether a reference can be a list column (long texts and notes cannot).
fn column_ok(t: &Target) -> bool {
    match t {
        Target::Builtin(b) => b.list,
        Target::Custom(f) => f.kind != FieldKind::LongText,
    }
}

fn check_columns(
    e: &mut Errors,
    field: &str,
    resource: Resource,
    fields: &[FieldDef],
    cols: &[String],
) {
    if cols.is_empty() || cols.len() > MAX_COLUMNS {
        e.add(field, FieldCode::OutOfRange, "between 1 and 12 columns");
    }
    for (i, c) in cols.iter().enumerate() {
        let ok = target(resource, fields, c).is_some_and(|t| column_ok(&t));
        if !ok {
            e.add(
                format!("{field}[{i}]"),
                FieldCode::UnknownField,
                "not a field that can be a list column",
            );
        } else if cols[..i].contains(c) {
            e.add(
                format!("{field}[{i}]"),
                FieldCode::NotAllowed,
                "listed twice",
            );
        }
    }
}

impl LayoutInput {
    /// Every reference names a form field of the record type (built-in, or custom — retired
    /// ones too, so they return to their place when reactivated), once; every required built-in
    /// field is placed; section keys are distinct; columns can be list columns.
    pub fn validate(&self, resource: Resource, fields: &[FieldDef]) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if self.sections.is_empty() || self.sections.len() > MAX_SECTIONS {
            e.add(
                "sections",
                FieldCode::OutOfRange,
                "between 1 and 20 sections",
            );
        }
        let mut placed: Vec<&str> = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            let at = format!("sections[{i}]");
            crate::option_list::check_key(&mut e, &format!("{at}.key"), &s.key);
            if self.sections[..i].iter().any(|o| o.key == s.key) {
                e.add(
                    format!("{at}.key"),
                    FieldCode::NotAllowed,
                    "two sections have this key",
                );
            }
            e.required_text(&format!("{at}.label_zh"), &s.label_zh, limits::SHORT);
            e.max_len(&format!("{at}.label_en"), &s.label_en, limits::SHORT);
            for (j, r) in s.fields.iter().enumerate() {
                let ok = match target(resource, fields, r) {
                    Some(Target::Builtin(b)) => b.form,
                    Some(Target::Custom(_)) => true,
                    None => false,
                };
                if !ok {
                    e.add(
                        format!("{at}.fields[{j}]"),
                        FieldCode::UnknownField,
                        "not a form field of this record type",
                    );
                } else if placed.contains(&r.as_str()) {
                    e.add(
                        format!("{at}.fields[{j}]"),
                        FieldCode::NotAllowed,
                        "placed twice",
                    );
                }
                placed.push(r);
            }
        }
        for req in builtins(resource).iter().filter(|b| b.required) {
            if !placed.contains(&req.key) {
                e.add(
                    "sections",
                    FieldCode::Required,
                    format!("the form needs the field {}", req.key),
                );
            }
        }
        check_columns(&mut e, "list_columns", resource, fields, &self.list_columns);
        e.finish()
    }
}

impl ColumnsInput {
    pub fn validate(&self, resource: Resource, fields: &[FieldDef]) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        check_columns(&mut e, "columns", resource, fields, &self.columns);
        e.finish()
    }
}

/// The layout of a record type while an admin has not saved one: the built-in form fields in
/// one section, custom fields after them by their `section`, and the first list columns.
pub fn default_layout(resource: Resource) -> Layout {
    let fields = builtins(resource)
        .iter()
        .filter(|b| b.form)
        .map(|b| b.key.to_owned())
        .collect();
    let list_columns = match resource {
        Resource::Customer => ["name", "level", "industry", "owner", "updated_at"]
            .map(str::to_owned)
            .to_vec(),
        _ => builtins(resource)
            .iter()
            .filter(|b| b.list)
            .take(4)
            .map(|b| b.key.to_owned())
            .collect(),
    };
    Layout {
        resource,
        sections: vec![Section {
            key: "basic".into(),
            label_zh: "基本信息".into(),
            label_en: "Basics".into(),
            fields,
        }],
        list_columns,
        version: 0,
        updated_at: None,
    }
}

/// The layout as a reader draws it. `fields` are the record type's definitions the reader may
/// see (active ones); `own` the reader's own columns, if chosen.
///
/// - references to unknown, retired or hidden fields are dropped;
/// - required built-in fields the layout lacks join the first section (a layout saved for an
///   older version still gives a form that can be saved);
/// - custom fields the layout does not place join the section whose label is their `section`,
///   else a section of that name added at the end (or 其他信息 without one), in `position`;
/// - built-in form fields the layout leaves out stay out (that is what leaving out means);
/// - columns keep only what the reader may see; none left → the default's.
pub fn resolve(layout: &Layout, fields: &[FieldDef], own: Option<&[String]>) -> Resolved {
    let resource = layout.resource;
    let mut placed: Vec<String> = Vec::new();
    let mut sections: Vec<ResolvedSection> = layout
        .sections
        .iter()
        .map(|s| ResolvedSection {
            key: s.key.clone(),
            label_zh: s.label_zh.clone(),
            label_en: s.label_en.clone(),
            items: s
                .fields
                .iter()
                .filter_map(|r| {
                    if placed.contains(r) {
                        return None;
                    }
                    let item = match target(resource, fields, r)? {
                        Target::Builtin(b) if b.form => Item::Builtin(b.key.into()),
                        Target::Builtin(_) => return None,
                        Target::Custom(f) => Item::Custom(f.key.clone()),
                    };
                    placed.push(r.clone());
                    Some(item)
                })
                .collect(),
        })
        .collect();
    if sections.is_empty() {
        sections.push(ResolvedSection {
            key: "basic".into(),
            label_zh: "基本信息".into(),
            label_en: "Basics".into(),
            items: Vec::new(),
        });
    }
    let missing: Vec<Item> = builtins(resource)
        .iter()
        .filter(|b| b.required && !placed.iter().any(|p| p == b.key))
        .map(|b| Item::Builtin(b.key.into()))
        .collect();
    for (i, item) in missing.into_iter().enumerate() {
        sections[0].items.insert(i, item);
    }
    for f in fields.iter().filter(|f| f.resource == resource) {
        let r = custom_ref(&f.key);
        if placed.contains(&r) {
            continue;
        }
        let name = f.section.clone().unwrap_or_default();
        let at = sections.iter().position(|s| {
            !name.is_empty() && (s.label_zh == name || s.label_en == name || s.key == name)
        });
        let at = match (at, name.is_empty()) {
            (Some(at), _) => at,
            (None, empty) => {
                let key = if empty {
                    "other".to_owned()
                } else {
                    format!("s_{}", sections.len())
                };
                match sections.iter().position(|s| s.key == key) {
                    Some(at) => at,
                    None => {
                        let (zh, en) = if empty {
                            ("其他信息".to_owned(), "More".to_owned())
                        } else {
                            (name.clone(), name.clone())
                        };
                        sections.push(ResolvedSection {
                            key,
                            label_zh: zh,
                            label_en: en,
                            items: Vec::new(),
                        });
                        sections.len() - 1
                    }
                }
            }
        };
        sections[at].items.push(Item::Custom(f.key.clone()));
    }
    sections.retain(|s| !s.items.is_empty());
    let visible = |cols: &[String]| -> Vec<String> {
        cols.iter()
            .filter(|c| target(resource, fields, c).is_some_and(|t| column_ok(&t)))
            .cloned()
            .collect()
    };
    let mine = own.map(visible).filter(|c| !c.is_empty());
    let own_columns = mine.is_some();
    let mut columns = mine.unwrap_or_else(|| visible(&layout.list_columns));
    if columns.is_empty() {
        columns = visible(&default_layout(resource).list_columns);
    }
    Resolved {
        sections,
        columns,
        own_columns,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn def(key: &str, kind: FieldKind, section: Option<&str>) -> FieldDef {
        FieldDef {
            id: uuid::Uuid::nil(),
            resource: Resource::Customer,
            key: key.into(),
            label_zh: key.into(),
            label_en: key.into(),
            kind,
            required: false,
            default: None,
            help_zh: None,
            help_en: None,
            section: section.map(str::to_owned),
            position: 0,
            option_list: None,
            visible_to: Role::ALL.to_vec(),
            editable_by: Role::ALL.to_vec(),
            filterable: false,
            active: true,
            used: false,
            version: 1,
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn refs(r: &Resolved) -> Vec<(String, Vec<String>)> {
        r.sections
            .iter()
            .map(|s| (s.key.clone(), s.items.iter().map(Item::reference).collect()))
            .collect()
    }

    #[test]
    fn the_default_layout_is_valid_and_shows_every_form_field() {
        for resource in [Resource::Customer, Resource::Contact] {
            let l = default_layout(resource);
            let input = LayoutInput {
                sections: l.sections.clone(),
                list_columns: l.list_columns.clone(),
            };
            assert_eq!(input.validate(resource, &[]), Ok(()));
            let r = resolve(&l, &[], None);
            let n = builtins(resource).iter().filter(|b| b.form).count();
            assert_eq!(r.sections[0].items.len(), n);
            assert!(!r.own_columns);
        }
    }

    #[test]
    fn resolving_places_new_fields_drops_gone_ones_and_keeps_required_ones() {
        let fields = vec![
            def("budget", FieldKind::Money, Some("商务")),
            def("cycle", FieldKind::Choice, None),
            def("memo", FieldKind::LongText, Some("商务信息")),
        ];
        let layout = Layout {
            sections: vec![
                Section {
                    key: "top".into(),
                    label_zh: "概要".into(),
                    label_en: "Summary".into(),
                    fields: vec![
                        "phone".into(),
                        "custom.gone".into(),
                        "custom.budget".into(),
                        "owner".into(),
                    ],
                },
                Section {
                    key: "biz".into(),
                    label_zh: "商务信息".into(),
                    label_en: "Business".into(),
                    fields: vec!["industry".into()],
                },
            ],
            list_columns: vec![
                "name".into(),
                "custom.gone".into(),
                "custom.memo".into(),
                "custom.cycle".into(),
            ],
            ..default_layout(Resource::Customer)
        };
        let r = resolve(&layout, &fields, None);
        assert_eq!(
            refs(&r),
            [
                (
                    "top".to_owned(),
                    vec![
                        "kind".to_owned(),
                        "name".into(),
                        "phone".into(),
                        "custom.budget".into()
                    ]
                ),
                (
                    "biz".to_owned(),
                    vec!["industry".to_owned(), "custom.memo".into()]
                ),
                ("other".to_owned(), vec!["custom.cycle".to_owned()]),
            ]
        );
        assert_eq!(r.columns, ["name", "custom.cycle"]);
        // The reader's own columns win; with none they may see, the layout's.
        let own = vec!["custom.budget".to_owned(), "owner".into()];
        let r = resolve(&layout, &fields, Some(&own));
        assert_eq!((r.columns.clone(), r.own_columns), (own, true));
        let r = resolve(&layout, &fields, Some(&["custom.gone".to_owned()]));
        assert_eq!(
            (r.columns, r.own_columns),
            (vec!["name".to_owned(), "custom.cycle".into()], false)
        );
    }

    #[test]
    fn bad_layouts_are_refused_field_by_field() {
        let fields = vec![def("memo", FieldKind::LongText, None)];
        let input = LayoutInput {
            sections: vec![
                Section {
                    key: "a".into(),
                    label_zh: "甲".into(),
                    label_en: String::new(),
                    fields: vec!["kind".into(), "owner".into(), "nope".into(), "kind".into()],
                },
                Section {
                    key: "a".into(),
                    label_zh: String::new(),
                    label_en: String::new(),
                    fields: vec!["custom.memo".into()],
                },
            ],
            list_columns: vec![
                "custom.memo".into(),
                "notes".into(),
                "name".into(),
                "name".into(),
            ],
        };
        let errs: Vec<String> = input
            .validate(Resource::Customer, &fields)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            errs,
            [
                "sections[0].fields[1]",
                "sections[0].fields[2]",
                "sections[0].fields[3]",
                "sections[1].key",
                "sections[1].label_zh",
                "sections",
                "list_columns[0]",
                "list_columns[1]",
                "list_columns[3]",
            ]
        );
        let too_many = ColumnsInput {
            columns: vec!["name".into(); 13],
        };
        assert!(too_many.validate(Resource::Customer, &[]).is_err());
        assert!(ColumnsInput::default()
            .validate(Resource::Customer, &[])
            .is_err());
    }
}
