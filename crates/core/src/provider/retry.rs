//! When to send a failed request again, as a pure function of the error, how many retries
//! were made and how long was waited: no clock and no sleeping here, so the schedule is tested
//! exactly and the CLI and the page share it.
//!
//! Only rate limits and server failures are retried. A delay the provider asks for
//! (`retry-after`, Gemini's `retryDelay`) is honoured exactly; otherwise the delay doubles from
//! [`RetryPolicy::first_delay`] up to [`RetryPolicy::max_delay`]. The total wait is capped by
//! [`RetryPolicy::max_total_wait`]: a computed delay is shortened to fit what is left, but a
//! delay the provider asked for is never shortened (sending early only earns another 429), so
//! when it does not fit, the policy gives up at once and says why.

use std::fmt;
use std::time::Duration;

use super::ProviderError;

/// How persistent to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first computed delay.
    pub first_delay: Duration,
    /// The longest computed delay.
    pub max_delay: Duration,
    /// The most time spent waiting, over all retries.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    /// Four retries, 1 s doubling to at most 20 s, at most a minute of waiting in all.
    fn default() -> Self {
        Self {
            max_retries: 4,
            first_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(20),
            max_total_wait: Duration::from_secs(60),
        }
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then send the request again.
    Retry(Duration),
    /// Stop and report the error.
    GiveUp(GiveUp),
}

/// Why retrying stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// The error is not one that retrying fixes.
    NotRetryable,
    /// The retries are used up.
    OutOfRetries {
        /// How many were made.
        retries: u32,
    },
    /// The provider asked for a longer wait than the budget has left.
    WaitTooLong {
        /// The wait asked for.
        asked: Duration,
        /// What was left of the budget.
        left: Duration,
    },
    /// The waiting budget is spent.
    OutOfTime {
        /// The budget.
        budget: Duration,
    },
}

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GiveUp::NotRetryable => f.write_str("not retried"),
            GiveUp::OutOfRetries { retries: 1 } => f.write_str("gave up after 1 retry"),
            GiveUp::OutOfRetries { retries } => write!(f, "gave up after {retries} retries"),
            GiveUp::WaitTooLong { asked, left } => write!(
                f,
                "the provider asked to wait {}, more than the {} of retry time left",
                Secs(*asked),
                Secs(*left)
            ),
            GiveUp::OutOfTime { budget } => {
                write!(f, "gave up after waiting {} in all", Secs(*budget))
            }
        }
    }
}

/// A duration for people: `250ms`, `1.5s`, `60s`.
struct Secs(Duration);

impl fmt::Display for Secs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms < 1000 {
            write!(f, "{ms}ms")
        } else if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{:.1}s", self.0.as_secs_f64())
        }
    }
}

impl RetryPolicy {
    /// The computed delay before retry number `retry` (from 0): doubling, capped.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.first_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// Whether and when to retry after `error`, given the retries made so far and the time
    /// already spent waiting.
    pub fn decide(&self, error: &ProviderError, retries: u32, waited: Duration) -> RetryDecision {
        if !error.kind.is_retryable() {
            return RetryDecision::GiveUp(GiveUp::NotRetryable);
        }
        if retries >= self.max_retries {
            return RetryDecision::GiveUp(GiveUp::OutOfRetries { retries });
        }
        let left = self.max_total_wait.saturating_sub(waited);
        match error.retry_after {
            Some(asked) if asked > left => {
                RetryDecision::GiveUp(GiveUp::WaitTooLong { asked, left })
            }
            Some(asked) => RetryDecision::Retry(asked),
            None if left.is_zero() => RetryDecision::GiveUp(GiveUp::OutOfTime {
                budget: self.max_total_wait,
            }),
            None => RetryDecision::Retry(self.backoff(retries).min(left)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{ErrorKind, Protocol};

    fn error(status: u16, retry_after: Option<Duration>) -> ProviderError {
        Protocol::Anthropic.classify(status, retry_after, b"")
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let p = RetryPolicy::default();
        let delays: Vec<u64> = (0..7).map(|n| p.backoff(n).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 20, 20]);
        assert_eq!(p.backoff(u32::MAX), p.max_delay);
    }

    #[test]
    fn only_rate_limits_and_server_errors_are_retried() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(&error(401, None), 0, Duration::ZERO),
            RetryDecision::GiveUp(GiveUp::NotRetryable)
        );
        assert_eq!(error(529, None).kind, ErrorKind::ServerError);
        assert_eq!(
            p.decide(&error(529, None), 0, Duration::ZERO),
            RetryDecision::Retry(Duration::from_secs(1))
        );
        assert_eq!(
            p.decide(&error(500, None), 4, Duration::ZERO),
            RetryDecision::GiveUp(GiveUp::OutOfRetries { retries: 4 })
        );
    }

    #[test]
    fn retry_after_is_honoured_exactly_or_not_at_all() {
        let p = RetryPolicy {
            max_total_wait: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let asked = Some(Duration::from_secs(7));
        assert_eq!(
            p.decide(&error(429, asked), 0, Duration::from_secs(2)),
            RetryDecision::Retry(Duration::from_secs(7))
        );
        let d = p.decide(&error(429, asked), 1, Duration::from_secs(5));
        assert_eq!(
            d,
            RetryDecision::GiveUp(GiveUp::WaitTooLong {
                asked: Duration::from_secs(7),
                left: Duration::from_secs(5)
            })
        );
        let RetryDecision::GiveUp(reason) = d else {
            unreachable!()
        };
        assert_eq!(
            reason.to_string(),
            "the provider asked to wait 7s, more than the 5s of retry time left"
        );
    }

    #[test]
    fn computed_delays_shrink_to_the_budget() {
        let p = RetryPolicy {
            max_total_wait: Duration::from_millis(100),
            ..RetryPolicy::default()
        };
        assert_eq!(
            p.decide(&error(500, None), 0, Duration::ZERO),
            RetryDecision::Retry(Duration::from_millis(100))
        );
        assert_eq!(
            p.decide(&error(500, None), 1, Duration::from_millis(100)),
            RetryDecision::GiveUp(GiveUp::OutOfTime {
                budget: Duration::from_millis(100)
            })
        );
    }
}
