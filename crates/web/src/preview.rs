//! The artifact panel: the sandboxed frame, its bridge, the watchdog, network consent, and
//! the Preview / Code / Console tabs.
//!
//! The frame is the runner page on the sandbox origin (another site, so another process).
//! Once it loads, the studio hands it one end of a fresh `MessageChannel` and a `Run` message
//! with the document `kiln-core` composed: CSP first, then the bridge, then the artifact.
//! Everything the frame sends back is parsed by `kiln_core::sandbox::parse_from_frame` with
//! this view's token; anything else is dropped.

use std::collections::BTreeMap;
use std::time::Duration;

use kiln_core::deploy::{RunRequest, RunResult};
use kiln_core::sandbox::{
    self, ArtifactStorage, Consent, ConsoleLevel, FrameBuffer, FromFrame, Health, SandboxConfig,
    ToFrame, Watchdog,
};
use kiln_core::studio::{Runnable, download_name, host_language};
use leptos::html::Iframe;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::browser;

/// One line of the Console tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    pub level: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Preview,
    Code,
    Console,
    Versions,
}

/// The live connection to one frame; dropping it closes the port and frees the callback.
struct Connection {
    port: web_sys::MessagePort,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.port.set_onmessage(None);
        self.port.close();
    }
}

/// Where the automatic-fix switch is kept in this browser.
const AUTO_FIX_KEY: &str = "kiln.autofix";
/// How long errors are gathered after the first before an automatic fix is sent.
const AUTO_FIX_SETTLE_MS: u64 = 800;

fn consent_key(artifact: &str) -> String {
    format!("kiln.consent.{artifact}")
}

fn storage_key(artifact: &str) -> String {
    format!("kiln.storage.{artifact}")
}

fn load_consent(artifact: &str) -> Consent {
    browser::load(&consent_key(artifact))
        .and_then(|json| serde_json::from_str::<Consent>(&json).ok())
        .unwrap_or_default()
}

