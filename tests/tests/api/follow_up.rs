//! Follow-up tasks: made, done (a follow-up of the customer), put off, cancelled, reopened; made
//! by a visit's next follow-up date; reminded before and after the due time and in the morning
//! digest, once each, by the leased jobs.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use kaidan_api::jobs::daily_digest::DailyDigest;
use kaidan_api::jobs::follow_up_remind::FollowUpRemind;
use kaidan_api::jobs::Job;
use kaidan_shared::customer::CustomerCreate;
use kaidan_shared::follow_up::{FollowUpCreate, FollowUpStatus};
use kaidan_shared::patch::Patch;
use kaidan_shared::visit::{Visit, VisitCreate, VisitUpdate};
use kaidan_tests::{spawn_app, SignedIn, TestApp};
use serde_json::json;
use uuid::Uuid;

async fn customer(app: &TestApp, who: &SignedIn, name: &str) -> Uuid {
    app.customer_create(
        who,
        &CustomerCreate {
            name: name.into(),
            ..Default::default()
        },
    )
    .await
    .customer
    .id
}

fn task(customer_id: Uuid, due_at: DateTime<Utc>) -> FollowUpCreate {
    FollowUpCreate {
        customer_id,
        kind: "call".into(),
        title: "确认报价细节".into(),
        due_at,
        ..Default::default()
    }
}

fn shanghai() -> DailyDigest {
    DailyDigest {
        tz: chrono_tz::Asia::Shanghai,
        at: NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
    }
}

#[tokio::test]
async fn a_rep_makes_does_and_reopens_a_task_and_done_counts_as_a_follow_up() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let cust = customer(&app, &rep, "宁波港机有限公司").await;
    let due = app.clock.now() + Duration::days(2);
    let t = app.follow_up_create(&rep, &task(cust, due)).await;
    assert_eq!(t.status, FollowUpStatus::Open);
    assert_eq!(t.owner_id, Some(rep.user.id));
    assert_eq!(t.customer_name.as_deref(), Some("宁波港机有限公司"));
    assert!(!t.overdue);

    // The type is an option of `followup_type`; the title is required; the customer is one the
    // caller reaches.
    let other = app.sign_in("rep_east2").await;
    let theirs = customer(&app, &other, "别人的客户").await;
    for (body, field) in [
        (
            json!({"customer_id": cust, "kind": "fax", "title": "x", "due_at": due}),
            "kind",
        ),
        (
            json!({"customer_id": cust, "kind": "call", "title": "  ", "due_at": due}),
            "title",
        ),
        (
            json!({"customer_id": theirs, "kind": "call", "title": "x", "due_at": due}),
            "customer_id",
        ),
    ] {
        let r = app
            .post(&rep.token, "/api/v1/follow-ups", body)
            .await
            .expect(422);
        assert_eq!(r.body["errors"][0]["field"], field);
    }

    // The owner and their supervisor see it; a teammate does not.
    assert_eq!(app.follow_up_list(&rep, "status=open").await.items.len(), 1);
    let sup = app.sign_in("sup_east1").await;
    assert_eq!(app.follow_up_list(&sup, "").await.items.len(), 1);
    assert!(app.follow_up_list(&other, "").await.items.is_empty());
    app.get(&other.token, &format!("/api/v1/follow-ups/{}", t.id))
        .await
        .expect(404);

    // Two days on it is overdue, on the rep's list and the supervisor's overdue list.
    app.clock.advance(Duration::days(3));
    let mine = app.follow_up_list(&rep, "overdue=true").await;
    assert_eq!(mine.items.len(), 1);
    assert!(mine.items[0].overdue);
    assert_eq!(
        app.follow_up_list(&sup, "overdue=true").await.items.len(),
        1
    );

    // Done: the result kept, the customer followed up at the server's time.
    let r = app
        .follow_up_act(
            &rep,
            t.id,
            "done",
            Some(json!({"result": "客户确认下周签约"})),
        )
        .await
        .expect(200);
    assert_eq!(r.body["status"], "done");
    assert_eq!(r.body["overdue"], false);
    let (c, _) = app.customer_get(&rep, cust).await;
    let followed = c.customer.followed_up_at.expect("followed up");
    assert!((followed - app.clock.now()).num_seconds().abs() < 5);

    // A closed task is not edited, done or put off again; it can be reopened.
    let done = app.follow_up_get(&rep, t.id).await;
    let r = app
        .patch(
            &rep.token,
            &format!("/api/v1/follow-ups/{}", t.id),
            &format!("\"{}\"", done.version),
            json!({"title": "改"}),
        )
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
    app.follow_up_act(&rep, t.id, "done", Some(json!({})))
        .await
        .expect(409);
    let r = app
        .follow_up_act(&rep, t.id, "reopen", None)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "open");
    assert!(r.body["result"].is_null());
    let r = app
        .follow_up_act(&rep, t.id, "cancel", None)
        .await
        .expect(200);
    assert_eq!(r.body["status"], "cancelled");

    let h = app
        .get(&rep.token, &format!("/api/v1/follow-ups/{}/history", t.id))
        .await
        .expect(200);
    let actions: Vec<&str> = h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "follow_up.cancel",
            "follow_up.reopen",
            "follow_up.done",
            "follow_up.create"
        ]
    );
}

