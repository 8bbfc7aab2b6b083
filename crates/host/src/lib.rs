//! Kiln's wasmtime host: runs a single-file WebAssembly program headless, with hard limits.
//!
//! This is the only crate that depends on wasmtime. A program gets WASI preview 1 with no
//! preopened directories, no environment, no network and no clock beyond what WASI always
//! offers; its stdin is given, its stdout and stderr are captured up to a cap. Every limit ends
//! the run with an [`Outcome`] naming which limit was hit, never a hang or a host crash:
//! - wall-clock time, by epoch interruption (a ticker thread bumps the engine's epoch; guest
//!   code cannot avoid the check);
//! - optionally a deterministic fuel budget;
//! - linear memory and table growth, by a [`wasmtime::ResourceLimiter`];
//! - wasm stack depth, so runaway recursion is a trap rather than a host stack overflow;
//! - output size.
//!
//! WAT and WASM modules run as they are. JavaScript and Python run in interpreters that are
//! themselves WASI modules (QuickJS and CPython), embedded at build time from
//! `target/runtimes/` and held to the very same limits; each is compiled once per `Host`
//! (and once per machine with [`Host::set_cache_dir`]) and linked once (`InstancePre`), so a
//! run only instantiates.

mod cache;
mod limits;
mod run;

pub use limits::Limits;
pub use run::{Host, HostConfig, HostError, Language, Outcome, Output, Program, Stop};
