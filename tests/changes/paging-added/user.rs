//! Compile proof: written against the old crate; compiles against the new one.

pub fn call(c: &widgets::Client) -> widgets::operations::ListWidgets {
    c.list_widgets().cursor("abc")
}
