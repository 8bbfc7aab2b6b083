//! Framing of a streamed response body: bytes, cut anywhere, into whole lines, and lines into
//! server-sent events.
//!
//! The decoders work on whole lines, so this is the only place that sees chunk boundaries. It
//! carries nothing but the unfinished last line between chunks and scans each byte once (a
//! `memchr` for the line end), so work is linear in the body however it is chunked. A line or an
//! event's data longer than the limit is an error rather than a buffer that grows without end:
//! a hostile or broken server must not be able to make the page or the CLI hold gigabytes
//! waiting for a line end. Line ends are `\n`, `\r\n` or a lone `\r`, as the SSE specification
//! says; NDJSON uses the same splitter, since a JSON text cannot hold a raw `\r` or `\n`.

use super::DecodeError;

/// Splits bytes into lines across chunks. Lines are handed out without their line end.
#[derive(Debug)]
pub(crate) struct Lines {
    partial: Vec<u8>,
    /// The last byte seen was a `\r`: a `\n` starting the next chunk belongs to that line end.
    after_cr: bool,
    limit: usize,
}

impl Lines {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            partial: Vec::new(),
            after_cr: false,
            limit,
        }
    }

    /// Calls `on_line` with each line completed by `bytes`, in order. `on_line` returns `false`
    /// to stop: the rest of `bytes` is then dropped unread.
    pub(crate) fn feed(
        &mut self,
        mut bytes: &[u8],
        on_line: &mut dyn FnMut(&[u8]) -> Result<bool, DecodeError>,
    ) -> Result<(), DecodeError> {
        if self.after_cr && !bytes.is_empty() {
            self.after_cr = false;
            if let Some((b'\n', rest)) = bytes.split_first() {
                bytes = rest;
            }
        }
        while let Some(at) = memchr::memchr2(b'\n', b'\r', bytes) {
            let (head, tail) = bytes.split_at(at);
            let Some((&end, rest)) = tail.split_first() else {
                break;
            };
            let go_on = if self.partial.is_empty() {
                self.check(head.len())?;
                on_line(head)?
            } else {
                self.check(self.partial.len() + head.len())?;
                self.partial.extend_from_slice(head);
                let line = std::mem::take(&mut self.partial);
                let go_on = on_line(&line)?;
                // Keep the allocation for the next long line.
                self.partial = line;
                self.partial.clear();
                go_on
            };
            bytes = rest;
            if end == b'\r' {
                match bytes.split_first() {
                    Some((b'\n', rest)) => bytes = rest,
                    None => self.after_cr = true,
                    Some(_) => {}
                }
            }
            if !go_on {
                return Ok(());
            }
        }
        self.check(self.partial.len() + bytes.len())?;
        self.partial.extend_from_slice(bytes);
        Ok(())
    }

    /// The unfinished last line, given up at the end of the body.
    pub(crate) fn take_partial(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.partial)
    }

    fn check(&self, len: usize) -> Result<(), DecodeError> {
        if len > self.limit {
            return Err(DecodeError::TooLong { limit: self.limit });
        }
        Ok(())
    }
}

/// One server-sent event: its type (`event:` field, empty when absent) and its data lines
/// joined by `\n`.
#[derive(Debug, Default)]
pub(crate) struct SseEvent {
    pub(crate) event: String,
    pub(crate) data: Vec<u8>,
}

/// The event being assembled from `event:` and `data:` lines, dispatched by a blank line, as
/// the WHATWG "interpreting an event stream" algorithm says (`id:` and `retry:` are ignored:
/// a model reply is never resumed).
#[derive(Debug)]
pub(crate) struct Sse {
    event: String,
    data: Vec<u8>,
    has_data: bool,
    first_line: bool,
    limit: usize,
}

impl Sse {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            event: String::new(),
            data: Vec::new(),
            has_data: false,
            first_line: true,
            limit,
        }
    }

    /// Reads one line; returns the event a blank line completes.
    pub(crate) fn line(&mut self, mut line: &[u8]) -> Result<Option<SseEvent>, DecodeError> {
        if self.first_line {
            self.first_line = false;
            line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        }
        if line.is_empty() {
            if !self.has_data {
                self.event.clear();
                return Ok(None);
            }
            self.has_data = false;
            return Ok(Some(SseEvent {
                event: std::mem::take(&mut self.event),
                data: std::mem::take(&mut self.data),
            }));
        }
        if line.first() == Some(&b':') {
            return Ok(None); // a comment: keep-alives, OpenRouter's "PROCESSING" notes
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(at) => {
                let (field, rest) = line.split_at(at);
                let value = rest.get(1..).unwrap_or_default();
                (field, value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.has_data = true;
                if self.data.len() + value.len() > self.limit {
                    return Err(DecodeError::TooLong { limit: self.limit });
                }
                self.data.extend_from_slice(value);
            }
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            _ => {}
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(chunks: &[&[u8]]) -> (Vec<Vec<u8>>, Vec<u8>) {
        let mut all = Vec::new();
        let mut l = Lines::new(64);
        for chunk in chunks {
            l.feed(chunk, &mut |line| {
                all.push(line.to_vec());
                Ok(true)
            })
            .unwrap();
        }
        (all, l.take_partial())
    }

    #[test]
    fn every_line_end_counts_once_across_chunks() {
        let (all, rest) = lines(&[b"a\r", b"\nb\rc\n\r", b"\nd\r\re"]);
        let want: Vec<&[u8]> = vec![b"a", b"b", b"c", b"", b"d", b""];
        assert_eq!(all, want);
        assert_eq!(rest, b"e");
    }

    #[test]
    fn a_long_line_is_refused_whether_whole_or_in_pieces() {
        let long = [b'x'; 65];
        let mut l = Lines::new(64);
        let err = l.feed(&long, &mut |_| Ok(true)).unwrap_err();
        assert_eq!(err, DecodeError::TooLong { limit: 64 });
        let mut l = Lines::new(64);
        l.feed(&long[..40], &mut |_| Ok(true)).unwrap();
        assert!(l.feed(&long[40..], &mut |_| Ok(true)).is_err());
        let mut l = Lines::new(64);
        l.feed(&long[..40], &mut |_| Ok(true)).unwrap();
        assert!(
            l.feed(&[&long[40..], b"\n"].concat(), &mut |_| Ok(true))
                .is_err()
        );
    }

    #[test]
    fn sse_fields_follow_the_specification() {
        let mut sse = Sse::new(1024);
        let mut events = Vec::new();
        for line in [
            &b"\xEF\xBB\xBFevent: a"[..],
            b"data:x",
            b"data:  y",
            b": comment",
            b"id: 7",
            b"data",
            b"",
            b"event: empty",
            b"",
            b"data: z",
            b"",
        ] {
            if let Some(e) = sse.line(line).unwrap() {
                events.push((e.event, String::from_utf8(e.data).unwrap()));
            }
        }
        assert_eq!(
            events,
            [
                ("a".to_owned(), "x\n y\n".to_owned()),
                (String::new(), "z".to_owned())
            ]
        );
    }
}
