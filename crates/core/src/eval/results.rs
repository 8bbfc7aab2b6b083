//! What one eval run found: per case and attempt, the turns, the artifact, the checks; the
//! totals; and what changed between two runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::artifact::ArtifactKind;

/// One run of a suite, as saved in `results.json` (and read back to resume or recheck).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunRecord {
    /// The results format, for readers of old files.
    pub format: u32,
    /// `provider/model`, or what the run was checked again from.
    pub label: String,
    /// The suite folder as given.
    pub suite: String,
    /// Attempts per case.
    pub repeat: u32,
    /// Milliseconds since the Unix epoch when the run started.
    pub started_ms: u64,
    /// Per case and attempt, in the order they finished.
    pub cases: Vec<CaseResult>,
}

/// The current results format.
pub const RESULTS_FORMAT: u32 = 1;

/// One attempt at one case.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseResult {
    /// The case's name.
    pub case: String,
    /// Which attempt (from 1) when the suite runs more than once.
    pub attempt: u32,
    /// Each message and its reply: the saved generation, enough to check it again offline.
    pub turns: Vec<TurnRecord>,
    /// The kind the case expected.
    pub expected_kind: Option<ArtifactKind>,
    /// The artifact that was checked (the one the last reply wrote).
    pub artifact_id: Option<String>,
    pub kind: Option<ArtifactKind>,
    /// The artifact was complete (its reply did not stop in the middle of it).
    pub complete: bool,
    pub bytes: usize,
    /// The artifact rendered in the sandbox (its document loaded and shows something).
    pub rendered: bool,
    pub checks: Vec<CheckResult>,
    /// What stopped the case early (a provider error, the timeout), if anything did.
    pub error: Option<String>,
    /// The screenshot's file name beside `results.json`.
    pub screenshot: Option<String>,
    /// Milliseconds from the case's start to its end.
    pub elapsed_ms: u64,
}

/// One message of a case and what came back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TurnRecord {
    pub prompt: String,
    pub reply: String,
    /// How the reply ended, in the studio's words ("Done." when it finished).
    pub ending: String,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// From sending the request to the end of the reply.
    pub latency_ms: u64,
    /// From sending the request to the first text.
    pub first_text_ms: Option<u64>,
    /// The message was Kiln's automatic "your edit was not applied" follow-up.
    pub automatic: bool,
}

/// How one check went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckResult {
    /// What was checked, in words ([`super::Check::label`]).
    pub check: String,
    pub passed: bool,
    /// Why it failed; empty when it passed.
    pub detail: String,
}

impl CaseResult {
    /// The reply held an artifact of the expected kind.
    pub fn extracted(&self) -> bool {
        self.kind.is_some() && (self.expected_kind.is_none() || self.kind == self.expected_kind)
    }

    /// Every check passed (and there were some; nothing passes without rendering).
    pub fn passed(&self) -> bool {
        self.extracted()
            && self.rendered
            && self.error.is_none()
            && !self.checks.is_empty()
            && self.checks.iter().all(|c| c.passed)
    }

    /// The key this attempt is stored under: `name#attempt`.
    pub fn key(&self) -> String {
        format!("{}#{}", self.case, self.attempt)
    }

    /// What went wrong first, in one line, or `None` when the case passed.
    pub fn failure(&self) -> Option<String> {
        if self.passed() {
            return None;
        }
        if let Some(e) = &self.error {
            return Some(e.clone());
        }
        match (self.kind, self.expected_kind) {
            (None, _) => return Some("the reply had no artifact".to_owned()),
            (Some(k), Some(want)) if k != want => {
                return Some(format!("the artifact is {k}, not {want}"));
            }
            _ => {}
        }
        if !self.rendered {
            return Some("the artifact did not render".to_owned());
        }
        self.checks
            .iter()
            .find(|c| !c.passed)
            .map(|c| match c.detail.as_str() {
                "" => format!("failed: {}", c.check),
                d => format!("failed: {} ({d})", c.check),
            })
    }

    /// Tokens in and out over every turn, where the provider reported them.
    pub fn tokens(&self) -> (u64, u64) {
        self.turns.iter().fold((0, 0), |(i, o), t| {
            (
                i + t.input_tokens.unwrap_or(0),
                o + t.output_tokens.unwrap_or(0),
            )
        })
    }

    /// Time spent waiting for the model, over every turn.
    pub fn latency_ms(&self) -> u64 {
        self.turns.iter().map(|t| t.latency_ms).sum()
    }
}

/// What a provider charges, in US dollars per million tokens, when the person says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Prices {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

/// The numbers of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub attempts: usize,
    pub extracted: usize,
    pub rendered: usize,
    pub passed: usize,
    pub checks_passed: usize,
    pub checks: usize,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Mean model time per attempt.
    pub mean_latency_ms: u64,
    /// In US dollars, when prices were given and the provider reported usage.
    pub cost_usd: Option<f64>,
}

