//! Collection (回款): instalments that never exceed the contract's amount (also when added at
//! once), payments never above what is outstanding and once per reference, receivables and
//! overdue reminders with a moved clock, and who sees them.

use chrono::Duration;
use kaidan_api::jobs::payment_overdue::PaymentOverdue;
use kaidan_tests::{spawn_app, TestApp};
use serde_json::{json, Value};

async fn signed(app: &TestApp, fen: i64) -> String {
    app.signed_contract(fen).await
}

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + Duration::hours(8)).date_naive()
}

#[tokio::test]
async fn instalments_added_at_once_never_exceed_the_contracts_amount() {
    let app = spawn_app().await;
    let id = signed(&app, 1_000_000).await;
    let rep = app.login("rep_east1").await;
    let due = (today() + Duration::days(30)).to_string();
    let answers = futures_util::future::join_all((0..8).map(|_| {
        let (app, rep, path, due) = (
            &app,
            &rep,
            format!("/api/v1/contracts/{id}/payment-plans"),
            due.clone(),
        );
        async move {
            app.post(rep, &path, json!({"due_date": due, "amount": 300_000}))
                .await
        }
    }))
    .await;
    let made = answers.iter().filter(|r| r.status == 201).count();
    assert_eq!(
        made,
        3,
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert!(answers.iter().all(|r| r.status == 201 || r.status == 422));
    let plans: Vec<Value> = serde_json::from_value(
        app.get(&rep, &format!("/api/v1/contracts/{id}/payment-plans"))
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    let sum: i64 = plans.iter().map(|p| p["amount"].as_i64().unwrap()).sum();
    assert_eq!(sum, 900_000);
    // The last 100,000 still fits; one 分 more does not.
    let path = format!("/api/v1/contracts/{id}/payment-plans");
    let r = app
        .post(&rep, &path, json!({"due_date": due, "amount": 100_001}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["amount"]);
    app.post(&rep, &path, json!({"due_date": due, "amount": 100_000}))
        .await
        .expect(201);
    // Someone outside the contract's scope neither reads nor adds instalments.
    let other = app.login("rep_east2").await;
    assert_eq!(app.get(&other, &path).await.status, 404);
    assert_eq!(
        app.post(&other, &path, json!({"due_date": due, "amount": 1}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn payments_stay_within_what_is_outstanding_once_per_reference() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    // Not before the contract is signed.
    let c = app
        .create_customer(&rep, json!({"name": "未签合同客户"}))
        .await;
    let draft = app
        .post(
            &rep,
            "/api/v1/contracts",
            json!({"customer_id": c["id"], "title": "草稿", "amount": 100}),
        )
        .await
        .expect(201)
        .id();
    let r = app
        .post(
            &rep,
            "/api/v1/payments",
            json!({"contract_id": draft, "amount": 100,
            "received_on": today(), "reference": "X-1"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));

    let id = signed(&app, 1_000_000).await;
    let plan = app
        .post(
            &rep,
            &format!("/api/v1/contracts/{id}/payment-plans"),
            json!({"due_date": today() + Duration::days(10), "amount": 400_000}),
        )
        .await
        .expect(201)
        .body;
    let pay = |amount: i64, reference: &str, plan_id: Option<&Value>| {
        let mut body = json!({"contract_id": id, "amount": amount, "received_on": today(),
                              "method": "bank_transfer", "reference": reference});
        if let Some(p) = plan_id {
            body["plan_id"] = p.clone();
        }
        body
    };
    let p = app
        .post(
            &rep,
            "/api/v1/payments",
            pay(300_000, "CMB-001", Some(&plan["id"])),
        )
        .await
        .expect(201);
    assert_eq!(p.body["amount"], 300_000);
    // The same reference again, however written: 409, nothing added.
    let r = app
        .post(&rep, "/api/v1/payments", pay(1, " cmb-001 ", None))
        .await;
    assert_eq!((r.status, r.code()), (409, "conflict"));
    // More than the instalment has outstanding: refused.
    let r = app
        .post(
            &rep,
            "/api/v1/payments",
            pay(100_001, "CMB-002", Some(&plan["id"])),
        )
        .await;
    assert_eq!(r.status, 422);
    // More than the contract has outstanding: refused, nothing written.
    let r = app
        .post(&rep, "/api/v1/payments", pay(700_001, "CMB-003", None))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["amount"]);
    // An unknown method is refused by field.
    let mut bad = pay(1, "CMB-004", None);
    bad["method"] = json!("barter");
    let r = app.post(&rep, "/api/v1/payments", bad).await;
    assert_eq!(r.error_fields(), vec!["method"]);
    let c = app
        .get(&rep, &format!("/api/v1/contracts/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(c["received"], 300_000);
    // Payments at once never pass the outstanding amount either.
    let answers = futures_util::future::join_all((0..6).map(|i| {
        let (app, rep, body) = (&app, &rep, pay(200_000, &format!("RUSH-{i}"), None));
        async move { app.post(rep, "/api/v1/payments", body).await }
    }))
    .await;
    assert_eq!(answers.iter().filter(|r| r.status == 201).count(), 3);
    let c = app
        .get(&rep, &format!("/api/v1/contracts/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(c["received"], 900_000);
    // The list: the rep's and the supervisor's, not another rep's.
    let mine = app
        .get(&rep, &format!("/api/v1/payments?contract_id={id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(mine["items"].as_array().unwrap().len(), 4);
    let sup = app.login("sup_east1").await;
    let theirs = app.get(&sup, "/api/v1/payments").await.expect(200).body;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 4);
    let other = app.login("rep_east2").await;
    let none = app.get(&other, "/api/v1/payments").await.expect(200).body;
    assert!(none["items"].as_array().unwrap().is_empty());
    // Its history has the payments.
    let h = app
        .get(&rep, &format!("/api/v1/contracts/{id}/history?limit=50"))
        .await
        .expect(200)
        .body;
    assert!(
        h["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "payment.record"),
        "{h}"
    );
}

#[tokio::test]
async fn receivables_show_what_is_due_and_an_overdue_instalment_reminds_its_owner_once() {
    let app = spawn_app().await;
    let id = signed(&app, 2_000_000).await;
    let rep = app.login("rep_east1").await;
    let path = format!("/api/v1/contracts/{id}/payment-plans");
    let soon = app
        .post(
            &rep,
            &path,
            json!({"due_date": today() + Duration::days(2), "amount": 500_000}),
        )
        .await
        .expect(201)
        .body;
    app.post(
        &rep,
        &path,
        json!({"due_date": today() + Duration::days(40), "amount": 500_000}),
    )
    .await
    .expect(201);
    let all = app.get(&rep, "/api/v1/receivables").await.expect(200).body;
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["plan_id"], soon["id"], "earliest due first");
    assert_eq!(items[0]["outstanding"], 500_000);
    assert!(app
        .get(&rep, "/api/v1/receivables?overdue=true")
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .is_empty());
    // Three days on, the first is overdue: its owner is told once.
    let job = PaymentOverdue;
    app.run_job(&job).await.expect("due");
    app.clock.advance(Duration::days(3));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("reminded"), Some(&1), "{run:?}");
    app.clock.advance(Duration::hours(2));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("reminded"), None, "told once");
    let notes = app
        .get(&rep, "/api/v1/notifications")
        .await
        .expect(200)
        .body;
    assert!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "payment_overdue"),
        "{notes}"
    );
    // Paid in full, it leaves the receivables.
    app.post(
        &rep,
        "/api/v1/payments",
        json!({"contract_id": id, "plan_id": soon["id"],
        "amount": 500_000, "received_on": today(), "reference": "ICBC-77"}),
    )
    .await
    .expect(201);
    let all = app.get(&rep, "/api/v1/receivables").await.expect(200).body;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    // A plan with payments stays; one without is removed.
    let r = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/payment-plans/{}", soon["id"].as_str().unwrap()),
            Some(&rep),
            None,
            &[],
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
    // The supervisor sees the team's receivables; customer service none of another region.
    let sup = app.login("sup_east1").await;
    assert_eq!(
        app.get(&sup, "/api/v1/receivables").await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// A finance system (金蝶) reports receipts by contract number and its own reference: retries
/// racing each other record one payment and all answer it; the same reference with another
/// amount is a conflict; an unknown contract, one outside the client's place, and more than is
/// outstanding are refused with nothing written.
#[tokio::test]
async fn a_finance_system_reports_a_payment_once_however_often_it_retries() {
    let app = spawn_app().await;
    let id = signed(&app, 1_000_000).await;
    let admin = app.login("admin").await;
    let number = app
        .get(&admin, &format!("/api/v1/contracts/{id}"))
        .await
        .expect(200)
        .body["number"]
        .as_str()
        .unwrap()
        .to_owned();
    let (cid, secret) = app
        .register_client(
            &admin,
            json!({"name": "金蝶云星空", "scopes": ["payments:write"]}),
        )
        .await;
    let token = app.client_token(&cid, &secret, None).await;
    // Two instalments: the report pays them earliest due first.
    let rep = app.login("rep_east1").await;
    let plans = format!("/api/v1/contracts/{id}/payment-plans");
    for (days, fen) in [(60, 700_000), (30, 300_000)] {
        let due = (today() + Duration::days(days)).to_string();
        app.post(&rep, &plans, json!({"due_date": due, "amount": fen}))
            .await
            .expect(201);
    }
    let report = json!({"contract_number": number, "reference": "KD-SK-2026-0042",
                        "amount": 400_000, "received_on": today(), "note": "银行回单"});

    let answers = futures_util::future::join_all(
        (0..5).map(|_| app.post(&token, "/api/v1/finance/payments", report.clone())),
    )
    .await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 200, 200, 200, 201], "{answers:?}");
    let first = answers[0].id();
    assert!(answers.iter().all(|r| r.id() == first), "{answers:?}");
    assert_eq!(answers[0].body["contract_id"], id);
    let c = app
        .get(&admin, &format!("/api/v1/contracts/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(c["received"], 400_000);
    let listed = app
        .get(&admin, &format!("/api/v1/payments?contract_id={id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    let instalments = app.get(&rep, &plans).await.expect(200).body;
    let received: Vec<i64> = instalments
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["received"].as_i64().unwrap())
        .collect();
    assert_eq!(received, [300_000, 100_000], "{instalments}");
    // Later, the same report again: the same answer.
    let again = app
        .post(&token, "/api/v1/finance/payments", report.clone())
        .await
        .expect(200);
    assert_eq!(again.id(), first);

    // The same reference with another amount: a conflict, nothing written.
    let mut other = report.clone();
    other["amount"] = json!(1);
    let r = app
        .post(&token, "/api/v1/finance/payments", other)
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
    // No such contract.
    let mut unknown = report.clone();
    unknown["contract_number"] = json!("HT-1999-999999");
    let r = app
        .post(&token, "/api/v1/finance/payments", unknown)
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["contract_number"]);
    // More than is outstanding (600,000 left).
    let mut over = report.clone();
    over["reference"] = json!("KD-SK-2026-0043");
    over["amount"] = json!(600_001);
    let r = app
        .post(&token, "/api/v1/finance/payments", over)
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["amount"]);
    // A client placed in 华南 does not know an east contract.
    let south = app.region_id("华南").await;
    let (sid, ssecret) = app
        .register_client(
            &admin,
            json!({"name": "华南财务", "scopes": ["payments:write"], "region_id": south}),
        )
        .await;
    let south_token = app.client_token(&sid, &ssecret, None).await;
    let mut east = report.clone();
    east["reference"] = json!("KD-SK-2026-0044");
    east["amount"] = json!(1);
    let r = app
        .post(&south_token, "/api/v1/finance/payments", east)
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["contract_number"]);
    // Another system sending the first report word for word learns only that the reference
    // is taken, not the payment.
    let (oid, osecret) = app
        .register_client(
            &admin,
            json!({"name": "另一系统", "scopes": ["payments:write"]}),
        )
        .await;
    let other_token = app.client_token(&oid, &osecret, None).await;
    let r = app
        .post(&other_token, "/api/v1/finance/payments", report.clone())
        .await
        .expect(409);
    assert!(r.body.get("id").is_none(), "{}", r.body);
    let c = app
        .get(&admin, &format!("/api/v1/contracts/{id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(c["received"], 400_000, "nothing more was written");
    let listed = app
        .get(&admin, &format!("/api/v1/payments?contract_id={id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}
