//! The API client. Pages call the typed function of a module (`customer::update(id, etag, &body)`,
//! one file per module, named as the module is everywhere) and never spell a path; this file is
//! the transport under them: it attaches the access token, refreshes it before it runs out (one refresh at
//! a time, since a refresh token works once), decodes problem+json errors, and tells the app when
//! the session is gone so it can send the user to sign in and back.
//!
//! No secret is kept where a script could read it later: the access token lives in memory only,
//! and the refresh token in an `HttpOnly` cookie the server sets (`refresh_in_cookie`). Refresh and
//! logout echo the readable `kaidan_csrf` cookie in `X-CSRF-Token`. A reload signs in again
//! silently through the cookie (`restore`).

pub mod api_client;
pub mod approval;
pub mod audit;
pub mod auth;
pub mod contact;
pub mod contract;
pub mod customer;
pub mod field;
pub mod follow_up;
pub mod layout;
pub mod lead;
pub mod notification;
pub mod opportunity;
pub mod option_list;
pub mod org;
pub mod payment;
pub mod pool;
pub mod product;
pub mod quote;
pub mod user;
pub mod visit;
pub mod webhook;

use std::cell::{Cell, RefCell};

use gloo_net::http::{Method, RequestBuilder};
use gloo_storage::{LocalStorage, Storage};
use kaidan_shared::auth::{Me, TokenResponse};
use kaidan_shared::{ErrorCode, FieldError, Problem};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsCast;

/// Where an older version kept the whole session, refresh token included; removed on start.
const LEGACY_SESSION_KEY: &str = "kaidan.session";
/// Refresh when less than this is left of the access token.
const REFRESH_MARGIN_MS: f64 = 60_000.0;
const CSRF_COOKIE: &str = "kaidan_csrf";
/// The signed-in user's profile (no token): lets the app open without a network for the user it
/// last ran for, while the refresh cookie waits for the network. Gone at sign-out.
const ME_KEY: &str = "kaidan.me";

#[derive(Clone, Debug)]
pub struct Session {
    pub access_token: String,
    pub access_expires_at_ms: f64,
    pub user: Me,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// 0 when the network failed.
    pub status: u16,
    pub problem: Option<Problem>,
    pub retry_after: Option<u64>,
}

/// 404 without asking the server (a link whose id is not even an id).
pub fn not_found() -> ApiError {
    ApiError {
        status: 404,
        problem: Some(Problem::new(ErrorCode::NotFound)),
        retry_after: None,
    }
}

