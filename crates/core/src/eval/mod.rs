//! `kiln eval`'s pure half: the prompt-suite format, the checks run inside a rendered
//! artifact, the results, their totals and comparison, and the HTML report.
//!
//! A suite is a folder of TOML files, one case each (format in `examples/eval/README.md`).
//! The edge (the `kiln` binary) generates each case with a provider, renders the artifact in
//! headless Chromium through the studio's own sandbox, runs [`Check::script`] in the artifact's
//! frame and keeps the answers as [`CaseResult`]s; everything that decides what passed, what
//! changed between two runs and what the report shows is here, where it is tested natively.

mod report;
mod results;

use serde::{Deserialize, Serialize};

use crate::artifact::{ArtifactKind, ArtifactSet};
use crate::extract::Extractor;

pub use report::report_html;
pub use results::{
    CaseChange, CaseResult, CheckResult, Comparison, Prices, RESULTS_FORMAT, RunRecord, Totals,
    TurnRecord, compare,
};

/// The longest a case may ask for (render and checks), so a typo cannot park a run.
pub const MAX_TIMEOUT_SECONDS: u32 = 600;
/// The time a case gets for rendering and checks when it names none.
pub const DEFAULT_TIMEOUT_SECONDS: u32 = 20;
/// How long a `click` check waits for its text to appear.
pub const CLICK_WAIT_MS: u32 = 1_000;

/// One case of a suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// The file name without `.toml`; unique in its suite.
    pub name: String,
    /// The first message.
    pub prompt: String,
    /// The kind of artifact the case expects.
    pub kind: ArtifactKind,
    /// Messages sent after the first reply, one per turn, as edits of what exists.
    pub follow_ups: Vec<String>,
    /// The time rendering and checks get.
    pub timeout_seconds: u32,
    /// What must hold in the rendered artifact, in order.
    pub checks: Vec<Check>,
}

/// A check run in the artifact's page after it renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Check {
    /// Nothing reached the Console tab as an error (console.error, uncaught errors, unhandled
    /// rejections, resources that failed) while the case ran.
    NoConsoleErrors,
    /// An element matches `selector`.
    Exists { selector: String },
    /// The text of `selector` (the body when absent) contains `contains`.
    Text {
        #[serde(default)]
        selector: Option<String>,
        contains: String,
    },
    /// Clicking `selector` makes `then_text` appear in `then_selector` (the body when absent)
    /// within [`CLICK_WAIT_MS`].
    Click {
        selector: String,
        #[serde(default)]
        then_selector: Option<String>,
        then_text: String,
    },
    /// A JS function body, run in the artifact's page; passes when it returns (or resolves
    /// to) `true`.
    Js {
        #[serde(default)]
        description: Option<String>,
        script: String,
    },
}

/// What is wrong with a case file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuiteError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("the suite has two cases named {0:?}")]
    Duplicate(String),
    #[error("the suite has no cases (no .toml files)")]
    Empty,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    prompt: String,
    kind: String,
    #[serde(default)]
    follow_ups: Vec<String>,
    #[serde(default)]
    timeout_seconds: Option<u32>,
    #[serde(default)]
    check: Vec<Check>,
}

/// Reads one case file; `name` is the file name without `.toml`.
pub fn parse_case(name: &str, text: &str) -> Result<Case, SuiteError> {
    let invalid = |message: String| SuiteError::Invalid {
        file: format!("{name}.toml"),
        message,
    };
    let file: CaseFile = toml::from_str(text).map_err(|e| invalid(e.message().to_owned()))?;
    let kind = ArtifactKind::parse(&file.kind)
        .ok_or_else(|| invalid(format!("unknown kind {:?}", file.kind)))?;
    if file.prompt.trim().is_empty() {
        return Err(invalid("the prompt is empty".to_owned()));
    }
    if file.follow_ups.iter().any(|f| f.trim().is_empty()) {
        return Err(invalid("a follow-up is empty".to_owned()));
    }
    if file.check.is_empty() {
        return Err(invalid(
            "the case has no [[check]]: without one it cannot fail".to_owned(),
        ));
    }
    for check in &file.check {
        check.validate().map_err(|m| invalid(m.to_owned()))?;
    }
    let timeout_seconds = file.timeout_seconds.unwrap_or(DEFAULT_TIMEOUT_SECONDS);
    if !(1..=MAX_TIMEOUT_SECONDS).contains(&timeout_seconds) {
        return Err(invalid(format!(
            "timeout_seconds must be 1 to {MAX_TIMEOUT_SECONDS}"
        )));
    }
    Ok(Case {
        name: name.to_owned(),
        prompt: file.prompt,
        kind,
        follow_ups: file.follow_ups,
        timeout_seconds,
        checks: file.check,
    })
}

