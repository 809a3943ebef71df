//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn name(w: &widgets::Widget) -> &str {
    &w.name
}
