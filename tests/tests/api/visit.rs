//! Visits: plan, check in where and when the server says (flagged beyond the radius or with a
//! coarse fix), record, check out; the customer's location from a first check-in; the pool's
//! and the deal's clocks restarted; a deal moved from the visit; supervisors' team day.

use chrono::{DateTime, Duration, FixedOffset, SubsecRound, Utc};
use kaidan_shared::contact::ContactInput;
use kaidan_shared::customer::CustomerCreate;
use kaidan_shared::patch::Patch;
use kaidan_shared::visit::{CheckIn, CheckInFlag, VisitCreate, VisitStatus, VisitUpdate};
use kaidan_tests::{spawn_app, SignedIn, TestApp};
use serde_json::json;
use uuid::Uuid;

/// 杭州西湖区 (WGS-84).
const SHOP: (f64, f64) = (30.2741, 120.1551);

/// `metres` due north of the shop.
fn north(metres: f64) -> (f64, f64) {
    (SHOP.0 + 0.0045 * metres / 500.378, SHOP.1)
}

fn at(pos: (f64, f64), accuracy_m: f64) -> CheckIn {
    CheckIn {
        lat: pos.0,
        lng: pos.1,
        accuracy_m,
        set_customer_location: false,
        device_at: None,
    }
}

fn today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

/// A customer of `who`'s, at the shop or nowhere, with one contact.
async fn customer(app: &TestApp, who: &SignedIn, name: &str, located: bool) -> (Uuid, Uuid) {
    let input = CustomerCreate {
        name: name.into(),
        lat: located.then_some(SHOP.0),
        lng: located.then_some(SHOP.1),
        contacts: vec![ContactInput {
            name: "李强".into(),
            phones: vec!["13912345678".into()],
            ..Default::default()
        }],
        ..Default::default()
    };
    let c = app.customer_create(who, &input).await;
    (c.customer.id, c.contacts[0].id)
}

fn visit_for(customer_id: Uuid) -> VisitCreate {
    VisitCreate {
        customer_id,
        purpose: Some("演示新版方案".into()),
        ..Default::default()
    }
}

fn close(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    (a - b).num_seconds().abs() <= 5
}

