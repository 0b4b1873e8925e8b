//! Layouts: admins arrange forms, details and default list columns per record type; every
//! reader gets them resolved for their role with the field definitions; each user keeps their
//! own list columns.

use kaidan_shared::field::{FieldDefCreate, FieldKind};
use kaidan_shared::layout::{Item, LayoutInput, Section};
use kaidan_shared::Role;
use kaidan_tests::spawn_app;
use serde_json::json;

fn field(key: &str, kind: FieldKind, visible_to: Option<Vec<Role>>) -> FieldDefCreate {
    FieldDefCreate {
        label_zh: key.into(),
        label_en: key.into(),
        visible_to,
        ..crate::field::field(key, kind)
    }
}

fn section(key: &str, label: &str, fields: &[&str]) -> Section {
    Section {
        key: key.into(),
        label_zh: label.into(),
        label_en: label.into(),
        fields: fields.iter().map(|f| f.to_string()).collect(),
    }
}

fn refs(s: &kaidan_shared::layout::ResolvedSection) -> Vec<String> {
    s.items.iter().map(Item::reference).collect()
}

#[tokio::test]
async fn admins_arrange_forms_and_lists_and_each_role_sees_its_own_fields() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    app.field_create(&admin, &field("budget", FieldKind::Money, None))
        .await;
    app.field_create(
        &admin,
        &field("margin", FieldKind::Decimal, Some(vec![Role::Admin])),
    )
    .await;

    // Until an admin saves one, the default: every built-in form field in one section, and
    // custom fields after it.
    let default = app.layout(&admin, "customer").await;
    assert_eq!(default.version, 0);
    let set = app.fields(&rep, "customer").await;
    assert_eq!(set.layout.sections[0].key, "basic");
    assert_eq!(refs(&set.layout.sections[0])[..2], ["kind", "name"]);
    assert_eq!(refs(set.layout.sections.last().unwrap()), ["custom.budget"]);
    assert_eq!(
        set.layout.columns,
        ["name", "level", "industry", "owner", "updated_at"]
    );

    // The admin arranges two sections and the default columns.
    let input = LayoutInput {
        sections: vec![
            section(
                "deal",
                "商务信息",
                &["name", "custom.margin", "custom.budget", "kind"],
            ),
            section("contact", "联系方式", &["phone", "address"]),
        ],
        list_columns: vec![
            "name".into(),
            "custom.margin".into(),
            "custom.budget".into(),
            "owner".into(),
        ],
    };
    let r = app.layout_save(&admin, &default, &input).await.expect(200);
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
    // The same save again holds an old version: refused, nothing changes.
    app.layout_save(&admin, &default, &input).await.expect(412);

    // The rep draws it without the field it may not see, in sections and in columns.
    let set = app.fields(&rep, "customer").await;
    let got: Vec<(String, Vec<String>)> = set
        .layout
        .sections
        .iter()
        .map(|s| (s.key.clone(), refs(s)))
        .collect();
    assert_eq!(
        got,
        [
            (
                "deal".to_owned(),
                vec!["name".to_owned(), "custom.budget".into(), "kind".into()]
            ),
            (
                "contact".to_owned(),
                vec!["phone".to_owned(), "address".into()]
            ),
        ]
    );
    assert_eq!(set.layout.columns, ["name", "custom.budget", "owner"]);
    let set = app.fields(&admin, "customer").await;
    assert_eq!(refs(&set.layout.sections[0])[1], "custom.margin");
    // The saved layout itself names the hidden field to admins only.
    let seen = |l: &kaidan_shared::layout::Layout| {
        l.sections
            .iter()
            .any(|s| s.fields.contains(&"custom.margin".to_owned()))
            || l.list_columns.contains(&"custom.margin".to_owned())
    };
    assert!(seen(&app.layout(&admin, "customer").await));
    let theirs = app.layout(&rep, "customer").await;
    assert!(!seen(&theirs), "{theirs:?}");
    assert_eq!(theirs.sections[0].fields, ["name", "custom.budget", "kind"]);

    // A field added later shows up without touching the layout, in the section it names.
    app.field_create(
        &admin,
        &FieldDefCreate {
            section: Some("联系方式".into()),
            ..field("wechat_group", FieldKind::Text, None)
        },
    )
    .await;
    let set = app.fields(&rep, "customer").await;
    assert_eq!(
        refs(&set.layout.sections[1]),
        ["phone", "address", "custom.wechat_group"]
    );

    // Only admins save layouts; the history has the change.
    let current = app.layout(&admin, "customer").await;
    app.layout_save(&rep, &current, &input).await.expect(403);
    let audit = app
        .get(&admin.token, "/api/v1/audit?action=layout.update")
        .await
        .expect(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_layouts_are_refused_field_by_field() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let current = app.layout(&admin, "customer").await;
    let input = LayoutInput {
        sections: vec![section(
            "a",
            "甲",
            &["phone", "owner", "custom.nope", "phone"],
        )],
        list_columns: vec!["notes".into()],
    };
    let r = app.layout_save(&admin, &current, &input).await.expect(422);
    assert_eq!(
        r.error_fields(),
        [
            "sections[0].fields[1]",
            "sections[0].fields[2]",
            "sections[0].fields[3]",
            "sections",
            "sections",
            "list_columns[0]"
        ]
    );
    // Contacts have their own layout; other record types have none.
    app.layout(&admin, "contact").await;
    let r = app
        .get(&admin.token, "/api/v1/layouts/user")
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["resource"]);
    assert_eq!(app.layout(&admin, "customer").await.version, 0);
}

