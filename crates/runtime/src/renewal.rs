//! The auth state machine of [`crate::RefreshingToken`]: pure transitions,
//! no I/O, no clock of its own (every transition is told the time).
//!
//! One machine per credential holds the access token in use (with an
//! epoch that grows with every token obtained), the newest refresh token
//! not known to be spent, and at most one fetch in flight:
//!
//! - [`Machine::authorize`] hands out the current token, or tells the
//!   caller to wait for the fetch in flight, or makes the caller the one
//!   that fetches (single flight). A token within its renewal margin is
//!   still handed out while someone else renews it.
//! - A refresh token is taken out of the machine when a fetch sends it:
//!   whatever happens to that fetch, it is never sent again (a rotated
//!   refresh token is spent once it reached the server). It is put back
//!   only when the vendor answered without a new one (a vendor that does
//!   not rotate).
//! - A refresh token is replaced only by a newer one, never by nothing.
//! - A failed refresh falls back to the configured login, once, within the
//!   same flight.
//! - [`Machine::rejected`] forgets the access token only when the rejected
//!   one is still current (same epoch); a stale rejection changes nothing.
//!   It never touches the refresh token.

use std::time::Duration;

use tokio::time::Instant;

use crate::auth::Token;
use crate::secret::Secret;

/// The renewal margin when the provider sets none: a tenth of the token's
/// lifetime, at most this much.
pub(crate) const DEFAULT_MARGIN_CAP: Duration = Duration::from_secs(60);

/// When to renew a token of `lifetime` obtained at `obtained`: a tenth of
/// its lifetime before it expires, but never more than `cap` before.
pub(crate) fn renew_at(obtained: Instant, lifetime: Duration, cap: Duration) -> Instant {
    let margin = (lifetime / 10).min(cap);
    obtained + lifetime.saturating_sub(margin)
}

/// What the caller of [`Machine::authorize`] does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Send this token; `epoch` goes with the request so that a rejection
    /// can be matched to the token it rejected.
    Use { token: Secret, epoch: u64 },
    /// Another caller is fetching: wait until it finishes, then ask again.
    Wait,
    /// Fetch a token with `plan`, then report with [`Machine::finish`].
    Fetch { ticket: u64, plan: Plan },
}

/// How a fetch obtains a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Renew with this refresh token (now taken: never sent again).
    Refresh(Secret),
    /// The configured login (or initial grant).
    Login,
}

/// How a fetch ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The vendor issued a token.
    Issued(Token),
    /// The vendor refused the fetch for good (wrong credentials, a spent
    /// or unknown refresh token): the calls waiting for it fail too.
    Refused,
    /// The fetch failed for a passing reason (a broken connection, a 5xx,
    /// a 429): the calls waiting for it ask again.
    Failed,
    /// The fetch failed before anything reached the vendor (a refused
    /// connection): a refresh token it carried is not spent.
    NotSent,
    /// The fetch was not even tried (its caller had no time left): nothing
    /// happened, and the next caller starts afresh.
    Untried,
    /// The fetch was dropped before it finished (its call was cancelled
    /// or ran out of time); whoever asks next starts a new one.
    Abandoned,
}

/// What follows [`Machine::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum After {
    /// The flight is over with this token, which the caller that fetched
    /// it sends (even when its lifetime is already over: a vendor that
    /// hands out tokens that expire at once still gets one call per
    /// token, not a loop); waiters may ask again.
    Issued { token: Secret, epoch: u64 },
    /// The flight is over without a token; waiters may ask again.
    Done,
    /// The refresh failed: the same caller now logs in, still the only
    /// fetch in flight.
    Fallback { ticket: u64 },
}

#[derive(Debug, Clone)]
struct Current {
    token: Secret,
    /// When it stops being handed out without renewing first.
    renew_at: Option<Instant>,
    /// When it stops being handed out at all.
    expires_at: Option<Instant>,
}

#[derive(Debug, Clone)]
struct Flight {
    ticket: u64,
    /// The refresh token this flight sent, if it refreshes (restored when
    /// the vendor answers without a new one).
    sent_refresh: Option<Secret>,
    /// Whether it already fell back to the login.
    fell_back: bool,
}

