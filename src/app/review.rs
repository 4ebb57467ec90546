//! `tripwatch review export`: the managers' decisions as a labelled corpus in the format
//! `tripwatch eval` reads (`labels.toml` plus one text advisory per file).
//!
//! An approved review says its detections hold: they go to `fires`. A rejected one says they
//! do not: they go to `not_fires`, with the manager's reason as `why`. Only the detections that
//! were under review are labelled; the rest of the document is not judged, so the export says
//! nothing about them (eval counts anything else it finds as a false positive, which is the
//! point of re-checking the engine against these files).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;

use crate::store::Store;

/// A TOML basic string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Write every decided review into `dir` (created if missing); returns how many.
pub fn export(store: &Store, dir: &Path) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let examples = store.decided_examples()?;
    let mut labels = String::from(
        "# Labelled examples from tripwatch's review queue: approved detections are in `fires`,\n\
         # rejected ones in `not_fires` with the manager's reason.\n",
    );
    for (n, ex) in examples.iter().enumerate() {
        let r = &ex.review;
        let file = format!("review-{:04}.txt", n + 1);
        let mut text = String::new();
        let _ = writeln!(text, "source: review:{}", r.advisory_id.replace(['\n', '\r'], " "));
        if let Some(d) = &ex.published {
            let _ = writeln!(text, "date: {d}");
        }
        if let Some(t) = &r.title {
            let _ = writeln!(text, "title: {}", t.replace(['\n', '\r'], " "));
        }
        text.push('\n');
        text.push_str(&ex.body);
        if !text.ends_with('\n') {
            text.push('\n');
        }
        std::fs::write(dir.join(&file), text).with_context(|| format!("writing {file}"))?;
        let approved = r.decision.as_deref() == Some("approved");
        let pairs: Vec<String> = r
            .detections
            .iter()
            .filter_map(|d| d.split_once('/'))
            .map(|(t, c)| {
                if approved {
                    format!("{{ trigger = {}, country = {} }}", quoted(t), quoted(c))
                } else {
                    format!(
                        "{{ trigger = {}, country = {}, why = {} }}",
                        quoted(t),
                        quoted(c),
                        quoted(r.note.as_deref().unwrap_or("rejected in review"))
                    )
                }
            })
            .collect();
        let _ = writeln!(labels, "\n[[doc]]\nfile = {}", quoted(&file));
        let detected = r.detections.first().and_then(|d| d.split_once('/')).map(|(_, c)| c.to_owned());
        if let Some(c) = ex.countries.first().cloned().or(detected) {
            let _ = writeln!(labels, "primary_country = {}", quoted(&c));
        }
        let key = if approved { "fires" } else { "not_fires" };
        let _ = writeln!(labels, "{key} = [{}]", pairs.join(", "));
        let by = r.decided_by.as_deref().unwrap_or("?");
        let _ = writeln!(
            labels,
            "notes = {}",
            quoted(&format!(
                "{} v{} {} by {by}",
                r.advisory_id,
                r.version,
                r.decision.as_deref().unwrap_or("")
            ))
        );
    }
    std::fs::write(dir.join("labels.toml"), labels).context("writing labels.toml")?;
    Ok(examples.len())
}
