//! The linter finds what a faithful spec must not lack.

use dialtone_codegen::lint::lint;

const SPEC: &str = r#"openapi: 3.0.3
info: {title: Lint, version: '1'}
paths:
  /things:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
              examples:
                bad:
                  value: {name: "far too long a name", kind: square, extra: 1, size: 0}
    post:
      operationId: createThing
      summary: Create a thing
      description: Needs the EditThings permission.
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
            examples:
              good:
                value: {name: ok, kind: round, size: 3}
      responses:
        '204': {description: Created.}
        '400': {description: Bad.}
components:
  schemas:
    Thing:
      type: object
      required: [name, kind]
      properties:
        name: {type: string, maxLength: 5, description: The name.}
        kind: {$ref: '#/components/schemas/Kind'}
        size: {type: integer, minimum: 1}
    Kind:
      description: A kind.
      type: string
      enum: [round]
"#;

#[test]
fn each_rule_reports_the_node() {
    let findings = lint("specs/lint.yaml", SPEC, "lint").unwrap();
    let shown: Vec<String> = findings.iter().map(ToString::to_string).collect();
    let expect = [
        "specs/lint.yaml#/paths/~1things/get: operation has no operationId",
        "specs/lint.yaml#/paths/~1things/get: operation has no summary",
        "specs/lint.yaml#/paths/~1things/get: operation has no description (state the vendor's permission or scope there)",
        "specs/lint.yaml#/paths/~1things/get/responses: no documented error (4xx/5xx or default) response",
        "specs/lint.yaml#/components/schemas/Thing: public model `Thing` has no description",
        "specs/lint.yaml#/components/schemas/Thing/properties/size: property `size` of `Thing` has no description",
        "specs/lint.yaml#/paths/~1things/get/responses/200/content/application~1json/examples/bad/value/name: example does not match its schema: length 19 is outside None..=Some(5)",
        "specs/lint.yaml#/paths/~1things/get/responses/200/content/application~1json/examples/bad/value/kind: example does not match its schema: \"square\" is not one of the values of `Kind`",
        "specs/lint.yaml#/paths/~1things/get/responses/200/content/application~1json/examples/bad/value/size: example does not match its schema: 0 is outside Some(1.0)..=None",
        "specs/lint.yaml#/paths/~1things/get/responses/200/content/application~1json/examples/bad/value/extra: example does not match its schema: `Thing` has no property `extra` (and does not keep unknown ones)",
    ];
    for line in expect {
        assert!(
            shown.iter().any(|s| s == line),
            "missing finding:\n{line}\nall:\n{}",
            shown.join("\n")
        );
    }
    assert_eq!(
        shown.len(),
        expect.len(),
        "unexpected findings:\n{}",
        shown.join("\n")
    );
}

/// The linter reads a spec as generation does: `$ref`s to other files are
/// read from the spec's folder (and only there).
#[test]
fn external_refs_are_read_from_the_spec_folder() {
    use dialtone_codegen::SpecSource;
    use dialtone_codegen::lint::lint_source;

    let dir = std::env::temp_dir().join(format!("dialtone-lint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("spec.yaml");
    let text = SPEC.replace(
        "kind: {$ref: '#/components/schemas/Kind'}",
        "kind: {$ref: 'kind.yaml'}",
    );
    std::fs::write(&spec, &text).unwrap();
    std::fs::write(
        dir.join("kind.yaml"),
        "description: A kind.\ntype: string\nenum: [round]\n",
    )
    .unwrap();
    let found = lint_source("spec.yaml", &text, "lint", &SpecSource::file(&spec));
    // Without the spec's folder, the reference cannot be read.
    let refused = lint("spec.yaml", &text, "lint");
    std::fs::remove_dir_all(&dir).unwrap();
    let shown: Vec<String> = found.unwrap().iter().map(ToString::to_string).collect();
    assert!(
        shown
            .iter()
            .any(|s| s.contains("\"square\" is not one of the values of `Kind")),
        "{shown:#?}"
    );
    assert!(refused.is_err());
}
