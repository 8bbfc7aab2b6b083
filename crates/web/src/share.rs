//! Share links in the page: opening one (`/#2…`, or `/#1…` from before v2), and making one from
//! the current artifact.
//!
//! The link carries the artifact itself in the URL fragment, which no server ever receives.
//! Opening one runs it like any other artifact — in the sandbox, with no network consent
//! carried over — under a banner that says where it came from.

use kiln_core::share::{
    DICTIONARY_FILE, FORMAT_VERSION, LINK_WARN_BYTES, Opening, SharedArtifact, dictionary_ready,
    encode_link, load_dictionary, prepare, share_url,
};
use kiln_core::studio::{Runnable, download_name};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser;

/// The share link payload in the page's address, if there is one. Any length is opened: the
/// core caps it (2 MiB), and decoding runs in slices, so a long link only takes longer.
pub fn payload_in_address() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let payload = hash.strip_prefix('#').unwrap_or(&hash);
    if payload.trim().is_empty() {
        return None;
    }
    Some(payload.to_owned())
}

/// The short link this page was opened from (`?s=<id>`, which `kiln serve`'s `/s/<id>` adds),
/// if `payload` is that link's: an id that does not match the payload names nothing.
pub fn short_link_in_address(payload: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    // An id is URL-safe as it stands, so the query needs no decoding.
    let id = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|p| p.strip_prefix("s="))?;
    (kiln_core::share::valid_short_link_id(id) && kiln_core::share::short_link_id(payload) == id)
        .then(|| id.to_owned())
}

/// How many bytes of dictionary the page trains on, or of a link's body it decodes, between two
/// frames: about 60 ms of work in V8.
const SLICE_BYTES: usize = 8 * 1024;

/// Decodes a link payload, fetching the codec's dictionary and training the model for the
/// link's version first if the page has not yet. Both training and decoding run a slice at a
/// time with the page free in between, so a long (or hostile) link never freezes it.
pub async fn open_link(payload: &str) -> Result<SharedArtifact, String> {
    ensure_dictionary().await?;
    if let Some(version) = payload.trim_start().chars().next() {
        // An unknown version ends the loop; `Opening::start` reports it with its other checks.
        while matches!(prepare(version, SLICE_BYTES), Ok(false)) {
            browser::sleep(std::time::Duration::ZERO).await;
        }
    }
    let mut opening = Opening::start(payload).map_err(|e| e.to_string())?;
    loop {
        if let Some(done) = opening.step(SLICE_BYTES) {
            return done.map_err(|e| e.to_string());
        }
        browser::sleep(std::time::Duration::ZERO).await;
    }
}

/// Whether links can be made right now without training a model first.
fn ready_to_make_links() -> bool {
    dictionary_ready() && prepare(FORMAT_VERSION, 0) == Ok(true)
}

/// Makes the page ready to make links: the dictionary fetched, the current format's model
/// trained in slices between frames, so the page never freezes for the whole of it.
async fn prepare_to_make_links() -> Result<(), String> {
    ensure_dictionary().await?;
    while !prepare(FORMAT_VERSION, SLICE_BYTES).map_err(|e| e.to_string())? {
        browser::sleep(std::time::Duration::ZERO).await;
    }
    Ok(())
}

/// Loads the share codec's dictionary (`DICTIONARY_FILE`, beside the page's assets) once. The
/// page's wasm does not carry it: most visits never make or open a link.
pub async fn ensure_dictionary() -> Result<(), String> {
    if dictionary_ready() {
        return Ok(());
    }
    let bytes = browser::get_bytes(&format!("./{DICTIONARY_FILE}"))
        .await
        .map_err(|e| format!("share links are not available: {e}"))?;
    load_dictionary(bytes).map_err(|e| e.to_string())
}

/// Drops the fragment from the address bar without reloading (after Remix, or on close).
pub fn clear_address() {
    if let Some(w) = web_sys::window()
        && let Ok(history) = w.history()
    {
        let path = w.location().pathname().unwrap_or_else(|_| "/".to_owned());
        // The entry's state stays (it may be the history guard's).
        let state = history.state().unwrap_or(wasm_bindgen::JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&path));
    }
}

