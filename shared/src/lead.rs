//! Leads (线索): a person or company that may buy, before anyone has qualified them. A lead is
//! assigned to a rep by rules (territory → the team's reps in turn → a queue), worked
//! (contacted, qualified or disqualified with a reason) and converted into a customer with a
//! contact — or attached to an existing customer — and optionally a deal, after which it is
//! read-only and keeps links to what it became.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{FieldCode, FieldError};
use crate::field::CustomValues;
use crate::patch::Patch;
use crate::validate::{limits, Errors};

/// Where a lead is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    /// Dropped with a reason (`disqualify_reason`); can be taken up again.
    Disqualified,
    /// Became a customer (and maybe a deal); read-only.
    Converted,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 5] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Disqualified,
        LeadStatus::Converted,
    ];
    /// The statuses a rep is still working (counted against the open-lead cap).
    pub const OPEN: [LeadStatus; 3] = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Disqualified => "disqualified",
            LeadStatus::Converted => "converted",
        }
    }

    pub fn parse(s: &str) -> Option<LeadStatus> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }
}

/// How a lead came to its owner (or its queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignedVia {
    /// The rep who entered it keeps it.
    Creator,
    /// A rule gave it to the next rep of a team in turn (`assigned_rule_id`).
    Rule,
    /// No rep could take it: it waits in `queue` (by `assigned_rule_id`, or by no rule matching).
    Queue,
    /// A supervisor chose the owner.
    Manual,
}

impl AssignedVia {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignedVia::Creator => "creator",
            AssignedVia::Rule => "rule",
            AssignedVia::Queue => "queue",
            AssignedVia::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<AssignedVia> {
        [Self::Creator, Self::Rule, Self::Queue, Self::Manual]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The queue every lead no rule places waits in (an option of `lead_queue`).
pub const DEFAULT_QUEUE: &str = "unassigned";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lead {
    pub id: Uuid,
    /// The contact person.
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// An option key of `lead_source`.
    pub source: Option<String>,
    /// An option key of `province`.
    pub province: Option<String>,
    pub notes: Option<String>,
    pub status: LeadStatus,
    /// An option key of `disqualify_reason` (disqualified leads).
    pub disqualify_reason: Option<String>,
    pub disqualify_note: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// The team whose rule placed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    /// An option key of `lead_queue` while it waits for a supervisor to assign it.
    pub queue: Option<String>,
    pub assigned_via: AssignedVia,
    /// The rule that assigned or queued it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_rule_id: Option<Uuid>,
    pub assigned_rule_name: Option<String>,
    pub assigned_at: DateTime<Utc>,
    /// What it became (converted leads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<Uuid>,
    pub converted_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
    pub version: i64,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Lead {
    /// The name a customer made from it gets: the company, or the person without one.
    pub fn customer_name(&self) -> &str {
        self.company.as_deref().unwrap_or(&self.name)
    }
}

/// Phone and e-mail, when given: a blank one (a web form's empty input) is no value.
fn contact_errors(e: &mut Errors, phone: Option<&str>, email: Option<&str>) {
    e.phone("phone", phone.filter(|s| !s.trim().is_empty()));
    e.email("email", email.filter(|s| !s.trim().is_empty()));
}

/// A new lead. Without `owner_id` a sales rep keeps what they enter; anyone else's lead (and
/// every lead from an API client) goes through the assignment rules.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadCreate {
    #[cfg_attr(
        feature = "openapi",
        schema(example = "王磊", min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(example = "苏州恒远精密机械有限公司", max_length = 200)
    )]
    pub company: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "13812345678", max_length = 32))]
    pub phone: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "trade_show", max_length = 40))]
    pub source: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "jiangsu", max_length = 40))]
    pub province: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub notes: Option<String>,
    /// Supervisors and above may name the owner (inside their scope).
    #[serde(default)]
    pub owner_id: Option<Uuid>,
    /// Create although it looks like an existing lead or customer.
    #[serde(default)]
    pub force: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl LeadCreate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, limits::NAME);
        e.optional_text("company", self.company.as_deref(), limits::NAME);
        contact_errors(&mut e, self.phone.as_deref(), self.email.as_deref());
        e.optional_text("source", self.source.as_deref(), 40);
        e.optional_text("province", self.province.as_deref(), 40);
        e.optional_text("notes", self.notes.as_deref(), limits::NOTES);
        e.finish()
    }
}

/// Edit a lead's facts, or move it between new, contacted and qualified (disqualify and convert
/// are actions of their own).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"\S")
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub company: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub phone: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub email: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub source: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub province: Patch<String>,
    #[serde(default, skip_serializing_if = "Patch::is_absent")]
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub notes: Patch<String>,
    /// `new`, `contacted` or `qualified` (a disqualified lead taken up again too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<LeadStatus>,
    #[serde(default, skip_serializing_if = "CustomValues::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub custom: CustomValues,
}

