//! Races, each with enough parallel requests to fail reliably on the code before the fix: the
//! sign-in throttle (checked before, counted after, let every parallel guess through), a refresh
//! racing a logout (minted a token the logout missed), and an idempotency key in flight.

use futures_util::future::join_all;
use kaidan_tests::{spawn_app, PASSWORD};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_hundred_parallel_guesses_reach_the_password_check_at_most_five_times() {
    let app = spawn_app().await;
    let body = json!({"username": "admin", "password": "a-wrong-guess"});
    let answers = join_all(
        (0..100).map(|_| app.request(Method::POST, "/api/v1/auth/login", None, Some(&body), &[])),
    )
    .await;
    let unauthorized = answers.iter().filter(|r| r.status == 401).count();
    let throttled = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!(unauthorized + throttled, 100, "only 401 and 429");
    assert!(
        unauthorized <= 5,
        "{unauthorized} guesses reached the password check"
    );
    assert!(unauthorized >= 1);
}

#[tokio::test]
async fn a_refresh_racing_a_logout_never_leaves_a_live_session() {
    let app = spawn_app().await;
    for round in 0..12 {
        let s = app.login_full("rep_east1", PASSWORD).await.expect(200);
        let refresh = s.body["refresh_token"].as_str().unwrap().to_owned();
        let body = json!({ "refresh_token": refresh });
        let (refreshed, _) = tokio::join!(
            app.request(Method::POST, "/api/v1/auth/refresh", None, Some(&body), &[]),
            app.request(Method::POST, "/api/v1/auth/logout", None, Some(&body), &[]),
        );
        if refreshed.status == 200 {
            let access = refreshed.body["access_token"].as_str().unwrap();
            let next = refreshed.body["refresh_token"].as_str().unwrap();
            let me = app.get(access, "/api/v1/me").await;
            assert_eq!(
                me.status, 401,
                "round {round}: the refreshed access token outlived the logout"
            );
            let again = app.refresh_with(next).await;
            assert_eq!(
                again.status, 401,
                "round {round}: the minted refresh token outlived the logout"
            );
        } else {
            assert_eq!(refreshed.status, 401, "round {round}: {:?}", refreshed.body);
        }
    }
}

#[tokio::test]
async fn a_refresh_racing_a_password_reset_never_leaves_a_live_session() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let id = app.user("rep_east2");
    for round in 0..8 {
        let s = app.login_full("rep_east2", PASSWORD).await.expect(200);
        let body = json!({ "refresh_token": s.body["refresh_token"] });
        let reset = json!({ "new_password": PASSWORD });
        let path = format!("/api/v1/users/{id}/reset-password");
        let (refreshed, r) = tokio::join!(
            app.request(Method::POST, "/api/v1/auth/refresh", None, Some(&body), &[]),
            app.post(&admin, &path, reset),
        );
        r.expect(204);
        if refreshed.status == 200 {
            let access = refreshed.body["access_token"].as_str().unwrap();
            assert_eq!(
                app.get(access, "/api/v1/me").await.status,
                401,
                "round {round}"
            );
        }
    }
}

#[tokio::test]
async fn one_idempotency_key_in_flight_creates_one_customer() {
    let app = spawn_app().await;
    let token = app.login("rep_east1").await;
    let body = json!({"name": "并发幂等客户", "force": true});
    let answers = join_all(
        (0..20).map(|_| app.post_keyed(&token, "/api/v1/customers", &body, "in-flight-1")),
    )
    .await;
    let created: std::collections::BTreeSet<String> = answers
        .iter()
        .filter(|r| r.status == 201)
        .map(|r| r.body["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(created.len(), 1, "one customer, however many retries raced");
    for r in &answers {
        assert!(
            r.status == 201 || (r.status == 409 && r.code() == "idempotency_in_progress"),
            "{} {}",
            r.status,
            r.body
        );
    }
    let list = app
        .get(
            &token,
            "/api/v1/customers?q=%E5%B9%B6%E5%8F%91%E5%B9%82%E7%AD%89",
        )
        .await
        .expect(200);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_sign_in_racing_a_password_reset_never_leaves_a_live_session() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let id = app.user("rep_south2");
    let path = format!("/api/v1/users/{id}/reset-password");
    let passwords = [PASSWORD, "reset-by-admin-2026-y"];
    let mut survived = Vec::new();
    for round in 0..30 {
        let (old, new) = (passwords[round % 2], passwords[(round + 1) % 2]);
        let login = json!({"username": "rep_south2", "password": old});
        let (signed_in, reset) = tokio::join!(
            app.request(Method::POST, "/api/v1/auth/login", None, Some(&login), &[]),
            app.post(&admin, &path, json!({ "new_password": new })),
        );
        reset.expect(204);
        if signed_in.status == 200 {
            let refresh = json!({ "refresh_token": signed_in.body["refresh_token"] });
            let r = app
                .request(
                    Method::POST,
                    "/api/v1/auth/refresh",
                    None,
                    Some(&refresh),
                    &[],
                )
                .await;
            if r.status == 200 {
                survived.push(round);
            }
        }
    }
    assert!(
        survived.is_empty(),
        "sessions signed in with the old password survived the reset in rounds {survived:?}"
    );
}
