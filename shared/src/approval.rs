//! Approvals (审批): which flow a submission follows and who decides each of its steps.
//!
//! Routing is pure — the flow templates, the submission's figures and a picture of the org in,
//! the ordered steps with their approvers out — so the server and its tests agree on it without a
//! database, and a template's effect can be previewed before it is saved.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::validate::Errors;
use crate::{FieldCode, FieldError};
use uuid::Uuid;

use crate::policy::Role;

/// Who decides a step, as a template names them; resolved per submission by [`route`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Approvers {
    /// The supervisor of the submitter's team.
    Supervisor,
    /// The regional managers of the submitter's region.
    RegionalManager,
    /// Every active user with this role (in the submitter's region for supervisors and regional
    /// managers; company-wide for admins).
    Role { role: Role },
    /// Named users.
    Users { ids: Vec<Uuid> },
}

/// How a step with several approvers is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StepMode {
    /// 或签: the first approver's decision decides the step.
    AnyOne,
    /// 会签: every approver must approve; one rejection rejects.
    All,
}

/// One step of a template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StepRule {
    pub approvers: Approvers,
    pub mode: StepMode,
}

/// When a template applies; every condition given must hold (none given: always). Unknown keys
/// are refused: a mistyped condition must not leave a catch-all flow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// The amount (分) is above this.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub amount_over: Option<i64>,
    /// The amount (分) is at most this.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::de::opt"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub amount_up_to: Option<i64>,
    /// The largest line discount (percent, 0–100 with at most two decimals) is above this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, pattern = r"^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$")
    )]
    pub discount_over: Option<Decimal>,
    /// The customer's level (`A`, `B`, `C`) is one of these (empty: any level).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_levels: Vec<String>,
    /// The submitter's role is one of these (empty: any role): how "the largest discount a rep
    /// may give without approval" differs from a supervisor's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub submitter_roles: Vec<Role>,
}

/// A flow template as routing reads it: templates are tried by `priority` (lowest first), the
/// first active one whose conditions hold is the flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub id: Uuid,
    pub priority: i32,
    pub active: bool,
    pub conditions: Conditions,
    pub steps: Vec<StepRule>,
}

/// What is submitted, as the conditions read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    pub submitter: Uuid,
    pub submitter_role: Role,
    /// Whose line the steps follow: the record's owner (a supervisor submitting their rep's
    /// contract gets the rep's line, where they themselves are skipped), else the submitter.
    pub owner: Option<Uuid>,
    /// 分.
    pub amount: i64,
    /// The largest discount of any line, the overall discount included, percent
    /// (`quote::max_line_discount_percent`).
    pub max_discount: Decimal,
    pub customer_level: Option<String>,
}

/// A user as routing sees them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: Uuid,
    pub role: Role,
    pub team_id: Option<Uuid>,
    pub region_id: Option<Uuid>,
    pub active: bool,
}

/// The org as routing sees it: every user, and each team's supervisor.
#[derive(Clone, Debug, Default)]
pub struct Org {
    pub members: Vec<Member>,
    /// (team, its supervisor).
    pub supervisors: Vec<(Uuid, Option<Uuid>)>,
}

impl Org {
    fn member(&self, id: Uuid) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    /// The submitter's line at `level`: their team's supervisor, their region's regional
    /// managers, or the admins.
    fn line(&self, submitter: Uuid, level: Level) -> BTreeSet<Uuid> {
        let me = self.member(submitter);
        let team = me.and_then(|m| m.team_id);
        let region = me.and_then(|m| m.region_id);
        match level {
            Level::Supervisor => self
                .supervisors
                .iter()
                .find(|(t, _)| Some(*t) == team)
                .and_then(|(_, s)| *s)
                .into_iter()
                .collect(),
            Level::RegionalManager => region.map_or_else(BTreeSet::new, |r| {
                self.active(Role::RegionalManager, Some(r))
            }),
            Level::Admin => self.active(Role::Admin, None),
        }
    }

    fn active(&self, role: Role, region: Option<Uuid>) -> BTreeSet<Uuid> {
        self.members
            .iter()
            .filter(|m| m.active && m.role == role && (region.is_none() || m.region_id == region))
            .map(|m| m.id)
            .collect()
    }
}

