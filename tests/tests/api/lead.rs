//! Leads: the duplicate check against leads and customers, the assignment rules (territory →
//! the team's reps in turn under a cap → a queue) fair across instances, supervisors handing
//! queued leads out, disqualify and take up again, and conversion into a customer, a contact and
//! a deal in one transaction — or onto an existing customer — after which the lead is read-only.

use kaidan_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

async fn lead(app: &TestApp, token: &str, body: Value) -> Value {
    app.post(token, "/api/v1/leads", body)
        .await
        .expect(201)
        .body
}

async fn rule(app: &TestApp, token: &str, body: Value) -> Value {
    app.post(token, "/api/v1/lead-rules", body)
        .await
        .expect(201)
        .body
}

async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
    app.get(token, "/api/v1/notifications")
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_rep_keeps_what_they_enter_and_duplicates_of_leads_and_customers_are_named() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let l = lead(
        &app,
        &rep,
        json!({"name": "王磊", "company": "苏州恒远精密机械有限公司", "phone": "138 1234 5678",
               "source": "trade_show", "province": "jiangsu"}),
    )
    .await;
    assert_eq!(l["status"], "new");
    assert_eq!(l["owner_id"], app.user("rep_east1"));
    assert_eq!(l["assigned_via"], "creator");
    assert!(l["queue"].is_null());

    // The same phone from another rep: the first lead is named, masked (not theirs).
    let other = app.login("rep_east3").await;
    let r = app
        .post(
            &other,
            "/api/v1/leads",
            json!({"name": "王先生", "phone": "13812345678"}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "duplicate_suspected");
    let d = &r.body["duplicates"][0];
    assert_eq!(d["resource"], "lead");
    assert!(d["id"].is_null(), "not theirs: no id");
    assert_ne!(d["name"], "苏州恒远精密机械有限公司");
    assert_eq!(d["matched_on"], json!(["phone"]));
    // The owner sees their own lead by name; the company matches a customer too.
    app.create_customer(&rep, json!({"name": "杭州东升贸易有限公司"}))
        .await;
    let r = app
        .post(
            &rep,
            "/api/v1/leads",
            json!({"name": "赵强", "company": "杭州东升贸易（有限公司）", "email": "ZQ@example.com"}),
        )
        .await
        .expect(409);
    let found: Vec<&str> = r.body["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["resource"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["customer"]);
    assert!(r.body["duplicates"][0]["id"].is_string());
    // Forced, it is created; an e-mail in another case then matches it.
    lead(
        &app,
        &rep,
        json!({"name": "赵强", "company": "杭州东升贸易（有限公司）", "email": "ZQ@example.com", "force": true}),
    )
    .await;
    let r = app
        .post(
            &rep,
            "/api/v1/leads",
            json!({"name": "x", "email": "zq@EXAMPLE.com"}),
        )
        .await
        .expect(409);
    assert_eq!(r.body["duplicates"][0]["matched_on"], json!(["email"]));

    // Bad choices and formats are named, nothing is written.
    let r = app
        .post(
            &rep,
            "/api/v1/leads",
            json!({"name": " ", "phone": "12", "source": "carrier_pigeon", "province": "atlantis"}),
        )
        .await
        .expect(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["name", "phone", "province", "source"]);
}

#[tokio::test]
async fn rules_deal_leads_to_the_team_in_turn_skip_full_and_inactive_reps_then_queue() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let east1 = app.team_id("华东一组").await;
    let r = rule(
        &app,
        &admin,
        json!({"name": "江浙 → 华东一组", "position": 10, "provinces": ["jiangsu", "zhejiang"],
               "team_id": east1, "open_lead_cap": 2}),
    )
    .await;
    assert_eq!(r["team_name"], "华东一组");
    // 客服 takes leads from calls; the rules hand them out.
    let cs = app.login("cs1").await;
    let mut owners = Vec::new();
    for i in 0..5 {
        let l = lead(
            &app,
            &cs,
            json!({"name": format!("客户{i}"), "company": format!("江苏测试{i}有限公司"), "province": "jiangsu"}),
        )
        .await;
        owners.push(l["owner_id"].as_str().map(str::to_owned));
        if l["owner_id"].is_string() {
            assert_eq!(l["assigned_via"], "rule");
            assert_eq!(l["assigned_rule_name"], "江浙 → 华东一组");
        } else {
            assert_eq!(l["assigned_via"], "queue");
            assert_eq!(l["queue"], "unassigned");
        }
    }
    let (a, b) = (app.user("rep_east1"), app.user("rep_east2"));
    let mine = |u: &str| owners.iter().filter(|o| o.as_deref() == Some(u)).count();
    assert_eq!((mine(&a), mine(&b)), (2, 2), "in turn, up to the cap");
    assert!(owners[0] != owners[1] && owners[1] != owners[2]);
    assert!(owners[4].is_none(), "both at the cap: queued");
    // Each assignment told its rep.
    let rep = app.login("rep_east1").await;
    assert_eq!(
        kinds(&app, &rep)
            .await
            .iter()
            .filter(|k| *k == "lead_assigned")
            .count(),
        2
    );

    // A rep who left is skipped; with room again, the other takes every lead.
    let rep2 = app.login("rep_east2").await;
    let theirs = app.get(&rep2, "/api/v1/leads").await.expect(200).body;
    for l in theirs["items"].as_array().unwrap() {
        app.post(
            &rep2,
            &format!("/api/v1/leads/{}/disqualify", l["id"].as_str().unwrap()),
            json!({"reason": "no_need"}),
        )
        .await
        .expect(200);
    }
    app.post(
        &admin,
        &format!("/api/v1/users/{}/deactivate", app.user("rep_east1")),
        json!({}),
    )
    .await
    .expect(200);
    let l = lead(&app, &cs, json!({"name": "新客户", "province": "zhejiang"})).await;
    assert_eq!(l["owner_id"], app.user("rep_east2"));

    // A province no rule names waits in the default queue: the admins'.
    let l = lead(&app, &cs, json!({"name": "远方客户", "province": "yunnan"})).await;
    assert!(l["owner_id"].is_null());
    assert_eq!(l["queue"], "unassigned");
    assert!(l["assigned_rule_id"].is_null());
    let sup = app.login("sup_east1").await;
    let id = l["id"].as_str().unwrap();
    app.get(&sup, &format!("/api/v1/leads/{id}"))
        .await
        .expect(404);
    let queue = app
        .get(&admin, "/api/v1/leads?queue=unassigned")
        .await
        .expect(200)
        .body;
    assert!(queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == id));
}

