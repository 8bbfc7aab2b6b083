//! Sandbox policy: how an artifact's frame is built, what it may load, and what it may say.
//!
//! An artifact is untrusted code that a prompt injection can steer. The page runs it in a
//! frame on another site (its own process), sandboxed without `allow-same-origin`, under a
//! default-deny CSP that is the very first thing in its document. Everything here is plain
//! data and strings so that the server, the page and the tests share one definition.

pub mod appdata;
mod bridge;
mod buffer;
pub mod code_run;
mod console;
pub(crate) mod document;
mod focus;
mod identity;
pub mod live;
mod location;
mod origin;
mod storage;
mod watchdog;

pub use bridge::{
    BRIDGE_VERSION, Batch, BridgeError, ConsoleLevel, FLUSH_MS, FocusBy, FromFrame,
    MAX_BATCH_BYTES, MAX_LINES_PER_BATCH, MAX_MESSAGE_BYTES, MAX_TEXT_CHARS, RunnerEvent,
    StorageDelta, ToFrame, batch_prefix, parse_batch,
};
pub use buffer::{FrameBuffer, SWAP_AFTER_MS};
pub use console::{ConsoleLine, ConsoleLog, LineKind};
pub use document::{compose_document, declared_consent, declared_origins};
pub use focus::{FocusAction, FocusGuard, LOAD_GRACE_MS, PAUSE_REASON};
pub use identity::AppId;
pub use location::{LocationError, RunnerBase, is_pages_version, pages_version, resolve_runner};
pub use origin::{Origin, OriginError};
pub use storage::{ArtifactStorage, STORAGE_QUOTA_BYTES, StorageError};
pub use watchdog::{
    BUSY_LIMIT_MS, BUSY_WINDOW_MS, FROZE_AFTER_MS, HUNG_AFTER_MS, Health, NO_START_AFTER_MS,
    PROBE_MS, Starvation, Starved, Watchdog, probe_shows_shared_process,
};

/// What an artifact asks for, or what the person has allowed it, beyond the default.
///
/// Stored per artifact in the studio (never in a share link, so a link cannot pre-approve).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Consent {
    /// Origins the artifact may connect to (fetch, XHR, WebSocket, EventSource).
    pub network: Vec<Origin>,
    /// Whether it may open popups (for example links with `target=_blank`). A popup can
    /// load any site, so this is as strong as network access.
    pub popups: bool,
    /// Whether it may start downloads.
    pub downloads: bool,
    /// Whether it may take the whole screen (Esc always leaves).
    pub fullscreen: bool,
    /// Whether it may use the person's model (`kiln.complete`) in every session, and on what
    /// budget. Only the person's "Always allow" sets it; an app never declares it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<live::ModelGrant>,
}

impl Consent {
    /// Nothing beyond the default.
    pub fn is_empty(&self) -> bool {
        self.network.is_empty()
            && !self.popups
            && !self.downloads
            && !self.fullscreen
            && self.model.is_none()
    }

    /// What `asked` wants that this consent does not already allow.
    pub fn missing(&self, asked: &Consent) -> Consent {
        Consent {
            network: asked
                .network
                .iter()
                .filter(|o| !self.network.contains(o))
                .cloned()
                .collect(),
            popups: asked.popups && !self.popups,
            downloads: asked.downloads && !self.downloads,
            fullscreen: asked.fullscreen && !self.fullscreen,
            model: None,
        }
    }

    /// One line per permission, for the person deciding.
    pub fn describe(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .network
            .iter()
            .map(|o| format!("connect to {o}"))
            .collect();
        if self.popups {
            out.push("open popups (a popup can load any site)".to_owned());
        }
        if self.downloads {
            out.push("start downloads".to_owned());
        }
        if self.fullscreen {
            out.push("go full screen (Esc leaves it)".to_owned());
        }
        if let Some(g) = self.model {
            out.push(format!(
                "use your model (up to {} tokens a session)",
                g.budget_tokens
            ));
        }
        out
    }

    /// Adds everything in `more`.
    pub fn grant(&mut self, more: &Consent) {
        for o in &more.network {
            if !self.network.contains(o) {
                self.network.push(o.clone());
            }
        }
        self.popups |= more.popups;
        self.downloads |= more.downloads;
        self.fullscreen |= more.fullscreen;
        if more.model.is_some() {
            self.model = more.model;
        }
    }
}

