//! Custom field definitions: admins define them per record type; everyone reads them with the
//! JSON Schema of `custom` for their role.

use kaidan_shared::field::{FieldDefCreate, FieldDefUpdate, FieldKind};
use kaidan_shared::{Patch, Resource, Role};
use kaidan_tests::spawn_app;
use serde_json::json;

pub(crate) fn field(key: &str, kind: FieldKind) -> FieldDefCreate {
    FieldDefCreate {
        resource: Resource::Customer,
        key: key.into(),
        label_zh: "采购周期".into(),
        label_en: "Purchase cycle".into(),
        kind,
        required: false,
        default: None,
        help_zh: None,
        help_en: None,
        section: None,
        position: None,
        option_list: None,
        visible_to: None,
        editable_by: None,
        filterable: false,
    }
}

#[tokio::test]
async fn admins_define_fields_and_everyone_reads_them_with_a_schema_for_their_role() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    assert!(app.fields(&rep, "customer").await.fields.is_empty());

    let cycle = app
        .field_create(
            &admin,
            &FieldDefCreate {
                option_list: Some("customer_source".into()),
                filterable: true,
                ..field("purchase_cycle", FieldKind::Choice)
            },
        )
        .await;
    assert!(cycle.active && !cycle.used);
    assert_eq!(cycle.visible_to, Role::ALL.to_vec());
    let margin = app
        .field_create(
            &admin,
            &FieldDefCreate {
                label_zh: "毛利率".into(),
                label_en: "Margin".into(),
                visible_to: Some(vec![Role::Admin, Role::Supervisor]),
                editable_by: Some(vec![Role::Admin]),
                ..field("margin", FieldKind::Decimal)
            },
        )
        .await;
    assert_eq!(margin.position, cycle.position + 1, "new fields go last");

    // Reps get neither the definition nor the schema of the field they may not see.
    let set = app.fields(&rep, "customer").await;
    let keys: Vec<&str> = set.fields.iter().map(|f| f.key.as_str()).collect();
    assert_eq!(keys, ["purchase_cycle"]);
    assert_eq!(app.fields(&admin, "customer").await.fields.len(), 2);
    assert!(set.schema["properties"]["purchase_cycle"]["enum"]
        .as_array()
        .unwrap()
        .contains(&json!("trade_show")));
    assert!(set.schema["properties"].get("margin").is_none());
    let sup = app.sign_in("sup_east1").await;
    let set = app.fields(&sup, "customer").await;
    assert_eq!(set.schema["properties"]["margin"]["readOnly"], json!(true));
    assert!(app.fields(&rep, "contact").await.fields.is_empty());

    // Reps do not define fields; keys are unique per record type.
    app.post(
        &rep.token,
        "/api/v1/fields",
        serde_json::to_value(field("x", FieldKind::Text)).unwrap(),
    )
    .await
    .expect(403);
    app.post(
        &admin.token,
        "/api/v1/fields",
        serde_json::to_value(field("margin", FieldKind::Text)).unwrap(),
    )
    .await
    .expect(409);
    // Retire and bring back; rename while no record holds a value.
    let retired = app
        .field_update(
            &admin,
            &margin,
            &FieldDefUpdate {
                active: Some(false),
                ..Default::default()
            },
        )
        .await;
    assert!(!retired.active);
    let back = app
        .field_update(
            &admin,
            &retired,
            &FieldDefUpdate {
                active: Some(true),
                key: Patch::Value("gross_margin".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(back.active);
    assert_eq!(back.key, "gross_margin");
    assert_eq!(back.version, 3);
}

#[tokio::test]
async fn bad_definitions_are_refused_field_by_field() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let cases = [
        (
            json!({"resource": "customer", "key": "Bad", "label_zh": "x", "label_en": "x", "kind": "text"}),
            "key",
        ),
        (
            json!({"resource": "customer", "key": "c", "label_zh": "x", "label_en": "x", "kind": "choice"}),
            "option_list",
        ),
        (
            json!({"resource": "customer", "key": "c", "label_zh": "x", "label_en": "x", "kind": "choice", "option_list": "nope"}),
            "option_list",
        ),
        (
            json!({"resource": "customer", "key": "t", "label_zh": "x", "label_en": "x", "kind": "text", "option_list": "customer_source"}),
            "option_list",
        ),
        (
            json!({"resource": "customer", "key": "n", "label_zh": "x", "label_en": "x", "kind": "integer", "default": "ten"}),
            "default",
        ),
        (
            json!({"resource": "customer", "key": "v", "label_zh": "x", "label_en": "x", "kind": "text", "visible_to": ["admin"], "editable_by": ["sales_rep"]}),
            "editable_by",
        ),
        (
            json!({"resource": "user", "key": "u", "label_zh": "x", "label_en": "x", "kind": "text"}),
            "resource",
        ),
    ];
    for (body, field) in cases {
        let r = app
            .post(&admin.token, "/api/v1/fields", body.clone())
            .await
            .expect(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{body}");
    }
    app.post(&admin.token, "/api/v1/fields", json!({"resource": "customer", "key": "k", "label_zh": "x", "label_en": "x", "kind": "colour"}))
        .await
        .expect(400);
    let r = app
        .get(&admin.token, "/api/v1/fields?resource=user")
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "resource");
}

/// Custom values travel in `custom` on every read and write of a customer: checked by type,
/// option and role; a field a role may not see is absent from its lists, details and history;
/// each change is its own line in the history; a used field's key is fixed.
#[tokio::test]
async fn customers_carry_custom_values_checked_and_shown_by_role() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    let sup = app.sign_in("sup_east1").await;
    let cycle = app
        .field_create(
            &admin,
            &FieldDefCreate {
                option_list: Some("customer_source".into()),
                required: true,
                ..field("purchase_cycle", FieldKind::Choice)
            },
        )
        .await;
    app.field_create(
        &admin,
        &FieldDefCreate {
            label_zh: "预算".into(),
            label_en: "Budget".into(),
            default: Some(json!(100_000)),
            ..field("budget", FieldKind::Money)
        },
    )
    .await;
    app.field_create(
        &admin,
        &FieldDefCreate {
            label_zh: "毛利率".into(),
            label_en: "Margin".into(),
            visible_to: Some(vec![Role::Admin, Role::Supervisor]),
            editable_by: Some(vec![Role::Admin]),
            ..field("margin", FieldKind::Decimal)
        },
    )
    .await;

    // Required, wrong type, unknown option, unknown key and a hidden field: each named.
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "自定义客户", "custom": {}}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "custom.purchase_cycle");
    assert_eq!(r.body["errors"][0]["code"], "required");
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "自定义客户", "custom": {"purchase_cycle": "someday", "budget": 12.5,
                   "nope": 1, "margin": "0.3"}}),
        )
        .await
        .expect(422);
    let mut errors: Vec<(String, String)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().into(),
                e["code"].as_str().unwrap().into(),
            )
        })
        .collect();
    errors.sort();
    assert_eq!(
        errors,
        [
            ("custom.budget".to_owned(), "invalid_format".to_owned()),
            ("custom.margin".into(), "not_allowed".into()),
            ("custom.nope".into(), "unknown_field".into()),
            ("custom.purchase_cycle".into(), "unknown_reference".into()),
        ]
    );

    // A good create: the default fills the budget.
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "自定义客户", "custom": {"purchase_cycle": "trade_show"}}),
        )
        .await
        .expect(201);
    let id = r.id();
    assert_eq!(
        r.body["custom"],
        json!({"purchase_cycle": "trade_show", "budget": 100_000})
    );
    // The admin sets the margin; the rep never sees it, the supervisor does.
    let path = format!("/api/v1/customers/{id}");
    app.patch(
        &admin.token,
        &path,
        "\"1\"",
        json!({"custom": {"margin": "0.35"}}),
    )
    .await
    .expect(200);
    let mine = app.get(&rep.token, &path).await.expect(200);
    assert!(mine.body["custom"].get("margin").is_none(), "{}", mine.body);
    let list = app
        .get(&rep.token, "/api/v1/customers?q=自定义客户")
        .await
        .expect(200);
    assert!(list.body["items"][0]["custom"].get("margin").is_none());
    assert_eq!(
        list.body["items"][0]["custom"]["purchase_cycle"],
        "trade_show"
    );
    let theirs = app.get(&sup.token, &path).await.expect(200);
    assert_eq!(theirs.body["custom"]["margin"], "0.35");
    // The supervisor may echo it back but not change it; clearing a required field is refused.
    app.patch(
        &sup.token,
        &path,
        "\"2\"",
        json!({"custom": {"margin": "0.350"}}),
    )
    .await
    .expect(200);
    let r = app
        .patch(
            &sup.token,
            &path,
            "\"3\"",
            json!({"custom": {"margin": "0.5"}}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "custom.margin");
    let r = app
        .patch(
            &rep.token,
            &path,
            "\"3\"",
            json!({"custom": {"purchase_cycle": null}}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["code"], "required");
    app.patch(
        &rep.token,
        &path,
        "\"3\"",
        json!({"custom": {"purchase_cycle": "website", "budget": null}}),
    )
    .await
    .expect(200);
    let now = app.get(&rep.token, &path).await.expect(200);
    assert_eq!(now.body["custom"], json!({"purchase_cycle": "website"}));

    // Each custom change is its own field in the history; the rep's history has no margin.
    let history = |token: String| {
        let app = &app;
        let path = format!("{path}/history");
        async move { app.get(&token, &path).await.expect(200).body }
    };
    let h = history(rep.token.clone()).await;
    let last = &h["items"][0];
    assert_eq!(last["before"]["custom.purchase_cycle"], "trade_show");
    assert_eq!(last["after"]["custom.purchase_cycle"], "website");
    assert!(last["after"]
        .as_object()
        .unwrap()
        .contains_key("custom.budget"));
    let text = h.to_string();
    assert!(!text.contains("custom.margin"), "{text}");
    let h = history(sup.token.clone()).await;
    assert!(h.to_string().contains("custom.margin"));

    // The field is used now: its key is fixed.
    let used = app
        .fields(&admin, "customer")
        .await
        .fields
        .into_iter()
        .find(|f| f.id == cycle.id)
        .unwrap();
    assert!(used.used);
    let r = app
        .patch(
            &admin.token,
            &format!("/api/v1/fields/{}", used.id),
            &format!("\"{}\"", used.version),
            json!({"key": "cycle"}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "key");
    // Retired, its values stay stored but leave every answer; back, they return.
    app.field_update(
        &admin,
        &used,
        &FieldDefUpdate {
            active: Some(false),
            ..Default::default()
        },
    )
    .await;
    let hidden = app.get(&rep.token, &path).await.expect(200);
    assert!(hidden.body["custom"].get("purchase_cycle").is_none());
    // Its stored value may be echoed back, not changed.
    app.patch(
        &rep.token,
        &path,
        "\"4\"",
        json!({"custom": {"purchase_cycle": "website"}}),
    )
    .await
    .expect(200);
    let used = app
        .fields(&admin, "customer")
        .await
        .fields
        .into_iter()
        .find(|f| f.id == cycle.id)
        .unwrap();
    app.field_update(
        &admin,
        &used,
        &FieldDefUpdate {
            active: Some(true),
            ..Default::default()
        },
    )
    .await;
    let back = app.get(&rep.token, &path).await.expect(200);
    assert_eq!(back.body["custom"]["purchase_cycle"], "website");
}

/// Contacts have their own fields: checked when created with their customer (errors under
/// `contacts[i]`) and on their own, and shown by role inside the customer's answer too.
#[tokio::test]
async fn contacts_carry_their_own_custom_values() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    for (key, label, kind, visible_to) in [
        ("birthday", "生日", FieldKind::Date, None),
        ("handler", "对接人", FieldKind::User, None),
        (
            "private",
            "私人备注",
            FieldKind::Text,
            Some(vec![Role::Admin]),
        ),
    ] {
        let input = FieldDefCreate {
            resource: Resource::Contact,
            label_zh: label.into(),
            visible_to,
            ..field(key, kind)
        };
        app.field_create(&admin, &input).await;
    }
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "联系人字段客户", "contacts": [
                {"name": "甲", "custom": {"birthday": "1990-02-30"}},
                {"name": "乙", "custom": {"handler": uuid::Uuid::now_v7()}},
            ]}),
        )
        .await
        .expect(422);
    let fields = r.error_fields();
    assert_eq!(
        fields,
        ["contacts[0].custom.birthday", "contacts[1].custom.handler"]
    );
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "联系人字段客户", "contacts": [
                {"name": "甲", "custom": {"birthday": "1990-02-28", "handler": rep.user.id}},
            ]}),
        )
        .await
        .expect(201);
    let customer = r.id();
    let contact = r.body["contacts"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["contacts"][0]["custom"]["birthday"], "1990-02-28");
    let path = format!("/api/v1/contacts/{contact}");
    app.patch(
        &admin.token,
        &path,
        "\"1\"",
        json!({"custom": {"private": "只给管理员"}}),
    )
    .await
    .expect(200);
    let mine = app
        .get(&rep.token, &format!("/api/v1/customers/{customer}"))
        .await
        .expect(200);
    assert!(mine.body["contacts"][0]["custom"].get("private").is_none());
    assert_eq!(
        mine.body["contacts"][0]["custom"]["handler"],
        rep.user.id.to_string()
    );
    let theirs = app.get(&admin.token, &path).await.expect(200);
    assert_eq!(theirs.body["custom"]["private"], "只给管理员");
    let h = app
        .get(&rep.token, &format!("/api/v1/customers/{customer}/history"))
        .await
        .expect(200);
    assert!(!h.body.to_string().contains("只给管理员"));
}

