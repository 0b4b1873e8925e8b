//! Stories of the attacks the threat model names (SECURITY.md): an outsider guessing passwords, an
//! ex-employee with an old token, a curious rep reading what is not theirs, a script in the page
//! reaching for the refresh token.

use kaidan_tests::{spawn_app, spawn_app_with, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};

fn trusting_localhost(s: &mut kaidan_api::config::Settings) {
    s.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
}

async fn login_from(app: &TestApp, user: &str, password: &str, ip: &str) -> kaidan_tests::Resp {
    let body = json!({ "username": user, "password": password });
    app.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&body),
        &[("x-forwarded-for", ip)],
    )
    .await
}

async fn locks(app: &TestApp, admin: &str, user: &str) -> Value {
    app.get(
        admin,
        &format!("/api/v1/users/{}/sign-in-locks", app.user(user)),
    )
    .await
    .expect(200)
    .body
}

async fn audit_actions(app: &TestApp, admin: &str, user: &str) -> Vec<Value> {
    app.get(
        admin,
        &format!(
            "/api/v1/audit?entity=user&entity_id={}&limit=200",
            app.user(user)
        ),
    )
    .await
    .expect(200)
    .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn guessing_from_one_address_locks_that_address_only_and_the_owner_still_gets_in() {
    let app = spawn_app_with(trusting_localhost).await;
    let admin = app.login("admin").await;
    for _ in 0..5 {
        login_from(&app, "manager_east", "wrong-guess-1", "203.0.113.9")
            .await
            .expect(401);
    }
    // The attacker's address is locked, even with the right password …
    let r = login_from(&app, "manager_east", PASSWORD, "203.0.113.9")
        .await
        .expect(429);
    assert!(r.header("retry-after").is_some());
    // … the owner from their own address is not.
    login_from(&app, "manager_east", PASSWORD, "198.51.100.20")
        .await
        .expect(200);

    // The lock was audited once, with the attacker's address.
    let entries = audit_actions(&app, &admin, "manager_east").await;
    let locked: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "user.sign_in_locked")
        .collect();
    assert_eq!(locked.len(), 1, "{entries:?}");
    assert_eq!(locked[0]["ip"], "203.0.113.9");
}

#[tokio::test]
async fn guessing_from_many_addresses_slows_the_account_down_but_never_locks_it() {
    let app = spawn_app_with(|s| {
        trusting_localhost(s);
        s.auth.slowdown_after_failures = 3;
        s.auth.max_slowdown_ms = 600;
    })
    .await;
    let admin = app.login("admin").await;
    // The owner signed in from the office last week.
    login_from(&app, "sup_east1", PASSWORD, "198.51.100.7")
        .await
        .expect(200);
    // A botnet guesses, one address a guess; past three failures the checks are spaced out.
    for i in 0..6 {
        let r = login_from(&app, "sup_east1", "wrong-guess-2", &format!("192.0.2.{i}")).await;
        assert_eq!(r.status, 401, "guess {i}: {}", r.body);
        tokio::time::sleep(std::time::Duration::from_millis(650)).await;
    }
    let l = locks(&app, &admin, "sup_east1").await;
    assert_eq!(l["failures_in_window"], 6);
    assert_eq!(l["slowdown_ms"], 600, "250 → 500 → capped at 600 ms: {l}");
    assert!(l["locked_addresses"].as_array().unwrap().is_empty(), "{l}");
    // Twenty guesses at once from twenty addresses: one reaches the check, the rest wait.
    let bodies: Vec<String> = (0..20).map(|i| format!("198.18.0.{i}")).collect();
    let burst = futures_util::future::join_all(
        bodies
            .iter()
            .map(|ip| login_from(&app, "sup_east1", "wrong-guess-2", ip)),
    )
    .await;
    let checked = burst.iter().filter(|r| r.status == 401).count();
    assert!(
        checked <= 1,
        "{checked} parallel guesses reached the password check"
    );
    for r in burst.iter().filter(|r| r.status != 401) {
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    }
    // The owner from their own address is not held up.
    login_from(&app, "sup_east1", PASSWORD, "198.51.100.7")
        .await
        .expect(200);
    // A success clears the slow-down.
    assert_eq!(
        locks(&app, &admin, "sup_east1").await["failures_in_window"],
        0
    );

    // From an address never seen, the owner waits seconds — never a lockout.
    for i in 0..4 {
        login_from(
            &app,
            "sup_east1",
            "wrong-guess-2",
            &format!("192.0.2.{}", 50 + i),
        )
        .await;
    }
    let r = login_from(&app, "sup_east1", PASSWORD, "203.0.113.77")
        .await
        .expect(429);
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(wait <= 1, "{wait}");
    tokio::time::sleep(std::time::Duration::from_millis(650)).await;
    login_from(&app, "sup_east1", PASSWORD, "203.0.113.77")
        .await
        .expect(200);
}

