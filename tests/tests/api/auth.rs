use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use kaidan_tests::{spawn_app, spawn_app_with, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

fn jwt_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).expect("jwt part");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("json")
}

#[tokio::test]
async fn login_issues_a_short_lived_eddsa_token_verifiable_with_the_jwks() {
    let app = spawn_app().await;
    let r = app.login_full("rep_east1", PASSWORD).await.expect(200);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
    let token = r.body["access_token"].as_str().unwrap();
    let header = jwt_part(token, 0);
    let claims = jwt_part(token, 1);
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["typ"], "at+jwt");
    let exp = claims["exp"].as_i64().unwrap();
    let iat = claims["iat"].as_i64().unwrap();
    assert!(
        exp - iat <= 900 && exp > iat,
        "access token lives at most 15 minutes"
    );
    assert_eq!(claims["iss"], "kaidan");
    assert_eq!(claims["aud"], "kaidan-api");
    assert_eq!(claims["sub"], app.user("rep_east1"));
    assert_eq!(r.body["user"]["role"], "sales_rep");
    assert_eq!(r.body["user"]["team_name"], "华东一组");

    let jwks = app
        .request(Method::GET, "/.well-known/jwks.json", None, None, &[])
        .await
        .expect(200);
    let key = &jwks.body["keys"][0];
    assert_eq!(key["kid"], header["kid"]);
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");

    let me = app.get(token, "/api/v1/me").await.expect(200);
    assert_eq!(me.body["username"], "rep_east1");
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let a = app
        .login_full("rep_east1", "not-the-password")
        .await
        .expect(401);
    let b = app
        .login_full("nobody_here", "not-the-password")
        .await
        .expect(401);
    assert_eq!(a.code(), "invalid_credentials");
    assert_eq!(a.body, b.body);
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let app = spawn_app().await;
    let r = app
        .request(Method::GET, "/api/v1/me", None, None, &[])
        .await
        .expect(401);
    assert_eq!(r.code(), "unauthenticated");
    assert!(r.header("www-authenticate").unwrap().starts_with("Bearer"));
    let forged = app
        .get("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "/api/v1/customers")
        .await
        .expect(401);
    assert_eq!(forged.code(), "unauthenticated");
}

#[tokio::test]
async fn refresh_rotates_and_reusing_an_old_token_revokes_the_session() {
    let app = spawn_app().await;
    let first = app.login_full("rep_east1", PASSWORD).await.expect(200);
    let r1 = first.body["refresh_token"].as_str().unwrap().to_owned();

    let second = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": r1})),
            &[],
        )
        .await
        .expect(200);
    let r2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2, "refresh tokens rotate");
    let access2 = second.body["access_token"].as_str().unwrap();
    app.get(access2, "/api/v1/me").await.expect(200);

    // Someone replays the first token: the whole family dies, including the fresh r2.
    let replay = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": r1})),
            &[],
        )
        .await
        .expect(401);
    assert_eq!(replay.code(), "refresh_token_reused");
    let after = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": r2})),
            &[],
        )
        .await
        .expect(401);
    assert_eq!(after.code(), "invalid_refresh_token");

    // Another session of the same user is untouched.
    let other = app.login_full("rep_east1", PASSWORD).await.expect(200);
    let r3 = other.body["refresh_token"].as_str().unwrap();
    app.request(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(&json!({"refresh_token": r3})),
        &[],
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let s = app.login_full("rep_east1", PASSWORD).await.expect(200);
    let r = s.body["refresh_token"].as_str().unwrap();
    app.request(
        Method::POST,
        "/api/v1/auth/logout",
        None,
        Some(&json!({"refresh_token": r})),
        &[],
    )
    .await
    .expect(204);
    let again = app
        .request(
            Method::POST,
            "/api/v1/auth/refresh",
            None,
            Some(&json!({"refresh_token": r})),
            &[],
        )
        .await
        .expect(401);
    assert_eq!(again.code(), "invalid_refresh_token");
}

#[tokio::test]
async fn a_deactivated_users_tokens_stop_working_at_once() {
    let app = spawn_app().await;
    let rep = app.login_full("rep_east2", PASSWORD).await.expect(200);
    let access = rep.body["access_token"].as_str().unwrap().to_owned();
    let refresh = rep.body["refresh_token"].as_str().unwrap().to_owned();
    app.get(&access, "/api/v1/customers").await.expect(200);

    let admin = app.login("admin").await;
    let r = app
        .post(
            &admin,
            &format!("/api/v1/users/{}/deactivate", app.user("rep_east2")),
            json!({}),
        )
        .await
        .expect(200);
    assert_eq!(r.body["active"], false);

    assert_eq!(
        app.get(&access, "/api/v1/customers")
            .await
            .expect(401)
            .code(),
        "unauthenticated"
    );
    app.request(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(&json!({"refresh_token": refresh})),
        &[],
    )
    .await
    .expect(401);
    assert_eq!(
        app.login_full("rep_east2", PASSWORD)
            .await
            .expect(401)
            .code(),
        "invalid_credentials"
    );

    // Reactivated, they can sign in again.
    app.post(
        &admin,
        &format!("/api/v1/users/{}/activate", app.user("rep_east2")),
        json!({}),
    )
    .await
    .expect(200);
    app.login_full("rep_east2", PASSWORD).await.expect(200);
}

