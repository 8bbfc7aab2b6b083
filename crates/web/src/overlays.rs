//! What the artifact panel says over or above the app: how isolated the sandbox is when that
//! is weaker than it should be, the network consent it asks for and what was allowed, and the
//! overlays of an app that stopped, froze the page, was held back
//! after the page died with it, left its page or stopped answering.

use kiln_core::sandbox::{self, Consent, Health, SandboxConfig, Starved};
use leptos::prelude::*;

use crate::browser;

/// What the panel says when an app left its page.
const NAVIGATED: &str = "This app tried to leave its page (a link, a form or a redirect to another address). The sandbox does not allow that, so the app is no longer running.";

/// Said when this deployment's sandbox is less isolated than a separate site: judged from the
/// two origins, and from the probe that found apps sharing this page's process.
#[component]
pub fn IsolationNote(
    sandbox_config: Signal<Option<Result<SandboxConfig, String>>>,
    shared_process: ReadSignal<Option<bool>>,
) -> impl IntoView {
    move || {
        let cfg = sandbox_config.get()?.ok()?;
        let page = web_sys::window()?.location().href().ok()?;
        let runner = sandbox::resolve_runner(&cfg.runner, &page).ok()?;
        let page_origin = sandbox::Origin::parse(&browser::page_origin()).ok()?;
        let mut judged = sandbox::isolation_between(&page_origin, runner.origin());
        if shared_process.get() == Some(true) {
            judged = judged.weaker(sandbox::Isolation::SharedProcess);
        }
        let warning = cfg.isolation.weaker(judged).warning()?;
        Some(view! {
            <p class="isolation-note" data-testid="isolation-note">{warning}</p>
        })
    }
}

#[component]
pub fn ConsentNotices(
    /// What the app declares it needs and has not been allowed.
    pending: Memo<Consent>,
    /// What the person allowed it.
    consent: ReadSignal<Consent>,
    on_allow: Callback<()>,
    on_revoke: Callback<()>,
) -> impl IntoView {
    view! {
    <Show when=move || !pending.with(Consent::is_empty)>
        <div class="consent" role="alert" data-testid="network-consent">
            <p>"This app asks to:"</p>
            <ul>
                {move || pending.get().describe().into_iter().map(|d| view! { <li><code>{d}</code></li> }).collect_view()}
            </ul>
            <p class="muted">"It is blocked until you allow it. Allowing lets the app send anything it has, including what you type into it, to other sites."</p>
            <button class="send small" data-testid="allow-network" on:click=move |_| on_allow.run(())>"Allow"</button>
        </div>
    </Show>
    <Show when=move || !consent.with(Consent::is_empty)>
        <div class="consent granted" data-testid="network-granted">
            <span>{move || format!("Allowed: {}", consent.with(|c| c.describe().join(", ")))}</span>
            <button class="secondary small" data-testid="revoke-network" on:click=move |_| on_revoke.run(())>"Revoke"</button>
        </div>
    </Show>
    }
}

#[component]
pub fn Overlays(
    stopped: ReadSignal<bool>,
    frozen: ReadSignal<Option<Starved>>,
    held_back: ReadSignal<bool>,
    navigated: ReadSignal<bool>,
    health: ReadSignal<Health>,
    on_reload: Callback<()>,
    on_stop: Callback<()>,
) -> impl IntoView {
    view! {
    <Show when=move || stopped.get() && frozen.get().is_none()>
        <div class="preview-empty" data-testid="preview-stopped">
            <p class="preview-empty-title">"Stopped"</p>
            <button class="secondary" data-testid="reload-button" on:click=move |_| on_reload.run(())>
                "Run again"
            </button>
        </div>
    </Show>
    <Show when=move || held_back.get()>
        <div class="preview-empty" role="alert" data-testid="died-notice">
            <p class="preview-empty-title">"Not started"</p>
            <p>"This app was running when this page stopped last time (it may hang or use too much memory), so Kiln did not start it again on its own."</p>
            <button class="secondary" data-testid="died-run" on:click=move |_| on_reload.run(())>"Run it"</button>
        </div>
    </Show>
    <Show when=move || frozen.get().is_some()>
        <div class="preview-empty" role="alert" data-testid="frozen-overlay">
            <p class="preview-empty-title">"Stopped"</p>
            <p>{move || frozen.get().map(Starved::describe)}</p>
            <button class="secondary" data-testid="frozen-reload" on:click=move |_| on_reload.run(())>"Run again"</button>
        </div>
    </Show>
    <Show when=move || navigated.get() && !stopped.get()>
        <div class="hung" role="alert" data-testid="navigated-overlay">
            <p class="preview-empty-title">"This app left its page"</p>
            <p>{NAVIGATED}</p>
            <div class="row">
                <button class="send" data-testid="navigated-reload" on:click=move |_| on_reload.run(())>"Run again"</button>
            </div>
        </div>
    </Show>
    <Show when=move || health.get() == Health::Hung && !stopped.get() && !navigated.get()>
        <div class="hung" role="alert" data-testid="hung-overlay">
            <p class="preview-empty-title">"This app stopped responding"</p>
            <p>"It may be stuck in a loop or out of memory. The rest of Kiln keeps working."</p>
            <div class="row">
                <button class="send" data-testid="hung-stop" on:click=move |_| on_stop.run(())>"Stop"</button>
                <button class="secondary" data-testid="hung-reload" on:click=move |_| on_reload.run(())>"Reload"</button>
            </div>
        </div>
    </Show>
    }
}
