//! Generation at scale: time and peak memory per size of the synthetic
//! scale series ([`dialtone_benches::scale_spec`]), by stage.
//!
//! ```text
//! cargo bench -p dialtone-benches --bench scale [-- [SIZES] [--runs R] [--write DIR]]
//! cargo bench -p dialtone-benches --bench scale -- --specs [--runs R]
//! ```
//!
//! `--specs` measures the four vendor specs and the corpus specs instead
//! (each in a process of its own, generated as `dialtone generate` does,
//! nothing written; median of R runs, default 5, and peak memory).
//!
//! SIZES is a comma-separated list (default `10,100,1000,10000`). Each size
//! runs in a child process of its own, so that its peak resident set size
//! (`VmHWM`) is its own; the child times lowering (parse included),
//! rendering and the whole generation, R times each (default 3; 1 above
//! 1,000 operations), and reports the medians. `--write DIR` only writes
//! the specs (`DIR/scale-N.yaml`), for measuring the `dialtone` command.
//!
//! Output: one line per size, then the time per operation of each stage
//! at every size relative to the smallest size >= 100 (the ratio
//! `.ci/scale` checks). `--child N [--lower-only]` runs one size in this
//! process (for a profiler: `valgrind --tool=callgrind`). A bench binary rather than criterion: peak memory
//! needs a process per measurement, and a 10,000-operation run is too long
//! for criterion's sampling.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use dialtone_benches::{SCALE_SIZES, median, peak_rss, scale_spec};
use dialtone_codegen::{CrateMode, lower_spec, render};

#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One size, in this process: prints `n lower render total bytes peak`
/// (with `lower_only`, rendering is skipped: for profiling lowering).
fn child(n: usize, runs: usize, lower_only: bool) {
    let text = scale_spec(n);
    let (mut lower, mut render_t, mut total) = (vec![], vec![], vec![]);
    let mut bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let api = lower_spec("scale.yaml", black_box(&text), "scale", true).expect("lowers");
        let lowered = started.elapsed();
        if lower_only {
            drop(black_box(api));
            lower.push(lowered);
            render_t.push(Duration::ZERO);
            total.push(lowered);
            continue;
        }
        let files = render::render(&api, &CrateMode::Workspace);
        let all = started.elapsed();
        bytes = files.values().map(String::len).sum::<usize>();
        drop(black_box(files));
        drop(api);
        lower.push(lowered);
        render_t.push(all - lowered);
        total.push(all);
    }
    println!(
        "{n} {} {} {} {bytes} {}",
        median(lower).as_nanos(),
        median(render_t).as_nanos(),
        median(total).as_nanos(),
        peak_rss().unwrap_or(0)
    );
}

/// One spec file, in this process, generated as `dialtone generate` does
/// (read, bundle, lower, render; nothing written), `runs` times: prints
/// `operations types median_ns bytes peak`.
fn spec_child(path: &std::path::Path, runs: usize) {
    let mut times = vec![];
    let (mut ops, mut types, mut bytes) = (0, 0, 0);
    for _ in 0..runs {
        let started = Instant::now();
        let generated = dialtone_codegen::Generator::new(path)
            .generate()
            .expect("the spec generates");
        times.push(started.elapsed());
        ops = generated.api.operations.len();
        types = generated.api.types.len();
        bytes = generated.files.values().map(String::len).sum::<usize>();
        drop(black_box(generated));
    }
    println!(
        "{ops} {types} {} {bytes} {}",
        median(times).as_nanos(),
        peak_rss().unwrap_or(0)
    );
}

