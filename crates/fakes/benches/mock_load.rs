//! How long the mock takes to load each corpus spec (schemas converted and
//! registered, nothing compiled yet), to compile every schema and make
//! every documented answer (`Mock::check`), and to check one request of an
//! operation once its schemas are compiled. Medians of many runs.
//!
//! `cargo bench -p dialtone-fakes --bench mock_load [-- RUNS]`
//!
//! A bench binary rather than criterion, like the generator's: no
//! dependency, and the figures it prints (median, min, max over RUNS, in
//! one process) are what the README quotes. YAML parsing is not counted.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use dialtone_fakes::mock::{Mock, MockOptions};
use dialtone_fakes::spec::RequestParts;

fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration, Duration) {
    f(); // warm up
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    samples.sort();
    (samples[runs / 2], samples[0], samples[runs - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20)
        .max(1);
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&corpus)
        .expect("tests/corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    println!(
        "| spec | operations | load (median, min-max) | compile all + make every answer | one request, warm |"
    );
    println!("|---|---|---|---|---|");
    for path in files {
        let text = std::fs::read_to_string(&path).expect("a corpus spec");
        let doc: serde_json::Value = serde_norway::from_str(&text).expect("YAML");
        let options = MockOptions::default();
        // Copies made beforehand: the load takes its document by value.
        let mut docs: Vec<serde_json::Value> = (0..=runs).map(|_| doc.clone()).collect();
        let (load, low, high) = time(runs, || {
            let doc = docs.pop().expect("one copy per run");
            black_box(Mock::new(doc, &options).expect("loads"));
        });
        let mock = Mock::new(doc.clone(), &options).expect("loads");
        let started = Instant::now();
        assert!(mock.check().is_empty());
        let check = started.elapsed();
        // One GET, its path parameters `1`, matched and checked (its
        // schemas are compiled by `check` above).
        let spec = mock.spec();
        let request = spec
            .operations
            .iter()
            .find(|op| op.method == "GET")
            .map(|op| {
                let mut path = spec.base_path.clone();
                let mut inside = false;
                for c in op.path.chars() {
                    match c {
                        '{' => inside = true,
                        '}' => {
                            inside = false;
                            path.push('1');
                        }
                        _ if inside => {}
                        _ => path.push(c),
                    }
                }
                path
            });
        let headers = hyper::HeaderMap::new();
        let one = request.map(|path| {
            time(runs * 50, || {
                let matched = spec.find("GET", &path).expect("matches");
                let decoded = spec
                    .decode(
                        &matched,
                        &RequestParts {
                            query: "",
                            headers: &headers,
                            body: b"",
                        },
                    )
                    .expect("decodes");
                black_box(decoded);
            })
            .0
        });
        println!(
            "| {} | {} | {} ({}-{}) | {} | {} |",
            path.file_name().unwrap_or_default().to_string_lossy(),
            spec.operations.len(),
            ms(load),
            ms(low),
            ms(high),
            ms(check),
            one.map_or("-".into(), |d| format!("{:.1} µs", d.as_secs_f64() * 1e6)),
        );
    }
}