/// Starts a download of `content` named `name`. From a Blob, not a `data:` address: a history
/// export or an offline app runs to megabytes, past what browsers take in an address.
pub fn download(name: &str, content: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", name);
        if let Ok(a) = a.dyn_into::<web_sys::HtmlElement>() {
            a.click();
        }
    }
    // The browser reads the Blob after this returns; let it go once the download has begun.
    leptos::task::spawn_local(async move {
        crate::browser::sleep(std::time::Duration::from_secs(60)).await;
        let _ = web_sys::Url::revoke_object_url(&url);
    });
}

/// The banner over a shared artifact.
#[component]
pub fn SharedBanner(
    shared: SharedArtifact,
    on_remix: impl Fn() + 'static,
    on_view_code: impl Fn() + 'static,
) -> impl IntoView {
    let SharedArtifact {
        kind,
        title,
        language,
        content,
        prompt,
    } = shared;
    let name = download_name(
        title.as_deref().unwrap_or("artifact"),
        kind,
        language.as_deref(),
    );
    view! {
        <div class="shared-banner" role="note" data-testid="shared-banner">
            <p>
                <strong>"Shared with you."</strong>
                " A model made this app and someone shared it as a link. It runs isolated from this page and cannot reach the network unless you allow it."
            </p>
            {prompt.map(|p| view! { <p class="muted" data-testid="shared-prompt">{format!("Prompt: {p}")}</p> })}
            <div class="row">
                <button class="send small" data-testid="remix-button" on:click=move |_| on_remix()>"Remix"</button>
                <button class="secondary small" data-testid="view-code-button" on:click=move |_| on_view_code()>"View code"</button>
                <button class="secondary small" data-testid="download-button" on:click=move |_| download(&name, &content)>"Download"</button>
            </div>
        </div>
    }
}

/// The page shown for a link that cannot be opened.
#[component]
pub fn BrokenLink(error: String) -> impl IntoView {
    view! {
        <div class="preview-empty broken-link" role="alert" data-testid="share-error">
            <p class="preview-empty-title">"This share link cannot be opened"</p>
            <p>{error}</p>
            <p class="muted">"It may have been cut short when it was copied. Ask for the link again, or open the studio to make something new."</p>
            <a href="./" data-testid="share-error-home">"Open the studio"</a>
        </div>
    }
}

/// The short link `POST ./api/links` answered, as an address, or why there is none.
fn short_link_from(answer: Result<(u16, String), String>) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Created {
        path: Option<String>,
        error: Option<String>,
    }
    let (status, body) = answer?;
    let created: Created = serde_json::from_str(&body)
        .map_err(|_| format!("The server answered {status} without a link."))?;
    match (created.path, created.error) {
        (Some(path), _) if status == 201 => Ok(format!("{}/{path}", browser::page_base())),
        (_, Some(e)) => Err(format!("No short link: {e}.")),
        _ => Err(format!("The server answered {status} without a link.")),
    }
}

