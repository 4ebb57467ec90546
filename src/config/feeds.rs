//! `[[source]]`: feeds polled on a cron schedule.

use std::time::Duration;

use serde::Deserialize;

use crate::route::cron::Cron;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSource {
    name: String,
    /// "rss" | "atom" (both parsed the same way) | "cap" (one CAP alert, or an index feed
    /// linking to CAP alerts).
    kind: String,
    url: String,
    /// Crontab schedule in UTC (default every 10 minutes).
    schedule: Option<String>,
    timeout_secs: Option<u64>,
    /// Largest response accepted, in bytes, as sent and after gzip decoding (default 10 MiB).
    max_bytes: Option<u64>,
    /// The first successful poll only records what the feed holds, alerting nobody
    /// (default true); false alerts on the backlog too.
    baseline: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Feed,
    Cap,
}

#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    pub url: url::Url,
    pub schedule: Cron,
    pub timeout: Duration,
    pub max_bytes: u64,
    /// The first successful poll is a baseline (stored, evaluated, not alerted).
    pub baseline: bool,
}

pub(super) fn sources(raw: &[RawSource]) -> Result<Vec<SourceConfig>, (&'static str, String)> {
    let mut out: Vec<SourceConfig> = Vec::new();
    for s in raw {
        if s.name.is_empty() || !s.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
            return Err(("name", format!("source name {:?}: use letters, digits, -, _ and .", s.name)));
        }
        if out.iter().any(|o| o.name == s.name) {
            return Err(("name", format!("duplicate source name {:?}", s.name)));
        }
        let kind = match s.kind.as_str() {
            "rss" | "atom" => SourceKind::Feed,
            "cap" => SourceKind::Cap,
            other => {
                return Err(("kind", format!("source {}: kind {other:?}: use rss, atom or cap", s.name)));
            }
        };
        let url = url::Url::parse(&s.url).map_err(|e| ("url", format!("source {}: url: {e}", s.name)))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(("url", format!("source {}: url must be http(s)://host/…", s.name)));
        }
        let schedule = Cron::parse(s.schedule.as_deref().unwrap_or("*/10 * * * *"))
            .map_err(|e| ("schedule", format!("source {}: {e}", s.name)))?;
        out.push(SourceConfig {
            name: s.name.clone(),
            kind,
            url,
            schedule,
            timeout: Duration::from_secs(s.timeout_secs.unwrap_or(30).clamp(1, 600)),
            max_bytes: s.max_bytes.unwrap_or(10 * 1024 * 1024).max(1024),
            baseline: s.baseline.unwrap_or(true),
        });
    }
    Ok(out)
}
