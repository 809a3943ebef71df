//! Compile proof: written against the old crate; compiles against the new one.

pub fn code(c: &widgets::Color) -> u8 {
    match c {
        widgets::Color::Red => 1,
        widgets::Color::Green => 2,
        widgets::Color::Blue => 3,
        widgets::Color::Unrecognized(_) => 0,
        _ => 4,
    }
}
