//! Page arithmetic on numbers that come from requests: checked, so that a
//! page number near `i64::MAX` is simply a page past the end.

/// The records of page `page` (from 1) of `per_page` out of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    /// The page, at least 1.
    pub page: u64,
    /// Records per page, at least 1.
    pub per_page: u64,
    /// The index of the page's first record (`total` when past the end).
    pub start: usize,
    /// One past the index of the page's last record.
    pub end: usize,
    /// How many pages `total` makes (at least 1).
    pub pages: u64,
}

impl Window {
    /// The window for the requested `page` and `per_page` (absent: 1 and
    /// `default_per_page`; below 1: 1).
    pub(crate) fn new(
        page: Option<i64>,
        per_page: Option<i64>,
        default_per_page: u64,
        total: usize,
    ) -> Window {
        let page = page.map_or(1, |p| u64::try_from(p).unwrap_or(0)).max(1);
        let per_page = per_page
            .map_or(default_per_page, |p| u64::try_from(p).unwrap_or(0))
            .max(1);
        let total_u64 = total as u64;
        let pages = total_u64.div_ceil(per_page).max(1);
        let start = (page - 1)
            .checked_mul(per_page)
            .filter(|start| *start < total_u64)
            .map_or(total, |start| start as usize);
        let end = start + (total - start).min(usize::try_from(per_page).unwrap_or(usize::MAX));
        Window {
            page,
            per_page,
            start,
            end,
            pages,
        }
    }

    /// The next page's number, if there is one.
    pub(crate) fn next(&self) -> Option<u64> {
        (self.page < self.pages).then(|| self.page + 1)
    }

    /// The previous page's number, if there is one.
    pub(crate) fn previous(&self) -> Option<u64> {
        (self.page > 1).then(|| self.page - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::Window;

    #[test]
    fn ordinary_pages() {
        let w = Window::new(Some(2), Some(2), 100, 5);
        assert_eq!((w.start, w.end, w.pages, w.next()), (2, 4, 3, Some(3)));
        let w = Window::new(None, None, 100, 5);
        assert_eq!((w.start, w.end, w.pages, w.next()), (0, 5, 1, None));
        let w = Window::new(Some(1), Some(10), 100, 0);
        assert_eq!((w.start, w.end, w.pages), (0, 0, 1));
    }

    #[test]
    fn hostile_numbers_give_an_empty_page() {
        for (page, per_page) in [
            (Some(i64::MAX), Some(i64::MAX)),
            (Some(i64::MAX), Some(2)),
            (Some(2), Some(i64::MAX)),
            (Some(i64::MIN), Some(i64::MIN)),
            (Some(-1), Some(0)),
        ] {
            let w = Window::new(page, per_page, 100, 3);
            assert!(
                w.start <= w.end && w.end <= 3,
                "{page:?} {per_page:?}: {w:?}"
            );
            assert!(w.page >= 1 && w.per_page >= 1);
        }
        let w = Window::new(Some(i64::MAX), Some(1), 100, 3);
        assert_eq!(
            (w.start, w.end, w.next(), w.previous()),
            (3, 3, None, Some(i64::MAX as u64 - 1))
        );
    }
}