/// The `sandbox` attribute of an artifact's frame. Never `allow-same-origin`, never top
/// navigation, never browser dialogs (`alert`, `confirm`, `prompt` block the whole tab, so the
/// bridge shows them inside the app instead); popups and downloads only when the person allowed
/// them.
pub fn frame_sandbox(consent: &Consent) -> String {
    let mut flags = vec!["allow-scripts", "allow-forms", "allow-pointer-lock"];
    if consent.popups {
        // Popups escape the sandbox's flags only if asked to; they must not.
        flags.extend(["allow-popups"]);
    }
    if consent.downloads {
        flags.push("allow-downloads");
    }
    flags.join(" ")
}

/// The `allow` (permissions policy) attribute of an artifact's frame: no camera, microphone,
/// geolocation, payment, USB and the like; full screen only when the person allowed it, since
/// an app in full screen puts Kiln's own controls out of sight (Esc still leaves).
pub fn frame_allow(consent: &Consent) -> String {
    // `*`, not the default `'src'`: the frame's document has an opaque origin, which Firefox
    // does not take for the `src` URL's (measured: "fullscreen" alone leaves it refused there).
    let fullscreen = if consent.fullscreen {
        "fullscreen *"
    } else {
        "fullscreen 'none'"
    };
    format!(
        "{fullscreen}; camera 'none'; microphone 'none'; geolocation 'none'; payment 'none'; \
         usb 'none'; serial 'none'; hid 'none'; clipboard-read 'none'; display-capture 'none'; \
         publickey-credentials-get 'none'"
    )
}

