//! Every member the renderer writes is one that `lower::members` lists, so
//! that names from a spec are always claimed beside it.

use std::collections::BTreeSet;

use syn::{ImplItem, Item, Type};

use crate::lower::members;
use crate::{CrateMode, generate};

/// A spec with every kind of member: an enveloped listing (cursor paging),
/// a batch form, several success statuses, documented error bodies, a body
/// with HTTP Basic credentials, a login with refresh and revoke, OAuth 2.0,
/// rate-limit groups, a digest, a tri-state field. Every name that comes
/// from it starts with `zz` (or `Zz`), so whatever else the generated code
/// names is the generator's own.
const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Members, version: '1'}
x-dialtone-envelope: {request: zz_data, response: zz_data}
x-dialtone-rate-limits: {ZzHeavy: {requests: 1, window: 1}}
security: [{zzKey: []}]
paths:
  /zz/{zz_id}:
    get:
      operationId: zzGet
      x-dialtone-envelope: false
      x-throttling-group: ZzLight
      x-dialtone-batch: {param: zz_id, max: 2, status: '207', accept: application/json}
      parameters:
        - {name: zz_id, in: path, required: true, schema: {type: string}}
        - {name: zz_q, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ZzThing'}}}}
        '207': {description: parts, content: {application/json: {schema: {type: array, items: {type: object}}}}}
        '404': {description: none, content: {application/json: {schema: {$ref: '#/components/schemas/ZzThing'}}}}
  /zz:
    get:
      operationId: zzList
      x-dialtone-pagination: {style: cursor, param: zz_cursor, next: zz_next, items: zz_data}
      parameters:
        - {name: zz_cursor, in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ZzPage'}}}}
    post:
      operationId: zzCreate
      security: [{zzBasic: []}]
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/ZzEnvelope'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ZzEnvelope'}}}}
        '201': {description: created, content: {text/plain: {schema: {type: string}}}}
  /zz-login:
    post:
      operationId: zzLogin
      security: []
      x-dialtone-envelope: false
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/ZzCredentials'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ZzToken'}}}}
  /zz-refresh:
    post:
      operationId: zzRefresh
      security: []
      x-dialtone-envelope: false
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/ZzToken'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ZzToken'}}}}
  /zz-token:
    post:
      operationId: zzOauthToken
      security: [{zzBasic: []}]
      x-dialtone-envelope: false
      requestBody:
        required: true
        content: {application/x-www-form-urlencoded: {schema: {$ref: '#/components/schemas/ZzToken'}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/ZzToken'}}}}
  /zz-revoke:
    post:
      operationId: zzRevoke
      security: [{zzKey: []}, {zzBearer: []}]
      responses:
        '204': {description: revoked}
components:
  securitySchemes:
    zzKey:
      type: apiKey
      in: header
      name: X-Zz
      x-dialtone-auth:
        kind: token-exchange
        logins: [{method: zz_login, operation: zzLogin, token: /zz_token}]
        refresh: {operation: zzRefresh, field: zz_token, token: /zz_token}
        revoke: zzRevoke
    zzBearer:
      type: http
      scheme: bearer
      x-dialtone-auth: {kind: oauth2, token: zzOauthToken, revoke: zzRevoke}
    zzBasic: {type: http, scheme: basic}
  schemas:
    ZzKind: {type: string, enum: [zz_one]}
    ZzThing:
      type: object
      properties:
        zz_kind: {$ref: '#/components/schemas/ZzKind'}
        zz_maybe: {type: string, nullable: true}
    ZzPage:
      type: object
      required: [zz_data]
      properties:
        zz_data: {type: array, items: {$ref: '#/components/schemas/ZzThing'}}
        zz_next: {type: string}
    ZzEnvelope:
      type: object
      required: [zz_data]
      properties:
        zz_data: {$ref: '#/components/schemas/ZzThing'}
    ZzCredentials:
      type: object
      required: [zz_digest]
      properties:
        zz_digest:
          type: string
          x-dialtone-digest: {algorithm: md5, of: lowercase-user-colon-password}
    ZzToken:
      type: object
      required: [zz_token]
      properties:
        zz_token: {type: string}
    ZzEither:
      oneOf: [{$ref: '#/components/schemas/ZzThing'}, {$ref: '#/components/schemas/ZzToken'}]
"#;

/// Whether `name` comes from the spec.
fn from_spec(name: &str) -> bool {
    let name = name
        .strip_prefix("with_")
        .or_else(|| name.strip_prefix("parse_"))
        .unwrap_or(name);
    name.starts_with("zz") || name.starts_with("Zz")
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(path) => path
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// (type, member) of every field of a struct and every method of an
/// inherent impl in `file` whose name does not come from the spec.
fn generated_members(file: &str) -> Vec<(String, String)> {
    let file: syn::File = syn::parse_str(file).expect("generated files parse");
    let mut out = Vec::new();
    for item in file.items {
        match item {
            Item::Struct(s) => {
                for field in s.fields.iter().filter_map(|f| f.ident.as_ref()) {
                    out.push((s.ident.to_string(), field.to_string()));
                }
            }
            Item::Impl(i) if i.trait_.is_none() => {
                let owner = type_name(&i.self_ty);
                for item in i.items {
                    if let ImplItem::Fn(f) = item {
                        out.push((owner.clone(), f.sig.ident.to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    out.retain(|(_, member)| !from_spec(member));
    out
}

#[test]
fn every_member_the_renderer_writes_is_listed() {
    let generated = generate("members.yaml", SPEC, "members", &CrateMode::Workspace, true)
        .unwrap_or_else(|e| panic!("{e}"));
    let api = &generated.api;
    let builders: BTreeSet<&str> = api
        .operations
        .iter()
        .map(|op| op.builder_name.as_str())
        .collect();
    let error_enums: BTreeSet<&str> = api
        .operations
        .iter()
        .filter_map(|op| op.errors.as_ref().map(|e| e.name.as_str()))
        .chain(api.shared_errors.iter().map(|s| s.name.as_str()))
        .collect();
    // Every kind of member is there, so that the check below means something.
    assert!(api.operations.iter().any(|op| op.paging.is_some()));
    assert!(!error_enums.is_empty() && !api.digests.is_empty() && !api.rate_groups.is_empty());
    let mut unlisted = Vec::new();
    let mut seen = BTreeSet::new();
    for path in ["src/operations.rs", "src/client.rs", "src/types.rs"] {
        for (owner, member) in generated_members(&generated.files[path]) {
            let listed: &[&str] = match owner.as_str() {
                "Client" => members::CLIENT,
                "ClientBuilder" => members::CLIENT_BUILDER,
                "RateLimitGroup" => members::ENUM,
                o if builders.contains(o) => members::REQUEST_BUILDER,
                o if error_enums.contains(o) => members::ERROR_ENUM,
                o if path == "src/types.rs" && api.types.iter().any(|t| t.name == o) => {
                    match api.types.iter().find(|t| t.name == o).map(|t| &t.kind) {
                        Some(crate::ir::TypeKind::Enum { .. }) => members::ENUM,
                        _ => members::MODEL,
                    }
                }
                // `from_password`, implemented on a model in client.rs.
                o if api.types.iter().any(|t| t.name == o) => members::MODEL,
                _ => &[],
            };
            let claimed = owner == "ClientBuilder" && member == members::OAUTH;
            if !listed.contains(&member.as_str()) && !claimed {
                unlisted.push(format!("{path}: {owner}::{member}"));
            }
            seen.insert(member);
        }
    }
    assert!(unlisted.is_empty(), "not in lower::members: {unlisted:#?}");
    for expected in [
        "send",
        "send_raw",
        "send_enveloped",
        "send_chunked",
        "into_pages",
        "into_stream",
        "into_request",
        "basic_auth",
        "body",
        "from_error",
        "from_password",
        "revoke_auth",
        "rate_limit",
        "oauth",
    ] {
        assert!(seen.contains(expected), "the spec makes no `{expected}`");
    }
    // The fallback variants are the ones lowering reserves.
    let files: String = generated.files.values().cloned().collect();
    for variant in [
        members::ENUM_FALLBACK,
        members::UNION_FALLBACK,
        members::RESPONSE_FALLBACK,
    ] {
        assert!(files.contains(&format!("{variant}(")) || files.contains(&format!("{variant} {{")));
    }
}

/// Formatting a file an item at a time, on several threads, gives the text
/// formatting it whole gives: checked on the largest corpus spec (631
/// types, 410 operations: the parallel path) and a vendor spec.
#[test]
fn items_formatted_one_by_one_and_in_parallel_equal_the_whole_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (spec, strict) in [
        ("tests/corpus/saas-large.yaml", false),
        ("specs/kazoo.yaml", true),
    ] {
        let text = std::fs::read_to_string(root.join(spec)).unwrap();
        let api = crate::lower_spec(spec, &text, "x", strict).unwrap();
        assert!(strict || api.types.len() >= super::PARALLEL_FROM);
        let whole = |head: proc_macro2::TokenStream, items: Vec<proc_macro2::TokenStream>| {
            let mut all = head;
            all.extend(items);
            super::rust_file(&api, all)
        };
        let types_whole = whole(
            super::types::head(),
            api.types
                .iter()
                .map(|t| super::types::render_type(&api, t))
                .collect(),
        );
        let types_items =
            super::rust_file_items(&api, super::types::head(), api.types.len(), |i| {
                super::types::render_type(&api, &api.types[i])
            });
        assert_eq!(types_whole, types_items, "{spec}: types.rs");
        let ops_whole = whole(
            super::operation::head(&api),
            api.operations
                .iter()
                .map(|op| super::operation::render_op(&api, op))
                .collect(),
        );
        let ops_items = super::rust_file_items(
            &api,
            super::operation::head(&api),
            api.operations.len(),
            |i| super::operation::render_op(&api, &api.operations[i]),
        );
        assert_eq!(ops_whole, ops_items, "{spec}: operations.rs");
    }
}
