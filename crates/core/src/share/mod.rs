//! Share links: a whole artifact in the fragment of a URL (`https://host/#2…`), so that no
//! server ever receives or stores it and a link never expires.
//!
//! A link's payload is a version character (`2`; `1` for older links), then the bytes (a flags
//! byte with the kind, the body length, a checksum, the compressed body: module `format`, the
//! same in both versions) written with a 75-character fragment-safe alphabet (module `text`).
//! The body is compressed by a small context-mixing coder trained on a built-in dictionary of
//! web-app text (module `coder`; v1 and v2 differ only in model and dictionary), chosen by
//! measurement: BENCHMARKS.md ("Share links") and docs/share-links.md have the numbers and
//! the byte layout.
//!
//! Links come from anywhere, so [`decode_link`] treats its input as hostile: the text is capped
//! before any work, the body length is capped before decompressing and the decompressor cannot
//! produce more than the declared length, every field is checked (version, kind, flags,
//! lengths, checksum, UTF-8, nothing left over), and each failure is a [`ShareError`] whose
//! message the page can show as it is. Nothing here panics on any input. The version character
//! comes first and is read before anything else, so a later format can change everything after
//! it while older links keep opening.
//!
//! There is no field for API keys, settings or conversation history: a link holds one artifact
//! and, only if the person chose to include it, the prompt that made it.

mod coder;
mod format;
mod short;
mod text;

pub use short::{short_link_id, valid_short_link_id};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::artifact::{Artifact, ArtifactKind};
use crate::extract::report::format_size;

/// The version character that starts every link this code writes. Links of every earlier
/// version (`1`) keep decoding.
pub const FORMAT_VERSION: char = '2';

/// Links longer than this (the whole URL, in bytes) may be cut by some chat apps and mail
/// clients; the page and `kiln share` warn above it.
pub const LINK_WARN_BYTES: usize = 32 * 1024;

/// The longest payload (the part after `#`) that [`decode_link`] reads. Browsers accept URLs of
/// about 2 MB; every body within [`MAX_BODY_BYTES`] encodes to less than this.
pub const MAX_LINK_BYTES: usize = 2 * 1024 * 1024;

/// The largest body (content plus title, language and prompt, uncompressed) a link may hold.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a share link carries: one artifact, and optionally the prompt that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedArtifact {
    /// What the artifact is, which decides how the page shows or runs it.
    pub kind: ArtifactKind,
    /// The artifact's title, if it has one.
    pub title: Option<String>,
    /// The source language, for code (and for other kinds when one was named).
    pub language: Option<String>,
    /// The artifact's text.
    pub content: String,
    /// The prompt that produced it, only when the person chose to share it.
    pub prompt: Option<String>,
}

impl SharedArtifact {
    /// An artifact of `kind` with `content` and no title, language or prompt.
    pub fn new(kind: ArtifactKind, content: impl Into<String>) -> Self {
        Self {
            kind,
            title: None,
            language: None,
            content: content.into(),
            prompt: None,
        }
    }
}

impl From<&Artifact> for SharedArtifact {
    /// The shareable part of an artifact: no id (it names a place in one person's history) and
    /// no prompt (that is opt-in).
    fn from(artifact: &Artifact) -> Self {
        Self {
            kind: artifact.kind,
            title: artifact.title.clone(),
            language: artifact.language.clone(),
            content: artifact.content.clone(),
            prompt: None,
        }
    }
}

