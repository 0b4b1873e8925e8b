use kaidan_tests::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn unknown_fields_and_malformed_json_are_bad_requests() {
    let app = spawn_app().await;
    let t = app.login("rep_east1").await;
    let r = app
        .post(&t, "/api/v1/customers", json!({"name": "x", "owner": "me"}))
        .await
        .expect(400);
    assert_eq!(r.code(), "bad_request");
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("unknown field `owner`"));

    let raw = app
        .client
        .post(format!("{}/api/v1/customers", app.address))
        .bearer_auth(&t)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(raw.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn validation_lists_every_bad_field_and_loses_nothing() {
    let app = spawn_app().await;
    let t = app.login("rep_east1").await;
    let r = app
        .post(
            &t,
            "/api/v1/customers",
            json!({"name": " ", "credit_code": "91350100M000100Y44", "phone": "call me", "lat": 91.0, "lng": 10.0,
                   "contacts": [{"name": "李雷", "email": "not-an-email"}]}),
        )
        .await
        .expect(422);
    assert_eq!(r.code(), "validation_failed");
    let fields = r.error_fields();
    assert_eq!(
        fields,
        ["name", "credit_code", "phone", "lat", "contacts[0].email"]
    );
    assert_eq!(r.body["errors"][1]["code"], "invalid_checksum");
    assert!(
        app.get(&t, "/api/v1/customers").await.expect(200).body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let long = "长".repeat(201);
    let r = app
        .post(&t, "/api/v1/customers", json!({"name": long}))
        .await
        .expect(422);
    assert_eq!(r.body["errors"][0]["code"], "too_long");
}

#[tokio::test]
async fn oversized_bodies_and_wrong_media_types_get_problems() {
    let app = spawn_app().await;
    let t = app.login("rep_east1").await;
    let big = "x".repeat(300 * 1024);
    let r = app
        .post(&t, "/api/v1/customers", json!({"name": "n", "notes": big}))
        .await
        .expect(413);
    assert_eq!(r.code(), "payload_too_large");

    let res = app
        .client
        .post(format!("{}/api/v1/customers", app.address))
        .bearer_auth(&t)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 415);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unsupported_media_type");
}

#[tokio::test]
async fn unknown_paths_bad_ids_and_bad_queries_are_problems_without_internals() {
    let app = spawn_app().await;
    let t = app.login("rep_east1").await;
    let r = app.get(&t, "/api/v1/nothing-here").await.expect(404);
    assert_eq!(r.code(), "not_found");
    // A known path with a method it does not accept: 405 and the methods it does.
    let r = app
        .request(
            Method::PUT,
            "/api/v1/customers",
            Some(&t),
            Some(&json!({})),
            &[],
        )
        .await
        .expect(405);
    assert_eq!(r.code(), "method_not_allowed");
    assert_eq!(r.header("allow").as_deref(), Some("GET, POST"));
    let r = app
        .request(Method::GET, "/api/v1/auth/login", None, None, &[])
        .await
        .expect(405);
    assert_eq!(r.header("allow").as_deref(), Some("POST"));
    let id = uuid::Uuid::now_v7();
    let r = app
        .request(
            Method::PUT,
            &format!("/api/v1/customers/{id}"),
            Some(&t),
            None,
            &[],
        )
        .await
        .expect(405);
    assert_eq!(r.header("allow").as_deref(), Some("DELETE, GET, PATCH"));
    let r = app
        .get(&t, "/api/v1/customers/not-a-uuid")
        .await
        .expect(400);
    assert_eq!(r.code(), "bad_request");
    let r = app.get(&t, "/api/v1/customers?level=Z").await.expect(400);
    assert_eq!(r.code(), "bad_request");
    let r = app
        .get(&t, "/api/v1/customers?colour=red")
        .await
        .expect(400);
    let text = r.body.to_string().to_lowercase();
    for leak in ["select ", "sqlx", "panicked", "src/", "backtrace"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    let r = app
        .request(
            Method::POST,
            "/api/v1/customers",
            Some(&t),
            Some(&json!({"name": "x"})),
            &[("idempotency-key", "")],
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let r = app
        .request(Method::GET, "/healthz", None, None, &[])
        .await
        .expect(200);
    assert!(r.header("x-request-id").is_some());
    let r = app
        .request(
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", "trace-abc-123")],
        )
        .await;
    assert_eq!(r.header("x-request-id").as_deref(), Some("trace-abc-123"));
}

#[tokio::test]
async fn json_bodies_must_be_objects_not_arrays() {
    // serde would read `["华北"]` as `{"name": "华北"}` and `[null]` as `{}`.
    let app = kaidan_tests::spawn_app().await;
    let admin = app.login("admin").await;
    for (path, body) in [
        ("/api/v1/regions", serde_json::json!(["华北"])),
        ("/api/v1/auth/logout", serde_json::json!([null])),
        ("/api/v1/auth/refresh", serde_json::json!([])),
        (
            "/api/v1/auth/login",
            serde_json::json!(["admin", kaidan_tests::PASSWORD]),
        ),
        ("/api/v1/customers", serde_json::json!("a string")),
    ] {
        let r = app.post(&admin, path, body).await.expect(400);
        assert_eq!(r.code(), "bad_request", "{path}");
    }
    let regions = app.get(&admin, "/api/v1/regions").await.expect(200);
    assert!(
        !regions.body.to_string().contains("华北"),
        "nothing was created"
    );
}
