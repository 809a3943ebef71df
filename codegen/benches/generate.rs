//! Generation time per spec in specs/ and tests/corpus/ (lenient), by
//! stage, as medians of many runs.
//!
//! `cargo bench -p dialtone-codegen --bench generate [-- RUNS]`
//!
//! A bench binary rather than criterion: it needs no dependency, and the
//! figures it prints (median, min, max over RUNS, in one process) are what
//! the notes quote. Machines are shared, so compare medians from one run.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use dialtone_codegen::{CrateMode, generate, lower_spec, render};

fn median(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    (
        samples[samples.len() / 2],
        samples[0],
        samples[samples.len() - 1],
    )
}

fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration, Duration) {
    f(); // warm up
    median(
        (0..runs)
            .map(|_| {
                let started = Instant::now();
                f();
                started.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut specs: Vec<(std::path::PathBuf, bool)> = dialtone_codegen::workspace::spec_files(root)
        .expect("specs/ is readable")
        .into_iter()
        .map(|s| (s, true))
        .collect();
    let mut corpus: Vec<_> = std::fs::read_dir(root.join("tests/corpus"))
        .expect("tests/corpus is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    corpus.sort();
    specs.extend(corpus.into_iter().map(|s| (s, false)));
    println!("{runs} runs per figure; median (min..max)");
    for (spec, strict) in specs {
        let stem = spec.file_stem().unwrap().to_str().unwrap().to_owned();
        let label = spec.display().to_string();
        let text = std::fs::read_to_string(&spec).unwrap();
        let api = lower_spec(&label, &text, &stem, strict).unwrap();
        let lower = time(runs, || {
            black_box(lower_spec(&label, black_box(&text), &stem, strict).unwrap());
        });
        let render_only = time(runs, || {
            black_box(render::render(black_box(&api), &CrateMode::Workspace));
        });
        let total = time(runs, || {
            black_box(
                generate(
                    &label,
                    black_box(&text),
                    &stem,
                    &CrateMode::Workspace,
                    strict,
                )
                .unwrap(),
            );
        });
        let show =
            |(m, lo, hi): (Duration, Duration, Duration)| format!("{m:.2?} ({lo:.2?}..{hi:.2?})");
        println!(
            "{stem}: {} ops, {} types | parse+lower {} | render {} | total {}",
            api.operations.len(),
            api.types.len(),
            show(lower),
            show(render_only),
            show(total)
        );
    }
}