impl RunRecord {
    /// The totals, with the cost if `prices` are known.
    pub fn totals(&self, prices: Option<Prices>) -> Totals {
        let mut t = Totals {
            attempts: self.cases.len(),
            ..Totals::default()
        };
        let mut latency = 0;
        for c in &self.cases {
            t.extracted += usize::from(c.extracted());
            t.rendered += usize::from(c.extracted() && c.rendered);
            t.passed += usize::from(c.passed());
            t.checks += c.checks.len();
            t.checks_passed += c.checks.iter().filter(|k| k.passed).count();
            let (i, o) = c.tokens();
            t.input_tokens += i;
            t.output_tokens += o;
            latency += c.latency_ms();
        }
        t.mean_latency_ms = latency.checked_div(t.attempts as u64).unwrap_or(0);
        let reported = self
            .cases
            .iter()
            .flat_map(|c| &c.turns)
            .any(|t| t.input_tokens.is_some() || t.output_tokens.is_some());
        t.cost_usd = prices.filter(|_| reported).map(|p| {
            (t.input_tokens as f64 * p.input_per_mtok + t.output_tokens as f64 * p.output_per_mtok)
                / 1e6
        });
        t
    }

    /// The attempt stored under `key` (`name#attempt`).
    pub fn find(&self, key: &str) -> Option<&CaseResult> {
        self.cases.iter().find(|c| c.key() == key)
    }
}

impl Totals {
    /// One line: `12/32 passed · extracted 30 · rendered 29 · checks 80/96 · …`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{}/{} passed · extracted {} · rendered {} · checks {}/{} · {} tokens in, {} out · {:.1} s per case",
            self.passed,
            self.attempts,
            self.extracted,
            self.rendered,
            self.checks_passed,
            self.checks,
            self.input_tokens,
            self.output_tokens,
            self.mean_latency_ms as f64 / 1000.0
        );
        if let Some(c) = self.cost_usd {
            s.push_str(&format!(" · ${c:.4}"));
        }
        s
    }
}

/// How one case attempt differs between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseChange {
    pub key: String,
    /// Checks passed before and after, as `(passed, total)`.
    pub before: (usize, usize),
    pub after: (usize, usize),
    /// Why it fails now, when it does.
    pub failure: Option<String>,
}

/// What got better or worse from run A to run B.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub before: Totals,
    pub after: Totals,
    /// Passed in B, not in A.
    pub fixed: Vec<CaseChange>,
    /// Passed in A, not in B.
    pub broken: Vec<CaseChange>,
    /// Failing in both, but with more or fewer checks passing.
    pub shifted: Vec<CaseChange>,
    /// Attempts only one of the runs has.
    pub only_before: Vec<String>,
    pub only_after: Vec<String>,
}

/// Compares two runs attempt by attempt (`name#attempt`).
pub fn compare(a: &RunRecord, b: &RunRecord) -> Comparison {
    let index = |r: &RunRecord| -> BTreeMap<String, CaseResult> {
        r.cases.iter().map(|c| (c.key(), c.clone())).collect()
    };
    let (ia, ib) = (index(a), index(b));
    let score = |c: &CaseResult| (c.checks.iter().filter(|k| k.passed).count(), c.checks.len());
    let mut out = Comparison {
        before: a.totals(None),
        after: b.totals(None),
        ..Comparison::default()
    };
    for (key, ca) in &ia {
        let Some(cb) = ib.get(key) else {
            out.only_before.push(key.clone());
            continue;
        };
        let change = CaseChange {
            key: key.clone(),
            before: score(ca),
            after: score(cb),
            failure: cb.failure(),
        };
        match (ca.passed(), cb.passed()) {
            (false, true) => out.fixed.push(change),
            (true, false) => out.broken.push(change),
            (false, false) if change.before.0 != change.after.0 => out.shifted.push(change),
            _ => {}
        }
    }
    out.only_after = ib
        .keys()
        .filter(|k| !ia.contains_key(*k))
        .cloned()
        .collect();
    out
}

impl Comparison {
    /// The comparison as a person reads it in a terminal.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "before: {}\nafter:  {}\n",
            self.before.line(),
            self.after.line()
        );
        let list = |s: &mut String, title: &str, items: &[CaseChange]| {
            if items.is_empty() {
                return;
            }
            s.push_str(&format!("\n{title} ({}):\n", items.len()));
            for c in items {
                s.push_str(&format!(
                    "  {}  checks {}/{} → {}/{}",
                    c.key, c.before.0, c.before.1, c.after.0, c.after.1
                ));
                if let Some(f) = &c.failure {
                    s.push_str(&format!("  — {f}"));
                }
                s.push('\n');
            }
        };
        list(&mut s, "fixed", &self.fixed);
        list(&mut s, "broken", &self.broken);
        list(&mut s, "changed, still failing", &self.shifted);
        if !self.only_before.is_empty() {
            s.push_str(&format!("\nonly before: {}\n", self.only_before.join(", ")));
        }
        if !self.only_after.is_empty() {
            s.push_str(&format!("\nonly after: {}\n", self.only_after.join(", ")));
        }
        if self.fixed.is_empty() && self.broken.is_empty() && self.shifted.is_empty() {
            s.push_str("\nno case changed\n");
        }
        s
    }
}
