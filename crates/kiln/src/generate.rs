//! `kiln generate`: ask a model for an app, stream its reply to the terminal, pull the artifact
//! out while it streams, and write it to a file.
//!
//! Everything about the providers' formats (request bodies, stream decoding, what an error
//! means, when to retry) is decided in `kiln_core::provider`; this module is the loop around it:
//! send, retry rate limits and server errors within a small total wait, read the body as it
//! arrives into a `kiln_core::session::Turn` (decoding and extraction, as in the studio and
//! `kiln eval`), echo text to stdout, then write the last artifact. How the reply ended is the
//! turn's decision; this module only words it for a terminal. A reply that stops early (a dropped connection, an error event, the max-tokens
//! limit) still leaves its partial artifact on disk, and the one-line error says so. The key is
//! read from an environment variable, never from a flag (which would land in shell history),
//! and is only ever written into the request's auth header; provider messages are scrubbed of
//! it before they are printed.

use std::io::{IsTerminal as _, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use kiln_core::artifact::{Artifact, ArtifactKind};
use kiln_core::extract::MAX_REPLY_BYTES;
use kiln_core::extract::report::format_size;
use kiln_core::prompt::{MAX_PROMPT_CHARS, Prompt};
use kiln_core::provider::{Protocol, RetryPolicy, StopReason};
use kiln_core::session::{Ending, Session, Turn};
use kiln_core::units::parse_duration;

use crate::http_client::{Client, Response};
use crate::model::{Key, ModelFlags, Provider, list_models, send_retrying, show_duration};

/// How often the live progress line is redrawn.
const REDRAW: Duration = Duration::from_millis(100);

/// Options for `kiln generate`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// Which provider API to speak.
    #[arg(long, value_enum)]
    provider: Provider,
    #[command(flatten)]
    model: ModelFlags,
    /// Where to write the artifact [default: its id and kind in the current folder, like
    /// todo-app.html, never overwriting a file].
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Sampling temperature [default: the model's].
    #[arg(long)]
    temperature: Option<f64>,
    /// How many times to retry after a rate limit or a server error.
    #[arg(long, default_value_t = 4, value_name = "N")]
    retries: u32,
    /// The most time spent waiting between retries, in all, like 500ms, 30s or 2m. A wait the
    /// provider asks for that does not fit is not made.
    #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DURATION")]
    max_retry_wait: Duration,
    /// Do not echo the reply to stdout.
    #[arg(short, long)]
    quiet: bool,
    /// List the models the provider offers, and exit.
    #[arg(long)]
    list_models: bool,
    /// What to make, or - to read it from stdin.
    #[arg(required_unless_present = "list_models")]
    prompt: Option<String>,
}

pub fn run(opts: &Options) -> Result<ExitCode> {
    let protocol = Protocol::from(opts.provider);
    let endpoint = opts.model.endpoint(protocol)?;
    let key = opts.model.key(protocol)?;
    let client = Client::new();
    if opts.list_models {
        return list_models(&client, &endpoint, &key);
    }
    let settings = opts.model.settings(protocol)?;
    let prompt = read_prompt(opts.prompt.as_deref().unwrap_or("-"))?;
    // A conversation of one turn, started and ended as the studio and `kiln eval` do.
    let turn = Session::new()
        .begin_with(&settings, &prompt, opts.temperature)
        .map_err(|e| anyhow!(e))?;
    let policy = RetryPolicy {
        max_retries: opts.retries,
        max_total_wait: opts.max_retry_wait,
        ..RetryPolicy::default()
    };

    let start = Instant::now();
    let response = send_retrying(
        &client,
        &endpoint,
        turn.request(),
        &key,
        &policy,
        &settings.model,
    )?;

    let mut reply = Reply::new(protocol, turn, opts.quiet);
    reply.stream(response);
    reply.finish_output();
    let ending = reply.turn.finish();
    let outcome = reply.outcome(&ending, &key, opts.model.max_tokens);

    let stats = reply.summary(&settings.model, start.elapsed(), outcome.is_none());
    let written = reply.write_artifact(opts.output.as_deref())?;
    match (outcome, written) {
        (None, Some((what, _))) => {
            eprintln!("kiln: {stats}; wrote {what}");
            Ok(ExitCode::SUCCESS)
        }
        (None, None) => {
            eprintln!("kiln: {stats}");
            if opts.quiet {
                bail!("the reply has no artifact (run without --quiet to see its text)")
            }
            bail!("the reply has no artifact (its text is above)")
        }
        (Some(problem), Some((what, complete))) => {
            eprintln!("kiln: {stats}");
            if complete {
                bail!("{problem}; wrote {what}")
            }
            bail!("{problem}; kept the partial artifact in {what}")
        }
        (Some(problem), None) => {
            eprintln!("kiln: {stats}");
            bail!("{problem}; the reply had no artifact yet")
        }
    }
}

fn read_prompt(arg: &str) -> Result<Prompt> {
    let text = if arg == "-" {
        let mut bytes = Vec::new();
        // Four bytes per character at most, plus one to notice a longer input.
        let cap = u64::try_from(MAX_PROMPT_CHARS * 4 + 1).unwrap_or(u64::MAX);
        std::io::stdin()
            .lock()
            .take(cap)
            .read_to_end(&mut bytes)
            .context("reading the prompt from stdin")?;
        String::from_utf8(bytes).map_err(|_| anyhow!("the prompt on stdin is not valid UTF-8"))?
    } else {
        arg.to_owned()
    };
    Prompt::parse(&text).map_err(|e| anyhow!(e))
}

/// The reply as it streams: the turn (decoding and extraction), the echo, counts.
struct Reply {
    protocol: Protocol,
    turn: Turn,
    echo: bool,
    /// The live progress line is drawn (stderr is a terminal and stdout is not).
    live: bool,
    started: Instant,
    first_text: Option<Instant>,
    last_draw: Option<Instant>,
    chars: usize,
    ends_with_newline: bool,
    /// Why reading the body failed, if it did.
    read_error: Option<String>,
    /// The reply passed [`MAX_REPLY_BYTES`] and was cut there.
    too_large: bool,
}

impl Reply {
    fn new(protocol: Protocol, turn: Turn, quiet: bool) -> Self {
        let stdout_is_terminal = std::io::stdout().is_terminal();
        Self {
            protocol,
            turn,
            echo: !quiet,
            live: std::io::stderr().is_terminal() && (quiet || !stdout_is_terminal),
            started: Instant::now(),
            first_text: None,
            last_draw: None,
            chars: 0,
            ends_with_newline: true,
            read_error: None,
            too_large: false,
        }
    }

    /// Reads the body into the turn until it ends, fails, or the provider says it is done.
    fn stream(&mut self, response: Response) {
        let mut body = response.body;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.read_error = Some(e.to_string());
                    break;
                }
            };
            let before = self.turn.reply().len();
            let update = self.turn.feed(buf.get(..n).unwrap_or_default());
            let text = self.turn.reply().get(before..).unwrap_or_default();
            if !text.is_empty() {
                self.first_text.get_or_insert_with(Instant::now);
                self.chars += update.text_chars;
                self.ends_with_newline = text.ends_with('\n');
                if self.echo {
                    let mut out = std::io::stdout().lock();
                    // A closed stdout (`| head`) stops the echo, not the generation.
                    if out.write_all(text.as_bytes()).is_err() {
                        self.echo = false;
                    }
                }
            }
            if self.turn.reply().len() > MAX_REPLY_BYTES {
                self.too_large = true;
                break;
            }
            self.draw();
            if update.failed || self.turn.is_done() {
                break;
            }
        }
        let _ = std::io::stdout().flush();
    }

    fn draw(&mut self) {
        if !self.live {
            return;
        }
        let now = Instant::now();
        if self
            .last_draw
            .is_some_and(|last| now.duration_since(last) < REDRAW)
        {
            return;
        }
        self.last_draw = Some(now);
        let elapsed = now.duration_since(self.started);
        let rate = rate(self.chars, self.first_text.map(|t| now.duration_since(t)));
        eprint!(
            "\r\x1b[2K{}: {} chars, {rate} chars/s, {}",
            self.protocol,
            self.chars,
            show_duration(elapsed)
        );
    }

    /// Ends the terminal output: clears the live line, ends the echoed text's last line.
    fn finish_output(&mut self) {
        if self.live && self.last_draw.is_some() {
            eprint!("\r\x1b[2K");
        }
        if self.echo && !self.ends_with_newline {
            let _ = writeln!(std::io::stdout());
        }
    }

    /// What went wrong, if anything, in one line, from how the turn ended; `None` for a reply
    /// that ended normally.
    fn outcome(&self, ending: &Ending, key: &Key, max_tokens: u32) -> Option<String> {
        let got = format_size(self.turn.reply().len());
        let provider = self.protocol;
        if self.too_large {
            return Some(format!(
                "the reply passed the {} limit, so it was cut there",
                format_size(MAX_REPLY_BYTES)
            ));
        }
        match ending {
            Ending::Complete => None,
            Ending::Provider(error) => Some(format!(
                "{provider} failed during the reply, after {got}: {}",
                key.scrub(&error.to_string())
            )),
            Ending::Dropped => Some(match &self.read_error {
                Some(why) => {
                    format!("the connection to {provider} dropped after {got} of the reply ({why})")
                }
                None => format!(
                    "the stream from {provider} ended after {got}, before the reply was complete"
                ),
            }),
            Ending::Garbled(e) => Some(format!("{provider}: {e}")),
            Ending::Cut(StopReason::MaxTokens) => Some(format!(
                "the reply reached the max-tokens limit ({max_tokens}); raise --max-tokens"
            )),
            Ending::Cut(StopReason::Refusal) => {
                Some("the model refused, or the provider's safety filter stopped it".to_owned())
            }
            Ending::Cut(reason) => Some(format!("the model stopped early ({reason})")),
        }
    }

    /// `claude-x: 214 tokens out (1834 in), 35.2 tokens/s, 6.1s`. Token counts are used only
    /// for a reply that ended normally: a cut one has only the provider's early counts.
    fn summary(&self, model: &str, elapsed: Duration, ended: bool) -> String {
        let generating = self.first_text.map(|t| t.elapsed());
        let usage = self.turn.usage();
        let amount = match usage.output_tokens.filter(|_| ended) {
            Some(tokens) => {
                let mut s = format!("{tokens} tokens out");
                if let Some(input) = usage.input_tokens {
                    s.push_str(&format!(" ({input} in)"));
                }
                let r = rate(usize::try_from(tokens).unwrap_or(usize::MAX), generating);
                s.push_str(&format!(", {r} tokens/s"));
                s
            }
            None => format!(
                "{} chars, {} chars/s",
                self.chars,
                rate(self.chars, generating)
            ),
        };
        format!("{model}: {amount}, {}", show_duration(elapsed))
    }

    /// Writes the reply's last artifact; returns a description of what was written and whether
    /// the artifact is complete.
    fn write_artifact(&self, output: Option<&Path>) -> Result<Option<(String, bool)>> {
        let report = self.turn.report();
        let artifacts = &report.artifacts;
        let Some(index) = artifacts.len().checked_sub(1) else {
            return Ok(None);
        };
        let Some(artifact) = artifacts.get(index) else {
            return Ok(None);
        };
        let id = report
            .versions
            .get(index)
            .map_or("artifact", |v| v.id.as_str());
        let path = match output {
            Some(path) => {
                std::fs::write(path, &artifact.content)
                    .with_context(|| format!("writing {}", path.display()))?;
                path.to_path_buf()
            }
            None => write_new(&default_name(id, artifact), &artifact.content)?,
        };
        let mut what = format!(
            "{} ({}, {}, {})",
            path.display(),
            artifact.kind,
            format_size(artifact.content.len()),
            if artifact.complete {
                "complete"
            } else {
                "incomplete"
            }
        );
        if artifacts.len() > 1 {
            what.push_str(&format!(", the last of {} artifacts", artifacts.len()));
        }
        Ok(Some((what, artifact.complete)))
    }
}

