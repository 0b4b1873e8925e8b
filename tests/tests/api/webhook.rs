//! Webhooks (开放平台 · 事件推送): the outbox written with the change, deliveries signed the
//! Standard Webhooks way and limited to the client's place, retries on the schedule with a moved
//! clock, the subscription stopped after a day of failures, and targets inside the network
//! refused.

use chrono::Duration;
use kaidan_api::jobs::webhook_delivery::{Deliverer, WebhookSettings};
use kaidan_api::outbound::{Outbound, OutboundSettings};
use kaidan_api::services::webhook::sign;
use kaidan_tests::receiver::{Got, Receiver};
use kaidan_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

fn deliverer(app: &TestApp) -> Deliverer {
    Deliverer::new(
        app.jobs.clone(),
        Outbound::new(&OutboundSettings::default()).unwrap(),
        WebhookSettings::default(),
    )
}

/// A client in `team` with `scopes`, and its subscription to `events` at `url`; answers the
/// subscription's id and secret.
/// A client placed in `team` with `scopes`; answers its id.
async fn client_in(app: &TestApp, admin: &str, team: &str, scopes: Value) -> String {
    let team_id = app.team_id(team).await;
    app.register_client(
        admin,
        json!({"name": format!("ERP {team} {scopes}"), "scopes": scopes, "team_id": team_id}),
    )
    .await
    .0
}

async fn subscribe(
    app: &TestApp,
    admin: &str,
    team: &str,
    scopes: Value,
    events: Value,
    url: &str,
) -> (String, String) {
    let client = client_in(app, admin, team, scopes).await;
    subscribe_client(app, admin, &client, events, url).await
}

/// Subscribes `client` to `events` at `url` (a local receiver: private targets allowed);
/// answers the subscription's id and secret.
async fn subscribe_client(
    app: &TestApp,
    admin: &str,
    client: &str,
    events: Value,
    url: &str,
) -> (String, String) {
    let r = app
        .post(
            admin,
            "/api/v1/webhooks",
            json!({"api_client_id": client, "url": url, "events": events,
                   "description": "本地接收端", "allow_private": true}),
        )
        .await
        .expect(201);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    (
        r.body["webhook"]["id"].as_str().unwrap().to_owned(),
        r.body["secret"].as_str().unwrap().to_owned(),
    )
}

/// The newest delivery of `hook` in its log.
async fn latest_delivery(app: &TestApp, admin: &str, hook: &str) -> Value {
    app.get(
        admin,
        &format!("/api/v1/webhooks/{hook}/deliveries?limit=20"),
    )
    .await
    .expect(200)
    .body["items"][0]
        .clone()
}

fn verifies(got: &Got, secret: &str) -> bool {
    let id = got.header("webhook-id").unwrap();
    let ts: i64 = got.header("webhook-timestamp").unwrap().parse().unwrap();
    let expected = sign(secret, id, ts, &got.body).unwrap();
    got.header("webhook-signature")
        .unwrap()
        .split(' ')
        .any(|s| s == expected)
}

