//! The artifact panel: the sandboxed frames, what their runners report, the watchdog, consent,
//! and the Preview / Code / Console / Versions tabs.
//!
//! Each run is a runner page on the sandbox origin (another site, so another process) that the
//! studio connects to over a `MessageChannel` (`frame.rs`). What comes back is one batch at a
//! time, parsed by `kiln_core::sandbox::parse_batch` with that run's token; the decisions about
//! it (storage quota, console bounds, focus, hangs, double buffering) are the core's.

use std::collections::BTreeMap;
use std::time::Duration;

use kiln_core::sandbox::{
    self, AppId, Batch, Consent, ConsoleLog, FocusAction, FocusGuard, FrameBuffer, FromFrame,
    Health, LineKind, PAUSE_REASON, PROBE_MS, RunnerEvent, SandboxConfig, Starvation, Starved,
    ToFrame, Watchdog,
};
use kiln_core::studio::Runnable;
use leptos::html::Iframe;
use leptos::prelude::*;

use crate::apps::Apps;
use crate::browser;
use crate::code_tab::CodeTab;
use crate::console_view::{AUTO_FIX_KEY, ConsoleTab};
use crate::frame::{Connection, LastFocus, use_studio_input};
use crate::overlays::{ConsentNotices, IsolationNote, Overlays};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Preview,
    Code,
    Console,
    Versions,
}

/// When the studio looks whether the probe held up its own timers.
const PROBE_DUE_MS: f64 = 30.0;

/// How long errors are gathered after the first before an automatic fix is sent.
const AUTO_FIX_SETTLE_MS: u64 = 800;

/// What the Console says when the runner stopped an app for taking the keyboard while paused.
const STOPPED_FOR_FOCUS: &str = "Kiln stopped this app: it kept taking the keyboard even while paused, so what you type in Kiln could have reached it.";

