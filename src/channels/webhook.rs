//! Webhooks through reqwest: JSON, Slack or Microsoft Teams payloads, signed the Standard
//! Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256
//! of "id.timestamp.body">`, secret `whsec_<base64>`). 2xx is success; a redirect is a failure
//! and is never followed; 410 disables the endpoint; 429 and 5xx are transient and honour
//! `Retry-After`; other 4xx are permanent; timeouts and connection errors are transient.
//! Every request goes through the SSRF guard.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use super::DeliveryError;
use super::render::Rendered;
use super::ssrf::{Guard, GuardedResolver};
use crate::config::{WebhookConfig, WebhookFormat};

/// Sign a payload: the value of the `webhook-signature` header.
pub fn sign(secret_key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret_key).unwrap_or_else(|_| unreachable_hmac());
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
}

// HMAC accepts keys of any length; this only satisfies the type.
fn unreachable_hmac() -> Hmac<Sha256> {
    match Hmac::<Sha256>::new_from_slice(b"k") {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA256 takes any key length"),
    }
}

/// Decode a `whsec_…` secret into key bytes.
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, SecretError> {
    let b64 = secret.strip_prefix("whsec_").ok_or(SecretError::Prefix)?;
    B64.decode(b64).map_err(|_| SecretError::Base64)
}

/// Why a webhook signing secret is unusable (its value is never part of the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("webhook secrets start with whsec_")]
    Prefix,
    #[error("webhook secret is not valid base64 after whsec_")]
    Base64,
}

/// Why an endpoint could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("webhook {name}: {source}")]
    Client { name: String, source: reqwest::Error },
    #[error("webhook {name}: {source}")]
    Secret { name: String, source: SecretError },
}

/// One configured endpoint with its client.
pub struct Endpoint {
    pub cfg: WebhookConfig,
    client: reqwest::Client,
    guard: Arc<Guard>,
    key: Option<Vec<u8>>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint").field("name", &self.cfg.name).finish()
    }
}

impl Endpoint {
    pub fn new(cfg: WebhookConfig, guard: Arc<Guard>) -> Result<Endpoint, EndpointError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver(guard.clone())))
            .user_agent(concat!("tripwatch/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| EndpointError::Client { name: cfg.name.clone(), source })?;
        let key = cfg
            .secret
            .as_ref()
            .map(|s| decode_secret(s.expose()))
            .transpose()
            .map_err(|source| EndpointError::Secret { name: cfg.name.clone(), source })?;
        Ok(Endpoint { cfg, client, guard, key })
    }

    /// The body for this endpoint's format.
    pub fn body(&self, r: &Rendered) -> Value {
        payload(self.cfg.format, r)
    }

    /// POST a rendered alert. `id` is stable across retries so receivers can deduplicate.
    pub async fn send(&self, id: &str, r: &Rendered, now: i64) -> Result<(), DeliveryError> {
        let url = &self.cfg.url;
        // reqwest does not resolve address literals, so the guard checks the URL itself.
        if let Some(reason) = self.guard.refuse_url(url) {
            return Err(DeliveryError::permanent(format!("webhook {}: {reason}", self.cfg.name)));
        }
        // JSON is the facts as they are: serialised in place, not copied first.
        let body = match self.cfg.format {
            WebhookFormat::Json => serde_json::to_vec(&r.facts),
            _ => serde_json::to_vec(&self.body(r)),
        }
        .map_err(|e| DeliveryError::permanent(e.to_string()))?;
        let mut req = self
            .client
            .post(url.clone())
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", now.to_string());
        if let Some(key) = &self.key {
            req = req.header("webhook-signature", sign(key, id, now, &body));
        }
        let resp = req.body(body).send().await.map_err(|e| {
            let msg = error_chain(&e);
            if msg.contains("refused:") && msg.contains("allow_private") {
                DeliveryError::permanent(format!("webhook {}: {msg}", self.cfg.name))
            } else {
                DeliveryError::transient(format!("webhook {}: {msg}", self.cfg.name))
            }
        })?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let name = &self.cfg.name;
        match status.as_u16() {
            200..=299 => Ok(()),
            300..=399 => {
                Err(DeliveryError::permanent(format!("webhook {name}: HTTP {status} redirect not followed")))
            }
            410 => Err(DeliveryError::Gone { message: format!("webhook {name}: HTTP 410 Gone") }),
            429 | 500..=599 => Err(DeliveryError::Transient {
                message: format!("webhook {name}: HTTP {status}"),
                retry_after,
            }),
            408 => Err(DeliveryError::transient(format!("webhook {name}: HTTP {status}"))),
            _ => Err(DeliveryError::permanent(format!("webhook {name}: HTTP {status}"))),
        }
    }
}

