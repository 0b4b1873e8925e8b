//! The team day on a map: Leaflet with the tiles an admin configured (`visit_settings`), loaded
//! when this page first draws one — its script and stylesheet are named with their integrity by a
//! `<meta name="kaidan-map">` that scripts/build-web writes into index.html, so the first screen
//! never downloads them. Positions stay WGS-84 on the server; `map_visits` shifts them to GCJ-02
//! for China's tiles. Without tiles, or when the map's code cannot load (offline, before the
//! service worker kept it), the page shows the plain plot instead.

use std::cell::RefCell;

use kaidan_shared::visit::{map_visits, tile_origin, tile_subdomains, Visit, VisitSettings};
use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;

/// Whether the settings give the map tiles it can load (an origin the page's policy allows).
pub fn has_tiles(s: &VisitSettings) -> bool {
    s.tile_url.as_deref().and_then(tile_origin).is_some()
}

#[component]
pub fn TeamMap(
    visits: Vec<Visit>,
    settings: VisitSettings,
    /// Shown instead when the map's code cannot be loaded.
    #[prop(into)]
    fallback: ViewFn,
) -> impl IntoView {
    let i18n = use_i18n();
    let el = NodeRef::<Div>::new();
    let failed = RwSignal::new(false);
    // The page's policy names the tiles' origin as it was when the page loaded: after an admin
    // changes the tiles, this page's browser refuses the new ones until a reload.
    let stale = RwSignal::new(false);
    let on_violation = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
        let directive = js_sys::Reflect::get(&e, &JsValue::from_str("effectiveDirective"))
            .ok()
            .and_then(|d| d.as_string())
            .unwrap_or_default();
        if directive.starts_with("img-src") {
            stale.try_set(true);
        }
    });
    let doc = web_sys::window().and_then(|w| w.document());
    if let Some(d) = &doc {
        let _ = d.add_event_listener_with_callback(
            "securitypolicyviolation",
            on_violation.as_ref().unchecked_ref(),
        );
    }
    let listener: StoredValue<Closure<dyn Fn(web_sys::Event)>, LocalStorage> =
        StoredValue::new_local(on_violation);
    let handle: StoredValue<Option<JsValue>, LocalStorage> = StoredValue::new_local(None);
    let opts = options(&visits, &settings);
    el.on_load(move |div| {
        leptos::task::spawn_local(async move {
            match draw(&div, &opts).await {
                Ok(map) => {
                    if handle.try_set_value(Some(map.clone())).is_some() {
                        // The page went while the code loaded.
                        let _ = call("remove", &map);
                    }
                }
                Err(e) => {
                    leptos::logging::warn!("the map could not be drawn: {e:?}");
                    failed.try_set(true);
                }
            }
        });
    });
    on_cleanup(move || {
        if let Some(Some(map)) = handle.try_get_value() {
            let _ = call("remove", &map);
        }
        if let Some(d) = &doc {
            listener.with_value(|l| {
                let _ = d.remove_event_listener_with_callback(
                    "securitypolicyviolation",
                    l.as_ref().unchecked_ref(),
                );
            });
        }
    });
    view! {
        <Show when=move || !failed.get() fallback=move || fallback.run()>
            <Show when=move || stale.get() fallback=|| ()>
                <p class="notice" role="status" data-testid="map-stale">
                    {move || i18n.t(VisitText::MapStale)}" "
                    <button class="btn" on:click=|_| {
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().reload();
                        }
                    }>{move || i18n.t(VisitText::Reload)}</button>
                </p>
            </Show>
            <figure class="card team-map" data-testid="visit-map">
                <div class="team-map-canvas" node_ref=el role="img"
                    aria-label=move || i18n.t(VisitText::Plot)></div>
                <figcaption class="muted small">{move || i18n.t(VisitText::PlotHelp)}</figcaption>
            </figure>
        </Show>
    }
}

