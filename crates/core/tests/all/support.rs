//! Loading fixtures and running the extractor over chunks, shared by the test modules.

// Reading the fixture files is what these helpers are for; the rule against `std::fs` is for
// the library.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kiln_core::artifact::ArtifactSet;
use kiln_core::extract::{Event, ExtractReport, Extractor};

/// One recorded reply: `NAME.reply.txt`, an optional earlier turn `NAME.seed.txt` whose
/// artifacts the reply builds on, and `NAME.expected.json`.
#[derive(Debug)]
pub struct Fixture {
    pub name: String,
    pub reply: String,
    pub seed: Option<String>,
    pub expected: PathBuf,
}

pub fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture, sorted by name, read once per test binary.
pub fn fixtures() -> &'static [Fixture] {
    static ALL: OnceLock<Vec<Fixture>> = OnceLock::new();
    ALL.get_or_init(|| {
        let dir = fixture_dir();
        let mut all: Vec<Fixture> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|entry| {
                let path = entry.unwrap().path();
                let file = path.file_name()?.to_str()?.to_owned();
                let name = file.strip_suffix(".reply.txt")?.to_owned();
                let seed_path = dir.join(format!("{name}.seed.txt"));
                Some(Fixture {
                    reply: std::fs::read_to_string(&path).unwrap(),
                    seed: seed_path
                        .exists()
                        .then(|| std::fs::read_to_string(&seed_path).unwrap()),
                    expected: dir.join(format!("{name}.expected.json")),
                    name,
                })
            })
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    })
}

/// The conversation's artifacts after the seed turn, if there is one.
pub fn seed_set(seed: Option<&str>) -> ArtifactSet {
    let mut ex = Extractor::new();
    if let Some(seed) = seed {
        ex.feed(seed);
        ex.finish();
    }
    ex.into_set()
}

/// Everything one run produced: all events in order, and the final report.
#[derive(Debug, PartialEq)]
pub struct Run {
    pub events: Vec<Event>,
    pub report: ExtractReport,
}

/// Feeds `chunks` in order, also checking on the way that each live preview of a wrapped
/// artifact is a prefix of what that artifact finally holds.
pub fn run_chunks<'a>(seed: &ArtifactSet, chunks: impl IntoIterator<Item = &'a str>) -> Run {
    let mut ex = Extractor::with_artifacts(seed.clone());
    let mut events = Vec::new();
    let mut previews = Vec::new();
    for chunk in chunks {
        events.extend_from_slice(ex.feed(chunk));
        if let Some(p) = ex.current()
            && !p.candidate
        {
            previews.push((p.index, format!("{}{}", p.artifact.content, p.tail)));
        }
    }
    events.extend_from_slice(ex.finish());
    let report = ex.report();
    for (index, preview) in previews {
        let fin = &report.artifacts[index].content;
        assert!(
            fin.starts_with(&preview),
            "preview of artifact {index} is not a prefix of its content:\n{preview:?}\nvs\n{fin:?}"
        );
    }
    Run { events, report }
}

/// Like [`run_chunks`] through the byte feeder.
pub fn run_byte_chunks<'a>(seed: &ArtifactSet, chunks: impl IntoIterator<Item = &'a [u8]>) -> Run {
    let mut ex = Extractor::with_artifacts(seed.clone());
    let mut events = Vec::new();
    for chunk in chunks {
        events.extend_from_slice(ex.feed_bytes(chunk));
    }
    events.extend_from_slice(ex.finish());
    Run {
        events,
        report: ex.report(),
    }
}

/// Cuts `text` at the given positions, each moved down to a character boundary.
pub fn split_at_chars<'a>(text: &'a str, cuts: &[usize]) -> Vec<&'a str> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| {
            let mut p = c % (text.len() + 1);
            while !text.is_char_boundary(p) {
                p -= 1;
            }
            p
        })
        .collect();
    points.sort_unstable();
    points.dedup();
    let mut chunks = Vec::new();
    let mut at = 0;
    for p in points {
        chunks.push(&text[at..p]);
        at = p;
    }
    chunks.push(&text[at..]);
    chunks
}

/// Cuts bytes at the given positions, anywhere, including inside a character.
pub fn split_bytes<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|&c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    points.dedup();
    let mut chunks = Vec::new();
    let mut at = 0;
    for p in points {
        chunks.push(&bytes[at..p]);
        at = p;
    }
    chunks.push(&bytes[at..]);
    chunks
}
