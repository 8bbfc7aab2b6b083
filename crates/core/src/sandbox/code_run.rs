//! Python and JavaScript code artifacts run in the person's browser: the messages between the
//! studio and the code runner (`sandbox/code.html` on the sandbox origin, which runs the
//! program in a Worker of its own), the limits, which runtime file serves which language, and
//! how a finished run reads in the Code tab and the Console.
//!
//! The runner runs the same WASI builds `kiln run` and `/api/run` use (CPython 3.12 and
//! QuickJS), served as content-hashed files from the sandbox's `vendor/` folder. Like the
//! artifact bridge, every message the runner sends carries the run's token and is checked
//! before it is read; anything else is dropped.

use serde::{Deserialize, Serialize};

use super::console::{ConsoleLog, LineKind};
use crate::deploy::RunResult;

/// The protocol's version, in every message both ways.
pub const VERSION: u32 = 1;

/// The limits a browser run is held to: the same as the server's `/api/run`, so a program
/// behaves alike wherever the person runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BrowserLimits {
    /// Running time before the Worker is terminated (not counting download and compile).
    pub timeout_ms: u64,
    /// The program's linear memory may not grow past this (its module's maximum).
    pub memory_bytes: u64,
    /// Bytes of stdout and stderr together; writing more ends the run.
    pub output_bytes: u64,
}

/// What a run in the browser is held to.
pub const LIMITS: BrowserLimits = BrowserLimits {
    timeout_ms: 5_000,
    memory_bytes: 128 << 20,
    output_bytes: 256 << 10,
};

/// A command to the code runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToCodeRunner {
    /// Run `source` (`language` is `py` or `js`) with `runtime`, a path under the runner's
    /// folder (`vendor/python-<hash>.wasm`).
    Run {
        v: u32,
        token: String,
        language: String,
        runtime: String,
        source: String,
        args: Vec<String>,
        stdin: String,
        timeout_ms: u64,
        memory_bytes: u64,
        output_bytes: u64,
    },
    /// End the run in progress (the person pressed Stop).
    Stop { v: u32 },
}

impl ToCodeRunner {
    /// The command that runs `source` under [`LIMITS`].
    pub fn run(
        token: &str,
        language: &str,
        runtime: &str,
        source: &str,
        args: &[String],
        stdin: &str,
    ) -> Self {
        Self::Run {
            v: VERSION,
            token: token.to_owned(),
            language: language.to_owned(),
            runtime: runtime.to_owned(),
            source: source.to_owned(),
            args: args.to_vec(),
            stdin: stdin.to_owned(),
            timeout_ms: LIMITS.timeout_ms,
            memory_bytes: LIMITS.memory_bytes,
            output_bytes: LIMITS.output_bytes,
        }
    }

    /// The command that stops a run.
    pub fn stop() -> Self {
        Self::Stop { v: VERSION }
    }
}

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// Where a run is before its program starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Downloading,
    Compiling,
    Running,
}

impl Phase {
    /// The line the Code tab shows while the run is in this phase; `bytes` so far when
    /// downloading.
    pub fn words(self, bytes: u64) -> String {
        match self {
            Self::Downloading if bytes > 0 => {
                format!("Downloading the runtime ({:.1} MB)…", bytes as f64 / 1e6)
            }
            Self::Downloading => "Downloading the runtime…".to_owned(),
            Self::Compiling => "Preparing the runtime…".to_owned(),
            Self::Running => "Running in this browser…".to_owned(),
        }
    }
}

/// Why the runner ended a run that did not exit by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    Time,
    Memory,
    Output,
    Crash,
    Stop,
    Refused,
    Load,
}

/// How a run ended, as the runner reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Done {
    pub exit_code: Option<i32>,
    pub stopped: Option<Stopped>,
    #[serde(default)]
    pub detail: String,
    pub elapsed_ms: u64,
    #[serde(default)]
    pub download_ms: u64,
    #[serde(default)]
    pub compile_ms: u64,
    /// The runtime was already compiled in this runner: nothing was downloaded.
    #[serde(default)]
    pub cached: bool,
    /// The program's memory when it ended.
    #[serde(default)]
    pub memory_bytes: u64,
}

