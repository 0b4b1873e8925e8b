//! Test harness: each test spawns Kaidan on port 0 with its own fresh database, a copy of one
//! migrated and seeded once per test binary.
//!
//! The backend comes from `KAIDAN_TEST_BACKEND` (`sqlite`, the default; `postgres`; `mysql`) with
//! the server URL from `KAIDAN_TEST_POSTGRES_URL` / `KAIDAN_TEST_MYSQL_URL`. `scripts/test` runs
//! the suite once per backend whose URL is set, so the same stories run on all three.

use std::collections::HashMap;

use kaidan_api::auth::password::PasswordHasher;
use kaidan_api::config::Settings;
use kaidan_api::startup::Application;
use reqwest::header::HeaderMap;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;
use uuid::Uuid;

pub mod receiver;
pub mod records;
pub mod s3;

pub use kaidan_api::seed::DEMO_PASSWORD as PASSWORD;
pub use records::SignedIn;

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub backend: String,
    /// username → id of the seeded demo users.
    pub users: HashMap<String, Uuid>,
    /// This instance's clock: `app.clock.advance(…)` moves the time its rules see.
    pub clock: std::sync::Arc<kaidan_api::clock::Clock>,
    /// This instance's job context: `app.run_job(&job)` runs a leased job here.
    pub jobs: std::sync::Arc<kaidan_api::jobs::JobContext>,
    /// The settings it runs with (its storage directory, say).
    pub settings: Settings,
    _dir: std::sync::Arc<tempfile::TempDir>,
}

/// A response, decoded.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    pub fn etag(&self) -> String {
        self.header("etag").expect("response has an ETag")
    }
    /// The `field` of each error of a 422 problem, in order.
    pub fn error_fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default()
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("body has an id").to_owned()
    }
    /// Asserts the status and, for errors, that the body is a problem with a code.
    #[track_caller]
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        if status >= 400 {
            assert_eq!(
                self.header("content-type").as_deref(),
                Some("application/problem+json"),
                "errors are problem+json"
            );
            assert!(
                self.body["code"].is_string(),
                "problem has a code: {}",
                self.body
            );
        }
        self
    }
}

/// The database every test starts from, made once per test binary: migrated, with the demo
/// organisation seeded. Each test gets a copy (a file copy on SQLite, `CREATE DATABASE … TEMPLATE`
/// on PostgreSQL, a table-by-table copy on MySQL), which costs a fraction of migrating and seeding
/// anew, so the suite's cost grows with its stories rather than with migrations × stories.
struct Template {
    backend: String,
    /// SQLite: the template file. PostgreSQL and MySQL: the template database's name.
    source: String,
    users: HashMap<String, Uuid>,
}

static TEMPLATE: tokio::sync::OnceCell<Template> = tokio::sync::OnceCell::const_new();

fn backend() -> String {
    std::env::var("KAIDAN_TEST_BACKEND").unwrap_or_else(|_| "sqlite".into())
}

fn server_url(backend: &str) -> String {
    match backend {
        "postgres" => std::env::var("KAIDAN_TEST_POSTGRES_URL")
            .expect("KAIDAN_TEST_POSTGRES_URL for the postgres backend"),
        "mysql" => std::env::var("KAIDAN_TEST_MYSQL_URL")
            .expect("KAIDAN_TEST_MYSQL_URL for the mysql backend"),
        other => panic!("no server for backend {other}"),
    }
    .trim_end_matches('/')
    .to_owned()
}

/// A connection to the server's administrative database.
async fn admin(backend: &str) -> DatabaseConnection {
    let base = server_url(backend);
    let url = if backend == "postgres" {
        format!("{base}/postgres")
    } else {
        base
    };
    Database::connect(url)
        .await
        .expect("connect to the database server")
}

/// Drops the test databases of earlier runs: each is named `kt_…` after a UUIDv7, so its name
/// says when it was made, and those older than three hours (longer than any run) go. Each
/// PostgreSQL copy is about 9 MB; without this a day of runs on one machine filled gigabytes.
async fn sweep_old_databases(backend: &str) {
    let admin = admin(backend).await;
    let (kind, list) = if backend == "postgres" {
        (
            sea_orm::DatabaseBackend::Postgres,
            "SELECT datname FROM pg_database WHERE datname LIKE 'kt\\_%'",
        )
    } else {
        (
            sea_orm::DatabaseBackend::MySql,
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'kt\\_%'",
        )
    };
    let names: Vec<String> = admin
        .query_all_raw(sea_orm::Statement::from_string(kind, list))
        .await
        .expect("list test databases")
        .into_iter()
        .filter_map(|r| r.try_get_by_index::<String>(0).ok())
        .collect();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for name in names {
        let made = name
            .rsplit('_')
            .next()
            .and_then(|hex| Uuid::try_parse(hex).ok())
            .and_then(|id| id.get_timestamp())
            .map(|t| t.to_unix().0);
        if made.is_some_and(|t| now.saturating_sub(t) > 3 * 3600) {
            let sql = if backend == "postgres" {
                format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")
            } else {
                format!("DROP DATABASE IF EXISTS `{name}`")
            };
            // Another run sweeping at the same moment may have dropped it already.
            admin.execute_unprepared(&sql).await.ok();
        }
    }
    admin.close().await.ok();
}

