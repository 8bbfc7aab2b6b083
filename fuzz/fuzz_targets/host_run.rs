//! Random valid modules (wasm-smith) run in kiln-host under tight limits: every outcome is fine
//! (a trap, a limit, an exit code, a link error), a host crash or a hang is not. The generated
//! module always exports `_start: [] -> []` and imports nothing, so it gets past linking and
//! actually runs.

#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use kiln_host::{Host, HostConfig, Language, Limits};
use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        Host::with_config(&HostConfig {
            max_stack_bytes: 128 << 10,
            fuel: true,
            ..HostConfig::default()
        })
        .expect("engine")
    })
}

/// The exports every generated module must have.
const EXPORTS: &[u8] = b"\0asm\x01\0\0\0\x01\x04\x01\x60\0\0\x03\x02\x01\0\x07\x0a\x01\x06_start\0\0\x0a\x04\x01\x02\0\x0b";

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let config = wasm_smith::Config {
        exports: Some(EXPORTS.to_vec()),
        max_imports: 0,
        max_memory32_bytes: 1 << 24,
        max_table_elements: 10_000,
        ..wasm_smith::Config::default()
    };
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return;
    };
    let limits = Limits {
        timeout: Duration::from_millis(200),
        memory_bytes: 32 << 20,
        table_elements: 10_000,
        fuel: Some(5_000_000),
        max_output_bytes: 4096,
        max_stack_bytes: 128 << 10,
    };
    let _ = host().run(Language::Wasm, &module.to_bytes(), b"", &limits);
});
