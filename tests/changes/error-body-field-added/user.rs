//! Compile proof: written against the old crate; compiles against the new one.

pub fn code(p: &widgets::Problem) -> i32 {
    p.code
}
