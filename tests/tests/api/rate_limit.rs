//! Rate limits: the headers, 429 with `Retry-After`, one budget shared by two instances through
//! Redis, and requests let through when Redis goes away mid-test.
//!
//! Each test reaches the machine's Redis (`KAIDAN_TEST_REDIS_URL`, default
//! `redis://127.0.0.1:6379`) through a proxy of its own, so "Redis stopped" is this test's proxy
//! stopping — the Redis other tests share keeps running — and keys carry a prefix of their own.

use std::sync::{Arc, Mutex};

use kaidan_tests::{spawn_app_with, Resp, TestApp};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// A TCP proxy to the real Redis; `stop` closes it and every connection through it.
struct Proxy {
    url: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let upstream = std::env::var("KAIDAN_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let upstream = upstream
            .trim_start_matches("redis://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        TcpStream::connect(&upstream)
            .await
            .unwrap_or_else(|e| panic!("Redis at {upstream} (KAIDAN_TEST_REDIS_URL): {e}"));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}/", listener.local_addr().unwrap());
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let inner = tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                let upstream = upstream.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                inner.lock().unwrap().push(conn);
            }
        });
        tasks.lock().unwrap().push(accept);
        Proxy { url, tasks }
    }

    fn stop(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn on_redis(proxy: &Proxy, per_user: u64) -> TestApp {
    let url = proxy.url.clone();
    spawn_app_with(move |s| {
        s.redis.url = Some(url.into());
        s.redis.key_prefix = format!("test-{}", Uuid::now_v7().simple());
        // The suite loads both cores: a slow answer must not pass for an outage here.
        s.redis.timeout_ms = 10_000;
        s.rate_limit.per_user = per_user;
    })
    .await
}

fn num(r: &Resp, h: &str) -> u64 {
    r.header(h)
        .unwrap_or_else(|| panic!("{h} on {}: {:?}", r.status, r.headers))
        .parse()
        .unwrap()
}

/// Makes one request in a window with at least `secs` of it left (waiting out the end of one
/// that has less), so a test's requests that follow fall in the same window as it.
async fn fresh_window(app: &TestApp, token: &str, secs: u64) {
    loop {
        let r = app.get(token, "/api/v1/customers").await;
        let reset = num(&r, "ratelimit-reset");
        if reset >= secs {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_secs(reset + 1)).await;
    }
}

#[tokio::test]
async fn two_instances_on_one_redis_share_a_callers_budget_and_say_where_it_stands() {
    let proxy = Proxy::start().await;
    let app = on_redis(&proxy, 6).await;
    let other = app.another_instance().await;
    let token = app.login("rep_east1").await;
    fresh_window(&app, &token, 20).await;
    // A new window: the first request spent one of six.
    let first = app.get(&token, "/api/v1/teams").await.expect(200);
    let left = num(&first, "ratelimit-remaining");
    assert_eq!(num(&first, "ratelimit-limit"), 6);
    assert_eq!(first.header("ratelimit-policy").as_deref(), Some("6;w=60"));
    let reset = num(&first, "ratelimit-reset");
    assert!((1..=60).contains(&reset), "{reset}");
    // The rest of the budget, spent on both instances.
    let mut remaining = Vec::new();
    for i in 0..left {
        let on = if i % 2 == 0 { &other } else { &app };
        let r = on.get(&token, "/api/v1/teams").await.expect(200);
        remaining.push(num(&r, "ratelimit-remaining"));
    }
    assert_eq!(remaining.last(), Some(&0), "{remaining:?}");
    // Either instance now refuses, saying when to come back.
    for on in [&app, &other] {
        let r = on.get(&token, "/api/v1/teams").await.expect(429);
        assert_eq!(r.code(), "too_many_requests");
        let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=60).contains(&retry), "{retry}");
        assert_eq!(num(&r, "ratelimit-remaining"), 0);
        assert!(r
            .header("content-type")
            .unwrap()
            .starts_with("application/problem+json"));
    }
    // Another person's budget is their own.
    let rep2 = app.login("rep_east2").await;
    app.get(&rep2, "/api/v1/teams").await.expect(200);
}

#[tokio::test]
async fn a_clients_own_rate_and_the_lower_budget_of_searches_apply() {
    let proxy = Proxy::start().await;
    let url = proxy.url.clone();
    let app = spawn_app_with(move |s| {
        s.redis.url = Some(url.into());
        s.redis.key_prefix = format!("test-{}", Uuid::now_v7().simple());
        s.redis.timeout_ms = 10_000;
        s.rate_limit.expensive = 2;
    })
    .await;
    let admin = app.login("admin").await;
    let (id, secret) = app
        .register_client(
            &admin,
            json!({"name": "限速应用", "scopes": ["customers:read"], "rate_per_minute": 3}),
        )
        .await;
    let token = app.client_token(&id, &secret, None).await;
    fresh_window(&app, &token, 20).await;
    let r = app.get(&token, "/api/v1/customers").await.expect(200);
    assert_eq!(num(&r, "ratelimit-limit"), 3);
    app.get(&token, "/api/v1/customers").await.expect(200);
    let r = app.get(&token, "/api/v1/customers").await.expect(429);
    assert!(r.header("retry-after").is_some());

    // Searches count in a bucket of their own, with a lower limit.
    let rep = app.login("rep_east1").await;
    fresh_window(&app, &rep, 20).await;
    for _ in 0..2 {
        let r = app.get(&rep, "/api/v1/customers?q=公司").await.expect(200);
        assert_eq!(num(&r, "ratelimit-limit"), 2);
    }
    app.get(&rep, "/api/v1/customers?q=公司").await.expect(429);
    // Plain reads still go through.
    app.get(&rep, "/api/v1/customers").await.expect(200);
}

#[tokio::test]
async fn when_redis_goes_away_requests_go_through_and_the_metric_counts_them() {
    let proxy = Proxy::start().await;
    let app = on_redis(&proxy, 3).await;
    let token = app.login("rep_east1").await;
    let r = app.get(&token, "/api/v1/teams").await.expect(200);
    assert!(r.header("ratelimit-remaining").is_some());

    proxy.stop();
    // Past the limit of three, and nothing is refused or fails.
    for _ in 0..6 {
        let r = app.get(&token, "/api/v1/teams").await.expect(200);
        assert!(
            r.header("ratelimit-remaining").is_none(),
            "no standing to report without the store"
        );
    }
    let metrics = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let errors: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("kaidan_rate_limit_store_errors_total "))
        .expect("the metric is exposed")
        .trim()
        .parse()
        .unwrap();
    assert!(errors >= 1, "{errors}");
}

#[tokio::test]
async fn requests_without_a_valid_token_are_the_addresss_whatever_they_carry() {
    let app = spawn_app_with(|s| s.rate_limit.anonymous_per_ip = 3).await;
    let body = json!({"username": "nobody", "password": "wrong-password-1"});
    let mut statuses = Vec::new();
    for i in 0..4 {
        // A made-up bearer token does not move the request into some other budget.
        let r = app
            .request(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                None,
                Some(&body),
                &[("Authorization", &format!("Bearer not-a-token-{i}"))],
            )
            .await;
        statuses.push(r.status);
        if r.status == 429 {
            assert!(r.header("retry-after").is_some());
            assert_eq!(num(&r, "ratelimit-limit"), 3);
        }
    }
    // Three wrong passwords, then the address is out of its budget (or the window turned, and
    // the fourth is the new window's first).
    assert_eq!(&statuses[..3], &[401, 401, 401], "{statuses:?}");
    assert!(statuses[3] == 429 || statuses[3] == 401, "{statuses:?}");
}
