//! `kiln eval`: generate every case of a prompt suite with a model, render each artifact in
//! headless Chromium through the studio's own sandbox, run the case's checks in it, and
//! report per case and in total (JSON, and one self-contained HTML file with screenshots).
//!
//! The suite format, the checks' scripts, the totals, the comparison and the report are
//! `kiln_core::eval`; this module is the loop around them. Rendering goes through a `kiln
//! serve` this command starts on loopback: each artifact is opened as a share link, so it
//! runs exactly as a person would see it (studio page, sandbox origin, CSP, bridge, Console
//! tab). Results are written after every case, so an interrupted run resumes where it
//! stopped when the same command is run again; `--recheck` renders and checks the replies a
//! run saved, with the current extractor and checks, without calling the model.

use std::collections::{BTreeMap, VecDeque};
use std::io::{IsTerminal as _, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow, bail};
use base64::Engine as _;
use kiln_core::eval::{
    self, Case, CaseResult, CheckResult, Prices, RESULTS_FORMAT, RunRecord, TurnRecord,
};
use kiln_core::extract::MAX_REPLY_BYTES;
use kiln_core::prompt::Prompt;
use kiln_core::provider::{Endpoint, Protocol, RetryPolicy};
use kiln_core::session::{Ending, ModelSettings, Session};
use kiln_core::share::{SharedArtifact, encode_link, share_url};

use crate::generate::{Key, Provider, send_retrying};
use crate::http_client::Client;
use crate::webdriver::{self, Driver, Element};

/// The window a case renders in (the studio's desktop layout, so the preview is large).
const WINDOW: (u32, u32) = (1280, 900);
/// After the document loads, time for renderers that draw later (React, Mermaid, charts).
const SETTLE: Duration = Duration::from_millis(700);

/// Options for `kiln eval`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Which provider API to speak (not needed with --recheck or --compare).
    #[arg(long, value_enum, required_unless_present_any = ["recheck", "compare"])]
    provider: Option<Provider>,
    /// The API's base URL, instead of the provider's own.
    #[arg(long, value_name = "URL")]
    base_url: Option<String>,
    /// The model [default: the provider's default].
    #[arg(long)]
    model: Option<String>,
    /// The environment variable that holds the API key [default: the provider's usual one].
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// The suite: a folder of case files (see examples/eval/README.md).
    #[arg(long, default_value = "examples/eval", value_name = "DIR")]
    suite: PathBuf,
    /// Attempts per case.
    #[arg(long, default_value_t = 1, value_name = "N")]
    repeat: u32,
    /// Cases run at once (each in its own browser window).
    #[arg(long, default_value_t = 2, value_name = "K")]
    concurrency: usize,
    /// Where results.json, report.html and the screenshots go. Running the same command again
    /// resumes a run that was interrupted.
    #[arg(long, default_value = "eval-results", value_name = "DIR")]
    out: PathBuf,
    /// Render and check the replies saved in this earlier run's folder again, without the
    /// model (to measure a change to the extractor, the renderers or the checks).
    #[arg(long, value_name = "DIR", conflicts_with = "provider")]
    recheck: Option<PathBuf>,
    /// Compare two runs (folders or results.json files) and exit.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    compare: Option<Vec<PathBuf>>,
    /// The longest reply, in tokens.
    #[arg(long, default_value_t = 16384, value_name = "N")]
    max_tokens: u32,
    /// Price of a million input tokens in US dollars, for the cost column.
    #[arg(long, value_name = "USD", requires = "price_out")]
    price_in: Option<f64>,
    /// Price of a million output tokens in US dollars.
    #[arg(long, value_name = "USD", requires = "price_in")]
    price_out: Option<f64>,
    /// The Chromium binary.
    #[arg(long, default_value = "/usr/bin/chromium", value_name = "PATH")]
    chromium: PathBuf,
    /// The chromedriver binary.
    #[arg(long, default_value = "/usr/bin/chromedriver", value_name = "PATH")]
    chromedriver: PathBuf,
}

