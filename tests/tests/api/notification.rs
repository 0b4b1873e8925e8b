//! In-app notifications: each reader's own, unread count, mark read, kept 90 days.

use kaidan_api::entities::notification as row;
use kaidan_api::services::notification::{send, send_all, Notice};
use kaidan_shared::notification::NotificationKind;
use kaidan_shared::Resource;
use kaidan_tests::{spawn_app, TestApp};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use uuid::Uuid;

fn notice(app: &TestApp, user: &str, n: u64) -> Notice {
    Notice {
        user_id: app.users[user],
        kind: NotificationKind::PoolWarning,
        resource: Some(Resource::Customer),
        record_id: Some(Uuid::now_v7()),
        data: json!({"name": format!("客户{n}"), "days": 3}),
    }
}

#[tokio::test]
async fn readers_see_count_and_mark_only_their_own_notifications() {
    let app = spawn_app().await;
    for n in 0..3 {
        send(&app.db, notice(&app, "rep_east1", n)).await.unwrap();
    }
    send(&app.db, notice(&app, "rep_east2", 9)).await.unwrap();
    let rep = app.login("rep_east1").await;
    let other = app.login("rep_east2").await;

    let list = app.get(&rep, "/api/v1/notifications").await.expect(200);
    let items = list.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["data"]["name"], "客户2", "newest first");
    assert_eq!(items[0]["kind"], "pool_warning");
    assert_eq!(items[0]["read"], false);
    let count = |t: String| {
        let app = &app;
        async move {
            app.get(&t, "/api/v1/notifications/unread-count")
                .await
                .expect(200)
                .body["count"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(count(rep.clone()).await, 3);
    assert_eq!(count(other.clone()).await, 1);

    // Another user's notification is not there for them.
    let first = items[0]["id"].as_str().unwrap();
    let r = app
        .post(
            &other,
            &format!("/api/v1/notifications/{first}/read"),
            json!({}),
        )
        .await
        .expect(404);
    assert_eq!(r.code(), "not_found");
    assert_eq!(count(rep.clone()).await, 3);

    // Marking read twice changes it once.
    for _ in 0..2 {
        let r = app
            .post(
                &rep,
                &format!("/api/v1/notifications/{first}/read"),
                json!({}),
            )
            .await
            .expect(200);
        assert_eq!(r.body["read"], true);
    }
    assert_eq!(count(rep.clone()).await, 2);
    let admin = app.login("admin").await;
    let audit = app
        .get(&admin, "/api/v1/audit?action=notification.read")
        .await
        .expect(200);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1);

    let unread = app
        .get(&rep, "/api/v1/notifications?unread=true")
        .await
        .expect(200);
    assert_eq!(unread.body["items"].as_array().unwrap().len(), 2);
    let r = app
        .post(&rep, "/api/v1/notifications/read-all", json!({}))
        .await
        .expect(200);
    assert_eq!(r.body["marked"], 2);
    assert_eq!(count(rep.clone()).await, 0);
    assert_eq!(count(other).await, 1, "nobody else's were marked");
    let unread = app
        .get(&rep, "/api/v1/notifications?unread=true")
        .await
        .expect(200);
    assert!(unread.body["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_unread_count_stops_at_a_hundred_and_pages_reach_every_notification() {
    let app = spawn_app().await;
    let batch: Vec<Notice> = (0..130).map(|n| notice(&app, "rep_east1", n)).collect();
    send_all(&app.db, batch).await.unwrap();
    let rep = app.login("rep_east1").await;
    let r = app
        .get(&rep, "/api/v1/notifications/unread-count")
        .await
        .expect(200);
    assert_eq!(r.body["count"], 100);
    let mut seen = std::collections::BTreeSet::new();
    let mut path = "/api/v1/notifications?limit=50".to_owned();
    loop {
        let page = app.get(&rep, &path).await.expect(200);
        for n in page.body["items"].as_array().unwrap() {
            assert!(seen.insert(n["id"].as_str().unwrap().to_owned()));
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/notifications?limit=50&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 130);
}

#[tokio::test]
async fn notifications_older_than_ninety_days_are_removed_by_the_clean_up() {
    let app = spawn_app().await;
    send(&app.db, notice(&app, "rep_east1", 1)).await.unwrap();
    send(&app.db, notice(&app, "rep_east1", 2)).await.unwrap();
    let old = kaidan_api::services::now() - chrono::Duration::days(91);
    let first = row::Entity::find()
        .filter(row::Column::UserId.eq(app.users["rep_east1"]))
        .order_by_asc(row::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let aged = row::Entity::update_many()
        .col_expr(row::Column::CreatedAt, Expr::value(old))
        .filter(row::Column::Id.eq(first.id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(aged.rows_affected, 1);
    // (The server's own clean-up may get there first: it runs once at start.)
    kaidan_api::jobs::cleanup::run_once(&app.db).await.unwrap();
    let left = row::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(
        left[0].id, first.id,
        "the old one went, the recent one stayed"
    );
}
