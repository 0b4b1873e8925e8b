//! The root: language, the signed-in user, routes and the shell around them.

use gloo_storage::{LocalStorage, Storage};
use kaidan_shared::auth::Me;
use kaidan_shared::{Action as Act, Resource, Role};
use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Route, Router, Routes, A};
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::{path, Lazy};

use crate::api;
use crate::i18n::{role_label, use_i18n, I18n, Lang, T};
use crate::pages::approval::{ApprovalDetailRoute, ApprovalsRoute};
use crate::pages::contract::{
    ContractDetailRoute, ContractFormRoute, ContractsRoute, ReceivablesRoute,
};
use crate::pages::customer::{list::CustomersPage, CustomerDetailRoute, CustomerFormRoute};
use crate::pages::lead::{LeadDetailRoute, LeadFormRoute, LeadRulesRoute, LeadsRoute};
use crate::pages::notification::NotificationsRoute;
use crate::pages::opportunity::{
    DealListRoute, OpportunitiesRoute, OpportunityDetailRoute, OpportunityFormRoute,
};
use crate::pages::pool::{PoolCustomerRoute, PoolRoute};
use crate::pages::product::{PriceListRoute, PriceListsRoute, ProductFormRoute, ProductsRoute};
use crate::pages::quote::{QuoteDetailRoute, QuoteEditorRoute};
use crate::pages::visit::{FollowUpsRoute, VisitDetailRoute, VisitFormRoute, VisitsRoute};
use crate::pages::{login::LoginPage, user::AdminRoute, MeRoute};

const LANG_KEY: &str = "kaidan.lang";

/// The signed-in user (None when signed out).
#[derive(Clone, Copy)]
pub struct Auth(pub RwSignal<Option<Me>>);

/// True while the router changes screens (a lazy screen's code may be downloading).
#[derive(Clone, Copy)]
pub struct Routing(pub ReadSignal<bool>);

/// True while the app, just loaded, signs in again through the refresh cookie.
#[derive(Clone, Copy)]
pub struct Restoring(pub RwSignal<bool>);

/// The bell's number: unread notifications (up to 100).
#[derive(Clone, Copy)]
pub struct Unread(pub RwSignal<u64>);

impl Unread {
    /// Asks the server again (after a notification was read, on a timer, on navigation).
    pub fn refresh(self) {
        leptos::task::spawn_local(async move {
            if let Ok(n) = api::notification::unread_count().await {
                self.0.set(n);
            }
        });
    }
}

pub fn use_unread() -> Unread {
    use_context::<Unread>().unwrap_or(Unread(RwSignal::new(0)))
}

pub fn use_auth() -> Auth {
    use_context::<Auth>().unwrap_or(Auth(RwSignal::new(None)))
}

impl Auth {
    pub fn role(&self) -> Option<Role> {
        self.0.with(|m| m.as_ref().map(|m| m.role))
    }
    /// Whether the role may do `action` on `resource` at all (the server decides per record).
    /// (The role's permissions and the person's grants, as the server counts them.)
    pub fn can(&self, resource: Resource, action: Act) -> bool {
        self.0.with(|m| {
            m.as_ref().is_some_and(|m| {
                kaidan_shared::policy::scope_with(m.role, &m.grants, resource, action).is_some()
            })
        })
    }
}

