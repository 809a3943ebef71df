//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn call(c: &widgets::Client) -> widgets::operations::ListWidgets {
    c.list_widgets().color(widgets::Color::Red)
}