fn line(msg: &FromFrame) -> Option<ConsoleLine> {
    let (level, text) = match msg {
        FromFrame::Console { level, text } => (
            match level {
                ConsoleLevel::Log => "log",
                ConsoleLevel::Info => "info",
                ConsoleLevel::Warn => "warn",
                ConsoleLevel::Error => "error",
                ConsoleLevel::Debug => "debug",
            },
            text.clone(),
        ),
        FromFrame::Error { message, line, .. } => (
            "error",
            match line {
                Some(l) => format!("{message} (line {l})"),
                None => message.clone(),
            },
        ),
        FromFrame::Rejection { reason } => ("error", format!("Unhandled rejection: {reason}")),
        FromFrame::CspViolation { directive, blocked } => (
            "blocked",
            format!("Blocked by the sandbox ({directive}): {blocked}"),
        ),
        FromFrame::ResourceFailed { tag, url } => {
            ("error", format!("Failed to load <{tag}> {url}"))
        }
        _ => return None,
    };
    Some(ConsoleLine { level, text })
}

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
    let run_output = RwSignal::new(None::<Result<RunResult, String>>);
    let running = RwSignal::new(false);
    let run_code = move |_| {
        let Some((language, source)) = runnable.with_untracked(|r| {
            r.as_ref()
                .and_then(|r| host_language(r).map(|l| (l.to_owned(), r.source.clone())))
        }) else {
            return;
        };
        let request = RunRequest {
            language,
            source,
            stdin: String::new(),
        };
        let Ok(body) = serde_json::to_string(&request) else {
            return;
        };
        running.set(true);
        leptos::task::spawn_local(async move {
            let answer = browser::post_json("./api/run", &body)
                .await
                .and_then(|(status, text)| {
                    if status == 200 {
                        serde_json::from_str::<RunResult>(&text).map_err(|e| e.to_string())
                    } else {
                        Err(serde_json::from_str::<serde_json::Value>(&text)
                            .ok()
                            .and_then(|v| v["error"].as_str().map(str::to_owned))
                            .unwrap_or_else(|| format!("the server answered {status}")))
                    }
                });
            run_output.set(Some(answer));
            running.set(false);
        });
    };
    let runnable_here = move || {
        can_run.get() && runnable.with(|r| r.as_ref().is_some_and(|r| host_language(r).is_some()))
    };
    let tab = RwSignal::new(Tab::Preview);
    // The Code tab's editor, open while `editing`.
    let editing = RwSignal::new(false);
    let editor_error = RwSignal::new(None::<String>);
    let editor = StoredValue::new_local(None::<crate::editor::Editor>);
    let editor_box = NodeRef::<leptos::html::Div>::new();
    let open_editor = move |_| {
        editing.set(true);
        editor_error.set(None);
        let Some((source, language)) = runnable.with_untracked(|r| {
            r.as_ref().map(|r| {
                let lang = r
                    .language
                    .clone()
                    .unwrap_or_else(|| r.kind.as_str().to_owned());
                (r.source.clone(), lang)
            })
        }) else {
            return;
        };
        leptos::task::spawn_local(async move {
            // Wait a tick for the editor's box to be in the page.
            browser::sleep(std::time::Duration::from_millis(0)).await;
            let Some(el) = editor_box.get_untracked() else {
                return;
            };
            match crate::editor::Editor::open(&el, &source, &language).await {
                Ok(e) => editor.set_value(Some(e)),
                Err(e) => editor_error.set(Some(e)),
            }
        });
    };
    let close_editor = move || {
        editor.set_value(None);
        editing.set(false);
    };
    // Automatic fixing: off unless the person turned it on (kept in this browser). Errors are
    // collected for a moment after the first one, so one fix carries them together.
    let auto_fix = RwSignal::new(browser::load(AUTO_FIX_KEY).as_deref() == Some("on"));
    let fix_armed = StoredValue::new(false);
    Effect::new(move |prev: Option<u32>| {
        let n = show_code.get();
        if prev.is_some_and(|p| p != n) {
            tab.set(Tab::Code);
        }
        n
    });
    let run_id = RwSignal::new(0u64);
    let stopped = RwSignal::new(false);
    let health = RwSignal::new(Health::Starting);
    let console = RwSignal::new(Vec::<ConsoleLine>::new());
    let consent = RwSignal::new(Consent::default());
    let watchdog = StoredValue::new_local(Watchdog::new(browser::now_ms()));
    let storage = StoredValue::new_local(ArtifactStorage::default());
    let connection = StoredValue::new_local(None::<Connection>);
    // Double buffering: each run gets its own frame, loaded under the one on screen and
    // swapped in when its document has loaded (`kiln_core::sandbox::FrameBuffer` decides).
    let buffer = StoredValue::new_local(FrameBuffer::default());
    let frames = RwSignal::new(Vec::<u64>::new());
    let shown_run = RwSignal::new(None::<u64>);
    let sync_frames = move || {
        let (now_frames, now_shown) = buffer.with_value(|b| (b.frames(), b.shown()));
        if frames.get_untracked() != now_frames {
            frames.set(now_frames);
        }
        if shown_run.get_untracked() != now_shown {
            shown_run.set(now_shown);
        }
    };

    // A new artifact starts fresh: its own consent and storage, a clean console.
    Effect::new(move |_| {
        if let Some(r) = runnable.get() {
            consent.set(load_consent(&r.key));
            let saved = browser::load(&storage_key(&r.key))
                .and_then(|j| serde_json::from_str::<BTreeMap<String, String>>(&j).ok())
                .unwrap_or_default();
            storage.set_value(ArtifactStorage::from_entries(saved));
            console.set(Vec::new());
            run_output.set(None);
            stopped.set(false);
            editor.set_value(None);
            editing.set(false);
            tab.set(Tab::Preview);
            run_id.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        let id = run_id.get();
        if runnable.with_untracked(Option::is_some) {
            buffer.update_value(|b| b.start(id, browser::now_ms()));
            sync_frames();
        }
    });

    Effect::new(move |_| {
        let errors = console.with(|c| c.iter().filter(|l| l.level == "error").count());
        if errors == 0 {
            fix_armed.set_value(true);
            return;
        }
        let complete = runnable.with_untracked(|r| r.as_ref().is_some_and(|r| r.complete));
        if !auto_fix.get_untracked() || !complete || !fix_armed.get_value() {
            return;
        }
        fix_armed.set_value(false);
        leptos::task::spawn_local(async move {
            browser::sleep(std::time::Duration::from_millis(AUTO_FIX_SETTLE_MS)).await;
            let errors: Vec<String> = console.with_untracked(|c| {
                c.iter()
                    .filter(|l| l.level == "error")
                    .map(|l| l.text.clone())
                    .collect()
            });
            let code = runnable
                .with_untracked(|r| r.as_ref().map(|r| r.source.clone()).unwrap_or_default());
            if !errors.is_empty() {
                on_auto_fix.run(kiln_core::protocol::fix_prompt(&errors, &code));
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

    // The watchdog: poll the heartbeat bookkeeping; the frame's own silence is the signal.
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if runnable.with_untracked(Option::is_some) && !stopped.get_untracked() {
                if buffer.try_update_value(|b| b.tick(browser::now_ms())) == Some(true) {
                    sync_frames();
                }
                let h = watchdog.with_value(|w| w.health(browser::now_ms()));
                if health.get_untracked() != h {
                    health.set(h);
                }
            }
        },
        Duration::from_millis(250),
    ) {
        on_cleanup(move || handle.clear());
    }

    let stop = move || {
        connection.set_value(None);
        buffer.update_value(FrameBuffer::clear);
        sync_frames();
        stopped.set(true);
        health.set(Health::Starting);
    };
    let reload = move || {
        stopped.set(false);
        run_id.update(|n| *n += 1);
    };

    let on_frame_message = move |id: u64, r: &Runnable, data: String, token: &str| {
        watchdog.update_value(|w| w.heard(browser::now_ms()));
        let Ok(msg) = sandbox::parse_from_frame(&data, token) else {
            return;
        };
        if msg == FromFrame::Loaded && buffer.try_update_value(|b| b.loaded(id)) == Some(true) {
            sync_frames();
        }
        if let Some(l) = line(&msg) {
            console.update(|c| {
                // Keep the console bounded: an artifact may log in a loop.
                if c.len() >= 500 {
                    c.remove(0);
                }
                c.push(l);
            });
        }
        let changed = storage
            .try_update_value(|s| s.apply(&msg))
            .unwrap_or(Ok(false));
        match changed {
            Ok(true) => {
                let json = storage.with_value(|s| serde_json::to_string(s.entries()).ok());
                if let Some(json) = json {
                    browser::save(&storage_key(&r.key), &json);
                }
            }
            Ok(false) => {}
            Err(e) => console.update(|c| {
                c.push(ConsoleLine {
                    level: "error",
                    text: format!("Storage: {e}"),
                });
            }),
        }
    };

    // Rendered once per run (keyed by run number below) so every run gets a fresh <iframe>:
    // a reused element would keep its old sandbox flags, which only apply on navigation.
    let frame_view = move |id: u64| {
        let r = runnable.get_untracked()?;
        let cfg = match sandbox_config.get() {
            None => {
                return Some(
                    view! { <p class="preview-empty">"Preparing the sandbox…"</p> }.into_any(),
                );
            }
            Some(Err(e)) => {
                return Some(
                    view! {
                        <p class="preview-empty" data-testid="sandbox-error">
                            {format!("No sandbox is available, so nothing runs: {e}")}
                        </p>
                    }
                    .into_any(),
                );
            }
            Some(Ok(cfg)) => cfg,
        };
        let page = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        let runner = match sandbox::resolve_runner(&cfg.runner, &page) {
            Ok(r) => r,
            Err(e) => {
                return Some(
                    view! {
                        <p class="preview-empty" data-testid="sandbox-error">
                            {format!("This deployment's sandbox location is not usable, so nothing runs: {e}")}
                        </p>
                    }
                    .into_any(),
                );
            }
        };
        let granted = consent.get_untracked();
        let src = runner.runner_url(&granted);
        let token = browser::random_token();
        let storage_now = storage.with_value(|s| s.entries().clone());
        let csp = sandbox::artifact_csp(Some(&runner), &granted);
        let document = sandbox::compose_document(&r.html, &csp, &token, &storage_now);
        let run = ToFrame::Run {
            document,
            sandbox: sandbox::frame_sandbox(&granted),
            allow: sandbox::FRAME_ALLOW.to_owned(),
        };
        let run_json = serde_json::to_string(&run).unwrap_or_default();
        let frame_ref = NodeRef::<Iframe>::new();
        watchdog.set_value(Watchdog::new(browser::now_ms()));
        health.set(Health::Starting);

        let on_load = move |_| {
            let Some(frame) = frame_ref.get_untracked() else {
                return;
            };
            let Some(target) = frame.content_window() else {
                return;
            };
            let Ok(channel) = web_sys::MessageChannel::new() else {
                return;
            };
            let r = r.clone();
            let token = token.clone();
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |e: web_sys::MessageEvent| {
                    if let Some(data) = e.data().as_string() {
                        on_frame_message(id, &r, data, &token);
                    }
                },
            );
            let port = channel.port1();
            port.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            let hello = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&hello, &"kiln".into(), &"connect".into());
            let transfer = js_sys::Array::of1(&channel.port2());
            // The runner is sandboxed (opaque origin), so no target origin can name it; it was
            // framed from the sandbox origin a moment ago and cannot have been navigated.
            if target
                .post_message_with_transfer(&hello, "*", &transfer)
                .is_ok()
            {
                let _ = port.post_message(&run_json.clone().into());
                connection.set_value(Some(Connection {
                    port,
                    _on_message: on_message,
                }));
            }
        };
        let waiting = move || shown_run.get() != Some(id);
        Some(
            view! {
                <iframe
                    class="artifact-frame"
                    class:waiting=waiting
                    data-testid=move || if waiting() { "artifact-frame-next" } else { "artifact-frame" }
                    aria-hidden=move || waiting().then_some("true")
                    tabindex=move || waiting().then_some("-1")
                    title="Artifact preview"
                    src=src
                    sandbox=sandbox::frame_sandbox(&granted)
                    allow=sandbox::FRAME_ALLOW
                    referrerpolicy="no-referrer"
                    node_ref=frame_ref
                    on:load=on_load
                ></iframe>
            }
            .into_any(),
        )
    };

    let allow_network = move |_| {
        if let Some(r) = runnable.get_untracked() {
            let mut c = consent.get_untracked();
            c.grant(&pending.get_untracked());
            if let Ok(json) = serde_json::to_string(&c) {
                browser::save(&consent_key(&r.key), &json);
            }
            consent.set(c);
            run_id.update(|n| *n += 1);
        }
    };
    let revoke_network = move |_| {
        if let Some(r) = runnable.get_untracked() {
            browser::remove(&consent_key(&r.key));
            consent.set(Consent::default());
            run_id.update(|n| *n += 1);
        }
    };

    let isolation_note = move || {
        let cfg = sandbox_config.get()?.ok()?;
        let page = web_sys::window()?.location().href().ok()?;
        let runner = sandbox::resolve_runner(&cfg.runner, &page).ok()?;
        let page_origin = sandbox::Origin::parse(&browser::page_origin()).ok()?;
        let judged = sandbox::isolation_between(&page_origin, runner.origin());
        let warning = cfg.isolation.weaker(judged).warning()?;
        Some(view! {
            <p class="isolation-note" data-testid="isolation-note">{warning}</p>
        })
    };

    view! {
        <section class="preview" aria-label="Artifact" data-testid="preview-panel">
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
                            <span class="count" data-testid="console-count">{move || console.with(Vec::len)}</span>
                        </button>
                        <button role="tab" data-testid="tab-versions" class:active=move || tab.get() == Tab::Versions on:click=move |_| tab.set(Tab::Versions)>
                            "Versions"
                            <span class="count" data-testid="versions-count">{move || versions.with(Vec::len)}</span>
                        </button>
                    </div>
                    <button class="secondary small" data-testid="share-button" on:click=move |_| share_open.set(true)>"Share"</button>
                    <button class="secondary small" data-testid="artifact-download" title="Download the app as a single file" on:click=move |_| {
                        runnable.with_untracked(|r| {
                            if let Some(r) = r {
                                let name = download_name(&r.title, r.kind, r.language.as_deref());
                                crate::share::download(&name, &r.source);
                            }
                        });
                    }>"Download"</button>
                    <button class="secondary small" data-testid="stop-button" on:click=move |_| stop()>"Stop"</button>
                </div>
                {isolation_note}
                <Show when=move || !pending.with(Consent::is_empty)>
                    <div class="consent" role="alert" data-testid="network-consent">
                        <p>"This app asks to:"</p>
                        <ul>
                            {move || pending.get().describe().into_iter().map(|d| view! { <li><code>{d}</code></li> }).collect_view()}
                        </ul>
                        <p class="muted">"It is blocked until you allow it. Allowing lets the app send anything it has, including what you type into it, to other sites."</p>
                        <button class="send small" data-testid="allow-network" on:click=allow_network>"Allow"</button>
                    </div>
                </Show>
                <Show when=move || !consent.with(Consent::is_empty)>
                    <div class="consent granted" data-testid="network-granted">
                        <span>{move || format!("Allowed: {}", consent.with(|c| c.describe().join(", ")))}</span>
                        <button class="secondary small" data-testid="revoke-network" on:click=revoke_network>"Revoke"</button>
                    </div>
                </Show>
                <div class="frame-wrap" class:hidden=move || tab.get() != Tab::Preview>
                    <Show when=move || stopped.get()>
                        <div class="preview-empty" data-testid="preview-stopped">
                            <p class="preview-empty-title">"Stopped"</p>
                            <button class="secondary" data-testid="reload-button" on:click=move |_| reload()>
                                "Run again"
                            </button>
                        </div>
                    </Show>
                    <For each=move || frames.get() key=|n| *n let:id>
                        {move || frame_view(id)}
                    </For>
                    <Show when=move || health.get() == Health::Hung && !stopped.get()>
                        <div class="hung" role="alert" data-testid="hung-overlay">
                            <p class="preview-empty-title">"This app stopped responding"</p>
                            <p>"It may be stuck in a loop or out of memory. The rest of Kiln keeps working."</p>
                            <div class="row">
                                <button class="send" data-testid="hung-stop" on:click=move |_| stop()>"Stop"</button>
                                <button class="secondary" data-testid="hung-reload" on:click=move |_| reload()>"Reload"</button>
                            </div>
                        </div>
                    </Show>
                </div>
                <Show when=move || tab.get() == Tab::Code>
                    <Show when=runnable_here>
                        <div class="run-bar">
                            <button class="send small" data-testid="code-run" disabled=move || running.get() on:click=run_code>
                                {move || if running.get() { "Running…" } else { "Run" }}
                            </button>
                            <span class="muted">"Runs on this server in a wasmtime sandbox: no files, no network, 5 s."</span>
                        </div>
                        {move || run_output.get().map(|r| match r {
                            Ok(r) => view! {
                                <div class="run-output" data-testid="run-output">
                                    <p class="muted" data-testid="run-status">{r.summary()}</p>
                                    <pre data-testid="run-stdout">{r.stdout}</pre>
                                    <pre class="warn" data-testid="run-stderr">{r.stderr}</pre>
                                </div>
                            }.into_any(),
                            Err(e) => view! { <p class="warn" data-testid="run-status">{format!("Could not run: {e}")}</p> }.into_any(),
                        })}
                    </Show>
                    <div class="run-bar">
                        <Show
                            when=move || editing.get()
                            fallback=move || view! {
                                <button class="secondary small" data-testid="edit-code" on:click=open_editor>"Edit"</button>
                            }
                        >
                            <button class="send small" data-testid="save-edit" on:click=move |_| {
                                let text = editor.with_value(|e| e.as_ref().map(crate::editor::Editor::text));
                                if let Some(text) = text {
                                    close_editor();
                                    on_hand_edit.run(text);
                                }
                            }>"Save and run"</button>
                            <button class="secondary small" data-testid="cancel-edit" on:click=move |_| close_editor()>"Cancel"</button>
                        </Show>
                        <button class="secondary small" data-testid="copy-code" on:click=move |_| {
                            let code = runnable.with_untracked(|r| r.as_ref().map(|r| r.source.clone()).unwrap_or_default());
                            if let Some(w) = web_sys::window() {
                                let _ = w.navigator().clipboard().write_text(&code);
                            }
                        }>"Copy code"</button>
                    </div>
                    {move || editor_error.get().map(|e| view! { <p class="warn" data-testid="editor-error">{e}</p> })}
                    <div class="code-editor" data-testid="code-editor" node_ref=editor_box class:hidden=move || !editing.get()></div>
                    <Show when=move || !editing.get()>
                        <pre class="code" data-testid="code-view"><code>{move || runnable.with(|r| r.as_ref().map(|r| r.source.clone()).unwrap_or_default())}</code></pre>
                    </Show>
                </Show>
                <Show when=move || tab.get() == Tab::Versions>
                    <crate::versions::VersionsView versions=versions viewing=viewing on_show=on_show_version on_restore=on_restore/>
                </Show>
                <Show when=move || tab.get() == Tab::Console>
                    <Show when=move || console.with(|c| c.iter().any(|l| l.level == "error"))>
                        <div class="run-bar">
                            <button class="send small" data-testid="fix-button" on:click=move |_| {
                                let errors: Vec<String> = console.with_untracked(|c| {
                                    c.iter().filter(|l| l.level == "error").map(|l| l.text.clone()).collect()
                                });
                                let code = runnable.with_untracked(|r| r.as_ref().map(|r| r.source.clone()).unwrap_or_default());
                                on_fix.run(kiln_core::protocol::fix_prompt(&errors, &code));
                            }>"Fix"</button>
                            <span class="muted">"Sends these errors and the code to the model."</span>
                        </div>
                    </Show>
                    <label class="run-bar muted">
                        <input type="checkbox" data-testid="auto-fix" prop:checked=move || auto_fix.get() on:change=move |e| {
                            let on = event_target_checked(&e);
                            auto_fix.set(on);
                            browser::save(AUTO_FIX_KEY, if on { "on" } else { "off" });
                        }/>
                        {format!(" Fix errors automatically (up to {} tries after each of your messages)", kiln_core::protocol::AUTO_FIX_LIMIT)}
                    </label>
                    <ol class="console" data-testid="console-view">
                        {move || console.get().into_iter().map(|l| view! {
                            <li class=format!("console-line {}", l.level) data-testid="console-entry">
                                <span class="level">{l.level}</span>
                                <span class="text">{l.text}</span>
                            </li>
                        }).collect_view()}
                    </ol>
                </Show>
            </Show>
        </section>
    }
}
