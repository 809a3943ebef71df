//! dialtone-kazoo against the stateful Kazoo fake: a user's story, every
//! operation's state change and errors, and every fault.

use std::time::Duration;

use dialtone_fakes::kazoo::{
    ACCOUNT_ID, ACCOUNT_NAME, API_KEY, DEVICE_ID, SANDBOX_TOKEN, USER_CREDENTIALS, USER_ID,
};
use dialtone_fakes::{FakeServer, Fault};
use dialtone_kazoo::{
    ApiAuthRequest, ApiKeyCredentials, Client, EndpointType, Error, Group, GroupEndpoint,
    GroupPatch, ResponseStatus, UserAuthCredentials, UserAuthRequest,
};
use futures_util::TryStreamExt;

const OTHER_USER: &str = "0123456789abcdef0123456789abcdef";

async fn fake() -> FakeServer {
    dialtone_fakes::start("kazoo", 0, false).await.unwrap()
}

fn client(fake: &FakeServer) -> Client {
    Client::builder(fake.base_url())
        .auth_token(SANDBOX_TOKEN)
        .build()
        .unwrap()
}

fn group(name: &str, users: &[&str]) -> Group {
    let endpoints = users
        .iter()
        .enumerate()
        .map(|(i, id)| {
            (
                (*id).to_owned(),
                GroupEndpoint::new(EndpointType::User, i as i32 + 1),
            )
        })
        .collect();
    Group::new(name, endpoints)
}

#[tokio::test]
async fn story_log_in_create_find_rename_delete() {
    let fake = fake().await;
    let kazoo = Client::builder(fake.base_url())
        .api_key_login(ApiAuthRequest::new(ApiKeyCredentials::new(API_KEY)))
        .build()
        .unwrap();
    let created = kazoo
        .create_group(ACCOUNT_ID, group("Night shift", &[USER_ID, OTHER_USER]))
        .send()
        .await
        .unwrap();
    let id = created.id.clone().unwrap();
    let mine = kazoo
        .list_user_groups(ACCOUNT_ID, OTHER_USER)
        .send()
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
        [id.as_str()]
    );
    let renamed = kazoo
        .patch_group(
            ACCOUNT_ID,
            &id,
            GroupPatch::new().with_name("Night shift (EMEA)"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name, "Night shift (EMEA)");
    assert_eq!(
        renamed.endpoints.len(),
        2,
        "a patch keeps what it does not name"
    );
    let deleted = kazoo.delete_group(ACCOUNT_ID, &id).send().await.unwrap();
    assert_eq!(deleted.name, "Night shift (EMEA)");
    let gone = kazoo.get_group(ACCOUNT_ID, &id).send().await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    assert_eq!(
        gone.body().unwrap().message.as_deref(),
        Some("bad_identifier")
    );
}

