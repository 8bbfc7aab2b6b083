//! `kiln extract`: the artifacts in a saved model reply, as JSON or as a readable summary.
//!
//! Input is checked before it is parsed (size, UTF-8, not empty) by `kiln-core`, so a wrong
//! file gets a clear one-line error and a non-zero exit instead of a confusing empty result.

use std::io::{Read as _, Write as _};
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use kiln_core::extract::{MAX_REPLY_BYTES, ReplyInputError, check_reply_input, extract_reply};

/// Options for `kiln extract`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// The saved reply (a text file), or - (the default) for stdin.
    #[arg(default_value = "-")]
    file: PathBuf,
    /// Print `{"artifacts":[{"id","kind","title","language","complete","content"}]}`.
    #[arg(long)]
    json: bool,
}

pub fn run(opts: &Options) -> Result<()> {
    let from_stdin = opts.file.as_os_str() == "-";
    let name = if from_stdin {
        "stdin".to_owned()
    } else {
        opts.file.display().to_string()
    };
    let bytes =
        read_capped(&opts.file, from_stdin).with_context(|| format!("cannot read {name}"))?;
    let text = check_reply_input(&bytes).map_err(|e| anyhow!("{name}: {e}"))?;
    let report = extract_reply(text);

    let mut out = std::io::stdout().lock();
    if opts.json {
        serde_json::to_writer(&mut out, &report).context("writing JSON")?;
        writeln!(out).context("writing JSON")?;
        // Rejected edits are not part of the record; say them where a person will see them.
        for rejection in &report.rejections {
            eprintln!("kiln: edit rejected: {rejection}");
        }
    } else {
        out.write_all(report.summary().as_bytes())
            .context("writing the summary")?;
    }
    Ok(())
}

/// Reads at most one byte past the limit, so a huge input is refused without being loaded.
fn read_capped(path: &PathBuf, from_stdin: bool) -> Result<Vec<u8>> {
    let cap = u64::try_from(MAX_REPLY_BYTES).unwrap_or(u64::MAX) + 1;
    let mut bytes = Vec::new();
    if from_stdin {
        std::io::stdin().lock().take(cap).read_to_end(&mut bytes)?;
    } else {
        let file = std::fs::File::open(path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > cap {
            let bytes = usize::try_from(size).unwrap_or(usize::MAX);
            return Err(ReplyInputError::TooLarge { bytes }.into());
        }
        file.take(cap).read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}
