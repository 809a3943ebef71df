//! How a builder sends its request and decodes the answer: `send` (and
//! `send_enveloped`) by what a success returns, `send_raw`, the enum of an
//! operation with several success bodies, and a batch form's
//! `send_chunked`.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::super::{doc_attrs, rust_type};
use crate::ir::{BatchAnswer, Operation, Payload, StatusVariant, Success};

/// `send`, documented: what it returns and that nothing is sent when a
/// check fails.
pub(super) fn send(op: &Operation, error: &TokenStream) -> TokenStream {
    let (send, returns) = match &op.success {
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
        Success::Json { ty, envelope: None }
        | Success::Batch {
            answer: BatchAnswer::Whole(ty),
            ..
        } => {
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
            // The payload alone where it can be read so: the envelope's
            // other properties are skipped, not decoded.
            let send = match &payload.wire {
                Some(wire) => quote! {
                    let (client, request) = self.into_request()?;
                    client.runtime().send_json_field::<_, #error>(request, #wire).await
                },
                None => quote!(Ok(self.send_enveloped().await?.#field)),
            };
            (
                quote! {
                    pub async fn send(self) -> Result<#payload_ty, crate::Error> {
                        #send
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
        Success::Multi { name, variants } => (
            send_by_status(&format_ident!("{}", name), variants, error),
            "Sends the request and decodes the response by its status.",
        ),
        Success::Batch {
            ids,
            answer: BatchAnswer::Parts { item, parts },
            ..
        } => {
            let ids = format_ident!("{}", op.params[*ids].rust_name);
            let item = rust_type(item, false);
            let [id, status, body] = parts;
            (
                quote! {
                    pub async fn send(self) -> Result<Vec<Result<#item, dialtone_runtime::ApiError<#error>>>, crate::Error> {
                        let ids = self.#ids.clone();
                        let (client, request) = self.into_request()?;
                        let response = client.runtime().execute::<#error>(request).await?;
                        dialtone_runtime::batch::decode::<#item, #error>(
                            response,
                            &ids,
                            dialtone_runtime::batch::Parts { id: #id, status: #status, body: #body },
                        )
                    }
                },
                "Sends the request and decodes one result per id, in the order of the ids: the operation's own response for each id the vendor answered with success, else the vendor's error for that id.",
            )
        }
    };
    let docs = doc_attrs(&format!(
        "{returns}\n\nEverything the spec constrains is checked first: a violation is\nan `Error::InvalidRequest` and nothing is sent."
    ));
    quote! {
        #docs
        #send
    }
}

/// `send_raw`: the answer undecoded.
pub(super) fn send_raw(error: &TokenStream) -> TokenStream {
    quote! {
        /// Sends the request and returns the response undecoded: status,
        /// headers and body (for response headers, or a body to decode
        /// yourself). Errors are decoded as for `send`.
        pub async fn send_raw(self) -> Result<dialtone_runtime::Response, crate::Error> {
            let (client, request) = self.into_request()?;
            client.runtime().execute::<#error>(request).await
        }
    }
}

/// `send` of an operation with several success bodies: the answer decoded
/// by its status into the variants of `enum_name`.
fn send_by_status(
    enum_name: &Ident,
    variants: &[StatusVariant],
    error: &TokenStream,
) -> TokenStream {
    let arms = variants.iter().filter_map(|v| {
        let code = Literal::u16_unsuffixed(v.status?);
        let build = decode_variant(enum_name, v, error);
        Some(quote!(#code => #build,))
    });
    let fallback = match variants.iter().find(|v| v.status.is_none()) {
        Some(range) => decode_variant(enum_name, range, error),
        None => {
            quote!(#enum_name::Other { status: response.status(), body: response.into_bytes() })
        }
    };
    quote! {
        pub async fn send(self) -> Result<#enum_name, crate::Error> {
            let (client, request) = self.into_request()?;
            let response = client.runtime().execute::<#error>(request).await?;
            Ok(match response.status() {
                #(#arms)*
                _ => #fallback,
            })
        }
    }
}

/// The enum of what an operation with several success bodies answers:
/// one variant per documented status (`None` for any other operation).
pub(super) fn response_enum(op: &Operation) -> Option<TokenStream> {
    let Success::Multi { name, variants } = &op.success else {
        return None;
    };
    let enum_name = format_ident!("{}", name);
    let defs = variants.iter().map(|v| {
        let ident = format_ident!("{}", v.rust_name);
        let doc = match v.status {
            Some(code) => format!(" HTTP {code}."),
            None => " Another 2xx status the spec covers with a range.".to_owned(),
        };
        match payload_type(&v.body) {
            None => quote!(#[doc = #doc] #ident,),
            Some(ty) => quote!(#[doc = #doc] #ident(#ty),),
        }
    });
    let doc = format!(
        " What `{}` answers: one variant per documented success status.",
        op.method_name
    );
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
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
    })
}

/// The type a variant of a response enum holds (`None`: no body).
fn payload_type(payload: &Payload) -> Option<TokenStream> {
    match payload {
        Payload::Empty => None,
        Payload::Json(ty) => Some(rust_type(ty, false)),
        Payload::Text => Some(quote!(String)),
        Payload::Bytes => Some(quote!(dialtone_runtime::bytes::Bytes)),
    }
}

/// The expression that builds variant `v` of `enum_name` from `response`.
fn decode_variant(enum_name: &Ident, v: &StatusVariant, error: &TokenStream) -> TokenStream {
    let ident = format_ident!("{}", v.rust_name);
    match &v.body {
        Payload::Empty => quote!(#enum_name::#ident),
        Payload::Json(ty) => {
            let ty = rust_type(ty, false);
            quote!(#enum_name::#ident(response.json::<#ty, #error>()?))
        }
        Payload::Text => quote!(#enum_name::#ident(response.text::<#error>()?)),
        Payload::Bytes => quote!(#enum_name::#ident(response.into_bytes())),
    }
}

/// `send_chunked` of a batch form: the ids in calls of at most `max`, one
/// after the other, every result in the order of the ids (`None` for any
/// other operation).
pub(super) fn chunked(op: &Operation, error: &TokenStream) -> Option<TokenStream> {
    let Success::Batch { ids, max, answer } = &op.success else {
        return None;
    };
    let ident = format_ident!("{}", op.params[*ids].rust_name);
    let max = Literal::usize_unsuffixed(usize::try_from(*max).unwrap_or(usize::MAX));
    let ty = match answer {
        BatchAnswer::Parts { item, .. } => {
            let item = rust_type(item, false);
            quote!(Vec<Result<#item, dialtone_runtime::ApiError<#error>>>)
        }
        BatchAnswer::Whole(ty) => rust_type(ty, false),
    };
    let doc = format!(
        " Sends the ids in calls of at most {max} (one after the other) and returns every result in the order of the ids."
    );
    Some(quote! {
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
    })
}

/// `send_with_meta`: the typed body (the whole envelope, where there is
/// one) with the response's status, headers, request id and rate-limit
/// headers; `send_stream` instead where the success is binary (`None` for
/// text, and answers decoded by status or per id, which `send_raw` covers).
pub(super) fn send_meta(op: &Operation, error: &TokenStream) -> Option<TokenStream> {
    let ty = match &op.success {
        Success::Empty => quote!(()),
        Success::Json { ty, .. } => rust_type(ty, false),
        Success::Bytes => {
            return Some(quote! {
                /// Sends the request and returns the body as a stream of chunks,
                /// read as they arrive (downloads too large to hold in memory),
                /// with the response's status, headers, request id and
                /// rate-limit headers. The call's timeout bounds the body too:
                /// raise it with `.timeout` for a long download.
                pub async fn send_stream(self) -> Result<dialtone_runtime::ResponseValue<dialtone_runtime::stream::ByteStream<#error>>, crate::Error> {
                    let (client, request) = self.into_request()?;
                    client.runtime().send_stream::<#error>(request).await
                }
            });
        }
        Success::Text | Success::Multi { .. } | Success::Batch { .. } => return None,
    };
    let what = match &op.success {
        Success::Json {
            envelope: Some(_), ..
        } => "the whole response envelope",
        Success::Empty => "`()` (success has no body)",
        _ => "the decoded body",
    };
    let docs = doc_attrs(&format!(
        "Sends the request and returns {what} with the response's status,\nheaders, request id and rate-limit headers."
    ));
    let call = if matches!(op.success, Success::Empty) {
        quote!(Ok(client.runtime().execute::<#error>(request).await?.into_meta()))
    } else {
        quote!(client.runtime().send_with_meta::<#ty, #error>(request).await)
    };
    Some(quote! {
        #docs
        pub async fn send_with_meta(self) -> Result<dialtone_runtime::ResponseValue<#ty>, crate::Error> {
            let (client, request) = self.into_request()?;
            #call
        }
    })
}
