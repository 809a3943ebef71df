//! The paging overlay: `x-dialtone-pagination` values for the operations
//! of a spec its user cannot edit, kept in a file of their own (YAML or
//! JSON; `dialtone generate --pagination FILE`,
//! [`Generator::pagination`](crate::Generator::pagination)):
//!
//! ```yaml
//! # operationId: what x-dialtone-pagination would say in the spec
//! ListCall: {style: next-url, next: next_page_uri, items: calls}
//! listWidgets: false     # found by convention, but does not page
//! ```
//!
//! Each value replaces the operation's own `x-dialtone-pagination`, and is
//! checked as that extension is; an error in it names the overlay file and
//! the pointer in it (`/ListCall/items`).

use std::path::Path;

use serde_json::Value;

use crate::error::{Error, push_pointer};
use crate::lower::EXT_PAGINATION;

/// A read overlay: its label (the path as given) and its mapping.
#[derive(Debug, Clone)]
pub(crate) struct Overlay {
    label: String,
    entries: serde_json::Map<String, Value>,
}

/// Where an overlay entry went: the operation's pointer in the spec, and
/// the entry's pointer in the overlay.
pub(crate) struct Placed {
    pub(crate) spec: String,
    overlay: String,
}

impl Overlay {
    /// Reads the overlay at `path` (a regular file of at most
    /// `limits::MAX_FILE_BYTES`).
    pub(crate) fn read(path: &Path) -> Result<Overlay, Error> {
        let label = path.display().to_string();
        let text = crate::bundle::read_capped(path, crate::limits::MAX_FILE_BYTES)
            .map_err(|(expected, found)| Error::new(&label, "", expected, Some(found)))?;
        let value = crate::read::read(&text).map_err(|err| {
            let (expected, found) = err.describe(true);
            Error::new(&label, "", expected, found)
        })?;
        match value {
            Value::Object(entries) => Ok(Overlay { label, entries }),
            other => Err(Error::new(
                &label,
                "",
                "a mapping of operationIds to x-dialtone-pagination values",
                Some(crate::parse::kind_of(&other).to_owned()),
            )),
        }
    }

    /// Sets each entry as its operation's `x-dialtone-pagination`; an
    /// operationId the spec (`file`) does not have is an error.
    pub(crate) fn apply(
        &self,
        file: &str,
        doc: &mut openapiv3::OpenAPI,
    ) -> Result<Vec<Placed>, Error> {
        let mut placed = Vec::new();
        let mut found = std::collections::HashSet::new();
        for (path, item) in doc.paths.paths.iter_mut() {
            let openapiv3::ReferenceOr::Item(item) = item else {
                continue;
            };
            let at = push_pointer("/paths", path);
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("options", &mut item.options),
                ("head", &mut item.head),
                ("patch", &mut item.patch),
                ("trace", &mut item.trace),
            ];
            for (method, op) in ops {
                let Some(op) = op.as_mut() else {
                    continue;
                };
                let Some(id) = op.operation_id.as_deref() else {
                    continue;
                };
                let Some(value) = self.entries.get(id) else {
                    continue;
                };
                if !found.insert(id.to_owned()) {
                    return Err(Error::new(
                        &self.label,
                        push_pointer("", id),
                        format!("an operationId that names one operation of {file}"),
                        Some("several operations with it".to_owned()),
                    ));
                }
                op.extensions
                    .insert(EXT_PAGINATION.to_owned(), value.clone());
                placed.push(Placed {
                    spec: push_pointer(&at, method),
                    overlay: push_pointer("", id),
                });
            }
        }
        if let Some(missing) = self.entries.keys().find(|id| !found.contains(*id)) {
            return Err(Error::new(
                &self.label,
                push_pointer("", missing),
                format!("the operationId of an operation of {file}"),
                Some(format!(
                    "no operation `{}` there",
                    crate::escape::visible(missing)
                )),
            ));
        }
        Ok(placed)
    }

    /// `err` (from lowering the spec the overlay was applied to) as an
    /// error in the overlay when it is about an overlay entry.
    pub(crate) fn locate(&self, placed: &[Placed], err: Error) -> Error {
        for p in placed {
            let inside = push_pointer(&p.spec, EXT_PAGINATION);
            if let Some(rest) = err.pointer.strip_prefix(&inside)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                return Error {
                    file: self.label.clone(),
                    pointer: format!("{}{rest}", p.overlay),
                    ..err
                };
            }
        }
        err
    }
}
