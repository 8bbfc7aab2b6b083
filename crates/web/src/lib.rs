//! The studio page, compiled to WebAssembly and mounted into `web/index.html`.
//!
//! Components stay thin: they bind signals to plain `kiln-core` types, and every decision that
//! can be made without the DOM lives in the core, where it is tested natively.
// The `bare-page` build mounts only `bare::Bare`; the studio's code is then unused.
#![cfg_attr(feature = "bare-page", allow(dead_code, unused_imports))]

mod app;
mod apps;
mod artifact_menu;
#[cfg(feature = "bare-page")]
mod bare;
mod browser;
mod code_runs;
mod code_tab;
mod composer;
mod console_view;
mod editor;
mod frame;
mod gallery;
mod history;
mod history_guard;
mod idb;
mod lazy;
mod live;
mod offline;
mod overlays;
mod preview;
mod runs;
mod saved;
mod settings;
mod share;
mod state;
mod status;
mod transcript_view;
mod transport;
mod turns;
mod versions;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point called by the bundle's loader once the wasm module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    // No panic hook: the bundle is built with `panic=immediate-abort` (crates/xtask), so a
    // panic traps at once and no hook would ever run.
    #[cfg(feature = "bare-page")]
    leptos::mount::mount_to_body(bare::Bare);
    #[cfg(not(feature = "bare-page"))]
    {
        history_guard::install();
        leptos::mount::mount_to_body(app::App);
        lazy::prefetch_all();
    }
}
