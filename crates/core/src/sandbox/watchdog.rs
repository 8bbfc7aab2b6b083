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

/// How long the runner blocks its own thread to find out whether the app shares the
/// studio's: if the studio's own timer is held up for most of it, it does.
pub const PROBE_MS: u32 = 150;

/// Whether a timer the studio set when it sent the probe, due after `due_ms`, firing after
/// `elapsed_ms` means the runner's busy thread was the studio's own.
pub fn probe_shows_shared_process(due_ms: f64, elapsed_ms: f64) -> bool {
    elapsed_ms - due_ms >= f64::from(PROBE_MS) * 0.8
}

/// Where the app shares the studio's process, a gap this long in the studio's own timers
/// while an app runs means the app froze the page: Kiln stops it when it gets its turn back.
pub const FROZE_AFTER_MS: f64 = 1_000.0;

/// Where the app shares the studio's process, an app that holds the page's timers up by more
/// than [`BUSY_LIMIT_MS`] in total over [`BUSY_WINDOW_MS`] (short stalls, many of them) is
/// stopped too: it leaves the person a page that answers seconds late.
pub const BUSY_WINDOW_MS: f64 = 3_000.0;
/// See [`BUSY_WINDOW_MS`].
pub const BUSY_LIMIT_MS: f64 = 1_500.0;

/// Why an app that shares the studio's process was stopped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Starved {
    /// One stall of this many milliseconds.
    Froze(f64),
    /// Stalls adding up to this many milliseconds within [`BUSY_WINDOW_MS`].
    Busy(f64),
}

impl Starved {
    /// What the preview says.
    pub fn describe(self) -> String {
        match self {
            Self::Froze(ms) => format!(
                "This app froze this page for {:.1} s. This browser runs apps in the page's own \
                 process, so Kiln stopped it.",
                ms / 1000.0
            ),
            Self::Busy(ms) => format!(
                "This app kept this page busy for {:.1} s of the last {:.0}. This browser runs apps \
                 in the page's own process, so Kiln stopped it.",
                ms / 1000.0,
                BUSY_WINDOW_MS / 1000.0
            ),
        }
    }
}

/// How late the studio's own timer has been lately, tick by tick: whether an app that shares
/// its process is starving it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Starvation {
    late: std::collections::VecDeque<(f64, f64)>,
}

impl Starvation {
    /// A tick at `now_ms`, `gap_ms` after the one before, when `every_ms` was asked for.
    pub fn tick(&mut self, now_ms: f64, gap_ms: f64, every_ms: f64) -> Option<Starved> {
        if gap_ms > FROZE_AFTER_MS {
            self.late.clear();
            return Some(Starved::Froze(gap_ms));
        }
        self.late.push_back((now_ms, (gap_ms - every_ms).max(0.0)));
        while self
            .late
            .front()
            .is_some_and(|(at, _)| now_ms - at > BUSY_WINDOW_MS)
        {
            self.late.pop_front();
        }
        let total: f64 = self.late.iter().map(|(_, l)| l).sum();
        if total > BUSY_LIMIT_MS {
            self.late.clear();
            return Some(Starved::Busy(total));
        }
        None
    }
}

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
    fn one_long_stall_or_many_short_ones_starve_the_page() {
        let mut s = Starvation::default();
        assert_eq!(s.tick(250.0, 260.0, 250.0), None);
        assert_eq!(
            s.tick(1_600.0, 1_350.0, 250.0),
            Some(Starved::Froze(1_350.0))
        );
        // 600 ms late, every tick: past the limit on the third, within the window.
        let mut s = Starvation::default();
        let mut now = 0.0;
        let mut verdict = None;
        for _ in 0..3 {
            now += 850.0;
            verdict = s.tick(now, 850.0, 250.0);
        }
        assert_eq!(verdict, Some(Starved::Busy(1_800.0)));
        // The same lateness spread out over longer than the window never adds up.
        let mut s = Starvation::default();
        let mut now = 0.0;
        for _ in 0..20 {
            now += 2_000.0;
            assert_eq!(s.tick(now, 850.0, 250.0), None);
        }
        assert!(
            Starved::Busy(1_800.0)
                .describe()
                .contains("busy for 1.8 s of the last 3")
        );
        assert!(
            Starved::Froze(2_500.0)
                .describe()
                .contains("froze this page for 2.5 s")
        );
    }

    #[test]
    fn the_probe_tells_a_shared_thread_from_a_separate_one() {
        assert!(!probe_shows_shared_process(50.0, 55.0));
        assert!(!probe_shows_shared_process(50.0, 120.0));
        assert!(probe_shows_shared_process(50.0, 50.0 + f64::from(PROBE_MS)));
    }

    #[test]
    fn a_frame_that_never_speaks_is_hung_after_the_start_allowance() {
        let w = Watchdog::new(1_000.0);
        assert_eq!(w.health(1_000.0 + NO_START_AFTER_MS), Health::Starting);
        assert_eq!(w.health(1_000.0 + NO_START_AFTER_MS + 1.0), Health::Hung);
    }
}