#[component]
pub fn App() -> impl IntoView {
    let stored_lang: Option<String> = LocalStorage::get(LANG_KEY).ok();
    let lang = RwSignal::new(stored_lang.map(|s| Lang::parse(&s)).unwrap_or(Lang::Zh));
    provide_context(I18n(lang));
    Effect::new(move |_| {
        let l = lang.get();
        let _ = LocalStorage::set(LANG_KEY, l.code());
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", l.code());
        }
    });
    let auth = Auth(RwSignal::new(api::session().map(|s| s.user)));
    provide_context(auth);
    // The access token lives in memory only: after a reload, the refresh cookie signs in again.
    let restoring = Restoring(RwSignal::new(true));
    provide_context(restoring);
    leptos::task::spawn_local(async move {
        if let Some(me) = api::restore().await {
            // Unless the user signed in on the login page meanwhile.
            if auth.0.with_untracked(Option::is_none) {
                auth.0.set(Some(me));
            }
        } else {
            // Nobody to open for (signed out, or the session was refused): no copies stay.
            crate::offline::forget_copies();
        }
        restoring.0.set(false);
    });

    let (routing, set_routing) = signal(false);
    provide_context(Routing(routing));

    view! {
        <Router set_is_routing=set_routing>
            <SessionWatcher/>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("/login") view=LoginPage/>
                // Every signed-in screen inside one shell (header, tabs), which stays mounted
                // while the outlet changes. A module adds its routes here, lazy (crate::lazy)
                // unless the screen is the home screen.
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=CustomersPage/>
                    <Route path=path!("customers") view=CustomersPage/>
                    <Route path=path!("customers/new") view={Lazy::<CustomerFormRoute>::new()}/>
                    <Route path=path!("customers/:id") view={Lazy::<CustomerDetailRoute>::new()}/>
                    <Route path=path!("customers/:id/edit") view={Lazy::<CustomerFormRoute>::new()}/>
                    <Route path=path!("leads") view={Lazy::<LeadsRoute>::new()}/>
                    <Route path=path!("leads/new") view={Lazy::<LeadFormRoute>::new()}/>
                    <Route path=path!("leads/rules") view={Lazy::<LeadRulesRoute>::new()}/>
                    <Route path=path!("leads/:id") view={Lazy::<LeadDetailRoute>::new()}/>
                    <Route path=path!("leads/:id/edit") view={Lazy::<LeadFormRoute>::new()}/>
                    <Route path=path!("opportunities") view={Lazy::<OpportunitiesRoute>::new()}/>
                    <Route path=path!("opportunities/new") view={Lazy::<OpportunityFormRoute>::new()}/>
                    <Route path=path!("opportunities/list") view={Lazy::<DealListRoute>::new()}/>
                    <Route path=path!("opportunities/:id/edit") view={Lazy::<OpportunityFormRoute>::new()}/>
                    <Route path=path!("opportunities/:id") view={Lazy::<OpportunityDetailRoute>::new()}/>
                    <Route path=path!("visits") view={Lazy::<VisitsRoute>::new()}/>
                    <Route path=path!("visits/new") view={Lazy::<VisitFormRoute>::new()}/>
                    <Route path=path!("visits/:id") view={Lazy::<VisitDetailRoute>::new()}/>
                    <Route path=path!("follow-ups") view={Lazy::<FollowUpsRoute>::new()}/>
                    <Route path=path!("pool") view={Lazy::<PoolRoute>::new()}/>
                    <Route path=path!("pool/customers/:id") view={Lazy::<PoolCustomerRoute>::new()}/>
                    <Route path=path!("quotes/new") view={Lazy::<QuoteEditorRoute>::new()}/>
                    <Route path=path!("quotes/:id/edit") view={Lazy::<QuoteEditorRoute>::new()}/>
                    <Route path=path!("quotes/:id") view={Lazy::<QuoteDetailRoute>::new()}/>
                    <Route path=path!("contracts") view={Lazy::<ContractsRoute>::new()}/>
                    <Route path=path!("contracts/new") view={Lazy::<ContractFormRoute>::new()}/>
                    <Route path=path!("contracts/:id/edit") view={Lazy::<ContractFormRoute>::new()}/>
                    <Route path=path!("contracts/:id") view={Lazy::<ContractDetailRoute>::new()}/>
                    <Route path=path!("receivables") view={Lazy::<ReceivablesRoute>::new()}/>
                    <Route path=path!("approvals") view={Lazy::<ApprovalsRoute>::new()}/>
                    <Route path=path!("approvals/:id") view={Lazy::<ApprovalDetailRoute>::new()}/>
                    <Route path=path!("products") view={Lazy::<ProductsRoute>::new()}/>
                    <Route path=path!("products/new") view={Lazy::<ProductFormRoute>::new()}/>
                    <Route path=path!("products/:id/edit") view={Lazy::<ProductFormRoute>::new()}/>
                    <Route path=path!("price-lists") view={Lazy::<PriceListsRoute>::new()}/>
                    <Route path=path!("price-lists/:id") view={Lazy::<PriceListRoute>::new()}/>
                    <Route path=path!("notifications") view={Lazy::<NotificationsRoute>::new()}/>
                    <Route path=path!("me") view={Lazy::<MeRoute>::new()}/>
                    <Route path=path!("admin") view={Lazy::<AdminRoute>::new()}/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}

