//! Any bytes as a streamed provider response body, for every protocol: no panic, and the same
//! events and the same ending whether the body is fed whole or in chunks. The first byte picks
//! the protocol (low two bits), the chunk size (next five) and a small or a large line limit
//! (top bit). The same bytes also go through error classification and the model-list parser,
//! which read bodies a server chooses too.

#![no_main]

use kiln_core::provider::{DecodeError, Protocol, StreamDecoder, StreamEvent};
use libfuzzer_sys::fuzz_target;

type Run = (Vec<StreamEvent>, Result<(), DecodeError>);

fn run<'a>(protocol: Protocol, limit: usize, pieces: impl IntoIterator<Item = &'a [u8]>) -> Run {
    let mut decoder = StreamDecoder::with_limit(protocol, limit);
    let mut events = Vec::new();
    for piece in pieces {
        if let Err(e) = decoder.feed(piece, &mut events) {
            return (events, Err(e));
        }
    }
    let end = decoder.finish(&mut events);
    (events, end)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let protocol = Protocol::ALL[usize::from(pick & 3)];
    let size = usize::from((pick >> 2) & 31) + 1;
    let limit = if pick & 0x80 == 0 { 1 << 20 } else { 48 };
    let whole = run(protocol, limit, [body]);
    assert_eq!(whole, run(protocol, limit, body.chunks(size)));
    if let (_, Err(DecodeError::TooLong { limit: l })) = &whole {
        assert_eq!(*l, limit);
    }
    let error = protocol.classify(400 + u16::from(pick), None, body);
    assert!(error.message.chars().count() <= 301);
    assert!(!error.message.chars().any(char::is_control));
    let _ = protocol.parse_models(body);
});