#[tokio::test]
async fn a_change_is_delivered_once_signed_and_only_to_a_client_whose_place_holds_the_record() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rx = Receiver::start().await;
    let (hook, secret) = subscribe(
        &app,
        &admin,
        "华东一组",
        json!(["customers:read"]),
        json!(["customer.created", "customer.updated"]),
        &rx.url,
    )
    .await;
    let rep1 = app.login("rep_east1").await;
    let ours = app
        .create_customer(&rep1, json!({"name": "杭州临平机电有限公司"}))
        .await["id"]
        .clone();
    // Another team's customer is not the client's to see: it is never sent.
    let rep3 = app.login("rep_east3").await;
    app.create_customer(&rep3, json!({"name": "宁波北仑港务有限公司"}))
        .await;

    let d = deliverer(&app);
    d.run().await.unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 1, "{got:?}");
    let g = &got[0];
    assert_eq!(g.path, "/kaidan/events");
    assert_eq!(g.header("content-type"), Some("application/json"));
    assert!(
        verifies(g, &secret),
        "the signature verifies with the secret"
    );
    assert!(!verifies(g, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"));
    let body = g.json();
    assert_eq!(body["type"], "customer.created");
    assert_eq!(body["object"], "customer");
    assert_eq!(body["id"], g.header("webhook-id").unwrap());
    assert!(body["id"].as_str().unwrap().starts_with("msg_"));
    assert_eq!(body["data"]["id"], ours);
    assert_eq!(body["data"]["name"], "杭州临平机电有限公司");
    assert_eq!(body["changes"]["after"]["name"], "杭州临平机电有限公司");
    let ts: i64 = g.header("webhook-timestamp").unwrap().parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);

    // Sent once: another run finds nothing to do.
    assert_eq!(d.run().await.unwrap(), None);
    assert_eq!(rx.got().len(), 1);

    // The log: delivered, with the target's answer.
    let log = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}/deliveries"))
        .await
        .expect(200);
    let item = &log.body["items"][0];
    assert_eq!(item["status"], "delivered");
    assert_eq!(item["event_type"], "customer.created");
    assert_eq!(item["event_id"], body["id"]);
    assert_eq!(item["body"].as_str().unwrap(), g.body);
    assert_eq!(item["log"][0]["status_code"], 200);
    assert_eq!(item["log"][0]["response"], "ok");

    // Redelivery: the same id and body again, and a second attempt in the log.
    let delivery = item["id"].as_str().unwrap();
    let r = app
        .post(
            &admin,
            &format!("/api/v1/webhook-deliveries/{delivery}/redeliver"),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "pending");
    d.run().await.unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].header("webhook-id"), got[0].header("webhook-id"));
    assert_eq!(got[1].body, got[0].body);
    let log = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}/deliveries"))
        .await
        .expect(200);
    assert_eq!(log.body["items"][0]["log"].as_array().unwrap().len(), 2);

    // A rep may not see or change subscriptions.
    app.get(&rep1, "/api/v1/webhooks").await.expect(403);
    app.get(&rep1, &format!("/api/v1/webhooks/{hook}/deliveries"))
        .await
        .expect(403);
}

#[tokio::test]
async fn an_event_needs_the_scope_that_reads_its_record_and_the_audit_writes_the_outbox() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let client = client_in(&app, &admin, "华东一组", json!(["customers:read"])).await;
    let r = app
        .post(
            &admin,
            "/api/v1/webhooks",
            json!({"api_client_id": client, "url": "https://erp.example.com/hook",
                   "events": ["contract.approved"]}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), vec!["events"]);
    // A literal private address needs an administrator's allowance, and so does plain http.
    for url in [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://169.254.169.254/latest/meta-data",
        "http://erp.example.com/hook",
    ] {
        let r = app
            .post(
                &admin,
                "/api/v1/webhooks",
                json!({"api_client_id": client, "url": url, "events": ["customer.created"]}),
            )
            .await
            .expect(422);
        assert_eq!(r.error_fields(), vec!["url"], "{url}");
    }

    // The outbox row exists exactly when the change does: a rolled-back transaction leaves none.
    use kaidan_api::entities::webhook_event;
    use kaidan_api::services::audit;
    use kaidan_shared::audit::AuditAction;
    use sea_orm::{EntityTrait, PaginatorTrait, TransactionTrait};
    let before = webhook_event::Entity::find().count(&app.db).await.unwrap();
    let change = || {
        audit::Change::created(
            AuditAction::CustomerCreate,
            "customer",
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            &json!({"name": "回滚测试"}),
        )
    };
    let actor = kaidan_api::auth::Actor::system();
    let txn = app.db.begin().await.unwrap();
    audit::record(&txn, &actor, change()).await.unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(
        webhook_event::Entity::find().count(&app.db).await.unwrap(),
        before
    );
    let txn = app.db.begin().await.unwrap();
    audit::record(&txn, &actor, change()).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        webhook_event::Entity::find().count(&app.db).await.unwrap(),
        before + 1
    );
    // An action that announces nothing writes no outbox row.
    let txn = app.db.begin().await.unwrap();
    audit::record(
        &txn,
        &actor,
        audit::Change::created(
            AuditAction::UserCreate,
            "user",
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            &json!({}),
        ),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        webhook_event::Entity::find().count(&app.db).await.unwrap(),
        before + 1
    );
}

