//! The token store every fake shares: access tokens that expire, refresh
//! tokens that rotate (each works once), sessions that a revoke ends, an
//! optional cap on live tokens, and counts a test can read
//! ([`crate::FakeServer::tokens`]).
//!
//! A *session* is one login: its access token, and its refresh token if the
//! vendor has them. A refresh replaces both within the session (the previous
//! access token stops working, as RingCentral documents for its refresh
//! flow); a revoke ends the session, whichever of its tokens is presented.
//! Tokens seeded for the sandbox (printed by `dialtone-fakes`) are checked
//! like the others but never counted, capped or evicted.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Counts of a fake's token store, as [`crate::FakeServer::tokens`] returns
/// them. Tokens seeded for the sandbox are not counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenStats {
    /// Access tokens issued, by logins and refreshes together.
    pub issued: u64,
    /// Logins that issued a token (password, API key, JWT, client
    /// credentials...).
    pub logins: u64,
    /// Access tokens that are valid now: issued, unexpired, not revoked and
    /// not replaced by a refresh.
    pub live: usize,
    /// Refreshes that succeeded.
    pub refreshed: u64,
    /// Sessions ended by a revoke while their access token was still valid.
    pub revoked: u64,
    /// Refresh tokens presented again after they had been spent by a
    /// refresh (each presentation counts).
    pub spent_refresh_replays: u64,
    /// Requests refused for an unknown, expired or revoked access token.
    pub rejected: u64,
    /// Authorization codes issued by the authorization endpoint.
    pub codes_issued: u64,
    /// Authorization codes exchanged for tokens.
    pub codes_redeemed: u64,
    /// Authorization codes presented again after they had been exchanged
    /// (each presentation counts; the session they started is revoked).
    pub code_replays: u64,
    /// Code exchanges refused because the PKCE verifier was missing or did
    /// not match the challenge.
    pub pkce_failures: u64,
}

/// How a vendor issues tokens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenRules {
    /// How long an access token lasts.
    pub access_ttl: Duration,
    /// How long a refresh token lasts; `None`: the vendor has none.
    pub refresh_ttl: Option<Duration>,
    /// The most live access tokens at once; `None`: no cap.
    pub max_live: Option<usize>,
    /// The text of the n-th access token.
    pub access_format: fn(u64) -> String,
    /// The text of the n-th refresh token.
    pub refresh_format: fn(u64) -> String,
    /// Whether a refresh issues a new refresh token (the spent one is
    /// refused from then on); else the session keeps its refresh token.
    pub rotate_refresh: bool,
}

/// Tokens a login or a refresh issued.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub access: String,
    pub refresh: Option<String>,
    pub access_ttl: Duration,
    pub refresh_ttl: Option<Duration>,
}

/// What an access token is worth now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Validity {
    Valid,
    Expired,
    /// Never issued, revoked, replaced by a refresh, or forgotten.
    Unknown,
}

/// Why a refresh was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefreshRefused {
    /// Never issued (or forgotten).
    Unknown,
    Expired,
    /// Already spent by an earlier refresh.
    Spent,
    /// Its session was revoked.
    Revoked,
}

/// Why a code exchange was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeRefused {
    /// Never issued (or forgotten).
    Unknown,
    Expired,
    /// Already exchanged (the session it started is revoked).
    Replayed,
    /// Issued to another client.
    OtherClient,
    /// The redirect URI is not the one the authorization was asked with.
    RedirectMismatch,
    /// The authorization sent a challenge and the exchange no verifier.
    VerifierMissing,
    /// The verifier does not match the challenge.
    VerifierMismatch,
}

/// How a PKCE challenge was derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeMethod {
    S256,
    Plain,
}

/// How long an authorization code can be exchanged (x-dialtone-assumed:
/// neither vendor documents it; RFC 6749 recommends at most 10 minutes).
pub(crate) const CODE_TTL: Duration = Duration::from_secs(60);
/// The most authorization codes kept; past it, the oldest are forgotten.
const MAX_CODES: usize = 1 << 16;

struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: Option<(String, ChallengeMethod)>,
    expires: Instant,
    /// The session its exchange started, once exchanged.
    session: Option<u64>,
}

/// Why a login was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginRefused {
    /// `max_live` tokens are live already.
    TooManyLive,
}

/// The most sessions kept; past it, expired ones are dropped, then the
/// oldest (their tokens stop working). Bounds the memory a flood of logins
/// can take.
pub(crate) const MAX_SESSIONS: usize = 1 << 16;
/// The most spent or revoked refresh tokens remembered (to answer a replay
/// as the vendor does, and count it); older ones become unknown.
const MAX_RETIRED: usize = 1 << 16;

struct Session {
    access: String,
    access_expires: Instant,
    refresh: Option<(String, Instant)>,
}

#[derive(Clone, Copy)]
enum Retired {
    Spent,
    Revoked,
}

/// One vendor's tokens.
pub(crate) struct TokenStore {
    rules: TokenRules,
    counter: u64,
    sessions: BTreeMap<u64, Session>,
    by_access: HashMap<String, u64>,
    by_refresh: HashMap<String, u64>,
    retired: HashMap<String, Retired>,
    retired_order: VecDeque<String>,
    seeded: HashMap<String, Instant>,
    codes: HashMap<String, Code>,
    code_order: VecDeque<String>,
    stats: TokenStats,
}

impl TokenStore {
    pub(crate) fn new(rules: TokenRules) -> Self {
        TokenStore {
            rules,
            counter: 0,
            sessions: BTreeMap::new(),
            by_access: HashMap::new(),
            by_refresh: HashMap::new(),
            retired: HashMap::new(),
            retired_order: VecDeque::new(),
            seeded: HashMap::new(),
            codes: HashMap::new(),
            code_order: VecDeque::new(),
            stats: TokenStats::default(),
        }
    }

    /// An authorization code for `client_id`, to be exchanged with the
    /// same `redirect_uri` (and the verifier of `challenge`, if any)
    /// within [`CODE_TTL`].
    pub(crate) fn issue_code(
        &mut self,
        client_id: &str,
        redirect_uri: &str,
        challenge: Option<(String, ChallengeMethod)>,
    ) -> String {
        if self.code_order.len() >= MAX_CODES
            && let Some(oldest) = self.code_order.pop_front()
        {
            self.codes.remove(&oldest);
        }
        self.stats.codes_issued += 1;
        let code = format!("QVVUSC1DT0RF-{:020}", self.stats.codes_issued);
        self.codes.insert(
            code.clone(),
            Code {
                client_id: client_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                challenge,
                expires: Instant::now()
                    .checked_add(CODE_TTL)
                    .unwrap_or_else(Instant::now),
                session: None,
            },
        );
        self.code_order.push_back(code.clone());
        code
    }

    /// Exchanges `code` for a new session (RFC 6749 section 4.1.3, RFC
    /// 7636 section 4.6). A code works once: presented again, it is
    /// refused and the session it started is revoked.
    pub(crate) fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Result<Issued, CodeRefused> {
        let now = Instant::now();
        let Some(grant) = self.codes.get(code) else {
            return Err(CodeRefused::Unknown);
        };
        if let Some(session) = grant.session {
            self.stats.code_replays += 1;
            if let Some(ended) = self.end_session(session)
                && let Some((refresh, _)) = ended.refresh
            {
                self.retire(&refresh, Retired::Revoked);
            }
            return Err(CodeRefused::Replayed);
        }
        if grant.expires <= now {
            return Err(CodeRefused::Expired);
        }
        if grant.client_id != client_id {
            return Err(CodeRefused::OtherClient);
        }
        if redirect_uri != Some(grant.redirect_uri.as_str()) {
            return Err(CodeRefused::RedirectMismatch);
        }
        if let Some((challenge, method)) = &grant.challenge {
            let Some(verifier) = verifier else {
                self.stats.pkce_failures += 1;
                return Err(CodeRefused::VerifierMissing);
            };
            let valid = is_verifier(verifier)
                && match method {
                    ChallengeMethod::S256 => s256(verifier) == *challenge,
                    ChallengeMethod::Plain => verifier == challenge,
                };
            if !valid {
                self.stats.pkce_failures += 1;
                return Err(CodeRefused::VerifierMismatch);
            }
        }
        self.make_room(now);
        self.counter = self.counter.wrapping_add(1);
        let id = self.counter;
        let issued = self.issue(id, now);
        self.stats.issued += 1;
        self.stats.codes_redeemed += 1;
        if let Some(grant) = self.codes.get_mut(code) {
            grant.session = Some(id);
        }
        Ok(issued)
    }

