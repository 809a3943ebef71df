//! Helpers for Dialtone's benchmarks (`cargo bench -p dialtone-benches`).
//!
//! [`scale_spec`] writes the synthetic scale series: specs of N operations,
//! each a path with a path and a query parameter, a JSON request body and a
//! JSON response, and three schemas of its own. Deterministic, so figures
//! from different runs and machines describe the same input.

use std::fmt::Write;

/// The sizes of the scale series.
pub const SCALE_SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// An OpenAPI 3.0 document (YAML) with `operations` operations and three
/// schemas per operation (`Widget{i}`, `Widget{i}Detail`, `Widget{i}Created`).
///
/// Every operation also has an inline `meta` object in its response, so
/// that inline type names collide once per operation: real specs repeat
/// property names like `meta`, `data` and `links` across resources, and
/// the generator must keep such names unique without quadratic cost.
pub fn scale_spec(operations: usize) -> String {
    let mut out = String::with_capacity(operations * 1_600 + 512);
    out.push_str(
        "openapi: 3.0.3\n\
         info:\n  title: Scale series\n  version: '1.0'\n  \
         description: A synthetic spec for Dialtone's scaling benchmarks.\n\
         servers:\n  - url: https://api.scale.example/v1\n\
         paths:\n",
    );
    for i in 0..operations {
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "  /widgets{i}/{{widgetId}}:
    post:
      operationId: updateWidget{i}
      summary: Update widget family {i}
      parameters:
        - {{name: widgetId, in: path, required: true, schema: {{type: string, maxLength: 64}}}}
        - {{name: dryRun, in: query, schema: {{type: boolean}}}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {{$ref: '#/components/schemas/Widget{i}'}}
      responses:
        '200':
          description: The updated widget.
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Widget{i}Created'}}
"
        );
    }
    out.push_str("components:\n  schemas:\n");
    for i in 0..operations {
        let _ = write!(
            out,
            "    Widget{i}:
      type: object
      description: The writable fields of widget family {i}.
      required: [name]
      properties:
        name: {{type: string, minLength: 1, maxLength: 128}}
        count: {{type: integer, format: int32, minimum: 0}}
        tags:
          type: array
          maxItems: 16
          items: {{type: string}}
    Widget{i}Detail:
      type: object
      required: [id, status]
      properties:
        id: {{type: string}}
        status: {{type: string, enum: [active, retired]}}
        created_at: {{type: string, format: date-time}}
        labels:
          type: object
          additionalProperties: {{type: string}}
    Widget{i}Created:
      type: object
      required: [item]
      properties:
        item: {{$ref: '#/components/schemas/Widget{i}Detail'}}
        meta:
          type: object
          properties:
            revision: {{type: integer, format: int64}}
"
        );
    }
    out
}

/// The middle sample (the upper middle of an even count): benches quote
/// medians. Panics on no samples.
pub fn median<T: Ord>(mut samples: Vec<T>) -> T {
    samples.sort_unstable();
    samples.swap_remove(samples.len() / 2)
}

/// This process's peak resident set size in bytes (`VmHWM`), where the
/// platform reports it (Linux).
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
