//! dialtone-yeastar against the stateful Yeastar fake.

use std::time::Duration;

use dialtone_fakes::yeastar::{CLIENT_ID, CLIENT_SECRET, SANDBOX_TOKEN};
use dialtone_fakes::{FakeServer, Fault};
use dialtone_yeastar::{
    Client, CreateExtensionGroupRequest, Error, GetTokenRequest, MemberInfo, MemberRole,
    MemberSelect, UpdateExtensionGroupRequest,
};
use futures_util::TryStreamExt;

async fn fake() -> (FakeServer, Client) {
    let fake = dialtone_fakes::start("yeastar", 0, false).await.unwrap();
    let client = Client::builder(fake.base_url())
        .access_token(SANDBOX_TOKEN)
        .build()
        .unwrap();
    (fake, client)
}

#[tokio::test]
async fn story_log_in_create_find_update_delete() {
    let fake = dialtone_fakes::start("yeastar", 0, false).await.unwrap();
    let pbx = Client::builder(fake.base_url())
        .login(GetTokenRequest::new(CLIENT_ID, CLIENT_SECRET))
        .build()
        .unwrap();
    let body = CreateExtensionGroupRequest::new("Front desk", MemberSelect::SelSpecific)
        .with_members(vec![
            MemberInfo::new(159, MemberRole::Manager),
            MemberInfo::new(7, MemberRole::Custom).with_enb_call_park(1),
        ])
        .with_mgr_enb_monitor(1);
    let id = pbx
        .create_extension_group(body)
        .send()
        .await
        .unwrap()
        .id
        .unwrap();
    let found = pbx
        .search_extension_groups()
        .search_value("front")
        .send()
        .await
        .unwrap();
    assert_eq!(found.data.unwrap()[0].id, Some(id));
    pbx.update_extension_group(UpdateExtensionGroupRequest::new(id).with_name("Front desk (day)"))
        .send()
        .await
        .unwrap();
    let group = pbx
        .get_extension_group(id)
        .send()
        .await
        .unwrap()
        .data
        .unwrap();
    assert_eq!(group.name.as_deref(), Some("Front desk (day)"));
    assert_eq!(group.members.unwrap()[1].enb_call_park, Some(1));
    pbx.delete_extension_group(id).send().await.unwrap();
    let gone = pbx.get_extension_group(id).send().await.unwrap_err();
    assert_eq!(gone.body().unwrap().errcode, -1);
    pbx.revoke_auth().await.unwrap();
}

#[tokio::test]
async fn every_operation() {
    let (_fake, pbx) = fake().await;
    let tokens = pbx
        .get_token(GetTokenRequest::new(CLIENT_ID, CLIENT_SECRET))
        .send()
        .await
        .unwrap();
    let refreshed = pbx
        .refresh_token(dialtone_yeastar::RefreshTokenRequest::new(
            tokens.refresh_token.unwrap().expose(),
        ))
        .send()
        .await
        .unwrap();
    assert_ne!(
        refreshed.access_token.as_ref().unwrap().expose(),
        tokens.access_token.as_ref().unwrap().expose()
    );
    let list = pbx
        .list_extension_groups()
        .sort_by(dialtone_yeastar::SortBy::Name)
        .send()
        .await
        .unwrap();
    assert_eq!(list.total_number, Some(2));
    let both = pbx
        .query_extension_groups(vec![1, 300])
        .send()
        .await
        .unwrap();
    assert_eq!(both.data.unwrap().len(), 2);
    // Paging by total_number: one group per page.
    let ids: Vec<i64> = pbx
        .list_extension_groups()
        .page_size(1)
        .into_stream()
        .map_ok(|g| g.id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, [1, 300]);
    // Revoking the sandbox token ends it.
    pbx.revoke_token().send().await.unwrap();
    let err = pbx.list_extension_groups().send().await.unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)), "{err:?}");
}

#[tokio::test]
async fn errors_arrive_as_errcode() {
    let (_fake, pbx) = fake().await;
    let dup = CreateExtensionGroupRequest::new("Reception", MemberSelect::SelAllExt);
    let err = pbx.create_extension_group(dup).send().await.unwrap_err();
    assert_eq!(err.status(), Some(200));
    let body = err.body().unwrap();
    assert_eq!(body.errcode, 40002);
    assert!(body.duplicate_field_list.is_some());
    let bad = pbx
        .get_token(GetTokenRequest::new(CLIENT_ID, "wrong"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(bad.body().unwrap().errmsg, "FAILURE");
    let err = pbx.delete_extension_group(1).send().await.unwrap_err();
    assert_eq!(err.body().unwrap().errcode, -1, "the built-in group stays");
}

#[tokio::test]
async fn expired_tokens_are_refreshed_once() {
    let fake = dialtone_fakes::start_with(
        "yeastar",
        0,
        dialtone_fakes::Options::default().token_ttl(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let pbx = Client::builder(fake.base_url())
        .login(GetTokenRequest::new(CLIENT_ID, CLIENT_SECRET))
        .build()
        .unwrap();
    pbx.list_extension_groups().send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The server says TOKEN EXPIRED; the client refreshes once and retries.
    pbx.list_extension_groups().send().await.unwrap();
}

#[tokio::test]
async fn fault_matrix() {
    let (fake, pbx) = fake().await;
    let read = || {
        pbx.get_extension_group(300)
            // The whole call's budget: a 1 s Retry-After or a 0.9 s answer fits.
            .timeout(Duration::from_secs(3))
            .send()
    };
    for fault in [
        Fault::TooManyRequests { retry_after: 1 },
        Fault::Unavailable,
        Fault::DropBeforeRead,
        Fault::DropAfterRead,
        Fault::Slow(Duration::from_millis(900)),
        Fault::Truncated,
        Fault::Huge(1 << 20),
        Fault::UnknownFields,
        Fault::UnknownEnum,
    ] {
        fake.inject(fault.clone());
        let group = read()
            .await
            .unwrap_or_else(|e| panic!("{fault:?}: {e:?}"))
            .data
            .unwrap();
        if fault == Fault::UnknownEnum {
            let unknown = group.member_select
                == Some(MemberSelect::Unrecognized("SomethingNew".into()))
                || group
                    .members
                    .iter()
                    .flatten()
                    .any(|m| m.role == MemberRole::Unrecognized("SomethingNew".into()));
            assert!(unknown, "{group:?}");
        }
        assert_eq!(fake.pending_faults(), 0, "{fault:?}");
    }
    fake.inject(Fault::NotJson);
    assert!(matches!(read().await, Err(Error::Decode { .. })));
    // Create is a POST: not replayed after the server may have acted.
    fake.inject(Fault::Unavailable);
    let err = pbx
        .create_extension_group(CreateExtensionGroupRequest::new(
            "Once",
            MemberSelect::SelAllExt,
        ))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    // Update is marked safe to replay (x-dialtone-idempotent).
    fake.inject(Fault::Unavailable);
    pbx.update_extension_group(UpdateExtensionGroupRequest::new(300).with_name("Reception 2"))
        .send()
        .await
        .unwrap();
}