#[tokio::test]
async fn admins_see_and_clear_locks_and_both_are_audited() {
    let app = spawn_app_with(trusting_localhost).await;
    let admin = app.login("admin").await;
    for _ in 0..5 {
        login_from(&app, "rep_east2", "wrong-guess-3", "203.0.113.50")
            .await
            .expect(401);
    }
    let l = locks(&app, &admin, "rep_east2").await;
    let locked = l["locked_addresses"].as_array().unwrap();
    assert_eq!(locked.len(), 1, "{l}");
    assert_eq!(locked[0]["ip"], "203.0.113.50");
    assert_eq!(locked[0]["attempts"], 5);

    // Nobody but an admin may look or clear.
    let sup = app.login("sup_east1").await;
    let path = format!("/api/v1/users/{}/sign-in-locks", app.user("rep_east2"));
    app.get(&sup, &path).await.expect(403);
    app.request(Method::DELETE, &path, Some(&sup), None, &[])
        .await
        .expect(403);

    app.request(Method::DELETE, &path, Some(&admin), None, &[])
        .await
        .expect(204);
    let l = locks(&app, &admin, "rep_east2").await;
    assert!(l["locked_addresses"].as_array().unwrap().is_empty());
    login_from(&app, "rep_east2", PASSWORD, "203.0.113.50")
        .await
        .expect(200);
    let entries = audit_actions(&app, &admin, "rep_east2").await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.sign_in_locked"), "{actions:?}");
    let cleared = entries
        .iter()
        .find(|e| e["action"] == "user.sign_in_locks_clear")
        .expect("the clear is audited");
    assert_eq!(cleared["actor_id"], app.user("admin"));
    assert_eq!(
        cleared["before"]["locked_addresses"][0]["ip"],
        "203.0.113.50"
    );
}

#[tokio::test]
async fn a_forged_forwarded_for_from_an_untrusted_peer_counts_against_the_peer() {
    // No trusted proxies: the header is the client's own words.
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    for i in 0..5 {
        login_from(&app, "rep_east3", "wrong-guess-4", &format!("10.9.9.{i}"))
            .await
            .expect(401);
    }
    // Changing the header does not give a new allowance.
    login_from(&app, "rep_east3", PASSWORD, "10.9.9.200")
        .await
        .expect(429);
    let l = locks(&app, &admin, "rep_east3").await;
    assert_eq!(l["locked_addresses"][0]["ip"], "127.0.0.1", "{l}");
    let entries = audit_actions(&app, &admin, "rep_east3").await;
    let locked = entries
        .iter()
        .find(|e| e["action"] == "user.sign_in_locked")
        .expect("audited");
    assert_eq!(locked["ip"], "127.0.0.1");
    assert_eq!(locked["after"]["ip"], "127.0.0.1");
}

