//! Telling a hung artifact from a quiet one, from heartbeat times alone.
//!
//! The frame's bridge sends a heartbeat every 250 ms from the artifact's own event loop, so a
//! `while(true)`, a memory bomb or a crashed frame all look the same: silence. The page feeds
//! times in (this module has no clock) and asks for the verdict on a timer.

/// Silence longer than this, once the frame has spoken, means the artifact stopped responding.
pub const HUNG_AFTER_MS: f64 = 1_500.0;

/// A frame that never says anything for this long after it was started is considered hung
/// too (a `while(true)` in the first script stops the bridge's first message).
pub const NO_START_AFTER_MS: f64 = 2_500.0;

// The studio's promise: "stopped responding" within 3 s of the hang, with heartbeats every
// 250 ms and the page polling every 250 ms. Checked when the crate compiles.
const _: () = assert!(HUNG_AFTER_MS + 250.0 + 250.0 <= 3_000.0);
const _: () = assert!(NO_START_AFTER_MS + 250.0 <= 3_000.0);

/// What the watchdog thinks of the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Started, nothing heard yet, still within the start allowance.
    Starting,
    /// Heard from recently.
    Alive,
    /// Silent for too long.
    Hung,
}

/// Heartbeat bookkeeping for one view of one artifact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Watchdog {
    started_ms: f64,
    last_heard_ms: Option<f64>,
}

impl Watchdog {
    /// A watchdog for a frame started at `now_ms`.
    pub fn new(now_ms: f64) -> Self {
        Self {
            started_ms: now_ms,
            last_heard_ms: None,
        }
    }

    /// Any message from the frame proves its event loop ran.
    pub fn heard(&mut self, now_ms: f64) {
        self.last_heard_ms = Some(now_ms);
    }

    /// The verdict at `now_ms`.
    pub fn health(&self, now_ms: f64) -> Health {
        match self.last_heard_ms {
            Some(t) if now_ms - t > HUNG_AFTER_MS => Health::Hung,
            Some(_) => Health::Alive,
            None if now_ms - self.started_ms > NO_START_AFTER_MS => Health::Hung,
            None => Health::Starting,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_after_heartbeats_is_a_hang() {
        let mut w = Watchdog::new(0.0);
        assert_eq!(w.health(100.0), Health::Starting);
        w.heard(200.0);
        assert_eq!(w.health(1_000.0), Health::Alive);
        assert_eq!(w.health(200.0 + HUNG_AFTER_MS + 1.0), Health::Hung);
        w.heard(5_000.0);
        assert_eq!(w.health(5_100.0), Health::Alive);
    }

    #[test]
    fn a_frame_that_never_speaks_is_hung_after_the_start_allowance() {
        let w = Watchdog::new(1_000.0);
        assert_eq!(w.health(1_000.0 + NO_START_AFTER_MS), Health::Starting);
        assert_eq!(w.health(1_000.0 + NO_START_AFTER_MS + 1.0), Health::Hung);
    }
}
