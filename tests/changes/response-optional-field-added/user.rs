//! Compile proof: written against the old crate; compiles against the new one.

pub fn describe(w: &widgets::Widget) -> String {
    format!("{} {:?} {:?}", w.name, w.size, w.color)
}

pub fn body() -> widgets::WidgetCreate {
    widgets::WidgetCreate::new("lamp").with_size(3)
}
