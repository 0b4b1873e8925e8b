//! The surface outside the API spec, as an outsider with only the URL sees it: the web-app route
//! (path traversal in every spelling), the headers of every kind of answer, methods on static
//! paths, request ids and the metrics' label cardinality.

use std::collections::BTreeSet;

use futures_util::StreamExt;
use kaidan_tests::{spawn_app_with, TestApp};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const INDEX_MARK: &str = "KAIDAN-TEST-INDEX";
const SECRET: &str = "TOP-SECRET-OUTSIDE-DIST";
const ASSET: &str = "app-0123456789abcdef.js";

/// A server whose dist folder holds an index and one asset, with a secret file beside the folder
/// and a symlink inside it pointing at the secret.
async fn app_with_dist() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        format!("<!doctype html><html><head><script type=\"module\">import '/{ASSET}';</script></head><body>{INDEX_MARK}</body></html>"),
    )
    .unwrap();
    std::fs::write(dist.join(ASSET), "console.log('app')").unwrap();
    std::fs::write(dir.path().join("secret.pem"), SECRET).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.path().join("secret.pem"), dist.join("linked.js")).unwrap();
    let d = dist.clone();
    let app = spawn_app_with(move |s| s.web.dist_dir = Some(d)).await;
    (app, dir)
}

/// Sends `GET <path>` byte for byte (HTTP clients normalise `..` and `%2e` away, attackers do not)
/// and returns the status and the whole raw answer.
async fn raw_get(app: &TestApp, path: &str) -> (u16, String) {
    let addr = app.address.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn no_spelling_of_a_path_reads_a_file_outside_the_dist_folder() {
    let (app, dir) = app_with_dist().await;
    let secret = dir.path().join("secret.pem");
    let key = dir.path().to_string_lossy().into_owned();
    let long = format!("/{}", "a/".repeat(2000));
    let paths = vec![
        "//etc/passwd".to_owned(),
        "//proc/self/environ".to_owned(),
        "//proc/self/cwd/data/jwt-ed25519.pem".to_owned(),
        format!("/{}", secret.display()),
        format!("//{}", secret.display()),
        "/../secret.pem".to_owned(),
        "/%2e%2e/secret.pem".to_owned(),
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd".to_owned(),
        "/..%2fsecret.pem".to_owned(),
        "/..%2f..%2f..%2fetc%2fpasswd".to_owned(),
        "/%2f%2fetc/passwd".to_owned(),
        "/%2fetc%2fpasswd".to_owned(),
        "/.%2e/secret.pem".to_owned(),
        "/%2e./secret.pem".to_owned(),
        "/customers//..//..//secret.pem".to_owned(),
        format!("/{ASSET}/../../secret.pem"),
        "/..\\secret.pem".to_owned(),
        "/%5c..%5csecret.pem".to_owned(),
        "/..%5c..%5cetc%5cpasswd".to_owned(),
        "/%c0%ae%c0%ae/secret.pem".to_owned(),
        "/linked.js".to_owned(),
        "/.env".to_owned(),
        "/index.html%00.js".to_owned(),
        long,
    ];
    for path in &paths {
        let (status, body) = raw_get(&app, path).await;
        assert!(
            !body.contains(SECRET) && !body.contains("root:x:0:0") && !body.contains("PRIVATE KEY"),
            "{path} leaked a file: {body}"
        );
        assert!(
            !body.contains(&key) || status == 404,
            "{path}: the answer names the server's folders: {body}"
        );
        match status {
            200 => assert!(
                body.contains(INDEX_MARK),
                "{path}: 200 must be the index: {body}"
            ),
            404 => assert!(
                body.to_ascii_lowercase()
                    .contains("content-type: application/problem+json"),
                "{path}: 404 must be a problem: {body}"
            ),
            // The HTTP layer itself may refuse what is not a request line.
            400 | 414 | 431 => {}
            other => panic!("{path}: unexpected status {other}: {body}"),
        }
    }
    // The real asset is served, streamed with its length.
    let (status, body) = raw_get(&app, &format!("/{ASSET}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("console.log('app')"));
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers() {
    let (app, _dir) = app_with_dist().await;
    let token = app.login("rep_east1").await;
    let c = &app.client;
    let cases: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("index", c.get(format!("{}/", app.address))),
        (
            "client route",
            c.get(format!("{}/customers/1", app.address)),
        ),
        ("asset", c.get(format!("{}/{ASSET}", app.address))),
        (
            "api",
            c.get(format!("{}/api/v1/me", app.address))
                .bearer_auth(&token),
        ),
        (
            "problem",
            c.get(format!("{}/api/v1/customers", app.address)),
        ),
        (
            "404",
            c.get(format!("{}/api/v1/no-such-thing", app.address)),
        ),
        ("405", c.post(format!("{}/index.html", app.address))),
        ("docs", c.get(format!("{}/api/docs", app.address))),
        ("spec", c.get(format!("{}/api/openapi.json", app.address))),
        ("health", c.get(format!("{}/healthz", app.address))),
    ];
    for (what, rb) in cases {
        let r = rb.send().await.unwrap();
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{what}");
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{what}");
        assert_eq!(header(&r, "referrer-policy"), "no-referrer", "{what}");
        let pp = header(&r, "permissions-policy");
        assert!(
            pp.contains("geolocation=(self)")
                && pp.contains("camera=(self)")
                && pp.contains("microphone=()"),
            "{what}: {pp}"
        );
        assert!(!header(&r, "x-request-id").is_empty(), "{what}");
        let csp = header(&r, "content-security-policy").to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains(" 'unsafe-eval'"),
            "{what}: {csp}"
        );
        let html = header(&r, "content-type").starts_with("text/html");
        if html {
            assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
            let body = r.text().await.unwrap();
            if body.contains("<script") && !body.contains("<script src") {
                assert!(
                    csp.contains("'sha256-"),
                    "{what}: inline script allowed by hash: {csp}"
                );
            }
        } else {
            assert!(csp.starts_with("default-src 'none'"), "{what}: {csp}");
        }
    }
}

#[tokio::test]
async fn static_paths_answer_get_and_head_only() {
    let (app, _dir) = app_with_dist().await;
    let head = app
        .client
        .head(format!("{}/{ASSET}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status().as_u16(), 200);
    for (m, path) in [
        (Method::POST, "/index.html"),
        (Method::PUT, format!("/{ASSET}").leak() as &str),
        (Method::DELETE, "/customers/1"),
        (Method::PATCH, "/"),
    ] {
        let r = app
            .request(m.clone(), path, None, None, &[])
            .await
            .expect(405);
        assert_eq!(
            r.header("allow").as_deref(),
            Some("GET, HEAD"),
            "{m} {path}"
        );
    }
    // API paths keep their own answers.
    let r = app
        .request(Method::PUT, "/api/v1/customers", None, None, &[])
        .await
        .expect(405);
    assert_eq!(r.header("allow").as_deref(), Some("GET, POST"));
}

#[tokio::test]
async fn only_short_safe_request_ids_are_kept() {
    let (app, _dir) = app_with_dist().await;
    let ok = app
        .request(
            Method::GET,
            "/healthz",
            None,
            None,
            &[("x-request-id", "abc-123")],
        )
        .await;
    assert_eq!(ok.header("x-request-id").as_deref(), Some("abc-123"));
    let long = "a".repeat(65);
    for bad in [
        "<script>alert(1)</script>",
        "a b",
        "a.b;c",
        long.as_str(),
        "ab%0d%0aSet-Cookie:x",
    ] {
        let r = app
            .request(
                Method::GET,
                "/healthz",
                None,
                None,
                &[("x-request-id", bad)],
            )
            .await;
        let id = r.header("x-request-id").unwrap_or_default();
        assert_ne!(id, bad);
        assert!(
            uuid::Uuid::parse_str(&id).is_ok(),
            "a fresh id replaces {bad:?}: {id}"
        );
    }
}

fn series(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| l.starts_with("kaidan_http_requests_total{"))
        .map(|l| l.rsplit_once(' ').map_or(l, |(k, _)| k).to_owned())
        .collect()
}

#[tokio::test]
async fn random_methods_and_paths_cannot_grow_the_metrics() {
    let (app, _dir) = app_with_dist().await;
    let methods = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "FOO", "PROPFIND", "BREW",
    ];
    let shapes = |m: usize, r: u64| -> (Method, String) {
        let method = Method::from_bytes(methods[m % methods.len()].as_bytes()).unwrap();
        let path = match (r % 4, r / 4) {
            (0, n) => format!("/r{n}/page"),
            (1, n) => format!("/api/v1/x{n}"),
            (2, n) => format!("/api/v1/customers/not-an-id-{n}"),
            (_, n) => format!("/static{n}/a-{n}.js"),
        };
        (method, path)
    };
    let send = |method: Method, path: String| {
        let client = app.client.clone();
        let url = format!("{}{}", app.address, path);
        async move {
            let _ = client.request(method, url).send().await;
        }
    };
    // Every (method, shape) once, so every label combination exists before we count.
    for m in 0..methods.len() {
        for shape in 0..4 {
            let (method, path) = shapes(m, shape);
            send(method, path).await;
        }
    }
    let metrics = |app: &TestApp| {
        let client = app.client.clone();
        let url = format!("{}/metrics", app.address);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let before = series(&metrics(&app).await);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let requests: Vec<(Method, String)> = (0..10_000)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let (method, path) = shapes(i, 4 + seed % 1_000_000);
            // Every third request invents a method of its own.
            let method = if seed.is_multiple_of(3) {
                Method::from_bytes(format!("X{}", seed % 100_000).as_bytes()).unwrap()
            } else {
                method
            };
            (method, path)
        })
        .collect();
    futures_util::stream::iter(requests)
        .map(|(m, p)| send(m, p))
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    let text = metrics(&app).await;
    let after = series(&text);
    // The metrics request itself may add its own series once.
    let grown: Vec<&String> = after
        .difference(&before)
        .filter(|s| !s.contains("route=\"/metrics\""))
        .collect();
    assert!(grown.is_empty(), "new series: {grown:?}");
    assert!(!text.contains("/r1") && !text.contains("not-an-id") && !text.contains("PROPFIND"));
    assert!(!text.contains("method=\"X"), "invented methods are OTHER");
}

#[tokio::test]
async fn metrics_can_require_a_token_or_move_to_their_own_address() {
    let app = spawn_app_with(|s| {
        s.metrics.bearer_token = Some("metrics-token-0123456789".into());
    })
    .await;
    let url = format!("{}/metrics", app.address);
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = app
        .client
        .get(&url)
        .bearer_auth("wrong-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = app
        .client
        .get(&url)
        .bearer_auth("metrics-token-0123456789")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("kaidan_http_requests_total"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = spawn_app_with(move |s| s.metrics.listen = Some(format!("127.0.0.1:{port}"))).await;
    app.request(Method::GET, "/metrics", None, None, &[])
        .await
        .expect(404);
    let r = app
        .client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

/// The installable app: the service worker is revalidated on every load (a new release reaches
/// phones at once) and may fetch only this origin (its policy is its script's); the manifest is
/// served as a manifest.
#[tokio::test]
async fn the_service_worker_and_manifest_are_served_for_an_installable_app() {
    let (app, dir) = app_with_dist().await;
    let dist = dir.path().join("dist");
    std::fs::write(
        dist.join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .unwrap();
    std::fs::write(dist.join("manifest.webmanifest"), r#"{"name":"开单"}"#).unwrap();
    let c = reqwest::Client::new();
    let sw = c
        .get(format!("{}/sw.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(sw.status(), 200);
    assert!(header(&sw, "content-type").contains("javascript"));
    assert_eq!(header(&sw, "cache-control"), "no-cache");
    let csp = header(&sw, "content-security-policy");
    assert!(csp.contains("connect-src 'self'"), "{csp}");
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let m = c
        .get(format!("{}/manifest.webmanifest", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(m.status(), 200);
    assert_eq!(header(&m, "content-type"), "application/manifest+json");
    // Any other script keeps the policy that lets it load nothing.
    let other = c
        .get(format!("{}/{ASSET}", app.address))
        .send()
        .await
        .unwrap();
    assert!(!header(&other, "content-security-policy").contains("connect-src"));
}

/// The team map's tiles come from the origin an admin configured: the app's page allows images
/// from it (at once on the instance that saved it) and from no other, and a template that would
/// write anything else into the policy is refused, leaving the policy as it was.
#[tokio::test]
async fn the_page_allows_images_from_the_configured_tiles_only() {
    let (app, _dir) = app_with_dist().await;
    let c = reqwest::Client::new();
    let img_src = || async {
        let r = c
            .get(format!("{}/visits", app.address))
            .send()
            .await
            .unwrap();
        let csp = header(&r, "content-security-policy").to_owned();
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with("img-src"))
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(img_src().await, "img-src 'self' data: blob:");
    let admin = app.sign_in("admin").await;
    let settings = app
        .get(&admin.token, "/api/v1/visit-settings")
        .await
        .expect(200);
    let etag = settings.etag();
    for bad in [
        "https://a.example.com;script-src *;/{z}/{x}/{y}.png",
        "https://a.example.com:443,https://evil.example/{z}/{x}/{y}",
        "https://user@evil.example/{z}/{x}/{y}",
    ] {
        let r = app
            .request(
                Method::PUT,
                "/api/v1/visit-settings",
                Some(&admin.token),
                Some(&serde_json::json!({"radius_m": 500, "tile_url": bad})),
                &[("if-match", &etag)],
            )
            .await
            .expect(422);
        assert_eq!(r.error_fields(), ["tile_url"], "{bad}");
    }
    assert_eq!(img_src().await, "img-src 'self' data: blob:");
    app.request(
        Method::PUT,
        "/api/v1/visit-settings",
        Some(&admin.token),
        Some(&serde_json::json!({
            "radius_m": 500,
            "tile_url": "https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
            "tile_gcj02": true,
        })),
        &[("if-match", &etag)],
    )
    .await
    .expect(200);
    assert_eq!(
        img_src().await,
        "img-src 'self' data: blob: https://*.is.autonavi.com"
    );
}
