//! The audit trail: who changed what, when, from where.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// e.g. `customer.create`, `customer.transfer`, `user.deactivate`.
    pub action: String,
    pub entity: String,
    pub entity_id: Uuid,
    /// The fields that changed, with their old values (absent on create).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<Value>,
    /// The fields that changed, with their new values (absent on delete).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<Value>,
    /// Shown to admins only.
    pub request_id: Option<String>,
    /// Shown to admins only.
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// `customer`, `contact`, `user`, `team`, `region`.
    pub entity: Option<String>,
    pub entity_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// Exact action, e.g. `customer.transfer`.
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u64>,
    #[cfg_attr(feature = "openapi", param(max_length = 1024))]
    pub cursor: Option<String>,
}

/// Paging for a record's history.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u64>,
    #[cfg_attr(feature = "openapi", param(max_length = 1024))]
    pub cursor: Option<String>,
}

/// The changed top-level fields of two JSON objects, as (before, after) objects holding only
/// those fields. `version` and `updated_at` are left out: they change on every write and say
/// nothing a reader of the history wants to know.
pub fn diff(before: &Value, after: &Value) -> (Value, Value) {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut out_b = Map::new();
    let mut out_a = Map::new();
    let keys = b.keys().chain(a.keys().filter(|k| !b.contains_key(*k)));
    for k in keys {
        if k == "version" || k == "updated_at" {
            continue;
        }
        let vb = b.get(k).unwrap_or(&Value::Null);
        let va = a.get(k).unwrap_or(&Value::Null);
        if vb != va {
            out_b.insert(k.clone(), vb.clone());
            out_a.insert(k.clone(), va.clone());
        }
    }
    (Value::Object(out_b), Value::Object(out_a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_keeps_only_changed_fields() {
        let (b, a) = diff(
            &json!({"name":"A","phone":"1","version":1,"updated_at":"x"}),
            &json!({"name":"B","phone":"1","version":2,"updated_at":"y","level":"A"}),
        );
        assert_eq!(b, json!({"name":"A","level":null}));
        assert_eq!(a, json!({"name":"B","level":"A"}));
    }
}
