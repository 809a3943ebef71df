//! Request bodies and media types: which media type a body is sent and a
//! response read as, and request envelopes (`x-dialtone-envelope`).

use openapiv3::{MediaType, ReferenceOr, RequestBody};

use super::Lowerer;
use super::extensions::EXT_ENVELOPE;
use crate::error::{Error, push_pointer};
use crate::ir::*;

impl<'a> Lowerer<'a> {
    pub(super) fn request_body(
        &mut self,
        body: &ReferenceOr<RequestBody>,
        pointer: &str,
        builder: &str,
        enveloped: bool,
    ) -> Result<Body, Error> {
        let (body, pointer) = self.component(body, pointer)?;
        let content = push_pointer(&pointer, "content");
        let Some((kind, media_key, media_type)) = pick_media(&body.content, true) else {
            return Err(self.err(
                content,
                "a media type for the body",
                Some("an empty `content`".to_owned()),
            ));
        };
        let media_pointer = push_pointer(&content, media_key);
        let schema_pointer = push_pointer(&media_pointer, "schema");
        let hint = format!("{builder}Body");
        let ty = match (kind, &media_type.schema) {
            (Kind::Text, _) => TypeRef::String(Constraints::default()),
            (Kind::Bytes, _) => TypeRef::Binary,
            (_, Some(schema)) => self.schema_or_ref(schema, &schema_pointer, &hint)?,
            (Kind::Json, None) => TypeRef::Json,
            (_, None) => TypeRef::Map(Box::new(TypeRef::Json)),
        };
        let mut envelope = None;
        let mut payload = ty.clone();
        if let (Kind::Json, true, Some(prop)) = (kind, enveloped, self.envelope.request.clone()) {
            let (field, field_ty, _) = self.envelope_field(&ty, &prop, true, &media_pointer)?;
            envelope = Some(Envelope {
                type_name: type_name(&ty),
                field,
            });
            payload = field_ty;
        }
        if matches!(kind, Kind::Form | Kind::Multipart)
            && !matches!(&ty, TypeRef::Map(_) | TypeRef::Json)
            && !matches!(&ty, TypeRef::Named(n) if self.is_struct(n) || self.is_union(n))
        {
            return Err(self.err(
                schema_pointer,
                format!("an object schema for a `{media_key}` body"),
                None,
            ));
        }
        let content_type = custom_content_type(kind, media_key);
        let media = match kind {
            Kind::Json => Media::Json,
            Kind::Form => Media::Form,
            Kind::Multipart => Media::Multipart(self.parts(&payload, &media_type.encoding)),
            Kind::Text => Media::Text,
            Kind::Bytes => Media::Bytes,
        };
        let form_styles = match kind {
            Kind::Form => media_type
                .encoding
                .iter()
                .filter_map(|(name, encoding)| {
                    let style = match encoding.style {
                        None | Some(openapiv3::QueryStyle::Form) => QueryStyle::Form,
                        Some(openapiv3::QueryStyle::SpaceDelimited) => QueryStyle::SpaceDelimited,
                        Some(openapiv3::QueryStyle::PipeDelimited) => QueryStyle::PipeDelimited,
                        Some(openapiv3::QueryStyle::DeepObject) => QueryStyle::DeepObject,
                    };
                    if encoding.content_type.as_deref().is_some_and(is_json) {
                        return Some((name.clone(), FormStyle::Json));
                    }
                    // `parse` wrote out the default `explode`.
                    (style != QueryStyle::Form || !encoding.explode)
                        .then(|| (name.clone(), FormStyle::Styled(style, encoding.explode)))
                })
                .collect(),
            _ => Vec::new(),
        };
        Ok(Body {
            media,
            content_type,
            ty: payload,
            required: body.required,
            envelope,
            docs: body.description.clone(),
            form_styles,
        })
    }

    /// How a multipart body of type `ty` is split into parts: one per
    /// field of a plain struct, else one per property of its JSON object.
    fn parts(
        &self,
        ty: &TypeRef,
        encoding: &indexmap::IndexMap<String, openapiv3::Encoding>,
    ) -> Parts {
        let plain = match ty {
            TypeRef::Named(name) => self.type_def(name).and_then(|t| match &t.kind {
                TypeKind::Struct {
                    fields,
                    extra: None,
                } if fields.iter().all(|f| !f.flatten) => Some(fields),
                _ => None,
            }),
            _ => None,
        };
        let Some(fields) = plain else {
            return Parts::Properties;
        };
        let part_media_type = |f: &Field| {
            encoding
                .get(&f.wire_name)
                .and_then(|e| e.content_type.as_deref())
                .and_then(part_media_type)
        };
        Parts::Fields(
            fields
                .iter()
                .map(|f| PartField {
                    wire_name: f.wire_name.clone(),
                    rust_name: f.rust_name.clone(),
                    presence: match (f.required, f.nullable) {
                        (true, false) => Presence::Required,
                        (false, true) => Presence::Patch,
                        _ => Presence::Optional,
                    },
                    content: match &f.ty {
                        TypeRef::Binary => PartContent::File,
                        TypeRef::Array(inner, _) if **inner == TypeRef::Binary => {
                            PartContent::Files
                        }
                        _ if part_media_type(f).is_some_and(|m| is_json(&m)) => PartContent::Json,
                        _ => PartContent::Value,
                    },
                    content_type: part_media_type(f),
                })
                .collect(),
        )
    }

