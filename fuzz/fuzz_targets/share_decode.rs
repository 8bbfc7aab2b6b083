//! Any input to the share-link decoder: no panic, and whatever decodes re-encodes to a link that
//! decodes to the same artifact. The bytes are tried as text as they are, and mapped onto the
//! link alphabet behind a version character (the first byte picks v1 or v2), so that most
//! inputs get past the text layer into the header, the coded stream and the body fields.

#![no_main]

use kiln_core::share::{decode_link, encode_link};
use libfuzzer_sys::fuzz_target;

const ALPHABET: &[u8; 75] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*+,/:=?@";

fn check(link: &str) {
    if let Ok(artifact) = decode_link(link) {
        let again = encode_link(&artifact).expect("a decoded artifact is within the limits");
        assert_eq!(decode_link(&again).as_ref(), Ok(&artifact));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check(text);
    }
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let mut link = String::with_capacity(data.len());
    link.push(if first & 1 == 0 { '1' } else { '2' });
    link.extend(
        rest.iter()
            .map(|&b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()])),
    );
    check(&link);
});