    /// Adds a sandbox token that lasts `lifetime` and is never counted.
    pub(crate) fn seed(&mut self, token: &str, lifetime: Duration) {
        let expires = Instant::now()
            .checked_add(lifetime)
            .unwrap_or_else(Instant::now);
        self.seeded.insert(token.to_owned(), expires);
    }

    /// A new session, unless `max_live` tokens are live already.
    pub(crate) fn login(&mut self) -> Result<Issued, LoginRefused> {
        let now = Instant::now();
        if let Some(max) = self.rules.max_live
            && self.live(now) >= max
        {
            return Err(LoginRefused::TooManyLive);
        }
        self.make_room(now);
        self.counter = self.counter.wrapping_add(1);
        let id = self.counter;
        let issued = self.issue(id, now);
        self.stats.issued += 1;
        self.stats.logins += 1;
        Ok(issued)
    }

    /// Checks an access token (and counts a refusal).
    pub(crate) fn check(&mut self, token: &str) -> Validity {
        let now = Instant::now();
        let validity = match self.seeded.get(token) {
            Some(expires) if *expires > now => Validity::Valid,
            Some(_) => Validity::Expired,
            None => match self
                .by_access
                .get(token)
                .and_then(|id| self.sessions.get(id))
            {
                Some(session) if session.access_expires > now => Validity::Valid,
                Some(_) => Validity::Expired,
                None => Validity::Unknown,
            },
        };
        if validity != Validity::Valid {
            self.stats.rejected += 1;
        }
        validity
    }

    /// Spends `token` for a new access and refresh token in the same
    /// session; the session's previous access token stops working.
    pub(crate) fn refresh(&mut self, token: &str) -> Result<Issued, RefreshRefused> {
        let now = Instant::now();
        let Some(id) = self.by_refresh.get(token).copied() else {
            return Err(match self.retired.get(token) {
                Some(Retired::Spent) => {
                    self.stats.spent_refresh_replays += 1;
                    RefreshRefused::Spent
                }
                Some(Retired::Revoked) => RefreshRefused::Revoked,
                None => RefreshRefused::Unknown,
            });
        };
        let expired = self
            .sessions
            .get(&id)
            .and_then(|s| s.refresh.as_ref())
            .is_none_or(|(_, expires)| *expires <= now);
        if expired {
            return Err(RefreshRefused::Expired);
        }
        if !self.rules.rotate_refresh {
            // The session keeps its refresh token (and its expiry); only
            // the access token is replaced.
            let n = self.stats.issued.wrapping_add(1);
            let access = (self.rules.access_format)(n);
            let access_expires = now.checked_add(self.rules.access_ttl).unwrap_or(now);
            let Some(session) = self.sessions.get_mut(&id) else {
                return Err(RefreshRefused::Unknown);
            };
            let old = std::mem::replace(&mut session.access, access.clone());
            session.access_expires = access_expires;
            let refresh_left = session
                .refresh
                .as_ref()
                .map(|(_, expires)| expires.saturating_duration_since(now));
            self.by_access.remove(&old);
            self.by_access.insert(access.clone(), id);
            self.stats.issued += 1;
            self.stats.refreshed += 1;
            return Ok(Issued {
                access,
                refresh: Some(token.to_owned()),
                access_ttl: self.rules.access_ttl,
                refresh_ttl: refresh_left,
            });
        }
        self.retire(token, Retired::Spent);
        self.end_session(id);
        let issued = self.issue(id, now);
        self.stats.issued += 1;
        self.stats.refreshed += 1;
        Ok(issued)
    }