#[tokio::test]
async fn failures_retry_on_the_schedule_and_a_day_of_them_stops_the_webhook_and_tells_admins() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rx = Receiver::start().await;
    rx.answer(503, "");
    let (hook, _) = subscribe(
        &app,
        &admin,
        "华东一组",
        json!(["customers:read"]),
        json!(["customer.created"]),
        &rx.url,
    )
    .await;
    let rep1 = app.login("rep_east1").await;
    app.create_customer(&rep1, json!({"name": "嘉兴秀洲纺织有限公司"}))
        .await;
    let d = deliverer(&app);
    let first = app.clock.now();
    d.run().await.unwrap();
    assert_eq!(rx.got().len(), 1);
    let log = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}/deliveries"))
        .await
        .expect(200);
    let item = &log.body["items"][0];
    assert_eq!(item["status"], "pending");
    assert_eq!(item["attempts"], 1);
    assert_eq!(item["log"][0]["status_code"], 503);
    assert_eq!(item["log"][0]["error"], "HTTP 503");
    // The first retry is 5 s after the first attempt, ±20 %.
    let next: chrono::DateTime<chrono::Utc> =
        item["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(next >= first + Duration::seconds(4) && next <= first + Duration::seconds(7));
    // Not before it is due.
    assert_eq!(d.run().await.unwrap(), None);
    assert_eq!(rx.got().len(), 1);
    app.clock.advance(Duration::seconds(7));
    let second = app.clock.now();
    d.run().await.unwrap();
    assert_eq!(rx.got().len(), 2);
    let item = latest_delivery(&app, &admin, &hook).await;
    let next: chrono::DateTime<chrono::Utc> =
        item["next_attempt_at"].as_str().unwrap().parse().unwrap();
    // The second retry waits the schedule's next gap (5 min − 5 s) after the last attempt, ±20 %.
    assert!(
        next >= second + Duration::seconds(295 - 60)
            && next <= second + Duration::seconds(295 + 61),
        "{next} vs {second}"
    );

    // A target that asks for more time with Retry-After gets it when that is later.
    rx.answer(429, "retry-after: 3600\r\n");
    app.clock.advance(Duration::seconds(400));
    let asked = app.clock.now();
    d.run().await.unwrap();
    let item = latest_delivery(&app, &admin, &hook).await;
    let next: chrono::DateTime<chrono::Utc> =
        item["next_attempt_at"].as_str().unwrap().parse().unwrap();
    assert!(next >= asked + Duration::seconds(3599), "{next} vs {asked}");

    // Each remaining attempt in turn, the schedule's gaps apart; the last one's failure ends it.
    rx.answer(500, "");
    for _ in 0..10 {
        app.clock.advance(Duration::hours(8));
        d.run().await.unwrap();
    }
    assert_eq!(rx.got().len(), 10, "ten attempts in all");
    let item = latest_delivery(&app, &admin, &hook).await;
    assert_eq!(item["status"], "failed");
    assert!(item["next_attempt_at"].is_null());
    let w = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}"))
        .await
        .expect(200);
    assert_eq!(w.body["disabled"], true);
    assert!(w.body["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("failed for a day"));
    let notes = app.get(&admin, "/api/v1/notifications").await.expect(200);
    assert!(
        notes.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "webhook_disabled" && n["data"]["url"] == rx.url.as_str()),
        "{}",
        notes.body
    );
    let audit = app
        .get(&admin, "/api/v1/audit?action=webhook.disable")
        .await
        .expect(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(audit.body["items"][0]["action"], "webhook.disable");

    // Events while it is disabled are not queued for it; enabling it again resumes.
    app.create_customer(&rep1, json!({"name": "湖州南浔木业有限公司"}))
        .await;
    d.run().await.unwrap();
    assert_eq!(rx.got().len(), 10);
    rx.answer(200, "");
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/webhooks/{hook}"),
            &w.etag(),
            json!({"disabled": false}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["disabled_reason"], Value::Null);
    app.create_customer(&rep1, json!({"name": "绍兴柯桥印染有限公司"}))
        .await;
    d.run().await.unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 11);
    assert_eq!(got[10].json()["data"]["name"], "绍兴柯桥印染有限公司");
}