/// Lists filter by filterable custom fields through the value index: single and multiple
/// choice, yes/no; a changed value moves the record between filters; a field a role does not
/// see, or one not marked filterable, is refused like an unknown one.
#[tokio::test]
async fn lists_filter_by_custom_fields() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    let define = |key: &'static str,
                  kind: FieldKind,
                  filterable: bool,
                  visible: Option<Vec<Role>>| FieldDefCreate {
        option_list: kind.has_options().then(|| "customer_source".into()),
        filterable,
        visible_to: visible,
        ..field(key, kind)
    };
    for input in [
        define("cycle", FieldKind::Choice, true, None),
        define("channels", FieldKind::MultiChoice, true, None),
        define("vip", FieldKind::Bool, true, None),
        define("secret", FieldKind::Choice, true, Some(vec![Role::Admin])),
        define("plain", FieldKind::Choice, false, None),
    ] {
        app.field_create(&admin, &input).await;
    }
    let r = app
        .post(
            &admin.token,
            "/api/v1/fields",
            json!({"resource": "customer", "key": "note",
            "label_zh": "备注", "label_en": "Note", "kind": "text", "filterable": true}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["filterable"]);

    let mut ids = Vec::new();
    for (name, custom) in [
        (
            "甲公司",
            json!({"cycle": "website", "channels": ["referral", "website"], "vip": true}),
        ),
        (
            "乙公司",
            json!({"cycle": "referral", "channels": ["website"], "vip": false}),
        ),
        ("丙公司", json!({"cycle": "website"})),
    ] {
        let r = app
            .post(
                &rep.token,
                "/api/v1/customers",
                json!({"name": name, "custom": custom}),
            )
            .await
            .expect(201);
        ids.push(r.id());
    }
    let names = |filter: &str| {
        let app = &app;
        let token = rep.token.clone();
        let url = format!(
            "/api/v1/customers?custom={}",
            crate::customer::urlencode(filter)
        );
        async move {
            let r = app.get(&token, &url).await;
            let mut names: Vec<String> = r.body["items"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|c| c["name"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            (r.status, names)
        }
    };
    assert_eq!(
        names("cycle:website").await,
        (200, vec!["丙公司".into(), "甲公司".into()])
    );
    assert_eq!(
        names("channels:website").await,
        (200, vec!["乙公司".into(), "甲公司".into()])
    );
    assert_eq!(
        names("cycle:website,vip:true").await,
        (200, vec!["甲公司".into()])
    );
    assert_eq!(names("vip:false").await, (200, vec!["乙公司".into()]));
    // A change moves the customer from one filter to the other.
    let path = format!("/api/v1/customers/{}", ids[2]);
    app.patch(
        &rep.token,
        &path,
        "\"1\"",
        json!({"custom": {"cycle": "referral"}}),
    )
    .await
    .expect(200);
    assert_eq!(names("cycle:website").await, (200, vec!["甲公司".into()]));
    assert_eq!(
        names("cycle:referral").await,
        (200, vec!["丙公司".into(), "乙公司".into()])
    );
    // Refused alike: hidden, not filterable, unknown, malformed.
    for bad in ["secret:website", "plain:website", "nope:x", "cycle"] {
        assert_eq!(names(bad).await.0, 422, "{bad}");
    }
    let r = app
        .get(&admin.token, "/api/v1/customers?custom=secret:website")
        .await
        .expect(200);
    assert!(r.body["items"].as_array().unwrap().is_empty());
}

/// Lists sort by a custom field through the value index, page after page in both directions:
/// numbers by value (negative first), dates by date, texts ignoring case; records without a
/// value come last either way; a change of value moves the record; hidden, multiple-choice and
/// unknown fields are refused, and a cursor of another order too.
#[tokio::test]
async fn lists_sort_by_custom_fields() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    for input in [
        field("budget", FieldKind::Money),
        field("due", FieldKind::Date),
        field("code", FieldKind::Text),
        FieldDefCreate {
            visible_to: Some(vec![Role::Admin]),
            ..field("secret", FieldKind::Integer)
        },
        FieldDefCreate {
            option_list: Some("customer_source".into()),
            ..field("channels", FieldKind::MultiChoice)
        },
    ] {
        app.field_create(&admin, &input).await;
    }
    let mut ids = std::collections::HashMap::new();
    for (name, custom) in [
        (
            "排序甲",
            json!({"budget": 50_000, "due": "2026-03-01", "code": "b-2"}),
        ),
        (
            "排序乙",
            json!({"budget": -2_000, "due": "2025-12-31", "code": "A-1"}),
        ),
        ("排序丙", json!({"budget": 100_000_000, "code": "c-3"})),
        ("排序丁", json!({"budget": 0, "due": "2026-01-15"})),
        ("排序戊", json!({"budget": 99_900, "code": "a-0"})),
        ("排序己", json!({})),
    ] {
        let r = app
            .post(
                &rep.token,
                "/api/v1/customers",
                json!({"name": name, "custom": custom}),
            )
            .await
            .expect(201);
        ids.insert(name, r.id());
    }
    // Every page of two, following the cursors; only this test's customers (the rep also owns
    // demo customers, which hold no value and so come last).
    let sorted = |spec: &str| {
        let app = &app;
        let token = rep.token.clone();
        let spec = crate::customer::urlencode(spec);
        async move {
            let mut names = Vec::new();
            let mut cursor: Option<String> = None;
            let mut last_valued = true;
            for _ in 0..100 {
                let url = match &cursor {
                    Some(c) => format!("/api/v1/customers?custom_sort={spec}&limit=2&cursor={c}"),
                    None => format!("/api/v1/customers?custom_sort={spec}&limit=2"),
                };
                let r = app.get(&token, &url).await.expect(200);
                for c in r.body["items"].as_array().unwrap() {
                    let name = c["name"].as_str().unwrap().to_owned();
                    last_valued = !c["custom"].as_object().unwrap().is_empty();
                    if name.starts_with("排序") {
                        names.push(name);
                    }
                }
                cursor = r.body["next_cursor"].as_str().map(str::to_owned);
                if cursor.is_none() {
                    break;
                }
            }
            assert!(cursor.is_none(), "pages never ended");
            (names, last_valued)
        }
    };
    let (asc, last_valued) = sorted("budget").await;
    assert_eq!(
        asc,
        ["排序乙", "排序丁", "排序甲", "排序戊", "排序丙", "排序己"]
    );
    assert!(!last_valued, "records without a value come last");
    let (desc, _) = sorted("-budget").await;
    assert_eq!(
        desc,
        ["排序丙", "排序戊", "排序甲", "排序丁", "排序乙", "排序己"]
    );
    let (by_date, _) = sorted("due").await;
    assert_eq!(by_date[..3], ["排序乙", "排序丁", "排序甲"]);
    let (by_code, _) = sorted("code").await;
    assert_eq!(by_code[..4], ["排序戊", "排序乙", "排序甲", "排序丙"]);
    // A change of value moves the record; clearing it sends it to the end.
    let path = format!("/api/v1/customers/{}", ids["排序丙"]);
    app.patch(
        &rep.token,
        &path,
        "\"1\"",
        json!({"custom": {"budget": -100_000}}),
    )
    .await
    .expect(200);
    assert_eq!(sorted("budget").await.0[..2], ["排序丙", "排序乙"]);
    app.patch(
        &rep.token,
        &path,
        "\"2\"",
        json!({"custom": {"budget": null}}),
    )
    .await
    .expect(200);
    let (asc, _) = sorted("budget").await;
    assert_eq!(asc[0], "排序乙");
    assert!(asc[4..].contains(&"排序丙".to_owned()), "{asc:?}");
    // Refused alike: hidden from the rep, multiple choice, unknown.
    for bad in ["secret", "channels", "-nope", "-"] {
        let r = app
            .get(&rep.token, &format!("/api/v1/customers?custom_sort={bad}"))
            .await
            .expect(422);
        assert_eq!(r.error_fields(), ["custom_sort"], "{bad}");
    }
    app.get(&admin.token, "/api/v1/customers?custom_sort=-secret")
        .await
        .expect(200);
    // A cursor belongs to its order: another field or direction refuses it.
    let r = app
        .get(&rep.token, "/api/v1/customers?custom_sort=budget&limit=1")
        .await
        .expect(200);
    let c = r.body["next_cursor"].as_str().unwrap().to_owned();
    for other in ["-budget", "due"] {
        app.get(
            &rep.token,
            &format!("/api/v1/customers?custom_sort={other}&cursor={c}"),
        )
        .await
        .expect(400);
    }
}

/// A filter picks its plan by how many records hold the value: a rare one drives the query from
/// its holders, a common one is probed per row of the list. Both give the same customers, in the
/// list's order, page after page — here with the threshold at one holder, so both plans run.
#[tokio::test]
async fn rare_and_common_values_filter_alike() {
    let app = kaidan_tests::spawn_app_with(|s| s.limits.custom_filter_selective = 1).await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    app.field_create(
        &admin,
        &FieldDefCreate {
            option_list: Some("customer_source".into()),
            filterable: true,
            ..field("cycle", FieldKind::Choice)
        },
    )
    .await;
    for (name, cycle) in [
        ("常见甲", "website"),
        ("罕见乙", "referral"),
        ("常见丙", "website"),
        ("常见丁", "website"),
    ] {
        app.post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": name, "custom": {"cycle": cycle}}),
        )
        .await
        .expect(201);
    }
    let pages = |filter: &'static str| {
        let app = &app;
        let token = rep.token.clone();
        async move {
            let mut names = Vec::new();
            let mut url = format!("/api/v1/customers?custom={filter}&limit=2");
            for _ in 0..10 {
                let r = app.get(&token, &url).await.expect(200);
                for c in r.body["items"].as_array().unwrap() {
                    names.push(c["name"].as_str().unwrap().to_owned());
                }
                match r.body["next_cursor"].as_str() {
                    Some(c) => {
                        url = format!("/api/v1/customers?custom={filter}&limit=2&cursor={c}")
                    }
                    None => break,
                }
            }
            names
        }
    };
    // Newest change first, as the unfiltered list orders them.
    assert_eq!(pages("cycle:website").await, ["常见丁", "常见丙", "常见甲"]);
    assert_eq!(pages("cycle:referral").await, ["罕见乙"]);
    assert!(pages("cycle:phone").await.is_empty());
}