/// One resolved step: who decides it, how, and whether the approvers are the template's own or
/// a fallback (shown on the timeline: "主管缺席，由区域经理审批").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub approvers: Vec<Uuid>,
    pub mode: StepMode,
    pub fell_back: bool,
}

/// Why a submission cannot be routed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoRoute {
    /// No active template's conditions hold (admins must keep a catch-all).
    NoTemplate,
    /// A step found nobody — not even an active admin other than the submitter. `step` counts
    /// the template's steps from 0 (steps dropped as repeats still count).
    NoApprover { step: usize },
}

/// The levels a step climbs when its own approvers are missing, inactive or the submitter
/// (nobody approves their own submission): supervisor → regional managers → admins.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Supervisor,
    RegionalManager,
    Admin,
}

/// The template a subject follows: the lowest `priority` among active templates whose
/// conditions all hold (ties: the lower id, so the choice never depends on storage order).
pub fn choose<'a>(templates: &'a [Template], s: &Subject) -> Option<&'a Template> {
    templates
        .iter()
        .filter(|t| t.active && holds(&t.conditions, s))
        .min_by_key(|t| (t.priority, t.id))
}

fn holds(c: &Conditions, s: &Subject) -> bool {
    c.amount_over.is_none_or(|v| s.amount > v)
        && c.amount_up_to.is_none_or(|v| s.amount <= v)
        && c.discount_over.is_none_or(|v| s.max_discount > v)
        && (c.customer_levels.is_empty()
            || s.customer_level
                .as_ref()
                .is_some_and(|l| c.customer_levels.contains(l)))
        && (c.submitter_roles.is_empty() || c.submitter_roles.contains(&s.submitter_role))
}

/// The steps of the template a subject follows, each with its approvers:
///
/// - a step's approvers are the active users its rule names, never the submitter;
/// - a step that finds none falls back along the submitter's line — their team's supervisor,
///   then their region's regional managers, then the admins — starting above the rule's own
///   level (a supervisor step falls back to the managers), or at it for named users (named
///   supervisors who are away fall back to the submitter's supervisor; the level of named users
///   is that of the highest of them);
/// - a step whose approvers are exactly the previous step's is merged into it (the same people
///   do not approve the same thing twice, as when the supervisor's step fell back to the manager
///   who also has the next step); the merged step is countersigned (会签) if either was.
pub fn route(templates: &[Template], s: &Subject, org: &Org) -> Result<Vec<Step>, NoRoute> {
    let t = choose(templates, s).ok_or(NoRoute::NoTemplate)?;
    let who = s.owner.unwrap_or(s.submitter);
    let region = org.member(who).and_then(|m| m.region_id);
    let line = |level: Level| org.line(who, level);
    let usable = |ids: BTreeSet<Uuid>| -> Vec<Uuid> {
        ids.into_iter()
            .filter(|id| {
                *id != s.submitter && *id != who && org.member(*id).is_some_and(|m| m.active)
            })
            .collect()
    };
    let mut steps: Vec<Step> = Vec::new();
    for (n, rule) in t.steps.iter().enumerate() {
        // The rule's own approvers, and the first level it falls back to.
        let (own, mut next) = match &rule.approvers {
            Approvers::Supervisor => (line(Level::Supervisor), above(Level::Supervisor)),
            Approvers::RegionalManager => {
                (line(Level::RegionalManager), above(Level::RegionalManager))
            }
            Approvers::Role { role: Role::Admin } => (line(Level::Admin), None),
            Approvers::Role { role } => (
                // Other roles are the submitter's region's; without a region, nobody.
                region.map_or_else(BTreeSet::new, |r| org.active(*role, Some(r))),
                above(level_of(*role)),
            ),
            Approvers::Users { ids } => {
                let level = ids
                    .iter()
                    .filter_map(|id| org.member(*id))
                    .map(|m| level_of(m.role))
                    .max()
                    .unwrap_or(Level::Supervisor);
                (ids.iter().copied().collect(), Some(level))
            }
        };
        let mut approvers = usable(own);
        let mut fell_back = false;
        while approvers.is_empty() {
            let Some(level) = next else {
                return Err(NoRoute::NoApprover { step: n });
            };
            fell_back = true;
            approvers = usable(line(level));
            next = above(level);
        }
        if let Some(last) = steps.last_mut().filter(|p| p.approvers == approvers) {
            if rule.mode == StepMode::All {
                last.mode = StepMode::All;
            }
            continue;
        }
        steps.push(Step {
            approvers,
            mode: rule.mode,
            fell_back,
        });
    }
    Ok(steps)
}

