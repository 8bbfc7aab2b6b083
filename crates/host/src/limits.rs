//! The limits one run is held to, with defaults fit for a quick script.

use std::time::Duration;

/// Hard limits for one program run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time before the run is interrupted.
    pub timeout: Duration,
    /// Largest linear memory (and total memory across memories) in bytes.
    pub memory_bytes: usize,
    /// Largest table, in elements.
    pub table_elements: usize,
    /// A deterministic instruction budget; `None` runs on time alone.
    pub fuel: Option<u64>,
    /// Bytes kept from stdout and from stderr, each; writing more ends the run.
    pub max_output_bytes: usize,
    /// Largest wasm stack in bytes; deeper recursion traps.
    pub max_stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            memory_bytes: 256 << 20,
            table_elements: 100_000,
            fuel: None,
            max_output_bytes: 1 << 20,
            max_stack_bytes: 1 << 20,
        }
    }
}
