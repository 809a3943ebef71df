//! One error type for every call of every generated crate, generic over the
//! vendor's decoded error body.

use std::fmt;
use std::time::Duration;

use crate::validate::InvalidRequest;

/// What can go wrong with a call. Generated crates alias it with their
/// vendor's error body: `pub type Error = dialtone_runtime::Error<ErrorBody>`.
///
/// `Display` is one readable line and never contains a credential.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The vendor answered with a non-success status (boxed: it is the
    /// largest variant and keeps `Result`s small).
    Api(Box<ApiError<E>>),
    /// The vendor rejected the credential (HTTP 401, or an in-body token
    /// error), even after one renewal where the provider could renew it.
    Unauthorized(Box<ApiError<E>>),
    /// The vendor's rate limit was hit (HTTP 429) and retries did not
    /// help; `retry_after` says when to try again, if the vendor said.
    RateLimited(Box<ApiError<E>>),
    /// No credential could be obtained (the token operation failed).
    Auth {
        /// The operationId of the call that needed the credential.
        operation: &'static str,
        /// What went wrong, without the credential.
        message: String,
    },
    /// The request breaks a rule of the spec; nothing was sent.
    InvalidRequest(InvalidRequest),
    /// No response within the configured timeout.
    Timeout {
        /// The operationId.
        operation: &'static str,
    },
    /// Could not connect, or the connection failed mid-request.
    Connection {
        /// The operationId.
        operation: &'static str,
        /// The transport error, stripped of the URL (which may hold a token).
        source: reqwest::Error,
    },
    /// A success response whose body does not match the spec.
    Decode {
        /// The operationId.
        operation: &'static str,
        /// HTTP status of the response.
        status: u16,
        /// What the decoder expected, with the position.
        message: String,
        /// The start of the body, credentials masked.
        excerpt: String,
        /// The vendor's request id, where it sends one.
        request_id: Option<String>,
    },
    /// The client is misconfigured (a bad base URL or default header).
    Config(String),
    /// A paginated listing went wrong: the server named a page it already
    /// served, or never ended.
    Pagination {
        /// The operationId.
        operation: &'static str,
        /// What happened.
        message: String,
    },
}

/// A non-success response from the vendor.
#[derive(Debug)]
#[non_exhaustive]
pub struct ApiError<E> {
    /// The operationId.
    pub operation: &'static str,
    /// HTTP status.
    pub status: u16,
    /// The vendor's error body, when it decoded.
    pub body: Option<E>,
    /// The start of the raw body, credentials masked.
    pub excerpt: String,
    /// The vendor's request id, where it sends one.
    pub request_id: Option<String>,
    /// The `Retry-After` the vendor asked for, if any.
    pub retry_after: Option<Duration>,
}

impl<E> Error<E> {
    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(api) | Error::Unauthorized(api) | Error::RateLimited(api) => {
                Some(api.status)
            }
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The vendor's decoded error body, for API errors whose body decoded.
    pub fn body(&self) -> Option<&E> {
        match self {
            Error::Api(api) | Error::Unauthorized(api) | Error::RateLimited(api) => {
                api.body.as_ref()
            }
            _ => None,
        }
    }

    /// How long the vendor asked to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(api) | Error::Unauthorized(api) | Error::RateLimited(api) => api.retry_after,
            _ => None,
        }
    }

    /// The vendor's request id, where it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) | Error::Unauthorized(api) | Error::RateLimited(api) => {
                api.request_id.as_deref()
            }
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }
}

impl<E> From<InvalidRequest> for Error<E> {
    fn from(error: InvalidRequest) -> Self {
        Error::InvalidRequest(error)
    }
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(api) | Error::Unauthorized(api) | Error::RateLimited(api) => {
                write!(f, "{} failed with HTTP {}", api.operation, api.status)?;
                match self {
                    Error::Unauthorized(_) => f.write_str(" (credential rejected)")?,
                    Error::RateLimited(_) => match api.retry_after {
                        Some(after) => {
                            write!(f, " (rate limited; retry after {}s)", after.as_secs())?
                        }
                        None => f.write_str(" (rate limited)")?,
                    },
                    _ => {}
                }
                if !api.excerpt.is_empty() {
                    write!(f, ": {}", api.excerpt)?;
                }
                if let Some(id) = &api.request_id {
                    write!(f, " (request id {id})")?;
                }
                Ok(())
            }
            Error::InvalidRequest(invalid) => write!(f, "invalid request, nothing sent: {invalid}"),
            Error::Timeout { operation } => write!(f, "{operation} timed out"),
            Error::Connection { operation, source } => {
                write!(f, "{operation} could not reach the server: {source}")
            }
            Error::Decode {
                operation,
                status,
                message,
                excerpt,
                ..
            } => write!(
                f,
                "{operation}: could not decode the HTTP {status} response ({message}); body starts: {excerpt}"
            ),
            Error::Config(message) => write!(f, "invalid client configuration: {message}"),
            Error::Auth { operation, message } => {
                write!(f, "{operation}: no credential: {message}")
            }
            Error::Pagination { operation, message } => {
                write!(f, "{operation}: pagination stopped: {message}")
            }
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connection { source, .. } => Some(source),
            Error::InvalidRequest(invalid) => Some(invalid),
            _ => None,
        }
    }
}