#[tokio::test]
async fn a_wrong_current_password_counts_as_a_failed_sign_in() {
    let app = spawn_app().await;
    let token = app.login("rep_south1").await;
    for _ in 0..5 {
        let r = app
            .post(
                &token,
                "/api/v1/me/password",
                json!({"current_password": "not-it-at-all", "new_password": "a-much-better-one-2026"}),
            )
            .await
            .expect(403);
        assert_eq!(r.code(), "wrong_password");
    }
    // Now even the right current password waits, and so does signing in from this address.
    app.post(
        &token,
        "/api/v1/me/password",
        json!({"current_password": PASSWORD, "new_password": "a-much-better-one-2026"}),
    )
    .await
    .expect(429);
    app.login_full("rep_south1", PASSWORD).await.expect(429);
}

#[tokio::test]
async fn logout_and_password_changes_end_access_tokens_at_once() {
    let app = spawn_app().await;
    let s = app.login_full("rep_east1", PASSWORD).await.expect(200);
    let access = s.body["access_token"].as_str().unwrap().to_owned();
    let refresh = s.body["refresh_token"].as_str().unwrap().to_owned();
    app.get(&access, "/api/v1/me").await.expect(200);
    app.logout_with(&refresh).await.expect(204);
    let r = app.get(&access, "/api/v1/me").await.expect(401);
    assert_eq!(r.code(), "unauthenticated");

    // A password change ends every other session's access token, this device keeps working.
    let other = app.login("rep_east1").await;
    let mine = app.login("rep_east1").await;
    let changed = app
        .post(
            &mine,
            "/api/v1/me/password",
            json!({"current_password": PASSWORD, "new_password": "a-much-better-one-2026"}),
        )
        .await
        .expect(200);
    app.get(&other, "/api/v1/me").await.expect(401);
    app.get(&mine, "/api/v1/me").await.expect(401);
    let fresh = changed.body["access_token"].as_str().unwrap();
    app.get(fresh, "/api/v1/me").await.expect(200);
}

#[tokio::test]
async fn a_token_from_the_same_second_as_a_reset_does_not_survive_it() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let id = app.user("rep_east4");
    // Sign in and reset within the same second, many times: never a surviving token.
    for _ in 0..5 {
        let t = app.login("rep_east4").await;
        app.post(
            &admin,
            &format!("/api/v1/users/{id}/reset-password"),
            json!({"new_password": "reset-by-admin-2026-x"}),
        )
        .await
        .expect(204);
        app.get(&t, "/api/v1/me").await.expect(401);
        app.post(
            &admin,
            &format!("/api/v1/users/{id}/reset-password"),
            json!({"new_password": PASSWORD}),
        )
        .await
        .expect(204);
    }
}

