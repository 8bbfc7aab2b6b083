//! Integration tests for `kiln-core`, in one binary so that linking happens once.
//!
//! - `fixtures`: recorded model replies with their expected artifacts, checked by one helper.
//! - `chunking`: any chunking of any fixture gives the same events and artifacts.
//! - `robustness`: no input makes the extractor or `apply_edit` panic.
//! - `prompt`: the system prompt's own examples extract to what they claim.
//! - `share`: share links round-trip, never panic, and v1 links keep decoding.

// Helpers outside `#[test]` functions should fail as loudly as the tests do on a broken fixture.
#![allow(clippy::unwrap_used)]

mod chunking;
mod fixtures;
mod prompt;
mod provider;
mod robustness;
mod share;
mod support;
