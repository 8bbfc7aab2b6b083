//! The data-driven fixture test: each recorded reply against its expected artifacts.
//!
//! Expected files hold the `kiln extract` record plus the history key and version of each
//! artifact and any edit rejections. They were written by running with `KILN_BLESS=1` and then
//! read through by hand; on a mismatch, rerun with `KILN_BLESS=1` and review the diff in git
//! before keeping it.

#![allow(clippy::disallowed_methods)] // writes blessed expectations

use kiln_core::artifact::Artifact;
use serde::Serialize;

use super::support::{Fixture, fixtures, run_chunks, seed_set};

/// An expected file: the record's artifacts in record field order, then the history key and
/// version of each, then rejections as the messages a model would be sent.
#[derive(Serialize)]
struct Expected<'a> {
    artifacts: &'a [Artifact],
    versions: Vec<String>,
    rejections: Vec<String>,
}

/// What a fixture run produced, rendered as its expected file.
fn render(fixture: &Fixture) -> String {
    let seed = seed_set(fixture.seed.as_deref());
    let run = run_chunks(&seed, [fixture.reply.as_str()]);
    let expected = Expected {
        artifacts: &run.report.artifacts,
        versions: run
            .report
            .versions
            .iter()
            .map(|r| format!("{} v{}", r.id, r.version))
            .collect(),
        rejections: run
            .report
            .rejections
            .iter()
            .map(ToString::to_string)
            .collect(),
    };
    serde_json::to_string_pretty(&expected).unwrap() + "\n"
}

/// The one check every fixture goes through: actual output against the expected file.
fn check(fixture: &Fixture, expected: Option<&str>) -> Result<(), String> {
    let actual = render(fixture);
    if expected == Some(actual.as_str()) {
        return Ok(());
    }
    if std::env::var_os("KILN_BLESS").is_some() {
        std::fs::write(&fixture.expected, &actual).unwrap();
        return Ok(());
    }
    Err(format!(
        "fixture {} differs from {}:\n--- expected\n{}\n--- actual\n{actual}",
        fixture.name,
        fixture.expected.display(),
        expected.unwrap_or("(missing)")
    ))
}

#[test]
fn every_fixture_matches_its_expected_artifacts() {
    let all = fixtures();
    assert!(all.len() >= 40, "only {} fixtures", all.len());
    let failures: Vec<String> = all
        .iter()
        .filter_map(|f| {
            let expected = std::fs::read_to_string(&f.expected).ok();
            check(f, expected.as_deref()).err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}
