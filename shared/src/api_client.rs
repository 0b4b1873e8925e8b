//! API clients (开放平台 · 应用): third-party systems that call the API with OAuth2 client
//! credentials. A client is placed in the org like a user (a service identity of role
//! `integration`, in a team, a region or the whole company), so the one data-scope policy covers
//! it; on top of that its token carries *scopes*, and every operation names the scope it needs
//! here, in [`required`] — the server checks it on every request and the OpenAPI document lists
//! it, both from this one table, so they cannot drift.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::patch::Patch;
use crate::validate::{has_nul, limits, Errors};

/// What a client's token may be used for. `…:read` reads, lists and searches; `…:write`
/// creates and changes. Admin surfaces (users, org, settings, audit, clients) have no scope:
/// clients never reach them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ApiScope {
    #[serde(rename = "customers:read")]
    CustomersRead,
    #[serde(rename = "customers:write")]
    CustomersWrite,
    #[serde(rename = "leads:read")]
    LeadsRead,
    #[serde(rename = "leads:write")]
    LeadsWrite,
    #[serde(rename = "opportunities:read")]
    OpportunitiesRead,
    #[serde(rename = "opportunities:write")]
    OpportunitiesWrite,
    #[serde(rename = "visits:read")]
    VisitsRead,
    #[serde(rename = "follow_ups:read")]
    FollowUpsRead,
    #[serde(rename = "follow_ups:write")]
    FollowUpsWrite,
    #[serde(rename = "products:read")]
    ProductsRead,
    #[serde(rename = "quotes:read")]
    QuotesRead,
    #[serde(rename = "contracts:read")]
    ContractsRead,
    #[serde(rename = "payments:read")]
    PaymentsRead,
    #[serde(rename = "payments:write")]
    PaymentsWrite,
    #[serde(rename = "org:read")]
    OrgRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 15] = [
        ApiScope::CustomersRead,
        ApiScope::CustomersWrite,
        ApiScope::LeadsRead,
        ApiScope::LeadsWrite,
        ApiScope::OpportunitiesRead,
        ApiScope::OpportunitiesWrite,
        ApiScope::VisitsRead,
        ApiScope::FollowUpsRead,
        ApiScope::FollowUpsWrite,
        ApiScope::ProductsRead,
        ApiScope::QuotesRead,
        ApiScope::ContractsRead,
        ApiScope::PaymentsRead,
        ApiScope::PaymentsWrite,
        ApiScope::OrgRead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::CustomersRead => "customers:read",
            ApiScope::CustomersWrite => "customers:write",
            ApiScope::LeadsRead => "leads:read",
            ApiScope::LeadsWrite => "leads:write",
            ApiScope::OpportunitiesRead => "opportunities:read",
            ApiScope::OpportunitiesWrite => "opportunities:write",
            ApiScope::VisitsRead => "visits:read",
            ApiScope::FollowUpsRead => "follow_ups:read",
            ApiScope::FollowUpsWrite => "follow_ups:write",
            ApiScope::ProductsRead => "products:read",
            ApiScope::QuotesRead => "quotes:read",
            ApiScope::ContractsRead => "contracts:read",
            ApiScope::PaymentsRead => "payments:read",
            ApiScope::PaymentsWrite => "payments:write",
            ApiScope::OrgRead => "org:read",
        }
    }

    pub fn parse(s: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What the scope allows, for the spec and the admin screen.
    pub fn description(self) -> &'static str {
        match self {
            ApiScope::CustomersRead => "Read customers and their contacts (客户、联系人)",
            ApiScope::CustomersWrite => "Create and change customers and contacts",
            ApiScope::LeadsRead => "Read leads (线索)",
            ApiScope::LeadsWrite => {
                "Create leads (web forms, ad platforms; the assignment rules pick the owner) and work them"
            }
            ApiScope::OpportunitiesRead => "Read deals (商机), the board and the stages",
            ApiScope::OpportunitiesWrite => "Create deals, change them and move their stage",
            ApiScope::VisitsRead => "Read visits (拜访) and their photos",
            ApiScope::FollowUpsRead => "Read follow-up tasks (跟进任务)",
            ApiScope::FollowUpsWrite => "Create follow-up tasks and mark them done",
            ApiScope::ProductsRead => "Read the product catalogue and price lists (产品、价格表)",
            ApiScope::QuotesRead => "Read quotes (报价)",
            ApiScope::ContractsRead => "Read contracts (合同), their documents and approvals",
            ApiScope::PaymentsRead => "Read payment plans, payments and receivables (回款)",
            ApiScope::PaymentsWrite => "Report payments received (finance systems)",
            ApiScope::OrgRead => "Read the org chart: users, teams, regions",
        }
    }

    /// Space-separated, in the table's order (the `scope` of a token and of RFC 6749 answers).
    pub fn join(scopes: &[ApiScope]) -> String {
        let mut s: Vec<ApiScope> = scopes.to_vec();
        s.sort();
        s.dedup();
        s.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// Parses a space-separated list; `Err` names the first unknown scope.
    pub fn split(s: &str) -> Result<Vec<ApiScope>, String> {
        let mut out = Vec::new();
        for part in s.split(' ').filter(|p| !p.is_empty()) {
            out.push(ApiScope::parse(part).ok_or_else(|| part.to_owned())?);
        }
        out.sort();
        out.dedup();
        Ok(out)
    }
}