/// Why a link could not be made or read. Messages are meant to be shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ShareError {
    /// The artifact is larger than [`MAX_BODY_BYTES`], so no link is made.
    #[error("cannot make a share link: content is {}", versus(*bytes, MAX_BODY_BYTES))]
    ContentTooLarge {
        /// The body size: content plus title, language and prompt.
        bytes: usize,
    },
    /// There is nothing to decode: no `#` part, or an empty one.
    #[error("invalid share link: there is no artifact after the #")]
    Empty,
    /// The payload is longer than [`MAX_LINK_BYTES`]; it was not read.
    #[error("invalid share link: payload is {}", versus(*bytes, MAX_LINK_BYTES))]
    LinkTooLong {
        /// The payload's length in bytes.
        bytes: usize,
    },
    /// The payload starts with a version this code does not know.
    #[error(
        "invalid share link: format version {version:?} is not supported (made by a newer Kiln?)"
    )]
    UnsupportedVersion {
        /// The first character of the payload.
        version: char,
    },
    /// A character that links never contain (often a sign of a bad copy and paste).
    #[error("invalid share link: character {character:?} at position {position} is not allowed")]
    BadCharacter {
        /// The character.
        character: char,
        /// Where it is, counting the payload's characters from 1.
        position: usize,
    },
    /// The text has an impossible length or value: characters were lost or changed.
    #[error("invalid share link: the text is damaged (characters missing or changed)")]
    Damaged,
    /// The link ends before its data does.
    #[error("invalid share link: the link is cut short")]
    Truncated,
    /// A length field is written in a form the encoder never uses.
    #[error("invalid share link: a length field is malformed")]
    BadLength,
    /// A flag bit this version does not define is set.
    #[error("invalid share link: unknown flags {flags:#04x} (made by a newer Kiln?)")]
    UnknownFlags {
        /// The flags byte.
        flags: u8,
    },
    /// The kind number is not one this version defines.
    #[error("invalid share link: unknown artifact kind {number}")]
    UnknownKind {
        /// The kind number.
        number: u8,
    },
    /// The declared body is larger than [`MAX_BODY_BYTES`]; it was not decompressed.
    #[error("invalid share link: content is {}", versus(*bytes, MAX_BODY_BYTES))]
    BodyTooLarge {
        /// The declared body length.
        bytes: usize,
    },
    /// The decoded content does not match the link's checksum: it was cut or changed.
    #[error("invalid share link: the link is damaged or cut short (checksum mismatch)")]
    Checksum,
    /// Data follows the end of the artifact.
    #[error("invalid share link: unexpected data after the end of the artifact")]
    TrailingData,
    /// This build fetches the codec's dictionary at run time and does not have it (yet).
    #[error(
        "share links are not available: the link dictionary ({DICTIONARY_FILE}) could not be loaded"
    )]
    NoDictionary,
    /// A field's length runs past the end of the body.
    #[error("invalid share link: the {field} runs past the end of the data")]
    FieldTooLong {
        /// Which field: `title`, `language` or `prompt`.
        field: &'static str,
    },
    /// A field is not UTF-8 text.
    #[error("invalid share link: the {field} is not valid UTF-8")]
    InvalidUtf8 {
        /// Which field: `title`, `language`, `prompt` or `content`.
        field: &'static str,
    },
}

/// `3 MiB, limit is 1 MiB`; or `over the 2 MiB limit` where rounding would show two equal sizes.
fn versus(bytes: usize, limit: usize) -> String {
    let (size, limit) = (format_size(bytes), format_size(limit));
    if size == limit {
        format!("over the {limit} limit")
    } else {
        format!("{size}, limit is {limit}")
    }
}

/// The file name the studio page fetches the codecs' dictionary from, beside its other assets
/// (named by the dictionary's fingerprint, so it can be cached for good). It holds the v1
/// dictionary followed by what v2 adds, so one file serves both versions.
pub const DICTIONARY_FILE: &str = "share-dictionary-4a320278127a1af6.bin";

/// The codecs' dictionary file, for the bundle build to write as [`DICTIONARY_FILE`].
#[cfg(feature = "builtin-dictionary")]
pub fn builtin_dictionary() -> Vec<u8> {
    coder::dictionary_file()
}

/// Whether links can be made and read now: always with the `builtin-dictionary` feature,
/// otherwise once [`load_dictionary`] accepted the dictionary.
pub fn dictionary_ready() -> bool {
    coder::dictionary_ready()
}

