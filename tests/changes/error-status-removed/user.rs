//! Compile proof: written against the old crate; fails to compile against the new one.

pub fn missing(err: &widgets::Error) -> bool {
    matches!(
        widgets::operations::GetWidgetError::from_error(err),
        Some(widgets::operations::GetWidgetError::NotFound(_))
    )
}