/// What `kaidanMap.draw` takes (web/map/kaidan-map.js says the shape).
fn options(visits: &[Visit], s: &VisitSettings) -> JsValue {
    let set = |o: &js_sys::Object, k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(o, &JsValue::from_str(k), v);
    };
    let point = |p: Option<kaidan_shared::geo::LatLng>| match p {
        Some(p) => js_sys::Array::of2(&JsValue::from_f64(p.lat), &JsValue::from_f64(p.lng)).into(),
        None => JsValue::NULL,
    };
    let list = js_sys::Array::new();
    for v in map_visits(visits, s.tile_gcj02) {
        let o = js_sys::Object::new();
        set(&o, "label", &JsValue::from_str(&v.label));
        set(&o, "customer", &point(v.customer));
        set(&o, "check_in", &point(v.check_in));
        set(&o, "flagged", &JsValue::from_bool(v.flagged));
        list.push(&o);
    }
    let o = js_sys::Object::new();
    let tiles = s.tile_url.as_deref().filter(|u| tile_origin(u).is_some());
    set(&o, "tiles", &tiles.map_or(JsValue::NULL, JsValue::from_str));
    set(
        &o,
        "subdomains",
        &JsValue::from_str(tiles.map_or("abc", tile_subdomains)),
    );
    set(
        &o,
        "attribution",
        &s.tile_attribution
            .as_deref()
            .map_or(JsValue::NULL, JsValue::from_str),
    );
    set(&o, "visits", &list);
    o.into()
}

/// Loads the map's code (once per page) and draws; the handle is for `remove`.
async fn draw(div: &web_sys::HtmlDivElement, opts: &JsValue) -> Result<JsValue, JsValue> {
    JsFuture::from(load()?).await?;
    let km = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("kaidanMap"))?;
    let f: js_sys::Function = js_sys::Reflect::get(&km, &JsValue::from_str("draw"))?.dyn_into()?;
    f.call2(&km, div, opts)
}

/// `kaidanMap[name](arg)`.
fn call(name: &str, arg: &JsValue) -> Result<JsValue, JsValue> {
    let km = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("kaidanMap"))?;
    let f: js_sys::Function = js_sys::Reflect::get(&km, &JsValue::from_str(name))?.dyn_into()?;
    f.call1(&km, arg)
}

thread_local! {
    /// The one load of the map's code; a failed load is tried again next time.
    static LOADING: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// A promise of the map's script having run and its stylesheet having loaded.
fn load() -> Result<js_sys::Promise, JsValue> {
    if let Some(p) = LOADING.with(|l| l.borrow().clone()) {
        return Ok(p);
    }
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let meta = doc
        .query_selector("meta[name=kaidan-map]")?
        .ok_or_else(|| JsValue::from_str("this build has no map"))?;
    let attr = |name: &str| meta.get_attribute(name).unwrap_or_default();
    let head = doc.head().ok_or_else(|| JsValue::from_str("no head"))?;
    let css = doc.create_element("link")?;
    css.set_attribute("rel", "stylesheet")?;
    css.set_attribute("href", &attr("data-css"))?;
    css.set_attribute("integrity", &attr("data-css-integrity"))?;
    css.set_attribute("crossorigin", "anonymous")?;
    let script = doc.create_element("script")?;
    script.set_attribute("src", &attr("content"))?;
    script.set_attribute("integrity", &attr("data-integrity"))?;
    script.set_attribute("crossorigin", "anonymous")?;
    let both = js_sys::Array::of2(&loaded(&css), &loaded(&script));
    head.append_child(&css)?;
    head.append_child(&script)?;
    // Both in, or both out again so that the next try starts clean.
    let undo = Closure::once_into_js(move |e: JsValue| -> Result<JsValue, JsValue> {
        LOADING.with(|l| l.borrow_mut().take());
        css.remove();
        script.remove();
        Err(e)
    });
    let all = js_sys::Promise::all(&both);
    let catch: js_sys::Function =
        js_sys::Reflect::get(&all, &JsValue::from_str("catch"))?.dyn_into()?;
    let promise: js_sys::Promise = catch.call1(&all, &undo)?.dyn_into()?;
    LOADING.with(|l| *l.borrow_mut() = Some(promise.clone()));
    Ok(promise)
}

/// A promise of `el` having loaded (its `load` event), refused on its `error` event.
fn loaded(el: &web_sys::Element) -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve: js_sys::Function, reject: js_sys::Function| {
        let ok = Closure::once_into_js(move |_: JsValue| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let err = Closure::once_into_js(move |e: JsValue| {
            let _ = reject.call1(&JsValue::NULL, &e);
        });
        let _ = el.add_event_listener_with_callback("load", ok.unchecked_ref());
        let _ = el.add_event_listener_with_callback("error", err.unchecked_ref());
    })
}
