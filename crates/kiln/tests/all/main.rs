//! Integration tests of the `kiln` binary as a person runs it: one test binary, a module per
//! command.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly
#![allow(clippy::disallowed_methods)] // tests of a binary write files and spawn writers

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

/// Runs kiln with `args` and returns its output.
pub fn run(args: &[&str]) -> Output {
    kiln().args(args).output().expect("kiln runs")
}
