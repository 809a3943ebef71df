//! The names of generated members, in one place: every name the generated
//! code gives a member of its own (methods, fields, helpers, fallback
//! variants), by where it lives, and the scopes in which names from a spec
//! are claimed beside them. A spec name never duplicates one of these: a
//! parameter named `send` becomes the setter `send_2`. A test of the
//! renderer (`render::tests`) checks that every member it writes is listed
//! here, and `tests/hostile/names-members` builds a crate whose spec uses
//! every one of them.

use crate::ir::{TypeDef, TypeKind};
use crate::names::Scope;

/// Type names the generated crate uses itself (or that would shadow the
/// prelude in generated code); builder, response and error enum names
/// share `operations.rs` with the prelude too.
pub(crate) const TYPES: &[&str] = &[
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Drop",
    "Eq",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "Hash",
    "Into",
    "Iterator",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Send",
    "Sized",
    "Sync",
    "ToOwned",
    "ToString",
    "BTreeMap",
    "Client",
    "ClientBuilder",
    "Err",
    "Error",
    "FieldPath",
    "InvalidRequest",
    "None",
    "Ok",
    "Option",
    // Re-exported by every generated crate's root.
    "Grant",
    "RateLimitGroup",
    "RetryPolicy",
    "Result",
    "Secret",
    "Self_",
    "Some",
    "String",
    "Validate",
    "Value",
    "Vec",
];

/// Methods and fields of the generated `Client` itself (beside one method
/// per operation).
pub(crate) const CLIENT: &[&str] = &[
    "builder",
    "clone",
    "fmt",
    "from_runtime",
    "revoke_auth",
    "runtime",
];

/// Methods and fields of every request builder (beside one field and
/// setter per parameter).
pub(crate) const REQUEST_BUILDER: &[&str] = &[
    "basic",
    "basic_auth",
    "body",
    "client",
    "clone",
    "fmt",
    "into_pages",
    "into_request",
    "into_stream",
    "new",
    "send",
    "send_chunked",
    "send_enveloped",
    "extra_header",
    "no_retries",
    "options",
    "retry_policy",
    "send_raw",
    "send_stream",
    "send_with_meta",
    "timeout",
];

/// Methods and fields of the generated `ClientBuilder` (beside one method
/// per security scheme and login).
pub(crate) const CLIENT_BUILDER: &[&str] = &[
    "auth",
    "build",
    "configure_http",
    "connect_timeout",
    "default_header",
    "fmt",
    "hook",
    "http_client",
    "inner",
    "max_response_body",
    "new",
    "no_rate_limit",
    "no_retries",
    "rate_limit",
    "retry_policy",
    "timeout",
    "user_agent",
];

/// The `ClientBuilder` method of an OAuth 2.0 scheme (claimed in spec
/// order beside the schemes' methods).
pub(crate) const OAUTH: &str = "oauth";

/// Inherent methods of every model struct, beside one `with_<field>`
/// setter per field (and `with_<field>_null` per optional nullable one),
/// which no field name can make equal to these.
#[cfg_attr(not(test), allow(dead_code))] // no spec name can take them: listed for the renderer's test
pub(crate) const MODEL: &[&str] = &["from_password", "new"];

/// Inherent methods of every open enum and of `RateLimitGroup` (their
/// variants are CamelCase, these snake_case).
#[cfg_attr(not(test), allow(dead_code))] // no spec name can take them: listed for the renderer's test
pub(crate) const ENUM: &[&str] = &["as_str"];

/// Inherent methods of an operation's error enum.
#[cfg_attr(not(test), allow(dead_code))] // no spec name can take them: listed for the renderer's test
pub(crate) const ERROR_ENUM: &[&str] = &["from_error"];

/// The variant an open enum keeps unknown values in.
pub(crate) const ENUM_FALLBACK: &str = "Unrecognized";
/// The variant a union keeps values no variant accepts in.
pub(crate) const UNION_FALLBACK: &str = "Unknown";
/// The variant of a response enum for an undocumented 2xx status.
pub(crate) const RESPONSE_FALLBACK: &str = "Other";
/// Functions of the generated example test beside one per example.
pub(crate) const EXAMPLE_TEST: &[&str] = &["round_trip"];

/// Named types (`types.rs`).
pub(super) fn types() -> Scope {
    Scope::with_reserved(TYPES)
}

/// Request builders and their response and error enums (`operations.rs`).
pub(super) fn builder_types() -> Scope {
    Scope::with_reserved(TYPES)
}

/// Methods of the `Client`: one per operation.
pub(super) fn client_methods() -> Scope {
    Scope::with_reserved(CLIENT)
}

/// Fields and setters of one request builder: one per parameter.
pub(super) fn builder_members() -> Scope {
    Scope::with_reserved(REQUEST_BUILDER)
}

/// Methods of the `ClientBuilder`: one per security scheme and login.
pub(super) fn client_builder_methods() -> Scope {
    Scope::with_reserved(CLIENT_BUILDER)
}

/// Variants of an open enum (and of `RateLimitGroup`).
pub(super) fn enum_variants() -> Scope {
    Scope::with_reserved(&[ENUM_FALLBACK])
}

/// Variants of a union.
pub(super) fn union_variants() -> Scope {
    Scope::with_reserved(&[UNION_FALLBACK])
}

/// Variants of a response enum (one per success status).
pub(super) fn response_variants() -> Scope {
    Scope::with_reserved(&[RESPONSE_FALLBACK])
}

/// Functions of the example test: one per example.
pub(super) fn example_tests() -> Scope {
    Scope::with_reserved(EXAMPLE_TEST)
}

/// Names every struct's setters: `with_<field>` per field, then
/// `with_<field>_null` per optional nullable field, each distinct from the
/// others (a field `a_null` beside a tri-state `a` keeps `with_a_null`; the
/// null setter becomes `with_a_null_2`). Structs also have `new` (and, for
/// `x-dialtone-digest`, `from_password`), which no `with_` name can be.
pub(super) fn name_setters(types: &mut [TypeDef]) {
    for t in types {
        let TypeKind::Struct { fields, .. } = &mut t.kind else {
            continue;
        };
        let mut scope = Scope::default();
        for f in fields.iter_mut() {
            f.setter = scope.claim(format!("with_{}", f.rust_name.trim_matches('_')));
        }
        for f in fields.iter_mut() {
            f.null_setter = (f.nullable && !f.required)
                .then(|| scope.claim(format!("with_{}_null", f.rust_name.trim_matches('_'))));
        }
    }
}
