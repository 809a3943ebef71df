//! `dialtone-runtime`: the hand-written runtime every Dialtone-generated
//! vendor crate calls.
//!
//! Generated crates describe; this crate does. It owns everything that talks
//! HTTP: the [`Client`] (base URL, user agent, default headers, timeouts),
//! building a [`Request`] (percent-encoded path segments, query parameters,
//! JSON and form bodies), authentication through the [`Authenticate`] trait,
//! decoding responses and vendor error bodies into one [`Error`] type,
//! pre-send validation helpers ([`validate`]) and the [`Secret`] type that
//! keeps credentials out of `Debug` output and logs.
//!
//! Every call goes through [`Client::execute`], the single place where
//! authentication, rate limiting, retries and the call's one [`Deadline`]
//! meet.

mod auth;
pub mod batch;
mod binary;
mod client;
mod deadline;
pub mod digest;
pub mod encode;
mod error;
pub mod hooks;
mod json;
pub mod lenient;
mod macros;
mod meta;
pub mod oauth;
pub mod paginate;
mod patch;
mod ratelimit;
mod redact;
mod renewal;
mod request;
mod retry;
mod secret;
pub mod store;
pub mod stream;
pub mod tokens;
pub mod union;
pub mod validate;

pub use auth::{
    AuthError, Authenticate, BasicAuth, BearerToken, BoxFuture, CookieToken, HeaderToken, NoAuth,
    Placement, QueryToken, RefreshingToken, Renewal, Revocation, Schemes, StaticToken, Token,
    TokenSource,
};
pub use binary::{Base64, Binary};
pub use client::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BODY, DEFAULT_TIMEOUT,
    ErrCode, Response,
};
pub use deadline::Deadline;
pub use encode::{Part, QueryStyle};
pub use error::{ApiError, Error, InBodyError};
pub use hooks::Hooks;
#[doc(hidden)]
pub use macros::__private;
pub use meta::{RateLimitInfo, ResponseValue};
pub use patch::Patch;
pub use ratelimit::Limit;
pub use request::{CallOptions, Request, RequestBody};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use validate::{FieldPath, InvalidRequest, Validate};

/// Re-exported so generated crates name one version of each.
pub use {bytes, futures_core, regex, reqwest, serde_json};
