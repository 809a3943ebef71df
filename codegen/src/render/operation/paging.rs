//! `into_pages` and `into_stream` of a list operation: how the next page
//! is asked for. When a listing ends is the runtime's decision, one
//! function of `dialtone_runtime::paginate` per paging style; generated
//! code only calls it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::super::rust_type;
use crate::ir::{FieldStep, NextPage, Operation, Paging, TypeRef};

/// `into_pages` and `into_stream` of `op`, which pages as `paging` says.
pub(super) fn render(op: &Operation, paging: &Paging, error: &TokenStream) -> TokenStream {
    let op_id = &op.id;
    let page_ty = rust_type(&paging.page, false);
    let item_ty = rust_type(&paging.item, false);
    let take = take_items(&paging.items);
    let (state, fetch) = match &paging.next {
        NextPage::Link => (
            quote!((self, None::<String>)),
            follow(&page_ty, error, None),
        ),
        NextPage::Url { next } => (
            quote!((self, None::<String>)),
            follow(&page_ty, error, Some(next)),
        ),
        NextPage::Cursor { param, next, clear } => {
            (quote!(self), cursor(op, paging, *param, next, clear))
        }
        NextPage::Marked { page, next } => (quote!(self), marked(op, paging, *page, next)),
        NextPage::Counted {
            page,
            per_page,
            total,
        } => (
            quote!((self, None::<dialtone_runtime::paginate::PageAt>)),
            counted(op, paging, *page, *per_page, total),
        ),
    };
    let pages_doc = match &paging.next {
        NextPage::Link => quote! {
            /// Every page of the listing, following the `Link: <...>; rel="next"`
            /// header verbatim (only on the API's own origin).
            ///
            /// The stream ends after the last page or the first error; a server
            /// that links a page twice, or never ends, stops it with
            /// `Error::Pagination`.
        },
        NextPage::Url { .. } => quote! {
            /// Every page of the listing, following the next page's URL each
            /// page names (only on the API's own origin).
            ///
            /// The stream ends after the last page or the first error; a server
            /// that links a page twice, or never ends, stops it with
            /// `Error::Pagination`.
        },
        _ => quote! {
            /// Every page of the listing, fetched as the stream is consumed.
            ///
            /// The stream ends after the last page (without asking for an
            /// empty one where the answer tells the end) or the first error; a
            /// server that names a page twice, or never ends, stops it with
            /// `Error::Pagination`.
        },
    };
    quote! {
        #pages_doc
        pub fn into_pages(self) -> impl dialtone_runtime::futures_core::Stream<Item = Result<#page_ty, crate::Error>> + Send + 'static {
            dialtone_runtime::paginate::pages(#op_id, #state, #fetch)
        }

        /// Every item of every page, in order (see [`Self::into_pages`]).
        pub fn into_stream(self) -> impl dialtone_runtime::futures_core::Stream<Item = Result<#item_ty, crate::Error>> + Send + 'static {
            dialtone_runtime::paginate::items(self.into_pages(), |page| #take)
        }
    }
}