/// Creates an empty database `name` on the server of `backend`.
async fn create_empty(backend: &str, name: &str) {
    let admin = admin(backend).await;
    let sql = if backend == "postgres" {
        format!("CREATE DATABASE \"{name}\"")
    } else {
        format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    };
    admin
        .execute_unprepared(&sql)
        .await
        .expect("create database");
    admin.close().await.ok();
}

async fn template() -> &'static Template {
    TEMPLATE
        .get_or_init(|| async {
            let backend = backend();
            // Kept for the life of the test binary (the OS cleans the temp folder).
            let dir = tempfile::tempdir().expect("temp dir").keep();
            let name = format!("kt_tpl_{}", Uuid::now_v7().simple());
            let url = match backend.as_str() {
                "sqlite" => String::new(),
                "postgres" | "mysql" => {
                    sweep_old_databases(&backend).await;
                    create_empty(&backend, &name).await;
                    format!("{}/{name}", server_url(&backend))
                }
                other => panic!("unknown KAIDAN_TEST_BACKEND {other}"),
            };
            let settings = test_settings(&dir, &url);
            let hasher = PasswordHasher::new(&settings.auth).expect("hasher");
            let db = kaidan_api::db::connect(&settings).await.expect("connect");
            kaidan_api::db::migrate(&db).await.expect("migrate");
            kaidan_api::seed::seed_org(&db, &hasher, PASSWORD)
                .await
                .expect("seed org");
            let mut users = HashMap::new();
            for u in kaidan_api::seed::USERS.iter() {
                let m = kaidan_api::services::user::find_by_username(&db, u.username)
                    .await
                    .expect("lookup")
                    .expect("seeded user");
                users.insert(u.username.to_owned(), m.id);
            }
            if backend == "sqlite" {
                // Everything into the main file, so a plain copy is the whole database.
                db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                    .await
                    .expect("checkpoint");
            }
            db.close().await.ok();
            let source = if backend == "sqlite" {
                dir.join("kaidan.db").display().to_string()
            } else {
                name
            };
            Template {
                backend,
                source,
                users,
            }
        })
        .await
}

/// A fresh copy of the template for one test: the database URL (empty for SQLite, whose file
/// is put in `dir`), the backend, and the demo users' ids.
async fn fresh_database(dir: &std::path::Path) -> (String, String, HashMap<String, Uuid>) {
    let t = template().await;
    let name = format!("kt_{}", Uuid::now_v7().simple());
    let url = match t.backend.as_str() {
        "sqlite" => {
            std::fs::copy(&t.source, dir.join("kaidan.db")).expect("copy the template");
            String::new()
        }
        "postgres" => {
            let admin = admin("postgres").await;
            // Copies may not start while another session is connected to the template; none is
            // after setup, but give a concurrent CREATE DATABASE a moment if the server says so.
            let mut tries = 0;
            loop {
                let r = admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
                        t.source
                    ))
                    .await;
                match r {
                    Ok(_) => break,
                    Err(e) if tries < 50 && e.to_string().contains("being accessed") => {
                        tries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                    Err(e) => panic!("create test database from the template: {e}"),
                }
            }
            admin.close().await.ok();
            format!("{}/{name}", server_url("postgres"))
        }
        "mysql" => {
            create_empty("mysql", &name).await;
            let admin = admin("mysql").await;
            let tables: Vec<String> = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DatabaseBackend::MySql,
                    format!("SHOW TABLES FROM `{}`", t.source),
                ))
                .await
                .expect("list template tables")
                .into_iter()
                .map(|r| r.try_get_by_index::<String>(0).expect("table name"))
                .collect();
            // The tables as the template has them (foreign keys included), then their rows; one
            // session, with the checks off until every table exists.
            let mut sql = format!("SET FOREIGN_KEY_CHECKS=0; USE `{name}`;");
            for table in &tables {
                let row = admin
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DatabaseBackend::MySql,
                        format!("SHOW CREATE TABLE `{}`.`{table}`", t.source),
                    ))
                    .await
                    .expect("show create table")
                    .expect("a table definition");
                let create: String = row.try_get_by_index(1).expect("definition");
                sql.push_str(&create);
                sql.push(';');
                sql.push_str(&format!(
                    "INSERT INTO `{table}` SELECT * FROM `{}`.`{table}`;",
                    t.source
                ));
            }
            sql.push_str("SET FOREIGN_KEY_CHECKS=1;");
            admin
                .execute_unprepared(&sql)
                .await
                .expect("copy the template");
            admin.close().await.ok();
            format!("{}/{name}", server_url("mysql"))
        }
        other => panic!("unknown KAIDAN_TEST_BACKEND {other}"),
    };
    (t.backend.clone(), url, t.users.clone())
}

