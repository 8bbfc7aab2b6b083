//! The link's text form: bytes written with 75 characters that a URL fragment carries as they
//! are, 7 bytes to 9 characters.
//!
//! RFC 3986 lets a fragment hold 81 characters without percent-encoding. Base64url uses 64 of
//! them and spends 4 characters on 3 bytes (1.333 per byte); 75 characters fit 7 bytes into 9
//! (1.286 per byte), which makes every link 3.6 % shorter, with plain `u64` arithmetic. The six
//! left out are the ones that break links where people paste them: `(` `)` (Markdown link
//! syntax), `'` and `&` (HTML attributes), `$` and `;` (shells and LaTeX-style chat rendering).
//!
//! Digits go least significant first, so the last character of a link that ends in a partial
//! group is always a letter or a digit: chat apps and Markdown linkifiers drop trailing
//! punctuation from a link, and this keeps most links whole even unquoted.
//!
//! Decoding is strict: a character outside the alphabet, an impossible tail length or a group
//! whose value does not fit its bytes is an error, so each byte string has exactly one text.

/// The 75 characters, in digit order: letters and digits first (see the module header).
pub(crate) const ALPHABET: &[u8; 75] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*+,/:=?@";

const BASE: u64 = 75;
const GROUP_BYTES: usize = 7;
const GROUP_CHARS: usize = 9;

/// Characters needed for a group of `n` bytes, at index `n`: the least `m` with `75^m >= 256^n`.
const CHARS_FOR_BYTES: [usize; GROUP_BYTES + 1] = [0, 2, 3, 4, 6, 7, 8, 9];

/// Why a text is not a valid encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextError {
    /// A character outside the alphabet, at this byte offset.
    Character { offset: usize },
    /// The text length leaves a tail of characters no byte count encodes.
    Length,
    /// A group's value is too large for its bytes (never produced by the encoder).
    Group,
}

/// The characters needed for `len` bytes.
pub(crate) fn encoded_len(len: usize) -> usize {
    let tail = len % GROUP_BYTES;
    (len / GROUP_BYTES) * GROUP_CHARS + CHARS_FOR_BYTES[tail]
}

/// Appends the text form of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    out.reserve(encoded_len(bytes.len()));
    for group in bytes.chunks(GROUP_BYTES) {
        let mut value: u64 = 0;
        for (i, &b) in group.iter().enumerate() {
            value |= u64::from(b) << (8 * i);
        }
        for _ in 0..CHARS_FOR_BYTES[group.len()] {
            // `value % BASE` is below 75, so the index is always in range.
            let digit = usize::try_from(value % BASE).unwrap_or(0);
            out.push(char::from(ALPHABET[digit]));
            value /= BASE;
        }
    }
}

/// The value of each character, or `INVALID`.
const INVALID: u8 = u8::MAX;
const DIGITS: [u8; 128] = {
    let mut table = [INVALID; 128];
    let mut i = 0;
    while i < ALPHABET.len() {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Decodes a whole text.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, TextError> {
    let chars = text.as_bytes();
    let digit = |c: u8| DIGITS.get(usize::from(c)).copied().unwrap_or(INVALID);
    if let Some(offset) = chars.iter().position(|&c| digit(c) == INVALID) {
        return Err(TextError::Character { offset });
    }
    let tail_chars = chars.len() % GROUP_CHARS;
    let Some(tail_bytes) = CHARS_FOR_BYTES.iter().position(|&m| m == tail_chars) else {
        return Err(TextError::Length);
    };
    let mut out = Vec::with_capacity(chars.len() / GROUP_CHARS * GROUP_BYTES + tail_bytes);
    for group in chars.chunks(GROUP_CHARS) {
        let n_bytes = if group.len() == GROUP_CHARS {
            GROUP_BYTES
        } else {
            tail_bytes
        };
        // At most 9 digits of base 75: below 75^9 < 2^57, so this cannot overflow.
        let value = group
            .iter()
            .rev()
            .fold(0u64, |value, &c| value * BASE + u64::from(digit(c)));
        if value >> (8 * n_bytes) != 0 {
            return Err(TextError::Group);
        }
        out.extend_from_slice(&value.to_le_bytes()[..n_bytes]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(bytes: &[u8]) -> String {
        let mut text = String::new();
        encode_into(bytes, &mut text);
        assert_eq!(text.len(), encoded_len(bytes.len()));
        assert_eq!(decode(&text).unwrap(), bytes, "{text}");
        text
    }

    #[test]
    fn group_sizes_are_minimal() {
        for (n, &m) in CHARS_FOR_BYTES.iter().enumerate() {
            let bits = 8 * n as u32;
            // 75^m covers 256^n, and 75^(m-1) does not.
            assert!(u128::from(BASE).pow(m as u32) >= 1u128 << bits, "{n}");
            if m > 0 {
                assert!(u128::from(BASE).pow(m as u32 - 1) < 1u128 << bits, "{n}");
            }
        }
    }

    #[test]
    fn alphabet_is_fragment_safe_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for &c in ALPHABET {
            assert!(seen.insert(c));
            assert!(c.is_ascii_alphanumeric() || b"-._~!*+,/:=?@".contains(&c));
        }
    }

    #[test]
    fn round_trips_every_tail_length() {
        assert_eq!(round_trip(&[]), "");
        for len in 1..40 {
            let zeros = vec![0u8; len];
            let ones = vec![0xffu8; len];
            let mixed: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            for bytes in [zeros, ones, mixed] {
                let text = round_trip(&bytes);
                if len % GROUP_BYTES != 0 {
                    let last = text.chars().last().unwrap();
                    assert!(last.is_ascii_alphanumeric(), "{text}");
                }
            }
        }
    }

    #[test]
    fn rejects_what_the_encoder_never_writes() {
        assert_eq!(decode("A"), Err(TextError::Length));
        assert_eq!(decode("AAAAA"), Err(TextError::Length));
        assert_eq!(decode("AAAAAAAAAA"), Err(TextError::Length));
        assert_eq!(decode("AA#A"), Err(TextError::Character { offset: 2 }));
        assert_eq!(decode("Aé"), Err(TextError::Character { offset: 1 }));
        // "@@" is 75^2 - 1 = 5624, more than one byte holds.
        assert_eq!(decode("@@"), Err(TextError::Group));
        assert_eq!(decode("@@@@@@@@@"), Err(TextError::Group));
    }
}
