//! Behaviour proof: passes against the old crate; passes against the new one (answers decode and requests encode the same).

#[test]
fn answers_decode_and_requests_encode_the_same() {
    let widget: widgets::Widget =
        serde_json::from_str(r#"{"id": "abcd1234", "name": "lamp", "size": 3, "created": "today"}"#)
            .unwrap();
    assert_eq!((widget.id.as_str(), widget.name.as_str(), widget.size), ("abcd1234", "lamp", Some(3)));
    let body = widgets::WidgetCreate::new("lamp").with_size(3);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        serde_json::json!({"name": "lamp", "size": 3})
    );
}
