//! The browser side of `kiln eval`: a `kiln serve` of this binary on loopback, and Chromium
//! windows, driven over WebDriver, that open each artifact as a share link, screenshot it and
//! run its checks in its frame.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow};
use base64::Engine as _;
use kiln_core::eval::{self, Case, CheckResult};
use kiln_core::share::{SharedArtifact, encode_link, share_url};

use crate::webdriver::{self, Element};

/// The window a case renders in (the studio's desktop layout, so the preview is large).
pub(super) const WINDOW: (u32, u32) = (1280, 900);
/// After the document loads, time for renderers that draw later (React, Mermaid, charts).
const SETTLE: Duration = Duration::from_millis(700);

/// On Ctrl-C or SIGTERM: stop the browsers, chromedrivers and `kiln serve` this run
/// started, then exit. What finished is already saved, so the same command resumes.
pub(super) fn stop_children_on_interrupt() {
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
pub(super) struct Server {
    child: Child,
    pub(super) url: String,
}

impl Server {
    pub(super) fn start() -> Result<Self> {
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

pub(super) struct Found {
    pub(super) rendered: bool,
    pub(super) checks: Vec<CheckResult>,
    pub(super) screenshot: Option<String>,
}

/// Opens the artifact as a share link in the studio, waits for it to render, takes a
/// screenshot, runs the checks in its frame and reads the Console tab. Any error (the
/// case's time ran out, the frame hung) is returned, and the window is not reused.
/// The model the studio in the eval's browser gives apps that call it (`kiln.complete`): the
/// run's own provider, model and key, as the studio keeps them in its storage.
pub(super) struct StudioModel {
    pub(super) settings: String,
    pub(super) key_name: String,
    pub(super) key: String,
}

/// Once the studio shows the artifact: answers "Allow for this session" whenever an app asks
/// for the model. The run's operator is the person here, spending their own key on their own
/// suite; the studio still applies its budget, pace and sizes.
const ALLOW_MODEL: &str = "const allow = () => { const b = document.querySelector('[data-testid=model-allow-session]'); if (b) b.click(); }; \
     allow(); new MutationObserver(allow).observe(document.body, { childList: true, subtree: true }); return true;";

#[allow(clippy::too_many_arguments)]
pub(super) fn check_in_browser(
    window: &mut webdriver::Session,
    base: &str,
    case: &Case,
    artifact: &kiln_core::artifact::Artifact,
    out: &Path,
    key: &str,
    studio: Option<&StudioModel>,
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
    if let Some(m) = studio {
        // Any small page of the studio's origin will do to reach its storage.
        window.navigate(&format!("{}/config.json", base.trim_end_matches('/')))?;
        window.execute(
            "localStorage.setItem('kiln.settings', arguments[0]); \
             if (arguments[2]) localStorage.setItem(arguments[1], arguments[2]); return true;",
            &[
                m.settings.clone().into(),
                m.key_name.clone().into(),
                m.key.clone().into(),
            ],
        )?;
    }
    window.navigate("about:blank")?;
    window.navigate(&share_url(base, &link))?;
    let frame = window
        .wait_for("[data-testid=artifact-frame]", left())?
        .ok_or_else(|| anyhow!("the studio never showed the artifact's frame"))?;
    if studio.is_some() {
        window.execute(ALLOW_MODEL, &[])?;
    }
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
