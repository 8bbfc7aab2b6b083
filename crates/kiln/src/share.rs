//! `kiln share`: make a share link from a file, or read one back.
//!
//! The link format, its limits and its errors all live in `kiln_core::share`; this is the IO
//! around it. `encode` prints the link on stdout (so it can be piped or copied) and warns on
//! stderr when the link is long enough for chat apps to cut it; `decode` prints the content on
//! stdout or into a file and a one-line summary on stderr, and a broken link is a one-line error
//! with a non-zero exit.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use kiln_core::artifact::ArtifactKind;
use kiln_core::extract::report::format_size;
use kiln_core::share::{
    LINK_WARN_BYTES, MAX_BODY_BYTES, MAX_LINK_BYTES, ShareError, SharedArtifact, decode_link,
    encode_link, guess_kind, share_url,
};

/// Options for `kiln share`.
#[derive(clap::Args, Debug)]
pub struct Options {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand, Debug)]
enum Action {
    /// Print a share link for FILE (- for stdin). The artifact travels in the link's #fragment,
    /// which browsers never send to a server.
    Encode(EncodeOptions),
    /// Print the artifact in LINK (a whole URL, #payload or payload; - reads it from stdin).
    Decode(DecodeOptions),
}

#[derive(clap::Args, Debug)]
struct EncodeOptions {
    /// The artifact's file, or - for stdin.
    file: PathBuf,
    /// html, svg, markdown, mermaid, react or code [default: guessed from the file's extension].
    #[arg(long, value_parser = parse_kind)]
    kind: Option<ArtifactKind>,
    /// The artifact's title.
    #[arg(long)]
    title: Option<String>,
    /// The source language, for code [default: guessed from the file's extension].
    #[arg(long)]
    language: Option<String>,
    /// Include this prompt in the link (off unless given).
    #[arg(long)]
    prompt: Option<String>,
    /// The Kiln page the link opens.
    #[arg(long, default_value = "http://127.0.0.1:8787/")]
    base: String,
}

#[derive(clap::Args, Debug)]
struct DecodeOptions {
    /// The link, or - to read it from stdin.
    link: String,
    /// Write the content to this file instead of stdout.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Print the artifact as `kiln extract --json` does:
    /// `{"artifacts":[{"id","kind","title","language","complete","content"}]}`.
    #[arg(long, conflicts_with = "output")]
    json: bool,
}

fn parse_kind(name: &str) -> Result<ArtifactKind, String> {
    ArtifactKind::parse(name).ok_or_else(|| {
        format!("unknown kind {name:?}: expected html, svg, markdown, mermaid, react or code")
    })
}

pub fn run(opts: &Options) -> Result<()> {
    match &opts.action {
        Action::Encode(opts) => encode(opts),
        Action::Decode(opts) => decode(opts),
    }
}

fn encode(opts: &EncodeOptions) -> Result<()> {
    let from_stdin = opts.file.as_os_str() == "-";
    let name = if from_stdin {
        "stdin".to_owned()
    } else {
        opts.file.display().to_string()
    };
    let bytes = match read_capped(&opts.file, from_stdin, MAX_BODY_BYTES)
        .with_context(|| format!("cannot read {name}"))?
    {
        Input::Within(bytes) => bytes,
        Input::Over(bytes) => return Err(ShareError::ContentTooLarge { bytes }.into()),
    };
    let content = String::from_utf8(bytes).map_err(|e| {
        anyhow!(
            "{name}: not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let file_name = opts
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (guessed_kind, guessed_language) = guess_kind(&file_name);
    let kind = opts.kind.unwrap_or(guessed_kind);
    let language = opts.language.clone().or(if kind == guessed_kind {
        guessed_language
    } else {
        None
    });
    let artifact = SharedArtifact {
        kind,
        title: opts.title.clone(),
        language,
        content,
        prompt: opts.prompt.clone(),
    };
    let link = share_url(&opts.base, &encode_link(&artifact)?);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{link}").context("writing the link")?;
    if link.len() > LINK_WARN_BYTES {
        eprintln!(
            "kiln: warning: the link is {}; some chat apps and mail clients cut links over {}",
            format_size(link.len()),
            format_size(LINK_WARN_BYTES)
        );
    }
    Ok(())
}

fn decode(opts: &DecodeOptions) -> Result<()> {
    let link = if opts.link == "-" {
        // The payload limit plus room for the URL before the `#` and a trailing newline.
        let limit = MAX_LINK_BYTES + 64 * 1024;
        let bytes = match read_capped(Path::new("-"), true, limit)
            .context("cannot read the link from stdin")?
        {
            Input::Within(bytes) => bytes,
            Input::Over(_) => bail!("stdin: the link is over the {} limit", format_size(limit)),
        };
        String::from_utf8(bytes).map_err(|_| anyhow!("stdin: the link is not UTF-8 text"))?
    } else {
        opts.link.clone()
    };
    let artifact = decode_link(&link)?;
    if opts.json {
        // The same record as `kiln extract --json`; a link carries no id.
        let record = serde_json::json!({ "artifacts": [{
            "id": null,
            "kind": artifact.kind,
            "title": artifact.title,
            "language": artifact.language,
            "complete": true,
            "content": artifact.content,
        }] });
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &record).context("writing JSON")?;
        writeln!(out).context("writing JSON")?;
        eprintln!("kiln: {}", summary(&artifact));
        return Ok(());
    }
    match &opts.output {
        Some(path) => std::fs::write(path, &artifact.content)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout()
            .lock()
            .write_all(artifact.content.as_bytes())
            .context("writing the content")?,
    }
    eprintln!("kiln: {}", summary(&artifact));
    Ok(())
}

/// `html "Snake" (javascript), 6.8 KiB, with its prompt`: one line for stderr.
fn summary(artifact: &SharedArtifact) -> String {
    let mut line = artifact.kind.to_string();
    if let Some(title) = &artifact.title {
        line.push_str(&format!(" {title:?}"));
    }
    if let Some(language) = &artifact.language {
        line.push_str(&format!(" ({language})"));
    }
    line.push_str(&format!(", {}", format_size(artifact.content.len())));
    if artifact.prompt.is_some() {
        line.push_str(", with its prompt");
    }
    line
}

/// What [`read_capped`] found.
enum Input {
    /// The whole input, within the limit.
    Within(Vec<u8>),
    /// More than the limit: this many bytes, or the limit plus one when the size is unknown.
    Over(usize),
}

/// Reads at most `limit` bytes; more is reported without loading the rest.
fn read_capped(path: &Path, from_stdin: bool, limit: usize) -> Result<Input> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    let mut size = None;
    if from_stdin {
        std::io::stdin().lock().take(cap).read_to_end(&mut bytes)?;
    } else {
        let file = std::fs::File::open(path)?;
        size = file.metadata().ok().map(|m| m.len());
        file.take(cap).read_to_end(&mut bytes)?;
    }
    if bytes.len() > limit {
        let size = size.and_then(|s| usize::try_from(s).ok());
        return Ok(Input::Over(size.unwrap_or(bytes.len())));
    }
    Ok(Input::Within(bytes))
}
