//! Runs of Python and JavaScript code artifacts: in this browser (the code runner on the
//! sandbox origin, which runs the program in a Worker; `kiln_core::sandbox::code_run` says
//! what crosses) or on the server (`POST ./api/run`). Lives in the preview, not the Code tab,
//! so a run keeps going and keeps its result while the person looks at the Console.
//!
//! The code runner is one hidden frame per page, sandboxed without `allow-same-origin`, made
//! on the first run and kept: it keeps the compiled runtime, so later runs start at once. Each
//! run gets a fresh port and token; what comes back is read by the core with that token.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use gloo_events::EventListener;
use kiln_core::deploy::{RunRequest, RunResult};
use kiln_core::sandbox::code_run::{
    self, CodeEvent, Done, LIMITS, Phase, RunOutput, RunPlace, RuntimeFiles, ToCodeRunner,
};
use kiln_core::sandbox::{self, ConsoleLog, LineKind, SandboxConfig};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::frame::Connection;

/// Past the time limit, how long the studio waits for the runner's own word before it takes
/// the runner down itself (a runner that crashed says nothing).
const GRACE_MS: f64 = 3_000.0;
/// How long the runner may take to say anything at all about a run it was sent.
const FIRST_WORD_MS: f64 = 10_000.0;
/// How long the runner's page may take to load, in 50 ms steps (20 s).
const LOAD_STEPS: u32 = 400;

/// The code runner's frame and whether it has loaded.
type RunnerFrame = (web_sys::HtmlIFrameElement, Rc<Cell<bool>>);

/// The code runs of one preview.
#[derive(Clone, Copy)]
pub struct CodeRuns {
    /// What the run in progress is doing, in words, while one is.
    pub running: RwSignal<Option<String>>,
    /// The last run's result, or why it could not run.
    pub output: RwSignal<Option<Result<RunResult, String>>>,
    /// Where Run goes.
    pub place: RwSignal<Option<RunPlace>>,
    runtimes: StoredValue<RuntimeFiles>,
    /// The code runner's frame, and whether it has loaded (it is kept from the moment it is
    /// made, so a second run while it loads waits for it instead of making another).
    frame: StoredValue<Option<RunnerFrame>, LocalStorage>,
    connection: StoredValue<Option<Connection>, LocalStorage>,
    streamed: StoredValue<RunOutput>,
    /// When the program started running (the runner said so), for the studio's own deadline.
    started: StoredValue<Option<f64>>,
    /// Whether the runner has said anything about this run.
    heard: StoredValue<bool>,
    /// The runtime this run needs and the address the studio fetches it from.
    runtime: StoredValue<(String, String)>,
    run_no: StoredValue<u64>,
    console: StoredValue<ConsoleLog, LocalStorage>,
    console_rev: RwSignal<u64>,
}

impl CodeRuns {
    pub fn new(console: StoredValue<ConsoleLog, LocalStorage>, console_rev: RwSignal<u64>) -> Self {
        Self {
            running: RwSignal::new(None),
            output: RwSignal::new(None),
            place: RwSignal::new(None),
            runtimes: StoredValue::new(read_runtimes()),
            frame: StoredValue::new_local(None),
            connection: StoredValue::new_local(None),
            streamed: StoredValue::new(RunOutput::default()),
            started: StoredValue::new(None),
            heard: StoredValue::new(false),
            runtime: StoredValue::new((String::new(), String::new())),
            run_no: StoredValue::new(0),
            console,
            console_rev,
        }
    }

    /// Whether this build can run `language` (`py`, `js`) in the browser.
    pub fn in_browser(&self, language: &str) -> bool {
        self.runtimes
            .with_value(|r| r.for_language(language).is_some())
    }

    /// Forgets the last result (a new artifact is shown) and ends a run in progress, whose
    /// ending no longer concerns the artifact now shown.
    pub fn reset(self) {
        // The stop still goes out on the old port (kept until the next run replaces it); what
        // that run says afterwards is ignored by its number.
        self.stop();
        self.run_no.update_value(|n| *n += 1);
        self.running.set(None);
        self.output.set(None);
    }

    /// Runs `request` where the person chose.
    pub fn run(self, request: RunRequest, sandbox_config: Option<Result<SandboxConfig, String>>) {
        match self.place.get_untracked() {
            Some(RunPlace::Server) => self.run_on_server(request),
            Some(RunPlace::Browser) => self.run_in_browser(&request, sandbox_config),
            None => {}
        }
    }

