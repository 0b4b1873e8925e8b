//! Kaidan's web app: a Leptos client-side app, phone first, served by `kaidan serve`.

pub mod api;
pub mod app;
pub mod components;
pub mod i18n;
pub mod lazy;
pub mod offline;
pub mod options;
pub mod pages;

/// Mounts the app on the page.
pub fn start() {
    std::panic::set_hook(Box::new(lazy::panic_hook));
    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}
