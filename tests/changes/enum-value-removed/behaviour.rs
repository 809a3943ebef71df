//! Behaviour proof: passes against the old crate; fails against the new one (a value that decoded as a variant is now `Unrecognized`).

#[test]
fn blue_decodes_as_a_known_color() {
    let color: widgets::Color = serde_json::from_str(r#""blue""#).unwrap();
    assert!(!matches!(color, widgets::Color::Unrecognized(_)), "{color:?}");
}
