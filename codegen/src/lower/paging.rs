//! Paging: where a list operation's items, next cursor, page or URL, and
//! total are, and how the end of a listing is known. Declared by
//! `x-dialtone-pagination` (in the spec or an overlay file), else found by
//! convention (`detected`): Dropshot's `x-dropshot-pagination`, a
//! documented `Link` response header, a next-page URL field, or a
//! `next_<param>` field beside an optional query parameter `<param>`.

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
                NextPage::Cursor {
                    param,
                    next,
                    clear: Vec::new(),
                }
            }
            Some("page") => self.page_numbers(&r)?,
            Some("link-header") => NextPage::Link,
            Some("next-url") => {
                let (next, _) =
                    self.paging_path(&r, "next", "a string", |t| matches!(t, TypeRef::String(_)))?;
                NextPage::Url { next }
            }
            other => {
                return Err(self.err(
                    r.at("style"),
                    "`cursor`, `page`, `link-header` or `next-url`",
                    other.map(|s| format!("\"{s}\"")),
                ));
            }
        };
        // No `items`: the body is the array of items (GitHub).
        let (items, item) = match (value.get("items"), ty) {
            (None, TypeRef::Array(item, _)) if envelope.is_none() => (Vec::new(), (**item).clone()),
            _ => {
                let (items, last) =
                    self.paging_path(&r, "items", "an array", |t| matches!(t, TypeRef::Array(..)))?;
                let TypeRef::Array(item, _) = last else {
                    return Err(self.err(r.at("items"), "a property that is an array", None));
                };
                (items, *item)
            }
        };
        Ok(Paging {
            page: ty.clone(),
            enveloped: envelope.is_some(),
            items,
            item,
            next,
            source: PagingSource::Declared,
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
            steps.push(step(field));
            current = field.ty.clone();
        }
        Ok((steps, current))
    }
}

/// A path step through `field`.
fn step(field: &Field) -> FieldStep {
    FieldStep {
        rust_name: field.rust_name.clone(),
        required: field.required && !field.nullable,
        tri_state: field.nullable && !field.required,
    }
}

/// A name as the conventions compare it: ASCII letters and digits, lower
/// case (`next_page_uri`, `nextPageUri` and `NextPageUri` fold alike).
fn folded(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Folded names of fields that hold the next page's URL.
const NEXT_URL_FIELDS: &[&str] = &[
    "nextpageuri",
    "nextpageurl",
    "nextpagelink",
    "nexturi",
    "nexturl",
    "nextlink",
];

/// Folded names of objects whose `next` field is the next page's URL
/// (JSON:API `links.next`, Graph-style `paging.next`).
const LINK_OBJECTS: &[&str] = &["links", "paging", "pagination"];

/// What a page's fields say about the next page, by convention.
enum Found {
    Url(Vec<FieldStep>),
    Cursor(usize, Vec<FieldStep>),
}

impl Lowerer<'_> {
    /// Paging found by convention on a GET whose spec declares none: the
    /// items are the body (an array) or its one array property; the next
    /// page is asked for as Dropshot's `x-dropshot-pagination` says (the
    /// `page_token` query parameter, the `next_page` field), or by the
    /// `Link` header the success response documents, or by a field holding
    /// the next page's URL, or by a field `next_<param>` (at the top or one
    /// object down) beside an optional string query parameter `<param>`
    /// (`next_page_token`/`page_token`, `nextCursor`/`cursor`). `None` when
    /// nothing fits: detection never fails an operation.
    pub(super) fn detected_paging(
        &self,
        op: &openapiv3::Operation,
        method: HttpMethod,
        params: &[Param],
        success: &Success,
    ) -> Option<Paging> {
        let Success::Json { ty, envelope: None } = success else {
            return None;
        };
        if method != HttpMethod::Get {
            return None;
        }
        let fields = match ty {
            TypeRef::Named(name) => self.struct_fields(name),
            _ => None,
        };
        let (items, item) = match (ty, fields) {
            (TypeRef::Array(item, _), _) => (Vec::new(), (**item).clone()),
            (_, Some(fields)) => {
                let mut arrays = fields
                    .iter()
                    .filter(|f| !f.flatten)
                    .filter_map(|f| match &f.ty {
                        TypeRef::Array(item, _) => Some((f, item)),
                        _ => None,
                    });
                let (field, item) = arrays.next()?;
                if arrays.next().is_some() {
                    return None;
                }
                (vec![step(field)], (**item).clone())
            }
            _ => return None,
        };
        let string = |f: &Field| matches!(f.ty, TypeRef::String(_)) && !f.flatten;
        // An optional string query parameter, by folded name.
        let cursor_param = |name: &str| {
            params.iter().position(|p| {
                p.location() == ParamLocation::Query
                    && !p.required
                    && matches!(p.ty, TypeRef::String(_))
                    && folded(&p.wire_name) == name
            })
        };
        let next = if op.extensions.contains_key("x-dropshot-pagination") {
            let param = cursor_param("pagetoken")?;
            let field = fields?
                .iter()
                .find(|f| f.wire_name == "next_page" && string(f))?;
            let clear = params
                .iter()
                .enumerate()
                .filter(|(i, p)| {
                    *i != param
                        && p.location() == ParamLocation::Query
                        && !p.required
                        && p.wire_name != "limit"
                })
                .map(|(i, _)| i)
                .collect();
            NextPage::Cursor {
                param,
                next: vec![step(field)],
                clear,
            }
        } else if self
            .response_headers(op)
            .iter()
            .any(|h| h.eq_ignore_ascii_case("link"))
        {
            NextPage::Link
        } else {
            // The page's own fields first, then one object down.
            let mut found = None;
            let top = fields?;
            let lookup = |fields: &[Field], parent: Option<&Field>| -> Option<Found> {
                for f in fields.iter().filter(|f| string(f)) {
                    let name = folded(&f.wire_name);
                    let path = |f: &Field| match parent {
                        Some(p) => vec![step(p), step(f)],
                        None => vec![step(f)],
                    };
                    let url = NEXT_URL_FIELDS.contains(&name.as_str())
                        || (name == "next"
                            && parent.is_some_and(|p| {
                                LINK_OBJECTS.contains(&folded(&p.wire_name).as_str())
                            }));
                    if url {
                        return Some(Found::Url(path(f)));
                    }
                    if let Some(rest) = name.strip_prefix("next").filter(|r| !r.is_empty())
                        && let Some(param) = cursor_param(rest)
                    {
                        return Some(Found::Cursor(param, path(f)));
                    }
                }
                None
            };
            if let Some(hit) = lookup(top, None) {
                found = Some(hit);
            } else {
                for parent in top.iter().filter(|f| !f.flatten) {
                    let TypeRef::Named(name) = &parent.ty else {
                        continue;
                    };
                    if let Some(hit) = self
                        .struct_fields(name)
                        .and_then(|inner| lookup(inner, Some(parent)))
                    {
                        found = Some(hit);
                        break;
                    }
                }
            }
            match found? {
                Found::Url(next) => NextPage::Url { next },
                Found::Cursor(param, next) => NextPage::Cursor {
                    param,
                    next,
                    clear: Vec::new(),
                },
            }
        };
        Some(Paging {
            page: ty.clone(),
            enveloped: false,
            items,
            item,
            next,
            source: PagingSource::Detected,
        })
    }
}
