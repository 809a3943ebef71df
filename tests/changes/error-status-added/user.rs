//! Compile proof: written against the old crate; compiles against the new one.

pub fn missing(err: &widgets::Error) -> bool {
    match widgets::operations::GetWidgetError::from_error(err) {
        Some(widgets::operations::GetWidgetError::NotFound(_)) => true,
        _ => false,
    }
}
