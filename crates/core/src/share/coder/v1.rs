//! The v1 model: seven hashed contexts, direct order-0 and order-1 tables and the match model,
//! mixed by two small mixers, refined by two adaptive probability maps. Frozen: every v1 link
//! decodes through exactly this arithmetic.

use super::Predictor;
use super::parts::{
    COUNTER_NEW, Direct, HASHED, Refiner, TABLE_BITS, Text, counter_p, counter_update, dot, squash,
    stretch, train,
};

/// Mixer inputs: order 0, order 1, the hashed contexts, the match model, and a bias.
const INPUTS: usize = HASHED + 4;
/// Counters adapt fast: after this many observations the rate stops falling.
const COUNT_LIMIT: u16 = 8;
/// Weights are 16.16 fixed point; a quarter each to start.
const WEIGHT_START: i32 = 1 << 14;
const LEARNING_SHIFT: u32 = 11;

#[derive(Clone)]
pub(super) struct Model {
    direct: Direct,
    hashed: Vec<u16>,
    text: Text,
    mixer_a: Vec<i32>,
    mixer_b: Vec<i32>,
    set_a: usize,
    set_b: usize,
    refiner: Refiner,
    slots: [usize; HASHED],
    inputs: [i32; INPUTS],
    p_a: i32,
    p_b: i32,
}

impl Model {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            direct: Direct::new(),
            hashed: vec![COUNTER_NEW; HASHED << TABLE_BITS],
            text: Text::new(capacity),
            mixer_a: vec![WEIGHT_START; 32 * INPUTS],
            mixer_b: vec![WEIGHT_START; 256 * INPUTS],
            set_a: 0,
            set_b: 0,
            refiner: Refiner::new(),
            slots: [0; HASHED],
            inputs: [0; INPUTS],
            p_a: 2048,
            p_b: 2048,
        }
    }
}

impl Predictor for Model {
    fn predict(&mut self) -> u32 {
        let c1 = (self.text.last8 & 0xff) as u32;
        self.inputs[..2].copy_from_slice(&self.direct.inputs(&self.text));
        self.slots = self.text.slots();
        for (input, &slot) in self.inputs[2..].iter_mut().zip(&self.slots) {
            *input = stretch(counter_p(self.hashed[slot]));
        }
        let (match_input, match_bucket) = self.text.match_input();
        self.inputs[HASHED + 2] = match_input;
        self.inputs[HASHED + 3] = 256;

        self.set_a = (match_bucket * 8 + self.text.bit_count as usize) * INPUTS;
        self.set_b = c1 as usize * INPUTS;
        let d_a = dot(&self.mixer_a[self.set_a..self.set_a + INPUTS], &self.inputs);
        let d_b = dot(&self.mixer_b[self.set_b..self.set_b + INPUTS], &self.inputs);
        self.p_a = squash(d_a);
        self.p_b = squash(d_b);
        let mixed = squash((d_a + d_b) >> 1);
        self.refiner.refine(mixed, &self.text)
    }

    fn update(&mut self, bit: u32) {
        self.direct.update(&self.text, bit, COUNT_LIMIT);
        for &slot in &self.slots {
            counter_update(&mut self.hashed[slot], bit, COUNT_LIMIT);
        }
        let (a, b) = (self.set_a, self.set_b);
        train(
            &mut self.mixer_a[a..a + INPUTS],
            &self.inputs,
            bit,
            self.p_a,
            LEARNING_SHIFT,
        );
        train(
            &mut self.mixer_b[b..b + INPUTS],
            &self.inputs,
            bit,
            self.p_b,
            LEARNING_SHIFT,
        );
        self.refiner.update(bit);
        self.text.update(bit, COUNT_LIMIT);
    }
}
