//! Behaviour proof: passes against the old crate; fails against the new one (the request is refused before it is sent).

use dialtone_runtime::{FieldPath, Validate};

#[test]
fn size_eight_is_sent() {
    let body = widgets::WidgetCreate::new("lamp").with_size(8);
    assert!(body.validate(&FieldPath::root("body")).is_ok());
}
