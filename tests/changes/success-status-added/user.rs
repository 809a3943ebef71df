//! Compile proof: written against the old crate; compiles against the new one.

pub fn created(r: &widgets::operations::CreateWidgetResponse) -> bool {
    match r {
        widgets::operations::CreateWidgetResponse::Created(_) => true,
        widgets::operations::CreateWidgetResponse::Accepted(_) => false,
        _ => false,
    }
}