/// The `connect-src` sources for a consent: the granted origins, or `'none'`.
fn connect_src(consent: &Consent) -> String {
    if consent.network.is_empty() {
        "'none'".to_owned()
    } else {
        consent
            .network
            .iter()
            .map(Origin::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The CSP placed first in an artifact's document.
///
/// Default deny. Inline script and style are allowed (single-file apps are inline by nature),
/// as is `eval` (in-browser JSX compilation and many small apps need it). Scripts and styles
/// load only from the sandbox origin's vendored libraries; images, media and fonts only from
/// `data:`/`blob:`; nothing connects anywhere unless the person granted origins; no form posts,
/// no `<base>`, no plugins, no nested frames of other sites, no workers from elsewhere.
pub fn artifact_csp(runner: Option<&RunnerBase>, consent: &Consent) -> String {
    let vendor = runner
        .map(|r| format!(" {}", r.vendor_prefix()))
        .unwrap_or_default();
    let connect = connect_src(consent);
    format!(
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' blob:{vendor}; \
         style-src 'unsafe-inline'{vendor}; img-src data: blob:; media-src data: blob:; \
         font-src data:{vendor}; connect-src {connect}; worker-src blob:; frame-src blob: data:; \
         child-src blob: data:; form-action 'none'; base-uri 'none'; object-src 'none'; \
         manifest-src 'none'"
    )
}

/// The CSP of the runner page on the sandbox origin, which hosts the artifact's frame.
///
/// Its own script is inline (the page is one file, so a browser can keep it for offline use:
/// Chromium keeps nothing a sandboxed frame loads but the frame's page itself); the vendor
/// folder is named in full (the runner frame is itself sandboxed, so `'self'` would match
/// nothing). The artifact's `srcdoc` frame inherits
/// this policy on top of its own, so a document that somehow lost its first-place CSP still
/// cannot connect anywhere. `frame-src 'none'` stops the artifact frame from navigating itself
/// to any URL, which would otherwise leak data in the URL.
pub fn runner_csp(runner: &RunnerBase, consent: &Consent) -> String {
    let p = runner.prefix();
    runner_policy(
        &format!("{p}vendor/"),
        &format!("{p}vendor/"),
        &connect_src(consent),
    )
}

/// The runner's CSP for a static host, which cannot vary a header by query string: network
/// access is left to the policy first in each artifact's document (which names exactly the
/// granted origins); this one still stops everything else. A build that does not know where
/// its runner will be served (the single-origin fallback) cannot name it: `'self'` is the
/// runner's URL origin in Chromium and Firefox, but nothing at all in WebKit, whose sandboxed
/// frame has only its opaque origin (no app ran there). It names [`ANY_WEB`] instead, which
/// leaves the exact sources to the artifact's own policy (composed first into its document,
/// with the runner's full address the studio resolved).
pub fn static_runner_csp(runner: Option<&RunnerBase>) -> String {
    let connect = "http: https: ws: wss:";
    match runner {
        Some(r) => {
            let p = r.prefix();
            runner_policy(&format!("{p}vendor/"), &format!("{p}vendor/"), connect)
        }
        None => runner_policy(ANY_WEB, ANY_WEB, connect),
    }
}

/// What a static single-origin build's sandbox pages name for their own files, which it cannot
/// name by address (see [`static_runner_csp`]).
const ANY_WEB: &str = "http: https:";

/// The code runner's CSP (`code.html`, where Python and JavaScript artifacts run in a
/// Worker): its own inline script, WebAssembly and a `blob:` Worker; no network at all (the
/// studio hands it the runtimes). The same wherever the sandbox is served.
pub fn code_runner_csp() -> String {
    "default-src 'none'; script-src 'unsafe-inline' blob: 'wasm-unsafe-eval'; \
     worker-src blob:; child-src blob:; connect-src 'none'; style-src 'unsafe-inline'; \
     frame-src 'none'; form-action 'none'; base-uri 'none'; object-src 'none'; \
     manifest-src 'none'"
        .to_owned()
}

fn runner_policy(scripts: &str, vendor: &str, connect: &str) -> String {
    format!(
        "default-src 'none'; script-src {scripts} 'unsafe-inline' 'unsafe-eval' blob:; \
         style-src {vendor} 'unsafe-inline'; img-src data: blob:; media-src data: blob:; \
         font-src {vendor} data:; connect-src {connect}; worker-src blob:; frame-src 'none'; \
         child-src 'none'; form-action 'none'; base-uri 'none'; object-src 'none'; \
         manifest-src 'none'"
    )
}

/// How well an artifact's frame is separated from the studio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// The sandbox is on another site: Chromium gives it its own process, so a hung or
    /// crashing artifact cannot freeze the studio.
    SeparateSite,
    /// The sandbox is another origin on the same site (another port of the same host): still
    /// cross-origin and sandboxed, but it may share the studio's process.
    SameSite,
    /// The single-origin fallback for a static host with one origin: the runner is a folder of
    /// the studio's own origin, framed sandboxed (an opaque origin), so it still cannot read
    /// the studio's storage or keys, but it shares the studio's process and a hang can freeze
    /// the page.
    SameOrigin,
    /// Measured in the page, whatever the origins: this browser runs the app in the studio's
    /// own process (WebKitGTK does, even across sites), so while the app's script runs nothing
    /// of the studio does, and an app that eats memory can take the page down.
    SharedProcess,
}

impl Isolation {
    /// The weaker of two judgements.
    pub fn weaker(self, other: Self) -> Self {
        let rank = |i: Self| match i {
            Self::SeparateSite => 3,
            Self::SameSite => 2,
            Self::SameOrigin => 1,
            Self::SharedProcess => 0,
        };
        if rank(other) < rank(self) {
            other
        } else {
            self
        }
    }

    /// What the studio tells the person when the isolation is weaker than a separate site.
    pub fn warning(self) -> Option<&'static str> {
        match self {
            Self::SeparateSite => None,
            Self::SameSite => Some(
                "Weaker isolation: the sandbox shares this page's site, so a hung app can slow \
                 the page.",
            ),
            Self::SameOrigin => Some(
                "Weaker isolation: this deployment has no separate sandbox origin. Apps still \
                 cannot read this page's keys or storage, but a hung app can freeze the page.",
            ),
            Self::SharedProcess => Some(
                "Weaker isolation: this browser runs apps in the same process as this page. Apps \
                 still cannot read its keys or storage, but while an app hangs the page is frozen \
                 too (Kiln stops it as soon as it can), and one that eats memory can crash it. \
                 Your conversation is saved.",
            ),
        }
    }
}

/// How far a runner at `runner` is from a studio at `page`, judged by their origins alone.
///
/// Sites are compared by scheme and the host's last two labels (an IP address is a site of its
/// own). Without the public suffix list this can under-claim (`a.github.io` and
/// `b.github.io` are separate sites but look like one) but never over-claim, which is the safe
/// direction for a warning.
pub fn isolation_between(page: &Origin, runner: &Origin) -> Isolation {
    if page == runner {
        return Isolation::SameOrigin;
    }
    let site = |o: &Origin| {
        let (scheme, rest) = o.as_str().split_once("://").unwrap_or(("", o.as_str()));
        let host = match rest.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => h,
            _ => rest,
        };
        let is_ip = host.starts_with('[') || host.chars().all(|c| c.is_ascii_digit() || c == '.');
        let site = if is_ip {
            host.to_owned()
        } else {
            let labels: Vec<&str> = host.rsplitn(3, '.').take(2).collect();
            labels.into_iter().rev().collect::<Vec<_>>().join(".")
        };
        (scheme.to_owned(), site)
    };
    if site(page) == site(runner) {
        Isolation::SameSite
    } else {
        Isolation::SeparateSite
    }
}

