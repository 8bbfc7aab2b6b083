use super::*;

const COUNTER: &str = r##"
# A counter that counts.
prompt = "A counter with a + button (id inc) and the count in #n."
kind = "html"
follow_ups = ["Add a reset button with id reset."]

[[check]]
type = "no_console_errors"

[[check]]
type = "click"
selector = "#inc"
then_selector = "#n"
then_text = "1"

[[check]]
type = "js"
description = "a reset button"
script = "return !!document.getElementById('reset')"
"##;

#[test]
fn a_case_file_reads_with_defaults() {
    let case = parse_case("counter", COUNTER).unwrap();
    assert_eq!(case.name, "counter");
    assert_eq!(case.kind, ArtifactKind::Html);
    assert_eq!(case.follow_ups.len(), 1);
    assert_eq!(case.timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
    assert_eq!(case.checks.len(), 3);
    assert_eq!(case.checks[1].label(), "clicking #inc shows \"1\" in #n");
    assert_eq!(case.checks[2].label(), "a reset button");
}

#[test]
fn bad_case_files_say_what_is_wrong() {
    let cases = [
        ("prompt = \"x\"\nkind = \"html\"\n", "no [[check]]"),
        (
            "prompt = \"x\"\nkind = \"flash\"\n[[check]]\ntype = \"no_console_errors\"\n",
            "unknown kind",
        ),
        (
            "prompt = \" \"\nkind = \"html\"\n[[check]]\ntype = \"no_console_errors\"\n",
            "prompt is empty",
        ),
        (
            "prompt = \"x\"\nkind = \"html\"\ncolour = 1\n[[check]]\ntype = \"no_console_errors\"\n",
            "colour",
        ),
        (
            "prompt = \"x\"\nkind = \"html\"\n[[check]]\ntype = \"exists\"\nselector = \"\"\n",
            "no selector",
        ),
        (
            "prompt = \"x\"\nkind = \"html\"\n[[check]]\ntype = \"exists\"\nselektor = \"a\"\n",
            "selektor",
        ),
        (
            "prompt = \"x\"\nkind = \"html\"\n[[check]]\ntype = \"hover\"\n",
            "hover",
        ),
        (
            "prompt = \"x\"\nkind = \"html\"\ntimeout_seconds = 0\n[[check]]\ntype = \"no_console_errors\"\n",
            "timeout_seconds",
        ),
        (
            "prompt = \"x\"\nkind = \"html\"\nfollow_ups = [\"\"]\n[[check]]\ntype = \"no_console_errors\"\n",
            "follow-up is empty",
        ),
        ("prompt = ", "counter.toml"),
    ];
    for (text, want) in cases {
        let err = parse_case("counter", text).unwrap_err().to_string();
        assert!(err.contains(want), "{text:?}: {err}");
        assert!(err.starts_with("counter.toml: "), "{err}");
    }
}

#[test]
fn suites_are_sorted_and_names_unique() {
    let a = parse_case("b", COUNTER).unwrap();
    let b = parse_case("a", COUNTER).unwrap();
    let s = suite(vec![a.clone(), b]).unwrap();
    assert_eq!(s[0].name, "a");
    assert_eq!(
        suite(vec![a.clone(), a]),
        Err(SuiteError::Duplicate("b".into()))
    );
    assert_eq!(suite(vec![]), Err(SuiteError::Empty));
}

#[test]
fn check_scripts_quote_what_the_case_says() {
    let check = Check::Text {
        selector: Some("a[title='x\"']".into()),
        contains: "</script>\n'\"".into(),
    };
    let script = check.script().unwrap();
    // The case's strings appear only as JSON string literals.
    assert!(script.contains(r#"text("a[title='x\"']")"#), "{script}");
    assert!(script.contains(r#"includes("</script>\n'\"")"#), "{script}");
    assert!(script.starts_with("const done = arguments[arguments.length - 1];"));
    assert_eq!(Check::NoConsoleErrors.script(), None);
    let js = Check::Js {
        description: None,
        script: "return 1 + 1 === 2".into(),
    };
    assert!(js.script().unwrap().contains("return 1 + 1 === 2"));
}

#[test]
fn console_errors_decide_their_check() {
    assert!(console_check(&[]).passed);
    let one = console_check(&["x is not defined".into()]);
    assert!(!one.passed);
    assert_eq!(one.detail, "x is not defined");
    let two = console_check(&["a".into(), "b".into(), "c".into()]);
    assert_eq!(two.detail, "a (and 2 more)");
}

#[test]
fn replies_replay_into_the_artifact_the_last_one_wrote() {
    let first = "Here:\n<kiln-artifact id=\"counter\" kind=\"html\" title=\"Counter\">\n<p id=n>0</p>\n</kiln-artifact>\n";
    let second =
        "And a chart:\n<kiln-artifact id=\"chart\" kind=\"svg\">\n<svg></svg>\n</kiln-artifact>\n";
    let third = "Only words this time.";
    let (set, shown) = replay_replies([first, second]);
    assert_eq!(set.len(), 2);
    assert_eq!(shown.as_deref(), Some("chart"));
    let (_, shown) = replay_replies([first, second, third]);
    assert_eq!(
        shown.as_deref(),
        Some("chart"),
        "a reply with no artifact keeps the last one"
    );
    let (set, shown) = replay_replies([third]);
    assert!(set.is_empty() && shown.is_none());
}

fn result(case: &str, passed: &[bool], rendered: bool) -> CaseResult {
    CaseResult {
        case: case.into(),
        attempt: 1,
        expected_kind: Some(ArtifactKind::Html),
        kind: Some(ArtifactKind::Html),
        complete: true,
        rendered,
        checks: passed
            .iter()
            .enumerate()
            .map(|(i, &p)| CheckResult {
                check: format!("check {i}"),
                passed: p,
                detail: if p { String::new() } else { "nope".into() },
            })
            .collect(),
        turns: vec![TurnRecord {
            prompt: "p".into(),
            reply: "r".into(),
            ending: "Done.".into(),
            input_tokens: Some(1_000),
            output_tokens: Some(500),
            latency_ms: 2_000,
            ..TurnRecord::default()
        }],
        ..CaseResult::default()
    }
}

fn run(cases: Vec<CaseResult>) -> RunRecord {
    RunRecord {
        format: results::RESULTS_FORMAT,
        label: "openai/test".into(),
        suite: "suite".into(),
        repeat: 1,
        started_ms: 0,
        cases,
    }
}

#[test]
fn totals_count_what_worked_at_each_stage() {
    let mut wrong_kind = result("wrong-kind", &[true], true);
    wrong_kind.kind = Some(ArtifactKind::Svg);
    let mut none = result("none", &[], false);
    none.kind = None;
    let r = run(vec![
        result("pass", &[true, true], true),
        result("fail", &[true, false], true),
        result("blank", &[false], false),
        wrong_kind,
        none,
    ]);
    let t = r.totals(Some(Prices {
        input_per_mtok: 3.0,
        output_per_mtok: 15.0,
    }));
    assert_eq!(
        (t.attempts, t.extracted, t.rendered, t.passed),
        (5, 3, 2, 1)
    );
    assert_eq!((t.checks_passed, t.checks), (4, 6));
    assert_eq!((t.input_tokens, t.output_tokens), (5_000, 2_500));
    assert_eq!(t.mean_latency_ms, 2_000);
    assert_eq!(t.cost_usd, Some((5_000.0 * 3.0 + 2_500.0 * 15.0) / 1e6));
    assert_eq!(r.totals(None).cost_usd, None);
    assert_eq!(
        r.cases[3].failure().as_deref(),
        Some("the artifact is svg, not html")
    );
    assert_eq!(
        r.cases[4].failure().as_deref(),
        Some("the reply had no artifact")
    );
    assert_eq!(
        r.cases[2].failure().as_deref(),
        Some("the artifact did not render")
    );
    assert_eq!(
        r.cases[1].failure().as_deref(),
        Some("failed: check 1 (nope)")
    );
    assert!(
        t.line()
            .starts_with("1/5 passed · extracted 3 · rendered 2 · checks 4/6")
    );
}

#[test]
fn a_comparison_names_what_was_fixed_and_broken() {
    let a = run(vec![
        result("fixed", &[false], true),
        result("broken", &[true], true),
        result("shifted", &[false, false], true),
        result("same", &[true], true),
        result("gone", &[true], true),
    ]);
    let b = run(vec![
        result("fixed", &[true], true),
        result("broken", &[false], true),
        result("shifted", &[true, false], true),
        result("same", &[true], true),
        result("new", &[true], true),
    ]);
    let c = compare(&a, &b);
    let keys = |v: &[CaseChange]| v.iter().map(|c| c.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(&c.fixed), ["fixed#1"]);
    assert_eq!(keys(&c.broken), ["broken#1"]);
    assert_eq!(keys(&c.shifted), ["shifted#1"]);
    assert_eq!(c.only_before, ["gone#1"]);
    assert_eq!(c.only_after, ["new#1"]);
    let text = c.describe();
    assert!(
        text.contains("broken (1):\n  broken#1  checks 1/1 → 0/1  — failed: check 0 (nope)"),
        "{text}"
    );
    assert!(compare(&a, &a).describe().contains("no case changed"));
}

#[test]
fn the_report_stands_alone_and_shows_failures_first() {
    let mut failing = result("zz-fails", &[false], true);
    failing.screenshot = Some("zz-fails-1.png".into());
    failing.turns[0].reply = "<script>alert(1)</script>".into();
    let r = run(vec![result("aa-passes", &[true], true), failing]);
    let shots = BTreeMap::from([("zz-fails-1.png".to_owned(), "iVBORw0KGgo=".to_owned())]);
    let html = report_html(&r, None, &shots);
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing is loaded from elsewhere and the model's text cannot run.
    assert!(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("<link"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""));
    assert!(html.contains("data-total=\"passed\">1 / 2 (50%)"));
    let fails = html.find("data-case=\"zz-fails#1\"").unwrap();
    let passes = html.find("data-case=\"aa-passes#1\"").unwrap();
    assert!(fails < passes, "failures come first");
    assert!(html.contains("no screenshot"));
}

use std::collections::BTreeMap;
