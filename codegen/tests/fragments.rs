//! How small spec fragments render: one insta snapshot per construct.

use dialtone_codegen::{CrateMode, generate};

/// A minimal spec around `components` and `paths` (YAML, indented to fit).
fn spec(root_extra: &str, paths: &str, schemas: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: Fragment API, version: '1'}}\n{root_extra}paths:\n{paths}components:\n  schemas:\n{schemas}"
    )
}

fn file(text: &str, path: &str) -> String {
    let generated = generate("fragment.yaml", text, "fragment", &CrateMode::Workspace)
        .unwrap_or_else(|e| panic!("{e}"));
    // Everything rendered parses back as Rust.
    for (name, source) in &generated.files {
        if name.ends_with(".rs") {
            syn::parse_file(source).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    generated.files[path].clone()
}

const NO_PATHS: &str = "  {}\n";

#[test]
fn object_with_required_optional_nested_and_secret_fields() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Login:
      description: A login.
      type: object
      required: [user, password]
      properties:
        user:
          description: Who logs in.
          type: string
          minLength: 1
        password:
          type: string
          format: password
        remember-me:
          type: boolean
        type:
          type: integer
          format: int32
          minimum: 1
          maximum: 9
        device:
          description: Where from.
          type: object
          properties:
            os:
              type: string
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn open_string_enum() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Status:
      description: A presence status.
      type: string
      enum: [Available, Busy, "do-not-disturb", "2fa", Unknown]
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn maps_arrays_and_integer_enums() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Board:
      description: Maps and arrays.
      type: object
      additionalProperties: true
      properties:
        weights:
          type: object
          additionalProperties:
            type: integer
            minimum: 1
            maximum: 100
        ids:
          type: array
          maxItems: 30
          items:
            type: string
            pattern: "^[0-9]+$"
        flag:
          type: integer
          enum: [0, 1]
        free:
          type: object
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn enveloped_operation() {
    let text = spec(
        "x-dialtone-envelope: {request: data, response: data}\n",
        r#"  /things:
    put:
      operationId: createThing
      summary: Create a thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ThingRequest'}
      responses:
        '201':
          description: Created.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ThingEnvelope'}
"#,
        r#"    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 8}
    ThingRequest:
      type: object
      required: [data]
      properties:
        data: {$ref: '#/components/schemas/Thing'}
        verb: {type: string}
    ThingEnvelope:
      type: object
      required: [data, status]
      properties:
        data: {$ref: '#/components/schemas/Thing'}
        status: {type: string}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/operations.rs"));
}

#[test]
fn parameters_in_every_location() {
    let text = spec(
        "",
        r#"  /sites/{siteId}/items:
    parameters:
      - {name: siteId, in: path, required: true, schema: {type: integer, format: int64}}
    get:
      operationId: listItems
      summary: List items
      parameters:
        - {name: ids, in: query, required: true, style: form, explode: false, schema: {type: array, maxItems: 3, items: {type: integer}}}
        - {name: tag, in: query, schema: {type: array, items: {type: string}}}
        - {name: X-Trace, in: header, description: A trace id., schema: {type: string}}
        - {name: type, in: query, schema: {type: string, enum: [a, b]}}
      responses:
        '204':
          description: Nothing.
"#,
        "    Unused:\n      type: object\n      properties:\n        a: {type: string}\n",
    );
    insta::assert_snapshot!(file(&text, "src/operations.rs"));
}

#[test]
fn form_body_with_basic_auth_and_a_lenient_boolean() {
    let text = spec(
        "security: [{bearer: []}]\n",
        r#"  /oauth/token:
    post:
      operationId: getToken
      summary: Get a token
      security: [{basic: []}]
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/TokenRequest'}
      responses:
        '200':
          description: A token.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/TokenInfo'}
"#,
        r#"    TokenRequest:
      type: object
      required: [grant_type]
      properties:
        grant_type: {type: string, enum: [password, refresh_token]}
        password: {type: string, format: password}
    TokenInfo:
      type: object
      required: [access_token]
      properties:
        access_token: {type: string, format: password}
        primary: {type: boolean, x-dialtone-lenient: true}
  securitySchemes:
    basic: {type: http, scheme: basic}
    bearer: {type: http, scheme: bearer}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/operations.rs"));
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn link_header_paging() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/corpus/link-paging.yaml"
    ))
    .unwrap();
    let operations = file(&text, "src/operations.rs");
    let start = operations
        .find("pub fn into_pages")
        .expect("a paginated operation");
    insta::assert_snapshot!(&operations[start..]);
}

#[test]
fn nullable_fields_are_tri_state() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Change:
      description: A PATCH body.
      type: object
      required: [id]
      properties:
        id: {type: string, nullable: true, description: Required and nullable, so an Option.}
        name: {type: string, nullable: true, maxLength: 3, description: Absent, null or a value.}
        note: {type: string, description: Optional, not nullable.}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}