impl ApiError {
    fn network() -> Self {
        ApiError {
            status: 0,
            problem: None,
            retry_after: None,
        }
    }
    pub fn code(&self) -> Option<ErrorCode> {
        self.problem.as_ref().map(|p| p.code)
    }
    pub fn is_network(&self) -> bool {
        self.status == 0
    }
    pub fn field_errors(&self) -> Vec<FieldError> {
        self.problem
            .as_ref()
            .map(|p| p.errors.clone())
            .unwrap_or_default()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// What the app does when a request finds no usable session; told whether one ended.
type ExpiredHandler = Box<dyn Fn(bool)>;

thread_local! {
    static REFRESHING: Cell<bool> = const { Cell::new(false) };
    static ON_EXPIRED: RefCell<Option<ExpiredHandler>> = const { RefCell::new(None) };
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// Bumped whenever the session is set or cleared, so a refresh that finishes after a sign-in
    /// (or a sign-out) leaves the newer state alone.
    static SESSION_GEN: Cell<u64> = const { Cell::new(0) };
    /// Whether this page has held a session that has not been signed out of: only then is a
    /// session that cannot be renewed "expired" (a first visit has nothing to expire).
    static HAD_SESSION: Cell<bool> = const { Cell::new(false) };
    /// The user the app runs for without a network (no token yet; see `restore`).
    static OFFLINE_USER: RefCell<Option<Me>> = const { RefCell::new(None) };
    /// Whether the last refresh failed for want of a network (not refused).
    static REFRESH_OFFLINE: Cell<bool> = const { Cell::new(false) };
}

/// Registers what to do when a request finds no usable session (the app goes to sign-in). The
/// argument says whether a session this page held has ended (expired, revoked), as opposed to
/// there never having been one.
pub fn on_session_expired(f: impl Fn(bool) + 'static) {
    ON_EXPIRED.with(|c| *c.borrow_mut() = Some(Box::new(f)));
}

fn expired() {
    clear_session();
    forget_user();
    let ended = HAD_SESSION.with(|h| h.replace(false));
    ON_EXPIRED.with(|c| {
        if let Some(f) = c.borrow().as_ref() {
            f(ended);
        }
    });
}

pub fn session() -> Option<Session> {
    SESSION.with(|c| c.borrow().clone())
}

fn save_session(s: &Session) {
    if let Ok(json) = serde_json::to_string(&s.user) {
        let _ = LocalStorage::raw().set_item(ME_KEY, &json);
    }
    OFFLINE_USER.with(|u| *u.borrow_mut() = None);
    SESSION.with(|c| *c.borrow_mut() = Some(s.clone()));
    SESSION_GEN.with(|g| g.set(g.get() + 1));
    HAD_SESSION.with(|h| h.set(true));
}

/// The user the app works for: the session's, or the one it runs for offline.
pub fn user_id() -> Option<uuid::Uuid> {
    session()
        .map(|s| s.user.id)
        .or_else(|| OFFLINE_USER.with(|u| u.borrow().as_ref().map(|m| m.id)))
}

/// Whether the app runs on the stored profile because no network answered the refresh.
pub fn offline_user() -> bool {
    OFFLINE_USER.with(|u| u.borrow().is_some())
}

fn forget_user() {
    LocalStorage::delete(ME_KEY);
    OFFLINE_USER.with(|u| *u.borrow_mut() = None);
}

pub fn clear_session() {
    SESSION.with(|c| *c.borrow_mut() = None);
    SESSION_GEN.with(|g| g.set(g.get() + 1));
}

/// The value of the readable CSRF cookie (empty when there is none).
fn csrf_token() -> String {
    let cookies = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        .and_then(|d| d.cookie().ok())
        .unwrap_or_default();
    cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == CSRF_COOKIE)
        .map(|(_, v)| v.to_owned())
        .unwrap_or_default()
}

/// POSTs `{}` to a cookie-session endpoint (refresh, logout) with the CSRF header.
async fn cookie_post(path: &str) -> Result<gloo_net::http::Response, gloo_net::Error> {
    RequestBuilder::new(path)
        .method(Method::POST)
        .header("X-CSRF-Token", &csrf_token())
        .json(&serde_json::json!({}))?
        .send()
        .await
}

/// After a reload: signs in again through the refresh cookie, if there is a live session.
pub async fn restore() -> Option<Me> {
    // An older version kept the refresh token in localStorage; it must not stay there.
    LocalStorage::delete(LEGACY_SESSION_KEY);
    if session().is_some() || refresh().await {
        return session().map(|s| s.user);
    }
    // No network to renew the session: the app opens for the user it last ran for (the cookie
    // is still there), and its requests renew the session once the network is back.
    if REFRESH_OFFLINE.with(Cell::get) && !csrf_token().is_empty() {
        let me = LocalStorage::raw()
            .get_item(ME_KEY)
            .ok()
            .flatten()
            .and_then(|j| serde_json::from_str::<Me>(&j).ok());
        if let Some(me) = me {
            OFFLINE_USER.with(|u| *u.borrow_mut() = Some(me.clone()));
            HAD_SESSION.with(|h| h.set(true));
            return Some(me);
        }
    }
    None
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn session_from(t: TokenResponse) -> Session {
    Session {
        access_token: t.access_token,
        access_expires_at_ms: now_ms() + t.expires_in as f64 * 1000.0,
        user: t.user,
    }
}

async fn decode_error(res: gloo_net::http::Response) -> ApiError {
    let status = res.status();
    let retry_after = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.parse().ok());
    let problem = res.json::<Problem>().await.ok();
    ApiError {
        status,
        problem,
        retry_after,
    }
}

pub async fn login(username: &str, password: &str) -> ApiResult<Session> {
    let body = serde_json::json!({
        "username": username,
        "password": password,
        "refresh_in_cookie": true,
    });
    let res = RequestBuilder::new("/api/v1/auth/login")
        .method(Method::POST)
        .json(&body)
        .map_err(|_| ApiError::network())?
        .send()
        .await
        .map_err(|_| ApiError::network())?;
    if !res.ok() {
        return Err(decode_error(res).await);
    }
    let t: TokenResponse = res.json().await.map_err(|_| ApiError::network())?;
    let s = session_from(t);
    save_session(&s);
    Ok(s)
}

pub async fn logout() {
    let _ = cookie_post("/api/v1/auth/logout").await;
    HAD_SESSION.with(|h| h.set(false));
    clear_session();
    forget_user();
}

/// Stores tokens the server issued outside `login` (after a password change).
pub fn adopt_tokens(t: TokenResponse) {
    save_session(&session_from(t));
}

/// Exchanges the refresh token once, even when several requests need it at the same moment.
async fn refresh() -> bool {
    if REFRESHING.with(Cell::get) {
        // Another request is refreshing: wait for it and use its result.
        while REFRESHING.with(Cell::get) {
            gloo_timers::future::TimeoutFuture::new(50).await;
        }
        return session().is_some_and(|s| s.access_expires_at_ms > now_ms());
    }
    // No CSRF cookie, no cookie session: nothing to refresh (a first visit, or signed out).
    if csrf_token().is_empty() {
        clear_session();
        return false;
    }
    let started = SESSION_GEN.with(Cell::get);
    let superseded = move || SESSION_GEN.with(Cell::get) != started;
    REFRESHING.with(|c| c.set(true));
    REFRESH_OFFLINE.with(|c| c.set(false));
    let mut result = cookie_post("/api/v1/auth/refresh").await;
    // Another tab of this browser may have used the shared cookie a moment ago: the server then
    // answers 401 without ending the session, and the cookie jar already holds that tab's new
    // token. One retry after a pause picks it up.
    if matches!(&result, Ok(res) if res.status() == 401) {
        gloo_timers::future::TimeoutFuture::new(400).await;
        result = cookie_post("/api/v1/auth/refresh").await;
    }
    let ok = match result {
        // A sign-in (or sign-out) that happened meanwhile wins over this refresh's outcome.
        _ if superseded() => session().is_some_and(|s| s.access_expires_at_ms > now_ms()),
        Ok(res) if res.ok() => match res.json::<TokenResponse>().await {
            Ok(t) => {
                save_session(&session_from(t));
                true
            }
            Err(_) => false,
        },
        // Refused (revoked, expired): the profile kept for offline use goes too.
        Ok(_) => {
            clear_session();
            forget_user();
            false
        }
        // Offline: keep the session; the request fails with a network error and can be retried.
        Err(_) => {
            REFRESH_OFFLINE.with(|c| c.set(true));
            session().is_some()
        }
    };
    REFRESHING.with(|c| c.set(false));
    ok
}

/// A successful response: the body and the record's ETag when it has one.
#[derive(Clone)]
pub struct Reply<T> {
    pub body: T,
    pub etag: Option<String>,
}

/// Sends an authenticated request and decodes the JSON answer. Only the (de)serialisation is
/// generic; the transport (`exchange`) is one function for every call, so each typed client
/// function costs the download a few hundred bytes rather than a copy of the transport.
pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Option<&B>,
    if_match: Option<&str>,
) -> ApiResult<Reply<T>> {
    let body = match body {
        Some(b) => Some(serde_json::to_string(b).map_err(|_| ApiError::network())?),
        None => None,
    };
    let (text, etag) = exchange(method, path, body.map(Body::Json), if_match, None).await?;
    decode(text, etag)
}

