//! The authorization matrix: every operation in the OpenAPI spec × every role (and no sign-in) ×
//! every record position (own, same team, other team in the region, other region, none).
//!
//! Each operation is classified once below by what it does in the permission table's terms
//! (`Resource` × `Action`, and what it targets). The expected outcome of every cell is then
//! derived from `kaidan_shared::policy::scope_for` and the org chart — never written down by
//! hand — and the request is built from the spec's own method and path. An operation in the spec
//! that this file does not classify fails the test, so a new endpoint cannot skip the matrix.
//!
//! Besides the status it checks that refused mutations change nothing, that lists and filters
//! never show a foreign row, and the field rule that only supervisors and above choose owners.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use kaidan_shared::policy::scope_for;
use kaidan_shared::{Action, Resource, Role, Scope};
use kaidan_tests::{spawn_app, TestApp, PASSWORD};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

/// What a record is, for building one in a position.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    /// A customer (position = its owner's).
    Customer,
    /// An archived customer (for restore).
    ArchivedCustomer,
    /// A contact (position = its customer's owner's).
    Contact,
    /// A user account (position = the user itself).
    User,
    Team,
    Region,
    /// An option list (no place in the org: a fresh one per cell).
    OptionList,
    /// A custom field of customers (likewise).
    Field,
    /// A notification (position = its reader's).
    Notification,
    /// A region's public pool (position = a rep of that region).
    Pool,
    /// A customer in a region's pool (position = the rep of that region who released it).
    PooledCustomer,
    /// A deal (position = its owner's).
    Opportunity,
    /// A won deal (for reopen).
    WonOpportunity,
    /// A lead (position = its owner's).
    Lead,
    /// A lead assignment rule (position = a rep of the team it feeds; made by that region's
    /// manager).
    LeadRule,
    /// A planned visit (position = its owner's, at a customer of theirs).
    Visit,
    /// A checked-in visit (for check-out).
    CheckedInVisit,
    /// A photo of a visit (position = the visit's owner's).
    Photo,
    /// An open follow-up task (position = its owner's, for a customer of theirs).
    FollowUp,
    /// A done task (for reopen).
    DoneFollowUp,
    /// A product of the catalogue (no place in the org: a fresh one per cell).
    Product,
    /// A price list (likewise).
    PriceList,
    /// A draft quote (position = its owner's, for a deal of theirs).
    Quote,
    /// A sent quote (for accept, reject, revise).
    SentQuote,
    /// A draft contract (position = its owner's, for a customer of theirs).
    Contract,
    /// An approved contract (for sign, terminate, reopen).
    ApprovedContract,
    /// A signed contract (for complete).
    SignedContract,
    /// A pending approval of a contract, submitted by its owner (position = the owner's; who
    /// may see and decide it is decided by who takes part, `Matrix::participants`).
    Approval,
    /// An approval flow (no place in the org: a fresh one per cell, made by the admin).
    ApprovalTemplate,
    /// An instalment of a draft contract (position = the contract's owner's).
    PaymentPlan,
    /// An API client (no place in the org a person reaches: a fresh one per cell, made by the
    /// admin; admins alone manage clients).
    ApiClient,
    /// A webhook subscription of a fresh API client (likewise).
    Webhook,
    /// A delivery of such a subscription (written straight into the log).
    WebhookDelivery,
}

/// What an operation does, in the permission table's terms.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// No sign-in needed (health, keys, sign-in itself).
    Public,
    /// Any signed-in user, on their own account.
    SelfService,
    /// A list of `Resource`: 403 without read permission; otherwise only rows inside the scope.
    List(Resource),
    /// Creates an org record (regions, teams, users): `Manage` on `Resource`.
    CreateOrg(Resource),
    /// Creates a record of `Resource` whose `owner_id` sits in the position (the owner field
    /// rule of customers and leads).
    CreateOwned(Resource),
    /// Acts on one record in the position.
    Record(Resource, Action, Target),
    /// Creates a `Resource` record for the customer of a fixture in the position (`customer_id`
    /// in the body): created inside the scope; a customer outside it is an unknown reference.
    CreateFor(Resource),
    /// Reads or changes a company-wide setting of a record type (`{resource}` = customer), or
    /// the caller's own preference for it: allowed when the role has `Action` on `Resource`.
    Setting(Resource, Action),
}

/// Every operation of the spec, by `operationId`: one registration block per module below, so a
/// new module adds its block and its line here.
fn classify(operation_id: &str) -> Option<Kind> {
    core_operations(operation_id)
        .or_else(|| org_operations(operation_id))
        .or_else(|| user_operations(operation_id))
        .or_else(|| customer_operations(operation_id))
        .or_else(|| contact_operations(operation_id))
        .or_else(|| audit_operations(operation_id))
        .or_else(|| option_list_operations(operation_id))
        .or_else(|| field_operations(operation_id))
        .or_else(|| layout_operations(operation_id))
        .or_else(|| notification_operations(operation_id))
        .or_else(|| pool_operations(operation_id))
        .or_else(|| opportunity_operations(operation_id))
        .or_else(|| lead_operations(operation_id))
        .or_else(|| visit_operations(operation_id))
        .or_else(|| follow_up_operations(operation_id))
        .or_else(|| product_operations(operation_id))
        .or_else(|| quote_operations(operation_id))
        .or_else(|| contract_operations(operation_id))
        .or_else(|| approval_operations(operation_id))
}

/// Sign-in, tokens, health: no module's records.
fn core_operations(op: &str) -> Option<Kind> {
    Some(match op {
        "jwks" | "healthz" | "readyz" | "metrics" | "login" | "refresh" | "logout"
        | "oauth_token" => Kind::Public,
        "me" | "change_password" => Kind::SelfService,
        _ => return None,
    })
}

fn org_operations(op: &str) -> Option<Kind> {
    use Kind::*;
    Some(match op {
        "list_regions" => List(Resource::Region),
        "list_teams" => List(Resource::Team),
        "create_region" => CreateOrg(Resource::Region),
        "create_team" => CreateOrg(Resource::Team),
        "update_region" => Record(Resource::Region, Action::Manage, Target::Region),
        "update_team" => Record(Resource::Team, Action::Manage, Target::Team),
        "get_company" => Setting(Resource::Region, Action::Read),
        "save_company" => Setting(Resource::Region, Action::Manage),
        _ => return None,
    })
}

fn user_operations(op: &str) -> Option<Kind> {
    use Kind::*;
    Some(match op {
        // API clients are service users: admins manage them as they manage users.
        "list_api_clients" => Setting(Resource::User, Action::Manage),
        "create_api_client" => CreateOrg(Resource::User),
        "get_api_client" | "update_api_client" | "rotate_api_client_secret" => {
            Record(Resource::User, Action::Manage, Target::ApiClient)
        }
        // Webhooks belong to API clients: the same admins manage them.
        "list_webhooks" => Setting(Resource::User, Action::Manage),
        "create_webhook" => CreateOrg(Resource::User),
        "get_webhook" | "update_webhook" | "rotate_webhook_secret" | "list_webhook_deliveries" => {
            Record(Resource::User, Action::Manage, Target::Webhook)
        }
        "redeliver_webhook" => Record(Resource::User, Action::Manage, Target::WebhookDelivery),
        "list_users" => List(Resource::User),
        "create_user" => CreateOrg(Resource::User),
        "get_user" => Record(Resource::User, Action::Read, Target::User),
        "update_user"
        | "activate_user"
        | "deactivate_user"
        | "reset_password"
        | "user_sign_in_locks"
        | "clear_sign_in_locks" => Record(Resource::User, Action::Manage, Target::User),
        _ => return None,
    })
}

fn customer_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Customer;
    Some(match op {
        "list_customers" => List(r),
        "create_customer" => CreateOwned(r),
        "get_customer" | "customer_history" => Record(r, Read, Target::Customer),
        "update_customer" => Record(r, Update, Target::Customer),
        "archive_customer" => Record(r, Archive, Target::Customer),
        "restore_customer" => Record(r, Archive, Target::ArchivedCustomer),
        "transfer_customer" => Record(r, Transfer, Target::Customer),
        _ => return None,
    })
}

fn contact_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Contact;
    Some(match op {
        "list_contacts" => Record(r, Read, Target::Customer),
        "create_contact" => Record(r, Create, Target::Customer),
        "get_contact" => Record(r, Read, Target::Contact),
        "update_contact" => Record(r, Update, Target::Contact),
        "archive_contact" => Record(r, Archive, Target::Contact),
        _ => return None,
    })
}

fn audit_operations(op: &str) -> Option<Kind> {
    Some(match op {
        "list_audit" => Kind::List(Resource::Audit),
        _ => return None,
    })
}

fn option_list_operations(op: &str) -> Option<Kind> {
    use Kind::*;
    let r = Resource::OptionList;
    Some(match op {
        "list_option_lists" => List(r),
        "create_option_list" => CreateOrg(r),
        "get_option_list" => Record(r, Action::Read, Target::OptionList),
        "update_option_list" => Record(r, Action::Manage, Target::OptionList),
        _ => return None,
    })
}

fn field_operations(op: &str) -> Option<Kind> {
    use Kind::*;
    let r = Resource::Field;
    Some(match op {
        "list_fields" => List(r),
        "create_field" => CreateOrg(r),
        "update_field" => Record(r, Action::Manage, Target::Field),
        _ => return None,
    })
}

fn layout_operations(op: &str) -> Option<Kind> {
    use Kind::*;
    let r = Resource::Field;
    Some(match op {
        "get_layout" | "set_columns" | "reset_columns" => Setting(r, Action::Read),
        "save_layout" => Setting(r, Action::Manage),
        _ => return None,
    })
}

fn notification_operations(op: &str) -> Option<Kind> {
    use Kind::*;
    let r = Resource::Notification;
    Some(match op {
        "list_notifications" => List(r),
        // The caller's own count and bulk mark: nothing of anyone else's is named.
        "unread_notifications" | "read_all_notifications" => SelfService,
        "read_notification" => Record(r, Action::Update, Target::Notification),
        _ => return None,
    })
}

