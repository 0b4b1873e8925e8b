//! The permission table: role × resource × action → the widest data scope allowed.
//!
//! This is the single source of truth for who may do what. The server turns the scope into a
//! query condition (see `kaidan_api::auth::policy`); the SPA uses the same table to hide what the
//! server would refuse. Changing a cell here changes both, and the authorization tests derive
//! their expectations from this table rather than from a hand-written copy.

use serde::{Deserialize, Serialize};

/// A user's role in the sales organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    RegionalManager,
    Supervisor,
    SalesRep,
    CustomerService,
    /// The service identity of an API client (开放平台): placed in a team, a region or the whole
    /// company, it reaches that place's records, and its token's scopes say what for. Nobody
    /// signs in as one, and it is never chosen for a person (not in [`Role::ALL`]).
    Integration,
}

impl Role {
    /// The roles people hold (what admins choose from); the service identity of API clients
    /// is [`Role::Integration`].
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::RegionalManager,
        Role::Supervisor,
        Role::SalesRep,
        Role::CustomerService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::RegionalManager => "regional_manager",
            Role::Supervisor => "supervisor",
            Role::SalesRep => "sales_rep",
            Role::CustomerService => "customer_service",
            Role::Integration => "integration",
        }
    }

    /// Any stored role, the service identity's included.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .chain([Role::Integration])
            .find(|r| r.as_str() == s)
    }

    /// Whether a user of this role may own customers (be the responsible salesperson).
    /// Customer service answers customers but never owns them.
    pub fn can_own_customers(self) -> bool {
        !matches!(self, Role::CustomerService | Role::Integration)
    }

    /// Whether users of this role belong to a team (managers own a region; admins stand above).
    pub fn needs_team(self) -> bool {
        matches!(
            self,
            Role::Supervisor | Role::SalesRep | Role::CustomerService
        )
    }

    /// Whether users of this role are attached directly to a region.
    pub fn needs_region(self) -> bool {
        matches!(self, Role::RegionalManager)
    }
}

/// What a permission is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Customer,
    Contact,
    User,
    Team,
    Region,
    Audit,
    /// Custom field definitions (自定义字段).
    Field,
    /// Option lists (数据字典).
    OptionList,
    /// A user's own in-app notifications.
    Notification,
    /// Public pools (公海) of customers without an owner, and their rules.
    Pool,
    /// Opportunities (商机) and their pipeline's stages.
    Opportunity,
    /// Leads (线索) and the rules that assign them.
    Lead,
    /// Visits (拜访): planned, checked in, recorded; their settings (radius, map tiles).
    Visit,
    /// Follow-up tasks (跟进任务): what a rep owes a customer by when.
    FollowUp,
    /// The product catalogue (产品) and its price lists.
    Product,
    /// Quotes (报价) for deals, placed by their owner like the deal.
    Quote,
    /// Contracts (合同), placed by their owner like quotes.
    Contract,
    /// Approvals (审批): seen by those who take part (`Own` is "submitter or approver"), by
    /// admins all; admins keep the flow templates (`Manage`).
    Approval,
}

impl Resource {
    pub const ALL: [Resource; 18] = [
        Resource::Customer,
        Resource::Contact,
        Resource::User,
        Resource::Team,
        Resource::Region,
        Resource::Audit,
        Resource::Field,
        Resource::OptionList,
        Resource::Notification,
        Resource::Pool,
        Resource::Opportunity,
        Resource::Lead,
        Resource::Visit,
        Resource::FollowUp,
        Resource::Product,
        Resource::Quote,
        Resource::Contract,
        Resource::Approval,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Customer => "customer",
            Resource::Contact => "contact",
            Resource::User => "user",
            Resource::Team => "team",
            Resource::Region => "region",
            Resource::Audit => "audit",
            Resource::Field => "field",
            Resource::OptionList => "option_list",
            Resource::Notification => "notification",
            Resource::Pool => "pool",
            Resource::Opportunity => "opportunity",
            Resource::Lead => "lead",
            Resource::Visit => "visit",
            Resource::FollowUp => "follow_up",
            Resource::Product => "product",
            Resource::Quote => "quote",
            Resource::Contract => "contract",
            Resource::Approval => "approval",
        }
    }

    pub fn parse(s: &str) -> Option<Resource> {
        Resource::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What a caller wants to do with a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Get one, list, search, view history.
    Read,
    /// Create a record (its owner must fall inside the scope).
    Create,
    /// Edit fields other than the owner.
    Update,
    /// Archive and restore.
    Archive,
    /// Change the owner (customers) — a field rule kept apart from `Update`.
    Transfer,
    /// Administrative changes to org records: create, rename, deactivate, change role, reset password.
    Manage,
    /// Take an ownerless customer from a public pool.
    Claim,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Archive,
        Action::Transfer,
        Action::Manage,
        Action::Claim,
    ];
}