/// Who a step pending too long is escalated to: the next level up `owner`'s line (as routed)
/// above the highest of the step's approvers (a supervisor's step goes to the regional managers,
/// theirs to the admins), without the submitter, the owner or anyone already on the step,
/// climbing past levels where nobody is left. Empty when there is no level above (an admins'
/// step stays theirs).
pub fn escalation(org: &Org, submitter: Uuid, owner: Uuid, approvers: &[Uuid]) -> Vec<Uuid> {
    let top = approvers
        .iter()
        .filter_map(|id| org.member(*id))
        .map(|m| level_of(m.role))
        .max()
        .unwrap_or(Level::Supervisor);
    let mut next = above(top);
    while let Some(level) = next {
        let found: Vec<Uuid> = org
            .line(owner, level)
            .into_iter()
            .filter(|id| {
                *id != submitter
                    && *id != owner
                    && !approvers.contains(id)
                    && org.member(*id).is_some_and(|m| m.active)
            })
            .collect();
        if !found.is_empty() {
            return found;
        }
        next = above(level);
    }
    Vec::new()
}

fn level_of(role: Role) -> Level {
    match role {
        Role::Admin => Level::Admin,
        Role::RegionalManager => Level::RegionalManager,
        _ => Level::Supervisor,
    }
}

fn above(level: Level) -> Option<Level> {
    match level {
        Level::Supervisor => Some(Level::RegionalManager),
        Level::RegionalManager => Some(Level::Admin),
        Level::Admin => None,
    }
}

/// ¥100,000 and ¥500,000 in 分: the default flows' thresholds.
pub const DEFAULT_TIER_1: i64 = 10_000_000;
pub const DEFAULT_TIER_2: i64 = 50_000_000;

/// The default flows: up to ¥100,000 the supervisor; up to ¥500,000 the supervisor, then the
/// regional manager; above, the supervisor, the regional manager, then an admin. Each step is
/// any-one (或签). `ids` names the three templates (the seeding migration's fixed ids).
pub fn default_templates(ids: [Uuid; 3]) -> Vec<Template> {
    let step = |approvers| StepRule {
        approvers,
        mode: StepMode::AnyOne,
    };
    vec![
        Template {
            id: ids[0],
            priority: 10,
            active: true,
            conditions: Conditions {
                amount_up_to: Some(DEFAULT_TIER_1),
                ..Conditions::default()
            },
            steps: vec![step(Approvers::Supervisor)],
        },
        Template {
            id: ids[1],
            priority: 20,
            active: true,
            conditions: Conditions {
                amount_over: Some(DEFAULT_TIER_1),
                amount_up_to: Some(DEFAULT_TIER_2),
                ..Conditions::default()
            },
            steps: vec![
                step(Approvers::Supervisor),
                step(Approvers::RegionalManager),
            ],
        },
        Template {
            id: ids[2],
            priority: 30,
            active: true,
            conditions: Conditions {
                amount_over: Some(DEFAULT_TIER_2),
                ..Conditions::default()
            },
            steps: vec![
                step(Approvers::Supervisor),
                step(Approvers::RegionalManager),
                step(Approvers::Role { role: Role::Admin }),
            ],
        },
    ]
}

/// 10 % and 20 %: the default discount flows' thresholds.
pub const DEFAULT_DISCOUNT_1: i64 = 10;
pub const DEFAULT_DISCOUNT_2: i64 = 20;