pub fn run(opts: &Options) -> Result<ExitCode> {
    let prices = opts.price_in.zip(opts.price_out).map(|(i, o)| Prices {
        input_per_mtok: i,
        output_per_mtok: o,
    });
    if let Some(paths) = &opts.compare {
        let [a, b] = paths.as_slice() else {
            bail!("--compare takes two runs");
        };
        let comparison = eval::compare(&load_run(a)?, &load_run(b)?);
        print!("{}", comparison.describe());
        return Ok(ExitCode::SUCCESS);
    }
    let cases = load_suite(&opts.suite)?;
    let source = opts.recheck.as_deref().map(load_run).transpose()?;
    let model = match &source {
        Some(_) => None,
        None => Some(Model::new(opts)?),
    };
    let label = match (&model, &source) {
        (Some(m), _) => m.label(),
        (None, Some(s)) => format!("{} (rechecked)", s.label),
        (None, None) => bail!("name a provider with --provider, or a run to --recheck"),
    };
    std::fs::create_dir_all(opts.out.join("screenshots"))
        .with_context(|| format!("creating {}", opts.out.display()))?;
    let results_path = opts.out.join("results.json");
    let mut record = if results_path.exists() {
        let mut saved = load_run(&results_path)?;
        if saved.label != label || saved.suite != opts.suite.display().to_string() {
            bail!(
                "{} holds a run of {} on {}; pass another --out to start a new one",
                opts.out.display(),
                saved.label,
                saved.suite
            );
        }
        // Resumed with more attempts per case, the report counts them.
        saved.repeat = saved.repeat.max(opts.repeat.max(1));
        saved
    } else {
        RunRecord {
            format: RESULTS_FORMAT,
            label,
            suite: opts.suite.display().to_string(),
            repeat: opts.repeat.max(1),
            started_ms: now_ms(),
            cases: Vec::new(),
        }
    };
    // A case that did not finish is not in the file; an attempt is one unit of work.
    let mut todo = VecDeque::new();
    for case in &cases {
        for attempt in 1..=opts.repeat.max(1) {
            let key = format!("{}#{attempt}", case.name);
            if record.find(&key).is_some() {
                continue;
            }
            let saved = match &source {
                Some(s) => match s.find(&key) {
                    Some(c) => Some(c.turns.clone()),
                    None => continue,
                },
                None => None,
            };
            todo.push_back(Job {
                case: case.clone(),
                attempt,
                saved,
            });
        }
    }
    let total = record.cases.len() + todo.len();
    if !record.cases.is_empty() {
        eprintln!(
            "kiln: resuming {}: {} of {total} done",
            opts.out.display(),
            record.cases.len()
        );
    }
    if total == 0 {
        bail!("nothing to run: the suite and --recheck have no case in common");
    }

    if !todo.is_empty() {
        stop_children_on_interrupt();
        let server = Server::start()?;
        let driver = Driver::start(&opts.chromedriver)?;
        let shared = Shared {
            todo: Mutex::new(todo),
            record: Mutex::new(record),
            results_path: results_path.clone(),
            out: opts.out.clone(),
            progress: Mutex::new(Progress::new(total)),
            fatal: Mutex::new(None),
        };
        let workers = opts.concurrency.clamp(1, 8);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| worker(&shared, &driver, opts, model.as_ref(), &server.url));
            }
        });
        if let Some(e) = shared.fatal.into_inner().ok().flatten() {
            return Err(e.context(format!(
                "the run stopped; what finished is in {} and the same command goes on from there",
                opts.out.display()
            )));
        }
        record = shared
            .record
            .into_inner()
            .map_err(|_| anyhow!("a worker panicked"))?;
    }

    let shots = screenshots(&opts.out, &record);
    let report = opts.out.join("report.html");
    std::fs::write(&report, eval::report_html(&record, prices, &shots))
        .with_context(|| format!("writing {}", report.display()))?;
    let totals = record.totals(prices);
    eprintln!("kiln: {}", totals.line());
    eprintln!(
        "kiln: wrote {} and {}",
        results_path.display(),
        report.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads a suite folder: every `*.toml` in it is a case.
fn load_suite(dir: &Path) -> Result<Vec<Case>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the suite folder {}", dir.display()))?;
    let mut cases = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| anyhow!("{} has no usable name", path.display()))?
            .to_owned();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        cases.push(eval::parse_case(&name, &text)?);
    }
    eval::suite(cases).with_context(|| format!("in {}", dir.display()))
}

