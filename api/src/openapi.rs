//! The OpenAPI document. Paths and schemas come from the registered handlers (utoipa-actix-web);
//! this adds the info block, the bearer scheme, and the error responses every operation shares.

use actix_web::App;
use kaidan_shared::api_client::{required, ApiScope, Need};
use kaidan_shared::{ErrorCode, FieldError, Problem};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityRequirement,
    SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kaidan API",
        description = "开单 Kaidan — sales management. Errors are RFC 9457 problem+json with a stable `code`. \
Lists use keyset pagination (`limit`, `cursor` → `next_cursor`). Edits need `If-Match`; POSTs accept `Idempotency-Key`, except those whose answers carry tokens \
(sign-in, refresh, logout, password change), which ignore it. \
People authenticate with `POST /api/v1/auth/login` (scheme `bearer`); systems with OAuth2 client credentials at `POST /oauth/token` (scheme `oauth2`), \
and each operation lists the scope a client's token needs. Rate limits: fixed one-minute windows per person, per API client (its own rate) and per address without a token, \
searches and reports lower; every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds), and 429 comes with `Retry-After`.",
        license(name = "AGPL-3.0-or-later"),
        contact(name = "Kaidan", url = "https://kaidan.dev")
    ),
    servers((url = "/", description = "This Kaidan server")),
    components(schemas(
        Problem,
        ErrorCode,
        FieldError,
        kaidan_shared::customer::CustomerSort,
        kaidan_shared::attachment::ContentSize,
        kaidan_shared::approval::ApprovalBox,
        kaidan_shared::api_client::ApiScope
    )),
    modifiers(&SecurityAndErrors),
    tags(
        (name = "auth", description = "Sign-in, tokens, the signed-in user"),
        (name = "org", description = "Regions and teams"),
        (name = "users", description = "User accounts (admins manage them)"),
        (name = "api-clients", description = "开放平台 API clients: systems that call the API with OAuth2 client credentials (`POST /oauth/token`), placed in the org like a user and limited to their scopes (admins register them)"),
        (name = "webhooks", description = "开放平台 webhooks: events (a customer created, a deal won, a contract approved, a payment received) POSTed to a client's URL, signed the Standard Webhooks way, retried for a day, with a delivery log (admins subscribe clients)"),
        (name = "customers", description = "客户 customers"),
        (name = "pools", description = "公海 public pools: customers without an owner, masked until claimed; release, claim, quota, rules"),
        (name = "opportunities", description = "商机 deals: stages with probabilities, the stage history, the board"),
        (name = "visits", description = "拜访 visits: plan, check in where the server says, record, the radius and map settings"),
        (name = "follow-ups", description = "跟进任务 follow-up tasks: due, done, put off; reminders before and after the due time and each morning"),
        (name = "products", description = "产品 the product catalogue and price lists (价格表); kept by admins and product managers, read by everyone"),
        (name = "quotes", description = "报价 quotes for deals: lines from the catalogue, discounts, tax per line, totals from one shared function; drafts, sent (frozen), revisions, accepted or rejected"),
        (name = "contracts", description = "合同 contracts: from an accepted quote or directly; numbered HT-year-number; draft → pending approval → approved (amount, lines and payment terms locked) → signed → completed, or terminated"),
        (name = "approvals", description = "审批 approvals of contracts and of quotes over their sender's discount: flows chosen by amount, discount, customer level and role; steps of any-one (或签) or countersign (会签) approvers resolved from the org; the inbox 待我审批 / 我已审批 / 我发起的"),
        (name = "payments", description = "回款 collection: a contract's payment plan (instalments never above its amount), payments received (never above what is outstanding; a reference once per contract), receivables and overdue instalments"),
        (name = "attachments", description = "附件 files of records: a visit's photos, a contract's documents; read and removed by whoever may read or change the record"),
        (name = "leads", description = "线索 leads: duplicate check, assignment rules (territory → team in turn → queue), qualify, convert"),
        (name = "contacts", description = "联系人 contacts of a customer"),
        (name = "option-lists", description = "数据字典 option lists: the choices behind every pick-one field"),
        (name = "fields", description = "自定义字段 custom fields per record type; a record's `custom` object holds their values"),
        (name = "layouts", description = "布局 form and detail sections, default list columns, and each user's own list columns"),
        (name = "notifications", description = "通知 your in-app notifications: assignments, pool warnings and reclaims, stale deals"),
        (name = "audit", description = "The audit trail"),
        (name = "operations", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct SecurityAndErrors;

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
}

fn add_if_missing(op: &mut Operation, status: &str, description: &str) {
    if !op.responses.responses.contains_key(status) {
        op.responses
            .responses
            .insert(status.to_owned(), problem(description).into());
    }
}

impl Modify for SecurityAndErrors {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A person's access token from `POST /api/v1/auth/login`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::ClientCredentials(ClientCredentials::new(
                    "/oauth/token",
                    Scopes::from_iter(ApiScope::ALL.iter().map(|s| (s.as_str(), s.description()))),
                ))],
                "An API client's token (client credentials). Each operation lists the scope it \
needs; operations without an `oauth2` requirement are for people only.",
            )),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "The token endpoint's client authentication: `client_id:client_secret`",
                    ))
                    .build(),
            ),
        );
    }
}

