//! The authorization code flow with PKCE, client authentication and token
//! stores, against the RingCentral and Webex fakes over loopback (issue
//! 16): the authorize URL, the browser's redirect, the code exchange, PKCE
//! verification, refresh with (RingCentral) and without (Webex) rotation,
//! codes that work once, and a client restarted from its stored tokens.

use std::time::Duration;

use dialtone_fakes::{Options, ringcentral, webex};
use dialtone_runtime::oauth::{Authorization, AuthorizeUrl};
use dialtone_runtime::store::{FileTokenStore, MemoryTokenStore, TokenStore};
use dialtone_runtime::tokens::{ClientAuth, Grant, OAuth2};
use dialtone_runtime::{Placement, RefreshingToken, Secret};

/// What a browser does with the authorization URL: follows it to the
/// vendor, which (the sandbox user signing in and consenting at once)
/// redirects to the app's redirect URI. Returns that redirect.
async fn browse(url: &str) -> String {
    let browser = dialtone_runtime::reqwest::Client::builder()
        .redirect(dialtone_runtime::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser.get(url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 302, "{:?}", answer.text().await);
    answer
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

async fn rc_fake(ttl: Duration) -> dialtone_fakes::FakeServer {
    dialtone_fakes::start_with("ringcentral", 0, Options::default().token_ttl(ttl))
        .await
        .unwrap()
}

fn rc_authorize(fake: &dialtone_fakes::FakeServer) -> Authorization {
    AuthorizeUrl::new(
        format!("{}/restapi/oauth/authorize", fake.base_url()),
        ringcentral::CLIENT_ID,
        ringcentral::REDIRECT_URI,
    )
    .scope("ReadPresence")
    .build()
    .unwrap()
}

fn rc_client(fake: &dialtone_fakes::FakeServer, grant: Grant) -> dialtone_ringcentral::Client {
    dialtone_ringcentral::Client::builder(fake.base_url())
        .oauth(ringcentral::CLIENT_ID, ringcentral::CLIENT_SECRET, grant)
        .build()
        .unwrap()
}

async fn presence(rc: &dialtone_ringcentral::Client) -> Result<(), dialtone_ringcentral::Error> {
    rc.read_user_presence_status("~", "~")
        .send()
        .await
        .map(drop)
}

/// The whole flow: authorize with PKCE, redirect, exchange, call; the
/// refresh token rotates on renewal and the code is never sent again.
#[tokio::test]
async fn ringcentral_authorization_code_with_pkce() {
    let fake = rc_fake(Duration::from_secs(1)).await;
    let authorization = rc_authorize(&fake);
    assert!(authorization.url().contains("code_challenge_method=S256"));
    let redirect = browse(authorization.url()).await;
    assert!(
        redirect.starts_with(ringcentral::REDIRECT_URI),
        "{redirect}"
    );
    let grant = authorization.grant_from_redirect(&redirect).unwrap();
    let rc = rc_client(&fake, grant);
    presence(&rc).await.unwrap();
    let stats = fake.tokens();
    assert_eq!((stats.codes_issued, stats.codes_redeemed), (1, 1));
    assert_eq!(stats.pkce_failures, 0);
    // Past the renewal margin: renewed with the rotated refresh token.
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        presence(&rc).await.unwrap();
    }
    let stats = fake.tokens();
    assert_eq!(stats.refreshed, 2, "{stats:?}");
    assert_eq!(stats.codes_redeemed, 1, "the code is not sent again");
    assert_eq!((stats.spent_refresh_replays, stats.code_replays), (0, 0));
}

/// A verifier that does not match the challenge is refused with the OAuth
/// error body, typed; neither the code nor the verifier shows anywhere.
#[tokio::test]
async fn ringcentral_checks_the_pkce_verifier() {
    let fake = rc_fake(Duration::from_secs(3600)).await;
    let authorization = rc_authorize(&fake);
    let redirect = browse(authorization.url()).await;
    let Grant::AuthorizationCode { code, .. } =
        authorization.grant_from_redirect(&redirect).unwrap()
    else {
        panic!("an authorization code grant")
    };
    let wrong = Secret::new("x".repeat(43));
    let forged = Authorization::from_parts(
        authorization.state().clone(),
        ringcentral::REDIRECT_URI,
        Some(wrong.clone()),
    )
    .grant(code.clone());
    let rc = rc_client(&fake, forged);
    let err = presence(&rc).await.unwrap_err();
    let dialtone_ringcentral::Error::Auth {
        source: Some(source),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(source.status(), Some(400));
    let shown = format!("{err} {err:?}");
    for secret in [
        code.expose(),
        wrong.expose(),
        authorization.state().expose(),
    ] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("invalid_grant"), "{shown}");
    assert_eq!(fake.tokens().pkce_failures, 1);
    // The code was spent on that attempt: the client never sends it again.
    let again = presence(&rc).await.unwrap_err().to_string();
    assert!(again.contains("authorize again"), "{again}");
    assert_eq!(fake.tokens().pkce_failures, 1);
    assert_eq!(fake.tokens().code_replays, 0);
}

/// A forged redirect (another state) is refused before any code is used.
#[tokio::test]
async fn a_forged_redirect_is_refused() {
    let fake = rc_fake(Duration::from_secs(3600)).await;
    let authorization = rc_authorize(&fake);
    let other = rc_authorize(&fake);
    let redirect = browse(other.url()).await;
    let err = authorization.grant_from_redirect(&redirect).unwrap_err();
    assert!(
        matches!(err, dialtone_runtime::AuthError::StateMismatch),
        "{err:?}"
    );
    assert_eq!(fake.tokens().codes_redeemed, 0);
    // The vendor's refusal of a bad client id is answered, not redirected.
    let browser = dialtone_runtime::reqwest::Client::builder()
        .redirect(dialtone_runtime::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bad = AuthorizeUrl::new(
        format!("{}/restapi/oauth/authorize", fake.base_url()),
        "not-the-app",
        ringcentral::REDIRECT_URI,
    )
    .build()
    .unwrap();
    let answer = browser.get(bad.url()).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 400);
}

/// A public app (no secret) and an app that signs a client assertion,
/// through the runtime's `OAuth2` with `ClientAuth`.
#[tokio::test]
async fn ringcentral_public_apps_and_client_assertions() {
    let fake = rc_fake(Duration::from_secs(3600)).await;
    for client_auth in [
        ClientAuth::Public,
        ClientAuth::Assertion(Secret::new(ringcentral::CLIENT_ASSERTION)),
    ] {
        let authorization = rc_authorize(&fake);
        let grant = authorization
            .grant_from_redirect(&browse(authorization.url()).await)
            .unwrap();
        let source = OAuth2::new("/restapi/oauth/token", ringcentral::CLIENT_ID, "", grant)
            .client_auth(client_auth.clone())
            .revoke_path("/restapi/oauth/revoke");
        let rc = dialtone_ringcentral::Client::builder(fake.base_url())
            .auth(RefreshingToken::new(source, Placement::Bearer))
            .build()
            .unwrap();
        presence(&rc)
            .await
            .unwrap_or_else(|e| panic!("{client_auth:?}: {e}"));
        rc.revoke_auth().await.unwrap();
    }
    let stats = fake.tokens();
    assert_eq!((stats.codes_redeemed, stats.revoked), (2, 2));
    // A wrong assertion is the vendor's invalid_client, and never shown.
    let source = OAuth2::new(
        "/restapi/oauth/token",
        ringcentral::CLIENT_ID,
        "",
        Grant::ClientCredentials,
    )
    .client_auth(ClientAuth::Assertion(Secret::new("canary-assertion-7f3a")));
    let rc = dialtone_ringcentral::Client::builder(fake.base_url())
        .auth(RefreshingToken::new(source, Placement::Bearer))
        .build()
        .unwrap();
    let err = presence(&rc).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("invalid_client"), "{shown}");
    assert!(!shown.contains("canary"), "{shown}");
}

