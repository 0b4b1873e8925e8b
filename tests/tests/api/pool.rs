//! The public pool (公海): release with a reason, claim with its limits, masking in every
//! response that carries contacts, and the reclaim job with a moved clock.

use chrono::Duration;
use kaidan_shared::contact::ContactInput;
use kaidan_shared::customer::{CustomerCreate, Level};
use kaidan_shared::pool::{Pool, PoolRules, ReclaimDays};
use kaidan_tests::{spawn_app, SignedIn, TestApp};
use serde_json::json;
use uuid::Uuid;

const PHONE: &str = "13812345678";
const MOBILE: &str = "13998765432";
const EMAIL: &str = "wang.fang@xingchen.example.cn";

/// 华东's own pool with `rules`.
async fn east_pool(app: &TestApp, rules: PoolRules) -> Pool {
    let admin = app.sign_in("admin").await;
    app.pool_create(
        &admin,
        "华东公海",
        admin_region(app, &admin, "华东").await,
        &rules,
    )
    .await
}

async fn admin_region(app: &TestApp, admin: &SignedIn, name: &str) -> Option<Uuid> {
    let regions = app.get(&admin.token, "/api/v1/regions").await.expect(200);
    regions
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
}

async fn customer(app: &TestApp, who: &SignedIn, name: &str, level: Option<Level>) -> Uuid {
    let input = CustomerCreate {
        name: name.into(),
        level,
        phone: Some(PHONE.into()),
        contacts: vec![ContactInput {
            name: "王芳".into(),
            phones: vec![MOBILE.into()],
            email: Some(EMAIL.into()),
            wechat: Some("wangfang88".into()),
            ..Default::default()
        }],
        ..Default::default()
    };
    app.customer_create(who, &input).await.customer.id
}

/// Whether any full phone number, e-mail or WeChat id of the test customer is in `body`.
fn reveals(body: &serde_json::Value) -> bool {
    let text = body.to_string();
    [PHONE, MOBILE, EMAIL, "wangfang88"]
        .iter()
        .any(|s| text.contains(s))
}

