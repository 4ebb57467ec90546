//! `tripwatch eval`: score detection against a labelled corpus (`labels.toml` + `*.txt`).
//!
//! Each document's affirmed detections are reduced to `(trigger, country)` pairs over the ten
//! scored triggers; pairs in `fires` are true positives when found and false negatives when
//! not, pairs in `ambiguous` are not scored, anything else found is a false positive.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::detect::Engine;
use crate::sources;

/// The scored vocabulary.
pub const SCORED: &[&str] = &[
    "state_of_emergency",
    "state_of_emergency_lifted",
    "entry_ban",
    "live_ammunition",
    "curfew",
    "airport_closure",
    "internet_shutdown",
    "banking_suspension",
    "martial_law",
    "evacuation",
];

#[derive(Deserialize)]
struct Labels {
    #[serde(default)]
    doc: Vec<Doc>,
}

#[derive(Deserialize)]
struct Doc {
    file: String,
    #[serde(default)]
    primary_country: Option<String>,
    #[serde(default)]
    fires: Vec<Pair>,
    #[serde(default)]
    #[allow(dead_code)]
    not_fires: Vec<toml::Value>,
    #[serde(default)]
    ambiguous: Vec<Pair>,
    #[serde(default)]
    #[allow(dead_code)]
    notes: Option<String>,
}

#[derive(Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Pair {
    trigger: String,
    country: String,
}

/// Counts for one trigger or overall.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub r#fn: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.r#fn)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// One document's outcome.
#[derive(Debug, Serialize)]
pub struct DocResult {
    pub file: String,
    pub primary_expected: Option<String>,
    pub primary_found: Option<String>,
    pub tp: Vec<(String, String)>,
    pub fp: Vec<(String, String)>,
    pub r#fn: Vec<(String, String)>,
    pub error: Option<String>,
}

/// The whole evaluation.
#[derive(Debug, Serialize)]
pub struct Report {
    pub docs: Vec<DocResult>,
    pub per_trigger: BTreeMap<String, Counts>,
    pub micro: Counts,
}

/// Score `engine` on the corpus in `dir`.
pub fn run(cfg: &Config, engine: &Engine, dir: &Path) -> anyhow::Result<Report> {
    let labels_path = dir.join("labels.toml");
    let src = std::fs::read_to_string(&labels_path)
        .with_context(|| format!("reading {}", labels_path.display()))?;
    let labels: Labels =
        toml::from_str(&src).with_context(|| format!("parsing {}", labels_path.display()))?;
    let mut report = Report { docs: Vec::new(), per_trigger: BTreeMap::new(), micro: Counts::default() };
    for t in SCORED {
        report.per_trigger.insert((*t).to_owned(), Counts::default());
    }
    for doc in labels.doc {
        let path = dir.join(&doc.file);
        let expected: BTreeSet<Pair> =
            doc.fires.iter().filter(|p| SCORED.contains(&p.trigger.as_str())).cloned().collect();
        let ambiguous: BTreeSet<Pair> = doc.ambiguous.iter().cloned().collect();
        let mut res = DocResult {
            file: doc.file.clone(),
            primary_expected: doc.primary_country.clone(),
            primary_found: None,
            tp: Vec::new(),
            fp: Vec::new(),
            r#fn: Vec::new(),
            error: None,
        };
        let found: BTreeSet<Pair> = match sources::read_file(&path, cfg.max_advisory_bytes) {
            Ok(adv) => {
                let a = engine.analyze(&adv.detect_input());
                res.primary_found = a.primary_country.map(|c| c.to_string());
                a.affirmed()
                    .filter(|d| SCORED.contains(&d.trigger.as_str()))
                    .filter_map(|d| {
                        d.country.map(|c| Pair { trigger: d.trigger.to_string(), country: c.to_string() })
                    })
                    .collect()
            }
            Err(e) => {
                res.error = Some(e.to_string());
                BTreeSet::new()
            }
        };
        for p in &expected {
            let c = report.per_trigger.entry(p.trigger.clone()).or_default();
            if found.contains(p) {
                c.tp += 1;
                res.tp.push((p.trigger.clone(), p.country.clone()));
            } else {
                c.r#fn += 1;
                res.r#fn.push((p.trigger.clone(), p.country.clone()));
            }
        }
        for p in found.iter().filter(|p| !expected.contains(p) && !ambiguous.contains(p)) {
            report.per_trigger.entry(p.trigger.clone()).or_default().fp += 1;
            res.fp.push((p.trigger.clone(), p.country.clone()));
        }
        report.docs.push(res);
    }
    for c in report.per_trigger.values() {
        report.micro.tp += c.tp;
        report.micro.fp += c.fp;
        report.micro.r#fn += c.r#fn;
    }
    Ok(report)
}

/// The text table; the last line is the `micro …` contract line.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.docs {
        if d.fp.is_empty() && d.r#fn.is_empty() && d.error.is_none() {
            continue;
        }
        let pairs =
            |v: &[(String, String)]| v.iter().map(|(t, c)| format!("{t}/{c}")).collect::<Vec<_>>().join(", ");
        let _ = write!(out, "{}:", d.file);
        if let Some(e) = &d.error {
            let _ = write!(out, " error: {e}");
        }
        if !d.fp.is_empty() {
            let _ = write!(out, " false positives: {}.", pairs(&d.fp));
        }
        if !d.r#fn.is_empty() {
            let _ = write!(out, " missed: {}.", pairs(&d.r#fn));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{:<27} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}",
        "trigger", "tp", "fp", "fn", "precision", "recall", "f1"
    );
    for (t, c) in &report.per_trigger {
        let _ = writeln!(
            out,
            "{t:<27} {:>4} {:>4} {:>4} {:>9.3} {:>7.3} {:>6.3}",
            c.tp,
            c.fp,
            c.r#fn,
            c.precision(),
            c.recall(),
            c.f1()
        );
    }
    let m = report.micro;
    let _ = write!(
        out,
        "micro precision={:.3} recall={:.3} f1={:.3} tp={} fp={} fn={}",
        m.precision(),
        m.recall(),
        m.f1(),
        m.tp,
        m.fp,
        m.r#fn
    );
    out
}
