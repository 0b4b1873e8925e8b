//! `POST /oauth/token`: the OAuth2 client-credentials grant (RFC 6749 §4.4) for API clients.
//! Form-encoded in, RFC 6749 JSON out (not problem+json: OAuth2 libraries read `error`).

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::Engine;
use kaidan_shared::api_client::{OAuthError, OAuthToken};
use kaidan_shared::Problem;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::extract::client_addr;
use crate::services::api_client::{self as service, Credentials, Refusal};
use crate::state::AppState;

/// The form of a token request (no `Debug`: it holds the secret).
#[derive(Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// Always `client_credentials`.
    #[schema(example = "client_credentials", pattern = "^client_credentials$", required = true, value_type = String)]
    pub grant_type: Option<String>,
    /// Space-separated scopes to ask for; none: all of the client's.
    #[schema(
        example = "customers:read leads:write",
        pattern = "^[a-z_]+:(read|write)( [a-z_]+:(read|write))*$"
    )]
    pub scope: Option<String>,
    /// With HTTP Basic authentication, leave out.
    #[schema(format = Uuid)]
    pub client_id: Option<String>,
    /// With HTTP Basic authentication, leave out.
    #[schema(format = Password)]
    pub client_secret: Option<String>,
}

fn refusal(status: StatusCode, error: &str, description: Option<String>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(OAuthError {
            error: error.into(),
            error_description: description,
        })
}

fn invalid_request(why: &str) -> HttpResponse {
    refusal(StatusCode::BAD_REQUEST, "invalid_request", Some(why.into()))
}

/// `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))` (RFC 6749 §2.3.1).
/// `Err` when the header is there but not a readable Basic credential.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ()> {
    let Some(v) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v.to_str().map_err(|_| ())?;
    let Some(encoded) = v
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, rest)| rest.trim())
    else {
        return Err(());
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| ())?;
    let text = String::from_utf8(decoded).map_err(|_| ())?;
    let (id, secret) = text.split_once(':').ok_or(())?;
    let unescape = |s: &str| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
            .ok()
            .and_then(|mut v| v.pop())
            .map(|(_, v)| v)
            .ok_or(())
    };
    Ok(Some((unescape(id)?, unescape(secret)?)))
}

/// Take an access token with client credentials (OAuth2, RFC 6749 §4.4).
///
/// Authenticate the client with HTTP Basic (`client_id:client_secret`, each form-URL-encoded)
/// or with `client_id` and `client_secret` in the form — not both. The token is a Bearer JWT
/// for `expires_in` seconds, for the scopes asked (`scope`, space-separated; all of the
/// client's when left out); ask for a new one when it runs out (there is no refresh token).
/// Unknown client, wrong or rotated-out secret, disabled client and a source address the client
/// may not call from all answer `invalid_client`. Failed attempts are limited like sign-in.
#[utoipa::path(
    tag = "auth",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    security((), ("client_basic" = [])),
    responses(
        (status = 200, description = "A token", body = OAuthToken,
            headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, description = "`invalid_request` (not form-encoded, a parameter twice, two ways of authenticating), `unsupported_grant_type` or `invalid_scope`", body = OAuthError),
        (status = 401, description = "`invalid_client`; with HTTP Basic also `WWW-Authenticate: Basic`", body = OAuthError),
        (status = 413, description = "Body too large (`payload_too_large`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts (`too_many_requests`)", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/oauth/token")]
pub async fn oauth_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form_encoded = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_encoded {
        return Ok(invalid_request(
            "send the parameters form-encoded (application/x-www-form-urlencoded)",
        ));
    }
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return Ok(invalid_request("the form could not be read"));
    };
    // RFC 6749 §3.2: parameters must not be sent more than once; unknown ones are ignored.
    let mut form = TokenRequest::default();
    for (k, v) in pairs {
        let slot = match k.as_str() {
            "grant_type" => &mut form.grant_type,
            "scope" => &mut form.scope,
            "client_id" => &mut form.client_id,
            "client_secret" => &mut form.client_secret,
            _ => continue,
        };
        if slot.replace(v).is_some() {
            return Ok(invalid_request("a parameter was sent more than once"));
        }
    }
    let Ok(basic) = basic_credentials(&req) else {
        return Ok(invalid_request(
            "the Authorization header is not HTTP Basic",
        ));
    };
    let used_basic = basic.is_some();
    let (client_id, client_secret) = match (basic, form.client_id, form.client_secret) {
        // Some libraries repeat the id in the form beside Basic; a secret in both is two
        // ways of authenticating (§2.3), and so is an id that disagrees.
        (Some(pair), id, None) if id.as_ref().is_none_or(|i| *i == pair.0) => pair,
        (Some(_), _, _) => {
            return Ok(invalid_request(
                "authenticate the client one way: HTTP Basic or the form, not both",
            ))
        }
        (None, Some(id), Some(secret)) => (id, secret),
        (None, _, _) => {
            return Ok(invalid_request(
                "client authentication is required (HTTP Basic or client_id and client_secret)",
            ))
        }
    };
    match form.grant_type.as_deref() {
        Some("client_credentials") => {}
        None => return Ok(invalid_request("grant_type is required")),
        Some(_) => {
            return Ok(refusal(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                Some("only client_credentials is offered".into()),
            ))
        }
    }
    let asked = Credentials {
        client_id,
        client_secret,
        scope: form.scope,
        ip: client_addr::of(&req).ip_string(),
    };
    match service::exchange(&state, asked).await {
        Ok(t) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(t)),
        Err(Refusal::InvalidClient) => {
            let mut r = refusal(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                Some("client authentication failed".into()),
            );
            if used_basic {
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"kaidan\""),
                );
            }
            Ok(r)
        }
        Err(Refusal::InvalidScope(why)) => {
            Ok(refusal(StatusCode::BAD_REQUEST, "invalid_scope", Some(why)))
        }
        Err(Refusal::App(e)) => Err(e),
    }
}
