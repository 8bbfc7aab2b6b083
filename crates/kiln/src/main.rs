//! The `kiln` command: serve the studio, and work with artifacts from the terminal.
//!
//! This crate is glue: argument parsing, IO and the HTTP server. Decisions that need no IO live
//! in `kiln-core`.

#![allow(clippy::disallowed_methods)] // a binary: files, the environment and the clock are its job

mod assets;
mod config;
mod eval;
mod extract;
mod generate;
mod http_client;
mod links;
mod model;
mod run;
mod serve;
mod share;
mod static_site;
mod webdriver;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Kiln: a model writes a single-file app; Kiln runs it in a sandbox and shares it as a link.
#[derive(Parser)]
#[command(name = "kiln", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the Kiln studio (the web app embedded in this binary) over HTTP.
    Serve(serve::Options),
    /// Write the studio as a static site for any static host (GitHub Pages, Netlify, nginx).
    Build(static_site::Options),
    /// List or delete the short links a `kiln serve` keeps.
    Links(links::Options),
    /// Print the artifacts found in a saved model reply (a file, or stdin).
    Extract(extract::Options),
    /// Run a single-file program (WAT/WASM) headless in the wasmtime sandbox, with hard limits.
    Run(run::Options),
    /// Generate an app with a model: stream the reply, extract the artifact, write it.
    Generate(generate::Options),
    /// Encode an artifact as a share link, or decode one.
    Share(share::Options),
    /// Measure how well a model makes working apps: run a prompt suite, render and check
    /// each artifact in headless Chromium, report per case and in total.
    Eval(eval::Options),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(opts) => serve::run(&opts).map(|()| ExitCode::SUCCESS),
        Command::Build(opts) => static_site::run(&opts).map(|()| ExitCode::SUCCESS),
        Command::Links(opts) => links::run(&opts),
        Command::Run(opts) => run::run(&opts),
        Command::Generate(opts) => generate::run(&opts),
        Command::Extract(opts) => extract::run(&opts).map(|()| ExitCode::SUCCESS),
        Command::Share(opts) => share::run(&opts).map(|()| ExitCode::SUCCESS),
        Command::Eval(opts) => eval::run(&opts),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // One line: the cause chain joined, which is what a person needs to act on.
            eprintln!("kiln: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
