//! Soak (issue 12): many concurrent tasks per vendor against the fakes,
//! with short token lifetimes, expiring tokens, the vendors' rate limits
//! (token endpoints included) and random faults, bounded in time (about
//! 10 s, the four vendors at once) and in calls. It asserts:
//!
//! - no call fails for a reason the vendor did not give: every failure is
//!   a vendor 429 (or a hold the vendor's answers asked for), or is
//!   explained by an injected fault of its kind, at most once per fault;
//! - token requests stay at one per expiry (plus one per fault that lost a
//!   token's answer), and no spent refresh token is ever presented;
//! - no non-idempotent request is replayed: the fake handled no more
//!   creates than the client sent;
//! - no secret appears in any output: errors' `Display` and `Debug`, the
//!   clients' `Debug`, and every log line.
//!
//! Injected 429s are left out: the fakes apply injected faults after the
//! handler ran, and a 429 means the vendor did not act, so a client may
//! resend anything after one; the vendors' own 429s (the rate limits of
//! `Options`) come before the handler and are in.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use dialtone_fakes::{FakeServer, Fault, Options, kazoo, ringcentral, webex, yeastar};
use dialtone_runtime::regex::Regex;

/// Concurrent callers per vendor.
const TASKS: usize = 8;
/// How long each vendor is driven.
const RUN: Duration = Duration::from_secs(9);
/// The most calls one task makes.
const MAX_CALLS: usize = 300;
/// Access tokens live this long.
const TTL: Duration = Duration::from_secs(3);
/// The fakes' limit for every operation group: requests per window.
const LIMIT: (u32, Duration) = (20, Duration::from_secs(1));
/// The fakes' token endpoints: requests per window (a few per expiry).
const TOKEN_LIMIT: (u32, Duration) = (4, TTL);

// ----- output capture ------------------------------------------------

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary, at debug level and above.
fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Captured::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        logs
    })
}

// ----- failures and what explains them --------------------------------

/// What a failure was caused by, as far as the client can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Cause {
    /// The vendor's 429, or a hold its answers asked for.
    RateLimited,
    /// A 503 (an `Unavailable` fault).
    Unavailable,
    /// A broken connection (drop-before, drop-after, truncated faults).
    Broken,
    /// A body that is not what the spec says (a not-json fault).
    Garbled,
}

/// What one vendor's run saw.
#[derive(Default)]
struct Report {
    ok: AtomicUsize,
    creates_sent: AtomicUsize,
    failures: Mutex<BTreeMap<Cause, usize>>,
    unexplained: Mutex<Vec<String>>,
    shown: Mutex<Vec<String>>,
}

impl Report {
    fn record<T, E: std::fmt::Debug>(&self, result: Result<T, dialtone_runtime::Error<E>>) {
        match result {
            Ok(_) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(err) => {
                self.shown.lock().unwrap().push(format!("{err} {err:?}"));
                match cause(&err) {
                    Ok(cause) => *self.failures.lock().unwrap().entry(cause).or_default() += 1,
                    Err(why) => self.unexplained.lock().unwrap().push(why),
                }
            }
        }
    }
}

/// The vendor-given cause of `err`, or why it has none.
fn cause<E: std::fmt::Debug>(err: &dialtone_runtime::Error<E>) -> Result<Cause, String> {
    use dialtone_runtime::Error;
    match err {
        Error::RateLimited { .. } => Ok(Cause::RateLimited),
        Error::Api(api) if api.status == 503 => Ok(Cause::Unavailable),
        Error::Api(api) if api.status == 429 => Ok(Cause::RateLimited),
        Error::Connection { .. } => Ok(Cause::Broken),
        Error::Decode { .. } => Ok(Cause::Garbled),
        // The token request failed: for a reason the vendor gave, or not.
        Error::Auth {
            source: Some(source),
            ..
        } => cause(source),
        other => Err(format!("{other}")),
    }
}

/// What the fault injector saw and did.
struct Faults {
    /// The fake's token counts when the faults began.
    tokens_before: dialtone_fakes::TokenStats,
    /// How many faults of each kind it injected.
    injected: BTreeMap<Cause, usize>,
}