/// Ends every operation's description with who may call it — people within their data scope,
/// API clients with which scope, or nobody signed in at all — from the same table the server
/// checks, so an operation without prose of its own still says what matters to a caller.
fn describe_access(op: &mut Operation, method: &str, path: &str) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let access = if path.starts_with("/oauth/") {
        "Access: API clients, with their client credentials.".to_owned()
    } else if path == "/metrics" {
        "Access: open, or with the `metrics.bearer_token` when one is set.".to_owned()
    } else if !secured {
        "Access: no sign-in needed.".to_owned()
    } else {
        match required(method, path) {
            Need::Scope(s) => format!(
                "Access: people signed in, within their data scope; API clients with the scope `{}`, within their place in the org.",
                s.as_str()
            ),
            Need::AnyClient => {
                "Access: people signed in; any API client.".to_owned()
            }
            Need::People => {
                "Access: people signed in, as their role allows; not API clients (`insufficient_scope`).".to_owned()
            }
        }
    };
    op.description = Some(
        match op.description.take().filter(|d| !d.trim().is_empty()) {
            Some(d) => format!("{d}\n\n{access}"),
            None => access,
        },
    );
}

/// Adds to every operation an API client may call the `oauth2` requirement with the scope it
/// needs, from `api_client::required` — the table the server checks every request against — and
/// says on its 403 that a client's token without it is refused (`insufficient_scope`).
fn add_client_scopes(api: &mut utoipa::openapi::OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let ops = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            describe_access(op, method, path);
            let scopes: Vec<&str> = match required(method, path) {
                Need::Scope(s) => vec![s.as_str()],
                Need::AnyClient => Vec::new(),
                Need::People => continue,
            };
            if op.security.as_ref().is_none_or(|s| s.is_empty()) {
                continue;
            }
            let scope_text = scopes.first().copied().unwrap_or("any");
            op.security
                .get_or_insert_with(Vec::new)
                .push(SecurityRequirement::new("oauth2", scopes.clone()));
            let note = format!(
                "; an API client's token without the scope `{scope_text}` (`insufficient_scope`)"
            );
            match op.responses.responses.get_mut("403") {
                Some(utoipa::openapi::RefOr::T(r)) => r.description.push_str(&note),
                _ => {
                    op.responses
                        .responses
                        .insert("403".into(), problem(&format!("Not allowed{note}")).into());
                }
            }
        }
    }
}

