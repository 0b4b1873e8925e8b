//! Screens whose code is downloaded when they are first opened.
//!
//! The sign-in screen and the home screen (the customer list) are in the first download; every
//! other screen is a lazy route, so each module a release adds grows the first screen by its
//! route entries only (docs/bundle-size.md). `scripts/build-web` cuts the wasm at these routes
//! with `wasm-split-cli`, the step `cargo leptos --split` runs.

/// Declares `$route`, a lazy route showing the component `$page`:
/// `<Route path=… view=Lazy::<$route>::new()/>`.
///
/// The page loads its own data when it mounts, so the route's `data()` is empty; a page whose
/// data should load while its code downloads can implement `LazyRoute` itself.
#[macro_export]
macro_rules! lazy_page {
    ($(#[$doc:meta])* $route:ident => $page:path) => {
        $(#[$doc])*
        pub struct $route;

        #[::leptos_router::lazy_route]
        impl ::leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> ::leptos::prelude::AnyView {
                use ::leptos::prelude::IntoAny;
                ::leptos::prelude::view! { <$page/> }.into_any()
            }
        }
    };
}

/// The message the split loader panics with when a route's code cannot be fetched.
const LOAD_FAILED: &str = "load callback should succeed";
/// sessionStorage key: when the app last reloaded itself after a failed load (ms since 1970).
const RELOADED_AT: &str = "kaidan.reloaded_at";

/// The app's panic hook: the console report, and the way out of a route whose code cannot be
/// fetched — a release replaced the app's folder while the page was open, or the phone lost its
/// network. A panic stops the wasm for good (`panic = "abort"`), so the hook itself reloads the
/// page once (the new index names the new folder); offline, or when the load fails again within a
/// minute, it puts a plain notice with a reload link on the page instead (a reload would show the
/// browser's offline page, or loop).
pub fn panic_hook(info: &std::panic::PanicHookInfo<'_>) {
    console_error_panic_hook::hook(info);
    if info.to_string().contains(LOAD_FAILED) {
        on_load_failure();
    }
}

fn on_load_failure() {
    let Some(window) = web_sys::window() else {
        return;
    };
    // Whole milliseconds: formatting and parsing floats would add their code to the first screen.
    let now = js_sys::Date::now() as u64;
    let storage = window.session_storage().ok().flatten();
    let recent = storage
        .as_ref()
        .and_then(|s| s.get_item(RELOADED_AT).ok().flatten())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|at| now.saturating_sub(at) < 60_000);
    if !recent && window.navigator().on_line() {
        if let Some(s) = &storage {
            let _ = s.set_item(RELOADED_AT, &now.to_string());
        }
        let _ = window.location().reload();
        return;
    }
    let Some(doc) = window.document() else {
        return;
    };
    let english = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item("kaidan.lang").ok().flatten())
        .is_some_and(|l| l.starts_with("en"));
    let (text, link) = if english {
        (
            "This screen could not be loaded. Check the connection, then ",
            "reload",
        )
    } else {
        ("页面加载失败,请检查网络后", "重新加载")
    };
    let (Ok(notice), Ok(a)) = (doc.create_element("p"), doc.create_element("a")) else {
        return;
    };
    notice.set_class_name("load-failed");
    let _ = notice.set_attribute("role", "alert");
    let _ = notice.set_attribute("data-testid", "load-failed");
    notice.set_text_content(Some(text));
    // A link to the page itself reloads it (no inline script: the CSP allows none).
    let _ = a.set_attribute("href", &window.location().href().unwrap_or_default());
    a.set_text_content(Some(link));
    let _ = notice.append_child(&a);
    if let Some(body) = doc.body() {
        let _ = body.prepend_with_node_1(&notice);
    }
}