impl LeadUpdate {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(n) = &self.name {
            e.required_text("name", n, limits::NAME);
        }
        e.optional_text(
            "company",
            self.company.value().map(String::as_str),
            limits::NAME,
        );
        contact_errors(
            &mut e,
            self.phone.value().map(String::as_str),
            self.email.value().map(String::as_str),
        );
        e.optional_text("source", self.source.value().map(String::as_str), 40);
        e.optional_text("province", self.province.value().map(String::as_str), 40);
        e.optional_text(
            "notes",
            self.notes.value().map(String::as_str),
            limits::NOTES,
        );
        if self.status.is_some_and(|s| !s.is_open()) {
            e.add(
                "status",
                FieldCode::NotAllowed,
                "disqualify and convert are actions of their own",
            );
        }
        e.finish()
    }
}

/// Give a lead to a rep (supervisors and above, inside their scope).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadAssign {
    pub owner_id: Uuid,
}

/// Drop a lead with a reason from `disqualify_reason`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Disqualify {
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "no_budget",
            min_length = 1,
            max_length = 40,
            pattern = r"\S"
        )
    )]
    pub reason: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 500))]
    pub note: Option<String>,
}

impl Disqualify {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("reason", &self.reason, 40);
        e.optional_text("note", self.note.as_deref(), limits::REASON);
        e.finish()
    }
}

/// The deal a conversion opens (for the new or attached customer).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ConvertDeal {
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "二期产线自动化改造",
            min_length = 1,
            max_length = 200,
            pattern = r"\S"
        )
    )]
    pub name: String,
    /// Integer 分.
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(
        feature = "openapi",
        schema(example = 35000000, minimum = 0, maximum = 10000000000000_i64)
    )]
    pub amount: i64,
    #[serde(default)]
    pub expected_close_date: Option<NaiveDate>,
    /// An open stage; the first one when absent.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub stage: Option<String>,
}

/// Convert a lead: into a new customer with the lead's person as its primary contact, or onto
/// `customer_id` (an existing customer the caller may edit, typically one the duplicate check
/// found); with `opportunity`, a deal too. All in one transaction.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadConvert {
    /// Attach to this customer instead of creating one.
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    /// Create the customer although it looks like an existing one.
    #[serde(default)]
    pub force: bool,
    #[serde(default, deserialize_with = "crate::de::opt_object")]
    pub opportunity: Option<ConvertDeal>,
}

impl LeadConvert {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(d) = &self.opportunity {
            e.required_text("opportunity.name", &d.name, limits::NAME);
            if !(0..=crate::opportunity::MAX_AMOUNT).contains(&d.amount) {
                e.add(
                    "opportunity.amount",
                    FieldCode::OutOfRange,
                    "0 to 100,000,000,000.00 yuan, in 分",
                );
            }
            e.optional_text("opportunity.stage", d.stage.as_deref(), 40);
        }
        e.finish()
    }
}

/// What a conversion made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Converted {
    pub lead: Lead,
    pub customer_id: Uuid,
    pub contact_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opportunity_id: Option<Uuid>,
}

crate::list_query! {
    /// Filters of the lead list (newest change first).
    pub struct LeadListQuery {
        pub status: Option<LeadStatus>,
        #[cfg_attr(feature = "openapi", param(max_length = 40))]
        pub source: Option<String>,
        pub owner_id: Option<Uuid>,
        /// Leads waiting in this queue (nobody owns them).
        #[cfg_attr(feature = "openapi", param(max_length = 40))]
        pub queue: Option<String>,
        /// Name, company or phone contains this text.
        #[cfg_attr(feature = "openapi", param(max_length = 100))]
        pub q: Option<String>,
        /// Custom field filters, `key:value`, several separated by commas: fields marked
        /// `filterable` that the caller sees (as on the customer list).
        #[cfg_attr(feature = "openapi", param(max_length = 400))]
        pub custom: Option<String>,
        /// Sort by a custom field the caller sees: its key, or `-key` for descending (as on the
        /// customer list); otherwise most recently changed first.
        #[cfg_attr(feature = "openapi", param(max_length = 41))]
        pub custom_sort: Option<String>,
    }
}

impl LeadListQuery {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        if let Some(q) = &self.q {
            e.max_len("q", q.trim(), 100);
        }
        for (k, v) in [("source", &self.source), ("queue", &self.queue)] {
            if let Some(v) = v {
                e.max_len(k, v, 40);
            }
        }
        e.optional_text("custom_sort", self.custom_sort.as_deref(), 41);
        e.finish()
    }
}