    /// Ends the session `token` (an access or a refresh token) belongs to;
    /// `false` when no session has it.
    pub(crate) fn revoke(&mut self, token: &str) -> bool {
        if self.seeded.remove(token).is_some() {
            return true;
        }
        let Some(id) = self
            .by_access
            .get(token)
            .or_else(|| self.by_refresh.get(token))
            .copied()
        else {
            return false;
        };
        let now = Instant::now();
        if let Some(session) = self.end_session(id) {
            if session.access_expires > now {
                self.stats.revoked += 1;
            }
            if let Some((refresh, _)) = session.refresh {
                self.retire(&refresh, Retired::Revoked);
            }
        }
        true
    }

    /// The counts, `live` as of now.
    pub(crate) fn stats(&self) -> TokenStats {
        TokenStats {
            live: self.live(Instant::now()),
            ..self.stats
        }
    }

    fn live(&self, now: Instant) -> usize {
        self.sessions
            .values()
            .filter(|s| s.access_expires > now)
            .count()
    }

    fn issue(&mut self, id: u64, now: Instant) -> Issued {
        // Each token's text comes from its own number: the n-th token issued.
        let n = self.stats.issued.wrapping_add(1);
        let access = (self.rules.access_format)(n);
        let access_expires = now.checked_add(self.rules.access_ttl).unwrap_or(now);
        let refresh = self.rules.refresh_ttl.map(|ttl| {
            let token = (self.rules.refresh_format)(n);
            (token, now.checked_add(ttl).unwrap_or(now))
        });
        self.by_access.insert(access.clone(), id);
        if let Some((token, _)) = &refresh {
            self.by_refresh.insert(token.clone(), id);
        }
        let issued = Issued {
            access: access.clone(),
            refresh: refresh.as_ref().map(|(t, _)| t.clone()),
            access_ttl: self.rules.access_ttl,
            refresh_ttl: self.rules.refresh_ttl,
        };
        self.sessions.insert(
            id,
            Session {
                access,
                access_expires,
                refresh,
            },
        );
        issued
    }

    /// Removes a session and its tokens from the indexes.
    fn end_session(&mut self, id: u64) -> Option<Session> {
        let session = self.sessions.remove(&id)?;
        self.by_access.remove(&session.access);
        if let Some((refresh, _)) = &session.refresh {
            self.by_refresh.remove(refresh);
        }
        Some(session)
    }

    fn retire(&mut self, token: &str, why: Retired) {
        if self.retired_order.len() >= MAX_RETIRED
            && let Some(oldest) = self.retired_order.pop_front()
        {
            self.retired.remove(&oldest);
        }
        self.retired.insert(token.to_owned(), why);
        self.retired_order.push_back(token.to_owned());
    }

