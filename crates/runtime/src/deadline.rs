//! The one deadline of a call.

use std::time::Duration;

use tokio::time::Instant;

/// The moment by which a whole call must be over: rate-limit holds,
/// `Retry-After` waits, backoff, renewing the credential and every attempt
/// spend the same budget.
///
/// [`crate::Client::execute`] sets it from the call's timeout (or the
/// client's) and puts it on the request; an auth provider passes the
/// request's deadline on to the token requests it makes
/// ([`crate::Request::with_deadline`]), so that renewing a credential
/// counts against the call that needed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Deadline(Instant);

impl Deadline {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Deadline(Instant::now() + budget)
    }

    /// The time left (zero once it passed).
    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// Whether it has passed.
    pub fn passed(&self) -> bool {
        Instant::now() >= self.0
    }

    /// Whether waiting `wait` from now would end after it.
    pub fn outlasted_by(&self, wait: Duration) -> bool {
        Instant::now() + wait > self.0
    }

    pub(crate) fn at(instant: Instant) -> Self {
        Deadline(instant)
    }

    pub(crate) fn instant(&self) -> Instant {
        self.0
    }
}