/// Waits for the first half of the run (no faults: token accounting is
/// exact there), then injects a random fault every 40-120 ms until `stop`.
async fn inject_faults(fake: Arc<FakeServer>, started: Instant, stop: Instant) -> Faults {
    tokio::time::sleep_until((started + RUN / 2).into()).await;
    let tokens_before = fake.tokens();
    let mut injected = BTreeMap::new();
    while Instant::now() < stop {
        tokio::time::sleep(Duration::from_millis(fastrand::u64(40..120))).await;
        let (fault, cause) = match fastrand::u8(0..7) {
            0 => (Fault::Unavailable, Some(Cause::Unavailable)),
            1 => (Fault::DropBeforeRead, Some(Cause::Broken)),
            2 => (Fault::DropAfterRead, Some(Cause::Broken)),
            3 => (Fault::Truncated, Some(Cause::Broken)),
            4 => (Fault::NotJson, Some(Cause::Garbled)),
            5 => (Fault::Slow(Duration::from_millis(150)), None),
            _ => (Fault::UnknownFields, None),
        };
        fake.inject(fault);
        if let Some(cause) = cause {
            *injected.entry(cause).or_default() += 1;
        }
    }
    Faults {
        tokens_before,
        injected,
    }
}

/// Runs `TASKS` tasks, each calling `one(task, n)` until the run ends or
/// it made `MAX_CALLS` calls.
async fn drive<F, Fut>(report: &Arc<Report>, one: F)
where
    F: Fn(usize, usize, Arc<Report>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let stop = Instant::now() + RUN;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let one = one.clone();
            let report = report.clone();
            tokio::spawn(async move {
                for n in 0..MAX_CALLS {
                    if Instant::now() >= stop {
                        break;
                    }
                    one(task, n, report.clone()).await;
                    tokio::time::sleep(Duration::from_millis(fastrand::u64(20..120))).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a task never panics");
    }
}

/// Checks one vendor's run; returns its summary line.
fn check(
    vendor: &str,
    fake: &FakeServer,
    report: &Report,
    faults: &Faults,
    create_op: &str,
    elapsed: Duration,
    renews_early: bool,
) -> String {
    let injected = &faults.injected;
    let unexplained = report.unexplained.lock().unwrap();
    assert!(
        unexplained.is_empty(),
        "{vendor}: failures the vendor gave no reason for: {unexplained:#?}"
    );
    let failures = report.failures.lock().unwrap().clone();
    for (cause, count) in &failures {
        if *cause == Cause::RateLimited {
            continue;
        }
        let faults = injected.get(cause).copied().unwrap_or(0);
        assert!(
            *count <= faults,
            "{vendor}: {count} failures of {cause:?} for {faults} such faults"
        );
    }
    // No create handled twice.
    let sent = report.creates_sent.load(Ordering::SeqCst);
    let handled = fake.requests(create_op);
    assert!(
        handled <= sent,
        "{vendor}: {handled} creates handled for {sent} sent: a create was replayed"
    );
    // One token per expiry: exactly so while there were no faults (the
    // first half), and plus one per fault that can lose an issued token's
    // answer after.
    let tokens = fake.tokens();
    assert_eq!(tokens.spent_refresh_replays, 0, "{vendor}: {tokens:?}");
    let lifetime = if renews_early { TTL.mul_f64(0.9) } else { TTL };
    let expiries = |within: Duration| (within.as_secs_f64() / lifetime.as_secs_f64()).ceil() as u64;
    let before = faults.tokens_before;
    assert!(
        before.issued <= expiries(RUN / 2) + 1,
        "{vendor}: {} tokens issued in the {:?} without faults: {before:?}",
        before.issued,
        RUN / 2
    );
    let lost = injected.get(&Cause::Broken).copied().unwrap_or(0) as u64;
    assert!(
        tokens.issued <= expiries(elapsed) + 1 + lost,
        "{vendor}: {} tokens issued in {elapsed:?} ({lost} faults that can lose one): {tokens:?}",
        tokens.issued
    );
    let ok = report.ok.load(Ordering::SeqCst);
    let summary = format!(
        "{vendor}: {ok} ok, failures {failures:?}, faults {injected:?}, creates {handled}/{sent}, tokens {} (first half {}) {tokens:?}",
        tokens.issued, before.issued
    );
    // The vendor's limit lets about `LIMIT` calls a second through.
    assert!(ok > 50, "{summary}");
    summary
}

// ----- the vendors ----------------------------------------------------

fn options() -> Options {
    Options::default()
        .token_ttl(TTL)
        .token_rate_limit(TOKEN_LIMIT.0, TOKEN_LIMIT.1)
        .rate_limit(LIMIT.0, LIMIT.1)
}

async fn soak_kazoo() -> (String, Vec<String>) {
    let fake = Arc::new(
        dialtone_fakes::start_with("kazoo", 0, options())
            .await
            .unwrap(),
    );
    let client = dialtone_kazoo::Client::builder(fake.base_url())
        .api_key_login(dialtone_kazoo::ApiAuthRequest::new(
            dialtone_kazoo::ApiKeyCredentials::new(kazoo::API_KEY),
        ))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let report = Arc::new(Report::default());
    let started = Instant::now();
    let faults = tokio::spawn(inject_faults(fake.clone(), started, started + RUN));
    let kazoo = client.clone();
    drive(&report, move |task, n, report| {
        let kazoo = kazoo.clone();
        async move {
            if n % 5 == 4 {
                report.creates_sent.fetch_add(1, Ordering::SeqCst);
                let mut endpoints = BTreeMap::new();
                endpoints.insert(
                    kazoo::USER_ID.to_owned(),
                    dialtone_kazoo::GroupEndpoint::new(dialtone_kazoo::EndpointType::User, 1),
                );
                let group = dialtone_kazoo::Group::new(format!("soak {task}-{n}"), endpoints);
                report.record(kazoo.create_group(kazoo::ACCOUNT_ID, group).send().await);
            } else {
                report.record(
                    kazoo
                        .list_groups(kazoo::ACCOUNT_ID)
                        .page_size(5)
                        .send()
                        .await,
                );
            }
        }
    })
    .await;
    let faults = faults.await.unwrap();
    let summary = check(
        "kazoo",
        &fake,
        &report,
        &faults,
        "createGroup",
        started.elapsed(),
        // The spec gives Kazoo tokens 3600 s: the client renews on rejection.
        false,
    );
    let mut shown = std::mem::take(&mut *report.shown.lock().unwrap());
    shown.push(format!("{client:?}"));
    (summary, shown)
}

async fn soak_ringcentral() -> (String, Vec<String>) {
    use dialtone_ringcentral::RateLimitGroup;
    let fake = Arc::new(
        dialtone_fakes::start_with("ringcentral", 0, options())
            .await
            .unwrap(),
    );
    let client = dialtone_ringcentral::Client::builder(fake.base_url())
        .oauth(
            ringcentral::CLIENT_ID,
            ringcentral::CLIENT_SECRET,
            dialtone_ringcentral::Grant::Password {
                username: ringcentral::USERNAME.into(),
                password: ringcentral::PASSWORD.into(),
                extension: None,
            },
        )
        // The client's limits, as the vendor's (they adapt to its headers).
        .rate_limit(RateLimitGroup::Light, LIMIT.0, LIMIT.1)
        .rate_limit(RateLimitGroup::Medium, LIMIT.0, LIMIT.1)
        .rate_limit(RateLimitGroup::Heavy, LIMIT.0, LIMIT.1)
        .rate_limit(RateLimitGroup::Auth, TOKEN_LIMIT.0, TOKEN_LIMIT.1)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let report = Arc::new(Report::default());
    let started = Instant::now();
    let faults = tokio::spawn(inject_faults(fake.clone(), started, started + RUN));
    let rc = client.clone();
    drive(&report, move |task, n, report| {
        let rc = rc.clone();
        async move {
            match n % 5 {
                4 => {
                    report.creates_sent.fetch_add(1, Ordering::SeqCst);
                    let body = dialtone_ringcentral::CreateCallMonitoringGroupRequest::new(
                        format!("soak {task}-{n}"),
                    );
                    report.record(rc.create_call_monitoring_group("~", body).send().await);
                }
                3 => report.record(rc.list_call_monitoring_groups("~").per_page(5).send().await),
                _ => report.record(rc.read_user_presence_status("~", "~").send().await),
            }
        }
    })
    .await;
    let faults = faults.await.unwrap();
    let summary = check(
        "ringcentral",
        &fake,
        &report,
        &faults,
        "createCallMonitoringGroup",
        started.elapsed(),
        true,
    );
    let mut shown = std::mem::take(&mut *report.shown.lock().unwrap());
    shown.push(format!("{client:?}"));
    (summary, shown)
}

async fn soak_yeastar() -> (String, Vec<String>) {
    let fake = Arc::new(
        dialtone_fakes::start_with("yeastar", 0, options())
            .await
            .unwrap(),
    );
    let client = dialtone_yeastar::Client::builder(fake.base_url())
        .login(dialtone_yeastar::GetTokenRequest::new(
            yeastar::CLIENT_ID,
            yeastar::CLIENT_SECRET,
        ))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let report = Arc::new(Report::default());
    let started = Instant::now();
    let faults = tokio::spawn(inject_faults(fake.clone(), started, started + RUN));
    let pbx = client.clone();
    drive(&report, move |task, n, report| {
        let pbx = pbx.clone();
        async move {
            match n % 5 {
                4 => {
                    report.creates_sent.fetch_add(1, Ordering::SeqCst);
                    let body = dialtone_yeastar::CreateExtensionGroupRequest::new(
                        format!("soak {task}-{n}"),
                        dialtone_yeastar::MemberSelect::SelAllExt,
                    );
                    report.record(pbx.create_extension_group(body).send().await);
                }
                3 => report.record(pbx.get_extension_group(1).send().await),
                _ => report.record(pbx.list_extension_groups().page_size(5).send().await),
            }
        }
    })
    .await;
    let faults = faults.await.unwrap();
    let summary = check(
        "yeastar",
        &fake,
        &report,
        &faults,
        "createExtensionGroup",
        started.elapsed(),
        true,
    );
    assert!(
        fake.tokens().live <= yeastar::MAX_LIVE_TOKENS,
        "{:?}",
        fake.tokens()
    );
    let mut shown = std::mem::take(&mut *report.shown.lock().unwrap());
    shown.push(format!("{client:?}"));
    (summary, shown)
}

async fn soak_webex() -> (String, Vec<String>) {
    let fake = Arc::new(
        dialtone_fakes::start_with("webex", 0, options())
            .await
            .unwrap(),
    );
    let client = dialtone_webex::Client::builder(fake.base_url())
        .bearer_auth(webex::SANDBOX_TOKEN)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let report = Arc::new(Report::default());
    let started = Instant::now();
    let faults = tokio::spawn(inject_faults(fake.clone(), started, started + RUN));
    let wx = client.clone();
    drive(&report, move |_task, n, report| {
        let wx = wx.clone();
        async move {
            if n % 5 == 4 {
                // A PUT that replaces the settings: safe to replay.
                let body = dialtone_webex::PersonMonitoringSettingsUpdate::new()
                    .with_enable_call_park_notification(n % 2 == 0);
                report.record(
                    wx.update_monitoring_settings_person(webex::PERSON_ID, body)
                        .send()
                        .await,
                );
            } else {
                report.record(
                    wx.get_monitoring_settings_person(webex::PERSON_ID)
                        .send()
                        .await,
                );
            }
        }
    })
    .await;
    let faults = faults.await.unwrap();
    // No create: the "creates" check holds trivially (0 of 0).
    let summary = check(
        "webex",
        &fake,
        &report,
        &faults,
        "createNothing",
        started.elapsed(),
        true,
    );
    let mut shown = std::mem::take(&mut *report.shown.lock().unwrap());
    shown.push(format!("{client:?}"));
    (summary, shown)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_every_vendor_under_faults_limits_and_short_tokens() {
    let logs = logs();
    let started = Instant::now();
    let (k, r, y, w) = tokio::join!(
        soak_kazoo(),
        soak_ringcentral(),
        soak_yeastar(),
        soak_webex()
    );
    let mut shown = Vec::new();
    for (summary, outputs) in [k, r, y, w] {
        println!("{summary}");
        shown.extend(outputs);
    }
    println!("soak took {:?}", started.elapsed());
    // No secret in any output: the credentials the clients were given, and
    // any token the fakes issue (by the shapes the fakes give them).
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("dialtone.call"), "calls are traced");
    let known = [
        kazoo::API_KEY,
        ringcentral::CLIENT_SECRET,
        ringcentral::PASSWORD,
        yeastar::CLIENT_SECRET,
        webex::SANDBOX_TOKEN,
    ];
    let issued = Regex::new(
        r"U0pDMDFQMDFQQVMwMH\d{20}|UkVGUkVTSC1UT0tFTi1\d{20}|acc\d{31}|ref\d{31}|\b[0-9a-f]{40}\b",
    )
    .unwrap();
    for text in shown.iter().chain(std::iter::once(&logs)) {
        for secret in known {
            assert!(!text.contains(secret), "a credential leaked: {text}");
        }
        if let Some(found) = issued.find(text) {
            panic!("an issued token leaked ({}): {text}", found.as_str());
        }
    }
}
