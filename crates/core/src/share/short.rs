//! The id of a short link (`/s/<id>` under `kiln serve`): the first 72 bits of the payload's
//! SHA-256 in base64url, so the same artifact always gets the same id and no id can be guessed
//! from another. The server names links by it; the studio checks by it that the app a short
//! link opened is the one the link holds, before giving it the link's shared data.

use sha2::{Digest, Sha256};

/// The id for `payload` (the share link's text after `#`).
pub fn short_link_id(payload: &str) -> String {
    let digest = Sha256::digest(payload.as_bytes());
    base64url(&digest[..9])
}

/// Whether `id` has the shape of a short link id (so a path like `/s/../x` never reaches a
/// query).
pub fn valid_short_link_id(id: &str) -> bool {
    id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_twelve_url_safe_characters_of_the_payloads_digest() {
        let id = short_link_id("1abc");
        assert!(valid_short_link_id(&id), "{id}");
        assert_eq!(id, short_link_id("1abc"));
        assert_ne!(id, short_link_id("1abd"));
        assert_eq!(base64url(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(base64url(b"Man"), "TWFu");
        for bad in [
            "",
            "../../etc/pa",
            "abcdefghijk",
            "abcdefghijk=",
            "abcdefghijklm",
        ] {
            assert!(!valid_short_link_id(bad), "{bad}");
        }
    }
}