    /// Ends the run in progress, if any.
    /// The runner answers `stopped: stop`; if it cannot, the studio's deadline takes it down.
    pub fn stop(self) {
        let sent = self
            .connection
            .with_value(|c| c.as_ref().map(|c| c.send(&ToCodeRunner::stop())).is_some());
        // Not connected yet (the runner is still loading): the run ends here, before it starts.
        if !sent && self.running.get_untracked().is_some() {
            let no = self.run_no.get_value();
            let done = Done::stopped_before_start();
            self.end_with(no, Ok(done.result(&RunOutput::default())));
            self.run_no.set_value(no + 1);
        }
    }

    fn run_on_server(self, request: RunRequest) {
        let no = self.run_no.get_value() + 1;
        self.run_no.set_value(no);
        self.output.set(None);
        self.running.set(Some("Running on the server…".to_owned()));
        leptos::task::spawn_local(async move {
            let answer = async {
                let body = serde_json::to_string(&request).map_err(|e| e.to_string())?;
                let (status, text) = browser::post_json("./api/run", &body).await?;
                RunResult::from_answer(status, &text)
            }
            .await;
            if self.run_no.get_value() == no {
                self.output.set(Some(answer));
                self.running.set(None);
            }
        });
    }

    fn run_in_browser(
        self,
        request: &RunRequest,
        sandbox_config: Option<Result<SandboxConfig, String>>,
    ) {
        let fail = |why: String| self.output.set(Some(Err(why)));
        let Some(runtime) = self
            .runtimes
            .with_value(|r| r.for_language(&request.language).map(str::to_owned))
        else {
            return fail(format!(
                "this build has no {} runtime for the browser",
                request.language
            ));
        };
        let cfg = match sandbox_config {
            Some(Ok(cfg)) => cfg,
            Some(Err(e)) => return fail(format!("no sandbox is available: {e}")),
            None => return fail("the sandbox is not ready yet; try again in a moment".into()),
        };
        let page = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        let runner = match sandbox::resolve_runner(&cfg.runner, &page) {
            Ok(r) => r,
            Err(e) => return fail(format!("this deployment's sandbox is not usable: {e}")),
        };
        // One run at a time: a new one replaces the last (its port closes, the runner ends it).
        self.connection.set_value(None);
        let no = self.run_no.get_value() + 1;
        self.run_no.set_value(no);
        self.streamed.set_value(RunOutput::default());
        self.started.set_value(None);
        self.heard.set_value(false);
        self.output.set(None);
        self.running
            .set(Some("Starting the code runner…".to_owned()));
        self.log(
            LineKind::Kiln,
            format!(
                "Running the {} program in this browser.",
                language_name(&request.language)
            ),
        );
        self.runtime
            .set_value((runtime.clone(), format!("{}{runtime}", runner.prefix())));
        let token = browser::random_token();
        let command = ToCodeRunner::run(
            &token,
            &request.language,
            &runtime,
            &request.source,
            &request.args,
            &request.stdin,
        );
        leptos::task::spawn_local(async move {
            let frame = match self
                .frame_for(&runner.code_runner_url(&browser::sandbox_version()))
                .await
            {
                Ok(f) => f,
                Err(e) => return self.end_with(no, Err(e)),
            };
            if self.run_no.get_value() != no {
                return;
            }
            let opened = Connection::open(&frame, &command, move |data| {
                if let Some(event) = sandbox::code_run::parse_event(&data, &token) {
                    self.on_event(no, event);
                }
            });
            match opened {
                Some(c) => self.connection.set_value(Some(c)),
                None => return self.end_with(no, Err("the code runner did not connect".into())),
            }
            self.watch(no).await;
        });
    }

    /// The code runner's frame, made and loaded on first use.
    async fn frame_for(self, url: &str) -> Result<web_sys::HtmlIFrameElement, String> {
        let (frame, loaded) = match self.frame.with_value(Clone::clone) {
            Some(made) => made,
            None => {
                let made = make_frame(url)?;
                self.frame.set_value(Some(made.clone()));
                made
            }
        };
        for _ in 0..LOAD_STEPS {
            if loaded.get() {
                return Ok(frame);
            }
            browser::sleep(Duration::from_millis(50)).await;
        }
        frame.remove();
        let ours = self
            .frame
            .with_value(|f| f.as_ref().is_some_and(|(f, _)| *f == frame));
        if ours {
            self.frame.set_value(None);
        }
        Err(
            "the code runner did not load (is the sandbox reachable, or, offline, was it \
             ever opened here?)"
                .into(),
        )
    }

