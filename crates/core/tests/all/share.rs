//! Share links: any artifact survives `decode(encode(x))`, no string makes the decoder panic,
//! and links made by formats v1 and v2 keep opening (a golden link of each is pinned below).

use kiln_core::artifact::ArtifactKind;
use kiln_core::share::{
    FORMAT_VERSION, LINK_WARN_BYTES, MAX_LINK_BYTES, ShareError, SharedArtifact, decode_link,
    encode_link, encode_link_as, share_url,
};
use proptest::prelude::*;

/// A v1 link made when the format was introduced. It must decode, to exactly this, forever:
/// if this test fails, the change broke every link people have already shared.
const GOLDEN_V1: &str = concat!(
    "1S3r:IMSXOj1~1zNC_,2TvMlitwF,kc6DDas2sm-qmT?,HwRpjZuRcp2ZYCfQQyMLyJ2/g8K",
    "YgT!fRnnoHC.zw0MaT3-ThYfYV6qhJUYb/z!+Zhb:hC2/*~p_=YzxwPJrIbb@608QmO:Sb0M",
    "qV@w+ibV5y7,ce6G~mTT3zB:tDiGq2lg!PnA73kTV",
);

fn golden_artifact() -> SharedArtifact {
    SharedArtifact {
        kind: ArtifactKind::Html,
        title: Some("Counter — v1 golden link".to_owned()),
        language: None,
        content: "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"UTF-8\">\n  <title>Counter</title>\n  <style>\n    body { font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 100vh; }\n    button { font-size: 2rem; padding: 0.5em 1em; }\n  </style>\n</head>\n<body>\n  <button id=\"b\">Clicked 0 times ✨</button>\n  <script>\n    let n = 0;\n    const b = document.getElementById('b');\n    b.addEventListener('click', () => { b.textContent = `Clicked ${++n} times ✨`; });\n  </script>\n</body>\n</html>\n".to_owned(),
        prompt: Some("a button that counts its clicks".to_owned()),
    }
}

/// The same artifact as a v2 link, made when v2 was introduced. The same rule holds.
const GOLDEN_V2: &str = concat!(
    "2b9Yr?4mUS0k~n9a?XI4iTxWuwO~ourA-RUOIhGd,1XH2tKE1834htO!UNFq+At!82~m5nk*",
    "cUuJRzYdLEuGXj.TF6K4Y.A56hOM=NyNVa,Ba:d98u_a@CY41aAs8@lRq8@B!s29sfSq@gaKrz1cq~MA",
);

#[test]
fn a_v1_link_still_decodes() {
    assert_eq!(decode_link(GOLDEN_V1.trim()).unwrap(), golden_artifact());
    // The encoder may get better over time, but what it writes must still decode the same.
    let fresh = encode_link(&golden_artifact()).unwrap();
    assert_eq!(decode_link(&fresh).unwrap(), golden_artifact());
    // And v1 is still written exactly as it was, for tests and benchmarks that compare.
    assert_eq!(encode_link_as(&golden_artifact(), '1').unwrap(), GOLDEN_V1);
}

#[test]
fn a_v2_link_still_decodes() {
    assert_eq!(decode_link(GOLDEN_V2).unwrap(), golden_artifact());
    assert_eq!(FORMAT_VERSION, '2');
    assert_eq!(encode_link(&golden_artifact()).unwrap(), GOLDEN_V2);
    // v2 is shorter than v1 for the same page.
    assert!(GOLDEN_V2.len() < GOLDEN_V1.len(), "{}", GOLDEN_V2.len());
}

#[test]
fn links_are_short_for_a_typical_page() {
    let a = golden_artifact();
    let payload = encode_link(&a).unwrap();
    let raw = a.content.len() + a.title.as_ref().map_or(0, String::len) + 32;
    assert!(payload.len() * 2 < raw, "{} of {raw}", payload.len());
    assert!(payload.len() < LINK_WARN_BYTES);
}

