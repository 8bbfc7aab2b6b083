//! Integration tests of the `kiln` binary as a person runs it: one test binary, a module per
//! command.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly
#![allow(clippy::disallowed_methods)] // tests of a binary write files and spawn writers

mod deploy;
mod extract;
mod generate;
mod replay;
mod run;
mod serve;
mod share;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The `kiln` binary cargo built for these tests.
pub fn kiln() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kiln"))
}

/// The repository root, for example files.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

pub fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// Runs kiln with `args`, writing `input` to its stdin from another thread (a large input
/// must not deadlock against kiln's own output), and returns its output.
pub fn run_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = kiln()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kiln runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("kiln runs");
    let _ = writer.join();
    out
}

/// Runs kiln with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    kiln().args(args).output().expect("kiln runs")
}

/// A running `kiln serve --port 0 ARGS`, killed when dropped.
pub struct Server {
    child: std::process::Child,
    /// The studio's `host:port`.
    pub studio: String,
    /// The sandbox's `host:port`, as 127.0.0.1.
    pub sandbox: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `kiln serve --port 0` with `args` and reads the addresses it prints.
pub fn start_server(args: &[&str]) -> Server {
    use std::io::BufRead as _;
    let mut child = kiln()
        .args(["serve", "--port", "0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "Kiln is serving at http://127.0.0.1:P/ (sandbox at http://localhost:Q; Ctrl-C to stop)"
    let field = |n: usize, end: char| {
        line.split("http://")
            .nth(n)
            .and_then(|rest| rest.split(end).next())
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned()
    };
    let studio = field(1, '/');
    let sandbox = field(2, ';').replace("localhost", "127.0.0.1");
    Server {
        child,
        studio,
        sandbox,
    }
}
