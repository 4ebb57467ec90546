//! Detection throughput, side by side with ripgrep on the same bytes and phrases.
//!
//! Run: `cargo bench --bench detect`. Prints matcher build time and memory, end-to-end
//! detection MB/s on one core, per-advisory latency for a ~5 KB advisory, and the same corpus
//! scanned by `rg -c -i -F -f PHRASES` (Debian `ripgrep`), with the ratio.

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tripwatch::config::triggers::default_set;
use tripwatch::detect::normalize::normalize;
use tripwatch::detect::{DetectInput, Engine};
use tripwatch::sources;

const TARGET_BYTES: usize = 32 * 1024 * 1024;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rss0 = rss_kb("VmRSS");
    let t0 = Instant::now();
    let engine = Engine::new(default_set()).expect("engine");
    let build = t0.elapsed();
    let rss1 = rss_kb("VmRSS");
    println!(
        "matcher: {} patterns, built in {:.1} ms, automaton {:.1} MiB, process RSS +{:.1} MiB",
        engine.matcher().pattern_count(),
        ms(build),
        engine.matcher().memory_usage() as f64 / 1048576.0,
        (rss1.saturating_sub(rss0)) as f64 / 1024.0
    );

    // The corpus: the project's own fixture advisories, repeated with varied numbering so no
    // two copies are byte-identical, up to TARGET_BYTES.
    let mut docs: Vec<(String, String)> = Vec::new();
    // TRIPWATCH_BENCH_CORPUS=DIR measures on another folder of text advisories instead.
    let dir = std::env::var_os("TRIPWATCH_BENCH_CORPUS")
        .map_or_else(|| root.join("tests/fixtures/corpus"), std::path::PathBuf::from);
    println!("corpus: advisories from {}", dir.display());
    for entry in std::fs::read_dir(&dir).expect("corpus folder") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "txt") {
            let a = sources::read_file(&p, u64::MAX).expect("fixture parses");
            docs.push((a.title, a.body));
        }
    }
    let mut corpus: Vec<(String, String)> = Vec::new();
    let mut total = 0;
    let mut n = 0;
    while total < TARGET_BYTES {
        let (t, b) = &docs[n % docs.len()];
        let body = format!("{b}\n\nBulletin {n}: situation report number {n} follows.");
        total += t.len() + body.len();
        corpus.push((t.clone(), body));
        n += 1;
    }
    let mb = total as f64 / 1_000_000.0;

    // End to end, one thread: best of 3 (TRIPWATCH_BENCH_ROUNDS for more, to profile).
    let rounds: usize =
        std::env::var("TRIPWATCH_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let mut best = Duration::MAX;
    let mut detections = 0;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        detections = 0;
        for (title, body) in &corpus {
            let a = engine.analyze(&DetectInput { title, body, declared: &[], year: Some(2022), day: None });
            detections += black_box(a.detections.len());
        }
        best = best.min(t.elapsed());
    }
    let ours = mb / best.as_secs_f64();
    println!(
        "tripwatch detect: {:.1} MB in {:.0} ms = {:.1} MB/s on one core ({} advisories, {} detections)",
        mb,
        ms(best),
        ours,
        corpus.len(),
        detections
    );

    // Where the time goes: the same corpus through the first stages only.
    let stage = |f: &dyn Fn(&str, &str) -> usize| -> f64 {
        let t = Instant::now();
        let mut n = 0;
        for (title, body) in &corpus {
            n += f(title, body);
        }
        black_box(n);
        mb / t.elapsed().as_secs_f64()
    };
    let norm = stage(&|t, b| normalize(t).text.len() + normalize(b).text.len());
    let scan = stage(&|t, b| {
        engine.matcher().scan(&normalize(t).text).len() + engine.matcher().scan(&normalize(b).text).len()
    });
    println!("stages alone: normalise {norm:.0} MB/s; normalise + terms and places scan {scan:.0} MB/s");

    // Latency for one ~5 KB advisory.
    let mut five = String::new();
    while five.len() < 5 * 1024 {
        for (_, b) in &docs {
            five.push_str(b);
            five.push_str("\n\n");
        }
    }
    five.truncate(
        five.char_indices().take_while(|(i, _)| *i < 5 * 1024).last().map_or(0, |(i, c)| i + c.len_utf8()),
    );
    let mut lat: Vec<Duration> = (0..2000)
        .map(|_| {
            let t = Instant::now();
            black_box(engine.analyze(&DetectInput {
                title: "Kazakhstan",
                body: &five,
                declared: &[],
                year: Some(2022),
                day: None,
            }));
            t.elapsed()
        })
        .collect();
    lat.sort();
    println!(
        "latency for a {} B advisory: p50 {:.3} ms, p99 {:.3} ms",
        five.len(),
        ms(lat[lat.len() / 2]),
        ms(lat[lat.len() * 99 / 100])
    );
    println!("peak RSS: {:.1} MiB", rss_kb("VmHWM") as f64 / 1024.0);

    // ripgrep over the same bytes with the library's literal phrases.
    let dir = std::env::temp_dir().join(format!("tripwatch-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let corpus_file = dir.join("corpus.txt");
    let phrases_file = dir.join("phrases.txt");
    let mut all = String::with_capacity(total + corpus.len() * 2);
    for (t, b) in &corpus {
        all.push_str(t);
        all.push('\n');
        all.push_str(b);
        all.push('\n');
    }
    std::fs::write(&corpus_file, &all).expect("write corpus");
    let mut phrases: Vec<String> = Vec::new();
    for t in default_set().triggers() {
        phrases.extend(t.phrases.iter().map(|p| p.text.clone()));
        for n in &t.near {
            phrases.extend(n.a.iter().chain(&n.b).map(|p| p.text.clone()));
        }
    }
    phrases.sort();
    phrases.dedup();
    std::fs::write(&phrases_file, phrases.join("\n")).expect("write phrases");
    let rg = |threads: &str| -> Option<Duration> {
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let out = Command::new("rg")
                .args(["-c", "-i", "-F", "-j", threads, "-f"])
                .arg(&phrases_file)
                .arg(&corpus_file)
                .output()
                .ok()?;
            if !out.status.success() {
                return None;
            }
            best = best.min(t.elapsed());
        }
        Some(best)
    };
    match rg("1") {
        Some(d) => {
            let theirs = mb / d.as_secs_f64();
            println!(
                "rg -c -i -F -f PHRASES ({} phrases): {:.0} ms = {:.1} MB/s",
                phrases.len(),
                ms(d),
                theirs
            );
            println!(
                "ratio tripwatch/rg: {:.2} (tripwatch also splits sentences, matches {} place names, applies modifiers and attributes places)",
                ours / theirs,
                tripwatch::detect::places::Gazetteer::get().names().len()
            );
        }
        None => println!("rg not found: install Debian's ripgrep to get the side-by-side ratio"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
