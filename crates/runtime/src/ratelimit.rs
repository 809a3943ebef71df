//! Client-side rate limiting: calls are shaped per rate-limit group so that
//! a burst waits instead of meeting 429s (RingCentral's Light, Medium,
//! Heavy and Auth groups).
//!
//! Each group allows `requests` per sliding `window`: the client remembers
//! when it sent the group's recent requests and, when the window is full,
//! waits until the oldest leaves it. The vendor's `X-Rate-Limit-*` headers
//! adapt the picture: the server's limit and window replace the configured
//! ones, and `Remaining: 0` holds the group back for a whole window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

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
    /// Unknown groups are not limited.
    pub(crate) async fn acquire(&self, group: &str) {
        loop {
            let wait = {
                let mut groups = self.groups.lock().expect("limiter lock");
                let Some(state) = groups.get_mut(group) else {
                    return;
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
                None => return,
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

    /// Adapts to the vendor's `X-Rate-Limit-*` headers on a response to a
    /// request of `group`.
    pub(crate) fn observe(&self, group: &str, headers: &HeaderMap) {
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
        if limit.is_none() && remaining.is_none() {
            return;
        }
        let mut groups = self.groups.lock().expect("limiter lock");
        let Some(state) = groups.get_mut(group) else {
            return;
        };
        if let Some(limit) = limit.and_then(|l| u32::try_from(l).ok()).filter(|l| *l > 0) {
            state.limit.requests = limit;
        }
        if let Some(window) = window.filter(|w| *w > 0) {
            state.limit.window = Duration::from_secs(window);
        }
        if remaining == Some(0) {
            state.held_until = Some(Instant::now() + state.limit.window);
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
        for _ in 0..3 {
            limiter.acquire("Heavy").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire("Heavy").await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        // Other groups are not limited.
        limiter.acquire("Light").await;
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
        let mut headers = HeaderMap::new();
        headers.insert("x-rate-limit-limit", "2".parse().unwrap());
        headers.insert("x-rate-limit-remaining", "0".parse().unwrap());
        headers.insert("x-rate-limit-window", "10".parse().unwrap());
        let start = Instant::now();
        limiter.acquire("Medium").await;
        limiter.observe("Medium", &headers);
        limiter.acquire("Medium").await;
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(10),
            "held for the server's window"
        );
    }
}