fn set_cookies(r: &kaidan_tests::Resp) -> Vec<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn cookie_value(cookies: &[String], name: &str) -> String {
    cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .and_then(|kv| kv.split_once('='))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_browser_keeps_its_refresh_token_in_an_httponly_cookie_guarded_against_csrf() {
    let app = spawn_app().await;
    let body = json!({"username": "rep_east1", "password": PASSWORD, "refresh_in_cookie": true});
    let r = app
        .request(Method::POST, "/api/v1/auth/login", None, Some(&body), &[])
        .await
        .expect(200);
    assert!(
        r.body.get("refresh_token").is_none(),
        "no refresh token in the body: {}",
        r.body
    );
    let cookies = set_cookies(&r);
    let refresh_cookie = cookies
        .iter()
        .find(|c| c.starts_with("kaidan_refresh="))
        .expect("cookie");
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/api/v1/auth",
        "Max-Age=",
    ] {
        assert!(refresh_cookie.contains(attr), "{attr} in {refresh_cookie}");
    }
    assert!(
        !refresh_cookie.contains("Secure"),
        "plain HTTP here: {refresh_cookie}"
    );
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("kaidan_csrf="))
        .expect("csrf cookie");
    assert!(!csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Strict"));
    let refresh = cookie_value(&cookies, "kaidan_refresh");
    let csrf = cookie_value(&cookies, "kaidan_csrf");
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let jar = format!("kaidan_refresh={refresh}; kaidan_csrf={csrf}");

    // Without the CSRF header, or with a wrong one, or from another site: refused.
    for headers in [
        vec![("cookie", jar.as_str())],
        vec![("cookie", jar.as_str()), ("x-csrf-token", "forged")],
        vec![
            ("cookie", jar.as_str()),
            ("x-csrf-token", csrf.as_str()),
            ("sec-fetch-site", "cross-site"),
        ],
    ] {
        let r = app.cookie_call("refresh", &headers).await.expect(403);
        assert_eq!(r.code(), "csrf_failed");
    }
    // With it: new tokens, a new cookie, still none in the body.
    let r = app
        .cookie_call(
            "refresh",
            &[
                ("cookie", jar.as_str()),
                ("x-csrf-token", csrf.as_str()),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await
        .expect(200);
    assert!(r.body.get("refresh_token").is_none());
    let cookies = set_cookies(&r);
    let refresh2 = cookie_value(&cookies, "kaidan_refresh");
    let csrf2 = cookie_value(&cookies, "kaidan_csrf");
    assert!(!refresh2.is_empty() && refresh2 != refresh);
    assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));

    // Logout through the cookie ends the session, access tokens included, and clears the cookies.
    let jar2 = format!("kaidan_refresh={refresh2}; kaidan_csrf={csrf2}");
    let access2 = r.body["access_token"].as_str().unwrap().to_owned();
    app.cookie_call("logout", &[("cookie", jar2.as_str())])
        .await
        .expect(403);
    let out = app
        .cookie_call(
            "logout",
            &[("cookie", jar2.as_str()), ("x-csrf-token", csrf2.as_str())],
        )
        .await
        .expect(204);
    assert!(set_cookies(&out)
        .iter()
        .any(|c| c.starts_with("kaidan_refresh=;") && c.contains("Max-Age=0")));
    app.get(&access2, "/api/v1/me").await.expect(401);
    app.get(&access, "/api/v1/me").await.expect(401);
}

#[tokio::test]
async fn token_answers_are_never_stored_for_idempotent_replay() {
    let app = spawn_app().await;
    let t = app.login("rep_east2").await;
    let body = json!({"current_password": PASSWORD, "new_password": "a-much-better-one-2026"});
    let r = app
        .post_keyed(&t, "/api/v1/me/password", &body, "pw-change-1")
        .await
        .expect(200);
    assert!(r.header("idempotent-replayed").is_none());
    let login = json!({"username": "rep_east2", "password": "a-much-better-one-2026"});
    app.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&login),
        &[("idempotency-key", "login-1")],
    )
    .await
    .expect(200);
    let second = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(&login),
            &[("idempotency-key", "login-1")],
        )
        .await
        .expect(200);
    assert!(
        second.header("idempotent-replayed").is_none(),
        "a fresh sign-in, not a replay"
    );
    use sea_orm::{ConnectionTrait, Statement};
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT response_body FROM idempotency_keys",
        ))
        .await
        .unwrap();
    for row in rows {
        let body: Option<String> = row.try_get("", "response_body").unwrap();
        assert!(
            !body.unwrap_or_default().contains("access_token"),
            "a token was stored"
        );
    }
}

