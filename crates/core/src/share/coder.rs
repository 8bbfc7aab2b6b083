//! The v1 compressor: a small context-mixing coder (in the manner of lpaq) whose model is first
//! trained on a fixed dictionary of web-app text, so that even a short page is predicted well
//! from its first byte.
//!
//! Why this and not a standard format: measured on the benchmark corpus (BENCHMARKS.md, "Share
//! links"), LZ77 codecs with the same dictionary plateau together (LZMA and brotli at quality 11
//! within 1 % of each other), while mixing several context predictions per bit makes bodies about
//! 20 % smaller than LZMA with the dictionary, and the coder is only a few hundred lines, so its
//! wasm cost is a few KB. Encoder and decoder are the same model run the same way, so the page
//! gets both for the price of one.
//!
//! How it works, per bit: seven hashed context tables (orders 2 to 6, the current word, and the
//! character above in the previous line with the column), two direct ones (orders 0 and 1) and a
//! match model (the bit that followed the last occurrence of the current 6-byte context) each
//! give a probability; two small neural mixers (one chosen by match length and bit position, one
//! by the previous byte) combine them in the logistic domain; two adaptive probability maps refine
//! the result; a 32-bit binary arithmetic coder codes the bit. Everything is integer arithmetic,
//! so native and wasm builds produce and read the same bytes.
//!
//! All of it is part of the v1 format: the dictionary, table sizes, hash functions, learning
//! rates. Changing any of them breaks every v1 link (the golden-link test notices); improving the
//! model means a new format version.
//!
//! Hostile input: the decoder is told the body length and produces exactly that many bytes, so a
//! link cannot expand past the limit its header was checked against; a valid stream makes the
//! decoder read exactly three bytes past its end, so more is "cut short" (and stops decoding at
//! once) and fewer is "trailing data". Decoding takes time linear in the declared length.

use std::sync::OnceLock;

/// The preset dictionary of format v1, compiled in unless the `builtin-dictionary` feature is
/// off (the studio page turns it off and fetches the same bytes as a file when it first needs
/// them, so its first load does not carry them). Never edit: see the module header.
#[cfg(feature = "builtin-dictionary")]
pub(crate) static DICTIONARY: &[u8] = include_bytes!("dictionary.txt");

/// The v1 dictionary's length and FNV-1a fingerprint; a dictionary handed in at run time must
/// match both.
pub(crate) const DICTIONARY_LEN: usize = 28_511;
pub(crate) const DICTIONARY_FINGERPRINT: u64 = 0xa4d3_919f_12da_9f39;

#[cfg(not(feature = "builtin-dictionary"))]
static LOADED: OnceLock<Vec<u8>> = OnceLock::new();

/// The dictionary, if this build has it or it was loaded.
pub(crate) fn dictionary() -> Option<&'static [u8]> {
    #[cfg(feature = "builtin-dictionary")]
    {
        Some(DICTIONARY)
    }
    #[cfg(not(feature = "builtin-dictionary"))]
    {
        LOADED.get().map(Vec::as_slice)
    }
}

/// Hands in the dictionary at run time. False when the bytes are not the v1 dictionary.
pub(crate) fn load_dictionary(bytes: Vec<u8>) -> bool {
    if bytes.len() != DICTIONARY_LEN || fingerprint(&bytes) != DICTIONARY_FINGERPRINT {
        return false;
    }
    #[cfg(not(feature = "builtin-dictionary"))]
    {
        let _ = LOADED.set(bytes);
    }
    // Compiled in already: the same bytes (just checked) have nothing to add.
    #[cfg(feature = "builtin-dictionary")]
    drop(bytes);
    true
}

/// FNV-1a, enough to notice any change.
pub(crate) fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Why a coded body could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The stream ended before the body did.
    Truncated,
    /// Bytes follow the end of the stream.
    Trailing,
    /// The dictionary is not there (see [`load_dictionary`]).
    NoDictionary,
}

