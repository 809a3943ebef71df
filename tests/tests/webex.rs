//! dialtone-webex over real HTTP on 127.0.0.1: wire snapshots, decoding of
//! the vendor's quirks, pre-send validation, and its error body.

use dialtone_tests::CaptureServer;
use dialtone_webex::{
    Client, Error, MonitoredElementType, MonitoredElementUpdate, PersonMonitoringSettingsUpdate,
};
use serde_json::json;

const PERSON: &str =
    "Y2lzY29zcGFyazovL3VzL1BFT1BMRS85OWNlZjRmYS03YTM5LTQ1ZDItOTNmNi1jNjA5YTRiMjgzODY";
const TOKEN: &str = "canary-webex-token";

async fn setup() -> (CaptureServer, Client) {
    let server = CaptureServer::start().await;
    let client = Client::builder(server.base_url())
        .bearer_auth(TOKEN)
        .no_retries()
        .build()
        .unwrap();
    (server, client)
}

fn only_request(server: &CaptureServer) -> String {
    let requests = server.take();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    requests[0].render(&["authorization"])
}

#[tokio::test]
async fn get_monitoring_settings_person() {
    let (server, client) = setup().await;
    // The seed's quirk: `primary` as the string "true".
    server.respond(200, json!({
        "callParkNotificationEnabled": true,
        "availableEntriesCount": 48,
        "monitoredElements": [
            {"member": {"id": "m1", "type": "VIRTUAL_LINE", "numbers": [{"extension": "8086", "primary": "true"}], "location": "Dallas", "locationId": "l1"}},
            {"callparkextension": {"id": "c1", "name": "Dallas-Test", "extension": "4001", "location": "Dallas", "locationId": "l1"}}
        ]
    }));
    let settings = client
        .get_monitoring_settings_person(PERSON)
        .org_id("Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi85OWNlZjRm")
        .send()
        .await
        .unwrap();
    assert!(settings.call_park_notification_enabled);
    assert_eq!(settings.available_entries_count, 48);
    let member = settings.monitored_elements[0].member.as_ref().unwrap();
    assert_eq!(member.numbers[0].primary, Some(true));
    assert_eq!(member.type_, Some(dialtone_webex::MemberType::VirtualLine));
    let park = settings.monitored_elements[1]
        .callparkextension
        .as_ref()
        .unwrap();
    assert_eq!(park.extension.as_deref(), Some("4001"));
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn update_monitoring_settings_person() {
    let (server, client) = setup().await;
    server.respond_with(204, &[], String::new());
    let body = PersonMonitoringSettingsUpdate::new()
        .with_enable_call_park_notification(true)
        .with_monitored_elements(vec![
            MonitoredElementUpdate::new()
                .with_id("m1")
                .with_type(MonitoredElementType::Member),
            MonitoredElementUpdate::new()
                .with_type(MonitoredElementType::SpeedDial)
                .with_line_key_label("Front desk")
                .with_phone_number("+19075550100"),
        ]);
    client
        .update_monitoring_settings_person(PERSON, body)
        .send()
        .await
        .unwrap();
    insta::assert_snapshot!(only_request(&server));
}

#[tokio::test]
async fn limits_are_checked_before_sending() {
    let (server, client) = setup().await;
    let too_many = PersonMonitoringSettingsUpdate::new().with_monitored_elements(
        (0..51)
            .map(|i| MonitoredElementUpdate::new().with_id(format!("m{i}")))
            .collect(),
    );
    let bad_number = PersonMonitoringSettingsUpdate::new().with_monitored_elements(vec![
        MonitoredElementUpdate::new().with_phone_number("call me"),
    ]);
    let long_label = PersonMonitoringSettingsUpdate::new().with_monitored_elements(vec![
        MonitoredElementUpdate::new().with_line_key_label("x".repeat(64)),
    ]);
    for (body, field) in [
        (too_many, "body.monitoredElements"),
        (bad_number, "body.monitoredElements.0.phoneNumber"),
        (long_label, "body.monitoredElements.0.lineKeyLabel"),
    ] {
        match client
            .update_monitoring_settings_person(PERSON, body)
            .send()
            .await
        {
            Err(Error::InvalidRequest(invalid)) => assert_eq!(invalid.field, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(server.take().is_empty());
}

#[tokio::test]
async fn errors_carry_the_tracking_id_and_retry_after() {
    let (server, client) = setup().await;
    server.respond_with(
        404,
        &[("trackingId", "ROUTERGW_1234")],
        json!({"message": "Person not found", "errors": [{"description": "Person not found"}], "trackingId": "ROUTERGW_1234"}).to_string(),
    );
    let err = client
        .get_monitoring_settings_person(PERSON)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
    assert_eq!(err.request_id(), Some("ROUTERGW_1234"));
    let body = err.body().unwrap();
    assert_eq!(
        body.errors.as_ref().unwrap()[0].description.as_deref(),
        Some("Person not found")
    );

    server.respond_with(
        429,
        &[("Retry-After", "15")],
        json!({"message": "slow down"}).to_string(),
    );
    let err = client
        .get_monitoring_settings_person(PERSON)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(15)));
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}

#[tokio::test]
async fn send_raw_returns_the_documented_response_headers() {
    let (server, client) = setup().await;
    server.respond_with(
        200,
        &[("trackingId", "ROUTERGW_5678")],
        json!({"callParkNotificationEnabled": true, "monitoredElements": [], "availableEntriesCount": 50}).to_string(),
    );
    let response = client
        .get_monitoring_settings_person(PERSON)
        .send_raw()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["trackingid"], "ROUTERGW_5678");
    // Debug shows the size of the body, not the body.
    assert!(!format!("{response:?}").contains("monitoredElements"));
    let settings: dialtone_webex::types::PersonMonitoringSettings =
        response.json::<_, serde_json::Value>().unwrap();
    assert!(settings.call_park_notification_enabled);
}