fn pool_operations(op: &str) -> Option<Kind> {
    use Kind::*;
    let r = Resource::Pool;
    Some(match op {
        "list_pools" => List(r),
        "claim_quota" => SelfService,
        "create_pool" => CreateOrg(r),
        "update_pool" => Record(r, Action::Manage, Target::Pool),
        "list_pool_customers" => Record(r, Action::Read, Target::Pool),
        "get_pool_customer" => Record(r, Action::Read, Target::PooledCustomer),
        "claim_customer" => Record(r, Action::Claim, Target::PooledCustomer),
        "release_customer" => Record(Resource::Customer, Action::Update, Target::Customer),
        _ => return None,
    })
}

fn opportunity_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Opportunity;
    Some(match op {
        "list_opportunities" | "opportunity_board" => List(r),
        "create_opportunity" => CreateFor(r),
        "get_opportunity" | "opportunity_history" => Record(r, Read, Target::Opportunity),
        "update_opportunity" | "move_opportunity_stage" => Record(r, Update, Target::Opportunity),
        "archive_opportunity" => Record(r, Archive, Target::Opportunity),
        "reopen_opportunity" => Record(r, Manage, Target::WonOpportunity),
        "list_opportunity_stages" => Setting(r, Read),
        "save_opportunity_stages" => Setting(Resource::Field, Manage),
        _ => return None,
    })
}

fn lead_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Lead;
    Some(match op {
        "list_leads" => List(r),
        "create_lead" => CreateOwned(r),
        "get_lead" | "lead_history" => Record(r, Read, Target::Lead),
        "update_lead" | "disqualify_lead" | "convert_lead" => Record(r, Update, Target::Lead),
        "assign_lead" => Record(r, Transfer, Target::Lead),
        "list_lead_rules" => Setting(r, Manage),
        "create_lead_rule" => CreateOrg(r),
        "update_lead_rule" | "delete_lead_rule" => Record(r, Manage, Target::LeadRule),
        _ => return None,
    })
}

fn visit_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Visit;
    Some(match op {
        "list_visits" | "visit_stats" => List(r),
        "create_visit" => CreateFor(r),
        "get_visit" | "visit_history" => Record(r, Read, Target::Visit),
        "update_visit" | "check_in_visit" | "cancel_visit" => Record(r, Update, Target::Visit),
        "check_out_visit" => Record(r, Update, Target::CheckedInVisit),
        "archive_visit" => Record(r, Archive, Target::Visit),
        "list_visit_photos" => Record(r, Read, Target::Visit),
        "add_visit_photo" => Record(r, Update, Target::Visit),
        "attachment_content" => Record(r, Read, Target::Photo),
        "remove_attachment" => Record(r, Update, Target::Photo),
        "get_visit_settings" => Setting(r, Read),
        "save_visit_settings" => Setting(r, Manage),
        _ => return None,
    })
}

fn follow_up_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::FollowUp;
    Some(match op {
        "list_follow_ups" => List(r),
        "create_follow_up" => CreateFor(r),
        "get_follow_up" | "follow_up_history" => Record(r, Read, Target::FollowUp),
        "update_follow_up" | "done_follow_up" | "snooze_follow_up" | "cancel_follow_up" => {
            Record(r, Update, Target::FollowUp)
        }
        "reopen_follow_up" => Record(r, Update, Target::DoneFollowUp),
        _ => return None,
    })
}

fn product_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Product;
    Some(match op {
        "list_products" | "list_price_lists" => List(r),
        "create_product" | "create_price_list" => CreateOrg(r),
        "get_product" | "product_history" => Record(r, Read, Target::Product),
        "update_product" => Record(r, Manage, Target::Product),
        "get_price_list" | "price_list_history" => Record(r, Read, Target::PriceList),
        "update_price_list" => Record(r, Manage, Target::PriceList),
        _ => return None,
    })
}

fn quote_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Quote;
    Some(match op {
        "list_quotes" => List(r),
        // For a deal of the fixture's owner (`opportunity_id` in the body).
        "create_quote" => CreateFor(r),
        "get_quote" | "quote_history" => Record(r, Read, Target::Quote),
        "update_quote" | "send_quote" => Record(r, Update, Target::Quote),
        "accept_quote" | "reject_quote" | "revise_quote" => Record(r, Update, Target::SentQuote),
        _ => return None,
    })
}

fn contract_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Contract;
    Some(match op {
        "list_contracts" => List(r),
        // For a customer of the fixture's owner (`customer_id` in the body).
        "create_contract" => CreateFor(r),
        "get_contract" | "contract_history" | "contract_approvals" => {
            Record(r, Read, Target::Contract)
        }
        "update_contract" | "submit_contract" => Record(r, Update, Target::Contract),
        "sign_contract" | "terminate_contract" | "reopen_contract" => {
            Record(r, Update, Target::ApprovedContract)
        }
        "complete_contract" => Record(r, Update, Target::SignedContract),
        "list_payment_plans" | "list_contract_documents" => Record(r, Read, Target::Contract),
        "add_contract_document" => Record(r, Update, Target::Contract),
        "add_payment_plan" => Record(r, Update, Target::Contract),
        "remove_payment_plan" => Record(r, Update, Target::PaymentPlan),
        "list_payments" | "list_receivables" => List(r),
        // For a signed contract of the fixture's owner (`contract_id` in the body).
        "record_payment" | "report_finance_payment" => CreateFor(r),
        _ => return None,
    })
}

/// Approvals are seen and decided by those who take part (`Matrix::participant_expectation`),
/// not by the org chart; their flows are the admins'.
fn approval_operations(op: &str) -> Option<Kind> {
    use Action::*;
    use Kind::*;
    let r = Resource::Approval;
    Some(match op {
        "list_approvals" => List(r),
        "approval_counts" => SelfService,
        "list_approval_templates" => Setting(r, Manage),
        "create_approval_template" => CreateOrg(r),
        "update_approval_template" => Record(r, Manage, Target::ApprovalTemplate),
        "get_approval" => Record(r, Read, Target::Approval),
        "approve_approval" | "reject_approval" | "withdraw_approval" => {
            Record(r, Update, Target::Approval)
        }
        _ => return None,
    })
}

/// Who may do what to an approval: admins and the participants see it (others get 404); the
/// submitter withdraws it; an approver with a task on the current step decides it, never the
/// submitter; anyone else who sees it gets 403.
fn participant_expectation(
    op: &str,
    role: Role,
    caller: uuid::Uuid,
    part: Option<&(uuid::Uuid, Vec<uuid::Uuid>)>,
    success: u16,
) -> u16 {
    let Some((submitter, approvers)) = part else {
        return 404;
    };
    let takes_part = caller == *submitter || approvers.contains(&caller);
    if !takes_part && role != Role::Admin {
        return 404;
    }
    match op {
        "get_approval" => success,
        "withdraw_approval" if caller == *submitter => success,
        "approve_approval" | "reject_approval"
            if caller != *submitter && approvers.contains(&caller) =>
        {
            success
        }
        _ => 403,
    }
}

/// The query a list operation needs besides paging (the record type of `/fields`).
fn list_path(op: &Op) -> String {
    match op.id.as_str() {
        "list_fields" => format!("{}?resource=customer", op.path),
        "visit_stats" => format!("{}?from=2026-01-01", op.path),
        _ => op.path.clone(),
    }
}

/// Business rules that answer before the policy would allow: (operation, position) → status.
/// Kept short and named; each is a rule users asked for, not an authorization gap.
fn business_rule(operation_id: &str, pos: Position) -> Option<u16> {
    match (operation_id, pos) {
        // Nobody deactivates their own account (the last admin would lock everyone out).
        ("deactivate_user", Position::Own) => Some(403),
        _ => None,
    }
}

/// Where a record sits relative to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Position {
    Own,
    SameTeam,
    OtherTeam,
    OtherRegion,
    /// No such record.
    None,
}

const POSITIONS: [Position; 5] = [
    Position::Own,
    Position::SameTeam,
    Position::OtherTeam,
    Position::OtherRegion,
    Position::None,
];

/// One user of the demo org, as the scopes see them.
#[derive(Clone, Debug)]
struct Person {
    id: Uuid,
    team: Option<Uuid>,
    region: Option<Uuid>,
}

/// The org chart, read back from the API (as the admin).
struct Org {
    people: HashMap<String, Person>,
    /// team id → its region and supervisor
    teams: HashMap<Uuid, (Uuid, Option<Uuid>)>,
    team_by_name: HashMap<String, Uuid>,
    region_by_name: HashMap<String, Uuid>,
}