/// One message from the code runner.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CodeEvent {
    Status {
        phase: Phase,
        #[serde(default)]
        bytes: u64,
    },
    Output {
        stream: Stream,
        text: String,
    },
    /// The runner has no compiled `runtime` and asks the studio for its bytes (it cannot keep
    /// a download itself: Chromium caches nothing an opaque-origin frame fetches).
    NeedRuntime {
        runtime: String,
    },
    Done(Done),
}

#[derive(Deserialize)]
struct Envelope {
    v: u32,
    token: String,
}

/// Reads one message from the runner, if it is this run's (`token`) and well formed.
pub fn parse_event(data: &str, token: &str) -> Option<CodeEvent> {
    let envelope: Envelope = serde_json::from_str(data).ok()?;
    if envelope.v != VERSION || envelope.token != token {
        return None;
    }
    serde_json::from_str(data).ok()
}

impl Done {
    /// A run the person stopped before the runner had it (it was still loading).
    pub fn stopped_before_start() -> Self {
        Self {
            exit_code: None,
            stopped: Some(Stopped::Stop),
            detail: String::new(),
            elapsed_ms: 0,
            download_ms: 0,
            compile_ms: 0,
            cached: false,
            memory_bytes: 0,
        }
    }

    /// The words for why the run was ended, as the server words its own limits.
    pub fn stopped_words(&self) -> Option<String> {
        let limits = LIMITS;
        let detail = self.detail.lines().next().unwrap_or("").trim();
        let with_detail = |what: &str| {
            if detail.is_empty() {
                what.to_owned()
            } else {
                format!("{what}: {detail}")
            }
        };
        Some(match self.stopped? {
            Stopped::Time => format!("time limit of {} s reached", limits.timeout_ms / 1000),
            Stopped::Memory => format!("memory limit of {} MiB reached", limits.memory_bytes >> 20),
            Stopped::Output => format!("output limit of {} KiB reached", limits.output_bytes >> 10),
            Stopped::Crash => with_detail("trapped"),
            Stopped::Stop => "you pressed Stop".to_owned(),
            Stopped::Refused => with_detail("the runner refused the program"),
            Stopped::Load => with_detail("the runtime could not be loaded"),
        })
    }

    /// The Code tab's result, with the output the run streamed.
    pub fn result(&self, output: &RunOutput) -> RunResult {
        RunResult {
            exit_code: if self.stopped.is_some() {
                None
            } else {
                self.exit_code
            },
            stopped: self.stopped_words(),
            stdout: output.stdout.clone(),
            stderr: output.stderr.clone(),
            elapsed_ms: self.elapsed_ms,
        }
    }

    /// Whether the program failed (a non-zero exit, or a limit or a trap ended it); a run the
    /// person stopped did not fail.
    pub fn failed(&self) -> bool {
        match self.stopped {
            Some(Stopped::Stop) => false,
            Some(_) => true,
            None => self.exit_code.is_some_and(|c| c != 0),
        }
    }
}

/// A run's output as it streams: kept for the Code tab, bounded, and split into the
/// Console's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOutput {
    pub stdout: String,
    pub stderr: String,
    /// What is left of each stream's last line, until its newline arrives.
    partial: [String; 2],
}

impl RunOutput {
    /// Adds a chunk, and each line it completes to `log` (stdout as plain lines, stderr as
    /// warnings: a program may write there without failing).
    pub fn push(&mut self, stream: Stream, text: &str, log: &mut ConsoleLog) {
        let limit = usize::try_from(LIMITS.output_bytes).unwrap_or(usize::MAX);
        let (kept, i, kind) = match stream {
            Stream::Stdout => (&mut self.stdout, 0, LineKind::Log),
            Stream::Stderr => (&mut self.stderr, 1, LineKind::Warn),
        };
        // The runner already stops a run at the limit; this bounds what a runner that did not
        // could make the page keep.
        let room = limit.saturating_sub(kept.len());
        let text = truncate_at_char(text, room);
        kept.push_str(text);
        let partial = &mut self.partial[i];
        partial.push_str(text);
        while let Some(at) = partial.find('\n') {
            let line: String = partial.drain(..=at).collect();
            log.push(kind, line.trim_end_matches(['\n', '\r']).to_owned());
        }
    }

