//! linecount — count lines in files, like a small `wc -l` with extras.
//!
//! Usage:
//!   linecount [OPTIONS] <PATH>...
//!
//! Options:
//!   -r, --recursive      Descend into directories
//!   -e, --ext <EXTS>     Only count files with these extensions (comma separated)
//!   -b, --no-blank       Do not count blank lines
//!   -s, --sort           Sort output by line count (descending)
//!   -q, --quiet          Only print the total
//!   -h, --help           Show this help
//!
//! Build with: rustc -O linecount.rs

use std::env;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process;

#[derive(Default)]
struct Options {
    recursive: bool,
    extensions: Vec<String>,
    skip_blank: bool,
    sort: bool,
    quiet: bool,
    paths: Vec<PathBuf>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    total: u64,
    blank: u64,
}

impl Counts {
    fn counted(&self, skip_blank: bool) -> u64 {
        if skip_blank {
            self.total - self.blank
        } else {
            self.total
        }
    }
}

const HELP: &str = "\
linecount — count lines in files

USAGE:
    linecount [OPTIONS] <PATH>...
    cat file | linecount -

OPTIONS:
    -r, --recursive      Descend into directories
    -e, --ext <EXTS>     Only count files with these extensions, e.g. rs,toml
    -b, --no-blank       Do not count blank lines
    -s, --sort           Sort by line count, largest first
    -q, --quiet          Only print the total
    -h, --help           Show this help";

fn parse_args() -> Result<Options, String> {
    let mut opts = Options::default();
    let mut args = env::args().skip(1);

    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                process::exit(0);
            }
            "-r" | "--recursive" => opts.recursive = true,
            "-b" | "--no-blank" => opts.skip_blank = true,
            "-s" | "--sort" => opts.sort = true,
            "-q" | "--quiet" => opts.quiet = true,
            "-e" | "--ext" => {
                let list = args.next().ok_or("--ext needs a value")?;
                opts.extensions = list
                    .split(',')
                    .map(|s| s.trim().trim_start_matches('.').to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            s if s.starts_with('-') && s != "-" => {
                // allow combined short flags like -rbs
                if s.len() > 2 && !s.starts_with("--") {
                    for c in s[1..].chars() {
                        match c {
                            'r' => opts.recursive = true,
                            'b' => opts.skip_blank = true,
                            's' => opts.sort = true,
                            'q' => opts.quiet = true,
                            _ => return Err(format!("unknown flag: -{c}")),
                        }
                    }
                } else {
                    return Err(format!("unknown option: {s}"));
                }
            }
            _ => opts.paths.push(PathBuf::from(arg)),
        }
    }

    if opts.paths.is_empty() {
        return Err("no input paths given (use - for stdin)".into());
    }
    Ok(opts)
}

fn count_reader<R: Read>(reader: R) -> io::Result<Counts> {
    let mut reader = BufReader::new(reader);
    let mut counts = Counts::default();
    let mut buf = Vec::with_capacity(256);

    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        counts.total += 1;
        if buf.iter().all(|b| b.is_ascii_whitespace()) {
            counts.blank += 1;
        }
    }
    Ok(counts)
}

fn looks_binary(path: &Path) -> bool {
    let mut head = [0u8; 1024];
    match File::open(path).and_then(|mut f| f.read(&mut head)) {
        Ok(n) => head[..n].contains(&0),
        Err(_) => false,
    }
}

fn matches_ext(path: &Path, exts: &[String]) -> bool {
    if exts.is_empty() {
        return true;
    }
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)))
        .unwrap_or(false)
}

fn collect_files(path: &Path, opts: &Options, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        if !opts.recursive {
            eprintln!("linecount: {}: is a directory (use -r)", path.display());
            return;
        }
        let entries = match fs::read_dir(path) {
            Ok(e) => e,
            Err(err) => {
                eprintln!("linecount: {}: {err}", path.display());
                return;
            }
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children {
            let hidden = child
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| n.starts_with('.'))
                .unwrap_or(false);
            let skip_dir = child.is_dir()
                && matches!(
                    child.file_name().and_then(|n| n.to_str()),
                    Some("target") | Some("node_modules")
                );
            if !hidden && !skip_dir {
                collect_files(&child, opts, out);
            }
        }
    } else if matches_ext(path, &opts.extensions) && !looks_binary(path) {
        out.push(path.to_path_buf());
    }
}

fn main() {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("linecount: {e}\n\n{HELP}");
            process::exit(2);
        }
    };

    let mut results: Vec<(String, Counts)> = Vec::new();
    let mut had_error = false;

    for path in &opts.paths {
        if path.as_os_str() == "-" {
            match count_reader(io::stdin().lock()) {
                Ok(c) => results.push(("<stdin>".into(), c)),
                Err(e) => {
                    eprintln!("linecount: <stdin>: {e}");
                    had_error = true;
                }
            }
            continue;
        }
        if !path.exists() {
            eprintln!("linecount: {}: no such file or directory", path.display());
            had_error = true;
            continue;
        }

        let mut files = Vec::new();
        collect_files(path, &opts, &mut files);
        for file in files {
            match File::open(&file).and_then(count_reader) {
                Ok(c) => results.push((file.display().to_string(), c)),
                Err(e) => {
                    eprintln!("linecount: {}: {e}", file.display());
                    had_error = true;
                }
            }
        }
    }

    if opts.sort {
        results.sort_by(|a, b| b.1.counted(opts.skip_blank).cmp(&a.1.counted(opts.skip_blank)));
    }

    let total: u64 = results.iter().map(|(_, c)| c.counted(opts.skip_blank)).sum();
    let width = total.to_string().len().max(5);

    let stdout = io::stdout();
    let mut out = stdout.lock();
    if !opts.quiet {
        for (name, c) in &results {
            let _ = writeln!(out, "{:>width$}  {}", c.counted(opts.skip_blank), name);
        }
    }
    if opts.quiet || results.len() != 1 {
        let label = if opts.quiet { String::new() } else { format!("  total ({} files)", results.len()) };
        let _ = writeln!(out, "{:>width$}{}", total, label);
    }

    if had_error {
        process::exit(1);
    }
}