/// Hands in the codec's dictionary (the bytes of [`DICTIONARY_FILE`]) in a build without the
/// `builtin-dictionary` feature. Bytes that are not exactly that file are refused.
pub fn load_dictionary(bytes: Vec<u8>) -> Result<(), ShareError> {
    if coder::load_dictionary(bytes) {
        Ok(())
    } else {
        Err(ShareError::NoDictionary)
    }
}

/// Trains the model that links of `version` use on up to `budget` more bytes of its
/// dictionary; `Ok(true)` once it is ready. The first link of a version otherwise trains it all
/// at once (v2: about 89 KB, 0.7 s in the page), so the page calls this in slices between
/// frames first. Trained models are kept, so this is needed once per process and version.
pub fn prepare(version: char, budget: usize) -> Result<bool, ShareError> {
    let codec = codec_of(version)?;
    coder::prepare(codec, budget).ok_or(ShareError::NoDictionary)
}

fn codec_of(version: char) -> Result<coder::Codec, ShareError> {
    match version {
        '1' => Ok(coder::Codec::V1),
        '2' => Ok(coder::Codec::V2),
        _ => Err(ShareError::UnsupportedVersion { version }),
    }
}

/// The payload of a share link for `artifact`: the part after `#`, without the `#`.
pub fn encode_link(artifact: &SharedArtifact) -> Result<String, ShareError> {
    encode_link_as(artifact, FORMAT_VERSION)
}

/// The payload of a link of an older format `version`, which every Kiln still reads: for tests
/// and benchmarks that compare versions. The page and the CLI write [`FORMAT_VERSION`].
pub fn encode_link_as(artifact: &SharedArtifact, version: char) -> Result<String, ShareError> {
    let codec = codec_of(version)?;
    let (mut flags, body) = format::flags_and_body(artifact);
    if body.len() > MAX_BODY_BYTES {
        return Err(ShareError::ContentTooLarge { bytes: body.len() });
    }
    // Tiny or incompressible bodies are stored as they are when that is shorter.
    let packed = coder::encode(codec, &body).ok_or(ShareError::NoDictionary)?;
    let data = if packed.len() < body.len() {
        packed.as_slice()
    } else {
        flags |= format::STORED;
        body.as_slice()
    };
    let mut bytes = Vec::with_capacity(data.len() + 6);
    bytes.push(flags);
    format::put_varint(&mut bytes, body.len());
    bytes.extend_from_slice(&format::check(&body).to_le_bytes());
    bytes.extend_from_slice(data);

    let mut link = String::with_capacity(1 + text::encoded_len(bytes.len()));
    link.push(version);
    text::encode_into(&bytes, &mut link);
    Ok(link)
}

/// `base` with its fragment replaced by `payload`: `share_url("http://h/", "1abc")` is
/// `http://h/#1abc`.
pub fn share_url(base: &str, payload: &str) -> String {
    let base = base.split('#').next().unwrap_or(base);
    format!("{base}#{payload}")
}

/// Reads a share link: the payload alone, `#` and the payload, or a whole URL.
///
/// White space anywhere is ignored (mail clients wrap long links) and a percent-encoded payload
/// is accepted (some apps escape characters they need not).
pub fn decode_link(link: &str) -> Result<SharedArtifact, ShareError> {
    let mut opening = Opening::start(link)?;
    loop {
        if let Some(done) = opening.step(usize::MAX) {
            return done;
        }
    }
}

/// A link being read a slice at a time, so that the page never freezes on a long one (a link
/// of a few hundred bytes may declare a 1 MiB body of something very predictable, which takes
/// seconds to decode in wasm). [`Opening::start`] makes every check that comes before decoding;
/// [`Opening::step`] decodes up to a budget and gives the artifact, or why not, at the end.
/// [`decode_link`] is the same in one go.
pub struct Opening {
    flags: u8,
    kind: ArtifactKind,
    check: u16,
    body: Body,
}