#[test]
fn damaged_links_give_typed_errors() {
    let payload = encode_link(&golden_artifact()).unwrap();
    // Every truncation is refused, never mis-decoded.
    for cut in 1..payload.len() {
        assert!(decode_link(&payload[..cut]).is_err(), "cut at {cut}");
    }
    // Changing any one character either fails or still yields valid text; it never panics.
    let mut changed = 0;
    for at in 1..payload.len() {
        let mut bytes = payload.clone().into_bytes();
        bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
        let link = String::from_utf8(bytes).unwrap();
        if decode_link(&link).is_err() {
            changed += 1;
        }
    }
    assert!(
        changed * 10 > payload.len() * 9,
        "{changed} of {}",
        payload.len()
    );
    for extra in ["A", "AA", "AAA", "AAAAAAAAA"] {
        assert!(
            decode_link(&format!("{payload}{extra}")).is_err(),
            "{extra}"
        );
    }
}

#[test]
fn oversized_payloads_are_refused_before_decoding() {
    let huge = format!("http://h/#1{}", "A".repeat(MAX_LINK_BYTES));
    assert!(matches!(
        decode_link(&huge),
        Err(ShareError::LinkTooLong { .. })
    ));
}

#[test]
fn share_url_replaces_any_fragment() {
    assert_eq!(
        share_url("http://127.0.0.1:8787/", "1AB"),
        "http://127.0.0.1:8787/#1AB"
    );
    assert_eq!(
        share_url("https://k.example/x#y", "1AB"),
        "https://k.example/x#1AB"
    );
}

fn kind() -> impl Strategy<Value = ArtifactKind> {
    prop::sample::select(ArtifactKind::ALL.to_vec())
}

/// Realistic text (markup, code, prose, non-Latin scripts, emoji) as well as arbitrary Unicode.
fn content() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "<div class=\"card\">",
        "</div>\n",
        "const x = document.getElementById('app');\n",
        "function f(a, b) { return a + b; }\n",
        "  ",
        "\n",
        "\r\n",
        "\t",
        "The quick brown fox. ",
        "日本語のテキスト",
        "😀🎉",
        "é",
        "\u{0}",
        "\u{feff}",
        "%21#!*",
        "a",
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(piece, 0..200).prop_map(|v| v.concat()),
        "[\\PC\\pC]{0,2000}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decode_inverts_encode(
        kind in kind(),
        title in proptest::option::of(any::<String>()),
        language in proptest::option::of("[a-z+#-]{0,12}"),
        content in content(),
        prompt in proptest::option::of(content()),
    ) {
        let a = SharedArtifact { kind, title, language, content, prompt };
        let payload = encode_link(&a).unwrap();
        prop_assert!(payload.is_ascii());
        prop_assert!(!payload.contains(['#', '%', '(', ')', '\'', '&', '$', ';', ' ']));
        prop_assert_eq!(&decode_link(&payload).unwrap(), &a);
        prop_assert_eq!(decode_link(&share_url("https://kiln.example/", &payload)).unwrap(), a);
    }

    #[test]
    fn no_string_makes_decode_panic(link in any::<String>()) {
        let _ = decode_link(&link);
        let _ = decode_link(&format!("#1{link}"));
    }

    #[test]
    fn no_alphabet_string_makes_decode_panic(
        body in "[A-Za-z0-9_.~!*+,/:=?@-]{0,400}",
    ) {
        let _ = decode_link(&format!("1{body}"));
    }

    #[test]
    fn mutated_links_never_panic(
        content in content(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..75), 1..6),
    ) {
        let payload = encode_link(&SharedArtifact::new(ArtifactKind::Html, content)).unwrap();
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!*+,/:=?@";
        let mut bytes = payload.into_bytes();
        for (at, c) in edits {
            let i = 1 + at.index(bytes.len() - 1);
            bytes[i] = alphabet[usize::from(c)];
        }
        let _ = decode_link(std::str::from_utf8(&bytes).unwrap());
    }
}
