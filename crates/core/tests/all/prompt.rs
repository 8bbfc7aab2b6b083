//! The system prompt teaches by example, so its examples must extract to exactly what the
//! prompt says they do.

use kiln_core::artifact::ArtifactKind;
use kiln_core::extract::extract_reply;
use kiln_core::protocol::{EXAMPLE_CODE, EXAMPLE_CREATE, EXAMPLE_EDIT, SYSTEM_PROMPT};

#[test]
fn create_example_is_one_complete_html_artifact() {
    let report = extract_reply(EXAMPLE_CREATE);
    assert_eq!(report.artifacts.len(), 1);
    let a = &report.artifacts[0];
    assert_eq!(a.id.as_deref(), Some("click-counter"));
    assert_eq!(a.kind, ArtifactKind::Html);
    assert_eq!(a.title.as_deref(), Some("Click counter"));
    assert!(a.complete);
    assert!(a.content.starts_with("<!DOCTYPE html>\n"));
    assert!(a.content.ends_with("</html>\n"));
}

#[test]
fn edit_example_applies_to_the_create_example() {
    let report = extract_reply(&format!("{EXAMPLE_CREATE}\n{EXAMPLE_EDIT}"));
    assert!(report.rejections.is_empty(), "{:?}", report.rejections);
    assert_eq!(report.versions[1].version, 2);
    let edited = &report.artifacts[1].content;
    assert!(edited.contains("    clicks += 2;\n"));
    assert!(edited.contains("background: #2e7d32; color: white;"));
    assert_eq!(
        edited.len(),
        report.artifacts[0].content.len() + "background: #2e7d32; color: white; ".len()
    );
}

#[test]
fn code_example_has_its_language() {
    let report = extract_reply(EXAMPLE_CODE);
    let a = &report.artifacts[0];
    assert_eq!(a.kind, ArtifactKind::Code);
    assert_eq!(a.language.as_deref(), Some("python"));
}

#[test]
fn the_whole_prompt_extracts_to_its_examples_and_nothing_else() {
    let report = extract_reply(&SYSTEM_PROMPT);
    let versions: Vec<String> = report
        .versions
        .iter()
        .map(|r| format!("{} v{}", r.id, r.version))
        .collect();
    assert_eq!(
        versions,
        ["click-counter v1", "click-counter v2", "word-count v1"]
    );
    assert!(report.rejections.is_empty());
    assert!(report.artifacts.iter().all(|a| a.complete));
}