/// Which app was running, in this tab's sessionStorage: cleared when it stops or the page
/// goes away normally, so one found on load was running when the page died (a crash, or a
/// freeze the person ended by reloading) and is not started again without asking.
const RUNNING_KEY: &str = "kiln.running";

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

    let run_id = RwSignal::new(0u64);
    let stopped = RwSignal::new(false);
    // Whether apps share this page's process (probed once, with the first run), how long the
    // last one froze the page if it did, and an app held back because the page died with it.
    let shared_process = RwSignal::new(None::<bool>);
    let probing = StoredValue::new(false);
    let frozen = RwSignal::new(None::<Starved>);
    let starvation = StoredValue::new(Starvation::default());
    let died = StoredValue::new(browser::session_load(RUNNING_KEY).and_then(|s| AppId::parse(&s)));
    browser::session_remove(RUNNING_KEY);
    let held_back = RwSignal::new(false);
    // A page that goes away normally (a reload, a closed tab) did not die with its app.
    browser::session_remove_on_pagehide(RUNNING_KEY);
    let navigated = RwSignal::new(false);
    let paused = RwSignal::new(false);
    let health = RwSignal::new(Health::Starting);
    let console = StoredValue::new_local(ConsoleLog::default());
    let console_rev = RwSignal::new(0u64);
    let consent = RwSignal::new(Consent::default());
    let watchdog = StoredValue::new_local(Watchdog::new(browser::now_ms()));
    let last_tick = StoredValue::new(browser::now_ms());
    let focus_guard = StoredValue::new_local(FocusGuard::new(browser::now_ms()));
    // One connection per run still in the page: while a new run loads under the shown one,
    // both are heard (the shown one may still write its data, or take the focus).
    let connections = StoredValue::new_local(BTreeMap::<u64, Connection>::new());
    // Double buffering: each run gets its own frame, loaded under the one on screen and
    // swapped in when its document has loaded (`kiln_core::sandbox::FrameBuffer` decides).
    let buffer = StoredValue::new_local(FrameBuffer::default());
    let frames = RwSignal::new(Vec::<u64>::new());
    let shown_run = RwSignal::new(None::<u64>);
    // What each run runs, fixed when it starts: a frame is always drawn with its own app and
    // that app's consent, never with whatever the panel shows by the time it is drawn.
    let runs = StoredValue::new_local(BTreeMap::<u64, (Runnable, Consent)>::new());
    let sync_frames = move || {
        let (now_frames, now_shown) = buffer.with_value(|b| (b.frames(), b.shown()));
        connections.update_value(|c| c.retain(|id, _| now_frames.contains(id)));
        runs.update_value(|r| r.retain(|id, _| now_frames.contains(id)));
        if frames.get_untracked() != now_frames {
            frames.set(now_frames);
        }
        if shown_run.get_untracked() != now_shown {
            shown_run.set(now_shown);
        }
    };
    let tell_all = move |msg: &ToFrame| {
        connections.with_value(|c| c.values().for_each(|conn| conn.send(msg)));
    };
    use_studio_input(move |at_ms| tell_all(&ToFrame::StudioInput { at_ms }));
    let last_focus = LastFocus::follow();

    // A new artifact starts fresh: its own consent and data (loaded first), a clean console.
    let current_app = StoredValue::new(None::<AppId>);
    Effect::new(move |_| {
        let Some(r) = runnable.get() else {
            buffer.update_value(FrameBuffer::clear);
            sync_frames();
            browser::session_remove(RUNNING_KEY);
            return;
        };
        let previous = current_app.get_value();
        if previous.as_ref() != Some(&r.app) {
            if let Some(old) = previous {
                apps.stopped(&old);
            }
            current_app.set_value(Some(r.app.clone()));
        }
        console.set_value(ConsoleLog::default());
        console_rev.update(|n| *n += 1);
        stopped.set(false);
        frozen.set(None);
        tab.set(Tab::Preview);
        // Consent and data are both read once the store is open, before the app runs.
        let start = move |app: &AppId| {
            consent.set(apps.consent(app));
            // Held back until the person asks (the page may show the same app more than once
            // while it opens a conversation).
            if died.get_value().as_ref() == Some(app) {
                held_back.set(true);
                return;
            }
            held_back.set(false);
            run_id.update(|n| *n += 1);
        };
        if apps.cached(&r.app).is_some() {
            start(&r.app);
            return;
        }
        leptos::task::spawn_local(async move {
            let old_key = sandbox::appdata::is_old_content_key(&r.key).then_some(r.key.as_str());
            apps.data(&r.app, old_key).await;
            // Only if this is still the app to show.
            if runnable.with_untracked(|now| now.as_ref().is_some_and(|n| n.app == r.app)) {
                start(&r.app);
            }
        });
    });
    Effect::new(move |_| {
        let id = run_id.get();
        if id == 0 {
            return;
        }
        if let Some(r) = runnable.get_untracked() {
            browser::session_save(RUNNING_KEY, r.app.as_str());
            runs.update_value(|runs| {
                runs.insert(id, (r, consent.get_untracked()));
            });
            buffer.update_value(|b| b.start(id, browser::now_ms()));
            sync_frames();
        }
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

    // The watchdog: poll the heartbeat bookkeeping; the frame's own silence is the signal. Not
    // while the app is held out of sight (a hidden frame may be slowed down by the browser).
    let stop = move || {
        buffer.update_value(FrameBuffer::clear);
        sync_frames();
        stopped.set(true);
        health.set(Health::Starting);
        browser::session_remove(RUNNING_KEY);
    };
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let now = browser::now_ms();
            let gap = now - last_tick.get_value();
            last_tick.set_value(now);
            let watching = runnable.with_untracked(Option::is_some)
                && !stopped.get_untracked()
                && !navigated.get_untracked()
                && !frames.with_untracked(Vec::is_empty);
            if !watching {
                return;
            }
            // Where the app shares this page's process, the page itself was frozen: the app
            // is stopped now that the page has its turn again (unless the tab was hidden, when
            // the browser slows timers down on its own).
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .is_some_and(|d| !d.hidden());
            let starved = (shared_process.get_untracked() == Some(true) && visible)
                .then(|| starvation.try_update_value(|s| s.tick(now, gap, 250.0)))
                .flatten()
                .flatten();
            if let Some(verdict) = starved {
                frozen.set(Some(verdict));
                stop();
                return;
            }
            if buffer.try_update_value(|b| b.tick(browser::now_ms())) == Some(true) {
                sync_frames();
            }
            if hold.get_untracked() {
                watchdog.update_value(|w| w.heard(browser::now_ms()));
            }
            let h = watchdog.with_value(|w| w.health(browser::now_ms()));
            if health.get_untracked() != h {
                health.set(h);
            }
        },
        Duration::from_millis(250),
    ) {
        on_cleanup(move || handle.clear());
    }

    let reload = move || {
        stopped.set(false);
        frozen.set(None);
        held_back.set(false);
        died.set_value(None);
        run_id.update(|n| *n += 1);
    };

    let on_batch = move |id: u64, app: &AppId, batch: Batch| {
        let now = browser::now_ms();
        let current = id == run_id.get_untracked();
        // Data and focus are heard from every run still in the page; the rest only from the
        // newest, which is what the console and the watchdog are about.
        if let Some(delta) = &batch.storage {
            let refused = apps.apply(app, delta);
            console.update_value(|c| c.note_storage_refused(refused));
        }
        for event in &batch.events {
            match event {
                RunnerEvent::Focus { by } => {
                    let answer = match focus_guard.try_update_value(|g| g.on_focus(*by, now)) {
                        Some(FocusAction::Return) => Some(ToFrame::Unhide),
                        Some(FocusAction::ReturnAndPause) => Some(ToFrame::Pause {
                            reason: PAUSE_REASON.to_owned(),
                        }),
                        _ => None,
                    };
                    if let Some(answer) = answer {
                        last_focus.restore();
                        connections.with_value(|c| {
                            if let Some(conn) = c.get(&id) {
                                conn.send(&answer);
                            }
                        });
                    }
                }
                RunnerEvent::Paused if current => paused.set(true),
                RunnerEvent::Resumed if current => paused.set(false),
                RunnerEvent::Navigated if current => navigated.set(true),
                RunnerEvent::Stopped if current => {
                    console.update_value(|c| c.push(LineKind::Kiln, STOPPED_FOR_FOCUS.to_owned()));
                    stop();
                }
                _ => {}
            }
        }
        if !current {
            return;
        }
        if batch.alive {
            watchdog.update_value(|w| w.heard(now));
        }
        if batch.msgs.contains(&FromFrame::Loaded)
            && buffer.try_update_value(|b| b.loaded(id)) == Some(true)
        {
            sync_frames();
        }
        console.update_value(|c| {
            for msg in &batch.msgs {
                c.push_message(msg);
            }
            c.note_dropped(batch.dropped);
            c.note_storage_refused(batch.storage_refused);
        });
        console_rev.update(|n| *n += 1);
    };

    // Rendered once per run (keyed by run number below) so every run gets a fresh <iframe>:
    // a reused element would keep its old sandbox flags, which only apply on navigation.
    let frame_view = move |id: u64| {
        let (r, granted) = runs.with_value(|runs| runs.get(&id).cloned())?;
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
        let src = runner.runner_url(&granted);
        let token = browser::random_token();
        let stored = apps.cached(&r.app).unwrap_or_default();
        let csp = sandbox::artifact_csp(Some(&runner), &granted);
        let run = ToFrame::Run {
            document: sandbox::compose_document(&r.html, &csp, &token, stored.entries()),
            sandbox: sandbox::frame_sandbox(&granted),
            allow: sandbox::frame_allow(&granted),
            token: token.clone(),
        };
        let frame_ref = NodeRef::<Iframe>::new();
        watchdog.set_value(Watchdog::new(browser::now_ms()));
        focus_guard.set_value(FocusGuard::new(browser::now_ms()));
        starvation.set_value(Starvation::default());
        health.set(Health::Starting);
        navigated.set(false);
        paused.set(false);

        let on_load = move |_| {
            let Some(frame) = frame_ref.get_untracked() else {
                return;
            };
            let (app, token) = (r.app.clone(), token.clone());
            let opened = Connection::open(&frame, &run, move |data| {
                if let Ok(batch) = sandbox::parse_batch(&data, &token) {
                    on_batch(id, &app, batch);
                }
            });
            if let Some(conn) = opened {
                // Once per page: does the app's thread stall this page's? (It does in
                // WebKitGTK, which keeps every frame in the page's process.)
                if shared_process.get_untracked().is_none() && !probing.get_value() {
                    probing.set_value(true);
                    conn.send(&ToFrame::Probe { ms: PROBE_MS });
                    let sent = browser::now_ms();
                    leptos::task::spawn_local(async move {
                        browser::sleep(Duration::from_millis(PROBE_DUE_MS as u64)).await;
                        let elapsed = browser::now_ms() - sent;
                        shared_process.set(Some(sandbox::probe_shows_shared_process(
                            PROBE_DUE_MS,
                            elapsed,
                        )));
                        // The probe's own stall is not the app's.
                        last_tick.set_value(browser::now_ms());
                    });
                }
                connections.update_value(|c| {
                    c.insert(id, conn);
                });
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
                    // Out of the Tab order: the keyboard reaches the app through "Use the app",
                    // so focus entering the frame is always a click or that button.
                    tabindex="-1"
                    title="Artifact preview"
                    src=src
                    sandbox=sandbox::frame_sandbox(&granted)
                    allow=sandbox::frame_allow(&granted)
                    allowfullscreen=granted.fullscreen
                    referrerpolicy="no-referrer"
                    node_ref=frame_ref
                    on:load=on_load
                ></iframe>
            }
            .into_any(),
        )
    };

    let allow_network = move |()| {
        if let Some(r) = runnable.get_untracked() {
            let mut c = consent.get_untracked();
            c.grant(&pending.get_untracked());
            apps.set_consent(&r.app, c.clone());
            consent.set(c);
            run_id.update(|n| *n += 1);
        }
    };
    let revoke_network = move |()| {
        if let Some(r) = runnable.get_untracked() {
            apps.set_consent(&r.app, Consent::default());
            consent.set(Consent::default());
            run_id.update(|n| *n += 1);
        }
    };

    let frame_wrap = NodeRef::<leptos::html::Div>::new();
    let full_screen = move |()| {
        if let Some(el) = frame_wrap.get_untracked() {
            let _ = el.request_fullscreen();
        }
    };
    let use_app = move |_| {
        tab.set(Tab::Preview);
        connections.with_value(|c| {
            if let Some(conn) = c.get(&run_id.get_untracked()) {
                conn.send(&ToFrame::Focus);
            }
        });
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
                    <button class="secondary small" data-testid="stop-button" on:click=move |_| stop()>"Stop app"</button>
                </div>
                <IsolationNote sandbox_config=sandbox_config shared_process=shared_process.read_only()/>
                {apps_message}
                <ConsentNotices pending=pending consent=consent.read_only() on_allow=Callback::new(allow_network) on_revoke=Callback::new(revoke_network)/>
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
                        {move || frame_view(id)}
                    </For>
                    <Overlays
                        stopped=stopped.read_only()
                        frozen=frozen.read_only()
                        held_back=held_back.read_only()
                        navigated=navigated.read_only()
                        health=health.read_only()
                        on_reload=Callback::new(move |()| reload())
                        on_stop=Callback::new(move |()| stop())
                    />
                </div>
                <Show when=move || paused.get() && tab.get() == Tab::Preview>
                    <p class="muted" role="status" data-testid="app-paused">"Paused: the keyboard went into the app without a click Kiln could see. Press Resume in the app to use it again."</p>
                </Show>
                <Show when=move || tab.get() == Tab::Code>
                    <CodeTab runnable=runnable can_run=can_run on_hand_edit=on_hand_edit/>
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
