//! `into_request`: a builder's checks, then its request: the path, each
//! parameter as its [`Encoding`] says, and the body in its media type.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::super::rust::is_copy;
use super::super::{needs_checks, validate_stmts};
use crate::ir::{
    Api, Body, Encoding, FormStyle, Media, Operation, Param, PartContent, Parts, Presence,
    QueryStyle, Segment, Shape, Success,
};

/// `into_request`: everything the spec constrains is checked, then the
/// request is built; nothing is sent.
pub(super) fn into_request(api: &Api, op: &Operation) -> TokenStream {
    let op_id = &op.id;
    let template = &op.path_template;
    let method = format_ident!("{}", op.http_method.as_upper());
    let batch_check = batch_check(op);
    let checks = op
        .params
        .iter()
        .filter(|p| needs_checks(api, &p.ty))
        .map(|p| param_check(api, p));
    let path = op.path.iter().map(|segment| match segment {
        Segment::Literal(text) => quote!(.literal(#text)),
        Segment::Param(index) => path_call(&op.params[*index]),
    });
    let no_auth = (!op.authenticated).then(|| quote!(.without_auth()));
    let security = op
        .security
        .as_ref()
        .filter(|_| op.authenticated)
        .map(|alts| {
            let alts = alts.iter().map(|alt| quote!(&[#(#alt),*]));
            quote!(.security(&[#(#alts),*]))
        });
    let replay_safe = op.idempotent.map(|i| quote!(.idempotent(#i)));
    let rate_group = op
        .throttling_group
        .as_ref()
        .map(|g| quote!(.rate_group(#g)));
    let accept = op.accept.as_ref().map(|a| quote!(.header("accept", #a)));
    let params = op.params.iter().filter_map(param_stmt);
    let basic = op.basic_auth.then(|| {
        quote! {
            let request = match &self.basic {
                Some((user, password)) => request.basic_auth(user, password).without_auth(),
                None => request,
            };
        }
    });
    let body = op.body.as_ref().map(|body| body_stmt(api, body));
    quote! {
        fn into_request(self) -> Result<(crate::Client, dialtone_runtime::Request), crate::Error> {
            #batch_check
            #(#checks)*
            let request = dialtone_runtime::Request::new(dialtone_runtime::reqwest::Method::#method, #op_id, #template)
                #(#path)*
                #no_auth
                #security
                #replay_safe
                #rate_group
                #accept;
            #(#params)*
            #basic
            #body
            let request = self.options.apply(request);
            Ok((self.client, request))
        }
    }
}

/// A batch call's list of ids is refused past its maximum, pointing at
/// `send_chunked()`, which splits it (`None` for any other operation).
fn batch_check(op: &Operation) -> Option<TokenStream> {
    let Success::Batch { ids, max, .. } = &op.success else {
        return None;
    };
    let param = &op.params[*ids];
    let ident = format_ident!("{}", param.rust_name);
    let max = Literal::usize_unsuffixed(usize::try_from(*max).unwrap_or(usize::MAX));
    let root = format!("{}.{}", param.location().name(), param.wire_name);
    Some(quote! {
        if self.#ident.len() > #max {
            return Err(dialtone_runtime::InvalidRequest::new(
                #root,
                format!(
                    "holds {} ids, but one call takes at most {}: `send_chunked()` sends them in calls of {} and returns every result in order",
                    self.#ident.len(), #max, #max
                ),
            ).into());
        }
    })
}

/// The checks of one parameter's value.
fn param_check(api: &Api, p: &Param) -> TokenStream {
    let ident = format_ident!("{}", p.rust_name);
    let root = format!("{}.{}", p.location().name(), p.wire_name);
    let stmts = validate_stmts(api, &p.ty);
    if p.required {
        quote! {
            {
                let path = dialtone_runtime::FieldPath::root(#root);
                let value = &self.#ident;
                #stmts
            }
        }
    } else {
        quote! {
            if let Some(value) = &self.#ident {
                let path = dialtone_runtime::FieldPath::root(#root);
                #stmts
            }
        }
    }
}

/// The call that appends a path parameter's segment (`style: simple`).
fn path_call(p: &Param) -> TokenStream {
    let ident = format_ident!("{}", p.rust_name);
    let wire = &p.wire_name;
    match p.encoding.shape() {
        Shape::Text => quote!(.param(#wire, &self.#ident)),
        Shape::Secret => quote!(.param(#wire, self.#ident.expose())),
        Shape::Scalar => quote!(.param(#wire, &self.#ident.to_string())),
        // Each value encoded, joined by commas.
        Shape::List { of_text: true } => quote!(.param_list(#wire, &self.#ident, ",")),
        Shape::Enum | Shape::List { of_text: false } | Shape::Structured => {
            quote!(.param_value(#wire, &self.#ident))
        }
    }
}

/// The statement that adds a query, header or cookie parameter (path
/// parameters are segments of the path: `None`).
fn param_stmt(p: &Param) -> Option<TokenStream> {
    let ident = format_ident!("{}", p.rust_name);
    if p.required {
        let value = if is_copy(&p.ty) {
            quote!(self.#ident)
        } else {
            quote!(&self.#ident)
        };
        let call = param_call(p, value)?;
        Some(quote!(let request = #call;))
    } else {
        let call = param_call(p, quote!(value))?;
        Some(quote! {
            let request = match &self.#ident {
                Some(value) => #call,
                None => request,
            };
        })
    }
}

/// The call that adds parameter `p` of value `value` to `request`.
fn param_call(p: &Param, value: TokenStream) -> Option<TokenStream> {
    let wire = &p.wire_name;
    let header = Literal::string(&wire.to_ascii_lowercase());
    Some(match p.encoding {
        Encoding::Path(_) => return None,
        Encoding::QueryJson => quote!(request.query_json(#wire, &#value)),
        Encoding::Cookie(Shape::Secret) => quote!(request.cookie(#wire, #value.expose())),
        Encoding::Cookie(Shape::Text | Shape::Scalar | Shape::Enum) => {
            quote!(request.cookie(#wire, #value))
        }
        Encoding::Cookie(Shape::List { .. } | Shape::Structured) => {
            quote!(request.cookie(#wire, dialtone_runtime::encode::simple(&dialtone_runtime::serde_json::to_value(&#value).unwrap_or_default(), false)))
        }
        Encoding::Header(Shape::Secret) => quote!(request.header(#header, #value.expose())),
        Encoding::Header(Shape::Text | Shape::Scalar | Shape::Enum) => {
            quote!(request.header(#header, #value))
        }
        Encoding::Header(Shape::List { .. }) => {
            quote!(request.header(#header, #value.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")))
        }
        Encoding::Header(Shape::Structured) => quote!(request.header_value(#header, &#value)),
        Encoding::Query {
            shape: Shape::Secret,
            ..
        } => quote!(request.query(#wire, #value.expose())),
        Encoding::Query {
            shape: Shape::Text | Shape::Scalar | Shape::Enum,
            ..
        } => quote!(request.query(#wire, #value)),
        Encoding::Query {
            style: QueryStyle::Form,
            explode: false,
            shape: Shape::List { .. },
        } => quote!(request.query_csv(#wire, #value)),
        Encoding::Query {
            style: QueryStyle::Form,
            explode: true,
            shape: Shape::List { .. },
        } => quote!(request.query_each(#wire, #value)),
        Encoding::Query {
            style,
            explode,
            shape: Shape::List { .. } | Shape::Structured,
        } => {
            let style = runtime_style(style, explode);
            quote!(request.query_value(#wire, &#value, dialtone_runtime::QueryStyle::#style))
        }
    })
}

/// The statements that check the body and encode it in its media type (a
/// required body that is missing is refused).
fn body_stmt(api: &Api, body: &Body) -> TokenStream {
    let check = needs_checks(api, &body.ty).then(|| {
        let stmts = validate_stmts(api, &body.ty);
        quote! {
            {
                let path = dialtone_runtime::FieldPath::root("body");
                let value = &body;
                #stmts
            }
        }
    });
    let wrapped = match &body.envelope {
        Some(env) => {
            let env_ty = format_ident!("{}", env.type_name);
            quote!(types::#env_ty::new(body))
        }
        None => quote!(body),
    };
    let content_type = body
        .content_type
        .as_ref()
        .map(|ct| quote!(.content_type(#ct)));
    let encoded = match &body.media {
        Media::Json => quote!(request.json(&#wrapped) #content_type),
        Media::Form if body.form_styles.is_empty() => {
            quote!(request.form(&#wrapped) #content_type)
        }
        Media::Form => {
            let styles = body.form_styles.iter().map(|(name, style)| {
                let style = match style {
                    FormStyle::Styled(style, explode) => runtime_style(*style, *explode),
                    FormStyle::Json => quote!(Json),
                };
                quote!((#name, dialtone_runtime::QueryStyle::#style))
            });
            quote!(request.form_styled(&#wrapped, &[#(#styles),*]) #content_type)
        }
        Media::Text => quote!(request #content_type .text(#wrapped)),
        Media::Bytes => quote!(request #content_type .bytes(#wrapped.0)),
        Media::Multipart(parts) => {
            let parts = multipart_parts(parts);
            quote! {{
                let body = #wrapped;
                let mut parts: Vec<dialtone_runtime::Part> = Vec::new();
                #parts
                request.multipart(&parts)
            }}
        }
    };
    if body.required {
        quote! {
            let body = self.body;
            #check
            let request = #encoded;
        }
    } else {
        quote! {
            let request = match self.body {
                Some(body) => {
                    #check
                    #encoded
                }
                None => request,
            };
        }
    }
}

/// Statements pushing the multipart parts of `body` onto `parts`: one per
/// field, files as bytes, other values as text or JSON.
fn multipart_parts(parts: &Parts) -> TokenStream {
    let Parts::Fields(fields) = parts else {
        // Not a plain struct: its JSON object's properties become parts.
        return quote! {
            if let Ok(dialtone_runtime::serde_json::Value::Object(map)) = dialtone_runtime::serde_json::to_value(&body) {
                for (name, value) in &map {
                    parts.extend(dialtone_runtime::Part::value(name, value).unwrap_or_default());
                }
            }
        };
    };
    let pushes = fields.iter().map(|f| {
        let ident = format_ident!("{}", f.rust_name);
        let wire = &f.wire_name;
        // The media type the part's `encoding` gives it.
        let typed = f
            .content_type
            .as_ref()
            .map(|ct| quote!(.with_content_type(#ct)));
        let push = |value: TokenStream| match f.content {
            PartContent::File => {
                quote!(parts.push(dialtone_runtime::Part::file(#wire, #value.0.clone()) #typed);)
            }
            PartContent::Files => quote! {
                for file in #value.iter() {
                    parts.push(dialtone_runtime::Part::file(#wire, file.0.clone()) #typed);
                }
            },
            PartContent::Json => {
                quote!(parts.extend(dialtone_runtime::Part::json(#wire, &#value).unwrap_or_default());)
            }
            PartContent::Value => match &typed {
                None => {
                    quote!(parts.extend(dialtone_runtime::Part::value(#wire, &#value).unwrap_or_default());)
                }
                Some(typed) => quote! {
                    parts.extend(
                        dialtone_runtime::Part::value(#wire, &#value)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|part| part #typed),
                    );
                },
            },
        };
        match f.presence {
            Presence::Required => push(quote!(body.#ident)),
            Presence::Patch => {
                let inner = push(quote!(value));
                quote!(if let dialtone_runtime::Patch::Value(value) = &body.#ident { #inner })
            }
            Presence::Optional => {
                let inner = push(quote!(value));
                quote!(if let Some(value) = &body.#ident { #inner })
            }
        }
    });
    quote!(#(#pushes)*)
}

/// The runtime's name of a `style` with `explode`.
fn runtime_style(style: QueryStyle, explode: bool) -> TokenStream {
    match (style, explode) {
        (QueryStyle::Form, false) => quote!(FormFlat),
        (QueryStyle::Form, true) => quote!(Form),
        (QueryStyle::SpaceDelimited, _) => quote!(SpaceDelimited),
        (QueryStyle::PipeDelimited, _) => quote!(PipeDelimited),
        (QueryStyle::DeepObject, _) => quote!(DeepObject),
    }
}