/// Leads and deals take the same `custom` filter and `custom_sort` as customers (recipe row 20):
/// through the value index their writes keep, refusing fields the reader does not see.
#[tokio::test]
async fn lead_and_deal_lists_filter_and_sort_by_their_custom_fields() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    for input in [
        FieldDefCreate {
            resource: Resource::Lead,
            option_list: Some("customer_source".into()),
            filterable: true,
            ..field("channel", FieldKind::Choice)
        },
        FieldDefCreate {
            resource: Resource::Opportunity,
            ..field("budget", FieldKind::Money)
        },
        FieldDefCreate {
            resource: Resource::Opportunity,
            visible_to: Some(vec![Role::Admin]),
            ..field("secret", FieldKind::Integer)
        },
    ] {
        app.field_create(&admin, &input).await;
    }
    for (name, phone, channel) in [
        ("渠道甲", "13900000001", "website"),
        ("渠道乙", "13900000002", "referral"),
        ("渠道丙", "13900000003", "website"),
    ] {
        app.post(
            &rep.token,
            "/api/v1/leads",
            json!({"name": name, "phone": phone, "custom": {"channel": channel}}),
        )
        .await
        .expect(201);
    }
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = app
        .get(&rep.token, "/api/v1/leads?custom=channel:website")
        .await
        .expect(200);
    let mut found = names(&r.body);
    found.sort();
    assert_eq!(found, ["渠道丙", "渠道甲"]);
    let r = app
        .get(&rep.token, "/api/v1/leads?custom=nope:x")
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["custom"]);

    let c = app
        .create_customer(&rep.token, json!({"name": "预算排序客户"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (name, budget) in [("预算中", 50_000), ("预算高", 900_000), ("预算低", 100)] {
        app.post(
            &rep.token,
            "/api/v1/opportunities",
            json!({"customer_id": c, "name": name, "amount": 1, "custom": {"budget": budget}}),
        )
        .await
        .expect(201);
    }
    let path = format!("/api/v1/opportunities?customer_id={c}&custom_sort=-budget&limit=2");
    let first = app.get(&rep.token, &path).await.expect(200);
    assert_eq!(names(&first.body), ["预算高", "预算中"]);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let rest = app
        .get(
            &rep.token,
            &format!("{path}&cursor={}", crate::customer::urlencode(&cursor)),
        )
        .await
        .expect(200);
    assert_eq!(names(&rest.body), ["预算低"]);
    let r = app
        .get(&rep.token, "/api/v1/opportunities?custom_sort=secret")
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["custom_sort"]);
    app.get(&admin.token, "/api/v1/opportunities?custom_sort=secret")
        .await
        .expect(200);
}
