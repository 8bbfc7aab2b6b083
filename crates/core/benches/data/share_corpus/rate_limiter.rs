//! A token-bucket rate limiter keyed by client, for an HTTP service.
//!
//! Each client gets a bucket that holds up to `burst` tokens and refills at `rate` tokens per
//! second. A request takes one token; when the bucket is empty the request is refused and the
//! caller learns how long to wait. Buckets that have been full for a while are dropped so that
//! memory stays bounded under a scan of many addresses.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Tokens added per second.
    pub rate: f64,
    /// Bucket capacity: how many requests may arrive at once.
    pub burst: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow { remaining: u32 },
    Deny { retry_after: Duration },
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

#[derive(Debug)]
pub struct RateLimiter<K> {
    limits: Limits,
    buckets: HashMap<K, Bucket>,
    last_sweep: Instant,
    sweep_every: Duration,
}

impl<K: Eq + Hash + Clone> RateLimiter<K> {
    pub fn new(limits: Limits, now: Instant) -> Self {
        assert!(limits.rate > 0.0 && limits.burst >= 1.0, "invalid limits: {limits:?}");
        Self { limits, buckets: HashMap::new(), last_sweep: now, sweep_every: Duration::from_secs(60) }
    }

    /// Decides whether `key` may make a request at `now`, taking a token if so.
    pub fn check(&mut self, key: &K, now: Instant) -> Decision {
        self.maybe_sweep(now);
        let limits = self.limits;
        let bucket = self
            .buckets
            .entry(key.clone())
            .or_insert(Bucket { tokens: limits.burst, updated: now });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * limits.rate).min(limits.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Decision::Allow { remaining: bucket.tokens.floor() as u32 }
        } else {
            let missing = 1.0 - bucket.tokens;
            Decision::Deny { retry_after: Duration::from_secs_f64(missing / limits.rate) }
        }
    }

    /// How many clients are being tracked.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    fn maybe_sweep(&mut self, now: Instant) {
        if now.saturating_duration_since(self.last_sweep) < self.sweep_every {
            return;
        }
        self.last_sweep = now;
        let full_after = Duration::from_secs_f64(self.limits.burst / self.limits.rate);
        // A bucket that would be full by now is the same as no bucket at all.
        self.buckets
            .retain(|_, b| now.saturating_duration_since(b.updated) < full_after);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(now: Instant) -> RateLimiter<&'static str> {
        RateLimiter::new(Limits { rate: 2.0, burst: 3.0 }, now)
    }

    #[test]
    fn allows_a_burst_then_denies() {
        let t0 = Instant::now();
        let mut rl = limiter(t0);
        for expected in [2, 1, 0] {
            assert_eq!(rl.check(&"a", t0), Decision::Allow { remaining: expected });
        }
        match rl.check(&"a", t0) {
            Decision::Deny { retry_after } => assert_eq!(retry_after, Duration::from_millis(500)),
            other => panic!("expected a denial, got {other:?}"),
        }
    }

    #[test]
    fn refills_over_time_and_keeps_clients_apart() {
        let t0 = Instant::now();
        let mut rl = limiter(t0);
        for _ in 0..3 {
            rl.check(&"a", t0);
        }
        assert!(matches!(rl.check(&"b", t0), Decision::Allow { .. }));
        let later = t0 + Duration::from_millis(500);
        assert_eq!(rl.check(&"a", later), Decision::Allow { remaining: 0 });
    }

    #[test]
    fn idle_buckets_are_swept() {
        let t0 = Instant::now();
        let mut rl = limiter(t0);
        rl.check(&"a", t0);
        rl.check(&"b", t0);
        assert_eq!(rl.len(), 2);
        rl.check(&"c", t0 + Duration::from_secs(61));
        assert_eq!(rl.len(), 1);
    }
}
