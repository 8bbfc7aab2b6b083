//! The preview's runs: one sandboxed frame per run of the artifact, the connection to its
//! runner and everything that comes back over it (data, console, focus, heartbeats), the
//! watchdog, and stopping or reloading the app. `Preview` draws it; every decision about a
//! batch (storage quota, console bounds, focus, hangs, double buffering) is the core's.
//!
//! Each run is a runner page on the sandbox origin (another site, so another process) that the
//! studio connects to over a `MessageChannel` (`frame.rs`). What comes back is one batch at a
//! time, parsed by `kiln_core::sandbox::parse_batch` with that run's token.

use std::time::Duration;

use kiln_core::sandbox::{
    self, AppId, Batch, Consent, ConsoleLog, FocusAction, FocusGuard, FrameBuffer, FromFrame,
    Health, LineKind, PAUSE_REASON, PROBE_MS, RunnerEvent, SandboxConfig, Starvation, Starved,
    ToFrame, Watchdog,
};
use kiln_core::studio::Runnable;
use kiln_core::vec_map::VecMap;
use leptos::html::Iframe;
use leptos::prelude::*;

use crate::apps::Apps;
use crate::browser;
use crate::frame::{Connection, LastFocus, use_studio_input};
use crate::live::Live;

/// When the studio looks whether the probe held up its own timers.
const PROBE_DUE_MS: f64 = 30.0;

/// What the Console says when the runner stopped an app for taking the keyboard while paused.
const STOPPED_FOR_FOCUS: &str = "Kiln stopped this app: it kept taking the keyboard even while paused, so what you type in Kiln could have reached it.";

/// Which app was running, in this tab's sessionStorage: cleared when it stops or the page
/// goes away normally, so one found on load was running when the page died (a crash, or a
/// freeze the person ended by reloading) and is not started again without asking.
const RUNNING_KEY: &str = "kiln.running";

/// A handle on the preview's runs; copies share them.
#[derive(Clone, Copy)]
pub struct Runs {
    runnable: ReadSignal<Option<Runnable>>,
    /// Whether the app must be hidden now (an API key is being typed in the studio).
    hold: Signal<bool>,
    apps: Apps,
    /// The newest run's number; bumping it starts a run.
    run_id: RwSignal<u64>,
    pub stopped: RwSignal<bool>,
    /// Whether apps share this page's process (probed once, with the first run).
    pub shared_process: RwSignal<Option<bool>>,
    probing: StoredValue<bool>,
    /// How long the last app froze the page, if it did.
    pub frozen: RwSignal<Option<Starved>>,
    starvation: StoredValue<Starvation>,
    /// The app that was running when the page died, held back until the person asks.
    died: StoredValue<Option<AppId>>,
    pub held_back: RwSignal<bool>,
    pub navigated: RwSignal<bool>,
    pub paused: RwSignal<bool>,
    pub health: RwSignal<Health>,
    pub console: StoredValue<ConsoleLog, LocalStorage>,
    /// Counts the console's changes (it is not reactive itself).
    pub console_rev: RwSignal<u64>,
    /// What the person allowed the current app.
    pub consent: RwSignal<Consent>,
    watchdog: StoredValue<Watchdog, LocalStorage>,
    last_tick: StoredValue<f64>,
    focus_guard: StoredValue<FocusGuard, LocalStorage>,
    /// One connection per run still in the page: while a new run loads under the shown one,
    /// both are heard (the shown one may still write its data, or take the focus).
    connections: StoredValue<VecMap<u64, Connection>, LocalStorage>,
    /// Double buffering: each run gets its own frame, loaded under the one on screen and
    /// swapped in when its document has loaded (`kiln_core::sandbox::FrameBuffer` decides).
    buffer: StoredValue<FrameBuffer, LocalStorage>,
    /// The runs that have a frame in the page.
    pub frames: RwSignal<Vec<u64>>,
    shown_run: RwSignal<Option<u64>>,
    /// What each run runs, fixed when it starts: a frame is always drawn with its own app and
    /// that app's consent, never with whatever the panel shows by the time it is drawn.
    runs: StoredValue<VecMap<u64, (Runnable, Consent)>, LocalStorage>,
    last_focus: LastFocus,
    current_app: StoredValue<Option<AppId>>,
    /// The artifact API's calls of the runs (`window.kiln`).
    pub live: Live,
}