/// Which records a permission reaches, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Records the user owns.
    Own,
    /// Records the user owns plus those owned by members of teams the user leads.
    OwnAndSubordinates,
    /// Records owned by anyone in the user's team.
    Team,
    /// Records owned by anyone in the user's region.
    Region,
    /// Every record.
    All,
}

/// The permission table. `None` means the action is not allowed at all (403);
/// `Some(scope)` means allowed on records inside `scope` (outside it: 404).
pub fn scope_for(role: Role, resource: Resource, action: Action) -> Option<Scope> {
    use Action::*;
    use Resource::*;
    use Role::*;
    use Scope as S;
    // A client's identity has its own table; the arms below name `Integration` beside
    // `CustomerService` only to be exhaustive and are never reached for it.
    if role == Integration {
        return integration_scope(resource, action);
    }
    match (resource, action) {
        (Customer | Contact | Opportunity | Quote | Contract, Read) => Some(match role {
            Admin => S::All,
            RegionalManager => S::Region,
            Supervisor => S::Team,
            SalesRep => S::Own,
            // 客服 answers calls for the whole region, so it reads every customer there.
            CustomerService | Integration => S::Region,
        }),
        (Customer | Contact | Opportunity | Quote | Contract, Create | Update | Archive) => {
            match role {
                Admin => Some(S::All),
                RegionalManager => Some(S::Region),
                Supervisor => Some(S::Team),
                SalesRep => Some(S::Own),
                CustomerService | Integration => None,
            }
        }
        // Only supervisors and above may hand a customer to someone else.
        (Customer | Opportunity, Transfer) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep | CustomerService | Integration => None,
        },
        (User, Read) => Some(match role {
            Admin => S::All,
            RegionalManager => S::Region,
            Supervisor => S::Team,
            SalesRep | CustomerService | Integration => S::Own,
        }),
        // Every signed-in user may read the org chart's names (regions and teams).
        (Team | Region, Read) => Some(S::All),
        // Every signed-in user reads the definitions their forms and lists are drawn from.
        (Field | OptionList, Read) => Some(S::All),
        (User | Team | Region | Field | OptionList, Manage) => match role {
            Admin => Some(S::All),
            _ => None,
        },
        // A pool is its region's (a company-wide pool is every region's): its reps see it and
        // claim from it; customer service, which owns nothing, only sees it.
        (Pool, Read) => Some(match role {
            Admin => S::All,
            _ => S::Region,
        }),
        (Pool, Claim) => match role {
            Admin => Some(S::All),
            CustomerService | Integration => None,
            _ => Some(S::Region),
        },
        // Reopening a won or lost deal is a supervisor's decision.
        (Opportunity, Manage) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep | CustomerService | Integration => None,
        },
        // A lead is read and worked like a customer; 客服 takes them from calls (the rules
        // assign them) and reads the region's, but works none.
        (Lead, Read | Create) => Some(match role {
            Admin => S::All,
            RegionalManager => S::Region,
            Supervisor => S::Team,
            SalesRep => S::Own,
            CustomerService | Integration => S::Region,
        }),
        (Lead, Update) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep => Some(S::Own),
            CustomerService | Integration => None,
        },
        // Handing a lead to a rep (from a queue or from another rep).
        (Lead, Transfer) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep | CustomerService | Integration => None,
        },
        // The assignment rules: admins for the company, regional managers for their region.
        (Lead, Manage) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            _ => None,
        },
        // A visit is its owner's, read like their customers: 客服 reads the region's visits
        // (what the rep saw is what a caller asks about) and makes none.
        (Visit, Read) => Some(match role {
            Admin => S::All,
            RegionalManager => S::Region,
            Supervisor => S::Team,
            SalesRep => S::Own,
            CustomerService | Integration => S::Region,
        }),
        (Visit, Create | Update | Archive) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep => Some(S::Own),
            CustomerService | Integration => None,
        },
        // Planning a visit for someone else.
        (Visit, Transfer) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep | CustomerService | Integration => None,
        },
        // The check-in radius and the map's tiles.
        (Visit, Manage) => match role {
            Admin => Some(S::All),
            _ => None,
        },
        // A follow-up task is its owner's, like their visits: 客服 reads the region's (a caller
        // asks when they will hear back) and makes none.
        (FollowUp, Read) => Some(match role {
            Admin => S::All,
            RegionalManager => S::Region,
            Supervisor => S::Team,
            SalesRep => S::Own,
            CustomerService | Integration => S::Region,
        }),
        (FollowUp, Create | Update) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep => Some(S::Own),
            CustomerService | Integration => None,
        },
        // Giving a task to someone else.
        (FollowUp, Transfer) => match role {
            Admin => Some(S::All),
            RegionalManager => Some(S::Region),
            Supervisor => Some(S::Team),
            SalesRep | CustomerService | Integration => None,
        },
        // Everyone quotes from the catalogue; admins keep it (and whoever holds the
        // product-manager grant: `scope_with`).
        (Product, Read) => Some(S::All),
        (Product, Manage) => match role {
            Admin => Some(S::All),
            _ => None,
        },
        // Everyone sees the approvals they take part in; admins every one, and they keep the
        // flows.
        (Approval, Read) => Some(match role {
            Admin => S::All,
            _ => S::Own,
        }),
        (Approval, Manage) => match role {
            Admin => Some(S::All),
            _ => None,
        },
        (Pool, Manage) => match role {
            Admin => Some(S::All),
            _ => None,
        },
        // Everyone reads and marks their own notifications; nobody reads another's.
        (Notification, Read | Update) => Some(S::Own),
        (Audit, Read) => match role {
            Admin => Some(S::All),
            _ => None,
        },
        _ => None,
    }
}