#[tokio::test]
async fn a_replay_needs_a_live_session_and_expired_answers_are_never_replayed() {
    let app = spawn_app().await;
    let s = app.login_full("rep_east1", PASSWORD).await.expect(200);
    let token = s.body["access_token"].as_str().unwrap().to_owned();
    let refresh = s.body["refresh_token"].as_str().unwrap().to_owned();
    let body = json!({"name": "幂等测试客户", "force": true});
    let first = app
        .post_keyed(&token, "/api/v1/customers", &body, "create-once-1")
        .await
        .expect(201);
    let again = app
        .post_keyed(&token, "/api/v1/customers", &body, "create-once-1")
        .await
        .expect(201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body["id"], first.body["id"]);

    // After logout the old token replays nothing.
    app.logout_with(&refresh).await.expect(204);
    app.post_keyed(&token, "/api/v1/customers", &body, "create-once-1")
        .await
        .expect(401);

    // An answer past its expiry is not replayed: the request runs afresh.
    let token = app.login("rep_east1").await;
    let a = app
        .post_keyed(&token, "/api/v1/customers", &body, "create-once-2")
        .await
        .expect(201);
    age_idempotency_rows(&app).await;
    let b = app
        .post_keyed(&token, "/api/v1/customers", &body, "create-once-2")
        .await
        .expect(201);
    assert!(b.header("idempotent-replayed").is_none());
    assert_ne!(a.body["id"], b.body["id"]);

    // The periodic clean-up removes what expired.
    age_idempotency_rows(&app).await;
    let removed = kaidan_api::jobs::cleanup::run_once(&app.db).await.unwrap();
    assert!(removed.idempotency_keys >= 1, "{removed:?}");
    assert_eq!(count(&app, "idempotency_keys").await, 0);
}

async fn age_idempotency_rows(app: &TestApp) {
    use sea_orm::sea_query::Expr;
    use sea_orm::EntityTrait;
    let old = chrono::Utc::now() - chrono::Duration::hours(25);
    kaidan_api::entities::idempotency_key::Entity::update_many()
        .col_expr(
            kaidan_api::entities::idempotency_key::Column::CreatedAt,
            Expr::value(old),
        )
        .exec(&app.db)
        .await
        .unwrap();
}

async fn count(app: &TestApp, table: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn failed_requests_with_fresh_keys_leave_no_rows_behind() {
    let app = spawn_app().await;
    let token = app.login("rep_east1").await;
    for i in 0..30 {
        let k = format!("bad-{i}");
        app.request(
            Method::POST,
            "/api/v1/customers",
            Some(&token),
            Some(&json!({"name": ""})),
            &[("idempotency-key", k.as_str())],
        )
        .await
        .expect(422);
    }
    assert_eq!(count(&app, "idempotency_keys").await, 0);
}

#[tokio::test]
async fn where_a_change_came_from_is_shown_to_admins_only() {
    let app = spawn_app().await;
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "来源可见性测试"}))
        .await;
    let id = c["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/customers/{id}/history");
    for who in ["rep_east1", "sup_east1", "manager_east"] {
        let t = app.login(who).await;
        let h = app.get(&t, &path).await.expect(200);
        let e = &h.body["items"][0];
        assert!(
            e["ip"].is_null() && e["request_id"].is_null(),
            "{who} sees {e}"
        );
    }
    let admin = app.login("admin").await;
    let h = app.get(&admin, &path).await.expect(200);
    assert_eq!(h.body["items"][0]["ip"], "127.0.0.1");
    assert!(h.body["items"][0]["request_id"].is_string());
}

