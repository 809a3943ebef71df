//! Pagination: one stream implementation for every paging style.
//!
//! Generated code knows, per list operation, how to fetch a page and how to
//! build the request for the next one (a cursor, a page number, a `Link`
//! URL). This module turns that into a stream of pages and a stream of
//! items, and guards against servers that repeat a page or never end.

use std::collections::HashSet;

use futures_core::Stream;
use futures_util::{StreamExt, TryStreamExt, stream};

use crate::auth::BoxFuture;
use crate::error::Error;

/// The most pages one stream fetches before it stops with an error.
pub const MAX_PAGES: usize = 10_000;

/// One fetched page and, if the server says there is more, the key that
/// identifies the next page (a cursor, a page number, a URL) and the state
/// to fetch it from.
pub struct Page<S, P> {
    /// The page as the operation returns it.
    pub page: P,
    /// The next page's key and request state, or `None` on the last page.
    pub next: Option<(String, S)>,
}

struct State<S, F, E> {
    next: Option<S>,
    fetch: F,
    seen: HashSet<String>,
    fetched: usize,
    pending: Option<Error<E>>,
    operation: &'static str,
}

/// Pages of `operation`, starting from `first`. The stream ends after the
/// last page, after the first error, or with an [`Error::Pagination`] when
/// the server names a page it already served or exceeds [`MAX_PAGES`].
pub fn pages<S, P, E, F>(
    operation: &'static str,
    first: S,
    fetch: F,
) -> impl Stream<Item = Result<P, Error<E>>> + Send + 'static
where
    S: Send + 'static,
    P: Send + 'static,
    E: Send + 'static,
    F: FnMut(S) -> BoxFuture<'static, Result<Page<S, P>, Error<E>>> + Send + 'static,
{
    let state = State {
        next: Some(first),
        fetch,
        seen: HashSet::new(),
        fetched: 0,
        pending: None,
        operation,
    };
    stream::unfold(state, |mut state| async move {
        if let Some(error) = state.pending.take() {
            return Some((Err(error), state));
        }
        let request = state.next.take()?;
        match (state.fetch)(request).await {
            Err(error) => Some((Err(error), state)),
            Ok(Page { page, next }) => {
                state.fetched += 1;
                if let Some((key, request)) = next {
                    if !state.seen.insert(key.clone()) {
                        state.pending = Some(Error::Pagination {
                            operation: state.operation,
                            message: format!(
                                "the server named page {key:?} again after {} pages",
                                state.fetched
                            ),
                        });
                    } else if state.fetched >= MAX_PAGES {
                        state.pending = Some(Error::Pagination {
                            operation: state.operation,
                            message: format!("more than {MAX_PAGES} pages"),
                        });
                    } else {
                        state.next = Some(request);
                    }
                }
                Some((Ok(page), state))
            }
        }
    })
}

/// The items of a stream of pages, in order.
pub fn items<P, T, E>(
    pages: impl Stream<Item = Result<P, Error<E>>> + Send + 'static,
    items_of: fn(P) -> Vec<T>,
) -> impl Stream<Item = Result<T, Error<E>>> + Send + 'static
where
    P: Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    pages
        .map_ok(move |page| stream::iter(items_of(page).into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}
