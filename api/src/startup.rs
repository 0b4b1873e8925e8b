//! `Application::build(settings)`: connects, migrates, binds (port 0 in tests) and wires the app.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{from_fn, Compress, ErrorHandlerResponse, ErrorHandlers};
use actix_web::{guard, web, App, HttpRequest, HttpServer};
use kaidan_shared::{ErrorCode, Problem};
use sea_orm::DatabaseConnection;
use utoipa_actix_web::AppExt;

use crate::auth::keys::Keys;
use crate::auth::password::PasswordHasher;
use crate::clock::Clock;
use crate::config::Settings;
use crate::error::AppError;
use crate::hosting::{docs, spa};
use crate::jobs::JobContext;
use crate::metrics::Metrics;
use crate::middleware::{idempotency, json_bodies_are_objects, request_context};
use crate::routes;
use crate::services::field_plan::PlanCache;
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    /// The separate `/metrics` listener, when `metrics.listen` is set.
    metrics_server: Option<(u16, Server)>,
    pub db: DatabaseConnection,
    /// The time the business rules see (tests move it).
    pub clock: Arc<Clock>,
    /// What this instance's leased jobs run with (tests run jobs through it by hand).
    pub jobs: Arc<JobContext>,
}

impl Application {
    /// Connects to the configured database, migrates it when `auto_migrate` is on, and binds.
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let db = crate::db::connect(&settings).await?;
        if settings.auto_migrate {
            crate::db::migrate(&db).await?;
        }
        Application::build_with_db(settings, db).await
    }

    pub async fn build_with_db(
        settings: Settings,
        db: DatabaseConnection,
    ) -> anyhow::Result<Application> {
        let keys = Keys::load_or_create(&settings.auth)?;
        let hasher = PasswordHasher::new(&settings.auth)?;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .map_err(|e| {
                anyhow::anyhow!(
                    "cannot listen on {}:{}: {e}",
                    settings.server.host,
                    settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let workers = settings.server.workers;
        let body_limit = settings.server.body_limit_bytes;
        let dist = web::Data::new(spa::DistDir(settings.web.dist_dir.clone()));
        let metrics_listener = match &settings.metrics.listen {
            Some(addr) => Some(
                TcpListener::bind(addr.as_str())
                    .map_err(|e| anyhow::anyhow!("cannot listen for metrics on {addr}: {e}"))?,
            ),
            None => None,
        };
        let read = crate::db::connect_reader(&settings, &db).await?;
        crate::db::spawn_sqlite_checkpointer(&settings).await?;
        let plans = Arc::new(PlanCache::new(settings.limits.custom_filter_selective));
        let clock = Arc::new(Clock::default());
        let jobs = Arc::new(JobContext::new(
            db.clone(),
            clock.clone(),
            chrono::Duration::seconds(settings.jobs.lease_secs as i64),
        ));
        if settings.jobs.enabled {
            Arc::new(crate::jobs::webhook_delivery::Deliverer::new(
                jobs.clone(),
                crate::outbound::Outbound::new(&settings.outbound)?,
                settings.webhooks.clone(),
            ))
            .spawn();
            crate::jobs::spawn(
                jobs.clone(),
                crate::jobs::all(&settings.jobs),
                std::time::Duration::from_secs(settings.jobs.poll_secs),
            );
        }
        let storage = crate::storage::Storage::open(&settings.storage)?;
        let images = crate::images::ImagePool::new(settings.storage.image_workers);
        let metrics = Arc::new(Metrics::default());
        let limiter = Arc::new(crate::rate_limit::RateLimiter::new(
            settings.rate_limit.clone(),
            &settings.redis,
            metrics.clone(),
        )?);
        let state = web::Data::new(AppState {
            limiter,
            db: db.clone(),
            read,
            storage,
            images,
            settings: Arc::new(settings),
            keys: Arc::new(keys),
            hasher,
            metrics,
            plans,
            clock: clock.clone(),
            rules: Arc::default(),
            tiles: Arc::default(),
        });
        let metrics_server = match metrics_listener {
            Some(l) => {
                let port = l.local_addr()?.port();
                let state = state.clone();
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(state.clone())
                        .route(
                            "/metrics",
                            web::get().to(crate::hosting::health::metrics_only),
                        )
                        .default_service(web::to(|| async {
                            actix_web::ResponseError::error_response(&AppError::not_found())
                        }))
                })
                .workers(1)
                .listen(l)?
                .run();
                Some((port, server))
            }
            None => None,
        };
        crate::jobs::cleanup::spawn(db.clone());
        let spec = web::Data::new(docs::SpecJson(crate::openapi::spec_json()));
        let allowed = web::Data::new(crate::hosting::allowed::AllowedMethods::from_spec(
            &crate::openapi::spec(),
        ));
        let mut server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .app_data(spec.clone())
                .app_data(dist.clone())
                .app_data(allowed.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(body_limit)
                        .error_handler(json_error),
                )
                .app_data(web::PayloadConfig::default().limit(body_limit))
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .app_data(web::PathConfig::default().error_handler(path_error))
                .configure(routes::root)
                .service(
                    routes::api_v1()
                        .wrap(from_fn(idempotency))
                        .wrap(from_fn(json_bodies_are_objects)),
                )
                .into_app()
                .route("/api/openapi.json", web::get().to(docs::openapi_json))
                .route("/api/docs", web::get().to(docs::docs_page))
                .route(
                    "/{tail:.*}",
                    web::route()
                        .guard(guard::Any(guard::Get()).or(guard::Head()))
                        .to(spa::serve),
                )
                .default_service(web::to(unmatched))
                .wrap(from_fn(crate::rate_limit::rate_limit))
                .wrap(ErrorHandlers::new().default_handler(ensure_problem_body))
                .wrap(Compress::default())
                .wrap(from_fn(request_context))
        })
        .listen(listener)?;
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Application {
            port,
            server: server.run(),
            metrics_server,
            db,
            clock,
            jobs,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the separate metrics listener, when configured.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_server.as_ref().map(|(p, _)| *p)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        match self.metrics_server {
            Some((_, m)) => futures_util::try_join!(self.server, m).map(|_| ()),
            None => self.server.await,
        }
    }
}

