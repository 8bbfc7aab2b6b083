//! The artifact panel: the preview bar, consent, and the Preview / Code / Console / Versions
//! tabs over the runs of the artifact (`runs.rs`: the frames, their runners and the watchdog).

use std::time::Duration;

use kiln_core::sandbox::{self, ConsoleLog, SandboxConfig};
use kiln_core::studio::Runnable;
use leptos::prelude::*;

use crate::apps::Apps;
use crate::browser;
use crate::code_runs::CodeRuns;
use crate::code_tab::CodeTab;
use crate::console_view::{AUTO_FIX_KEY, ConsoleTab};
use crate::overlays::{ConsentNotices, IsolationNote, Overlays};
use crate::runs::Runs;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Preview,
    Code,
    Console,
    Versions,
}

/// How long errors are gathered after the first before an automatic fix is sent.
const AUTO_FIX_SETTLE_MS: u64 = 800;

#[component]
pub fn Preview(
    /// The artifact to run, if any.
    runnable: ReadSignal<Option<Runnable>>,
    /// Where the sandbox lives, once `/config.json` has been read.
    sandbox_config: Signal<Option<Result<SandboxConfig, String>>>,
    /// Set by the Share button; the page shows the share dialog.
    share_open: RwSignal<bool>,
    /// Bumped to switch to the Code tab from outside (a shared link's "View code").
    show_code: ReadSignal<u32>,
    /// Whether the server runs code artifacts (`POST ./api/run`).
    can_run: Signal<bool>,
    /// Whether the app must be hidden now (an API key is being typed in the studio).
    hold: Signal<bool>,
    /// Asks the model to fix the captured errors (the Fix button); gets the prompt to send.
    on_fix: Callback<String>,
    /// The same, sent without a click when automatic fixing is on; the page decides whether
    /// the budget allows it.
    on_auto_fix: Callback<String>,
    /// The current artifact's versions, oldest first.
    versions: Signal<Vec<kiln_core::artifact::Artifact>>,
    /// The version shown, when it is not the newest.
    viewing: Signal<Option<u32>>,
    /// Shows version n.
    on_show_version: Callback<u32>,
    /// Makes version n the newest again.
    on_restore: Callback<u32>,
    /// Keeps code edited by hand in the Code tab as a new version, and runs it.
    on_hand_edit: Callback<String>,
) -> impl IntoView {
    let apps = expect_context::<Apps>();
    let tab = RwSignal::new(Tab::Preview);
    Effect::new(move |prev: Option<u32>| {
        let n = show_code.get();
        if prev.is_some_and(|p| p != n) {
            tab.set(Tab::Code);
        }
        n
    });
    // Automatic fixing: off unless the person turned it on (kept in this browser). Errors are
    // collected for a moment after the first one, so one fix carries them together.
    let auto_fix = RwSignal::new(browser::load(AUTO_FIX_KEY).as_deref() == Some("on"));
    let fix_armed = StoredValue::new(false);

    let runs = Runs::new(runnable, hold);
    let Runs {
        stopped,
        shared_process,
        frozen,
        held_back,
        navigated,
        paused,
        health,
        console,
        console_rev,
        consent,
        frames,
        ..
    } = runs;
    // Code artifacts' runs (in this browser or on the server), kept across tabs.
    let code_runs = CodeRuns::new(console, console_rev);
    // A new artifact opens on the Preview tab, without the last one's run.
    Effect::new(move |_| {
        runnable.track();
        tab.set(Tab::Preview);
        code_runs.reset();
    });

    let fix_prompt = move || {
        let errors = console.with_value(ConsoleLog::errors);
        let code =
            runnable.with_untracked(|r| r.as_ref().map(|r| r.source.clone()).unwrap_or_default());
        (!errors.is_empty()).then(|| kiln_core::protocol::fix_prompt(&errors, &code))
    };
    Effect::new(move |_| {
        console_rev.track();
        if !console.with_value(ConsoleLog::has_errors) {
            fix_armed.set_value(true);
            return;
        }
        let complete = runnable.with_untracked(|r| r.as_ref().is_some_and(|r| r.complete));
        if !auto_fix.get_untracked() || !complete || !fix_armed.get_value() {
            return;
        }
        fix_armed.set_value(false);
        leptos::task::spawn_local(async move {
            browser::sleep(Duration::from_millis(AUTO_FIX_SETTLE_MS)).await;
            if let Some(prompt) = fix_prompt() {
                on_auto_fix.run(prompt);
            }
        });
    });

    let declared = Memo::new(move |_| {
        runnable.with(|r| {
            r.as_ref()
                .map(|r| sandbox::declared_consent(&r.html))
                .unwrap_or_default()
        })
    });
    let pending = Memo::new(move |_| declared.with(|d| consent.with(|c| c.missing(d))));

    let allow_network = move |()| runs.grant(&pending.get_untracked());
    let revoke_network = move |()| runs.revoke();

    let frame_wrap = NodeRef::<leptos::html::Div>::new();
    let full_screen = move |()| {
        if let Some(el) = frame_wrap.get_untracked() {
            let _ = el.request_fullscreen();
        }
    };
    let use_app = move |_| {
        tab.set(Tab::Preview);
        runs.focus_app();
    };
    // Errors past what the studio keeps per app (its store, its consent) are said once here.
    let apps_message = move || {
        apps.message
            .get()
            .map(|m| view! { <p class="warn" data-testid="apps-message">{m}</p> })
    };

    view! {
        <section class="preview" class:idle=move || runnable.with(Option::is_none) aria-label="Artifact" data-testid="preview-panel">
            <Show
                when=move || runnable.with(Option::is_some)
                fallback=|| view! {
                    <div class="preview-empty" data-testid="preview-empty">
                        <p class="preview-empty-title">"Nothing to preview yet"</p>
                        <p>"The app the model writes will run here, isolated from this page."</p>
                    </div>
                }
            >
                <div class="preview-bar">
                    <span class="preview-title" data-testid="artifact-title">
                        {move || runnable.with(|r| r.as_ref().map(|r| r.title.clone()).unwrap_or_default())}
                    </span>
                    <div class="tabs" role="tablist">
                        <button role="tab" data-testid="tab-preview" class:active=move || tab.get() == Tab::Preview on:click=move |_| tab.set(Tab::Preview)>"Preview"</button>
                        <button role="tab" data-testid="tab-code" class:active=move || tab.get() == Tab::Code on:click=move |_| tab.set(Tab::Code)>"Code"</button>
                        <button role="tab" data-testid="tab-console" class:active=move || tab.get() == Tab::Console on:click=move |_| tab.set(Tab::Console)>
                            "Console"
                            <span class="count" data-testid="console-count">{move || { console_rev.track(); console.with_value(ConsoleLog::len) }}</span>
                        </button>
                        <button role="tab" data-testid="tab-versions" class:active=move || tab.get() == Tab::Versions on:click=move |_| tab.set(Tab::Versions)>
                            "Versions"
                            <span class="count" data-testid="versions-count">{move || versions.with(Vec::len)}</span>
                        </button>
                    </div>
                    <button class="secondary small" data-testid="share-button" on:click=move |_| share_open.set(true)>"Share"</button>
                    <crate::artifact_menu::ArtifactMenu runnable=runnable sandbox_config=sandbox_config on_full_screen=Callback::new(full_screen)/>
                    <button class="secondary small" data-testid="stop-button" on:click=move |_| runs.stop()>"Stop app"</button>
                </div>
                <IsolationNote sandbox_config=sandbox_config shared_process=shared_process.read_only()/>
                {apps_message}
                <ConsentNotices pending=pending consent=consent.read_only() on_allow=Callback::new(allow_network) on_revoke=Callback::new(revoke_network)/>
                <crate::live::ModelConsent live=runs.live/>
                <button type="button" class="visually-hidden-focusable" data-testid="use-app" on:click=use_app>
                    "Use the app with the keyboard"
                </button>
                <div class="frame-wrap" node_ref=frame_wrap class:hidden=move || tab.get() != Tab::Preview class:held=move || hold.get()>
                    <Show when=move || hold.get()>
                        <div class="preview-empty" data-testid="preview-held">
                            <p>"The app is hidden while you type an API key, so no app can see it."</p>
                        </div>
                    </Show>
                    <For each=move || frames.get() key=|n| *n let:id>
                        {move || runs.frame(id, sandbox_config)}
                    </For>
                    <Overlays
                        stopped=stopped.read_only()
                        frozen=frozen.read_only()
                        held_back=held_back.read_only()
                        navigated=navigated.read_only()
                        health=health.read_only()
                        on_reload=Callback::new(move |()| runs.reload())
                        on_stop=Callback::new(move |()| runs.stop())
                    />
                </div>
                <Show when=move || paused.get() && tab.get() == Tab::Preview>
                    <p class="muted" role="status" data-testid="app-paused">"Paused: the keyboard went into the app without a click Kiln could see. Press Resume in the app to use it again."</p>
                </Show>
                <Show when=move || tab.get() == Tab::Code>
                    <CodeTab runnable=runnable can_run=can_run sandbox_config=sandbox_config code_runs=code_runs on_hand_edit=on_hand_edit/>
                </Show>
                <Show when=move || tab.get() == Tab::Versions>
                    <crate::versions::VersionsView versions=versions viewing=viewing on_show=on_show_version on_restore=on_restore/>
                </Show>
                <Show when=move || tab.get() == Tab::Console>
                    <ConsoleTab
                        log=console
                        rev=console_rev.read_only()
                        on_fix=Callback::new(move |()| {
                            if let Some(prompt) = fix_prompt() {
                                on_fix.run(prompt);
                            }
                        })
                        auto_fix=auto_fix
                    />
                </Show>
            </Show>
        </section>
    }
}