#[tokio::test]
async fn a_410_stops_the_webhook_at_once_and_a_redirect_is_not_followed() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rx = Receiver::start().await;
    let other = Receiver::start().await;
    rx.answer(302, &format!("location: {}\r\n", other.url));
    let (hook, _) = subscribe(
        &app,
        &admin,
        "华东一组",
        json!(["customers:read"]),
        json!(["customer.created"]),
        &rx.url,
    )
    .await;
    let rep1 = app.login("rep_east1").await;
    app.create_customer(&rep1, json!({"name": "台州路桥塑料有限公司"}))
        .await;
    let d = deliverer(&app);
    d.run().await.unwrap();
    assert_eq!(rx.got().len(), 1);
    assert!(other.got().is_empty(), "the redirect was not followed");
    let item = latest_delivery(&app, &admin, &hook).await;
    assert_eq!(item["status"], "pending", "a 3xx is a failure to retry");

    rx.answer(410, "");
    app.clock.advance(Duration::seconds(10));
    d.run().await.unwrap();
    let w = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}"))
        .await
        .expect(200);
    assert_eq!(w.body["disabled"], true);
    assert!(w.body["disabled_reason"].as_str().unwrap().contains("410"));
}

#[tokio::test]
async fn targets_inside_the_network_are_refused_unless_an_admin_allowed_them() {
    let app = spawn_app().await;
    let rx = Receiver::start().await;
    let port = rx.url.split(':').nth(2).unwrap().split('/').next().unwrap();
    let out = Outbound::new(&OutboundSettings::default()).unwrap();
    let send = |url: String, allow: bool| {
        let out = &out;
        async move { out.post_json(&url, allow, &[], "{}".into()).await }
    };
    for url in [
        format!("http://127.0.0.1:{port}/"),
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://0x7f.1:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "http://[fe80::1]/".to_owned(),
        // A name that resolves to loopback is refused after resolution.
        format!("http://localhost:{port}/"),
    ] {
        let e = send(url.clone(), false).await.expect_err(&url);
        assert!(e.refused, "{url}: {}", e.message);
    }
    assert!(rx.got().is_empty(), "nothing reached the receiver");
    // The same target allowed by an admin (an on-premise system) is reached.
    let a = send(format!("http://localhost:{port}/"), true)
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(rx.got().len(), 1);

    // Through a subscription: the attempt is logged as refused and nothing is sent.
    let admin = app.login("admin").await;
    let (hook, _) = subscribe(
        &app,
        &admin,
        "华东一组",
        json!(["customers:read"]),
        json!(["customer.created"]),
        &format!("http://localhost:{port}/hook"),
    )
    .await;
    let w = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}"))
        .await
        .expect(200);
    // Taking the allowance away needs an https target first …
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/webhooks/{hook}"),
            &w.etag(),
            json!({"allow_private": false}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), vec!["url"]);
    let r = app
        .patch(
            &admin,
            &format!("/api/v1/webhooks/{hook}"),
            &w.etag(),
            json!({"allow_private": false, "url": format!("https://localhost:{port}/hook")}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["allow_private"], false);
    let rep1 = app.login("rep_east1").await;
    app.create_customer(&rep1, json!({"name": "金华义乌小商品有限公司"}))
        .await;
    deliverer(&app).run().await.unwrap();
    assert_eq!(rx.got().len(), 1, "nothing more reached the receiver");
    let item = latest_delivery(&app, &admin, &hook).await;
    assert!(item["log"][0]["status_code"].is_null());
    assert!(
        item["log"][0]["error"]
            .as_str()
            .unwrap()
            .contains("loopback"),
        "{item}"
    );
}

#[tokio::test]
async fn rotating_the_secret_signs_with_both_for_a_day() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rx = Receiver::start().await;
    let (hook, old) = subscribe(
        &app,
        &admin,
        "华东一组",
        json!(["customers:read", "opportunities:read"]),
        json!([
            "customer.created",
            "opportunity.stage_changed",
            "opportunity.won"
        ]),
        &rx.url,
    )
    .await;
    let w = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}"))
        .await
        .expect(200);
    let r = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/webhooks/{hook}/rotate-secret"),
            Some(&admin),
            None,
            &[("if-match", w.etag().as_str())],
        )
        .await
        .expect(200);
    let new = r.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(r.body["webhook"]["previous_secret_valid_until"].is_string());
    let rep1 = app.login("rep_east1").await;
    app.create_customer(&rep1, json!({"name": "温州瓯海眼镜有限公司"}))
        .await;
    deliverer(&app).run().await.unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0]
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        2
    );
    assert!(verifies(&got[0], &new) && verifies(&got[0], &old));
}

