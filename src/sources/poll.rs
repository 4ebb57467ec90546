//! Polling sources: conditional GET (ETag / Last-Modified), a timeout, a byte limit on the
//! response both as sent and after gzip decoding (so a gzip bomb stops at the limit), the SSRF
//! guard, backoff after failures, and per-source status in the store. Each item goes through
//! the same detect → route → commit pipeline as every other advisory.
//!
//! `kind = "rss" | "atom"`: every feed item is an advisory. `kind = "cap"`: the URL serves
//! either one CAP alert, or a feed (an Atom or RSS index) whose items link to CAP alerts; each
//! linked alert is fetched once (per item id and update time), with the same guard and limits.

use std::io::Read as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;

use crate::advisory::Advisory;
use crate::channels::ssrf::{Guard, GuardedResolver};
use crate::config::Config;
use crate::config::feeds::{SourceConfig, SourceKind};
use crate::store::{Store, StoreError};

/// Most linked CAP alerts fetched from one index per poll; the rest wait for the next poll.
pub const MAX_LINKED_PER_POLL: usize = 50;

/// Polls on which an index item's linked alert may fail before it is given up on.
pub const MAX_LINK_ATTEMPTS: u32 = 5;

/// Why fetching or reading a polled source failed. Stored as the source's `last_error` and
/// logged through `Display`, where URLs are already reduced to their origin.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The address guard refused the URL (internal address, scheme, …).
    #[error(transparent)]
    Refused(crate::channels::ssrf::Refusal),
    #[error("fetch failed: {}", crate::channels::webhook::error_chain(.0))]
    Transport(#[source] reqwest::Error),
    #[error("reading the response: {}", crate::channels::webhook::error_chain(.0))]
    Read(#[source] reqwest::Error),
    #[error("HTTP {0}")]
    Status(reqwest::StatusCode),
    #[error("response of {size} bytes exceeds the limit of {limit}")]
    Declared { size: u64, limit: u64 },
    #[error("response exceeds the limit of {0} bytes")]
    TooLarge(u64),
    #[error("invalid gzip body: {0}")]
    Gzip(#[source] std::io::Error),
    #[error("response exceeds the limit of {0} bytes once decompressed")]
    Inflated(u64),
    #[error("unsupported Content-Encoding {0:?}")]
    Encoding(String),
    #[error("link {href:?}: {source}")]
    Link { href: String, source: url::ParseError },
    #[error("304 without validators")]
    UnexpectedNotModified,
    /// The body did not parse as the source's kind (feed, CAP alert, CAP index).
    #[error(transparent)]
    Parse(#[from] super::ParseError),
    /// The parser's thread failed or passed its deadline (see `sources::off_runtime`).
    #[error(transparent)]
    Stalled(#[from] super::Stalled),
    #[error("{failed} linked alert(s) failed, first: {first}")]
    Links { failed: usize, first: String },
    #[error("poll did not finish within its budget of {0} s")]
    Budget(u64),
    #[error("feed client: {0}")]
    Client(#[source] reqwest::Error),
}

/// The result of a parse run off the runtime, as a poll's error.
fn parsed<T>(r: Result<Result<T, super::ParseError>, super::Stalled>) -> Result<T, PollError> {
    Ok(r??)
}

/// What a fetch returned.
pub enum Fetched {
    NotModified,
    Body { bytes: Vec<u8>, etag: Option<String>, last_modified: Option<String> },
}

/// A client for feeds: at most 3 redirects, each hop checked by the guard (address-literal
/// hosts by `Guard::refuse_url`, names by the guarded resolver), no proxies, no transparent
/// decompression (we decode gzip ourselves, with a limit).
pub fn client(guard: Arc<Guard>) -> Result<reqwest::Client, PollError> {
    reqwest::Client::builder()
        .redirect(guard.redirect_policy(3))
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver(guard)))
        .user_agent(concat!("tripwatch/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(PollError::Client)
}

/// Decode a gzip body, refusing output over `max` bytes.
pub fn gunzip_limited(bytes: &[u8], max: u64) -> Result<Vec<u8>, PollError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(PollError::Gzip)?;
    if out.len() as u64 > max {
        return Err(PollError::Inflated(max));
    }
    Ok(out)
}

/// Fetch `url` with validators, refusing bodies over `max` bytes, compressed or not.
pub async fn fetch(
    client: &reqwest::Client,
    guard: &Guard,
    url: &url::Url,
    timeout: Duration,
    max: u64,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<Fetched, PollError> {
    if let Some(reason) = guard.refuse_url(url) {
        return Err(PollError::Refused(reason));
    }
    let mut req = client.get(url.clone()).timeout(timeout).header("accept-encoding", "gzip");
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    if let Some(m) = last_modified {
        req = req.header("if-modified-since", m);
    }
    let mut resp = req.send().await.map_err(PollError::Transport)?;
    if resp.status().as_u16() == 304 {
        return Ok(Fetched::NotModified);
    }
    if !resp.status().is_success() {
        return Err(PollError::Status(resp.status()));
    }
    if let Some(n) = resp.content_length().filter(|n| *n > max) {
        return Err(PollError::Declared { size: n, limit: max });
    }
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let encoding = header("content-encoding").unwrap_or_default().trim().to_ascii_lowercase();
    let mut bytes = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(PollError::Read)? {
        if bytes.len() as u64 + chunk.len() as u64 > max {
            return Err(PollError::TooLarge(max));
        }
        bytes.extend_from_slice(&chunk);
    }
    let bytes = match encoding.as_str() {
        "" | "identity" => bytes,
        "gzip" | "x-gzip" => gunzip_limited(&bytes, max)?,
        other => return Err(PollError::Encoding(other.to_owned())),
    };
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

/// The advisories a `cap` source's response holds: one alert, or the alerts an index links to
/// (fetched here, skipping those already fetched). Returns them with the item keys to mark
/// as fetched once they are processed.
async fn cap_items(
    client: &reqwest::Client,
    guard: &Guard,
    s: &SourceConfig,
    store: &Arc<Mutex<Store>>,
    bytes: &[u8],
    now: Timestamp,
) -> Result<(Vec<Advisory>, Vec<String>), PollError> {
    if super::cap::looks_like_cap(bytes) {
        let (adv, _) = parsed(super::off_runtime(bytes.to_vec(), |b| super::cap::parse(&b)).await)?;
        return Ok((vec![adv], Vec::new()));
    }
    let links = parsed(super::off_runtime(bytes.to_vec(), |b| super::feed::cap_links(&b)).await)?;
    let (mut advs, mut keys, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for (key, href) in links {
        if advs.len() + errors.len() >= MAX_LINKED_PER_POLL {
            break;
        }
        let seen = crate::store::blocking(|| {
            store.lock().unwrap_or_else(|p| p.into_inner()).source_item_seen(&s.name, &key)
        });
        if seen.unwrap_or(false) {
            continue;
        }
        let fetched = match s.url.join(&href) {
            Ok(url) => fetch(client, guard, &url, s.timeout, s.max_bytes, None, None).await,
            Err(source) => Err(PollError::Link { href: href.clone(), source }),
        };
        let alert = match fetched {
            Ok(Fetched::Body { bytes, .. }) => {
                parsed(super::off_runtime(bytes, |b| super::cap::parse(&b).map(|(a, _)| a)).await)
            }
            Ok(Fetched::NotModified) => Err(PollError::UnexpectedNotModified),
            Err(e) => Err(e),
        };
        match alert {
            Ok(adv) => {
                advs.push(adv);
                keys.push(key);
            }
            Err(e) => {
                let gave_up = {
                    let mut st = store.lock().unwrap_or_else(|p| p.into_inner());
                    st.source_item_failed(&s.name, &key, &e.to_string(), MAX_LINK_ATTEMPTS, now)
                };
                match gave_up {
                    Ok(true) => errors.push(format!(
                        "{href}: {e} (failed on {MAX_LINK_ATTEMPTS} polls; not fetched again)"
                    )),
                    _ => errors.push(format!("{href}: {e}")),
                }
            }
        }
    }
    if advs.is_empty() && !errors.is_empty() {
        return Err(PollError::Links { failed: errors.len(), first: errors[0].clone() });
    }
    for e in &errors {
        tracing::warn!(source = %s.name, error = %e, "linked alert failed");
    }
    Ok((advs, keys))
}

/// The sources due at `now`, with their stored state.
pub fn due(
    cfg: &Config,
    store: &Arc<Mutex<Store>>,
    now: Timestamp,
    owner: &str,
) -> Vec<(SourceConfig, crate::store::SourceState)> {
    let mut st = store.lock().unwrap_or_else(|p| p.into_inner());
    let due: Vec<_> = cfg
        .sources
        .iter()
        .filter_map(|s| st.source_state(&s.name).ok().map(|state| (s.clone(), state)))
        .filter(|(_, state)| state.next_run <= now.as_second())
        .collect();
    due.into_iter()
        .filter(|(s, _)| {
            // Instances sharing a database poll each source one at a time: the holder renews
            // its lease while the poll runs (`renew_leases`); when it dies, the lease runs out
            // and another instance takes over.
            match st.source_lease(&s.name, owner, now, lease_end(cfg, now)) {
                Ok(held) => held,
                Err(e) => {
                    tracing::warn!(source = %s.name, error = %e, "source lease: could not take it");
                    false
                }
            }
        })
        .collect()
}

fn lease_end(cfg: &Config, now: Timestamp) -> Timestamp {
    now.saturating_add(jiff::SignedDuration::try_from(cfg.store.source_lease).unwrap_or_default())
        .unwrap_or(now)
}

/// Keep the leases on the sources this instance is polling now.
pub fn renew_leases(cfg: &Config, store: &Arc<Mutex<Store>>, names: &[String], now: Timestamp, owner: &str) {
    if names.is_empty() {
        return;
    }
    let mut st = store.lock().unwrap_or_else(|p| p.into_inner());
    for n in names {
        if let Err(e) = st.source_lease(n, owner, now, lease_end(cfg, now)) {
            tracing::warn!(source = %n, error = %e, "source lease: could not renew it");
        }
    }
}

/// This process's name as a lease holder: host, process id and start time.
pub fn instance_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        format!("{}:{}:{}", host.trim(), std::process::id(), jiff::Timestamp::now().as_millisecond())
    })
}

/// What polling one source did.
#[derive(Debug, Default, Clone, Copy)]
pub struct PollOne {
    pub items: usize,
    pub processed: usize,
    pub failed: bool,
}

/// Poll one source now: fetch, parse, run every item through the pipeline, and record the
/// outcome (with backoff after a failure). The whole poll must finish within `budget`, else it
/// counts as a failure and the source is tried again after its backoff.
#[allow(clippy::too_many_arguments)]
pub async fn poll_one(
    intake: &Arc<dyn Intake>,
    store: &Arc<Mutex<Store>>,
    client: &reqwest::Client,
    guard: &Guard,
    s: &SourceConfig,
    state: &crate::store::SourceState,
    now: Timestamp,
    budget: Duration,
) -> PollOne {
    let mut report = PollOne::default();
    let next = s.schedule.next_after(now, &jiff::tz::TimeZone::UTC).unwrap_or(now);
    let work = async {
        let fetched = fetch(
            client,
            guard,
            &s.url,
            s.timeout,
            s.max_bytes,
            state.etag.as_deref(),
            state.last_modified.as_deref(),
        )
        .await;
        match fetched {
            Ok(Fetched::NotModified) => Ok((0, 0, None, None)),
            Ok(Fetched::Body { bytes, etag, last_modified }) => {
                let items = match s.kind {
                    SourceKind::Feed => {
                        let name = s.name.clone();
                        parsed(super::off_runtime(bytes, move |b| super::feed::parse(&b, &name)).await)
                            .map(|a| (a, Vec::new()))
                    }
                    SourceKind::Cap => cap_items(client, guard, s, store, &bytes, now).await,
                };
                match items {
                    Ok((items, keys)) => {
                        let n = items.len();
                        // A new source's first poll records its backlog without alerting on it.
                        let hold = (s.baseline && state.last_success.is_none()).then(|| {
                            format!("first poll of source {} is a baseline: stored, not alerted", s.name)
                        });
                        let processed = process_items(intake, store, &s.name, items, keys, now, hold).await;
                        Ok((n, processed, etag, last_modified))
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    };
    let outcome = match tokio::time::timeout(budget, work).await {
        Ok(r) => r,
        Err(_) => Err(PollError::Budget(budget.as_secs())),
    };
    crate::store::blocking(|| record_poll(store, s, state, outcome, now, next, &mut report));
    report
}

fn record_poll(
    store: &Arc<Mutex<Store>>,
    s: &SourceConfig,
    state: &crate::store::SourceState,
    outcome: Result<(usize, usize, Option<String>, Option<String>), PollError>,
    now: Timestamp,
    next: Timestamp,
    report: &mut PollOne,
) {
    let mut st = store.lock().unwrap_or_else(|p| p.into_inner());
    match outcome {
        Ok((n, processed, etag, lm)) => {
            report.items = n;
            report.processed = processed;
            let _ = st.source_ok(&s.name, etag.as_deref(), lm.as_deref(), n as i64, now, next);
        }
        Err(e) => {
            report.failed = true;
            crate::telemetry::metrics::add("tripwatch_source_errors_total", &[("source", &s.name)], 1);
            // Back off: 1, 2, 4 … minutes, capped at an hour, never sooner than the schedule.
            let failures = state.failures + 1;
            let wait = Duration::from_secs(60u64.saturating_mul(1 << failures.clamp(0, 6) as u32))
                .min(Duration::from_secs(3600));
            let backoff = now.checked_add(wait).unwrap_or(next);
            let _ = st.source_failed(&s.name, &e.to_string(), now, backoff.max(next));
            tracing::warn!(source = %s.name, error = %e, "poll failed");
        }
    }
}

/// How long one poll of `s` may take, fetches of linked alerts and processing included.
pub fn budget(s: &SourceConfig) -> Duration {
    (s.timeout * 4).max(Duration::from_secs(60))
}

/// Poll every source that is due at `now`, one after the other (the CLI's `run --once`; the
/// daemon polls each source in its own task).
pub async fn poll_due(
    cfg: &Config,
    intake: &Arc<dyn Intake>,
    store: &Arc<Mutex<Store>>,
    now: Timestamp,
) -> PollReport {
    let mut report = PollReport::default();
    let due = due(cfg, store, now, instance_id());
    if due.is_empty() {
        return report;
    }
    let guard = Arc::new(Guard::new(cfg.allow_private.clone()));
    let Ok(client) = client(guard.clone()) else { return report };
    for (s, state) in due {
        report.polled += 1;
        let one = poll_one(intake, store, &client, &guard, &s, &state, now, budget(&s)).await;
        report.items += one.items;
        report.processed += one.processed;
        report.failed += usize::from(one.failed);
    }
    report
}

/// Where a source's items go: the pipeline (detect → route → commit), handed in by the caller
/// so that a source only produces advisories and never reaches up into the application.
pub trait Intake: Send + Sync {
    /// Take one item with the store locked: `Ok(true)` when it committed something new. An
    /// error is either about the item itself (`StoreError::Invalid`/`NotFound`: settled, never
    /// fetched again) or the store's (fetched again on the next poll). `hold` is a reason to
    /// store and evaluate the item without alerting anyone (a baseline poll).
    fn take(
        &self,
        store: &mut Store,
        adv: &Advisory,
        now: Timestamp,
        hold: Option<&str>,
    ) -> Result<bool, StoreError>;
}

/// Run items through the intake; returns how many committed something new. An item that
/// is refused (say, a CAP Cancel for an alert never seen) is logged and does not stop the rest.
async fn process_items(
    intake: &Arc<dyn Intake>,
    store: &Arc<Mutex<Store>>,
    source: &str,
    items: Vec<Advisory>,
    keys: Vec<String>,
    now: Timestamp,
    hold: Option<String>,
) -> usize {
    let (intake, store, source) = (intake.clone(), store.clone(), source.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut st = store.lock().unwrap_or_else(|p| p.into_inner());
        let mut done = 0;
        for (i, adv) in items.iter().enumerate() {
            let settled = match intake.take(&mut st, adv, now, hold.as_deref()) {
                Ok(committed) => {
                    done += usize::from(committed);
                    true
                }
                Err(e) => {
                    tracing::warn!(source = %source, title = %adv.title, error = %e, "feed item refused");
                    // Refused for what it says: settled. A database failure: fetch it again.
                    matches!(e, StoreError::Invalid(_) | StoreError::NotFound(_))
                }
            };
            if let Some(k) = keys.get(i).filter(|_| settled) {
                let _ = st.source_item_done(&source, k, now);
            }
        }
        done
    })
    .await
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    /// The request line and headers of one HTTP request (up to the blank line).
    async fn read_head(sock: &mut tokio::net::TcpStream) -> Vec<u8> {
        use tokio::io::AsyncReadExt as _;
        let mut req = Vec::new();
        let mut buf = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => req.extend_from_slice(&buf[..n]),
            }
        }
        req
    }

    /// A loopback server: a CAP index whose one entry links to a path that answers 404.
    /// Returns its port and how many times the broken link was requested.
    async fn broken_link_server() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::AsyncWriteExt as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = hits.clone();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let req = read_head(&mut sock).await;
                let index = b"<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"><title>i</title>\
                    <id>urn:i</id><updated>2024-03-01T00:00:00Z</updated><entry><id>urn:a:1</id><title>a</title>\
                    <updated>2024-03-01T00:00:00Z</updated><link href=\"/gone\" type=\"application/cap+xml\"/>\
                    </entry></feed>";
                let (status, body): (&str, &[u8]) = if req.starts_with(b"GET /index ") {
                    ("200 OK", index)
                } else {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    ("404 Not Found", b"gone")
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(body).await;
            }
        });
        (port, hits)
    }

    /// A loopback server on 127.0.0.1 that answers every request with a redirect to the
    /// `Location` given for its path.
    async fn redirector(targets: Vec<(String, String)>) -> u16 {
        use tokio::io::AsyncWriteExt as _;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let req = read_head(&mut sock).await;
                let line = String::from_utf8_lossy(&req).lines().next().unwrap_or("").to_owned();
                let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                let to = targets.iter().find(|(p, _)| *p == path).map_or("/", |(_, t)| t.as_str()).to_owned();
                let head = format!(
                    "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = sock.write_all(head.as_bytes()).await;
            }
        });
        port
    }

    /// A canary: counts connections on 127.0.0.2 and on [::1] (both outside the allow list).
    async fn canaries() -> (u16, u16, Arc<std::sync::atomic::AtomicUsize>) {
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut ports = Vec::new();
        for addr in ["127.0.0.2:0", "[::1]:0"] {
            let listener = match tokio::net::TcpListener::bind(addr).await {
                Ok(l) => l,
                Err(_) => {
                    ports.push(0);
                    continue;
                }
            };
            ports.push(listener.local_addr().expect("addr").port());
            let counted = hits.clone();
            tokio::spawn(async move {
                while let Ok((_sock, _)) = listener.accept().await {
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
        (ports[0], ports[1], hits)
    }

    #[tokio::test]
    async fn redirects_to_internal_addresses_are_refused_at_every_hop() {
        let (v4, v6, canary_hits) = canaries().await;
        // Only the redirector itself (127.0.0.1) is allowed; every target below is internal.
        let guard =
            Arc::new(Guard::new(vec![crate::channels::ssrf::Cidr::parse("127.0.0.1/32").expect("cidr")]));
        let targets = vec![
            ("/v4".to_owned(), format!("http://127.0.0.2:{v4}/")),
            ("/v6".to_owned(), format!("http://[::1]:{v6}/")),
            ("/zero".to_owned(), format!("http://0.0.0.0:{v4}/")),
            // 2130706434 is 127.0.0.2 written as one integer.
            ("/int".to_owned(), format!("http://2130706434:{v4}/")),
            ("/hex".to_owned(), format!("http://0x7f000002:{v4}/")),
            // Two hops: first to an allowed place, then inside.
            ("/twice".to_owned(), "/v4".to_owned()),
            ("/file".to_owned(), "file:///etc/passwd".to_owned()),
        ];
        let port = redirector(targets.clone()).await;
        let client = client(guard.clone()).expect("client");
        for (path, _) in &targets {
            let url = url::Url::parse(&format!("http://127.0.0.1:{port}{path}")).expect("url");
            let got = fetch(&client, &guard, &url, Duration::from_secs(5), 1 << 20, None, None).await;
            let err = match got {
                Ok(_) => panic!("{path}: a redirect to an internal address was followed"),
                Err(e) => e.to_string(),
            };
            // A non-HTTP target is not followed at all: the 302 itself is the error.
            let want = if path == "/file" { "302" } else { "redirect refused" };
            assert!(err.contains(want), "{path}: {err}");
        }
        assert_eq!(canary_hits.load(std::sync::atomic::Ordering::SeqCst), 0, "a canary was reached");
        // The guard's own URL check refuses every form directly too.
        for u in [
            "http://127.0.0.2/",
            "http://[::1]/",
            "http://0.0.0.0/",
            "http://2130706434/",
            "ftp://example.org/",
        ] {
            assert!(guard.refuse_url(&url::Url::parse(u).expect("url")).is_some(), "{u}");
        }
        assert!(guard.refuse_url(&url::Url::parse("https://example.org/feed").expect("url")).is_none());
    }

    #[tokio::test]
    async fn a_broken_cap_link_is_tried_on_a_few_polls_then_given_up() {
        let (port, gone_hits) = broken_link_server().await;
        let dir = tempfile::tempdir().expect("tmp");
        let text = format!(
            "[network]\nallow_private = [\"127.0.0.0/8\"]\n\
             [[source]]\nname = \"idx\"\nkind = \"cap\"\nurl = \"http://127.0.0.1:{port}/index\"\n\
             schedule = \"* * * * *\"\n"
        );
        let cfg = Config::parse(&text, &dir.path().join("tripwatch.toml")).expect("config");
        let engine =
            Arc::new(crate::detect::Engine::new(crate::config::triggers::default_set()).expect("engine"));
        let intake: Arc<dyn Intake> =
            Arc::new(crate::app::process::Pipeline { engine, policy: cfg.policy.clone() });
        let store = Arc::new(Mutex::new(Store::open(&dir.path().join("state")).expect("store")));
        let mut now: Timestamp = "2024-03-01T00:00:00Z".parse().expect("ts");
        for poll in 1..=7 {
            let report = poll_due(&cfg, &intake, &store, now).await;
            assert_eq!(report.polled, 1, "poll {poll}: due (two hours passed, past any backoff)");
            let tried = gone_hits.load(std::sync::atomic::Ordering::SeqCst);
            assert_eq!(tried, (poll as usize).min(MAX_LINK_ATTEMPTS as usize), "poll {poll}");
            now = now.checked_add(jiff::SignedDuration::from_hours(2)).expect("later");
        }
        let st = store.lock().expect("lock");
        let state = st.source_state("idx").expect("state");
        assert!(state.last_error.as_deref().unwrap_or("").contains("404"), "{:?}", state.last_error);
    }

    #[test]
    fn gzip_is_decoded_within_the_limit_and_a_bomb_is_stopped() {
        assert_eq!(gunzip_limited(&gzip(b"<rss/>"), 1024).expect("small"), b"<rss/>");
        // 64 MiB of zeros compresses to about 64 KiB; decoding stops at the limit.
        let bomb = gzip(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100_000, "{}", bomb.len());
        let err = gunzip_limited(&bomb, 1 << 20).expect_err("bomb");
        assert!(matches!(err, PollError::Inflated(n) if n == 1 << 20), "{err}");
        assert!(err.to_string().contains("once decompressed"), "{err}");
        let garbage = gunzip_limited(b"not gzip at all", 1024).expect_err("garbage");
        assert!(matches!(garbage, PollError::Gzip(_)) && garbage.to_string().contains("invalid gzip"));
    }
}
