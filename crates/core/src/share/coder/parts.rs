//! What the v1 and v2 models share: probability arithmetic, counters, adaptive probability maps,
//! mixer arithmetic, and the text state (hashed contexts of the next byte and the match model).
//!
//! Every function here is part of both formats: changing one changes what v1 and v2 links
//! decode to (the golden-link tests notice).

use std::sync::OnceLock;

/// `4096 / (1 + e^(-d/256))` sampled every 128 steps of `d`, interpolated in between.
const SQUASH_POINTS: [i32; 33] = [
    1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047, 2549, 2994, 3348,
    3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094,
];

/// Logistic function: stretch domain (-2047..=2047) to a 12-bit probability (1..=4095).
pub(super) fn squash(d: i32) -> i32 {
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

/// Inverse of `squash`: a 12-bit probability to the stretch domain.
pub(super) fn stretch(p: u32) -> i32 {
    i32::from(tables().stretch[(p & 4095) as usize])
}

/// A 16-bit counter: a 12-bit probability of a 1 and a 4-bit observation count.
pub(super) fn counter_p(c: u16) -> u32 {
    u32::from(c >> 4)
}

/// Moves a counter towards `bit`; after `limit` observations its rate stops falling.
pub(super) fn counter_update(c: &mut u16, bit: u32, limit: u16) {
    let n = *c & 15;
    let p = i32::from(*c >> 4);
    let target = if bit == 1 { 4095 } else { 0 };
    let rate = tables().rate[usize::from(n)];
    // `rate` is below 2^16, so `p` moves part of the way towards `target` and stays in 0..=4095.
    let p = (p + (((target - p) * rate) >> 16)).clamp(0, 4095) as u16;
    let n = if n < limit { n + 1 } else { n };
    *c = (p << 4) | n;
}

pub(super) const COUNTER_NEW: u16 = 2048 << 4;

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

/// The direct order-0 and order-1 tables whose predictions both models mix.
#[derive(Clone)]
pub(super) struct Direct {
    order0: Vec<u16>,
    order1: Vec<u16>,
}

impl Direct {
    pub(super) fn new() -> Self {
        Self {
            order0: vec![COUNTER_NEW; 256],
            order1: vec![COUNTER_NEW; 1 << 16],
        }
    }

    /// The two tables' predictions for the next bit, in the stretch domain.
    pub(super) fn inputs(&self, text: &Text) -> [i32; 2] {
        let (order0, order1) = Self::slots(text);
        [
            stretch(counter_p(self.order0[order0])),
            stretch(counter_p(self.order1[order1])),
        ]
    }

    /// Learns `bit`; call before `text` moves to the next bit.
    pub(super) fn update(&mut self, text: &Text, bit: u32, limit: u16) {
        let (order0, order1) = Self::slots(text);
        counter_update(&mut self.order0[order0], bit, limit);
        counter_update(&mut self.order1[order1], bit, limit);
    }

    fn slots(text: &Text) -> (usize, usize) {
        let order0 = text.c0 as usize & 0xff;
        let c1 = (text.last8 & 0xff) as usize;
        (order0, (c1 << 8) | order0)
    }
}

/// The last stage of both models: two adaptive probability maps (by the partial byte, and by a
/// hash of it with the two bytes before) refine the mixed prediction, and the three are
/// averaged with the mixed one counting twice.
#[derive(Clone)]
pub(super) struct Refiner {
    apm_order0: Apm,
    apm_order2: Apm,
}

impl Refiner {
    pub(super) fn new() -> Self {
        Self {
            apm_order0: Apm::new(256),
            apm_order2: Apm::new(1 << 12),
        }
    }

    /// The final 12-bit probability of a 1, from the mixers' `mixed`.
    pub(super) fn refine(&mut self, mixed: i32, text: &Text) -> u32 {
        let c0 = text.c0;
        let c1 = (text.last8 & 0xff) as u32;
        let c2 = ((text.last8 >> 8) & 0xff) as u32;
        let p1 = self.apm_order0.refine(mixed, c0 as usize & 0xff);
        let order2 = ((c0 ^ (c1 << 8) ^ (c2 << 16)).wrapping_mul(0x9E37_79B1) >> 20) as usize;
        let p2 = self.apm_order2.refine(mixed, order2);
        ((mixed * 2 + p1 + p2 + 2) >> 2).clamp(1, 4095) as u32
    }

    pub(super) fn update(&mut self, bit: u32) {
        self.apm_order0.update(bit);
        self.apm_order2.update(bit);
    }
}

/// Mixer weights are 16.16 fixed point and kept within this bound.
pub(super) const WEIGHT_LIMIT: i32 = 1 << 22;

/// A mixer's output in the stretch domain: the weighted sum of `inputs`.
pub(super) fn dot(weights: &[i32], inputs: &[i32]) -> i32 {
    let sum: i64 = weights
        .iter()
        .zip(inputs)
        .map(|(&w, &x)| i64::from(w) * i64::from(x))
        .sum();
    (sum >> 16).clamp(-2047, 2047) as i32
}

/// Moves `weights` against the error of their prediction `p` (12 bits) of `bit`.
pub(super) fn train(weights: &mut [i32], inputs: &[i32], bit: u32, p: i32, shift: u32) {
    let err = ((bit as i32) << 12) - p;
    for (w, &x) in weights.iter_mut().zip(inputs) {
        *w = (*w + ((x * err) >> shift)).clamp(-WEIGHT_LIMIT, WEIGHT_LIMIT);
    }
}

/// Hashed contexts: orders 2, 3, 4, 5, 6, the word, and the column.
pub(super) const HASHED: usize = 7;
pub(super) const TABLE_BITS: u32 = 20;
const MATCH_MIN: usize = 6;
const MATCH_BITS: u32 = 18;
const MATCH_SLOTS: usize = 64;

/// What the models know of the text so far: the bytes, the bits of the current byte, the
/// hashed contexts of the next byte, and the match model (the byte that followed the last
/// occurrence of the current 6-byte context).
#[derive(Clone)]
pub(super) struct Text {
    pub(super) history: Vec<u8>,
    /// The bits of the current byte so far, after a leading 1.
    pub(super) c0: u32,
    pub(super) bit_count: u32,
    /// The last eight bytes, newest in the low byte.
    pub(super) last8: u64,
    pub(super) hashes: [u32; HASHED],
    word: u32,
    line_start: usize,
    previous_line_start: usize,
    match_table: Vec<u32>,
    match_ptr: usize,
    match_len: u32,
    match_counters: Vec<u16>,
    match_slot: Option<usize>,
}

impl Text {
    pub(super) fn new(capacity: usize) -> Self {
        let mut text = Self {
            history: Vec::with_capacity(capacity),
            c0: 1,
            bit_count: 0,
            last8: 0,
            hashes: [0; HASHED],
            word: 0,
            line_start: 0,
            previous_line_start: 0,
            match_table: vec![0; 1 << MATCH_BITS],
            match_ptr: 0,
            match_len: 0,
            match_counters: vec![COUNTER_NEW; MATCH_SLOTS],
            match_slot: None,
        };
        text.start_byte();
        text
    }

    /// The slots of the hashed contexts for the current bit, `TABLE_BITS` wide, table `i` at
    /// `i << TABLE_BITS`.
    pub(super) fn slots(&self) -> [usize; HASHED] {
        let mut slots = [0; HASHED];
        for (i, slot) in slots.iter_mut().enumerate() {
            let x = self.hashes[i]
                .wrapping_add(self.c0.wrapping_mul(0x2f0b_4a93))
                .wrapping_mul(0x9E37_79B1);
            *slot = (i << TABLE_BITS) | (x >> (32 - TABLE_BITS)) as usize;
        }
        slots
    }

    /// The match model's input (stretch domain, 0 without a match) and its length bucket
    /// (0 for none, then 1-3 by length).
    pub(super) fn match_input(&mut self) -> (i32, usize) {
        self.match_slot = None;
        if self.match_len == 0 {
            return (0, 0);
        }
        let Some(&predicted) = self.history.get(self.match_ptr) else {
            return (0, 0);
        };
        let predicted = u32::from(predicted) | 256;
        if predicted >> (8 - self.bit_count) != self.c0 {
            return (0, 0);
        }
        let bit = (predicted >> (7 - self.bit_count)) & 1;
        let slot = self.match_len.min(31) as usize * 2 + bit as usize;
        self.match_slot = Some(slot);
        let bucket = match self.match_len {
            0..16 => 1,
            16..32 => 2,
            _ => 3,
        };
        (stretch(counter_p(self.match_counters[slot])), bucket)
    }

    /// Learns `bit` in the match model and moves to the next bit; `limit` is the counters'.
    pub(super) fn update(&mut self, bit: u32, limit: u16) {
        if let Some(slot) = self.match_slot {
            counter_update(&mut self.match_counters[slot], bit, limit);
        }
        self.c0 = (self.c0 << 1) | bit;
        self.bit_count += 1;
        if self.bit_count == 8 {
            self.end_byte((self.c0 & 0xff) as u8);
        }
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
}
