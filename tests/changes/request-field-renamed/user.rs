//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn body() -> widgets::WidgetCreate {
    widgets::WidgetCreate::new("lamp").with_tags(vec!["desk".to_owned()])
}