/// Codes `body`. The output holds no length: the decoder must be told it. `None` when the
/// dictionary is not there.
pub(crate) fn encode(body: &[u8]) -> Option<Vec<u8>> {
    let mut model = primed_model()?;
    let mut out = Vec::with_capacity(body.len() / 3 + 4);
    let (mut x1, mut x2): (u32, u32) = (0, u32::MAX);
    for &byte in body {
        for shift in (0..8).rev() {
            let bit = u32::from((byte >> shift) & 1);
            let p = model.predict();
            let xmid = split(x1, x2, p);
            if bit == 1 {
                x2 = xmid;
            } else {
                x1 = xmid + 1;
            }
            model.update(bit);
            while (x1 ^ x2) & 0xff00_0000 == 0 {
                out.push((x2 >> 24) as u8);
                x1 <<= 8;
                x2 = (x2 << 8) | 0xff;
            }
        }
    }
    // One byte of the low end is enough: the decoder pads with 0xff, which lands inside the
    // final range because the top bytes of x1 and x2 differ.
    out.push((x1 >> 24) as u8);
    Some(out)
}

/// Decodes exactly `len` bytes from `stream`, which must hold nothing more.
pub(crate) fn decode(stream: &[u8], len: usize) -> Result<Vec<u8>, DecodeError> {
    let mut model = primed_model().ok_or(DecodeError::NoDictionary)?;
    let mut input = Input { stream, pos: 0 };
    let (mut x1, mut x2): (u32, u32) = (0, u32::MAX);
    let mut x: u32 = 0;
    for _ in 0..4 {
        x = (x << 8) | input.next()?;
    }
    let mut out = Vec::with_capacity(len);
    for _ in 0..len {
        let mut byte = 0u32;
        for _ in 0..8 {
            let p = model.predict();
            let xmid = split(x1, x2, p);
            let bit = if x <= xmid {
                x2 = xmid;
                1
            } else {
                x1 = xmid + 1;
                0
            };
            model.update(bit);
            byte = (byte << 1) | bit;
            while (x1 ^ x2) & 0xff00_0000 == 0 {
                x1 <<= 8;
                x2 = (x2 << 8) | 0xff;
                x = (x << 8) | input.next()?;
            }
        }
        out.push(byte as u8);
    }
    if input.pos != stream.len() + PAD_READS {
        return Err(DecodeError::Trailing);
    }
    Ok(out)
}

/// The decoder reads this many bytes past the end of every valid stream (see `encode`).
const PAD_READS: usize = 3;

struct Input<'a> {
    stream: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    /// The next byte, 0xff past the end; more padding than a valid stream needs means the
    /// stream was cut.
    fn next(&mut self) -> Result<u32, DecodeError> {
        let byte = match self.stream.get(self.pos) {
            Some(&b) => u32::from(b),
            None if self.pos < self.stream.len() + PAD_READS => 0xff,
            None => return Err(DecodeError::Truncated),
        };
        self.pos += 1;
        Ok(byte)
    }
}

/// The point that splits `[x1, x2]` in proportion to `p`, the 12-bit probability of a 1. Never
/// overflows: `(x2 - x1) >> 12` is below 2^20 and `p` below 2^12, and the product is below
/// `x2 - x1`.
fn split(x1: u32, x2: u32, p: u32) -> u32 {
    x1 + ((x2 - x1) >> 12) * p
}

/// A model that has seen the dictionary. Natively the trained model is built once and cloned;
/// in wasm it is built per call (about 24 KB of training) so that the page does not keep a
/// second copy of the tables alive.
fn primed_model() -> Option<Model> {
    let dictionary = dictionary()?;
    #[cfg(not(target_arch = "wasm32"))]
    {
        static PRIMED: OnceLock<Model> = OnceLock::new();
        Some(PRIMED.get_or_init(|| Model::primed(dictionary)).clone())
    }
    #[cfg(target_arch = "wasm32")]
    {
        Some(Model::primed(dictionary))
    }
}

// --- Probability arithmetic -------------------------------------------------------------------

/// `4096 / (1 + e^(-d/256))` sampled every 128 steps of `d`, interpolated in between.
const SQUASH_POINTS: [i32; 33] = [
    1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348,
    3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094,
];

