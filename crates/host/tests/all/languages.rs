//! JavaScript (QuickJS) and Python (CPython) programs under the same limits as modules: hello,
//! stdin to stdout, a loop stopped at the deadline, a memory bomb, deep recursion, an output
//! flood, and no files or sockets. The runtimes come from `./dev` (target/runtimes/); a build
//! without them fails here, loudly, rather than skipping.

use std::sync::OnceLock;
use std::time::Duration;

use kiln_host::{Host, Language, Limits, Outcome, Stop};

/// One host for every test: each runtime is compiled once (and cached on disk for later runs).
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        for l in [Language::JavaScript, Language::Python] {
            assert!(
                l.available(),
                "this build has no {} runtime: run `./dev test`, which builds it",
                l.name()
            );
        }
        let mut host = Host::new(Limits::default().max_stack_bytes).expect("engine");
        let cache = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("module-cache");
        host.set_cache_dir(&cache).expect("cache folder");
        host
    })
}

fn run(language: Language, src: &str, stdin: &str, limits: &Limits) -> Outcome {
    host()
        .run(language, src.as_bytes(), stdin.as_bytes(), limits)
        .expect("runs")
}

fn stdout(o: &Outcome) -> String {
    String::from_utf8_lossy(&o.output.stdout).into_owned()
}

fn stderr(o: &Outcome) -> String {
    String::from_utf8_lossy(&o.output.stderr).into_owned()
}

const JS: Language = Language::JavaScript;
const PY: Language = Language::Python;

#[test]
fn hello_and_stdin_to_stdout_in_each_language() {
    let l = Limits::default();
    let o = run(
        JS,
        "console.log('hello', 6 * 7, {a: [1, 2]}); console.log(readStdin().toUpperCase());",
        "abc",
        &l,
    );
    assert_eq!(
        (o.result.clone(), stdout(&o)),
        (Ok(0), "hello 42 {\"a\":[1,2]}\nABC\n".to_owned()),
        "{}",
        stderr(&o)
    );
    let o = run(
        PY,
        "import sys\nprint('hello', 6 * 7)\nprint(sys.stdin.read().upper())",
        "abc",
        &l,
    );
    assert_eq!(
        (o.result.clone(), stdout(&o)),
        (Ok(0), "hello 42\nABC\n".to_owned()),
        "{}",
        stderr(&o)
    );
}

#[test]
fn arguments_reach_each_language_after_the_programs_name() {
    let l = Limits::default();
    let args = ["--count".to_owned(), "two words".to_owned(), String::new()];
    let with_args = |language: Language, src: &str| {
        let program = host()
            .prepare(language, src.as_bytes())
            .expect("prepares")
            .with_args(&args);
        host().run_program(&program, b"", &l).expect("runs")
    };
    let o = with_args(JS, "console.log(JSON.stringify(scriptArgs));");
    assert_eq!(
        stdout(&o),
        "[\"--count\",\"two words\",\"\"]\n",
        "{}",
        stderr(&o)
    );
    let o = with_args(PY, "import sys, json\nprint(json.dumps(sys.argv[1:]))");
    assert_eq!(
        stdout(&o),
        "[\"--count\", \"two words\", \"\"]\n",
        "{}",
        stderr(&o)
    );
    // Without arguments, each sees none.
    let o = run(JS, "console.log(scriptArgs.length);", "", &l);
    assert_eq!(stdout(&o), "0\n", "{}", stderr(&o));
}

#[test]
fn errors_and_exit_codes_are_the_programs_own() {
    let l = Limits::default();
    let o = run(JS, "throw new Error('boom')", "", &l);
    assert_eq!(o.result, Ok(1));
    assert!(stderr(&o).contains("boom"), "{}", stderr(&o));
    let o = run(JS, "let x = ;", "", &l);
    assert_eq!(o.result, Ok(1));
    assert!(stderr(&o).contains("SyntaxError"), "{}", stderr(&o));
    let o = run(PY, "import sys\nsys.exit(3)", "", &l);
    assert_eq!(o.result, Ok(3));
    let o = run(PY, "1/0", "", &l);
    assert_eq!(o.result, Ok(1));
    assert!(stderr(&o).contains("ZeroDivisionError"), "{}", stderr(&o));
}

