//! Retries: what is retryable, and how long to wait, decided in one place.
//!
//! - A request that never left (the connection could not be made) is
//!   retried whatever its method.
//! - `429 Too Many Requests` means the server refused the request without
//!   acting on it, so it is retried whatever the method.
//! - `502`, `503`, `504`, timeouts and connections that failed mid-request
//!   may have reached a server that acted on the request: those are retried
//!   only when the request is replayable (an idempotent method, or an
//!   operation the spec marks safe to replay).
//! - The wait is the server's `Retry-After` (seconds or an HTTP date),
//!   capped, or else exponential backoff with full jitter. Attempts and the
//!   total time are bounded, and no wait outlasts the call's deadline (its
//!   timeout): when the next permitted moment lies past it, the call ends
//!   with the error it has (a 429 with the vendor's `retry_after`).

use std::time::{Duration, SystemTime};

use crate::error::Error;

/// How a client retries. `RetryPolicy::default()` makes up to 3 attempts
/// within 30 s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// The backoff ceiling of the first retry; it doubles with each retry.
    pub initial_backoff: Duration,
    /// The largest backoff ceiling.
    pub max_backoff: Duration,
    /// No wait of the call (a retry's backoff or `Retry-After`, a
    /// rate-limit hold, waiting for a renewed credential) ends later than
    /// this after the call started, nor later than the call's timeout.
    pub max_elapsed: Duration,
    /// The longest `Retry-After` honoured; a longer one ends the retries.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1-based), if `error` is worth
    /// retrying and the policy allows it; `elapsed` is the time since the
    /// first attempt.
    pub(crate) fn next_wait<E>(
        &self,
        error: &Error<E>,
        replayable: bool,
        retry: u32,
        elapsed: Duration,
    ) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        let hint = classify(error, replayable)?;
        let wait = match hint {
            Some(after) if after > self.max_retry_after => return None,
            Some(after) => after,
            None => self.backoff(retry),
        };
        if elapsed + wait > self.max_elapsed {
            return None;
        }
        Some(wait)
    }

    /// Full jitter: uniform in `[0, min(max_backoff, initial * 2^(retry-1))]`.
    fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(
                1u32.checked_shl(retry.saturating_sub(1))
                    .unwrap_or(u32::MAX),
            )
            .min(self.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// The one classification of what is retryable: `None` when `error` must
/// not be retried, else `Some` of the server's requested delay, if any.
fn classify<E>(error: &Error<E>, replayable: bool) -> Option<Option<Duration>> {
    match error {
        // A vendor's 429: it did not act on the request. (Without a
        // response, the client held the call back: waiting longer is what
        // the call's deadline did not allow.)
        Error::RateLimited {
            response: Some(_),
            retry_after,
            ..
        } => Some(*retry_after),
        Error::Api(api) => match api.status {
            503 if replayable => Some(api.retry_after),
            502 | 504 if replayable => Some(None),
            _ => None,
        },
        Error::Connection { source, .. } if source.is_connect() => Some(None),
        Error::Connection { .. } | Error::Timeout { .. } if replayable => Some(None),
        _ => None,
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP date (a date in the past
/// means now).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;

    fn api(status: u16, retry_after: Option<Duration>) -> Error<()> {
        let mut api = ApiError::new("op", status);
        api.retry_after = retry_after;
        if status == 429 {
            Error::RateLimited {
                operation: "op",
                retry_after,
                response: Some(Box::new(api)),
            }
        } else {
            Error::Api(Box::new(api))
        }
    }

    #[test]
    fn classification() {
        let p = RetryPolicy::default();
        let zero = Duration::ZERO;
        // 429 is retried for any method, after the server's hint.
        assert_eq!(
            p.next_wait(&api(429, Some(Duration::from_secs(2))), false, 1, zero),
            Some(Duration::from_secs(2))
        );
        // 503/502/504 only when replayable.
        assert!(p.next_wait(&api(503, None), false, 1, zero).is_none());
        assert!(p.next_wait(&api(503, None), true, 1, zero).is_some());
        assert!(p.next_wait(&api(502, None), true, 1, zero).is_some());
        assert!(p.next_wait(&api(504, None), false, 1, zero).is_none());
        // Other statuses never.
        for status in [400, 401, 404, 409, 500] {
            assert!(p.next_wait(&api(status, None), true, 1, zero).is_none());
        }
        assert!(
            p.next_wait(&Error::<()>::Timeout { operation: "op" }, false, 1, zero)
                .is_none()
        );
        assert!(
            p.next_wait(&Error::<()>::Timeout { operation: "op" }, true, 1, zero)
                .is_some()
        );
    }

    #[test]
    fn bounds() {
        let p = RetryPolicy::default();
        // Attempts.
        assert!(
            p.next_wait(&api(429, None), true, 3, Duration::ZERO)
                .is_none()
        );
        // Total time.
        assert!(
            p.next_wait(
                &api(429, Some(Duration::from_secs(5))),
                true,
                1,
                Duration::from_secs(26)
            )
            .is_none()
        );
        // A Retry-After beyond the cap ends the retries.
        assert!(
            p.next_wait(
                &api(429, Some(Duration::from_secs(61))),
                true,
                1,
                Duration::ZERO
            )
            .is_none()
        );
        // Backoff stays under its ceiling.
        for retry in 1..10 {
            let ceiling =
                Duration::from_millis(200 * (1 << (retry - 1))).min(Duration::from_secs(5));
            for _ in 0..50 {
                assert!(p.backoff(retry) <= ceiling);
            }
        }
        assert!(
            RetryPolicy::none()
                .next_wait(&api(429, None), true, 1, Duration::ZERO)
                .is_none()
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
