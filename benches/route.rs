//! Routing at scale: 1,000,000 travellers and 2,000,000 trips in the SQLite store, one
//! detection for a country with 20,000 active trips.
//!
//! Run: `cargo bench --bench route`. Prints import speed for a 100,000-row CSV, the time to
//! compute recipients (load from the store + pure routing) and to commit the alerts, the
//! database size and the process's peak memory. Set `TRIPWATCH_BENCH_TRAVELLERS` to scale.

use std::fmt::Write as _;
use std::time::Instant;

use jiff::Timestamp;
use tripwatch::app::import;
use tripwatch::app::process::advisory_time;
use tripwatch::detect::places::CountryCode;
use tripwatch::detect::{Analysis, Severity};
use tripwatch::route::policy::{self, Policy, RouteDetection, RouteInput};
use tripwatch::store::{AdvisoryState, Store};

const COUNTRIES: &[&str] =
    &["FR", "DE", "US", "GB", "JP", "CN", "IN", "BR", "NG", "EG", "TR", "TH", "MX", "ZA", "AU"];

fn csv_rows(from: usize, to: usize, trips_per: usize, active_kz: usize) -> String {
    let mut s = String::from("name,email,country,city,start,end,manager,timezone\n");
    for i in from..to {
        for k in 0..trips_per {
            let (country, start, end) = if i < active_kz && k == 0 {
                ("KZ", "2022-01-04", "2022-01-12")
            } else if k == 0 {
                ("KZ", "2021-03-01", "2021-03-10")
            } else {
                (COUNTRIES[(i + k) % COUNTRIES.len()], "2022-01-01", "2022-01-20")
            };
            let _ = writeln!(
                s,
                "Traveller {i},t{i}@example.org,{country},,{start},{end},m{}@example.org,UTC",
                i % 1000
            );
        }
    }
    s
}

fn rss_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let travellers: usize =
        std::env::var("TRIPWATCH_BENCH_TRAVELLERS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let active = 20_000.min(travellers);
    let dir = std::env::temp_dir().join(format!("tripwatch-route-bench-{}", std::process::id()));
    let mut store = Store::open(&dir).expect("store");

    // Import speed: the first 100,000 rows as one CSV (parse, validate, upsert).
    let chunk = 50_000;
    let t = Instant::now();
    let first = csv_rows(0, chunk.min(travellers), 2, active);
    let rows = import::parse_csv(&first).expect("csv");
    let parsed = t.elapsed();
    let report = store.import(&rows.travellers, &rows.trips).expect("import");
    let total = t.elapsed();
    let n = rows.trips.len();
    println!(
        "import of a {n}-row CSV: {:.0} rows/s (parse+validate {:.2} s, store {:.2} s); {} travellers, {} trips",
        n as f64 / total.as_secs_f64(),
        parsed.as_secs_f64(),
        (total - parsed).as_secs_f64(),
        report.travellers_created,
        report.trips_created
    );
    // The rest of the population, in chunks.
    let t = Instant::now();
    let mut from = chunk;
    while from < travellers {
        let to = (from + chunk).min(travellers);
        let rows = import::parse_csv(&csv_rows(from, to, 2, active)).expect("csv");
        store.import(&rows.travellers, &rows.trips).expect("import");
        from = to;
    }
    println!(
        "loaded {travellers} travellers and {} trips in {:.1} s",
        travellers * 2,
        t.elapsed().as_secs_f64()
    );

    let kz = CountryCode::parse("KZ").expect("cc");
    let detections = [RouteDetection {
        trigger: "state_of_emergency".into(),
        name: "State of emergency".into(),
        severity: Severity::High,
        country: kz,
        city: None,
        regions: Vec::new(),
        subnational: false,
        evidence: "A state of emergency is in force nationwide.".into(),
        all_clear: false,
    }];
    let adv = tripwatch::sources::parse_bytes(b"id: bench-1\nsource: bench\ndate: 2022-01-06\ncountry: KZ\n\nA state of emergency is in force nationwide.", "bench").expect("advisory");
    let now: Timestamp = "2022-01-06T12:00:00Z".parse().expect("ts");
    let policy = Policy::default();

    // More rounds (TRIPWATCH_BENCH_ROUNDS) make a profile of routing alone possible.
    let rounds: usize =
        std::env::var("TRIPWATCH_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    for round in 0..rounds {
        let t = Instant::now();
        let when = advisory_time(&adv, now);
        let people =
            store.people_for(&[kz], when.to_zoned(jiff::tz::TimeZone::UTC).date(), &policy).expect("people");
        let loaded = t.elapsed();
        let mut recipients: Vec<_> = people.travellers.iter().map(|t| t.email.clone()).collect();
        recipients.sort();
        let history = store.history_for(&recipients, &[kz], &adv.id()).expect("history");
        let with_history = t.elapsed();
        let input = RouteInput { advisory_time: when, now, detections: &detections, previous: &[] };
        let plan = policy::route(&input, &people, &history, &policy);
        let routed = t.elapsed();
        println!(
            "round {round}: {} active trips -> {} messages, {} roll-ups in {:.1} ms (load trips+travellers {:.1} ms, history {:.1} ms, policy {:.1} ms)",
            people.trips.len(),
            plan.messages.len(),
            plan.rollups.len(),
            routed.as_secs_f64() * 1000.0,
            loaded.as_secs_f64() * 1000.0,
            (with_history - loaded).as_secs_f64() * 1000.0,
            (routed - with_history).as_secs_f64() * 1000.0
        );
        if round == rounds - 1 {
            let t = Instant::now();
            let analysis = Analysis { primary_country: Some(kz), detections: Vec::new() };
            let c = store
                .commit_processed(&adv, &AdvisoryState::New, &analysis, &plan, now, now)
                .expect("commit");
            println!(
                "commit: {} alerts, {} roll-ups, {} delivery rows in {:.0} ms",
                c.alerts,
                c.rollups,
                c.deliveries,
                t.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
    let size: u64 = ["tripwatch.db", "tripwatch.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "database size: {:.0} MiB; peak RSS: {:.0} MiB",
        size as f64 / 1048576.0,
        rss_kb("VmHWM") as f64 / 1024.0
    );
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
