//! Form bodies follow their media type's `encoding`: the default (`form`,
//! exploded) needs nothing, other styles and JSON parts are passed to the
//! runtime by property name.

use crate::{CrateMode, generate};

/// A call-placing endpoint in the style of form-based telephony APIs.
const SPEC: &str = r#"
openapi: 3.0.3
info: {title: Calls, version: '1'}
paths:
  /Accounts/{Sid}/Calls.json:
    post:
      operationId: createCall
      parameters:
        - {name: Sid, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [To]
              properties:
                To: {type: string}
                StatusCallbackEvent: {type: array, items: {type: string}}
                Metadata: {type: object, additionalProperties: {type: string}}
                Tags: {type: array, items: {type: string}}
                Codes: {type: array, items: {type: string}}
                Machine: {type: object, properties: {mode: {type: string}}}
            encoding:
              StatusCallbackEvent: {style: form}
              Metadata: {style: deepObject, explode: true}
              Tags: {style: pipeDelimited}
              Codes: {style: form, explode: false}
              Machine: {contentType: application/json}
      responses:
        '201': {description: created}
  /Accounts/{Sid}/Messages.json:
    post:
      operationId: createMessage
      parameters:
        - {name: Sid, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                MediaUrl: {type: array, items: {type: string}}
      responses:
        '201': {description: created}
"#;

#[test]
fn form_encodings_reach_the_runtime_by_property() {
    let generated = generate("calls.yaml", SPEC, "calls", &CrateMode::Workspace, true)
        .unwrap_or_else(|e| panic!("{e}"));
    let ops: String = generated.files["src/operations.rs"]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace(",)", ")")
        .replace(",]", "]");
    let expected = r#"request.form_styled(&body,&[("Metadata",dialtone_runtime::QueryStyle::DeepObject),("Tags",dialtone_runtime::QueryStyle::PipeDelimited),("Codes",dialtone_runtime::QueryStyle::FormFlat),("Machine",dialtone_runtime::QueryStyle::Json)])"#;
    assert!(ops.contains(expected), "no {expected} in {ops}");
    // `style: form` (exploded by default) is the default: not listed.
    assert!(!ops.contains(r#"("StatusCallbackEvent""#));
    // Without an `encoding`, the plain form.
    assert_eq!(ops.matches("request.form(&").count(), 1);
}