/// Reads a run from its folder or its results.json.
fn load_run(path: &Path) -> Result<RunRecord> {
    let file = if path.is_dir() {
        path.join("results.json")
    } else {
        path.to_owned()
    };
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let record: RunRecord = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a kiln eval results file", file.display()))?;
    if record.format > RESULTS_FORMAT {
        bail!(
            "{} was written by a newer kiln (results format {})",
            file.display(),
            record.format
        );
    }
    Ok(record)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The model side: where to send, with which key.
struct Model {
    endpoint: Endpoint,
    settings: ModelSettings,
    key: Key,
    client: Client,
    policy: RetryPolicy,
}

impl Model {
    fn new(opts: &Options) -> Result<Self> {
        let provider = opts
            .provider
            .ok_or_else(|| anyhow!("name a provider with --provider"))?;
        let protocol = Protocol::from(provider);
        let endpoint = Endpoint::new(protocol, opts.base_url.as_deref()).map_err(|e| anyhow!(e))?;
        let Some(model) = opts
            .model
            .clone()
            .or_else(|| protocol.default_model().map(str::to_owned))
        else {
            bail!("name a model with --model: {protocol} has no default");
        };
        Ok(Self {
            endpoint,
            settings: ModelSettings {
                provider: protocol.name().to_owned(),
                base_url: opts.base_url.clone().unwrap_or_default(),
                model,
                max_tokens: opts.max_tokens,
            },
            key: Key::from_env(protocol, opts.api_key_env.as_deref())?,
            client: Client::new(),
            policy: RetryPolicy::default(),
        })
    }

    fn label(&self) -> String {
        format!("{}/{}", self.settings.provider, self.settings.model)
    }

    /// The conversation of one case: its prompt, its follow-ups, and Kiln's one automatic
    /// "your edit was not applied" message after a refused edit, as the studio sends it.
    fn converse(&self, case: &Case) -> (Vec<TurnRecord>, Option<String>) {
        let mut session = Session::new();
        let mut turns = Vec::new();
        let mut queue: VecDeque<(String, bool)> = std::iter::once(case.prompt.clone())
            .chain(case.follow_ups.iter().cloned())
            .map(|p| (p, false))
            .collect();
        let mut repaired = false;
        while let Some((text, automatic)) = queue.pop_front() {
            let (record, turn, error) = match self.turn(&session, &text) {
                Ok(t) => t,
                Err(e) => return (turns, Some(format!("{e:#}"))),
            };
            let complete = record.ending == Ending::Complete.describe();
            let repair = turn.repair_prompt();
            turns.push(TurnRecord {
                automatic,
                ..record
            });
            session.commit(turn);
            if let Some(e) = error {
                return (turns, Some(e));
            }
            if let Some(repair) = repair.filter(|_| complete && !repaired) {
                repaired = true;
                queue.push_front((repair, true));
            }
        }
        (turns, None)
    }

    /// One message and its streamed reply. The error, if any, ends the case (after its
    /// partial reply is kept).
    fn turn(
        &self,
        session: &Session,
        text: &str,
    ) -> Result<(TurnRecord, kiln_core::session::Turn, Option<String>)> {
        let prompt = Prompt::parse(text).map_err(|e| anyhow!(e))?;
        let mut turn = session
            .begin(&self.settings, &prompt)
            .map_err(|e| anyhow!(e))?;
        let start = Instant::now();
        let response = send_retrying(
            &self.client,
            &self.endpoint,
            turn.request(),
            &self.key,
            &self.policy,
            &self.settings.model,
        )?;
        let mut body = response.body;
        let mut buf = vec![0u8; 16 * 1024];
        let mut first_text = None;
        let mut read_error = None;
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    read_error = Some(e.to_string());
                    break;
                }
            };
            let update = turn.feed(buf.get(..n).unwrap_or_default());
            if update.text_chars > 0 {
                first_text.get_or_insert_with(|| start.elapsed());
            }
            if update.failed || turn.reply().len() > MAX_REPLY_BYTES {
                break;
            }
        }
        let ending = turn.finish();
        let usage = turn.usage();
        let error = match &ending {
            Ending::Complete | Ending::Cut(_) => None,
            Ending::Dropped => Some(match read_error {
                Some(e) => format!("the connection dropped: {e}"),
                None => ending.describe(),
            }),
            other => Some(self.key.scrub(&other.describe())),
        };
        Ok((
            TurnRecord {
                prompt: prompt.as_str().to_owned(),
                reply: turn.reply().to_owned(),
                ending: self.key.scrub(&ending.describe()),
                input_tokens: usage.input_tokens,
                output_tokens: usage.output_tokens,
                latency_ms: start.elapsed().as_millis() as u64,
                first_text_ms: first_text.map(|d| d.as_millis() as u64),
                automatic: false,
            },
            turn,
            error,
        ))
    }
}

