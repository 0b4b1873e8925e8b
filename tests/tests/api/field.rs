//! Custom field definitions: admins define them per record type; everyone reads them with the
//! JSON Schema of `custom` for their role.

use kaidan_shared::field::{FieldDefCreate, FieldDefUpdate, FieldKind};
use kaidan_shared::{Patch, Resource, Role};
use kaidan_tests::spawn_app;
use serde_json::json;

fn field(key: &str, kind: FieldKind) -> FieldDefCreate {
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

    // Reps get both definitions but a schema without the field they may not see.
    let set = app.fields(&rep, "customer").await;
    assert_eq!(set.fields.len(), 2);
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
