//! Authentication: the seam every auth lifecycle plugs into.
//!
//! The client calls [`Authenticate::authorize`] before each attempt of each
//! request. Static credentials are here; providers that exchange or refresh
//! tokens implement the same trait, and users can bring their own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use reqwest::header::{AUTHORIZATION, HeaderName, HeaderValue};

use crate::request::Request;
use crate::secret::Secret;
use crate::validate::InvalidRequest;

/// A boxed future, so that the trait stays object-safe without extra crates.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Adds credentials to a request.
pub trait Authenticate: Send + Sync + fmt::Debug + 'static {
    /// Puts this provider's credential on `request` (a header or a query
    /// parameter), obtaining or refreshing it first if need be.
    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), InvalidRequest>>;
}

/// No credentials: for token endpoints and unauthenticated APIs.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Authenticate for NoAuth {
    fn authorize<'a>(&'a self, _: &'a mut Request) -> BoxFuture<'a, Result<(), InvalidRequest>> {
        Box::pin(async { Ok(()) })
    }
}

/// A token sent in a header of its own, e.g. Kazoo's `X-Auth-Token`.
#[derive(Debug, Clone)]
pub struct HeaderToken {
    header: HeaderName,
    token: Secret,
}

impl HeaderToken {
    /// `header` (lower-case) carries `token` on every request.
    pub fn new(header: &'static str, token: impl Into<Secret>) -> Self {
        HeaderToken {
            header: HeaderName::from_static(header),
            token: token.into(),
        }
    }
}

impl Authenticate for HeaderToken {
    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), InvalidRequest>> {
        Box::pin(async move {
            let value = header_value(&self.header, self.token.expose())?;
            request.set_header(self.header.clone(), value, true);
            Ok(())
        })
    }
}

/// `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct BearerToken {
    token: Secret,
}

impl BearerToken {
    /// A bearer token the user manages.
    pub fn new(token: impl Into<Secret>) -> Self {
        BearerToken {
            token: token.into(),
        }
    }
}

impl Authenticate for BearerToken {
    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), InvalidRequest>> {
        Box::pin(async move {
            let value = header_value(&AUTHORIZATION, &format!("Bearer {}", self.token.expose()))?;
            request.set_header(AUTHORIZATION, value, true);
            Ok(())
        })
    }
}

/// A token sent as a query parameter, e.g. Yeastar's `access_token`.
#[derive(Debug, Clone)]
pub struct QueryToken {
    name: &'static str,
    token: Secret,
}

impl QueryToken {
    /// Query parameter `name` carries `token` on every request.
    pub fn new(name: &'static str, token: impl Into<Secret>) -> Self {
        QueryToken {
            name,
            token: token.into(),
        }
    }
}

impl Authenticate for QueryToken {
    fn authorize<'a>(
        &'a self,
        request: &'a mut Request,
    ) -> BoxFuture<'a, Result<(), InvalidRequest>> {
        Box::pin(async move {
            request.push_query(self.name, self.token.expose());
            Ok(())
        })
    }
}

fn header_value(name: &HeaderName, value: &str) -> Result<HeaderValue, InvalidRequest> {
    HeaderValue::try_from(value).map_err(|_| {
        InvalidRequest::new(
            format_args!("header.{name}"),
            "credential must be a valid HTTP header value",
        )
    })
}