/// The Share dialog for the current artifact.
#[component]
pub fn ShareDialog(
    runnable: Runnable,
    language: Option<String>,
    prompt: Option<String>,
    /// Whether the server makes short links (`kiln serve`).
    short_links: Signal<bool>,
    on_close: impl Fn() + 'static,
) -> impl IntoView {
    let include_prompt = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let short = RwSignal::new(None::<Result<String, String>>);
    // The codec's dictionary arrives as a file the first time a link is made or opened, and
    // the model trains on it once.
    let ready = RwSignal::new(ready_to_make_links());
    let load_error = RwSignal::new(None::<String>);
    if !ready.get_untracked() {
        leptos::task::spawn_local(async move {
            match prepare_to_make_links().await {
                Ok(()) => ready.set(true),
                Err(e) => load_error.set(Some(e)),
            }
        });
    }
    let link = Memo::new(move |_| {
        if !ready.get() {
            return Err(load_error
                .get()
                .unwrap_or_else(|| "Preparing the link…".to_owned()));
        }
        let mut shared = SharedArtifact::new(runnable.kind, runnable.source.clone());
        shared.title = Some(runnable.title.clone());
        shared.language = language.clone();
        if include_prompt.get() {
            shared.prompt = prompt.clone();
        }
        let base = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        short.set(None);
        encode_link(&shared)
            .map(|payload| share_url(&base, &payload))
            .map_err(|e| e.to_string())
    });
    let make_short = move |_| {
        let Ok(l) = link.get_untracked() else {
            return;
        };
        let payload = l.split_once('#').map_or(l.as_str(), |(_, p)| p).to_owned();
        let Ok(body) = serde_json::to_string(&kiln_core::deploy::LinkRequest { payload }) else {
            return;
        };
        short.set(Some(Err("Making a short link…".to_owned())));
        leptos::task::spawn_local(async move {
            let answer = browser::post_json("./api/links", &body).await;
            short.set(Some(short_link_from(answer)));
        });
    };
    let copy = move |_| {
        if let (Ok(l), Some(w)) = (link.get_untracked(), web_sys::window()) {
            let _ = w.navigator().clipboard().write_text(&l);
            copied.set(true);
        }
    };
    let close = on_close;
    // The panel opens at the top of the page: brought into view, so that on a phone scrolled
    // down to the app, pressing Share visibly does something.
    let panel = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(el) = panel.get() {
            el.scroll_into_view_with_bool(true);
        }
    });
    view! {
        <div class="share-dialog" role="dialog" aria-label="Share" data-testid="share-dialog" node_ref=panel>
            {move || match link.get() {
                Ok(l) => {
                    let len = l.len();
                    view! {
                        <label class="visually-hidden" for="share-link">"Share link"</label>
                        <input id="share-link" readonly data-testid="share-link" prop:value=l/>
                        <p class="muted" data-testid="share-length">
                            {format!("{len} characters. The app travels inside the link; no server stores it.")}
                        </p>
                        {(len > LINK_WARN_BYTES).then(|| view! {
                            <p class="warn" data-testid="share-warning">
                                "Over 32 KB: some chat apps cut links this long. Send it as a file, or use a kiln serve short link."
                            </p>
                        })}
                    }.into_any()
                }
                Err(e) if !ready.get() && load_error.get().is_none() => {
                    view! { <p class="muted" role="status" data-testid="share-preparing">{e}</p> }.into_any()
                }
                Err(e) => view! { <p class="warn" data-testid="share-warning">{e}</p> }.into_any(),
            }}
            {move || short_links.get().then(|| view! {
                <div class="row">
                    <button class="secondary small" data-testid="share-short" on:click=make_short
                        prop:disabled=move || link.with(Result::is_err)>"Make a short link"</button>
                    {move || match short.get() {
                        Some(Ok(url)) => view! {
                            <input readonly data-testid="share-short-link" prop:value=url/>
                        }.into_any(),
                        Some(Err(e)) => view! { <span class="muted" data-testid="share-short-status">{e}</span> }.into_any(),
                        None => view! { <span class="muted">"Stored on this server; the link stays short."</span> }.into_any(),
                    }}
                </div>
            })}
            <label class="check">
                <input type="checkbox" data-testid="share-include-prompt" prop:checked=move || include_prompt.get()
                    on:change=move |ev| include_prompt.set(event_target_checked(&ev))/>
                "Include the prompt"
            </label>
            <p class="muted">"Your API keys and history are never part of a link."</p>
            <div class="row">
                <button class="send small" data-testid="share-copy" on:click=copy
                    prop:disabled=move || link.with(Result::is_err)>
                    {move || if copied.get() { "Copied" } else { "Copy link" }}
                </button>
                <button class="secondary small" data-testid="share-close" on:click=move |_| close()>"Close"</button>
            </div>
        </div>
    }
}