/// Webex: the integration's flow through the generated `oauth()` (client
/// id and secret in the form body); a refresh keeps the refresh token.
#[tokio::test]
async fn webex_integration_authorization_code_and_refresh() {
    let fake = dialtone_fakes::start_with(
        "webex",
        0,
        Options::default().token_ttl(Duration::from_secs(1)),
    )
    .await
    .unwrap();
    let authorization = AuthorizeUrl::new(
        format!("{}/authorize", fake.base_url()),
        webex::CLIENT_ID,
        webex::REDIRECT_URI,
    )
    .scope("spark-admin:people_read")
    .build()
    .unwrap();
    let grant = authorization
        .grant_from_redirect(&browse(authorization.url()).await)
        .unwrap();
    let store = MemoryTokenStore::new();
    let wx = dialtone_webex::Client::builder(fake.base_url())
        .oauth(
            webex::CLIENT_ID,
            webex::CLIENT_SECRET,
            grant.with_store(store.clone()),
        )
        .build()
        .unwrap();
    wx.get_monitoring_settings_person(webex::PERSON_ID)
        .send()
        .await
        .unwrap();
    let first = store.get().unwrap();
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1100)).await;
        wx.get_monitoring_settings_person(webex::PERSON_ID)
            .send()
            .await
            .unwrap();
    }
    let stats = fake.tokens();
    assert_eq!((stats.codes_redeemed, stats.refreshed), (1, 2), "{stats:?}");
    let last = store.get().unwrap();
    assert_eq!(last.refresh_token, first.refresh_token, "Webex keeps it");
    assert_ne!(last.access_token, first.access_token);
    assert!(last.refresh_expires_at.is_some());
}

/// The restart test: a client persists every rotated refresh token to a
/// file; a new client (a restarted process) loads it and goes on without a
/// new login, and the code is never sent again.
#[tokio::test]
async fn a_restarted_client_goes_on_from_its_token_file() {
    let dir = std::env::temp_dir().join(format!(
        "dialtone-restart-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ringcentral-tokens.json");
    let fake = rc_fake(Duration::from_secs(1)).await;
    let authorization = rc_authorize(&fake);
    let grant = authorization
        .grant_from_redirect(&browse(authorization.url()).await)
        .unwrap();
    {
        let rc = rc_client(&fake, grant.with_store(FileTokenStore::new(&path)));
        presence(&rc).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1100)).await;
        presence(&rc).await.unwrap();
        assert_eq!(fake.tokens().refreshed, 1);
    } // The process ends.
    let saved = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    let rotated = saved.refresh_token.clone().unwrap();
    // Its access token has expired by now: the new client refreshes with
    // the rotated refresh token from the file.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let rc = rc_client(&fake, Grant::from_store(FileTokenStore::new(&path)));
    presence(&rc).await.unwrap();
    let stats = fake.tokens();
    assert_eq!(stats.codes_redeemed, 1, "no new login: {stats:?}");
    assert_eq!(stats.logins, 0);
    assert_eq!(stats.refreshed, 2);
    assert_eq!((stats.spent_refresh_replays, stats.code_replays), (0, 0));
    let now = FileTokenStore::new(&path).load().await.unwrap().unwrap();
    assert_ne!(now.refresh_token, Some(rotated), "the newest is saved");
    // Revoked: the session ends and the file is cleared.
    rc.revoke_auth().await.unwrap();
    assert_eq!(FileTokenStore::new(&path).load().await.unwrap(), None);
    assert_eq!(fake.tokens().live, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}
