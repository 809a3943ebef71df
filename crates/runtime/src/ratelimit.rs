//! Client-side rate limiting: calls are shaped per rate-limit group so that
//! a burst waits instead of meeting 429s (RingCentral's Light, Medium,
//! Heavy and Auth groups).
//!
//! Each group allows `requests` per sliding `window`: the client remembers
//! when it sent the group's recent requests and, when the window is full,
//! waits until the oldest leaves it. The vendor's answers adapt the picture:
//!
//! - `X-Rate-Limit-Limit` and `X-Rate-Limit-Window` replace the configured
//!   limit and window; `X-Rate-Limit-Remaining` fills the client's count up
//!   to what the vendor has counted (so `Remaining: 0` makes the next
//!   request wait for room in the window instead of meeting the vendor's
//!   penalty).
//! - A `Retry-After` (on a 429 or not) holds the group exactly until then,
//!   and no longer: the window that the vendor's clock restarts is counted
//!   afresh afterwards. A 429 without one holds the group for its window.
//!
//! No wait outlasts the call: when the next permitted moment is past the
//! call's deadline, [`Limiter::acquire`] says so at once and the call fails
//! with `Error::RateLimited` without sending.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::deadline::Deadline;

/// A group's allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window.
    pub window: Duration,
}

#[derive(Debug)]
struct Group {
    limit: Limit,
    sent: VecDeque<Instant>,
    held_until: Option<Instant>,
}

/// The limiter of one client.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    groups: Mutex<HashMap<String, Group>>,
}

impl Limiter {
    pub(crate) fn new(limits: &[(String, Limit)]) -> Self {
        let groups = limits
            .iter()
            .map(|(name, limit)| {
                (
                    name.clone(),
                    Group {
                        limit: *limit,
                        sent: VecDeque::new(),
                        held_until: None,
                    },
                )
            })
            .collect();
        Limiter {
            groups: Mutex::new(groups),
        }
    }

