//! The one data-scope policy. Every list, get, update, delete, search, transfer and report asks
//! this module for a query condition; nothing filters by owner anywhere else.
//!
//! A record's position is decided by its owner: a customer is inside the caller's scope exactly
//! when its owner is one of `users_in_scope`. Records outside answer 404, not 403 (no existence
//! leak); actions the role may not do at all answer 403.

use kaidan_shared::{policy, Action, Resource, Role, Scope};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition};

use crate::auth::Actor;
use crate::entities::{team, user};
use crate::error::{AppError, AppResult};

/// The scope the actor has for `action` on `resource`, or 403 when the role may not do it at all.
pub fn require(actor: &Actor, resource: Resource, action: Action) -> AppResult<Scope> {
    scope_of(actor, resource, action).ok_or_else(AppError::forbidden)
}

/// The scope the actor has for `action` on `resource` (`None`: not at all): the permission
/// table's, and for an API client's service identity no wider than its place in the org — its
/// team, else its region, else the company. Everything that asks for a scope asks here.
pub fn scope_of(actor: &Actor, resource: Resource, action: Action) -> Option<Scope> {
    let scope = policy::scope_with(actor.role, &actor.grants, resource, action)?;
    if actor.role != Role::Integration {
        return Some(scope);
    }
    let place = if actor.team_id.is_some() {
        Scope::Team
    } else if actor.region_id.is_some() {
        Scope::Region
    } else {
        Scope::All
    };
    Some(scope.min(place))
}

/// The users (rows of `users`) inside `scope` as seen by `actor`.
pub fn users_in_scope(actor: &Actor, scope: Scope) -> Condition {
    let me = user::Column::Id.eq(actor.user_id);
    match scope {
        Scope::All => Condition::all(),
        Scope::Own => Condition::all().add(me),
        Scope::OwnAndSubordinates => Condition::any().add(me).add(
            user::Column::TeamId.in_subquery(
                Query::select()
                    .column(team::Column::Id)
                    .from(team::Entity)
                    .and_where(team::Column::SupervisorId.eq(actor.user_id))
                    .to_owned(),
            ),
        ),
        // A supervisor without a team, or a manager without a region, sees only their own.
        Scope::Team => match actor.team_id {
            Some(t) => Condition::all().add(user::Column::TeamId.eq(t)),
            None => Condition::all().add(me),
        },
        Scope::Region => match actor.region_id {
            Some(r) => Condition::all().add(user::Column::RegionId.eq(r)),
            None => Condition::all().add(me),
        },
    }
}

/// Records whose owner column `owner` holds a user inside `scope`. Ownerless records (the public
/// pool) are reached only by `All`.
pub fn owned_in_scope<C: ColumnTrait>(actor: &Actor, scope: Scope, owner: C) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Own => Condition::all().add(owner.eq(actor.user_id)),
        _ => Condition::all().add(
            Expr::col((owner.entity_name(), owner)).in_subquery(
                Query::select()
                    .column(user::Column::Id)
                    .from(user::Entity)
                    .cond_where(users_in_scope(actor, scope))
                    .to_owned(),
            ),
        ),
    }
}

/// The same records as [`owned_in_scope`], with the owner checked per row (`EXISTS`) instead of
/// driving the query. For a walk along another index in that index's order that stops after a
/// few rows (a board column's newest cards): given `owner IN (a team)`, SQLite gathers every row
/// of every owner and sorts them (270 ms a column for a team's 50,000 deals at 1,000,000), while
/// probed it walks the column's own index and stops at the twentieth (3 ms); a supervisor's
/// customer list, 2 s gathered against 60 ms probed. It costs more than gathering only when a
/// small scope's rows all lie far down the walked index (a tiny team idle for months), so lists
/// of teams and regions use it, and the board decides per column from its totals.
pub fn owned_in_scope_probed<C: ColumnTrait>(actor: &Actor, scope: Scope, owner: C) -> Condition {
    match scope {
        Scope::All | Scope::Own => owned_in_scope(actor, scope, owner),
        _ => Condition::all().add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(user::Entity)
                .and_where(
                    Expr::col((user::Entity, user::Column::Id))
                        .equals((owner.entity_name(), owner)),
                )
                .cond_where(users_in_scope(actor, scope))
                .to_owned(),
        )),
    }
}

