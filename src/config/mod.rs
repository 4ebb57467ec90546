//! Configuration: `tripwatch.toml` parsed (unknown keys refused) and validated into typed
//! settings. Paths inside the file are relative to the file. Without a config file the
//! built-in defaults apply (the compiled-in trigger library, `./var` state).

pub mod delivery;
pub mod feeds;
pub mod triggers;

pub use delivery::{
    EmailConfig, EmailTransport, OutboxConfig, Secret, TlsMode, WebhookConfig, WebhookFormat,
};

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::detect::{Severity, TriggerSet};
use crate::route::policy::Policy;
use crate::sources::DEFAULT_MAX_BYTES;

/// The main configuration file as written (before validation).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    state_dir: Option<PathBuf>,
    #[serde(default)]
    triggers: Vec<PathBuf>,
    #[serde(default)]
    detect: RawDetect,
    #[serde(default)]
    routing: RawRouting,
    #[serde(default)]
    spool: RawSpool,
    #[serde(default)]
    email: delivery::RawEmail,
    #[serde(default)]
    webhook: Vec<delivery::RawWebhook>,
    #[serde(default)]
    network: delivery::RawNetwork,
    #[serde(default)]
    outbox: delivery::RawOutbox,
    /// Folder whose templates override the built-in ones, file by file.
    templates_dir: Option<PathBuf>,
    #[serde(default)]
    api: RawApi,
    #[serde(default)]
    source: Vec<feeds::RawSource>,
    #[serde(default)]
    accountability: RawAccountability,
    #[serde(default)]
    log: RawLog,
    #[serde(default)]
    store: RawStore,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStore {
    /// `postgres://user:password@host:port/database` (key=value form works too). Absent:
    /// SQLite in the state directory. `TRIPWATCH_STORE_URL`, when set, wins (keep a password
    /// out of the file with systemd's `Environment=`/`EnvironmentFile=`).
    url: Option<String>,
    /// How long an instance's claim on polling a source lasts without renewal (default 30 s).
    source_lease_secs: Option<u64>,
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// PostgreSQL URL; `None` is SQLite in the state directory.
    pub url: Option<String>,
    /// The lease on polling one source: another instance takes over this long after the
    /// holder stopped renewing it.
    pub source_lease: std::time::Duration,
}

/// The environment variable that names the PostgreSQL store (overrides `[store] url`).
pub const STORE_URL_ENV: &str = "TRIPWATCH_STORE_URL";

