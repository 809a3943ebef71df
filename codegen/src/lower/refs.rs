//! `$ref`s to components other than schemas (parameters, request bodies,
//! responses, examples): one resolver for all. Schema references are
//! followed by [`Lowerer::schema_reference`], which lowers their target.

use indexmap::IndexMap;
use openapiv3::{Components, Example, Parameter, ReferenceOr, RequestBody, Response};

use super::Lowerer;
use crate::error::{Error, push_pointer};

/// A kind of component a `$ref` may name.
pub(super) trait Component: Sized {
    /// Its folder under `#/components/` (`parameters`).
    const KIND: &'static str;
    /// What it must be when a `$ref` names it (not another `$ref`).
    const IN_PLACE: &'static str;
    /// The components of this kind.
    fn all(components: &Components) -> &IndexMap<String, ReferenceOr<Self>>;
}

impl Component for Parameter {
    const KIND: &'static str = "parameters";
    const IN_PLACE: &'static str = "a parameter written in place";
    fn all(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.parameters
    }
}

impl Component for RequestBody {
    const KIND: &'static str = "requestBodies";
    const IN_PLACE: &'static str = "a request body written in place";
    fn all(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.request_bodies
    }
}

impl Component for Response {
    const KIND: &'static str = "responses";
    const IN_PLACE: &'static str = "a response written in place";
    fn all(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.responses
    }
}

impl Component for Example {
    const KIND: &'static str = "examples";
    const IN_PLACE: &'static str = "an example written in place";
    fn all(components: &Components) -> &IndexMap<String, ReferenceOr<Self>> {
        &components.examples
    }
}

/// The key of the component `reference` names under `prefix`
/// (`#/components/schemas/`), its JSON pointer escapes decoded.
pub(super) fn component_key(reference: &str, prefix: &str) -> Option<String> {
    let token = reference.strip_prefix(prefix)?;
    if token.contains('/') {
        return None;
    }
    Some(token.replace("~1", "/").replace("~0", "~"))
}

impl<'a> Lowerer<'a> {
    /// `item`, or the component its `$ref` names, with the JSON pointer of
    /// what was found. A component that is itself a `$ref` is refused.
    pub(super) fn component<'s, T: Component>(
        &self,
        item: &'s ReferenceOr<T>,
        pointer: &str,
    ) -> Result<(&'s T, String), Error>
    where
        'a: 's,
    {
        let reference = match item {
            ReferenceOr::Item(item) => return Ok((item, pointer.to_owned())),
            ReferenceOr::Reference { reference } => reference,
        };
        let key = self.local_ref(reference, T::KIND, pointer)?;
        let at = push_pointer(&format!("/components/{}", T::KIND), &key);
        let doc: &'a openapiv3::OpenAPI = self.doc;
        match doc.components.as_ref().and_then(|c| T::all(c).get(&key)) {
            Some(ReferenceOr::Item(found)) => Ok((found, at)),
            Some(ReferenceOr::Reference { .. }) => {
                Err(self.err(at, T::IN_PLACE, Some("another $ref".to_owned())))
            }
            None => Err(self.dangling(reference, pointer)),
        }
    }

    /// The component key `#/components/<kind>/<key>` names, its JSON
    /// pointer escapes (`~1`, `~0`) decoded.
    pub(super) fn local_ref(
        &self,
        reference: &str,
        kind: &str,
        pointer: &str,
    ) -> Result<String, Error> {
        let prefix = format!("#/components/{kind}/");
        component_key(reference, &prefix).ok_or_else(|| {
            self.err(
                push_pointer(pointer, "$ref"),
                format!("a local reference of the form `{prefix}<name>`"),
                Some(format!("\"{reference}\"")),
            )
        })
    }

    pub(super) fn dangling(&self, reference: &str, pointer: &str) -> Error {
        self.err(
            push_pointer(pointer, "$ref"),
            "a $ref to a component that exists",
            Some(format!("dangling reference \"{reference}\"")),
        )
    }
}