/// Looks up one record for `action` with `find(scope)`:
/// - inside the action's scope → the record;
/// - visible to the caller but the role may not do `action` at all → 403;
/// - anything else → 404, so nobody learns that a record outside their scope exists.
pub async fn find_for<T, F, Fut>(
    actor: &Actor,
    resource: Resource,
    action: Action,
    find: F,
) -> AppResult<T>
where
    F: Fn(Scope) -> Fut,
    Fut: std::future::Future<Output = AppResult<Option<T>>>,
{
    match scope_of(actor, resource, action) {
        Some(scope) => find(scope).await?.ok_or_else(AppError::not_found),
        None => match scope_of(actor, resource, Action::Read) {
            Some(read) if find(read).await?.is_some() => Err(AppError::forbidden()),
            _ => Err(AppError::not_found()),
        },
    }
}

/// A table whose rows have a place in the org, and so a scope: through their owner (customers),
/// through a parent record (contacts, through their customer), or by being a user. Every module's
/// table implements this here, next to the rules, and `services::record::find` looks any of them
/// up for an action with one call.
pub trait Scoped: sea_orm::EntityTrait {
    /// The permission row that governs the table.
    const RESOURCE: Resource;
    /// The rows inside `scope` as seen by `actor`.
    fn in_scope(actor: &Actor, scope: Scope) -> Condition;
}

impl Scoped for crate::entities::customer::Entity {
    const RESOURCE: Resource = Resource::Customer;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        owned_in_scope(actor, scope, crate::entities::customer::Column::OwnerId)
    }
}

/// A contact is inside the scope exactly when its customer is.
impl Scoped for crate::entities::contact::Entity {
    const RESOURCE: Resource = Resource::Contact;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        use crate::entities::{contact, customer};
        match scope {
            Scope::All => Condition::all(),
            _ => Condition::all().add(
                contact::Column::CustomerId.in_subquery(
                    Query::select()
                        .column(customer::Column::Id)
                        .from(customer::Entity)
                        .cond_where(customer::Entity::in_scope(actor, scope))
                        .to_owned(),
                ),
            ),
        }
    }
}

/// People only: an API client's service identity is managed as a client (`api_clients`), never
/// read, listed or changed as a user.
impl Scoped for user::Entity {
    const RESOURCE: Resource = Resource::User;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        Condition::all()
            .add(users_in_scope(actor, scope))
            .add(user::Column::Role.ne(Role::Integration.as_str()))
    }
}

/// A notification is its reader's alone (`Own` for every role).
impl Scoped for crate::entities::notification::Entity {
    const RESOURCE: Resource = Resource::Notification;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        owned_in_scope(actor, scope, crate::entities::notification::Column::UserId)
    }
}

/// A pool belongs to its region; a company-wide pool (no region) to every region.
impl Scoped for crate::entities::pool::Entity {
    const RESOURCE: Resource = Resource::Pool;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        use crate::entities::pool;
        match scope {
            Scope::All => Condition::all(),
            _ => {
                let mut any = Condition::any().add(pool::Column::RegionId.is_null());
                if let Some(r) = actor.region_id {
                    any = any.add(pool::Column::RegionId.eq(r));
                }
                any
            }
        }
    }
}

/// A deal is placed by its owner, like a customer.
impl Scoped for crate::entities::opportunity::Entity {
    const RESOURCE: Resource = Resource::Opportunity;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        owned_in_scope(actor, scope, crate::entities::opportunity::Column::OwnerId)
    }
}

/// A visit is placed by its owner, like the customer it is at.
impl Scoped for crate::entities::visit::Entity {
    const RESOURCE: Resource = Resource::Visit;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        owned_in_scope(actor, scope, crate::entities::visit::Column::OwnerId)
    }
}

/// A follow-up task is placed by its owner, like the visits and deals it follows.
impl Scoped for crate::entities::follow_up::Entity {
    const RESOURCE: Resource = Resource::FollowUp;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        owned_in_scope(actor, scope, crate::entities::follow_up::Column::OwnerId)
    }
}