impl Org {
    async fn load(app: &TestApp, admin: &str) -> Org {
        let mut people = HashMap::new();
        let mut path = "/api/v1/users?limit=200&include_inactive=true".to_owned();
        loop {
            let page = app.get(admin, &path).await.expect(200);
            for u in page.body["items"].as_array().unwrap() {
                people.insert(
                    u["username"].as_str().unwrap().to_owned(),
                    Person {
                        id: u["id"].as_str().unwrap().parse().unwrap(),
                        team: u["team_id"].as_str().map(|s| s.parse().unwrap()),
                        region: u["region_id"].as_str().map(|s| s.parse().unwrap()),
                    },
                );
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => {
                    path = format!("/api/v1/users?limit=200&include_inactive=true&cursor={c}")
                }
                None => break,
            }
        }
        let mut teams = HashMap::new();
        let mut team_by_name = HashMap::new();
        for t in app
            .get(admin, "/api/v1/teams")
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
        {
            let id: Uuid = t["id"].as_str().unwrap().parse().unwrap();
            teams.insert(
                id,
                (
                    t["region_id"].as_str().unwrap().parse().unwrap(),
                    t["supervisor_id"].as_str().map(|s| s.parse().unwrap()),
                ),
            );
            team_by_name.insert(t["name"].as_str().unwrap().to_owned(), id);
        }
        let region_by_name = app
            .get(admin, "/api/v1/regions")
            .await
            .expect(200)
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["name"].as_str().unwrap().to_owned(),
                    r["id"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        Org {
            people,
            teams,
            team_by_name,
            region_by_name,
        }
    }

    fn person(&self, username: &str) -> &Person {
        &self.people[username]
    }

    /// Whether `scope`, held by `caller`, reaches a record owned by (or being) `subject` — the
    /// definitions of `kaidan_shared::Scope`, applied to the org chart.
    fn reaches(&self, caller: &Person, scope: Scope, subject: &Person) -> bool {
        let own = caller.id == subject.id;
        match scope {
            Scope::All => true,
            Scope::Own => own,
            Scope::OwnAndSubordinates => {
                own || subject
                    .team
                    .is_some_and(|t| self.teams[&t].1 == Some(caller.id))
            }
            Scope::Team => match caller.team {
                Some(t) => subject.team == Some(t),
                None => own,
            },
            Scope::Region => match caller.region {
                Some(r) => subject.region == Some(r),
                None => own,
            },
        }
    }
}

/// The callers: one of each role, all placed in 华东 (华东一组 where a team applies).
const CALLERS: [(&str, Role); 5] = [
    ("admin", Role::Admin),
    ("manager_east", Role::RegionalManager),
    ("sup_east1", Role::Supervisor),
    ("rep_east1", Role::SalesRep),
    ("cs1", Role::CustomerService),
];

/// The salesperson who owns a customer in `pos` relative to `caller` (None: not applicable).
fn customer_owner(caller: &str, role: Role, pos: Position) -> Option<&'static str> {
    match pos {
        Position::Own if role.can_own_customers() => Some(match caller {
            "admin" => "admin",
            "manager_east" => "manager_east",
            "sup_east1" => "sup_east1",
            _ => "rep_east1",
        }),
        Position::Own => None,
        // Managers and admins have no team.
        Position::SameTeam if role.needs_team() => Some(if caller == "rep_east1" {
            "rep_east2"
        } else {
            "rep_east1"
        }),
        Position::SameTeam => None,
        Position::OtherTeam => Some("rep_east3"),
        Position::OtherRegion => Some("rep_south1"),
        Position::None => None,
    }
}

/// The expected status of one cell: the policy decides between allowed, 403 and 404 exactly as
/// `auth::policy::find_for` promises (inside the action's scope → allowed; visible but the
/// action is not the role's → 403; otherwise 404, so nobody learns a record exists).
fn expected_for_record(
    org: &Org,
    caller: &Person,
    role: Role,
    resource: Resource,
    action: Action,
    subject: Option<&Person>,
    success: u16,
) -> u16 {
    let Some(subject) = subject else {
        return 404;
    };
    match scope_for(role, resource, action) {
        Some(s) if org.reaches(caller, s, subject) => success,
        Some(_) => 404,
        None => match scope_for(role, resource, Action::Read) {
            Some(r) if org.reaches(caller, r, subject) => 403,
            _ => 404,
        },
    }
}

struct Op {
    id: String,
    method: Method,
    path: String,
    success: u16,
}

fn operations(spec: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // A fresh fixture meets the first time: created (201) when the operation can
            // answer it (a finance report answers 200 only for a repeat), else its one 2xx.
            let codes: Vec<u16> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .filter_map(|k| k.parse::<u16>().ok())
                .filter(|s| (200..300).contains(s))
                .collect();
            let success = if codes.contains(&201) {
                201
            } else {
                *codes
                    .first()
                    .expect("every operation documents a success status")
            };
            ops.push(Op {
                id: op["operationId"].as_str().unwrap().to_owned(),
                method: method.to_uppercase().parse().unwrap(),
                path: path.clone(),
                success,
            });
        }
    }
    ops
}

fn spec() -> Value {
    serde_json::from_str(&kaidan_api::openapi::spec_json()).unwrap()
}

#[test]
fn every_operation_in_the_spec_is_in_the_matrix() {
    let unclassified: Vec<String> = operations(&spec())
        .into_iter()
        .filter(|o| classify(&o.id).is_none())
        .map(|o| format!("{} {} ({})", o.method, o.path, o.id))
        .collect();
    assert!(
        unclassified.is_empty(),
        "operations missing from the authorization matrix (classify them in tests/tests/api/matrix.rs): {unclassified:#?}"
    );
}

/// The fixtures one cell needs, made fresh so that one cell's change never decides another's.
struct Fixture {
    /// The path's `{id}`, when the operation has one.
    id: Option<String>,
    /// Who the record is (or belongs to), for the expectation; `None` for a missing record.
    subject: Option<Person>,
    /// The version to send in `If-Match`.
    version: i64,
    /// How the admin reads the record back, to prove a refused change changed nothing.
    read_back: Option<String>,
}

struct Matrix<'a> {
    app: &'a TestApp,
    org: Org,
    admin: String,
    tokens: HashMap<String, String>,
    seq: std::cell::Cell<u32>,
    /// A catalogue product for quote lines, made once.
    product: Option<String>,
    /// Each approval fixture's submitter and current approvers.
    participants: HashMap<String, (Uuid, Vec<Uuid>)>,
}

