//! Chunking never changes the outcome: for every fixture, any split of the reply (as `&str` at
//! character boundaries, or as bytes anywhere through the UTF-8 carry) yields exactly the events
//! and artifacts of feeding it whole.

use proptest::prelude::*;

use super::support::{
    fixtures, run_byte_chunks, run_chunks, seed_set, split_at_chars, split_bytes,
};

#[test]
fn one_character_at_a_time_matches_whole() {
    for f in fixtures() {
        let seed = seed_set(f.seed.as_deref());
        let whole = run_chunks(&seed, [f.reply.as_str()]);
        let chars: Vec<&str> = f
            .reply
            .char_indices()
            .map(|(i, c)| &f.reply[i..i + c.len_utf8()])
            .collect();
        assert_eq!(run_chunks(&seed, chars), whole, "fixture {}", f.name);
        let bytes = f.reply.as_bytes().chunks(1);
        assert_eq!(
            run_byte_chunks(&seed, bytes),
            whole,
            "fixture {} bytes",
            f.name
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn any_chunking_matches_whole(
        pick in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<usize>(), 0..64),
    ) {
        let f = &fixtures()[pick.index(fixtures().len())];
        let seed = seed_set(f.seed.as_deref());
        let whole = run_chunks(&seed, [f.reply.as_str()]);
        let chunked = run_chunks(&seed, split_at_chars(&f.reply, &cuts));
        prop_assert_eq!(chunked, whole, "fixture {}", f.name);
    }

    #[test]
    fn any_byte_chunking_matches_whole(
        pick in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<usize>(), 0..64),
    ) {
        let f = &fixtures()[pick.index(fixtures().len())];
        let seed = seed_set(f.seed.as_deref());
        let whole = run_chunks(&seed, [f.reply.as_str()]);
        let chunked = run_byte_chunks(&seed, split_bytes(f.reply.as_bytes(), &cuts));
        prop_assert_eq!(chunked, whole, "fixture {}", f.name);
    }
}