#[tokio::test]
async fn reminders_come_before_and_after_the_due_time_once_each_and_a_snooze_starts_them_again() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let cust = customer(&app, &rep, "温州电器有限公司").await;
    let t = app
        .follow_up_create(&rep, &task(cust, app.clock.now() + Duration::hours(2)))
        .await;
    let closed = app
        .follow_up_create(&rep, &task(cust, app.clock.now() + Duration::hours(2)))
        .await;
    app.follow_up_act(&rep, closed.id, "done", Some(json!({})))
        .await
        .expect(200);
    let job = FollowUpRemind;

    // Nothing yet two hours ahead.
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("due_soon"), None);
    // 20 minutes before: due soon, once.
    app.clock.advance(Duration::minutes(100));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(
        run.counts.get("due_soon"),
        Some(&1),
        "the done task is quiet"
    );
    app.clock.advance(Duration::minutes(5));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("due_soon"), None, "told once");
    // Past due: overdue, once.
    app.clock.advance(Duration::minutes(20));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("overdue"), Some(&1));
    app.clock.advance(Duration::minutes(5));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("overdue"), None, "told once");
    let kinds = app.notification_kinds(&rep).await;
    assert_eq!(kinds, ["follow_up_overdue", "follow_up_due"]);
    let r = app
        .get(&rep.token, "/api/v1/notifications?limit=1")
        .await
        .expect(200);
    assert_eq!(r.body["items"][0]["record_id"], t.id.to_string());
    assert_eq!(r.body["items"][0]["data"]["customer"], "温州电器有限公司");

    // Put off by a day: both reminders again, at the new time.
    let until = app.clock.now() + Duration::days(1);
    let r = app
        .follow_up_act(&rep, t.id, "snooze", Some(json!({"until": until})))
        .await
        .expect(200);
    assert_eq!(r.body["snooze_count"], 1);
    assert_eq!(r.body["overdue"], false);
    // A snooze into the past is refused.
    let past = app.clock.now() - Duration::hours(1);
    let r = app
        .follow_up_act(&rep, t.id, "snooze", Some(json!({"until": past})))
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "until");
    app.clock.advance(Duration::minutes(2));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(run.counts.get("looked_at"), Some(&0), "nothing due");
    app.clock.advance(Duration::days(1));
    let run = app.run_job(&job).await.expect("due");
    assert_eq!(
        (run.counts.get("due_soon"), run.counts.get("overdue")),
        (None, Some(&1)),
        "a run after the due time sends only the overdue notice"
    );
    assert_eq!(app.notification_kinds(&rep).await.len(), 3);
}

#[tokio::test]
async fn a_visits_next_follow_up_date_makes_moves_and_cancels_its_task() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let cust = customer(&app, &rep, "绍兴印染有限公司").await;
    let v = visit_now(&app, &rep, cust).await;
    let day = (app.clock.now() + Duration::days(3)).date_naive();
    let v = app
        .visit_update(
            &rep,
            &v,
            &VisitUpdate {
                next_step: Patch::Value("带样品再访".into()),
                next_follow_up_on: Patch::Value(day),
                ..Default::default()
            },
        )
        .await;
    let tasks = app
        .follow_up_list(&rep, &format!("customer_id={cust}"))
        .await
        .items;
    assert_eq!(tasks.len(), 1);
    let t = &tasks[0];
    assert_eq!(t.visit_id, Some(v.id));
    assert_eq!(t.kind, "visit");
    assert_eq!(t.title, "带样品再访");
    // 09:00 in the company's time (UTC+8) that day.
    assert_eq!(
        t.due_at,
        day.and_hms_opt(1, 0, 0).unwrap().and_utc(),
        "09:00 Beijing time"
    );

    // A new date moves the open task; no date cancels it.
    let later = day + Duration::days(2);
    let v = app
        .visit_update(
            &rep,
            &v,
            &VisitUpdate {
                next_follow_up_on: Patch::Value(later),
                ..Default::default()
            },
        )
        .await;
    let t = app.follow_up_get(&rep, t.id).await;
    assert_eq!(t.due_at, later.and_hms_opt(1, 0, 0).unwrap().and_utc());
    assert_eq!(t.status, FollowUpStatus::Open);
    app.visit_update(
        &rep,
        &v,
        &VisitUpdate {
            next_follow_up_on: Patch::Null,
            ..Default::default()
        },
    )
    .await;
    let t = app.follow_up_get(&rep, t.id).await;
    assert_eq!(t.status, FollowUpStatus::Cancelled);
    assert_eq!(
        app.follow_up_list(&rep, &format!("customer_id={cust}"))
            .await
            .items
            .len(),
        1,
        "moved, never duplicated"
    );
}

