//! Build tasks that cargo alone cannot express: today, the web bundle.
//!
//! `cargo xtask bundle` compiles `kiln-web` to wasm32, cuts it into the page and the parts it
//! loads on demand (`split.rs`), runs the wasm-bindgen step as a library
//! (so its version is exactly the one in Cargo.lock), optimises with binaryen's `wasm-opt` from
//! the pinned npm package, gives every asset a content-hashed name, fills in `web/index.html`,
//! and writes brotli and gzip copies beside each file. Nothing is downloaded; the result in
//! `dist/` is what the `kiln` binary embeds.
#![allow(clippy::disallowed_methods)] // a build tool: file IO and the environment are its job

mod assets;
mod bundle;
mod split;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "xtask", about = "Kiln build tasks")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the web app into dist/ (hashed names, .br and .gz copies).
    Bundle(bundle::Options),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Bundle(opts) => bundle::run(&opts),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
