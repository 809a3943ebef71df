//! Behaviour proof: passes against the old crate; fails against the new one (the request is refused before it is sent).

use dialtone_runtime::{FieldPath, Validate};

#[test]
fn a_forty_character_name_is_sent() {
    let body = widgets::WidgetCreate::new("a lamp with a rather long name, 40 chars");
    assert_eq!(body.name.chars().count(), 40);
    assert!(body.validate(&FieldPath::root("body")).is_ok());
}