#[tokio::test]
async fn the_morning_digest_tells_each_rep_their_day_once() {
    let app = spawn_app().await;
    let digest = shanghai();
    // Make the run happen at today's (or the next) 08:30 Shanghai, ten minutes after.
    let slot = digest.next_run(app.clock.now());
    app.clock
        .advance(slot - app.clock.now() - Duration::minutes(60));
    let rep = app.sign_in("rep_east1").await;
    let quiet = app.sign_in("rep_east2").await;
    let cust = customer(&app, &rep, "台州汽配有限公司").await;
    // One overdue by 08:30, one due later today, one tomorrow; a visit planned today.
    let now = app.clock.now();
    app.follow_up_create(&rep, &task(cust, now + Duration::hours(3)))
        .await;
    app.follow_up_create(
        &rep,
        &task(cust, now + Duration::days(1) + Duration::hours(3)),
    )
    .await;
    let overdue_task = app
        .follow_up_create(&rep, &task(cust, now + Duration::minutes(10)))
        .await;
    app.visit_create(
        &rep,
        &VisitCreate {
            customer_id: cust,
            planned_at: Some(now + Duration::hours(4)),
            ..Default::default()
        },
    )
    .await;

    // Before 08:30 the job is not due (it was run once to place it on the calendar).
    app.clock.advance(Duration::minutes(70));
    let run = app.run_job(&digest).await.expect("first run is due");
    assert_eq!(run.counts.get("sent"), Some(&1), "{:?}", run.counts);
    let r = app
        .get(&rep.token, "/api/v1/notifications?limit=5")
        .await
        .expect(200);
    let n = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "daily_digest")
        .expect("a digest")
        .clone();
    assert_eq!(n["data"]["overdue"], 1, "{n}");
    assert_eq!(n["data"]["due_today"], 1, "{n}");
    assert_eq!(n["data"]["visits_today"], 1, "{n}");
    assert!(overdue_task.due_at < app.clock.now());
    assert!(!app
        .notification_kinds(&quiet)
        .await
        .contains(&"daily_digest".to_owned()));

    // Once a day: the next run is tomorrow's 08:30.
    app.clock.advance(Duration::hours(2));
    assert!(app.run_job(&digest).await.is_none(), "not due again today");
    app.clock.advance(Duration::hours(22));
    let run = app.run_job(&digest).await.expect("tomorrow");
    assert_eq!(run.counts.get("sent"), Some(&1));

    // A server down all of one morning sends no stale digest that evening.
    app.clock.advance(Duration::days(1) + Duration::hours(13));
    let run = app.run_job(&digest).await.expect("due");
    assert_eq!(run.counts.get("skipped_late"), Some(&1));
}

#[tokio::test]
async fn an_edit_after_a_reminder_does_not_bring_it_back() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let cust = customer(&app, &rep, "丽水竹木有限公司").await;
    let t = app
        .follow_up_create(&rep, &task(cust, app.clock.now() + Duration::minutes(20)))
        .await;
    // The job warns; then the rep edits the title (from the version they read before).
    let run = app.run_job(&FollowUpRemind).await.expect("due");
    assert_eq!(run.counts.get("due_soon"), Some(&1));
    app.patch(
        &rep.token,
        &format!("/api/v1/follow-ups/{}", t.id),
        &format!("\"{}\"", t.version),
        json!({"title": "确认报价和交期"}),
    )
    .await
    .expect(200);
    app.clock.advance(Duration::minutes(3));
    let run = app.run_job(&FollowUpRemind).await.expect("due");
    assert_eq!(run.counts.get("due_soon"), None, "warned once");
    app.clock.advance(Duration::minutes(30));
    let run = app.run_job(&FollowUpRemind).await.expect("due");
    assert_eq!(run.counts.get("overdue"), Some(&1));
}

