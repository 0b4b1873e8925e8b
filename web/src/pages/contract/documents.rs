//! A contract's documents on its page: the scans and the signed copy, opened through the API
//! with the reader's token (never a public link), added from the phone's files or camera, and
//! removed while the rules allow (`contract_document_removable`: what the approvers saw stays).

use kaidan_shared::attachment::{
    contract_document_removable, download_name, Attachment, AttachmentKind,
};
use kaidan_shared::contract::{Contract, ContractStatus};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api;
use crate::components::{local_time, save_error_text, ErrorState, Loading};
use crate::i18n::contract::ContractText;
use crate::i18n::{use_i18n, T};

/// `1.2 MB`, `35 KB`: enough to tell a scan from a photo of it.
fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!(
            "{}.{} MB",
            bytes / (1024 * 1024),
            bytes % (1024 * 1024) * 10 / (1024 * 1024)
        )
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[component]
pub fn Documents(contract: Contract, may: bool) -> impl IntoView {
    let i18n = use_i18n();
    let id = contract.id;
    let status = contract.status;
    let approved_at = contract.approved_at;
    let addable = may && status != ContractStatus::Terminated;
    let list = LocalResource::new(move || api::contract::documents(id));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The picked file stays on this thread: the upload runs as a local task, not an action.
    let upload = move |file: web_sys::File| {
        let Ok(form) = web_sys::FormData::new() else {
            return;
        };
        if form
            .append_with_blob_and_filename("file", &file, &file.name())
            .is_err()
        {
            return;
        }
        busy.set(true);
        error.set(None);
        let key = uuid::Uuid::new_v4().to_string();
        leptos::task::spawn_local(async move {
            let sent = api::contract::add_document(id, form, &key).await;
            let _ = busy.try_set(false);
            match sent {
                Ok(_) => list.refetch(),
                Err(e) => {
                    let _ = error.try_set(Some(save_error_text(&e, i18n.lang())));
                }
            }
        });
    };
    let remove = Action::new_local(move |a: &uuid::Uuid| {
        let a = *a;
        async move { api::contract::remove_document(a).await }
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(())) => list.refetch(),
        Some(Err(e)) => error.set(Some(save_error_text(&e, i18n.lang()))),
        None => {}
    });
    let row = move |a: Attachment| {
        let removable = may && contract_document_removable(status, approved_at, a.created_at);
        // Saved under the uploader's name with the extension of what it is, never one they chose.
        let name = download_name(a.original_name.as_deref(), a.kind);
        let icon = if a.kind == AttachmentKind::Document {
            "📄"
        } else {
            "🖼"
        };
        let att = a.id;
        let label = format!("{} {name}", i18n.t(ContractText::OpenDocument));
        view! {
            <li class="doc-row" data-testid="contract-document">
                <button type="button" class="linklike" aria-label=label
                    on:click={
                        let name = name.clone();
                        move |_| open(a.content_url.clone(), name.clone(), error, i18n.lang())
                    }>
                    <span aria-hidden="true">{icon}</span>" "
                    <span data-testid="document-name">{name.clone()}</span>
                </button>
                <span class="muted">{size_text(a.size_bytes)}" · "{local_time(a.created_at)}</span>
                {removable.then(|| view! {
                    <button type="button" class="btn small" data-testid="document-remove"
                        aria-label=move || i18n.t(ContractText::RemoveDocument)
                        prop:disabled=move || remove.pending().get()
                        on:click=move |_| {
                            if window().confirm_with_message(i18n.t(ContractText::ConfirmRemoveDocument)).unwrap_or(false) {
                                remove.dispatch(att);
                            }
                        }>{move || i18n.t(T::Remove)}</button>
                })}
            </li>
        }
    };
    view! {
        <section class="card no-print" data-testid="contract-documents">
            <h2>{move || i18n.t(ContractText::Documents)}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || list.get().map(|r| match r {
                    Ok(items) if items.is_empty() => view! { <p class="muted">{move || i18n.t(ContractText::NoDocuments)}</p> }.into_any(),
                    Ok(items) => view! { <ul class="doc-list">{items.into_iter().map(row).collect_view()}</ul> }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| list.refetch()/> }.into_any(),
                })}
            </Transition>
            {addable.then(|| view! {
                <label class="btn" for="document-input">{move || if busy.get() { i18n.t(ContractText::UploadingDocument) } else { i18n.t(ContractText::AddDocument) }}</label>
                <input id="document-input" class="sr-only" type="file"
                    accept="application/pdf,image/jpeg,image/png,image/webp"
                    data-testid="document-input" prop:disabled=move || busy.get()
                    on:change=move |ev| {
                        let input: Option<web_sys::HtmlInputElement> =
                            ev.target().and_then(|t| t.dyn_into().ok());
                        if let Some(f) = input.as_ref().and_then(|i| i.files()).and_then(|l| l.get(0)) {
                            upload(f);
                        }
                        if let Some(i) = input { i.set_value("") }
                    }/>
            })}
            <p class="form-error" role="alert">{move || error.get()}</p>
        </section>
    }
}

/// Fetches the file with the reader's token and hands it to the phone as a download under its
/// own name (a PDF then opens in the phone's viewer); the object URL goes a minute later.
fn open(url: String, name: String, error: RwSignal<Option<String>>, lang: crate::i18n::Lang) {
    leptos::task::spawn_local(async move {
        let made = match api::blob_url(&url).await {
            Ok(u) => u,
            Err(e) => {
                let _ = error.try_set(Some(save_error_text(&e, lang)));
                return;
            }
        };
        let link = document()
            .create_element("a")
            .ok()
            .and_then(|e| e.dyn_into::<web_sys::HtmlAnchorElement>().ok());
        if let Some(a) = link {
            a.set_href(&made);
            a.set_download(&name);
            a.click();
        }
        set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&made);
            },
            std::time::Duration::from_secs(60),
        );
    });
}