/// An assignment rule. Rules are tried in `position` order; the first whose provinces contain
/// the lead's (or that names none) places it: with the next active rep of `team_id` under
/// `open_lead_cap`, in turn, else in `queue`. A lead no rule places waits in
/// [`DEFAULT_QUEUE`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadRule {
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    /// The region it was made for (regional managers edit their region's rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<Uuid>,
    /// Option keys of `province`; empty matches every lead.
    pub provinces: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    pub team_name: Option<String>,
    /// An option key of `lead_queue`.
    pub queue: Option<String>,
    pub open_lead_cap: Option<u32>,
    pub active: bool,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// A rule as written (create, or replace with `If-Match`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadRuleInput {
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "江浙沪 → 华东一组",
            min_length = 1,
            max_length = 100,
            pattern = r"\S"
        )
    )]
    pub name: String,
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000))]
    pub position: i32,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub provinces: Vec<String>,
    #[serde(default)]
    pub team_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub queue: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100000))]
    pub open_lead_cap: Option<u32>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl LeadRuleInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, 100);
        if !(0..=10_000).contains(&self.position) {
            e.add("position", FieldCode::OutOfRange, "0 to 10000");
        }
        if self.provinces.len() > 50 {
            e.add("provinces", FieldCode::TooLong, "at most 50 provinces");
        }
        if self.team_id.is_none() && self.queue.is_none() {
            e.add(
                "team_id",
                FieldCode::Required,
                "a team whose reps take turns, or a queue, or both",
            );
        }
        if let Some(q) = &self.queue {
            e.max_len("queue", q, 40);
        }
        if self
            .open_lead_cap
            .is_some_and(|c| !(1..=100_000).contains(&c))
        {
            e.add("open_lead_cap", FieldCode::OutOfRange, "1 to 100000");
        }
        e.finish()
    }
}

/// The rule that places a lead from `province`: the first active rule in order whose provinces
/// name it or that names none. Pure, so the rules screen can say where a lead would go.
pub fn matching_rule<'a>(rules: &'a [LeadRule], province: Option<&str>) -> Option<&'a LeadRule> {
    let mut ordered: Vec<&LeadRule> = rules.iter().filter(|r| r.active).collect();
    ordered.sort_by_key(|r| (r.position, r.id));
    ordered.into_iter().find(|r| {
        r.provinces.is_empty() || province.is_some_and(|p| r.provinces.iter().any(|x| x == p))
    })
}

/// The next rep in turn after `last` among `candidates` (sorted by id, so the order survives
/// restarts), skipping those `eligible` refuses. `None` when nobody can take it.
pub fn next_in_turn(
    candidates: &[Uuid],
    last: Option<Uuid>,
    eligible: impl Fn(Uuid) -> bool,
) -> Option<Uuid> {
    let mut ids = candidates.to_vec();
    ids.sort();
    ids.dedup();
    let start = match last {
        Some(l) => ids.iter().position(|i| *i > l).unwrap_or(0),
        None => 0,
    };
    (0..ids.len())
        .map(|k| ids[(start + k) % ids.len()])
        .find(|id| eligible(*id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn rule(position: i32, provinces: &[&str], active: bool) -> LeadRule {
        LeadRule {
            id: id(position as u128),
            name: format!("r{position}"),
            position,
            region_id: None,
            provinces: provinces.iter().map(|p| p.to_string()).collect(),
            team_id: None,
            team_name: None,
            queue: Some(DEFAULT_QUEUE.into()),
            open_lead_cap: None,
            active,
            version: 1,
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_first_active_rule_naming_the_province_wins_then_catch_alls() {
        let rules = vec![
            rule(30, &[], true),
            rule(10, &["jiangsu", "zhejiang"], true),
            rule(5, &["jiangsu"], false),
            rule(20, &["guangdong"], true),
        ];
        assert_eq!(matching_rule(&rules, Some("jiangsu")).unwrap().position, 10);
        assert_eq!(
            matching_rule(&rules, Some("guangdong")).unwrap().position,
            20
        );
        assert_eq!(matching_rule(&rules, Some("yunnan")).unwrap().position, 30);
        assert_eq!(matching_rule(&rules, None).unwrap().position, 30);
        assert!(matching_rule(&rules[1..], Some("yunnan")).is_none());
    }

    #[test]
    fn turns_go_round_in_id_order_skipping_who_cannot_take_one() {
        let ids: Vec<Uuid> = (1..=4).map(id).collect();
        let all = |_| true;
        assert_eq!(next_in_turn(&ids, None, all), Some(ids[0]));
        assert_eq!(next_in_turn(&ids, Some(ids[0]), all), Some(ids[1]));
        assert_eq!(next_in_turn(&ids, Some(ids[3]), all), Some(ids[0]));
        // Skips the full and the inactive; wraps round.
        let not_1_or_2 = |id: Uuid| id != ids[1] && id != ids[2];
        assert_eq!(next_in_turn(&ids, Some(ids[0]), not_1_or_2), Some(ids[3]));
        // The last one left the team: the turn goes on from where it was.
        let left = ids[1];
        let rest: Vec<Uuid> = ids.iter().copied().filter(|i| *i != left).collect();
        assert_eq!(next_in_turn(&rest, Some(left), all), Some(ids[2]));
        assert_eq!(next_in_turn(&ids, Some(ids[0]), |_| false), None);
        assert_eq!(next_in_turn(&[], None, all), None);
    }

    #[test]
    fn edits_cannot_skip_the_actions() {
        for s in [LeadStatus::Disqualified, LeadStatus::Converted] {
            let u = LeadUpdate {
                status: Some(s),
                ..Default::default()
            };
            assert!(u.validate().is_err());
        }
        let u = LeadUpdate {
            status: Some(LeadStatus::Qualified),
            ..Default::default()
        };
        assert!(u.validate().is_ok());
    }
}
