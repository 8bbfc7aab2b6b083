//! Small wrappers over browser APIs the components use: clock, randomness, storage, fetch.
//!
//! Each returns a plain Rust value or `None` rather than throwing, so a browser that refuses
//! (storage disabled, no crypto) degrades instead of breaking the page.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds on the page's monotonic clock.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// A fresh random token (128 bits, hex) for one view of one artifact.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

thread_local! {
    /// Values this browser's storage refused, kept for this tab instead so nothing the person
    /// set is lost silently while the tab lives.
    static UNSAVED: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::default();
}

/// A value from the studio's own localStorage (or kept for this tab when it could not be saved).
pub fn load(key: &str) -> Option<String> {
    UNSAVED
        .with(|u| u.borrow().get(key).cloned())
        .or_else(|| local_storage().and_then(|s| s.get_item(key).ok().flatten()))
}

/// Saves a value in the studio's own localStorage. When the browser refuses (storage full or
/// turned off), the value is kept for this tab and the error says so; callers that hold
/// anything the person typed must show it.
pub fn save(key: &str, value: &str) -> Result<(), String> {
    let saved = local_storage()
        .ok_or_else(|| "this browser gives the page no storage".to_owned())
        .and_then(|s| {
            s.set_item(key, value).map_err(|e| {
                let name = js_sys::Reflect::get(&e, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    .unwrap_or_default();
                if name == "QuotaExceededError" {
                    "this browser's storage for this page is full".to_owned()
                } else {
                    "this browser refused to save it".to_owned()
                }
            })
        });
    UNSAVED.with(|u| {
        let mut u = u.borrow_mut();
        match &saved {
            Ok(()) => u.remove(key),
            Err(_) => u.insert(key.to_owned(), value.to_owned()),
        }
    });
    saved
}

/// Removes a value from the studio's own localStorage.
pub fn remove(key: &str) {
    UNSAVED.with(|u| u.borrow_mut().remove(key));
    if let Some(s) = local_storage() {
        let _ = s.remove_item(key);
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

/// A value from this tab's sessionStorage (it outlives a reload, and a crash of the page).
pub fn session_load(key: &str) -> Option<String> {
    session_storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// Keeps a value in this tab's sessionStorage; a refusal only loses a safeguard.
pub fn session_save(key: &str, value: &str) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(key, value);
    }
}

/// Removes a value from this tab's sessionStorage.
pub fn session_remove(key: &str) {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(key);
    }
}

/// Every entry of the studio's own localStorage whose key starts with `prefix`.
pub fn local_entries(prefix: &str) -> Vec<(String, String)> {
    let Some(s) = local_storage() else {
        return Vec::new();
    };
    let n = s.length().unwrap_or(0);
    (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .filter_map(|k| Some((k.clone(), s.get_item(&k).ok().flatten()?)))
        .collect()
}

/// GETs a same-origin URL and returns its body text, or a message saying what failed.
pub async fn fetch_text(url: &str) -> Result<String, String> {
    fetch_text_and_header(url, None).await.map(|(text, _)| text)
}

/// [`fetch_text`], also giving whether the response carried `header` (set by this site's own
/// service worker).
pub async fn fetch_text_and_header(
    url: &str,
    header: Option<&str>,
) -> Result<(String, bool), String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| format!("could not fetch {url}"))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "fetch returned no response".to_owned())?;
    if !response.ok() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let flagged = header.is_some_and(|h| response.headers().has(h).unwrap_or(false));
    let text = response.text().map_err(|_| "no body".to_owned())?;
    let text = JsFuture::from(text)
        .await
        .map_err(|_| "could not read the body".to_owned())?;
    let text = text
        .as_string()
        .ok_or_else(|| "body is not text".to_owned())?;
    Ok((text, flagged))
}

/// The content of the page's `<meta name="…">`, as the bundle filled it in.
pub fn meta(name: &str) -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector(&format!("meta[name={name}]"))
        .ok()
        .flatten()?
        .get_attribute("content")
        .filter(|s| !s.contains("{{"))
}

/// The version of this build's sandbox pages, which their addresses carry (see
/// `kiln_core::sandbox::pages_version`); empty when the page does not say.
pub fn sandbox_version() -> String {
    meta("kiln-sandbox-version")
        .filter(|v| kiln_core::sandbox::is_pages_version(v))
        .unwrap_or_default()
}

/// The page's origin, e.g. `http://127.0.0.1:8787`.
pub fn page_origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The folder the page is served from, e.g. `https://example.org/kiln` (no trailing `/`), so
/// server paths work when a reverse proxy puts Kiln under a sub-path.
pub fn page_base() -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let page = href.split(['#', '?']).next().unwrap_or_default();
    page.rsplit_once('/')
        .map_or(page, |(dir, _)| dir)
        .to_owned()
}

/// POSTs `json` to a same-origin URL of this server's API; returns the status and the body
/// text. Declared as JSON: the server refuses other types, which other sites' pages could send.
pub async fn post_json(url: &str, json: &str) -> Result<(u16, String), String> {
    let window = web_sys::window().ok_or("no window")?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().map_err(|_| "no headers".to_owned())?;
    headers
        .set("content-type", "application/json")
        .map_err(|_| "no headers".to_owned())?;
    init.set_headers(&headers);
    init.set_body(&wasm_bindgen::JsValue::from_str(json));
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| format!("could not reach {url}"))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "fetch returned no response".to_owned())?;
    let status = response.status();
    let text = response.text().map_err(|_| "no body".to_owned())?;
    let text = JsFuture::from(text)
        .await
        .map_err(|_| "could not read the body".to_owned())?;
    Ok((status, text.as_string().unwrap_or_default()))
}

/// GETs `url` and returns its bytes when the answer is 200.
pub async fn get_bytes(url: &str) -> Result<Vec<u8>, String> {
    let buffer = get_buffer(url).await?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// [`get_bytes`], left in the browser's memory as an `ArrayBuffer` (to hand on to a frame).
pub async fn get_buffer(url: &str) -> Result<js_sys::ArrayBuffer, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| format!("could not reach {url}"))?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "fetch returned no response".to_owned())?;
    if response.status() != 200 {
        return Err(format!("{url} answered {}", response.status()));
    }
    let buffer = response.array_buffer().map_err(|_| "no body".to_owned())?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| "could not read the body".to_owned())?;
    buffer
        .dyn_into()
        .map_err(|_| "the body is not bytes".to_owned())
}

/// Removes `key` from sessionStorage when the page goes away normally (a reload, a closed
/// tab), for as long as the calling component lives: a mark still there on load means the page
/// died instead.
pub fn session_remove_on_pagehide(key: &'static str) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let listener = gloo_events::EventListener::new(&w, "pagehide", move |_| session_remove(key));
    // Dropping the listener removes it.
    let hook = leptos::prelude::StoredValue::new_local(Some(listener));
    leptos::prelude::on_cleanup(move || {
        leptos::prelude::UpdateValue::try_update_value(&hook, Option::take);
    });
}

/// Waits `delay` without blocking the page (a `setTimeout` as a future).
pub async fn sleep(delay: std::time::Duration) {
    // Past `i32::MAX` ms browsers fire at once.
    let ms = u32::try_from(delay.as_millis().min(i32::MAX as u128)).unwrap_or(0);
    gloo_timers::future::TimeoutFuture::new(ms).await;
}