#[test]
fn an_infinite_loop_is_stopped_at_the_deadline() {
    let limits = Limits {
        timeout: Duration::from_millis(400),
        ..Limits::default()
    };
    for (lang, src) in [(JS, "for (;;) {}"), (PY, "while True:\n    pass")] {
        let o = run(lang, src, "", &limits);
        assert_eq!(o.result, Err(Stop::Timeout), "{lang:?}");
        // Not before the deadline, and not long after: the epoch ticker's period plus what a
        // shared 2-core machine running the other tests in parallel adds (a 50 ms bound
        // failed once under that load at 69 ms). A hang would be seconds.
        assert!(
            o.elapsed + Duration::from_millis(10) >= limits.timeout
                && o.elapsed <= limits.timeout + Duration::from_millis(300),
            "{lang:?} stopped after {:?} with a {:?} deadline",
            o.elapsed,
            limits.timeout
        );
    }
}

#[test]
fn a_memory_bomb_stops_at_the_memory_limit() {
    let limits = Limits {
        memory_bytes: 64 << 20,
        ..Limits::default()
    };
    let js = run(
        JS,
        "const a = []; for (;;) a.push(new Array(1e6).fill(1));",
        "",
        &limits,
    );
    let py = run(
        PY,
        "a = []\nwhile True:\n    a.append(bytearray(10**7))",
        "",
        &limits,
    );
    for (lang, o) in [("js", js), ("py", py)] {
        // The interpreter may notice first and fail cleanly; either way the limit held.
        let clean_oom = o.result == Ok(1)
            && (stderr(&o).contains("out of memory") || stderr(&o).contains("MemoryError"));
        assert!(
            o.result == Err(Stop::MemoryLimit) || clean_oom,
            "{lang}: {:?} {}",
            o.result,
            stderr(&o)
        );
    }
}

#[test]
fn deep_recursion_is_an_error_or_a_trap_never_a_crash() {
    let l = Limits::default();
    let o = run(JS, "function f(n) { return f(n + 1) + 1; } f(0);", "", &l);
    assert!(
        o.result == Err(Stop::StackOverflow) || (o.result == Ok(1) && stderr(&o).contains("stack")),
        "{:?} {}",
        o.result,
        stderr(&o)
    );
    let o = run(
        PY,
        "import sys\nsys.setrecursionlimit(10**7)\ndef f(n):\n    return f(n + 1) + 1\nf(0)",
        "",
        &l,
    );
    // CPython 3.12 keeps Python frames on its heap, so with the recursion limit lifted the
    // memory limit (or the wasm stack, in C recursion) is what stops it.
    assert!(
        matches!(
            o.result,
            Err(Stop::StackOverflow | Stop::MemoryLimit) | Ok(1)
        ),
        "{:?} {}",
        o.result,
        stderr(&o)
    );
    // The host is still fine afterwards.
    assert_eq!(run(PY, "print(1)", "", &l).result, Ok(0));
}

#[test]
fn an_output_flood_is_capped() {
    let limits = Limits {
        max_output_bytes: 64 << 10,
        ..Limits::default()
    };
    for (lang, src) in [
        (JS, "for (;;) console.log('x'.repeat(1000));"),
        (PY, "while True:\n    print('x' * 1000)"),
    ] {
        let o = run(lang, src, "", &limits);
        assert_eq!(o.result, Err(Stop::OutputLimit), "{lang:?}");
        assert!(o.output.stdout.len() <= limits.max_output_bytes);
    }
}

#[test]
fn no_files_no_sockets_no_processes() {
    let l = Limits::default();
    let o = run(PY, "open('/etc/passwd').read()", "", &l);
    assert_eq!(o.result, Ok(1));
    assert!(stderr(&o).contains("FileNotFoundError"), "{}", stderr(&o));
    let o = run(PY, "import socket\nsocket.socket()", "", &l);
    assert!(stderr(&o).contains("OSError"), "{}", stderr(&o));
    let o = run(PY, "import subprocess\nsubprocess.run(['ls'])", "", &l);
    assert_eq!(o.result, Ok(1));
    // QuickJS gets no std/os modules and no require: nothing reaches outside.
    let o = run(
        JS,
        "console.log(typeof require, typeof std, typeof os, typeof fetch)",
        "",
        &l,
    );
    assert_eq!(stdout(&o), "undefined undefined undefined undefined\n");
}

#[test]
fn scripts_must_be_text() {
    let err = host()
        .run(PY, &[0xff, 0xfe], b"", &Limits::default())
        .unwrap_err();
    assert!(err.to_string().contains("not UTF-8"), "{err}");
}
