//! Polling feeds: conditional GET (ETag / Last-Modified), a timeout, a byte limit on the
//! response (never decompressed, so a gzip bomb is just bytes), the SSRF guard, backoff after
//! failures, and per-source status in the store. Each item goes through the same
//! detect → route → commit pipeline as every other advisory.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use crate::channels::ssrf::{Guard, GuardedResolver};
use crate::config::Config;
use crate::config::feeds::SourceConfig;
use crate::detect::Engine;
use crate::store::Store;

/// What a fetch returned.
pub enum Fetched {
    NotModified,
    Body { bytes: Vec<u8>, etag: Option<String>, last_modified: Option<String> },
}

/// A client for feeds: no redirects to unchecked places (the resolver checks every host),
/// no proxies, no decompression.
pub fn client(guard: Arc<Guard>) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver(guard)))
        .user_agent(concat!("tripwatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// Fetch with validators, refusing bodies over `max` bytes.
pub async fn fetch(
    client: &reqwest::Client,
    guard: &Guard,
    s: &SourceConfig,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<Fetched, String> {
    if let Some(host) = s.url.host() {
        let ip = match host {
            url::Host::Ipv4(ip) => Some(std::net::IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => Some(std::net::IpAddr::V6(ip)),
            url::Host::Domain(_) => None,
        };
        if let Some(reason) = ip.and_then(|ip| guard.refuse(ip)) {
            return Err(reason);
        }
    }
    let mut req = client.get(s.url.clone()).timeout(s.timeout);
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    if let Some(m) = last_modified {
        req = req.header("if-modified-since", m);
    }
    let mut resp = req
        .send()
        .await
        .map_err(|e| format!("fetch failed: {}", crate::channels::webhook::error_chain(&e)))?;
    if resp.status().as_u16() == 304 {
        return Ok(Fetched::NotModified);
    }
    if !resp.status().is_success() {
        return Err(format!("HTTP {}", resp.status()));
    }
    if resp.content_length().is_some_and(|n| n > s.max_bytes) {
        return Err(format!(
            "response of {} bytes exceeds the limit of {}",
            resp.content_length().unwrap_or(0),
            s.max_bytes
        ));
    }
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let mut bytes = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading the response: {}", crate::channels::webhook::error_chain(&e)))?
    {
        if bytes.len() as u64 + chunk.len() as u64 > s.max_bytes {
            return Err(format!("response exceeds the limit of {} bytes", s.max_bytes));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body { bytes, etag, last_modified })
}

/// Totals of one polling pass.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PollReport {
    pub polled: usize,
    pub items: usize,
    pub processed: usize,
    pub failed: usize,
}

/// Poll every source that is due at `now`.
pub async fn poll_due(
    cfg: &Config,
    engine: &Arc<Engine>,
    store: &Arc<Mutex<Store>>,
    now: Timestamp,
) -> PollReport {
    let mut report = PollReport::default();
    if cfg.sources.is_empty() {
        return report;
    }
    let guard = Arc::new(Guard::new(cfg.allow_private.clone()));
    let Ok(client) = client(guard.clone()) else { return report };
    for s in &cfg.sources {
        let state = { store.lock().unwrap_or_else(|p| p.into_inner()).source_state(&s.name) };
        let Ok(state) = state else { continue };
        if state.next_run > now.as_second() {
            continue;
        }
        report.polled += 1;
        let next = s.schedule.next_after(now, &jiff::tz::TimeZone::UTC).unwrap_or(now);
        let result = fetch(&client, &guard, s, state.etag.as_deref(), state.last_modified.as_deref()).await;
        let outcome = match result {
            Ok(Fetched::NotModified) => Ok((0, None, None)),
            Ok(Fetched::Body { bytes, etag, last_modified }) => {
                match crate::sources::feed::parse(&bytes, &s.name) {
                    Ok(items) => {
                        let n = items.len();
                        let (cfg2, engine2, store2) = (cfg.clone(), engine.clone(), store.clone());
                        let processed = tokio::task::spawn_blocking(move || {
                            let mut st = store2.lock().unwrap_or_else(|p| p.into_inner());
                            let mut done = 0;
                            for adv in &items {
                                if let Ok(o) = crate::app::process::process(
                                    &mut st,
                                    &engine2,
                                    &cfg2.policy,
                                    adv,
                                    now,
                                    now,
                                ) {
                                    done += usize::from(o.committed.is_some());
                                }
                            }
                            done
                        })
                        .await
                        .unwrap_or(0);
                        report.items += n;
                        report.processed += processed;
                        Ok((n, etag, last_modified))
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Err(e) => Err(e),
        };
        let mut st = store.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok((n, etag, lm)) => {
                let _ = st.source_ok(&s.name, etag.as_deref(), lm.as_deref(), n as i64, now, next);
            }
            Err(e) => {
                report.failed += 1;
                crate::api::metrics::add("tripwatch_source_errors_total", &[("source", &s.name)], 1);
                // Back off: 1, 2, 4 … minutes, capped at an hour, never sooner than the schedule.
                let failures = state.failures + 1;
                let wait = Duration::from_secs(60u64.saturating_mul(1 << failures.clamp(0, 6) as u32))
                    .min(Duration::from_secs(3600));
                let backoff = now.checked_add(wait).unwrap_or(next);
                let _ = st.source_failed(&s.name, &e, now, backoff.max(next));
                crate::app::daemon::emit("warn", &format!("source {}: {e}", s.name));
            }
        }
    }
    report
}
