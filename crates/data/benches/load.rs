//! Loading and preprocessing speed: CSV text generated in memory (so the bench needs no data
//! files), a million-row transform, and the real train.csv when `DATA_DIR` is set.

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use data::rng::{Stream, stream};
use data::{PreprocessOptions, Preprocessor, Schema, load_csv, read_csv};
use rand::Rng;

/// `rows` listings-shaped CSV rows, about 3% of feature cells missing.
fn csv_text(rows: usize) -> String {
    let schema = Schema::listings();
    let mut rng = stream(1, Stream::Synth);
    let levels = [["A", "B", "C", "D", "E"], ["x", "y", "z", "x", "y"]];
    let mut text = schema.feature_columns().collect::<Vec<_>>().join(",");
    text.push_str(&format!(",{}\n", schema.label));
    for _ in 0..rows {
        for column in levels {
            if rng.random_bool(0.97) {
                text.push_str(column[rng.random_range(0..5)]);
            }
            text.push(',');
        }
        for scale in [30.0, 100.0, 200.0, 365.0] {
            if rng.random_bool(0.97) {
                let v: f64 = rng.random_range(0.0..scale);
                let _ = write!(text, "{:.1}", v);
            }
            text.push(',');
        }
        let _ = writeln!(text, "{}", rng.random_range(0..4));
    }
    text
}

fn bench(c: &mut Criterion) {
    let schema = Schema::listings();
    let rows = 41_348;
    let text = csv_text(rows);
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.throughput(Throughput::Elements(rows as u64));
    group.bench_function("read_csv 41k rows", |b| {
        b.iter(|| read_csv(black_box(text.as_bytes()), "bench", &schema).map(|l| l.table.n_rows()))
    });
    let table = read_csv(text.as_bytes(), "bench", &schema).unwrap().table;
    let all: Vec<usize> = (0..rows).collect();
    let options = PreprocessOptions::default();
    group.bench_function("fit 41k rows", |b| {
        b.iter(|| Preprocessor::fit(black_box(&table), &all, &options).map(|p| p.numeric()[0].mean))
    });
    let p = Preprocessor::fit(&table, &all, &options).unwrap();
    let million: Vec<usize> = (0..1_000_000).map(|k| k % rows).collect();
    group.throughput(Throughput::Elements(million.len() as u64));
    group.bench_function("transform 1M rows", |b| {
        b.iter(|| {
            p.transform(black_box(&table), &million)
                .map(|d| d.x.nrows())
        })
    });
    if let Some(dir) = std::env::var_os("DATA_DIR") {
        let dir = PathBuf::from(dir);
        let dir = if dir.is_relative() {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(dir)
        } else {
            dir
        };
        let path = dir.join("train.csv");
        group.throughput(Throughput::Elements(41_348));
        group.bench_function("train.csv load + fit + transform", |b| {
            b.iter(|| {
                let t = load_csv(&path, &schema).ok()?.table;
                let rows: Vec<usize> = (0..t.n_rows()).collect();
                let p = Preprocessor::fit(&t, &rows, &options).ok()?;
                p.transform(&t, &rows).ok().map(|d| d.x.ncols())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
