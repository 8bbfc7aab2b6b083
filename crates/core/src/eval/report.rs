//! The eval report: one self-contained HTML file (styles inline, screenshots as data URLs, no
//! script), so it opens from disk, from a CI artifact or as a mail attachment.

use std::collections::BTreeMap;

use super::results::{CaseResult, Prices, RunRecord};

/// The report for `run`. `screenshots` maps a case's screenshot file name to its PNG bytes,
/// already base64-encoded.
pub fn report_html(
    run: &RunRecord,
    prices: Option<Prices>,
    screenshots: &BTreeMap<String, String>,
) -> String {
    let t = run.totals(prices);
    let mut s = String::with_capacity(4096 + screenshots.values().map(String::len).sum::<usize>());
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str(&format!(
        "<title>Kiln eval: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&run.label)
    ));
    s.push_str(&format!(
        "<header><h1>Kiln eval: {}</h1>\n<p class=\"muted\">Suite {} · {} attempt(s) per case</p>\n",
        esc(&run.label),
        esc(&run.suite),
        run.repeat.max(1)
    ));
    s.push_str("<dl class=\"totals\">\n");
    let pct = |n: usize| {
        if t.attempts == 0 {
            "–".to_owned()
        } else {
            format!("{:.0}%", 100.0 * n as f64 / t.attempts as f64)
        }
    };
    for (label, value, id) in [
        (
            "Passed",
            format!("{} / {} ({})", t.passed, t.attempts, pct(t.passed)),
            "passed",
        ),
        (
            "Extracted",
            format!("{} ({})", t.extracted, pct(t.extracted)),
            "extracted",
        ),
        (
            "Rendered",
            format!("{} ({})", t.rendered, pct(t.rendered)),
            "rendered",
        ),
        (
            "Checks",
            format!("{} / {}", t.checks_passed, t.checks),
            "checks",
        ),
        (
            "Tokens",
            format!("{} in · {} out", t.input_tokens, t.output_tokens),
            "tokens",
        ),
        (
            "Model time",
            format!("{:.1} s per case", t.mean_latency_ms as f64 / 1000.0),
            "latency",
        ),
    ] {
        s.push_str(&format!(
            "<div><dt>{label}</dt><dd data-total=\"{id}\">{}</dd></div>\n",
            esc(&value)
        ));
    }
    if let Some(c) = t.cost_usd {
        s.push_str(&format!(
            "<div><dt>Cost</dt><dd data-total=\"cost\">${c:.4}</dd></div>\n"
        ));
    }
    s.push_str("</dl>\n</header>\n<main>\n");
    // Failures first: they are what a reader came for.
    let mut cases: Vec<&CaseResult> = run.cases.iter().collect();
    cases.sort_by_key(|c| (c.passed(), c.case.clone(), c.attempt));
    for c in cases {
        case_html(&mut s, c, run.repeat > 1, screenshots);
    }
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn case_html(s: &mut String, c: &CaseResult, attempts: bool, shots: &BTreeMap<String, String>) {
    let passed = c.passed();
    let name = if attempts {
        format!("{} (attempt {})", c.case, c.attempt)
    } else {
        c.case.clone()
    };
    s.push_str(&format!(
        "<section class=\"case {}\" data-case=\"{}\">\n<h2><span class=\"badge\">{}</span> {}</h2>\n",
        if passed { "pass" } else { "fail" },
        esc(&c.key()),
        if passed { "PASS" } else { "FAIL" },
        esc(&name)
    ));
    if let Some(f) = c.failure() {
        s.push_str(&format!("<p class=\"failure\">{}</p>\n", esc(&f)));
    }
    s.push_str("<div class=\"body\">\n");
    match c.screenshot.as_ref().and_then(|f| shots.get(f)) {
        Some(png) => s.push_str(&format!(
            "<img class=\"shot\" alt=\"Screenshot of {}\" src=\"data:image/png;base64,{png}\">\n",
            esc(&c.case)
        )),
        None => s.push_str("<div class=\"shot none\">no screenshot</div>\n"),
    }
    s.push_str("<div class=\"facts\">\n<ul class=\"checks\">\n");
    for k in &c.checks {
        s.push_str(&format!(
            "<li class=\"{}\">{} {}{}</li>\n",
            if k.passed { "pass" } else { "fail" },
            if k.passed { "✓" } else { "✗" },
            esc(&k.check),
            if k.detail.is_empty() {
                String::new()
            } else {
                format!(" <span class=\"muted\">— {}</span>", esc(&k.detail))
            }
        ));
    }
    s.push_str("</ul>\n<p class=\"muted\">");
    let kind = c.kind.map_or("none".to_owned(), |k| k.to_string());
    let (i, o) = c.tokens();
    s.push_str(&esc(&format!(
        "artifact: {kind}{} · {} bytes · {} turn(s) · {} tokens in, {o} out · model {:.1} s",
        if c.complete || c.kind.is_none() {
            ""
        } else {
            " (unfinished)"
        },
        c.bytes,
        c.turns.len(),
        i,
        c.latency_ms() as f64 / 1000.0
    )));
    s.push_str("</p>\n");
    for (n, turn) in c.turns.iter().enumerate() {
        s.push_str(&format!(
            "<details><summary>Turn {}{}: {}</summary>\n<p class=\"prompt\">{}</p>\n<pre>{}</pre>\n</details>\n",
            n + 1,
            if turn.automatic { " (automatic)" } else { "" },
            esc(&turn.ending),
            esc(&turn.prompt),
            esc(&turn.reply)
        ));
    }
    s.push_str("</div>\n</div>\n</section>\n");
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "
:root { color-scheme: light dark; --ink: #1c1b1a; --muted: #6b6560; --line: #ddd6cf; --pass: #1a7f37; --fail: #c62828; --bg: #faf8f6; }
@media (prefers-color-scheme: dark) { :root { --ink: #ece8e4; --muted: #a59d96; --line: #3a3531; --pass: #4ac26b; --fail: #ff7b72; --bg: #1b1917; } }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; font: 15px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
h1 { font-size: 1.4rem; margin: 0; } h2 { font-size: 1.05rem; margin: 0 0 0.4rem; }
.muted { color: var(--muted); }
.totals { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; margin: 1rem 0 1.5rem; }
.totals dt { font-size: 0.8rem; color: var(--muted); } .totals dd { margin: 0; font-size: 1.1rem; font-weight: 600; }
.case { border: 1px solid var(--line); border-left: 4px solid var(--pass); border-radius: 6px; padding: 0.8rem 1rem; margin: 0 0 1rem; }
.case.fail { border-left-color: var(--fail); }
.badge { font-size: 0.75rem; padding: 0.1rem 0.4rem; border-radius: 4px; color: #fff; background: var(--pass); vertical-align: middle; }
.fail .badge { background: var(--fail); }
.failure { color: var(--fail); margin: 0 0 0.5rem; }
.body { display: flex; gap: 1rem; flex-wrap: wrap; }
.shot { width: 320px; max-width: 100%; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.shot.none { height: 120px; display: flex; align-items: center; justify-content: center; color: var(--muted); background: transparent; }
.facts { flex: 1; min-width: 16rem; }
.checks { list-style: none; padding: 0; margin: 0 0 0.5rem; }
.checks .pass { color: var(--pass); } .checks .fail { color: var(--fail); } .checks .muted { color: var(--muted); }
details summary { cursor: pointer; color: var(--muted); }
pre { white-space: pre-wrap; word-break: break-word; max-height: 20rem; overflow: auto; font-size: 12px; border: 1px solid var(--line); padding: 0.5rem; border-radius: 4px; }
.prompt { font-style: italic; }
";
