//! The share-link compressors: small context-mixing coders (in the manner of lpaq) whose models
//! are first trained on a fixed dictionary of web-app text, so that even a short page is
//! predicted well from its first byte. Format v1 and v2 each have their model (modules `v1`,
//! `v2`, sharing `parts`) and dictionary; the arithmetic coder below is common to both.
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
//! give a probability; small neural mixers combine them in the logistic domain; two adaptive
//! probability maps refine the result; a 32-bit binary arithmetic coder codes the bit.
//! Everything is integer arithmetic, so native and wasm builds produce and read the same bytes.
//!
//! All of it is part of the formats: the dictionaries, table sizes, hash functions, learning
//! rates. Changing any of them breaks every link of that version (the golden-link tests
//! notice); improving the model means a new format version.
//!
//! The v2 dictionary is the v1 dictionary followed by an extension chosen from model-written
//! apps (`dictionary-v2.txt`, made by `benches/build_dictionary.py`); the page fetches both as one
//! file.
//!
//! Hostile input: the decoder is told the body length and produces exactly that many bytes, so a
//! link cannot expand past the limit its header was checked against; a valid stream makes the
//! decoder read exactly three bytes past its end, so more is "cut short" (and stops decoding at
//! once) and fewer is "trailing data". Decoding takes time linear in the declared length.

mod parts;
mod v1;
mod v2;

use std::sync::{Mutex, MutexGuard};

/// The dictionary of format v1, compiled in unless the `builtin-dictionary` feature is off (the
/// studio page turns it off and fetches the same bytes as a file when it first needs them, so
/// its first load does not carry them). Never edit: see the module header.
#[cfg(feature = "builtin-dictionary")]
static V1_DICTIONARY: &[u8] = include_bytes!("dictionary.txt");
/// What format v2 trains on after the v1 dictionary. Never edit once released.
#[cfg(feature = "builtin-dictionary")]
static V2_EXTENSION: &[u8] = include_bytes!("dictionary-v2.txt");

/// The v1 dictionary's length and FNV-1a fingerprint.
const V1_LEN: usize = 28_511;
const V1_FINGERPRINT: u64 = 0xa4d3_919f_12da_9f39;
/// The whole dictionary file (v1 dictionary, then the v2 extension): length and fingerprint.
/// Bytes handed in at run time must match both.
pub(crate) const DICTIONARY_LEN: usize = 88_714;
pub(crate) const DICTIONARY_FINGERPRINT: u64 = 0x4a32_0278_127a_1af6;

#[cfg(not(feature = "builtin-dictionary"))]
static LOADED: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// The dictionary file's bytes: the v1 dictionary followed by the v2 extension.
#[cfg(feature = "builtin-dictionary")]
pub(crate) fn dictionary_file() -> Vec<u8> {
    [V1_DICTIONARY, V2_EXTENSION].concat()
}

/// The v1 dictionary and the v2 extension, if this build has them or they were loaded.
fn dictionaries() -> Option<(&'static [u8], &'static [u8])> {
    #[cfg(feature = "builtin-dictionary")]
    {
        Some((V1_DICTIONARY, V2_EXTENSION))
    }
    #[cfg(not(feature = "builtin-dictionary"))]
    {
        LOADED.get().map(|bytes| bytes.split_at(V1_LEN))
    }
}

/// Whether the dictionaries are there.
pub(crate) fn dictionary_ready() -> bool {
    dictionaries().is_some()
}

