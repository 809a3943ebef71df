//! Paging (`x-dialtone-pagination`): where a list operation's items, next
//! cursor or page, and total are, and how the end of a listing is known.

use serde_json::Value;

use super::Lowerer;
use crate::error::{Error, push_pointer};
use crate::ir::*;

/// One `x-dialtone-pagination` value, as it is read.
struct Reading<'r> {
    value: &'r Value,
    pointer: &'r str,
    params: &'r [Param],
    /// The page type: the whole response body.
    page: &'r TypeRef,
}

impl Reading<'_> {
    fn at(&self, name: &str) -> String {
        push_pointer(self.pointer, name)
    }
}

impl<'a> Lowerer<'a> {
    /// How an operation whose success is `success` pages, read from its
    /// `x-dialtone-pagination` value.
    pub(super) fn paging(
        &self,
        value: &Value,
        pointer: &str,
        params: &[Param],
        success: &Success,
    ) -> Result<Paging, Error> {
        // Paths are relative to what the pages stream yields: the whole
        // envelope when there is one, else the body.
        let Success::Json { ty, envelope } = success else {
            return Err(self.err(
                pointer,
                "a paginated operation with a JSON success body",
                None,
            ));
        };
        let r = Reading {
            value,
            pointer,
            params,
            page: ty,
        };
        let next = match value.get("style").and_then(Value::as_str) {
            Some("cursor") => {
                let param = self.paging_param(&r, "param")?;
                if !matches!(params[param].ty, TypeRef::String(_)) {
                    return Err(self.err(r.at("param"), "a string query parameter", None));
                }
                let (next, _) =
                    self.paging_path(&r, "next", "a string", |t| matches!(t, TypeRef::String(_)))?;
                NextPage::Cursor { param, next }
            }
            Some("page") => self.page_numbers(&r)?,
            Some("link-header") => NextPage::Link,
            other => {
                return Err(self.err(
                    r.at("style"),
                    "`cursor`, `page` or `link-header`",
                    other.map(|s| format!("\"{s}\"")),
                ));
            }
        };
        let (items, last) =
            self.paging_path(&r, "items", "an array", |t| matches!(t, TypeRef::Array(..)))?;
        let TypeRef::Array(item, _) = last else {
            return Err(self.err(r.at("items"), "a property that is an array", None));
        };
        Ok(Paging {
            page: ty.clone(),
            enveloped: envelope.is_some(),
            items,
            item: *item,
            next,
        })
    }

    /// Page numbers: the end is known by a field present while there are
    /// more pages (`next`, preferred) or by the total (`total`).
    fn page_numbers(&self, r: &Reading<'_>) -> Result<NextPage, Error> {
        let integer = |t: &TypeRef| matches!(t, TypeRef::Integer { .. });
        let page = |name| -> Result<usize, Error> {
            let index = self.paging_param(r, name)?;
            if !integer(&r.params[index].ty) {
                return Err(self.err(
                    r.at(name),
                    "an integer query parameter",
                    Some(format!("`{}`", r.params[index].wire_name)),
                ));
            }
            Ok(index)
        };
        let next = match r.value.get("next") {
            Some(_) => Some(self.paging_path(r, "next", "anything", |_| true)?.0),
            None => None,
        };
        let total = match r.value.get("total") {
            Some(_) => Some(self.paging_path(r, "total", "an integer", integer)?.0),
            None => None,
        };
        let per_page = match r.value.get("per_page") {
            Some(_) => Some(page("per_page")?),
            None => None,
        };
        let number = page("page")?;
        match (next, total) {
            (Some(next), _) => Ok(NextPage::Marked { page: number, next }),
            (None, Some(total)) => Ok(NextPage::Counted {
                page: number,
                per_page,
                total,
            }),
            (None, None) => Err(self.err(
                r.pointer,
                "`next` or `total` to tell when the last page is reached",
                None,
            )),
        }
    }

    /// The string property `name` of the extension.
    fn paging_text<'v>(&self, r: &Reading<'v>, name: &str) -> Result<&'v str, Error> {
        r.value.get(name).and_then(Value::as_str).ok_or_else(|| {
            self.err(
                r.at(name),
                format!(
                    "a string `{name}` (see the x-dialtone-pagination styles in dialtone-codegen's crate docs)"
                ),
                None,
            )
        })
    }

    /// The optional query parameter the extension's `name` names.
    fn paging_param(&self, r: &Reading<'_>, name: &str) -> Result<usize, Error> {
        let wire = self.paging_text(r, name)?;
        r.params
            .iter()
            .position(|p| {
                p.wire_name == wire && p.location() == ParamLocation::Query && !p.required
            })
            .ok_or_else(|| {
                self.err(
                    r.at(name),
                    "the name of an optional query parameter of this operation",
                    Some(format!("\"{wire}\"")),
                )
            })
    }

    /// The path of properties the extension's `name` names in a page, and
    /// the type at its end, which must fit `fits` (`expected`).
    fn paging_path(
        &self,
        r: &Reading<'_>,
        name: &str,
        expected: &str,
        fits: fn(&TypeRef) -> bool,
    ) -> Result<(Vec<FieldStep>, TypeRef), Error> {
        let dotted = self.paging_text(r, name)?;
        let (steps, last) = self.field_path(r.page, dotted, &r.at(name))?;
        if !fits(&last) {
            return Err(self.err(
                r.at(name),
                format!("a property that is {expected}"),
                Some(format!("`{dotted}`")),
            ));
        }
        Ok((steps, last))
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