    /// Checks that `ty` is a struct with a required property `prop` (and,
    /// for requests, no other required property) and returns that field.
    pub(super) fn envelope_field(
        &self,
        ty: &TypeRef,
        prop: &str,
        request: bool,
        pointer: &str,
    ) -> Result<(String, TypeRef, Option<String>), Error> {
        let expected = format!(
            "an object schema with a required property `{prop}` (the spec's {EXT_ENVELOPE}){}",
            if request {
                " and no other required property"
            } else {
                ""
            }
        );
        let TypeRef::Named(name) = ty else {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some("a schema that is not an object".to_owned()),
            ));
        };
        let Some(fields) = self.struct_fields(name) else {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some("an enum".to_owned()),
            ));
        };
        let Some(field) = fields.iter().find(|f| f.wire_name == prop && f.required) else {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some(format!("`{name}` without it")),
            ));
        };
        if request && let Some(other) = fields.iter().find(|f| f.required && f.wire_name != prop) {
            return Err(self.err(
                push_pointer(pointer, "schema"),
                expected,
                Some(format!("`{}` required too", other.wire_name)),
            ));
        }
        // Read alone (the envelope's other properties skipped) when its
        // type decodes as it is, without a field attribute or a wrapper.
        let plain = !(field.nullable || field.lenient || field.boxed || field.flatten);
        let alone = plain.then(|| field.wire_name.clone());
        Ok((field.rust_name.clone(), field.ty.clone(), alone))
    }
}

/// The media type a part is sent as, from its `encoding`'s `contentType`
/// (a comma-separated list): the first one, when it names one type (no
/// wildcard) in header-safe text.
fn part_media_type(content_type: &str) -> Option<String> {
    let first = content_type.split(',').next()?.trim();
    let (major, minor) = first.split(';').next()?.trim().split_once('/')?;
    let token = |t: &str| {
        !t.is_empty()
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    let safe = first.bytes().all(|b| (0x20..0x7f).contains(&b));
    (token(major) && token(minor) && safe).then(|| first.to_owned())
}

pub(super) fn is_json(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or("").trim();
    essence == "application/json" || essence.ends_with("+json")
}

pub(super) fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Named(name) => name.clone(),
        _ => String::new(),
    }
}

/// How a body or response is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Json,
    Form,
    Multipart,
    Text,
    Bytes,
}

/// The media type a body or response is read as: JSON first (plain
/// `application/json` before `+json` types), then forms (requests only),
/// text, and anything else as bytes.
pub(super) fn pick_media(
    content: &indexmap::IndexMap<String, MediaType>,
    request: bool,
) -> Option<(Kind, &String, &MediaType)> {
    let essence = |k: &str| {
        k.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    };
    let find = |f: &dyn Fn(&str) -> bool| content.iter().find(|(k, _)| f(&essence(k)));
    if let Some((k, m)) = find(&|e| e == "application/json").or_else(|| find(&|e| is_json(e))) {
        return Some((Kind::Json, k, m));
    }
    if request {
        if let Some((k, m)) = find(&|e| e == "application/x-www-form-urlencoded") {
            return Some((Kind::Form, k, m));
        }
        if let Some((k, m)) = find(&|e| e == "multipart/form-data") {
            return Some((Kind::Multipart, k, m));
        }
    }
    if let Some((k, m)) = find(&|e| e.starts_with("text/")) {
        return Some((Kind::Text, k, m));
    }
    content.iter().next().map(|(k, m)| (Kind::Bytes, k, m))
}

/// The media type to send when it is not the encoding's own default.
fn custom_content_type(media: Kind, key: &str) -> Option<String> {
    let essence = key
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let default = match media {
        Kind::Json => "application/json",
        Kind::Form => "application/x-www-form-urlencoded",
        // The runtime writes the boundary itself.
        Kind::Multipart => return None,
        Kind::Text => "text/plain",
        Kind::Bytes => "application/octet-stream",
    };
    let valid = !key.contains('*')
        && key.bytes().all(|b| (0x20..0x7f).contains(&b))
        && !key.trim().is_empty();
    (essence != default && valid).then(|| key.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::part_media_type;

    /// A part's media type comes from the spec into a part header: one
    /// type, header-safe, or nothing (the shape's default is sent).
    #[test]
    fn part_media_types_are_one_header_safe_type() {
        assert_eq!(
            part_media_type("image/png, image/jpeg").as_deref(),
            Some("image/png")
        );
        assert_eq!(
            part_media_type("application/json; charset=utf-8").as_deref(),
            Some("application/json; charset=utf-8")
        );
        for refused in [
            "image/*",
            "*/*",
            "png",
            "text/plain\r\nX-Injected: 1",
            "text/pl ain",
            "",
            "text/plaïn",
        ] {
            assert_eq!(part_media_type(refused), None, "{refused:?}");
        }
    }
}
