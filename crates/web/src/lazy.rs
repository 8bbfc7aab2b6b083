//! Parts of the studio loaded apart from the page, so its first load carries only the layout,
//! the conversation and the composer.
//!
//! Each `#[wasm_split(chunk)]` function below is a split point: `cargo xtask bundle` cuts the code
//! only it reaches out of the page's wasm into `split_<chunk>-<hash>.wasm` (with
//! `wasm_split_cli_support`), and calling it fetches that file once, then runs the function.
//! Code two chunks share goes into a `chunk_<n>` file loaded with either. `prefetch_all` fetches
//! them all once the page is up. A failed fetch (the network went away, a new deployment removed
//! the old files) is an `Err`, never a panic, and the next call tries again: `on_demand` shows
//! it with a button to do that.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use kiln_core::share::SharedArtifact;
use kiln_core::studio::Runnable;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

/// A part of the page, or why its code could not be fetched.
pub type Loaded = Result<AnyView, SplitLoaderError>;

/// The artifact panel with everything behind it: the frames and their runs, live artifacts,
/// code runs, the Code, Console and Versions tabs, the editor's glue. Most of the page's code.
#[wasm_split(
    preview,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_preview)
)]
pub fn preview(props: crate::preview::PreviewProps) -> Loaded {
    Ok(crate::preview::Preview(props).into_any())
}

/// The artifact panel once the settings panel's code is here (`load_settings`): an app that runs
/// may keep the page's thread busy, and the settings, where a key is typed, must then still
/// open at once.
pub async fn preview_after_settings(props: crate::preview::PreviewProps) -> Loaded {
    let _ = load_settings().await;
    preview(props).await
}

/// Draws the settings panel.
type SettingsView = fn(crate::settings::SettingsPanelProps) -> AnyView;

/// The settings panel's view function, once its code is in the page.
static SETTINGS: OnceLock<SettingsView> = OnceLock::new();

/// The settings panel's code (the model, the provider, the key, the model list).
#[wasm_split(settings, wasm_split_path = ::leptos::wasm_split, fallible)]
fn settings_view() -> Result<SettingsView, SplitLoaderError> {
    Ok(|props| crate::settings::SettingsPanel(props).into_any())
}

/// Fetches the settings panel's code, once.
pub async fn load_settings() -> Result<SettingsView, SplitLoaderError> {
    if let Some(view) = SETTINGS.get() {
        return Ok(*view);
    }
    let view = settings_view().await?;
    Ok(*SETTINGS.get_or_init(|| view))
}

/// The settings panel. Once its code is here (fetched before any app can run) it is drawn in
/// place, with nothing to wait for, as a flood from an app could delay that wait (single runs
/// in WebKit: up to 1.5 s through `Suspense`, 0.1–0.4 s in place); before, it is fetched.
pub fn settings_panel<F>(props: F) -> impl IntoView
where
    F: Fn() -> crate::settings::SettingsPanelProps + Clone + Send + Sync + 'static,
{
    move || match SETTINGS.get() {
        Some(view) => view(props()),
        None => {
            let props = props.clone();
            on_demand(
                move || {
                    let props = props.clone();
                    async move { load_settings().await.map(|view| view(props())) }
                },
                loading,
            )
            .into_any()
        }
    }
}

/// The history panel (the saved conversations, rename, delete, export, import).
#[wasm_split(
    history,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_history)
)]
pub fn history(props: crate::history::HistoryPanelProps) -> Loaded {
    Ok(crate::history::HistoryPanel(props).into_any())
}

/// The Share dialog, with the codec that makes links.
#[wasm_split(
    share,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_share)
)]
pub fn share_dialog(
    runnable: Runnable,
    prompt: Option<String>,
    short_links: Signal<bool>,
    on_close: Callback<()>,
) -> Loaded {
    Ok(view! {
        <crate::share::ShareDialog runnable=runnable language=None prompt=prompt short_links=short_links on_close=move || on_close.run(())/>
    }
    .into_any())
}

/// The banner over an artifact opened from a link.
#[wasm_split(share, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn shared_banner(
    shared: SharedArtifact,
    on_remix: Callback<()>,
    on_view_code: Callback<()>,
) -> Loaded {
    Ok(view! {
        <crate::share::SharedBanner shared=shared on_remix=move || on_remix.run(()) on_view_code=move || on_view_code.run(())/>
    }
    .into_any())
}

/// A decoding of the link in the address (`share::open_link`), to be awaited.
pub type Opening = Pin<Box<dyn Future<Output = Result<SharedArtifact, String>>>>;

/// Decodes a share link with the codec, fetched with the share chunk.
#[wasm_split(share, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn open_link(payload: String) -> Result<Opening, SplitLoaderError> {
    Ok(Box::pin(
        async move { crate::share::open_link(&payload).await },
    ))
}

/// Starts a turn (`Turns::start_now`): the code that sends a message and streams the reply.
#[wasm_split(
    turn,
    wasm_split_path = ::leptos::wasm_split,
    fallible,
    preload(preload_turn)
)]
pub fn turn(turns: crate::turns::Turns) -> Result<(), SplitLoaderError> {
    turns.start_now();
    Ok(())
}

/// Fetches every part in the background once the page is up, the code that sends first: the
/// first load stays small, and a part opened later opens at once, also while a hostile app
/// keeps the page's thread busy (a fetch and a compile would then wait behind it). A part that
/// fails here is fetched again when it is used, and says so if that fails too.
/// (Measured in WebKit, where frames share the page's process: the settings panel fetched on
/// first use took 16 s to open under a flood.)
pub fn prefetch_all() {
    leptos::task::spawn_local(async {
        let _ = preload_turn().await;
        let _ = load_settings().await;
        let _ = preload_preview().await;
        let _ = preload_history().await;
        let _ = preload_share().await;
    });
}

/// What a failed fetch of a chunk says.
macro_rules! not_loaded {
    () => {
        "This part of Kiln could not be loaded (is the network down, or was Kiln updated?)."
    };
}

/// What a send or a link says when its code could not be fetched; what was typed stays.
pub const LOAD_FAILED: &str = concat!(not_loaded!(), " Try again, or reload the page.");

/// What a part fetched on demand shows while its code arrives.
pub fn loading() -> AnyView {
    view! { <p class="muted" role="status" data-testid="part-loading">"Loading…"</p> }.into_any()
}

/// Shows the part `load` makes, `loading` while its code is fetched the first time, and a
/// message with a Try again button if the fetch fails.
pub fn on_demand<F, Fut>(load: F, loading: fn() -> AnyView) -> impl IntoView
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Loaded> + Send + 'static,
{
    let attempt = RwSignal::new(0u32);
    move || {
        attempt.track();
        let load = load.clone();
        view! {
            <Suspense fallback=loading>
                {Suspend::new(async move {
                    load().await.unwrap_or_else(|_| {
                        view! {
                            <p class="warn" role="alert" data-testid="load-failed">
                                {concat!(not_loaded!(), " ")}
                                <button class="secondary small" data-testid="load-retry" on:click=move |_| attempt.update(|n| *n += 1)>"Try again"</button>
                            </p>
                        }
                        .into_any()
                    })
                })}
            </Suspense>
        }
    }
}
