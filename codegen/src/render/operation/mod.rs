//! `src/operations.rs`: one request builder per operation, in pieces: the
//! builder itself (its fields, constructor and setters: here), how its
//! request is encoded (`encode.rs`), how it is sent and its answer decoded
//! (`send.rs`), how a listing pages (`paging.rs`) and the error bodies the
//! operation documents (`errors.rs`).

mod encode;
mod errors;
mod paging;
mod send;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{arg_type, doc_attrs, error_type, rust_type, takes_into};
use crate::escape;
use crate::ir::{Api, Operation, Param};

/// The file's head: its docs, imports and the error enums several
/// operations share; one builder per operation ([`render_op`]) follows.
pub(super) fn head(api: &Api) -> TokenStream {
    let uses_types = !api.types.is_empty() && !api.operations.is_empty();
    let use_types = uses_types.then(|| {
        quote!(
            use crate::types;
        )
    });
    let shared = api.shared_errors.iter().map(errors::shared_enum);
    quote! {
        //! One request builder per operation. Create them with the methods of
        //! [`crate::Client`], set optional parameters, then `.send()`.
        #use_types

        #(#shared)*
    }
}

/// The docs of an operation's client method: summary, description,
/// method and path, and the response headers of its own (those every
/// operation documents are listed once, by [`common_headers_doc`]). Its
/// builder links to them rather than repeat them.
pub(super) fn op_docs(api: &Api, op: &Operation) -> TokenStream {
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
    let common = &api.common_response_headers;
    let names: Vec<String> = op
        .response_headers
        .iter()
        .filter(|h| !common.iter().any(|c| c.eq_ignore_ascii_case(h)))
        .map(|h| escape::code(h))
        .collect();
    if !names.is_empty() {
        // An operation that documents headers documents the common ones.
        let and_common = if common.is_empty() {
            ""
        } else {
            " and the [common ones](crate::Client#response-headers)"
        };
        text.push_str(&format!(
            "\n\nResponse headers: {}{and_common} (read them with `{}`).",
            names.join(", "),
            meta_method(op)
        ));
    }
    doc_attrs(&text)
}

/// The method that returns an operation's response headers with its typed
/// answer, where the builder has one (see `send::send_meta`).
fn meta_method(op: &Operation) -> &'static str {
    match &op.success {
        crate::ir::Success::Json { .. } | crate::ir::Success::Empty => "send_with_meta",
        crate::ir::Success::Bytes => "send_stream",
        _ => "send_raw",
    }
}

/// The `Client`'s section on the response headers every operation that
/// documents any documents ([`Api::common_response_headers`]): listed
/// here once instead of in each operation's docs, with the operations
/// that document none. Empty when there are none.
pub(super) fn common_headers_doc(api: &Api) -> String {
    let common = &api.common_response_headers;
    if common.is_empty() {
        return String::new();
    }
    let names: Vec<String> = common.iter().map(|h| escape::code(h)).collect();
    let without: Vec<String> = api
        .operations
        .iter()
        .filter(|op| op.response_headers.is_empty())
        .map(|op| format!("[`Client::{m}`](crate::Client::{m})", m = op.method_name))
        .collect();
    let but = if without.is_empty() {
        String::new()
    } else {
        format!(" but {}", without.join(", "))
    };
    format!(
        "# Response headers\n\nThe success responses of every operation{but} document {}. \
         Read them with the operation's `send_with_meta` (`send_stream` for a \
         download, `send_raw` where neither exists); each operation's docs \
         name only the headers of its own.",
        names.join(", ")
    )
}

/// The request builder of `op`, with the enums of its answers.
pub(super) fn render_op(api: &Api, op: &Operation) -> TokenStream {
    let error = error_type(api);
    let name = format_ident!("{}", op.builder_name);
    let doc = format!(
        " A [`Client::{m}`](crate::Client::{m}) call: set its optional parameters, then `.send()` it.",
        m = op.method_name
    );
    let must_use = format!("`{}` does nothing until you `.send()` it", op.builder_name);
    let Members {
        fields,
        ctor_params,
        ctor_inits,
        setters,
    } = members(op);
    let response_enum = send::response_enum(op);
    let error_enum = errors::error_enum(op);
    let send = send::send(op, &error);
    let send_raw = send::send_raw(&error);
    let send_meta = send::send_meta(op, &error);
    let paging = op.paging.as_ref().map(|p| paging::render(op, p, &error));
    let chunked = send::chunked(op, &error);
    let into_request = encode::into_request(api, op);
    quote! {
        #response_enum

        #error_enum

        #[doc = #doc]
        #[derive(Debug, Clone)]
        #[must_use = #must_use]
        pub struct #name {
            client: crate::Client,
            #(#fields)*
            options: dialtone_runtime::CallOptions,
        }

        impl #name {
            pub(crate) fn new(client: crate::Client, #(#ctor_params),*) -> Self {
                Self { client, #(#ctor_inits,)* options: dialtone_runtime::CallOptions::default() }
            }

            #(#setters)*

            // timeout, extra_header, retry_policy, no_retries: the same in
            // every builder.
            dialtone_runtime::call_options!();

            #send

            #send_meta

            #send_raw

            #paging

            #chunked

            #into_request
        }
    }
}