#[tokio::test]
async fn duplicates_in_other_teams_are_masked_limited_and_audited() {
    let app = spawn_app_with(|s| s.limits.cross_scope_duplicates_per_hour = 2).await;
    let south = app.login("rep_south1").await;
    let theirs = app
        .create_customer(
            &south,
            json!({"name": "杭州星辰科技有限公司", "phone": "13800001234"}),
        )
        .await;
    let their_id = theirs["id"].as_str().unwrap().to_owned();
    let east = app.login("rep_east1").await;
    let attempt = json!({"name": "杭州星辰科技", "phone": "13800001234"});
    let r = app
        .post(&east, "/api/v1/customers", attempt.clone())
        .await
        .expect(409);
    let d = &r.body["duplicates"][0];
    assert!(d["id"].is_null(), "{d}");
    assert_eq!(d["name"], "杭州******公司");
    assert!(
        d["owner_name"].is_string(),
        "the owner is named so the reps can talk: {d}"
    );
    app.post(&east, "/api/v1/customers", attempt.clone())
        .await
        .expect(409);
    let r = app
        .post(&east, "/api/v1/customers", attempt.clone())
        .await
        .expect(429);
    assert!(r.header("retry-after").is_some());
    // The owner's own duplicates are not limited and show in full.
    for _ in 0..3 {
        let r = app
            .post(
                &south,
                "/api/v1/customers",
                json!({"name": "杭州星辰科技有限公司"}),
            )
            .await
            .expect(409);
        assert_eq!(r.body["duplicates"][0]["name"], "杭州星辰科技有限公司");
    }
    // Each cross-scope answer is in the customer's history, with who asked.
    let admin = app.login("admin").await;
    let h = app
        .get(&admin, &format!("/api/v1/customers/{their_id}/history"))
        .await
        .expect(200);
    let probes: Vec<&Value> = h.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "customer.duplicate_match")
        .collect();
    assert_eq!(probes.len(), 2);
    assert_eq!(probes[0]["actor_id"], app.user("rep_east1"));
}

#[tokio::test]
async fn readiness_warns_while_the_demo_password_is_in_use() {
    let app = spawn_app().await;
    let r = app
        .request(Method::GET, "/readyz", None, None, &[])
        .await
        .expect(200);
    assert_eq!(r.body["warnings"], json!(["demo_password_in_use"]));
    let foreign = kaidan_api::seed::users_not_from_demo(&app.db)
        .await
        .unwrap();
    assert!(foreign.is_empty(), "{foreign:?}");

    // Every demo account gets a real password (or is deactivated): the warning goes.
    let admin = app.login("admin").await;
    for u in kaidan_api::seed::USERS
        .iter()
        .filter(|u| u.username != "admin")
    {
        app.post(
            &admin,
            &format!("/api/v1/users/{}/reset-password", app.user(u.username)),
            json!({"new_password": "a-real-password-2026"}),
        )
        .await
        .expect(204);
    }
    app.post(
        &admin,
        "/api/v1/me/password",
        json!({"current_password": PASSWORD, "new_password": "strong-own-pass-2026"}),
    )
    .await
    .expect(200);
    let r = app
        .request(Method::GET, "/readyz", None, None, &[])
        .await
        .expect(200);
    assert!(r.body.get("warnings").is_none(), "{}", r.body);

    // A user the demo did not make means a real install: seed-demo refuses it.
    let admin = app
        .login_full("admin", "strong-own-pass-2026")
        .await
        .expect(200);
    let admin = admin.body["access_token"].as_str().unwrap();
    app.post(
        admin,
        "/api/v1/users",
        json!({"username": "real_boss", "display_name": "老板", "password": "boss-password-2026", "role": "admin"}),
    )
    .await
    .expect(201);
    let foreign = kaidan_api::seed::users_not_from_demo(&app.db)
        .await
        .unwrap();
    assert_eq!(foreign, vec!["real_boss".to_owned()]);
}

#[tokio::test]
async fn two_tabs_refreshing_with_one_cookie_do_not_end_the_session() {
    let app = spawn_app().await;
    let body = json!({"username": "rep_east1", "password": PASSWORD, "refresh_in_cookie": true});
    let r = app
        .request(Method::POST, "/api/v1/auth/login", None, Some(&body), &[])
        .await
        .expect(200);
    let cookies = set_cookies(&r);
    let csrf = cookie_value(&cookies, "kaidan_csrf");
    let jar = format!(
        "kaidan_refresh={}; kaidan_csrf={csrf}",
        cookie_value(&cookies, "kaidan_refresh")
    );
    let headers = [("cookie", jar.as_str()), ("x-csrf-token", csrf.as_str())];
    let (a, b) = tokio::join!(
        app.cookie_call("refresh", &headers),
        app.cookie_call("refresh", &headers),
    );
    let (won, lost) = if a.status == 200 { (a, b) } else { (b, a) };
    let won = won.expect(200);
    let lost = lost.expect(401);
    assert_eq!(lost.code(), "invalid_refresh_token", "not treated as theft");
    // The session lives on: the winner's tokens work, and its cookie refreshes again.
    app.get(won.body["access_token"].as_str().unwrap(), "/api/v1/me")
        .await
        .expect(200);
    let cookies = set_cookies(&won);
    let csrf = cookie_value(&cookies, "kaidan_csrf");
    let jar = format!(
        "kaidan_refresh={}; kaidan_csrf={csrf}",
        cookie_value(&cookies, "kaidan_refresh")
    );
    app.cookie_call(
        "refresh",
        &[("cookie", jar.as_str()), ("x-csrf-token", csrf.as_str())],
    )
    .await
    .expect(200);
}

