//! A small W3C WebDriver client for `kiln eval`: Debian's chromedriver drives headless
//! Chromium, and this speaks the few commands eval needs (a session, navigation, frames,
//! scripts, clicks, element screenshots) as JSON over loopback HTTP.
//!
//! WebDriver rather than the DevTools protocol because chromedriver already handles what
//! makes CDP fiddly here (out-of-process frames for the sandbox origin, waiting for
//! navigations) and it needs no WebSocket client; every call has a deadline, so a hung
//! artifact costs one case, not the run.

use std::net::TcpListener;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::{Value, json};

/// The key W3C WebDriver uses for element references.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Process groups of the chromedrivers this process started, for [`stop_all`].
static GROUPS: Mutex<Vec<i32>> = Mutex::new(Vec::new());

/// Kills every chromedriver this process started and every browser they started: each
/// chromedriver leads its own process group, which its Chromium processes join. A hung
/// artifact's renderer does not quit when asked, so asking is not enough.
pub fn stop_all() {
    let groups = GROUPS.lock().map(|mut g| std::mem::take(&mut *g));
    for pgid in groups.unwrap_or_default() {
        kill_group(pgid);
    }
}

/// SIGKILL to a process group, by kill(1): the workspace forbids `unsafe`, so no kill(2).
fn kill_group(pgid: i32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// A running chromedriver, stopped (with its browsers) when dropped.
pub struct Driver {
    child: Child,
    base: String,
}

impl Driver {
    /// Starts `chromedriver` on a free loopback port and waits until it answers.
    pub fn start(program: &Path) -> Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .context("finding a free port for chromedriver")?
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .with_context(|| {
                format!(
                    "cannot start {} (on Debian: apt-get install chromium chromium-driver)",
                    program.display()
                )
            })?;
        if let (Ok(mut g), Ok(pgid)) = (GROUPS.lock(), i32::try_from(child.id())) {
            g.push(pgid);
        }
        let driver = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let agent = agent(Duration::from_secs(2));
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if agent.get(format!("{}/status", driver.base)).call().is_ok() {
                return Ok(driver);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("chromedriver did not answer within 20 s")
    }

    /// A new headless Chromium window. `chromium` is the browser binary.
    pub fn session(&self, chromium: &Path, width: u32, height: u32) -> Result<Session> {
        let caps = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium.to_string_lossy(),
                    "args": [
                        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--disable-dev-shm-usage",
                        format!("--window-size={width},{height}"),
                    ],
                },
            }},
        });
        let agent = agent(Duration::from_secs(60));
        let value = call(
            &agent,
            "POST",
            &format!("{}/session", self.base),
            Some(&caps),
        )
        .context("starting Chromium through chromedriver")?;
        let id = value["value"]["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("chromedriver gave no session id"))?
            .to_owned();
        Ok(Session {
            base: format!("{}/session/{id}", self.base),
            agent,
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(pgid) = i32::try_from(self.child.id()) {
            if let Ok(mut g) = GROUPS.lock() {
                g.retain(|&p| p != pgid);
            }
            kill_group(pgid);
        }
        let _ = self.child.wait();
    }
}

/// One browser window. Dropping it closes the window.
pub struct Session {
    base: String,
    agent: ureq::Agent,
}

/// An element in the current frame.
pub struct Element(String);

impl Session {
    /// Sets the deadline of every later command (and of scripts and page loads in the
    /// browser): a case's time budget.
    pub fn set_deadline(&mut self, limit: Duration) -> Result<()> {
        let ms = limit.as_millis().max(1) as u64;
        self.cmd(
            "POST",
            "/timeouts",
            Some(&json!({ "script": ms, "pageLoad": ms, "implicit": 0 })),
        )?;
        // The HTTP call outlives the browser's own timeout a little, so the browser's
        // answer (a script timeout) arrives rather than a cut connection.
        self.agent = agent(limit + Duration::from_secs(5));
        Ok(())
    }

    pub fn navigate(&self, url: &str) -> Result<()> {
        self.cmd("POST", "/url", Some(&json!({ "url": url })))
            .map(drop)
    }

    /// The first element matching `css` in the current frame, if any.
    pub fn find(&self, css: &str) -> Result<Option<Element>> {
        match self.cmd(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        ) {
            Ok(v) => Ok(v[ELEMENT_KEY].as_str().map(|s| Element(s.to_owned()))),
            Err(e) if e.to_string().contains("no such element") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Waits up to `within` for `css` to match in the current frame.
    pub fn wait_for(&self, css: &str, within: Duration) -> Result<Option<Element>> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(e) = self.find(css)? {
                return Ok(Some(e));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn enter_frame(&self, frame: &Element) -> Result<()> {
        self.cmd(
            "POST",
            "/frame",
            Some(&json!({ "id": { ELEMENT_KEY: frame.0 } })),
        )
        .map(drop)
    }

    pub fn top_frame(&self) -> Result<()> {
        self.cmd("POST", "/frame", Some(&json!({ "id": null })))
            .map(drop)
    }

    pub fn click(&self, element: &Element) -> Result<()> {
        self.cmd(
            "POST",
            &format!("/element/{}/click", element.0),
            Some(&json!({})),
        )
        .map(drop)
    }

    /// Runs a script (a function body; `arguments` are `args`) in the current frame.
    pub fn execute(&self, script: &str, args: &[Value]) -> Result<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Runs a script that calls its last argument with the answer.
    pub fn execute_async(&self, script: &str) -> Result<Value> {
        self.cmd(
            "POST",
            "/execute/async",
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    /// A PNG of the element, base64-encoded.
    pub fn screenshot(&self, element: &Element) -> Result<String> {
        let v = self.cmd("GET", &format!("/element/{}/screenshot", element.0), None)?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("the screenshot was not a string"))
    }

    fn cmd(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let value = call(&self.agent, method, &format!("{}{path}", self.base), body)?;
        Ok(value["value"].clone())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let quick = agent(Duration::from_secs(10));
        let _ = call(&quick, "DELETE", &self.base, None);
    }
}

fn agent(limit: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(limit))
        .build()
        .into()
}

/// One WebDriver command; a WebDriver error becomes an error naming it.
fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&Value>) -> Result<Value> {
    let response = match (method, body) {
        ("GET", _) => agent.get(url).call(),
        ("DELETE", _) => agent.delete(url).call(),
        (_, body) => agent
            .post(url)
            .content_type("application/json")
            .send(body.map_or_else(|| "{}".to_owned(), Value::to_string)),
    }
    .map_err(|e| anyhow!("WebDriver {method} {url}: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .into_body()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .context("reading chromedriver's answer")?;
    let value: Value = serde_json::from_str(&text).context("chromedriver's answer is not JSON")?;
    if status >= 400 {
        let v = &value["value"];
        bail!(
            "{}: {}",
            v["error"].as_str().unwrap_or("webdriver error"),
            v["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
        );
    }
    Ok(value)
}