impl Runs {
    /// Runs `runnable` whenever it changes (with its own consent and data, loaded first, and a
    /// clean console), watches the frames, and tells them when the person uses the studio.
    pub fn new(runnable: ReadSignal<Option<Runnable>>, hold: Signal<bool>) -> Self {
        let died = browser::session_load(RUNNING_KEY).and_then(|s| AppId::parse(&s));
        let connections = StoredValue::new_local(VecMap::new());
        let console = StoredValue::new_local(ConsoleLog::default());
        let console_rev = RwSignal::new(0);
        let consent = RwSignal::new(Consent::default());
        browser::session_remove(RUNNING_KEY);
        // A page that goes away normally (a reload, a closed tab) did not die with its app.
        browser::session_remove_on_pagehide(RUNNING_KEY);
        let this = Self {
            runnable,
            hold,
            apps: expect_context::<Apps>(),
            run_id: RwSignal::new(0),
            stopped: RwSignal::new(false),
            shared_process: RwSignal::new(None),
            probing: StoredValue::new(false),
            frozen: RwSignal::new(None),
            starvation: StoredValue::new(Starvation::default()),
            died: StoredValue::new(died),
            held_back: RwSignal::new(false),
            navigated: RwSignal::new(false),
            paused: RwSignal::new(false),
            health: RwSignal::new(Health::Starting),
            console,
            console_rev,
            consent,
            watchdog: StoredValue::new_local(Watchdog::new(browser::now_ms())),
            last_tick: StoredValue::new(browser::now_ms()),
            focus_guard: StoredValue::new_local(FocusGuard::new(browser::now_ms())),
            connections,
            buffer: StoredValue::new_local(FrameBuffer::default()),
            frames: RwSignal::new(Vec::new()),
            shown_run: RwSignal::new(None),
            runs: StoredValue::new_local(VecMap::new()),
            last_focus: LastFocus::follow(),
            current_app: StoredValue::new(None),
            live: Live::new(connections, console, console_rev, consent),
        };
        use_studio_input(move |at_ms| this.tell_all(&ToFrame::StudioInput { at_ms }));
        Effect::new(move |_| this.artifact_changed());
        Effect::new(move |_| {
            let id = this.run_id.get();
            if id != 0 {
                this.start_run(id);
            }
        });
        if let Ok(handle) =
            set_interval_with_handle(move || this.tick(), Duration::from_millis(250))
        {
            on_cleanup(move || handle.clear());
        }
        this
    }

    /// A new artifact starts fresh: its own consent and data (loaded first), a clean console.
    fn artifact_changed(self) {
        let Some(r) = self.runnable.get() else {
            self.buffer.update_value(FrameBuffer::clear);
            self.sync_frames();
            if let Some(old) = self.current_app.get_value() {
                self.apps.stopped(&old);
            }
            self.current_app.set_value(None);
            self.live.show(None);
            browser::session_remove(RUNNING_KEY);
            return;
        };
        let previous = self.current_app.get_value();
        if previous.as_ref() != Some(&r.app) {
            if let Some(old) = previous {
                self.apps.stopped(&old);
            }
            self.current_app.set_value(Some(r.app.clone()));
            self.live.show(Some(r.app.clone()));
        }
        self.console.set_value(ConsoleLog::default());
        self.console_rev.update(|n| *n += 1);
        self.stopped.set(false);
        self.frozen.set(None);
        // Consent and data are both read once the store is open, before the app runs.
        let start = move |app: &AppId| {
            self.apps.started(app);
            self.consent.set(self.apps.consent(app));
            // Held back until the person asks (the page may show the same app more than once
            // while it opens a conversation).
            if self.died.get_value().as_ref() == Some(app) {
                self.held_back.set(true);
                return;
            }
            self.held_back.set(false);
            self.run_id.update(|n| *n += 1);
        };
        if self.apps.cached(&r.app).is_some() {
            start(&r.app);
            return;
        }
        let (apps, runnable) = (self.apps, self.runnable);
        leptos::task::spawn_local(async move {
            let old_key = sandbox::appdata::is_old_content_key(&r.key).then_some(r.key.as_str());
            apps.data(&r.app, old_key).await;
            // Only if this is still the app to show.
            if runnable.with_untracked(|now| now.as_ref().is_some_and(|n| n.app == r.app)) {
                start(&r.app);
            }
        });
    }

    /// Run `id` starts: a frame is loaded under the one shown.
    fn start_run(self, id: u64) {
        if let Some(r) = self.runnable.get_untracked() {
            browser::session_save(RUNNING_KEY, r.app.as_str());
            self.runs.update_value(|runs| {
                runs.insert(id, (r, self.consent.get_untracked()));
            });
            self.buffer.update_value(|b| b.start(id, browser::now_ms()));
            self.sync_frames();
        }
    }

