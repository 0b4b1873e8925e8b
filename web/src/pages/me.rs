//! Me: profile, language, password change, sign out.

use kaidan_shared::auth::ChangePasswordRequest;
use kaidan_shared::{FieldCode, FieldError};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::app::use_auth;
use crate::components::{save_error_text, TextField};
use crate::i18n::{role_label, use_i18n, Lang, T};

#[component]
pub fn MePage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let navigate = use_navigate();
    let me = move || auth.0.get();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let message = RwSignal::new(None::<String>);
    let change = Action::new_local(move |_: &()| {
        let body = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        async move { api::auth::change_password(&body).await }
    });
    Effect::new(move |_| {
        if let Some(r) = change.value().get() {
            match r {
                Ok(reply) => {
                    api::adopt_tokens(reply.body);
                    current.set(String::new());
                    new.set(String::new());
                    errors.set(Vec::new());
                    message.set(Some(i18n.t(T::PasswordChanged).to_owned()));
                }
                Err(e) => {
                    let mut errs = e.field_errors();
                    if e.code() == Some(kaidan_shared::ErrorCode::WrongPassword) {
                        errs.push(FieldError::new(
                            "current_password",
                            FieldCode::InvalidFormat,
                            "",
                        ));
                    }
                    errors.set(errs);
                    message.set(Some(save_error_text(&e, i18n.lang())));
                }
            }
        }
    });
    let sign_out = Action::new_local(move |_: &()| async move {
        api::logout().await;
        crate::offline::forget_copies();
    });
    Effect::new(move |_| {
        if sign_out.value().get().is_some() {
            auth.0.set(None);
            navigate("/login", Default::default());
        }
    });
    let errs = Signal::derive(move || errors.get());
    view! {
        <section class="page narrow">
            <h1>{move || i18n.t(T::Me)}</h1>
            <div class="card">
                <h2>{move || i18n.t(T::Profile)}</h2>
                <dl class="facts">
                    <div><dt>{move || i18n.t(T::DisplayName)}</dt><dd>{move || me().map(|m| m.display_name)}</dd></div>
                    <div><dt>{move || i18n.t(T::Username)}</dt><dd>{move || me().map(|m| m.username)}</dd></div>
                    <div><dt>{move || i18n.t(T::Role)}</dt><dd>{move || me().map(|m| role_label(m.role, i18n.lang()))}</dd></div>
                    <div><dt>{move || i18n.t(T::Team)}</dt><dd>{move || me().and_then(|m| m.team_name).unwrap_or_else(|| "—".into())}</dd></div>
                    <div><dt>{move || i18n.t(T::Region)}</dt><dd>{move || me().and_then(|m| m.region_name).unwrap_or_else(|| "—".into())}</dd></div>
                </dl>
            </div>
            <nav class="card links" aria-label=move || i18n.t(crate::i18n::product::ProductText::Catalogue)>
                <leptos_router::components::A href="/contracts" attr:class="btn block" attr:data-testid="contracts-link">
                    {move || i18n.t(crate::i18n::contract::ContractText::Contracts)}
                </leptos_router::components::A>
                <leptos_router::components::A href="/receivables" attr:class="btn block" attr:data-testid="receivables-link">
                    {move || i18n.t(crate::i18n::contract::ContractText::Receivables)}
                </leptos_router::components::A>
                <leptos_router::components::A href="/products" attr:class="btn block" attr:data-testid="catalogue-link">
                    {move || i18n.t(crate::i18n::product::ProductText::Catalogue)}
                </leptos_router::components::A>
                <leptos_router::components::A href="/price-lists" attr:class="btn block">
                    {move || i18n.t(crate::i18n::product::ProductText::PriceLists)}
                </leptos_router::components::A>
            </nav>
            <div class="card">
                <h2 id="lang-h">{move || i18n.t(T::Language)}</h2>
                <div class="segmented" role="radiogroup" aria-labelledby="lang-h">
                    <button role="radio" data-testid="lang-zh" aria-checked=move || (i18n.lang() == Lang::Zh).to_string()
                        on:click=move |_| i18n.0.set(Lang::Zh)>"中文"</button>
                    <button role="radio" data-testid="lang-en" aria-checked=move || (i18n.lang() == Lang::En).to_string()
                        on:click=move |_| i18n.0.set(Lang::En)>"English"</button>
                </div>
            </div>
            <form class="card" on:submit=move |ev| { ev.prevent_default(); message.set(None); change.dispatch(()); }>
                <h2>{move || i18n.t(T::ChangePassword)}</h2>
                <TextField label=T::CurrentPassword field="current_password" value=current errors=errs input_type="password" autocomplete="current-password" required=true/>
                <TextField label=T::NewPassword field="new_password" value=new errors=errs input_type="password" autocomplete="new-password" required=true/>
                <p class="form-error" role="status">{move || message.get()}</p>
                <button class="btn primary" type="submit" prop:disabled=move || change.pending().get()>{move || i18n.t(T::ChangePassword)}</button>
            </form>
            <button class="btn danger block" data-testid="sign-out" prop:disabled=move || sign_out.pending().get()
                on:click=move |_| { sign_out.dispatch(()); }>{move || i18n.t(T::SignOut)}</button>
        </section>
    }
}