/// What the studio learns from its deployment (`config.json`) about the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SandboxConfig {
    /// The folder holding `runner.html`: an absolute URL, or a path relative to the studio page
    /// for the single-origin fallback. See [`resolve_runner`].
    pub runner: String,
    /// What the deployment claims; the page judges it again with [`isolation_between`] and
    /// shows the weaker of the two.
    pub isolation: Isolation,
}

/// Where the sandbox lives for a studio reached at `app_host` (a `Host` header, with port),
/// when `kiln serve` runs the sandbox on `sandbox_port` of the same machine.
///
/// `127.0.0.1` and `localhost` are different sites, so each maps to the other. Any other host
/// keeps its name with the sandbox port: same site, weaker, and said so.
pub fn sandbox_for_host(app_host: &str, sandbox_port: u16) -> (Origin, Isolation) {
    let host = match app_host.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') && p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => app_host,
    }
    .to_ascii_lowercase();
    let loopback_ip = host == "[::1]" || host.starts_with("127.");
    let (name, isolation) = if loopback_ip {
        ("localhost".to_owned(), Isolation::SeparateSite)
    } else if host == "localhost" {
        ("127.0.0.1".to_owned(), Isolation::SeparateSite)
    } else {
        (host, Isolation::SameSite)
    };
    match Origin::parse(&format!("http://{name}:{sandbox_port}")) {
        Ok(origin) => (origin, isolation),
        // A Host header that is not a host name: fall back to loopback, which is what
        // `kiln serve` listens on by default.
        Err(_) => match Origin::parse(&format!("http://localhost:{sandbox_port}")) {
            Ok(origin) => (origin, Isolation::SameSite),
            Err(_) => (
                Origin(format!("http://localhost:{sandbox_port}")),
                Isolation::SameSite,
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_names_map_to_each_other() {
        let cases = [
            (
                "127.0.0.1:8787",
                "http://localhost:8788",
                Isolation::SeparateSite,
            ),
            (
                "localhost:8787",
                "http://127.0.0.1:8788",
                Isolation::SeparateSite,
            ),
            (
                "LOCALHOST",
                "http://127.0.0.1:8788",
                Isolation::SeparateSite,
            ),
            (
                "[::1]:8787",
                "http://localhost:8788",
                Isolation::SeparateSite,
            ),
            (
                "kiln.internal:8787",
                "http://kiln.internal:8788",
                Isolation::SameSite,
            ),
            (
                "192.168.1.5:8787",
                "http://192.168.1.5:8788",
                Isolation::SameSite,
            ),
            (
                "evil\"; script-src *",
                "http://localhost:8788",
                Isolation::SameSite,
            ),
        ];
        for (host, origin, isolation) in cases {
            let (o, i) = sandbox_for_host(host, 8788);
            assert_eq!((o.as_str(), i), (origin, isolation), "{host}");
        }
    }

    use super::*;

    fn directive<'a>(csp: &'a str, name: &str) -> Option<&'a str> {
        csp.split(';').map(str::trim).find_map(|d| {
            d.strip_prefix(name)
                .filter(|rest| rest.starts_with(' '))
                .map(str::trim)
        })
    }

    #[test]
    fn consent_missing_and_grant() {
        let a = Origin::parse("https://a.org").unwrap();
        let b = Origin::parse("https://b.org").unwrap();
        let asked = Consent {
            network: vec![a.clone(), b.clone()],
            popups: true,
            downloads: false,
            fullscreen: false,
            model: None,
        };
        let mut granted = Consent {
            network: vec![a.clone()],
            ..Consent::default()
        };
        let missing = granted.missing(&asked);
        assert_eq!(
            missing,
            Consent {
                network: vec![b.clone()],
                popups: true,
                downloads: false,
                fullscreen: false,
                model: None,
            }
        );
        assert_eq!(
            missing.describe(),
            [
                "connect to https://b.org",
                "open popups (a popup can load any site)"
            ]
        );
        granted.grant(&missing);
        assert!(granted.missing(&asked).is_empty());
        assert_eq!(granted.network, vec![a, b]);
        // Stored form: old entries without the flags still load.
        let stored: Consent = serde_json::from_str(r#"{"network":["https://a.org"]}"#).unwrap();
        assert!(!stored.popups && stored.network.len() == 1);
        assert!(serde_json::from_str::<Consent>(r#"{"network":["*"]}"#).is_err());
        // The model grant is kept with the rest, said, and never asked for by an app.
        let model = Consent {
            model: Some(live::ModelGrant { budget_tokens: 500 }),
            ..Consent::default()
        };
        assert!(!model.is_empty());
        assert_eq!(
            model.describe(),
            ["use your model (up to 500 tokens a session)"]
        );
        granted.grant(&model);
        assert_eq!(granted.model, model.model);
        assert_eq!(granted.missing(&model).model, None);
        let json = serde_json::to_string(&Consent::default()).unwrap();
        assert!(!json.contains("model"), "{json}");
    }

    #[test]
    fn frame_never_gets_same_origin_or_top_navigation() {
        let all = Consent {
            network: vec![],
            popups: true,
            downloads: true,
            fullscreen: true,
            model: Some(live::ModelGrant { budget_tokens: 100 }),
        };
        for consent in [Consent::default(), all.clone()] {
            let flags = frame_sandbox(&consent);
            assert!(!flags.contains("allow-same-origin"), "{flags}");
            assert!(!flags.contains("allow-top-navigation"), "{flags}");
            assert!(!flags.contains("allow-popups-to-escape-sandbox"), "{flags}");
            // Browser dialogs block the whole tab: the bridge draws them inside the app.
            assert!(!flags.contains("allow-modals"), "{flags}");
            assert!(flags.contains("allow-scripts"));
        }
        assert!(frame_allow(&Consent::default()).starts_with("fullscreen 'none';"));
        assert!(frame_allow(&all).starts_with("fullscreen *;"));
        assert!(frame_allow(&all).contains("camera 'none'"));
        assert!(!frame_sandbox(&Consent::default()).contains("allow-popups"));
        assert!(!frame_sandbox(&Consent::default()).contains("allow-downloads"));
    }

    #[test]
    fn artifact_csp_denies_network_by_default() {
        let csp = artifact_csp(None, &Consent::default());
        assert_eq!(directive(&csp, "default-src"), Some("'none'"));
        assert_eq!(directive(&csp, "connect-src"), Some("'none'"));
        assert_eq!(directive(&csp, "form-action"), Some("'none'"));
        assert_eq!(directive(&csp, "base-uri"), Some("'none'"));
        assert_eq!(directive(&csp, "img-src"), Some("data: blob:"));
        assert!(!csp.contains("http"));
    }

    #[test]
    fn granted_origins_and_vendor_are_the_only_hosts_named() {
        let vendor = RunnerBase::parse("http://localhost:8788").unwrap();
        let api = Origin::parse("https://api.example.org").unwrap();
        let consent = Consent {
            network: vec![api],
            ..Consent::default()
        };
        let csp = artifact_csp(Some(&vendor), &consent);
        assert_eq!(
            directive(&csp, "connect-src"),
            Some("https://api.example.org")
        );
        assert_eq!(
            directive(&csp, "script-src"),
            Some("'unsafe-inline' 'unsafe-eval' blob: http://localhost:8788/vendor/")
        );
    }

    #[test]
    fn runner_forbids_frame_navigation() {
        let sandbox = RunnerBase::parse("http://localhost:8788").unwrap();
        let csp = runner_csp(&sandbox, &Consent::default());
        assert_eq!(directive(&csp, "frame-src"), Some("'none'"));
        assert_eq!(directive(&csp, "connect-src"), Some("'none'"));
        assert_eq!(
            directive(&csp, "script-src"),
            Some("http://localhost:8788/vendor/ 'unsafe-inline' 'unsafe-eval' blob:")
        );
    }

    #[test]
    fn a_static_runner_under_a_sub_path_names_its_folder() {
        let sandbox = RunnerBase::parse("https://a.org/kiln/sandbox/").unwrap();
        let csp = static_runner_csp(Some(&sandbox));
        assert_eq!(directive(&csp, "frame-src"), Some("'none'"));
        assert_eq!(directive(&csp, "form-action"), Some("'none'"));
        assert!(
            csp.contains("script-src https://a.org/kiln/sandbox/vendor/ "),
            "{csp}"
        );
        // The artifact's own first-place policy still says 'none' unless the person allowed.
        let artifact = artifact_csp(Some(&sandbox), &Consent::default());
        assert_eq!(directive(&artifact, "connect-src"), Some("'none'"));
        let unknown = static_runner_csp(None);
        assert!(
            unknown.contains("script-src http: https: 'unsafe-inline'"),
            "{unknown}"
        );
        assert!(
            !unknown.contains("'self'"),
            "WebKit matches 'self' to nothing: {unknown}"
        );
        assert_eq!(directive(&unknown, "frame-src"), Some("'none'"));
    }

    #[test]
    fn isolation_is_judged_from_the_origins() {
        let cases = [
            (
                "http://127.0.0.1:8787",
                "http://localhost:8788",
                Isolation::SeparateSite,
            ),
            (
                "http://127.0.0.1:8787",
                "http://127.0.0.1:8788",
                Isolation::SameSite,
            ),
            ("https://a.org", "https://a.org", Isolation::SameOrigin),
            (
                "https://kiln.example.org",
                "https://box.example.org",
                Isolation::SameSite,
            ),
            (
                "https://kiln.example.org",
                "https://example-box.net",
                Isolation::SeparateSite,
            ),
            (
                "https://a.github.io",
                "https://b.github.io",
                Isolation::SameSite,
            ),
            ("http://a.org", "https://a.org", Isolation::SeparateSite),
            ("http://[::1]:1", "http://[::1]:2", Isolation::SameSite),
        ];
        for (page, runner, want) in cases {
            let got = isolation_between(
                &Origin::parse(page).unwrap(),
                &Origin::parse(runner).unwrap(),
            );
            assert_eq!(got, want, "{page} {runner}");
        }
    }

    #[test]
    fn only_weaker_isolation_warns() {
        assert!(Isolation::SeparateSite.warning().is_none());
        assert_eq!(
            Isolation::SameOrigin.weaker(Isolation::SharedProcess),
            Isolation::SharedProcess
        );
        assert!(
            Isolation::SharedProcess
                .warning()
                .is_some_and(|w| w.contains("same process"))
        );
        assert!(Isolation::SameSite.warning().is_some());
        assert!(
            Isolation::SameOrigin
                .warning()
                .is_some_and(|w| w.contains("freeze"))
        );
        let cfg: SandboxConfig =
            serde_json::from_str(r#"{"runner":"sandbox/","isolation":"same-origin"}"#).unwrap();
        assert_eq!(cfg.isolation, Isolation::SameOrigin);
    }

    #[test]
    fn the_code_runner_may_run_wasm_in_a_worker_and_reach_nothing() {
        let csp = code_runner_csp();
        assert!(csp.starts_with("default-src 'none'; "), "{csp}");
        assert!(
            csp.contains("script-src 'unsafe-inline' blob: 'wasm-unsafe-eval';"),
            "{csp}"
        );
        assert!(csp.contains("connect-src 'none';"), "{csp}");
        assert!(csp.contains("worker-src blob:;"), "{csp}");
        assert!(!csp.contains(" 'unsafe-eval'"), "{csp}");
        assert!(!csp.contains("http"), "{csp}");
        let base = RunnerBase::parse("https://box.example.net/k/").unwrap();
        assert_eq!(
            base.code_runner_url("0123456789abcdef"),
            "https://box.example.net/k/code.html?v=0123456789abcdef"
        );
    }
}
