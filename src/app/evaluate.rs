//! `tripwatch evaluate`: detections for advisory files, no side effects, no store.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::advisory::Advisory;
use crate::config::Config;
use crate::detect::{Analysis, Detection, Engine, Polarity};
use crate::sources;

/// One file's result in the JSON Lines contract of DESIGN.md.
#[derive(Serialize)]
struct JsonLine<'a> {
    file: &'a str,
    title: &'a str,
    primary_country: Option<String>,
    detections: Vec<JsonDetection<'a>>,
}

#[derive(Serialize)]
struct JsonDetection<'a> {
    trigger: &'a str,
    name: &'a str,
    country: Option<String>,
    city: Option<&'a str>,
    regions: &'a [String],
    subnational: bool,
    polarity: Polarity,
    severity: &'a str,
    evidence: &'a str,
    section: &'a str,
    span: [usize; 2],
    matched: [usize; 2],
    confidence: f32,
}

/// Outcome for one input file.
pub enum FileResult {
    Ok { advisory: Box<Advisory>, analysis: Analysis },
    Err { message: String },
}

/// Read and analyse each file; errors are per file, never fatal to the others.
pub fn run(cfg: &Config, engine: &Engine, files: &[impl AsRef<Path>]) -> Vec<(String, FileResult)> {
    let mut out = Vec::new();
    for f in files {
        let name = f.as_ref().display().to_string();
        match sources::read_all(f.as_ref(), cfg.max_advisory_bytes) {
            // A feed gives one result per item, named FILE#N.
            Ok(advisories) => {
                let many = advisories.len() > 1;
                for (i, mut adv) in advisories.into_iter().enumerate() {
                    // Replayed as of a moment, an undated advisory is dated that day.
                    if adv.published.is_none()
                        && let Some(t) = super::as_of()
                    {
                        let d = t.to_zoned(jiff::tz::TimeZone::UTC).date();
                        adv.published = Some(crate::advisory::PartialDate {
                            year: d.year() as i32,
                            month: Some(d.month() as u8),
                            day: Some(d.day() as u8),
                        });
                    }
                    // What the pipeline adds without a store: hazards from structured fields
                    // and the CAP issuer's assessment and area.
                    let mut analysis = engine.analyze(&adv.detect_input());
                    let hazards = super::process::hazard_detections(engine, &adv, &analysis);
                    analysis.detections.extend(hazards);
                    if let Some(cap) = &adv.cap {
                        cap.apply(&mut analysis);
                    }
                    let name = if many { format!("{name}#{}", i + 1) } else { name.clone() };
                    out.push((name, FileResult::Ok { advisory: Box::new(adv), analysis }));
                }
            }
            Err(e) => out.push((name, FileResult::Err { message: e.to_string() })),
        }
    }
    out
}

/// One JSON line for a successful file.
pub fn json_line(file: &str, adv: &Advisory, a: &Analysis) -> String {
    let line = JsonLine {
        file,
        title: &adv.title,
        primary_country: a.primary_country.map(|c| c.to_string()),
        detections: a.detections.iter().map(json_detection).collect(),
    };
    serde_json::to_string(&line).unwrap_or_else(|e| format!("{{\"file\":{file:?},\"error\":\"{e}\"}}"))
}

fn json_detection(d: &Detection) -> JsonDetection<'_> {
    JsonDetection {
        trigger: d.trigger.as_str(),
        name: &d.name,
        country: d.country.map(|c| c.to_string()),
        city: d.city.as_deref(),
        regions: &d.regions,
        subnational: d.subnational,
        polarity: d.polarity,
        severity: d.severity.as_str(),
        evidence: &d.evidence,
        section: match d.section {
            crate::detect::Section::Title => "title",
            crate::detect::Section::Body => "body",
        },
        span: [d.span.0, d.span.1],
        matched: [d.matched.0, d.matched.1],
        confidence: d.confidence,
    }
}

/// Human report for one file: what a security manager reads when tuning.
pub fn text_report(file: &str, adv: &Advisory, a: &Analysis) -> String {
    let mut out = String::new();
    let primary = a.primary_country.map_or("unknown".to_owned(), |c| c.to_string());
    let _ = writeln!(out, "{file}");
    if !adv.title.is_empty() {
        let _ = writeln!(out, "  title:   {}", adv.title);
    }
    let _ = writeln!(out, "  subject: {primary}");
    if a.detections.is_empty() {
        let _ = writeln!(out, "  no trigger phrases found");
    }
    let mut ds: Vec<&Detection> = a.detections.iter().collect();
    ds.sort_by_key(|d| (d.polarity != Polarity::Affirmed, std::cmp::Reverse(d.severity)));
    for d in ds {
        let mut place = match (&d.country, &d.city) {
            (Some(c), Some(city)) => format!("{c} ({city})"),
            (Some(c), None) => c.to_string(),
            (None, _) => "no place".into(),
        };
        if !d.regions.is_empty() {
            place = format!("{place} [{}]", d.regions.join(", "));
        } else if d.subnational && d.city.is_none() {
            place.push_str(" [part]");
        }
        let mark = if d.polarity == Polarity::Affirmed { "FIRES " } else { "      " };
        let _ = writeln!(
            out,
            "  {mark}{:<26} {:<9} {:<12} {:<8} conf {:.2}",
            d.trigger.as_str(),
            place,
            d.polarity.as_str(),
            d.severity.as_str(),
            d.confidence
        );
        let _ = writeln!(out, "         \"{}\"", marked_evidence(adv, d));
    }
    out
}

/// The evidence sentence with the matched phrase wrapped in `[[ ]]`.
fn marked_evidence(adv: &Advisory, d: &Detection) -> String {
    let src = match d.section {
        crate::detect::Section::Title => adv.title.as_str(),
        crate::detect::Section::Body => adv.body.as_str(),
    };
    let (s, e) = d.span;
    let (ms, me) = d.matched;
    let whole = src.get(s..e).unwrap_or(&d.evidence);
    let marked = if ms >= s && me <= e && ms < me {
        match (src.get(s..ms), src.get(ms..me), src.get(me..e)) {
            (Some(a), Some(m), Some(b)) => format!("{a}[[{m}]]{b}"),
            _ => whole.to_owned(),
        }
    } else {
        whole.to_owned()
    };
    let one_line: String = marked.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line
}
