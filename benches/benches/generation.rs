//! Generation time (criterion): the four vendor specs in `specs/` and the
//! scale series up to 1,000 operations (10,000 takes seconds per run: see
//! the `scale` bench, which also reports peak memory).
//!
//! ```text
//! cargo bench -p dialtone-benches --bench generation
//! ```

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use dialtone_benches::scale_spec;
use dialtone_codegen::{CrateMode, generate};

fn vendors(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut group = c.benchmark_group("generate/vendor");
    for spec in dialtone_codegen::workspace::spec_files(root).expect("specs/ is readable") {
        let stem = spec.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&spec).expect("the spec is readable");
        let label = format!("specs/{stem}.yaml");
        group.bench_function(&stem, |b| {
            b.iter(|| {
                generate(&label, black_box(&text), &stem, &CrateMode::Workspace, true)
                    .expect("the vendor spec generates")
            })
        });
    }
    group.finish();
}

fn scale(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate/scale");
    group.sample_size(10);
    for n in [10, 100, 1_000] {
        let text = scale_spec(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                generate(
                    "scale.yaml",
                    black_box(text),
                    "scale",
                    &CrateMode::Workspace,
                    true,
                )
                .expect("the scale spec generates")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, vendors, scale);
criterion_main!(benches);
