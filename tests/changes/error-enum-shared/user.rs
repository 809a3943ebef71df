//! Compile proof: written against the old crate; compiles against the new one.
//! `getWidget`'s own error enum becomes an alias of the enum it now shares
//! with `deleteWidget`: code naming the operation's error type still compiles.

pub fn missing(err: &widgets::Error) -> Option<&'static str> {
    let decoded: Option<widgets::operations::GetWidgetError> =
        widgets::operations::GetWidgetError::from_error(err);
    match decoded {
        Some(widgets::operations::GetWidgetError::NotFound(_)) => Some("not found"),
        Some(widgets::operations::GetWidgetError::Gone(p)) => Some(if p.code > 0 { "gone" } else { "?" }),
        _ => None,
    }
}