#[tokio::test]
async fn text_with_a_nul_is_refused_not_a_server_error() {
    // PostgreSQL cannot store or even compare a NUL; every engine must answer the same 4xx.
    let app = spawn_app().await;
    let t = app.login("admin").await;
    let r = app
        .post(
            &t,
            "/api/v1/customers",
            json!({"name": "杭州\u{0}星辰", "force": true}),
        )
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["code"], "invalid_characters");
    app.get(&t, "/api/v1/users?q=%00a").await.expect(422);
    app.get(&t, "/api/v1/customers?q=a%00").await.expect(422);
    app.get(&t, "/api/v1/audit?action=a%00").await.expect(422);
    for _ in 0..6 {
        let r = app.login_full("adm\u{0}in", "whatever-it-is").await;
        assert!(
            r.status == 401 || r.status == 429,
            "{} {}",
            r.status,
            r.body
        );
    }
}

#[tokio::test]
async fn the_idempotency_store_keeps_no_crackable_hash_of_a_password() {
    use sea_orm::{ConnectionTrait, Statement};
    use sha2::{Digest, Sha256};
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let body = json!({"username": "new_boss", "display_name": "新人", "password": "guessable-2026-pw", "role": "admin"});
    let text = serde_json::to_string(&body).unwrap();
    let r = app
        .request(
            Method::POST,
            "/api/v1/users",
            Some(&admin),
            Some(&body),
            &[("idempotency-key", "new-user-1")],
        )
        .await;
    r.expect(201);
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT request_hash FROM idempotency_keys",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "the answer is remembered");
    let plain: String = Sha256::digest(format!("POST\n/api/v1/users\n{text}").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for row in rows {
        let stored: String = row.try_get("", "request_hash").unwrap();
        assert_ne!(
            stored, plain,
            "a plain hash of the body (and its password) was stored"
        );
    }
}

#[tokio::test]
async fn demo_accounts_from_before_the_flag_are_found_at_start() {
    use sea_orm::sea_query::Expr;
    use sea_orm::EntityTrait;
    let app = spawn_app().await;
    // As a database from before the flag existed: no account is flagged.
    kaidan_api::entities::user::Entity::update_many()
        .col_expr(
            kaidan_api::entities::user::Column::DemoPassword,
            Expr::value(false),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let r = app
        .request(Method::GET, "/readyz", None, None, &[])
        .await
        .expect(200);
    assert!(r.body.get("warnings").is_none());
    let mut s = kaidan_api::config::Settings::default().auth;
    s.argon2_memory_kib = 256;
    s.argon2_iterations = 1;
    let hasher = kaidan_api::auth::password::PasswordHasher::new(&s).unwrap();
    let n = kaidan_api::services::user::reconcile_demo_flags(&app.db, &hasher)
        .await
        .unwrap();
    assert_eq!(n, kaidan_api::seed::USERS.len() as u64);
    let r = app
        .request(Method::GET, "/readyz", None, None, &[])
        .await
        .expect(200);
    assert_eq!(r.body["warnings"], json!(["demo_password_in_use"]));
}
