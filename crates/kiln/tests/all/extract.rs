//! `kiln extract`: the JSON record, the summary, and bad input.

use crate::{run, run_stdin, text};

fn extract_stdin(args: &[&str], input: &[u8]) -> std::process::Output {
    let mut all = vec!["extract"];
    all.extend_from_slice(args);
    run_stdin(&all, input)
}

const REPLY: &str = "Sure! Here is the app.\n\n```html\n<!DOCTYPE html>\n<html><body><p>hi</p></body></html>\n```\n\nAnd a helper:\n\n```bash\nnpm start\n```\n";

#[test]
fn json_record_has_exactly_the_documented_fields() {
    let out = extract_stdin(&["--json"], REPLY.as_bytes());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let artifacts = v["artifacts"].as_array().unwrap();
    assert_eq!(
        artifacts.len(),
        1,
        "the one-line shell snippet is not an artifact: {v}"
    );
    let a = artifacts[0].as_object().unwrap();
    let mut keys: Vec<_> = a.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["complete", "content", "id", "kind", "language", "title"]
    );
    assert_eq!(a["kind"], "html");
    assert_eq!(a["id"], serde_json::Value::Null);
    assert_eq!(a["complete"], true);
    assert!(a["content"].as_str().unwrap().contains("<p>hi</p>"));
}

#[test]
fn summary_is_readable() {
    let out = extract_stdin(&[], REPLY.as_bytes());
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(s.starts_with("1 artifact\n"), "{s}");
    assert!(s.contains("html") && s.contains("complete"), "{s}");
}

#[test]
fn bad_input_is_refused_clearly() {
    let cases: [(&[u8], &str); 3] = [
        (b"", "stdin: input is empty"),
        (b"  \n\t", "stdin: input is empty"),
        (
            b"abc \xff\xfe def",
            "stdin: input is not valid UTF-8: invalid byte at offset 4",
        ),
    ];
    for (input, want) in cases {
        let out = extract_stdin(&["--json"], input);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(text(&out.stderr), format!("kiln: error: {want}\n"));
        assert!(out.stdout.is_empty());
    }
    let huge = vec![b'a'; 50 * 1024 * 1024];
    let out = extract_stdin(&["--json"], &huge);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "kiln: error: stdin: input is over the 8 MiB limit\n"
    );

    let dir = std::env::temp_dir().join(format!("kiln-extract-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.txt");
    std::fs::write(&big, &huge).unwrap();
    let out = run(&["extract", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("50.0 MiB") || err.contains("50 MiB"), "{err}");
    let out = run(&["extract", "no-such-reply.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).starts_with("kiln: error: cannot read no-such-reply.txt"));
}

#[test]
fn a_truncated_reply_keeps_the_partial_artifact() {
    let out = extract_stdin(
        &["--json"],
        b"```html\n<!DOCTYPE html>\n<html><body><canvas id=c>",
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["artifacts"][0]["complete"], false);
    assert!(
        v["artifacts"][0]["content"]
            .as_str()
            .unwrap()
            .contains("<canvas id=c>")
    );
}