/// The default quote flows, "the largest discount a role gives without approval": a rep up to
/// 10 %, a supervisor up to 20 %, regional managers and admins without limit. Over 20 % the
/// supervisor then the regional manager; a rep's 10–20 % the supervisor.
pub fn default_quote_templates(ids: [Uuid; 2]) -> Vec<Template> {
    let step = |approvers| StepRule {
        approvers,
        mode: StepMode::AnyOne,
    };
    vec![
        Template {
            id: ids[0],
            priority: 10,
            active: true,
            conditions: Conditions {
                discount_over: Some(Decimal::from(DEFAULT_DISCOUNT_2)),
                submitter_roles: vec![Role::SalesRep, Role::Supervisor],
                ..Conditions::default()
            },
            steps: vec![
                step(Approvers::Supervisor),
                step(Approvers::RegionalManager),
            ],
        },
        Template {
            id: ids[1],
            priority: 20,
            active: true,
            conditions: Conditions {
                discount_over: Some(Decimal::from(DEFAULT_DISCOUNT_1)),
                submitter_roles: vec![Role::SalesRep],
                ..Conditions::default()
            },
            steps: vec![step(Approvers::Supervisor)],
        },
    ]
}

// ---- the wire ----

/// What a flow approves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalSubject {
    /// A contract before it is signed (amount, lines, terms).
    Contract,
    /// A quote whose discount is over what its sender may give.
    Quote,
}

impl ApprovalSubject {
    pub const ALL: [ApprovalSubject; 2] = [ApprovalSubject::Contract, ApprovalSubject::Quote];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalSubject::Contract => "contract",
            ApprovalSubject::Quote => "quote",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    Pending,
    Approved,
    Rejected,
    /// Taken back by the submitter before a decision.
    Withdrawn,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 4] = [
        ApprovalStatus::Pending,
        ApprovalStatus::Approved,
        ApprovalStatus::Rejected,
        ApprovalStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Approved => "approved",
            ApprovalStatus::Rejected => "rejected",
            ApprovalStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One approver's part in one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting for this approver (only on the current step).
    Pending,
    Approved,
    Rejected,
    /// Another approver decided an any-one step, or the approval ended before this one.
    Cancelled,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 4] = [
        TaskStatus::Pending,
        TaskStatus::Approved,
        TaskStatus::Rejected,
        TaskStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Approved => "approved",
            TaskStatus::Rejected => "rejected",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// An approver's task: the timeline's rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalTask {
    pub id: Uuid,
    /// The step, from 0.
    pub step: u32,
    pub approver_id: Uuid,
    pub approver_name: Option<String>,
    pub status: TaskStatus,
    /// Added by escalation after the step waited too long.
    pub escalated: bool,
    pub comment: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One submission of a record for approval, with the steps it follows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: Uuid,
    pub subject: ApprovalSubject,
    /// The contract or quote.
    pub record_id: Uuid,
    /// The record's number and title, as submitted.
    pub title: String,
    /// 分, as submitted.
    pub amount: i64,
    /// The largest discount, percent, as submitted.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "12.5"))]
    pub max_discount_percent: Decimal,
    pub customer_name: Option<String>,
    pub submitter_id: Uuid,
    pub submitter_name: Option<String>,
    pub template_name: Option<String>,
    pub steps: Vec<Step>,
    /// The step waiting for decisions (from 0); the last step once decided.
    pub current_step: u32,
    pub status: ApprovalStatus,
    /// The caller's own pending task, when it is theirs to decide now.
    pub my_task_id: Option<Uuid>,
    /// Every task (the timeline); empty in lists.
    pub tasks: Vec<ApprovalTask>,
    /// The record's lines as they stand, so an approver sees what they approve even where
    /// the record is outside their own scope; empty in lists.
    pub lines: Vec<crate::quote::QuoteLine>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// An approver's decision: a rejection says why.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalDecision {
    /// The task being decided (the approval's `my_task_id` as the approver saw it): when given,
    /// the decision counts only while that task is still waiting on the current step (409
    /// otherwise), so a tap on a step that moved on never decides the next one.
    #[serde(default)]
    pub task_id: Option<Uuid>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 500, example = "价格在授权范围内，同意")
    )]
    pub comment: Option<String>,
}