fn decode<T: DeserializeOwned>(text: String, etag: Option<String>) -> ApiResult<Reply<T>> {
    // 204 has no body: decode it as `null` (the unit and `Value` answers).
    let text = if text.is_empty() { "null" } else { &text };
    let body = serde_json::from_str::<T>(text).map_err(|_| ApiError::network())?;
    Ok(Reply { body, etag })
}

/// What a request carries.
enum Body {
    Json(String),
    /// A multipart form (a photo): the browser writes the boundary.
    Form(web_sys::FormData),
}

/// Sends a multipart form (`POST`), with `key` as its `Idempotency-Key` so a retry from the
/// offline queue counts once.
pub async fn send_form<T: DeserializeOwned>(
    path: &str,
    form: web_sys::FormData,
    key: &str,
) -> ApiResult<Reply<T>> {
    let (text, etag) =
        exchange(Method::POST, path, Some(Body::Form(form)), None, Some(key)).await?;
    decode(text, etag)
}

/// Sends JSON with a given `Idempotency-Key` (a write the offline queue may send again).
pub async fn send_keyed<B: Serialize, T: DeserializeOwned>(
    path: &str,
    body: Option<&B>,
    key: &str,
) -> ApiResult<Reply<T>> {
    let body = match body {
        Some(b) => serde_json::to_string(b).map_err(|_| ApiError::network())?,
        None => "{}".to_owned(),
    };
    let (text, etag) =
        exchange(Method::POST, path, Some(Body::Json(body)), None, Some(key)).await?;
    decode(text, etag)
}