#[tokio::test]
async fn every_operation_changes_state_as_kazoo_does() {
    let fake = fake().await;
    let kazoo = client(&fake);
    // Seeded: two groups; the user is in one of them.
    let before: Vec<_> = kazoo
        .list_groups(ACCOUNT_ID)
        .paginate(false)
        .send()
        .await
        .unwrap();
    assert_eq!(before.len(), 2);
    assert_eq!(
        kazoo
            .list_user_groups(ACCOUNT_ID, USER_ID)
            .send()
            .await
            .unwrap()
            .len(),
        1
    );

    let created = kazoo
        .create_group(ACCOUNT_ID, group("Support", &[USER_ID]))
        .send()
        .await
        .unwrap();
    let id = created.id.unwrap();
    let fetched = kazoo.get_group(ACCOUNT_ID, &id).send().await.unwrap();
    assert_eq!(fetched.name, "Support");

    // POST replaces the public fields.
    let mut endpoints = std::collections::BTreeMap::new();
    endpoints.insert(
        DEVICE_ID.to_owned(),
        GroupEndpoint::new(EndpointType::Device, 1),
    );
    let replaced = kazoo
        .update_group(
            ACCOUNT_ID,
            &id,
            Group::new("Support (devices)", endpoints).with_flags(vec!["vip".into()]),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(replaced.endpoints.keys().collect::<Vec<_>>(), [DEVICE_ID]);
    assert_eq!(
        kazoo
            .list_user_groups(ACCOUNT_ID, USER_ID)
            .send()
            .await
            .unwrap()
            .len(),
        1,
        "the user left it"
    );

    // Paging: three groups, one per page, by cursor.
    let ids: Vec<String> = kazoo
        .list_groups(ACCOUNT_ID)
        .page_size(1)
        .into_stream()
        .map_ok(|g| g.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&id));

    kazoo.delete_group(ACCOUNT_ID, &id).send().await.unwrap();
    assert_eq!(
        kazoo
            .list_groups(ACCOUNT_ID)
            .paginate(false)
            .send()
            .await
            .unwrap()
            .len(),
        2
    );

    // User login.
    let login = kazoo
        .create_user_auth(UserAuthRequest::new(
            UserAuthCredentials::new(USER_CREDENTIALS).with_account_name(ACCOUNT_NAME),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(login.data.owner_id.as_deref(), Some(USER_ID));
    assert_eq!(login.status, ResponseStatus::Success);
}

#[tokio::test]
async fn documented_errors() {
    let fake = fake().await;
    let kazoo = client(&fake);
    // 401: a token the fake never issued.
    let stranger = Client::builder(fake.base_url())
        .auth_token("f".repeat(40))
        .build()
        .unwrap();
    let err = stranger.list_groups(ACCOUNT_ID).send().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
    // 401 on a bad login.
    let err = kazoo
        .create_api_auth(ApiAuthRequest::new(ApiKeyCredentials::new("0".repeat(64))))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.body().unwrap().message.as_deref(),
        Some("invalid_credentials")
    );
    // 404: unknown group.
    let err = kazoo
        .get_group(ACCOUNT_ID, "00000000000000000000000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    // A null removes a field; the merged group must still be valid.
    let id = kazoo.list_groups(ACCOUNT_ID).send().await.unwrap()[0]
        .id
        .clone();
    kazoo
        .patch_group(
            ACCOUNT_ID,
            &id,
            GroupPatch::new().with_flags(vec!["vip".into()]),
        )
        .send()
        .await
        .unwrap();
    let unflagged = kazoo
        .patch_group(ACCOUNT_ID, &id, GroupPatch::new().with_flags_null())
        .send()
        .await
        .unwrap();
    assert_eq!(unflagged.flags, None, "null removed the flags");
    let err = kazoo
        .patch_group(ACCOUNT_ID, &id, GroupPatch::new().with_name_null())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let body = err.body().unwrap();
    assert_eq!(body.message.as_deref(), Some("validation error"));
    assert!(
        body.data.as_ref().unwrap()["data"]["required"]["message"].is_string(),
        "{body:?}"
    );
    // 400 from the fake's own validation, for a request the client would
    // refuse: sent raw through the runtime.
    let raw = dialtone_runtime::Request::new(
        dialtone_runtime::reqwest::Method::PUT,
        "createGroup",
        "/accounts/{ACCOUNT_ID}/groups",
    )
    .literal("/accounts/")
    .param("ACCOUNT_ID", ACCOUNT_ID)
    .literal("/groups")
    .json(&serde_json::json!({"data": {"name": "x".repeat(129), "endpoints": {}}}));
    let err = kazoo
        .runtime()
        .send_json::<serde_json::Value, dialtone_kazoo::ErrorEnvelope>(raw)
        .await
        .unwrap_err();
    let data = err.body().unwrap().data.clone().unwrap();
    assert!(data["name"]["maxLength"]["message"].is_string(), "{data:?}");
}

/// Every fault, against a read (replayable) and a create (not replayable).
#[tokio::test]
async fn fault_matrix() {
    let fake = fake().await;
    let kazoo = Client::builder(fake.base_url())
        .auth_token(SANDBOX_TOKEN)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let id = kazoo.list_groups(ACCOUNT_ID).send().await.unwrap()[0]
        .id
        .clone();
    let read = || {
        kazoo
            .get_group(ACCOUNT_ID, &id)
            // The whole call's budget: a 1 s Retry-After or a 0.9 s answer fits.
            .timeout(Duration::from_secs(3))
            .send()
    };

    // Retried and succeeded.
    for fault in [
        Fault::TooManyRequests { retry_after: 1 },
        Fault::Unavailable,
        Fault::DropBeforeRead,
        Fault::DropAfterRead,
        Fault::Slow(Duration::from_millis(900)),
        Fault::Truncated,
    ] {
        fake.inject(fault.clone());
        let group = read().await.unwrap_or_else(|e| panic!("{fault:?}: {e:?}"));
        assert_eq!(group.id.as_deref(), Some(id.as_str()), "{fault:?}");
        assert_eq!(fake.pending_faults(), 0, "{fault:?} was used");
    }
    // Decoded despite the oddity.
    fake.inject(Fault::Huge(4 << 20));
    assert!(read().await.is_ok());
    fake.inject(Fault::UnknownFields);
    let kept = read().await.unwrap();
    assert!(
        kept.extra.contains_key("dialtoneUnknownField"),
        "groups keep unknown keys"
    );
    fake.inject(Fault::UnknownEnum);
    let envelope = kazoo
        .get_group(ACCOUNT_ID, &id)
        .send_enveloped()
        .await
        .unwrap();
    let unrecognized = envelope.status == ResponseStatus::Unrecognized("SomethingNew".into())
        || envelope
            .data
            .endpoints
            .values()
            .any(|e| e.type_ == EndpointType::Unrecognized("SomethingNew".into()));
    assert!(unrecognized, "{envelope:?}");
    // A typed error.
    fake.inject(Fault::NotJson);
    assert!(matches!(
        read().await,
        Err(Error::Decode { status: 200, .. })
    ));

    // A create that may have reached the server is not replayed.
    for fault in [Fault::Unavailable, Fault::DropAfterRead, Fault::Truncated] {
        fake.inject(fault.clone());
        let err = kazoo
            .create_group(ACCOUNT_ID, group("Once", &[USER_ID]))
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Api(_) | Error::Connection { .. }),
            "{fault:?}: {err:?}"
        );
    }
    fake.inject(Fault::Slow(Duration::from_millis(900)));
    let err = kazoo
        .create_group(ACCOUNT_ID, group("Once", &[USER_ID]))
        .timeout(Duration::from_millis(300))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    // 429 is refused by the server without acting, so even a create is retried.
    fake.inject(Fault::TooManyRequests { retry_after: 1 });
    kazoo
        .create_group(ACCOUNT_ID, group("After 429", &[USER_ID]))
        .send()
        .await
        .unwrap();
}

