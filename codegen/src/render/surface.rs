//! The public API surface of a generated crate, one line per operation and
//! type, for snapshot review: a spec change shows as a small readable diff.

use std::fmt::Write as _;

use crate::escape::visible;
use crate::ir::{
    Api, AuthScheme, BatchAnswer, Lifecycle, Operation, Payload, Success, TypeDef, TypeKind,
    TypeRef,
};

/// One line per client method and per type.
pub fn surface(api: &Api) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "crate {} ({} {})",
        api.crate_name,
        visible(&api.title),
        visible(&api.version)
    )
    .unwrap();
    for server in &api.servers {
        server_line(server, &mut out);
    }
    for scheme in &api.auth {
        auth_lines(api, scheme, &mut out);
    }
    for op in &api.operations {
        op_line(api, op, &mut out);
    }
    for digest in &api.digests {
        writeln!(
            out,
            "fn {}::from_password(username, password: Secret)  # {} = md5(lowercase(username):password)",
            digest.type_name, digest.field
        )
        .unwrap();
    }
    if !api.rate_groups.is_empty() {
        let groups: Vec<String> = api
            .rate_groups
            .iter()
            .map(|g| format!("{} = {:?}", g.rust_name, g.wire))
            .collect();
        writeln!(out, "enum RateLimitGroup {{ {} }}", groups.join(", ")).unwrap();
    }
    for t in &api.types {
        type_line(api, t, &mut out);
    }
    out
}

/// The builder methods of one security scheme.
fn auth_lines(api: &Api, scheme: &AuthScheme, out: &mut String) {
    let args = match scheme.kind {
        crate::ir::AuthKind::Basic => "user, password: Secret",
        _ => "token: Secret",
    };
    writeln!(out, "auth ClientBuilder::{}({args})", scheme.method).unwrap();
    match &scheme.lifecycle {
        None => {}
        Some(Lifecycle::Exchange {
            logins,
            refresh,
            revoke,
        }) => {
            for login in logins {
                let refresh = refresh
                    .as_ref()
                    .map(|r| format!(", refreshed by {}", visible(&r.call.operation)))
                    .unwrap_or_default();
                let revoke = revoke
                    .as_ref()
                    .map(|r| format!(", revoked by {}", r.operation))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "auth ClientBuilder::{}(credentials: {})  # token at {} of {}{refresh}{revoke}",
                    login.method,
                    show(api, &login.body),
                    visible(&login.token),
                    visible(&login.call.operation)
                )
                .unwrap();
            }
        }
        Some(Lifecycle::OAuth2 {
            method,
            token,
            revoke,
            ..
        }) => {
            let revoke = revoke
                .as_ref()
                .map(|r| format!(", revoked by {}", visible(&r.operation)))
                .unwrap_or_default();
            writeln!(
                out,
                "auth ClientBuilder::{method}(client_id, client_secret, grant)  # OAuth 2.0 via {}{revoke}",
                visible(&token.operation)
            )
            .unwrap();
        }
    }
}

/// One operation: its client method, setters, what it returns, its
/// method and path.
fn op_line(api: &Api, op: &Operation, out: &mut String) {
    let args: Vec<String> = op
        .params
        .iter()
        .filter(|p| p.required)
        .map(|p| format!("{}: {}", p.rust_name, show(api, &p.ty)))
        .chain(
            op.body
                .iter()
                .filter(|b| b.required)
                .map(|b| format!("body: {}", show(api, &b.ty))),
        )
        .collect();
    let optional: Vec<String> = op
        .params
        .iter()
        .filter(|p| !p.required)
        .map(|p| format!(".{}({})", p.rust_name, show(api, &p.ty)))
        .chain(
            op.basic_auth
                .then(|| ".basic_auth(user, Secret)".to_owned()),
        )
        .chain(
            op.body
                .iter()
                .filter(|b| !b.required)
                .map(|b| format!(".body({})", show(api, &b.ty))),
        )
        .collect();
    let returns = show_success(api, &op.success);
    writeln!(
        out,
        "op {}({}){} -> {}  # {} {}{}",
        op.method_name,
        args.join(", "),
        optional.join(""),
        returns,
        op.http_method.as_upper(),
        visible(&op.path_template),
        security_note(op)
    )
    .unwrap();
}

/// One named type.
fn type_line(api: &Api, t: &TypeDef, out: &mut String) {
    match &t.kind {
        TypeKind::Struct { fields, extra } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    let wire = if f.wire_name != f.rust_name {
                        format!(" as {:?}", f.wire_name)
                    } else {
                        String::new()
                    };
                    let ty = match (f.required || f.flatten, f.nullable) {
                        (true, true) => format!("Option<{}> (null)", show(api, &f.ty)),
                        (true, false) => show(api, &f.ty),
                        (false, true) => format!("Patch<{}>", show(api, &f.ty)),
                        (false, false) => format!("Option<{}>", show(api, &f.ty)),
                    };
                    let ty = if f.boxed { format!("Box<{ty}>") } else { ty };
                    let ty = match f.format {
                        Some(crate::ir::TextFormat::DateTime) => format!("{ty} (date-time)"),
                        Some(crate::ir::TextFormat::Date) => format!("{ty} (date)"),
                        Some(crate::ir::TextFormat::Uuid) => format!("{ty} (uuid)"),
                        None => ty,
                    };
                    let flat = if f.flatten { "..flatten " } else { "" };
                    format!("{flat}{}{wire}: {ty}", f.rust_name)
                })
                .chain(extra.iter().map(|e| format!("{e}: ..")))
                .collect();
            writeln!(out, "struct {} {{ {} }}", t.name, fields.join(", ")).unwrap();
        }
        TypeKind::Enum { variants } => {
            let variants: Vec<String> = variants
                .iter()
                .map(|v| format!("{} = {:?}", v.rust_name, v.wire_name))
                .collect();
            writeln!(
                out,
                "enum {} {{ {}, Unrecognized(String) }}",
                t.name,
                variants.join(", ")
            )
            .unwrap();
        }
        TypeKind::Union { variants, tag } => {
            let variants: Vec<String> = variants
                .iter()
                .map(|v| {
                    let ty = show(api, &v.ty);
                    let ty = if v.boxed { format!("Box<{ty}>") } else { ty };
                    match v.tags.is_empty() {
                        true => format!("{}({ty})", v.rust_name),
                        false => format!("{}({ty}) = {:?}", v.rust_name, v.tags),
                    }
                })
                .collect();
            let tag = tag
                .as_ref()
                .map(|t| format!(" by {t:?}"))
                .unwrap_or_default();
            writeln!(
                out,
                "union {}{tag} {{ {}, Unknown(Json) }}",
                t.name,
                variants.join(", ")
            )
            .unwrap();
        }
        TypeKind::Alias(ty) => {
            writeln!(out, "type {} = {}", t.name, show(api, ty)).unwrap();
        }
    }
}