/// Orders a suite's cases by name and refuses duplicates.
pub fn suite(mut cases: Vec<Case>) -> Result<Vec<Case>, SuiteError> {
    if cases.is_empty() {
        return Err(SuiteError::Empty);
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(w) = cases.windows(2).find(|w| w[0].name == w[1].name) {
        return Err(SuiteError::Duplicate(w[0].name.clone()));
    }
    Ok(cases)
}

impl Check {
    fn validate(&self) -> Result<(), &'static str> {
        let blank = |s: &str| s.trim().is_empty();
        match self {
            Check::NoConsoleErrors => Ok(()),
            Check::Exists { selector } if blank(selector) => Err("an exists check has no selector"),
            Check::Click { selector, .. } if blank(selector) => {
                Err("a click check has no selector")
            }
            Check::Text { contains, .. } if contains.is_empty() => {
                Err("a text check has nothing in contains")
            }
            Check::Js { script, .. } if blank(script) => Err("a js check has no script"),
            _ => Ok(()),
        }
    }

    /// What the check asks, in a few words, for reports.
    pub fn label(&self) -> String {
        match self {
            Check::NoConsoleErrors => "no console errors".to_owned(),
            Check::Exists { selector } => format!("{selector} exists"),
            Check::Text { selector, contains } => format!(
                "{} contains {contains:?}",
                selector.as_deref().unwrap_or("the page")
            ),
            Check::Click {
                selector,
                then_selector,
                then_text,
            } => format!(
                "clicking {selector} shows {then_text:?} in {}",
                then_selector.as_deref().unwrap_or("the page")
            ),
            Check::Js {
                description: Some(d),
                ..
            } => d.clone(),
            Check::Js { script, .. } => format!("js: {}", clip(script, 60)),
        }
    }

    /// The script to run with WebDriver's *Execute Async Script* in the artifact's frame. It
    /// always calls back with `{ pass, detail }`: a check that throws fails with the error.
    /// [`Check::NoConsoleErrors`] has none: it is judged from the studio's Console tab.
    pub fn script(&self) -> Option<String> {
        let q = |s: &str| serde_json::Value::String(s.to_owned()).to_string();
        let opt = |s: &Option<String>| s.as_deref().map_or("null".to_owned(), q);
        let body = match self {
            Check::NoConsoleErrors => return None,
            Check::Exists { selector } => format!(
                "const el = document.querySelector({s});\n\
                 return {{ pass: !!el, detail: el ? '' : 'nothing matches ' + {s} }};",
                s = q(selector)
            ),
            Check::Text { selector, contains } => format!(
                "const t = text({sel});\n\
                 const pass = t !== null && t.includes({c});\n\
                 return {{ pass, detail: pass ? '' : t === null ? 'nothing matches ' + {sel} : 'the text is ' + JSON.stringify(t.slice(0, 200)) }};",
                sel = opt(selector),
                c = q(contains)
            ),
            Check::Click {
                selector,
                then_selector,
                then_text,
            } => format!(
                "const el = document.querySelector({s});\n\
                 if (!el) return {{ pass: false, detail: 'nothing to click matches ' + {s} }};\n\
                 el.click();\n\
                 const until = Date.now() + {CLICK_WAIT_MS};\n\
                 for (;;) {{\n\
                   const t = text({then});\n\
                   if (t !== null && t.includes({want})) return {{ pass: true, detail: '' }};\n\
                   if (Date.now() > until) return {{ pass: false, detail: t === null ? 'nothing matches ' + {then} : 'after the click the text is ' + JSON.stringify(t.slice(0, 200)) }};\n\
                   await new Promise((r) => setTimeout(r, 50));\n\
                 }}",
                s = q(selector),
                then = opt(then_selector),
                want = q(then_text)
            ),
            Check::Js { script, .. } => format!(
                "const result = await (async () => {{\n{script}\n}})();\n\
                 return {{ pass: result === true, detail: result === true ? '' : 'it returned ' + String(JSON.stringify(result) ?? result) }};"
            ),
        };
        Some(format!(
            "const done = arguments[arguments.length - 1];\n\
             const text = (sel) => {{ const el = sel === null ? document.body : document.querySelector(sel); return el ? (el.innerText ?? el.textContent ?? '') : null; }};\n\
             (async () => {{\n{body}\n}})().then((r) => done(r), (e) => done({{ pass: false, detail: 'the check threw: ' + String(e && e.message || e) }}));"
        ))
    }
}

/// Judges [`Check::NoConsoleErrors`] from the error lines the Console tab showed.
pub fn console_check(errors: &[String]) -> CheckResult {
    CheckResult {
        check: Check::NoConsoleErrors.label(),
        passed: errors.is_empty(),
        detail: match errors {
            [] => String::new(),
            [one] => clip(one, 300),
            [first, rest @ ..] => format!("{} (and {} more)", clip(first, 300), rest.len()),
        },
    }
}

/// The artifacts a conversation leaves, replayed from its replies with the extractor (as the
/// studio's session does), and the artifact the last reply wrote or, failing that, the one the
/// studio would show. This is how saved generations are checked again without the model.
pub fn replay_replies<'a>(
    replies: impl IntoIterator<Item = &'a str>,
) -> (ArtifactSet, Option<String>) {
    let mut set = ArtifactSet::new();
    let mut last_written = None;
    for reply in replies {
        let mut extractor = Extractor::with_artifacts(set);
        extractor.feed(reply);
        extractor.finish();
        if let Some(v) = extractor.versions().last() {
            last_written = Some(v.id.clone());
        }
        set = extractor.into_set();
    }
    let shown = last_written
        .filter(|id| set.get(id).is_some())
        .or_else(|| set.iter().last().map(|h| h.id().to_owned()));
    (set, shown)
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests;