enum Body {
    Stored(Vec<u8>),
    Coded(coder::Decoding),
    /// The answer was given.
    Finished,
}

impl Opening {
    /// Parses `link` (as [`decode_link`] takes it) up to the coded body: the text, the version,
    /// the header and the size limits. Trains the link version's model first if that was not
    /// done (see [`prepare`]).
    pub fn start(link: &str) -> Result<Self, ShareError> {
        let payload = match link.split_once('#') {
            Some((_, fragment)) => fragment,
            None if looks_like_url(link.trim_start()) => return Err(ShareError::Empty),
            None => link,
        };
        if payload.len() > MAX_LINK_BYTES {
            return Err(ShareError::LinkTooLong {
                bytes: payload.len(),
            });
        }
        let payload = clean(payload)?;
        let mut chars = payload.chars();
        let version = chars.next().ok_or(ShareError::Empty)?;
        let codec = codec_of(version)?;
        let encoded = chars.as_str();
        let bytes = text::decode(encoded).map_err(|e| match e {
            text::TextError::Character { offset } => {
                let at = payload.len() - encoded.len() + offset;
                ShareError::BadCharacter {
                    character: payload[at..].chars().next().unwrap_or('?'),
                    position: payload[..at].chars().count() + 1,
                }
            }
            text::TextError::Length | text::TextError::Group => ShareError::Damaged,
        })?;
        let header = format::read_header(&bytes)?;
        let body = if header.flags & format::STORED != 0 {
            match header.data.len().cmp(&header.body_len) {
                std::cmp::Ordering::Less => return Err(ShareError::Truncated),
                std::cmp::Ordering::Greater => return Err(ShareError::TrailingData),
                std::cmp::Ordering::Equal => Body::Stored(header.data.to_vec()),
            }
        } else {
            Body::Coded(
                coder::Decoding::start(codec, header.data.to_vec(), header.body_len)
                    .map_err(coded_error)?,
            )
        };
        Ok(Self {
            flags: header.flags,
            kind: header.kind,
            check: header.check,
            body,
        })
    }

    /// The artifact's kind, known from the header before anything is decoded.
    pub fn kind(&self) -> ArtifactKind {
        self.kind
    }

    /// Bytes of the body decoded so far, and the body's declared size.
    pub fn progress(&self) -> (usize, usize) {
        match &self.body {
            Body::Stored(bytes) => (bytes.len(), bytes.len()),
            Body::Coded(decoding) => decoding.progress(),
            Body::Finished => (0, 0),
        }
    }

    /// Decodes up to `budget` more bytes of the body: `None` while there is more, then the
    /// artifact or the reason it cannot be read. Asked again after that, it has nothing left
    /// to read and says the link is cut short.
    pub fn step(&mut self, budget: usize) -> Option<Result<SharedArtifact, ShareError>> {
        let body = match &mut self.body {
            Body::Stored(bytes) => Ok(std::mem::take(bytes)),
            Body::Coded(decoding) => decoding.step(budget)?.map_err(coded_error),
            Body::Finished => Err(ShareError::Truncated),
        };
        self.body = Body::Finished;
        Some(body.and_then(|body| {
            if format::check(&body) != self.check {
                return Err(ShareError::Checksum);
            }
            format::read_body(self.flags, self.kind, &body)
        }))
    }
}

fn coded_error(e: coder::DecodeError) -> ShareError {
    match e {
        coder::DecodeError::Truncated => ShareError::Truncated,
        coder::DecodeError::Trailing => ShareError::TrailingData,
        coder::DecodeError::NoDictionary => ShareError::NoDictionary,
    }
}

