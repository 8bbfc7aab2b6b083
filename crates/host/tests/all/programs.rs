//! Programs that finish on their own: output, exit codes, stdin, and refusals to start.

use kiln_host::{Host, HostError, Language, Limits};

use crate::{run_wat, wasi_module};

#[test]
fn hello_example_prints_and_exits_zero() {
    let src = include_str!("../../../../examples/wat/hello.wat");
    let out = run_wat(src, b"", &Limits::default());
    assert_eq!(out.result, Ok(0));
    assert_eq!(out.output.stdout, b"Hello from a Kiln sandbox!\n");
    assert!(out.output.stderr.is_empty());
}

#[test]
fn proc_exit_code_is_reported() {
    let src = wasi_module(
        "(call $write (i32.const 2) (i32.const 64) (i32.const 4)) (call $proc_exit (i32.const 3))",
        "oops",
    );
    let out = run_wat(&src, b"", &Limits::default());
    assert_eq!(out.result, Ok(3));
    assert_eq!(out.output.stderr, b"oops");
}

#[test]
fn stdin_is_given_to_the_program() {
    // Read up to 100 bytes of stdin into offset 64, then write what was read to stdout.
    let body = "(i32.store (i32.const 0) (i32.const 64)) (i32.store (i32.const 4) (i32.const 100))
        (drop (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (call $write (i32.const 1) (i32.const 64) (i32.load (i32.const 8)))";
    let out = run_wat(&wasi_module(body, ""), b"echo me", &Limits::default());
    assert_eq!(out.result, Ok(0));
    assert_eq!(out.output.stdout, b"echo me");
}

#[test]
fn a_trap_is_reported_with_its_message() {
    let out = run_wat(&wasi_module("unreachable", ""), b"", &Limits::default());
    match out.result {
        Err(kiln_host::Stop::Trap(msg)) => assert!(msg.contains("unreachable"), "{msg}"),
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn invalid_source_is_a_compile_error() {
    let host = Host::new(1 << 20).unwrap();
    let err = host
        .run(Language::Wat, b"(module (func", b"", &Limits::default())
        .unwrap_err();
    assert!(matches!(err, HostError::Compile { .. }), "{err}");
    let err = host
        .run(Language::Wasm, b"\0asm garbage", b"", &Limits::default())
        .unwrap_err();
    assert!(matches!(err, HostError::Compile { .. }), "{err}");
}

#[test]
fn imports_beyond_wasi_are_refused() {
    let src = r#"(module (import "env" "open_socket" (func)) (func (export "_start")))"#;
    let host = Host::new(1 << 20).unwrap();
    let err = host
        .run(Language::Wat, src.as_bytes(), b"", &Limits::default())
        .unwrap_err();
    assert!(matches!(err, HostError::Link(_)), "{err}");
    assert!(err.to_string().contains("open_socket"), "{err}");
}

#[test]
fn a_module_without_start_is_refused() {
    let host = Host::new(1 << 20).unwrap();
    let err = host.run(
        Language::Wat,
        b"(module (func (export \"main\")))",
        b"",
        &Limits::default(),
    );
    let err = err.unwrap_err();
    assert!(err.to_string().contains("_start"), "{err}");
}

#[test]
fn there_is_no_filesystem() {
    // path_open on fd 3 (the first preopen, if there were one) must fail: nothing is preopened.
    let src = r#"(module
      (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (call $prestat (i32.const 3) (i32.const 0)))))"#;
    let out = run_wat(src, b"", &Limits::default());
    // errno 8 is EBADF: there is no descriptor 3 at all.
    assert_eq!(out.result, Ok(8));
}