/// A builder's own members: a field per parameter, the body and HTTP
/// Basic credentials; the constructor's arguments (required parameters);
/// a setter per optional parameter, the body and the credentials.
#[derive(Default)]
struct Members {
    fields: Vec<TokenStream>,
    ctor_params: Vec<TokenStream>,
    ctor_inits: Vec<TokenStream>,
    setters: Vec<TokenStream>,
}

fn members(op: &Operation) -> Members {
    let mut m = Members::default();
    for p in &op.params {
        let ident = format_ident!("{}", p.rust_name);
        let ty = rust_type(&p.ty, false);
        if p.required {
            m.fields.push(quote!(#ident: #ty,));
            m.ctor_params.push(quote!(#ident: #ty));
            m.ctor_inits.push(quote!(#ident));
        } else {
            m.fields.push(quote!(#ident: Option<#ty>,));
            m.ctor_inits.push(quote!(#ident: None));
            m.setters.push(param_setter(p));
        }
    }
    if let Some(body) = &op.body {
        let ty = rust_type(&body.ty, false);
        if body.required {
            // Required: an argument of the client method, so that leaving
            // it out does not compile.
            let ident = format_ident!("{}", body_arg(op));
            m.fields.push(quote!(body: #ty,));
            m.ctor_params.push(quote!(#ident: #ty));
            m.ctor_inits.push(if ident == "body" {
                quote!(body)
            } else {
                quote!(body: #ident)
            });
        } else {
            m.fields.push(quote!(body: Option<#ty>,));
            m.ctor_inits.push(quote!(body: None));
            let text = match &body.docs {
                Some(d) => format!("The request body.\n\n{}", escape::markdown(d)),
                None => "The request body.".to_owned(),
            };
            let docs = doc_attrs(&text);
            let arg = arg_type(&body.ty, false);
            let value = into_value(&body.ty);
            m.setters.push(quote! {
                #docs
                pub fn body(mut self, value: #arg) -> Self {
                    self.body = Some(#value);
                    self
                }
            });
        }
    }
    if op.basic_auth {
        m.fields
            .push(quote!(basic: Option<(String, dialtone_runtime::Secret)>,));
        m.ctor_inits.push(quote!(basic: None));
        m.setters.push(quote! {
            /// HTTP Basic credentials for this call (e.g. the app's client id
            /// and secret on a token endpoint).
            pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<dialtone_runtime::Secret>) -> Self {
                self.basic = Some((user.into(), password.into()));
                self
            }
        });
    }
    m
}

/// The setter of an optional parameter.
fn param_setter(p: &Param) -> TokenStream {
    let ident = format_ident!("{}", p.rust_name);
    let arg = arg_type(&p.ty, false);
    let value = into_value(&p.ty);
    let location = p.location().name();
    let docs = match &p.docs {
        Some(d) => doc_attrs(&format!(
            "{}\n\nThe {} {location} parameter.",
            escape::markdown(d),
            escape::code(&p.wire_name),
        )),
        None => doc_attrs(&format!(
            "Sets the {} {location} parameter.",
            escape::code(&p.wire_name),
        )),
    };
    let deprecated = p
        .deprecated
        .then(|| quote!(#[deprecated(note = "the spec deprecates this parameter")]));
    quote! {
        #docs
        #deprecated
        pub fn #ident(mut self, value: #arg) -> Self {
            self.#ident = Some(#value);
            self
        }
    }
}

/// `value`, converted when the setter takes `impl Into<_>`.
/// The name of a required body's argument: `body`, unless a required
/// parameter has that name.
pub(super) fn body_arg(op: &Operation) -> String {
    ["body", "request_body", "payload"]
        .into_iter()
        .find(|name| !op.params.iter().any(|p| p.rust_name == *name))
        .unwrap_or("body_value")
        .to_owned()
}

fn into_value(ty: &crate::ir::TypeRef) -> TokenStream {
    if takes_into(ty) {
        quote!(value.into())
    } else {
        quote!(value)
    }
}
