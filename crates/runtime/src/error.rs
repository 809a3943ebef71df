//! One error type for every call of every generated crate, generic over the
//! vendor's decoded error body.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;

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
    /// The vendor's rate limit stands in the way: it answered 429 and
    /// retrying within the call's deadline did not help, or the next moment
    /// the vendor permits (its `Retry-After`, or the rate-limit group's
    /// window as its `X-Rate-Limit-*` headers describe it) lies past the
    /// call's deadline, and the call failed at once without sending.
    RateLimited {
        /// The operationId.
        operation: &'static str,
        /// When to try again, if known.
        retry_after: Option<Duration>,
        /// The vendor's 429 answer, when this call got one (`None` when the
        /// client held the call back because of earlier answers).
        response: Option<Box<ApiError<E>>>,
    },
    /// No credential could be obtained.
    Auth {
        /// The operationId of the call that needed the credential.
        operation: &'static str,
        /// What went wrong, without the credential.
        message: String,
        /// The token operation's own error, when it failed on the wire or
        /// the vendor refused it: the vendor's status, decoded error body
        /// (e.g. RingCentral's `OAU-140`) and excerpt, or the transport
        /// error.
        source: Option<Box<Error<E>>>,
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
    /// The answer's body is larger than the client reads
    /// ([`crate::ClientBuilder::max_response_body`]): reading stopped at
    /// the limit (or before, when its `Content-Length` said so), and
    /// nothing of it was decoded.
    ResponseTooLarge {
        /// The operationId.
        operation: &'static str,
        /// HTTP status of the response.
        status: u16,
        /// The limit, in bytes.
        limit: usize,
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
#[derive(Debug, Clone)]
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
    /// For vendors that report errors inside success bodies (Yeastar's
    /// `errcode`/`errmsg`): the code and message.
    pub in_body: Option<InBodyError>,
}

/// An error a vendor reported inside a success body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InBodyError {
    /// The code (Yeastar `errcode`), never the success value.
    pub code: i64,
    /// The message (Yeastar `errmsg`), credentials masked.
    pub message: Option<String>,
}

impl<E> ApiError<E> {
    /// An error of `operation` with `status`; the other fields empty.
    pub fn new(operation: &'static str, status: u16) -> Self {
        ApiError {
            operation,
            status,
            body: None,
            excerpt: String::new(),
            request_id: None,
            retry_after: None,
            in_body: None,
        }
    }
}

impl ApiError<serde_json::Value> {
    fn decode_body<F: DeserializeOwned>(self) -> ApiError<F> {
        ApiError {
            operation: self.operation,
            status: self.status,
            body: self.body.and_then(|v| serde_json::from_value(v).ok()),
            excerpt: self.excerpt,
            request_id: self.request_id,
            retry_after: self.retry_after,
            in_body: self.in_body,
        }
    }
}

impl<E> Error<E> {
    /// The vendor's answer, for errors that are one.
    pub fn api(&self) -> Option<&ApiError<E>> {
        match self {
            Error::Api(api) | Error::Unauthorized(api) => Some(api),
            Error::RateLimited { response, .. } => response.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Decode { status, .. } | Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => self.api().map(|api| api.status),
        }
    }

    /// The vendor's decoded error body, for API errors whose body decoded.
    pub fn body(&self) -> Option<&E> {
        self.api().and_then(|api| api.body.as_ref())
    }

    /// How long the vendor asked to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => self.api().and_then(|api| api.retry_after),
        }
    }

    /// The vendor's request id, where it sent one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => self.api().and_then(|api| api.request_id.as_deref()),
        }
    }

    /// The operationId of the call, where the error knows it.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Api(api) | Error::Unauthorized(api) => Some(api.operation),
            Error::RateLimited { operation, .. }
            | Error::Auth { operation, .. }
            | Error::Timeout { operation }
            | Error::Connection { operation, .. }
            | Error::Decode { operation, .. }
            | Error::ResponseTooLarge { operation, .. }
            | Error::Pagination { operation, .. } => Some(operation),
            Error::InvalidRequest(_) | Error::Config(_) => None,
        }
    }
}

