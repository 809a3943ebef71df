//! A typed response with its metadata: [`ResponseValue`], returned by
//! [`crate::Client::send_with_meta`] and [`crate::Client::send_stream`].

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

use reqwest::header::HeaderMap;

/// The vendor's rate-limit headers, parsed: RingCentral's
/// `X-Rate-Limit-Group`, `-Limit`, `-Remaining` and `-Window` (seconds),
/// and `Retry-After`. A header that is absent or not a number is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitInfo {
    /// The rate-limit group the vendor counted the request in.
    pub group: Option<String>,
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// The window.
    pub window: Option<Duration>,
    /// How long the vendor asked to wait (`Retry-After`).
    pub retry_after: Option<Duration>,
}

impl RateLimitInfo {
    /// Parses `headers`; `None` when none of them is there.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let number = |name: &str| text(name).and_then(|v| v.parse::<u64>().ok());
        let info = RateLimitInfo {
            group: text("x-rate-limit-group")
                .filter(|g| !g.is_empty())
                .map(|g| g.chars().take(64).collect()),
            limit: number("x-rate-limit-limit"),
            remaining: number("x-rate-limit-remaining"),
            window: number("x-rate-limit-window").map(Duration::from_secs),
            retry_after: text("retry-after")
                .and_then(|v| crate::retry::parse_retry_after(v, std::time::SystemTime::now())),
        };
        (info != RateLimitInfo::default()).then_some(info)
    }
}

/// A success response: its status, headers, the vendor's request id and
/// rate-limit headers, and the typed body (which it dereferences to).
/// `Debug` shows the header names, never their values.
pub struct ResponseValue<T> {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) request_id: Option<String>,
    pub(crate) rate_limit: Option<RateLimitInfo>,
    pub(crate) body: T,
}

impl<T: fmt::Debug> fmt::Debug for ResponseValue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseValue")
            .field("status", &self.status)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("request_id", &self.request_id)
            .field("rate_limit", &self.rate_limit)
            .field("body", &self.body)
            .finish()
    }
}

impl<T> ResponseValue<T> {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The vendor's request id, where it sends one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The vendor's rate-limit headers, if it sent any.
    pub fn rate_limit(&self) -> Option<&RateLimitInfo> {
        self.rate_limit.as_ref()
    }

    /// The body.
    pub fn into_inner(self) -> T {
        self.body
    }

    /// The same metadata with the body changed by `f` (e.g. taken out of
    /// an envelope).
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ResponseValue<U> {
        ResponseValue {
            status: self.status,
            headers: self.headers,
            request_id: self.request_id,
            rate_limit: self.rate_limit,
            body: f(self.body),
        }
    }
}

impl<T> Deref for ResponseValue<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.body
    }
}

impl<T> DerefMut for ResponseValue<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ringcentral_headers_parse() {
        let mut headers = HeaderMap::new();
        headers.insert("x-rate-limit-group", "heavy".parse().unwrap());
        headers.insert("x-rate-limit-limit", "10".parse().unwrap());
        headers.insert("x-rate-limit-remaining", " 3".parse().unwrap());
        headers.insert("x-rate-limit-window", "60".parse().unwrap());
        headers.insert("retry-after", "soon".parse().unwrap());
        let info = RateLimitInfo::from_headers(&headers).unwrap();
        assert_eq!(info.group.as_deref(), Some("heavy"));
        assert_eq!((info.limit, info.remaining), (Some(10), Some(3)));
        assert_eq!(info.window, Some(Duration::from_secs(60)));
        assert_eq!(info.retry_after, None);
        assert_eq!(RateLimitInfo::from_headers(&HeaderMap::new()), None);
    }
}
