//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn size(w: &widgets::Widget) -> Option<i32> {
    w.size
}
