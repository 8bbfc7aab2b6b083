//! `kiln run`: output passes through, exit codes say who stopped the program.

use crate::{repo, run, text};

#[test]
fn hello_prints_and_exits_zero() {
    let hello = repo("examples/wat/hello.wat");
    let out = run(&["run", hello.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Hello from a Kiln sandbox!\n");
}

#[test]
fn a_runaway_program_exits_124_with_a_reason() {
    let spin = repo("examples/wat/spin.wat");
    let out = run(&["run", spin.to_str().unwrap(), "--timeout", "200ms"]);
    assert_eq!(out.status.code(), Some(124));
    assert_eq!(
        text(&out.stderr),
        "kiln: program stopped: time limit of 200ms reached\n"
    );
}

#[test]
fn fuel_exhaustion_exits_125() {
    let spin = repo("examples/wat/spin.wat");
    let out = run(&["run", spin.to_str().unwrap(), "--fuel", "1000"]);
    assert_eq!(out.status.code(), Some(125));
    assert!(text(&out.stderr).contains("fuel budget used up"));
}

#[test]
fn bad_input_is_a_one_line_error() {
    let out = run(&["run", "no-such-file.wat"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("kiln: error: cannot read no-such-file.wat"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let readme = repo("README.md");
    let out = run(&["run", readme.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot tell the language"));

    let out = run(&["run", "x.wat", "--memory", "lots"]);
    assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
    assert!(text(&out.stderr).contains("--memory"));
}

#[test]
fn invalid_wat_says_where() {
    let dir = std::env::temp_dir().join(format!("kiln-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.wat");
    std::fs::write(&bad, "(module (func (export \"_start\") (i32.add)))").unwrap();
    let out = run(&["run", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a valid Wat module"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn javascript_and_python_files_run_with_their_output_and_exit_code() {
    let dir = std::env::temp_dir().join(format!("kiln-run-langs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let js = dir.join("hello.js");
    std::fs::write(&js, "console.log('hi from js'); throw new Error('bye')").unwrap();
    let out = run(&["run", js.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "hi from js\n");
    assert!(
        text(&out.stderr).contains("Error: bye"),
        "{}",
        text(&out.stderr)
    );
    let py = dir.join("hello.py");
    std::fs::write(&py, "import sys\nprint('hi from python')\nsys.exit(4)").unwrap();
    let out = run(&["run", py.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "hi from python\n");
    let out = run(&["run", py.to_str().unwrap(), "--timeout", "300ms"]);
    assert_eq!(out.status.code(), Some(4));
    let spin = dir.join("spin.py");
    std::fs::write(&spin, "while True:\n    pass").unwrap();
    let out = run(&["run", spin.to_str().unwrap(), "--timeout", "300ms"]);
    assert_eq!(out.status.code(), Some(124));
    // Arguments after the file are the program's, options before them are kiln's.
    let args = dir.join("args.py");
    std::fs::write(&args, "import sys\nprint(sys.argv[1:])").unwrap();
    let out = run(&[
        "run",
        args.to_str().unwrap(),
        "--timeout",
        "5s",
        "one",
        "--two",
        "3 4",
    ]);
    assert_eq!(
        text(&out.stdout),
        "['one', '--two', '3 4']\n",
        "{}",
        text(&out.stderr)
    );
}