/// The state of one credential. See the module docs.
#[derive(Debug, Clone)]
pub(crate) struct Machine {
    epoch: u64,
    current: Option<Current>,
    refresh: Option<Secret>,
    flight: Option<Flight>,
    tickets: u64,
    margin_cap: Duration,
    /// Flights the vendor refused for good: the calls that waited for one
    /// give up with it instead of asking again in turn.
    failures: u64,
}

impl Machine {
    /// A machine with no token yet; `refresh` seeds it with a refresh
    /// token the user already has (OAuth `refresh_token` grant).
    pub(crate) fn new(refresh: Option<Secret>, margin_cap: Duration) -> Self {
        Machine {
            epoch: 0,
            current: None,
            refresh,
            flight: None,
            tickets: 0,
            margin_cap,
            failures: 0,
        }
    }

    /// Seeds a machine that holds nothing yet with what a token store
    /// kept: an access token and how long it has left (`None`: unknown),
    /// and a refresh token (it replaces one the user configured: the store
    /// holds a newer one). An access token with no time left is not kept.
    pub(crate) fn seed(
        &mut self,
        access: Option<(Secret, Option<Duration>)>,
        refresh: Option<Secret>,
        now: Instant,
    ) {
        if self.current.is_some() || self.flight.is_some() {
            return;
        }
        if let Some((token, remaining)) = access
            && remaining.is_none_or(|r| !r.is_zero())
        {
            self.epoch += 1;
            self.current = Some(Current {
                token,
                renew_at: remaining.map(|r| renew_at(now, r, self.margin_cap)),
                expires_at: remaining.map(|r| now + r),
            });
        }
        if refresh.is_some() {
            self.refresh = refresh;
        }
    }

    /// The renewal margin's cap.
    pub(crate) fn set_margin_cap(&mut self, cap: Duration) {
        self.margin_cap = cap;
    }

    /// The token to send now, or what to do instead.
    pub(crate) fn authorize(&mut self, now: Instant) -> Step {
        if let Some(current) = &self.current {
            let expired = current.expires_at.is_some_and(|at| now >= at);
            let due = current.renew_at.is_some_and(|at| now >= at);
            // Within the margin, the token is still good while someone
            // else renews it.
            if !expired && (!due || self.flight.is_some()) {
                return Step::Use {
                    token: current.token.clone(),
                    epoch: self.epoch,
                };
            }
        }
        if self.flight.is_some() {
            return Step::Wait;
        }
        self.tickets += 1;
        let ticket = self.tickets;
        let sent_refresh = self.refresh.take();
        let plan = match &sent_refresh {
            Some(refresh) => Plan::Refresh(refresh.clone()),
            None => Plan::Login,
        };
        self.flight = Some(Flight {
            ticket,
            sent_refresh,
            fell_back: false,
        });
        Step::Fetch { ticket, plan }
    }

    /// The fetch `ticket` ended with `outcome` at `now`.
    pub(crate) fn finish(&mut self, ticket: u64, outcome: Outcome, now: Instant) -> After {
        let Some(flight) = self.flight.take_if(|f| f.ticket == ticket) else {
            // Not the flight in progress (it cannot happen while the one
            // who fetches is the one who reports): change nothing.
            return After::Done;
        };
        match outcome {
            Outcome::Issued(token) => {
                self.epoch += 1;
                let (renew_at, expires_at) = match token.expires_in {
                    Some(lifetime) => (
                        Some(renew_at(now, lifetime, self.margin_cap)),
                        Some(now + lifetime),
                    ),
                    None => (None, None),
                };
                self.current = Some(Current {
                    token: token.value.clone(),
                    renew_at,
                    expires_at,
                });
                // Only a newer refresh token replaces one; a vendor that
                // does not rotate keeps the one that was sent.
                if let Some(newer) = token.refresh.or(flight.sent_refresh) {
                    self.refresh = Some(newer);
                }
                After::Issued {
                    token: token.value,
                    epoch: self.epoch,
                }
            }
            Outcome::Refused | Outcome::Failed
                if flight.sent_refresh.is_some() && !flight.fell_back =>
            {
                // The refresh token is spent or refused: log in instead,
                // in the same flight.
                self.tickets += 1;
                let ticket = self.tickets;
                self.flight = Some(Flight {
                    ticket,
                    sent_refresh: None,
                    fell_back: true,
                });
                After::Fallback { ticket }
            }
            Outcome::NotSent => {
                if self.refresh.is_none() {
                    self.refresh = flight.sent_refresh;
                }
                After::Done
            }
            Outcome::Refused => {
                self.failures += 1;
                After::Done
            }
            Outcome::Failed => After::Done,
            Outcome::Untried => {
                if self.refresh.is_none() {
                    self.refresh = flight.sent_refresh;
                }
                After::Done
            }
            Outcome::Abandoned => After::Done,
        }
    }

