//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn pages(c: &widgets::Client) -> impl Send {
    c.list_widgets().into_stream()
}
