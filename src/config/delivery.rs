//! Delivery settings: `[email]`, `[[webhook]]`, `[network]`, `[outbox]`. Secrets come from
//! `*_file` keys (systemd `LoadCredential=`) or the environment, never from the file itself,
//! and print as `[redacted]`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::channels::ssrf::Cidr;

/// A secret value: `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEmail {
    /// "file" (default: `.eml` files under `dir`) or "smtp".
    transport: Option<String>,
    /// File transport folder (default `<state_dir>/mail`).
    dir: Option<PathBuf>,
    from: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    /// "none" | "starttls" | "tls"
    tls: Option<String>,
    /// Extra CA certificate (PEM) to trust for the SMTP server.
    tls_ca_file: Option<PathBuf>,
    username: Option<String>,
    /// File holding the SMTP password (or set TRIPWATCH_SMTP_PASSWORD).
    password_file: Option<PathBuf>,
    timeout_secs: Option<u64>,
    pool_size: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    name: String,
    url: String,
    /// "json" | "slack" | "teams"
    format: Option<String>,
    /// File holding the `whsec_…` signing secret (or set TRIPWATCH_WEBHOOK_SECRET_<NAME>).
    secret_file: Option<PathBuf>,
    timeout_secs: Option<u64>,
    max_concurrency: Option<usize>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNetwork {
    /// CIDRs that webhooks and feeds may reach although private or loopback.
    #[serde(default)]
    allow_private: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutbox {
    /// Delivery workers (default 8).
    concurrency: Option<usize>,
    /// Deliveries a worker claims and records at once (default 16).
    batch: Option<usize>,
    /// Seconds a worker holds a claimed delivery before others may take it (default 120).
    lease_secs: Option<u64>,
    /// First retry delay in seconds, doubled each attempt (default 10).
    backoff_base_secs: Option<u64>,
    /// Longest retry delay in seconds (default 3600).
    backoff_max_secs: Option<u64>,
    /// Give up (dead-letter) after this many hours of failures (default 48).
    max_age_hours: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone)]
pub enum EmailTransport {
    File {
        dir: PathBuf,
    },
    Smtp {
        host: String,
        port: u16,
        tls: TlsMode,
        username: Option<String>,
        password: Option<Secret>,
        timeout: Duration,
        pool_size: u32,
        ca_file: Option<PathBuf>,
    },
}

#[derive(Debug, Clone)]
pub struct EmailConfig {
    pub from: String,
    pub transport: EmailTransport,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    Json,
    Slack,
    Teams,
}

#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub name: String,
    pub url: url::Url,
    pub format: WebhookFormat,
    pub secret: Option<Secret>,
    pub timeout: Duration,
    pub max_concurrency: usize,
}

#[derive(Debug, Clone)]
pub struct OutboxConfig {
    pub concurrency: usize,
    /// Deliveries one worker claims, sends side by side and records in one transaction.
    pub batch: usize,
    pub lease: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub max_age: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            concurrency: 8,
            batch: 64,
            lease: Duration::from_secs(120),
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            max_age: Duration::from_secs(48 * 3600),
        }
    }
}

