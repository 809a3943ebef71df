//! Compile proof: written against the old crate; compiles against the new one.

pub fn area(s: &widgets::Shape) -> Option<f64> {
    match s {
        widgets::Shape::Round(r) => Some(3.14 * r.radius * r.radius),
        widgets::Shape::Square(q) => Some(q.side * q.side),
        _ => None,
    }
}
