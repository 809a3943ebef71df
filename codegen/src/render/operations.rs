//! `src/operations.rs`: one request builder per operation.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{arg_type, doc_attrs, error_type, needs_checks, rust_type, takes_into, validate_stmts};
use crate::escape;
use crate::ir::{
    Api, ArrayStyle, FieldStep, Media, Operation, Pagination, ParamLocation, Segment, Success,
    TypeRef,
};

pub(super) fn render(api: &Api) -> TokenStream {
    let builders = api.operations.iter().map(|op| render_op(api, op));
    let uses_types = !api.types.is_empty() && !api.operations.is_empty();
    let use_types = uses_types.then(|| {
        quote!(
            use crate::types;
        )
    });
    quote! {
        //! One request builder per operation. Create them with the methods of
        //! [`crate::Client`], set optional parameters, then `.send()`.
        #use_types
        #(#builders)*
    }
}

/// The docs of an operation: summary, description, method and path.
pub(super) fn op_docs(op: &Operation) -> TokenStream {
    let mut text = String::new();
    if let Some(summary) = &op.docs.summary {
        text.push_str(&escape::markdown(summary));
        text.push_str("\n\n");
    }
    if let Some(description) = &op.docs.description {
        text.push_str(&escape::markdown(description));
        text.push_str("\n\n");
    }
    text.push_str(&format!(
        "{} (operationId {}).",
        escape::code(&format!(
            "{} {}",
            op.http_method.as_upper(),
            op.path_template
        )),
        escape::code(&op.id)
    ));
    if !op.response_headers.is_empty() {
        let names: Vec<String> = op
            .response_headers
            .iter()
            .map(|h| escape::code(h))
            .collect();
        text.push_str(&format!(
            "\n\nResponse headers: {} (read them with `send_raw`).",
            names.join(", ")
        ));
    }
    doc_attrs(&text)
}