#[tokio::test]
async fn a_released_customer_is_masked_everywhere_until_someone_of_its_region_claims_it() {
    let app = spawn_app().await;
    let pool = east_pool(&app, PoolRules::default()).await;
    let owner = app.sign_in("rep_east1").await;
    let id = customer(&app, &owner, "杭州星辰科技有限公司", Some(Level::B)).await;

    // A reason is required.
    let r = app
        .post(
            &owner.token,
            &format!("/api/v1/customers/{id}/release"),
            json!({"reason": " "}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["reason"]);
    let released = app.pool_release(&owner, id, "客户暂无采购计划").await;
    assert_eq!(released.pool_id, Some(pool.id));
    assert_eq!(released.owner_id, None);
    assert_eq!(released.phone.as_deref(), Some("138****5678"));

    // The ex-owner no longer has it; a colleague of the region sees it in the pool, masked.
    app.get(&owner.token, &format!("/api/v1/customers/{id}"))
        .await
        .expect(404);
    let colleague = app.sign_in("rep_east2").await;
    let listed = app.pool_customers(&colleague, pool.id).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].pool_reason.as_deref(), Some("客户暂无采购计划"));
    let detail = app
        .get(&colleague.token, &format!("/api/v1/pool-customers/{id}"))
        .await
        .expect(200);
    assert_eq!(detail.body["contacts"][0]["phones"][0], "139****5432");
    assert_eq!(
        detail.body["contacts"][0]["email"],
        "w***@xingchen.example.cn"
    );
    // Another region's rep does not see 华东's pool.
    let south = app.sign_in("rep_south1").await;
    app.get(
        &south.token,
        &format!("/api/v1/pools/{}/customers", pool.id),
    )
    .await
    .expect(404);
    app.get(&south.token, &format!("/api/v1/pool-customers/{id}"))
        .await
        .expect(404);

    // Every response that carries its contacts is masked, the admin's included.
    let admin = app.sign_in("admin").await;
    let contact_id = detail.body["contacts"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [
        format!("/api/v1/pools/{}/customers", pool.id),
        format!("/api/v1/pool-customers/{id}"),
        format!("/api/v1/customers/{id}"),
        format!("/api/v1/customers/{id}/contacts"),
        format!("/api/v1/contacts/{contact_id}"),
        format!("/api/v1/customers/{id}/history"),
        "/api/v1/customers?limit=200".to_owned(),
        format!("/api/v1/customers?q={PHONE}"),
    ] {
        let r = app.get(&admin.token, &path).await.expect(200);
        assert!(!reveals(&r.body), "{path} reveals a contact: {}", r.body);
    }
    for who in [&colleague, &owner] {
        for path in [
            format!("/api/v1/pools/{}/customers", pool.id),
            format!("/api/v1/pool-customers/{id}"),
        ] {
            let r = app.get(&who.token, &path).await;
            assert!(!reveals(&r.body), "{path}: {}", r.body);
        }
    }
    let edited = app
        .patch(
            &admin.token,
            &format!("/api/v1/contacts/{contact_id}"),
            "\"1\"",
            json!({"title": "采购总监"}),
        )
        .await
        .expect(200);
    assert!(!reveals(&edited.body), "{}", edited.body);

    // Claimed: the colleague owns it, sees everything, and its reclaim clock restarted.
    let r = app.pool_claim(&colleague, id).await.expect(200);
    assert_eq!(r.body["owner_id"], colleague.user.id.to_string());
    assert_eq!(r.body["pool_id"], serde_json::Value::Null);
    let mine = app
        .get(&colleague.token, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
    assert!(reveals(&mine.body));
    assert!(app.pool_customers(&colleague, pool.id).await.is_empty());
    let actions = app.history_actions(&id.to_string()).await;
    assert!(actions.contains(&"customer.release".to_owned()));
    assert_eq!(actions.last().map(String::as_str), Some("customer.claim"));
    // Claiming it again: someone has it.
    let again = app.pool_claim(&colleague, id).await.expect(409);
    assert_eq!(again.code(), "not_in_pool");
    // Customer service sees the pool but owns nothing.
    app.pool_release(&colleague, id, "换人跟进").await;
    let cs = app.sign_in("cs1").await;
    assert_eq!(app.pool_customers(&cs, pool.id).await.len(), 1);
    app.pool_claim(&cs, id).await.expect(403);
}

#[tokio::test]
async fn claims_obey_the_cool_down_the_daily_limit_and_the_cap_on_customers_held() {
    let app = spawn_app().await;
    let rules = PoolRules {
        daily_claim_limit: 2,
        held_cap: Some(4),
        cooldown_days: 7,
        ..PoolRules::default()
    };
    east_pool(&app, rules).await;
    let sup = app.sign_in("sup_east1").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        let id = customer(&app, &sup, &format!("公海客户{i}"), None).await;
        app.pool_release(&sup, id, "整理客户").await;
        ids.push(id);
    }
    // The ex-owner waits seven days.
    let r = app.pool_claim(&sup, ids[0]).await.expect(409);
    assert_eq!(r.code(), "claim_cooldown");

    let rep = app.sign_in("rep_east1").await;
    let q = app.pool_quota(&rep).await;
    assert_eq!((q.daily_limit, q.remaining_today, q.held), (2, 2, 0));
    app.pool_claim(&rep, ids[0]).await.expect(200);
    app.pool_claim(&rep, ids[1]).await.expect(200);
    let r = app.pool_claim(&rep, ids[2]).await.expect(409);
    assert_eq!(r.code(), "claim_limit_reached");
    let q = app.pool_quota(&rep).await;
    assert_eq!((q.claimed_today, q.remaining_today, q.held), (2, 0, 2));

    // Tomorrow: two more claims allowed, but the cap of four held customers comes first.
    app.clock.advance(Duration::days(1));
    customer(&app, &rep, "自己开发的客户", None).await;
    app.pool_claim(&rep, ids[2]).await.expect(200);
    let r = app.pool_claim(&rep, ids[3]).await.expect(409);
    assert_eq!(r.code(), "held_cap_reached");

    // A week later the ex-owner may claim it back.
    let r = app.pool_claim(&sup, ids[3]).await.expect(409);
    assert_eq!(r.code(), "claim_cooldown");
    app.clock.advance(Duration::days(7));
    app.pool_claim(&sup, ids[3]).await.expect(200);
}