#[tokio::test]
async fn tasks_go_only_to_people_who_reach_the_customer_and_count_only_while_they_do() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let sup = app.sign_in("sup_east1").await;
    let cust = customer(&app, &rep, "衢州化工有限公司").await;
    let due = app.clock.now() + Duration::days(1);
    // A teammate cannot be given a task for rep_east1's customer: they cannot see it.
    let r = app
        .post(
            &sup.token,
            "/api/v1/follow-ups",
            json!({"customer_id": cust, "kind": "call", "title": "x", "due_at": due,
                   "owner_id": app.user("rep_east2")}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["field"], "owner_id");
    // The owner may be given one.
    let t: kaidan_shared::follow_up::FollowUp = serde_json::from_value(
        app.post(
            &sup.token,
            "/api/v1/follow-ups",
            json!({"customer_id": cust, "kind": "call", "title": "回电", "due_at": due,
                   "owner_id": rep.user.id}),
        )
        .await
        .expect(201)
        .body,
    )
    .unwrap();
    assert_eq!(t.owner_id, Some(rep.user.id));
    // Transferred away, the customer's clock is the new owner's: an old task done does not
    // move it.
    app.post(
        &sup.token,
        &format!("/api/v1/customers/{cust}/transfer"),
        json!({"owner_id": app.user("rep_east2")}),
    )
    .await
    .expect(200);
    let before = app.customer_get(&sup, cust).await.0.customer.followed_up_at;
    app.clock.advance(Duration::hours(1));
    app.follow_up_act(&rep, t.id, "done", Some(json!({})))
        .await
        .expect(200);
    let after = app.customer_get(&sup, cust).await.0.customer.followed_up_at;
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_visit_keeps_one_open_task() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let cust = customer(&app, &rep, "舟山水产有限公司").await;
    let v = visit_now(&app, &rep, cust).await;
    let day = (app.clock.now() + Duration::days(2)).date_naive();
    let v = app
        .visit_update(
            &rep,
            &v,
            &VisitUpdate {
                next_follow_up_on: Patch::Value(day),
                ..Default::default()
            },
        )
        .await;
    let first = app
        .follow_up_list(&rep, &format!("customer_id={cust}"))
        .await
        .items[0]
        .id;
    app.follow_up_act(&rep, first, "done", Some(json!({})))
        .await
        .expect(200);
    app.visit_update(
        &rep,
        &v,
        &VisitUpdate {
            next_follow_up_on: Patch::Value(day + Duration::days(7)),
            ..Default::default()
        },
    )
    .await;
    let open = app
        .follow_up_list(&rep, &format!("customer_id={cust}&status=open"))
        .await
        .items;
    assert_eq!(
        open.len(),
        1,
        "a new date after the task was done makes a new one"
    );
    let r = app
        .follow_up_act(&rep, first, "reopen", None)
        .await
        .expect(409);
    assert_eq!(r.code(), "conflict");
}

#[tokio::test]
async fn two_reopens_of_a_visits_done_tasks_at_once_open_one() {
    let app = spawn_app().await;
    let rep = app.sign_in("rep_east1").await;
    let cust = customer(&app, &rep, "嘉兴纺织有限公司").await;
    let mut v = visit_now(&app, &rep, cust).await;
    // Two done tasks of one visit: a date, done; a new date, done.
    let day = (app.clock.now() + Duration::days(2)).date_naive();
    let mut tasks = Vec::new();
    for week in 0..2 {
        v = app
            .visit_update(
                &rep,
                &v,
                &VisitUpdate {
                    next_follow_up_on: Patch::Value(day + Duration::days(7 * week)),
                    ..Default::default()
                },
            )
            .await;
        let open = app
            .follow_up_list(&rep, &format!("customer_id={cust}&status=open"))
            .await
            .items;
        assert_eq!(open.len(), 1);
        app.follow_up_act(&rep, open[0].id, "done", Some(json!({})))
            .await
            .expect(200);
        tasks.push(open[0].id);
    }
    // Both reopened at the same moment, several times over: the check and the write are one step
    // (the visit locked), so exactly one opens each time and the other is told why.
    for _ in 0..6 {
        let (a, b) = tokio::join!(
            app.follow_up_act(&rep, tasks[0], "reopen", None),
            app.follow_up_act(&rep, tasks[1], "reopen", None)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "a: {:?}, b: {:?}", a.body, b.body);
        let open = app
            .follow_up_list(&rep, &format!("customer_id={cust}&status=open"))
            .await
            .items;
        assert_eq!(open.len(), 1, "one open task for the visit");
        app.follow_up_act(&rep, open[0].id, "done", Some(json!({})))
            .await
            .expect(200);
    }
}

/// A visit to `cust` logged now by `rep`.
async fn visit_now(app: &TestApp, rep: &SignedIn, cust: Uuid) -> Visit {
    app.visit_create(
        rep,
        &VisitCreate {
            customer_id: cust,
            ..Default::default()
        },
    )
    .await
}