/// The fetch of paging by a next-page URL: the request again, sent to the
/// URL; the state is the request and the URL. The URL comes from the
/// `Link` header (`field` is `None`) or from a field of the page.
fn follow(page_ty: &TokenStream, error: &TokenStream, field: Option<&[FieldStep]>) -> TokenStream {
    let (send, next) = match field {
        None => (
            quote!(let (page, next) = client.runtime().send_json_paged::<#page_ty, #error>(sent).await?;),
            quote!(next),
        ),
        Some(steps) => {
            let url = access(quote!(page), steps);
            (
                quote!(let page = client.runtime().send_json::<#page_ty, #error>(sent).await?;),
                quote!(#url.cloned()),
            )
        }
    };
    quote! {
        |(request, link): (Self, Option<String>)| {
            Box::pin(async move {
                let (client, sent) = request.clone().into_request()?;
                let sent = match &link {
                    Some(url) => sent.follow(url),
                    None => sent,
                };
                #send
                let next = dialtone_runtime::paginate::next_link(#next).map(|url| (url.clone(), (request, Some(url))));
                Ok(dialtone_runtime::paginate::Page { page, next })
            })
        }
    }
}

/// How a page is fetched: `send` or, for an enveloped answer,
/// `send_enveloped` (the page is the whole envelope).
fn send(paging: &Paging) -> TokenStream {
    if paging.enveloped {
        quote!(send_enveloped)
    } else {
        quote!(send)
    }
}

/// The page number `following` as the page parameter's setter takes it.
fn narrow(op: &Operation, page: usize) -> TokenStream {
    match op.params[page].ty {
        TypeRef::Integer { bits: 64, .. } => quote!(Some(following)),
        _ => quote!(i32::try_from(following).ok()),
    }
}

/// The fetch of cursor paging: the page's cursor goes back in `param`;
/// the following requests leave out the parameters `clear` names.
fn cursor(
    op: &Operation,
    paging: &Paging,
    param: usize,
    next: &[FieldStep],
    clear: &[usize],
) -> TokenStream {
    let send = send(paging);
    let setter = format_ident!("{}", op.params[param].rust_name);
    let cursor = access(quote!(page), next);
    let following = if clear.is_empty() {
        quote!(request.#setter(cursor))
    } else {
        let cleared = clear
            .iter()
            .map(|&i| format_ident!("{}", op.params[i].rust_name));
        quote! {{
            let mut following = request.#setter(cursor);
            #(following.#cleared = None;)*
            following
        }}
    };
    quote! {
        |request: Self| {
            Box::pin(async move {
                let page = request.clone().#send().await?;
                let next = dialtone_runtime::paginate::next_cursor(#cursor)
                    .map(|cursor| (cursor.clone(), #following));
                Ok(dialtone_runtime::paginate::Page { page, next })
            })
        }
    }
}

/// The fetch of page numbers with a marker of a next page.
fn marked(op: &Operation, paging: &Paging, page: usize, next: &[FieldStep]) -> TokenStream {
    let send = send(paging);
    let (field, narrow) = (
        format_ident!("{}", op.params[page].rust_name),
        narrow(op, page),
    );
    let present = access(quote!(page), next);
    let count = item_count(&paging.items);
    quote! {
        |request: Self| {
            Box::pin(async move {
                let page = request.clone().#send().await?;
                let next = dialtone_runtime::paginate::next_page_marked(request.#field.unwrap_or(1), #present.is_some(), #count)
                    .and_then(|following| {
                        let number = #narrow?;
                        Some((following.to_string(), request.#field(number)))
                    });
                Ok(dialtone_runtime::paginate::Page { page, next })
            })
        }
    }
}

/// The fetch of page numbers with a total; the state also holds where
/// the listing stands.
fn counted(
    op: &Operation,
    paging: &Paging,
    page: usize,
    per_page: Option<usize>,
    total: &[FieldStep],
) -> TokenStream {
    let send = send(paging);
    let (field, narrow) = (
        format_ident!("{}", op.params[page].rust_name),
        narrow(op, page),
    );
    let total = access(quote!(page), total);
    let count = item_count(&paging.items);
    let size = match per_page {
        Some(index) => {
            let size = format_ident!("{}", op.params[index].rust_name);
            quote!(request.#size)
        }
        None => quote!(None::<i64>),
    };
    quote! {
        |(request, at): (Self, Option<dialtone_runtime::paginate::PageAt>)| {
            Box::pin(async move {
                let page = request.clone().#send().await?;
                let count = #count;
                let per_page = #size;
                let at = at.unwrap_or_else(|| dialtone_runtime::paginate::PageAt::first(request.#field.unwrap_or(1), per_page, count));
                let total = #total.copied();
                let next = dialtone_runtime::paginate::next_page_counted(at, per_page, count, total)
                    .and_then(|at| {
                        let following = at.page;
                        let number = #narrow?;
                        Some((following.to_string(), (request.#field(number), Some(at))))
                    });
                Ok(dialtone_runtime::paginate::Page { page, next })
            })
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
                let get = getter(step);
                quote!(#expr.#field.#get())
            }
            (true, true) => quote!(#expr.map(|v| &v.#field)),
            (true, false) => {
                let get = getter(step);
                quote!(#expr.and_then(|v| v.#field.#get()))
            }
        };
    }
    if optional { expr } else { quote!(Some(&#expr)) }
}

/// How an optional step's value is borrowed: `Option::as_ref`, or
/// `Patch::as_value` for an optional nullable field.
fn getter(step: &FieldStep) -> proc_macro2::Ident {
    format_ident!("{}", if step.tri_state { "as_value" } else { "as_ref" })
}

/// How many items `page` holds at `steps` (0 when an optional step is
/// absent).
fn item_count(steps: &[FieldStep]) -> TokenStream {
    if steps.iter().all(|s| s.required) {
        let mut expr = quote!(page);
        for step in steps {
            let field = format_ident!("{}", step.rust_name);
            expr = quote!(#expr.#field);
        }
        quote!(#expr.len())
    } else {
        let items = access(quote!(page), steps);
        quote!(#items.map_or(0, |items| items.len()))
    }
}

/// An optional step's value as an `Option` (a `Patch` converted).
fn owned(step: &FieldStep) -> TokenStream {
    if step.tri_state {
        quote!(.into_value())
    } else {
        quote!()
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
                let owned = owned(step);
                quote!(#expr.#field #owned)
            }
            (true, true) => quote!(#expr.map(|v| v.#field)),
            (true, false) => {
                let owned = owned(step);
                quote!(#expr.and_then(|v| v.#field #owned))
            }
        };
    }
    if optional {
        quote!(#expr.unwrap_or_default())
    } else {
        expr
    }
}