#[tokio::test]
async fn turns_are_fair_when_two_instances_assign_at_once() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let admin = app.login("admin").await;
    let east2 = app.team_id("华东二组").await;
    rule(
        &app,
        &admin,
        json!({"name": "全部 → 华东二组", "position": 1, "team_id": east2}),
    )
    .await;
    let sup = app.login("sup_east2").await;
    let make = |n: usize| {
        let (app, other, sup) = (&app, &other, sup.clone());
        async move {
            let on = if n.is_multiple_of(2) { app } else { other };
            on.post(
                &sup,
                "/api/v1/leads",
                json!({"name": format!("并发{n}"), "company": format!("并发测试{n}公司")}),
            )
            .await
            .expect(201)
            .body["owner_id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let owners = futures_util::future::join_all((0..10).map(make)).await;
    let count = |u: &str| owners.iter().filter(|o| *o == u).count();
    assert_eq!(
        (count(&app.user("rep_east3")), count(&app.user("rep_east4"))),
        (5, 5),
        "{owners:?}"
    );
}

/// Each instance keeps the settings a write is checked against (fields, option lists, rules);
/// a change made through another instance holds on the very next request (`rules_cache`).
#[tokio::test]
async fn settings_changed_through_another_instance_hold_at_once() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let admin = app.login("admin").await;
    let sup = app.login("sup_east2").await;
    // This instance reads and keeps the settings: no rule yet, so the lead waits in the queue.
    let l = lead(
        &app,
        &sup,
        json!({"name": "缓存一", "company": "缓存测试一公司", "source": "website", "province": "hainan"}),
    )
    .await;
    assert!(l["owner_id"].is_null(), "{l}");

    // A required field, made through the other instance, is asked for here at once.
    let budget = other
        .post(
            &admin,
            "/api/v1/fields",
            json!({"resource": "lead", "key": "budget", "label_zh": "预算", "label_en": "Budget",
                   "kind": "text", "required": true}),
        )
        .await
        .expect(201)
        .body;
    let r = app
        .post(
            &sup,
            "/api/v1/leads",
            json!({"name": "缓存二", "company": "缓存测试二公司"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["custom.budget"]);

    // So is a new rule: the next lead from Hainan goes to its team.
    let east2 = app.team_id("华东二组").await;
    let made = rule(
        &other,
        &admin,
        json!({"name": "海南 → 华东二组", "position": 1, "provinces": ["hainan"], "team_id": east2}),
    )
    .await;
    let l = lead(
        &app,
        &sup,
        json!({"name": "缓存三", "company": "缓存测试三公司", "province": "hainan",
               "custom": {"budget": "十万"}}),
    )
    .await;
    assert_eq!(l["assigned_rule_id"], made["id"]);
    assert_eq!(l["assigned_rule_name"], "海南 → 华东二组");

    // And a retired option.
    let lists = other
        .get(&admin, "/api/v1/option-lists")
        .await
        .expect(200)
        .body;
    let source = lists
        .as_array()
        .or_else(|| lists["items"].as_array())
        .unwrap()
        .iter()
        .find(|l| l["key"] == "lead_source")
        .unwrap()
        .clone();
    let options: Vec<Value> = source["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            json!({"key": o["key"], "label_zh": o["label_zh"], "label_en": o["label_en"],
                   "active": o["key"] != "website"})
        })
        .collect();
    other
        .patch(
            &admin,
            &format!("/api/v1/option-lists/{}", source["id"].as_str().unwrap()),
            &format!("\"{}\"", source["version"]),
            json!({"options": options}),
        )
        .await
        .expect(200);
    let r = app
        .post(
            &sup,
            "/api/v1/leads",
            json!({"name": "缓存四", "company": "缓存测试四公司", "source": "website",
                   "custom": {"budget": "十万"}}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["source"]);

    // Reads see through the same kept settings: a field hidden from supervisors through the
    // other instance is gone from this instance's next answer.
    let path = format!("/api/v1/leads/{}", l["id"].as_str().unwrap());
    let seen = app.get(&sup, &path).await.expect(200).body;
    assert_eq!(seen["custom"]["budget"], "十万", "{seen}");
    other
        .patch(
            &admin,
            &format!("/api/v1/fields/{}", budget["id"].as_str().unwrap()),
            &format!("\"{}\"", budget["version"]),
            json!({"visible_to": ["admin"], "editable_by": ["admin"]}),
        )
        .await
        .expect(200);
    let seen = app.get(&sup, &path).await.expect(200).body;
    assert!(seen["custom"].get("budget").is_none(), "{seen}");
    let listed = app
        .get(&sup, "/api/v1/leads?limit=200")
        .await
        .expect(200)
        .body;
    let row = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == l["id"])
        .unwrap();
    assert!(row["custom"].get("budget").is_none(), "{row}");
}