/// An owned lead is placed by its owner, like a customer. A lead nobody owns yet (waiting in a
/// queue) belongs to the team and region of the rule that queued it: a supervisor reaches their
/// team's and their region's unteamed ones, a regional manager their region's, admins every one
/// (a lead no rule placed has neither, so it is the admins' to hand out).
impl Scoped for crate::entities::lead::Entity {
    const RESOURCE: Resource = Resource::Lead;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        use crate::entities::lead;
        let owned = owned_in_scope(actor, scope, lead::Column::OwnerId);
        let waiting = match scope {
            Scope::All | Scope::Own | Scope::OwnAndSubordinates => None,
            Scope::Team => actor.team_id.map(|t| {
                let mut c = Condition::any().add(lead::Column::TeamId.eq(t));
                if let Some(r) = actor.region_id {
                    c = c.add(
                        Condition::all()
                            .add(lead::Column::TeamId.is_null())
                            .add(lead::Column::RegionId.eq(r)),
                    );
                }
                c
            }),
            Scope::Region => actor
                .region_id
                .map(|r| Condition::all().add(lead::Column::RegionId.eq(r))),
        };
        match waiting {
            Some(w) => Condition::any()
                .add(owned)
                .add(Condition::all().add(lead::Column::OwnerId.is_null()).add(w)),
            None => owned,
        }
    }
}

/// A lead assignment rule belongs to the region it was made for (a company-wide rule to the
/// admins) and, for reading, to the team it feeds: its managers manage it, and the team's
/// supervisor is told it exists (403) rather than that it does not (404).
impl Scoped for crate::entities::lead_rule::Entity {
    const RESOURCE: Resource = Resource::Lead;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        use crate::entities::lead_rule;
        let none = || Condition::all().add(lead_rule::Column::Id.is_null());
        match scope {
            Scope::All => Condition::all(),
            Scope::Region => match actor.region_id {
                Some(r) => Condition::all().add(lead_rule::Column::RegionId.eq(r)),
                None => none(),
            },
            Scope::Team => match actor.team_id {
                Some(t) => Condition::all().add(lead_rule::Column::TeamId.eq(t)),
                None => none(),
            },
            Scope::Own | Scope::OwnAndSubordinates => none(),
        }
    }
}

/// The catalogue has no place in the org: whoever may do the action reaches every product.
impl Scoped for crate::entities::product::Entity {
    const RESOURCE: Resource = Resource::Product;
    fn in_scope(_: &Actor, _: Scope) -> Condition {
        Condition::all()
    }
}

/// Price lists are the catalogue's, like its products.
impl Scoped for crate::entities::price_list::Entity {
    const RESOURCE: Resource = Resource::Product;
    fn in_scope(_: &Actor, _: Scope) -> Condition {
        Condition::all()
    }
}

/// A quote is placed by its owner, like the deal it is for.
impl Scoped for crate::entities::quote::Entity {
    const RESOURCE: Resource = Resource::Quote;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        owned_in_scope(actor, scope, crate::entities::quote::Column::OwnerId)
    }
}

/// A contract is placed by its owner, like the quote and deal it comes from.
impl Scoped for crate::entities::contract::Entity {
    const RESOURCE: Resource = Resource::Contract;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        owned_in_scope(actor, scope, crate::entities::contract::Column::OwnerId)
    }
}

/// An approval is seen by those who take part: `Own` is "I submitted it or I have a task in
/// it" (admins reach all). Whoever reads the record reads its approvals through the record
/// (`GET /contracts/{id}/approvals`), not through this scope.
impl Scoped for crate::entities::approval::Entity {
    const RESOURCE: Resource = Resource::Approval;
    fn in_scope(actor: &Actor, scope: Scope) -> Condition {
        use crate::entities::{approval, approval_task};
        match scope {
            Scope::All => Condition::all(),
            _ => Condition::any()
                .add(approval::Column::SubmitterId.eq(actor.user_id))
                // Correlated on the approval (the `approval_step` index), not "every approval
                // of mine": a supervisor's tasks run to the tens of thousands, and SQLite read
                // them all to answer for one approval (10 ms a decision at 100,000 pending).
                .add(Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from(approval_task::Entity)
                        .and_where(
                            Expr::col((approval_task::Entity, approval_task::Column::ApprovalId))
                                .equals((approval::Entity, approval::Column::Id)),
                        )
                        .and_where(approval_task::Column::ApproverId.eq(actor.user_id))
                        .to_owned(),
                )),
        }
    }
}

/// Flow templates are the company's: admins manage every one.
impl Scoped for crate::entities::approval_template::Entity {
    const RESOURCE: Resource = Resource::Approval;
    fn in_scope(_: &Actor, _: Scope) -> Condition {
        Condition::all()
    }
}