/// Logistic function: stretch domain (-2047..=2047) to a 12-bit probability (1..=4095).
fn squash(d: i32) -> i32 {
    if d > 2047 {
        return 4095;
    }
    if d < -2047 {
        return 1;
    }
    let w = d & 127;
    // `d >> 7` is in -16..=15, so the index is in 0..=31 and `i + 1` in range.
    let i = ((d >> 7) + 16) as usize;
    (SQUASH_POINTS[i] * (128 - w) + SQUASH_POINTS[i + 1] * w + 64) >> 7
}

/// Tables shared by every model: the inverse of `squash`, and the adaptation rates.
struct Tables {
    stretch: [i16; 4096],
    rate: [i32; 16],
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut stretch = [0i16; 4096];
        let mut next = 0usize;
        for d in -2047..=2047i32 {
            let p = squash(d) as usize;
            for slot in stretch.iter_mut().take(p + 1).skip(next) {
                *slot = d as i16;
            }
            next = next.max(p + 1);
        }
        for slot in stretch.iter_mut().skip(next) {
            *slot = 2047;
        }
        // A counter seen n times moves 1/(n + 1.5) of the way to each new bit.
        let mut rate = [0i32; 16];
        for (n, r) in (0i32..).zip(rate.iter_mut()) {
            *r = (1 << 17) / (2 * n + 3);
        }
        Tables { stretch, rate }
    })
}

fn stretch(p: u32) -> i32 {
    i32::from(tables().stretch[(p & 4095) as usize])
}

/// Counters adapt fast: after this many observations the rate stops falling.
const COUNT_LIMIT: u16 = 8;

/// A 16-bit counter: a 12-bit probability of a 1 and a 4-bit observation count.
fn counter_p(c: u16) -> u32 {
    u32::from(c >> 4)
}

fn counter_update(c: &mut u16, bit: u32) {
    let n = *c & 15;
    let p = i32::from(*c >> 4);
    let target = if bit == 1 { 4095 } else { 0 };
    let rate = tables().rate[usize::from(n)];
    // `rate` is below 2^16, so `p` moves part of the way towards `target` and stays in 0..=4095.
    let p = (p + (((target - p) * rate) >> 16)).clamp(0, 4095) as u16;
    let n = if n < COUNT_LIMIT { n + 1 } else { n };
    *c = (p << 4) | n;
}

const COUNTER_NEW: u16 = 2048 << 4;

/// An adaptive probability map: refines a probability given a small context, by interpolating
/// between 33 learned points along the stretch axis.
#[derive(Clone)]
struct Apm {
    table: Vec<u16>,
    index: usize,
}

impl Apm {
    fn new(contexts: usize) -> Self {
        let mut table = Vec::with_capacity(contexts * 33);
        for _ in 0..contexts {
            for j in 0..33 {
                table.push((squash((j - 16) * 128) * 16) as u16);
            }
        }
        Self { table, index: 0 }
    }

    fn refine(&mut self, p: i32, context: usize) -> i32 {
        let s = stretch(p as u32) + 2048;
        let lo = (s >> 7) as usize;
        let w = s & 127;
        let base = context * 33 + lo;
        self.index = base + usize::from(w >= 64);
        let a = i32::from(self.table.get(base).copied().unwrap_or(0));
        let b = i32::from(self.table.get(base + 1).copied().unwrap_or(0));
        ((a * (128 - w) + b * w) >> 11).clamp(1, 4095)
    }

    fn update(&mut self, bit: u32) {
        const RATE: i32 = 7;
        let bit = bit as i32;
        let target = (bit << 16) + (bit << RATE) - bit - bit;
        if let Some(v) = self.table.get_mut(self.index) {
            let old = i32::from(*v);
            *v = (old + ((target - old) >> RATE)).clamp(0, 65535) as u16;
        }
    }
}

// --- The model ----------------------------------------------------------------------------------

/// Hashed context tables: orders 2, 3, 4, 5, 6, the word, and the column.
const HASHED: usize = 7;
const TABLE_BITS: u32 = 20;
/// Mixer inputs: order 0, order 1, the hashed contexts, the match model, and a bias.
const INPUTS: usize = HASHED + 4;
const MATCH_MIN: usize = 6;
const MATCH_BITS: u32 = 18;
const MATCH_SLOTS: usize = 64;
/// Weights are 16.16 fixed point; a quarter each to start.
const WEIGHT_START: i32 = 1 << 14;
const WEIGHT_LIMIT: i32 = 1 << 22;
const LEARNING_SHIFT: u32 = 11;