/// The three boxes of the approval inbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalBox {
    /// 待我审批: waiting for my decision, newest first.
    #[default]
    Pending,
    /// 我已审批: what I decided, latest decision first.
    Decided,
    /// 我发起的: what I submitted, newest first.
    Submitted,
}

crate::list_query! {
    /// The approval inbox.
    pub struct ApprovalListQuery {
        /// Which box (default `pending`).
        pub view: Option<ApprovalBox>,
    }
}

/// How many approvals each box holds, counted up to [`COUNT_CAP`] (more shows as "99+").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalCounts {
    /// Waiting for my decision.
    pub pending: u32,
    /// My submissions still pending.
    pub submitted_pending: u32,
}

/// Counts stop here: a badge needs no exact figure past it, and no count reads unbounded rows.
pub const COUNT_CAP: u32 = 100;

/// A flow template as admins edit it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalTemplate {
    pub id: Uuid,
    pub subject: ApprovalSubject,
    pub name: String,
    /// Tried lowest first; the first active template whose conditions hold is the flow.
    pub priority: i32,
    pub active: bool,
    pub conditions: Conditions,
    pub steps: Vec<StepRule>,
    /// Hours a step waits before its approvers are reminded.
    pub remind_after_hours: u32,
    /// Hours a step waits before the next level up is added to it.
    pub escalate_after_hours: u32,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// A template's whole content, for create and replace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApprovalTemplateInput {
    pub subject: ApprovalSubject,
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "大额合同",
            min_length = 1,
            max_length = 100,
            pattern = r"\S"
        )
    )]
    pub name: String,
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 10000))]
    pub priority: i32,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default, deserialize_with = "crate::de::object")]
    pub conditions: Conditions,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10))]
    pub steps: Vec<StepRule>,
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub remind_after_hours: u32,
    #[serde(deserialize_with = "crate::de::int")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 720))]
    pub escalate_after_hours: u32,
}

fn yes() -> bool {
    true
}

impl ApprovalTemplateInput {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Errors::new();
        e.required_text("name", &self.name, 100);
        if !(0..=10_000).contains(&self.priority) {
            e.add("priority", FieldCode::OutOfRange, "0 to 10,000");
        }
        if self.steps.is_empty() || self.steps.len() > 10 {
            e.add("steps", FieldCode::OutOfRange, "one to ten steps");
        }
        for (i, st) in self.steps.iter().enumerate() {
            if let Approvers::Users { ids } = &st.approvers {
                if ids.is_empty() || ids.len() > 20 {
                    e.add(
                        format!("steps[{i}].approvers.ids"),
                        FieldCode::OutOfRange,
                        "one to twenty users",
                    );
                }
            }
        }
        if self.escalate_after_hours <= self.remind_after_hours {
            e.add(
                "escalate_after_hours",
                FieldCode::OutOfRange,
                "after the reminder",
            );
        }
        for (k, v) in [
            ("remind_after_hours", self.remind_after_hours),
            ("escalate_after_hours", self.escalate_after_hours),
        ] {
            if !(1..=720).contains(&v) {
                e.add(k, FieldCode::OutOfRange, "1 to 720 hours");
            }
        }
        let c = &self.conditions;
        if c.amount_over.is_some_and(|v| v < 0) || c.amount_up_to.is_some_and(|v| v < 0) {
            e.add(
                "conditions",
                FieldCode::OutOfRange,
                "amounts are not negative",
            );
        }
        if let (Some(a), Some(b)) = (c.amount_over, c.amount_up_to) {
            if b <= a {
                e.add(
                    "conditions.amount_up_to",
                    FieldCode::OutOfRange,
                    "above amount_over",
                );
            }
        }
        if c.discount_over
            .is_some_and(|d| d < Decimal::ZERO || d > Decimal::ONE_HUNDRED || d.scale() > 2)
        {
            e.add(
                "conditions.discount_over",
                FieldCode::OutOfRange,
                "0 to 100, at most two decimals",
            );
        }
        for (i, l) in c.customer_levels.iter().enumerate() {
            if crate::customer::Level::parse(l).is_none() || i >= 3 {
                e.add(
                    format!("conditions.customer_levels[{i}]"),
                    FieldCode::InvalidFormat,
                    "A, B or C, each once",
                );
            }
        }
        e.finish()
    }
}