#[tokio::test]
async fn a_rep_plans_checks_in_records_and_checks_out_on_the_servers_clock() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let (cust, contact) = customer(&app, &rep, "杭州西湖机械有限公司", true).await;
    // An hour away, on today's date in China whatever the time (in the last hour before
    // midnight there, an hour later is tomorrow's plan).
    let china = |t: chrono::DateTime<Utc>| {
        t.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive()
    };
    let now = Utc::now();
    let planned = if china(now + Duration::hours(1)) == china(now) {
        now + Duration::hours(1)
    } else {
        now - Duration::hours(1)
    };
    // Kept to the microsecond on every engine.
    let planned_kept = planned.trunc_subsecs(6);
    let v = app
        .visit_create(
            &rep,
            &VisitCreate {
                planned_at: Some(planned),
                ..visit_for(cust)
            },
        )
        .await;
    assert_eq!(v.status, VisitStatus::Planned);
    assert_eq!(v.owner_id, Some(rep.user.id));
    assert_eq!(v.customer_name.as_deref(), Some("杭州西湖机械有限公司"));
    assert_eq!(v.customer_lat, Some(SHOP.0));

    // The rep's day: today's plan, earliest first.
    let day = app.visit_list(&rep, &format!("day={}", today())).await;
    assert!(day.items.iter().any(|x| x.id == v.id));

    // A check-in body with a time of its own is refused: the server's clock is the record.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/visits/{}/check-in", v.id),
            json!({"lat": SHOP.0, "lng": SHOP.1, "accuracy_m": 10, "at": "2020-01-01T00:00:00Z"}),
        )
        .await
        .expect(400);
    assert_eq!(r.code(), "bad_request");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("unknown field `at`"),
        "{}",
        r.body
    );
    // Positions off the globe are a clear field error.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/visits/{}/check-in", v.id),
            json!({"lat": 91, "lng": 120, "accuracy_m": 10}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["lat"]);

    app.clock.advance(Duration::days(2));
    let v = app.visit_check_in(&rep, v.id, &at(north(20.0), 15.0)).await;
    assert_eq!(v.status, VisitStatus::CheckedIn);
    let ci = v.check_in.clone().unwrap();
    assert!(close(ci.at, app.clock.now()), "the server's (moved) clock");
    assert_eq!(ci.assessment.distance_m, Some(20));
    assert!(ci.assessment.flags.is_empty());
    assert_eq!(ci.radius_m, 500);
    assert_eq!(
        v.visit_at, planned_kept,
        "a planned visit stays at its planned time"
    );

    // Once is enough.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/visits/{}/check-in", v.id),
            serde_json::to_value(at(SHOP, 10.0)).unwrap(),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");

    // The record: contacts of this customer only, outcomes from the option list.
    let (other, other_contact) = customer(&app, &rep, "宁波港口物流有限公司", true).await;
    let _ = other;
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/visits/{}", v.id),
            &format!("\"{}\"", v.version),
            json!({"contact_ids": [other_contact], "outcome": "maybe"}),
        )
        .await
        .expect(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["contact_ids", "outcome"]);
    let next = today() + chrono::Days::new(7);
    let v = app
        .visit_update(
            &rep,
            &v,
            &VisitUpdate {
                contact_ids: Some(vec![contact, contact]),
                notes: Patch::Value("客户对新版方案有兴趣，需要报价".into()),
                outcome: Patch::Value("follow_up".into()),
                next_step: Patch::Value("下周送报价".into()),
                next_follow_up_on: Patch::Value(next),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(v.contact_ids, [contact], "each contact once");
    assert_eq!(v.outcome.as_deref(), Some("follow_up"));
    assert_eq!(v.next_follow_up_on, Some(next));

    app.clock.advance(Duration::minutes(45));
    let v = app.visit_check_out(&rep, v.id).await;
    assert_eq!(v.status, VisitStatus::Done);
    let secs = v.duration_s.unwrap();
    assert!((2_695..=2_710).contains(&secs), "{secs}");
    assert!(close(v.check_out_at.unwrap(), app.clock.now()));
    // A planned time cannot move once the visit happened.
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/visits/{}", v.id),
            &format!("\"{}\"", v.version),
            json!({"planned_at": "2026-12-01T02:00:00Z"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["planned_at"]);

    let history = app
        .get(
            &rep.token,
            &format!("/api/v1/visits/{}/history?limit=10", v.id),
        )
        .await
        .expect(200);
    let actions: Vec<&str> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "visit.check_out",
            "visit.update",
            "visit.check_in",
            "visit.create"
        ]
    );
}

#[tokio::test]
async fn a_far_or_coarse_check_in_is_flagged_against_the_radius_an_admin_sets() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let admin = app.sign_in("admin").await;
    let (cust, _) = customer(&app, &rep, "杭州远郊制造有限公司", true).await;

    let v = app.visit_create(&rep, &visit_for(cust)).await;
    let v = app
        .visit_check_in(&rep, v.id, &at(north(3_000.0), 30.0))
        .await;
    let ci = v.check_in.unwrap();
    assert_eq!(ci.assessment.flags, [CheckInFlag::TooFar]);
    assert_eq!(ci.assessment.distance_m, Some(3_000));
    assert!(
        close(v.visit_at, ci.at),
        "a visit logged on the spot sits at its check-in"
    );

    let v2 = app.visit_create(&rep, &visit_for(cust)).await;
    let v2 = app
        .visit_check_in(&rep, v2.id, &at(north(30.0), 2_000.0))
        .await;
    assert_eq!(
        v2.check_in.unwrap().assessment.flags,
        [CheckInFlag::Imprecise]
    );

    // Supervisors find the flagged ones.
    let sup = app.sign_in("sup_east1").await;
    let flagged = app
        .visit_list(&sup, &format!("flagged=true&owner_id={}", rep.user.id))
        .await;
    let ids: Vec<Uuid> = flagged.items.iter().map(|x| x.id).collect();
    assert!(ids.contains(&v.id) && ids.contains(&v2.id));

    // The radius is the admins' setting, checked.
    let s = app
        .get(&rep.token, "/api/v1/visit-settings")
        .await
        .expect(200);
    assert_eq!(s.body["radius_m"], 500);
    let etag = s.etag();
    app.request(
        reqwest::Method::PUT,
        "/api/v1/visit-settings",
        Some(&rep.token),
        Some(&json!({"radius_m": 5000})),
        &[("if-match", &etag)],
    )
    .await
    .expect(403);
    let r = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/visit-settings",
            Some(&admin.token),
            Some(&json!({"radius_m": 10, "tile_url": "javascript:alert(1)"})),
            &[("if-match", &etag)],
        )
        .await
        .expect(422);
    let mut fields = r.error_fields();
    fields.sort();
    assert_eq!(fields, ["radius_m", "tile_url"]);
    app.request(
        reqwest::Method::PUT,
        "/api/v1/visit-settings",
        Some(&admin.token),
        Some(&json!({"radius_m": 5000, "tile_url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png"})),
        &[("if-match", &etag)],
    )
    .await
    .expect(200);
    let v3 = app.visit_create(&rep, &visit_for(cust)).await;
    let v3 = app
        .visit_check_in(&rep, v3.id, &at(north(3_000.0), 30.0))
        .await;
    let ci = v3.check_in.unwrap();
    assert!(ci.assessment.flags.is_empty(), "{:?}", ci.assessment.flags);
    assert_eq!(ci.radius_m, 5_000);
    // The earlier check-in keeps the radius it was judged against.
    assert_eq!(
        app.visit_get(&rep, v.id).await.check_in.unwrap().radius_m,
        500
    );
}