#[derive(Clone)]
struct Model {
    order0: Vec<u16>,
    order1: Vec<u16>,
    hashed: Vec<u16>,
    history: Vec<u8>,
    match_table: Vec<u32>,
    match_ptr: usize,
    match_len: u32,
    match_counters: Vec<u16>,
    match_slot: Option<usize>,
    mixer_a: Vec<i32>,
    mixer_b: Vec<i32>,
    set_a: usize,
    set_b: usize,
    apm_order0: Apm,
    apm_order2: Apm,
    /// The bits of the current byte so far, after a leading 1.
    c0: u32,
    bit_count: u32,
    /// The last eight bytes, newest in the low byte.
    last8: u64,
    word: u32,
    line_start: usize,
    previous_line_start: usize,
    hashes: [u32; HASHED],
    slots: [usize; HASHED],
    inputs: [i32; INPUTS],
    p_a: i32,
    p_b: i32,
}

impl Model {
    fn new() -> Self {
        let mut model = Self {
            order0: vec![COUNTER_NEW; 256],
            order1: vec![COUNTER_NEW; 1 << 16],
            hashed: vec![COUNTER_NEW; HASHED << TABLE_BITS],
            history: Vec::with_capacity(DICTIONARY_LEN + 64 * 1024),
            match_table: vec![0; 1 << MATCH_BITS],
            match_ptr: 0,
            match_len: 0,
            match_counters: vec![COUNTER_NEW; MATCH_SLOTS],
            match_slot: None,
            mixer_a: vec![WEIGHT_START; 32 * INPUTS],
            mixer_b: vec![WEIGHT_START; 256 * INPUTS],
            set_a: 0,
            set_b: 0,
            apm_order0: Apm::new(256),
            apm_order2: Apm::new(1 << 12),
            c0: 1,
            bit_count: 0,
            last8: 0,
            word: 0,
            line_start: 0,
            previous_line_start: 0,
            hashes: [0; HASHED],
            slots: [0; HASHED],
            inputs: [0; INPUTS],
            p_a: 2048,
            p_b: 2048,
        };
        model.start_byte();
        model
    }

    fn primed(dictionary: &[u8]) -> Self {
        let mut model = Self::new();
        for &byte in dictionary {
            for shift in (0..8).rev() {
                model.predict();
                model.update(u32::from((byte >> shift) & 1));
            }
        }
        model
    }

