//! Keystrokes the person aims at the studio never reach an app: what the studio does when the
//! keyboard focus goes into an app's frame.
//!
//! Browsers let a cross-origin frame take the focus with `focus()` at any time, and neither
//! `inert` nor a permissions policy stops it in Chromium or Firefox today (measured). So the
//! runner, which shares the app's process but not its realm, watches for the focus arriving and
//! judges it by its own user activation: a person's click or key in the app activates the
//! runner too, an app's `focus()` does not, and a newer studio keystroke or click means the
//! person has moved on ([`super::FocusBy`]). Focus the person gave stays. Focus the app took
//! goes straight back to where the person was in the studio; an app that takes it again is
//! paused (hidden, still running, so it cannot take it a third time) until the person presses
//! Resume. Apps that focus their input once as they load are common and harmless, so the first
//! taking within [`LOAD_GRACE_MS`] of a run's start only sends the focus back.

use super::FocusBy;

/// How long after a run starts one focus taking is forgiven (focus sent back, app not paused).
pub const LOAD_GRACE_MS: f64 = 3_000.0;

/// What the Resume panel over a paused app says.
pub const PAUSE_REASON: &str = "The keyboard went into this app without a click Kiln could see (the app may have taken it), so it is paused: what you type stays in Kiln. The app is still running; press Resume to use it.";

/// What the studio does about focus that went into the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FocusAction {
    /// The person put it there: leave it.
    Keep,
    /// Send the focus back to where the person was in the studio.
    Return,
    /// Send it back and pause the app.
    ReturnAndPause,
}

/// Focus bookkeeping for one run of one app.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FocusGuard {
    started_ms: f64,
    forgiven: bool,
}

impl FocusGuard {
    /// A guard for a run that started at `now_ms`.
    pub fn new(now_ms: f64) -> Self {
        Self {
            started_ms: now_ms,
            forgiven: false,
        }
    }

    /// The focus went into the app at `now_ms`, by `by`.
    pub fn on_focus(&mut self, by: FocusBy, now_ms: f64) -> FocusAction {
        match by {
            FocusBy::Person => FocusAction::Keep,
            FocusBy::App if !self.forgiven && now_ms - self.started_ms <= LOAD_GRACE_MS => {
                self.forgiven = true;
                FocusAction::Return
            }
            FocusBy::App => FocusAction::ReturnAndPause,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_taking_as_the_app_loads_is_sent_back_the_next_pauses() {
        let mut g = FocusGuard::new(1_000.0);
        assert_eq!(g.on_focus(FocusBy::Person, 1_010.0), FocusAction::Keep);
        assert_eq!(g.on_focus(FocusBy::App, 1_100.0), FocusAction::Return);
        assert_eq!(
            g.on_focus(FocusBy::App, 1_105.0),
            FocusAction::ReturnAndPause
        );
        assert_eq!(g.on_focus(FocusBy::Person, 1_200.0), FocusAction::Keep);
    }

    #[test]
    fn after_the_load_any_taking_pauses() {
        let mut g = FocusGuard::new(0.0);
        assert_eq!(
            g.on_focus(FocusBy::App, LOAD_GRACE_MS + 1.0),
            FocusAction::ReturnAndPause
        );
    }
}
