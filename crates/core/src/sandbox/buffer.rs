//! Double buffering for the preview: which frames are in the page while a new run replaces
//! the one on screen.
//!
//! A new run (a live update while the model writes, the final version, a restored version)
//! gets a fresh frame, because sandbox flags only apply when a frame navigates. Swapping at
//! once would show a blank frame until the new document paints, many times a minute while a
//! reply streams. So the new frame starts underneath the shown one and takes its place when
//! its document has loaded, or after [`SWAP_AFTER_MS`] if it never says so (an artifact stuck
//! in a loop, a resource that never arrives): a hung new version must not hide behind a
//! working old one for long.

/// How long a new frame may take to load before it is shown anyway.
pub const SWAP_AFTER_MS: f64 = 1_500.0;

/// The frames of one preview, by run number (larger is newer).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameBuffer {
    shown: Option<u64>,
    /// The newest run not yet shown, and when the oldest still-unshown run started: a run
    /// replaced before it loaded passes its waiting time on, so a reply that updates faster
    /// than its frames load still reaches the screen every [`SWAP_AFTER_MS`].
    incoming: Option<(u64, f64)>,
}

impl FrameBuffer {
    /// Run `id` starts at `now_ms`. The first run is shown at once; later ones wait.
    pub fn start(&mut self, id: u64, now_ms: f64) {
        if self.shown.is_none() {
            self.shown = Some(id);
            return;
        }
        let since = self.incoming.map_or(now_ms, |(_, since)| since);
        self.incoming = Some((id, since));
    }

    /// Run `id`'s document loaded. Returns whether that changed what is on screen.
    pub fn loaded(&mut self, id: u64) -> bool {
        match self.incoming {
            Some((incoming, _)) if incoming == id => {
                self.shown = Some(id);
                self.incoming = None;
                true
            }
            _ => false,
        }
    }

    /// Shows the waiting run if it has waited long enough. Returns whether anything changed.
    pub fn tick(&mut self, now_ms: f64) -> bool {
        match self.incoming {
            Some((id, since)) if now_ms - since >= SWAP_AFTER_MS => {
                self.shown = Some(id);
                self.incoming = None;
                true
            }
            _ => false,
        }
    }

    /// Drops every frame (the person stopped the app).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// The run on screen.
    pub fn shown(&self) -> Option<u64> {
        self.shown
    }

    /// Whether run `id` is still loading underneath the shown one.
    pub fn is_waiting(&self, id: u64) -> bool {
        self.incoming.is_some_and(|(i, _)| i == id)
    }

    /// The frames the page keeps, oldest first: the shown one and the one loading under it.
    pub fn frames(&self) -> Vec<u64> {
        self.shown
            .into_iter()
            .chain(self.incoming.map(|(id, _)| id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_run_shows_at_once_and_later_ones_wait_for_their_load() {
        let mut b = FrameBuffer::default();
        assert!(b.frames().is_empty());
        b.start(1, 0.0);
        assert_eq!((b.shown(), b.frames()), (Some(1), vec![1]));
        // A load from the shown frame changes nothing.
        assert!(!b.loaded(1));
        b.start(2, 100.0);
        assert_eq!((b.shown(), b.frames()), (Some(1), vec![1, 2]));
        assert!(b.is_waiting(2) && !b.is_waiting(1));
        assert!(!b.tick(100.0 + SWAP_AFTER_MS - 1.0));
        assert!(b.loaded(2));
        assert_eq!((b.shown(), b.frames()), (Some(2), vec![2]));
        assert!(!b.is_waiting(2));
    }

    #[test]
    fn a_run_that_never_loads_is_shown_after_the_allowance() {
        let mut b = FrameBuffer::default();
        b.start(1, 0.0);
        b.start(2, 1_000.0);
        assert!(!b.tick(1_000.0 + SWAP_AFTER_MS - 1.0));
        assert!(b.tick(1_000.0 + SWAP_AFTER_MS));
        assert_eq!(b.frames(), vec![2]);
        assert!(!b.tick(1_000_000.0), "nothing left to swap");
    }

    #[test]
    fn runs_replaced_before_they_load_keep_the_first_waiting_time() {
        let mut b = FrameBuffer::default();
        b.start(1, 0.0);
        b.start(2, 1_000.0);
        b.start(3, 2_000.0);
        // Run 2 is gone without ever being shown; a late load from it is ignored.
        assert_eq!(b.frames(), vec![1, 3]);
        assert!(!b.loaded(2));
        assert!(b.tick(1_000.0 + SWAP_AFTER_MS));
        assert_eq!(b.shown(), Some(3));
    }

    #[test]
    fn clear_starts_over() {
        let mut b = FrameBuffer::default();
        b.start(1, 0.0);
        b.start(2, 1.0);
        b.clear();
        assert!(b.frames().is_empty());
        b.start(3, 2.0);
        assert_eq!(b.frames(), vec![3]);
    }
}
