//! Option lists (数据字典): the built-in lists, and admins adding, relabelling, reordering and
//! retiring options — never removing them.

use kaidan_shared::option_list::{OptionInput, OptionListCreate};
use kaidan_tests::spawn_app;
use serde_json::json;

fn option(key: &str, zh: &str, en: &str) -> OptionInput {
    OptionInput {
        key: key.into(),
        label_zh: zh.into(),
        label_en: en.into(),
        active: true,
    }
}

#[tokio::test]
async fn every_installation_has_the_builtin_lists_and_everyone_reads_them() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let lists = app.option_lists(&rep).await;
    let keys: Vec<&str> = lists.iter().map(|l| l.key.as_str()).collect();
    for builtin in [
        "customer_industry",
        "customer_source",
        "lead_source",
        "disqualify_reason",
        "lost_reason",
        "visit_outcome",
        "followup_type",
        "payment_method",
    ] {
        assert!(keys.contains(&builtin), "{builtin} in {keys:?}");
    }
    let industry = app.option_list(&rep, "customer_industry").await;
    assert!(industry.builtin);
    let it = industry.option("information_technology").unwrap();
    assert_eq!(
        (it.label_zh.as_str(), it.label_en.as_str()),
        ("信息技术", "Information technology")
    );
    let visit = app.option_list(&rep, "visit_outcome").await;
    let labels: Vec<&str> = visit.options.iter().map(|o| o.label_zh.as_str()).collect();
    assert_eq!(labels, ["有意向", "需跟进", "无意向", "已成交"]);
    // One list by id, with its version as ETag.
    let r = app
        .get(&rep.token, &format!("/api/v1/option-lists/{}", visit.id))
        .await
        .expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"1\""));
}

#[tokio::test]
async fn admins_add_reorder_relabel_and_retire_options_but_never_remove_one() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    let input = OptionListCreate {
        key: "purchase_cycle".into(),
        name_zh: "采购周期".into(),
        name_en: "Purchase cycle".into(),
        options: vec![
            option("month", "一个月", "A month"),
            option("quarter", "一个季度", "A quarter"),
        ],
    };
    // Reps read lists but do not make them.
    app.post(
        &rep.token,
        "/api/v1/option-lists",
        serde_json::to_value(&input).unwrap(),
    )
    .await
    .expect(403);
    let list = app.option_list_create(&admin, &input).await;
    assert_eq!(list.options.len(), 2);
    app.post(
        &admin.token,
        "/api/v1/option-lists",
        serde_json::to_value(&input).unwrap(),
    )
    .await
    .expect(409);

    let path = format!("/api/v1/option-lists/{}", list.id);
    // Leaving an option out is refused: options are retired, not removed.
    let r = app
        .patch(
            &admin.token,
            &path,
            "\"1\"",
            json!({"options": [{"key": "month", "label_zh": "一个月", "label_en": "A month"}]}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "options");
    // Reorder, relabel, retire and add in one edit.
    let r = app
        .patch(
            &admin.token,
            &path,
            "\"1\"",
            json!({"name_en": "Buying cycle", "options": [
                {"key": "year", "label_zh": "一年", "label_en": "A year"},
                {"key": "quarter", "label_zh": "一季度", "label_en": "A quarter"},
                {"key": "month", "label_zh": "一个月", "label_en": "A month", "active": false},
            ]}),
        )
        .await
        .expect(200);
    assert_eq!(r.header("etag").as_deref(), Some("\"2\""));
    let after = app.option_list(&rep, "purchase_cycle").await;
    assert_eq!(after.name_en, "Buying cycle");
    let order: Vec<(&str, &str, bool)> = after
        .options
        .iter()
        .map(|o| (o.key.as_str(), o.label_zh.as_str(), o.active))
        .collect();
    assert_eq!(
        order,
        [
            ("year", "一年", true),
            ("quarter", "一季度", true),
            ("month", "一个月", false)
        ]
    );
    // A stale version loses nothing.
    app.patch(&admin.token, &path, "\"1\"", json!({"name_zh": "旧"}))
        .await
        .expect(412);
    // Bad keys and blank labels are named.
    let r = app
        .post(
            &admin.token,
            "/api/v1/option-lists",
            json!({"key": "Bad Key", "name_zh": "", "name_en": "x"}),
        )
        .await
        .expect(422);
    let fields = r.error_fields();
    assert_eq!(fields, ["key", "name_zh"]);
    // Both changes are in the audit trail.
    let log = app
        .get(
            &admin.token,
            &format!("/api/v1/audit?entity=option_list&entity_id={}", list.id),
        )
        .await
        .expect(200);
    let actions: Vec<&str> = log.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["option_list.update", "option_list.create"]);
}

/// A customer's industry and source are keys of their option lists: an unknown key is refused,
/// a retired option cannot be chosen anew but stays on the customers that have it.
#[tokio::test]
async fn customers_take_industry_and_source_from_their_lists() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep = app.sign_in("rep_east1").await;
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "行业客户", "industry": "信息技术", "source": "nowhere"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["industry", "source"]);
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "行业客户", "industry": "energy", "source": "referral"}),
        )
        .await
        .expect(201);
    let path = format!("/api/v1/customers/{}", r.id());
    // The admin retires "energy".
    let industry = app.option_list(&admin, "customer_industry").await;
    let options: Vec<_> = industry
        .options
        .iter()
        .map(|o| {
            json!({"key": o.key, "label_zh": o.label_zh, "label_en": o.label_en,
                        "active": o.key != "energy"})
        })
        .collect();
    app.patch(
        &admin.token,
        &format!("/api/v1/option-lists/{}", industry.id),
        &format!("\"{}\"", industry.version),
        json!({"options": options}),
    )
    .await
    .expect(200);
    // The customer keeps it through other edits; nobody picks it anew.
    app.patch(
        &rep.token,
        &path,
        "\"1\"",
        json!({"industry": "energy", "notes": "仍是能源"}),
    )
    .await
    .expect(200);
    let r = app
        .post(
            &rep.token,
            "/api/v1/customers",
            json!({"name": "新能源客户", "industry": "energy"}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["code"], "not_allowed");
}