#[tokio::test]
async fn parallel_claims_give_one_customer_to_one_rep_and_no_rep_more_than_the_limit() {
    let app = spawn_app().await;
    east_pool(
        &app,
        PoolRules {
            daily_claim_limit: 3,
            ..PoolRules::default()
        },
    )
    .await;
    let sup = app.sign_in("sup_east1").await;
    let mut ids = Vec::new();
    for i in 0..8 {
        let id = customer(&app, &sup, &format!("抢单客户{i}"), None).await;
        app.pool_release(&sup, id, "整理客户").await;
        ids.push(id);
    }
    // Four reps race for one customer: one wins, the others hear it is gone.
    let reps = [
        app.sign_in("rep_east1").await,
        app.sign_in("rep_east2").await,
        app.sign_in("rep_east3").await,
        app.sign_in("rep_east4").await,
    ];
    let results =
        futures_util::future::join_all(reps.iter().map(|r| app.pool_claim(r, ids[0]))).await;
    let won: Vec<_> = results.iter().filter(|r| r.status == 200).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| r.status == 409 && r.code() == "not_in_pool"));

    // One rep claims seven at once with a limit of three.
    let rep = &reps[0];
    let already = won[0].body["owner_id"] == rep.user.id.to_string();
    let results =
        futures_util::future::join_all(ids[1..].iter().map(|id| app.pool_claim(rep, *id))).await;
    let ok = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(ok + already as usize, 3, "{results:?}");
    assert!(results
        .iter()
        .filter(|r| r.status != 200)
        .all(|r| r.code() == "claim_limit_reached"));
}

fn short_rules() -> PoolRules {
    PoolRules {
        reclaim_days: ReclaimDays {
            a: Some(90),
            b: Some(60),
            c: Some(30),
            unrated: None,
        },
        warn_days: 3,
        ..PoolRules::default()
    }
}

async fn notifications(app: &TestApp, who: &SignedIn) -> Vec<serde_json::Value> {
    app.get(&who.token, "/api/v1/notifications?limit=200")
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn the_reclaim_job_warns_once_then_takes_back_what_nobody_followed_up() {
    let app = spawn_app().await;
    let pool = east_pool(&app, short_rules()).await;
    let rep = app.sign_in("rep_east1").await;
    let cold = customer(&app, &rep, "久未跟进的C类客户", Some(Level::C)).await;
    let key = customer(&app, &rep, "A类大客户", Some(Level::A)).await;
    let unrated = customer(&app, &rep, "未评级客户", None).await;
    let job = kaidan_api::jobs::pool_reclaim::PoolReclaim;

    // Day 28: three days to go for the C customer — its owner is warned, once.
    app.clock.advance(Duration::days(27) + Duration::hours(1));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("warned"), Some(&1));
    assert_eq!(run.counts.get("reclaimed"), None);
    app.clock.advance(Duration::hours(2));
    let run = app.run_job(&job).await.expect("due again");
    assert_eq!(run.counts.get("warned"), None, "warned once only");
    let notes = notifications(&app, &rep).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["kind"], "pool_warning");
    assert_eq!(notes[0]["record_id"], cold.to_string());
    assert_eq!(notes[0]["data"]["days_left"], 2);

    // Day 31: it goes back to the pool; its ex-owner hears of it; the A customer stays.
    app.clock.advance(Duration::days(3));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("reclaimed"), Some(&1));
    let pooled = app.pool_customers(&rep, pool.id).await;
    assert_eq!(pooled.len(), 1);
    assert_eq!(pooled[0].id, cold);
    assert_eq!(pooled[0].pool_reason.as_deref(), Some("reclaimed"));
    app.get(&rep.token, &format!("/api/v1/customers/{key}"))
        .await
        .expect(200);
    app.get(&rep.token, &format!("/api/v1/customers/{unrated}"))
        .await
        .expect(200);
    let notes = notifications(&app, &rep).await;
    assert_eq!(notes[0]["kind"], "pool_reclaimed");
    assert_eq!(notes[0]["data"]["name"], "久未跟进的C类客户");
    let actions = app.history_actions(&cold.to_string()).await;
    assert_eq!(actions.last().map(String::as_str), Some("customer.reclaim"));
    // The run is audited with what it did.
    let admin = app.sign_in("admin").await;
    let runs = app
        .get(&admin.token, "/api/v1/audit?action=job.run")
        .await
        .expect(200);
    assert_eq!(runs.body["items"][0]["after"]["counts"]["reclaimed"], 1);

    // The ex-owner's cool-down holds for the reclaimed customer too.
    let r = app.pool_claim(&rep, cold).await.expect(409);
    assert_eq!(r.code(), "claim_cooldown");
}