/// Sends the user to sign in when the session ends, remembering where they were.
#[component]
fn SessionWatcher() -> impl IntoView {
    let auth = use_auth();
    let navigate = use_navigate();
    let location = use_location();
    api::on_session_expired(move |ended| {
        auth.0.set(None);
        // The next person to sign in on this phone reads none of the copies kept offline.
        crate::offline::forget_copies();
        let here = location.pathname.get_untracked();
        if here != "/login" {
            let next = here_with_query(&here, &location.search.get_untracked());
            // Only a session that really ended says so on the sign-in page.
            let why = if ended { "&expired=1" } else { "" };
            navigate(
                &format!("/login?next={}{why}", api::enc(&next)),
                Default::default(),
            );
        }
    });
}

/// The path and query to come back to after signing in (`search` comes without its `?`).
fn here_with_query(path: &str, search: &str) -> String {
    let search = search.trim_start_matches('?');
    if search.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{search}")
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <main class="page narrow">
            <p class="empty">{move || i18n.t(T::NotFound)}</p>
            <A href="/customers">{move || i18n.t(T::Customers)}</A>
        </main>
    }
}

/// Header, navigation (bottom tabs on phones, sidebar on desktop) and the page. Signed-out users
/// are sent to sign in first.
#[component]
pub fn Shell() -> impl IntoView {
    let auth = use_auth();
    let restoring = use_context::<Restoring>().unwrap_or(Restoring(RwSignal::new(false)));
    let i18n = use_i18n();
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let here = location.pathname.get_untracked();
        // The session watcher may have sent the user to sign in already.
        if !restoring.0.get() && auth.0.with(Option::is_none) && here != "/login" {
            let next = here_with_query(&here, &location.search.get_untracked());
            navigate(
                &format!("/login?next={}", api::enc(&next)),
                Default::default(),
            );
        }
    });
    let routing = use_context::<Routing>().map(|r| r.0);
    // The company's option lists and custom fields, for every screen, once someone is signed in.
    let catalog = crate::options::Catalog::provide();
    Effect::new(move |_| {
        if auth.0.with(Option::is_some) {
            catalog.reload();
        }
    });
    let is_admin = move || auth.role() == Some(Role::Admin);
    // The offline queue: its badge, and a send whenever someone is signed in (steps left from
    // an earlier visit to this page go first).
    let pending = crate::offline::start();
    Effect::new(move |_| {
        if auth.0.with(Option::is_some) {
            crate::offline::kick();
        }
    });
    // The bell: counted when someone signs in, on every screen change and every minute.
    let unread = Unread(RwSignal::new(0));
    provide_context(unread);
    Effect::new(move |_| {
        location.pathname.track();
        if auth.0.with(Option::is_some) {
            unread.refresh();
        }
    });
    let _ = set_interval_with_handle(
        move || {
            if auth.0.with_untracked(Option::is_some) {
                unread.refresh();
            }
        },
        std::time::Duration::from_secs(60),
    );
    // The 审批 tab's badge: approvals waiting for the reader, counted like the bell.
    let waiting = RwSignal::new(0u32);
    let count_waiting = move || {
        leptos::task::spawn_local(async move {
            if let Ok(c) = api::approval::counts().await {
                waiting.set(c.pending);
            }
        });
    };
    Effect::new(move |_| {
        location.pathname.track();
        if auth.0.with(Option::is_some) {
            count_waiting();
        }
    });
    let _ = set_interval_with_handle(
        move || {
            if auth.0.with_untracked(Option::is_some) {
                count_waiting();
            }
        },
        std::time::Duration::from_secs(60),
    );
    let active = move |prefix: &'static str| {
        move || {
            let p = location.pathname.get();
            p == prefix
                || p.starts_with(&format!("{prefix}/"))
                || (prefix == "/customers" && p == "/")
        }
    };
    view! {
        <Show
            when=move || auth.0.with(Option::is_some)
            fallback=move || view! {
                <Show when=move || restoring.0.get() fallback=|| ()>
                    <div class="boot" role="status" aria-live="polite">{move || i18n.t(T::Loading)}</div>
                </Show>
            }
        >
            <div class="shell">
                // A thin bar while the next screen loads, so a tap on a slow network is answered.
                <div
                    class="route-progress"
                    role="progressbar"
                    data-testid="route-progress"
                    aria-label=move || i18n.t(T::Loading)
                    hidden=move || !routing.is_some_and(|r| r.get())
                ></div>
                <header class="topbar">
                    <span class="brand">{move || i18n.t(T::AppName)}</span>
                    <A href="/notifications" attr:class="bell" attr:data-testid="bell"
                        attr:aria-label=move || format!("{} {}", unread.0.get(), i18n.t(T::UnreadNotifications))>
                        <span aria-hidden="true">"🔔"</span>
                        <Show when=move || { unread.0.get() > 0 } fallback=|| ()>
                            <span class="count" data-testid="bell-count">{move || {
                                let n = unread.0.get();
                                if n > 99 { "99+".to_owned() } else { n.to_string() }
                            }}</span>
                        </Show>
                    </A>
                    <Show when=move || { pending.waiting.get() > 0 } fallback=|| ()>
                        <A href="/visits" attr:class=move || { if pending.conflicts.get() > 0 { "sync-badge warn" } else { "sync-badge" } }
                            attr:data-testid="sync-badge" attr:role="status">
                            {move || if pending.conflicts.get() > 0 {
                                format!("{} ({})", i18n.t(T::SyncConflicts), pending.conflicts.get())
                            } else {
                                format!("{} ({})", i18n.t(T::PendingSync), pending.waiting.get())
                            }}
                        </A>
                    </Show>
                    <span class="who" data-testid="who">
                        {move || auth.0.with(|m| m.as_ref().map(|m| m.display_name.clone()).unwrap_or_default())}
                        <small>{move || auth.role().map(|r| role_label(r, i18n.lang())).unwrap_or("")}</small>
                    </span>
                </header>
                <nav class="tabs" aria-label=move || i18n.t(T::Menu)>
                    <A href="/customers" attr:class="tab" attr:data-active=move || active("/customers")().to_string()>
                        <span class="icon" aria-hidden="true">"👥"</span>
                        <span>{move || i18n.t(T::Customers)}</span>
                    </A>
                    <Show when=move || auth.can(Resource::Lead, Act::Read) fallback=|| ()>
                        <A href="/leads" attr:class="tab" attr:data-testid="tab-leads" attr:data-active=move || active("/leads")().to_string()>
                            <span class="icon" aria-hidden="true">"📥"</span>
                            <span>{move || i18n.t(T::Leads)}</span>
                        </A>
                    </Show>
                    <Show when=move || auth.can(Resource::Opportunity, Act::Read) fallback=|| ()>
                        <A href="/opportunities" attr:class="tab" attr:data-testid="tab-deals" attr:data-active=move || active("/opportunities")().to_string()>
                            <span class="icon" aria-hidden="true">"📈"</span>
                            <span>{move || i18n.t(T::Deals)}</span>
                        </A>
                    </Show>
                    <Show when=move || auth.can(Resource::Visit, Act::Create) fallback=|| ()>
                        <A href="/visits" attr:class="tab" attr:data-testid="tab-visits" attr:data-active=move || active("/visits")().to_string()>
                            <span class="icon" aria-hidden="true">"📍"</span>
                            <span>{move || i18n.t(T::Visits)}</span>
                        </A>
                    </Show>
                    <A href="/approvals" attr:class="tab" attr:data-testid="tab-approvals" attr:data-active=move || active("/approvals")().to_string()
                        attr:aria-label=move || format!("{} ({})", i18n.t(T::Approvals), waiting.get())>
                        <span class="icon" aria-hidden="true">"✅"</span>
                        <span>{move || i18n.t(T::Approvals)}</span>
                        <Show when=move || { waiting.get() > 0 } fallback=|| ()>
                            <span class="count" data-testid="approvals-count">{move || {
                                let n = waiting.get();
                                if n > 99 { "99+".to_owned() } else { n.to_string() }
                            }}</span>
                        </Show>
                    </A>
                    <Show when=move || auth.can(Resource::Pool, Act::Read) fallback=|| ()>
                        <A href="/pool" attr:class="tab" attr:data-testid="tab-pool" attr:data-active=move || active("/pool")().to_string()>
                            <span class="icon" aria-hidden="true">"🌊"</span>
                            <span>{move || i18n.t(T::Pool)}</span>
                        </A>
                    </Show>
                    <Show when=is_admin fallback=|| ()>
                        <A href="/admin" attr:class="tab" attr:data-active=move || active("/admin")().to_string()>
                            <span class="icon" aria-hidden="true">"⚙"</span>
                            <span>{move || i18n.t(T::Admin)}</span>
                        </A>
                    </Show>
                    <A href="/me" attr:class="tab" attr:data-active=move || active("/me")().to_string()>
                        <span class="icon" aria-hidden="true">"👤"</span>
                        <span>{move || i18n.t(T::Me)}</span>
                    </A>
                </nav>
                <main class="content"><Outlet/></main>
            </div>
        </Show>
    }
}