/// An error and its causes, joined: reqwest's top-level message alone says too little.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        parts.push(s.to_string());
        cur = s.source();
    }
    crate::channels::ssrf::redact_urls(&parts.join(": "))
}

/// The payload of one alert in a webhook format. Advisory text is untrusted: it is escaped
/// for the format, so a title cannot mention a channel (`<!channel>`), make a link
/// (`<https://evil|text>`, `[text](url)`) or inject markup.
pub fn payload(format: WebhookFormat, r: &Rendered) -> Value {
    match format {
        WebhookFormat::Json => r.facts.clone(),
        WebhookFormat::Slack => json!({
            "text": format!("*{}*\n{}", slack_escape(&r.subject), slack_escape(&r.text)),
            "alert_id": r.facts["alert_id"]
        }),
        WebhookFormat::Teams => json!({
            "@type": "MessageCard", "@context": "https://schema.org/extensions",
            "summary": r.subject, "title": teams_escape(&r.subject),
            "text": teams_escape(&r.text).replace('\n', "\n\n"),
        }),
    }
}

/// Slack's control characters: `&`, `<` and `>` become entities (Slack's own rule), so no
/// `<!channel>`, `<@user>` or `<url|text>` survives.
pub fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Teams MessageCard text is Markdown with some HTML: HTML's characters become entities and
/// Markdown's active characters are backslash-escaped, so no link, image or emphasis can be
/// injected.
pub fn teams_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '`' | '!' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_secret_is_a_typed_setup_error_that_never_shows_the_secret() {
        let cfg = WebhookConfig {
            name: "ops".into(),
            url: url::Url::parse("https://hooks.example.org/x").expect("url"),
            format: WebhookFormat::Json,
            secret: Some(crate::config::Secret::new("hunter2-not-whsec")),
            timeout: Duration::from_secs(5),
            max_concurrency: 4,
        };
        let err = Endpoint::new(cfg, Arc::new(Guard::default())).expect_err("refused");
        assert!(
            matches!(&err, EndpointError::Secret { name, source: SecretError::Prefix } if name == "ops"),
            "{err}"
        );
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn slack_and_teams_payloads_escape_advisory_text() {
        let r = Rendered {
            subject: "Curfew <!channel> in Almaty".into(),
            text: "See <https://evil.example|the embassy> and [this](https://evil.example) & more".into(),
            html: String::new(),
            message_id: "<m@x>".into(),
            in_reply_to: None,
            recipient_name: "Ann".into(),
            facts: json!({"alert_id": 1}),
        };
        let slack = payload(WebhookFormat::Slack, &r)["text"].as_str().unwrap_or("").to_owned();
        assert!(!slack.contains("<!channel>") && !slack.contains("<https://"), "{slack}");
        assert!(slack.contains("&lt;!channel&gt;") && slack.contains("&amp; more"), "{slack}");
        let teams = payload(WebhookFormat::Teams, &r);
        let text = teams["text"].as_str().unwrap_or("");
        assert!(!text.contains("[this](") && !text.contains("<https://"), "{text}");
        assert!(text.contains("\\[this\\]\\(https://evil.example\\)"), "{text}");
        assert!(!teams["title"].as_str().unwrap_or("").contains("<!channel>"));
    }

    #[test]
    fn standard_webhooks_signature() {
        // The example from the Standard Webhooks specification.
        let key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
        let body = br#"{"test": 2432232314}"#;
        let sig = sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(decode_secret("nope").is_err());
    }
}