/// What an operation asks of a client's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// This scope.
    Scope(ApiScope),
    /// Any client token (definitions every client needs to read records: fields, option lists,
    /// layouts).
    AnyClient,
    /// People only: sign-in, self-service, admin surfaces, actions that need a person (claiming
    /// from a pool, checking in on site, deciding approvals).
    People,
}

/// The scope `method` on `path` (the route's pattern, as in the spec: `/api/v1/customers/{id}`)
/// needs. The one table for both the check on every request and the spec.
pub fn required(method: &str, path: &str) -> Need {
    use ApiScope::*;
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return Need::People;
    };
    let read = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
    let mut segments = rest.split('/');
    let first = segments.next().unwrap_or_default();
    // `/things/{id}/action` → Some("action"); `/things` and `/things/{id}` → None.
    let action = segments.nth(1);
    let pair = |r: ApiScope, w: ApiScope| Need::Scope(if read { r } else { w });
    let only_read = |r: ApiScope| if read { Need::Scope(r) } else { Need::People };
    match first {
        "customers" => match action {
            // Pools are people's: claiming and releasing stay in the app; handing a customer
            // to someone else is a supervisor's decision (a client names the owner when it
            // creates one, inside its place).
            Some("claim" | "release" | "transfer") => Need::People,
            _ => pair(CustomersRead, CustomersWrite),
        },
        "contacts" => pair(CustomersRead, CustomersWrite),
        "leads" => match action {
            // Converting makes a customer and a deal (more than `leads:write` says), and
            // handing a lead on is a supervisor's call.
            Some("convert" | "assign") => Need::People,
            _ => pair(LeadsRead, LeadsWrite),
        },
        "opportunities" => match action {
            // Reopening a won or lost deal is a supervisor's decision.
            Some("reopen") => Need::People,
            _ => pair(OpportunitiesRead, OpportunitiesWrite),
        },
        "opportunity-board" | "opportunity-stages" => only_read(OpportunitiesRead),
        // Visits are made on site by people (GPS check-in); systems read them.
        "visits" | "visit-stats" => only_read(VisitsRead),
        "follow-ups" => pair(FollowUpsRead, FollowUpsWrite),
        "products" | "price-lists" => only_read(ProductsRead),
        "quotes" => only_read(QuotesRead),
        "contracts" => match action {
            Some("payment-plans") => only_read(PaymentsRead),
            _ => only_read(ContractsRead),
        },
        "payments" => pair(PaymentsRead, PaymentsWrite),
        "receivables" => only_read(PaymentsRead),
        "finance" => Need::Scope(PaymentsWrite),
        "users" if action.is_none() => only_read(OrgRead),
        "teams" | "regions" => only_read(OrgRead),
        "fields" | "option-lists" | "layouts" if read => Need::AnyClient,
        _ => Need::People,
    }
}