/// The transport under `send`: attaches the token (refreshing it first when it is about to run
/// out, and once more on a 401), the `If-Match` and an `Idempotency-Key` on POSTs; answers the
/// body's text and the ETag, or the decoded problem.
async fn exchange(
    method: Method,
    path: &str,
    body: Option<Body>,
    if_match: Option<&str>,
    key: Option<&str>,
) -> ApiResult<(String, Option<String>)> {
    let mut retried = false;
    loop {
        let Some(mut s) = session() else {
            // Opened offline: the first request renews the session through the cookie, or
            // fails as a network error while there is still no network.
            if offline_user() {
                if refresh().await {
                    continue;
                }
                if REFRESH_OFFLINE.with(Cell::get) {
                    return Err(ApiError::network());
                }
            }
            expired();
            return Err(ApiError {
                status: 401,
                problem: None,
                retry_after: None,
            });
        };
        if s.access_expires_at_ms - now_ms() < REFRESH_MARGIN_MS {
            if !refresh().await {
                if session().is_none() {
                    expired();
                    return Err(ApiError {
                        status: 401,
                        problem: None,
                        retry_after: None,
                    });
                }
            } else if let Some(fresh) = session() {
                s = fresh;
            }
        }
        let mut rb = RequestBuilder::new(path)
            .method(method.clone())
            .header("Authorization", &format!("Bearer {}", s.access_token));
        if let Some(v) = if_match {
            rb = rb.header("If-Match", v);
        }
        // POSTs are retried safely by the server thanks to this key.
        if method == Method::POST && body.is_some() {
            let k = key.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
            rb = rb.header("Idempotency-Key", &k);
        }
        let req = match &body {
            Some(Body::Json(b)) => rb
                .header("Content-Type", "application/json")
                .body(b.clone())
                .map_err(|_| ApiError::network())?,
            Some(Body::Form(f)) => rb.body(f.clone()).map_err(|_| ApiError::network())?,
            None => rb.build().map_err(|_| ApiError::network())?,
        };
        let res = req.send().await.map_err(|_| ApiError::network())?;
        if res.status() == 401 && !retried {
            retried = true;
            if refresh().await {
                continue;
            }
            expired();
            return Err(decode_error(res).await);
        }
        if !res.ok() {
            return Err(decode_error(res).await);
        }
        let etag = res.headers().get("etag");
        let text = if res.status() == 204 {
            String::new()
        } else {
            res.text().await.map_err(|_| ApiError::network())?
        };
        return Ok((text, etag));
    }
}

/// A file the API serves to signed-in readers (a photo, a document) as an object URL for `<img>`, which
/// cannot send the token itself. The caller revokes it when the image goes.
pub async fn blob_url(path: &str) -> ApiResult<String> {
    let Some(s) = session() else {
        return Err(ApiError {
            status: 401,
            problem: None,
            retry_after: None,
        });
    };
    let res = RequestBuilder::new(path)
        .header("Authorization", &format!("Bearer {}", s.access_token))
        .send()
        .await
        .map_err(|_| ApiError::network())?;
    if !res.ok() {
        return Err(decode_error(res).await);
    }
    // Typed as served when it is a type we serve (a PDF then opens in the phone's viewer); any
    // other type is bytes, since an object URL is of this origin and the endpoint's sandbox does
    // not follow it.
    let served = res.headers().get("content-type").unwrap_or_default();
    let kind = match served.as_str() {
        "image/jpeg" | "application/pdf" => served.as_str(),
        _ => "application/octet-stream",
    };
    let bytes = res.binary().await.map_err(|_| ApiError::network())?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(kind);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| ApiError::network())?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::network())
}

pub async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<Reply<T>> {
    send::<(), T>(Method::GET, path, None, None).await
}

pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> ApiResult<Reply<T>> {
    send(Method::POST, path, Some(body), None).await
}

pub async fn patch<B: Serialize, T: DeserializeOwned>(
    path: &str,
    etag: &str,
    body: &B,
) -> ApiResult<Reply<T>> {
    send(Method::PATCH, path, Some(body), Some(etag)).await
}

pub async fn delete<T: DeserializeOwned>(path: &str, etag: &str) -> ApiResult<Reply<T>> {
    send::<(), T>(Method::DELETE, path, None, Some(etag)).await
}

/// `?k=v&…` from a query struct: its fields that are set, in declaration order, each value
/// percent-encoded (empty when none is set).
pub fn query<Q: Serialize>(q: &Q) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(q) else {
        return String::new();
    };
    let pairs: Vec<String> = fields
        .into_iter()
        .filter_map(|(k, v)| {
            let v = match v {
                serde_json::Value::Null => return None,
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            Some(format!("{k}={}", enc(&v)))
        })
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// An `If-Match` value for a record version.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    js_sys::encode_uri_component(s)
        .as_string()
        .unwrap_or_default()
}
