//! Paging (`x-dialtone-pagination`): where a list operation's items, next
//! cursor or page, and total are, and how the end of a listing is known.

use serde_json::Value;

use super::Lowerer;
use crate::error::{Error, push_pointer};
use crate::ir::*;

impl<'a> Lowerer<'a> {
    pub(super) fn pagination(
        &self,
        value: &Value,
        pointer: &str,
        params: &[Param],
        success: &Success,
    ) -> Result<Pagination, Error> {
        let field = |name: &str| value.get(name).and_then(Value::as_str);
        let missing = |name: &str| {
            self.err(
                push_pointer(pointer, name),
                format!(
                    "a string `{name}` (see the x-dialtone-pagination styles in ARCHITECTURE.md)"
                ),
                None,
            )
        };
        let param = |name: &str| -> Result<usize, Error> {
            let wire = field(name).ok_or_else(|| missing(name))?;
            params
                .iter()
                .position(|p| {
                    p.wire_name == wire && p.location == ParamLocation::Query && !p.required
                })
                .ok_or_else(|| {
                    self.err(
                        push_pointer(pointer, name),
                        "the name of an optional query parameter of this operation",
                        Some(format!("\"{wire}\"")),
                    )
                })
        };
        let Success::Json { ty, envelope } = success else {
            return Err(self.err(
                pointer,
                "a paginated operation with a JSON success body",
                None,
            ));
        };
        // Paths are relative to what the pages stream yields: the whole
        // envelope when there is one, else the body.
        let _ = envelope;
        let path = |name: &str,
                    expected: &str,
                    fits: fn(&TypeRef) -> bool|
         -> Result<Vec<FieldStep>, Error> {
            let dotted = field(name).ok_or_else(|| missing(name))?;
            let (steps, last) = self.field_path(ty, dotted, &push_pointer(pointer, name))?;
            if !fits(&last) {
                return Err(self.err(
                    push_pointer(pointer, name),
                    format!("a property that is {expected}"),
                    Some(format!("`{dotted}`")),
                ));
            }
            Ok(steps)
        };
        let is_array: fn(&TypeRef) -> bool = |t| matches!(t, TypeRef::Array(..));
        let is_string: fn(&TypeRef) -> bool = |t| matches!(t, TypeRef::String(_));
        let is_integer: fn(&TypeRef) -> bool = |t| matches!(t, TypeRef::Integer { .. });
        let anything: fn(&TypeRef) -> bool = |_| true;
        let item = || -> Result<TypeRef, Error> {
            let dotted = field("items").ok_or_else(|| missing("items"))?;
            match self
                .field_path(ty, dotted, &push_pointer(pointer, "items"))?
                .1
            {
                TypeRef::Array(inner, _) => Ok(*inner),
                _ => Err(self.err(
                    push_pointer(pointer, "items"),
                    "a property that is an array",
                    None,
                )),
            }
        };
        let integer_param = |name: &str| -> Result<usize, Error> {
            let index = param(name)?;
            if !matches!(params[index].ty, TypeRef::Integer { .. }) {
                return Err(self.err(
                    push_pointer(pointer, name),
                    "an integer query parameter",
                    Some(format!("`{}`", params[index].wire_name)),
                ));
            }
            Ok(index)
        };
        match field("style") {
            Some("cursor") => {
                let param = param("param")?;
                if !matches!(params[param].ty, TypeRef::String(_)) {
                    return Err(self.err(
                        push_pointer(pointer, "param"),
                        "a string query parameter",
                        None,
                    ));
                }
                Ok(Pagination::Cursor {
                    param,
                    next: path("next", "a string", is_string)?,
                    items: path("items", "an array", is_array)?,
                    item: item()?,
                })
            }
            Some("page") => {
                let next = if value.get("next").is_some() {
                    Some(path("next", "anything", anything)?)
                } else {
                    None
                };
                let total = if value.get("total").is_some() {
                    Some(path("total", "an integer", is_integer)?)
                } else {
                    None
                };
                if next.is_none() && total.is_none() {
                    return Err(self.err(
                        pointer.to_owned(),
                        "`next` or `total` to tell when the last page is reached",
                        None,
                    ));
                }
                let per_page = if value.get("per_page").is_some() {
                    Some(integer_param("per_page")?)
                } else {
                    None
                };
                Ok(Pagination::Page {
                    page: integer_param("page")?,
                    per_page,
                    next,
                    total,
                    items: path("items", "an array", is_array)?,
                    item: item()?,
                })
            }
            Some("link-header") => Ok(Pagination::Link {
                items: path("items", "an array", is_array)?,
                item: item()?,
            }),
            other => Err(self.err(
                push_pointer(pointer, "style"),
                "`cursor`, `page` or `link-header`",
                other.map(|s| format!("\"{s}\"")),
            )),
        }
    }

    /// Resolves `a.b.c` through the struct fields of `ty`.
    pub(super) fn field_path(
        &self,
        ty: &TypeRef,
        dotted: &str,
        pointer: &str,
    ) -> Result<(Vec<FieldStep>, TypeRef), Error> {
        let mut steps = Vec::new();
        let mut current = ty.clone();
        for segment in dotted.split('.') {
            let found = match &current {
                TypeRef::Named(name) => self
                    .struct_fields(name)
                    .and_then(|fields| fields.iter().find(|f| f.wire_name == segment)),
                _ => None,
            };
            let Some(field) = found else {
                return Err(self.err(
                    pointer,
                    format!("a path of properties of the response (`{dotted}`)"),
                    Some(format!("no property `{segment}` there")),
                ));
            };
            steps.push(FieldStep {
                rust_name: field.rust_name.clone(),
                required: field.required,
            });
            current = field.ty.clone();
        }
        Ok((steps, current))
    }
}
