//! HTTP handlers of the API, one file per module (named as the module is everywhere): extract → call a service (which applies the policy) →
//! map to the response. Registered with `.service()` so utoipa-actix-web puts them in the spec.

pub mod api_client;
pub mod approval;
pub mod attachment;
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
pub mod oauth;
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

use utoipa_actix_web::service_config::ServiceConfig;

use crate::hosting::health;

pub use crate::extract::if_match::{etag, json_with_etag, IfMatch, OptionalIfMatch};

/// An answer that carries a secret (an API client's, a webhook's): no cache may keep it.
pub fn no_store(mut resp: actix_web::HttpResponse) -> actix_web::HttpResponse {
    resp.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    resp
}

/// All `/api/v1` routes.
pub fn api_v1() -> utoipa_actix_web::scope::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    utoipa_actix_web::scope("/api/v1")
        .configure(auth::configure)
        .configure(org::configure)
        .configure(user::configure)
        .configure(api_client::configure)
        .configure(webhook::configure)
        .configure(customer::configure)
        .configure(pool::configure)
        .configure(opportunity::configure)
        .configure(lead::configure)
        .configure(visit::configure)
        .configure(follow_up::configure)
        .configure(product::configure)
        .configure(quote::configure)
        .configure(contract::configure)
        .configure(approval::configure)
        .configure(payment::configure)
        .configure(attachment::configure)
        .configure(contact::configure)
        .configure(option_list::configure)
        .configure(field::configure)
        .configure(layout::configure)
        .configure(notification::configure)
        .configure(audit::configure)
}

/// Routes outside `/api/v1` that still belong in the spec.
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(auth::jwks)
        .service(oauth::oauth_token);
}