    /// Computes the context hashes for the next byte.
    fn start_byte(&mut self) {
        fn hash(value: u64, salt: u64) -> u32 {
            (value.wrapping_add(salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
        }
        let h = self.last8;
        self.hashes[0] = hash(h & 0xffff, 1 << 60);
        self.hashes[1] = hash(h & 0xff_ffff, 2 << 60);
        self.hashes[2] = hash(h & 0xffff_ffff, 3 << 60);
        self.hashes[3] = hash(h & 0xff_ffff_ffff, 4 << 60);
        self.hashes[4] = hash(h & 0xffff_ffff_ffff, 5 << 60);
        self.hashes[5] = hash(u64::from(self.word) | ((h & 0xff) << 32), 6 << 60);
        let column = self.history.len() - self.line_start;
        let above = self
            .history
            .get(self.previous_line_start + column)
            .filter(|_| self.previous_line_start + column < self.line_start)
            .map_or(0, |&b| u64::from(b));
        self.hashes[6] = hash(
            above | ((column.min(255) as u64) << 8) | ((h & 0xff) << 16),
            7 << 60,
        );
    }

    /// The probability (12 bits) that the next bit is a 1.
    fn predict(&mut self) -> u32 {
        let c0 = self.c0;
        let c1 = (self.last8 & 0xff) as u32;
        let order0 = c0 as usize & 0xff;
        let order1 = ((c1 << 8) | (c0 & 0xff)) as usize;
        self.inputs[0] = stretch(counter_p(self.order0[order0]));
        self.inputs[1] = stretch(counter_p(self.order1[order1]));
        for i in 0..HASHED {
            let x = self.hashes[i]
                .wrapping_add(c0.wrapping_mul(0x2f0b_4a93))
                .wrapping_mul(0x9E37_79B1);
            self.slots[i] = (i << TABLE_BITS) | (x >> (32 - TABLE_BITS)) as usize;
            self.inputs[2 + i] = stretch(counter_p(self.hashed[self.slots[i]]));
        }

        // The match model: the bit that followed the last occurrence of this context.
        self.match_slot = None;
        self.inputs[HASHED + 2] = 0;
        let mut match_bucket = 0;
        if self.match_len > 0
            && let Some(&predicted) = self.history.get(self.match_ptr)
        {
            let predicted = u32::from(predicted) | 256;
            if predicted >> (8 - self.bit_count) == c0 {
                let bit = (predicted >> (7 - self.bit_count)) & 1;
                let slot = self.match_len.min(31) as usize * 2 + bit as usize;
                self.match_slot = Some(slot);
                self.inputs[HASHED + 2] = stretch(counter_p(self.match_counters[slot]));
                match_bucket = match self.match_len {
                    0..16 => 1,
                    16..32 => 2,
                    _ => 3,
                };
            }
        }
        self.inputs[HASHED + 3] = 256;

        self.set_a = (match_bucket * 8 + self.bit_count as usize) * INPUTS;
        self.set_b = c1 as usize * INPUTS;
        let dot = |weights: &[i32]| -> i32 {
            let sum: i64 = weights
                .iter()
                .zip(&self.inputs)
                .map(|(&w, &x)| i64::from(w) * i64::from(x))
                .sum();
            (sum >> 16).clamp(-2047, 2047) as i32
        };
        let d_a = dot(&self.mixer_a[self.set_a..self.set_a + INPUTS]);
        let d_b = dot(&self.mixer_b[self.set_b..self.set_b + INPUTS]);
        self.p_a = squash(d_a);
        self.p_b = squash(d_b);
        let mixed = squash((d_a + d_b) >> 1);

        let c2 = ((self.last8 >> 8) & 0xff) as u32;
        let p1 = self.apm_order0.refine(mixed, order0);
        let order2 = ((c0 ^ (c1 << 8) ^ (c2 << 16)).wrapping_mul(0x9E37_79B1) >> 20) as usize;
        let p2 = self.apm_order2.refine(mixed, order2);
        ((mixed * 2 + p1 + p2 + 2) >> 2).clamp(1, 4095) as u32
    }

    /// Learns from the actual bit and moves to the next one.
    fn update(&mut self, bit: u32) {
        counter_update(&mut self.order0[self.c0 as usize & 0xff], bit);
        let c1 = (self.last8 & 0xff) as usize;
        counter_update(&mut self.order1[(c1 << 8) | (self.c0 as usize & 0xff)], bit);
        for &slot in &self.slots {
            counter_update(&mut self.hashed[slot], bit);
        }
        if let Some(slot) = self.match_slot {
            counter_update(&mut self.match_counters[slot], bit);
        }
        let train = |weights: &mut [i32], inputs: &[i32; INPUTS], p: i32| {
            let err = ((bit as i32) << 12) - p;
            for (w, &x) in weights.iter_mut().zip(inputs) {
                *w = (*w + ((x * err) >> LEARNING_SHIFT)).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT);
            }
        };
        train(
            &mut self.mixer_a[self.set_a..self.set_a + INPUTS],
            &self.inputs,
            self.p_a,
        );
        train(
            &mut self.mixer_b[self.set_b..self.set_b + INPUTS],
            &self.inputs,
            self.p_b,
        );
        self.apm_order0.update(bit);
        self.apm_order2.update(bit);

        self.c0 = (self.c0 << 1) | bit;
        self.bit_count += 1;
        if self.bit_count == 8 {
            self.end_byte((self.c0 & 0xff) as u8);
        }
    }

    fn end_byte(&mut self, byte: u8) {
        self.last8 = (self.last8 << 8) | u64::from(byte);
        let lower = byte.to_ascii_lowercase();
        if lower.is_ascii_alphanumeric() || lower == b'_' || lower >= 128 {
            self.word = (self.word ^ u32::from(lower)).wrapping_mul(0x0100_0193);
        } else {
            self.word = 0;
        }
        self.update_match(byte);
        if byte == b'\n' {
            self.previous_line_start = self.line_start;
            self.line_start = self.history.len();
        }
        self.c0 = 1;
        self.bit_count = 0;
        self.start_byte();
    }

    fn update_match(&mut self, byte: u8) {
        if self.match_len > 0 && self.history.get(self.match_ptr) == Some(&byte) {
            self.match_len = (self.match_len + 1).min(65535);
            self.match_ptr += 1;
        } else {
            self.match_len = 0;
        }
        self.history.push(byte);
        let n = self.history.len();
        let Some(recent) = n
            .checked_sub(MATCH_MIN)
            .and_then(|from| self.history.get(from..))
        else {
            return;
        };
        let h = recent.iter().fold(0u32, |h, &b| {
            h.wrapping_mul(0x2f0b_4a93).wrapping_add(u32::from(b) + 1)
        });
        let slot = (h.wrapping_mul(0x9E37_79B1) >> (32 - MATCH_BITS)) as usize;
        if self.match_len == 0 {
            let candidate = self.match_table[slot] as usize;
            if candidate > 0 && candidate < n {
                // Confirm the hash hit: count the bytes that really agree, up to 32.
                let agree = self.history[..candidate]
                    .iter()
                    .rev()
                    .zip(self.history.iter().rev())
                    .take(32)
                    .take_while(|(a, b)| a == b)
                    .count();
                if agree >= MATCH_MIN {
                    self.match_len = agree as u32;
                    self.match_ptr = candidate;
                }
            }
        }
        self.match_table[slot] = u32::try_from(n).unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v1_dictionary_never_changes() {
        // If this fails, the dictionary was edited: every v1 link in the wild would now decode
        // to garbage or fail. Restore it; a new dictionary needs a new format version.
        let bytes = include_bytes!("dictionary.txt");
        assert_eq!(
            (bytes.len(), fingerprint(bytes)),
            (28511, 0xa4d3_919f_12da_9f39),
            "the v1 dictionary changed"
        );
        assert_eq!(
            (DICTIONARY_LEN, DICTIONARY_FINGERPRINT),
            (28511, 0xa4d3_919f_12da_9f39)
        );
        assert!(load_dictionary(bytes.to_vec()));
        let mut wrong = bytes.to_vec();
        wrong[100] ^= 1;
        assert!(!load_dictionary(wrong));
        assert!(!load_dictionary(Vec::new()));
    }

    #[test]
    fn squash_and_stretch_are_inverse_enough() {
        // Exact enough in the middle; squash saturates towards the ends.
        for d in (-1200..=1200).step_by(7) {
            let back = stretch(squash(d) as u32);
            assert!((back - d).abs() <= 16, "{d} -> {back}");
        }
        let mut last = -2048;
        for p in 1..4096 {
            assert!(stretch(p) >= last);
            last = stretch(p);
        }
        assert_eq!(squash(0), 2047);
    }

    #[test]
    fn round_trips_and_uses_the_dictionary() {
        let page = b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"UTF-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n";
        let packed = encode(page).unwrap();
        assert!(packed.len() < page.len() / 5, "{} bytes", packed.len());
        assert_eq!(decode(&packed, page.len()).unwrap(), page);
        let empty = encode(b"").unwrap();
        assert_eq!(empty.len(), 1);
        assert_eq!(decode(&empty, 0).unwrap(), b"");
        let binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        assert_eq!(
            decode(&encode(&binary).unwrap(), binary.len()).unwrap(),
            binary
        );
    }

    #[test]
    fn damage_is_an_error_or_other_text() {
        // The coder alone cannot always tell: a damaged stream often still decodes, to other
        // bytes. The format's checksum is what turns those into errors (see `format`).
        let body = "let x = 1;\n".repeat(50);
        let packed = encode(body.as_bytes()).unwrap();
        for cut in 0..packed.len() {
            if let Ok(other) = decode(&packed[..cut], body.len()) {
                assert_ne!(other, body.as_bytes(), "cut at {cut}");
            }
        }
        assert_eq!(decode(&[], 1), Err(DecodeError::Truncated));
        assert_eq!(decode(&packed, body.len()).unwrap(), body.as_bytes());
    }
}