impl Matrix<'_> {
    async fn product(&mut self) -> String {
        if self.product.is_none() {
            let r = self
                .app
                .post(
                    &self.admin,
                    "/api/v1/products",
                    json!({"code": "MATRIX-P", "name": "矩阵产品", "list_price": 10000}),
                )
                .await
                .expect(201);
            self.product = Some(r.id());
        }
        self.product.clone().unwrap_or_default()
    }

    /// A new deal of the token's user, for a customer of theirs.
    async fn deal_of(&mut self, token: &str) -> String {
        let c = self
            .app
            .create_customer(token, json!({"name": self.unique("报价矩阵客户")}))
            .await;
        self.app
            .post(
                token,
                "/api/v1/opportunities",
                json!({"customer_id": c["id"], "name": self.unique("报价矩阵商机"), "amount": 100000}),
            )
            .await
            .expect(201)
            .id()
    }

    fn unique(&self, prefix: &str) -> String {
        self.seq.set(self.seq.get() + 1);
        format!("{prefix}{}", self.seq.get())
    }

    async fn token(&mut self, username: &str) -> String {
        if !self.tokens.contains_key(username) {
            let t = self.app.login(username).await;
            self.tokens.insert(username.to_owned(), t);
        }
        self.tokens[username].clone()
    }

    /// A new sales rep in `team`, made by the admin, so user-management cells act on an
    /// account of their own.
    async fn new_rep(&mut self, team: &str) -> Person {
        let username = self.unique("matrix_rep_");
        let team_id = self.org.team_by_name[team];
        let r = self
            .app
            .post(
                &self.admin,
                "/api/v1/users",
                json!({"username": username, "display_name": "矩阵", "password": PASSWORD,
                       "role": "sales_rep", "team_id": team_id}),
            )
            .await
            .expect(201);
        let p = Person {
            id: r.id().parse().unwrap(),
            team: Some(team_id),
            region: Some(self.org.teams[&team_id].0),
        };
        self.org.people.insert(username, p.clone());
        p
    }

    async fn fixture(
        &mut self,
        caller: &str,
        role: Role,
        target: Target,
        pos: Position,
    ) -> Option<Fixture> {
        if pos == Position::None {
            return Some(Fixture {
                id: Some(Uuid::now_v7().to_string()),
                subject: None,
                version: 1,
                read_back: None,
            });
        }
        match target {
            Target::Customer | Target::ArchivedCustomer | Target::Contact => {
                let owner = customer_owner(caller, role, pos)?;
                let t = self.token(owner).await;
                let name = self.unique("矩阵客户");
                let c = self
                    .app
                    .create_customer(&t, json!({"name": name, "contacts": [{"name": "联系人"}]}))
                    .await;
                let id = c["id"].as_str().unwrap().to_owned();
                let mut version = 1;
                if target == Target::ArchivedCustomer {
                    self.app
                        .delete(&self.admin, &format!("/api/v1/customers/{id}"), "\"1\"")
                        .await
                        .expect(200);
                    version = 2;
                }
                let subject = Some(self.org.person(owner).clone());
                Some(if target == Target::Contact {
                    let contact = c["contacts"][0]["id"].as_str().unwrap().to_owned();
                    Fixture {
                        read_back: Some(format!("/api/v1/contacts/{contact}")),
                        id: Some(contact),
                        subject,
                        version: 1,
                    }
                } else {
                    Fixture {
                        read_back: Some(format!("/api/v1/customers/{id}")),
                        id: Some(id),
                        subject,
                        version,
                    }
                })
            }
            Target::User => {
                let p = match pos {
                    Position::Own => self.org.person(caller).clone(),
                    Position::SameTeam => {
                        let team = self.org.person(caller).team?;
                        let name = self
                            .org
                            .team_by_name
                            .iter()
                            .find(|(_, id)| **id == team)
                            .map(|(n, _)| n.clone())
                            .unwrap();
                        self.new_rep(&name).await
                    }
                    Position::OtherTeam => self.new_rep("华东二组").await,
                    Position::OtherRegion => self.new_rep("华南一组").await,
                    Position::None => unreachable!(),
                };
                let r = self
                    .app
                    .get(&self.admin, &format!("/api/v1/users/{}", p.id))
                    .await
                    .expect(200);
                Some(Fixture {
                    id: Some(p.id.to_string()),
                    version: r.body["version"].as_i64().unwrap(),
                    read_back: Some(format!("/api/v1/users/{}", p.id)),
                    subject: Some(p),
                })
            }
            Target::Quote | Target::SentQuote => {
                let owner = customer_owner(caller, role, pos)?;
                let t = self.token(owner).await;
                let deal = self.deal_of(&t).await;
                let r = self
                    .app
                    .post(
                        &t,
                        "/api/v1/quotes",
                        json!({"opportunity_id": deal, "title": self.unique("矩阵报价"),
                               "lines": [{"product_id": self.product().await, "quantity": "1"}]}),
                    )
                    .await
                    .expect(201);
                let id = r.id();
                let mut version = 1;
                if target == Target::SentQuote {
                    self.app
                        .post(&t, &format!("/api/v1/quotes/{id}/send"), json!({}))
                        .await
                        .expect(200);
                    version = 2;
                }
                Some(Fixture {
                    read_back: Some(format!("/api/v1/quotes/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(owner).clone()),
                    version,
                })
            }
            Target::Contract
            | Target::ApprovedContract
            | Target::SignedContract
            | Target::Approval
            | Target::PaymentPlan => {
                let owner = customer_owner(caller, role, pos)?;
                // An admin's own contract has nobody else to approve it in the demo org (its
                // submission answers 409 `invalid_state`, the API stories' subject).
                if owner == "admin" {
                    return None;
                }
                let t = self.token(owner).await;
                let c = self
                    .app
                    .create_customer(&t, json!({"name": self.unique("合同矩阵客户")}))
                    .await;
                let r = self
                    .app
                    .post(
                        &t,
                        "/api/v1/contracts",
                        json!({"customer_id": c["id"], "title": self.unique("矩阵合同"),
                               "amount": 100000, "payment_terms": "月结"}),
                    )
                    .await
                    .expect(201);
                let id = r.id();
                let mut version = 1;
                if target == Target::PaymentPlan {
                    let plan = self
                        .app
                        .post(
                            &t,
                            &format!("/api/v1/contracts/{id}/payment-plans"),
                            json!({"due_date": "2030-01-01", "amount": 50000}),
                        )
                        .await
                        .expect(201)
                        .id();
                    return Some(Fixture {
                        read_back: Some(format!("/api/v1/contracts/{id}/payment-plans")),
                        id: Some(plan),
                        subject: Some(self.org.person(owner).clone()),
                        version: 1,
                    });
                }
                if target != Target::Contract {
                    let r = self
                        .app
                        .post(&t, &format!("/api/v1/contracts/{id}/submit"), json!({}))
                        .await
                        .expect(200);
                    let approval = r.body["approval_id"].as_str().unwrap().to_owned();
                    let a = self
                        .app
                        .get(&self.admin, &format!("/api/v1/approvals/{approval}"))
                        .await
                        .expect(200)
                        .body;
                    let approvers: Vec<Uuid> = a["steps"][0]["approvers"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().parse().unwrap())
                        .collect();
                    if target == Target::Approval {
                        self.participants
                            .insert(approval.clone(), (self.org.person(owner).id, approvers));
                        return Some(Fixture {
                            read_back: Some(format!("/api/v1/approvals/{approval}")),
                            id: Some(approval),
                            subject: Some(self.org.person(owner).clone()),
                            version: a["version"].as_i64().unwrap(),
                        });
                    }
                    // Approved by its first approver (small contracts have one step).
                    let by = self
                        .org
                        .people
                        .iter()
                        .find(|(_, p)| p.id == approvers[0])
                        .map(|(n, _)| n.clone())
                        .unwrap();
                    let bt = self.token(&by).await;
                    self.app
                        .post(
                            &bt,
                            &format!("/api/v1/approvals/{approval}/approve"),
                            json!({}),
                        )
                        .await
                        .expect(200);
                    let mut now = self
                        .app
                        .get(&t, &format!("/api/v1/contracts/{id}"))
                        .await
                        .expect(200);
                    if target == Target::SignedContract {
                        now = self
                            .app
                            .post(&t, &format!("/api/v1/contracts/{id}/sign"), json!({}))
                            .await
                            .expect(200);
                    }
                    version = now.body["version"].as_i64().unwrap();
                }
                Some(Fixture {
                    read_back: Some(format!("/api/v1/contracts/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(owner).clone()),
                    version,
                })
            }
            Target::ApiClient => {
                let r = self
                    .app
                    .post(
                        &self.admin,
                        "/api/v1/api-clients",
                        json!({"name": self.unique("矩阵应用"), "scopes": ["customers:read"]}),
                    )
                    .await
                    .expect(201);
                let id = r.body["client"]["id"].as_str().unwrap().to_owned();
                Some(Fixture {
                    read_back: Some(format!("/api/v1/api-clients/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(caller).clone()),
                    version: 1,
                })
            }
            Target::Webhook | Target::WebhookDelivery => {
                let (client, _) = self
                    .app
                    .register_client(
                        &self.admin,
                        json!({"name": self.unique("矩阵推送"), "scopes": ["customers:read"]}),
                    )
                    .await;
                let r = self
                    .app
                    .post(
                        &self.admin,
                        "/api/v1/webhooks",
                        json!({"api_client_id": client, "url": "https://erp.example.com/hook",
                               "events": ["customer.created"]}),
                    )
                    .await
                    .expect(201);
                let id = r.body["webhook"]["id"].as_str().unwrap().to_owned();
                if target == Target::WebhookDelivery {
                    use kaidan_api::entities::webhook_delivery;
                    use sea_orm::EntityTrait;
                    let delivery = Uuid::now_v7();
                    let now = chrono::Utc::now();
                    webhook_delivery::Entity::insert(webhook_delivery::ActiveModel::from(
                        webhook_delivery::Model {
                            id: delivery,
                            webhook_id: id.parse().unwrap(),
                            event_id: format!("msg_{}", delivery.simple()),
                            event_type: "customer.created".into(),
                            body: "{}".into(),
                            status: "failed".into(),
                            attempts: 10,
                            first_attempt_at: Some(now),
                            next_attempt_at: None,
                            created_at: now,
                        },
                    ))
                    .exec_without_returning(&self.app.db)
                    .await
                    .unwrap();
                    return Some(Fixture {
                        read_back: Some(format!("/api/v1/webhooks/{id}/deliveries")),
                        id: Some(delivery.to_string()),
                        subject: Some(self.org.person(caller).clone()),
                        version: 1,
                    });
                }
                Some(Fixture {
                    read_back: Some(format!("/api/v1/webhooks/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(caller).clone()),
                    version: 1,
                })
            }
            Target::ApprovalTemplate => {
                let r = self
                    .app
                    .post(
                        &self.admin,
                        "/api/v1/approval-templates",
                        json!({"subject": "contract", "name": self.unique("矩阵流程"),
                               "priority": 9000, "active": false,
                               "steps": [{"approvers": {"kind": "supervisor"}, "mode": "any_one"}],
                               "remind_after_hours": 24, "escalate_after_hours": 48}),
                    )
                    .await
                    .expect(201);
                let id = r.id();
                // Flows have no place in the org: the role alone decides (403 or allowed).
                Some(Fixture {
                    read_back: Some("/api/v1/approval-templates".to_owned()),
                    id: Some(id),
                    subject: Some(self.org.person(caller).clone()),
                    version: 1,
                })
            }
            Target::Product | Target::PriceList => {
                // The catalogue is everyone's to read: a fresh record per cell, made by the admin.
                let (path, body) = if target == Target::Product {
                    let code = self.unique("M-");
                    (
                        "/api/v1/products",
                        json!({"code": code, "name": "矩阵产品", "list_price": 10000}),
                    )
                } else {
                    (
                        "/api/v1/price-lists",
                        json!({"name": self.unique("矩阵价格表"), "valid_from": "2026-01-01"}),
                    )
                };
                let r = self.app.post(&self.admin, path, body).await.expect(201);
                let id = r.id();
                Some(Fixture {
                    read_back: Some(format!("{path}/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person("admin").clone()),
                    version: 1,
                })
            }
            Target::OptionList | Target::Field => {
                // Not in the org: whoever may read it reaches it; a fresh one per cell.
                let key = self.unique("matrix_");
                let (path, body, read_back) = if target == Target::OptionList {
                    (
                        "/api/v1/option-lists",
                        json!({"key": key, "name_zh": "矩阵", "name_en": "Matrix",
                               "options": [{"key": "a", "label_zh": "甲", "label_en": "A"}]}),
                        None,
                    )
                } else {
                    (
                        "/api/v1/fields",
                        json!({"resource": "customer", "key": key, "label_zh": "矩阵",
                               "label_en": "Matrix", "kind": "text"}),
                        Some("/api/v1/fields?resource=customer".to_owned()),
                    )
                };
                let r = self.app.post(&self.admin, path, body).await.expect(201);
                let id = r.id();
                Some(Fixture {
                    read_back: read_back.or_else(|| Some(format!("{path}/{id}"))),
                    id: Some(id),
                    subject: Some(self.org.person("admin").clone()),
                    version: 1,
                })
            }
            Target::Opportunity | Target::WonOpportunity => {
                let owner = customer_owner(caller, role, pos)?;
                let t = self.token(owner).await;
                let c = self
                    .app
                    .create_customer(&t, json!({"name": self.unique("商机矩阵客户")}))
                    .await;
                let r = self
                    .app
                    .post(
                        &t,
                        "/api/v1/opportunities",
                        json!({"customer_id": c["id"], "name": self.unique("矩阵商机"), "amount": 100000}),
                    )
                    .await
                    .expect(201);
                let id = r.id();
                let mut version = 1;
                if target == Target::WonOpportunity {
                    self.app
                        .post(
                            &t,
                            &format!("/api/v1/opportunities/{id}/stage"),
                            json!({"stage": "won"}),
                        )
                        .await
                        .expect(200);
                    version = 2;
                }
                Some(Fixture {
                    read_back: Some(format!("/api/v1/opportunities/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(owner).clone()),
                    version,
                })
            }
            Target::Photo => {
                let owner = customer_owner(caller, role, pos)?;
                let t = self.token(owner).await;
                let c = self
                    .app
                    .create_customer(&t, json!({"name": self.unique("照片矩阵客户")}))
                    .await;
                let visit = self
                    .app
                    .post(&t, "/api/v1/visits", json!({"customer_id": c["id"]}))
                    .await
                    .expect(201)
                    .id();
                let photo = self
                    .app
                    .photo_upload(&t, &visit, kaidan_tests::records::small_jpeg())
                    .await
                    .expect(201)
                    .id();
                Some(Fixture {
                    read_back: Some(format!("/api/v1/visits/{visit}/photos")),
                    id: Some(photo),
                    subject: Some(self.org.person(owner).clone()),
                    version: 1,
                })
            }
            Target::FollowUp | Target::DoneFollowUp => {
                let owner = customer_owner(caller, role, pos)?;
                let t = self.token(owner).await;
                let c = self
                    .app
                    .create_customer(&t, json!({"name": self.unique("跟进矩阵客户")}))
                    .await;
                let id = self
                    .app
                    .post(
                        &t,
                        "/api/v1/follow-ups",
                        json!({"customer_id": c["id"], "kind": "call", "title": "矩阵回电",
                               "due_at": "2030-01-02T03:00:00Z"}),
                    )
                    .await
                    .expect(201)
                    .id();
                let mut version = 1;
                if target == Target::DoneFollowUp {
                    self.app
                        .post(&t, &format!("/api/v1/follow-ups/{id}/done"), json!({}))
                        .await
                        .expect(200);
                    version = 2;
                }
                Some(Fixture {
                    read_back: Some(format!("/api/v1/follow-ups/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(owner).clone()),
                    version,
                })
            }
            Target::Visit | Target::CheckedInVisit => {
                let owner = customer_owner(caller, role, pos)?;
                let t = self.token(owner).await;
                let c = self
                    .app
                    .create_customer(&t, json!({"name": self.unique("拜访矩阵客户")}))
                    .await;
                let id = self
                    .app
                    .post(&t, "/api/v1/visits", json!({"customer_id": c["id"]}))
                    .await
                    .expect(201)
                    .id();
                let mut version = 1;
                if target == Target::CheckedInVisit {
                    self.app
                        .post(
                            &t,
                            &format!("/api/v1/visits/{id}/check-in"),
                            json!({"lat": 30.27, "lng": 120.15, "accuracy_m": 20}),
                        )
                        .await
                        .expect(200);
                    version = 2;
                }
                Some(Fixture {
                    read_back: Some(format!("/api/v1/visits/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(owner).clone()),
                    version,
                })
            }
            Target::Lead => {
                let owner = customer_owner(caller, role, pos)?;
                let t = self.token(owner).await;
                let name = self.unique("矩阵线索公司");
                let r = self
                    .app
                    .post(
                        &t,
                        "/api/v1/leads",
                        json!({"name": "矩阵联系人", "company": name, "owner_id": self.org.person(owner).id}),
                    )
                    .await
                    .expect(201);
                let id = r.id();
                Some(Fixture {
                    read_back: Some(format!("/api/v1/leads/{id}")),
                    id: Some(id),
                    subject: Some(self.org.person(owner).clone()),
                    version: 1,
                })
            }
            Target::LeadRule => {
                // The team the rule feeds, and its manager, by position.
                let (team, manager, member) = match pos {
                    Position::SameTeam if role.needs_team() => (
                        "华东一组",
                        "manager_east",
                        if caller == "rep_east1" {
                            "rep_east2"
                        } else {
                            "rep_east1"
                        },
                    ),
                    Position::OtherTeam => ("华东二组", "manager_east", "rep_east3"),
                    Position::OtherRegion => ("华南一组", "manager_south", "rep_south1"),
                    _ => return None,
                };
                let t = self.token(manager).await;
                let r = self
                    .app
                    .post(
                        &t,
                        "/api/v1/lead-rules",
                        json!({"name": self.unique("矩阵规则"), "position": 5,
                               "team_id": self.org.team_by_name[team]}),
                    )
                    .await
                    .expect(201);
                Some(Fixture {
                    id: Some(r.id()),
                    subject: Some(self.org.person(member).clone()),
                    version: 1,
                    read_back: None,
                })
            }
            Target::Pool | Target::PooledCustomer => {
                // Positions a pool can have: the caller's region (its own pool), another
                // team of 华东 (the same pool), another region.
                let member = match pos {
                    Position::Own if self.org.person(caller).region.is_some() => {
                        if caller == "rep_east2" {
                            "rep_east1"
                        } else {
                            "rep_east2"
                        }
                    }
                    Position::OtherTeam => "rep_east3",
                    Position::OtherRegion => "rep_south1",
                    _ => return None,
                };
                let subject = self.org.person(member).clone();
                let pool = self.region_pool(subject.region.unwrap()).await;
                if target == Target::Pool {
                    let pools = self.app.get(&self.admin, "/api/v1/pools").await.expect(200);
                    let version = pools
                        .body
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|p| p["id"] == pool.to_string())
                        .unwrap()["version"]
                        .as_i64()
                        .unwrap();
                    return Some(Fixture {
                        id: Some(pool.to_string()),
                        subject: Some(subject),
                        version,
                        read_back: Some(format!("/api/v1/pools/{pool}/customers")),
                    });
                }
                let t = self.token(member).await;
                let name = self.unique("公海矩阵客户");
                let c = self.app.create_customer(&t, json!({"name": name})).await;
                let id = c["id"].as_str().unwrap().to_owned();
                self.app
                    .post(
                        &t,
                        &format!("/api/v1/customers/{id}/release"),
                        json!({"reason": "矩阵"}),
                    )
                    .await
                    .expect(200);
                Some(Fixture {
                    read_back: Some(format!("/api/v1/pool-customers/{id}")),
                    id: Some(id),
                    subject: Some(subject),
                    version: 2,
                })
            }
            Target::Notification => {
                let reader = match pos {
                    Position::Own => caller,
                    Position::SameTeam => customer_owner(caller, role, pos)?,
                    Position::OtherTeam => "rep_east3",
                    Position::OtherRegion => "rep_south1",
                    Position::None => unreachable!(),
                };
                let subject = self.org.person(reader).clone();
                let id = notify(self.app, subject.id).await;
                Some(Fixture {
                    id: Some(id.to_string()),
                    subject: Some(subject),
                    version: 1,
                    read_back: None,
                })
            }
            Target::Team | Target::Region => {
                // A team or region "is" the people in it: the subject is a new rep there.
                let me = self.org.person(caller).clone();
                let own_team = me.team.map(|t| {
                    self.org
                        .team_by_name
                        .iter()
                        .find(|(_, id)| **id == t)
                        .map(|(n, _)| n.clone())
                        .unwrap()
                });
                let team_name = match (target, pos) {
                    (Target::Team, Position::Own) => own_team?,
                    (Target::Team, Position::OtherTeam) => "华东二组".to_owned(),
                    (Target::Region, Position::Own) if me.region.is_some() => "华东一组".to_owned(),
                    (_, Position::OtherRegion) => "华南一组".to_owned(),
                    _ => return None,
                };
                let member = self.new_rep(&team_name).await;
                let team_id = self.org.team_by_name[&team_name];
                let (id, list) = if target == Target::Team {
                    (team_id, "/api/v1/teams")
                } else {
                    (self.org.teams[&team_id].0, "/api/v1/regions")
                };
                let rows = self.app.get(&self.admin, list).await.expect(200);
                let version = rows
                    .body
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["id"] == id.to_string())
                    .unwrap()["version"]
                    .as_i64()
                    .unwrap();
                Some(Fixture {
                    id: Some(id.to_string()),
                    subject: Some(member),
                    version,
                    read_back: None,
                })
            }
        }
    }

    /// The pool of `region`, made by the admin the first time.
    async fn region_pool(&mut self, region: Uuid) -> Uuid {
        let pools = self.app.get(&self.admin, "/api/v1/pools").await.expect(200);
        if let Some(p) = pools
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["region_id"] == region.to_string())
        {
            return p["id"].as_str().unwrap().parse().unwrap();
        }
        let r = self
            .app
            .post(
                &self.admin,
                "/api/v1/pools",
                json!({"name": self.unique("区域公海"), "region_id": region}),
            )
            .await
            .expect(201);
        r.id().parse().unwrap()
    }

    /// The request body an operation needs to succeed when allowed.
    fn body(&self, op: &str, caller: &str, pos: Position) -> Option<Value> {
        Some(match op {
            "update_api_client" => json!({"name": "矩阵改名"}),
            "rotate_api_client_secret" => json!({"grace_hours": 1}),
            "update_webhook" => json!({"description": "矩阵"}),
            "update_customer" => json!({"notes": "矩阵"}),
            "transfer_customer" | "assign_lead" => {
                // To someone the caller may assign: the caller, or a rep of 华东一组 when the
                // caller owns it already. Refused roles never get as far as the new owner.
                let to = match (caller, pos) {
                    ("rep_east1" | "cs1", _) => "sup_east1",
                    (_, Position::Own) => "rep_east1",
                    _ => caller,
                };
                json!({"owner_id": self.org.person(to).id})
            }
            "create_contact" => json!({"name": "新联系人"}),
            "update_contact" => json!({"title": "厂长"}),
            "update_user" => json!({"display_name": "改过的名字"}),
            "reset_password" => json!({"new_password": PASSWORD}),
            "update_region" | "update_team" => json!({"name": self.unique("改名")}),
            "update_option_list" => json!({"name_zh": self.unique("改名")}),
            "update_field" => json!({"label_zh": self.unique("改名")}),
            "update_pool" => json!({"name": self.unique("改名")}),
            "update_opportunity" => json!({"next_step": "矩阵"}),
            "move_opportunity_stage" => json!({"stage": "needs"}),
            "reopen_opportunity" => json!({"stage": "negotiation", "reason": "矩阵"}),
            "release_customer" => json!({"reason": "矩阵"}),
            "update_lead" => json!({"status": "contacted"}),
            "update_visit" => json!({"notes": "矩阵", "outcome": "follow_up"}),
            "check_in_visit" => json!({"lat": 30.27, "lng": 120.15, "accuracy_m": 20}),
            "update_follow_up" => json!({"title": "矩阵改期", "due_at": "2030-02-01T01:00:00Z"}),
            "done_follow_up" => json!({"result": "矩阵完成"}),
            "snooze_follow_up" => json!({"until": chrono::Utc::now() + chrono::Duration::days(2)}),
            "disqualify_lead" => json!({"reason": "no_need"}),
            "convert_lead" => json!({}),
            "update_quote" => json!({"title": self.unique("改名")}),
            "update_contract" => json!({"notes": "矩阵"}),
            "add_payment_plan" => json!({"due_date": "2030-06-01", "amount": 100}),
            "sign_contract" => json!({}),
            "terminate_contract" | "reopen_contract" => json!({"reason": "矩阵"}),
            "approve_approval" => json!({"comment": "矩阵同意"}),
            "reject_approval" => json!({"comment": "矩阵驳回"}),
            "update_approval_template" => {
                json!({"subject": "contract", "name": self.unique("改名"), "priority": 9001,
                       "active": false,
                       "steps": [{"approvers": {"kind": "supervisor"}, "mode": "any_one"}],
                       "remind_after_hours": 24, "escalate_after_hours": 48})
            }
            "reject_quote" => json!({"note": "价格太高"}),
            "accept_quote" => json!({}),
            "update_product" => json!({"name": self.unique("改名"), "list_price": 12300}),
            "update_price_list" => json!({"name": self.unique("改名")}),
            "update_lead_rule" => {
                json!({"name": self.unique("改名"), "position": 3, "queue": "unassigned"})
            }
            _ => return None,
        })
    }
}

#[tokio::test]
async fn every_operation_obeys_the_policy_for_every_role_and_position() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let org = Org::load(&app, &admin).await;
    let mut m = Matrix {
        app: &app,
        org,
        admin,
        tokens: HashMap::new(),
        seq: std::cell::Cell::new(0),
        product: None,
        participants: HashMap::new(),
    };
    let ops = operations(&spec());
    let mut covered: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut cells = 0;

    for op in &ops {
        let kind = classify(&op.id).unwrap_or_else(|| panic!("{} is not classified", op.id));
        // Without a token every operation but the public ones answers 401.
        if !matches!(kind, Kind::Public) {
            let path = op
                .path
                .replace("{id}", &Uuid::now_v7().to_string())
                .replace("{resource}", "customer");
            let r = app
                .request(op.method.clone(), &path, None, Some(&json!({})), &[])
                .await;
            assert_eq!(r.status, 401, "{} {} without a token", op.method, op.path);
            assert_eq!(r.code(), "unauthenticated", "{}", r.body);
            cells += 1;
        }
        let (resource, action, target, create_for) = match kind {
            Kind::Record(r, a, t) => (r, a, t, false),
            Kind::CreateFor(Resource::Quote) => {
                (Resource::Quote, Action::Create, Target::Opportunity, true)
            }
            Kind::CreateFor(Resource::Contract)
                if op.id == "record_payment" || op.id == "report_finance_payment" =>
            {
                (
                    Resource::Contract,
                    Action::Update,
                    Target::SignedContract,
                    true,
                )
            }
            Kind::CreateFor(r) => (r, Action::Create, Target::Customer, true),
            _ => continue,
        };
        for (caller, role) in CALLERS {
            for pos in POSITIONS {
                let Some(fx) = m.fixture(caller, role, target, pos).await else {
                    continue;
                };
                // Sign in afresh: an earlier cell may have reset this caller's password or
                // ended their sessions.
                let token = app.login(caller).await;
                let me = m.org.person(caller).clone();
                let expected = business_rule(&op.id, pos).unwrap_or_else(|| {
                    if create_for {
                        // A body reference: allowed inside the scope, an unknown reference
                        // outside it, 403 for a role that may not create at all.
                        return match scope_for(role, resource, action) {
                            None => 403,
                            Some(s)
                                if fx
                                    .subject
                                    .as_ref()
                                    .is_some_and(|p| m.org.reaches(&me, s, p)) =>
                            {
                                op.success
                            }
                            Some(_) => 422,
                        };
                    }
                    if target == Target::Approval {
                        let part = fx.id.as_ref().and_then(|id| m.participants.get(id));
                        return participant_expectation(&op.id, role, me.id, part, op.success);
                    }
                    expected_for_record(
                        &m.org,
                        &me,
                        role,
                        resource,
                        action,
                        fx.subject.as_ref(),
                        op.success,
                    )
                });
                let before = match &fx.read_back {
                    Some(p) => Some(app.get(&m.admin, p).await.body),
                    None => None,
                };
                let path = op.path.replace("{id}", fx.id.as_deref().unwrap_or(""));
                let etag = format!("\"{}\"", fx.version);
                let body = if create_for && op.id == "create_visit" {
                    Some(json!({"customer_id": fx.id, "purpose": "矩阵"}))
                } else if create_for && op.id == "report_finance_payment" {
                    // A finance system names the contract by its number.
                    // (A missing record has no number: one nobody has.)
                    let number = match fx.id.as_deref() {
                        Some(id) => {
                            let c = app.get(&m.admin, &format!("/api/v1/contracts/{id}")).await;
                            c.body.get("number").cloned().unwrap_or_default()
                        }
                        None => Value::Null,
                    };
                    let number = number
                        .as_str()
                        .map_or_else(|| json!("HT-1999-999999"), |n| json!(n));
                    Some(json!({"contract_number": number, "amount": 100,
                                "received_on": "2026-11-01", "reference": m.unique("矩阵对账")}))
                } else if create_for && op.id == "record_payment" {
                    Some(
                        json!({"contract_id": fx.id, "amount": 100, "received_on": "2026-11-01",
                                "reference": m.unique("矩阵回款")}),
                    )
                } else if create_for && op.id == "create_contract" {
                    Some(json!({"customer_id": fx.id, "title": "矩阵新合同", "amount": 100}))
                } else if create_for && op.id == "create_quote" {
                    Some(json!({"opportunity_id": fx.id, "title": "矩阵新报价"}))
                } else if create_for && op.id == "create_follow_up" {
                    Some(
                        json!({"customer_id": fx.id, "kind": "wechat", "title": "矩阵跟进",
                                "due_at": "2030-01-02T03:00:00Z"}),
                    )
                } else if create_for {
                    Some(
                        json!({"customer_id": fx.id, "name": m.unique("矩阵新商机"), "amount": 500}),
                    )
                } else {
                    m.body(&op.id, caller, pos)
                };
                let r = if op.id == "add_visit_photo" {
                    let visit = fx.id.as_deref().unwrap_or("");
                    app.photo_upload(&token, visit, kaidan_tests::records::small_jpeg())
                        .await
                } else if op.id == "add_contract_document" {
                    let contract = fx.id.as_deref().unwrap_or("");
                    let pdf = kaidan_tests::records::small_pdf();
                    app.document_upload(&token, contract, pdf, "矩阵.pdf").await
                } else {
                    app.request(
                        op.method.clone(),
                        &path,
                        Some(&token),
                        body.as_ref(),
                        &[("If-Match", &etag)],
                    )
                    .await
                };
                let ctx = format!("{} {} as {caller} on {pos:?}", op.method, op.path);
                assert_eq!(r.status, expected, "{ctx}: {}", r.body);
                if r.status >= 400 {
                    assert_eq!(
                        r.header("content-type").as_deref(),
                        Some("application/problem+json"),
                        "{ctx}"
                    );
                    // A refusal changes nothing.
                    if let (Some(p), Some(b)) = (&fx.read_back, before) {
                        assert_eq!(
                            app.get(&m.admin, p).await.body,
                            b,
                            "{ctx} changed the record"
                        );
                    }
                }
                if target == Target::User {
                    // A user cell may just have reset a password or deactivated someone, which
                    // ends their sessions: sign the fixtures' owners in afresh.
                    m.tokens.clear();
                    if caller == "admin" {
                        m.admin = app.login("admin").await;
                    }
                }
                covered
                    .entry(op.id.clone())
                    .or_default()
                    .insert(format!("{role:?}/{pos:?}"));
                cells += 1;
            }
        }
    }

    // Every record operation met every role in every position that role has.
    for op in &ops {
        if let Some(Kind::Record(..) | Kind::CreateFor(..)) = classify(&op.id) {
            let seen = &covered[&op.id];
            for (_, role) in CALLERS {
                for pos in [Position::OtherTeam, Position::OtherRegion, Position::None] {
                    if matches!(classify(&op.id), Some(Kind::Record(Resource::Region, ..)))
                        && pos == Position::OtherTeam
                    {
                        continue;
                    }
                    assert!(
                        seen.contains(&format!("{role:?}/{pos:?}")),
                        "{} never met {role:?} on {pos:?}",
                        op.id
                    );
                }
            }
        }
    }
    println!("authorization matrix: {cells} cells");
}

/// Lists, their filters and their search never show a row outside the caller's read scope;
/// list operations the role may not use at all answer 403. Creating a customer obeys the owner
/// field rule: only roles that may transfer choose an owner other than themselves, and only
/// inside their scope.
#[tokio::test]
async fn lists_show_only_rows_in_scope_and_owners_follow_the_field_rule() {
    let app = spawn_app().await;
    let admin = app.login("admin").await;
    let org = Org::load(&app, &admin).await;
    let spec = spec();
    let ops = operations(&spec);
    // Two regions' own pools beside the company-wide one, so the pool list has one to hide.
    for region in ["华东", "华南"] {
        app.post(
            &admin,
            "/api/v1/pools",
            json!({"name": format!("{region}公海"), "region_id": org.region_by_name[region]}),
        )
        .await
        .expect(201);
    }

    // One customer, one deal and one lead owned by every salesperson of the demo org.
    let mut owned_by: HashMap<String, String> = HashMap::new();
    let mut leads_of: HashMap<String, Option<String>> = HashMap::new();
    let mut visits_of: HashMap<String, String> = HashMap::new();
    let mut tasks_of: HashMap<String, String> = HashMap::new();
    let mut quotes_of: HashMap<String, String> = HashMap::new();
    let mut contracts_of: HashMap<String, String> = HashMap::new();
    // Each pending approval: its submitter and its current approvers.
    let mut approvals_of: HashMap<String, (Uuid, Vec<Uuid>)> = HashMap::new();
    let mut plans_of: HashMap<String, String> = HashMap::new();
    let mut payments_of: HashMap<String, String> = HashMap::new();
    for username in org.people.keys() {
        if username == "admin" || username.starts_with("cs") {
            continue;
        }
        let t = app.login(username).await;
        let c = app
            .create_customer(
                &t,
                json!({"name": format!("列表客户-{username}"), "phone": "13800000000"}),
            )
            .await;
        let deal = app
            .post(
                &t,
                "/api/v1/opportunities",
                json!({"customer_id": c["id"], "name": format!("列表商机-{username}"), "amount": 1000}),
            )
            .await
            .expect(201);
        let q = app
            .post(
                &t,
                "/api/v1/quotes",
                json!({"opportunity_id": deal.id(), "title": format!("列表报价-{username}")}),
            )
            .await
            .expect(201);
        quotes_of.insert(q.id(), username.clone());
        let k = app
            .post(
                &t,
                "/api/v1/contracts",
                json!({"customer_id": c["id"], "title": format!("列表合同-{username}"), "amount": 1000}),
            )
            .await
            .expect(201);
        contracts_of.insert(k.id(), username.clone());
        let sub = app
            .post(
                &t,
                &format!("/api/v1/contracts/{}/submit", k.id()),
                json!({}),
            )
            .await
            .expect(200);
        let a = sub.body["approval_id"].as_str().unwrap().to_owned();
        let steps = app
            .get(&admin, &format!("/api/v1/approvals/{a}"))
            .await
            .expect(200);
        let approvers: Vec<Uuid> = steps.body["steps"][0]["approvers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().parse().unwrap())
            .collect();
        approvals_of.insert(a.clone(), (org.person(username).id, approvers.clone()));
        // A second contract, approved by its approver and signed, with an instalment and a
        // payment: the payments and receivables lists' rows.
        let k2 = app
            .post(
                &t,
                "/api/v1/contracts",
                json!({"customer_id": c["id"], "title": format!("列表回款合同-{username}"), "amount": 100000}),
            )
            .await
            .expect(201)
            .id();
        let a2 = app
            .post(&t, &format!("/api/v1/contracts/{k2}/submit"), json!({}))
            .await
            .expect(200)
            .body["approval_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let approver: Uuid = approvers[0];
        let by = org
            .people
            .iter()
            .find(|(_, p)| p.id == approver)
            .map(|(n, _)| n.clone())
            .unwrap();
        let bt = app.login(&by).await;
        app.post(&bt, &format!("/api/v1/approvals/{a2}/approve"), json!({}))
            .await
            .expect(200);
        app.post(&t, &format!("/api/v1/contracts/{k2}/sign"), json!({}))
            .await
            .expect(200);
        let plan = app
            .post(
                &t,
                &format!("/api/v1/contracts/{k2}/payment-plans"),
                json!({"due_date": "2030-01-01", "amount": 60000}),
            )
            .await
            .expect(201)
            .id();
        plans_of.insert(plan, username.clone());
        let pay = app
            .post(
                &t,
                "/api/v1/payments",
                json!({"contract_id": k2, "amount": 1000, "received_on": "2026-11-01",
                       "reference": format!("LIST-{username}")}),
            )
            .await
            .expect(201)
            .id();
        payments_of.insert(pay, username.clone());
        let v = app
            .post(&t, "/api/v1/visits", json!({"customer_id": c["id"]}))
            .await
            .expect(201);
        visits_of.insert(v.id(), username.clone());
        let f = app
            .post(
                &t,
                "/api/v1/follow-ups",
                json!({"customer_id": c["id"], "kind": "call", "title": "列表跟进",
                       "due_at": "2030-01-02T03:00:00Z"}),
            )
            .await
            .expect(201);
        tasks_of.insert(f.id(), username.clone());
        owned_by.insert(c["id"].as_str().unwrap().to_owned(), username.clone());
        let l = app
            .post(
                &t,
                "/api/v1/leads",
                json!({"name": "列表线索", "company": format!("列表线索-{username}"),
                       "owner_id": org.person(username).id, "force": true}),
            )
            .await
            .expect(201);
        leads_of.insert(l.id(), Some(username.clone()));
    }
    // A lead no rule places: it waits in the default queue, the admins' alone.
    let cs = app.login("cs1").await;
    let queued = app
        .post(
            &cs,
            "/api/v1/leads",
            json!({"name": "排队线索", "force": true}),
        )
        .await
        .expect(201);
    leads_of.insert(queued.id(), None);

    for op in &ops {
        let Some(kind) = classify(&op.id) else {
            continue;
        };
        for (caller, role) in CALLERS {
            let token = app.login(caller).await;
            let me = org.person(caller);
            match kind {
                Kind::List(resource) => {
                    let r = app
                        .request(op.method.clone(), &list_path(op), Some(&token), None, &[])
                        .await;
                    let Some(scope) = scope_for(role, resource, Action::Read) else {
                        assert_eq!(r.status, 403, "{} as {caller}", op.id);
                        continue;
                    };
                    assert_eq!(r.status, 200, "{} as {caller}: {}", op.id, r.body);
                    match resource {
                        Resource::Customer => {
                            // Page through everything, then through a filter and a search
                            // aimed at other people's rows.
                            for query in [
                                "limit=7".to_owned(),
                                format!("limit=7&owner_id={}", org.person("rep_south1").id),
                                format!("limit=7&owner_id={}", org.person("rep_east3").id),
                                "limit=7&q=列表客户".to_owned(),
                                "limit=7&q=13800000000".to_owned(),
                                "limit=7&sort=name_asc".to_owned(),
                            ] {
                                let seen = collect(&app, &token, &op.path, &query).await;
                                for (id, owner) in &owned_by {
                                    let inside = org.reaches(me, scope, org.person(owner));
                                    let filter_ok = !query.contains("owner_id=")
                                        || query.contains(&org.person(owner).id.to_string());
                                    assert_eq!(
                                        seen.contains(id),
                                        inside && filter_ok,
                                        "{caller} listing customers ?{query}: {owner}'s"
                                    );
                                }
                            }
                        }
                        Resource::User => {
                            let seen = collect(&app, &token, &op.path, "limit=5").await;
                            for p in org.people.values() {
                                assert_eq!(
                                    seen.contains(&p.id.to_string()),
                                    org.reaches(me, scope, p),
                                    "{caller} listing users"
                                );
                            }
                        }
                        Resource::Audit => {
                            assert!(r.body["items"].is_array());
                        }
                        Resource::Opportunity => {
                            let seen = if op.id == "opportunity_board" {
                                r.body["columns"]
                                    .as_array()
                                    .unwrap()
                                    .iter()
                                    .flat_map(|c| c["items"].as_array().unwrap().clone())
                                    .map(|o| o["customer_id"].as_str().unwrap().to_owned())
                                    .collect::<BTreeSet<_>>()
                            } else {
                                let mut seen = BTreeSet::new();
                                let mut url = format!("{}?limit=50", op.path);
                                loop {
                                    let page = app.get(&token, &url).await.expect(200);
                                    for o in page.body["items"].as_array().unwrap() {
                                        seen.insert(o["customer_id"].as_str().unwrap().to_owned());
                                    }
                                    match page.body["next_cursor"].as_str() {
                                        Some(c) => url = format!("{}?limit=50&cursor={c}", op.path),
                                        None => break,
                                    }
                                }
                                seen
                            };
                            for (id, owner) in &owned_by {
                                assert_eq!(
                                    seen.contains(id),
                                    org.reaches(me, scope, org.person(owner)),
                                    "{caller} {}: {owner}'s deal",
                                    op.id
                                );
                            }
                        }
                        Resource::Pool => {
                            // The caller's region's pool and the company-wide one, no other.
                            for p in r.body.as_array().unwrap() {
                                let region = p["region_id"].as_str().map(|s| s.parse().unwrap());
                                assert!(
                                    scope == Scope::All || region.is_none() || region == me.region,
                                    "{caller} sees another region's pool"
                                );
                            }
                            assert!(!r.body.as_array().unwrap().is_empty());
                        }
                        Resource::Notification => {
                            // One for the caller and one for a colleague: only the first shows.
                            let mine = notify(&app, me.id).await.to_string();
                            let theirs = notify(&app, org.person("rep_east2").id).await;
                            let seen = collect(&app, &token, &op.path, "limit=5").await;
                            assert!(seen.contains(&mine), "{caller} sees their own");
                            assert!(!seen.contains(&theirs.to_string()), "{caller}");
                            assert_eq!(scope, Scope::Own);
                        }
                        Resource::Lead => {
                            let seen = collect(&app, &token, &op.path, "limit=9").await;
                            for (id, owner) in &leads_of {
                                let inside = match owner {
                                    Some(o) => org.reaches(me, scope, org.person(o)),
                                    None => scope == Scope::All,
                                };
                                assert_eq!(
                                    seen.contains(id),
                                    inside,
                                    "{caller} leads: {owner:?}'s"
                                );
                            }
                        }
                        Resource::Quote => {
                            let seen = collect(&app, &token, &op.path, "limit=7").await;
                            for (id, owner) in &quotes_of {
                                assert_eq!(
                                    seen.contains(id),
                                    org.reaches(me, scope, org.person(owner)),
                                    "{caller} quotes: {owner}'s"
                                );
                            }
                        }
                        Resource::Contract if op.id == "list_payments" => {
                            let seen = collect(&app, &token, &op.path, "limit=7").await;
                            for (id, owner) in &payments_of {
                                assert_eq!(
                                    seen.contains(id),
                                    org.reaches(me, scope, org.person(owner)),
                                    "{caller} payments: {owner}'s"
                                );
                            }
                        }
                        Resource::Contract if op.id == "list_receivables" => {
                            let seen =
                                collect_key(&app, &token, &op.path, "limit=7", "plan_id").await;
                            for (id, owner) in &plans_of {
                                assert_eq!(
                                    seen.contains(id),
                                    org.reaches(me, scope, org.person(owner)),
                                    "{caller} receivables: {owner}'s"
                                );
                            }
                        }
                        Resource::Contract => {
                            let seen = collect(&app, &token, &op.path, "limit=7").await;
                            for (id, owner) in &contracts_of {
                                assert_eq!(
                                    seen.contains(id),
                                    org.reaches(me, scope, org.person(owner)),
                                    "{caller} contracts: {owner}'s"
                                );
                            }
                        }
                        Resource::Approval => {
                            // Not the org chart: the caller's own tasks and submissions.
                            let pending = collect(&app, &token, &op.path, "limit=3").await;
                            let submitted =
                                collect(&app, &token, &op.path, "limit=3&view=submitted").await;
                            for (id, (submitter, approvers)) in &approvals_of {
                                assert_eq!(
                                    pending.contains(id),
                                    approvers.contains(&me.id),
                                    "{caller} approvals waiting: {id}"
                                );
                                assert_eq!(
                                    submitted.contains(id),
                                    *submitter == me.id,
                                    "{caller} approvals submitted: {id}"
                                );
                            }
                        }
                        Resource::Visit if op.id == "visit_stats" => {
                            // Only reps inside the scope have a row; everyone's visit counts.
                            let r = app
                                .get(
                                    &token,
                                    &format!("{}?from={}&days=2", op.path, today_local()),
                                )
                                .await
                                .expect(200);
                            let seen: BTreeSet<String> = r.body["rows"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|x| x["owner_id"].as_str().unwrap().to_owned())
                                .collect();
                            for owner in visits_of.values() {
                                let p = org.person(owner);
                                assert_eq!(
                                    seen.contains(&p.id.to_string()),
                                    org.reaches(me, scope, p),
                                    "{caller} visit stats: {owner}'s row"
                                );
                            }
                        }
                        Resource::Visit => {
                            // Everything, a day of it, one owner's and one customer's.
                            let today = today_local();
                            for query in [
                                "limit=3".to_owned(),
                                format!("limit=3&day={today}"),
                                format!("limit=3&owner_id={}", org.person("rep_south1").id),
                                format!("limit=3&owner_id={}", org.person("rep_east2").id),
                            ] {
                                let seen = collect(&app, &token, &op.path, &query).await;
                                for (id, owner) in &visits_of {
                                    let filter_ok = !query.contains("owner_id=")
                                        || query.contains(&org.person(owner).id.to_string());
                                    assert_eq!(
                                        seen.contains(id),
                                        org.reaches(me, scope, org.person(owner)) && filter_ok,
                                        "{caller} visits ?{query}: {owner}'s"
                                    );
                                }
                            }
                        }
                        Resource::FollowUp => {
                            // Everything, the open ones, one owner's.
                            for query in [
                                "limit=3".to_owned(),
                                "limit=3&status=open".to_owned(),
                                format!("limit=3&owner_id={}", org.person("rep_south1").id),
                            ] {
                                let seen = collect(&app, &token, &op.path, &query).await;
                                for (id, owner) in &tasks_of {
                                    let filter_ok = !query.contains("owner_id=")
                                        || query.contains(&org.person(owner).id.to_string());
                                    assert_eq!(
                                        seen.contains(id),
                                        org.reaches(me, scope, org.person(owner)) && filter_ok,
                                        "{caller} tasks ?{query}: {owner}'s"
                                    );
                                }
                            }
                        }
                        // The org chart's names are open to every signed-in user.
                        _ => assert_eq!(scope, Scope::All),
                    }
                }
                Kind::CreateOrg(resource) => {
                    let body = match resource {
                        Resource::Product if op.id == "create_price_list" => {
                            json!({"name": format!("价格表-{caller}"), "valid_from": "2026-01-01"})
                        }
                        Resource::Product => json!({"code": format!("NEW-{caller}"),
                            "name": "新产品", "list_price": 100}),
                        Resource::Region => json!({"name": format!("新区域-{caller}")}),
                        Resource::Team => json!({"name": format!("新组-{caller}"),
                            "region_id": org.region_by_name["华东"]}),
                        Resource::OptionList => json!({"key": format!("m_{caller}"),
                            "name_zh": "矩阵", "name_en": "Matrix"}),
                        Resource::Pool => json!({"name": format!("新公海-{caller}")}),
                        Resource::Lead => json!({"name": format!("新规则-{caller}"),
                            "position": 1, "queue": "unassigned"}),
                        Resource::Approval => json!({"subject": "contract",
                            "name": format!("流程-{caller}"), "priority": 9000, "active": false,
                            "steps": [{"approvers": {"kind": "supervisor"}, "mode": "any_one"}],
                            "remind_after_hours": 24, "escalate_after_hours": 48}),
                        Resource::User if op.id == "create_webhook" => {
                            let (client, _) = app
                                .register_client(
                                    &app.login("admin").await,
                                    json!({"name": format!("推送-{caller}"),
                                           "scopes": ["customers:read"]}),
                                )
                                .await;
                            json!({"api_client_id": client, "url": "https://erp.example.com/h",
                                   "events": ["customer.created"]})
                        }
                        Resource::User if op.id == "create_api_client" => json!({
                            "name": format!("应用-{caller}"), "scopes": ["customers:read"]}),
                        Resource::Field => json!({"resource": "customer",
                            "key": format!("m_{caller}"), "label_zh": "矩阵",
                            "label_en": "Matrix", "kind": "text"}),
                        _ => json!({"username": format!("new_{caller}"), "display_name": "新人",
                            "password": PASSWORD, "role": "sales_rep",
                            "team_id": org.team_by_name["华东一组"]}),
                    };
                    let r = app
                        .request(op.method.clone(), &op.path, Some(&token), Some(&body), &[])
                        .await;
                    let expected = match scope_for(role, resource, Action::Manage) {
                        Some(_) => op.success,
                        None => 403,
                    };
                    assert_eq!(r.status, expected, "{} as {caller}: {}", op.id, r.body);
                }
                Kind::CreateOwned(resource) => {
                    for owner in [caller, "rep_east1", "rep_east2", "rep_east3", "rep_south1"] {
                        let subject = org.person(owner);
                        let body = json!({"name": format!("归属-{caller}-{owner}"),
                            "owner_id": subject.id, "force": true});
                        let r = app
                            .request(op.method.clone(), &op.path, Some(&token), Some(&body), &[])
                            .await;
                        let create = scope_for(role, resource, Action::Create);
                        let choose = scope_for(role, resource, Action::Transfer);
                        let expected = match create {
                            None => 403,
                            // Customer service owns nothing, not even when it names itself.
                            Some(_) if owner == caller && !role.can_own_customers() => 422,
                            Some(_) if owner == caller => op.success,
                            // The field rule: only those who may transfer choose an owner.
                            Some(_) if choose.is_none() => 403,
                            Some(s) if org.reaches(me, s, subject) => op.success,
                            // An owner outside the scope is an unknown reference.
                            Some(_) => 422,
                        };
                        let ctx = format!("create as {caller} for {owner}");
                        assert_eq!(r.status, expected, "{ctx}: {}", r.body);
                        if expected == 403 && choose.is_none() && create.is_some() {
                            assert_eq!(r.code(), "field_forbidden", "{ctx}");
                        }
                    }
                }
                Kind::Setting(resource, action) => {
                    let path = op.path.replace("{resource}", "customer");
                    // The setting as the admin reads it (and reads it again after a refusal).
                    let read_back = if op.path.starts_with("/api/v1/opportunity-stages") {
                        "/api/v1/opportunity-stages"
                    } else if op.path.starts_with("/api/v1/visit-settings") {
                        "/api/v1/visit-settings"
                    } else if op.path.starts_with("/api/v1/company") {
                        "/api/v1/company"
                    } else {
                        "/api/v1/layouts/customer"
                    };
                    let layout = app.get(&admin, read_back).await.expect(200).body;
                    let body = match op.id.as_str() {
                        "save_layout" => Some(json!({"sections": layout["sections"],
                            "list_columns": layout["list_columns"]})),
                        "set_columns" => Some(json!({"columns": ["name", "owner"]})),
                        "save_opportunity_stages" => Some(json!({"stages": layout["stages"]})),
                        "save_visit_settings" => Some(json!({"radius_m": 600})),
                        "save_company" => Some(json!({"name": format!("矩阵公司-{caller}")})),
                        _ => None,
                    };
                    let etag = format!("\"{}\"", layout["version"]);
                    let r = app
                        .request(
                            op.method.clone(),
                            &path,
                            Some(&token),
                            body.as_ref(),
                            &[("If-Match", &etag)],
                        )
                        .await;
                    let expected = match scope_for(role, resource, action) {
                        Some(_) => op.success,
                        None => 403,
                    };
                    assert_eq!(r.status, expected, "{} as {caller}: {}", op.id, r.body);
                    if expected == 403 {
                        let now = app.get(&admin, read_back).await.body;
                        assert_eq!(now, layout, "{} as {caller} changed the setting", op.id);
                    }
                }
                _ => {}
            }
        }
    }

    // The owner field rule holds for edits too: a rep cannot hand a customer on by PATCH.
    let rep = app.login("rep_east1").await;
    let c = app
        .create_customer(&rep, json!({"name": "字段规则客户"}))
        .await;
    let id = c["id"].as_str().unwrap();
    let r = app
        .patch(
            &rep,
            &format!("/api/v1/customers/{id}"),
            "\"1\"",
            json!({"owner_id": org.person("rep_east2").id}),
        )
        .await
        .expect(403);
    assert_eq!(r.code(), "field_forbidden");
    let after = app
        .get(&admin, &format!("/api/v1/customers/{id}"))
        .await
        .expect(200);
    assert_eq!(
        after.body["owner_id"],
        org.person("rep_east1").id.to_string()
    );
    assert_eq!(after.body["version"], 1);
}

/// A notification for `user`, as a module would send it; its id.
async fn notify(app: &TestApp, user: Uuid) -> Uuid {
    use kaidan_api::entities::notification;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let notice = kaidan_api::services::notification::Notice {
        user_id: user,
        kind: kaidan_shared::notification::NotificationKind::PoolWarning,
        resource: None,
        record_id: None,
        data: json!({"name": "矩阵"}),
    };
    kaidan_api::services::notification::send(&app.db, notice)
        .await
        .unwrap();
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .order_by_desc(notification::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// Today in the company's time zone.
fn today_local() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

/// Pages through a list and returns every id seen.
async fn collect(app: &TestApp, token: &str, path: &str, query: &str) -> BTreeSet<String> {
    collect_key(app, token, path, query, "id").await
}

/// Every row's `key` through all pages of a list.
async fn collect_key(
    app: &TestApp,
    token: &str,
    path: &str,
    query: &str,
    key: &str,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut url = format!("{path}?{query}");
    for _ in 0..200 {
        let page = app.get(token, &url).await.expect(200);
        for item in page.body["items"].as_array().unwrap() {
            seen.insert(item[key].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(c) => url = format!("{path}?{query}&cursor={c}"),
            None => return seen,
        }
    }
    panic!("{path}?{query} did not end");
}