/// What an API client's service identity may do: `All` here, narrowed to the client's team or
/// region where it is placed (`auth::policy` in the api crate), and to its token's scopes (the
/// `api_client::required` table) before any of this is asked. Never more than reading and
/// working the records that flow between systems: no org, settings or pool management, no
/// approvals to decide.
fn integration_scope(resource: Resource, action: Action) -> Option<Scope> {
    use Action::*;
    use Resource::*;
    match (resource, action) {
        (
            Customer | Contact | Opportunity | Lead | Visit | FollowUp | Quote | Contract | Product
            | User | Team | Region | Field | OptionList,
            Read,
        ) => Some(Scope::All),
        (Customer | Contact | Opportunity | Lead | FollowUp, Create | Update | Archive) => {
            Some(Scope::All)
        }
        (Customer | Opportunity | Lead | FollowUp, Transfer) => Some(Scope::All),
        // Reporting payments against a contract (`payments:write`).
        (Contract, Update) => Some(Scope::All),
        (Approval | Notification, Read) => Some(Scope::Own),
        _ => None,
    }
}

/// A permission given to a person beside their role: a rep who keeps the catalogue need not be
/// an admin. Grants only ever widen what the role allows, and each reaches one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    /// Maintains products and price lists (产品管理).
    ProductManager,
}

impl Grant {
    pub const ALL: [Grant; 1] = [Grant::ProductManager];

    pub fn as_str(self) -> &'static str {
        match self {
            Grant::ProductManager => "product_manager",
        }
    }

    pub fn parse(s: &str) -> Option<Grant> {
        Grant::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// What the grant adds to the permission table.
    pub fn scope(self, resource: Resource, action: Action) -> Option<Scope> {
        match (self, resource, action) {
            (Grant::ProductManager, Resource::Product, Action::Manage) => Some(Scope::All),
            _ => None,
        }
    }
}

/// The widest of what the role allows and what the grants add.
pub fn scope_with(
    role: Role,
    grants: &[Grant],
    resource: Resource,
    action: Action,
) -> Option<Scope> {
    grants
        .iter()
        .filter_map(|g| g.scope(resource, action))
        .chain(scope_for(role, resource, action))
        .max()
}