/// Hands in the dictionary file at run time. False when the bytes are not exactly that file.
pub(crate) fn load_dictionary(bytes: Vec<u8>) -> bool {
    if bytes.len() != DICTIONARY_LEN
        || fingerprint(&bytes) != DICTIONARY_FINGERPRINT
        || fingerprint(&bytes[..V1_LEN]) != V1_FINGERPRINT
    {
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

/// Which format's model and dictionary code a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    V1,
    V2,
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

/// A model that predicts the next bit and learns it.
trait Predictor {
    /// The probability (12 bits) that the next bit is a 1.
    fn predict(&mut self) -> u32;
    /// Learns from the actual bit and moves to the next one.
    fn update(&mut self, bit: u32);

    /// Learns `bytes` without coding them.
    fn train_on(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            for shift in (0..8).rev() {
                self.predict();
                self.update(u32::from((byte >> shift) & 1));
            }
        }
    }
}

/// Codes `body`. The output holds no length: the decoder must be told it. `None` when the
/// dictionary is not there.
pub(crate) fn encode(codec: Codec, body: &[u8]) -> Option<Vec<u8>> {
    let parts = training(codec)?;
    Some(match codec {
        Codec::V1 => encode_with(primed(&V1_MODEL, new_v1, parts)?, body),
        Codec::V2 => encode_with(primed(&V2_MODEL, new_v2, parts)?, body),
    })
}

/// Decodes exactly `len` bytes from `stream`, which must hold nothing more.
#[cfg(test)]
pub(crate) fn decode(codec: Codec, stream: &[u8], len: usize) -> Result<Vec<u8>, DecodeError> {
    let mut decoding = Decoding::start(codec, stream.to_vec(), len)?;
    loop {
        if let Some(done) = decoding.step(usize::MAX) {
            return done;
        }
    }
}

fn encode_with(mut model: impl Predictor, body: &[u8]) -> Vec<u8> {
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
    out
}

/// A decode in progress, resumable so that the page can decode a long link a slice at a time
/// between frames. Produces exactly the declared length and refuses a stream that holds more
/// or less than that takes.
pub(crate) struct Decoding {
    model: Box<dyn Predictor + Send>,
    input: Input,
    x1: u32,
    x2: u32,
    x: u32,
    out: Vec<u8>,
    len: usize,
}

impl Decoding {
    /// Readies a decode of `len` bytes from `stream` with `codec`'s trained model.
    pub(crate) fn start(codec: Codec, stream: Vec<u8>, len: usize) -> Result<Self, DecodeError> {
        let parts = training(codec).ok_or(DecodeError::NoDictionary)?;
        let model: Box<dyn Predictor + Send> = match codec {
            Codec::V1 => {
                Box::new(primed(&V1_MODEL, new_v1, parts).ok_or(DecodeError::NoDictionary)?)
            }
            Codec::V2 => {
                Box::new(primed(&V2_MODEL, new_v2, parts).ok_or(DecodeError::NoDictionary)?)
            }
        };
        let mut input = Input { stream, pos: 0 };
        let mut x: u32 = 0;
        for _ in 0..4 {
            x = (x << 8) | input.next()?;
        }
        Ok(Self {
            model,
            input,
            x1: 0,
            x2: u32::MAX,
            x,
            out: Vec::with_capacity(len),
            len,
        })
    }

    /// How many bytes are decoded, of how many.
    pub(crate) fn progress(&self) -> (usize, usize) {
        (self.out.len(), self.len)
    }

    /// Decodes up to `budget` more bytes; the body once all of it is there, or why not.
    pub(crate) fn step(&mut self, budget: usize) -> Option<Result<Vec<u8>, DecodeError>> {
        let end = self.len.min(self.out.len().saturating_add(budget));
        while self.out.len() < end {
            if let Err(e) = self.next_byte() {
                return Some(Err(e));
            }
        }
        if self.out.len() < self.len {
            return None;
        }
        if self.input.pos != self.input.stream.len() + PAD_READS {
            return Some(Err(DecodeError::Trailing));
        }
        Some(Ok(std::mem::take(&mut self.out)))
    }

    fn next_byte(&mut self) -> Result<(), DecodeError> {
        let mut byte = 0u32;
        for _ in 0..8 {
            let p = self.model.predict();
            let xmid = split(self.x1, self.x2, p);
            let bit = if self.x <= xmid {
                self.x2 = xmid;
                1
            } else {
                self.x1 = xmid + 1;
                0
            };
            self.model.update(bit);
            byte = (byte << 1) | bit;
            while (self.x1 ^ self.x2) & 0xff00_0000 == 0 {
                self.x1 <<= 8;
                self.x2 = (self.x2 << 8) | 0xff;
                self.x = (self.x << 8) | self.input.next()?;
            }
        }
        self.out.push(byte as u8);
        Ok(())
    }
}

/// The decoder reads this many bytes past the end of every valid stream (see `encode_with`).
const PAD_READS: usize = 3;

struct Input {
    stream: Vec<u8>,
    pos: usize,
}

impl Input {
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

/// Room for the dictionaries and a typical body, so the history rarely grows while coding.
const HISTORY_CAPACITY: usize = 160 * 1024;

/// A model part-way through training on its dictionary, kept for the life of the process: a
/// trained model is about 16 MiB, and training it takes longest of anything a link does (v2's
/// 89 KB dictionary: 0.27 s natively, about 0.7 s in the page), so it is done once, and each
/// link works on a clone.
struct Priming<M> {
    model: M,
    /// How many bytes of the dictionary the model has seen.
    trained: usize,
}

static V1_MODEL: Mutex<Option<Priming<v1::Model>>> = Mutex::new(None);
static V2_MODEL: Mutex<Option<Priming<v2::Model>>> = Mutex::new(None);

impl<M: Predictor> Priming<M> {
    /// Trains on up to `budget` more bytes of `parts` (the dictionary, in pieces); true once
    /// the model has seen all of them.
    fn advance(&mut self, parts: [&[u8]; 2], budget: usize) -> bool {
        let mut left = budget;
        let mut offset = 0;
        for part in parts {
            let from = offset;
            offset += part.len();
            if self.trained >= offset || left == 0 {
                continue;
            }
            let start = self.trained - from;
            let end = part.len().min(start.saturating_add(left));
            self.model.train_on(&part[start..end]);
            left -= end - start;
            self.trained = from + end;
        }
        self.trained >= offset
    }
}

/// The model being trained in `slot`, started if need be. A panic cannot happen while the lock
/// is held (training is arithmetic on owned tables), but should one, the half-trained state is
/// thrown away and built again.
fn priming<M>(
    slot: &Mutex<Option<Priming<M>>>,
    new: impl FnOnce() -> M,
) -> MutexGuard<'_, Option<Priming<M>>> {
    let mut guard = slot.lock().unwrap_or_else(|poisoned| {
        let mut guard = poisoned.into_inner();
        *guard = None;
        guard
    });
    if guard.is_none() {
        *guard = Some(Priming {
            model: new(),
            trained: 0,
        });
    }
    guard
}

/// What `codec`'s model trains on: the v1 dictionary, then (for v2) the extension.
fn training(codec: Codec) -> Option<[&'static [u8]; 2]> {
    let (v1_dictionary, extension) = dictionaries()?;
    Some(match codec {
        Codec::V1 => [v1_dictionary, &[]],
        Codec::V2 => [v1_dictionary, extension],
    })
}

/// Advances `codec`'s model by up to `budget` bytes of its dictionary: `Some(true)` when it is
/// ready, `None` when the dictionary is not there. Lets the page train in slices between
/// frames instead of freezing for the whole dictionary.
pub(crate) fn prepare(codec: Codec, budget: usize) -> Option<bool> {
    let parts = training(codec)?;
    Some(match codec {
        Codec::V1 => priming(&V1_MODEL, new_v1).as_mut()?.advance(parts, budget),
        Codec::V2 => priming(&V2_MODEL, new_v2).as_mut()?.advance(parts, budget),
    })
}

fn new_v1() -> v1::Model {
    v1::Model::new(HISTORY_CAPACITY)
}

fn new_v2() -> v2::Model {
    v2::Model::new(HISTORY_CAPACITY)
}

/// A clone of the fully trained model in `slot`.
fn primed<M: Predictor + Clone>(
    slot: &Mutex<Option<Priming<M>>>,
    new: fn() -> M,
    parts: [&[u8]; 2],
) -> Option<M> {
    let mut guard = priming(slot, new);
    let p = guard.as_mut()?;
    p.advance(parts, usize::MAX);
    Some(p.model.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionaries_never_change() {
        // If this fails, a dictionary was edited: every link of that version in the wild would
        // now decode to garbage or fail. Restore it; a new dictionary needs a new format version.
        let v1 = include_bytes!("dictionary.txt");
        assert_eq!(
            (v1.len(), fingerprint(v1)),
            (28511, 0xa4d3_919f_12da_9f39),
            "the v1 dictionary changed"
        );
        assert_eq!((V1_LEN, V1_FINGERPRINT), (28511, 0xa4d3_919f_12da_9f39));
        let file = [&v1[..], include_bytes!("dictionary-v2.txt")].concat();
        assert_eq!(
            (file.len(), fingerprint(&file)),
            (DICTIONARY_LEN, DICTIONARY_FINGERPRINT),
            "the v2 dictionary changed"
        );
        assert!(load_dictionary(file.clone()));
        let mut wrong = file.clone();
        wrong[100] ^= 1;
        assert!(!load_dictionary(wrong));
        let mut wrong = file;
        wrong[V1_LEN + 100] ^= 1;
        assert!(!load_dictionary(wrong));
        assert!(!load_dictionary(v1.to_vec()));
        assert!(!load_dictionary(Vec::new()));
    }

    #[test]
    fn round_trips_and_uses_the_dictionary() {
        let page = b"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"UTF-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n";
        for codec in [Codec::V1, Codec::V2] {
            let packed = encode(codec, page).unwrap();
            assert!(
                packed.len() < page.len() / 5,
                "{codec:?}: {} bytes",
                packed.len()
            );
            assert_eq!(decode(codec, &packed, page.len()).unwrap(), page);
            let empty = encode(codec, b"").unwrap();
            assert_eq!(empty.len(), 1);
            assert_eq!(decode(codec, &empty, 0).unwrap(), b"");
            let binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
            assert_eq!(
                decode(codec, &encode(codec, &binary).unwrap(), binary.len()).unwrap(),
                binary
            );
        }
    }

    #[test]
    fn training_in_slices_is_training_at_once() {
        let parts = training(Codec::V2).unwrap();
        let mut sliced = Priming {
            model: new_v2(),
            trained: 0,
        };
        let mut slices = 0;
        while !sliced.advance(parts, 7_777) {
            slices += 1;
        }
        assert_eq!(slices, (V1_LEN + parts[1].len()) / 7_777);
        let body = b"<button onclick=\"start()\">Start</button>";
        assert_eq!(
            encode_with(sliced.model, body),
            encode(Codec::V2, body).unwrap()
        );
    }

    #[test]
    fn the_codecs_differ() {
        // A v2 stream read as v1 (or the other way) gives other bytes or an error, never the
        // body: the version character is what chooses.
        let body = "function tick() { requestAnimationFrame(tick); }\n".repeat(20);
        let v2 = encode(Codec::V2, body.as_bytes()).unwrap();
        assert_ne!(encode(Codec::V1, body.as_bytes()).unwrap(), v2);
        assert_ne!(
            decode(Codec::V1, &v2, body.len()).ok().as_deref(),
            Some(body.as_bytes())
        );
    }

    #[test]
    fn damage_is_an_error_or_other_text() {
        // The coder alone cannot always tell: a damaged stream often still decodes, to other
        // bytes. The format's checksum is what turns those into errors (see `format`).
        let body = "let x = 1;\n".repeat(50);
        for codec in [Codec::V1, Codec::V2] {
            let packed = encode(codec, body.as_bytes()).unwrap();
            for cut in 0..packed.len() {
                if let Ok(other) = decode(codec, &packed[..cut], body.len()) {
                    assert_ne!(other, body.as_bytes(), "cut at {cut}");
                }
            }
            assert_eq!(decode(codec, &[], 1), Err(DecodeError::Truncated));
            assert_eq!(decode(codec, &packed, body.len()).unwrap(), body.as_bytes());
        }
    }
}