/// An API client as admins see it. The secret is never shown again after it is made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiClient {
    /// The `client_id` of the token endpoint.
    pub id: Uuid,
    #[cfg_attr(feature = "openapi", schema(example = "金蝶云星空"))]
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// The team whose records it reaches (with `region_id` its team's region).
    pub team_id: Option<Uuid>,
    /// The region whose records it reaches; neither team nor region: the whole company.
    pub region_id: Option<Uuid>,
    /// Source addresses or networks (CIDR) it may call from; empty: anywhere.
    pub allowed_ips: Vec<String>,
    /// Requests a minute; `null`: the server's default for clients.
    pub rate_per_minute: Option<i64>,
    pub disabled: bool,
    /// Until when the secret before the last rotation still works.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A client with its secret, answered once: on registration and on rotation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiClientSecret {
    pub client: ApiClient,
    /// Shown this once; only its hash is kept.
    #[cfg_attr(feature = "openapi", schema(example = "kds_3q2+7w…"))]
    pub client_secret: String,
}

/// The most networks a client may be limited to.
pub const MAX_ALLOWED_IPS: usize = 32;
/// The longest grace a rotated secret may keep working.
pub const MAX_GRACE_HOURS: i64 = 24 * 7;
/// The fewest and most requests a minute a client may be given.
pub const RATE_RANGE: (i64, i64) = (1, 100_000);

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiClientCreate {
    #[cfg_attr(feature = "openapi", schema(example = "金蝶云星空", max_length = 64))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 15))]
    pub scopes: Vec<ApiScope>,
    #[serde(default)]
    pub team_id: Option<Uuid>,
    #[serde(default)]
    pub region_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 32, example = json!(["203.0.113.0/24"])))]
    pub allowed_ips: Vec<String>,
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100000))]
    pub rate_per_minute: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiClientUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 15))]
    pub scopes: Option<Vec<ApiScope>>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub team_id: Patch<Uuid>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Uuid>))]
    pub region_id: Patch<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 32))]
    pub allowed_ips: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Patch::is_absent",
        deserialize_with = "crate::de::patch_int"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1, maximum = 100000))]
    pub rate_per_minute: Patch<i64>,
    /// `true` stops the client at once: no new tokens, and its tokens stop working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// Rotating a secret: the old one keeps working for `grace_hours` (0: stops at once).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiClientRotate {
    #[serde(default = "default_grace", deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 168, default = 24))]
    pub grace_hours: i64,
}

fn default_grace() -> i64 {
    24
}

/// Whether `s` is an address or a network in CIDR form (`203.0.113.7`, `203.0.113.0/24`,
/// `2001:db8::/32`).
pub fn network_is_valid(s: &str) -> bool {
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else {
        return false;
    };
    match bits {
        None => true,
        Some(b) => {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            !b.is_empty()
                && b.len() <= 3
                && b.bytes().all(|c| c.is_ascii_digit())
                && b.parse::<u8>().is_ok_and(|n| n <= max)
        }
    }
}

fn check_name(e: &mut Errors, name: &str) {
    e.required_text("name", name, limits::SHORT);
}

fn check_scopes(e: &mut Errors, scopes: &[ApiScope]) {
    if scopes.is_empty() {
        e.add("scopes", FieldCode::Required, "choose at least one scope");
    }
}

fn check_networks(e: &mut Errors, ips: &[String]) {
    if ips.len() > MAX_ALLOWED_IPS {
        e.add(
            "allowed_ips",
            FieldCode::TooLong,
            format!("at most {MAX_ALLOWED_IPS} addresses or networks"),
        );
    }
    for (i, ip) in ips.iter().enumerate() {
        if has_nul(ip) || !network_is_valid(ip.trim()) {
            e.add(
                format!("allowed_ips[{i}]"),
                FieldCode::InvalidFormat,
                "an IP address or a network in CIDR form (203.0.113.0/24)",
            );
        }
    }
}

fn check_rate(e: &mut Errors, rate: Option<i64>) {
    if let Some(r) = rate {
        if !(RATE_RANGE.0..=RATE_RANGE.1).contains(&r) {
            e.add(
                "rate_per_minute",
                FieldCode::OutOfRange,
                format!("{}–{} requests a minute", RATE_RANGE.0, RATE_RANGE.1),
            );
        }
    }
}

impl ApiClientCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        check_name(&mut e, &self.name);
        check_scopes(&mut e, &self.scopes);
        check_networks(&mut e, &self.allowed_ips);
        check_rate(&mut e, self.rate_per_minute);
        e.finish()
    }
}

impl ApiClientUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(n) = &self.name {
            check_name(&mut e, n);
        }
        if let Some(s) = &self.scopes {
            check_scopes(&mut e, s);
        }
        if let Some(ips) = &self.allowed_ips {
            check_networks(&mut e, ips);
        }
        if let Patch::Value(r) = self.rate_per_minute {
            check_rate(&mut e, Some(r));
        }
        e.finish()
    }
}