    /// How many flights the vendor refused so far (see the field). A caller that
    /// was told to wait compares it with the count when it started waiting.
    pub(crate) fn failures(&self) -> u64 {
        self.failures
    }

    /// Whether a token can be handed out at `now` without fetching.
    pub(crate) fn usable(&self, now: Instant) -> bool {
        self.current
            .as_ref()
            .is_some_and(|c| c.expires_at.is_none_or(|at| now < at))
    }

    /// The vendor rejected the token of `epoch`. Returns whether a retry
    /// with another token is worth it: a newer token exists, or one can
    /// be fetched.
    pub(crate) fn rejected(&mut self, epoch: u64) -> bool {
        if epoch == self.epoch {
            self.current = None;
        }
        true
    }

    /// Takes the credential out for revocation: the access token and the
    /// refresh token, if any. Requests still carrying the old token are
    /// from an older epoch afterwards.
    pub(crate) fn revoke(&mut self) -> (Option<Secret>, Option<Secret>) {
        let current = self.current.take().map(|c| c.token);
        let refresh = self.refresh.take();
        if current.is_some() {
            self.epoch += 1;
        }
        (current, refresh)
    }

    /// The tokens it holds (the access token, the refresh token, the one a
    /// flight sent), to mask in errors.
    pub(crate) fn secrets(&self) -> Vec<Secret> {
        self.current
            .iter()
            .map(|c| c.token.clone())
            .chain(self.refresh.iter().cloned())
            .chain(self.flight.iter().filter_map(|f| f.sent_refresh.clone()))
            .collect()
    }

    /// Whether a fetch is in flight.
    #[cfg(test)]
    pub(crate) fn in_flight(&self) -> bool {
        self.flight.is_some()
    }

    /// The refresh token held (tests).
    #[cfg(test)]
    pub(crate) fn refresh_token(&self) -> Option<&str> {
        self.refresh.as_ref().map(Secret::expose)
    }

