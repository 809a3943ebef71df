//! Server-side rate limits: a sliding window per limited bucket (the token
//! endpoints; each rate-limit group of the other operations).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::sync::Lock;

/// What a limiter said about one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RateStatus {
    /// Whether the request may go on.
    pub admitted: bool,
    /// The bucket's name (RingCentral's throttling group, `Auth` for the
    /// token endpoints, or `default`).
    pub group: String,
    /// Requests allowed per window.
    pub limit: u32,
    /// Requests left in the current window, this one counted.
    pub remaining: u32,
    /// The window, in whole seconds (at least 1).
    pub window_secs: u64,
    /// When refused: seconds until a request would be admitted (at least 1).
    pub retry_after: u64,
}

/// At most `limit` requests in any `window`.
pub(crate) struct RateLimiter {
    group: String,
    limit: u32,
    window: Duration,
    admitted: Lock<VecDeque<Instant>>,
}

impl RateLimiter {
    pub(crate) fn new(group: &str, limit: u32, window: Duration) -> Self {
        RateLimiter {
            group: group.to_owned(),
            limit,
            window,
            admitted: Lock::new(VecDeque::new()),
        }
    }

    /// Admits or refuses a request arriving now.
    pub(crate) fn check(&self) -> RateStatus {
        self.check_at(Instant::now())
    }

    fn check_at(&self, now: Instant) -> RateStatus {
        let mut admitted = self.admitted.lock();
        while admitted
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= self.window)
        {
            admitted.pop_front();
        }
        let used = u32::try_from(admitted.len()).unwrap_or(u32::MAX);
        let ok = used < self.limit;
        if ok {
            admitted.push_back(now);
        }
        let retry_after = match admitted.front() {
            Some(oldest) if !ok => {
                let wait = self
                    .window
                    .saturating_sub(now.saturating_duration_since(*oldest));
                whole_seconds(wait)
            }
            None if !ok => whole_seconds(self.window),
            _ => 0,
        };
        RateStatus {
            admitted: ok,
            group: self.group.clone(),
            limit: self.limit,
            remaining: self
                .limit
                .saturating_sub(used.saturating_add(u32::from(ok))),
            window_secs: whole_seconds(self.window),
            retry_after,
        }
    }
}

/// Seconds, rounded up, at least 1.
fn whole_seconds(d: Duration) -> u64 {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window() {
        let limiter = RateLimiter::new("Auth", 2, Duration::from_secs(10));
        let t0 = Instant::now();
        let first = limiter.check_at(t0);
        assert!(first.admitted);
        assert_eq!(first.remaining, 1);
        assert!(limiter.check_at(t0 + Duration::from_secs(4)).admitted);
        let refused = limiter.check_at(t0 + Duration::from_secs(5));
        assert!(!refused.admitted);
        assert_eq!((refused.remaining, refused.retry_after), (0, 5));
        assert_eq!(refused.window_secs, 10);
        // The first request leaves the window at t0 + 10.
        assert!(limiter.check_at(t0 + Duration::from_secs(10)).admitted);
        assert!(!limiter.check_at(t0 + Duration::from_secs(11)).admitted);
    }

    #[test]
    fn a_zero_limit_refuses_everything() {
        let limiter = RateLimiter::new("default", 0, Duration::from_millis(1500));
        let status = limiter.check();
        assert!(!status.admitted);
        assert_eq!((status.retry_after, status.window_secs), (2, 2));
    }
}
