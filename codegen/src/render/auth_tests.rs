//! Auth from the spec: every kind of security scheme becomes a builder
//! method that registers its credential under the scheme's key, each
//! operation states its requirement (alternatives, `{}`), a scheme no
//! operation accepts gets no method, and a spec without requirements sends
//! every configured credential on every operation.

use crate::ir::{AuthKind, Operation};
use crate::{CrateMode, generate};

/// A parcel-tracking API in the style of small public REST APIs that
/// accept several kinds of credentials.
const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Parcels, version: '1'}
security: [{bearer: []}]
paths:
  /parcels:
    get:
      operationId: listParcels
      security: [{basicAuth: []}, {bearer: []}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
  /parcels/{id}:
    get:
      operationId: getParcel
      security: [{headerKey: [], queryKey: []}]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: string}}}}
  /track:
    get:
      operationId: trackParcel
      security: [{sessionCookie: []}, {}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: string}}}}
  /me:
    get:
      operationId: getMe
      security: [{oauth: [parcels.read]}, {oidc: []}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: string}}}}
  /ping:
    get:
      operationId: ping
      security: [{}]
      responses:
        '204': {description: up}
  /health:
    get:
      operationId: health
      security: []
      responses:
        '204': {description: up}
  /legacy:
    get:
      operationId: legacy
      security: [{digest: []}]
      responses:
        '204': {description: ok}
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic, description: Account SID and auth token.}
    bearer: {type: http, scheme: bearer}
    headerKey: {type: apiKey, in: header, name: X-Api-Key}
    queryKey: {type: apiKey, in: query, name: api_key}
    sessionCookie: {type: apiKey, in: cookie, name: session}
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {parcels.read: read parcels}
    oidc: {type: openIdConnect, openIdConnectUrl: https://auth.example.com/.well-known/openid-configuration}
    unused: {type: apiKey, in: header, name: X-Unused}
    digest: {type: http, scheme: digest}
"#;

/// `text` without whitespace, so that checks do not depend on formatting,
/// and trailing commas.
fn squeeze(text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    text.replace(",)", ")")
}

fn op<'a>(ops: &'a [Operation], id: &str) -> &'a Operation {
    ops.iter().find(|o| o.id == id).unwrap()
}

#[test]
fn every_scheme_kind_is_a_builder_method_under_its_key() {
    let generated = generate("parcels.yaml", SPEC, "parcels", &CrateMode::Workspace, true)
        .unwrap_or_else(|e| panic!("{e}"));
    let api = &generated.api;
    let kinds: Vec<(&str, &AuthKind)> =
        api.auth.iter().map(|s| (s.key.as_str(), &s.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("basicAuth", &AuthKind::Basic),
            ("bearer", &AuthKind::Bearer),
            ("headerKey", &AuthKind::Header("x-api-key".to_owned())),
            ("queryKey", &AuthKind::Query("api_key".to_owned())),
            ("sessionCookie", &AuthKind::Cookie("session".to_owned())),
            ("oauth", &AuthKind::Bearer),
            ("oidc", &AuthKind::Bearer),
        ],
        "`unused` (no operation accepts it) and `digest` (no provider) get no method"
    );
    let client = squeeze(&generated.files["src/client.rs"]);
    for call in [
        r#"pubfnbasic_auth(mutself,user:implInto<String>,password:implInto<dialtone_runtime::Secret>)->Self{self.inner=self.inner.scheme_auth("basicAuth",dialtone_runtime::BasicAuth::new(user,password));"#,
        r#".scheme_auth("bearer",dialtone_runtime::BearerToken::new(token))"#,
        r#".scheme_auth("headerKey",dialtone_runtime::HeaderToken::new("x-api-key",token))"#,
        r#".scheme_auth("queryKey",dialtone_runtime::QueryToken::new("api_key",token))"#,
        r#".scheme_auth("sessionCookie",dialtone_runtime::CookieToken::new("session",token))"#,
        r#".scheme_auth("oauth",dialtone_runtime::BearerToken::new(token))"#,
        r#".scheme_auth("oidc",dialtone_runtime::BearerToken::new(token))"#,
    ] {
        assert!(client.contains(call), "client.rs lacks {call}");
    }
    assert!(!client.contains("X-Unused") && !client.contains("x-unused"));
    assert!(client.contains("acceptssecurityscheme`basicAuth`"));

    let ops = squeeze(&generated.files["src/operations.rs"]);
    for call in [
        r#".security(&[&["basicAuth"],&["bearer"]])"#,
        r#".security(&[&["headerKey","queryKey"]])"#,
        r#".security(&[&["sessionCookie"],&[]])"#,
        r#".security(&[&["oauth"],&["oidc"]])"#,
        r#".security(&[&["digest"]])"#,
    ] {
        assert!(ops.contains(call), "operations.rs lacks {call}");
    }
    let ops_ir = &api.operations;
    assert!(!op(ops_ir, "ping").authenticated && !op(ops_ir, "health").authenticated);
    assert!(op(ops_ir, "trackParcel").authenticated);
    assert_eq!(ops.matches(".without_auth()").count(), 2);
}

#[test]
fn without_requirements_every_operation_carries_the_credentials() {
    let spec = r#"
openapi: 3.0.3
info: {title: Open, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      responses:
        '200': {description: ok, content: {application/json: {schema: {type: string}}}}
components:
  securitySchemes:
    token: {type: http, scheme: bearer}
"#;
    let generated = generate("open.yaml", spec, "open", &CrateMode::Workspace, true)
        .unwrap_or_else(|e| panic!("{e}"));
    let op = op(&generated.api.operations, "listThings");
    assert!(op.authenticated && op.security.is_none());
    let ops = squeeze(&generated.files["src/operations.rs"]);
    assert!(!ops.contains(".without_auth()") && !ops.contains(".security("));
    let client = squeeze(&generated.files["src/client.rs"]);
    assert!(client.contains(r#".scheme_auth("token",dialtone_runtime::BearerToken::new(token))"#));
    assert!(
        client.contains("thespecstatesnosecurityrequirement"),
        "the docs say the credential goes on every call"
    );
}
