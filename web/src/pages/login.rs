use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::app::use_auth;
use crate::i18n::{error_text, use_i18n, Lang, T};

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let query = use_query_map();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);

    let submit = Action::new_local(move |(u, p): &(String, String)| {
        let (u, p) = (u.clone(), p.clone());
        async move { api::login(&u, &p).await }
    });
    let pending = submit.pending();
    let nav = navigate.clone();
    Effect::new(move |_| {
        if let Some(result) = submit.value().get() {
            match result {
                Ok(s) => {
                    auth.0.set(Some(s.user));
                    let next = query
                        .with_untracked(|q| q.get("next"))
                        // Only a path of this app: browsers read `/\evil.example` as
                        // `//evil.example`, another site.
                        .filter(|n| {
                            n.starts_with('/')
                                && !n.starts_with("//")
                                && !n.contains('\\')
                                && !n.chars().any(char::is_control)
                        });
                    nav(
                        &next.unwrap_or_else(|| "/customers".into()),
                        Default::default(),
                    );
                }
                Err(e) => {
                    let lang = i18n.lang();
                    let msg = if e.is_network() {
                        T::NetworkError.text(lang).to_owned()
                    } else {
                        let base = e
                            .code()
                            .map(|c| error_text(c, lang))
                            .unwrap_or(T::WrongPassword.text(lang))
                            .to_owned();
                        match e.retry_after {
                            Some(s) => format!("{base}（{s} {}）", T::RetryAfterSeconds.text(lang)),
                            None => base,
                        }
                    };
                    error.set(Some(msg));
                }
            }
        }
    });
    // Already signed in: go straight on.
    Effect::new(move |_| {
        if auth.0.with(Option::is_some) && submit.value().with(Option::is_none) {
            navigate("/customers", Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        error.set(None);
        submit.dispatch((
            username.get_untracked().trim().to_owned(),
            password.get_untracked(),
        ));
    };
    // Said only when a session of this page ended (the watcher adds `expired=1`), never on a
    // first visit that was merely sent here to sign in.
    let expired = move || query.with(|q| q.get("expired").as_deref() == Some("1"));

    view! {
        <main class="login">
            <form class="card login-card" on:submit=on_submit novalidate>
                <h1>"开单" <small>"Kaidan"</small></h1>
                <Show when=expired fallback=|| ()>
                    <p class="hint">{move || i18n.t(T::SessionExpired)}</p>
                </Show>
                <div class="field">
                    <label for="username">{move || i18n.t(T::Username)}</label>
                    <input id="username" name="username" autocomplete="username" autocapitalize="none" required
                        prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
                </div>
                <div class="field">
                    <label for="password">{move || i18n.t(T::Password)}</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                </div>
                <p class="form-error" role="alert" data-testid="login-error">{move || error.get()}</p>
                <button class="btn primary block" type="submit" prop:disabled=move || pending.get()>
                    {move || if pending.get() { i18n.t(T::SigningIn) } else { i18n.t(T::SignIn) }}
                </button>
                <div class="lang-switch">
                    <button type="button" class="link" on:click=move |_| i18n.0.set(Lang::Zh)>"中文"</button>
                    " · "
                    <button type="button" class="link" on:click=move |_| i18n.0.set(Lang::En)>"English"</button>
                </div>
            </form>
        </main>
    }
}
