use kaidan_tests::spawn_app;
use reqwest::Method;
use serde_json::{json, Value};

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_rep_creates_a_customer_with_contacts_and_finds_it_by_name_and_phone() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let r = app
        .post(
            &rep,
            "/api/v1/customers",
            json!({
                "name": "杭州星辰科技有限公司",
                "credit_code": "91350100M000100Y43",
                "industry": "information_technology",
                "level": "A",
                "tags": ["重点客户", "重点客户", "有预算"],
                "phone": "0571-8888 6666",
                "address": "杭州市西湖区文一西路1号",
                "lat": 30.27, "lng": 120.15,
                "contacts": [
                    {"name": "李雷", "title": "采购经理", "phones": ["13800138000"], "wechat": "lilei"},
                    {"name": "韩梅梅", "phones": ["13900139000"]}
                ]
            }),
        )
        .await
        .expect(201);
    let id = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(r.etag(), "\"1\"");
    assert_eq!(
        r.header("location").unwrap(),
        format!("/api/v1/customers/{id}")
    );
    assert_eq!(r.body["owner_id"], app.user("rep_east1"));
    assert_eq!(r.body["owner_name"], "李明");
    assert_eq!(
        r.body["tags"],
        json!(["有预算", "重点客户"]),
        "tags are unique and sorted"
    );
    let contacts = r.body["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(
        contacts[0]["is_primary"], true,
        "the first contact becomes primary"
    );
    assert_eq!(contacts[1]["is_primary"], false);

    let got = app
        .get(&rep, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
    assert_eq!(got.body["name"], "杭州星辰科技有限公司");
    assert_eq!(got.body["contacts"][0]["name"], "李雷");

    for q in ["星辰", "星辰科技", "88886666", "0571 8888"] {
        let page = app
            .get(&rep, &format!("/api/v1/customers?q={}", urlencode(q)))
            .await
            .expect(200);
        assert_eq!(names(&page.body), ["杭州星辰科技有限公司"], "search {q}");
    }
    let none = app
        .get(
            &rep,
            &format!("/api/v1/customers?q={}", urlencode("不存在")),
        )
        .await
        .expect(200);
    assert!(none.body["items"].as_array().unwrap().is_empty());
    assert!(none.body.get("next_cursor").is_none());
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn each_role_sees_exactly_the_customers_in_its_scope() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let e2 = app.login("rep_east2").await;
    let s1 = app.login("rep_south1").await;
    let c_e2 = app
        .create_customer(&e2, json!({"name": "苏州东吴机械有限公司"}))
        .await;
    let c_s1 = app
        .create_customer(&s1, json!({"name": "深圳南山电子有限公司"}))
        .await;
    let id_e2 = c_e2["id"].as_str().unwrap();
    let id_s1 = c_s1["id"].as_str().unwrap();

    // rep_east1 can neither see, edit, archive nor transfer rep_east2's customer: 404, no leak.
    app.get(&e1, &format!("/api/v1/customers/{id_e2}"))
        .await
        .expect(404);
    app.patch(
        &e1,
        &format!("/api/v1/customers/{id_e2}"),
        "\"1\"",
        json!({"notes": "x"}),
    )
    .await
    .expect(404);
    app.delete(&e1, &format!("/api/v1/customers/{id_e2}"), "\"1\"")
        .await
        .expect(404);
    app.post(
        &e1,
        &format!("/api/v1/customers/{id_e2}/transfer"),
        json!({"owner_id": app.user("rep_east1")}),
    )
    .await
    .expect(404);
    app.get(&e1, &format!("/api/v1/customers/{id_e2}/history"))
        .await
        .expect(404);
    app.get(&e1, &format!("/api/v1/customers/{id_e2}/contacts"))
        .await
        .expect(404);
    assert!(names(&app.get(&e1, "/api/v1/customers").await.expect(200).body).is_empty());

    // Their supervisor and regional manager see and edit it; rep_south1's stays invisible to them.
    for boss in ["sup_east1", "manager_east"] {
        let t = app.login(boss).await;
        let list = names(&app.get(&t, "/api/v1/customers").await.expect(200).body);
        assert_eq!(list, ["苏州东吴机械有限公司"], "{boss}");
        app.get(&t, &format!("/api/v1/customers/{id_s1}"))
            .await
            .expect(404);
        app.patch(
            &t,
            &format!("/api/v1/customers/{id_s1}"),
            "\"1\"",
            json!({"notes": "x"}),
        )
        .await
        .expect(404);
    }
    let sup = app.login("sup_east1").await;
    let r = app
        .patch(
            &sup,
            &format!("/api/v1/customers/{id_e2}"),
            "\"1\"",
            json!({"level": "B"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["level"], "B");

    // sup_east2 leads another team in the same region: not theirs.
    let sup2 = app.login("sup_east2").await;
    app.get(&sup2, &format!("/api/v1/customers/{id_e2}"))
        .await
        .expect(404);

    // The south manager and the admin see the south customer.
    let ms = app.login("manager_south").await;
    assert_eq!(
        names(&app.get(&ms, "/api/v1/customers").await.expect(200).body),
        ["深圳南山电子有限公司"]
    );
    let admin = app.login("admin").await;
    assert_eq!(
        app.get(&admin, "/api/v1/customers").await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn customer_service_reads_its_region_but_changes_nothing() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let c = app
        .create_customer(&e1, json!({"name": "南京金陵食品有限公司", "contacts": [{"name": "王五", "phones": ["13811112222"]}]}))
        .await;
    let id = c["id"].as_str().unwrap();
    let contact_id = c["contacts"][0]["id"].as_str().unwrap();
    let s1 = app.login("rep_south1").await;
    let south = app
        .create_customer(&s1, json!({"name": "厦门鹭岛贸易有限公司"}))
        .await;

    let cs = app.login("cs1").await;
    assert_eq!(
        names(&app.get(&cs, "/api/v1/customers").await.expect(200).body),
        ["南京金陵食品有限公司"]
    );
    app.get(&cs, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
    app.get(&cs, &format!("/api/v1/contacts/{contact_id}"))
        .await
        .expect(200);
    app.get(
        &cs,
        &format!("/api/v1/customers/{}", south["id"].as_str().unwrap()),
    )
    .await
    .expect(404);

    let t = app
        .post(
            &cs,
            &format!("/api/v1/customers/{id}/transfer"),
            json!({"owner_id": app.user("rep_east2")}),
        )
        .await
        .expect(403);
    assert_eq!(t.code(), "forbidden");
    app.patch(
        &cs,
        &format!("/api/v1/customers/{id}"),
        "\"1\"",
        json!({"notes": "x"}),
    )
    .await
    .expect(403);
    app.post(&cs, "/api/v1/customers", json!({"name": "新客户"}))
        .await
        .expect(403);
    app.patch(
        &cs,
        &format!("/api/v1/contacts/{contact_id}"),
        "\"1\"",
        json!({"title": "x"}),
    )
    .await
    .expect(403);
    app.post(
        &cs,
        &format!("/api/v1/customers/{id}/contacts"),
        json!({"name": "x"}),
    )
    .await
    .expect(403);
}

#[tokio::test]
async fn a_supervisor_transfers_inside_the_team_and_the_transfer_is_audited() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let c = app
        .create_customer(&e1, json!({"name": "无锡太湖纺织有限公司"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let sup = app.login("sup_east1").await;

    // Out of the supervisor's scope: another region's rep.
    let bad = app
        .post(
            &sup,
            &format!("/api/v1/customers/{id}/transfer"),
            json!({"owner_id": app.user("rep_south1")}),
        )
        .await
        .expect(422);
    assert_eq!(bad.body["errors"][0]["field"], "owner_id");
    // Customer service never owns customers.
    app.post(
        &sup,
        &format!("/api/v1/customers/{id}/transfer"),
        json!({"owner_id": app.user("cs1")}),
    )
    .await
    .expect(422);

    let r = app
        .post(
            &sup,
            &format!("/api/v1/customers/{id}/transfer"),
            json!({"owner_id": app.user("rep_east2"), "reason": "客户搬迁"}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["owner_id"], app.user("rep_east2"));
    assert_eq!(r.etag(), "\"2\"");

    let e2 = app.login("rep_east2").await;
    app.get(&e2, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
    app.get(&e1, &format!("/api/v1/customers/{id}"))
        .await
        .expect(404);

    let admin = app.login("admin").await;
    let log = app
        .get(
            &admin,
            &format!("/api/v1/audit?action=customer.transfer&entity_id={id}"),
        )
        .await
        .expect(200);
    let entry = &log.body["items"][0];
    assert_eq!(entry["actor_id"], app.user("sup_east1"));
    assert_eq!(entry["before"]["owner_id"], app.user("rep_east1"));
    assert_eq!(entry["after"]["owner_id"], app.user("rep_east2"));
    assert_eq!(entry["after"]["reason"], "客户搬迁");
    assert!(entry["request_id"].is_string());
    assert!(entry["ip"].is_string());
}

#[tokio::test]
async fn only_supervisors_and_above_may_set_the_owner() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let r = app
        .post(
            &e1,
            "/api/v1/customers",
            json!({"name": "合肥科大软件有限公司", "owner_id": app.user("rep_east2")}),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "field_forbidden");
    assert_eq!(r.body["errors"][0]["field"], "owner_id");

    let c = app
        .create_customer(&e1, json!({"name": "合肥科大软件有限公司"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let r = app
        .patch(
            &e1,
            &format!("/api/v1/customers/{id}"),
            "\"1\"",
            json!({"owner_id": app.user("rep_east2")}),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "field_forbidden");
    // Setting it to themselves changes nothing and is fine.
    app.patch(
        &e1,
        &format!("/api/v1/customers/{id}"),
        "\"1\"",
        json!({"owner_id": app.user("rep_east1"), "notes": "ok"}),
    )
    .await
    .expect(200);

    // A supervisor may create for a rep of the team, and move it by PATCH, within scope only.
    let sup = app.login("sup_east1").await;
    let c2 = app
        .create_customer(
            &sup,
            json!({"name": "宁波港城物流有限公司", "owner_id": app.user("rep_east2")}),
        )
        .await;
    assert_eq!(c2["owner_id"], app.user("rep_east2"));
    let id2 = c2["id"].as_str().unwrap();
    app.patch(
        &sup,
        &format!("/api/v1/customers/{id2}"),
        "\"1\"",
        json!({"owner_id": app.user("rep_east3")}),
    )
    .await
    .expect(422);
    let moved = app
        .patch(
            &sup,
            &format!("/api/v1/customers/{id2}"),
            "\"1\"",
            json!({"owner_id": app.user("rep_east1")}),
        )
        .await
        .expect(200);
    assert_eq!(moved.body["owner_id"], app.user("rep_east1"));
    assert_eq!(
        app.history_actions(id2).await.last().unwrap(),
        "customer.transfer"
    );
}

#[tokio::test]
async fn likely_duplicates_need_an_explicit_force() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let s1 = app.login("rep_south1").await;
    app.create_customer(&e1, json!({"name": "上海浦江贸易有限公司", "phone": "021-5555 6666", "credit_code": "91350100M000100Y43"})).await;
    app.create_customer(
        &s1,
        json!({"name": "广州羊城电子有限公司", "phone": "13800138000"}),
    )
    .await;

    // Same phone written differently.
    let r = app
        .post(
            &e1,
            "/api/v1/customers",
            json!({"name": "浦江国际", "phone": "(021) 55556666"}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "duplicate_suspected");
    let d = &r.body["duplicates"][0];
    assert_eq!(d["resource"], "customer");
    assert_eq!(d["name"], "上海浦江贸易有限公司");
    assert_eq!(d["matched_on"], json!(["phone"]));
    assert!(d["id"].is_string(), "the rep may open their own duplicate");

    // Same normalised name; and someone else's customer: named, but not opened.
    let r = app
        .post(
            &e1,
            "/api/v1/customers",
            json!({"name": "广州 羊城电子（有限公司）"}),
        )
        .await
        .expect(409);
    let d = &r.body["duplicates"][0];
    assert_eq!(d["matched_on"], json!(["name"]));
    assert!(
        d["id"].is_null(),
        "no id of a customer outside the caller's scope"
    );
    assert_eq!(d["owner_name"], "周杰");

    // Same credit code.
    let r = app
        .post(
            &e1,
            "/api/v1/customers",
            json!({"name": "完全不同的名字", "credit_code": "91350100M000100Y43"}),
        )
        .await
        .expect(409);
    assert_eq!(
        r.body["duplicates"][0]["matched_on"],
        json!(["credit_code"])
    );

    // With force the rep goes ahead.
    let ok = app
        .post(
            &e1,
            "/api/v1/customers",
            json!({"name": "浦江国际", "phone": "(021) 55556666", "force": true}),
        )
        .await
        .expect(201);
    assert_eq!(ok.body["phone"], "(021) 55556666");
}

#[tokio::test]
async fn stale_or_missing_if_match_is_refused_and_concurrent_edits_have_one_winner() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let c = app
        .create_customer(&e1, json!({"name": "佛山陶瓷建材有限公司"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/customers/{id}");

    let missing = app
        .request(
            Method::PATCH,
            &path,
            Some(&e1),
            Some(&json!({"notes": "a"})),
            &[],
        )
        .await
        .expect(428);
    assert_eq!(missing.code(), "precondition_required");
    app.patch(&e1, &path, "\"1\"", json!({"notes": "first"}))
        .await
        .expect(200);
    let stale = app
        .patch(&e1, &path, "\"1\"", json!({"notes": "second"}))
        .await
        .expect(412);
    assert_eq!(stale.code(), "version_conflict");
    let now = app.get(&e1, &path).await.expect(200);
    assert_eq!(
        now.body["notes"], "first",
        "the stale edit lost nothing and changed nothing"
    );
    assert_eq!(now.etag(), "\"2\"");
    app.delete(&e1, &path, "\"1\"").await.expect(412);

    // Eight people save version 2 at once: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (client, url, tok) = (
            app.client.clone(),
            format!("{}{}", app.address, path),
            e1.clone(),
        );
        tasks.push(tokio::spawn(async move {
            client
                .patch(url)
                .bearer_auth(tok)
                .header("if-match", "\"2\"")
                .json(&json!({"notes": format!("edit {i}")}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        7,
        "{statuses:?}"
    );
    assert_eq!(app.get(&e1, &path).await.expect(200).etag(), "\"3\"");
}

#[tokio::test]
async fn the_same_idempotency_key_creates_one_customer() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let body = json!({"name": "东莞松湖精密制造有限公司"});
    let key = [("idempotency-key", "4b0a3c7e-7f1b-4d5e-9a1c-000000000001")];
    let a = app
        .request(
            Method::POST,
            "/api/v1/customers",
            Some(&e1),
            Some(&body),
            &key,
        )
        .await
        .expect(201);
    let b = app
        .request(
            Method::POST,
            "/api/v1/customers",
            Some(&e1),
            Some(&body),
            &key,
        )
        .await
        .expect(201);
    assert_eq!(a.body, b.body, "the retry gets the first answer");
    assert_eq!(b.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(a.etag(), b.etag());
    let list = app.get(&e1, "/api/v1/customers").await.expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);

    let other = app
        .request(
            Method::POST,
            "/api/v1/customers",
            Some(&e1),
            Some(&json!({"name": "另一家公司"})),
            &key,
        )
        .await
        .expect(422);
    assert_eq!(other.code(), "idempotency_key_reused");

    // Keys belong to the caller: another user's identical key is a different request.
    let e2 = app.login("rep_east2").await;
    app.request(
        Method::POST,
        "/api/v1/customers",
        Some(&e2),
        Some(&json!({"name": "另一家公司", "force": true})),
        &key,
    )
    .await
    .expect(201);
}

#[tokio::test]
async fn every_mutation_leaves_an_audit_row() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let c = app
        .create_customer(
            &e1,
            json!({"name": "珠海海湾新能源有限公司", "contacts": [{"name": "甲"}]}),
        )
        .await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/customers/{id}");
    app.patch(&e1, &path, "\"1\"", json!({"industry": "energy"}))
        .await
        .expect(200);
    let contact = app
        .post(
            &e1,
            &format!("{path}/contacts"),
            json!({"name": "乙", "is_primary": true}),
        )
        .await
        .expect(201);
    let cid = contact.id();
    app.patch(
        &e1,
        &format!("/api/v1/contacts/{cid}"),
        &contact.etag(),
        json!({"title": "财务"}),
    )
    .await
    .expect(200);
    let first_contact = c["contacts"][0]["id"].as_str().unwrap();
    let fc = app
        .get(&e1, &format!("/api/v1/contacts/{first_contact}"))
        .await
        .expect(200);
    assert_eq!(
        fc.body["is_primary"], false,
        "a new primary contact takes over"
    );
    app.delete(
        &e1,
        &format!("/api/v1/contacts/{first_contact}"),
        &fc.etag(),
    )
    .await
    .expect(204);
    app.delete(&e1, &path, "\"2\"").await.expect(200);
    app.post(&e1, &format!("{path}/restore"), json!({}))
        .await
        .expect(200);
    let sup = app.login("sup_east1").await;
    app.post(
        &sup,
        &format!("{path}/transfer"),
        json!({"owner_id": app.user("rep_east2")}),
    )
    .await
    .expect(200);

    assert_eq!(
        app.history_actions(id).await,
        [
            "customer.create",
            "contact.create",
            "customer.update",
            "contact.create",
            "contact.update",
            "contact.archive",
            "customer.archive",
            "customer.restore",
            "customer.transfer"
        ]
    );
    let admin = app.login("admin").await;
    let upd = app
        .get(
            &admin,
            &format!("/api/v1/audit?action=customer.update&entity_id={id}"),
        )
        .await
        .expect(200);
    assert_eq!(upd.body["items"][0]["before"], json!({"industry": null}));
    assert_eq!(upd.body["items"][0]["after"], json!({"industry": "energy"}));
    // Only admins read the whole log.
    app.get(&e1, "/api/v1/audit").await.expect(403);
    app.get(&sup, "/api/v1/audit").await.expect(403);
}

#[tokio::test]
async fn archived_customers_leave_the_list_and_cannot_be_edited_until_restored() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let c = app
        .create_customer(&e1, json!({"name": "温州瓯江鞋业有限公司"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let path = format!("/api/v1/customers/{id}");
    let archived = app.delete(&e1, &path, "\"1\"").await.expect(200);
    assert_eq!(archived.body["archived"], true);
    assert!(names(&app.get(&e1, "/api/v1/customers").await.expect(200).body).is_empty());
    assert_eq!(
        names(
            &app.get(&e1, "/api/v1/customers?archived=true")
                .await
                .expect(200)
                .body
        ),
        ["温州瓯江鞋业有限公司"]
    );
    let r = app
        .patch(&e1, &path, "\"2\"", json!({"notes": "x"}))
        .await
        .expect(409);
    assert_eq!(r.code(), "archived");
    app.post(&e1, &format!("{path}/restore"), json!({}))
        .await
        .expect(200);
    app.patch(&e1, &path, "\"3\"", json!({"notes": "x"}))
        .await
        .expect(200);
}

#[tokio::test]
async fn keyset_pages_cover_every_customer_once_in_each_sort() {
    let app = spawn_app().await;
    let e1 = app.login("rep_east1").await;
    let mut expected = Vec::new();
    for i in 0..7 {
        let name = format!("测试客户{i:02}有限公司");
        app.create_customer(&e1, json!({"name": name, "level": if i % 2 == 0 { "A" } else { "C" }, "tags": if i < 3 { json!(["重点客户"]) } else { json!([]) }})).await;
        expected.push(name);
    }
    for sort in ["updated_desc", "created_desc", "name_asc"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/api/v1/customers?limit=3&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = app.get(&e1, &path).await.expect(200);
            seen.extend(names(&page.body));
            pages += 1;
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(pages, 3, "{sort}");
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(sorted, expected, "{sort}: every customer exactly once");
        if sort == "name_asc" {
            assert_eq!(seen, expected);
        } else {
            let mut rev = expected.clone();
            rev.reverse();
            assert_eq!(seen, rev, "{sort}: newest first");
        }
    }
    assert_eq!(
        names(
            &app.get(&e1, "/api/v1/customers?level=A")
                .await
                .expect(200)
                .body
        )
        .len(),
        4
    );
    let tagged = app
        .get(
            &e1,
            &format!(
                "/api/v1/customers?tag={}",
                crate::customer::urlencode("重点客户")
            ),
        )
        .await
        .expect(200);
    assert_eq!(names(&tagged.body).len(), 3);
    let mine = app
        .get(
            &e1,
            &format!("/api/v1/customers?owner_id={}", app.user("rep_east1")),
        )
        .await
        .expect(200);
    assert_eq!(names(&mine.body).len(), 7);

    let future = app
        .get(&e1, "/api/v1/customers?updated_since=2100-01-01T00:00:00Z")
        .await
        .expect(200);
    assert!(names(&future.body).is_empty());
    let past = app
        .get(
            &e1,
            "/api/v1/customers?updated_since=2000-01-01T00:00:00Z&limit=50",
        )
        .await
        .expect(200);
    assert_eq!(names(&past.body).len(), 7);
    app.patch(
        &e1,
        &format!(
            "/api/v1/customers/{}",
            past.body["items"][6]["id"].as_str().unwrap()
        ),
        "\"1\"",
        json!({"industry": "energy"}),
    )
    .await
    .expect(200);
    let energy = app
        .get(
            &e1,
            &format!(
                "/api/v1/customers?industry={}",
                crate::customer::urlencode("energy")
            ),
        )
        .await
        .expect(200);
    assert_eq!(
        names(&energy.body),
        [expected[0].clone()],
        "the oldest customer, now in energy"
    );

    let bad = app
        .get(&e1, "/api/v1/customers?cursor=garbage")
        .await
        .expect(400);
    assert_eq!(bad.code(), "invalid_cursor");
    let first = app
        .get(&e1, "/api/v1/customers?limit=3&sort=name_asc")
        .await
        .expect(200);
    let c = first.body["next_cursor"].as_str().unwrap();
    app.get(
        &e1,
        &format!("/api/v1/customers?sort=updated_desc&cursor={c}"),
    )
    .await
    .expect(400);
    app.get(&e1, "/api/v1/customers?limit=0").await.expect(422);
    app.get(&e1, "/api/v1/customers?limit=201")
        .await
        .expect(422);
}

/// If-Match is an RFC 9110 entity tag: a malformed one on an edit is a bad request (400), not a
/// conflict; on the actions where it is optional, a tag that can never match answers 412 — and
/// outside the caller's scope still 404, so it leaks nothing.
#[tokio::test]
async fn malformed_if_match_is_a_bad_request_and_never_matches() {
    let app = spawn_app().await;
    let sup = app.login("sup_east1").await;
    let c = app
        .create_customer(&sup, json!({"name": "标签格式客户"}))
        .await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    for bad in ["1", "*", "\"x\"", "\"99999999999999999999\""] {
        let r = app
            .request(
                Method::PATCH,
                &path,
                Some(&sup),
                Some(&json!({"notes": "x"})),
                &[("If-Match", bad)],
            )
            .await
            .expect(400);
        assert_eq!(r.code(), "bad_request", "If-Match: {bad}");
    }
    let owner = app.user("rep_east1");
    let transfer = |tag: &'static str| {
        let (app, sup, path, owner) = (&app, sup.clone(), path.clone(), owner.clone());
        async move {
            app.request(
                Method::POST,
                &format!("{path}/transfer"),
                Some(&sup),
                Some(&json!({"owner_id": owner})),
                &[("If-Match", tag)],
            )
            .await
        }
    };
    assert_eq!(transfer("*").await.expect(412).code(), "version_conflict");
    let south = app.login("sup_south1").await;
    app.request(
        Method::POST,
        &format!("{path}/transfer"),
        Some(&south),
        Some(&json!({"owner_id": owner})),
        &[("If-Match", "*")],
    )
    .await
    .expect(404);
    transfer("\"1\"").await.expect(200);
    assert_eq!(app.get(&sup, &path).await.expect(200).body["version"], 2);
}

/// Who finds `name` in their customer list, newest change first (the list that reads the
/// customers' copies of their owner's team and region).
async fn finders(app: &kaidan_tests::TestApp, name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    for who in [
        "sup_east1",
        "sup_east2",
        "sup_south1",
        "manager_east",
        "manager_south",
    ] {
        let t = app.login(who).await;
        let page = app
            .get(&t, &format!("/api/v1/customers?limit=50&q={name}"))
            .await
            .expect(200);
        if names(&page.body).iter().any(|n| n == name) {
            out.push(who);
        }
    }
    out
}

/// A supervisor's and a regional manager's lists follow a customer's owner: through a move of
/// the rep to another team and region, a move of the team to another region, a transfer, a
/// release to the pool and a claim — and through edits racing a move.
#[tokio::test]
async fn team_and_region_lists_follow_the_owner_wherever_they_move() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "随人客户", "level": "C"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    assert_eq!(
        finders(&app, "随人客户").await,
        ["sup_east1", "manager_east"]
    );

    let user_path = format!("/api/v1/users/{}", app.user("rep_east1"));
    let move_rep = |team: String| {
        let (app, admin, user_path) = (&app, &admin, &user_path);
        async move {
            let etag = app.get(admin, user_path).await.expect(200).etag();
            app.patch(admin, user_path, &etag, json!({"team_id": team}))
                .await
                .expect(200);
        }
    };
    move_rep(app.team_id("华东二组").await).await;
    assert_eq!(
        finders(&app, "随人客户").await,
        ["sup_east2", "manager_east"]
    );
    // Another region: the team's region comes with it.
    move_rep(app.team_id("华南一组").await).await;
    assert_eq!(
        finders(&app, "随人客户").await,
        ["sup_south1", "manager_south"]
    );
    // The team moves to 华东: its members' customers go to that region's list.
    let team_path = format!("/api/v1/teams/{}", app.team_id("华南一组").await);
    let teams = app.get(&admin, "/api/v1/teams").await.expect(200).body;
    let version = teams
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "华南一组")
        .unwrap()["version"]
        .as_i64()
        .unwrap();
    app.patch(
        &admin,
        &team_path,
        &format!("\"{version}\""),
        json!({"region_id": app.region_id("华东").await}),
    )
    .await
    .expect(200);
    assert_eq!(
        finders(&app, "随人客户").await,
        ["sup_south1", "manager_east"]
    );

    // Transferred to rep_east3 (华东二组).
    app.post(
        &admin,
        &format!("/api/v1/customers/{id}/transfer"),
        json!({"owner_id": app.user("rep_east3")}),
    )
    .await
    .expect(200);
    assert_eq!(
        finders(&app, "随人客户").await,
        ["sup_east2", "manager_east"]
    );

    // Released to the pool: nobody's team list; claimed by rep_east2: 华东一组's.
    app.post(&admin, "/api/v1/pools", json!({"name": "公司公海"}))
        .await
        .expect(201);
    let rep3 = app.login("rep_east3").await;
    app.post(
        &rep3,
        &format!("/api/v1/customers/{id}/release"),
        json!({"reason": "暂无需求"}),
    )
    .await
    .expect(200);
    assert!(finders(&app, "随人客户").await.is_empty());
    let rep2 = app.login("rep_east2").await;
    app.post(&rep2, &format!("/api/v1/customers/{id}/claim"), json!({}))
        .await
        .expect(200);
    assert_eq!(
        finders(&app, "随人客户").await,
        ["sup_east1", "manager_east"]
    );

    // Edits racing a move of their owner: each edit either waits for the move and copies the
    // new team, or is rewritten by it (an edit writes the whole row).
    let mut ids = Vec::new();
    for i in 0..3 {
        let c = app
            .create_customer(&rep2, json!({"name": format!("竞改客户{i}"), "level": "C"}))
            .await;
        ids.push(c["id"].as_str().unwrap().to_owned());
    }
    let rep2_path = format!("/api/v1/users/{}", app.user("rep_east2"));
    let etag = app.get(&admin, &rep2_path).await.expect(200).etag();
    let team2 = app.team_id("华东二组").await;
    let moved = app.patch(&admin, &rep2_path, &etag, json!({"team_id": team2}));
    let paths: Vec<String> = ids
        .iter()
        .map(|id| format!("/api/v1/customers/{id}"))
        .collect();
    let edits = paths
        .iter()
        .map(|p| app.patch(&rep2, p, "\"1\"", json!({"notes": "改了"})))
        .collect::<Vec<_>>();
    let (moved, edits) = tokio::join!(moved, futures_util::future::join_all(edits));
    moved.expect(200);
    for e in edits {
        e.expect(200);
    }
    for i in 0..3 {
        assert_eq!(
            finders(&app, &format!("竞改客户{i}")).await,
            ["sup_east2", "manager_east"]
        );
    }
}

/// The copies only narrow the list's query; who sees a customer is still decided by its owner.
#[tokio::test]
async fn a_wrong_team_copy_never_shows_a_customer_to_that_team() {
    use kaidan_api::entities::customer;
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "错组客户", "level": "C"}))
        .await;
    let id: uuid::Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let east2: uuid::Uuid = app.team_id("华东二组").await.parse().unwrap();
    let south: uuid::Uuid = app.region_id("华南").await.parse().unwrap();
    let changed = customer::Entity::update_many()
        .col_expr(customer::Column::OwnerTeamId, Expr::value(Some(east2)))
        .col_expr(customer::Column::OwnerRegionId, Expr::value(Some(south)))
        .filter(customer::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1);
    // Hidden from its own team's and region's lists until the next write puts the copies right,
    // never shown to the team and region they name.
    assert!(finders(&app, "错组客户").await.is_empty());
    app.patch(
        &rep,
        &format!("/api/v1/customers/{id}"),
        "\"1\"",
        json!({"notes": "改对"}),
    )
    .await
    .expect(200);
    assert_eq!(
        finders(&app, "错组客户").await,
        ["sup_east1", "manager_east"]
    );
}
