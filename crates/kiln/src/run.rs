//! `kiln run`: a single-file program in the wasmtime host, with its output passed through.
//!
//! The program's own exit code becomes kiln's. A run stopped by a limit exits 124 for the time
//! limit (as `timeout(1)` does) and 125 for any other limit or trap, after a one-line reason on
//! stderr, so scripts can tell "the program failed" from "Kiln stopped it".

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use kiln_core::units::{parse_duration, parse_size};
use kiln_host::{Host, Language, Limits, Stop};

/// Options for `kiln run`.
#[derive(clap::Args, Debug)]
pub struct Options {
    /// The program: a .wat or .wasm file (a WASI command exporting `_start`), a .js or a .py
    /// script, or - for stdin (with --lang).
    file: PathBuf,
    /// The language, when the file's extension does not say it.
    #[arg(long, value_parser = ["wat", "wasm", "js", "py"])]
    lang: Option<String>,
    /// A file whose contents are the program's stdin (default: empty).
    #[arg(long, value_name = "FILE")]
    stdin: Option<PathBuf>,
    /// Wall-clock limit, like 500ms, 10s or 1m.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    timeout: std::time::Duration,
    /// Memory limit, like 64MiB.
    #[arg(long, default_value = "256MiB", value_parser = parse_size)]
    memory: u64,
    /// A deterministic instruction budget (default: none; time alone limits the run).
    #[arg(long)]
    fuel: Option<u64>,
    /// Cap on stdout and on stderr, each, like 1MiB.
    #[arg(long, default_value = "1MiB", value_parser = parse_size)]
    max_output: u64,
    /// Arguments for the program, after its file (`sys.argv[1:]`, `scriptArgs`); put them
    /// after `--` when one starts with a dash.
    #[arg(trailing_var_arg = true)]
    args: Vec<String>,
}

pub fn run(opts: &Options) -> Result<ExitCode> {
    let language = match &opts.lang {
        Some(l) => Language::from_extension(l),
        None => opts
            .file
            .extension()
            .and_then(|e| e.to_str())
            .and_then(Language::from_extension),
    };
    let Some(language) = language else {
        bail!(
            "cannot tell the language of {}: name it .wat, .wasm, .js or .py, or pass --lang",
            opts.file.display()
        );
    };
    let source = read_input(&opts.file)?;
    let stdin = match &opts.stdin {
        Some(path) => read_input(path)?,
        None => Vec::new(),
    };
    let limits = Limits {
        timeout: opts.timeout,
        memory_bytes: usize::try_from(opts.memory).unwrap_or(usize::MAX),
        fuel: opts.fuel,
        max_output_bytes: usize::try_from(opts.max_output).unwrap_or(usize::MAX),
        ..Limits::default()
    };
    let host = host(&limits)?;
    let outcome = host
        .prepare(language, &source)
        .and_then(|program| host.run_program(&program.with_args(&opts.args), &stdin, &limits))
        .with_context(|| format!("running {}", opts.file.display()))?;

    // The program's output is passed through even when a limit stopped it.
    std::io::stdout()
        .write_all(&outcome.output.stdout)
        .context("writing stdout")?;
    std::io::stdout().flush().context("writing stdout")?;
    std::io::stderr()
        .write_all(&outcome.output.stderr)
        .context("writing stderr")?;

    Ok(match outcome.result {
        Ok(code) => ExitCode::from(u8::try_from(code & 0xff).unwrap_or(1)),
        Err(stop) => {
            let code = if stop == Stop::Timeout { 124 } else { 125 };
            let reason = stop.describe(&limits);
            eprintln!("kiln: program stopped: {reason}");
            ExitCode::from(code)
        }
    })
}

/// A host that keeps compiled runtimes in the user's cache folder, so only the first run of a
/// language on a machine pays for compiling its interpreter.
pub fn host(limits: &Limits) -> Result<Host> {
    let mut host = Host::for_limits(limits).context("starting the wasm host")?;
    if let Some(dir) = module_cache_dir() {
        // A cache folder that cannot be made only costs time.
        if let Err(e) = host.set_cache_dir(&dir) {
            eprintln!("kiln: warning: no module cache in {}: {e}", dir.display());
        }
    }
    Ok(host)
}

/// `$XDG_CACHE_HOME/kiln/modules`, or `~/.cache/kiln/modules`.
pub fn module_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("kiln/modules"))
}

fn read_input(path: &PathBuf) -> Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading stdin")?;
        return Ok(buf);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}
