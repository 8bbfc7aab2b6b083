//! Parts of the studio loaded apart from the page: the code that sends a message and streams
//! the reply, the History panel, and sharing (the dialog, the banner, the codec).
//!
//! Each `#[wasm_split(chunk)]` function below is a split point: `cargo xtask bundle` cuts the code
//! only it reaches out of the page's wasm into `split_<chunk>-<hash>.wasm` (with
//! `wasm_split_cli_support`), and calling it fetches that file once, then runs the function.
//! Code two chunks share goes into a `chunk_<n>` file loaded with either. `prefetch_all` fetches
//! them all once the page is up. A failed fetch (the network went away, a new deployment removed
//! the old files) is an `Err`, never a panic, and the next call tries again: `on_demand` shows
//! it with a button to do that.
//!
//! The artifact panel and the settings panel stay in the page. Cut out, they took the page
//! under 250 KB, and every browser test passed in Chromium and Firefox; but in WebKit, where the
//! studio and its frames share one process, the code that handles a flooding app's messages ran
//! slower as a part than in the page, and the settings panel then took 1.0–2.6 s to open under a
//! flood against 0.1–0.4 s (the flood tests allow 1 s; BENCHMARKS.md). The settings are where a
//! key is typed while an app runs, so that promise comes first.

use std::future::Future;
use std::pin::Pin;

use kiln_core::share::SharedArtifact;
use kiln_core::studio::Runnable;
use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};

/// A part of the page, or why its code could not be fetched.
pub type Loaded = Result<AnyView, SplitLoaderError>;

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
/// keeps the page's thread busy (a fetch and a compile would wait behind it: measured in
/// WebKit, a panel fetched on first use under a flood took 16 s to open). A part that fails
/// here is fetched again when it is used, and says so if that fails too.
pub fn prefetch_all() {
    leptos::task::spawn_local(async {
        let _ = preload_turn().await;
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
