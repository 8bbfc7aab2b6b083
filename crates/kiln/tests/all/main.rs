//! Integration tests of the `kiln` binary as a person runs it: one test binary, a module per
//! command.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly
#![allow(clippy::disallowed_methods)] // tests of a binary write files and spawn writers

mod deploy;
mod disk;
mod extract;
mod generate;
mod nginx;
mod postgres;
mod proxy;
mod replay;
mod run;
mod serve;
mod serving;
mod share;

/// A throwaway PostgreSQL server (shared with the crate's unit tests).
#[path = "../../src/links/test_postgres.rs"]
mod test_postgres;

pub use serving::{Server, start_server};
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
