//! What the phone does itself: where it is (the browser's geolocation) and a camera photo made
//! small before it is sent (a canvas, about 1600 px, JPEG), so a rep on a slow network sends a
//! few hundred kilobytes, not the camera's megabytes. The server still checks and re-encodes.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A position as the browser reports it (WGS-84).
#[derive(Clone, Copy, Debug)]
pub struct Fix {
    pub lat: f64,
    pub lng: f64,
    pub accuracy_m: f64,
}

/// The phone's position: a fresh, high-accuracy fix within 20 seconds, or `None` (no permission,
/// no signal, no geolocation).
pub async fn position() -> Option<Fix> {
    let geo = web_sys::window()?.navigator().geolocation().ok()?;
    let promise =
        js_sys::Promise::new(&mut |resolve: js_sys::Function, reject: js_sys::Function| {
            let ok = Closure::once_into_js(move |p: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &p);
            });
            let err = Closure::once_into_js(move |e: JsValue| {
                let _ = reject.call1(&JsValue::NULL, &e);
            });
            let opts = web_sys::PositionOptions::new();
            opts.set_enable_high_accuracy(true);
            opts.set_timeout(20_000);
            opts.set_maximum_age(0);
            let _ = geo.get_current_position_with_error_callback_and_options(
                ok.unchecked_ref(),
                Some(err.unchecked_ref()),
                &opts,
            );
        });
    // Unchecked: browsers name the class GeolocationPosition, older bindings Position.
    let p: web_sys::Position = JsFuture::from(promise).await.ok()?.unchecked_into();
    let c = p.coords();
    Some(Fix {
        lat: c.latitude(),
        lng: c.longitude(),
        accuracy_m: c.accuracy(),
    })
}

/// The longest side of a photo as sent.
const MAX_SIDE: f64 = 1600.0;

/// A photo turned upright (the browser applies its EXIF orientation when it decodes), at most
/// 1600 px on its longest side, as a JPEG at quality 0.82; any format the browser decodes goes
/// in (HEIC on iPhones, where Safari decodes it).
pub async fn resized_jpeg(file: &web_sys::File) -> Result<web_sys::Blob, JsValue> {
    let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(window.create_image_bitmap_with_blob(file)?)
        .await?
        .dyn_into()?;
    let (w, h) = (bitmap.width() as f64, bitmap.height() as f64);
    let scale = (MAX_SIDE / w.max(h)).min(1.0);
    let (tw, th) = ((w * scale).round().max(1.0), (h * scale).round().max(1.0));
    let canvas: web_sys::HtmlCanvasElement = window
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?
        .create_element("canvas")?
        .dyn_into()?;
    canvas.set_width(tw as u32);
    canvas.set_height(th as u32);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")?
        .ok_or_else(|| JsValue::from_str("no 2d context"))?
        .dyn_into()?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, tw, th)?;
    bitmap.close();
    let promise =
        js_sys::Promise::new(&mut |resolve: js_sys::Function, reject: js_sys::Function| {
            let done = Closure::once_into_js(move |b: JsValue| {
                if b.is_null() {
                    let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("no blob"));
                } else {
                    let _ = resolve.call1(&JsValue::NULL, &b);
                }
            });
            let _ = canvas.to_blob_with_type_and_encoder_options(
                done.unchecked_ref(),
                "image/jpeg",
                &JsValue::from_f64(0.82),
            );
        });
    JsFuture::from(promise).await?.dyn_into()
}