/// A rate for people: `35.2`.
fn rate(amount: usize, over: Option<Duration>) -> String {
    match over {
        Some(d) if d.as_secs_f64() > 0.05 => {
            #[allow(clippy::cast_precision_loss)] // counts far below 2^52
            let amount = amount as f64;
            format!("{:.1}", amount / d.as_secs_f64())
        }
        _ => "-".to_owned(),
    }
}

/// `{id}.{ext}`: the id reduced to a safe file name, the extension from the kind (and, for
/// code, the language).
fn default_name(id: &str, artifact: &Artifact) -> String {
    let mut stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    stem = stem.trim_matches(|c| c == '-' || c == '.').to_owned();
    if stem.is_empty() {
        stem = "artifact".to_owned();
    }
    let ext = match artifact.kind {
        ArtifactKind::Html => "html",
        ArtifactKind::Svg => "svg",
        ArtifactKind::Markdown => "md",
        ArtifactKind::Mermaid => "mmd",
        ArtifactKind::React => "jsx",
        ArtifactKind::Code => code_extension(artifact.language.as_deref().unwrap_or("")),
    };
    format!("{stem}.{ext}")
}

fn code_extension(language: &str) -> &'static str {
    match language.to_ascii_lowercase().as_str() {
        "python" | "py" => "py",
        "javascript" | "js" | "mjs" => "js",
        "typescript" | "ts" => "ts",
        "rust" | "rs" => "rs",
        "go" | "golang" => "go",
        "ruby" | "rb" => "rb",
        "java" => "java",
        "c" => "c",
        "cpp" | "c++" | "cxx" => "cpp",
        "csharp" | "c#" | "cs" => "cs",
        "bash" | "sh" | "shell" | "zsh" => "sh",
        "css" => "css",
        "json" => "json",
        "yaml" | "yml" => "yml",
        "toml" => "toml",
        "sql" => "sql",
        "wat" => "wat",
        "html" => "html",
        _ => "txt",
    }
}

/// Writes `content` to `name` in the current folder, or to `name-2`, `name-3`… if it exists:
/// a default name never replaces a file.
fn write_new(name: &str, content: &str) -> Result<PathBuf> {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "txt"));
    for n in 1..1000 {
        let path = PathBuf::from(if n == 1 {
            name.to_owned()
        } else {
            format!("{stem}-{n}.{ext}")
        });
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(content.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
        }
    }
    bail!("{stem}.{ext} and 998 numbered copies exist already; choose a name with -o")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_are_safe_file_names() {
        let mut a = Artifact::new(ArtifactKind::Html);
        assert_eq!(default_name("todo-app", &a), "todo-app.html");
        assert_eq!(default_name("../../etc/passwd", &a), "etc-passwd.html");
        assert_eq!(default_name("", &a), "artifact.html");
        assert_eq!(default_name("日本", &a), "artifact.html");
        a.kind = ArtifactKind::Code;
        a.language = Some("Python".into());
        assert_eq!(default_name("code-1", &a), "code-1.py");
        a.language = Some("cobol".into());
        assert_eq!(default_name("x", &a), "x.txt");
    }
}