/// On Ctrl-C or SIGTERM: stop the browsers, chromedrivers and `kiln serve` this run
/// started, then exit. What finished is already saved, so the same command resumes.
fn stop_children_on_interrupt() {
    std::thread::spawn(|| {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        rt.block_on(async {
            let Ok(mut term) =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        });
        webdriver::stop_all();
        if let Ok(mut pids) = SERVERS.lock() {
            for pid in pids.drain(..) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
        eprintln!("\nkiln: interrupted; run the same command again to go on");
        std::process::exit(130);
    });
}

/// The `kiln serve` children, for the interrupt handler.
static SERVERS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// A `kiln serve` of this same binary on loopback, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start() -> Result<Self> {
        let exe = std::env::current_exe().context("finding this kiln binary")?;
        let mut child = Command::new(exe)
            .args([
                "serve",
                "--address",
                "127.0.0.1",
                "--port",
                "0",
                "--no-short-links",
                "--no-run",
            ])
            .env("KILN_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting kiln serve for the sandbox")?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("kiln serve has no stdout"))?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
            .context("reading kiln serve's address")?;
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .ok_or_else(|| anyhow!("kiln serve did not say where it serves: {line:?}"))?
            .to_owned();
        if let (Ok(mut s), Ok(pid)) = (SERVERS.lock(), i32::try_from(child.id())) {
            s.push(pid);
        }
        Ok(Self { child, url })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One unit of work: a case, which attempt, and the saved turns when rechecking.
struct Job {
    case: Case,
    attempt: u32,
    saved: Option<Vec<TurnRecord>>,
}

struct Shared {
    todo: Mutex<VecDeque<Job>>,
    record: Mutex<RunRecord>,
    results_path: PathBuf,
    out: PathBuf,
    progress: Mutex<Progress>,
    /// What stopped the run (no browser), if anything did.
    fatal: Mutex<Option<anyhow::Error>>,
}

fn worker(shared: &Shared, driver: &Driver, opts: &Options, model: Option<&Model>, base: &str) {
    let mut window: Option<webdriver::Session> = None;
    loop {
        if shared.fatal.lock().map_or(true, |f| f.is_some()) {
            return;
        }
        let Some(job) = shared.todo.lock().ok().and_then(|mut q| q.pop_front()) else {
            return;
        };
        if let Ok(mut p) = shared.progress.lock() {
            p.started(&job.case.name);
        }
        let started = Instant::now();
        let (turns, error) = match (&job.saved, model) {
            (Some(saved), _) => (saved.clone(), None),
            (None, Some(m)) => m.converse(&job.case),
            (None, None) => (Vec::new(), Some("no model and no saved reply".to_owned())),
        };
        let mut result = CaseResult {
            case: job.case.name.clone(),
            attempt: job.attempt,
            expected_kind: Some(job.case.kind),
            error,
            ..CaseResult::default()
        };
        let (set, shown) = eval::replay_replies(turns.iter().map(|t| t.reply.as_str()));
        result.turns = turns;
        let artifact = shown.and_then(|id| set.latest(&id).map(|(_, a)| (id, a.clone())));
        if let Some((id, artifact)) = artifact {
            result.artifact_id = Some(id);
            result.kind = Some(artifact.kind);
            result.complete = artifact.complete;
            result.bytes = artifact.content.len();
            if result.extracted() {
                let mut w = match window.take() {
                    Some(w) => w,
                    None => match driver.session(&opts.chromium, WINDOW.0, WINDOW.1) {
                        Ok(w) => w,
                        // No browser is no verdict on the model: the run stops, and this case
                        // is not saved, so running again does it.
                        Err(e) => {
                            if let Ok(mut f) = shared.fatal.lock() {
                                f.get_or_insert(e);
                            }
                            return;
                        }
                    },
                };
                let key = result.key();
                let began = Instant::now();
                match check_in_browser(&mut w, base, &job.case, &artifact, &shared.out, &key) {
                    Ok(found) => {
                        result.rendered = found.rendered;
                        result.checks = found.checks;
                        result.screenshot = found.screenshot;
                        window = Some(w);
                    }
                    // The window may be stuck in the artifact: it is closed (dropped) and the
                    // next case gets a new one.
                    Err(e) => {
                        let limit = Duration::from_secs(u64::from(job.case.timeout_seconds));
                        let e = if began.elapsed() >= limit {
                            e.context(format!(
                                "timed out after {} s: the artifact stopped responding or \
                                 never finished rendering",
                                job.case.timeout_seconds
                            ))
                        } else {
                            e
                        };
                        if result.error.is_none() {
                            result.error = Some(format!("{e:#}"));
                        }
                    }
                }
            }
        }
        result.elapsed_ms = started.elapsed().as_millis() as u64;
        // Saved before it is announced: a case the progress shows is a case a resume skips.
        if let Ok(mut record) = shared.record.lock() {
            record.cases.push(result.clone());
            if let Err(e) = save(&shared.results_path, &record) {
                eprintln!("kiln: {e:#}");
            }
        }
        if let Ok(mut p) = shared.progress.lock() {
            p.finished(&result);
        }
    }
}

