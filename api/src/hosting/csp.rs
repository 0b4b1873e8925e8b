//! Content-Security-Policy for the HTML the server sends (the web app's index, the API docs page,
//! the placeholder). Inline `<script>` and `<style>` blocks are allowed by their SHA-256 hash only,
//! computed from the very bytes served, so a page that changes keeps a matching policy and an
//! injected inline script never runs.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy for JSON and every other non-HTML answer: nothing may load, nothing may frame it.
pub const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// The service worker's own policy (a worker takes the policy of its script's response): it may
/// fetch this origin's files to keep them, and nothing else.
pub const WORKER_POLICY: &str =
    "default-src 'none'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Geolocation and the camera are for this origin only (visit check-in and photos); the rest off.
pub const PERMISSIONS_POLICY: &str = "geolocation=(self), camera=(self), microphone=(), \
payment=(), usb=(), serial=(), bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=()";

/// The hashes (`'sha256-…'`) of the inline blocks of `tag` (`script` or `style`) in `html`.
/// Scripts with a `src` are external and need no hash.
fn inline_hashes(html: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        // `<scriptx` is not a script tag.
        if !after.starts_with(['>', ' ', '\t', '\n', '\r']) {
            rest = after;
            continue;
        }
        let Some(gt) = after.find('>') else { break };
        let attrs = &after[..gt];
        let body_and_rest = &after[gt + 1..];
        let Some(end) = body_and_rest.find(&close) else {
            break;
        };
        if !attrs.contains("src=") {
            let digest = Sha256::digest(&body_and_rest.as_bytes()[..end]);
            out.push(format!("'sha256-{}'", STANDARD.encode(digest)));
        }
        rest = &body_and_rest[end + close.len()..];
    }
    out
}

/// The policy for one HTML page: scripts, styles, images, fonts and connections from this origin
/// only; its own inline blocks by hash; WebAssembly may be compiled (the web app is wasm).
pub fn for_html(html: &str) -> String {
    for_html_with_images(html, None)
}

/// `for_html`, with images also from `images` (a CSP source: the map tiles' origin, which
/// `kaidan_shared::visit::tile_origin` made and checked).
pub fn for_html_with_images(html: &str, images: Option<&str>) -> String {
    let images = images.unwrap_or_default();
    let scripts = inline_hashes(html, "script").join(" ");
    let styles = inline_hashes(html, "style").join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {scripts}; style-src 'self' {styles}; \
img-src 'self' data: blob: {images}; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
worker-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    .replace("  ", " ")
    .replace(" ;", ";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_blocks_are_allowed_by_hash_and_external_ones_by_origin() {
        let html = r#"<html><head><script type="module">import init from '/a.js';</script>
<script src="/b.js"></script><style>body{}</style><scripty>x</scripty></head></html>"#;
        let p = for_html(html);
        let h = STANDARD.encode(Sha256::digest(b"import init from '/a.js';"));
        assert!(p.contains(&format!("'sha256-{h}'")), "{p}");
        let s = STANDARD.encode(Sha256::digest(b"body{}"));
        assert!(p.contains(&format!("style-src 'self' 'sha256-{s}'")), "{p}");
        assert_eq!(p.matches("sha256-").count(), 2, "{p}");
        assert!(!p.contains("unsafe-inline"));
        assert!(p.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn the_map_tiles_origin_is_the_one_other_image_source() {
        let p = for_html_with_images("<html></html>", Some("https://*.tile.example.com"));
        assert!(
            p.contains("img-src 'self' data: blob: https://*.tile.example.com;"),
            "{p}"
        );
        assert!(for_html("<html></html>").contains("img-src 'self' data: blob:;"));
    }

    #[test]
    fn a_page_without_inline_blocks_gets_no_hashes() {
        let p = for_html("<html><body>hi</body></html>");
        assert!(p.contains("script-src 'self' 'wasm-unsafe-eval';"), "{p}");
        assert!(p.contains("style-src 'self';"), "{p}");
    }
}
