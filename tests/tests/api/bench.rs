use kaidan_api::auth::password::PasswordHasher;
use kaidan_api::seed::bench::seed_bench;
use kaidan_tests::{spawn_app, test_settings};

/// The benchmark seeder fills the database in batches, tops up instead of duplicating, and its
/// data obeys the same scopes as everything else.
#[tokio::test]
async fn the_bench_seeder_makes_scoped_data_and_tops_up() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut s = test_settings(dir.path(), "");
    s.auth.argon2_memory_kib = 256;
    let hasher = PasswordHasher::new(&s.auth).unwrap();
    let r = seed_bench(&app.db, &hasher, 1_100, 5, None).await.unwrap();
    assert_eq!(
        (r.reps, r.customers_added, r.contacts_added),
        (5, 1_100, 2_200)
    );
    let v = &r.visits;
    assert_eq!((v.visits, v.tasks, v.today), (5_500, 1_100, 40));
    assert_eq!(v.check_ins, 5_000);
    let again = seed_bench(&app.db, &hasher, 1_200, 5, Some(300))
        .await
        .unwrap();
    assert_eq!(again.customers_added, 100, "a re-run tops up to the target");
    let v = &again.visits;
    assert_eq!(
        (v.visits, v.tasks, v.today, v.check_ins),
        (500, 100, 0, 300),
        "the past and the tasks top up, today's plan is kept, the check-in visits are made afresh"
    );

    // Each bench rep owns a fifth and sees exactly that, page by page.
    let rep = app.login("bench_rep_001").await;
    let mut seen = 0;
    let mut path = "/api/v1/customers?limit=200".to_owned();
    loop {
        let page = app.get(&rep, &path).await.expect(200);
        seen += page.body["items"].as_array().unwrap().len();
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/customers?limit=200&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, 240);
    let one = app.get(&rep, "/api/v1/customers?limit=1").await.expect(200);
    let id = one.body["items"][0]["id"].as_str().unwrap();
    let detail = app
        .get(&rep, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
    assert_eq!(detail.body["contacts"].as_array().unwrap().len(), 2);
    let other = app.login("bench_rep_002").await;
    app.get(&other, &format!("/api/v1/customers/{id}"))
        .await
        .expect(404);

    // The visits the bench reads: the rep's day (eight planned), a customer's past visits, the
    // visits two days ahead the check-in case takes — and none of them for another rep.
    let china = |days: i64| {
        (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(days))
            .date_naive()
    };
    let me = app.get(&rep, "/api/v1/me").await.expect(200).body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let day = app
        .get(
            &rep,
            &format!("/api/v1/visits?day={}&owner_id={me}", china(0)),
        )
        .await
        .expect(200);
    assert_eq!(day.body["items"].as_array().unwrap().len(), 8);
    let past = app
        .get(
            &rep,
            &format!("/api/v1/visits?customer_id={id}&status=done"),
        )
        .await
        .expect(200);
    assert_eq!(past.body["items"].as_array().unwrap().len(), 5);
    let ahead = app
        .get(
            &rep,
            &format!("/api/v1/visits?day={}&status=planned&limit=200", china(2)),
        )
        .await
        .expect(200);
    assert_eq!(ahead.body["items"].as_array().unwrap().len(), 200);
    assert!(ahead.body["next_cursor"].is_string());
    for v in ahead.body["items"].as_array().unwrap() {
        assert!(
            v["customer_lat"].is_number(),
            "bench customers have a place: {v}"
        );
    }
    let tasks = app
        .get(&rep, &format!("/api/v1/follow-ups?customer_id={id}"))
        .await
        .expect(200);
    assert_eq!(tasks.body["items"].as_array().unwrap().len(), 1);
    let theirs = app
        .get(&other, &format!("/api/v1/visits?customer_id={id}"))
        .await
        .expect(200);
    assert!(theirs.body["items"].as_array().unwrap().is_empty());
}