#[tokio::test]
async fn a_contracts_approval_signing_and_payment_reach_a_finance_system_in_order_of_events() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rx = Receiver::start().await;
    // Payments come with their contract: the client needs both scopes.
    let only_payments = client_in(&app, &admin, "华东一组", json!(["payments:read"])).await;
    let r = app
        .post(
            &admin,
            "/api/v1/webhooks",
            json!({"api_client_id": only_payments, "url": "https://erp.example.com/hook",
                   "events": ["payment.received"]}),
        )
        .await
        .expect(422);
    assert!(r.body.to_string().contains("contracts:read"), "{}", r.body);
    let (_, secret) = subscribe(
        &app,
        &admin,
        "华东一组",
        json!(["contracts:read", "payments:read", "payments:write"]),
        json!([
            "contract.submitted",
            "contract.approved",
            "contract.signed",
            "payment.received"
        ]),
        &rx.url,
    )
    .await;
    let id = app.signed_contract(1_000_000).await;
    let rep = app.login("rep_east1").await;
    let today = (chrono::Utc::now() + Duration::hours(8)).date_naive();
    app.post(
        &rep,
        "/api/v1/payments",
        json!({"contract_id": id, "amount": 250_000, "received_on": today,
               "reference": "HD-0001"}),
    )
    .await
    .expect(201);
    deliverer(&app).run().await.unwrap();
    let got = rx.got();
    let mut types: Vec<String> = got
        .iter()
        .map(|g| g.json()["type"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "contract.approved",
            "contract.signed",
            "contract.submitted",
            "payment.received"
        ]
    );
    for g in &got {
        assert!(verifies(g, &secret));
        assert_eq!(g.json()["data"]["id"], id.as_str());
        assert_eq!(g.json()["object"], "contract");
    }
    let paid = got
        .iter()
        .map(Got::json)
        .find(|b| b["type"] == "payment.received")
        .unwrap();
    assert_eq!(paid["changes"]["after"]["amount"], 250_000);
    assert_eq!(paid["changes"]["after"]["reference"], "HD-0001");
    assert!(paid["changes"]["after"]["id"].is_string());
    assert_eq!(paid["data"]["received"], 250_000);
}

#[tokio::test]
async fn a_disabled_client_is_sent_nothing_and_a_scope_taken_away_ends_its_deliveries() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let rx = Receiver::start().await;
    let client = client_in(&app, &admin, "华东一组", json!(["customers:read"])).await;
    let (hook, _) =
        subscribe_client(&app, &admin, &client, json!(["customer.created"]), &rx.url).await;
    let rep1 = app.login("rep_east1").await;
    app.create_customer(&rep1, json!({"name": "丽水莲都茶叶有限公司"}))
        .await;
    let d = deliverer(&app);
    // A first attempt fails; then the client is disabled: the retry waits, unsent.
    rx.answer(503, "");
    d.run().await.unwrap();
    assert_eq!(rx.got().len(), 1);
    rx.answer(200, "");
    let c = app
        .get(&admin, &format!("/api/v1/api-clients/{client}"))
        .await
        .expect(200);
    let c = app
        .patch(
            &admin,
            &format!("/api/v1/api-clients/{client}"),
            &c.etag(),
            json!({"disabled": true}),
        )
        .await
        .expect(200);
    app.clock.advance(Duration::seconds(10));
    d.run().await.unwrap();
    assert_eq!(rx.got().len(), 1);
    assert_eq!(
        latest_delivery(&app, &admin, &hook).await["status"],
        "pending"
    );
    // Enabled again, but without the scope the event needs: the delivery ends unsent, and the
    // webhook itself stays on.
    app.patch(
        &admin,
        &format!("/api/v1/api-clients/{client}"),
        &c.etag(),
        json!({"disabled": false, "scopes": ["leads:read"]}),
    )
    .await
    .expect(200);
    d.run().await.unwrap();
    assert_eq!(rx.got().len(), 1);
    let item = latest_delivery(&app, &admin, &hook).await;
    assert_eq!(item["status"], "failed");
    assert!(item["log"][0]["error"]
        .as_str()
        .unwrap()
        .contains("customers:read"));
    let w = app
        .get(&admin, &format!("/api/v1/webhooks/{hook}"))
        .await
        .expect(200);
    assert_eq!(w.body["disabled"], false);
}
