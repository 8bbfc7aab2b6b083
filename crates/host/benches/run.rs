//! How fast the host runs programs: warm runs (a prepared program instantiated afresh each
//! time) of a trivial WASI module, JavaScript and Python hellos; cold starts of Python with and
//! without the on-disk module cache; what epoch interruption and fuel metering cost on a CPU
//! loop; the pooling allocator against on-demand allocation. Then runs per second of the
//! trivial module on every core, measured by hand (criterion runs one thread).
//!
//! `cargo bench -p kiln-host --bench run` (after `./dev test` has built the runtimes).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)]
#![allow(clippy::semicolon_if_nothing_returned)] // criterion closures read better without

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use kiln_host::{Host, HostConfig, Language, Limits};

const TRIVIAL: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;

/// 50 million iterations of a counting loop.
const LOOP: &str = r#"(module
  (func (export "_start") (local $i i32)
    (loop $l (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 50000000))))))"#;

fn host(config: &HostConfig) -> Host {
    Host::with_config(config).unwrap()
}

fn warm(c: &mut Criterion) {
    let limits = Limits::default();
    let mut g = c.benchmark_group("warm");
    for (name, pooling) in [
        ("wat_trivial_on_demand", false),
        ("wat_trivial_pooling", true),
    ] {
        let h = host(&HostConfig {
            pooling,
            ..HostConfig::default()
        });
        let p = h.prepare(Language::Wat, TRIVIAL.as_bytes()).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| h.run_program(&p, b"", &limits).unwrap())
        });
    }
    let h = host(&HostConfig::default());
    for (name, lang, src) in [
        ("js_hello", Language::JavaScript, "console.log('hello')"),
        ("py_hello", Language::Python, "print('hello')"),
    ] {
        // The default host: pooling, no fuel metering.
        if !lang.available() {
            eprintln!(
                "skipping {name}: no {} runtime in this build (run ./dev test first)",
                lang.name()
            );
            continue;
        }
        let p = h.prepare(lang, src.as_bytes()).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| h.run_program(&p, b"", &limits).unwrap())
        });
    }
    g.finish();
}

fn cold(c: &mut Criterion) {
    if !Language::Python.available() {
        return;
    }
    let limits = Limits::default();
    let dir = std::env::temp_dir().join(format!("kiln-bench-cache-{}", std::process::id()));
    let mut g = c.benchmark_group("cold_python");
    g.sample_size(10).measurement_time(Duration::from_secs(30));
    g.bench_function("no_cache", |b| {
        b.iter(|| {
            host(&HostConfig::default())
                .run(Language::Python, b"print(1)", b"", &limits)
                .unwrap()
        })
    });
    // Fill the cache once, then every sample loads from it.
    let mut warmup = host(&HostConfig::default());
    warmup.set_cache_dir(&dir).unwrap();
    warmup.prepare(Language::Python, b"").unwrap();
    g.bench_function("with_cache", |b| {
        b.iter(|| {
            let mut h = host(&HostConfig::default());
            h.set_cache_dir(&dir).unwrap();
            h.run(Language::Python, b"print(1)", b"", &limits).unwrap()
        })
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn interruption(c: &mut Criterion) {
    let limits = Limits {
        timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    let mut g = c.benchmark_group("loop_50M");
    g.sample_size(10);
    for (name, epoch, fuel) in [
        ("neither", false, false),
        ("epoch", true, false),
        ("fuel", false, true),
        ("epoch_and_fuel", true, true),
    ] {
        let h = host(&HostConfig {
            epoch,
            fuel,
            ..HostConfig::default()
        });
        let p = h.prepare(Language::Wat, LOOP.as_bytes()).unwrap();
        g.bench_function(name, |b| {
            b.iter(|| h.run_program(&p, b"", &limits).unwrap())
        });
    }
    g.finish();
}

/// Runs per second of the trivial module, one thread per core, sharing one prepared program.
fn throughput() {
    let h = host(&HostConfig::default());
    let p = h.prepare(Language::Wat, TRIVIAL.as_bytes()).unwrap();
    let limits = Limits::default();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = 20_000;
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                for _ in 0..per_thread {
                    h.run_program(&p, b"", &limits).unwrap();
                }
            });
        }
    });
    let secs = start.elapsed().as_secs_f64();
    println!(
        "throughput: {} runs on {threads} threads in {secs:.2} s = {:.0} runs/s",
        threads * per_thread,
        (threads * per_thread) as f64 / secs
    );
}

criterion_group!(benches, warm, cold, interruption);

fn main() {
    benches();
    throughput();
    Criterion::default().configure_from_args().final_summary();
}