    fn on_event(self, no: u64, event: CodeEvent) {
        if self.run_no.get_value() != no {
            return;
        }
        self.heard.set_value(true);
        match event {
            CodeEvent::Status { phase, bytes } => {
                if phase == Phase::Running {
                    self.started.set_value(Some(browser::now_ms()));
                }
                self.running.set(Some(phase.words(bytes)));
            }
            CodeEvent::NeedRuntime { runtime } => self.give_runtime(no, &runtime),
            CodeEvent::Output { stream, text } => {
                self.console.update_value(|log| {
                    self.streamed.update_value(|o| o.push(stream, &text, log));
                });
                self.console_rev.update(|n| *n += 1);
            }
            CodeEvent::Done(done) => {
                let mut result = None;
                self.console.update_value(|log| {
                    self.streamed.update_value(|o| {
                        o.finish(&done, log);
                        result = Some(done.result(o));
                    });
                });
                self.console_rev.update(|n| *n += 1);
                if let Some(r) = result {
                    self.end_with(no, Ok(r));
                }
            }
        }
    }

    /// Fetches the runtime the runner asked for and hands it the bytes. The studio fetches it,
    /// not the runner, so this page's service worker keeps it (for the next visit and for
    /// offline use); the runner's own downloads would be kept by no cache in Chromium.
    fn give_runtime(self, no: u64, asked: &str) {
        let (runtime, url) = self.runtime.get_value();
        if asked != runtime {
            return;
        }
        self.running.set(Some(
            "Downloading the runtime (once; kept for next time)…".to_owned(),
        ));
        leptos::task::spawn_local(async move {
            let got = browser::get_buffer(&url).await;
            if self.run_no.get_value() != no {
                return;
            }
            self.connection.with_value(|c| {
                let Some(c) = c else { return };
                match &got {
                    Ok(bytes) => c.send_bytes(code_run::VERSION, "runtime", &runtime, bytes),
                    Err(e) => c.send_error(code_run::VERSION, "runtime", &runtime, e),
                }
            });
        });
    }

    /// The studio's own deadline: a runner that says nothing past the time limit (it crashed,
    /// or its page was taken down) is removed, which ends its Worker with it.
    async fn watch(self, no: u64) {
        let sent = browser::now_ms();
        loop {
            browser::sleep(Duration::from_millis(500)).await;
            if self.run_no.get_value() != no || self.running.get_untracked().is_none() {
                return;
            }
            let now = browser::now_ms();
            let why = if !self.heard.get_value() && now - sent > FIRST_WORD_MS {
                "the code runner did not answer (was its script refused?)"
            } else if self
                .started
                .get_value()
                .is_some_and(|s| now - s > LIMITS.timeout_ms as f64 + GRACE_MS)
            {
                "the code runner stopped answering"
            } else {
                continue;
            };
            if let Some((f, _)) = self.frame.with_value(Clone::clone) {
                f.remove();
            }
            self.frame.set_value(None);
            return self.end_with(no, Err(why.into()));
        }
    }

    fn end_with(self, no: u64, result: Result<RunResult, String>) {
        if self.run_no.get_value() != no {
            return;
        }
        if let Err(e) = &result {
            self.log(LineKind::Error, format!("Could not run: {e}"));
        }
        self.connection.set_value(None);
        self.output.set(Some(result));
        self.running.set(None);
    }

    fn log(self, kind: LineKind, text: String) {
        self.console.update_value(|log| log.push(kind, text));
        self.console_rev.update(|n| *n += 1);
    }
}

/// A hidden code-runner frame loading `url`, and whether it has loaded.
fn make_frame(url: &str) -> Result<RunnerFrame, String> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let frame: web_sys::HtmlIFrameElement = doc
        .create_element("iframe")
        .map_err(|_| "could not make the code runner's frame")?
        .dyn_into()
        .map_err(|_| "could not make the code runner's frame")?;
    // Sandboxed without allow-same-origin, like every artifact frame: the program runs on an
    // opaque origin, with no storage and no way to the studio but the port it is given.
    let _ = frame.set_attribute("sandbox", "allow-scripts");
    let _ = frame.set_attribute("referrerpolicy", "no-referrer");
    let _ = frame.set_attribute("title", "Kiln code runner");
    let _ = frame.set_attribute("aria-hidden", "true");
    let _ = frame.set_attribute("tabindex", "-1");
    let _ = frame.set_attribute("class", "code-runner-frame");
    let _ = frame.set_attribute("data-testid", "code-runner-frame");
    let loaded = Rc::new(Cell::new(false));
    let fired = loaded.clone();
    // Lives as long as the frame: the load fires once.
    EventListener::once(&frame, "load", move |_| fired.set(true)).forget();
    frame.set_src(url);
    doc.body()
        .ok_or("no body")?
        .append_child(&frame)
        .map_err(|_| "could not add the code runner's frame")?;
    Ok((frame, loaded))
}

fn language_name(language: &str) -> &'static str {
    match language {
        "py" => "Python",
        "js" => "JavaScript",
        _ => "code",
    }
}

/// The runtime files this build serves, from the page's `<meta name="kiln-runtimes">`.
fn read_runtimes() -> RuntimeFiles {
    RuntimeFiles::parse(&browser::meta("kiln-runtimes").unwrap_or_default())
}
