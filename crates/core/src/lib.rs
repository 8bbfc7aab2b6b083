//! Kiln's pure core: every decision that can be made without IO, a clock or a DOM.
//!
//! The web app and the `kiln` binary depend on this crate and never the other way round (the
//! wasmtime host depends on no crate of ours). It builds for native and `wasm32-unknown-unknown` and is tested natively, so
//! almost all of Kiln's behaviour is checked by a plain `cargo test` in well under a second.

pub mod artifact;
pub mod deploy;
pub mod diff;
pub mod edit;
pub mod ending;
pub mod eval;
pub mod extract;
pub mod history;
pub mod markdown;
pub mod policy;
pub mod progress;
pub mod prompt;
pub mod protocol;
pub mod provider;
pub mod render;
pub mod sandbox;
pub mod session;
pub mod share;
pub mod studio;
pub mod transcript;
pub mod units;
pub mod vec_map;
pub mod vendor;