#[tokio::test]
async fn a_customer_without_a_location_takes_it_from_a_check_in_by_someone_who_may_edit_it() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let sup = app.sign_in("sup_east1").await;
    let other = app.sign_in("rep_east2").await;
    let (cust, _) = customer(&app, &rep, "湖州新开门店", false).await;

    // A colleague sent by the supervisor may visit, but may not place rep_east1's customer.
    let planned = app
        .visit_create(
            &sup,
            &VisitCreate {
                owner_id: Some(other.user.id),
                ..visit_for(cust)
            },
        )
        .await;
    assert_eq!(planned.owner_id, Some(other.user.id));
    let r = app
        .post(
            &other.token,
            &format!("/api/v1/visits/{}/check-in", planned.id),
            serde_json::to_value(CheckIn {
                set_customer_location: true,
                ..at(SHOP, 10.0)
            })
            .unwrap(),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "field_forbidden");
    let (c, _) = app.customer_get(&rep, cust).await;
    assert_eq!(c.customer.lat, None);
    assert_eq!(
        app.visit_get(&other, planned.id).await.status,
        VisitStatus::Planned
    );

    // A fix as coarse as a cell tower's never becomes the customer's location: the check-in
    // counts, flagged, and the customer stays unplaced.
    let v = app.visit_create(&rep, &visit_for(cust)).await;
    let v = app
        .visit_check_in(
            &rep,
            v.id,
            &CheckIn {
                set_customer_location: true,
                ..at(SHOP, 800.0)
            },
        )
        .await;
    assert_eq!(v.status, VisitStatus::CheckedIn);
    assert!(v
        .check_in
        .unwrap()
        .assessment
        .flags
        .contains(&CheckInFlag::Imprecise));
    let (c, _) = app.customer_get(&rep, cust).await;
    assert_eq!(c.customer.lat, None);

    // The owner's own check-in places it, flagged as having had nothing to compare with.
    let v = app.visit_create(&rep, &visit_for(cust)).await;
    let v = app
        .visit_check_in(
            &rep,
            v.id,
            &CheckIn {
                set_customer_location: true,
                ..at(SHOP, 10.0)
            },
        )
        .await;
    assert_eq!(
        v.check_in.unwrap().assessment.flags,
        [CheckInFlag::NoCustomerLocation]
    );
    let (c, _) = app.customer_get(&rep, cust).await;
    assert_eq!(
        (c.customer.lat, c.customer.lng),
        (Some(SHOP.0), Some(SHOP.1))
    );
    assert!(app
        .history_actions(&cust.to_string())
        .await
        .contains(&"customer.locate".to_owned()));

    // The next check-in is judged against it; a second "set" never moves it.
    let v = app.visit_create(&rep, &visit_for(cust)).await;
    let v = app
        .visit_check_in(
            &rep,
            v.id,
            &CheckIn {
                set_customer_location: true,
                ..at(north(100.0), 10.0)
            },
        )
        .await;
    assert!(v.check_in.unwrap().assessment.flags.is_empty());
    let (c, _) = app.customer_get(&rep, cust).await;
    assert_eq!(c.customer.lat, Some(SHOP.0));
}