fn show_success(api: &Api, success: &Success) -> String {
    match success {
        Success::Empty => "()".to_owned(),
        Success::Json {
            envelope: Some(p),
            ty,
        } => format!("{} in {}", show(api, &p.ty), show(api, ty)),
        Success::Json { ty, .. } => show(api, ty),
        Success::Text => "String".to_owned(),
        Success::Bytes => "Bytes".to_owned(),
        Success::Multi { name, variants } => {
            let variants: Vec<String> = variants
                .iter()
                .map(|v| {
                    let body = match &v.body {
                        Payload::Empty => "()".to_owned(),
                        Payload::Json(ty) => show(api, ty),
                        Payload::Text => "String".to_owned(),
                        Payload::Bytes => "Bytes".to_owned(),
                    };
                    format!("{}({body})", v.rust_name)
                })
                .collect();
            format!("{name} {{ {} }}", variants.join(", "))
        }
        Success::Batch {
            answer: BatchAnswer::Parts { item, .. },
            ..
        } => format!("Vec<Result<{}, ApiError>>", show(api, item)),
        Success::Batch {
            answer: BatchAnswer::Whole(ty),
            ..
        } => show(api, ty),
    }
}

/// A compact type with its constraints, e.g. `String[1..128]`.
fn show(api: &Api, ty: &TypeRef) -> String {
    fn range<T: std::fmt::Display>(min: Option<T>, max: Option<T>) -> String {
        match (min, max) {
            (None, None) => String::new(),
            (min, max) => format!(
                "[{}..{}]",
                min.map(|m| m.to_string()).unwrap_or_default(),
                max.map(|m| m.to_string()).unwrap_or_default()
            ),
        }
    }
    match ty {
        TypeRef::Named(name) => name.clone(),
        TypeRef::String(c) | TypeRef::Secret(c) => {
            let base = if matches!(ty, TypeRef::Secret(_)) {
                "Secret"
            } else {
                "String"
            };
            let pattern = c
                .pattern
                .map(|i| format!(" ~ /{}/", visible(&api.patterns[i].source)))
                .unwrap_or_default();
            format!("{base}{}{pattern}", range(c.min_length, c.max_length))
        }
        TypeRef::Integer {
            bits,
            constraints: c,
        } => {
            let values = if c.int_values.is_empty() {
                String::new()
            } else {
                format!("{:?}", c.int_values)
            };
            format!("i{bits}{}{values}", range(c.minimum, c.maximum))
        }
        TypeRef::Number(c) => format!("f64{}", range(c.minimum, c.maximum)),
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::Array(inner, c) => format!(
            "Vec<{}>{}",
            show(api, inner),
            range(c.min_items, c.max_items)
        ),
        TypeRef::Map(inner) => format!("Map<{}>", show(api, inner)),
        TypeRef::Json => "Json".to_owned(),
        TypeRef::Base64 => "Base64".to_owned(),
        TypeRef::Binary => "Binary".to_owned(),
    }
}

/// A server's constructor: its typed variables and URL template.
fn server_line(server: &crate::ir::Server, out: &mut String) {
    use crate::ir::VarKind;
    let args: Vec<String> = server
        .variables
        .iter()
        .map(|v| {
            let ty = match &v.kind {
                VarKind::Text => "&str (checked)".to_owned(),
                VarKind::Port => "u16".to_owned(),
                VarKind::Enum {
                    type_name,
                    variants,
                } => {
                    let values: Vec<String> = variants
                        .iter()
                        .map(|(r, w)| format!("{r} = {w:?}"))
                        .collect();
                    format!("{type_name} {{ {} }}", values.join(", "))
                }
            };
            format!("{}: {ty}", v.rust_name)
        })
        .collect();
    writeln!(
        out,
        "server Client::{}({})  # {}",
        server.method,
        args.join(", "),
        visible(&server.url)
    )
    .unwrap();
}

/// What credentials an operation takes, where it is not the one scheme.
fn security_note(op: &crate::ir::Operation) -> String {
    if !op.authenticated {
        return " (no auth)".to_owned();
    }
    match &op.security {
        Some(alts) if alts.len() > 1 || alts.iter().any(|a| a.len() != 1) => {
            let alts: Vec<String> = alts
                .iter()
                .map(|a| {
                    if a.is_empty() {
                        "none".to_owned()
                    } else {
                        a.join("+")
                    }
                })
                .collect();
            format!(" (auth: {})", visible(&alts.join(" | ")))
        }
        _ => String::new(),
    }
}