#[tokio::test]
async fn supervisors_hand_out_queued_leads_and_managers_keep_to_their_region() {
    let app = spawn_app().await;
    let east1 = app.team_id("华东一组").await;
    let south1 = app.team_id("华南一组").await;
    let manager = app.login("manager_east").await;
    // A manager's rules are their region's, for their teams only.
    let r = app
        .post(
            &manager,
            "/api/v1/lead-rules",
            json!({"name": "x", "position": 1, "team_id": south1}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["team_id"]);
    // A queue only (the team has no room): leads wait for the supervisor.
    let r = rule(
        &app,
        &manager,
        json!({"name": "上海 → 华东一组", "position": 1, "provinces": ["shanghai"],
               "team_id": east1, "open_lead_cap": 1}),
    )
    .await;
    let south = app.login("manager_south").await;
    assert_eq!(
        app.get(&south, "/api/v1/lead-rules").await.expect(200).body,
        json!([])
    );
    app.get(&app.login("rep_east1").await, "/api/v1/lead-rules")
        .await
        .expect(403);
    let rid = r["id"].as_str().unwrap();
    let cs = app.login("cs1").await;
    for i in 0..3 {
        lead(
            &app,
            &cs,
            json!({"name": format!("上海{i}"), "province": "shanghai"}),
        )
        .await;
    }
    let sup = app.login("sup_east1").await;
    let queued = app
        .get(&sup, "/api/v1/leads?queue=unassigned")
        .await
        .expect(200)
        .body;
    let queued = queued["items"].as_array().unwrap();
    assert_eq!(queued.len(), 1, "two reps with room for one each");
    assert_eq!(queued[0]["assigned_rule_id"], rid);
    let id = queued[0]["id"].as_str().unwrap();
    // Reps cannot hand leads out; the supervisor can, to a rep of the team only.
    let rep = app.login("rep_east2").await;
    app.post(
        &rep,
        &format!("/api/v1/leads/{id}/assign"),
        json!({"owner_id": app.user("rep_east2")}),
    )
    .await
    .expect(404);
    app.post(
        &sup,
        &format!("/api/v1/leads/{id}/assign"),
        json!({"owner_id": app.user("rep_east3")}),
    )
    .await
    .expect(422);
    let l = app
        .post(
            &sup,
            &format!("/api/v1/leads/{id}/assign"),
            json!({"owner_id": app.user("rep_east2")}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(l["assigned_via"], "manual");
    assert!(l["queue"].is_null());
    let history = app
        .get(&sup, &format!("/api/v1/leads/{id}/history"))
        .await
        .expect(200)
        .body;
    assert_eq!(history["items"][0]["action"], "lead.assign");
    assert!(kinds(&app, &rep)
        .await
        .contains(&"lead_assigned".to_owned()));
    // The rule can be edited with its version and deleted.
    let r2 = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/lead-rules/{rid}"),
            Some(&manager),
            Some(&json!({"name": "上海 → 队列", "position": 2, "provinces": ["shanghai"], "queue": "unassigned"})),
            &[("If-Match", "\"1\"")],
        )
        .await
        .expect(200);
    assert!(r2.body["team_id"].is_null());
    app.delete(&manager, &format!("/api/v1/lead-rules/{rid}"), "\"1\"")
        .await
        .expect(412);
    app.delete(&manager, &format!("/api/v1/lead-rules/{rid}"), "\"2\"")
        .await
        .expect(204);
}

#[tokio::test]
async fn a_lead_is_qualified_and_converted_into_customer_contact_and_deal_then_read_only() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let l = lead(
        &app,
        &rep,
        json!({"name": "王磊", "company": "苏州恒远精密机械有限公司", "phone": "13812345678",
               "email": "wl@hengyuan.cn", "source": "trade_show", "province": "jiangsu"}),
    )
    .await;
    let id = l["id"].as_str().unwrap().to_owned();
    let l = app
        .patch(
            &rep,
            &format!("/api/v1/leads/{id}"),
            "\"1\"",
            json!({"status": "qualified"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(l["status"], "qualified");
    let c = app
        .post(
            &rep,
            &format!("/api/v1/leads/{id}/convert"),
            json!({"opportunity": {"name": "二期产线", "amount": 35_000_000, "stage": "needs"}}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(c["lead"]["status"], "converted");
    assert_eq!(c["lead"]["customer_id"], c["customer_id"]);
    let cid = c["customer_id"].as_str().unwrap();
    let customer = app
        .get(&rep, &format!("/api/v1/customers/{cid}"))
        .await
        .expect(200)
        .body;
    assert_eq!(customer["name"], "苏州恒远精密机械有限公司");
    assert_eq!(customer["owner_id"], app.user("rep_east1"));
    assert_eq!(customer["source"], "trade_show");
    assert_eq!(customer["contacts"][0]["name"], "王磊");
    assert_eq!(customer["contacts"][0]["email"], "wl@hengyuan.cn");
    assert_eq!(customer["contacts"][0]["is_primary"], true);
    let deal = app
        .get(
            &rep,
            &format!(
                "/api/v1/opportunities/{}",
                c["opportunity_id"].as_str().unwrap()
            ),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(deal["source_lead_id"], id.as_str());
    assert_eq!(deal["stage"], "needs");
    assert_eq!(deal["amount"], 35_000_000);

    // Read-only now.
    let r = app
        .patch(
            &rep,
            &format!("/api/v1/leads/{id}"),
            "\"3\"",
            json!({"notes": "x"}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "converted");
    app.post(&rep, &format!("/api/v1/leads/{id}/convert"), json!({}))
        .await
        .expect(409);
    app.post(
        &rep,
        &format!("/api/v1/leads/{id}/disqualify"),
        json!({"reason": "no_need"}),
    )
    .await
    .expect(409);
}

#[tokio::test]
async fn converting_onto_an_existing_customer_and_two_conversions_at_once() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let existing = app
        .create_customer(&rep, json!({"name": "宁波海纳电子有限公司"}))
        .await;
    let eid = existing["id"].as_str().unwrap();
    let l = lead(
        &app,
        &rep,
        json!({"name": "陈红", "company": "宁波海纳电子", "phone": "13900001111", "force": true}),
    )
    .await;
    let id = l["id"].as_str().unwrap().to_owned();
    // The new customer would duplicate one: named, nothing made.
    let r = app
        .post(&rep, &format!("/api/v1/leads/{id}/convert"), json!({}))
        .await
        .expect(409);
    assert_eq!(r.code(), "duplicate_suspected");
    assert_eq!(r.body["duplicates"][0]["id"], eid);
    let l2 = app
        .get(&rep, &format!("/api/v1/leads/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(l2["status"], "new");
    // Another rep's customer cannot be the target.
    let other = app.login("rep_east3").await;
    let theirs = app
        .create_customer(&other, json!({"name": "温州其他公司"}))
        .await;
    let r = app
        .post(
            &rep,
            &format!("/api/v1/leads/{id}/convert"),
            json!({"customer_id": theirs["id"]}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["customer_id"]);

    // Attached, twice at once: one conversion, one new contact.
    let body = json!({"customer_id": eid});
    let path = format!("/api/v1/leads/{id}/convert");
    let (a, b) = tokio::join!(
        app.post(&rep, &path, body.clone()),
        app.post(&rep, &path, body.clone())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(
        statuses == [200, 409] || statuses == [200, 412],
        "{statuses:?}"
    );
    let customer = app
        .get(&rep, &format!("/api/v1/customers/{eid}"))
        .await
        .expect(200)
        .body;
    let contacts = customer["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["name"], "陈红");
}

#[tokio::test]
async fn a_disqualified_lead_keeps_its_reason_and_can_be_taken_up_again() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let l = lead(&app, &rep, json!({"name": "孙婷", "phone": "13700002222"})).await;
    let id = l["id"].as_str().unwrap();
    let r = app
        .post(
            &rep,
            &format!("/api/v1/leads/{id}/disqualify"),
            json!({"reason": "nonsense"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["reason"]);
    let l = app
        .post(
            &rep,
            &format!("/api/v1/leads/{id}/disqualify"),
            json!({"reason": "no_budget", "note": "明年再说"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(l["status"], "disqualified");
    assert_eq!(l["disqualify_reason"], "no_budget");
    // Not converted while disqualified; a PATCH cannot skip to converted.
    app.post(&rep, &format!("/api/v1/leads/{id}/convert"), json!({}))
        .await
        .expect(422);
    app.patch(
        &rep,
        &format!("/api/v1/leads/{id}"),
        "\"2\"",
        json!({"status": "converted"}),
    )
    .await
    .expect(422);
    let l = app
        .patch(
            &rep,
            &format!("/api/v1/leads/{id}"),
            "\"2\"",
            json!({"status": "contacted"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(l["status"], "contacted");
    assert!(l["disqualify_reason"].is_null());
    // Filters.
    let list = app
        .get(&rep, "/api/v1/leads?status=contacted")
        .await
        .expect(200)
        .body;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let list = app
        .get(&rep, "/api/v1/leads?status=new")
        .await
        .expect(200)
        .body;
    assert!(list["items"].as_array().unwrap().is_empty());
}
