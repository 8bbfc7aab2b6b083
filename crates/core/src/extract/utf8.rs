//! Bytes in: a UTF-8 sequence split across `feed_bytes` calls is held until it is whole, and
//! invalid bytes become U+FFFD, so a transport may hand over any slice of the stream.

use super::Extractor;

impl Extractor {
    pub(super) fn feed_utf8(&mut self, mut bytes: &[u8]) {
        if self.utf8_len > 0 {
            let have = self.utf8_len;
            let need = utf8_width(self.utf8[0]).saturating_sub(have);
            let take = need.min(bytes.len());
            let mut joined = [0u8; 4];
            joined[..have].copy_from_slice(&self.utf8[..have]);
            joined[have..have + take].copy_from_slice(&bytes[..take]);
            let joined = &joined[..have + take];
            match std::str::from_utf8(joined) {
                Ok(s) => {
                    self.utf8_len = 0;
                    self.feed_str(s);
                    bytes = &bytes[take..];
                }
                Err(e) => match e.error_len() {
                    None => {
                        // Still incomplete: everything given so far is a valid start.
                        self.utf8[..joined.len()].copy_from_slice(joined);
                        self.utf8_len = joined.len();
                        return;
                    }
                    Some(bad) => {
                        self.utf8_len = 0;
                        self.feed_str("\u{FFFD}");
                        // The kept bytes were a valid start, so the bad run covers them all.
                        bytes = &bytes[bad.saturating_sub(have).min(bytes.len())..];
                    }
                },
            }
        }
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            self.feed_str(chunk.valid());
            let bad = chunk.invalid();
            if bad.is_empty() {
                continue;
            }
            let incomplete = chunks.peek().is_none()
                && bad.len() < 4
                && std::str::from_utf8(bad).is_err_and(|e| e.error_len().is_none());
            if incomplete {
                self.utf8[..bad.len()].copy_from_slice(bad);
                self.utf8_len = bad.len();
            } else {
                self.feed_str("\u{FFFD}");
            }
        }
    }

    pub(super) fn flush_utf8(&mut self) {
        if self.utf8_len > 0 {
            self.utf8_len = 0;
            self.feed_str("\u{FFFD}");
        }
    }
}

/// The length of the UTF-8 sequence a lead byte starts.
pub(super) fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}
