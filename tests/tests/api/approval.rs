//! Contracts and their approvals: the default flows by amount, countersign, reject and resubmit,
//! withdraw, self-approval refused, approver fallback, escalation with a moved clock, two
//! approvers of one any-one step at once, edits refused after approval, contract numbers under
//! concurrency, and a quote's discount approval.

use chrono::Duration;
use kaidan_api::jobs::approval_escalate::ApprovalEscalate;
use kaidan_shared::approval::{Approval, ApprovalCounts, ApprovalStatus, TaskStatus};
use kaidan_shared::contract::{Contract, ContractStatus};
use kaidan_shared::page::Page;
use kaidan_tests::spawn_app;
use kaidan_tests::TestApp;
use serde_json::{json, Value};

fn contract(r: kaidan_tests::Resp) -> Contract {
    serde_json::from_value(r.body).expect("a contract")
}

fn approval(r: kaidan_tests::Resp) -> Approval {
    serde_json::from_value(r.body).expect("an approval")
}

/// A customer of `token`'s owner and a draft contract of `yuan` for it.
async fn draft(app: &TestApp, token: &str, title: &str, yuan: i64) -> Contract {
    let c = app
        .create_customer(token, json!({"name": format!("{title}客户")}))
        .await;
    contract(
        app.post(
            token,
            "/api/v1/contracts",
            json!({"customer_id": c["id"], "title": title, "amount": yuan * 100,
                   "payment_terms": "签约后 30 天内付清"}),
        )
        .await
        .expect(201),
    )
}

async fn submit(app: &TestApp, token: &str, c: &Contract) -> Contract {
    contract(
        app.post(
            token,
            &format!("/api/v1/contracts/{}/submit", c.id),
            json!({}),
        )
        .await
        .expect(200),
    )
}

async fn decide(
    app: &TestApp,
    who: &str,
    id: impl std::fmt::Display,
    ok: bool,
) -> kaidan_tests::Resp {
    let t = app.login(who).await;
    let (verb, body) = if ok {
        ("approve", json!({"comment": "同意"}))
    } else {
        ("reject", json!({"comment": "价格偏低，请重新谈"}))
    };
    app.post(&t, &format!("/api/v1/approvals/{id}/{verb}"), body)
        .await
}

async fn current(app: &TestApp, token: &str, c: &Contract) -> Contract {
    contract(
        app.get(token, &format!("/api/v1/contracts/{}", c.id))
            .await
            .expect(200),
    )
}

