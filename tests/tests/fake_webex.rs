//! dialtone-webex against the stateful Webex fake.

use dialtone_fakes::webex::{CALL_PARK_ID, MONITORED_PERSON_ID, ORG_ID, PERSON_ID, SANDBOX_TOKEN};
use dialtone_fakes::{FakeServer, Fault};
use dialtone_webex::{
    Client, Error, MonitoredElementType, MonitoredElementUpdate, PersonMonitoringSettingsUpdate,
};

async fn fake() -> (FakeServer, Client) {
    let fake = dialtone_fakes::start("webex", 0, false).await.unwrap();
    let client = Client::builder(fake.base_url())
        .bearer_auth(SANDBOX_TOKEN)
        .build()
        .unwrap();
    (fake, client)
}

#[tokio::test]
async fn story_monitor_a_colleague_and_a_park_extension() {
    let (_fake, webex) = fake().await;
    let before = webex
        .get_monitoring_settings_person(PERSON_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.monitored_elements.len(),
        1,
        "seeded with one colleague"
    );
    assert_eq!(before.available_entries_count, 49);
    let update = PersonMonitoringSettingsUpdate::new()
        .with_enable_call_park_notification(true)
        .with_monitored_elements(vec![
            MonitoredElementUpdate::new()
                .with_id(MONITORED_PERSON_ID)
                .with_type(MonitoredElementType::Member)
                .with_line_key_label("Bob"),
            MonitoredElementUpdate::new()
                .with_id(CALL_PARK_ID)
                .with_type(MonitoredElementType::CallParkExtension),
            MonitoredElementUpdate::new()
                .with_type(MonitoredElementType::SpeedDial)
                .with_line_key_label("Front desk")
                .with_phone_number("+19075550100"),
        ]);
    webex
        .update_monitoring_settings_person(PERSON_ID, update)
        .org_id(ORG_ID)
        .send()
        .await
        .unwrap();
    let after = webex
        .get_monitoring_settings_person(PERSON_ID)
        .org_id(ORG_ID)
        .send()
        .await
        .unwrap();
    assert!(after.call_park_notification_enabled);
    assert_eq!(after.available_entries_count, 47);
    let member = after.monitored_elements[0].member.as_ref().unwrap();
    assert_eq!(
        (member.id.as_str(), member.line_key_label.as_deref()),
        (MONITORED_PERSON_ID, Some("Bob"))
    );
    assert_eq!(
        after.monitored_elements[1]
            .callparkextension
            .as_ref()
            .unwrap()
            .id,
        CALL_PARK_ID
    );
    assert_eq!(
        after.monitored_elements[2]
            .speed_dial
            .as_ref()
            .unwrap()
            .phone_number
            .as_deref(),
        Some("+19075550100")
    );
}

#[tokio::test]
async fn documented_errors() {
    let (fake, webex) = fake().await;
    let stranger = Client::builder(fake.base_url())
        .bearer_auth("not-a-token")
        .build()
        .unwrap();
    assert!(matches!(
        stranger
            .get_monitoring_settings_person(PERSON_ID)
            .send()
            .await,
        Err(Error::Unauthorized(_))
    ));
    let err = webex
        .get_monitoring_settings_person("nobody")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.request_id(), Some("ROUTERGW_dialtone-fake-0001"));
    let err = webex
        .get_monitoring_settings_person(PERSON_ID)
        .org_id("another-org")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let unknown = PersonMonitoringSettingsUpdate::new().with_monitored_elements(vec![
        MonitoredElementUpdate::new()
            .with_id("unknown")
            .with_type(MonitoredElementType::Member),
    ]);
    let err = webex
        .update_monitoring_settings_person(PERSON_ID, unknown)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert!(
        err.body()
            .unwrap()
            .errors
            .as_ref()
            .is_some_and(|e| !e.is_empty())
    );
}

#[tokio::test]
async fn fault_matrix() {
    let (fake, webex) = fake().await;
    let read = || {
        webex
            .get_monitoring_settings_person(PERSON_ID)
            // The whole call's budget: a 1 s Retry-After or a 0.9 s answer fits.
            .timeout(std::time::Duration::from_secs(3))
            .send()
    };
    for fault in [
        Fault::TooManyRequests { retry_after: 1 },
        Fault::Unavailable,
        Fault::DropBeforeRead,
        Fault::DropAfterRead,
        Fault::Slow(std::time::Duration::from_millis(900)),
        Fault::Truncated,
        Fault::Huge(1 << 20),
        Fault::UnknownFields,
        Fault::UnknownEnum,
    ] {
        fake.inject(fault.clone());
        let settings = read().await.unwrap_or_else(|e| panic!("{fault:?}: {e:?}"));
        if fault == Fault::UnknownEnum {
            let member = settings.monitored_elements[0].member.as_ref().unwrap();
            assert_eq!(
                member.type_,
                Some(dialtone_webex::MemberType::Unrecognized(
                    "SomethingNew".into()
                ))
            );
        }
        assert_eq!(fake.pending_faults(), 0, "{fault:?}");
    }
    fake.inject(Fault::NotJson);
    assert!(matches!(read().await, Err(Error::Decode { .. })));
    // PUT is idempotent here: retried after a 503.
    fake.inject(Fault::Unavailable);
    webex
        .update_monitoring_settings_person(
            PERSON_ID,
            PersonMonitoringSettingsUpdate::new().with_enable_call_park_notification(true),
        )
        .send()
        .await
        .unwrap();
}