    fn sync_frames(self) {
        let (now_frames, now_shown) = self.buffer.with_value(|b| (b.frames(), b.shown()));
        // A run whose frame went away can hear no answer: its calls end here.
        self.live
            .cancel_runs(&now_frames, "the app stopped or ran again");
        self.connections
            .update_value(|c| c.retain(|id, _| now_frames.contains(id)));
        self.runs
            .update_value(|r| r.retain(|id, _| now_frames.contains(id)));
        if self.frames.get_untracked() != now_frames {
            self.frames.set(now_frames);
        }
        if self.shown_run.get_untracked() != now_shown {
            self.shown_run.set(now_shown);
        }
    }

    fn tell_all(self, msg: &ToFrame) {
        self.connections
            .with_value(|c| c.values().for_each(|conn| conn.send(msg)));
    }

    /// Tells the newest run's runner `msg`.
    fn tell_current(self, msg: &ToFrame) {
        self.connections.with_value(|c| {
            if let Some(conn) = c.get(&self.run_id.get_untracked()) {
                conn.send(msg);
            }
        });
    }

    /// Stop app: the frames go, the overlay says so.
    pub fn stop(self) {
        self.buffer.update_value(FrameBuffer::clear);
        self.sync_frames();
        self.stopped.set(true);
        self.health.set(Health::Starting);
        browser::session_remove(RUNNING_KEY);
    }

    /// Runs the app again (after a stop, a hang, or a page that died with it).
    pub fn reload(self) {
        self.stopped.set(false);
        self.frozen.set(None);
        self.held_back.set(false);
        self.died.set_value(None);
        self.run_id.update(|n| *n += 1);
    }

    /// The person allowed what the app asks for (`pending`): kept for the app, and it runs
    /// again with it.
    pub fn grant(self, pending: &Consent) {
        if let Some(r) = self.runnable.get_untracked() {
            let mut c = self.consent.get_untracked();
            c.grant(pending);
            self.apps.set_consent(&r.app, c.clone());
            self.consent.set(c);
            self.run_id.update(|n| *n += 1);
        }
    }

    /// The person took back everything they allowed the app; it runs again without it.
    pub fn revoke(self) {
        if let Some(r) = self.runnable.get_untracked() {
            self.live.forget_grant(&r.app);
            self.apps.set_consent(&r.app, Consent::default());
            self.consent.set(Consent::default());
            self.run_id.update(|n| *n += 1);
        }
    }

    /// "Use the app with the keyboard": the focus goes into the app, as a click would put it.
    pub fn focus_app(self) {
        self.tell_current(&ToFrame::Focus);
    }

