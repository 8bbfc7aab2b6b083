//! The v1 binary layout, before compression and text encoding (docs/share-links.md draws it).
//!
//! ```text
//! flags      1 byte   bits 0-2 kind, 3 title, 4 language, 5 prompt, 6 stored, 7 reserved (0)
//! body_len   LEB128   length of the body below, at most MAX_BODY_BYTES
//! check      2 bytes  FNV-1a of the body folded to 16 bits, little-endian
//! data       rest     the body: coded (see `coder`), or as is when the stored bit is set
//!
//! body:  [len title] [len language] [len prompt] content
//!        each optional field present only when its flag bit is set; len is LEB128
//! ```
//!
//! The check is what tells a cut or altered link from a good one: an arithmetic decoder given a
//! damaged stream usually still produces bytes, so without it a truncated link could open as
//! silently corrupted text. 16 bits miss one damaged link in 65 536.
//!
//! The kind numbers are the format's own, written out below rather than taken from the
//! declaration order of [`ArtifactKind`], so reordering that enum cannot change old links.

use crate::artifact::ArtifactKind;

use super::{MAX_BODY_BYTES, ShareError, SharedArtifact};

const KIND_MASK: u8 = 0b0000_0111;
pub(crate) const TITLE: u8 = 1 << 3;
pub(crate) const LANGUAGE: u8 = 1 << 4;
pub(crate) const PROMPT: u8 = 1 << 5;
pub(crate) const STORED: u8 = 1 << 6;
const RESERVED: u8 = 1 << 7;

fn kind_number(kind: ArtifactKind) -> u8 {
    match kind {
        ArtifactKind::Html => 0,
        ArtifactKind::Svg => 1,
        ArtifactKind::Markdown => 2,
        ArtifactKind::Mermaid => 3,
        ArtifactKind::React => 4,
        ArtifactKind::Code => 5,
    }
}

fn kind_from_number(n: u8) -> Option<ArtifactKind> {
    Some(match n {
        0 => ArtifactKind::Html,
        1 => ArtifactKind::Svg,
        2 => ArtifactKind::Markdown,
        3 => ArtifactKind::Mermaid,
        4 => ArtifactKind::React,
        5 => ArtifactKind::Code,
        _ => return None,
    })
}

/// The flags byte and the body of `artifact`.
pub(crate) fn flags_and_body(artifact: &SharedArtifact) -> (u8, Vec<u8>) {
    let mut flags = kind_number(artifact.kind);
    let fields = [
        (TITLE, &artifact.title),
        (LANGUAGE, &artifact.language),
        (PROMPT, &artifact.prompt),
    ];
    let extra: usize = fields
        .iter()
        .filter_map(|(_, f)| f.as_ref().map(|s| s.len() + 5))
        .sum();
    let mut body = Vec::with_capacity(artifact.content.len() + extra);
    for (bit, field) in fields {
        if let Some(text) = field {
            flags |= bit;
            put_varint(&mut body, text.len());
            body.extend_from_slice(text.as_bytes());
        }
    }
    body.extend_from_slice(artifact.content.as_bytes());
    (flags, body)
}

/// The parts of a decoded header.
#[derive(Debug)]
pub(crate) struct Header<'a> {
    pub(crate) flags: u8,
    pub(crate) kind: ArtifactKind,
    pub(crate) body_len: usize,
    pub(crate) check: u16,
    pub(crate) data: &'a [u8],
}

/// The 16-bit check of a body: FNV-1a, the two halves xor-ed.
pub(crate) fn check(body: &[u8]) -> u16 {
    let h = body.iter().fold(0x811c_9dc5_u32, |h, &b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    ((h >> 16) ^ (h & 0xffff)) as u16
}

/// Reads and checks the flags byte and the body length.
pub(crate) fn read_header(bytes: &[u8]) -> Result<Header<'_>, ShareError> {
    let (&flags, rest) = bytes.split_first().ok_or(ShareError::Truncated)?;
    if flags & RESERVED != 0 {
        return Err(ShareError::UnknownFlags { flags });
    }
    let kind = kind_from_number(flags & KIND_MASK).ok_or(ShareError::UnknownKind {
        number: flags & KIND_MASK,
    })?;
    let (body_len, rest) = take_varint(rest)?;
    if body_len > MAX_BODY_BYTES {
        return Err(ShareError::BodyTooLarge { bytes: body_len });
    }
    let [lo, hi, data @ ..] = rest else {
        return Err(ShareError::Truncated);
    };
    Ok(Header {
        flags,
        kind,
        body_len,
        check: u16::from_le_bytes([*lo, *hi]),
        data,
    })
}

/// Splits a body into the artifact's fields, checking lengths and UTF-8.
pub(crate) fn read_body(
    flags: u8,
    kind: ArtifactKind,
    body: &[u8],
) -> Result<SharedArtifact, ShareError> {
    let mut rest = body;
    let mut field = |bit: u8, name: &'static str| -> Result<Option<String>, ShareError> {
        if flags & bit == 0 {
            return Ok(None);
        }
        let (len, after) = take_varint(rest)?;
        if len > after.len() {
            return Err(ShareError::FieldTooLong { field: name });
        }
        let (text, after) = after.split_at(len);
        rest = after;
        utf8(text, name).map(Some)
    };
    let title = field(TITLE, "title")?;
    let language = field(LANGUAGE, "language")?;
    let prompt = field(PROMPT, "prompt")?;
    let content = utf8(rest, "content")?;
    Ok(SharedArtifact {
        kind,
        title,
        language,
        content,
        prompt,
    })
}

fn utf8(bytes: &[u8], field: &'static str) -> Result<String, ShareError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| ShareError::InvalidUtf8 { field })
}

/// Appends `n` as LEB128: seven bits a byte, low bits first, high bit set on all but the last.
pub(crate) fn put_varint(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        // Masked to seven bits, so the cast keeps every bit.
        out.push((n & 0x7f) as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a LEB128 number of at most four bytes (28 bits, far above any limit), refusing
/// overlong forms so that each number has one encoding.
fn take_varint(bytes: &[u8]) -> Result<(usize, &[u8]), ShareError> {
    let mut n: usize = 0;
    for (i, &b) in bytes.iter().enumerate().take(4) {
        n |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            if b == 0 && i > 0 {
                return Err(ShareError::BadLength);
            }
            return Ok((n, &bytes[i + 1..]));
        }
    }
    if bytes.len() < 4 {
        Err(ShareError::Truncated)
    } else {
        Err(ShareError::BadLength)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_are_canonical() {
        for n in [
            0,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            MAX_BODY_BYTES,
            (1 << 28) - 1,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, n);
            out.push(0xaa);
            assert_eq!(take_varint(&out).unwrap(), (n, &[0xaa][..]));
        }
        assert_eq!(take_varint(&[0x80, 0x00]), Err(ShareError::BadLength));
        assert_eq!(take_varint(&[0x80]), Err(ShareError::Truncated));
        assert_eq!(take_varint(&[]), Err(ShareError::Truncated));
        assert_eq!(
            take_varint(&[0xff, 0xff, 0xff, 0xff, 0x01]),
            Err(ShareError::BadLength)
        );
    }

    #[test]
    fn kind_numbers_are_fixed() {
        for kind in ArtifactKind::ALL {
            assert_eq!(kind_from_number(kind_number(kind)), Some(kind));
        }
        assert_eq!(kind_number(ArtifactKind::Html), 0);
        assert_eq!(kind_number(ArtifactKind::Code), 5);
        assert_eq!(kind_from_number(6), None);
        assert_eq!(kind_from_number(7), None);
    }
}
