//! Rate limits per caller: fixed one-minute windows per person (`per_user`), per API client (its
//! own `rate_per_minute`, else `per_client`) and, for requests without a token, per address
//! (`anonymous_per_ip`); searches and reports count in a lower bucket of their own
//! (`expensive`). Every `/api` and `/oauth` answer says where the caller stands
//! (`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` in seconds, and
//! `RateLimit-Policy`); past the limit, 429 `too_many_requests` with `Retry-After`.
//!
//! The counters live in Redis when `redis.url` is set, so every instance behind a load balancer
//! shares them (`INCR` and `EXPIRE` in one round trip per request), and in this process's memory
//! otherwise. When Redis cannot be reached the request goes through (fail open: a limit is a
//! courtesy to the service, never a reason for a 500), without the headers (nothing true to say),
//! counted in `kaidan_rate_limit_store_errors_total` and logged at most once a minute.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest, ResponseError};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::metrics::Metrics;
use crate::state::AppState;

/// The length of a window.
const WINDOW_SECS: u64 = 60;
/// After Redis failed, how long requests go through without asking it again (so an outage costs
/// each request nothing, not a timeout).
const STORE_BACKOFF: Duration = Duration::from_secs(1);
/// How often a store failure is logged at most.
const WARN_EVERY: Duration = Duration::from_secs(60);
/// Counters kept in memory before old windows are swept out.
const MAX_MEMORY_KEYS: usize = 100_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// `false` turns every limit off (the headers too).
    pub enabled: bool,
    /// Requests a minute for a signed-in person.
    pub per_user: u64,
    /// Requests a minute for an API client without a rate of its own.
    pub per_client: u64,
    /// Requests a minute from one address without a token (sign-in, the token endpoint, health).
    pub anonymous_per_ip: u64,
    /// Searches (`q`), the board and statistics: requests a minute, counted apart.
    pub expensive: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        RateLimitSettings {
            enabled: true,
            per_user: 600,
            per_client: 600,
            anonymous_per_ip: 300,
            expensive: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[:password@]host:port[/db]`; unset: counters in memory. It may hold a password:
    /// never logged (nothing here derives `Debug` over the client).
    #[serde(default, skip_serializing)]
    pub url: Option<SecretString>,
    /// Put before every key, so several deployments can share one Redis.
    #[serde(default = "default_prefix")]
    pub key_prefix: String,
    /// How long one round trip (or connecting) may take before the request goes on without it
    /// (milliseconds).
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
}

impl Default for RedisSettings {
    fn default() -> Self {
        RedisSettings {
            url: None,
            key_prefix: default_prefix(),
            timeout_ms: default_timeout_ms(),
        }
    }
}

fn default_prefix() -> String {
    "kaidan".into()
}

fn default_timeout_ms() -> u64 {
    250
}

/// Which budget a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Standard,
    /// Searches and reports.
    Expensive,
}

impl Bucket {
    fn key(self) -> &'static str {
        match self {
            Bucket::Standard => "std",
            Bucket::Expensive => "exp",
        }
    }

    /// The bucket of `method` on the route `pattern` with `query`: a search (a non-empty `q`),
    /// the deal board and the statistics are expensive.
    pub fn of(method: &str, pattern: &str, query: &str) -> Bucket {
        let searching = query
            .split('&')
            .any(|p| p.strip_prefix("q=").is_some_and(|v| !v.is_empty()));
        let report = matches!(pattern, "/api/v1/opportunity-board" | "/api/v1/visit-stats");
        if method == "GET" && (searching || report) {
            Bucket::Expensive
        } else {
            Bucket::Standard
        }
    }
}

/// Where a caller stands in its window, as the headers say it.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window ends.
    pub reset: u64,
    pub allowed: bool,
}

/// This process's counters: the current window's only.
#[derive(Default)]
struct Memory {
    window: u64,
    counts: HashMap<String, u64>,
}

enum Store {
    Memory(Mutex<Memory>),
    Redis {
        client: redis::Client,
        conn: tokio::sync::Mutex<Option<redis::aio::ConnectionManager>>,
        /// Until when Redis is not asked again after a failure.
        resting_until: Mutex<Option<Instant>>,
    },
}

pub struct RateLimiter {
    settings: RateLimitSettings,
    prefix: String,
    timeout: Duration,
    store: Store,
    metrics: Arc<Metrics>,
    warned_at: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub fn new(
        settings: RateLimitSettings,
        redis: &RedisSettings,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<RateLimiter> {
        let store = match &redis.url {
            Some(url) => Store::Redis {
                client: redis::Client::open(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("redis.url: {e}"))?,
                conn: tokio::sync::Mutex::new(None),
                resting_until: Mutex::new(None),
            },
            None => Store::Memory(Mutex::default()),
        };
        Ok(RateLimiter {
            settings,
            prefix: redis.key_prefix.clone(),
            timeout: Duration::from_millis(redis.timeout_ms),
            store,
            metrics,
            warned_at: Mutex::new(None),
        })
    }

    pub fn settings(&self) -> &RateLimitSettings {
        &self.settings
    }

    /// Counts one request of `principal` in `bucket` against `limit` (the expensive bucket has
    /// its own limit); `None` when limits are off or the store could not be reached.
    pub async fn hit(&self, principal: &str, bucket: Bucket, limit: u64) -> Option<Standing> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        self.hit_at(principal, bucket, limit, now).await
    }

    /// [`hit`](Self::hit) at `now` (Unix seconds).
    async fn hit_at(
        &self,
        principal: &str,
        bucket: Bucket,
        limit: u64,
        now: u64,
    ) -> Option<Standing> {
        if !self.settings.enabled {
            return None;
        }
        let limit = match bucket {
            Bucket::Standard => limit,
            Bucket::Expensive => self.settings.expensive.min(limit),
        };
        let window = now / WINDOW_SECS;
        let key = format!("{}:rl:{principal}:{}:{window}", self.prefix, bucket.key());
        let count = match &self.store {
            Store::Memory(memory) => {
                let mut m = memory.lock().unwrap_or_else(|p| p.into_inner());
                // A new window: the last one's counters are of no more use.
                if m.window != window {
                    m.window = window;
                    m.counts.clear();
                }
                let full = m.counts.len() >= MAX_MEMORY_KEYS;
                match m.counts.get_mut(&key) {
                    Some(c) => {
                        *c += 1;
                        *c
                    }
                    // Full (a flood of distinct callers): the newcomer goes uncounted rather
                    // than the map growing without bound.
                    None if full => return None,
                    None => {
                        m.counts.insert(key, 1);
                        1
                    }
                }
            }
            Store::Redis {
                client,
                conn,
                resting_until,
            } => match self.redis_incr(client, conn, resting_until, &key).await {
                Ok(c) => c,
                Err(e) => {
                    self.store_failed(&e);
                    return None;
                }
            },
        };
        Some(Standing {
            limit,
            remaining: limit.saturating_sub(count),
            reset: WINDOW_SECS - now % WINDOW_SECS,
            allowed: count <= limit,
        })
    }

    async fn redis_incr(
        &self,
        client: &redis::Client,
        conn: &tokio::sync::Mutex<Option<redis::aio::ConnectionManager>>,
        resting_until: &Mutex<Option<Instant>>,
        key: &str,
    ) -> anyhow::Result<u64> {
        let resting = resting_until
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|t| Instant::now() < t);
        if resting {
            anyhow::bail!("redis failed a moment ago");
        }
        let result = tokio::time::timeout(self.timeout, async {
            let mut manager = {
                let mut slot = conn.lock().await;
                match slot.as_ref() {
                    Some(m) => m.clone(),
                    None => {
                        let m = client.get_connection_manager().await?;
                        *slot = Some(m.clone());
                        m
                    }
                }
            };
            let (count,): (u64,) = redis::pipe()
                .atomic()
                .incr(key, 1u64)
                .expire(key, (2 * WINDOW_SECS) as i64)
                .ignore()
                .query_async(&mut manager)
                .await?;
            Ok::<u64, redis::RedisError>(count)
        })
        .await;
        let failed = |why: anyhow::Error| {
            *resting_until.lock().unwrap_or_else(|p| p.into_inner()) =
                Some(Instant::now() + STORE_BACKOFF);
            Err(why)
        };
        match result {
            Ok(Ok(c)) => Ok(c),
            Ok(Err(e)) => failed(e.into()),
            Err(_) => failed(anyhow::anyhow!(
                "redis did not answer within {:?}",
                self.timeout
            )),
        }
    }

    fn store_failed(&self, e: &anyhow::Error) {
        self.metrics
            .rate_limit_store_errors
            .fetch_add(1, Ordering::Relaxed);
        let mut warned = self.warned_at.lock().unwrap_or_else(|p| p.into_inner());
        if warned.is_none_or(|t| t.elapsed() >= WARN_EVERY) {
            *warned = Some(Instant::now());
            tracing::warn!(error = %e, "rate-limit counters unreachable; requests go through unlimited");
        }
    }
}

/// Counts a request of `principal` (a person `u:…` or a client `c:…`) against `limit` and keeps
/// where it stands on the request for the headers. A request is counted once however often it
/// is authenticated (the idempotency replay authenticates before the handler does). Past the
/// limit: 429 with `Retry-After`.
pub async fn charge(
    state: &AppState,
    req: &HttpRequest,
    principal: &str,
    limit: u64,
) -> Result<(), AppError> {
    if let Some(s) = req.extensions().get::<Standing>().copied() {
        return refuse_if_over(s);
    }
    let pattern = req.match_pattern().unwrap_or_default();
    let bucket = Bucket::of(req.method().as_str(), &pattern, req.query_string());
    let Some(s) = state.limiter.hit(principal, bucket, limit).await else {
        return Ok(());
    };
    req.extensions_mut().insert(s);
    refuse_if_over(s)
}

fn refuse_if_over(s: Standing) -> Result<(), AppError> {
    if s.allowed {
        Ok(())
    } else {
        Err(AppError::too_many(s.reset.max(1))
            .with_detail("rate limit reached; wait for the window to reset (Retry-After)"))
    }
}

/// Middleware on the whole app: charges requests without a valid token to their address (a valid
/// token's requests are charged to its person or client when they are authenticated,
/// `auth::extractor`), and writes every `/api` and `/oauth` answer's rate-limit headers.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let path = req.path();
    let limited = path.starts_with("/api/v1/") || path.starts_with("/oauth/");
    let state = req.app_data::<web::Data<AppState>>().cloned();
    if let (true, Some(state)) = (limited, state) {
        // A token that verifies is charged when authenticated; anything else (none, garbage,
        // expired — or a valid one sent to sign-in) is the address's. Verification is
        // remembered per token, so this costs a map lookup.
        let valid = crate::extract::bearer::bearer_token(req.request()).is_some_and(|t| {
            crate::auth::tokens::verify_access(&state.keys, &state.settings.auth, &t).is_ok()
        });
        let charged_later = valid && !takes_no_token(req.path());
        if !charged_later {
            let ip = crate::services::throttle::address_key(
                &crate::extract::client_addr::of(req.request()).ip_string(),
            );
            let limit = state.limiter.settings().anonymous_per_ip;
            if let Err(e) = charge(&state, req.request(), &format!("ip:{ip}"), limit).await {
                let res = e.error_response();
                let mut res = req.into_response(res);
                add_headers(&mut res);
                return Ok(res.map_into_boxed_body());
            }
        }
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    add_headers(&mut res);
    Ok(res)
}

/// Operations that never authenticate a token (sign-in, refresh, the token endpoint): whatever
/// is sent, the address pays.
fn takes_no_token(path: &str) -> bool {
    matches!(
        path,
        "/api/v1/auth/login" | "/api/v1/auth/refresh" | "/api/v1/auth/logout" | "/oauth/token"
    )
}

fn add_headers<B>(res: &mut ServiceResponse<B>) {
    let Some(s) = res.request().extensions().get::<Standing>().copied() else {
        return;
    };
    let h = res.headers_mut();
    let mut set = |name: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set("ratelimit-limit", s.limit.to_string());
    set("ratelimit-remaining", s.remaining.to_string());
    set("ratelimit-reset", s.reset.to_string());
    set("ratelimit-policy", format!("{};w={WINDOW_SECS}", s.limit));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_and_reports_are_expensive() {
        use Bucket::{Expensive, Standard};
        for (method, pattern, query, bucket) in [
            ("GET", "/api/v1/customers", "q=华东&limit=20", Expensive),
            ("GET", "/api/v1/customers", "q=&limit=20", Standard),
            ("GET", "/api/v1/customers", "limit=20", Standard),
            ("GET", "/api/v1/visit-stats", "", Expensive),
            ("POST", "/api/v1/customers", "q=x", Standard),
        ] {
            assert_eq!(
                Bucket::of(method, pattern, query),
                bucket,
                "{method} {query}"
            );
        }
    }

    /// A moment in the middle of a window.
    const NOW: u64 = 1_764_000_030;

    #[tokio::test]
    async fn a_window_counts_down_and_refuses_past_the_limit() {
        let l = RateLimiter::new(
            RateLimitSettings {
                expensive: 2,
                ..RateLimitSettings::default()
            },
            &RedisSettings::default(),
            Arc::default(),
        )
        .unwrap();
        let a = l.hit_at("u:a", Bucket::Standard, 3, NOW).await.unwrap();
        assert_eq!((a.limit, a.remaining, a.allowed), (3, 2, true));
        assert_eq!(a.reset, 60 - NOW % 60);
        l.hit_at("u:a", Bucket::Standard, 3, NOW).await.unwrap();
        let c = l.hit_at("u:a", Bucket::Standard, 3, NOW).await.unwrap();
        assert_eq!((c.remaining, c.allowed), (0, true));
        let d = l.hit_at("u:a", Bucket::Standard, 3, NOW).await.unwrap();
        assert!(!d.allowed);
        // Another caller, and the same caller's searches, have budgets of their own.
        assert!(
            l.hit_at("u:b", Bucket::Standard, 3, NOW)
                .await
                .unwrap()
                .allowed
        );
        let e = l.hit_at("u:a", Bucket::Expensive, 3, NOW).await.unwrap();
        assert_eq!((e.limit, e.remaining), (2, 1));
        // The next window starts afresh.
        let f = l
            .hit_at("u:a", Bucket::Standard, 3, NOW + 60)
            .await
            .unwrap();
        assert_eq!((f.remaining, f.allowed), (2, true));
    }

    #[tokio::test]
    async fn an_unreachable_redis_lets_requests_through_and_is_counted() {
        let metrics: Arc<Metrics> = Arc::default();
        let l = RateLimiter::new(
            RateLimitSettings::default(),
            &RedisSettings {
                // Nothing listens on port 1.
                url: Some(SecretString::from("redis://127.0.0.1:1/")),
                key_prefix: "t".into(),
                timeout_ms: 250,
            },
            metrics.clone(),
        )
        .unwrap();
        assert!(l.hit("u:a", Bucket::Standard, 1).await.is_none());
        assert!(l.hit("u:a", Bucket::Standard, 1).await.is_none());
        assert_eq!(metrics.rate_limit_store_errors.load(Ordering::Relaxed), 2);
    }
}