/// Settings for a test server in `dir` on `database_url` (SQLite in `dir` when empty).
pub fn test_settings(dir: &std::path::Path, database_url: &str) -> Settings {
    let mut s = Settings {
        database_url: if database_url.is_empty() {
            format!("sqlite://{}?mode=rwc", dir.join("kaidan.db").display()).into()
        } else {
            database_url.into()
        },
        ..Settings::default()
    };
    s.server.port = 0;
    s.server.workers = 2;
    s.auth.signing_key_file = dir.join("jwt.pem");
    // Cheap hashing keeps the suite fast; production defaults are tested in unit tests.
    s.auth.argon2_memory_kib = 256;
    s.auth.argon2_iterations = 1;
    s.web.dist_dir = Some(dir.join("no-dist"));
    s.storage.dir = dir.join("files");
    // The suites call far faster than people do: limits out of their way, the headers still on.
    // Tests of the limits set their own.
    s.rate_limit.per_user = 1_000_000;
    s.rate_limit.per_client = 1_000_000;
    s.rate_limit.anonymous_per_ip = 1_000_000;
    s.rate_limit.expensive = 1_000_000;
    s
}

/// Spawns the app with the demo organisation (regions, teams, users; no customers).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (backend, url, users) = fresh_database(dir.path()).await;
    let mut settings = test_settings(dir.path(), &url);
    adjust(&mut settings);
    // Jobs run when a test says so.
    settings.jobs.enabled = false;
    start(settings, backend, users, std::sync::Arc::new(dir)).await
}

async fn start(
    settings: Settings,
    backend: String,
    users: HashMap<String, Uuid>,
    dir: std::sync::Arc<tempfile::TempDir>,
) -> TestApp {
    let app = Application::build(settings.clone())
        .await
        .expect("app builds");
    let port = app.port();
    let db = app.db.clone();
    let clock = app.clock.clone();
    let jobs = app.jobs.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: reqwest::Client::builder().build().expect("client"),
        db,
        backend,
        users,
        clock,
        jobs,
        settings,
        _dir: dir,
    }
}

impl TestApp {
    /// A second server on the same database (another instance behind the load balancer), with
    /// its own clock and its own name in job leases.
    pub async fn another_instance(&self) -> TestApp {
        start(
            self.settings.clone(),
            self.backend.clone(),
            self.users.clone(),
            self._dir.clone(),
        )
        .await
    }

    /// Runs `job` on this instance if it is due and free (see `kaidan_api::jobs::run_if_due`).
    pub async fn run_job(
        &self,
        job: &dyn kaidan_api::jobs::Job,
    ) -> Option<kaidan_api::jobs::RunReport> {
        kaidan_api::jobs::run_if_due(&self.jobs, job)
            .await
            .expect("job run")
    }

