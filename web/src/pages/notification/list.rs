//! Your notifications, newest first: tap one to open what it is about (and mark it read), or
//! mark them all read.

use kaidan_shared::notification::{Notification, NotificationListQuery};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::app::use_unread;
use crate::components::paged::{PageTail, Paged};
use crate::components::{local_time, save_error_text};
use crate::i18n::notification::{link, sentence, NotificationText};
use crate::i18n::use_i18n;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let unread = use_unread();
    let only_unread = RwSignal::new(false);
    let paged = Paged::<Notification>::new();
    let items = paged.items;
    let message = RwSignal::new(None::<String>);
    let load = move |reset: bool| {
        let unread_only = only_unread.get_untracked();
        paged.load(reset, move |cursor| async move {
            let q = NotificationListQuery {
                limit: Some(30),
                cursor,
                unread: unread_only.then_some(true),
            };
            api::notification::list(&q).await
        });
    };
    Effect::new(move |_| {
        only_unread.track();
        load(true);
    });
    let read_all = Action::new_local(|_: &()| async { api::notification::read_all().await });
    Effect::new(move |_| {
        if let Some(r) = read_all.value().get() {
            match r {
                Ok(_) => {
                    unread.refresh();
                    load(true);
                }
                Err(e) => message.set(Some(save_error_text(&e, i18n.lang()))),
            }
        }
    });
    let navigate = use_navigate();
    let open = move |n: Notification| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            if !n.read {
                let _ = api::notification::read(n.id).await;
                unread.refresh();
            }
            match link(&n) {
                Some(to) => navigate(&to, Default::default()),
                None => items.update(|v| {
                    if let Some(x) = v.iter_mut().find(|x| x.id == n.id) {
                        x.read = true;
                    }
                }),
            }
        });
    };
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(NotificationText::Notifications)}</h1>
                <button class="btn" data-testid="read-all" prop:disabled=move || read_all.pending().get()
                    on:click=move |_| { read_all.dispatch(()); }>{move || i18n.t(NotificationText::MarkAllRead)}</button>
            </div>
            <label class="check">
                <input type="checkbox" prop:checked=move || only_unread.get()
                    on:change=move |ev| only_unread.set(event_target_checked(&ev))/>
                {move || i18n.t(NotificationText::OnlyUnread)}
            </label>
            <p class="form-error" role="alert">{move || message.get()}</p>
            <ul class="list" data-testid="notifications">
                <For each=move || items.get() key=|n| (n.id, n.read) let:n>
                    {
                        let open = open.clone();
                        let read = n.read;
                        let when = local_time(n.created_at);
                        let text = {
                            let n = n.clone();
                            move || sentence(&n, i18n.lang())
                        };
                        view! {
                            <li class="row" class:unread=!read data-testid="notification">
                                <button class="row-main plain" on:click=move |_| open(n.clone())>
                                    <span class="row-title">{(!read).then(|| view! { <span class="dot" aria-hidden="true"></span> })}{text}</span>
                                    <span class="row-sub">{when.clone()}</span>
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <PageTail paged=paged empty=NotificationText::NoNotifications on_retry=move |_| load(true) on_more=move |_| load(false)/>
        </section>
    }
}
