//! Compile proof: written against the old crate; compiles against the new one.

pub fn calls(c: &widgets::Client) {
    let _ = (c.list_widgets(), c.get_widget("abcd1234"), c.delete_widget("abcd1234"));
}