    /// Everything that determines future behaviour, for the model test's
    /// memo of visited states.
    #[cfg(test)]
    fn fingerprint(&self, origin: Instant) -> String {
        let since = |at: Option<Instant>| at.map(|t| t.saturating_duration_since(origin));
        format!(
            "{} {} {:?} {:?} {:?} {}",
            self.failures,
            self.epoch,
            self.current.as_ref().map(|c| (
                c.token.expose().to_owned(),
                since(c.renew_at),
                since(c.expires_at)
            )),
            self.refresh.as_ref().map(Secret::expose),
            self.flight.as_ref().map(|f| (
                f.ticket,
                f.sent_refresh.as_ref().map(|s| s.expose().to_owned()),
                f.fell_back
            )),
            self.tickets,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    use super::*;

    fn token(value: &str, refresh: Option<&str>, lifetime: Option<u64>) -> Token {
        Token {
            value: Secret::new(value),
            expires_in: lifetime.map(Duration::from_secs),
            refresh: refresh.map(Secret::new),
            refresh_expires_in: None,
        }
    }

    #[test]
    fn a_seeded_machine_uses_the_stored_tokens() {
        let now = Instant::now();
        let mut m = Machine::new(Some(Secret::new("configured")), DEFAULT_MARGIN_CAP);
        m.seed(
            Some((Secret::new("a9"), Some(Duration::from_secs(100)))),
            Some(Secret::new("r9")),
            now,
        );
        assert_eq!(use_of(m.authorize(now)).0, "a9");
        // Renewed a tenth of what was left before it ends, with the stored
        // refresh token (newer than the configured one).
        let (_, plan) = fetch_of(m.authorize(now + Duration::from_secs(91)));
        assert_eq!(plan, Plan::Refresh(Secret::new("r9")));
        // An access token with no time left is not kept.
        let mut m = Machine::new(None, DEFAULT_MARGIN_CAP);
        m.seed(
            Some((Secret::new("a0"), Some(Duration::ZERO))),
            Some(Secret::new("r0")),
            now,
        );
        let (_, plan) = fetch_of(m.authorize(now));
        assert_eq!(plan, Plan::Refresh(Secret::new("r0")));
    }

    fn use_of(step: Step) -> (String, u64) {
        match step {
            Step::Use { token, epoch } => (token.expose().to_owned(), epoch),
            other => panic!("expected a token, got {other:?}"),
        }
    }

    fn fetch_of(step: Step) -> (u64, Plan) {
        match step {
            Step::Fetch { ticket, plan } => (ticket, plan),
            other => panic!("expected a fetch, got {other:?}"),
        }
    }

    /// Finding 1 of issue 12, deterministically: two requests holding the
    /// same token are both rejected before either re-authorises; the next
    /// fetch must still be offered the refresh token.
    #[test]
    fn two_rejections_of_one_token_keep_the_refresh_token() {
        let now = Instant::now();
        let mut m = Machine::new(None, DEFAULT_MARGIN_CAP);
        let (ticket, plan) = fetch_of(m.authorize(now));
        assert_eq!(plan, Plan::Login);
        m.finish(
            ticket,
            Outcome::Issued(token("a1", Some("r1"), Some(3600))),
            now,
        );
        let (a, epoch_a) = use_of(m.authorize(now)); // task a
        let (b, epoch_b) = use_of(m.authorize(now)); // task b
        assert_eq!((a.as_str(), b.as_str()), ("a1", "a1"));
        assert!(m.rejected(epoch_a));
        assert!(m.rejected(epoch_b));
        let (_, plan) = fetch_of(m.authorize(now)); // task c
        assert_eq!(plan, Plan::Refresh(Secret::new("r1")));
    }

    #[test]
    fn a_stale_rejection_keeps_the_newer_token() {
        let now = Instant::now();
        let mut m = Machine::new(None, DEFAULT_MARGIN_CAP);
        let (t, _) = fetch_of(m.authorize(now));
        m.finish(t, Outcome::Issued(token("a1", None, None)), now);
        let (_, old) = use_of(m.authorize(now));
        m.rejected(old);
        let (t, _) = fetch_of(m.authorize(now));
        m.finish(t, Outcome::Issued(token("a2", None, None)), now);
        // A late rejection of a1 must not throw a2 away.
        m.rejected(old);
        assert_eq!(use_of(m.authorize(now)).0, "a2");
    }

    #[test]
    fn a_failed_refresh_falls_back_to_the_login_once() {
        let now = Instant::now();
        let mut m = Machine::new(Some(Secret::new("r0")), DEFAULT_MARGIN_CAP);
        let (t, plan) = fetch_of(m.authorize(now));
        assert_eq!(plan, Plan::Refresh(Secret::new("r0")));
        assert_eq!(m.authorize(now), Step::Wait, "single flight");
        let After::Fallback { ticket } = m.finish(t, Outcome::Failed, now) else {
            panic!("expected the fallback")
        };
        assert_eq!(m.authorize(now), Step::Wait, "still one flight");
        assert_eq!(m.finish(ticket, Outcome::Failed, now), After::Done);
        // The spent refresh token is gone: the next try logs in.
        assert_eq!(m.refresh_token(), None);
        assert_eq!(fetch_of(m.authorize(now)).1, Plan::Login);
    }

    #[test]
    fn a_vendor_that_does_not_rotate_keeps_its_refresh_token() {
        let now = Instant::now();
        let mut m = Machine::new(Some(Secret::new("r0")), DEFAULT_MARGIN_CAP);
        let (t, _) = fetch_of(m.authorize(now));
        m.finish(t, Outcome::Issued(token("a1", None, Some(60))), now);
        assert_eq!(m.refresh_token(), Some("r0"));
    }

    #[test]
    fn an_abandoned_fetch_lets_the_next_caller_fetch_without_the_refresh_token() {
        let now = Instant::now();
        let mut m = Machine::new(Some(Secret::new("r0")), DEFAULT_MARGIN_CAP);
        let (t, _) = fetch_of(m.authorize(now));
        assert_eq!(m.finish(t, Outcome::Abandoned, now), After::Done);
        assert!(!m.in_flight());
        assert_eq!(fetch_of(m.authorize(now)).1, Plan::Login);
    }

    #[test]
    fn an_untried_fetch_keeps_the_refresh_token_and_fails_no_waiter() {
        let now = Instant::now();
        let mut m = Machine::new(Some(Secret::new("r0")), DEFAULT_MARGIN_CAP);
        let (t, _) = fetch_of(m.authorize(now));
        assert_eq!(m.finish(t, Outcome::Untried, now), After::Done);
        assert_eq!(m.failures(), 0);
        assert_eq!(
            fetch_of(m.authorize(now)).1,
            Plan::Refresh(Secret::new("r0"))
        );
    }

    #[test]
    fn the_margin_is_a_fraction_of_the_lifetime_with_a_cap() {
        let t0 = Instant::now();
        let cap = DEFAULT_MARGIN_CAP;
        assert_eq!(
            renew_at(t0, Duration::from_secs(30), cap),
            t0 + Duration::from_secs(27)
        );
        assert_eq!(
            renew_at(t0, Duration::from_secs(1800), cap),
            t0 + Duration::from_secs(1740)
        );
        assert_eq!(
            renew_at(t0, Duration::from_secs(3600), cap),
            t0 + Duration::from_secs(3540)
        );
        assert_eq!(renew_at(t0, Duration::ZERO, cap), t0);
        let mut m = Machine::new(None, cap);
        let (t, _) = fetch_of(m.authorize(t0));
        m.finish(t, Outcome::Issued(token("a1", None, Some(30))), t0);
        // Reused for most of its life...
        assert_eq!(use_of(m.authorize(t0 + Duration::from_secs(26))).0, "a1");
        // ...renewed in the margin, while others still use it...
        let (t, _) = fetch_of(m.authorize(t0 + Duration::from_secs(28)));
        assert_eq!(use_of(m.authorize(t0 + Duration::from_secs(28))).0, "a1");
        // ...but not once it expired.
        assert_eq!(m.authorize(t0 + Duration::from_secs(30)), Step::Wait);
        m.finish(
            t,
            Outcome::Issued(token("a2", None, Some(30))),
            t0 + Duration::from_secs(30),
        );
        assert_eq!(use_of(m.authorize(t0 + Duration::from_secs(30))).0, "a2");
    }

    #[test]
    fn revoking_takes_both_tokens_and_makes_old_rejections_stale() {
        let now = Instant::now();
        let mut m = Machine::new(None, DEFAULT_MARGIN_CAP);
        let (t, _) = fetch_of(m.authorize(now));
        m.finish(t, Outcome::Issued(token("a1", Some("r1"), None)), now);
        let (_, epoch) = use_of(m.authorize(now));
        let (access, refresh) = m.revoke();
        assert_eq!(access.unwrap().expose(), "a1");
        assert_eq!(refresh.unwrap().expose(), "r1");
        assert_eq!(m.revoke(), (None, None), "nothing left to revoke");
        m.rejected(epoch);
        assert_eq!(fetch_of(m.authorize(now)).1, Plan::Login);
    }

    // ----- the model test: every interleaving of a few tasks ----------

    /// A vendor's token endpoint and API, as the model sees them: access
    /// tokens live `LIFETIME` model seconds or until the vendor drops
    /// them; refresh tokens rotate (each is spent by its use).
    #[derive(Clone, Debug, Default)]
    struct Vendor {
        issued: u32,
        /// Access token -> when it expires (model seconds).
        live: BTreeMap<String, u64>,
        /// Refresh tokens that may still be used.
        refreshable: BTreeSet<String>,
        /// Refresh tokens the client has seen in an answer.
        delivered: BTreeSet<String>,
        /// Refresh tokens used once (rotation spends them).
        spent: BTreeSet<String>,
        spent_replays: u32,
        fetches: u32,
        /// Events that justify a fetch: the first login, expiries, a
        /// token the vendor dropped, a refused refresh (its fallback).
        reasons: u32,
    }

    const LIFETIME: u64 = 10;

    impl Vendor {
        fn issue(&mut self, now: u64) -> (String, String) {
            self.issued += 1;
            let access = format!("a{}", self.issued);
            let refresh = format!("r{}", self.issued);
            self.live.insert(access.clone(), now + LIFETIME);
            self.refreshable.insert(refresh.clone());
            (access, refresh)
        }

        fn accepts(&self, token: &str, now: u64) -> bool {
            self.live.get(token).is_some_and(|until| now < *until)
        }
    }

    #[derive(Clone, Debug, PartialEq, Eq)]
    enum Task {
        /// About to authorize; `retried` once it was rejected.
        Start {
            retried: bool,
            calls_left: u8,
        },
        /// Holds a token, about to send it.
        Holding {
            token: String,
            epoch: u64,
            retried: bool,
            calls_left: u8,
        },
        /// Its fetch is at the vendor.
        Fetching {
            ticket: u64,
            plan: Plan,
            retried: bool,
            calls_left: u8,
        },
        /// Waits for someone else's fetch; `failures` is the machine's
        /// count of failed flights when it started waiting.
        Waiting {
            retried: bool,
            calls_left: u8,
            failures: u64,
        },
        Done,
    }

    #[derive(Clone, Debug)]
    struct World {
        machine: Machine,
        vendor: Vendor,
        tasks: Vec<Task>,
        now: u64,
        /// Environment events still allowed (bounded, so the search ends).
        drops_left: u8,
        ticks_left: u8,
        refusals_left: u8,
        cancels_left: u8,
        unreachable_left: u8,
    }

    impl World {
        fn instant(&self, origin: Instant) -> Instant {
            origin + Duration::from_secs(self.now)
        }

        fn fingerprint(&self, origin: Instant) -> String {
            format!(
                "{} | {:?} {:?} {:?} {:?} {} {} {} | {:?} | {} {} {} {} {} {}",
                self.machine.fingerprint(origin),
                self.vendor.live,
                self.vendor.refreshable,
                self.vendor.delivered,
                self.vendor.spent,
                self.vendor.spent_replays,
                self.vendor.fetches,
                self.vendor.reasons,
                self.tasks,
                self.now,
                self.drops_left,
                self.ticks_left,
                self.refusals_left,
                self.cancels_left,
                self.unreachable_left,
            )
        }
    }

    /// The successors of `world`: one per task that can move, one per
    /// outcome its move can have, one per environment event.
    fn successors(world: &World, origin: Instant) -> Vec<World> {
        let mut out = Vec::new();
        for i in 0..world.tasks.len() {
            match world.tasks[i].clone() {
                Task::Done => {}
                Task::Start {
                    retried,
                    calls_left,
                }
                | Task::Waiting {
                    retried,
                    calls_left,
                    ..
                } => {
                    let waiting = matches!(world.tasks[i], Task::Waiting { .. });
                    // A waiter moves only once the flight is over.
                    if waiting && world.machine.in_flight() {
                        continue;
                    }
                    // The flight it waited for failed: its call fails too.
                    if let Task::Waiting { failures, .. } = world.tasks[i]
                        && world.machine.failures() > failures
                    {
                        let mut next = world.clone();
                        next.tasks[i] = ended(calls_left);
                        out.push(next);
                        continue;
                    }
                    let mut next = world.clone();
                    let now = next.instant(origin);
                    next.tasks[i] = match next.machine.authorize(now) {
                        Step::Use { token, epoch } => Task::Holding {
                            token: token.expose().to_owned(),
                            epoch,
                            retried,
                            calls_left,
                        },
                        Step::Wait => Task::Waiting {
                            retried,
                            calls_left,
                            failures: next.machine.failures(),
                        },
                        Step::Fetch { ticket, plan } => {
                            check_plan(&next.vendor, &plan);
                            Task::Fetching {
                                ticket,
                                plan,
                                retried,
                                calls_left,
                            }
                        }
                    };
                    out.push(next);
                }
                Task::Holding {
                    token,
                    epoch,
                    retried,
                    calls_left,
                } => {
                    let mut next = world.clone();
                    if next.vendor.accepts(&token, next.now) {
                        next.tasks[i] = ended(calls_left);
                    } else if retried {
                        // Unauthorized after one renewal: the call fails.
                        next.tasks[i] = ended(calls_left);
                    } else {
                        assert!(next.machine.rejected(epoch));
                        next.tasks[i] = Task::Start {
                            retried: true,
                            calls_left,
                        };
                    }
                    out.push(next);
                }
                Task::Fetching {
                    ticket,
                    plan,
                    retried,
                    calls_left,
                } => {
                    // The vendor answers the fetch.
                    let mut next = world.clone();
                    let outcome = vendor_answers(&mut next.vendor, &plan, next.now);
                    resolve(&mut next, i, ticket, outcome, retried, calls_left, origin);
                    out.push(next);
                    // Or the connection is refused: nothing reaches the
                    // vendor, and the call fails.
                    if world.unreachable_left > 0 {
                        let mut next = world.clone();
                        next.unreachable_left -= 1;
                        let now = next.instant(origin);
                        assert_eq!(
                            next.machine.finish(ticket, Outcome::NotSent, now),
                            After::Done
                        );
                        next.tasks[i] = ended(calls_left);
                        out.push(next);
                    }
                    // Or the fetch is cancelled after the vendor acted on
                    // it (the worst case: a rotation whose answer is lost).
                    if world.cancels_left > 0 {
                        let mut next = world.clone();
                        next.cancels_left -= 1;
                        let _lost = vendor_answers(&mut next.vendor, &plan, next.now);
                        let now = next.instant(origin);
                        assert_eq!(
                            next.machine.finish(ticket, Outcome::Abandoned, now),
                            After::Done
                        );
                        next.tasks[i] = ended(calls_left);
                        out.push(next);
                    }
                }
            }
        }
        // The vendor drops every access token (restart, revoked elsewhere).
        if world.drops_left > 0 && !world.vendor.live.is_empty() {
            let mut next = world.clone();
            next.drops_left -= 1;
            next.vendor.live.clear();
            next.vendor.reasons += 1;
            out.push(next);
        }
        // Time passes: every token issued so far expires.
        if world.ticks_left > 0 {
            let mut next = world.clone();
            next.ticks_left -= 1;
            next.now += LIFETIME;
            if world.vendor.live.values().any(|until| *until > world.now) {
                next.vendor.reasons += 1;
            }
            out.push(next);
        }
        // The vendor forgets every refresh token (they expired).
        if world.refusals_left > 0 && !world.vendor.refreshable.is_empty() {
            let mut next = world.clone();
            next.refusals_left -= 1;
            next.vendor.refreshable.clear();
            next.vendor.reasons += 1;
            out.push(next);
        }
        out
    }

    /// The task after its call ended (succeeded or failed).
    fn ended(calls_left: u8) -> Task {
        if calls_left <= 1 {
            Task::Done
        } else {
            Task::Start {
                retried: false,
                calls_left: calls_left - 1,
            }
        }
    }

    /// A fetch with this plan is about to be sent: it never replays a
    /// spent refresh token, and it logs in only when the client holds no
    /// refresh token the vendor would still accept.
    fn check_plan(vendor: &Vendor, plan: &Plan) {
        match plan {
            Plan::Refresh(r) => assert!(
                vendor.refreshable.contains(r.expose()) || vendor.delivered.contains(r.expose()),
                "refresh token {} was never issued",
                r.expose()
            ),
            Plan::Login => {
                let usable: Vec<_> = vendor.delivered.intersection(&vendor.refreshable).collect();
                assert!(
                    usable.is_empty(),
                    "logged in while holding the usable refresh token(s) {usable:?}"
                );
            }
        }
    }

    fn vendor_answers(vendor: &mut Vendor, plan: &Plan, now: u64) -> Option<Token> {
        vendor.fetches += 1;
        match plan {
            Plan::Refresh(r) => {
                if !vendor.spent.insert(r.expose().to_owned()) {
                    vendor.spent_replays += 1;
                }
                if !vendor.refreshable.remove(r.expose()) {
                    return None;
                }
                let (a, r) = vendor.issue(now);
                Some(token(&a, Some(&r), Some(LIFETIME)))
            }
            Plan::Login => {
                let (a, r) = vendor.issue(now);
                Some(token(&a, Some(&r), Some(LIFETIME)))
            }
        }
    }

    fn resolve(
        world: &mut World,
        task: usize,
        ticket: u64,
        answer: Option<Token>,
        retried: bool,
        calls_left: u8,
        origin: Instant,
    ) {
        let now = world.instant(origin);
        let issued = answer.is_some();
        let outcome = match answer {
            Some(token) => {
                if let Some(r) = &token.refresh {
                    world.vendor.delivered.insert(r.expose().to_owned());
                }
                Outcome::Issued(token)
            }
            None => Outcome::Refused,
        };
        world.tasks[task] = match world.machine.finish(ticket, outcome, now) {
            // With a token, the call sends it.
            After::Issued { token, epoch } => {
                assert!(issued);
                Task::Holding {
                    token: token.expose().to_owned(),
                    epoch,
                    retried,
                    calls_left,
                }
            }
            // Without, the call fails.
            After::Done => ended(calls_left),
            After::Fallback { ticket } => {
                check_plan(&world.vendor, &Plan::Login);
                Task::Fetching {
                    ticket,
                    plan: Plan::Login,
                    retried,
                    calls_left,
                }
            }
        };
    }

    /// Explores every interleaving of `tasks` tasks making `calls` calls
    /// each, with bounded vendor events, and checks the invariants in
    /// every state reached. Returns the number of distinct states.
    fn explore(tasks: usize, calls: u8, events: Events) -> usize {
        let Events {
            drops,
            ticks,
            refusals,
            cancels,
            unreachable,
        } = events;
        let origin = Instant::now();
        let start = World {
            machine: Machine::new(None, Duration::from_secs(1)),
            vendor: Vendor {
                reasons: 1, // the first login
                ..Vendor::default()
            },
            tasks: vec![
                Task::Start {
                    retried: false,
                    calls_left: calls
                };
                tasks
            ],
            now: 0,
            drops_left: drops,
            ticks_left: ticks,
            refusals_left: refusals,
            cancels_left: cancels,
            unreachable_left: unreachable,
        };
        let mut seen = HashSet::new();
        let mut stack = vec![start];
        while let Some(world) = stack.pop() {
            if !seen.insert(world.fingerprint(origin)) {
                continue;
            }
            // Never a spent refresh token sent again.
            assert_eq!(world.vendor.spent_replays, 0, "{world:#?}");
            // At most one fetch at a time.
            let fetching = world
                .tasks
                .iter()
                .filter(|t| matches!(t, Task::Fetching { .. }))
                .count();
            assert!(fetching <= 1, "{fetching} fetches at once: {world:#?}");
            assert_eq!(fetching == 1, world.machine.in_flight(), "{world:#?}");
            // One token request per reason to need one (an expiry, a
            // token the vendor dropped, a refused refresh, a lost answer).
            let cancelled = u32::from(cancels - world.cancels_left);
            assert!(
                world.vendor.fetches <= world.vendor.reasons + cancelled,
                "{} fetches for {} reasons: {world:#?}",
                world.vendor.fetches,
                world.vendor.reasons
            );
            let next = successors(&world, origin);
            // No deadlock: while a task is unfinished, someone can move
            // without the environment's help.
            let unfinished = world.tasks.iter().any(|t| *t != Task::Done);
            if unfinished {
                let movable = world.tasks.iter().any(|t| match t {
                    Task::Done => false,
                    Task::Waiting { .. } => !world.machine.in_flight(),
                    _ => true,
                });
                assert!(movable, "deadlock: {world:#?}");
            }
            stack.extend(next);
        }
        seen.len()
    }

    /// How many of each vendor event the search may insert anywhere.
    struct Events {
        drops: u8,
        ticks: u8,
        refusals: u8,
        cancels: u8,
        unreachable: u8,
    }

    #[test]
    fn every_interleaving_of_two_tasks() {
        let states = explore(
            2,
            2,
            Events {
                drops: 1,
                ticks: 1,
                refusals: 1,
                cancels: 1,
                unreachable: 1,
            },
        );
        assert!(states > 1_000, "explored only {states} states");
    }

    #[test]
    fn every_interleaving_of_three_tasks() {
        let states = explore(
            3,
            1,
            Events {
                drops: 1,
                ticks: 1,
                refusals: 1,
                cancels: 1,
                unreachable: 1,
            },
        );
        assert!(states > 1_000, "explored only {states} states");
    }
}