/// Documents the errors that any operation of a kind can answer, declared once here so no
/// operation's list is incomplete and no route repeats them: 401 for authenticated ones,
/// 400/413/415/422 for ones with a body, 400/422 for ones with query filters, 404 for ones that
/// name a record by `{id}`, 412 (and 428 when it is required) for ones taking `If-Match`, 409/422
/// for ones taking an `Idempotency-Key`, 500 always. A route documents a status itself only when it has more to say.
fn add_common_errors(api: &mut utoipa::openapi::OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let limited = path.starts_with("/api/v1/") || path.starts_with("/oauth/");
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            // The token endpoint is OAuth2's, not ours: form in, RFC 6749 errors out.
            let form = op
                .request_body
                .as_ref()
                .is_some_and(|b| b.content.contains_key("application/x-www-form-urlencoded"));
            if form {
                add_if_missing(
                    op,
                    "500",
                    "Internal error (`internal`); the X-Request-Id header finds it in the logs",
                );
                continue;
            }
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = op.request_body.is_some();
            let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
            let has_query = op.parameters.as_ref().is_some_and(|p| {
                p.iter()
                    .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
            });
            let param = |name: &str| {
                op.parameters
                    .as_ref()
                    .and_then(|ps| ps.iter().find(|p| p.name == name))
                    .map(|p| matches!(p.required, utoipa::openapi::Required::True))
            };
            let has_id = param("id").is_some();
            let if_match = param("If-Match");
            let keyed = param("Idempotency-Key").is_some();
            if secured {
                add_if_missing(
                    op,
                    "401",
                    "No valid access token (`unauthenticated`, `token_expired`)",
                );
            }
            if has_body || has_params {
                add_if_missing(
                    op,
                    "400",
                    "Malformed JSON, unknown field or bad parameter (`bad_request`)",
                );
            }
            if has_body {
                add_if_missing(op, "413", "Body too large (`payload_too_large`)");
                add_if_missing(op, "415", "Body is not JSON (`unsupported_media_type`)");
                add_if_missing(
                    op,
                    "422",
                    "Invalid fields, listed in `errors` (`validation_failed`, `weak_password`)",
                );
            }
            if has_query {
                add_if_missing(
                    op,
                    "422",
                    "A filter the schema cannot judge is invalid, listed in `errors` (`validation_failed`)",
                );
            }
            if keyed {
                // A body-less action (a check-out) can meet these too.
                add_if_missing(
                    op,
                    "422",
                    "The Idempotency-Key was used for a different request (`idempotency_key_reused`)",
                );
                add_if_missing(
                    op,
                    "409",
                    "The first request with this Idempotency-Key is still running (`idempotency_in_progress`)",
                );
            }
            if has_id {
                add_if_missing(
                    op,
                    "404",
                    "No such record inside your scope (`not_found`); records outside it answer the same",
                );
            }
            if let Some(required) = if_match {
                add_if_missing(
                    op,
                    "412",
                    "Changed by someone else since you read it (`version_conflict`)",
                );
                if required {
                    add_if_missing(op, "428", "If-Match missing (`precondition_required`)");
                }
            }
            if limited {
                add_too_many(op);
            }
            add_if_missing(
                op,
                "500",
                "Internal error (`internal`); the X-Request-Id header finds it in the logs",
            );
        }
    }
}

/// 429 on every rate-limited operation, with `Retry-After`.
fn add_too_many(op: &mut Operation) {
    if op.responses.responses.contains_key("429") {
        return;
    }
    let mut r = problem(
        "Rate limit reached (`too_many_requests`): per person, per API client and per address \
a minute, searches and reports lower; see the RateLimit-* headers",
    );
    r.headers.insert(
        "Retry-After".into(),
        utoipa::openapi::HeaderBuilder::new()
            .schema(
                utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::Integer),
            )
            .description(Some("Seconds until the window resets"))
            .build(),
    );
    op.responses.responses.insert("429".into(), r.into());
}

/// Makes every `Page_X`'s `items` an array of `$ref X` rather than a copy of `X` (utoipa inlines
/// a generic's parameter), so generated clients get one named type per record and a page of it.
fn name_page_items(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ArrayBuilder, RefOr, Schema};
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for name in names {
        let Some(item) = name.strip_prefix("Page_") else {
            continue;
        };
        if !components.schemas.contains_key(item) {
            continue;
        }
        if let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&name) {
            let rows = ArrayBuilder::new()
                .items(Ref::from_schema_name(item))
                .description(Some("The rows of this page"))
                .build();
            page.properties
                .insert("items".into(), RefOr::T(Schema::Array(rows)));
        }
    }
}

/// The complete spec, built from the same registrations the server uses.
pub fn spec() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes::root)
        .service(crate::routes::api_v1())
        .split_for_parts();
    add_common_errors(&mut api);
    add_client_scopes(&mut api);
    name_page_items(&mut api);
    api
}

/// The spec as pretty JSON with a trailing newline (the form checked in as openapi/openapi.json).
pub fn spec_json() -> String {
    let mut s = spec().to_pretty_json().unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
