use kaidan_shared::api_client::ApiScope;
use kaidan_shared::policy::Grant;
use kaidan_shared::Role;
use uuid::Uuid;

/// The signed-in user as services see it: identity, place in the org, and where the request came
/// from (for the audit trail). Built fresh from the database on every request, so a role change
/// or deactivation takes effect at once.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    /// Permissions beside the role (`policy::scope_with`).
    pub grants: Vec<Grant>,
    pub team_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// The sign-in session the request's token belongs to (`None` for the system and for API
    /// clients).
    pub session_id: Option<Uuid>,
    /// Set when an API client calls: what its token allows.
    pub client: Option<ClientCall>,
}

/// An API client's call: the client and its token's scopes (checked in `extractor` against
/// `api_client::required` before any handler runs).
#[derive(Debug, Clone)]
pub struct ClientCall {
    pub client_id: Uuid,
    pub scopes: Vec<ApiScope>,
}

impl Actor {
    /// The actor for command-line and seeding work (no request, acting as the system).
    pub fn system() -> Actor {
        Actor {
            user_id: Uuid::nil(),
            username: "system".into(),
            role: Role::Admin,
            grants: Vec::new(),
            team_id: None,
            region_id: None,
            request_id: None,
            ip: None,
            session_id: None,
            client: None,
        }
    }

    /// The id to record as the audit actor (`None` for the system).
    pub fn audit_id(&self) -> Option<Uuid> {
        (!self.user_id.is_nil()).then_some(self.user_id)
    }
}