impl StoreConfig {
    fn new(url: Option<String>, lease_secs: Option<u64>) -> StoreConfig {
        let url = std::env::var(STORE_URL_ENV).ok().filter(|u| !u.trim().is_empty()).or(url);
        StoreConfig { url, source_lease: std::time::Duration::from_secs(lease_secs.unwrap_or(30).max(2)) }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLog {
    /// A filter in `RUST_LOG` syntax: `info` (default), `debug`, `tripwatch=debug,warn` …
    /// `RUST_LOG`, when set, wins.
    level: Option<String>,
    /// "auto" (default: JSON when stdout is the journal), "json" or "text".
    format: Option<String>,
}

/// How the daemon logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogConfig {
    /// Filter directives (`RUST_LOG` syntax).
    pub level: String,
    /// `Some(true)` JSON, `Some(false)` text, `None` decide by `JOURNAL_STREAM`.
    pub json: Option<bool>,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { level: "info".into(), json: None }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawAccountability {
    /// Public base URL of the answer pages (default `http://` + `api.listen`).
    base_url: Option<String>,
    /// Hours an "I'm safe"/"I need help" link stays valid (default 168: a week).
    link_ttl_hours: Option<u64>,
    /// Minutes without an answer before the traveller's manager is told, per severity
    /// (default `{ critical = 60, high = 240 }`; severities not listed never escalate).
    no_answer_minutes: Option<std::collections::BTreeMap<String, u64>>,
    /// Also send the traveller a second alert when escalating (default false).
    remind_traveller: Option<bool>,
    /// Configured webhooks that receive escalations too (besides the manager's email).
    #[serde(default)]
    escalation_webhooks: Vec<String>,
    /// File with the key that signs answer links (default `<state_dir>/respond.key`, created).
    key_file: Option<PathBuf>,
}

/// Duty of care: answer links in alerts, and escalation when nobody answers.
#[derive(Debug, Clone)]
pub struct Accountability {
    /// Public base URL of the answer pages, without a trailing slash, when configured;
    /// otherwise the address the API listener is bound to (see [`Accountability::base_url`]).
    pub base_url: Option<String>,
    pub link_ttl: std::time::Duration,
    /// Minutes to wait for an answer, per severity that escalates.
    pub no_answer: std::collections::BTreeMap<crate::detect::Severity, u64>,
    pub remind_traveller: bool,
    /// Webhooks (by name) escalations also go to.
    pub escalation_webhooks: Vec<String>,
    /// The signing key's file (created with a random key when missing).
    pub key_file: PathBuf,
    /// `api.listen`, for the default base URL.
    pub listen: String,
}

/// The address the daemon's API listener is bound to, once bound.
pub static BOUND_API: std::sync::OnceLock<std::net::SocketAddr> = std::sync::OnceLock::new();

impl Accountability {
    /// The base URL of answer links: the configured one, else the API listener's address as
    /// bound (a `:0` port resolved by the running daemon), else as configured.
    pub fn base_url(&self) -> String {
        if let Some(u) = &self.base_url {
            return u.clone();
        }
        match BOUND_API.get() {
            Some(addr) => format!("http://{addr}"),
            None => format!("http://{}", self.listen),
        }
    }

    fn defaults(state_dir: &Path) -> Accountability {
        use crate::detect::Severity;
        Accountability {
            base_url: None,
            link_ttl: std::time::Duration::from_secs(168 * 3600),
            no_answer: [(Severity::Critical, 60), (Severity::High, 240)].into_iter().collect(),
            remind_traveller: false,
            escalation_webhooks: Vec::new(),
            key_file: state_dir.join("respond.key"),
            listen: "127.0.0.1:8470".into(),
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawApi {
    /// Address the HTTP API listens on (default 127.0.0.1:8470; port 0 picks a free one).
    listen: Option<String>,
    /// Bearer tokens: name, hex SHA-256 of the token (`tripwatch token`), scopes.
    #[serde(default)]
    tokens: Vec<RawToken>,
    /// Most connections open at once; more are closed on accept (default 4096).
    max_connections: Option<usize>,
    /// Seconds a client may take to send a request's headers (default 10).
    header_timeout_secs: Option<u64>,
    /// Seconds open requests get to finish at shutdown (default 10).
    shutdown_grace_secs: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToken {
    name: String,
    sha256: String,
    scopes: Vec<String>,
}

/// A configured API token: only its hash is kept.
#[derive(Clone)]
pub struct ApiToken {
    pub name: String,
    pub sha256: Vec<u8>,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken").field("name", &self.name).field("scopes", &self.scopes).finish()
    }
}

/// The scopes an API token can have: `admin` (everything), `manage` (people, subscriptions,
/// deliveries, sources), `ingest` (push advisories), `read` (everything read-only, `/metrics`
/// included), `metrics` (`/metrics` only).
pub const SCOPES: [&str; 5] = ["admin", "manage", "ingest", "read", "metrics"];

fn api_tokens(raw: &[RawToken]) -> Result<Vec<ApiToken>, (&'static str, String)> {
    let mut out = Vec::new();
    for t in raw {
        let hex = t.sha256.trim();
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err((
                "sha256",
                format!("api token {:?}: sha256 must be 64 hex digits (see `tripwatch token`)", t.name),
            ));
        }
        let bytes = (0..32).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0)).collect();
        for s in &t.scopes {
            if !SCOPES.contains(&s.as_str()) {
                return Err((
                    "scopes",
                    format!("api token {:?}: unknown scope {s:?} ({})", t.name, SCOPES.join(", ")),
                ));
            }
        }
        out.push(ApiToken { name: t.name.clone(), sha256: bytes, scopes: t.scopes.clone() });
    }
    Ok(out)
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRouting {
    /// Days before a trip starts from which it is concerned (default 7).
    pre_trip_days: Option<i64>,
    /// Days after a trip ends during which it is still concerned (default 1).
    grace_days: Option<i64>,
    /// Hours before the same recipient is alerted again for the same trigger and country
    /// (default 24), optionally per severity.
    realert_hours: Option<f64>,
    #[serde(default)]
    realert_hours_by_severity: std::collections::BTreeMap<String, f64>,
    /// Minimum severity of the no-setup defaults (default "medium").
    default_min_severity: Option<String>,
    /// A measure the advisory places in other cities or regions than a traveller's trip
    /// city: "alert", "lower" (one severity down) or "rollup" (managers only; default).
    elsewhere_in_country: Option<String>,
    /// An advisory whose event is older than this many hours is stored and evaluated but
    /// alerts nobody (default 72; 0 turns the check off).
    max_event_age_hours: Option<f64>,
    /// Critical alerts wait for digests like the rest (default false: they go at once).
    digest_critical: Option<bool>,
    /// Triggers whose alerts wait in the review queue until a manager approves them.
    #[serde(default)]
    review_triggers: Vec<String>,
    /// Detections below this confidence (0–1) wait in the review queue too.
    review_below_confidence: Option<f32>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSpool {
    /// Spool directory (default `<state_dir>/spool`).
    dir: Option<PathBuf>,
    /// Days processed files are kept in `processed/` (default 30).
    keep_processed_days: Option<u64>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawDetect {
    /// Largest advisory accepted, in bytes (default 16 MiB).
    max_advisory_bytes: Option<u64>,
}

/// Validated configuration.
/// Limits of the HTTP listener against slow or many clients.
#[derive(Debug, Clone, Copy)]
pub struct ApiLimits {
    pub max_connections: usize,
    pub header_timeout: std::time::Duration,
    pub shutdown_grace: std::time::Duration,
}

impl Default for ApiLimits {
    fn default() -> Self {
        ApiLimits {
            max_connections: 4096,
            header_timeout: std::time::Duration::from_secs(10),
            shutdown_grace: std::time::Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// Where the store, spool and file mail live.
    pub state_dir: PathBuf,
    /// Trigger files, resolved relative to the config file. Empty means the built-in library.
    pub trigger_files: Vec<PathBuf>,
    pub max_advisory_bytes: u64,
    pub policy: Policy,
    /// Spool directory with `incoming/`, `processing/`, `processed/`, `failed/`.
    pub spool_dir: PathBuf,
    /// How long files stay in `processed/`.
    pub spool_keep: std::time::Duration,
    pub email: EmailConfig,
    pub webhooks: Vec<WebhookConfig>,
    /// Private ranges outgoing requests may reach anyway.
    pub allow_private: Vec<crate::channels::ssrf::Cidr>,
    pub outbox: OutboxConfig,
    pub templates_dir: Option<PathBuf>,
    /// Where the HTTP API listens.
    pub api_listen: String,
    pub api_tokens: Vec<ApiToken>,
    /// Connection limits of the HTTP listener.
    pub api_limits: ApiLimits,
    /// Feeds to poll.
    pub sources: Vec<feeds::SourceConfig>,
    /// Answer links and escalation.
    pub accountability: Accountability,
    pub log: LogConfig,
    pub store: StoreConfig,
    /// The file this came from, if any.
    pub path: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            state_dir: PathBuf::from("./var"),
            trigger_files: Vec::new(),
            max_advisory_bytes: DEFAULT_MAX_BYTES,
            policy: Policy::default(),
            spool_dir: PathBuf::from("./var/spool"),
            spool_keep: std::time::Duration::from_secs(30 * 86400),
            email: EmailConfig {
                from: "Tripwatch Alerts <alerts@tripwatch.invalid>".into(),
                transport: EmailTransport::File { dir: PathBuf::from("./var/mail") },
            },
            webhooks: Vec::new(),
            allow_private: Vec::new(),
            outbox: OutboxConfig::default(),
            templates_dir: None,
            api_listen: "127.0.0.1:8470".into(),
            api_tokens: Vec::new(),
            api_limits: ApiLimits::default(),
            sources: Vec::new(),
            accountability: Accountability::defaults(Path::new("./var")),
            log: LogConfig::default(),
            store: StoreConfig::new(None, None),
            path: None,
        }
    }
}

fn accountability(
    raw: &RawAccountability,
    base: &Path,
    state_dir: &Path,
    listen: &str,
) -> Result<Accountability, (&'static str, String)> {
    let mut a = Accountability::defaults(state_dir);
    a.listen = listen.to_owned();
    if let Some(u) = &raw.base_url {
        let parsed =
            url::Url::parse(u).map_err(|e| ("base_url", format!("accountability.base_url {u:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.query().is_some() {
            return Err((
                "base_url",
                format!("accountability.base_url {u:?} must be an http(s) URL without a query"),
            ));
        }
        a.base_url = Some(u.trim_end_matches('/').to_owned());
    }
    if let Some(h) = raw.link_ttl_hours {
        if h == 0 {
            return Err(("link_ttl_hours", "accountability.link_ttl_hours must be at least 1".into()));
        }
        a.link_ttl = std::time::Duration::from_secs(h * 3600);
    }
    if let Some(m) = &raw.no_answer_minutes {
        a.no_answer.clear();
        for (sev, minutes) in m {
            let s: crate::detect::Severity = sev.parse().map_err(|_| {
                ("no_answer_minutes", format!("accountability.no_answer_minutes: unknown severity {sev:?} (use critical, high, medium, low, info)"))
            })?;
            a.no_answer.insert(s, *minutes);
        }
    }
    a.remind_traveller = raw.remind_traveller.unwrap_or(false);
    a.escalation_webhooks = raw.escalation_webhooks.clone();
    if let Some(k) = &raw.key_file {
        a.key_file = base.join(k);
    }
    Ok(a)
}

/// A located configuration problem.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {message}")]
    Read { path: String, message: String },
    #[error("{path}:{line}:{column}: {message}")]
    Invalid { path: String, line: usize, column: usize, message: String },
    #[error(transparent)]
    Triggers(#[from] triggers::TriggerFileError),
}

impl Config {
    /// Load and validate a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let src = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: path.display().to_string(), message: e.to_string() })?;
        Self::parse(&src, path)
    }

    /// Parse config text that lives at `path` (used to resolve relative paths).
    pub fn parse(src: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(src).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start).min(src.len());
            let line = src[..at].matches('\n').count() + 1;
            let column = at - src[..at].rfind('\n').map_or(0, |p| p + 1) + 1;
            ConfigError::Invalid {
                path: path.display().to_string(),
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let max = raw.detect.max_advisory_bytes.unwrap_or(DEFAULT_MAX_BYTES);
        if max == 0 {
            return Err(ConfigError::Invalid {
                path: path.display().to_string(),
                line: line_of(src, "max_advisory_bytes"),
                column: 1,
                message: "detect.max_advisory_bytes must be greater than 0".into(),
            });
        }
        let state_dir = base.join(raw.state_dir.unwrap_or_else(|| PathBuf::from("./var")));
        let policy = routing_policy(&raw.routing).map_err(|(key, message)| ConfigError::Invalid {
            path: path.display().to_string(),
            line: line_of(src, key),
            column: 1,
            message,
        })?;
        let located = |(key, message): (&'static str, String)| ConfigError::Invalid {
            path: path.display().to_string(),
            line: line_of(src, key),
            column: 1,
            message,
        };
        let email = delivery::email(&raw.email, base, &state_dir).map_err(located)?;
        let webhooks = delivery::webhooks(&raw.webhook, base).map_err(located)?;
        let allow_private = delivery::network(&raw.network).map_err(located)?;
        let outbox = delivery::outbox(&raw.outbox).map_err(located)?;
        let api_tokens = api_tokens(&raw.api.tokens).map_err(located)?;
        let api_listen = raw.api.listen.clone().unwrap_or_else(|| "127.0.0.1:8470".into());
        if api_listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(located(("listen", format!("api.listen {api_listen:?} is not an address:port"))));
        }
        let sources = feeds::sources(&raw.source).map_err(located)?;
        let d = ApiLimits::default();
        let api_limits = ApiLimits {
            max_connections: raw.api.max_connections.unwrap_or(d.max_connections),
            header_timeout: raw
                .api
                .header_timeout_secs
                .map_or(d.header_timeout, std::time::Duration::from_secs),
            shutdown_grace: raw
                .api
                .shutdown_grace_secs
                .map_or(d.shutdown_grace, std::time::Duration::from_secs),
        };
        if api_limits.max_connections == 0 || api_limits.header_timeout.is_zero() {
            return Err(located((
                "max_connections",
                "api.max_connections and api.header_timeout_secs must be at least 1".into(),
            )));
        }
        let accountability =
            accountability(&raw.accountability, base, &state_dir, &api_listen).map_err(located)?;
        let log = log_config(&raw.log).map_err(located)?;
        if let Some(u) = &raw.store.url
            && !(u.starts_with("postgres://") || u.starts_with("postgresql://") || u.contains("host="))
        {
            return Err(located((
                "url",
                "store.url must be a PostgreSQL URL (postgres://user@host:port/database); leave it out for SQLite".into(),
            )));
        }
        Ok(Config {
            log,
            store: StoreConfig::new(raw.store.url.clone(), raw.store.source_lease_secs),
            accountability,
            sources,
            api_tokens,
            api_limits,
            api_listen,
            email,
            webhooks,
            allow_private,
            outbox,
            templates_dir: raw.templates_dir.map(|d| base.join(d)),
            spool_keep: std::time::Duration::from_secs(raw.spool.keep_processed_days.unwrap_or(30) * 86400),
            spool_dir: raw.spool.dir.map_or_else(|| state_dir.join("spool"), |d| base.join(d)),
            state_dir,
            trigger_files: raw.triggers.iter().map(|t| base.join(t)).collect(),
            max_advisory_bytes: max,
            policy,
            path: Some(path.to_owned()),
        })
    }

    /// Load the trigger set this config names (the built-in library when it names none).
    pub fn load_triggers(&self) -> Result<TriggerSet, ConfigError> {
        if self.trigger_files.is_empty() {
            return Ok(triggers::default_set());
        }
        Ok(triggers::load_files(&self.trigger_files)?)
    }
}

fn log_config(r: &RawLog) -> Result<LogConfig, (&'static str, String)> {
    let level = r.level.clone().unwrap_or_else(|| "info".into());
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&level) {
        return Err((
            "level",
            format!("log.level = {level:?} is not a filter (info, debug, tripwatch=debug …): {e}"),
        ));
    }
    let json = match r.format.as_deref().unwrap_or("auto") {
        "auto" => None,
        "json" => Some(true),
        "text" => Some(false),
        other => return Err(("format", format!("log.format = {other:?}: use auto, json or text"))),
    };
    Ok(LogConfig { level, json })
}

fn routing_policy(r: &RawRouting) -> Result<Policy, (&'static str, String)> {
    let mut p = Policy::default();
    if let Some(d) = r.pre_trip_days {
        if !(0..=365).contains(&d) {
            return Err(("pre_trip_days", format!("routing.pre_trip_days = {d} must be 0..=365")));
        }
        p.pre_trip_days = d;
    }
    if let Some(d) = r.grace_days {
        if !(0..=365).contains(&d) {
            return Err(("grace_days", format!("routing.grace_days = {d} must be 0..=365")));
        }
        p.grace_days = d;
    }
    let hours = |key: &'static str, h: f64| -> Result<jiff::SignedDuration, (&'static str, String)> {
        if !(0.0..=24.0 * 365.0).contains(&h) {
            return Err((key, format!("routing.{key} = {h} must be between 0 and 8760 hours")));
        }
        Ok(jiff::SignedDuration::from_secs((h * 3600.0) as i64))
    };
    if let Some(h) = r.realert_hours {
        let d = hours("realert_hours", h)?;
        for v in p.realert.values_mut() {
            *v = d;
        }
    }
    for (sev, h) in &r.realert_hours_by_severity {
        let s: Severity = sev
            .parse()
            .map_err(|m| ("realert_hours_by_severity", format!("routing.realert_hours_by_severity: {m}")))?;
        p.realert.insert(s, hours("realert_hours_by_severity", *h)?);
    }
    if let Some(s) = &r.default_min_severity {
        p.default_min_severity =
            s.parse().map_err(|m| ("default_min_severity", format!("routing.default_min_severity: {m}")))?;
    }
    if let Some(e) = &r.elsewhere_in_country {
        p.elsewhere =
            e.parse().map_err(|m| ("elsewhere_in_country", format!("routing.elsewhere_in_country: {m}")))?;
    }
    if let Some(d) = r.digest_critical {
        p.digest_critical = d;
    }
    if let Some(h) = r.max_event_age_hours {
        p.max_event_age = if h == 0.0 { None } else { Some(hours("max_event_age_hours", h)?) };
    }
    for t in &r.review_triggers {
        crate::detect::TriggerId::parse(t)
            .map_err(|m| ("review_triggers", format!("routing.review_triggers: {t:?}: {m}")))?;
    }
    p.review_triggers = r.review_triggers.clone();
    if let Some(c) = r.review_below_confidence {
        if !(c > 0.0 && c <= 1.0) {
            return Err((
                "review_below_confidence",
                format!("routing.review_below_confidence = {c} must be above 0 and at most 1"),
            ));
        }
        p.review_below = Some(c);
    }
    Ok(p)
}

fn line_of(src: &str, key: &str) -> usize {
    src.lines().position(|l| l.trim_start().starts_with(key)).map_or(1, |i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_resolves_paths() {
        let c = Config::parse(
            "state_dir = \"var\"\ntriggers = [\"t.toml\"]\n",
            Path::new("/etc/tw/tripwatch.toml"),
        )
        .expect("ok");
        assert_eq!(c.state_dir, PathBuf::from("/etc/tw/var"));
        assert_eq!(c.trigger_files, [PathBuf::from("/etc/tw/t.toml")]);
    }

    #[test]
    fn unknown_keys_are_located() {
        let e = Config::parse("state_dir = \"v\"\nstate_dri = \"x\"\n", Path::new("c.toml"))
            .expect_err("unknown key");
        let msg = e.to_string();
        assert!(msg.starts_with("c.toml:2:"), "{msg}");
        assert!(msg.contains("state_dri"), "{msg}");
        let e = Config::parse("[detect]\nmax_advisory_bytes = 0\n", Path::new("c.toml")).expect_err("zero");
        assert!(e.to_string().starts_with("c.toml:2:"), "{e}");
        let e = Config::parse("[routing]\nelsewhere_in_country = \"maybe\"\n", Path::new("c.toml"))
            .expect_err("bad policy");
        assert!(e.to_string().contains("elsewhere_in_country"), "{e}");
        let c =
            Config::parse("[routing]\nelsewhere_in_country = \"lower\"\n", Path::new("c.toml")).expect("ok");
        assert_eq!(c.policy.elsewhere, crate::route::policy::Elsewhere::Lower);
        let e = Config::parse("[routing]\ngrace_days = -1\n", Path::new("c.toml")).expect_err("negative");
        assert!(e.to_string().starts_with("c.toml:2:"), "{e}");
        let e = Config::parse("[routing]\nrealert_hours_by_severity = { severe = 2 }\n", Path::new("c.toml"))
            .expect_err("bad severity");
        assert!(e.to_string().contains("unknown severity"), "{e}");
        let c = Config::parse(
            "[routing]\npre_trip_days = 3\nrealert_hours = 6\nrealert_hours_by_severity = { critical = 1 }\n",
            Path::new("c.toml"),
        )
        .expect("ok");
        assert_eq!(c.policy.pre_trip_days, 3);
        assert_eq!(c.policy.realert[&Severity::Critical], jiff::SignedDuration::from_hours(1));
        assert_eq!(c.policy.realert[&Severity::High], jiff::SignedDuration::from_hours(6));
    }
}
