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
//! JavaScript and Python runtimes, the compiled-module cache and `InstancePre` reuse are not
//! built yet; WAT and WASM modules run today.

mod limits;
mod run;

pub use limits::Limits;
pub use run::{Host, HostError, Language, Outcome, Output, Stop};