#[tokio::test]
async fn each_user_keeps_their_own_list_columns() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    let rep2 = app.sign_in("rep_east2").await;
    app.field_create(&admin, &field("budget", FieldKind::Money, None))
        .await;
    app.field_create(
        &admin,
        &field("margin", FieldKind::Decimal, Some(vec![Role::Admin])),
    )
    .await;
    app.field_create(&admin, &field("memo", FieldKind::LongText, None))
        .await;

    let r = app
        .columns_set(&rep, "customer", &["custom.budget", "name", "phone"])
        .await
        .expect(200);
    assert_eq!(r.body["columns"], json!(["custom.budget", "name", "phone"]));
    assert_eq!(r.body["own_columns"], true);
    // Kept for the rep on every sign-in; the colleague keeps the default.
    let again = app.sign_in("rep_east1").await;
    assert_eq!(
        app.fields(&again, "customer").await.layout.columns,
        ["custom.budget", "name", "phone"]
    );
    let other = app.fields(&rep2, "customer").await.layout;
    assert!(!other.own_columns);
    assert_eq!(other.columns[0], "name");

    // A hidden field, a long text, an unknown one, a repeat, none or too many: refused.
    for bad in [
        vec!["custom.margin"],
        vec!["custom.memo"],
        vec!["custom.nope"],
        vec!["name", "name"],
        vec![],
        vec!["name"; 13],
    ] {
        let r = app.columns_set(&rep, "customer", &bad).await.expect(422);
        assert!(r.error_fields()[0].starts_with("columns"), "{bad:?}");
    }
    app.columns_set(&admin, "customer", &["custom.margin"])
        .await
        .expect(200);

    // Many saves at once (two tabs, a double tap): every one answers, one set of columns stays.
    let saves = (0..20).map(|i| {
        let cols: &[&str] = if i % 2 == 0 {
            &["name", "phone"]
        } else {
            &["name", "owner"]
        };
        app.columns_set(&rep, "customer", cols)
    });
    for r in futures_util::future::join_all(saves).await {
        r.expect(200);
    }
    let now = app.fields(&rep, "customer").await.layout;
    assert!(now.own_columns);
    assert!(now.columns == ["name", "phone"] || now.columns == ["name", "owner"]);

    // Back to the default.
    let r = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/layouts/customer/columns",
            Some(&rep.token),
            None,
            &[],
        )
        .await
        .expect(200);
    assert_eq!(r.body["own_columns"], false);
    assert!(!app.fields(&rep, "customer").await.layout.own_columns);
    // Each change is in the audit log, as the user's own.
    let audit = app
        .get(&admin.token, "/api/v1/audit?action=layout.columns")
        .await
        .expect(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 23);
}