type Problem = (&'static str, String);

static SKIP_SECRETS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static SKIPPED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// `check-config --skip-secrets`: a secret file that cannot be read is a warning, not an error
/// (validating a production config on a machine without its credentials).
pub fn skip_missing_secrets() {
    SKIP_SECRETS.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// The secret files skipped so far, as warnings.
pub fn skipped_secrets() -> Vec<String> {
    SKIPPED.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

fn read_secret(path: &Path) -> Result<Secret, String> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Secret(s.trim().to_owned())),
        Err(e) if SKIP_SECRETS.load(std::sync::atomic::Ordering::SeqCst) => {
            SKIPPED
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(format!("cannot read {}: {e}", path.display()));
            Ok(Secret(String::new()))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

pub(super) fn email(raw: &RawEmail, base: &Path, state_dir: &Path) -> Result<EmailConfig, Problem> {
    let from = raw.from.clone().unwrap_or_else(|| "Tripwatch Alerts <alerts@tripwatch.invalid>".into());
    if from.parse::<lettre::message::Mailbox>().is_err() || from.contains(['\r', '\n']) {
        return Err(("from", format!("email.from {from:?} is not a mailbox (Name <address>)")));
    }
    let transport = match raw.transport.as_deref().unwrap_or("file") {
        "file" => EmailTransport::File {
            dir: raw.dir.as_ref().map_or_else(|| state_dir.join("mail"), |d| base.join(d)),
        },
        "smtp" => {
            let host = raw
                .host
                .clone()
                .ok_or(("transport", "email.transport = \"smtp\" needs email.host".to_owned()))?;
            let tls = match raw.tls.as_deref().unwrap_or("starttls") {
                "none" => TlsMode::None,
                "starttls" => TlsMode::Starttls,
                "tls" => TlsMode::Tls,
                other => return Err(("tls", format!("email.tls {other:?}: use none, starttls or tls"))),
            };
            // The environment overrides password_file, and fills in a password only where a
            // username asks for one.
            let password = match (&raw.password_file, std::env::var("TRIPWATCH_SMTP_PASSWORD")) {
                (_, Ok(v)) if raw.username.is_some() => Some(Secret(v)),
                (Some(p), _) => Some(read_secret(&base.join(p)).map_err(|e| ("password_file", e))?),
                _ => None,
            };
            if raw.username.is_some() != password.is_some() {
                return Err((
                    "username",
                    "email.username and a password (password_file or TRIPWATCH_SMTP_PASSWORD) go together"
                        .into(),
                ));
            }
            // A password sent without TLS is readable by anyone on the path; only a relay on
            // this machine may take one in the clear.
            let loopback = host == "localhost"
                || host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if matches!(tls, TlsMode::None) && raw.username.is_some() && !loopback {
                return Err((
                    "tls",
                    format!(
                        "email.tls = \"none\" with a username would send the SMTP password in clear text to {host}; use starttls or tls (clear text is allowed only to a loopback relay)"
                    ),
                ));
            }
            EmailTransport::Smtp {
                host,
                port: raw.port.unwrap_or(match tls {
                    TlsMode::Tls => 465,
                    _ => 587,
                }),
                tls,
                username: raw.username.clone(),
                password,
                timeout: Duration::from_secs(raw.timeout_secs.unwrap_or(30).clamp(1, 600)),
                pool_size: raw.pool_size.unwrap_or(4).clamp(1, 64),
                ca_file: raw.tls_ca_file.as_ref().map(|p| base.join(p)),
            }
        }
        other => return Err(("transport", format!("email.transport {other:?}: use smtp or file"))),
    };
    Ok(EmailConfig { from, transport })
}

pub(super) fn webhooks(raw: &[RawWebhook], base: &Path) -> Result<Vec<WebhookConfig>, Problem> {
    let mut out: Vec<WebhookConfig> = Vec::new();
    for w in raw {
        if w.name.is_empty() || !w.name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) {
            return Err(("name", format!("webhook name {:?}: use letters, digits, - and _", w.name)));
        }
        if out.iter().any(|o| o.name == w.name) {
            return Err(("name", format!("duplicate webhook name {:?}", w.name)));
        }
        let url = url::Url::parse(&w.url).map_err(|e| ("url", format!("webhook {}: url: {e}", w.name)))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() || !url.username().is_empty() {
            return Err((
                "url",
                format!("webhook {}: url must be http(s)://host/… without credentials", w.name),
            ));
        }
        let format = match w.format.as_deref().unwrap_or("json") {
            "json" => WebhookFormat::Json,
            "slack" => WebhookFormat::Slack,
            "teams" => WebhookFormat::Teams,
            other => {
                return Err((
                    "format",
                    format!("webhook {}: format {other:?}: use json, slack or teams", w.name),
                ));
            }
        };
        let env = format!("TRIPWATCH_WEBHOOK_SECRET_{}", w.name.to_ascii_uppercase().replace('-', "_"));
        let secret = match (&w.secret_file, std::env::var(&env)) {
            (_, Ok(v)) => Some(Secret(v)),
            (Some(p), Err(_)) => Some(read_secret(&base.join(p)).map_err(|e| ("secret_file", e))?),
            (None, Err(_)) => None,
        };
        // An empty secret is a file skipped by `check-config --skip-secrets`.
        let skipped =
            |s: &&Secret| s.expose().is_empty() && SKIP_SECRETS.load(std::sync::atomic::Ordering::SeqCst);
        if let Some(s) = secret.as_ref().filter(|s| !skipped(s)) {
            crate::channels::webhook::decode_secret(s.expose())
                .map_err(|e| ("secret_file", format!("webhook {}: {e}", w.name)))?;
        }
        out.push(WebhookConfig {
            name: w.name.clone(),
            url,
            format,
            secret,
            timeout: Duration::from_secs(w.timeout_secs.unwrap_or(10).clamp(1, 300)),
            max_concurrency: w.max_concurrency.unwrap_or(4).clamp(1, 256),
        });
    }
    Ok(out)
}

pub(super) fn network(raw: &RawNetwork) -> Result<Vec<Cidr>, Problem> {
    raw.allow_private
        .iter()
        .map(|c| Cidr::parse(c).map_err(|e| ("allow_private", format!("network.allow_private: {e}"))))
        .collect()
}

pub(super) fn outbox(raw: &RawOutbox) -> Result<OutboxConfig, Problem> {
    let d = OutboxConfig::default();
    let secs = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_secs);
    let c = OutboxConfig {
        concurrency: raw.concurrency.unwrap_or(d.concurrency),
        batch: raw.batch.unwrap_or(d.batch),
        lease: secs(raw.lease_secs, d.lease),
        backoff_base: secs(raw.backoff_base_secs, d.backoff_base),
        backoff_max: secs(raw.backoff_max_secs, d.backoff_max),
        max_age: raw.max_age_hours.map_or(d.max_age, |h| Duration::from_secs(h * 3600)),
    };
    if !(1..=1024).contains(&c.concurrency) {
        return Err(("concurrency", "outbox.concurrency must be 1..=1024".into()));
    }
    if !(1..=1000).contains(&c.batch) {
        return Err(("batch", "outbox.batch must be 1..=1000".into()));
    }
    if c.lease < Duration::from_secs(5) || c.backoff_base.is_zero() || c.backoff_max < c.backoff_base {
        return Err((
            "lease_secs",
            "outbox: lease_secs >= 5, backoff_base_secs > 0, backoff_max_secs >= backoff_base_secs".into(),
        ));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "[redacted]");
        let cfg = EmailConfig {
            from: "a <a@example.org>".into(),
            transport: EmailTransport::Smtp {
                host: "h".into(),
                port: 587,
                tls: TlsMode::Starttls,
                username: Some("u".into()),
                password: Some(s),
                timeout: Duration::from_secs(1),
                pool_size: 1,
                ca_file: None,
            },
        };
        assert!(!format!("{cfg:?}").contains("hunter2"));
    }

    #[test]
    fn a_password_in_clear_text_goes_only_to_a_loopback_relay() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("pw"), "hunter2").expect("pw");
        let raw = |host: &str, tls: &str| -> RawEmail {
            toml::from_str(&format!(
                "transport = \"smtp\"\nhost = \"{host}\"\ntls = \"{tls}\"\nusername = \"u\"\npassword_file = \"pw\"\n"
            ))
            .expect("raw")
        };
        let err = email(&raw("smtp.example.org", "none"), dir.path(), dir.path()).expect_err("refused");
        assert!(err.1.contains("clear text"), "{}", err.1);
        for ok in [
            ("127.0.0.1", "none"),
            ("localhost", "none"),
            ("[::1]", "none"),
            ("smtp.example.org", "starttls"),
        ] {
            assert!(email(&raw(ok.0, ok.1), dir.path(), dir.path()).is_ok(), "{ok:?}");
        }
    }
}