fn render_op(api: &Api, op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.builder_name);
    let docs = op_docs(op);
    let op_id = &op.id;
    let template = &op.path_template;
    let method = format_ident!("{}", op.http_method.as_upper());

    // Fields and constructor.
    let mut fields = Vec::new();
    let mut ctor_params = Vec::new();
    let mut ctor_inits = Vec::new();
    let mut setters = Vec::new();
    for p in &op.params {
        let ident = format_ident!("{}", p.rust_name);
        let ty = rust_type(&p.ty, false);
        if p.required {
            fields.push(quote!(#ident: #ty,));
            ctor_params.push(quote!(#ident: #ty));
            ctor_inits.push(quote!(#ident));
        } else {
            fields.push(quote!(#ident: Option<#ty>,));
            ctor_inits.push(quote!(#ident: None));
            let arg = arg_type(&p.ty, false);
            let value = if takes_into(&p.ty) {
                quote!(value.into())
            } else {
                quote!(value)
            };
            let docs = match &p.docs {
                Some(d) => doc_attrs(&format!(
                    "{}\n\nThe {} {} parameter.",
                    escape::markdown(d),
                    escape::code(&p.wire_name),
                    location_name(p.location)
                )),
                None => doc_attrs(&format!(
                    "Sets the {} {} parameter.",
                    escape::code(&p.wire_name),
                    location_name(p.location)
                )),
            };
            let deprecated = p
                .deprecated
                .then(|| quote!(#[deprecated(note = "the spec deprecates this parameter")]));
            setters.push(quote! {
                #docs
                #deprecated
                pub fn #ident(mut self, value: #arg) -> Self {
                    self.#ident = Some(#value);
                    self
                }
            });
        }
    }
    if let Some(body) = &op.body {
        let ty = rust_type(&body.ty, false);
        fields.push(quote!(body: Option<#ty>,));
        ctor_inits.push(quote!(body: None));
        let text = match &body.docs {
            Some(d) => format!(
                "The request body{}.\n\n{}",
                if body.required { " (required)" } else { "" },
                escape::markdown(d)
            ),
            None => format!(
                "The request body{}.",
                if body.required { " (required)" } else { "" }
            ),
        };
        let docs = doc_attrs(&text);
        let arg = arg_type(&body.ty, false);
        let value = if takes_into(&body.ty) {
            quote!(value.into())
        } else {
            quote!(value)
        };
        setters.push(quote! {
            #docs
            pub fn body(mut self, value: #arg) -> Self {
                self.body = Some(#value);
                self
            }
        });
    }

    // Validation of parameters and body.
    let mut checks = Vec::new();
    for p in op.params.iter().filter(|p| needs_checks(api, &p.ty)) {
        let ident = format_ident!("{}", p.rust_name);
        let root = format!("{}.{}", location_name(p.location), p.wire_name);
        let stmts = validate_stmts(api, &p.ty);
        if p.required {
            checks.push(quote! {
                {
                    let path = dialtone_runtime::FieldPath::root(#root);
                    let value = &self.#ident;
                    #stmts
                }
            });
        } else {
            checks.push(quote! {
                if let Some(value) = &self.#ident {
                    let path = dialtone_runtime::FieldPath::root(#root);
                    #stmts
                }
            });
        }
    }
    let body_stmt = op.body.as_ref().map(|body| {
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
        let encode = |value: TokenStream| -> TokenStream {
            match body.media {
                Media::Json => quote!(request.json(&#value) #content_type),
                Media::Form => quote!(request.form(&#value) #content_type),
                Media::Text => quote!(request #content_type .text(#value)),
                Media::Bytes => quote!(request #content_type .bytes(#value.0)),
                Media::Multipart => {
                    let parts = multipart_parts(api, &body.ty);
                    quote! {{
                        let body = #value;
                        let mut parts: Vec<dialtone_runtime::Part> = Vec::new();
                        #parts
                        request.multipart(&parts)
                    }}
                }
            }
        };
        let send_required = encode(wrapped.clone());
        let send_optional = encode(wrapped);
        if body.required {
            quote! {
                let Some(body) = self.body else {
                    return Err(dialtone_runtime::InvalidRequest::new("body", "is required").into());
                };
                #check
                let request = #send_required;
            }
        } else {
            quote! {
                let request = match self.body {
                    Some(body) => {
                        #check
                        #send_optional
                    }
                    None => request,
                };
            }
        }
    });

    // The request itself.
    let mut path_calls = Vec::new();
    for segment in &op.path {
        match segment {
            Segment::Literal(text) => path_calls.push(quote!(.literal(#text))),
            Segment::Param(index) => {
                let p = &op.params[*index];
                let ident = format_ident!("{}", p.rust_name);
                let wire = &p.wire_name;
                let call = match &p.ty {
                    TypeRef::String(_) => quote!(.param(#wire, &self.#ident)),
                    TypeRef::Secret(_) => quote!(.param(#wire, self.#ident.expose())),
                    // `style: simple`: each value encoded, joined by commas.
                    TypeRef::Array(inner, _) if matches!(**inner, TypeRef::String(_)) => {
                        quote!(.param_list(#wire, &self.#ident, ","))
                    }
                    TypeRef::Integer { .. } | TypeRef::Number(_) | TypeRef::Bool => {
                        quote!(.param(#wire, &self.#ident.to_string()))
                    }
                    _ => quote!(.param_value(#wire, &self.#ident)),
                };
                path_calls.push(call);
            }
        }
    }
    let mut extra_calls = Vec::new();
    for p in op
        .params
        .iter()
        .filter(|p| p.location != ParamLocation::Path)
    {
        let ident = format_ident!("{}", p.rust_name);
        let wire = &p.wire_name;
        let plain = is_plain(api, &p.ty) || matches!(p.ty, TypeRef::Secret(_));
        let call = |value: TokenStream| -> TokenStream {
            match (p.location, &p.ty) {
                (_, _) if p.style == ArrayStyle::Json => {
                    quote!(request.query_json(#wire, &#value))
                }
                (ParamLocation::Cookie, TypeRef::Secret(_)) => {
                    quote!(request.cookie(#wire, #value.expose()))
                }
                (ParamLocation::Cookie, _) if plain => quote!(request.cookie(#wire, #value)),
                (ParamLocation::Cookie, _) => {
                    quote!(request.cookie(#wire, dialtone_runtime::encode::simple(&dialtone_runtime::serde_json::to_value(&#value).unwrap_or_default(), false)))
                }
                (ParamLocation::Query, TypeRef::Array(inner, _)) if is_plain(api, inner) => {
                    match p.style {
                        ArrayStyle::Csv => quote!(request.query_csv(#wire, #value)),
                        ArrayStyle::Each => quote!(request.query_each(#wire, #value)),
                        ArrayStyle::Space => {
                            quote!(request.query_value(#wire, &#value, dialtone_runtime::QueryStyle::SpaceDelimited))
                        }
                        ArrayStyle::Pipe => {
                            quote!(request.query_value(#wire, &#value, dialtone_runtime::QueryStyle::PipeDelimited))
                        }
                        ArrayStyle::Deep | ArrayStyle::Json => {
                            quote!(request.query_value(#wire, &#value, dialtone_runtime::QueryStyle::DeepObject))
                        }
                    }
                }
                (ParamLocation::Query, _) if !plain => {
                    let style = match p.style {
                        ArrayStyle::Csv => quote!(FormFlat),
                        ArrayStyle::Each => quote!(Form),
                        ArrayStyle::Space => quote!(SpaceDelimited),
                        ArrayStyle::Pipe => quote!(PipeDelimited),
                        ArrayStyle::Deep | ArrayStyle::Json => quote!(DeepObject),
                    };
                    quote!(request.query_value(#wire, &#value, dialtone_runtime::QueryStyle::#style))
                }
                (ParamLocation::Header, _)
                    if !plain
                        && !matches!(&p.ty, TypeRef::Array(inner, _) if is_plain(api, inner)) =>
                {
                    let header = Literal::string(&wire.to_ascii_lowercase());
                    quote!(request.header_value(#header, &#value))
                }
                (ParamLocation::Header, TypeRef::Array(..)) => {
                    let header = Literal::string(&wire.to_ascii_lowercase());
                    quote!(request.header(#header, #value.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(",")))
                }
                (ParamLocation::Header, TypeRef::Secret(_)) => {
                    let header = Literal::string(&wire.to_ascii_lowercase());
                    quote!(request.header(#header, #value.expose()))
                }
                (ParamLocation::Header, _) => {
                    let header = Literal::string(&wire.to_ascii_lowercase());
                    quote!(request.header(#header, #value))
                }
                (_, TypeRef::Secret(_)) => quote!(request.query(#wire, #value.expose())),
                _ => quote!(request.query(#wire, #value)),
            }
        };
        if p.required {
            let copy = matches!(
                p.ty,
                TypeRef::Integer { .. } | TypeRef::Number(_) | TypeRef::Bool
            );
            let c = call(if copy {
                quote!(self.#ident)
            } else {
                quote!(&self.#ident)
            });
            extra_calls.push(quote!(let request = #c;));
        } else {
            let c = call(quote!(value));
            extra_calls.push(quote! {
                let request = match &self.#ident {
                    Some(value) => #c,
                    None => request,
                };
            });
        }
    }
    let no_auth = (!op.authenticated).then(|| quote!(.without_auth()));
    if op.basic_auth {
        fields.push(quote!(basic: Option<(String, dialtone_runtime::Secret)>,));
        ctor_inits.push(quote!(basic: None));
        setters.push(quote! {
            /// HTTP Basic credentials for this call (e.g. the app's client id
            /// and secret on a token endpoint).
            pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<dialtone_runtime::Secret>) -> Self {
                self.basic = Some((user.into(), password.into()));
                self
            }
        });
    }
    let basic = op.basic_auth.then(|| {
        quote! {
            let request = match &self.basic {
                Some((user, password)) => request.basic_auth(user, password),
                None => request,
            };
        }
    });
    let replay_safe = op.idempotent.map(|i| quote!(.idempotent(#i)));
    let rate_group = op
        .throttling_group
        .as_ref()
        .map(|g| quote!(.rate_group(#g)));
    let error = error_type(api);
    let accept = op.accept.as_ref().map(|a| quote!(.header("accept", #a)));
    // The batch form: typed parts, a too-large list refused with a pointer
    // to `send_chunked()`, which splits it.
    let mut batch_check = None;
    let mut batch_send = None;
    let chunked = op.chunk.as_ref().map(|chunk| {
        let param = &op.params[chunk.param];
        let ident = format_ident!("{}", param.rust_name);
        let max = proc_macro2::Literal::usize_unsuffixed(usize::try_from(chunk.max).unwrap_or(usize::MAX));
        let root = format!("{}.{}", location_name(param.location), param.wire_name);
        batch_check = Some(quote! {
            if self.#ident.len() > #max {
                return Err(dialtone_runtime::InvalidRequest::new(
                    #root,
                    format!(
                        "holds {} ids, but one call takes at most {}: `send_chunked()` sends them in calls of {} and returns every result in order",
                        self.#ident.len(), #max, #max
                    ),
                ).into());
            }
        });
        let ty = match &chunk.item {
            Some(item) => {
                let item = rust_type(item, false);
                let [id, status, body] = &chunk.parts;
                batch_send = Some(quote! {
                    pub async fn send(self) -> Result<Vec<Result<#item, dialtone_runtime::ApiError<#error>>>, crate::Error> {
                        let ids = self.#ident.clone();
                        let (client, request) = self.into_request()?;
                        let response = client.runtime().execute::<#error>(request).await?;
                        dialtone_runtime::batch::decode::<#item, #error>(
                            response,
                            &ids,
                            dialtone_runtime::batch::Parts { id: #id, status: #status, body: #body },
                        )
                    }
                });
                quote!(Vec<Result<#item, dialtone_runtime::ApiError<#error>>>)
            }
            None => success_type(&op.success),
        };
        let doc = format!(
            " Sends the ids in calls of at most {max} (one after the other) and returns every result in the order of the ids."
        );
        quote! {
            #[doc = #doc]
            pub async fn send_chunked(self) -> Result<#ty, crate::Error> {
                let mut results = Vec::with_capacity(self.#ident.len());
                for chunk in self.#ident.chunks(#max) {
                    let mut part = self.clone();
                    part.#ident = chunk.to_vec();
                    results.extend(part.send().await?);
                }
                Ok(results)
            }
        }
    });

    let mut response_enum = TokenStream::new();
    let (send, returns_doc) = match &op.success {
        Success::Empty => (
            quote! {
                pub async fn send(self) -> Result<(), crate::Error> {
                    let (client, request) = self.into_request()?;
                    client.runtime().send_empty::<#error>(request).await
                }
            },
            "Sends the request. Success has no body.",
        ),
        Success::Text => (
            quote! {
                pub async fn send(self) -> Result<String, crate::Error> {
                    let (client, request) = self.into_request()?;
                    client.runtime().send_text::<#error>(request).await
                }
            },
            "Sends the request and returns the response text.",
        ),
        Success::Bytes => (
            quote! {
                pub async fn send(self) -> Result<dialtone_runtime::bytes::Bytes, crate::Error> {
                    let (client, request) = self.into_request()?;
                    client.runtime().send_bytes::<#error>(request).await
                }
            },
            "Sends the request and returns the response body as bytes.",
        ),
        Success::Multi { name, variants } => {
            let enum_name = format_ident!("{}", name);
            let defs = variants.iter().map(|v| {
                let ident = format_ident!("{}", v.rust_name);
                let doc = match v.status {
                    Some(code) => format!(" HTTP {code}."),
                    None => " Another 2xx status the spec covers with a range.".to_owned(),
                };
                match &v.body {
                    Success::Empty => quote!(#[doc = #doc] #ident,),
                    body => {
                        let ty = success_type(body);
                        quote!(#[doc = #doc] #ident(#ty),)
                    }
                }
            });
            let range = variants.iter().find(|v| v.status.is_none());
            let arms = variants.iter().filter(|v| v.status.is_some()).map(|v| {
                let code = Literal::u16_unsuffixed(v.status.unwrap_or_default());
                let build = decode_variant(&enum_name, v, &error);
                quote!(#code => #build,)
            });
            let fallback = match range {
                Some(v) => decode_variant(&enum_name, v, &error),
                None => {
                    quote!(#enum_name::Other { status: response.status(), body: response.into_bytes() })
                }
            };
            let doc = format!(
                " What `{}` answers: one variant per documented success status.",
                op.method_name
            );
            response_enum = quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, PartialEq)]
                pub enum #enum_name {
                    #(#defs)*
                    /// A 2xx status the spec does not document, with its body.
                    Other {
                        /// The status.
                        status: u16,
                        /// The body, undecoded.
                        body: dialtone_runtime::bytes::Bytes,
                    },
                }
            };
            (
                quote! {
                    pub async fn send(self) -> Result<#enum_name, crate::Error> {
                        let (client, request) = self.into_request()?;
                        let response = client.runtime().execute::<#error>(request).await?;
                        Ok(match response.status() {
                            #(#arms)*
                            _ => #fallback,
                        })
                    }
                },
                "Sends the request and decodes the response by its status.",
            )
        }
        Success::Json { envelope: None, .. } if batch_send.is_some() => (
            batch_send.take().unwrap_or_default(),
            "Sends the request and decodes one result per id, in the order of the ids: the operation's own response for each id the vendor answered with success, else the vendor's error for that id.",
        ),
        Success::Json { ty, envelope: None } => {
            let ty = rust_type(ty, false);
            (
                quote! {
                    pub async fn send(self) -> Result<#ty, crate::Error> {
                        let (client, request) = self.into_request()?;
                        client.runtime().send_json::<#ty, #error>(request).await
                    }
                },
                "Sends the request and decodes the response body.",
            )
        }
        Success::Json {
            ty,
            envelope: Some(payload),
        } => {
            let env_ty = rust_type(ty, false);
            let payload_ty = rust_type(&payload.ty, false);
            let field = format_ident!("{}", payload.field);
            (
                quote! {
                    pub async fn send(self) -> Result<#payload_ty, crate::Error> {
                        Ok(self.send_enveloped().await?.#field)
                    }

                    /// Sends the request and returns the whole response
                    /// envelope (request id, paging keys, ...).
                    pub async fn send_enveloped(self) -> Result<#env_ty, crate::Error> {
                        let (client, request) = self.into_request()?;
                        client.runtime().send_json::<#env_ty, #error>(request).await
                    }
                },
                "Sends the request and returns the payload of the response envelope.",
            )
        }
    };
    let returns_doc = doc_attrs(&format!(
        "{returns_doc}\n\nEverything the spec constrains is checked first: a violation is\nan `Error::InvalidRequest` and nothing is sent."
    ));
    let paging = op.pagination.as_ref().map(|p| render_paging(api, op, p));
    let must_use = format!("`{}` does nothing until you `.send()` it", op.builder_name);

    let error_enum = op
        .errors
        .as_ref()
        .map(|(name, variants)| render_error_enum(op, name, variants));
    quote! {
        #response_enum

        #error_enum

        #docs
        #[derive(Debug, Clone)]
        #[must_use = #must_use]
        pub struct #name {
            client: crate::Client,
            #(#fields)*
            timeout: Option<std::time::Duration>,
        }

        impl #name {
            pub(crate) fn new(client: crate::Client, #(#ctor_params),*) -> Self {
                Self { client, #(#ctor_inits,)* timeout: None }
            }

            #(#setters)*

            /// A timeout for this call alone, instead of the client's.
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.timeout = Some(timeout);
                self
            }

            #returns_doc
            #send

            /// Sends the request and returns the response undecoded: status,
            /// headers and body (for response headers, or a body to decode
            /// yourself). Errors are decoded as for `send`.
            pub async fn send_raw(self) -> Result<dialtone_runtime::Response, crate::Error> {
                let (client, request) = self.into_request()?;
                client.runtime().execute::<#error>(request).await
            }

            #paging

            #chunked

            fn into_request(self) -> Result<(crate::Client, dialtone_runtime::Request), crate::Error> {
                #batch_check
                #(#checks)*
                let request = dialtone_runtime::Request::new(dialtone_runtime::reqwest::Method::#method, #op_id, #template)
                    #(#path_calls)*
                    #no_auth
                    #replay_safe
                    #rate_group
                    #accept
                    .timeout(self.timeout);
                #(#extra_calls)*
                #basic
                #body_stmt
                Ok((self.client, request))
            }
        }
    }
}

/// `Option<&T>` of the field at `steps` inside `root` (an expression of
/// the page type): plain field access up to the first optional field, then
/// an `Option` chain.
fn access(root: TokenStream, steps: &[FieldStep]) -> TokenStream {
    let mut expr = root;
    let mut optional = false;
    for step in steps {
        let field = format_ident!("{}", step.rust_name);
        expr = match (optional, step.required) {
            (false, true) => quote!(#expr.#field),
            (false, false) => {
                optional = true;
                quote!(#expr.#field.as_ref())
            }
            (true, true) => quote!(#expr.map(|v| &v.#field)),
            (true, false) => quote!(#expr.and_then(|v| v.#field.as_ref())),
        };
    }
    if optional { expr } else { quote!(Some(&#expr)) }
}

/// How many items `page` holds at `steps` (0 when an optional step is
/// absent).
fn item_count(steps: &[FieldStep]) -> TokenStream {
    let items = access(quote!(page), steps);
    if steps.iter().all(|s| s.required) {
        let mut expr = quote!(page);
        for step in steps {
            let field = format_ident!("{}", step.rust_name);
            expr = quote!(#expr.#field);
        }
        quote!(#expr.len())
    } else {
        quote!(#items.map_or(0, |items| items.len()))
    }
}

/// The items at `steps`, moved out of an owned `page`.
fn take_items(steps: &[FieldStep]) -> TokenStream {
    let mut expr = quote!(page);
    let mut optional = false;
    for step in steps {
        let field = format_ident!("{}", step.rust_name);
        expr = match (optional, step.required) {
            (false, true) => quote!(#expr.#field),
            (false, false) => {
                optional = true;
                quote!(#expr.#field)
            }
            (true, true) => quote!(#expr.map(|v| v.#field)),
            (true, false) => quote!(#expr.and_then(|v| v.#field)),
        };
    }
    if optional {
        quote!(#expr.unwrap_or_default())
    } else {
        expr
    }
}

fn render_link_paging(
    api: &Api,
    op: &Operation,
    items: &[FieldStep],
    item: &TypeRef,
) -> TokenStream {
    let op_id = &op.id;
    let Success::Json { ty, .. } = &op.success else {
        return TokenStream::new(); // lowering refuses paging without a JSON body
    };
    let page_ty = rust_type(ty, false);
    let item_ty = rust_type(item, false);
    let error = error_type(api);
    let take = take_items(items);
    quote! {
        /// Every page of the listing, following the `Link: <...>; rel="next"`
        /// header verbatim (only on the API's own origin).
        ///
        /// The stream ends after the last page or the first error; a server
        /// that links a page twice, or never ends, stops it with
        /// `Error::Pagination`.
        pub fn into_pages(self) -> impl dialtone_runtime::futures_core::Stream<Item = Result<#page_ty, crate::Error>> + Send + 'static {
            dialtone_runtime::paginate::pages(#op_id, (self, None::<String>), |(request, link): (Self, Option<String>)| {
                Box::pin(async move {
                    let (client, sent) = request.clone().into_request()?;
                    let sent = match &link {
                        Some(url) => sent.follow(url),
                        None => sent,
                    };
                    let (page, next) = client.runtime().send_json_paged::<#page_ty, #error>(sent).await?;
                    let next = dialtone_runtime::paginate::next_link(next).map(|url| (url.clone(), (request, Some(url))));
                    Ok(dialtone_runtime::paginate::Page { page, next })
                })
            })
        }

        /// Every item of every page, in order (see [`Self::into_pages`]).
        pub fn into_stream(self) -> impl dialtone_runtime::futures_core::Stream<Item = Result<#item_ty, crate::Error>> + Send + 'static {
            dialtone_runtime::paginate::items(self.into_pages(), |page| #take)
        }
    }
}

fn render_paging(api: &Api, op: &Operation, pagination: &Pagination) -> TokenStream {
    if let Pagination::Link { items, item } = pagination {
        return render_link_paging(api, op, items, item);
    }
    let op_id = &op.id;
    let (page_ty, item_ty, send) = match &op.success {
        Success::Json { ty, envelope } => {
            let send = if envelope.is_some() {
                quote!(send_enveloped)
            } else {
                quote!(send)
            };
            (rust_type(ty, false), items_type(pagination), send)
        }
        _ => return TokenStream::new(), // lowering refuses paging without a JSON body
    };
    // The stream's state is the request (and, for counted pages, where the
    // listing stands); the stop rule is the runtime's, one per style.
    let (items_path, state, fetch) = match pagination {
        Pagination::Cursor {
            param, next, items, ..
        } => {
            let setter = format_ident!("{}", op.params[*param].rust_name);
            let cursor = access(quote!(page), next);
            (
                items,
                quote!(self),
                quote! {
                    |request: Self| {
                        Box::pin(async move {
                            let page = request.clone().#send().await?;
                            let next = dialtone_runtime::paginate::next_cursor(#cursor)
                                .map(|cursor| (cursor.clone(), request.#setter(cursor)));
                            Ok(dialtone_runtime::paginate::Page { page, next })
                        })
                    }
                },
            )
        }
        Pagination::Page {
            page,
            per_page,
            next,
            total,
            items,
            ..
        } => {
            let page_param = &op.params[*page];
            let page_field = format_ident!("{}", page_param.rust_name);
            // The page number as the setter takes it.
            let narrow = if matches!(page_param.ty, TypeRef::Integer { bits: 64, .. }) {
                quote!(Some(following))
            } else {
                quote!(i32::try_from(following).ok())
            };
            let count = item_count(items);
            let current = quote!(request.#page_field.unwrap_or(1));
            match (next, total) {
                (Some(next), _) => {
                    let present = access(quote!(page), next);
                    (
                        items,
                        quote!(self),
                        quote! {
                            |request: Self| {
                                Box::pin(async move {
                                    let page = request.clone().#send().await?;
                                    let next = dialtone_runtime::paginate::next_page_marked(#current, #present.is_some(), #count)
                                        .and_then(|following| {
                                            let number = #narrow?;
                                            Some((following.to_string(), request.#page_field(number)))
                                        });
                                    Ok(dialtone_runtime::paginate::Page { page, next })
                                })
                            }
                        },
                    )
                }
                (None, Some(total)) => {
                    let total = access(quote!(page), total);
                    let size = match per_page {
                        Some(index) => {
                            let field = format_ident!("{}", op.params[*index].rust_name);
                            quote!(request.#field)
                        }
                        None => quote!(None::<i64>),
                    };
                    (
                        items,
                        quote!((self, None::<dialtone_runtime::paginate::PageAt>)),
                        quote! {
                            |(request, at): (Self, Option<dialtone_runtime::paginate::PageAt>)| {
                                Box::pin(async move {
                                    let page = request.clone().#send().await?;
                                    let count = #count;
                                    let per_page = #size;
                                    let at = at.unwrap_or_else(|| dialtone_runtime::paginate::PageAt::first(#current, per_page, count));
                                    let total = #total.copied();
                                    let next = dialtone_runtime::paginate::next_page_counted(at, per_page, count, total)
                                        .and_then(|at| {
                                            let following = at.page;
                                            let number = #narrow?;
                                            Some((following.to_string(), (request.#page_field(number), Some(at))))
                                        });
                                    Ok(dialtone_runtime::paginate::Page { page, next })
                                })
                            }
                        },
                    )
                }
                (None, None) => unreachable!("lowering requires next or total"),
            }
        }
        Pagination::Link { .. } => unreachable!("handled by render_link_paging"),
    };
    let take = take_items(items_path);
    quote! {
        /// Every page of the listing, fetched as the stream is consumed.
        ///
        /// The stream ends after the last page (without asking for an
        /// empty one where the answer tells the end) or the first error; a
        /// server that names a page twice, or never ends, stops it with
        /// `Error::Pagination`.
        pub fn into_pages(self) -> impl dialtone_runtime::futures_core::Stream<Item = Result<#page_ty, crate::Error>> + Send + 'static {
            dialtone_runtime::paginate::pages(#op_id, #state, #fetch)
        }

        /// Every item of every page, in order (see [`Self::into_pages`]).
        pub fn into_stream(self) -> impl dialtone_runtime::futures_core::Stream<Item = Result<#item_ty, crate::Error>> + Send + 'static {
            dialtone_runtime::paginate::items(self.into_pages(), |page| #take)
        }
    }
}

fn items_type(pagination: &Pagination) -> TokenStream {
    let (Pagination::Cursor { item, .. }
    | Pagination::Page { item, .. }
    | Pagination::Link { item, .. }) = pagination;
    rust_type(item, false)
}

/// The error bodies an operation documents, and how to get one out of a
/// `crate::Error` (whose body is JSON when the spec names no error schema).
fn render_error_enum(
    op: &Operation,
    name: &str,
    variants: &[crate::ir::ErrorVariant],
) -> TokenStream {
    use crate::ir::StatusMatch;
    let ident = format_ident!("{}", name);
    let defs = variants.iter().map(|v| {
        let var = format_ident!("{}", v.rust_name);
        let ty = rust_type(&v.ty, false);
        let doc = match v.status {
            StatusMatch::Code(code) => format!(" HTTP {code}."),
            StatusMatch::Range(d) => format!(" Another {d}xx status."),
            StatusMatch::Default => " Any other error status.".to_owned(),
        };
        quote!(#[doc = #doc] #var(#ty),)
    });
    // Exact statuses first, then ranges, then the default.
    let mut ordered: Vec<&crate::ir::ErrorVariant> = variants.iter().collect();
    ordered.sort_by_key(|v| match v.status {
        StatusMatch::Code(_) => 0,
        StatusMatch::Range(_) => 1,
        StatusMatch::Default => 2,
    });
    let has_default = variants.iter().any(|v| v.status == StatusMatch::Default);
    let arms = ordered.iter().map(|v| {
        let var = format_ident!("{}", v.rust_name);
        let pattern = match v.status {
            StatusMatch::Code(code) => {
                let code = Literal::u16_unsuffixed(code);
                quote!(#code)
            }
            StatusMatch::Range(d) => {
                let lo = Literal::u16_unsuffixed(d * 100);
                let hi = Literal::u16_unsuffixed(d * 100 + 99);
                quote!(status if (#lo..=#hi).contains(&status))
            }
            StatusMatch::Default => quote!(_),
        };
        quote!(#pattern => dialtone_runtime::serde_json::from_value(body).ok().map(Self::#var),)
    });
    let fallback = (!has_default).then(|| quote!(_ => None,));
    let decode = if variants.len() == 1 && has_default {
        // Only `default`: every error status decodes the same way.
        quote! {
            err.status()?;
            dialtone_runtime::serde_json::from_value(err.body()?.clone()).ok().map(Self::Default)
        }
    } else {
        quote! {
            let status = err.status()?;
            let body = err.body()?.clone();
            match status {
                #(#arms)*
                #fallback
            }
        }
    };
    let doc = format!(
        " The error bodies `{}` documents, by status. Get one from an error with\n [`{name}::from_error`].",
        op.method_name
    );
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        pub enum #ident {
            #(#defs)*
        }

        impl #ident {
            /// The documented body of `err`, decoded by its status; `None`
            /// when `err` has no body or it does not match the spec.
            pub fn from_error(err: &crate::Error) -> Option<Self> {
                #decode
            }
        }
    }
}

/// The Rust type a success body decodes into.
fn success_type(success: &Success) -> TokenStream {
    match success {
        Success::Empty => quote!(()),
        Success::Json { ty, .. } => rust_type(ty, false),
        Success::Text => quote!(String),
        Success::Bytes | Success::Multi { .. } => quote!(dialtone_runtime::bytes::Bytes),
    }
}

/// The expression that builds variant `v` of `enum_name` from `response`.
fn decode_variant(
    enum_name: &proc_macro2::Ident,
    v: &crate::ir::StatusVariant,
    error: &TokenStream,
) -> TokenStream {
    let ident = format_ident!("{}", v.rust_name);
    match &v.body {
        Success::Empty => quote!(#enum_name::#ident),
        Success::Json { ty, .. } => {
            let ty = rust_type(ty, false);
            quote!(#enum_name::#ident(response.json::<#ty, #error>()?))
        }
        Success::Text => quote!(#enum_name::#ident(response.text::<#error>()?)),
        Success::Bytes | Success::Multi { .. } => quote!(#enum_name::#ident(response.into_bytes())),
    }
}

/// Types whose values print as the text they are sent as (`Display`):
/// scalars and string enums.
fn is_plain(api: &Api, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::String(_) | TypeRef::Integer { .. } | TypeRef::Number(_) | TypeRef::Bool => true,
        TypeRef::Named(name) => api
            .types
            .iter()
            .any(|t| t.name == *name && matches!(t.kind, crate::ir::TypeKind::Enum { .. })),
        _ => false,
    }
}

/// Statements pushing the multipart parts of `body` (of type `ty`) onto
/// `parts`: one per property, files as bytes, other values as text or
/// JSON.
fn multipart_parts(api: &Api, ty: &TypeRef) -> TokenStream {
    let fields = match ty {
        TypeRef::Named(name) => {
            api.types
                .iter()
                .find(|t| t.name == *name)
                .and_then(|t| match &t.kind {
                    crate::ir::TypeKind::Struct {
                        fields,
                        extra: None,
                    } if fields.iter().all(|f| !f.flatten) => Some(fields),
                    _ => None,
                })
        }
        _ => None,
    };
    let Some(fields) = fields else {
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
        let push = |value: TokenStream| match &f.ty {
            TypeRef::Binary => quote!(parts.push(dialtone_runtime::Part::file(#wire, #value.0.clone()));),
            TypeRef::Array(inner, _) if **inner == TypeRef::Binary => quote! {
                for file in #value.iter() {
                    parts.push(dialtone_runtime::Part::file(#wire, file.0.clone()));
                }
            },
            _ => quote!(parts.extend(dialtone_runtime::Part::value(#wire, &#value).unwrap_or_default());),
        };
        if f.required && !f.nullable {
            push(quote!(body.#ident))
        } else if f.nullable && !f.required {
            let inner = push(quote!(value));
            quote!(if let dialtone_runtime::Patch::Value(value) = &body.#ident { #inner })
        } else {
            let inner = push(quote!(value));
            quote!(if let Some(value) = &body.#ident { #inner })
        }
    });
    quote!(#(#pushes)*)
}

fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Cookie => "cookie",
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
    }
}
