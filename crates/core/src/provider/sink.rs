//! Where a protocol module puts what one event of the stream said: text, thinking, usage, a
//! stop, the end, or an error; and the phase of the reply that follows from them. A leaf of its
//! own, so each protocol module and the decoder that calls them depend on it, not on each other.

use super::{ProviderError, StopReason, StreamEvent, Usage};

/// Where the reply stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Text may still come.
    Streaming,
    /// A stop reason arrived; the reply text is complete even if the final event never does.
    Stopped,
    /// The protocol's last event arrived.
    Done,
    /// The provider reported an error in the stream.
    Failed,
}

/// Collects the events of one frame and tracks the phase.
pub(crate) struct Sink<'a> {
    pub(super) out: &'a mut Vec<StreamEvent>,
    pub(super) phase: &'a mut Phase,
}

impl Sink<'_> {
    pub(crate) fn text(&mut self, text: &str) {
        if !text.is_empty() {
            self.out.push(StreamEvent::Text(text.to_owned()));
        }
    }

    pub(crate) fn thinking(&mut self, text: &str) {
        if !text.is_empty() {
            self.out.push(StreamEvent::Thinking(text.to_owned()));
        }
    }

    pub(crate) fn usage(&mut self, input_tokens: Option<u64>, output_tokens: Option<u64>) {
        if input_tokens.is_some() || output_tokens.is_some() {
            self.out.push(StreamEvent::Usage(Usage {
                input_tokens,
                output_tokens,
            }));
        }
    }

    pub(crate) fn stop(&mut self, reason: StopReason) {
        self.out.push(StreamEvent::Stop(reason));
        if *self.phase == Phase::Streaming {
            *self.phase = Phase::Stopped;
        }
    }

    pub(crate) fn done(&mut self) {
        self.out.push(StreamEvent::Done);
        *self.phase = Phase::Done;
    }

    pub(crate) fn error(&mut self, error: ProviderError) {
        self.out.push(StreamEvent::Error(error));
        *self.phase = Phase::Failed;
    }
}