    /// Ends the run: flushes unfinished lines and adds how it ended (an error line with the
    /// tail of stderr when the program failed, for Fix to send).
    pub fn finish(&mut self, done: &Done, log: &mut ConsoleLog) {
        for (i, kind) in [(0, LineKind::Log), (1, LineKind::Warn)] {
            let rest = std::mem::take(&mut self.partial[i]);
            if !rest.is_empty() {
                log.push(kind, rest);
            }
        }
        let result = done.result(self);
        if done.failed() {
            let tail: Vec<&str> = self.stderr.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            let mut text = format!("The program failed: {}", result.summary());
            if !tail.is_empty() {
                text.push('\n');
                text.push_str(&tail.join("\n"));
            }
            log.push(LineKind::Error, text);
        } else {
            log.push(LineKind::Kiln, result.summary());
        }
    }
}

fn truncate_at_char(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The runtime files this build's sandbox serves, by language (`py`, `js`), read from the
/// studio page's `<meta name="kiln-runtimes">` (`py=vendor/python-<hash>.wasm js=…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeFiles {
    files: Vec<(String, String)>,
}

impl RuntimeFiles {
    /// Reads the meta's content; entries that are not a language and a hashed vendor path are
    /// left out.
    pub fn parse(content: &str) -> Self {
        let files = content
            .split_whitespace()
            .filter_map(|entry| entry.split_once('='))
            .filter(|(lang, path)| matches!(*lang, "py" | "js") && is_runtime_path(path))
            .map(|(lang, path)| (lang.to_owned(), path.to_owned()))
            .collect();
        Self { files }
    }

    /// The file that runs `language` (`py` or `js`), if this build has one.
    pub fn for_language(&self, language: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(l, _)| l == language)
            .map(|(_, p)| p.as_str())
    }
}

/// `vendor/<name>-<hex>.wasm`, the only shape of runtime path the runner accepts.
pub fn is_runtime_path(path: &str) -> bool {
    let Some(file) = path
        .strip_prefix("vendor/")
        .and_then(|f| f.strip_suffix(".wasm"))
    else {
        return false;
    };
    let Some((name, hash)) = file.rsplit_once('-') else {
        return false;
    };
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_lowercase())
        && (8..=64).contains(&hash.len())
        && hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// Where the person's code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPlace {
    /// In this browser, in the sandbox's Worker.
    Browser,
    /// On the server that serves the studio (`/api/run`).
    Server,
}

impl RunPlace {
    /// Where Run goes by default: the browser when it can (it costs the server nothing and
    /// works offline), else the server; `None` when neither can run `language`.
    pub fn default_for(in_browser: bool, on_server: bool) -> Option<Self> {
        match (in_browser, on_server) {
            (true, _) => Some(Self::Browser),
            (false, true) => Some(Self::Server),
            (false, false) => None,
        }
    }

    /// Where Run goes now: the person's earlier choice while it still runs this artifact,
    /// else [`RunPlace::default_for`].
    pub fn keep_or_default(
        current: Option<Self>,
        in_browser: bool,
        on_server: bool,
    ) -> Option<Self> {
        let fits = match current {
            Some(Self::Browser) => in_browser,
            Some(Self::Server) => on_server,
            None => false,
        };
        if fits {
            current
        } else {
            Self::default_for(in_browser, on_server)
        }
    }

