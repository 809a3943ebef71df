//! Specs the generator refuses: one clear error each, with the file and the
//! JSON pointer of the offending node.

use dialtone_codegen::{CrateMode, Error, generate};

fn error(text: &str) -> Error {
    match generate("specs/bad.yaml", text, "bad", &CrateMode::Workspace, true) {
        Ok(_) => panic!("the spec should be refused"),
        Err(e) => e,
    }
}

const HEAD: &str = "openapi: 3.0.3\ninfo: {title: Bad, version: '1'}\n";

fn with_schema(schema: &str) -> String {
    format!(
        "{HEAD}paths:\n  /x:\n    get:\n      operationId: getX\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/X'}}\ncomponents:\n  schemas:\n    X:\n{schema}"
    )
}

#[test]
fn malformed_yaml_names_the_line() {
    let e = error("openapi: 3.0.3\ninfo: {title: [\n");
    assert_eq!(e.file, "specs/bad.yaml");
    assert_eq!(e.pointer, "");
    assert!(e.to_string().contains("line"), "{e}");
}

#[test]
fn dangling_ref_names_the_ref() {
    let e = error(&with_schema(
        "      type: object\n      properties:\n        y: {$ref: '#/components/schemas/Nope'}\n",
    ));
    assert_eq!(e.pointer, "/components/schemas/X/properties/y/$ref");
    assert_eq!(
        e.to_string(),
        "specs/bad.yaml#/components/schemas/X/properties/y/$ref: expected a $ref to a component that exists, found dangling reference \"#/components/schemas/Nope\""
    );
}

#[test]
fn unsupported_composition_is_refused_where_it_is() {
    // A string cannot be merged into, or flattened into, a struct.
    let e = error(&with_schema(
        "      allOf:\n        - {type: string}\n        - {type: object, properties: {a: {type: string}}}\n",
    ));
    assert_eq!(e.pointer, "/components/schemas/X/allOf/0");
    assert!(e.to_string().contains("cannot be flattened"), "{e}");
}

#[test]
fn external_refs_are_refused() {
    let e = error(&with_schema(
        "      type: object\n      properties:\n        y: {$ref: 'other.yaml#/Y'}\n",
    ));
    assert_eq!(e.pointer, "/components/schemas/X/properties/y/$ref");
    assert!(e.expected.contains("local reference"), "{e}");
}

#[test]
fn required_names_a_listed_property() {
    let e = error(&with_schema(
        "      type: object\n      required: [a, b]\n      properties:\n        a: {type: string}\n",
    ));
    assert_eq!(e.pointer, "/components/schemas/X/required/1");
}

#[test]
fn patterns_must_compile() {
    // An unclosed group: no engine reads it.
    let e = error(&with_schema(
        "      type: object\n      properties:\n        a: {type: string, pattern: '^(x'}\n",
    ));
    assert_eq!(e.pointer, "/components/schemas/X/properties/a/pattern");
    // Look-around is read (by fancy-regex), so the spec generates.
    let text = with_schema(
        "      type: object\n      properties:\n        a: {type: string, pattern: '^(?=x)'}\n",
    );
    let generated = generate("specs/ok.yaml", &text, "ok", &CrateMode::Workspace, true)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        generated.files["src/patterns.rs"].contains("validate::LookAround::new"),
        "{}",
        generated.files["src/patterns.rs"]
    );
}

#[test]
fn path_templates_and_parameters_agree() {
    let text = format!(
        "{HEAD}paths:\n  /x/{{id}}:\n    get:\n      operationId: getX\n      responses:\n        '204': {{description: ok}}\n"
    );
    let e = error(&text);
    assert_eq!(e.pointer, "/paths/~1x~1{id}/get");
    assert!(e.expected.contains("path parameter named `id`"), "{e}");
}

#[test]
fn envelopes_must_fit_the_schema() {
    let text = format!(
        "{HEAD}x-dialtone-envelope: {{response: data}}\npaths:\n  /x:\n    get:\n      operationId: getX\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{type: array, items: {{type: string}}}}\n"
    );
    let e = error(&text);
    assert_eq!(
        e.pointer,
        "/paths/~1x/get/responses/200/content/application~1json/schema"
    );
    assert!(e.expected.contains("required property `data`"), "{e}");
}

