//! The preview bar's "More" menu: Download (a React app as one HTML file that runs offline,
//! its source as a second choice) and Full screen. A menu rather than more buttons, so the
//! app's title keeps its room in the bar at desktop widths.

use kiln_core::artifact::ArtifactKind;
use kiln_core::render::standalone::Standalone;
use kiln_core::sandbox::{self, SandboxConfig};
use kiln_core::studio::{Runnable, download_name};
use leptos::prelude::*;

use crate::browser;

/// Where the sandbox serves its vendored libraries, as an absolute URL ending in `/`.
fn vendor_base(config: Option<Result<SandboxConfig, String>>) -> Result<String, String> {
    let config = config
        .ok_or("the sandbox's settings are not loaded yet")?
        .map_err(|e| format!("the sandbox is not available: {e}"))?;
    let page = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let runner = sandbox::resolve_runner(&config.runner, &page).map_err(|e| e.to_string())?;
    Ok(runner.vendor_prefix())
}

/// The offline page of a React artifact, with the vendored files it needs fetched from the
/// sandbox (a static host must let this page read them: the same CORS header the sandbox needs).
async fn offline_react(r: &Runnable, base: &str) -> Result<String, String> {
    let mut page = Standalone::react(&r.title, &r.source).map_err(|e| e.to_string())?;
    loop {
        let missing = page.missing();
        if missing.is_empty() {
            break;
        }
        for file in missing {
            let text = browser::fetch_text(&format!("{base}{file}"))
                .await
                .map_err(|e| {
                    format!(
                        "the sandbox did not let this page read its library file {file} ({e}). \
                     A static host must send Access-Control-Allow-Origin for sandbox/vendor/ \
                     (see docs/deploy.md)"
                    )
                })?;
            page.add(file, text);
        }
    }
    page.finish().map_err(|e| e.to_string())
}

#[component]
pub fn ArtifactMenu(
    runnable: ReadSignal<Option<Runnable>>,
    sandbox_config: Signal<Option<Result<SandboxConfig, String>>>,
    on_full_screen: Callback<()>,
) -> impl IntoView {
    let menu = NodeRef::<leptos::html::Details>::new();
    let close = move || {
        if let Some(m) = menu.get_untracked() {
            m.set_open(false);
        }
    };
    // What the last download said when it could not be made; cleared by the next artifact.
    let problem = RwSignal::new(None::<String>);
    let making = RwSignal::new(false);
    Effect::new(move |_| {
        runnable.track();
        problem.set(None);
    });
    let is_react =
        move || runnable.with(|r| r.as_ref().is_some_and(|r| r.kind == ArtifactKind::React));

    let download_app = move |_| {
        close();
        let Some(r) = runnable.get_untracked() else {
            return;
        };
        if r.kind != ArtifactKind::React {
            let name = download_name(&r.title, r.kind, r.language.as_deref());
            crate::share::download(&name, &r.source);
            return;
        }
        problem.set(None);
        making.set(true);
        let config = sandbox_config.get_untracked();
        leptos::task::spawn_local(async move {
            let made = match vendor_base(config) {
                Ok(base) => offline_react(&r, &base).await,
                Err(e) => Err(e),
            };
            making.set(false);
            match made {
                Ok(page) => crate::share::download(
                    &download_name(&r.title, ArtifactKind::Html, None),
                    &page,
                ),
                Err(e) => problem.set(Some(format!(
                    "Could not make the offline file: {e}. Download source still gives the component."
                ))),
            }
        });
    };
    let download_source = move |_| {
        close();
        runnable.with_untracked(|r| {
            if let Some(r) = r {
                crate::share::download(
                    &download_name(&r.title, r.kind, r.language.as_deref()),
                    &r.source,
                );
            }
        });
    };
    // Leaving the menu (a click elsewhere, Tab past its last item) closes it.
    let on_focus_out = move |ev: web_sys::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Node>(t).ok())
            .zip(menu.get_untracked())
            .is_some_and(|(t, m)| m.contains(Some(&t)));
        if !inside {
            close();
        }
    };
    view! {
        <details class="menu" node_ref=menu data-testid="more-menu" on:focusout=on_focus_out>
            <summary class="secondary small" data-testid="more-button" aria-label="More: download, full screen" title="Download, full screen">
                {move || if making.get() { "Making file…" } else { "More" }}
            </summary>
            <div class="menu-items" role="menu">
                <button role="menuitem" class="secondary small" data-testid="artifact-download" on:click=download_app>
                    {move || if is_react() { "Download app (.html, runs offline)" } else { "Download" }}
                </button>
                <Show when=is_react>
                    <button role="menuitem" class="secondary small" data-testid="artifact-download-source" on:click=download_source>
                        "Download source (.jsx)"
                    </button>
                </Show>
                <button role="menuitem" class="secondary small" data-testid="full-screen" title="Show the app full screen (Esc leaves)" on:click=move |_| {
                    close();
                    on_full_screen.run(());
                }>"Full screen"</button>
            </div>
        </details>
        {move || problem.get().map(|p| view! { <p class="warn bar-note" role="alert" data-testid="download-problem">{p}</p> })}
    }
}
