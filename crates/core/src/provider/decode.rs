//! The incremental stream decoder: response body bytes in, in any chunking, [`StreamEvent`]s out.
//!
//! One type serves every protocol, so a transport holds a single decoder whatever it talks to.
//! [`super::frame`] turns bytes into lines (and, for the SSE protocols, lines into events); each
//! protocol module turns one event's JSON into stream events. Because decisions are made per
//! whole line, the events do not depend on where the body was cut, which a property test checks
//! for every recorded transcript. A decoder also knows whether the reply reached its end: a body
//! that stops before the protocol's last event (a dropped connection, a proxy timeout) is
//! reported by [`StreamDecoder::finish`] as [`DecodeError::Truncated`], so the caller can keep
//! what arrived and say it is partial.

use serde_json::Value;
use thiserror::Error;

use super::frame::{Lines, Sse};
use super::sink::{Phase, Sink};
use super::{Protocol, StreamEvent};
use super::{anthropic, gemini, ollama, openai};

/// The longest line, or server-sent event's data, a decoder accepts by default: 4 MiB. Real
/// events are a few hundred bytes; a server that sends the whole reply as one event still fits.
pub const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// Why a streamed body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// A line or an event was longer than the limit: the server is broken or hostile.
    #[error("the provider sent a line or event of more than {limit} bytes")]
    TooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// An event was not the JSON its protocol promises.
    #[error("the provider sent malformed data: {reason}")]
    Malformed {
        /// What was wrong.
        reason: String,
    },
    /// The body ended before the protocol's last event: the reply is incomplete.
    #[error("the stream ended before the reply was complete")]
    Truncated,
}

/// Parses one event's JSON.
pub(crate) fn json(data: &[u8]) -> Result<Value, DecodeError> {
    serde_json::from_slice(data).map_err(|e| DecodeError::Malformed {
        reason: format!("not JSON ({e})"),
    })
}

/// Decodes one streamed chat response. Feed it the body as it arrives; read the events.
///
/// ```
/// use kiln_core::provider::{Protocol, StreamEvent};
///
/// let mut decoder = Protocol::Ollama.decoder();
/// let mut events = Vec::new();
/// decoder.feed(br#"{"message":{"role":"assistant","content":"Hi"},"done":fa"#, &mut events).unwrap();
/// decoder.feed(b"lse}\n{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true}\n", &mut events).unwrap();
/// decoder.finish(&mut events).unwrap();
/// assert_eq!(events, [StreamEvent::Text("Hi".into()), StreamEvent::Done]);
/// ```
#[derive(Debug)]
pub struct StreamDecoder {
    protocol: Protocol,
    lines: Lines,
    sse: Sse,
    phase: Phase,
    broken: Option<DecodeError>,
}

impl StreamDecoder {
    /// A decoder with the default [`MAX_FRAME_BYTES`] limit.
    pub fn new(protocol: Protocol) -> Self {
        Self::with_limit(protocol, MAX_FRAME_BYTES)
    }

    /// A decoder that refuses lines and events longer than `limit` bytes.
    pub fn with_limit(protocol: Protocol, limit: usize) -> Self {
        Self {
            protocol,
            lines: Lines::new(limit),
            sse: Sse::new(limit),
            phase: Phase::Streaming,
            broken: None,
        }
    }

    /// The protocol it decodes.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// True once the reply is over: its last event, or an error event, arrived. Later bytes are
    /// ignored, so a transport may stop reading.
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Failed)
    }

    /// Feeds the next piece of the body and appends the events it completes to `out`. On an
    /// error, the events before it are in `out`, and the decoder returns the same error from
    /// then on.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) -> Result<(), DecodeError> {
        if let Some(broken) = &self.broken {
            return Err(broken.clone());
        }
        if self.is_done() {
            return Ok(());
        }
        let Self {
            protocol,
            lines,
            sse,
            phase,
            ..
        } = self;
        let protocol = *protocol;
        let result = lines.feed(bytes, &mut |line| {
            let mut sink = Sink {
                out: &mut *out,
                phase: &mut *phase,
            };
            on_line(protocol, sse, line, &mut sink)?;
            Ok(!matches!(*phase, Phase::Done | Phase::Failed))
        });
        if let Err(e) = &result {
            self.broken = Some(e.clone());
        }
        result
    }

    /// Ends the body. `Ok` if the reply is complete (or ended with an error event, which the
    /// caller has already seen); [`DecodeError::Truncated`] if it stopped short.
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), DecodeError> {
        if let Some(broken) = &self.broken {
            return Err(broken.clone());
        }
        let partial = self.lines.take_partial();
        // An NDJSON server may omit the last line end; an unfinished SSE event is dropped, as
        // the specification says. A last line that does not parse was cut: that is truncation,
        // not malformed data.
        if self.protocol == Protocol::Ollama && !partial.is_empty() && !self.is_done() {
            let mut sink = Sink {
                out,
                phase: &mut self.phase,
            };
            if let Ok(value) = serde_json::from_slice::<Value>(&partial) {
                ollama::on_line(&value, &mut sink);
            }
        }
        match self.phase {
            Phase::Streaming => {
                self.broken = Some(DecodeError::Truncated);
                Err(DecodeError::Truncated)
            }
            Phase::Stopped | Phase::Done | Phase::Failed => Ok(()),
        }
    }
}

fn on_line(
    protocol: Protocol,
    sse: &mut Sse,
    line: &[u8],
    sink: &mut Sink<'_>,
) -> Result<(), DecodeError> {
    if protocol == Protocol::Ollama {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        ollama::on_line(&json(line)?, sink);
        return Ok(());
    }
    let Some(event) = sse.line(line)? else {
        return Ok(());
    };
    let data = event.data.trim_ascii();
    if data.is_empty() {
        return Ok(());
    }
    match protocol {
        Protocol::Anthropic => anthropic::on_event(&event.event, &json(data)?, sink),
        Protocol::OpenAi => {
            if data == b"[DONE]" {
                sink.done();
            } else {
                openai::on_event(&json(data)?, sink);
            }
        }
        Protocol::Gemini => gemini::on_event(&json(data)?, sink),
        Protocol::Ollama => {}
    }
    Ok(())
}