/// The approvers of each step of a contract's latest approval, by username.
async fn steps(app: &TestApp, token: &str, c: &Contract) -> Vec<Vec<String>> {
    let list: Vec<Approval> = serde_json::from_value(
        app.get(token, &format!("/api/v1/contracts/{}/approvals", c.id))
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    let names: std::collections::HashMap<String, String> = [
        "sup_east1",
        "sup_east2",
        "manager_east",
        "admin",
        "rep_east1",
    ]
    .into_iter()
    .map(|u| (app.user(u), u.to_owned()))
    .collect();
    list[0]
        .steps
        .iter()
        .map(|s| {
            s.approvers
                .iter()
                .map(|a| names.get(&a.to_string()).cloned().unwrap_or(a.to_string()))
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_default_flows_follow_the_amount_and_the_rep_sees_the_outcome() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;

    // ≤ ¥100,000: the supervisor alone.
    let small = submit(&app, &rep, &draft(&app, &rep, "小额合同", 80_000).await).await;
    assert_eq!(small.status, ContractStatus::PendingApproval);
    assert!(small.number.starts_with("HT-"), "{}", small.number);
    assert_eq!(steps(&app, &rep, &small).await, vec![vec!["sup_east1"]]);
    // Frozen while it waits.
    let r = app
        .patch(
            &rep,
            &format!("/api/v1/contracts/{}", small.id),
            &format!("\"{}\"", small.version),
            json!({"notes": "改"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
    let a = small.approval_id.unwrap();
    // The supervisor's inbox holds it, with a count.
    let sup = app.login("sup_east1").await;
    let counts: ApprovalCounts = serde_json::from_value(
        app.get(&sup, "/api/v1/approvals/counts")
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert_eq!(counts.pending, 1);
    let inbox: Page<Approval> = serde_json::from_value(
        app.get(&sup, "/api/v1/approvals?view=pending")
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert_eq!(inbox.items.len(), 1);
    assert_eq!(inbox.items[0].amount, 8_000_000);
    assert!(inbox.items[0].my_task_id.is_some());
    let done = approval(decide(&app, "sup_east1", a, true).await.expect(200));
    assert_eq!(done.status, ApprovalStatus::Approved);
    assert_eq!(
        current(&app, &rep, &small).await.status,
        ContractStatus::Approved
    );
    let decided: Page<Approval> = serde_json::from_value(
        app.get(&sup, "/api/v1/approvals?view=decided")
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert_eq!(decided.items[0].id, a);
    let mine: Page<Approval> = serde_json::from_value(
        app.get(&rep, "/api/v1/approvals?view=submitted")
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert_eq!(mine.items[0].status, ApprovalStatus::Approved);
    // The rep was told.
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
            .any(|n| n["kind"] == "approval_approved"),
        "{notes}"
    );

    // ¥100,000–500,000: the supervisor, then the regional manager.
    let mid = submit(&app, &rep, &draft(&app, &rep, "中额合同", 200_000).await).await;
    assert_eq!(
        steps(&app, &rep, &mid).await,
        vec![vec!["sup_east1"], vec!["manager_east"]]
    );
    let a = mid.approval_id.unwrap();
    // Not the manager's turn yet: the approval is not theirs to see until their step.
    assert_eq!(decide(&app, "manager_east", a, true).await.status, 404);
    decide(&app, "sup_east1", a, true).await.expect(200);
    assert_eq!(
        current(&app, &rep, &mid).await.status,
        ContractStatus::PendingApproval
    );
    let done = approval(decide(&app, "manager_east", a, true).await.expect(200));
    assert_eq!(done.status, ApprovalStatus::Approved);
    assert_eq!(done.tasks.len(), 2);
    assert_eq!(
        current(&app, &rep, &mid).await.status,
        ContractStatus::Approved
    );

    // Above ¥500,000: supervisor, regional manager, admin.
    let big = submit(&app, &rep, &draft(&app, &rep, "大额合同", 600_000).await).await;
    assert_eq!(
        steps(&app, &rep, &big).await,
        vec![vec!["sup_east1"], vec!["manager_east"], vec!["admin"]]
    );
    let a = big.approval_id.unwrap();
    decide(&app, "sup_east1", a, true).await.expect(200);
    decide(&app, "manager_east", a, true).await.expect(200);
    decide(&app, "admin", a, true).await.expect(200);
    let c = current(&app, &rep, &big).await;
    assert_eq!(c.status, ContractStatus::Approved);
    // The decisions are on the contract's history.
    let h = app
        .get(
            &rep,
            &format!("/api/v1/contracts/{}/history?limit=50", c.id),
        )
        .await
        .expect(200)
        .body;
    let actions: Vec<&str> = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for want in [
        "contract.create",
        "contract.submit",
        "approval.approve",
        "contract.approve",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
}

#[tokio::test]
async fn nobody_approves_their_own_or_anothers_task_and_a_rejection_needs_a_reason() {
    let app = spawn_app().await;
    let sup = app.login("sup_east1").await;
    // The supervisor's own contract climbs to the regional manager.
    let own = submit(
        &app,
        &sup,
        &draft(&app, &sup, "主管自己的合同", 50_000).await,
    )
    .await;
    assert_eq!(steps(&app, &sup, &own).await, vec![vec!["manager_east"]]);
    let a = own.approval_id.unwrap();
    let r = decide(&app, "sup_east1", a, true).await;
    assert_eq!(r.status, 403, "{}", r.body);
    // Someone with no part in it does not learn it exists.
    assert_eq!(decide(&app, "sup_east2", a, true).await.status, 404);
    let rep2 = app.login("rep_east2").await;
    assert_eq!(
        app.get(&rep2, &format!("/api/v1/approvals/{a}"))
            .await
            .status,
        404
    );
    // A rejection says why.
    let t = app.login("manager_east").await;
    let r = app
        .post(
            &t,
            &format!("/api/v1/approvals/{a}/reject"),
            json!({"comment": " "}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["comment"]);
    // Rejected: a draft again, edited and resubmitted as a new approval.
    let done = approval(decide(&app, "manager_east", a, false).await.expect(200));
    assert_eq!(done.status, ApprovalStatus::Rejected);
    let back = current(&app, &sup, &own).await;
    assert_eq!(back.status, ContractStatus::Draft);
    let edited = contract(
        app.patch(
            &sup,
            &format!("/api/v1/contracts/{}", own.id),
            &format!("\"{}\"", back.version),
            json!({"amount": 5_500_000}),
        )
        .await
        .expect(200),
    );
    let again = submit(&app, &sup, &edited).await;
    assert_ne!(again.approval_id, Some(a));
    // The old approval cannot be decided any more.
    let r = decide(&app, "manager_east", a, true).await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
    decide(&app, "manager_east", again.approval_id.unwrap(), true)
        .await
        .expect(200);
}

/// A body that breaks the rules is a 422 whatever version its If-Match names (schemathesis found
/// a blank title answered 412 when the version was stale too).
#[tokio::test]
async fn a_bad_edit_is_refused_as_such_before_its_version_is_compared() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = draft(&app, &rep, "版本与校验", 1_000).await;
    let stale = format!("\"{}\"", c.version + 3);
    let r = app
        .patch(
            &rep,
            &format!("/api/v1/contracts/{}", c.id),
            &stale,
            json!({"title": ""}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.error_fields(), vec!["title"]);
    // A good body with the stale version is the version's problem.
    let r = app
        .patch(
            &rep,
            &format!("/api/v1/contracts/{}", c.id),
            &stale,
            json!({"title": "新标题"}),
        )
        .await;
    assert_eq!(r.status, 412, "{}", r.body);
}

#[tokio::test]
async fn the_submitter_withdraws_before_the_decision() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = submit(&app, &rep, &draft(&app, &rep, "撤回的合同", 30_000).await).await;
    let a = c.approval_id.unwrap();
    // Only the submitter withdraws.
    let sup = app.login("sup_east1").await;
    let r = app
        .post(&sup, &format!("/api/v1/approvals/{a}/withdraw"), json!({}))
        .await;
    assert_eq!(r.status, 403);
    let w = approval(
        app.post(&rep, &format!("/api/v1/approvals/{a}/withdraw"), json!({}))
            .await
            .expect(200),
    );
    assert_eq!(w.status, ApprovalStatus::Withdrawn);
    assert!(w.tasks.iter().all(|t| t.status == TaskStatus::Cancelled));
    assert_eq!(current(&app, &rep, &c).await.status, ContractStatus::Draft);
    let r = decide(&app, "sup_east1", a, true).await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
    let counts: ApprovalCounts = serde_json::from_value(
        app.get(&sup, "/api/v1/approvals/counts")
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert_eq!(counts.pending, 0);
}

async fn template(app: &TestApp, body: Value) -> Value {
    let admin = app.login("admin").await;
    app.post(&admin, "/api/v1/approval-templates", body)
        .await
        .expect(201)
        .body
}

#[tokio::test]
async fn two_approvers_of_an_any_one_step_at_once_one_decision_counts_and_countersign_needs_all() {
    let app = spawn_app().await;
    let (s1, s2) = (app.user("sup_east1"), app.user("sup_east2"));
    // Contracts up to ¥1: either supervisor (或签). ¥1–2: both (会签).
    template(
        &app,
        json!({"subject": "contract", "name": "或签测试", "priority": 1,
               "conditions": {"amount_up_to": 100},
               "steps": [{"approvers": {"kind": "users", "ids": [s1, s2]}, "mode": "any_one"}],
               "remind_after_hours": 24, "escalate_after_hours": 48}),
    )
    .await;
    template(
        &app,
        json!({"subject": "contract", "name": "会签测试", "priority": 2,
               "conditions": {"amount_over": 100, "amount_up_to": 200},
               "steps": [{"approvers": {"kind": "users", "ids": [s1, s2]}, "mode": "all"}],
               "remind_after_hours": 24, "escalate_after_hours": 48}),
    )
    .await;
    let rep = app.login("rep_east1").await;
    for round in 0..3 {
        let c = submit(
            &app,
            &rep,
            &draft(&app, &rep, &format!("或签{round}"), 1).await,
        )
        .await;
        let a = c.approval_id.unwrap();
        let (x, y) = tokio::join!(
            decide(&app, "sup_east1", a, true),
            decide(&app, "sup_east2", a, true)
        );
        let mut statuses = [x.status, y.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "{} / {}", x.body, y.body);
        let loser = if x.status == 409 { x } else { y };
        assert_eq!(loser.code(), "invalid_state");
        let done = approval(
            app.get(&rep, &format!("/api/v1/approvals/{a}"))
                .await
                .expect(200),
        );
        assert_eq!(done.status, ApprovalStatus::Approved);
        let decided = done
            .tasks
            .iter()
            .filter(|t| t.status == TaskStatus::Approved)
            .count();
        assert_eq!(decided, 1, "exactly one decision counts");
    }
    // Countersign: the first approval leaves it pending; the second approves it.
    let c = submit(&app, &rep, &draft(&app, &rep, "会签合同", 2).await).await;
    let a = c.approval_id.unwrap();
    let first = approval(decide(&app, "sup_east2", a, true).await.expect(200));
    assert_eq!(first.status, ApprovalStatus::Pending);
    assert_eq!(
        current(&app, &rep, &c).await.status,
        ContractStatus::PendingApproval
    );
    let r = decide(&app, "sup_east2", a, true).await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"), "not twice");
    let second = approval(decide(&app, "sup_east1", a, true).await.expect(200));
    assert_eq!(second.status, ApprovalStatus::Approved);
    // A countersigned step is rejected by one rejection.
    let c = submit(&app, &rep, &draft(&app, &rep, "会签被拒", 2).await).await;
    let a = c.approval_id.unwrap();
    decide(&app, "sup_east1", a, false).await.expect(200);
    assert_eq!(current(&app, &rep, &c).await.status, ContractStatus::Draft);
}

#[tokio::test]
async fn a_missing_approver_falls_back_and_a_waiting_step_reminds_then_escalates() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    // The supervisor is deactivated: the rep's small contract goes to the regional manager.
    let sup = app
        .get(&admin, &format!("/api/v1/users/{}", app.user("sup_east1")))
        .await
        .expect(200);
    app.request(
        reqwest::Method::POST,
        &format!("/api/v1/users/{}/deactivate", app.user("sup_east1")),
        Some(&admin),
        None,
        &[("If-Match", &sup.etag())],
    )
    .await
    .expect(200);
    let rep = app.login("rep_east1").await;
    let c = submit(&app, &rep, &draft(&app, &rep, "主管离职", 10_000).await).await;
    let list: Vec<Approval> = serde_json::from_value(
        app.get(&rep, &format!("/api/v1/contracts/{}/approvals", c.id))
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert!(list[0].steps[0].fell_back);
    assert_eq!(
        list[0].steps[0].approvers,
        vec![app.user("manager_east").parse::<uuid::Uuid>().unwrap()]
    );

    // Escalation: rep_east3's supervisor does not answer.
    let rep3 = app.login("rep_east3").await;
    let c = submit(&app, &rep3, &draft(&app, &rep3, "无人处理", 10_000).await).await;
    let a = c.approval_id.unwrap();
    let job = ApprovalEscalate;
    app.run_job(&job).await.expect("due");
    app.clock.advance(Duration::hours(25));
    // Both waiting approvals remind: the manager's (fallen back) and the supervisor's.
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("reminded"), Some(&2), "{run:?}");
    let sup2 = app.login("sup_east2").await;
    let notes = app
        .get(&sup2, "/api/v1/notifications")
        .await
        .expect(200)
        .body;
    assert!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "approval_reminder"),
        "{notes}"
    );
    app.clock.advance(Duration::hours(1));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("reminded"), None, "reminded once");
    app.clock.advance(Duration::hours(23));
    // Both escalate: the manager's step to the admin, the supervisor's to the manager.
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("escalated"), Some(&2), "{run:?}");
    let after = approval(
        app.get(&rep3, &format!("/api/v1/approvals/{a}"))
            .await
            .expect(200),
    );
    let added: Vec<_> = after.tasks.iter().filter(|t| t.escalated).collect();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].approver_id.to_string(), app.user("manager_east"));
    // The manager decides the step now.
    decide(&app, "manager_east", a, true).await.expect(200);
    assert_eq!(
        current(&app, &rep3, &c).await.status,
        ContractStatus::Approved
    );
}

#[tokio::test]
async fn an_approved_contract_is_locked_until_reopened_then_signed_and_completed() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = submit(&app, &rep, &draft(&app, &rep, "锁定的合同", 50_000).await).await;
    decide(&app, "sup_east1", c.approval_id.unwrap(), true)
        .await
        .expect(200);
    let c = current(&app, &rep, &c).await;
    let path = format!("/api/v1/contracts/{}", c.id);
    for body in [
        json!({"amount": 9_900_000}),
        json!({"payment_terms": "货到付款"}),
    ] {
        let r = app
            .patch(&rep, &path, &format!("\"{}\"", c.version), body)
            .await;
        assert_eq!((r.status, r.code()), (409, "invalid_state"), "{}", r.body);
    }
    assert_eq!(
        current(&app, &rep, &c).await.amount,
        5_000_000,
        "nothing changed"
    );
    // Signatories and notes still change.
    let c = contract(
        app.patch(
            &rep,
            &path,
            &format!("\"{}\"", c.version),
            json!({"customer_signatory": "王总"}),
        )
        .await
        .expect(200),
    );
    // Reopened with a reason: a draft, changed, and approved again.
    let r = app
        .post(
            &rep,
            &format!("{path}/reopen"),
            json!({"reason": "客户追加一套"}),
        )
        .await
        .expect(200);
    let reopened = contract(r);
    assert_eq!(reopened.status, ContractStatus::Draft);
    let changed = contract(
        app.patch(
            &rep,
            &path,
            &format!("\"{}\"", reopened.version),
            json!({"amount": 6_000_000}),
        )
        .await
        .expect(200),
    );
    let again = submit(&app, &rep, &changed).await;
    decide(&app, "sup_east1", again.approval_id.unwrap(), true)
        .await
        .expect(200);
    let signed = contract(
        app.post(
            &rep,
            &format!("{path}/sign"),
            json!({"sign_date": "2026-11-20"}),
        )
        .await
        .expect(200),
    );
    assert_eq!(signed.status, ContractStatus::Signed);
    assert_eq!(signed.sign_date.unwrap().to_string(), "2026-11-20");
    let r = app
        .post(&rep, &format!("{path}/reopen"), json!({"reason": "晚了"}))
        .await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
    let done = contract(
        app.post(&rep, &format!("{path}/complete"), json!({}))
            .await
            .expect(200),
    );
    assert_eq!(done.status, ContractStatus::Completed);
    assert_eq!(c.customer_signatory.as_deref(), Some("王总"));
    let h = app
        .get(&rep, &format!("{path}/history?limit=50"))
        .await
        .expect(200)
        .body;
    let reopen = h["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "contract.reopen")
        .expect("the reopening is in the history");
    assert!(reopen.to_string().contains("客户追加一套"), "{reopen}");
}

#[tokio::test]
async fn contract_numbers_are_unique_under_concurrent_creation_and_follow_an_accepted_quote() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let cust = app
        .create_customer(&rep, json!({"name": "并发合同客户"}))
        .await;
    let made = futures_util::future::join_all((0..12).map(|i| {
        let (app, rep, id) = (&app, &rep, cust["id"].clone());
        async move {
            app.post(
                rep,
                "/api/v1/contracts",
                json!({"customer_id": id, "title": format!("并发{i}"), "amount": 100}),
            )
            .await
            .expect(201)
            .body["number"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    }))
    .await;
    let unique: std::collections::BTreeSet<&String> = made.iter().collect();
    assert_eq!(unique.len(), 12, "{made:?}");
    // Only an accepted quote becomes a contract; its lines and total are copied.
    let r = app
        .post(
            &rep,
            "/api/v1/contracts",
            json!({"title": "无报价", "quote_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.error_fields(), vec!["quote_id"]);
}

#[tokio::test]
async fn a_quote_over_the_reps_discount_waits_for_the_supervisor() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let p = app
        .post(
            &admin,
            "/api/v1/products",
            json!({"code": "DSC", "name": "折扣产品", "list_price": 100_000, "tax_rate": "13"}),
        )
        .await
        .expect(201)
        .id();
    let rep = app.login("rep_east1").await;
    let cust = app.create_customer(&rep, json!({"name": "折扣客户"})).await;
    let deal = app
        .post(
            &rep,
            "/api/v1/opportunities",
            json!({"customer_id": cust["id"], "name": "折扣商机", "amount": 100_000}),
        )
        .await
        .expect(201)
        .id();
    let quote = |disc: &'static str| {
        let (app, rep, deal, p) = (&app, &rep, deal.clone(), p.clone());
        async move {
            app.post(
                rep,
                "/api/v1/quotes",
                json!({"opportunity_id": deal, "title": format!("折扣{disc}"),
                       "lines": [{"product_id": p, "quantity": "2", "discount_percent": disc}]}),
            )
            .await
            .expect(201)
            .id()
        }
    };
    // 10 % is the rep's own to give: sent straight away.
    let q = quote("10").await;
    let r = app
        .post(&rep, &format!("/api/v1/quotes/{q}/send"), json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "sent");
    // 15 % waits for the supervisor, who approves: then it is sent.
    let q = quote("15").await;
    let r = app
        .post(&rep, &format!("/api/v1/quotes/{q}/send"), json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "pending_approval");
    let sup = app.login("sup_east1").await;
    let inbox: Page<Approval> =
        serde_json::from_value(app.get(&sup, "/api/v1/approvals").await.expect(200).body).unwrap();
    let a = inbox
        .items
        .iter()
        .find(|a| a.record_id.to_string() == q)
        .expect("in the inbox");
    assert_eq!(a.max_discount_percent.to_string(), "15");
    // The approver sees the lines while it waits (not in the list), not after.
    let open = approval(
        app.get(&sup, &format!("/api/v1/approvals/{}", a.id))
            .await
            .expect(200),
    );
    assert_eq!(open.lines.len(), 1);
    assert!(a.lines.is_empty());
    // A decision naming a task that is not the caller's waiting one counts for nothing.
    let r = app
        .post(
            &sup,
            &format!("/api/v1/approvals/{}/approve", a.id),
            json!({"task_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
    let r = app
        .post(
            &sup,
            &format!("/api/v1/approvals/{}/approve", a.id),
            json!({"task_id": open.my_task_id.unwrap(), "comment": "同意"}),
        )
        .await
        .expect(200);
    assert!(
        approval(r).lines.is_empty(),
        "decided: the lines are no longer sent"
    );
    let r = app
        .get(&rep, &format!("/api/v1/quotes/{q}"))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "sent");
    // 25 % needs the regional manager too; rejected, it is a draft again.
    let q = quote("25").await;
    app.post(&rep, &format!("/api/v1/quotes/{q}/send"), json!({}))
        .await
        .expect(200);
    let inbox: Page<Approval> =
        serde_json::from_value(app.get(&sup, "/api/v1/approvals").await.expect(200).body).unwrap();
    let a = inbox
        .items
        .iter()
        .find(|a| a.record_id.to_string() == q)
        .expect("in the inbox");
    assert_eq!(a.steps.len(), 2);
    decide(&app, "sup_east1", a.id, false).await.expect(200);
    let r = app
        .get(&rep, &format!("/api/v1/quotes/{q}"))
        .await
        .expect(200);
    assert_eq!(r.body["status"], "draft");
}

#[tokio::test]
async fn only_admins_keep_the_flows_and_a_bad_flow_is_refused_by_field() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let flows: Vec<Value> = serde_json::from_value(
        app.get(&admin, "/api/v1/approval-templates")
            .await
            .expect(200)
            .body,
    )
    .unwrap();
    assert_eq!(flows.len(), 5, "three contract flows and two quote flows");
    let manager = app.login("manager_east").await;
    assert_eq!(
        app.get(&manager, "/api/v1/approval-templates").await.status,
        403
    );
    let r = app
        .post(
            &admin,
            "/api/v1/approval-templates",
            json!({"subject": "contract", "name": "坏的", "priority": 5,
                   "conditions": {"amount_over": 500, "amount_up_to": 100, "customer_levels": ["Z"]},
                   "steps": [{"approvers": {"kind": "users", "ids": [uuid::Uuid::now_v7()]}, "mode": "all"}],
                   "remind_after_hours": 0, "escalate_after_hours": 48}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "conditions.amount_up_to",
            "conditions.customer_levels[0]",
            "remind_after_hours",
            "steps",
        ]
    );
    // A flow switched off is not followed: without the small-contract flow, a ¥50,000 contract
    // has no flow at all.
    let small = &flows[0];
    let mut body = small.clone();
    let obj = body.as_object_mut().unwrap();
    for k in ["id", "version", "updated_at"] {
        obj.remove(k);
    }
    obj.insert("active".into(), false.into());
    app.request(
        reqwest::Method::PUT,
        &format!(
            "/api/v1/approval-templates/{}",
            small["id"].as_str().unwrap()
        ),
        Some(&admin),
        Some(&body),
        &[("If-Match", &format!("\"{}\"", small["version"]))],
    )
    .await
    .expect(200);
    let rep = app.login("rep_east1").await;
    let c = draft(&app, &rep, "无流程", 50_000).await;
    let r = app
        .post(
            &rep,
            &format!("/api/v1/contracts/{}/submit", c.id),
            json!({}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "invalid_state"));
    assert_eq!(current(&app, &rep, &c).await.status, ContractStatus::Draft);
}

#[tokio::test]
async fn an_approver_added_by_escalation_settles_a_countersigned_step_and_the_owner_is_told() {
    let app = spawn_app().await;
    let (s1, s2) = (app.user("sup_east1"), app.user("sup_east2"));
    template(
        &app,
        json!({"subject": "contract", "name": "会签升级", "priority": 1,
               "conditions": {"amount_up_to": 100},
               "steps": [{"approvers": {"kind": "users", "ids": [s1, s2]}, "mode": "all"}],
               "remind_after_hours": 1, "escalate_after_hours": 2}),
    )
    .await;
    let rep = app.login("rep_east1").await;
    let c = submit(&app, &rep, &draft(&app, &rep, "会签无人应答", 1).await).await;
    let a = c.approval_id.unwrap();
    decide(&app, "sup_east1", a, true).await.expect(200);
    // sup_east2 never answers: after the escalation time the regional manager is added, and
    // their approval settles the step.
    app.clock.advance(Duration::hours(3));
    let run = app.run_job(&ApprovalEscalate).await.expect("due");
    assert_eq!(run.counts.get("escalated"), Some(&1), "{run:?}");
    let done = approval(decide(&app, "manager_east", a, true).await.expect(200));
    assert_eq!(done.status, ApprovalStatus::Approved);
    assert_eq!(
        current(&app, &rep, &c).await.status,
        ContractStatus::Approved
    );

    // A supervisor submits their rep's contract: the rep's line (the supervisor skipped), and
    // the rep, who owns it, is told the outcome as well as the supervisor.
    let sup = app.login("sup_east1").await;
    let cust = app
        .create_customer(&rep, json!({"name": "代提交客户"}))
        .await;
    let k = contract(
        app.post(
            &sup,
            "/api/v1/contracts",
            json!({"customer_id": cust["id"], "title": "主管代提交", "amount": 5_000_000}),
        )
        .await
        .expect(201),
    );
    assert_eq!(
        k.owner_id.map(|o| o.to_string()),
        Some(app.user("rep_east1"))
    );
    let k = submit(&app, &sup, &k).await;
    assert_eq!(steps(&app, &sup, &k).await, vec![vec!["manager_east"]]);
    decide(&app, "manager_east", k.approval_id.unwrap(), true)
        .await
        .expect(200);
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
            .any(|n| n["kind"] == "approval_approved"
                && n["data"]["title"]
                    .as_str()
                    .unwrap_or("")
                    .contains("主管代提交")),
        "{notes}"
    );
}

#[tokio::test]
async fn someone_named_on_two_steps_finds_the_approval_once_in_what_they_decided() {
    let app = spawn_app().await;
    let manager = app.user("manager_east");
    // A flow naming the regional manager before and after the supervisor.
    template(
        &app,
        json!({"subject": "contract", "name": "两次审批", "priority": 1,
               "conditions": {"amount_up_to": 100},
               "steps": [{"approvers": {"kind": "users", "ids": [manager]}, "mode": "any_one"},
                         {"approvers": {"kind": "supervisor"}, "mode": "any_one"},
                         {"approvers": {"kind": "users", "ids": [manager]}, "mode": "any_one"}],
               "remind_after_hours": 24, "escalate_after_hours": 48}),
    )
    .await;
    let rep = app.login("rep_east1").await;
    let c = submit(&app, &rep, &draft(&app, &rep, "两次审批合同", 1).await).await;
    let a = c.approval_id.unwrap();
    let other = submit(&app, &rep, &draft(&app, &rep, "另一份合同", 1).await).await;
    decide(&app, "manager_east", other.approval_id.unwrap(), true)
        .await
        .expect(200);
    decide(&app, "manager_east", a, true).await.expect(200);
    decide(&app, "sup_east1", a, true).await.expect(200);
    let done = approval(decide(&app, "manager_east", a, true).await.expect(200));
    assert_eq!(done.status, ApprovalStatus::Approved);

    // Once, at the latest decision: first on the list, and not again on a later page.
    let m = app.login("manager_east").await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("/api/v1/approvals?view=decided&limit=1&cursor={c}"),
            None => "/api/v1/approvals?view=decided&limit=1".to_owned(),
        };
        let page = app.get(&m, &url).await.expect(200);
        for item in page.body["items"].as_array().unwrap() {
            seen.push(item["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [a.to_string(), other.approval_id.unwrap().to_string()],
        "each approval once, the latest decision first"
    );
}