    /// The note beside Run.
    pub fn note(self) -> String {
        match self {
            Self::Browser => format!(
                "Runs in this browser, in the sandbox: no files, no network, {} s, {} MiB.",
                LIMITS.timeout_ms / 1000,
                LIMITS.memory_bytes >> 20
            ),
            Self::Server => {
                "Runs on this server in a wasmtime sandbox: no files, no network, 5 s.".to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(exit: Option<i32>, stopped: Option<Stopped>, detail: &str) -> Done {
        Done {
            exit_code: exit,
            stopped,
            detail: detail.to_owned(),
            elapsed_ms: 12,
            download_ms: 0,
            compile_ms: 0,
            cached: true,
            memory_bytes: 0,
        }
    }

    #[test]
    fn run_commands_carry_the_limits_and_the_version() {
        let json = serde_json::to_string(&ToCodeRunner::run(
            "t",
            "py",
            "vendor/python-0123456789abcdef.wasm",
            "print(1)",
            &["a".to_owned()],
            "in",
        ))
        .unwrap();
        assert_eq!(
            json,
            r#"{"type":"run","v":1,"token":"t","language":"py","runtime":"vendor/python-0123456789abcdef.wasm","source":"print(1)","args":["a"],"stdin":"in","timeout_ms":5000,"memory_bytes":134217728,"output_bytes":262144}"#
        );
        assert_eq!(
            serde_json::to_string(&ToCodeRunner::stop()).unwrap(),
            r#"{"type":"stop","v":1}"#
        );
    }

    #[test]
    fn only_this_runs_well_formed_messages_are_read() {
        let table = [
            (
                r#"{"v":1,"token":"t","type":"output","stream":"stdout","text":"hi\n"}"#,
                Some(CodeEvent::Output {
                    stream: Stream::Stdout,
                    text: "hi\n".into(),
                }),
            ),
            (
                r#"{"v":1,"token":"t","type":"status","phase":"downloading","bytes":100}"#,
                Some(CodeEvent::Status {
                    phase: Phase::Downloading,
                    bytes: 100,
                }),
            ),
            (
                r#"{"v":1,"token":"t","type":"done","exit_code":0,"stopped":null,"elapsed_ms":3}"#,
                Some(CodeEvent::Done(Done {
                    exit_code: Some(0),
                    stopped: None,
                    detail: String::new(),
                    elapsed_ms: 3,
                    download_ms: 0,
                    compile_ms: 0,
                    cached: false,
                    memory_bytes: 0,
                })),
            ),
            // Another run's token, another version, unknown types and fields of the wrong type.
            (
                r#"{"v":1,"token":"old","type":"output","stream":"stdout","text":"x"}"#,
                None,
            ),
            (
                r#"{"v":2,"token":"t","type":"output","stream":"stdout","text":"x"}"#,
                None,
            ),
            (
                r#"{"v":1,"token":"t","type":"need_runtime","runtime":"vendor/js-0123456789abcdef.wasm"}"#,
                Some(CodeEvent::NeedRuntime {
                    runtime: "vendor/js-0123456789abcdef.wasm".into(),
                }),
            ),
            (r#"{"v":1,"token":"t","type":"eval","code":"x"}"#, None),
            (
                r#"{"v":1,"token":"t","type":"output","stream":"stdin","text":"x"}"#,
                None,
            ),
            (
                r#"{"v":1,"token":"t","type":"done","exit_code":"0","elapsed_ms":3}"#,
                None,
            ),
            ("not json", None),
            ("", None),
        ];
        for (data, want) in table {
            assert_eq!(parse_event(data, "t"), want, "{data}");
        }
    }

    #[test]
    fn endings_read_like_the_servers() {
        let out = RunOutput::default();
        let table = [
            (done(Some(0), None, ""), "Exited with code 0 (12 ms)"),
            (done(Some(1), None, ""), "Exited with code 1 (12 ms)"),
            (
                done(None, Some(Stopped::Time), ""),
                "Stopped by Kiln: time limit of 5 s reached (12 ms)",
            ),
            (
                done(Some(1), Some(Stopped::Memory), ""),
                "Stopped by Kiln: memory limit of 128 MiB reached (12 ms)",
            ),
            (
                done(None, Some(Stopped::Output), ""),
                "Stopped by Kiln: output limit of 256 KiB reached (12 ms)",
            ),
            (
                done(None, Some(Stopped::Crash), "unreachable\nat foo"),
                "Stopped by Kiln: trapped: unreachable (12 ms)",
            ),
            (
                done(None, Some(Stopped::Load), "HTTP 404"),
                "Stopped by Kiln: the runtime could not be loaded: HTTP 404 (12 ms)",
            ),
        ];
        for (d, want) in table {
            assert_eq!(d.result(&out).summary(), want);
        }
        assert!(!done(Some(0), None, "").failed());
        assert!(done(Some(2), None, "").failed());
        assert!(!done(None, Some(Stopped::Stop), "").failed());
        assert!(done(None, Some(Stopped::Time), "").failed());
    }

    #[test]
    fn output_streams_into_console_lines_and_is_kept_whole() {
        let mut out = RunOutput::default();
        let mut log = ConsoleLog::default();
        out.push(Stream::Stdout, "one\ntw", &mut log);
        out.push(Stream::Stderr, "warn\n", &mut log);
        out.push(Stream::Stdout, "o\nthree", &mut log);
        out.finish(&done(Some(0), None, ""), &mut log);
        let lines: Vec<(LineKind, &str)> = log.lines().map(|l| (l.kind, l.text.as_str())).collect();
        assert_eq!(
            lines,
            [
                (LineKind::Log, "one"),
                (LineKind::Warn, "warn"),
                (LineKind::Log, "two"),
                (LineKind::Log, "three"),
                (LineKind::Kiln, "Exited with code 0 (12 ms)"),
            ]
        );
        assert_eq!(out.stdout, "one\ntwo\nthree");
        assert!(!log.has_errors());
    }

    #[test]
    fn a_failed_program_leaves_an_error_with_its_stderr_for_fix() {
        let mut out = RunOutput::default();
        let mut log = ConsoleLog::default();
        out.push(
            Stream::Stderr,
            "Traceback (most recent call last):\nZeroDivisionError: division by zero\n",
            &mut log,
        );
        out.finish(&done(Some(1), None, ""), &mut log);
        assert_eq!(
            log.errors(),
            [
                "The program failed: Exited with code 1 (12 ms)\nTraceback (most recent call last):\nZeroDivisionError: division by zero"
            ]
        );
    }

    #[test]
    fn output_past_the_limit_is_not_kept() {
        let mut out = RunOutput::default();
        let mut log = ConsoleLog::default();
        let big = "é".repeat(200_000);
        out.push(Stream::Stdout, &big, &mut log);
        out.push(Stream::Stdout, "more", &mut log);
        assert!(out.stdout.len() <= LIMITS.output_bytes as usize);
        assert!(out.stdout.len() > LIMITS.output_bytes as usize - 2);
    }

    #[test]
    fn runtime_files_come_only_as_hashed_vendor_paths() {
        let files = RuntimeFiles::parse(
            "py=vendor/python-0123456789abcdef.wasm js=vendor/js-fedcba9876543210.wasm \
             rb=vendor/ruby-0123456789abcdef.wasm",
        );
        assert_eq!(
            files.for_language("py"),
            Some("vendor/python-0123456789abcdef.wasm")
        );
        assert_eq!(
            files.for_language("js"),
            Some("vendor/js-fedcba9876543210.wasm")
        );
        assert_eq!(files.for_language("rb"), None);
        for bad in [
            "py=https://evil.example/python-0123456789abcdef.wasm",
            "py=vendor/../python-0123456789abcdef.wasm",
            "py=vendor/python-0123.wasm",
            "py=vendor/python-0123456789ABCDEF.wasm",
            "py=vendor/python-0123456789abcdef.js",
            "py",
            "",
        ] {
            assert_eq!(RuntimeFiles::parse(bad).for_language("py"), None, "{bad}");
        }
    }

    #[test]
    fn a_choice_stays_while_it_can_run_the_artifact() {
        let (b, s) = (Some(RunPlace::Browser), Some(RunPlace::Server));
        assert_eq!(RunPlace::keep_or_default(s, true, true), s);
        assert_eq!(RunPlace::keep_or_default(b, true, true), b);
        // WAT runs only on the server; a later Python artifact keeps the server choice.
        assert_eq!(RunPlace::keep_or_default(b, false, true), s);
        assert_eq!(RunPlace::keep_or_default(s, true, false), b);
        assert_eq!(RunPlace::keep_or_default(None, true, true), b);
        assert_eq!(RunPlace::keep_or_default(s, false, false), None);
    }

    #[test]
    fn phases_and_a_stop_before_the_start_read_plainly() {
        assert_eq!(Phase::Downloading.words(0), "Downloading the runtime…");
        assert_eq!(
            Phase::Downloading.words(9_384_555),
            "Downloading the runtime (9.4 MB)…"
        );
        assert_eq!(Phase::Running.words(0), "Running in this browser…");
        let done = Done::stopped_before_start();
        assert!(!done.failed());
        assert_eq!(
            done.result(&RunOutput::default()).summary(),
            "Stopped by Kiln: you pressed Stop (0 ms)"
        );
    }

    #[test]
    fn run_goes_to_the_browser_first() {
        assert_eq!(RunPlace::default_for(true, true), Some(RunPlace::Browser));
        assert_eq!(RunPlace::default_for(false, true), Some(RunPlace::Server));
        assert_eq!(RunPlace::default_for(true, false), Some(RunPlace::Browser));
        assert_eq!(RunPlace::default_for(false, false), None);
    }
}