impl ApiClientRotate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if !(0..=MAX_GRACE_HOURS).contains(&self.grace_hours) {
            e.add(
                "grace_hours",
                FieldCode::OutOfRange,
                format!("0–{MAX_GRACE_HOURS} hours"),
            );
        }
        e.finish()
    }
}

/// The answer of `POST /oauth/token` (RFC 6749 §5.1). No refresh token: a client asks again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthToken {
    pub access_token: String,
    #[cfg_attr(feature = "openapi", schema(example = "Bearer"))]
    pub token_type: String,
    /// Seconds the token lives.
    #[cfg_attr(feature = "openapi", schema(example = 900))]
    pub expires_in: i64,
    /// The scopes granted, space-separated.
    #[cfg_attr(feature = "openapi", schema(example = "customers:read leads:write"))]
    pub scope: String,
}

/// An RFC 6749 §5.2 error of the token endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    #[cfg_attr(feature = "openapi", schema(example = "invalid_client"))]
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_join_in_order() {
        for s in ApiScope::ALL {
            assert_eq!(ApiScope::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
        let s = ApiScope::split("leads:write  customers:read leads:write").unwrap();
        assert_eq!(ApiScope::join(&s), "customers:read leads:write");
        assert_eq!(ApiScope::split("customers:read admin"), Err("admin".into()));
    }

    #[test]
    fn every_operation_names_what_a_client_needs() {
        use ApiScope::*;
        let s = |m, p| required(m, p);
        assert_eq!(s("GET", "/api/v1/customers"), Need::Scope(CustomersRead));
        assert_eq!(
            s("PATCH", "/api/v1/customers/{id}"),
            Need::Scope(CustomersWrite)
        );
        assert_eq!(s("POST", "/api/v1/customers/{id}/claim"), Need::People);
        assert_eq!(
            s("POST", "/api/v1/customers/{id}/contacts"),
            Need::Scope(CustomersWrite)
        );
        assert_eq!(s("POST", "/api/v1/leads"), Need::Scope(LeadsWrite));
        assert_eq!(s("POST", "/api/v1/leads/{id}/convert"), Need::People);
        assert_eq!(s("POST", "/api/v1/leads/{id}/assign"), Need::People);
        assert_eq!(s("POST", "/api/v1/customers/{id}/transfer"), Need::People);
        assert_eq!(
            s("DELETE", "/api/v1/customers/{id}"),
            Need::Scope(CustomersWrite)
        );
        assert_eq!(s("POST", "/api/v1/visits/{id}/check-in"), Need::People);
        assert_eq!(
            s("GET", "/api/v1/visits/{id}/photos"),
            Need::Scope(VisitsRead)
        );
        assert_eq!(s("POST", "/api/v1/contracts/{id}/submit"), Need::People);
        assert_eq!(
            s("GET", "/api/v1/contracts/{id}/payment-plans"),
            Need::Scope(PaymentsRead)
        );
        assert_eq!(s("POST", "/api/v1/payments"), Need::Scope(PaymentsWrite));
        assert_eq!(s("GET", "/api/v1/users/{id}"), Need::Scope(OrgRead));
        assert_eq!(s("GET", "/api/v1/users/{id}/sign-in-locks"), Need::People);
        assert_eq!(s("POST", "/api/v1/users"), Need::People);
        assert_eq!(s("GET", "/api/v1/fields"), Need::AnyClient);
        assert_eq!(s("POST", "/api/v1/fields"), Need::People);
        assert_eq!(s("GET", "/api/v1/audit"), Need::People);
        assert_eq!(s("GET", "/api/v1/api-clients"), Need::People);
        assert_eq!(s("GET", "/api/v1/me"), Need::People);
        assert_eq!(s("GET", "/metrics"), Need::People);
    }

    #[test]
    fn networks_are_addresses_or_cidrs() {
        for ok in [
            "203.0.113.7",
            "203.0.113.0/24",
            "2001:db8::/32",
            "::1",
            "0.0.0.0/0",
        ] {
            assert!(network_is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "203.0.113.0/33",
            "2001:db8::/129",
            "host.example",
            "1.2.3.4/",
            "1.2.3.4/+8",
        ] {
            assert!(!network_is_valid(bad), "{bad}");
        }
    }
}
