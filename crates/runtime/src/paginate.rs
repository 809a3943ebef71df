//! Pagination: one stream implementation for every paging style.
//!
//! Generated code knows, per list operation, how to fetch a page and how to
//! build the request for the next one (a cursor, a page number, a `Link`
//! URL). This module decides when a listing ends, one function per paging
//! style ([`next_cursor`], [`next_page_marked`], [`next_page_counted`],
//! [`next_link`]: generated code only calls them), turns pages into a
//! stream of pages and a stream of items, and guards against servers that
//! repeat a page or never end.

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

/// Cursor paging (Kazoo `next_start_key`): the cursor of the next page, or
/// `None` when the answer names none (absent or empty).
pub fn next_cursor(cursor: Option<impl AsRef<str>>) -> Option<String> {
    let cursor = cursor?;
    let cursor = cursor.as_ref();
    (!cursor.is_empty()).then(|| cursor.to_owned())
}

/// Page numbers with a marker of a next page (RingCentral
/// `navigation.nextPage`): the next page number, or `None` when the marker
/// is absent or the page was empty.
pub fn next_page_marked(page: impl Into<i64>, has_next: bool, items: usize) -> Option<i64> {
    let page = page.into();
    (has_next && items > 0)
        .then(|| page.checked_add(1))
        .flatten()
}

/// Where a page-numbered listing with a total stands: the page just
/// fetched, and how many items came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageAt {
    /// The page's number (from 1).
    pub page: i64,
    /// How many items the pages before it held.
    pub before: u64,
}

impl PageAt {
    /// The first page fetched: page `page` of a listing with `per_page`
    /// items per page (when the request sets it).
    pub fn first(page: impl Into<i64>, per_page: Option<impl Into<i64>>, items: usize) -> Self {
        let page = page.into();
        // Pages before the first one fetched are as full as it is when the
        // request does not say how full a page is.
        let size = per_page.map_or(items as u64, |n| n.into().max(0) as u64);
        PageAt {
            page,
            before: (page.max(1) as u64 - 1).saturating_mul(size),
        }
    }
}

/// Page numbers with a total (Yeastar `total_number`): where the next page
/// stands, or `None` when this one is the last. It is the last when it is
/// empty, when it holds fewer items than the page size the request set, or
/// when the items so far reach the total (or the answer has no total). So
/// a listing whose last page is short ends without asking for an empty
/// page.
pub fn next_page_counted(
    at: PageAt,
    per_page: Option<impl Into<i64>>,
    items: usize,
    total: Option<impl Into<i64>>,
) -> Option<PageAt> {
    let per_page: Option<i64> = per_page.map(Into::into);
    let total: Option<i64> = total.map(Into::into);
    let items = items as u64;
    if items == 0 || per_page.is_some_and(|n| n > 0 && items < n as u64) {
        return None;
    }
    let so_far = at.before.saturating_add(items);
    let total = u64::try_from(total?).ok()?;
    (so_far < total).then(|| PageAt {
        page: at.page.saturating_add(1),
        before: so_far,
    })
}

/// `Link`-header paging (Webex): the next page's URL, or `None` when the
/// answer has no `rel="next"` link (or an empty one).
pub fn next_link(link: Option<String>) -> Option<String> {
    link.filter(|l| !l.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_end_when_absent_or_empty() {
        assert_eq!(next_cursor(Some("g2")), Some("g2".to_owned()));
        assert_eq!(next_cursor(Some(&String::new())), None);
        assert_eq!(next_cursor(None::<&str>), None);
    }

    #[test]
    fn markers_end_when_absent_or_on_an_empty_page() {
        assert_eq!(next_page_marked(1, true, 100), Some(2));
        assert_eq!(next_page_marked(3, false, 100), None);
        assert_eq!(next_page_marked(3, true, 0), None);
        assert_eq!(next_page_marked(i64::MAX, true, 1), None);
    }

    /// Finding 7 of issue 12: 25 groups, 20 per page: two requests, not
    /// three (no empty third page).
    #[test]
    fn a_short_last_page_ends_a_counted_listing() {
        const UNSET: Option<i64> = None;
        // The server's page size (the request sets none).
        let at = PageAt::first(1, UNSET, 20);
        let at = next_page_counted(at, UNSET, 20, Some(25)).expect("a second page");
        assert_eq!(
            at,
            PageAt {
                page: 2,
                before: 20
            }
        );
        assert_eq!(next_page_counted(at, UNSET, 5, Some(25)), None);
        // The request's page size: 2 per page, 5 in all.
        let at = PageAt::first(1, Some(2), 2);
        let at = next_page_counted(at, Some(2), 2, Some(5)).unwrap();
        let at = next_page_counted(at, Some(2), 2, Some(5)).unwrap();
        assert_eq!(at.page, 3);
        assert_eq!(next_page_counted(at, Some(2), 1, Some(5)), None);
        // Exactly full pages end when the total is reached.
        let at = PageAt::first(1, Some(2), 2);
        let at = next_page_counted(at, Some(2), 2, Some(4)).unwrap();
        assert_eq!(next_page_counted(at, Some(2), 2, Some(4)), None);
        // A short page ends it even when the total claims more.
        assert_eq!(
            next_page_counted(PageAt::first(1, Some(10), 3), Some(10), 3, Some(50)),
            None
        );
        // No total, or an empty page: the end.
        assert_eq!(
            next_page_counted(PageAt::first(1, UNSET, 5), UNSET, 5, UNSET),
            None
        );
        assert_eq!(
            next_page_counted(PageAt::first(1, UNSET, 0), UNSET, 0, Some(9)),
            None
        );
        // 32-bit pages and totals, as the spec types them.
        let at = PageAt::first(1i32, Some(2i32), 2);
        assert_eq!(
            next_page_counted(at, Some(2i32), 2, Some(3i32))
                .unwrap()
                .page,
            2
        );
        // Starting on page 3 of 10 per page.
        let at = PageAt::first(3, Some(10), 10);
        assert_eq!(at.before, 20);
        assert_eq!(next_page_counted(at, Some(10), 10, Some(30)), None);
        assert_eq!(
            next_page_counted(at, Some(10), 10, Some(31)).unwrap().page,
            4
        );
        // Hostile totals, pages and sizes neither overflow nor loop.
        assert_eq!(next_page_counted(at, Some(10), 10, Some(-1)), None);
        let far = PageAt::first(i64::MAX, Some(i64::MAX), 1);
        assert_eq!(next_page_counted(far, Some(1), 1, Some(i64::MAX)), None);
        let last = PageAt {
            page: i64::MAX,
            before: 0,
        };
        assert_eq!(
            next_page_counted(last, UNSET, 1, Some(9)).unwrap().page,
            i64::MAX
        );
    }

    #[test]
    fn links_end_when_absent() {
        assert_eq!(
            next_link(Some("https://a/x?p=2".into())),
            Some("https://a/x?p=2".into())
        );
        assert_eq!(next_link(Some(" ".into())), None);
        assert_eq!(next_link(None), None);
    }
}
