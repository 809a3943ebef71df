//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn is_triangle(s: &widgets::Shape) -> bool {
    matches!(s, widgets::Shape::Triangle(_))
}
