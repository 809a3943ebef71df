//! `revoke_auth()` against the fakes, counted on the vendor's side (issue
//! 12, finding 4): the credential is revoked with the vendor wherever the
//! spec declares a revoke operation, then forgotten; nothing is sent when
//! there is nothing to revoke.

use dialtone_fakes::{Options, kazoo, ringcentral, webex, yeastar};

/// Yeastar: nine revoke-then-call rounds on a PBX that holds at most 8 live
/// tokens. Each round's token is revoked with `del_token`; the PBX never
/// holds more than one; `revoke_token()` itself works after them.
#[tokio::test]
async fn yeastar_revokes_with_del_token_and_never_fills_the_cap() {
    let fake = dialtone_fakes::start_with("yeastar", 0, Options::default())
        .await
        .unwrap();
    let pbx = dialtone_yeastar::Client::builder(fake.base_url())
        .login(dialtone_yeastar::GetTokenRequest::new(
            yeastar::CLIENT_ID,
            yeastar::CLIENT_SECRET,
        ))
        .build()
        .unwrap();
    pbx.revoke_auth().await.unwrap();
    assert_eq!(fake.requests("revokeToken"), 0, "nothing to revoke yet");
    for round in 1..=9u64 {
        pbx.list_extension_groups()
            .send()
            .await
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        assert_eq!(fake.tokens().live, 1, "round {round}");
        pbx.revoke_auth().await.unwrap();
        let stats = fake.tokens();
        assert_eq!((stats.live, stats.revoked), (0, round), "round {round}");
    }
    assert_eq!(fake.requests("revokeToken"), 9);
    assert_eq!(fake.tokens().logins, 9);
    // The operation itself logs in for its own token, and revokes it.
    pbx.revoke_token().send().await.unwrap();
    let stats = fake.tokens();
    assert_eq!((stats.logins, stats.revoked, stats.live), (10, 10, 0));
    assert_eq!(stats.spent_refresh_replays, 0);
}

/// RingCentral: the OAuth revoke ends the session; the next call logs in
/// again with the configured grant.
#[tokio::test]
async fn ringcentral_revokes_the_session() {
    let fake = dialtone_fakes::start_with("ringcentral", 0, Options::default())
        .await
        .unwrap();
    let rc = dialtone_ringcentral::Client::builder(fake.base_url())
        .oauth(
            ringcentral::CLIENT_ID,
            ringcentral::CLIENT_SECRET,
            dialtone_ringcentral::Grant::Password {
                username: ringcentral::USERNAME.into(),
                password: ringcentral::PASSWORD.into(),
                extension: None,
            },
        )
        .build()
        .unwrap();
    rc.revoke_auth().await.unwrap();
    assert_eq!(fake.requests("revokeToken"), 0, "nothing to revoke yet");
    rc.read_user_presence_status("~", "~").send().await.unwrap();
    assert_eq!(fake.tokens().live, 1);
    rc.revoke_auth().await.unwrap();
    let stats = fake.tokens();
    assert_eq!((stats.live, stats.revoked), (0, 1));
    rc.read_user_presence_status("~", "~").send().await.unwrap();
    let stats = fake.tokens();
    assert_eq!((stats.logins, stats.live), (2, 1));
    // Revoking twice revokes once.
    rc.revoke_auth().await.unwrap();
    rc.revoke_auth().await.unwrap();
    assert_eq!(fake.requests("revokeToken"), 2);
    assert_eq!(fake.tokens().revoked, 2);
}

/// Kazoo has no revoke operation: the token is forgotten (the next call
/// logs in again) and stays valid at the vendor until it expires.
#[tokio::test]
async fn kazoo_forgets_the_token() {
    let fake = dialtone_fakes::start_with("kazoo", 0, Options::default())
        .await
        .unwrap();
    let pbx = dialtone_kazoo::Client::builder(fake.base_url())
        .api_key_login(dialtone_kazoo::ApiAuthRequest::new(
            dialtone_kazoo::ApiKeyCredentials::new(kazoo::API_KEY),
        ))
        .build()
        .unwrap();
    pbx.list_groups(kazoo::ACCOUNT_ID).send().await.unwrap();
    pbx.revoke_auth().await.unwrap();
    assert_eq!(fake.tokens().live, 1, "the vendor cannot revoke it");
    pbx.list_groups(kazoo::ACCOUNT_ID).send().await.unwrap();
    let stats = fake.tokens();
    assert_eq!((stats.logins, stats.live), (2, 2));
}

/// Webex: a token the user manages is left as is; nothing is sent.
#[tokio::test]
async fn webex_leaves_a_managed_token_alone() {
    let fake = dialtone_fakes::start_with("webex", 0, Options::default())
        .await
        .unwrap();
    let webex = dialtone_webex::Client::builder(fake.base_url())
        .bearer_auth(webex::SANDBOX_TOKEN)
        .build()
        .unwrap();
    webex.revoke_auth().await.unwrap();
    webex
        .get_monitoring_settings_person(webex::PERSON_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(fake.tokens(), dialtone_fakes::TokenStats::default());
}
