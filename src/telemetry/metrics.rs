//! Prometheus metrics: counters and one histogram, kept in process, rendered in the text
//! exposition format at `/metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

/// Delivery latency buckets, seconds (enqueue → accepted).
const BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 3600.0];

/// Most label sets one counter keeps; further ones are added to `{overflow="true"}`.
pub const MAX_SERIES_PER_METRIC: usize = 256;

#[derive(Default)]
struct Registry {
    counters: BTreeMap<(&'static str, String), u64>,
    latency: Vec<u64>,
    latency_sum: f64,
    latency_count: u64,
}

fn registry() -> &'static Mutex<Registry> {
    static R: OnceLock<Mutex<Registry>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(Registry { latency: vec![0; BUCKETS.len()], ..Default::default() }))
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Add `n` to counter `name` with labels like `[("trigger", "curfew")]`.
pub fn add(name: &'static str, labels: &[(&str, &str)], n: u64) {
    let mut labels =
        labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape(v))).collect::<Vec<_>>().join(",");
    let mut r = registry().lock().unwrap_or_else(|p| p.into_inner());
    // Label values can come from outside (source names): past a bound, new label sets of a
    // metric are counted together, so no client can grow the registry without limit.
    if !r.counters.contains_key(&(name, labels.clone()))
        && r.counters.keys().filter(|(n, _)| *n == name).count() >= MAX_SERIES_PER_METRIC
    {
        labels = "overflow=\"true\"".into();
    }
    *r.counters.entry((name, labels)).or_default() += n;
}

/// Record one delivery's latency.
pub fn observe_latency(seconds: f64) {
    let mut r = registry().lock().unwrap_or_else(|p| p.into_inner());
    for (i, b) in BUCKETS.iter().enumerate() {
        if seconds <= *b {
            r.latency[i] += 1;
        }
    }
    r.latency_sum += seconds;
    r.latency_count += 1;
}

/// Render everything, plus the gauges passed in (name, labels, value).
pub fn render(gauges: &[(&str, String, i64)]) -> String {
    let r = registry().lock().unwrap_or_else(|p| p.into_inner());
    let mut out = String::new();
    let mut last = "";
    for ((name, labels), v) in &r.counters {
        if *name != last {
            let _ = writeln!(out, "# TYPE {name} counter");
            last = name;
        }
        let _ = writeln!(out, "{name}{{{labels}}} {v}");
    }
    let _ = writeln!(out, "# TYPE tripwatch_delivery_latency_seconds histogram");
    for (i, b) in BUCKETS.iter().enumerate() {
        let _ = writeln!(out, "tripwatch_delivery_latency_seconds_bucket{{le=\"{b}\"}} {}", r.latency[i]);
    }
    let _ = writeln!(out, "tripwatch_delivery_latency_seconds_bucket{{le=\"+Inf\"}} {}", r.latency_count);
    let _ = writeln!(out, "tripwatch_delivery_latency_seconds_sum {}", r.latency_sum);
    let _ = writeln!(out, "tripwatch_delivery_latency_seconds_count {}", r.latency_count);
    let mut last = "";
    for (name, labels, v) in gauges {
        if *name != last {
            let _ = writeln!(out, "# TYPE {name} gauge");
            last = name;
        }
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {v}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {v}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_exposition_format() {
        add("tripwatch_test_total", &[("trigger", "cur\"few")], 2);
        observe_latency(0.3);
        let text = render(&[("tripwatch_queue_depth", "status=\"pending\"".into(), 5)]);
        assert!(
            text.contains(
                "# TYPE tripwatch_test_total counter\ntripwatch_test_total{trigger=\"cur\\\"few\"} 2"
            ),
            "{text}"
        );
        assert!(text.contains("tripwatch_delivery_latency_seconds_bucket{le=\"0.5\"}"), "{text}");
        assert!(text.contains("tripwatch_queue_depth{status=\"pending\"} 5"), "{text}");
    }
}
