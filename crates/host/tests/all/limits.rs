//! Programs that run into a limit, and the outcome that names it.

use std::time::Duration;

use kiln_host::{Limits, Stop};

use crate::{run_wat, wasi_module};

#[test]
fn a_runaway_loop_is_stopped_by_the_timeout() {
    let src = include_str!("../../../../examples/wat/spin.wat");
    let limits = Limits {
        timeout: Duration::from_millis(200),
        ..Limits::default()
    };
    let out = run_wat(src, b"", &limits);
    assert_eq!(out.result, Err(Stop::Timeout));
    // Stopped near the deadline, not long after: generous bound for a loaded machine.
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
}

#[test]
fn fuel_gives_a_deterministic_budget() {
    let src = include_str!("../../../../examples/wat/spin.wat");
    let limits = Limits {
        fuel: Some(10_000),
        ..Limits::default()
    };
    assert_eq!(run_wat(src, b"", &limits).result, Err(Stop::OutOfFuel));
}

#[test]
fn memory_growth_past_the_limit_is_stopped() {
    let body = "(drop (memory.grow (i32.const 100)))"; // 100 pages = 6.4 MB
    let limits = Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(
        run_wat(&wasi_module(body, ""), b"", &limits).result,
        Err(Stop::MemoryLimit)
    );
    // The same program within a larger limit runs.
    let roomy = Limits {
        memory_bytes: 16 << 20,
        ..Limits::default()
    };
    assert_eq!(run_wat(&wasi_module(body, ""), b"", &roomy).result, Ok(0));
}

#[test]
fn a_module_declaring_too_much_memory_is_stopped() {
    let src = r#"(module (memory 1000) (func (export "_start")))"#; // 64 MB up front
    let limits = Limits {
        memory_bytes: 1 << 20,
        ..Limits::default()
    };
    assert_eq!(run_wat(src, b"", &limits).result, Err(Stop::MemoryLimit));
}

#[test]
fn runaway_recursion_is_a_stack_overflow_not_a_crash() {
    let src = r#"(module (func $f (call $f)) (func (export "_start") (call $f)))"#;
    let out = run_wat(src, b"", &Limits::default());
    assert_eq!(out.result, Err(Stop::StackOverflow));
}

#[test]
fn output_past_the_cap_ends_the_run_and_keeps_what_fit() {
    let body = "(loop $l (call $write (i32.const 1) (i32.const 64) (i32.const 10)) (br $l))";
    // The writes past the cap fail; this program ignores that and spins until the timeout.
    let limits = Limits {
        max_output_bytes: 1000,
        timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let out = run_wat(&wasi_module(body, "0123456789"), b"", &limits);
    assert_eq!(out.result, Err(Stop::OutputLimit));
    assert_eq!(out.output.stdout.len(), 1000);
    assert!(out.output.stdout.starts_with(b"0123456789"));
}
