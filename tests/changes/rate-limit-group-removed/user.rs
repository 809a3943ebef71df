//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn heavy() -> widgets::RateLimitGroup {
    widgets::RateLimitGroup::Heavy
}