/// Whether the role may do the action at all, in any scope.
pub fn allows(role: Role, resource: Resource, action: Action) -> bool {
    scope_for(role, resource, action).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reps_see_only_their_own_customers() {
        assert_eq!(
            scope_for(Role::SalesRep, Resource::Customer, Action::Read),
            Some(Scope::Own)
        );
        assert_eq!(
            scope_for(Role::SalesRep, Resource::Customer, Action::Transfer),
            None
        );
    }

    #[test]
    fn supervisors_reach_their_team_and_managers_their_region() {
        for action in [Action::Read, Action::Update, Action::Transfer] {
            assert_eq!(
                scope_for(Role::Supervisor, Resource::Customer, action),
                Some(Scope::Team)
            );
            assert_eq!(
                scope_for(Role::RegionalManager, Resource::Customer, action),
                Some(Scope::Region)
            );
        }
    }

    #[test]
    fn customer_service_reads_the_region_but_changes_nothing() {
        assert_eq!(
            scope_for(Role::CustomerService, Resource::Customer, Action::Read),
            Some(Scope::Region)
        );
        assert_eq!(
            scope_for(Role::CustomerService, Resource::Contact, Action::Read),
            Some(Scope::Region)
        );
        for action in [
            Action::Create,
            Action::Update,
            Action::Archive,
            Action::Transfer,
        ] {
            assert!(!allows(Role::CustomerService, Resource::Customer, action));
        }
    }

    #[test]
    fn only_admins_manage_the_org_and_read_the_audit_log() {
        for role in Role::ALL {
            for resource in [
                Resource::User,
                Resource::Team,
                Resource::Region,
                Resource::Field,
                Resource::OptionList,
            ] {
                assert_eq!(allows(role, resource, Action::Manage), role == Role::Admin);
            }
            assert_eq!(
                allows(role, Resource::Audit, Action::Read),
                role == Role::Admin
            );
        }
    }

    #[test]
    fn admin_has_all_scope_for_everything_it_may_do() {
        // Notifications are personal: an admin reads only their own, like everyone.
        for resource in Resource::ALL
            .into_iter()
            .filter(|r| *r != Resource::Notification)
        {
            for action in Action::ALL {
                if let Some(scope) = scope_for(Role::Admin, resource, action) {
                    assert_eq!(scope, Scope::All, "{resource:?} {action:?}");
                }
            }
        }
    }

    #[test]
    fn no_role_exceeds_admin() {
        for role in Role::ALL {
            for resource in Resource::ALL {
                for action in Action::ALL {
                    if allows(role, resource, action) {
                        assert!(allows(Role::Admin, resource, action));
                    }
                }
            }
        }
    }

    #[test]
    fn notifications_are_everyones_own_and_nobody_elses() {
        for role in Role::ALL {
            for action in [Action::Read, Action::Update] {
                assert_eq!(
                    scope_for(role, Resource::Notification, action),
                    Some(Scope::Own)
                );
            }
        }
    }

    #[test]
    fn the_product_manager_grant_adds_the_catalogue_and_nothing_else() {
        let g = [Grant::ProductManager];
        for role in Role::ALL {
            assert_eq!(
                scope_with(role, &g, Resource::Product, Action::Manage),
                Some(Scope::All)
            );
            assert_eq!(
                scope_with(role, &[], Resource::Product, Action::Manage).is_some(),
                role == Role::Admin
            );
            for resource in Resource::ALL {
                for action in Action::ALL {
                    if (resource, action) != (Resource::Product, Action::Manage) {
                        assert_eq!(
                            scope_with(role, &g, resource, action),
                            scope_for(role, resource, action)
                        );
                    }
                }
            }
        }
        for g in Grant::ALL {
            assert_eq!(Grant::parse(g.as_str()), Some(g));
        }
    }

    #[test]
    fn scopes_are_ordered_narrow_to_wide() {
        assert!(Scope::Own < Scope::OwnAndSubordinates);
        assert!(Scope::OwnAndSubordinates < Scope::Team);
        assert!(Scope::Team < Scope::Region);
        assert!(Scope::Region < Scope::All);
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
