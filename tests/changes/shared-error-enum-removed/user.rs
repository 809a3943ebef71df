//! Compile proof: written against the old crate; fails to compile against the new one.
//! `listWidgets` and `createWidget` shared `Status400Error`; once
//! `createWidget` documents 409 too, they no longer do and it is gone
//! (each operation's alias, `ListWidgetsError`, still compiles).

pub fn bad(err: &widgets::Error) -> bool {
    matches!(
        widgets::operations::Status400Error::from_error(err),
        Some(widgets::operations::Status400Error::BadRequest(_))
    )
}
