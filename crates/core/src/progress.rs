//! The progress line while a reply streams: how much arrived, how fast, for how long.

/// A streaming turn's progress, as the front end measured it (this crate has no clock).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// When the request was sent, in the front end's milliseconds.
    pub started_ms: f64,
    /// Now, in the same clock.
    pub now_ms: f64,
    /// Characters of reply text so far.
    pub chars: usize,
    /// Output tokens, once the provider reported them (then they are counted instead).
    pub tokens: Option<u64>,
}

impl Progress {
    /// `1240 chars · 310/s · 4.0 s`: tokens when the provider counts them, characters until
    /// then; no rate in the first fifth of a second, where it would only be noise.
    pub fn line(&self) -> String {
        let secs = ((self.now_ms - self.started_ms) / 1000.0).max(0.0);
        let (amount, unit) = match self.tokens {
            Some(t) => (t as f64, "tokens"),
            None => (self.chars as f64, "chars"),
        };
        let rate = if secs > 0.2 { amount / secs } else { 0.0 };
        format!("{amount:.0} {unit} · {rate:.0}/s · {secs:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_tokens_once_known_and_no_rate_at_first() {
        let at = |now_ms, chars, tokens| Progress {
            started_ms: 1_000.0,
            now_ms,
            chars,
            tokens,
        };
        let cases = [
            (at(1_000.0, 0, None), "0 chars · 0/s · 0.0 s"),
            (at(1_150.0, 40, None), "40 chars · 0/s · 0.1 s"),
            (at(5_000.0, 1_240, None), "1240 chars · 310/s · 4.0 s"),
            (at(5_000.0, 1_234, Some(300)), "300 tokens · 75/s · 4.0 s"),
            // A clock that went back shows no negative time.
            (at(900.0, 5, None), "5 chars · 0/s · 0.0 s"),
        ];
        for (p, want) in cases {
            assert_eq!(p.line(), want);
        }
    }
}
