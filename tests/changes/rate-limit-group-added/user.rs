//! Compile proof: written against the old crate; compiles against the new one.

pub fn name(g: widgets::RateLimitGroup) -> &'static str {
    match g {
        widgets::RateLimitGroup::Light => "light",
        _ => "other",
    }
}