#[tokio::test]
async fn a_follow_up_or_a_transfer_restarts_the_clock() {
    let app = spawn_app().await;
    east_pool(&app, short_rules()).await;
    let rep = app.sign_in("rep_east1").await;
    let sup = app.sign_in("sup_east1").await;
    let handed = customer(&app, &rep, "转给同事的客户", Some(Level::C)).await;
    app.clock.advance(Duration::days(20));
    // Transferred on day 20: the new owner has thirty days from then.
    app.post(
        &sup.token,
        &format!("/api/v1/customers/{handed}/transfer"),
        json!({"owner_id": app.users["rep_east2"]}),
    )
    .await
    .expect(200);
    // Day 31 of the first owner's clock, day 11 of the new owner's: nothing is due.
    app.clock.advance(Duration::days(11));
    let run = app
        .run_job(&kaidan_api::jobs::pool_reclaim::PoolReclaim)
        .await
        .expect("due");
    assert_eq!(run.counts.get("reclaimed"), None);
    assert_eq!(run.counts.get("warned"), None);
    // Day 41 after the transfer (day 61 in all): overdue, but nobody was warned (the job did
    // not run in the warning days), so the owner is warned now and keeps it for the notice.
    app.clock.advance(Duration::days(30));
    let run = app
        .run_job(&kaidan_api::jobs::pool_reclaim::PoolReclaim)
        .await
        .expect("due");
    assert_eq!(run.counts.get("warned"), Some(&1));
    assert_eq!(run.counts.get("reclaimed"), None);
    app.clock.advance(Duration::days(2));
    let run = app
        .run_job(&kaidan_api::jobs::pool_reclaim::PoolReclaim)
        .await
        .expect("due");
    assert_eq!(
        run.counts.get("reclaimed"),
        None,
        "the notice has a day to run"
    );
    // The notice has run: it goes back.
    app.clock.advance(Duration::days(1));
    let run = app
        .run_job(&kaidan_api::jobs::pool_reclaim::PoolReclaim)
        .await
        .expect("due");
    assert_eq!(run.counts.get("reclaimed"), Some(&1));
}

#[tokio::test]
async fn two_instances_running_the_reclaim_job_take_each_customer_back_once() {
    let app = spawn_app().await;
    let pool = east_pool(&app, short_rules()).await;
    let reps = [
        app.sign_in("rep_east1").await,
        app.sign_in("rep_east3").await,
    ];
    for i in 0..12 {
        customer(&app, &reps[i % 2], &format!("批量客户{i}"), Some(Level::C)).await;
    }
    let other = app.another_instance().await;
    let job = kaidan_api::jobs::pool_reclaim::PoolReclaim;
    // Warned on day 28, due on day 31: both instances run then.
    for days in [28, 3] {
        app.clock.advance(Duration::days(days));
        other.clock.advance(Duration::days(days));
        if days == 28 {
            let run = app.run_job(&job).await.expect("due");
            assert_eq!(run.counts.get("warned"), Some(&12));
        }
    }
    let (a, b) = tokio::join!(app.run_job(&job), other.run_job(&job));
    let reclaimed: u64 = [a, b]
        .into_iter()
        .flatten()
        .map(|r| r.counts.get("reclaimed").copied().unwrap_or(0))
        .sum();
    assert_eq!(reclaimed, 12);
    let admin = app.sign_in("admin").await;
    assert_eq!(app.pool_customers(&admin, pool.id).await.len(), 12);
    for rep in &reps {
        let notes = notifications(&app, rep).await;
        assert_eq!(
            notes
                .iter()
                .filter(|n| n["kind"] == "pool_reclaimed")
                .count(),
            6,
            "one notification per customer"
        );
    }
}