/// Unknown API path → 404; known path with another method → 405 with `Allow`. Every other path
/// belongs to the web app, which only answers GET and HEAD.
async fn unmatched(
    req: HttpRequest,
    allowed: web::Data<crate::hosting::allowed::AllowedMethods>,
) -> actix_web::HttpResponse {
    let path = req.path();
    if path == "/api" || path.starts_with("/api/") || allowed.for_path(path).is_some() {
        return allowed.refuse(path);
    }
    crate::hosting::allowed::method_not_allowed(&["GET", "HEAD"])
}

fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let e = match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            AppError::new(ErrorCode::PayloadTooLarge)
        }
        JsonPayloadError::ContentType => AppError::new(ErrorCode::UnsupportedMediaType)
            .with_detail("send Content-Type: application/json"),
        // serde's message names the field and position, never server internals.
        JsonPayloadError::Deserialize(d) => {
            AppError::new(ErrorCode::BadRequest).with_detail(d.to_string())
        }
        _ => AppError::new(ErrorCode::BadRequest).with_detail("the body could not be read as JSON"),
    };
    e.into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        QueryPayloadError::Deserialize(d) => d.to_string(),
        _ => "invalid query string".into(),
    };
    AppError::new(ErrorCode::BadRequest)
        .with_detail(detail)
        .into()
}

fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::new(ErrorCode::BadRequest)
        .with_detail("invalid id in the path")
        .into()
}

/// Turns the framework's own bare 4xx/5xx answers (405 from a resource, 413 from the payload
/// limit, …) into problem+json, so every error body has the same shape and a `code`.
fn ensure_problem_body<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    // The token endpoint answers RFC 6749's JSON errors, which OAuth2 libraries read.
    let is_oauth = res.request().path() == "/oauth/token"
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_problem || is_html || is_oauth {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = match status.as_u16() {
        400 => ErrorCode::BadRequest,
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        405 => ErrorCode::MethodNotAllowed,
        413 => ErrorCode::PayloadTooLarge,
        415 => ErrorCode::UnsupportedMediaType,
        429 => ErrorCode::TooManyRequests,
        503 => ErrorCode::ServiceUnavailable,
        s if s >= 500 => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
    };
    let mut p = Problem::new(code);
    p.status = status.as_u16();
    let body = serde_json::to_string(&p).unwrap_or_default();
    let (req, mut res) = res.into_parts();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res.headers_mut().remove(header::CONTENT_LENGTH);
    let res = res.set_body(actix_web::body::BoxBody::new(body));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, res).map_into_right_body(),
    ))
}