impl Error<serde_json::Value> {
    /// The same error with the vendor's body decoded as `E` (for errors of
    /// token requests, which are made with JSON bodies).
    pub fn decode_body<E: DeserializeOwned>(self) -> Error<E> {
        match self {
            Error::Api(api) => Error::Api(Box::new(api.decode_body())),
            Error::Unauthorized(api) => Error::Unauthorized(Box::new(api.decode_body())),
            Error::RateLimited {
                operation,
                retry_after,
                response,
            } => Error::RateLimited {
                operation,
                retry_after,
                response: response.map(|api| Box::new(api.decode_body())),
            },
            Error::Auth {
                operation,
                message,
                source,
            } => Error::Auth {
                operation,
                message,
                source: source.map(|e| Box::new(e.decode_body())),
            },
            Error::InvalidRequest(invalid) => Error::InvalidRequest(invalid),
            Error::Timeout { operation } => Error::Timeout { operation },
            Error::Connection { operation, source } => Error::Connection { operation, source },
            Error::Decode {
                operation,
                status,
                message,
                excerpt,
                request_id,
            } => Error::Decode {
                operation,
                status,
                message,
                excerpt,
                request_id,
            },
            Error::ResponseTooLarge {
                operation,
                status,
                limit,
            } => Error::ResponseTooLarge {
                operation,
                status,
                limit,
            },
            Error::Config(message) => Error::Config(message),
            Error::Pagination { operation, message } => Error::Pagination { operation, message },
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
            Error::Api(api) => api.fmt(f),
            Error::Unauthorized(api) => {
                api.headline(f)?;
                f.write_str(" (credential rejected)")?;
                api.details(f)
            }
            Error::RateLimited {
                operation,
                retry_after,
                response,
            } => {
                match response {
                    Some(api) => api.headline(f)?,
                    None => write!(
                        f,
                        "{operation} not sent: the vendor's rate limit would outlast the call's deadline"
                    )?,
                }
                match retry_after {
                    Some(after) => write!(
                        f,
                        " (rate limited; retry after {:.1}s)",
                        after.as_secs_f64()
                    )?,
                    None => f.write_str(" (rate limited)")?,
                }
                match response {
                    Some(api) => api.details(f),
                    None => Ok(()),
                }
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
            Error::ResponseTooLarge {
                operation,
                status,
                limit,
            } => write!(
                f,
                "{operation}: the HTTP {status} response's body is larger than the client reads ({limit} bytes)"
            ),
            Error::Config(message) => write!(f, "invalid client configuration: {message}"),
            Error::Auth {
                operation,
                message,
                source,
            } => {
                write!(f, "{operation}: no credential: {message}")?;
                match source {
                    Some(source) => write!(f, ": {source}"),
                    None => Ok(()),
                }
            }
            Error::Pagination { operation, message } => {
                write!(f, "{operation}: pagination stopped: {message}")
            }
        }
    }
}

impl<E> ApiError<E> {
    /// `op failed with HTTP 400`, or `op failed with errcode 40002
    /// (PARAMETER ERROR)` for an error inside a success body.
    fn headline(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.in_body {
            Some(InBodyError { code, message }) => {
                write!(f, "{} failed with errcode {code}", self.operation)?;
                match message {
                    Some(message) => write!(f, " ({message})"),
                    None => Ok(()),
                }
            }
            None => write!(f, "{} failed with HTTP {}", self.operation, self.status),
        }
    }

    /// The excerpt and the request id.
    fn details(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.excerpt.is_empty() {
            write!(f, ": {}", self.excerpt)?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

/// One line: what failed, the vendor's excerpt (credentials masked) and
/// the request id.
impl<E> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.headline(f)?;
        self.details(f)
    }
}

impl<E: fmt::Debug + 'static> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connection { source, .. } => Some(source),
            Error::InvalidRequest(invalid) => Some(invalid),
            Error::Auth {
                source: Some(source),
                ..
            } => Some(&**source),
            _ => None,
        }
    }
}
