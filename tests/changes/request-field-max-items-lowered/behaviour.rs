//! Behaviour proof: passes against the old crate; fails against the new one (the request is refused before it is sent).

use dialtone_runtime::{FieldPath, Validate};

#[test]
fn three_tags_are_sent() {
    let tags = vec!["desk".to_owned(), "lamp".to_owned(), "led".to_owned()];
    let body = widgets::WidgetCreate::new("lamp").with_tags(tags);
    assert!(body.validate(&FieldPath::root("body")).is_ok());
}