/// `--specs`: the four vendor specs and every corpus spec (but the
/// deliberately broken `hostile*`), each in a process of its own.
fn specs(runs: Option<usize>) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let mut files = vec![];
    for dir in ["specs", "tests/corpus"] {
        let mut here: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("the spec folder is readable")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .filter(|p| {
                !p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("hostile")
            })
            .collect();
        here.sort();
        files.extend(here.into_iter().map(|p| (dir, p)));
    }
    let exe = std::env::current_exe().expect("the bench binary knows its path");
    println!("| spec | operations | types | generation (median) | output | peak RSS |");
    println!("|---|---|---|---|---|---|");
    for (dir, path) in files {
        let mut cmd = Command::new(&exe);
        cmd.arg("--spec-child").arg(&path);
        if let Some(r) = runs {
            cmd.args(["--runs", &r.to_string()]);
        }
        let out = cmd.output().expect("the child runs");
        let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
        if !out.status.success() {
            println!(
                "| `{name}` | failed: {} |",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            continue;
        }
        let line = String::from_utf8(out.stdout).expect("UTF-8");
        let f: Vec<u128> = line
            .split_whitespace()
            .map(|x| x.parse().expect("numbers"))
            .collect();
        let [ops, types, ns, bytes, peak] = f[..] else {
            panic!("unexpected child output {line:?}")
        };
        println!(
            "| `{name}` | {ops} | {types} | {:.1} ms | {:.2} MB | {:.1} MB |",
            ns as f64 / 1e6,
            bytes as f64 / 1e6,
            peak as f64 / 1e6
        );
    }
}

fn main() {
    // As the `dialtone` command does (see `no_huge_pages`).
    dialtone_cli::no_huge_pages();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let runs: Option<usize> = value("--runs").map(|r| r.parse().expect("--runs R"));
    if let Some(path) = value("--spec-child") {
        spec_child(std::path::Path::new(path), runs.unwrap_or(5));
        return;
    }
    if args.iter().any(|a| a == "--specs") {
        specs(runs);
        return;
    }
    if let Some(n) = value("--child") {
        let n: usize = n.parse().expect("--child N");
        let lower_only = args.iter().any(|a| a == "--lower-only");
        child(n, runs.unwrap_or(if n > 1_000 { 1 } else { 3 }), lower_only);
        return;
    }
    let sizes: Vec<usize> = args
        .iter()
        .find(|a| a.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(|list| {
            list.split(',')
                .map(|s| s.parse().expect("SIZES: numbers separated by commas"))
                .collect()
        })
        .unwrap_or(SCALE_SIZES.to_vec());
    if let Some(dir) = value("--write") {
        std::fs::create_dir_all(dir).expect("--write DIR is creatable");
        for n in sizes {
            let path = std::path::Path::new(dir).join(format!("scale-{n}.yaml"));
            std::fs::write(&path, scale_spec(n)).expect("the spec is writable");
            println!("{}", path.display());
        }
        return;
    }
    let exe = std::env::current_exe().expect("the bench binary knows its path");
    println!("size | lower (parse incl.) | render | total | per op | output | peak RSS");
    let mut rows = vec![];
    for n in sizes {
        let mut cmd = Command::new(&exe);
        cmd.args(["--child", &n.to_string()]);
        if let Some(r) = runs {
            cmd.args(["--runs", &r.to_string()]);
        }
        let out = cmd.output().expect("the child runs");
        assert!(
            out.status.success(),
            "size {n}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8(out.stdout).expect("UTF-8");
        let f: Vec<u128> = line
            .split_whitespace()
            .map(|x| x.parse().expect("numbers"))
            .collect();
        let [_, lower, render, total, bytes, peak] = f[..] else {
            panic!("unexpected child output {line:?}")
        };
        let ms = |ns: u128| ns as f64 / 1e6;
        println!(
            "{n:>6} ops | {:>10.1} ms | {:>10.1} ms | {:>10.1} ms | {:>7.1} us | {:>6.1} MB | {:>7.1} MB",
            ms(lower),
            ms(render),
            ms(total),
            total as f64 / n as f64 / 1e3,
            bytes as f64 / 1e6,
            peak as f64 / 1e6
        );
        rows.push((n, lower, render, total));
    }
    if let Some(&(base, bl, br, bt)) = rows.iter().find(|r| r.0 >= 100).or(rows.first()) {
        let per = |x: u128, n: usize| x as f64 / n as f64;
        for &(n, l, r, t) in &rows {
            println!(
                "ratio per op {n} vs {base}: lower {:.2} render {:.2} total {:.2}",
                per(l, n) / per(bl, base),
                per(r, n) / per(br, base),
                per(t, n) / per(bt, base)
            );
        }
    }
}