#[tokio::test]
async fn repeated_failures_throttle_the_account_even_for_the_right_password() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_account = 3).await;
    for _ in 0..3 {
        app.login_full("rep_east1", "wrong-password-x")
            .await
            .expect(401);
    }
    let r = app.login_full("rep_east1", PASSWORD).await.expect(429);
    assert_eq!(r.code(), "too_many_requests");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry));
    // Other accounts are not locked by it.
    app.login_full("rep_east2", PASSWORD).await.expect(200);
}

#[tokio::test]
async fn repeated_failures_from_one_ip_throttle_every_account() {
    let app = spawn_app_with(|s| s.auth.max_failures_per_ip = 4).await;
    for name in ["a1", "a2", "a3", "a4"] {
        app.login_full(name, "wrong-password-x").await.expect(401);
    }
    app.login_full("rep_east2", PASSWORD).await.expect(429);
}

#[tokio::test]
async fn changing_the_password_ends_other_sessions_and_refuses_weak_ones() {
    let app = spawn_app().await;
    let other_device = app.login_full("rep_east1", PASSWORD).await.expect(200);
    let other_refresh = other_device.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let token = app.login("rep_east1").await;

    let weak = app
        .post(
            &token,
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "password123"}),
        )
        .await
        .expect(422);
    assert_eq!(weak.code(), "weak_password");
    assert_eq!(weak.body["errors"][0]["field"], "new_password");
    assert_eq!(weak.body["errors"][0]["code"], "too_common");

    let wrong = app
        .post(
            &token,
            "/api/v1/me/password",
            json!({"current_password": "nope-nope", "new_password": "海上生明月2026"}),
        )
        .await
        .expect(403);
    assert_eq!(wrong.code(), "wrong_password");

    let ok = app
        .post(
            &token,
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "海上生明月2026"}),
        )
        .await
        .expect(200);
    let fresh = ok.body["access_token"].as_str().unwrap();
    app.get(fresh, "/api/v1/me").await.expect(200);
    app.request(
        Method::POST,
        "/api/v1/auth/refresh",
        None,
        Some(&json!({"refresh_token": other_refresh})),
        &[],
    )
    .await
    .expect(401);
    app.login_full("rep_east1", PASSWORD).await.expect(401);
    app.login_full("rep_east1", "海上生明月2026")
        .await
        .expect(200);
}

#[tokio::test]
async fn admin_password_reset_ends_the_users_sessions() {
    let app = spawn_app().await;
    let rep = app.login("rep_south1").await;
    let admin = app.login("admin").await;
    // JWT `iat` has whole seconds: let the token's second pass so the reset is strictly later.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.post(
        &admin,
        &format!("/api/v1/users/{}/reset-password", app.user("rep_south1")),
        json!({"new_password": "12345678"}),
    )
    .await
    .expect(422);
    app.post(
        &admin,
        &format!("/api/v1/users/{}/reset-password", app.user("rep_south1")),
        json!({"new_password": "木棉花开2026"}),
    )
    .await
    .expect(204);
    assert_eq!(
        app.get(&rep, "/api/v1/me").await.expect(401).code(),
        "unauthenticated"
    );
    app.login_full("rep_south1", "木棉花开2026")
        .await
        .expect(200);
    app.login_full("rep_south1", PASSWORD).await.expect(401);
}

/// The signed-in session is remembered for a moment (`auth.session_cache_ms`); a change of role
/// or team on this instance must still reach the very next request.
#[tokio::test]
async fn a_role_or_team_change_reaches_the_next_request_at_once() {
    let app = spawn_app_with(|s| s.auth.session_cache_ms = 60_000).await;
    let admin = app.login("admin").await;
    let manager = app.login("manager_east").await;
    let sup = app.login("sup_east1").await;
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "会话缓存测试有限公司"}))
        .await;
    let path = format!("/api/v1/customers/{}", c["id"].as_str().unwrap());
    // Remembered: the supervisor and the manager see the team's customer.
    app.get(&sup, &path).await.expect(200);
    app.get(&manager, &path).await.expect(200);

    let change = |username: &'static str, body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let url = format!("/api/v1/users/{}", app.user(username));
            let u = app.get(&admin, &url).await.expect(200);
            app.patch(&admin, &url, &u.etag(), body).await.expect(200);
        }
    };
    // The supervisor moves to a team of the other region: the customer leaves their scope.
    let teams = app.get(&admin, "/api/v1/teams").await.expect(200);
    let south = teams
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "华南一组")
        .expect("the demo's south team")["id"]
        .clone();
    change("sup_east1", json!({"team_id": south})).await;
    app.get(&sup, &path).await.expect(404);

    // The manager is made a sales rep: only their own customers remain.
    change(
        "manager_east",
        json!({"role": "sales_rep", "team_id": south}),
    )
    .await;
    app.get(&manager, &path).await.expect(404);
}