    /// The database file on SQLite (`None` on the other backends).
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        (self.backend == "sqlite").then(|| self._dir.path().join("kaidan.db"))
    }

    pub fn user(&self, username: &str) -> String {
        self.users[username].to_string()
    }

    /// The id of the demo team called `name`, as the admin's team list gives it.
    pub async fn team_id(&self, name: &str) -> String {
        self.org_id("/api/v1/teams", name).await
    }

    /// The id of the demo region called `name`, as the admin's region list gives it.
    pub async fn region_id(&self, name: &str) -> String {
        self.org_id("/api/v1/regions", name).await
    }

    async fn org_id(&self, list: &str, name: &str) -> String {
        let admin = self.login("admin").await;
        let rows = self.get(&admin, list).await.expect(200).body;
        rows.as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(b);
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let res = rb.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body read");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// `POST /oauth/token` with `form` (form-encoded), and HTTP Basic `(id, secret)` when given.
    pub async fn oauth_token(&self, form: &[(&str, &str)], basic: Option<(&str, &str)>) -> Resp {
        let mut rb = self
            .client
            .post(format!("{}/oauth/token", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(form).expect("form"));
        if let Some((id, secret)) = basic {
            rb = rb.basic_auth(id, Some(secret));
        }
        let res = rb.send().await.expect("request sent");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.json().await.unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A signed contract of `fen` of rep_east1's for a new customer, approved by sup_east1.
    pub async fn signed_contract(&self, fen: i64) -> String {
        let rep = self.login("rep_east1").await;
        let c = self
            .create_customer(&rep, serde_json::json!({"name": "回款测试客户"}))
            .await;
        let id = self
            .post(
                &rep,
                "/api/v1/contracts",
                serde_json::json!({"customer_id": c["id"], "title": "回款合同", "amount": fen}),
            )
            .await
            .expect(201)
            .id();
        let a = self
            .post(
                &rep,
                &format!("/api/v1/contracts/{id}/submit"),
                serde_json::json!({}),
            )
            .await
            .expect(200)
            .body["approval_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let sup = self.login("sup_east1").await;
        self.post(
            &sup,
            &format!("/api/v1/approvals/{a}/approve"),
            serde_json::json!({}),
        )
        .await
        .expect(200);
        self.post(
            &rep,
            &format!("/api/v1/contracts/{id}/sign"),
            serde_json::json!({}),
        )
        .await
        .expect(200);
        id
    }

    /// Registers an API client as `admin` (`body` as `POST /api/v1/api-clients` takes it);
    /// answers its id and its secret.
    pub async fn register_client(&self, admin: &str, body: Value) -> (String, String) {
        let r = self
            .post(admin, "/api/v1/api-clients", body)
            .await
            .expect(201);
        (
            r.body["client"]["id"].as_str().unwrap().to_owned(),
            r.body["client_secret"].as_str().unwrap().to_owned(),
        )
    }

    /// An access token of the client for `scope` (all of its scopes when `None`).
    pub async fn client_token(&self, id: &str, secret: &str, scope: Option<&str>) -> String {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let r = self.oauth_token(&form, Some((id, secret))).await;
        assert_eq!(r.status, 200, "token: {}", r.body);
        r.body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> Resp {
        self.request(Method::GET, path, Some(token), None, &[])
            .await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Resp {
        self.request(Method::POST, path, Some(token), Some(&body), &[])
            .await
    }

    pub async fn patch(&self, token: &str, path: &str, etag: &str, body: Value) -> Resp {
        self.request(
            Method::PATCH,
            path,
            Some(token),
            Some(&body),
            &[("if-match", etag)],
        )
        .await
    }

    pub async fn delete(&self, token: &str, path: &str, etag: &str) -> Resp {
        self.request(
            Method::DELETE,
            path,
            Some(token),
            None,
            &[("if-match", etag)],
        )
        .await
    }

    /// POST with an `Idempotency-Key`.
    pub async fn post_keyed(&self, token: &str, path: &str, body: &Value, key: &str) -> Resp {
        self.request(
            Method::POST,
            path,
            Some(token),
            Some(body),
            &[("idempotency-key", key)],
        )
        .await
    }

    /// Exchanges a refresh token sent in the body (the third-party flow).
    pub async fn refresh_with(&self, refresh_token: &str) -> Resp {
        let body = serde_json::json!({ "refresh_token": refresh_token });
        self.request(Method::POST, "/api/v1/auth/refresh", None, Some(&body), &[])
            .await
    }

    /// Ends the session of a refresh token sent in the body.
    pub async fn logout_with(&self, refresh_token: &str) -> Resp {
        let body = serde_json::json!({ "refresh_token": refresh_token });
        self.request(Method::POST, "/api/v1/auth/logout", None, Some(&body), &[])
            .await
    }

    /// A cookie-session call (`refresh` or `logout`) with these headers (cookie, CSRF, …).
    pub async fn cookie_call(&self, action: &str, headers: &[(&str, &str)]) -> Resp {
        let body = serde_json::json!({});
        self.request(
            Method::POST,
            &format!("/api/v1/auth/{action}"),
            None,
            Some(&body),
            headers,
        )
        .await
    }

    /// Signs in and returns the whole token response.
    pub async fn login_full(&self, username: &str, password: &str) -> Resp {
        let body = serde_json::json!({ "username": username, "password": password });
        self.request(Method::POST, "/api/v1/auth/login", None, Some(&body), &[])
            .await
    }

    /// Signs in with the demo password and returns the access token.
    pub async fn login(&self, username: &str) -> String {
        let r = self.login_full(username, PASSWORD).await.expect(200);
        r.body["access_token"]
            .as_str()
            .expect("access token")
            .to_owned()
    }

    /// Creates a customer as `token` with the given fields (name required), `force` on.
    pub async fn create_customer(&self, token: &str, mut body: Value) -> Value {
        body["force"] = Value::Bool(true);
        self.post(token, "/api/v1/customers", body)
            .await
            .expect(201)
            .body
    }

    /// The audit actions recorded for a customer, oldest first (read as admin).
    pub async fn history_actions(&self, customer_id: &str) -> Vec<String> {
        let admin = self.login("admin").await;
        let r = self
            .get(
                &admin,
                &format!("/api/v1/customers/{customer_id}/history?limit=200"),
            )
            .await
            .expect(200);
        let mut v: Vec<String> = r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["action"].as_str().unwrap_or("").to_owned())
            .collect();
        v.reverse();
        v
    }
}