#[tokio::test]
async fn a_check_in_restarts_the_pool_clock_and_the_deals_stale_clock() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let (cust, _) = customer(&app, &rep, "绍兴纺织有限公司", true).await;
    let deal = app
        .post(
            &rep.token,
            "/api/v1/opportunities",
            json!({"customer_id": cust, "name": "织机升级", "amount": 8_000_000}),
        )
        .await
        .expect(201)
        .body;
    let deal_id = deal["id"].as_str().unwrap().to_owned();
    let v = app
        .visit_create(
            &rep,
            &VisitCreate {
                opportunity_id: Some(deal_id.parse().unwrap()),
                ..visit_for(cust)
            },
        )
        .await;

    app.clock.advance(Duration::days(20));
    let v = app.visit_check_in(&rep, v.id, &at(SHOP, 10.0)).await;
    let checked_in = v.check_in.unwrap().at;
    let (c, _) = app.customer_get(&rep, cust).await;
    assert_eq!(c.customer.followed_up_at, Some(checked_in));
    let d = app
        .get(&rep.token, &format!("/api/v1/opportunities/{deal_id}"))
        .await
        .expect(200)
        .body;
    let activity: DateTime<Utc> = d["last_activity_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(activity, checked_in);

    // A visit to another rep's deal, or to another customer's, is refused.
    let (other_cust, _) = customer(&app, &rep, "嘉兴电子有限公司", true).await;
    let r = app
        .post(
            &rep.token,
            "/api/v1/visits",
            json!({"customer_id": other_cust, "opportunity_id": deal_id}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["opportunity_id"]);
}

#[tokio::test]
async fn a_visit_moves_its_deal_by_the_pipelines_rules() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let (cust, _) = customer(&app, &rep, "温州阀门有限公司", true).await;
    let deal = app
        .post(
            &rep.token,
            "/api/v1/opportunities",
            json!({"customer_id": cust, "name": "阀门替换", "amount": 1_200_000}),
        )
        .await
        .expect(201)
        .body;
    let deal_id: Uuid = deal["id"].as_str().unwrap().parse().unwrap();
    let v = app.visit_create(&rep, &visit_for(cust)).await;
    let v = app.visit_check_in(&rep, v.id, &at(SHOP, 10.0)).await;

    // Without a deal there is nothing to move.
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/visits/{}", v.id),
            &format!("\"{}\"", v.version),
            json!({"opportunity_stage": "proposal"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["opportunity_stage"]);
    // A lost deal needs its reason, given on the deal: nothing moves, the visit is unchanged.
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/visits/{}", v.id),
            &format!("\"{}\"", v.version),
            json!({"opportunity_id": deal_id, "opportunity_stage": "lost", "notes": "丢了"}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["lost_reason"]);
    assert_eq!(app.visit_get(&rep, v.id).await.version, v.version);

    let v = app
        .visit_update(
            &rep,
            &v,
            &VisitUpdate {
                opportunity_id: Patch::Value(deal_id),
                opportunity_stage: Some("proposal".into()),
                outcome: Patch::Value("interested".into()),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(v.opportunity_id, Some(deal_id));
    let d = app
        .get(&rep.token, &format!("/api/v1/opportunities/{deal_id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(d["stage"], "proposal");
    assert_eq!(d["stage_history"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn supervisors_plan_for_their_reps_and_see_their_teams_day_wherever_people_move() {
    let app = spawn_app().await;
    let admin = app.sign_in("admin").await;
    let rep1 = app.sign_in("rep_east1").await;
    let rep2 = app.sign_in("rep_east2").await;
    let rep3 = app.sign_in("rep_east3").await;
    let sup1 = app.sign_in("sup_east1").await;
    let sup2 = app.sign_in("sup_east2").await;
    let cs = app.sign_in("cs1").await;
    let (c1, _) = customer(&app, &rep1, "团队客户一", true).await;
    let (c2, _) = customer(&app, &rep2, "团队客户二", true).await;
    let (c3, _) = customer(&app, &rep3, "团队客户三", true).await;

    // Reps plan for themselves only; customer service makes no visits.
    let r = app
        .post(
            &rep1.token,
            "/api/v1/visits",
            json!({"customer_id": c1, "owner_id": rep2.user.id}),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "field_forbidden");
    app.post(&cs.token, "/api/v1/visits", json!({"customer_id": c1}))
        .await
        .expect(403);
    // Nor at a customer outside their reach.
    let r = app
        .post(&rep1.token, "/api/v1/visits", json!({"customer_id": c2}))
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["customer_id"]);

    let v1 = app.visit_create(&rep1, &visit_for(c1)).await;
    let v2 = app
        .visit_create(
            &sup1,
            &VisitCreate {
                owner_id: Some(rep2.user.id),
                ..visit_for(c2)
            },
        )
        .await;
    let v3 = app.visit_create(&rep3, &visit_for(c3)).await;
    // A supervisor cannot send someone of another team.
    let r = app
        .post(
            &sup1.token,
            "/api/v1/visits",
            json!({"customer_id": c2, "owner_id": rep3.user.id}),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["owner_id"]);

    let day = |who: &SignedIn| {
        let who = who.token.clone();
        let app = &app;
        async move {
            let r = app
                .get(&who, &format!("/api/v1/visits?day={}&limit=200", today()))
                .await
                .expect(200);
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_str().unwrap().parse::<Uuid>().unwrap())
                .collect::<Vec<_>>()
        }
    };
    let seen = day(&sup1).await;
    assert!(seen.contains(&v1.id) && seen.contains(&v2.id) && !seen.contains(&v3.id));
    let seen = day(&sup2).await;
    assert!(!seen.contains(&v1.id) && !seen.contains(&v2.id) && seen.contains(&v3.id));
    let seen = day(&rep1).await;
    assert!(seen.contains(&v1.id) && !seen.contains(&v2.id));
    // The rep of another region's view of one of these is a 404.
    let south = app.sign_in("rep_south1").await;
    app.get(&south.token, &format!("/api/v1/visits/{}", v1.id))
        .await
        .expect(404);

    // rep_east2 moves to 华东二组: the team days follow at once.
    let u = app
        .get(&admin.token, &format!("/api/v1/users/{}", rep2.user.id))
        .await
        .expect(200);
    app.patch(
        &admin.token,
        &format!("/api/v1/users/{}", rep2.user.id),
        &u.etag(),
        json!({"team_id": app.team_id("华东二组").await}),
    )
    .await
    .expect(200);
    let seen = day(&sup1).await;
    assert!(seen.contains(&v1.id) && !seen.contains(&v2.id));
    let seen = day(&sup2).await;
    assert!(seen.contains(&v2.id) && seen.contains(&v3.id));
}

#[tokio::test]
async fn a_check_in_sent_twice_or_late_from_the_queue_counts_once_on_the_servers_clock() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let (cust, _) = customer(&app, &rep, "丽水山区农资站", true).await;
    let v = app.visit_create(&rep, &visit_for(cust)).await;
    let phone_time = Utc::now() - Duration::hours(3);
    let body = serde_json::to_value(CheckIn {
        device_at: Some(phone_time),
        ..at(north(40.0), 25.0)
    })
    .unwrap();
    let path = format!("/api/v1/visits/{}/check-in", v.id);
    let first = app
        .post_keyed(&rep.token, &path, &body, "ci-7f3a")
        .await
        .expect(200);
    let again = app
        .post_keyed(&rep.token, &path, &body, "ci-7f3a")
        .await
        .expect(200);
    assert_eq!(
        first.body, again.body,
        "the retry answers the first response"
    );
    let v = app.visit_get(&rep, v.id).await;
    let ci = v.check_in.unwrap();
    assert_eq!(ci.device_at, Some(phone_time.trunc_subsecs(6)));
    assert!(
        close(ci.at, Utc::now()),
        "the record is the server's receipt time"
    );
    let history = app
        .get(&rep.token, &format!("/api/v1/visits/{}/history", v.id))
        .await
        .expect(200);
    let check_ins = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "visit.check_in")
        .count();
    assert_eq!(check_ins, 1);

    // Cancel is for planned visits; archive hides a visit from lists.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/visits/{}/cancel", v.id),
            json!({}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
    let p = app.visit_create(&rep, &visit_for(cust)).await;
    let p = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/visits/{}/cancel", p.id),
            Some(&rep.token),
            None,
            &[],
        )
        .await
        .expect(200);
    assert_eq!(p.body["status"], "cancelled");
    app.delete(
        &rep.token,
        &format!("/api/v1/visits/{}", v.id),
        &format!("\"{}\"", v.version),
    )
    .await
    .expect(200);
    let mine = app.visit_list(&rep, &format!("customer_id={cust}")).await;
    assert!(mine.items.iter().all(|x| x.id != v.id));
}

#[tokio::test]
async fn a_supervisor_counts_the_teams_visits_per_rep_per_day() {
    let app = spawn_app().await;
    let rep1 = app.sign_in("rep_east1").await;
    let rep3 = app.sign_in("rep_east3").await;
    let sup1 = app.sign_in("sup_east1").await;
    let (c1, _) = customer(&app, &rep1, "统计客户一", true).await;
    let (c3, _) = customer(&app, &rep3, "统计客户三", true).await;
    // rep_east1: two done today (one flagged), one still planned; rep_east3 (another team): one.
    for (pos, out) in [(SHOP, true), (north(3_000.0), true), (SHOP, false)] {
        let v = app.visit_create(&rep1, &visit_for(c1)).await;
        if out {
            app.visit_check_in(&rep1, v.id, &at(pos, 10.0)).await;
            app.visit_check_out(&rep1, v.id).await;
        }
    }
    app.visit_create(&rep3, &visit_for(c3)).await;
    let from = today() - chrono::Days::new(1);
    let r = app
        .get(
            &sup1.token,
            &format!("/api/v1/visit-stats?from={from}&days=3"),
        )
        .await
        .expect(200);
    let rows = r.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "only the supervisor's team: {}", r.body);
    let row = &rows[0];
    assert_eq!(row["owner_id"], rep1.user.id.to_string());
    assert_eq!(
        row["owner_name"].as_str().map(|s| !s.is_empty()),
        Some(true)
    );
    assert_eq!(row["done_per_day"], json!([0, 2, 0]));
    assert_eq!(
        (row["done"].clone(), row["planned"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(row["flagged"], 1);
    // A team outside the supervisor's scope shows nothing; too long a range is refused.
    let other = app.team_id("华东二组").await;
    let r = app
        .get(
            &sup1.token,
            &format!("/api/v1/visit-stats?from={from}&team_id={other}"),
        )
        .await
        .expect(200);
    assert_eq!(r.body["rows"], json!([]));
    let r = app
        .get(
            &sup1.token,
            &format!("/api/v1/visit-stats?from={from}&days=32"),
        )
        .await
        .expect(422);
    assert_eq!(r.error_fields(), ["days"]);
}

#[tokio::test]
async fn a_check_in_at_a_customer_transferred_away_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let (cust, _) = customer(&app, &rep, "嘉兴纺织有限公司", true).await;
    let planned = app.visit_create(&rep, &visit_for(cust)).await;
    // Meanwhile the supervisor gives the customer to a teammate.
    let sup = app.sign_in("sup_east1").await;
    let (c, _) = app.customer_get(&sup, cust).await;
    assert_eq!(c.customer.owner_id, Some(rep.user.id));
    app.post(
        &sup.token,
        &format!("/api/v1/customers/{cust}/transfer"),
        json!({"owner_id": app.user("rep_east2"), "reason": "区域调整"}),
    )
    .await
    .expect(200);
    let clock_before = app.customer_get(&sup, cust).await.0.customer.followed_up_at;
    app.clock.advance(Duration::minutes(5));
    // The rep's queued check-in arrives: refused with its own code, nothing written.
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/visits/{}/check-in", planned.id),
            serde_json::to_value(at(SHOP, 10.0)).unwrap(),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "customer_moved");
    let v = app.visit_get(&rep, planned.id).await;
    assert_eq!(v.status, VisitStatus::Planned);
    assert_eq!(v.version, planned.version);
    let (c, _) = app.customer_get(&sup, cust).await;
    assert_eq!(
        c.customer.followed_up_at, clock_before,
        "the clock did not move"
    );
    // Released to the pool: the same.
    let rep2 = app.sign_in("rep_east2").await;
    let again = app.visit_create(&rep2, &visit_for(cust)).await;
    app.pool_release(&rep2, cust, "客户暂无需求").await;
    let r = app
        .post(
            &rep2.token,
            &format!("/api/v1/visits/{}/check-in", again.id),
            serde_json::to_value(at(SHOP, 10.0)).unwrap(),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "customer_moved");
}

/// The offline queue names a visit before the server has seen it: a phone-made UUIDv7 is taken
/// once; sent again (the first answer was lost) it makes no second visit, for anyone; an id that
/// is no recent v7 is refused.
#[tokio::test]
async fn a_visit_logged_offline_keeps_the_phones_id_and_is_made_once() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let (cust, _) = customer(&app, &rep, "离线拜访客户", true).await;
    let id = Uuid::now_v7();
    let body = VisitCreate {
        id: Some(id),
        ..visit_for(cust)
    };
    let v = app.visit_create(&rep, &body).await;
    assert_eq!(v.id, id);
    // Sent again after the key's answer is forgotten (or with another key): refused, not doubled.
    let r = app
        .post(
            &rep.token,
            "/api/v1/visits",
            serde_json::to_value(&body).unwrap(),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
    let other = app.sign_in("rep_east2").await;
    let (theirs, _) = customer(&app, &other, "另一家客户", true).await;
    let r = app
        .post(
            &other.token,
            "/api/v1/visits",
            serde_json::to_value(VisitCreate {
                id: Some(id),
                ..visit_for(theirs)
            })
            .unwrap(),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
    let day = app.visit_list(&rep, &format!("customer_id={cust}")).await;
    assert_eq!(day.items.len(), 1);

    let old = uuid::Builder::from_unix_timestamp_millis(
        (Utc::now() - Duration::days(40)).timestamp_millis() as u64,
        &[9; 10],
    )
    .into_uuid();
    for bad in [old, Uuid::new_v4()] {
        let r = app
            .post(
                &rep.token,
                "/api/v1/visits",
                serde_json::to_value(VisitCreate {
                    id: Some(bad),
                    ..visit_for(cust)
                })
                .unwrap(),
            )
            .await
            .expect(422);
        assert_eq!(r.body["errors"][0]["field"], "id", "{bad}");
    }
}

/// A visit logged without a network is sent later: its check-in and check-out carry the phone's
/// times, so the duration is the visit's (40 minutes), not the wait for a network; the record
/// times stay the server's.
#[tokio::test]
async fn an_offline_check_out_counts_the_visits_time_not_the_wait_for_a_network() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let (cust, _) = customer(&app, &rep, "地下车间客户", true).await;
    let v = app.visit_create(&rep, &visit_for(cust)).await;
    let now = Utc::now();
    let mut body = at(SHOP, 10.0);
    // A phone time from weeks ago would claim a visit nobody saw: refused.
    body.device_at = Some(now - Duration::days(40));
    let r = app
        .post(
            &rep.token,
            &format!("/api/v1/visits/{}/check-in", v.id),
            serde_json::to_value(body).unwrap(),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "device_at");
    body.device_at = Some(now - Duration::minutes(50));
    app.post(
        &rep.token,
        &format!("/api/v1/visits/{}/check-in", v.id),
        serde_json::to_value(body).unwrap(),
    )
    .await
    .expect(200);
    let path = format!("/api/v1/visits/{}/check-out", v.id);
    let r = app
        .post(
            &rep.token,
            &path,
            json!({"device_at": now.to_rfc3339(), "at": "x"}),
        )
        .await
        .expect(400);
    assert_eq!(r.code(), "bad_request");
    let done = app
        .post(
            &rep.token,
            &path,
            json!({"device_at": (now - Duration::minutes(10)).to_rfc3339()}),
        )
        .await
        .expect(200);
    let d = done.body["duration_s"].as_i64().unwrap();
    assert!((40 * 60 - 5..=40 * 60 + 5).contains(&d), "{d}");
    let out: DateTime<Utc> = done.body["check_out_at"].as_str().unwrap().parse().unwrap();
    assert!(close(out, Utc::now()), "the record is the server's time");
}