    /// The watchdog: polls the heartbeat bookkeeping; the frame's own silence is the signal.
    /// Not while the app is held out of sight (a hidden frame may be slowed down by the
    /// browser).
    fn tick(self) {
        let now = browser::now_ms();
        let gap = now - self.last_tick.get_value();
        self.last_tick.set_value(now);
        let watching = self.runnable.with_untracked(Option::is_some)
            && !self.stopped.get_untracked()
            && !self.navigated.get_untracked()
            && !self.frames.with_untracked(Vec::is_empty);
        if !watching {
            return;
        }
        // Where the app shares this page's process, the page itself was frozen: the app is
        // stopped now that the page has its turn again (unless the tab was hidden, when the
        // browser slows timers down on its own).
        let visible = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| !d.hidden());
        let starved = (self.shared_process.get_untracked() == Some(true) && visible)
            .then(|| {
                self.starvation
                    .try_update_value(|s| s.tick(now, gap, 250.0))
            })
            .flatten()
            .flatten();
        if let Some(verdict) = starved {
            self.frozen.set(Some(verdict));
            self.stop();
            return;
        }
        if self.buffer.try_update_value(|b| b.tick(browser::now_ms())) == Some(true) {
            self.sync_frames();
        }
        if self.hold.get_untracked() {
            self.watchdog.update_value(|w| w.heard(browser::now_ms()));
        }
        let h = self.watchdog.with_value(|w| w.health(browser::now_ms()));
        if self.health.get_untracked() != h {
            self.health.set(h);
        }
    }

    /// What run `id`'s runner sent.
    fn on_batch(self, id: u64, app: &AppId, batch: &Batch) {
        let now = browser::now_ms();
        let current = id == self.run_id.get_untracked();
        // Data and focus are heard from every run still in the page; the rest only from the
        // newest, which is what the console and the watchdog are about.
        if !batch.calls.is_empty() {
            let title = self
                .runs
                .with_value(|runs| runs.get(&id).map(|(r, _)| r.title.clone()))
                .unwrap_or_default();
            for call in &batch.calls {
                self.live.on_call(id, app, &title, call.clone());
            }
        }
        if let Some(delta) = &batch.storage {
            let refused = self.apps.apply(app, delta);
            self.console
                .update_value(|c| c.note_storage_refused(refused));
        }
        for event in &batch.events {
            match event {
                RunnerEvent::Focus { by } => {
                    let answer = match self.focus_guard.try_update_value(|g| g.on_focus(*by, now)) {
                        Some(FocusAction::Return) => Some(ToFrame::Unhide),
                        Some(FocusAction::ReturnAndPause) => Some(ToFrame::Pause {
                            reason: PAUSE_REASON.to_owned(),
                        }),
                        _ => None,
                    };
                    if let Some(answer) = answer {
                        self.last_focus.restore();
                        self.connections.with_value(|c| {
                            if let Some(conn) = c.get(&id) {
                                conn.send(&answer);
                            }
                        });
                    }
                }
                RunnerEvent::Paused if current => self.paused.set(true),
                RunnerEvent::Resumed if current => self.paused.set(false),
                RunnerEvent::Navigated if current => self.navigated.set(true),
                RunnerEvent::Stopped if current => {
                    self.console
                        .update_value(|c| c.push(LineKind::Kiln, STOPPED_FOR_FOCUS.to_owned()));
                    self.stop();
                }
                _ => {}
            }
        }
        if !current {
            return;
        }
        if batch.alive {
            self.watchdog.update_value(|w| w.heard(now));
        }
        if batch.msgs.contains(&FromFrame::Loaded)
            && self.buffer.try_update_value(|b| b.loaded(id)) == Some(true)
        {
            self.sync_frames();
        }
        self.console.update_value(|c| {
            for msg in &batch.msgs {
                c.push_message(msg);
            }
            c.note_dropped(batch.dropped);
            c.note_storage_refused(batch.storage_refused);
        });
        self.console_rev.update(|n| *n += 1);
    }

    /// Run `id`'s frame, or what stands in its place. Rendered once per run (keyed by run
    /// number) so every run gets a fresh `<iframe>`: a reused element would keep its old
    /// sandbox flags, which only apply on navigation.
    pub fn frame(
        self,
        id: u64,
        sandbox_config: Signal<Option<Result<SandboxConfig, String>>>,
    ) -> Option<AnyView> {
        let (r, granted) = self.runs.with_value(|runs| runs.get(&id).cloned())?;
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
        let src = runner.runner_url(&granted, &browser::sandbox_version());
        let token = browser::random_token();
        let stored = self.apps.cached(&r.app).unwrap_or_default();
        let csp = sandbox::artifact_csp(Some(&runner), &granted);
        let run = ToFrame::Run {
            document: sandbox::compose_document(&r.html, &csp, &token, stored.entries()),
            sandbox: sandbox::frame_sandbox(&granted),
            allow: sandbox::frame_allow(&granted),
            token: token.clone(),
        };
        let frame_ref = NodeRef::<Iframe>::new();
        self.watchdog.set_value(Watchdog::new(browser::now_ms()));
        self.focus_guard
            .set_value(FocusGuard::new(browser::now_ms()));
        self.starvation.set_value(Starvation::default());
        self.health.set(Health::Starting);
        self.navigated.set(false);
        self.paused.set(false);

        let on_load = move |_| {
            let Some(frame) = frame_ref.get_untracked() else {
                return;
            };
            let (app, token) = (r.app.clone(), token.clone());
            let opened = Connection::open(&frame, &run, move |data| {
                if let Ok(batch) = sandbox::parse_batch(&data, &token) {
                    self.on_batch(id, &app, &batch);
                }
            });
            if let Some(conn) = opened {
                self.probe(&conn);
                self.connections.update_value(|c| {
                    c.insert(id, conn);
                });
            }
        };
        let waiting = move || self.shown_run.get() != Some(id);
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
    }

    /// Once per page: does the app's thread stall this page's? (It does in WebKitGTK, which
    /// keeps every frame in the page's process.)
    fn probe(self, conn: &Connection) {
        if self.shared_process.get_untracked().is_some() || self.probing.get_value() {
            return;
        }
        self.probing.set_value(true);
        conn.send(&ToFrame::Probe { ms: PROBE_MS });
        let sent = browser::now_ms();
        leptos::task::spawn_local(async move {
            browser::sleep(Duration::from_millis(PROBE_DUE_MS as u64)).await;
            let elapsed = browser::now_ms() - sent;
            self.shared_process
                .set(Some(sandbox::probe_shows_shared_process(
                    PROBE_DUE_MS,
                    elapsed,
                )));
            // The probe's own stall is not the app's.
            self.last_tick.set_value(browser::now_ms());
        });
    }
}
