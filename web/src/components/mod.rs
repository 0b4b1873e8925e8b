//! Reusable pieces: labelled fields with their server error, loading/empty/error states, and the
//! components more than one module shows (the history timeline, the contact form).

pub mod columns;
pub mod contact_form;
pub mod custom_fields;
pub mod duplicates;
pub mod history;
pub mod layout;
pub mod list_tools;
pub mod paged;

use kaidan_shared::{FieldCode, FieldError};
use leptos::prelude::*;

use crate::api::ApiError;
use crate::i18n::{error_text, field_error_text, use_i18n, Label, T};

/// The message for the first error on `field` (matching `field` or `field[..]`/`field.`).
pub fn error_for(errors: &[FieldError], field: &str) -> Option<FieldCode> {
    errors
        .iter()
        .find(|e| {
            e.field == field
                || e.field.starts_with(&format!("{field}["))
                || e.field.starts_with(&format!("{field}."))
        })
        .map(|e| e.code)
}

/// A labelled text input bound to `value`, showing the server's error for `field`.
#[component]
pub fn TextField(
    #[prop(into)] label: Label,
    field: &'static str,
    value: RwSignal<String>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    #[prop(optional)] input_type: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    /// The input's id when one page has several forms with this field (default `f-<field>`).
    #[prop(optional, into)]
    id: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = id.unwrap_or_else(|| format!("f-{field}"));
    let err_id = format!("{id}-err");
    let err = move || errors.with(|e| error_for(e, field));
    view! {
        <div class="field" class:invalid=move || err().is_some()>
            <label for=id.clone()>{move || i18n.t(label)}{required.then_some(" *")}</label>
            <input
                id=id
                name=field
                type=input_type.unwrap_or("text")
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                required=required
                maxlength=maxlength.map(|m| m.to_string())
                autocomplete=autocomplete
                inputmode=inputmode
                aria-invalid=move || err().is_some().to_string()
                aria-describedby=err_id.clone()
            />
            <p class="field-error" id=err_id role="alert">
                {move || err().map(|c| field_error_text(c, i18n.lang()))}
            </p>
        </div>
    }
}

/// A labelled multi-line input.
#[component]
pub fn TextArea(
    #[prop(into)] label: Label,
    field: &'static str,
    value: RwSignal<String>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = format!("f-{field}");
    let err = move || errors.with(|e| error_for(e, field));
    view! {
        <div class="field" class:invalid=move || err().is_some()>
            <label for=id.clone()>{move || i18n.t(label)}</label>
            <textarea id=id name=field rows="3" prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            <p class="field-error" role="alert">{move || err().map(|c| field_error_text(c, i18n.lang()))}</p>
        </div>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="state loading" role="status" aria-live="polite">{move || i18n.t(T::Loading)}</p> }
}

/// An error with a retry button.
#[component]
pub fn ErrorState(error: ApiError, #[prop(into)] on_retry: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let msg = move || {
        if error.is_network() {
            i18n.t(T::NetworkError).to_owned()
        } else {
            error
                .code()
                .map(|c| error_text(c, i18n.lang()).to_owned())
                .unwrap_or_else(|| i18n.t(T::LoadFailed).to_owned())
        }
    };
    view! {
        <div class="state error" role="alert">
            <p>{msg}</p>
            <button class="btn" on:click=move |_| on_retry.run(())>{move || i18n.t(T::Retry)}</button>
        </div>
    }
}

/// The form-level message of a failed save.
pub fn save_error_text(e: &ApiError, lang: crate::i18n::Lang) -> String {
    if e.is_network() {
        T::NetworkError.text(lang).to_owned()
    } else {
        e.code()
            .map(|c| error_text(c, lang).to_owned())
            .unwrap_or_else(|| T::SaveFailed.text(lang).to_owned())
    }
}

/// Watches a save action: on success runs `ok` with the answer; on failure shows the server's
/// field errors and a message, leaving the form as the user typed it.
pub fn on_save<I, T>(
    action: Action<I, crate::api::ApiResult<T>>,
    errors: RwSignal<Vec<FieldError>>,
    message: RwSignal<Option<String>>,
    ok: impl Fn(T) + 'static,
) where
    I: 'static,
    T: Clone + Send + Sync + 'static,
{
    let i18n = use_i18n();
    Effect::new(move |_| {
        if let Some(r) = action.value().get() {
            match r {
                Ok(v) => {
                    errors.set(Vec::new());
                    ok(v);
                }
                Err(e) => {
                    errors.set(e.field_errors());
                    message.set(Some(save_error_text(&e, i18n.lang())));
                }
            }
        }
    });
}

/// Today on the user's clock, `2026-11-29` (a date input's value).
pub fn today_local() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

/// A moment as the user's clock shows it, `2026-11-26 17:05` (the browser's time zone). Written
/// out by hand: chrono's `format` brings a strftime interpreter into the download.
pub fn local_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // getTimezoneOffset is UTC − local, in minutes (−480 in China).
    let offset = -js_sys::Date::new_0().get_timezone_offset() as i64;
    let l = t + chrono::Duration::minutes(offset);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        l.year(),
        l.month(),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// Focuses the element `css` names once the page is drawn again (after a change redraws the
/// control the person was using, so a keyboard user keeps their place).
pub fn focus_later(css: String) {
    request_animation_frame(move || {
        if let Some(el) = document()
            .query_selector(&css)
            .ok()
            .flatten()
            .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
    });
}

/// The page of a create/edit form: at `…/new` the editor starts empty; at `…/:id/edit` the record
/// is loaded first (with its ETag, which the save sends as `If-Match`), with the loading and
/// error states every screen has.
pub fn create_or_edit<T, Fut, V>(
    load: impl Fn(uuid::Uuid) -> Fut + Copy + Send + Sync + 'static,
    editor: impl Fn(Option<(T, String)>) -> V + Copy + Send + Sync + 'static,
) -> AnyView
where
    T: Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = crate::api::ApiResult<crate::api::Reply<T>>> + 'static,
    V: IntoView + 'static,
{
    let id = leptos_router::hooks::use_params_map().with_untracked(|p| p.get("id"));
    let Some(id) = id else {
        return editor(None).into_any();
    };
    let data = LocalResource::new(move || {
        let id = id.clone();
        async move {
            let id = id
                .parse::<uuid::Uuid>()
                .map_err(|_| crate::api::not_found())?;
            load(id).await
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || data.get().map(|r| match r {
                Ok(reply) => editor(Some((reply.body, reply.etag.unwrap_or_default()))).into_any(),
                Err(e) => view! { <ErrorState error=e on_retry=move |_| data.refetch()/> }.into_any(),
            })}
        </Transition>
    }
    .into_any()
}