#[test]
fn extensions_are_checked() {
    let text = format!("{HEAD}x-dialtone-example-operation: nope\npaths: {{}}\n");
    let e = error(&text);
    assert_eq!(e.pointer, "/x-dialtone-example-operation");
}

#[test]
fn other_openapi_versions_are_one_clear_error() {
    let e = error("openapi: 4.0.0\ninfo: {title: Bad, version: '1'}\npaths: {}\n");
    assert_eq!(e.pointer, "/openapi");
    let e = error("swagger: '2.0'\n");
    assert_eq!(e.pointer, "/swagger");
    assert!(e.expected.contains("Swagger 2.0 is not supported"), "{e}");
}

#[test]
fn structural_errors_point_below_flattened_maps() {
    let e = error(&format!(
        "{HEAD}paths:\n  /a:\n    get:\n      responses: 7\n"
    ));
    assert_eq!(e.pointer, "/paths/~1a/get/responses");
}

#[test]
fn crate_names_are_checked() {
    let e = generate(
        "specs/Bad Name.yaml",
        HEAD,
        "Bad Name",
        &CrateMode::Workspace,
        true,
    )
    .unwrap_err();
    assert!(e.expected.contains("crate name"), "{e}");
    // Names of Dialtone's own packages would collide with them.
    for name in ["runtime", "fakes", "codegen", "tests"] {
        let e = generate("specs/x.yaml", HEAD, name, &CrateMode::Workspace, true).unwrap_err();
        assert!(e.expected.contains("Dialtone's own packages"), "{e}");
    }
}

/// A spec with one operation taking `param` (a parameter written in YAML).
fn with_param(param: &str) -> String {
    format!(
        "{HEAD}paths:\n  /x/{{id}}:\n    get:\n      operationId: getX\n      parameters:\n        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n        - {param}\n      responses:\n        '204': {{description: ok}}\n"
    )
}

#[test]
fn parameters_are_refused_where_they_cannot_be_sent_as_written() {
    const AT: &str = "/paths/~1x~1{id}/get/parameters/1";
    let object = "{type: object, properties: {a: {type: string}}}";
    for (param, keyword, what) in [
        (
            "{name: f, in: header, content: {application/json: {schema: {type: object}}}}"
                .to_owned(),
            "content",
            "in the query",
        ),
        (
            format!("{{name: f, in: header, explode: true, schema: {object}}}"),
            "explode",
            "path or header",
        ),
        (
            "{name: f, in: cookie, schema: {type: array, items: {type: string}}}".to_owned(),
            "explode",
            "cookie",
        ),
    ] {
        let e = error(&with_param(&param));
        assert_eq!(e.pointer, format!("{AT}/{keyword}"), "{e}");
        assert!(e.expected.contains(what), "{e}");
        // Leniently, an optional parameter is left out, with its reason.
        let spec = with_param(&param);
        let lenient = generate("specs/bad.yaml", &spec, "bad", &CrateMode::Workspace, false)
            .unwrap_or_else(|e| panic!("{e}"));
        let skipped = &lenient.api.skipped;
        assert!(
            skipped
                .iter()
                .any(|s| s.pointer == format!("{AT}/{keyword}")),
            "{skipped:?}"
        );
        assert!(
            lenient.api.operations[0]
                .params
                .iter()
                .all(|p| p.wire_name != "f")
        );
    }
    // What can be sent as written is.
    for param in [
        "{name: f, in: query, content: {application/json: {schema: {type: object}}}}".to_owned(),
        format!("{{name: f, in: header, schema: {object}}}"),
        "{name: f, in: cookie, explode: false, schema: {type: array, items: {type: string}}}"
            .to_owned(),
        "{name: f, in: header, explode: true, schema: {type: array, items: {type: string}}}"
            .to_owned(),
    ] {
        generate(
            "specs/ok.yaml",
            &with_param(&param),
            "ok",
            &CrateMode::Workspace,
            true,
        )
        .unwrap_or_else(|e| panic!("{param}: {e}"));
    }
}
