//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn blue() -> widgets::Color {
    widgets::Color::Blue
}