    /// Waits until `group` may send another request, and counts it.
    /// Unknown groups are not limited. When the next permitted moment is
    /// past `deadline`, returns at once how far away it is.
    pub(crate) async fn acquire(&self, group: &str, deadline: Deadline) -> Result<(), Duration> {
        loop {
            let wait = {
                let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
                let Some(state) = groups.get_mut(group) else {
                    return Ok(());
                };
                let now = Instant::now();
                match state.held_until {
                    Some(until) if until > now => Some(until - now),
                    _ => {
                        state.held_until = None;
                        while state
                            .sent
                            .front()
                            .is_some_and(|t| now.duration_since(*t) >= state.limit.window)
                        {
                            state.sent.pop_front();
                        }
                        if (state.sent.len() as u32) < state.limit.requests.max(1) {
                            state.sent.push_back(now);
                            None
                        } else {
                            let oldest = *state.sent.front().expect("a full window has entries");
                            Some(
                                state
                                    .limit
                                    .window
                                    .saturating_sub(now.duration_since(oldest)),
                            )
                        }
                    }
                }
            };
            match wait {
                None => return Ok(()),
                Some(wait) if deadline.outlasted_by(wait) => return Err(wait),
                Some(wait) => {
                    tracing::debug!(
                        group,
                        wait_ms = wait.as_millis() as u64,
                        "rate limit: waiting"
                    );
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }

    /// Adapts to the vendor's answer to a request of `group`: its status,
    /// its `X-Rate-Limit-*` headers and its `Retry-After`.
    pub(crate) fn observe(
        &self,
        group: &str,
        status: u16,
        headers: &HeaderMap,
        retry_after: Option<Duration>,
    ) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        let (limit, remaining, window) = (
            number("x-rate-limit-limit"),
            number("x-rate-limit-remaining"),
            number("x-rate-limit-window"),
        );
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        let Some(state) = groups.get_mut(group) else {
            return;
        };
        if let Some(limit) = limit.and_then(|l| u32::try_from(l).ok()).filter(|l| *l > 0) {
            state.limit.requests = limit;
        }
        // At most a day: a hostile header cannot stall a group for ever.
        if let Some(window) = window.filter(|w| *w > 0 && *w <= 86_400) {
            state.limit.window = Duration::from_secs(window);
        }
        let now = Instant::now();
        match (retry_after, status) {
            // The vendor said when: exactly then, and the window counts
            // afresh from there.
            (Some(after), _) => {
                state.held_until = Some(now + after.min(Duration::from_secs(86_400)));
                state.sent.clear();
            }
            (None, 429) => {
                state.held_until = Some(now + state.limit.window);
                state.sent.clear();
            }
            (None, _) => {
                // The vendor counted `limit - remaining` requests in its
                // window: count at least as many.
                if let Some(remaining) = remaining {
                    let used = u64::from(state.limit.requests).saturating_sub(remaining);
                    let used = usize::try_from(used).unwrap_or(usize::MAX);
                    while state
                        .sent
                        .front()
                        .is_some_and(|t| now.duration_since(*t) >= state.limit.window)
                    {
                        state.sent.pop_front();
                    }
                    while state.sent.len() < used {
                        state.sent.push_back(now);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_full_window_waits_for_its_oldest_request() {
        let limiter = Limiter::new(&[(
            "Heavy".to_owned(),
            Limit {
                requests: 3,
                window: Duration::from_secs(60),
            },
        )]);
        let start = Instant::now();
        let far = Deadline::after(Duration::from_secs(3600));
        for _ in 0..3 {
            limiter.acquire("Heavy", far).await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        // A call whose deadline comes first is told at once.
        let soon = Deadline::after(Duration::from_secs(3));
        assert_eq!(
            limiter.acquire("Heavy", soon).await,
            Err(Duration::from_secs(60))
        );
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire("Heavy", far).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        // Other groups are not limited.
        limiter.acquire("Light", far).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    /// Finding 3 of issue 12: a 429 with `Retry-After: 2` and a 60 s
    /// window holds the group 2 s, not 60.
    #[tokio::test(start_paused = true)]
    async fn a_hold_ends_at_the_vendors_retry_after() {
        let limiter = Limiter::new(&[(
            "Heavy".to_owned(),
            Limit {
                requests: 10,
                window: Duration::from_secs(60),
            },
        )]);
        let far = Deadline::after(Duration::from_secs(3600));
        let start = Instant::now();
        limiter.acquire("Heavy", far).await.unwrap();
        limiter.observe(
            "Heavy",
            429,
            &headers(&[
                ("x-rate-limit-limit", "10"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-window", "60"),
            ]),
            Some(Duration::from_secs(2)),
        );
        // A call with 1 s left fails at once, told to come back in 2 s.
        assert_eq!(
            limiter
                .acquire("Heavy", Deadline::after(Duration::from_secs(1)))
                .await,
            Err(Duration::from_secs(2))
        );
        // One with 3 s left waits the 2 s.
        limiter
            .acquire("Heavy", Deadline::after(Duration::from_secs(3)))
            .await
            .unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        // And the window counts afresh: nine more go at once.
        for _ in 0..9 {
            limiter.acquire("Heavy", far).await.unwrap();
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_without_retry_after_holds_for_the_window() {
        let limiter = Limiter::new(&[(
            "Auth".to_owned(),
            Limit {
                requests: 5,
                window: Duration::from_secs(60),
            },
        )]);
        let start = Instant::now();
        limiter.observe("Auth", 429, &HeaderMap::new(), None);
        limiter
            .acquire("Auth", Deadline::after(Duration::from_secs(3600)))
            .await
            .unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn the_vendors_headers_adapt_the_limit() {
        let limiter = Limiter::new(&[(
            "Medium".to_owned(),
            Limit {
                requests: 40,
                window: Duration::from_secs(60),
            },
        )]);
        let headers = headers(&[
            ("x-rate-limit-limit", "2"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-window", "10"),
        ]);
        let far = Deadline::after(Duration::from_secs(3600));
        let start = Instant::now();
        limiter.acquire("Medium", far).await.unwrap();
        limiter.observe("Medium", 200, &headers, None);
        limiter.acquire("Medium", far).await.unwrap();
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(10),
            "the vendor counted its window full: room comes with the next window"
        );
    }
}