/// Faults can also be asked for over HTTP, when the server allows it: the
/// admin endpoint and a header.
#[tokio::test]
async fn faults_over_http() {
    let fake =
        dialtone_fakes::start_with("kazoo", 0, dialtone_fakes::Options::default().faults(true))
            .await
            .unwrap();
    let kazoo = Client::builder(fake.base_url())
        .auth_token(SANDBOX_TOKEN)
        .no_retries()
        .build()
        .unwrap();
    let http = dialtone_runtime::reqwest::Client::new();
    let admin = http
        .post(format!("{}/__dialtone/faults", fake.base_url()))
        .body(r#"{"fault": "503", "count": 2}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(admin.status(), 204);
    for _ in 0..2 {
        assert_eq!(
            kazoo
                .list_groups(ACCOUNT_ID)
                .send()
                .await
                .unwrap_err()
                .status(),
            Some(503)
        );
    }
    kazoo.list_groups(ACCOUNT_ID).send().await.unwrap();
    let faulted = http
        .get(format!("{}/accounts/{ACCOUNT_ID}/groups", fake.base_url()))
        .header("x-auth-token", SANDBOX_TOKEN)
        .header("x-dialtone-fault", "429:7")
        .send()
        .await
        .unwrap();
    assert_eq!(faulted.status(), 429);
    assert_eq!(faulted.headers()["retry-after"], "7");
    let refused = http
        .post(format!("{}/__dialtone/faults", fake.base_url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}
