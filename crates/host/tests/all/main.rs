//! Integration tests for the wasmtime host: one binary, a module per area.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test helpers may fail loudly

mod languages;
mod limits;
mod programs;

use kiln_host::{Host, Language, Limits, Outcome};

/// Runs WAT source with the given limits on a fresh host.
pub fn run_wat(src: &str, stdin: &[u8], limits: &Limits) -> Outcome {
    let host = Host::for_limits(limits).expect("engine");
    host.run(Language::Wat, src.as_bytes(), stdin, limits)
        .expect("module runs")
}

/// A WAT module whose `_start` body is `body`, with WASI fd_write/fd_read/proc_exit imported
/// and one page of memory. Scratch space: iovec at 0, counters at 8, data from 64.
pub fn wasi_module(body: &str, data: &str) -> String {
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "{data}")
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") {body}))"#
    )
}
