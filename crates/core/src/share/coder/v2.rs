//! The v2 model: v1's contexts, with faster counters whose confidence is learned, four mixers
//! combined by a final one, and a dictionary three times as large (see `coder`).
//!
//! What each change bought on the benchmark corpus, with v1's dictionary (BENCHMARKS.md has the
//! table): counters that stop slowing after 4 observations instead of 8, read through a learned
//! map from (observations, probability) to probability: −1.6 %; mixers selected by the partial
//! byte and by the previous byte's top bits, and a final mixer instead of an average: −1.4 %.
//! Frozen once released: every v2 link decodes through exactly this arithmetic.

use super::Predictor;
use super::parts::{
    COUNTER_NEW, Direct, HASHED, Refiner, TABLE_BITS, Text, counter_update, dot, squash, stretch,
    train,
};

/// Mixer inputs: order 0, order 1, the hashed contexts, the match model, and a bias.
const INPUTS: usize = HASHED + 4;
const COUNT_LIMIT: u16 = 4;
/// First-layer mixers, by what selects their weight set: match length and bit position (32
/// sets), the previous byte (256), the partial byte (256), the previous byte's top three bits
/// with the partial byte (2048).
const MIXERS: usize = 4;
const MIXER_SETS: [usize; MIXERS] = [32, 256, 256, 2048];
const WEIGHT_START: i32 = 1 << 14;
const LEARNING_SHIFT: u32 = 11;
/// The final mixer starts as the average of the first layer and learns more slowly.
const FINAL_START: i32 = (1 << 16) / MIXERS as i32;
const FINAL_SHIFT: u32 = 13;
/// Confidence maps: per hashed context, 16 counts × 64 probability buckets.
const CONFIDENCE_SLOTS: usize = 16 * 64;
const CONFIDENCE_RATE: u32 = 7;

#[derive(Clone)]
pub(super) struct Model {
    direct: Direct,
    hashed: Vec<u16>,
    /// For each hashed context, what a counter in each state has really predicted (16 bits).
    confidence: Vec<u16>,
    text: Text,
    mixers: [Vec<i32>; MIXERS],
    sets: [usize; MIXERS],
    outputs: [i32; MIXERS],
    final_mixer: Vec<i32>,
    final_set: usize,
    p_final: i32,
    refiner: Refiner,
    slots: [usize; HASHED],
    confidence_slots: [usize; HASHED],
    inputs: [i32; INPUTS],
}

impl Model {
    pub(super) fn new(capacity: usize) -> Self {
        let confidence = (0..HASHED * CONFIDENCE_SLOTS)
            .map(|i| (((i & 63) as u16) << 6 | 32) << 4)
            .collect();
        let mut final_mixer = vec![FINAL_START; 8 * (MIXERS + 1)];
        for set in final_mixer.chunks_mut(MIXERS + 1) {
            set[MIXERS] = 0;
        }
        Self {
            direct: Direct::new(),
            hashed: vec![COUNTER_NEW; HASHED << TABLE_BITS],
            confidence,
            text: Text::new(capacity),
            mixers: MIXER_SETS.map(|sets| vec![WEIGHT_START; sets * INPUTS]),
            sets: [0; MIXERS],
            outputs: [0; MIXERS],
            final_mixer,
            final_set: 0,
            p_final: 2048,
            refiner: Refiner::new(),
            slots: [0; HASHED],
            confidence_slots: [0; HASHED],
            inputs: [0; INPUTS],
        }
    }
}

impl Predictor for Model {
    fn predict(&mut self) -> u32 {
        let c1 = (self.text.last8 & 0xff) as usize;
        let order0 = self.text.c0 as usize & 0xff;
        self.inputs[..2].copy_from_slice(&self.direct.inputs(&self.text));
        self.slots = self.text.slots();
        for i in 0..HASHED {
            let c = self.hashed[self.slots[i]];
            let at = i * CONFIDENCE_SLOTS + (usize::from(c & 15) << 6) + usize::from(c >> 10);
            self.confidence_slots[i] = at;
            self.inputs[2 + i] = stretch(u32::from(self.confidence[at] >> 4));
        }
        let (match_input, match_bucket) = self.text.match_input();
        self.inputs[HASHED + 2] = match_input;
        self.inputs[HASHED + 3] = 256;

        let selectors = [
            match_bucket * 8 + self.text.bit_count as usize,
            c1,
            order0,
            ((c1 >> 5) << 8) | order0,
        ];
        for (m, selector) in selectors.into_iter().enumerate() {
            let set = selector * INPUTS;
            self.sets[m] = set;
            self.outputs[m] = dot(&self.mixers[m][set..set + INPUTS], &self.inputs);
        }
        self.final_set = self.text.bit_count as usize * (MIXERS + 1);
        let weights = &self.final_mixer[self.final_set..self.final_set + MIXERS + 1];
        let mut layer = [256; MIXERS + 1];
        layer[..MIXERS].copy_from_slice(&self.outputs);
        self.p_final = squash(dot(weights, &layer));
        self.refiner.refine(self.p_final, &self.text)
    }

    fn update(&mut self, bit: u32) {
        self.direct.update(&self.text, bit, COUNT_LIMIT);
        let target = if bit == 1 { 65535 } else { 0 };
        for (&slot, &at) in self.slots.iter().zip(&self.confidence_slots) {
            counter_update(&mut self.hashed[slot], bit, COUNT_LIMIT);
            let old = i32::from(self.confidence[at]);
            self.confidence[at] = (old + ((target - old) >> CONFIDENCE_RATE)) as u16;
        }
        for m in 0..MIXERS {
            let set = self.sets[m];
            let p = squash(self.outputs[m]);
            train(
                &mut self.mixers[m][set..set + INPUTS],
                &self.inputs,
                bit,
                p,
                LEARNING_SHIFT,
            );
        }
        let mut layer = [256; MIXERS + 1];
        layer[..MIXERS].copy_from_slice(&self.outputs);
        let at = self.final_set;
        train(
            &mut self.final_mixer[at..at + MIXERS + 1],
            &layer,
            bit,
            self.p_final,
            FINAL_SHIFT,
        );
        self.refiner.update(bit);
        self.text.update(bit, COUNT_LIMIT);
    }
}
