//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn body() -> widgets::WidgetCreate {
    widgets::WidgetCreate::new("lamp")
}
