//! Compile proof: written against the old crate; compiles against the new one.

pub fn body() -> widgets::WidgetCreate {
    widgets::WidgetCreate::new("lamp")
        .with_size(3)
        .with_tags(vec!["desk".to_owned()])
}