#[cfg(test)]
mod tests {
    /// Found by schemathesis (CI of e501231): JSON Schema's `integer` admits `4294967295.0`, so
    /// the amounts of a flow's conditions take whole numbers written as floats.
    #[test]
    fn condition_amounts_take_whole_numbers_written_as_floats() {
        let c: Conditions =
            serde_json::from_str(r#"{"amount_over": 1, "amount_up_to": 4294967295.0}"#).unwrap();
        assert_eq!(c.amount_up_to, Some(4_294_967_295));
        assert!(serde_json::from_str::<Conditions>(r#"{"amount_over": 1.5}"#).is_err());
    }

    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    // Region 1 (east): team 10 (supervisor 100; reps 101, 102), team 20 (supervisor 200, rep
    // 201), regional manager 300. Region 2: team 30 without supervisor (rep 301), no manager.
    // Admins 900 and 901.
    fn org() -> Org {
        let m = |n, role, team: Option<u128>, region: Option<u128>| Member {
            id: id(n),
            role,
            team_id: team.map(id),
            region_id: region.map(id),
            active: true,
        };
        Org {
            members: vec![
                m(100, Role::Supervisor, Some(10), Some(1)),
                m(101, Role::SalesRep, Some(10), Some(1)),
                m(102, Role::SalesRep, Some(10), Some(1)),
                m(200, Role::Supervisor, Some(20), Some(1)),
                m(201, Role::SalesRep, Some(20), Some(1)),
                m(300, Role::RegionalManager, None, Some(1)),
                m(301, Role::SalesRep, Some(30), Some(2)),
                m(900, Role::Admin, None, None),
                m(901, Role::Admin, None, None),
            ],
            supervisors: vec![
                (id(10), Some(id(100))),
                (id(20), Some(id(200))),
                (id(30), None),
            ],
        }
    }

    fn subject(submitter: u128, yuan: i64) -> Subject {
        Subject {
            submitter: id(submitter),
            submitter_role: org()
                .member(id(submitter))
                .map_or(Role::SalesRep, |m| m.role),
            owner: None,
            amount: yuan * 100,
            max_discount: Decimal::ZERO,
            customer_level: None,
        }
    }

    fn defaults() -> Vec<Template> {
        default_templates([id(1_001), id(1_002), id(1_003)])
    }

    /// The approvers of each step, as numbers, with a `*` for a fallback.
    fn names(steps: &[Step]) -> Vec<String> {
        steps
            .iter()
            .map(|s| {
                let ids: Vec<String> = s
                    .approvers
                    .iter()
                    .map(|u| u.as_u128().to_string())
                    .collect();
                format!("{}{}", ids.join("+"), if s.fell_back { "*" } else { "" })
            })
            .collect()
    }

    #[test]
    fn the_default_flows_by_amount() {
        let org = org();
        for (submitter, yuan, want) in [
            (101, 0, vec!["100"]),
            (101, 100_000, vec!["100"]),
            (101, 100_001, vec!["100", "300"]),
            (101, 200_000, vec!["100", "300"]),
            (101, 500_000, vec!["100", "300"]),
            (101, 500_001, vec!["100", "300", "900+901"]),
            (201, 50_000, vec!["200"]),
            // A supervisor's own contract climbs to the manager; the manager's second step is
            // the same person and is dropped.
            (100, 50_000, vec!["300*"]),
            (100, 200_000, vec!["300*"]),
            (100, 600_000, vec!["300*", "900+901"]),
            // A team without a supervisor in a region without a manager: the admins.
            (301, 50_000, vec!["900+901*"]),
            (301, 600_000, vec!["900+901*"]),
            // The manager's own: the admins, once.
            (300, 600_000, vec!["900+901*"]),
            // An admin's own large contract: the other admin.
            (900, 600_000, vec!["901*"]),
        ] {
            let steps = route(&defaults(), &subject(submitter, yuan), &org).unwrap();
            assert_eq!(names(&steps), want, "{submitter} ¥{yuan}");
        }
    }

    #[test]
    fn inactive_approvers_fall_back_a_level() {
        let mut org = org();
        org.members
            .iter_mut()
            .find(|m| m.id == id(100))
            .unwrap()
            .active = false;
        let steps = route(&defaults(), &subject(101, 50_000), &org).unwrap();
        assert_eq!(names(&steps), vec!["300*"]);
        org.members
            .iter_mut()
            .find(|m| m.id == id(300))
            .unwrap()
            .active = false;
        let steps = route(&defaults(), &subject(101, 200_000), &org).unwrap();
        assert_eq!(names(&steps), vec!["900+901*"]);
    }

    #[test]
    fn nobody_left_is_an_error_not_self_approval() {
        let org = Org {
            members: vec![Member {
                id: id(900),
                role: Role::Admin,
                team_id: None,
                region_id: None,
                active: true,
            }],
            supervisors: vec![],
        };
        assert_eq!(
            route(&defaults(), &subject(900, 10), &org),
            Err(NoRoute::NoApprover { step: 0 })
        );
    }

    #[test]
    fn templates_by_priority_and_conditions() {
        let big_discount = Template {
            id: id(2_001),
            priority: 5,
            active: true,
            conditions: Conditions {
                discount_over: Some(Decimal::from(15)),
                ..Conditions::default()
            },
            steps: vec![StepRule {
                approvers: Approvers::Users {
                    ids: vec![id(200), id(300)],
                },
                mode: StepMode::All,
            }],
        };
        let vip = Template {
            id: id(2_002),
            priority: 6,
            active: true,
            conditions: Conditions {
                customer_levels: vec!["vip".into()],
                ..Conditions::default()
            },
            steps: vec![StepRule {
                approvers: Approvers::RegionalManager,
                mode: StepMode::AnyOne,
            }],
        };
        let mut all = defaults();
        all.push(big_discount.clone());
        all.push(vip);
        let mut s = subject(101, 1_000);
        assert_eq!(choose(&all, &s).unwrap().id, id(1_001));
        s.max_discount = Decimal::from(15);
        assert_eq!(
            choose(&all, &s).unwrap().id,
            id(1_001),
            "15 % is not over 15"
        );
        s.max_discount = Decimal::new(1501, 2);
        assert_eq!(choose(&all, &s).unwrap().id, id(2_001));
        let steps = route(&all, &s, &org()).unwrap();
        assert_eq!(names(&steps), vec!["200+300"]);
        assert_eq!(steps[0].mode, StepMode::All);
        s.max_discount = Decimal::ZERO;
        s.customer_level = Some("vip".into());
        assert_eq!(choose(&all, &s).unwrap().id, id(2_002));
        // An inactive template is skipped; none left is an error.
        let off: Vec<Template> = all
            .into_iter()
            .map(|t| Template { active: false, ..t })
            .collect();
        assert_eq!(route(&off, &s, &org()), Err(NoRoute::NoTemplate));
    }

    #[test]
    fn role_steps_stay_in_the_region_and_merged_steps_keep_the_countersign() {
        let rule = |approvers, mode| StepRule { approvers, mode };
        let t = Template {
            id: id(4_001),
            priority: 1,
            active: true,
            conditions: Conditions::default(),
            steps: vec![
                rule(
                    Approvers::Role {
                        role: Role::Supervisor,
                    },
                    StepMode::AnyOne,
                ),
                rule(
                    Approvers::Role {
                        role: Role::Supervisor,
                    },
                    StepMode::All,
                ),
            ],
        };
        // Rep 101's region has supervisors 100 and 200: one step, countersigned.
        let steps = route(std::slice::from_ref(&t), &subject(101, 1), &org()).unwrap();
        assert_eq!(names(&steps), vec!["100+200"]);
        assert_eq!(steps[0].mode, StepMode::All);
        // An admin (no region) asking for supervisors gets none of the company's: the fallback
        // climbs to the other admin.
        let steps = route(&[t], &subject(900, 1), &org()).unwrap();
        assert_eq!(names(&steps), vec!["901*"]);
    }

    #[test]
    fn named_users_fall_back_from_the_highest_named_level() {
        let mut org = org();
        for m in org
            .members
            .iter_mut()
            .filter(|m| [101, 900].contains(&m.id.as_u128()))
        {
            m.active = false;
        }
        let t = Template {
            id: id(5_001),
            priority: 1,
            active: true,
            conditions: Conditions::default(),
            steps: vec![StepRule {
                approvers: Approvers::Users {
                    ids: vec![id(101), id(900)],
                },
                mode: StepMode::AnyOne,
            }],
        };
        // A rep and an admin named, both away: the other admin, not the rep's supervisor.
        let steps = route(&[t], &subject(102, 1), &org).unwrap();
        assert_eq!(names(&steps), vec!["901*"]);
    }

    #[test]
    fn named_users_skip_the_submitter_and_climb_from_their_level() {
        let t = Template {
            id: id(3_001),
            priority: 1,
            active: true,
            conditions: Conditions::default(),
            steps: vec![StepRule {
                approvers: Approvers::Users { ids: vec![id(101)] },
                mode: StepMode::AnyOne,
            }],
        };
        // Rep 101 named as the approver of their own submission: the fallback starts at the
        // named user's level, the submitter's supervisor.
        let steps = route(std::slice::from_ref(&t), &subject(101, 1), &org()).unwrap();
        assert_eq!(names(&steps), vec!["100*"]);
        // Someone else's: 101 decides.
        let steps = route(&[t], &subject(102, 1), &org()).unwrap();
        assert_eq!(names(&steps), vec!["101"]);
    }

    #[test]
    fn a_supervisor_submitting_for_their_rep_follows_the_reps_line() {
        let org = org();
        let mut s = subject(100, 50_000);
        s.owner = Some(id(101));
        // The supervisor is the rep's first level, but never approves what they submit.
        assert_eq!(names(&route(&defaults(), &s, &org).unwrap()), vec!["300*"]);
        // An admin submitting a rep's contract: the rep's supervisor decides.
        let mut s = subject(900, 50_000);
        s.owner = Some(id(201));
        assert_eq!(names(&route(&defaults(), &s, &org).unwrap()), vec!["200"]);
    }

    #[test]
    fn escalation_climbs_the_owners_line() {
        let org = org();
        // A supervisor's step goes to the regional manager, the manager's to the admins.
        assert_eq!(
            escalation(&org, id(101), id(101), &[id(100)]),
            vec![id(300)]
        );
        assert_eq!(
            escalation(&org, id(101), id(101), &[id(100), id(300)]),
            vec![id(900), id(901)]
        );
        // No manager in region 2: straight to the admins.
        assert_eq!(
            escalation(&org, id(301), id(301), &[]),
            vec![id(900), id(901)]
        );
        // Nothing above the admins.
        assert!(escalation(&org, id(101), id(101), &[id(900), id(901)]).is_empty());
        // The submitting admin is never added.
        assert_eq!(
            escalation(&org, id(900), id(101), &[id(100), id(300)]),
            vec![id(901)]
        );
    }

    #[test]
    fn the_default_quote_flows_by_role_and_discount() {
        let org = org();
        let quotes = default_quote_templates([id(3_001), id(3_002)]);
        let at = |submitter: u128, pct: i64| {
            let mut s = subject(submitter, 1_000);
            s.max_discount = Decimal::from(pct);
            route(&quotes, &s, &org).map(|steps| names(&steps))
        };
        assert_eq!(at(101, 10), Err(NoRoute::NoTemplate));
        assert_eq!(at(101, 11), Ok(vec!["100".to_owned()]));
        assert_eq!(at(101, 21), Ok(vec!["100".to_owned(), "300".to_owned()]));
        // A supervisor gives up to 20 % alone; over it the regional manager decides.
        assert_eq!(at(100, 15), Err(NoRoute::NoTemplate));
        assert_eq!(at(100, 25), Ok(vec!["300*".to_owned()]));
        // Managers and admins quote freely.
        assert_eq!(at(300, 50), Err(NoRoute::NoTemplate));
    }
}
