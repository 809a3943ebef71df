//! How small spec fragments render: one insta snapshot per construct.

use dialtone_codegen::{CrateMode, generate};

/// A minimal spec around `components` and `paths` (YAML, indented to fit).
fn spec(root_extra: &str, paths: &str, schemas: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo: {{title: Fragment API, version: '1'}}\n{root_extra}paths:\n{paths}components:\n  schemas:\n{schemas}"
    )
}

fn file(text: &str, path: &str) -> String {
    let generated = generate(
        "fragment.yaml",
        text,
        "fragment",
        &CrateMode::Workspace,
        true,
    )
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

/// Generates leniently (skips allowed) and returns the files and the skips.
fn lenient(text: &str) -> dialtone_codegen::Generated {
    let generated = generate(
        "fragment.yaml",
        text,
        "fragment",
        &CrateMode::Workspace,
        false,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for (name, source) in &generated.files {
        if name.ends_with(".rs") {
            syn::parse_file(source).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    generated
}

#[test]
fn all_of_merges_members_and_single_ref_wrappers_stay_the_ref() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Resource:
      type: object
      required: [id]
      properties:
        id: {type: string}
        created: {type: string, format: date-time}
    Named:
      allOf:
        - $ref: '#/components/schemas/Resource'
        - type: object
          required: [name]
          properties:
            name: {type: string, maxLength: 10}
    Team:
      description: A team.
      allOf:
        - $ref: '#/components/schemas/Named'
        - required: [id, lead]
          properties:
            lead:
              description: Who leads it.
              allOf: [{$ref: '#/components/schemas/Named'}]
            size: {type: integer, format: int32}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn all_of_with_a_union_member_flattens_it() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Event:
      allOf:
        - type: object
          required: [at]
          properties:
            at: {type: string}
        - oneOf:
            - {$ref: '#/components/schemas/Call'}
            - {$ref: '#/components/schemas/Sms'}
    Call:
      type: object
      required: [duration]
      properties:
        duration: {type: integer}
    Sms:
      type: object
      required: [text]
      properties:
        text: {type: string}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn one_of_with_a_discriminator_is_tagged_with_an_unknown_fallback() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    PaymentMethod:
      oneOf:
        - {$ref: '#/components/schemas/CardMethod'}
        - {$ref: '#/components/schemas/BankMethod'}
      discriminator:
        propertyName: type
        mapping:
          card: '#/components/schemas/CardMethod'
          credit_card: '#/components/schemas/CardMethod'
    CardMethod:
      type: object
      required: [type, last4]
      properties:
        type: {type: string}
        last4: {type: string, pattern: '^[0-9]{4}$'}
    BankMethod:
      type: object
      required: [type]
      properties:
        type: {type: string}
        iban: {type: string}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn untagged_unions_of_objects_and_scalars() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Customer:
      type: object
      required: [id]
      properties:
        id: {type: string}
    Charge:
      type: object
      properties:
        customer:
          description: The id, or the whole customer when expanded.
          anyOf:
            - {type: string}
            - {$ref: '#/components/schemas/Customer'}
        amount:
          oneOf: [{type: integer}, {type: string}]
        nameOrId:
          oneOf:
            - {type: string, format: uuid}
            - {type: string, pattern: '^[a-z]+$'}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn dropshot_style_unions_and_documented_enums() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Shape:
      oneOf:
        - type: object
          title: circle
          required: [type, radius]
          properties:
            type: {type: string, enum: [circle]}
            radius: {type: number}
        - type: object
          title: square
          required: [type, side]
          properties:
            type: {type: string, enum: [square]}
            side: {type: number}
    State:
      oneOf:
        - {type: string, enum: [running], description: It runs.}
        - {type: string, enum: [stopped], description: It stopped.}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn recursive_and_mutually_recursive_types_are_boxed() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Node:
      type: object
      required: [value]
      properties:
        value: {type: string}
        parent: {$ref: '#/components/schemas/Node'}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
    Folder:
      type: object
      properties:
        first: {$ref: '#/components/schemas/File'}
    File:
      type: object
      required: [folder]
      properties:
        folder: {$ref: '#/components/schemas/Folder'}
"#,
    );
    insta::assert_snapshot!(file(&text, "src/types.rs"));
}

#[test]
fn formats_typeless_schemas_and_loose_arrays() {
    let text = spec(
        "",
        NO_PATHS,
        r#"    Blob:
      properties:
        data: {type: string, format: byte}
        raw: {type: string, format: binary}
        grid:
          type: array
          items: {type: array, items: {type: integer, format: int32}}
        anything: {type: array}
        level: {enum: [1, 2, 3]}
        mixed: {enum: [1, two, true]}
        not_a_string:
          not: {type: string}
"#,
    );
    let generated = lenient(&text);
    insta::assert_snapshot!(generated.files["src/types.rs"].clone());
    insta::assert_snapshot!(generated.files["SKIPPED.md"].clone());
}

#[test]
fn media_types_of_requests_and_responses() {
    let text = spec(
        "",
        r#"  /files:
    post:
      operationId: uploadFile
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [file]
              properties:
                file: {type: string, format: binary}
                note: {type: string}
                meta: {type: object, properties: {a: {type: string}}}
      responses:
        '201': {description: ok, content: {application/vnd.acme.v2+json: {schema: {type: object, properties: {id: {type: string}}}}}}
  /files/{id}/content:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: downloadFile
      responses:
        '200': {description: ok, content: {application/octet-stream: {schema: {type: string, format: binary}}}}
    put:
      operationId: replaceFile
      requestBody:
        content:
          image/png: {schema: {type: string, format: binary}}
      responses:
        '204': {description: ok}
  /report:
    post:
      operationId: makeReport
      requestBody:
        content:
          application/xml: {schema: {type: object}}
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {from: {type: string}, tags: {type: array, items: {type: string}}}}
      responses:
        '200': {description: ok, content: {text/csv: {schema: {type: string}}}}
"#,
        "    Unused:\n      type: object\n      properties:\n        a: {type: string}\n",
    );
    insta::assert_snapshot!(file(&text, "src/operations.rs"));
}

#[test]
fn several_success_statuses_and_default_responses() {
    let text = spec(
        "",
        r#"  /jobs:
    post:
      operationId: startJob
      responses:
        '200': {description: done, content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}}
        '202': {description: queued, content: {application/json: {schema: {type: object, properties: {queue: {type: string}}}}}}
        '204': {description: nothing to do}
        default: {description: error, content: {application/json: {schema: {type: object}}}}
    get:
      operationId: listJobs
      responses:
        default: {description: the jobs, content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Job'}}}}}
  /archive:
    get:
      operationId: downloadArchive
      responses:
        '302': {description: The archive is elsewhere; clients follow the redirect.}
"#,
        "    Job:\n      type: object\n      properties:\n        id: {type: string}\n",
    );
    insta::assert_snapshot!(file(&text, "src/operations.rs"));
}

#[test]
fn cookies_deep_objects_json_and_deprecated_parameters() {
    let text = spec(
        "",
        r#"  /search:
    get:
      operationId: search
      parameters:
        - {name: session, in: cookie, required: true, schema: {type: string}}
        - {name: created, in: query, style: deepObject, explode: true, schema: {type: object, properties: {gte: {type: integer}, lte: {type: integer}}}}
        - {name: filter, in: query, content: {application/json: {schema: {type: object, properties: {q: {type: string}}}}}}
        - {name: sort, in: query, deprecated: true, schema: {type: string}}
        - {name: ids, in: query, style: pipeDelimited, schema: {type: array, items: {type: integer}}}
      responses:
        '200': {description: ok}
"#,
        "    Unused:\n      type: object\n      properties:\n        a: {type: string}\n",
    );
    insta::assert_snapshot!(file(&text, "src/operations.rs"));
}

#[test]
fn hostile_names_become_valid_distinct_identifiers() {
    let text = spec(
        "",
        r#"  /things/{id}:
    get:
      operationId: get-thing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: id, in: query, schema: {type: string}}
        - {name: ID, in: header, schema: {type: string}}
        - {name: 'filter[name]', in: query, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Self'}}}}
    post:
      operationId: GetThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
  /things:
    get:
      responses:
        '200': {description: ok}
    put:
      operationId: get-thing
      responses:
        '200': {description: ok}
"#,
        r#"    Self:
      type: object
      properties:
        type: {type: string}
        user_id: {type: string}
        userId: {type: string}
        user-id: {type: string}
        2fa: {type: boolean}
        prénom: {type: string}
        日本語: {type: string}
        '$': {type: string}
    Result:
      type: string
      enum: [ACTIVE, active, Active, '', '-', '+1', '1', self, None]
"#,
    );
    let generated = lenient(&text);
    insta::assert_snapshot!(generated.files["src/types.rs"].clone());
    insta::assert_snapshot!(crate_surface(&generated.api));
}

fn crate_surface(api: &dialtone_codegen::ir::Api) -> String {
    dialtone_codegen::render::surface(api)
}

#[test]
fn unsupported_operations_are_skipped_and_listed_or_refused_when_strict() {
    let text = spec(
        "",
        r#"  /ok:
    get:
      operationId: fine
      responses:
        '200': {description: ok}
  /matrix/{id}:
    get:
      operationId: matrixStyle
      parameters:
        - {name: id, in: path, required: true, style: matrix, schema: {type: string}}
      responses:
        '200': {description: ok}
"#,
        "    Unused:\n      type: object\n      properties:\n        a: {type: string}\n",
    );
    let generated = lenient(&text);
    let ids: Vec<_> = generated
        .api
        .operations
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(ids, ["fine"]);
    insta::assert_snapshot!(generated.files["SKIPPED.md"].clone());
    let strict = generate(
        "fragment.yaml",
        &text,
        "fragment",
        &CrateMode::Workspace,
        true,
    )
    .unwrap_err();
    assert_eq!(strict.pointer, "/paths/~1matrix~1{id}/get/parameters/0");
    // Nothing skipped, no SKIPPED.md.
    let clean = lenient(&spec(
        "",
        "  {}\n",
        "    A:\n      type: object\n      properties:\n        a: {type: string}\n",
    ));
    assert!(!clean.files.contains_key("SKIPPED.md"));
}

#[test]
fn references_to_other_files_and_into_paths_are_bundled() {
    let dir = std::env::temp_dir().join(format!("dialtone-bundle-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("common")).unwrap();
    std::fs::write(
        dir.join("common/errors.yaml"),
        "components:\n  schemas:\n    Problem:\n      type: object\n      properties:\n        detail: {type: string}\n        cause: {$ref: '#/components/schemas/Cause'}\n    Cause:\n      type: object\n      properties:\n        code: {type: integer}\n",
    )
    .unwrap();
    let text = r#"openapi: 3.0.3
info: {title: Split, version: '1'}
paths:
  /a:
    get:
      operationId: getA
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string}}}
        '400':
          description: bad
          content:
            application/json:
              schema: {$ref: 'common/errors.yaml#/components/schemas/Problem'}
  /b:
    get:
      operationId: getB
      parameters:
        - $ref: '#/paths/~1a/get/parameters/0'
      responses:
        '200':
          description: the same as /a
          content:
            application/json:
              schema: {$ref: '#/paths/~1a/get/responses/200/content/application~1json/schema'}
"#;
    let generated = dialtone_codegen::generate_with(
        "split.yaml",
        text,
        "split",
        &CrateMode::Workspace,
        true,
        Some(&dir),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = generated
        .api
        .types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert!(
        names.contains(&"Problem") && names.contains(&"Cause"),
        "{names:?}"
    );
    let b = generated
        .api
        .operations
        .iter()
        .find(|o| o.id == "getB")
        .unwrap();
    assert_eq!(b.params[0].wire_name, "q");
    // /b's body is the very type /a returns, not a copy.
    let a = generated
        .api
        .operations
        .iter()
        .find(|o| o.id == "getA")
        .unwrap();
    assert_eq!(a.success, b.success);
    // Without a directory to read from, the file reference is refused
    // with its pointer.
    let e = generate("split.yaml", text, "split", &CrateMode::Workspace, true).unwrap_err();
    assert!(
        e.pointer
            .ends_with("/responses/400/content/application~1json/schema/$ref"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn examples_that_contradict_their_schema_are_listed_not_tested() {
    let text = spec(
        "",
        r#"  /calls:
    post:
      operationId: createCall
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/NewCall'}
            examples:
              ring: {value: {To: '+1555', Timeout: '30', Record: 'true'}}
      responses:
        '201':
          description: The call.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Call'}
              examples:
                good: {value: {sid: CA1, status: queued}}
                price_as_text: {value: {sid: CA2, status: queued, price: '0'}}
                unknown_status: {value: {sid: CA3, status: parked}}
                null_direction: {value: {sid: CA4, status: queued, direction: null}}
"#,
        r#"    NewCall:
      type: object
      required: [To]
      properties:
        To: {type: string}
        Timeout: {type: integer, minimum: 1}
        Record: {type: boolean}
    Call:
      type: object
      required: [sid, status]
      properties:
        sid: {type: string}
        status: {type: string, enum: [queued, completed]}
        price: {type: number}
        direction: {type: string, enum: [inbound, outbound]}
"#,
    );
    // Strict generation still succeeds: a bad example changes no API.
    let generated = generate(
        "fragment.yaml",
        &text,
        "fragment",
        &CrateMode::Workspace,
        true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let skipped = &generated.files["SKIPPED.md"];
    let tests = &generated.files["tests/examples.rs"];
    for (name, pointer, problem) in [
        (
            "price_as_text",
            "/price_as_text/value/price",
            "expected a number, found a string",
        ),
        (
            "unknown_status",
            "/unknown_status/value/status",
            "\"parked\" is not one of the values",
        ),
        (
            "null_direction",
            "/null_direction/value/direction",
            "expected a string, found null",
        ),
    ] {
        assert!(skipped.contains(pointer), "{pointer}\n{skipped}");
        assert!(skipped.contains(problem), "{problem}\n{skipped}");
        assert!(
            !tests.contains(&format!("fn create_call_201_{name}")),
            "{tests}"
        );
    }
    assert!(tests.contains("fn create_call_201_good"), "{tests}");
    // A form carries text: its example is tested with the typed values a
    // client sends (`"30"` -> 30, `"true"` -> true), not listed as a defect.
    assert!(!skipped.contains("/ring/"), "{skipped}");
    assert!(tests.contains("fn create_call_request_ring"), "{tests}");
    assert!(tests.contains(r#"\"Timeout\":30"#), "{tests}");
    assert!(tests.contains(r#"\"Record\":true"#), "{tests}");
}

/// Which operations page, and how, in a spec that declares no paging but
/// where the conventions do or do not fit.
#[test]
fn paging_is_found_by_convention_only_where_it_fits() {
    use dialtone_codegen::ir::{NextPage, PagingSource};
    let list = |id: &str, method: &str, params: &str, schema: &str, extra: &str| {
        format!(
            "  /{id}:\n    {method}:\n      operationId: {id}\n{params}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n{schema}{extra}"
        )
    };
    let cursor = "      parameters:\n        - {name: cursor, in: query, schema: {type: string}}\n";
    let token =
        "      parameters:\n        - {name: pageToken, in: query, schema: {type: string}}\n";
    let page = "                type: object\n                properties:\n                  items: {type: array, items: {type: string}}\n                  nextCursor: {type: string}\n";
    let two_arrays = "                type: object\n                properties:\n                  items: {type: array, items: {type: string}}\n                  more: {type: array, items: {type: string}}\n                  next_cursor: {type: string}\n";
    let with_url = "                type: object\n                properties:\n                  rows: {type: array, items: {type: string}}\n                  next_page_url: {type: string, nullable: true}\n";
    let paths = [
        list("found", "get", cursor, page, ""),
        // nextCursor has no `cursor`-named partner here.
        list("no_partner", "get", token, page, ""),
        list("two_arrays", "get", cursor, two_arrays, ""),
        list("not_a_get", "post", cursor, page, ""),
        list("by_url", "get", "", with_url, ""),
        list(
            "turned_off",
            "get",
            cursor,
            page,
            "      x-dialtone-pagination: false\n",
        ),
        list(
            "declared",
            "get",
            cursor,
            page,
            "      x-dialtone-pagination: {style: cursor, param: cursor, next: nextCursor, items: items}\n",
        ),
    ]
    .concat();
    let text = spec("", &paths, "    {}\n");
    let api = dialtone_codegen::lower_spec("fragment.yaml", &text, "fragment", true)
        .unwrap_or_else(|e| panic!("{e}"));
    let paging = |id: &str| {
        api.operations
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("{id}"))
            .paging
            .as_ref()
            .map(|p| (p.source, &p.next, p.items.len()))
    };
    assert!(matches!(
        paging("found"),
        Some((PagingSource::Detected, NextPage::Cursor { .. }, 1))
    ));
    assert_eq!(paging("no_partner"), None);
    assert_eq!(paging("two_arrays"), None);
    assert_eq!(paging("not_a_get"), None);
    assert!(matches!(
        paging("by_url"),
        Some((PagingSource::Detected, NextPage::Url { next }, 1)) if next[0].tri_state
    ));
    assert_eq!(paging("turned_off"), None);
    assert!(matches!(
        paging("declared"),
        Some((PagingSource::Declared, NextPage::Cursor { .. }, 1))
    ));
}

#[test]
fn a_description_that_repeats_the_summary_is_said_once() {
    let text = spec(
        "",
        r#"  /calls:
    get:
      operationId: listCalls
      summary: List calls
      description: "List calls.\n"
      responses:
        '204': {description: Nothing.}
    post:
      operationId: createCall
      summary: Place a call
      description: Place a call. It rings at once.
      responses:
        '204': {description: Nothing.}
"#,
        "    Unused:\n      type: object\n      properties:\n        a: {type: string}\n",
    );
    let client = file(&text, "src/client.rs");
    assert_eq!(client.matches("List calls").count(), 1, "{client}");
    assert!(!client.contains("List calls."), "{client}");
    // A description that says more stays whole, after its summary.
    assert!(
        client.contains("/// Place a call\n    ///\n    /// Place a call. It rings at once."),
        "{client}"
    );
}

#[test]
fn operator_suffixed_parameters_get_words_not_numbers() {
    let text = spec(
        "",
        r#"  /messages:
    get:
      operationId: listMessages
      summary: List messages
      parameters:
        - {name: DateSent, in: query, schema: {type: string, format: date-time}}
        - {name: DateSent<, in: query, schema: {type: string, format: date-time}}
        - {name: DateSent>, in: query, schema: {type: string, format: date-time}}
        - {name: DateSent<=, in: query, schema: {type: string, format: date-time}}
        - {name: DateSent>=, in: query, schema: {type: string, format: date-time}}
        - {name: DateSentBefore, in: query, schema: {type: string}}
        - {name: Status!=, in: query, schema: {type: string, enum: [queued, sent]}}
      responses:
        '204': {description: Nothing.}
"#,
        "    Unused:\n      type: object\n      properties:\n        a: {type: string}\n",
    );
    let ops = file(&text, "src/operations.rs");
    for (rust, wire) in [
        ("date_sent", "DateSent"),
        ("date_sent_before", "DateSent<"),
        ("date_sent_after", "DateSent>"),
        ("date_sent_on_or_before", "DateSent<="),
        ("date_sent_on_or_after", "DateSent>="),
        // A name the spec spells out itself keeps it; the scope numbers
        // the later one.
        ("date_sent_before_2", "DateSentBefore"),
        ("status_not", "Status!="),
    ] {
        assert!(ops.contains(&format!("pub fn {rust}(")), "{rust}\n{ops}");
        // The wire name is the spec's, exactly.
        assert!(
            ops.contains(&format!(
                "match &self.{rust} {{\n            Some(value) => request.query(\"{wire}\", value),"
            )),
            "{wire}\n{ops}"
        );
    }
    assert!(!ops.contains("date_sent_2"), "{ops}");
    let types = file(&text, "src/types.rs");
    assert!(types.contains("pub enum ListMessagesStatusNot"), "{types}");
}

#[test]
fn response_headers_every_operation_documents_are_listed_once() {
    let cors = "headers:\n            Access-Control-Allow-Origin: {schema: {type: string}}\n            X-Request-Id: {schema: {type: string}}";
    let paths = format!(
        r#"  /calls:
    get:
      operationId: listCalls
      responses:
        '200':
          description: A page.
          {cors}
            Link: {{schema: {{type: string}}}}
          content:
            application/json:
              schema: {{type: array, items: {{type: string}}}}
    post:
      operationId: createCall
      responses:
        '204':
          description: Placed.
          {cors}
  /calls/{{sid}}:
    delete:
      operationId: deleteCall
      parameters:
        - {{name: sid, in: path, required: true, schema: {{type: string}}}}
      responses:
        '204': {{description: Gone.}}
"#
    );
    let text = spec("", &paths, "    Unused:\n      type: string\n");
    let client = file(&text, "src/client.rs");
    // Once, in the `Client`'s docs, naming the operation without them...
    assert_eq!(
        client.matches("Access-Control-Allow-Origin").count(),
        1,
        "{client}"
    );
    assert_eq!(client.matches("X-Request-Id").count(), 1, "{client}");
    assert!(client.contains("/// # Response headers\n///\n/// The success responses of every operation but [`Client::delete_call`](crate::Client::delete_call) document `Access-Control-Allow-Origin`, `X-Request-Id`."), "{client}");
    // ...and each operation names only its own.
    assert!(
        client.contains("/// Response headers: `Link` and the [common ones](crate::Client#response-headers) (read them with `send_with_meta`)."),
        "{client}"
    );
    assert_eq!(client.matches("Response headers:").count(), 1, "{client}");

    // Fewer than half the operations document them: each lists its own.
    let text = spec(
        "",
        &paths.replace(&format!("          {cors}\n  /calls/"), "  /calls/"),
        "    Unused:\n      type: string\n",
    );
    let client = file(&text, "src/client.rs");
    assert!(!client.contains("# Response headers"), "{client}");
    assert!(
        client.contains("/// Response headers: `Access-Control-Allow-Origin`, `X-Request-Id`, `Link` (read them with `send_with_meta`)."),
        "{client}"
    );
}

/// What the conformance run found: a required `readOnly` property is
/// required in answers only (so optional in the type requests share), and
/// a success offered in several media types asks for the one decoded.
#[test]
fn read_only_fields_are_optional_and_a_choice_of_media_is_negotiated() {
    let text = spec(
        "",
        r#"  /notes/{id}:
    get:
      operationId: getNote
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The note.
          content:
            text/html: {schema: {type: string}}
            application/json: {schema: {$ref: '#/components/schemas/Note'}}
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: '#/components/schemas/Note'}}
      responses:
        '201':
          description: Created.
          content:
            application/json: {schema: {$ref: '#/components/schemas/Note'}}
"#,
        r#"    Note:
      type: object
      required: [id, text]
      properties:
        id: {type: string, readOnly: true}
        text: {type: string}
"#,
    );
    let api = dialtone_codegen::lower_spec("fragment.yaml", &text, "fragment", true)
        .unwrap_or_else(|e| panic!("{e}"));
    let note = api.type_named("Note").expect("Note");
    let dialtone_codegen::ir::TypeKind::Struct { fields, .. } = &note.kind else {
        panic!("{note:?}")
    };
    let required = |wire: &str| {
        fields
            .iter()
            .find(|f| f.wire_name == wire)
            .unwrap()
            .required
    };
    assert!(!required("id"), "readOnly: not required of a request");
    assert!(required("text"));
    let accept = |id: &str| {
        api.operations
            .iter()
            .find(|o| o.id == id)
            .unwrap()
            .accept
            .clone()
    };
    assert_eq!(accept("getNote").as_deref(), Some("application/json"));
    assert_eq!(accept("createNote"), None, "one media type: nothing to ask");
}

#[test]
fn operations_documenting_the_same_errors_share_one_enum() {
    // Seven operations document 404 and 5XX with one body (two of them in
    // the other order), one documents 404 alone, one 404 with another body.
    let mut paths = String::new();
    for i in 0..7 {
        let (first, second) = if i % 3 == 1 {
            ("'5XX'", "'404'")
        } else {
            ("'404'", "'5XX'")
        };
        paths.push_str(&format!(
            r#"  /things{i}:
    get:
      operationId: getThing{i}
      responses:
        '200': {{description: ok}}
        {first}: {{description: no, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Problem'}}}}}}}}
        {second}: {{description: no, content: {{application/json: {{schema: {{$ref: '#/components/schemas/Problem'}}}}}}}}
"#
        ));
    }
    paths.push_str(
        r#"  /alone:
    get:
      operationId: getAlone
      responses:
        '200': {description: ok}
        '404': {description: no, content: {application/json: {schema: {$ref: '#/components/schemas/Problem'}}}}
  /other:
    get:
      operationId: getOther
      responses:
        '200': {description: ok}
        '404': {description: no, content: {application/json: {schema: {$ref: '#/components/schemas/Other'}}}}
"#,
    );
    let text = spec(
        "",
        &paths,
        "    Problem:\n      type: object\n      properties:\n        message: {type: string}\n    Other:\n      type: object\n      properties:\n        code: {type: integer}\n",
    );
    let generated = generate(
        "fragment.yaml",
        &text,
        "fragment",
        &CrateMode::Workspace,
        true,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Lowering decides: one shared enum, named after its statuses, used
    // by the seven; the two with a shape of their own keep their enum.
    let api = &generated.api;
    assert_eq!(api.shared_errors.len(), 1, "{:#?}", api.shared_errors);
    let shared = &api.shared_errors[0];
    assert_eq!(shared.name, "Status404Or5xxError");
    assert_eq!(shared.operations.len(), 7);
    for op in &api.operations {
        let errors = op.errors.as_ref().unwrap();
        let expected = op
            .id
            .starts_with("getThing")
            .then_some("Status404Or5xxError");
        assert_eq!(errors.shared.as_deref(), expected, "{}", op.id);
    }
    let ops = &generated.files["src/operations.rs"];
    syn::parse_file(ops).unwrap_or_else(|e| panic!("{e}"));
    // Rendering prints: one enum with its `from_error`, one alias each.
    assert_eq!(
        ops.matches("pub enum Status404Or5xxError {").count(),
        1,
        "{ops}"
    );
    assert_eq!(
        ops.matches("impl Status404Or5xxError {").count(),
        1,
        "{ops}"
    );
    assert_eq!(ops.matches("pub fn from_error").count(), 3, "{ops}");
    for i in 0..7 {
        assert!(
            ops.contains(&format!("pub type GetThing{i}Error = Status404Or5xxError;")),
            "{ops}"
        );
    }
    assert!(ops.contains("pub enum GetAloneError {"), "{ops}");
    assert!(ops.contains("pub enum GetOtherError {"), "{ops}");
    // Its docs name the first five users, then how many more.
    assert!(
        ops.contains("The error bodies 7 operations document alike, by status: [`Client::get_thing0`](crate::Client::get_thing0), [`Client::get_thing1`](crate::Client::get_thing1), [`Client::get_thing2`](crate::Client::get_thing2), [`Client::get_thing3`](crate::Client::get_thing3), [`Client::get_thing4`](crate::Client::get_thing4) and 2 more."),
        "{ops}"
    );
    assert!(
        ops.contains("The error bodies [`Client::get_thing6`](crate::Client::get_thing6) documents, by status:\n [`Status404Or5xxError`]"),
        "{ops}"
    );
}

/// The generated README's example calls what to call: not a deprecated
/// operation, which the operations table marks.
#[test]
fn the_readme_example_skips_deprecated_operations() {
    let text = spec(
        "",
        r#"  /v1/calls:
    get:
      operationId: listCallsV1
      summary: List calls (old)
      deprecated: true
      responses:
        '204': {description: Nothing.}
  /v2/calls:
    get:
      operationId: listCallsV2
      summary: List calls
      responses:
        '204': {description: Nothing.}
"#,
        "    {}\n",
    );
    let readme = file(&text, "README.md");
    assert!(readme.contains("client.list_calls_v2()"), "{readme}");
    assert!(!readme.contains("client.list_calls_v1()"), "{readme}");
    assert!(
        readme.contains("| `list_calls_v1` | **Deprecated.** List calls (old) |"),
        "{readme}"
    );
}