/// True for `scheme://…`. A payload never looks like that: it starts with a version character
/// and the data after it, so its "scheme" would be one character long.
fn looks_like_url(text: &str) -> bool {
    text.split_once("://").is_some_and(|(scheme, _)| {
        scheme.len() >= 2
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// The payload without white space and with percent-escapes decoded. A `%` that does not start
/// an escape is reported as a bad character.
fn clean(payload: &str) -> Result<String, ShareError> {
    let mut out = String::with_capacity(payload.len());
    let mut rest = payload.char_indices().filter(|(_, c)| !c.is_whitespace());
    while let Some((at, c)) = rest.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let hex = |d: Option<(usize, char)>| d.and_then(|(_, d)| d.to_digit(16));
        match (hex(rest.next()), hex(rest.next())) {
            (Some(hi), Some(lo)) => match char::from_u32(hi * 16 + lo).filter(char::is_ascii) {
                Some(decoded) => out.push(decoded),
                None => return Err(bad_percent(payload, at)),
            },
            _ => return Err(bad_percent(payload, at)),
        }
    }
    Ok(out)
}

fn bad_percent(payload: &str, at: usize) -> ShareError {
    ShareError::BadCharacter {
        character: '%',
        position: payload[..at].chars().count() + 1,
    }
}

/// The kind (and language) a file's name suggests: `.html`/`.htm` → html, `.svg`, `.md` →
/// markdown, `.mmd`/`.mermaid` → mermaid, `.jsx`/`.tsx` → react, anything else → code in the
/// language its extension names (`.py` → `python`).
pub fn guess_kind(file_name: &str) -> (ArtifactKind, Option<String>) {
    let extension = file_name
        .rsplit_once('.')
        .map(|(stem, ext)| (stem, ext.to_ascii_lowercase()))
        .filter(|(stem, ext)| !stem.is_empty() && !ext.contains(['/', '\\']))
        .map(|(_, ext)| ext)
        .unwrap_or_default();
    let language = |name: &str| Some(name.to_owned());
    match extension.as_str() {
        "html" | "htm" => (ArtifactKind::Html, None),
        "svg" => (ArtifactKind::Svg, None),
        "md" | "markdown" => (ArtifactKind::Markdown, None),
        "mmd" | "mermaid" => (ArtifactKind::Mermaid, None),
        "jsx" => (ArtifactKind::React, language("jsx")),
        "tsx" => (ArtifactKind::React, language("tsx")),
        "" => (ArtifactKind::Code, None),
        ext => {
            let name = match ext {
                "py" => "python",
                "js" | "mjs" | "cjs" => "javascript",
                "ts" | "mts" => "typescript",
                "rs" => "rust",
                "rb" => "ruby",
                "kt" => "kotlin",
                "cs" => "csharp",
                "cc" | "cpp" | "cxx" | "hpp" => "cpp",
                "h" => "c",
                "sh" | "bash" => "bash",
                "yml" => "yaml",
                "wat" => "wat",
                other => other,
            };
            (ArtifactKind::Code, language(name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SharedArtifact {
        SharedArtifact {
            kind: ArtifactKind::Html,
            title: Some("Snake".into()),
            language: None,
            content: "<!DOCTYPE html>\n<html><body><canvas id=c></canvas></body></html>\n".into(),
            prompt: Some("a snake game".into()),
        }
    }

    #[test]
    fn round_trips_in_every_accepted_form() {
        let a = sample();
        let payload = encode_link(&a).unwrap();
        assert!(payload.starts_with('2'));
        for link in [
            payload.clone(),
            format!("#{payload}"),
            share_url("http://127.0.0.1:8787/", &payload),
            share_url("https://kiln.example/app/#old", &payload),
            format!("  {}\n{}  ", &payload[..10], &payload[10..]),
            payload.replace('!', "%21").replace('/', "%2F"),
        ] {
            assert_eq!(decode_link(&link).unwrap(), a, "{link}");
        }
    }

    #[test]
    fn models_can_be_trained_in_slices() {
        let mut slices = 0;
        while !prepare(FORMAT_VERSION, 16 * 1024).unwrap() {
            slices += 1;
            assert!(slices < 100);
        }
        assert!(prepare(FORMAT_VERSION, 1).unwrap());
        assert!(prepare('1', usize::MAX).unwrap());
        assert_eq!(
            prepare('9', 1),
            Err(ShareError::UnsupportedVersion { version: '9' })
        );
        let a = sample();
        assert_eq!(decode_link(&encode_link(&a).unwrap()).unwrap(), a);
    }

    #[test]
    fn links_open_in_slices() {
        let a = SharedArtifact::new(ArtifactKind::Html, "<p>hello</p>\n".repeat(400));
        let link = encode_link(&a).unwrap();
        let mut opening = Opening::start(&link).unwrap();
        assert_eq!(opening.kind(), ArtifactKind::Html);
        let mut steps = 0;
        let done = loop {
            if let Some(done) = opening.step(1000) {
                break done;
            }
            steps += 1;
            assert_eq!(opening.progress(), (steps * 1000, a.content.len()));
        };
        assert_eq!(steps, a.content.len() / 1000);
        assert_eq!(done.unwrap(), a);
        assert_eq!(opening.step(1000), Some(Err(ShareError::Truncated)));
        // A cut link fails in a slice, not before or after.
        let cut = &link[..link.len() - 9];
        assert!(matches!(
            Opening::start(cut).map(|mut o| o.step(usize::MAX)),
            Ok(Some(Err(_))) | Err(_)
        ));
    }

    #[test]
    fn tiny_content_is_stored() {
        let a = SharedArtifact::new(ArtifactKind::Code, "x");
        let payload = encode_link(&a).unwrap();
        assert_eq!(payload.len(), 1 + text::encoded_len(5));
        assert_eq!(decode_link(&payload).unwrap(), a);
    }

    #[test]
    fn errors_are_clear() {
        let err = |link: &str| decode_link(link).unwrap_err().to_string();
        assert_eq!(
            err("http://h/"),
            "invalid share link: there is no artifact after the #"
        );
        assert_eq!(decode_link("1x://A").unwrap_err(), ShareError::Damaged);
        assert_eq!(
            DICTIONARY_FILE,
            format!(
                "share-dictionary-{:016x}.bin",
                coder::DICTIONARY_FINGERPRINT
            )
        );
        assert_eq!(
            err("http://h/#"),
            "invalid share link: there is no artifact after the #"
        );
        assert_eq!(
            err("#3abc"),
            "invalid share link: format version '3' is not supported (made by a newer Kiln?)"
        );
        assert_eq!(
            err("#1AB(C"),
            "invalid share link: character '(' at position 4 is not allowed"
        );
        assert_eq!(
            err("#1AB%2"),
            "invalid share link: character '%' at position 4 is not allowed"
        );
        assert_eq!(
            err("#1A"),
            "invalid share link: the text is damaged (characters missing or changed)"
        );
        let huge = "A".repeat(MAX_LINK_BYTES + 1);
        assert_eq!(
            err(&huge),
            "invalid share link: payload is over the 2 MiB limit"
        );
        let big = SharedArtifact::new(ArtifactKind::Code, "a".repeat(3 * 1024 * 1024));
        assert_eq!(
            encode_link(&big).unwrap_err().to_string(),
            "cannot make a share link: content is 3 MiB, limit is 1 MiB"
        );
    }

    /// The header for `body` with these flags: flags, length, check.
    fn header(flags: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![flags];
        format::put_varint(&mut bytes, body.len());
        bytes.extend_from_slice(&format::check(body).to_le_bytes());
        bytes
    }

    fn link_of(bytes: &[u8]) -> String {
        let mut link = String::from(FORMAT_VERSION);
        text::encode_into(bytes, &mut link);
        link
    }

    #[test]
    fn sizes_are_checked_before_and_while_decompressing() {
        // A body over the limit is refused from its header alone, before any decoding.
        let mut bytes = vec![0];
        format::put_varint(&mut bytes, MAX_BODY_BYTES + 1);
        bytes.extend_from_slice(&[7; 16]);
        assert_eq!(
            decode_link(&link_of(&bytes)),
            Err(ShareError::BodyTooLarge {
                bytes: MAX_BODY_BYTES + 1
            })
        );
        // A stream holding more than its header declares: decoding stops at the declared
        // length and the rest is refused.
        let body = "abcdefgh".repeat(300);
        let packed = coder::encode(coder::Codec::V2, body.as_bytes()).unwrap();
        let mut bytes = header(0, &body.as_bytes()[..10]);
        bytes[1] = 10;
        bytes.extend_from_slice(&packed);
        assert_eq!(decode_link(&link_of(&bytes)), Err(ShareError::TrailingData));
        // Every body the encoder accepts fits in a link the decoder reads, even stored.
        assert!(1 + text::encoded_len(MAX_BODY_BYTES + 8) < MAX_LINK_BYTES);
    }

    #[test]
    fn header_fields_are_validated() {
        let stored = |flags: u8, body: &[u8]| {
            let mut bytes = header(flags | format::STORED, body);
            bytes.extend_from_slice(body);
            decode_link(&link_of(&bytes))
        };
        assert_eq!(
            stored(0, b"hi").unwrap(),
            SharedArtifact::new(ArtifactKind::Html, "hi")
        );
        assert_eq!(stored(6, b"hi"), Err(ShareError::UnknownKind { number: 6 }));
        assert_eq!(
            stored(0x80, b"hi"),
            Err(ShareError::UnknownFlags { flags: 0xc0 })
        );
        assert_eq!(
            stored(format::TITLE, b"\x05ab"),
            Err(ShareError::FieldTooLong { field: "title" })
        );
        assert_eq!(
            stored(format::PROMPT, b"\x01\xffok"),
            Err(ShareError::InvalidUtf8 { field: "prompt" })
        );
        assert_eq!(
            stored(0, b"\xc3"),
            Err(ShareError::InvalidUtf8 { field: "content" })
        );
        assert_eq!(decode_link(&link_of(&[])), Err(ShareError::Truncated));
        assert_eq!(
            decode_link(&link_of(&[0x40, 3, 0])),
            Err(ShareError::Truncated)
        );
        assert_eq!(
            decode_link(&link_of(&[0x40, 3, 0, 0, b'a'])),
            Err(ShareError::Truncated)
        );
        let mut two = header(format::STORED, b"a");
        two.extend_from_slice(b"ab");
        assert_eq!(decode_link(&link_of(&two)), Err(ShareError::TrailingData));
        let mut changed = header(format::STORED, b"abc");
        changed.extend_from_slice(b"abd");
        assert_eq!(decode_link(&link_of(&changed)), Err(ShareError::Checksum));
        // A coded body with no stream at all.
        assert_eq!(
            decode_link(&link_of(&header(0, b"hello"))),
            Err(ShareError::Truncated)
        );
    }

    #[test]
    fn guesses_kinds_from_file_names() {
        let guess = |name| guess_kind(name);
        assert_eq!(guess("app.HTML"), (ArtifactKind::Html, None));
        assert_eq!(guess("a/b/page.htm"), (ArtifactKind::Html, None));
        assert_eq!(guess("logo.svg"), (ArtifactKind::Svg, None));
        assert_eq!(guess("notes.md"), (ArtifactKind::Markdown, None));
        assert_eq!(guess("flow.mmd"), (ArtifactKind::Mermaid, None));
        assert_eq!(guess("flow.mermaid"), (ArtifactKind::Mermaid, None));
        assert_eq!(guess("App.tsx").0, ArtifactKind::React);
        assert_eq!(
            guess("main.py"),
            (ArtifactKind::Code, Some("python".into()))
        );
        assert_eq!(guess("x.go"), (ArtifactKind::Code, Some("go".into())));
        assert_eq!(guess("Makefile"), (ArtifactKind::Code, None));
        assert_eq!(guess(".bashrc"), (ArtifactKind::Code, None));
        assert_eq!(guess("dir.d/file"), (ArtifactKind::Code, None));
    }
}