    /// Keeps the store under [`MAX_SESSIONS`]: expired sessions go first
    /// (those whose refresh token has expired too), then the oldest.
    fn make_room(&mut self, now: Instant) {
        if self.sessions.len() < MAX_SESSIONS {
            return;
        }
        let dead: Vec<u64> = self
            .sessions
            .iter()
            .filter(|(_, s)| {
                s.access_expires <= now && s.refresh.as_ref().is_none_or(|(_, e)| *e <= now)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in dead {
            self.end_session(id);
        }
        while self.sessions.len() >= MAX_SESSIONS {
            let Some(oldest) = self.sessions.keys().next().copied() else {
                break;
            };
            self.end_session(oldest);
        }
    }
}

/// Whether `verifier` is a PKCE code verifier: 43 to 128 unreserved
/// characters (RFC 7636 section 4.1).
pub(crate) fn is_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The `S256` challenge of a verifier: base64url(SHA-256), unpadded.
pub(crate) fn s256(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(max_live: Option<usize>, refresh: bool) -> TokenStore {
        TokenStore::new(TokenRules {
            access_ttl: Duration::from_secs(60),
            refresh_ttl: refresh.then_some(Duration::from_secs(600)),
            max_live,
            access_format: |n| format!("access-{n}"),
            refresh_format: |n| format!("refresh-{n}"),
            rotate_refresh: true,
        })
    }

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    #[test]
    fn a_code_works_once_with_its_verifier() {
        assert_eq!(
            s256(VERIFIER),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let mut tokens = store(None, true);
        let challenge = Some((s256(VERIFIER), ChallengeMethod::S256));
        let code = tokens.issue_code("app", "http://cb", challenge.clone());
        assert_eq!(
            tokens
                .redeem_code(&code, "app", Some("http://cb"), None)
                .unwrap_err(),
            CodeRefused::VerifierMissing
        );
        assert_eq!(
            tokens
                .redeem_code(
                    &code,
                    "app",
                    Some("http://cb"),
                    Some(&VERIFIER.replace('d', "e"))
                )
                .unwrap_err(),
            CodeRefused::VerifierMismatch
        );
        assert_eq!(
            tokens
                .redeem_code(&code, "other", Some("http://cb"), Some(VERIFIER))
                .unwrap_err(),
            CodeRefused::OtherClient
        );
        assert_eq!(
            tokens
                .redeem_code(&code, "app", Some("http://else"), Some(VERIFIER))
                .unwrap_err(),
            CodeRefused::RedirectMismatch
        );
        let issued = tokens
            .redeem_code(&code, "app", Some("http://cb"), Some(VERIFIER))
            .unwrap();
        assert_eq!(tokens.check(&issued.access), Validity::Valid);
        // A replay is refused and ends the session it started.
        assert_eq!(
            tokens
                .redeem_code(&code, "app", Some("http://cb"), Some(VERIFIER))
                .unwrap_err(),
            CodeRefused::Replayed
        );
        assert_eq!(tokens.check(&issued.access), Validity::Unknown);
        assert_eq!(
            tokens
                .refresh(issued.refresh.as_deref().unwrap())
                .unwrap_err(),
            RefreshRefused::Revoked
        );
        let stats = tokens.stats();
        assert_eq!(
            (
                stats.codes_issued,
                stats.codes_redeemed,
                stats.code_replays,
                stats.pkce_failures
            ),
            (1, 1, 1, 2)
        );
        assert_eq!(
            tokens
                .redeem_code("never", "app", Some("http://cb"), None)
                .unwrap_err(),
            CodeRefused::Unknown
        );
    }

    #[test]
    fn a_vendor_that_does_not_rotate_keeps_the_refresh_token() {
        let mut tokens = TokenStore::new(TokenRules {
            rotate_refresh: false,
            ..store(None, true).rules
        });
        let first = tokens.login().unwrap();
        let refresh = first.refresh.clone().unwrap();
        let second = tokens.refresh(&refresh).unwrap();
        assert_eq!(second.refresh.as_deref(), Some(refresh.as_str()));
        assert_ne!(second.access, first.access);
        assert_eq!(tokens.check(&first.access), Validity::Unknown, "replaced");
        assert_eq!(tokens.check(&second.access), Validity::Valid);
        let third = tokens.refresh(&refresh).unwrap();
        assert_eq!(tokens.check(&third.access), Validity::Valid);
        assert_eq!(tokens.stats().spent_refresh_replays, 0);
        assert_eq!(tokens.stats().live, 1);
    }

    #[test]
    fn refresh_rotates_and_a_spent_token_is_refused_and_counted() {
        let mut tokens = store(None, true);
        let first = tokens.login().unwrap();
        let refresh = first.refresh.clone().unwrap();
        let second = tokens.refresh(&refresh).unwrap();
        assert_ne!(second.access, first.access);
        assert_ne!(second.refresh, first.refresh);
        assert_eq!(tokens.check(&first.access), Validity::Unknown, "replaced");
        assert_eq!(tokens.check(&second.access), Validity::Valid);
        assert_eq!(tokens.refresh(&refresh).unwrap_err(), RefreshRefused::Spent);
        assert_eq!(tokens.refresh(&refresh).unwrap_err(), RefreshRefused::Spent);
        assert_eq!(
            tokens.refresh("never").unwrap_err(),
            RefreshRefused::Unknown
        );
        let stats = tokens.stats();
        assert_eq!(
            (stats.issued, stats.logins, stats.refreshed, stats.live),
            (2, 1, 1, 1)
        );
        assert_eq!(stats.spent_refresh_replays, 2);
        assert_eq!(stats.rejected, 1);
    }

    #[test]
    fn revoke_ends_the_whole_session() {
        let mut tokens = store(None, true);
        let issued = tokens.login().unwrap();
        let other = tokens.login().unwrap();
        assert!(tokens.revoke(issued.refresh.as_deref().unwrap()));
        assert_eq!(tokens.check(&issued.access), Validity::Unknown);
        assert_eq!(
            tokens
                .refresh(issued.refresh.as_deref().unwrap())
                .unwrap_err(),
            RefreshRefused::Revoked
        );
        assert_eq!(
            tokens.check(&other.access),
            Validity::Valid,
            "other sessions stay"
        );
        assert!(!tokens.revoke("never issued"));
        let stats = tokens.stats();
        assert_eq!(
            (stats.revoked, stats.live, stats.spent_refresh_replays),
            (1, 1, 0)
        );
    }

    #[test]
    fn at_most_max_live_tokens() {
        let mut tokens = store(Some(2), true);
        let first = tokens.login().unwrap();
        tokens.login().unwrap();
        assert_eq!(tokens.login().unwrap_err(), LoginRefused::TooManyLive);
        // A refresh replaces a token: still two.
        tokens.refresh(first.refresh.as_deref().unwrap()).unwrap();
        assert_eq!(tokens.stats().live, 2);
        assert_eq!(tokens.login().unwrap_err(), LoginRefused::TooManyLive);
        // A revoke frees a place.
        tokens.revoke(&first.access);
        assert_eq!(
            tokens.check(&first.access),
            Validity::Unknown,
            "replaced by the refresh"
        );
        let live: Vec<String> = tokens.sessions.values().map(|s| s.access.clone()).collect();
        tokens.revoke(&live[0]);
        tokens.login().unwrap();
    }

    #[test]
    fn expiry_and_seeded_tokens() {
        let mut tokens = TokenStore::new(TokenRules {
            access_ttl: Duration::ZERO,
            refresh_ttl: None,
            max_live: None,
            access_format: |n| format!("a{n}"),
            refresh_format: |n| format!("r{n}"),
            rotate_refresh: true,
        });
        let issued = tokens.login().unwrap();
        assert!(issued.refresh.is_none());
        assert_eq!(tokens.check(&issued.access), Validity::Expired);
        tokens.seed("sandbox", Duration::from_secs(3600));
        assert_eq!(tokens.check("sandbox"), Validity::Valid);
        assert_eq!(tokens.stats().live, 0, "the sandbox token is not counted");
        assert!(tokens.revoke("sandbox"));
        assert_eq!(tokens.check("sandbox"), Validity::Unknown);
    }

    #[test]
    fn a_flood_of_logins_is_bounded() {
        let mut tokens = store(None, false);
        let first = tokens.login().unwrap();
        for _ in 0..MAX_SESSIONS {
            tokens.login().unwrap();
        }
        assert!(tokens.sessions.len() <= MAX_SESSIONS);
        assert_eq!(
            tokens.check(&first.access),
            Validity::Unknown,
            "the oldest went"
        );
    }
}
