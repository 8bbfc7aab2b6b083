//! `kiln share`: encode a file, decode the link back, and refuse broken links clearly.

use std::path::PathBuf;

use crate::{run, run_stdin, text};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-share-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const PAGE: &str = "<!DOCTYPE html>\n<html><body><h1>Hello, Kiln ✨</h1></body></html>\n";

#[test]
fn encode_then_decode_round_trips() {
    let dir = temp_dir("round");
    let file = dir.join("hello.html");
    std::fs::write(&file, PAGE).unwrap();
    let out = run(&[
        "share",
        "encode",
        file.to_str().unwrap(),
        "--title",
        "Hello",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let link = text(&out.stdout).trim_end().to_owned();
    assert!(link.starts_with("http://127.0.0.1:8787/#2"), "{link}");
    assert!(!link.contains(char::is_whitespace));

    let out = run(&["share", "decode", &link]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), PAGE);
    assert_eq!(text(&out.stderr), "kiln: html \"Hello\", 67 B\n");

    // The payload alone, or with its #, decodes too; -o writes the file.
    let payload = link.split_once('#').unwrap().1;
    let target = dir.join("back.html");
    let out = run(&[
        "share",
        "decode",
        &format!("#{payload}"),
        "-o",
        target.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), PAGE);

    // --json gives the same record as `kiln extract --json`.
    let out = run(&["share", "decode", "--json", &link]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &v["artifacts"][0];
    assert_eq!(v["artifacts"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            &a["id"],
            &a["kind"],
            &a["title"],
            &a["language"],
            &a["complete"],
            &a["content"]
        ),
        (
            &serde_json::Value::Null,
            &serde_json::json!("html"),
            &serde_json::json!("Hello"),
            &serde_json::Value::Null,
            &serde_json::json!(true),
            &serde_json::json!(PAGE)
        )
    );

    // A link too long for a command line can come through stdin.
    let out = run_stdin(&["share", "decode", "-"], format!("{link}\n").as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), PAGE);
}

#[test]
fn kind_and_language_are_guessed_from_the_extension() {
    let dir = temp_dir("guess");
    let cases = [
        ("app.htm", "html"),
        ("logo.svg", "svg"),
        ("notes.md", "markdown"),
        ("flow.mmd", "mermaid"),
        ("App.jsx", "react (jsx)"),
        ("tool.py", "code (python)"),
    ];
    for (name, want) in cases {
        let file = dir.join(name);
        std::fs::write(&file, "content\n").unwrap();
        let out = run(&[
            "share",
            "encode",
            file.to_str().unwrap(),
            "--base",
            "https://k.example/",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let link = text(&out.stdout);
        assert!(link.starts_with("https://k.example/#2"), "{link}");
        let out = run(&["share", "decode", link.trim()]);
        assert_eq!(text(&out.stderr), format!("kiln: {want}, 8 B\n"), "{name}");
    }
    // Flags win over the guess.
    let file = dir.join("page.txt");
    std::fs::write(&file, "# Title\n").unwrap();
    let out = run(&[
        "share",
        "encode",
        file.to_str().unwrap(),
        "--kind",
        "md",
        "--prompt",
        "a heading",
    ]);
    let out = run(&["share", "decode", text(&out.stdout).trim()]);
    assert_eq!(text(&out.stderr), "kiln: markdown, 8 B, with its prompt\n");
}

#[test]
fn stdin_and_long_links() {
    // Incompressible text makes a link over the warning size.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let noise: String = (0..40_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'!' + (state % 90) as u8)
        })
        .collect();
    let out = run_stdin(
        &["share", "encode", "-", "--kind", "code"],
        noise.as_bytes(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("kiln: warning: the link is ") && err.contains("over 32 KiB"),
        "{err}"
    );
    let out = run_stdin(&["share", "decode", "-"], &out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), noise);
}

#[test]
fn broken_links_fail_with_one_clear_line() {
    let link = text(&run_stdin(&["share", "encode", "-"], PAGE.as_bytes()).stdout)
        .trim()
        .to_owned();
    let cases = [
        (link[..link.len() - 5].to_owned(), "invalid share link: "),
        (
            "http://127.0.0.1:8787/".to_owned(),
            "invalid share link: there is no artifact after the #",
        ),
        (
            "#9abc".to_owned(),
            "invalid share link: format version '9' is not supported (made by a newer Kiln?)",
        ),
        (
            "#1ab(c".to_owned(),
            "invalid share link: character '(' at position 4 is not allowed",
        ),
    ];
    for (link, want) in cases {
        let out = run(&["share", "decode", &link]);
        assert_eq!(out.status.code(), Some(1), "{link}");
        let err = text(&out.stderr);
        assert!(err.starts_with(&format!("kiln: error: {want}")), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty());
    }
    let out = run(&["share", "encode", "no-such-file.html"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("kiln: error: cannot read no-such-file.html"));
    let out = run_stdin(&["share", "encode", "-"], b"\xff\xfe");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "kiln: error: stdin: not UTF-8 text (invalid byte at offset 0)\n"
    );
    let out = run_stdin(&["share", "encode", "-"], &vec![b'a'; 2 * 1024 * 1024]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "kiln: error: cannot make a share link: content is over the 1 MiB limit\n"
    );
}
