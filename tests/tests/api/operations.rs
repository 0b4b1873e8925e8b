use kaidan_tests::spawn_app;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    app.request(Method::GET, "/healthz", None, None, &[])
        .await
        .expect(200);
    let r = app
        .request(Method::GET, "/readyz", None, None, &[])
        .await
        .expect(200);
    assert_eq!(r.body["database"], "ok");
    let t = app.login("rep_east1").await;
    app.get(&t, "/api/v1/customers").await.expect(200);
    let m = app
        .request(Method::GET, "/metrics", None, None, &[])
        .await
        .expect(200);
    let text = m.body.as_str().unwrap();
    assert!(text.contains("kaidan_http_requests_total{method=\"GET\",route=\"/api/v1/customers\",status=\"200\"} 1"), "{text}");
    assert!(text.contains("kaidan_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn the_spec_is_served_current_and_documented() {
    let app = spawn_app().await;
    let r = app
        .request(Method::GET, "/api/openapi.json", None, None, &[])
        .await
        .expect(200);
    let served = r.body;
    let generated: serde_json::Value =
        serde_json::from_str(&kaidan_api::openapi::spec_json()).unwrap();
    assert_eq!(served, generated);
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .expect("openapi/openapi.json is checked in");
    assert!(
        checked_in == kaidan_api::openapi::spec_json(),
        "openapi/openapi.json is stale: run `cargo run -p kaidan-api -- openapi > openapi/openapi.json`"
    );
    // Every operation documents its failure modes with problem bodies.
    for (path, item) in served["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("500"),
                "{method} {path} documents 500"
            );
            if op.get("security").is_some() {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
            }
            // OAuth2's token endpoint takes a form and answers RFC 6749's errors: a body it
            // cannot take is 400 `invalid_request`, never 415 or 422.
            let form = op
                .pointer("/requestBody/content/application~1x-www-form-urlencoded")
                .is_some();
            if form {
                for s in ["400", "401", "413"] {
                    assert!(responses.contains_key(s), "{method} {path} documents {s}");
                }
            } else if op.get("requestBody").is_some() {
                for s in ["400", "413", "415", "422"] {
                    assert!(responses.contains_key(s), "{method} {path} documents {s}");
                }
            }
        }
    }
    // Every reference resolves: a client generator or a fuzzer skips what it cannot find.
    let mut refs = Vec::new();
    collect_refs(&served, &mut refs);
    for r in refs {
        let pointer = r
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("{r} is a local reference"));
        assert!(served.pointer(pointer).is_some(), "{r} resolves");
    }
    let docs = app
        .client
        .get(format!("{}/api/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    let html = docs.text().await.unwrap();
    assert!(html.contains("/api/openapi.json"));
    // How to authenticate both ways, the limits, webhook signatures and the errors, beside the
    // operations.
    for guide in [
        "grant_type=client_credentials",
        "RateLimit-Remaining",
        "Retry-After",
        "problem+json",
        "webhook-signature",
        "hmac.compare_digest",
    ] {
        assert!(html.contains(guide), "the docs page explains {guide}");
    }
    assert!(
        !html.contains("https://"),
        "the docs page loads nothing from the internet"
    );
}

fn collect_refs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_root_serves_a_page_and_unknown_api_paths_stay_json() {
    let app = spawn_app().await;
    let r = app
        .client
        .get(format!("{}/customers/123", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let r = app
        .request(Method::GET, "/api/v2/anything", None, None, &[])
        .await
        .expect(404);
    assert_eq!(r.code(), "not_found");
}

/// On SQLite the write-ahead log reaches the database file in the background within a second or
/// two: no request has to run the checkpoint (and its fsync) while holding the write lock. A
/// few writes are far below the writer's own threshold, so without the background checkpointer
/// the file would not change at all.
#[tokio::test]
async fn sqlite_writes_reach_the_database_file_in_the_background() {
    let app = spawn_app().await;
    let Some(file) = app.sqlite_file() else {
        return; // PostgreSQL and MySQL keep their own logs
    };
    let t = app.login("rep_east1").await;
    let modified = || std::fs::metadata(&file).unwrap().modified().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let before = modified();
    for i in 0..3 {
        app.post(
            &t,
            "/api/v1/customers",
            json!({"name": format!("检查点测试{i}有限公司")}),
        )
        .await
        .expect(201);
    }
    let mut waited = 0;
    while modified() == before {
        assert!(
            waited < 50,
            "the writes did not reach the database file in 5 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
}