/// Writes the results so far, whole or not at all.
fn save(path: &Path, record: &RunRecord) -> Result<()> {
    let json = serde_json::to_string_pretty(record).context("writing the results as JSON")?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

struct Found {
    rendered: bool,
    checks: Vec<CheckResult>,
    screenshot: Option<String>,
}

/// Opens the artifact as a share link in the studio, waits for it to render, takes a
/// screenshot, runs the checks in its frame and reads the Console tab. Any error (the
/// case's time ran out, the frame hung) is returned, and the window is not reused.
fn check_in_browser(
    window: &mut webdriver::Session,
    base: &str,
    case: &Case,
    artifact: &kiln_core::artifact::Artifact,
    out: &Path,
    key: &str,
) -> Result<Found> {
    let deadline = Instant::now() + Duration::from_secs(u64::from(case.timeout_seconds));
    let left = || deadline.saturating_duration_since(Instant::now());
    let mut shared = SharedArtifact::new(artifact.kind, artifact.content.clone());
    shared.title = artifact.title.clone();
    shared.language = artifact.language.clone();
    let link = encode_link(&shared).map_err(|e| anyhow!("making its link: {e}"))?;
    window.set_deadline(left())?;
    let window = &*window;
    // Through a blank page: from the last case's link to this one is only a new fragment,
    // which the studio would take as the same page.
    window.navigate("about:blank")?;
    window.navigate(&share_url(base, &link))?;
    let frame = window
        .wait_for("[data-testid=artifact-frame]", left())?
        .ok_or_else(|| anyhow!("the studio never showed the artifact's frame"))?;
    let (rendered, screenshot) = render_and_screenshot(window, &frame, out, key, left)?;
    let mut checks = Vec::with_capacity(case.checks.len());
    let mut console_at = None;
    if rendered {
        for check in &case.checks {
            match check.script() {
                None => {
                    console_at = Some(checks.len());
                    checks.push(CheckResult::default());
                }
                Some(script) => {
                    let answer = in_artifact(window, &frame, left, |w| w.execute_async(&script));
                    checks.push(match answer {
                        Ok(v) => CheckResult {
                            check: check.label(),
                            passed: v["pass"].as_bool() == Some(true),
                            detail: v["detail"].as_str().unwrap_or_default().to_owned(),
                        },
                        Err(e) if Instant::now() >= deadline => return Err(e),
                        Err(e) => CheckResult {
                            check: check.label(),
                            passed: false,
                            detail: format!("{e:#}"),
                        },
                    });
                }
            }
        }
    } else {
        checks = case
            .checks
            .iter()
            .map(|c| CheckResult {
                check: c.label(),
                passed: false,
                detail: "the artifact did not render".to_owned(),
            })
            .collect();
    }
    if let Some(i) = console_at {
        let errors = console_errors(window)?;
        if let Some(slot) = checks.get_mut(i) {
            *slot = eval::console_check(&errors);
        }
    }
    Ok(Found {
        rendered,
        checks,
        screenshot,
    })
}

/// Waits for the artifact's document to load and show something, gives late renderers a
/// moment, and keeps a screenshot of the frame. Returns whether it rendered and the file.
fn render_and_screenshot(
    window: &webdriver::Session,
    frame: &Element,
    out: &Path,
    key: &str,
    left: impl Fn() -> Duration,
) -> Result<(bool, Option<String>)> {
    let rendered = in_artifact(window, frame, &left, |w| {
        let until = Instant::now() + left();
        loop {
            let state = w.execute(
                "return document.readyState === 'complete' && !!document.body && \
                 (document.body.innerText.trim().length > 0 || !!document.body.querySelector('svg,canvas,img,input,button,table,div *'))",
                &[],
            )?;
            if state.as_bool() == Some(true) {
                return Ok(true);
            }
            if Instant::now() >= until {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })?;
    std::thread::sleep(SETTLE.min(left()));
    let name = format!("{}.png", key.replace('#', "-"));
    let shot = window
        .screenshot(frame)
        .ok()
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|png| std::fs::write(out.join("screenshots").join(&name), png).ok())
        .map(|()| name);
    Ok((rendered, shot))
}

/// Runs `f` inside the artifact's own document (the studio frame holds the runner, which
/// holds the artifact), then returns to the studio page.
fn in_artifact<T>(
    window: &webdriver::Session,
    frame: &Element,
    left: impl Fn() -> Duration,
    f: impl FnOnce(&webdriver::Session) -> Result<T>,
) -> Result<T> {
    window.top_frame()?;
    window.enter_frame(frame)?;
    let inner = window
        .wait_for("iframe", left())?
        .ok_or_else(|| anyhow!("the sandbox runner never made the artifact's frame"))?;
    window.enter_frame(&inner)?;
    let answer = f(window);
    window.top_frame()?;
    answer
}

/// The error lines of the studio's Console tab.
fn console_errors(window: &webdriver::Session) -> Result<Vec<String>> {
    window.top_frame()?;
    if let Some(tab) = window.find("[data-testid=tab-console]")? {
        window.click(&tab)?;
    }
    let v = window.execute(
        "return [...document.querySelectorAll('[data-testid=console-entry].error .text')].map((e) => e.textContent)",
        &[],
    )?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// The screenshots the report embeds, base64-encoded, by file name.
fn screenshots(out: &Path, record: &RunRecord) -> BTreeMap<String, String> {
    record
        .cases
        .iter()
        .filter_map(|c| c.screenshot.clone())
        .filter_map(|name| {
            let png = std::fs::read(out.join("screenshots").join(&name)).ok()?;
            Some((name, base64::engine::general_purpose::STANDARD.encode(png)))
        })
        .collect()
}

/// The progress line: a bar while stderr is a terminal, one line per case either way.
struct Progress {
    total: usize,
    done: usize,
    passed: usize,
    live: bool,
    running: Vec<String>,
}

impl Progress {
    fn new(total: usize) -> Self {
        Self {
            total,
            done: 0,
            passed: 0,
            live: std::io::stderr().is_terminal(),
            running: Vec::new(),
        }
    }

    fn started(&mut self, name: &str) {
        self.running.push(name.to_owned());
        self.draw();
    }

    fn finished(&mut self, r: &CaseResult) {
        self.done += 1;
        self.passed += usize::from(r.passed());
        if let Some(i) = self.running.iter().position(|n| *n == r.case) {
            self.running.remove(i);
        }
        let checks = r.checks.iter().filter(|c| c.passed).count();
        let verdict = match r.failure() {
            None => "PASS".to_owned(),
            Some(f) => format!("FAIL  {f}"),
        };
        if self.live {
            eprint!("\r\x1b[2K");
        }
        eprintln!(
            "[{}/{}] {}  checks {checks}/{}  {:.1} s  {verdict}",
            self.done,
            self.total,
            r.key(),
            r.checks.len(),
            r.elapsed_ms as f64 / 1000.0
        );
        self.draw();
    }

    fn draw(&self) {
        if !self.live {
            return;
        }
        let width = 24;
        let filled = (self.done * width).checked_div(self.total).unwrap_or(0);
        eprint!(
            "\r\x1b[2K[{}{}] {}/{} · {} passed · running {}",
            "#".repeat(filled),
            "-".repeat(width - filled),
            self.done,
            self.total,
            self.passed,
            self.running.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_suite_reads_and_covers_every_kind_it_promises() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/eval");
        let cases = load_suite(&dir).unwrap();
        assert!(cases.len() >= 30, "{} cases", cases.len());
        use kiln_core::artifact::ArtifactKind as K;
        for kind in [K::Html, K::React, K::Svg, K::Markdown, K::Mermaid] {
            assert!(cases.iter().any(|c| c.kind == kind), "no {kind} case");
        }
        assert!(cases.iter().filter(|c| !c.follow_ups.is_empty()).count() >= 5);
    }
}
