//! Email through lettre: SMTP with a connection pool, STARTTLS or implicit TLS (rustls), AUTH
//! and timeouts; or a file transport that writes `.eml` files (local use, the quick start).
//! SMTP 4xx replies and connection failures are transient, 5xx permanent.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::DeliveryError;
use super::render::{Rendered, one_line};
use crate::config::{EmailConfig, EmailTransport, TlsMode};

/// Why a mailer could not be set up from its configuration.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("mail directory {}: {source}", dir.display())]
    MailDir { dir: PathBuf, source: std::io::Error },
    #[error("tls_ca_file {}: {source}", path.display())]
    CaFileRead { path: PathBuf, source: std::io::Error },
    #[error("tls_ca_file {}: {source}", path.display())]
    CaFileParse { path: PathBuf, source: lettre::transport::smtp::Error },
    #[error("TLS setup: {0}")]
    Tls(#[source] lettre::transport::smtp::Error),
}

/// A configured email sender.
pub enum Mailer {
    /// Implicit TLS (`tls = "tls"`): lettre's pooled transport.
    Smtp(AsyncSmtpTransport<Tokio1Executor>, Duration),
    /// Plain or STARTTLS: our own pool of connections with `TCP_NODELAY`, so the end of a
    /// message never waits on a delayed ACK (lettre writes the body and the final dot as two
    /// small writes; with Nagle on, each message then waits ~40 ms).
    Pooled(Box<SmtpPool>, Duration),
    File(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Kept-open SMTP connections, at most `size` in use at once.
pub struct SmtpPool {
    host: String,
    port: u16,
    starttls: Option<TlsParameters>,
    credentials: Option<Credentials>,
    timeout: Duration,
    idle: std::sync::Mutex<Vec<AsyncSmtpConnection>>,
    slots: tokio::sync::Semaphore,
    hello: ClientId,
}

impl SmtpPool {
    async fn connect(&self) -> Result<AsyncSmtpConnection, DeliveryError> {
        let io = |e: std::io::Error| DeliveryError::transient(format!("SMTP connection: {e}"));
        let stream = tokio::time::timeout(
            self.timeout,
            tokio::net::TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| DeliveryError::transient("SMTP connection timed out"))?
        .map_err(io)?;
        stream.set_nodelay(true).map_err(io)?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &self.hello)
            .await
            .map_err(classify)?;
        if let Some(params) = &self.starttls {
            conn.starttls(params.clone(), &self.hello).await.map_err(classify)?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c).await.map_err(classify)?;
        }
        Ok(conn)
    }

    async fn send(&self, msg: &Message) -> Result<(), DeliveryError> {
        let _slot =
            self.slots.acquire().await.map_err(|_| DeliveryError::transient("mailer shutting down"))?;
        let (envelope, body) = (msg.envelope(), msg.formatted());
        let reused = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        if let Some(mut conn) = reused.filter(|c| !c.has_broken()) {
            match conn.send(envelope, &body).await {
                Ok(_) => {
                    self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
                    return Ok(());
                }
                // The server's word on this message stands; a connection it closed while
                // idle is replaced below.
                Err(e) if e.is_response() => {
                    conn.abort().await;
                    return Err(classify(e));
                }
                Err(_) => conn.abort().await,
            }
        }
        let mut conn = self.connect().await?;
        match conn.send(envelope, &body).await {
            Ok(_) => {
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
                Ok(())
            }
            Err(e) => {
                conn.abort().await;
                Err(classify(e))
            }
        }
    }
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(..) => f.write_str("Mailer::Smtp"),
            Mailer::Pooled(..) => f.write_str("Mailer::Pooled"),
            Mailer::File(_, dir) => write!(f, "Mailer::File({})", dir.display()),
        }
    }
}

impl Mailer {
    pub fn new(cfg: &EmailConfig) -> Result<Mailer, MailerError> {
        match &cfg.transport {
            EmailTransport::File { dir } => {
                std::fs::create_dir_all(dir)
                    .map_err(|source| MailerError::MailDir { dir: dir.clone(), source })?;
                Ok(Mailer::File(AsyncFileTransport::new(dir), dir.clone()))
            }
            EmailTransport::Smtp { host, port, tls, username, password, timeout, pool_size, ca_file } => {
                let mut params = TlsParameters::builder(host.clone());
                if let Some(ca) = ca_file {
                    let pem = std::fs::read(ca)
                        .map_err(|source| MailerError::CaFileRead { path: ca.clone(), source })?;
                    let cert = lettre::transport::smtp::client::Certificate::from_pem(&pem)
                        .map_err(|source| MailerError::CaFileParse { path: ca.clone(), source })?;
                    params = params.add_root_certificate(cert);
                }
                let params = params.build_rustls().map_err(MailerError::Tls)?;
                let credentials = match (username, password) {
                    (Some(u), Some(p)) => Some(Credentials::new(u.clone(), p.expose().to_owned())),
                    _ => None,
                };
                let deadline = *timeout * 4;
                let tls = match tls {
                    TlsMode::None | TlsMode::Starttls => {
                        let pool = SmtpPool {
                            host: host.clone(),
                            port: *port,
                            starttls: matches!(tls, TlsMode::Starttls).then_some(params),
                            credentials,
                            timeout: *timeout,
                            idle: std::sync::Mutex::new(Vec::new()),
                            slots: tokio::sync::Semaphore::new((*pool_size as usize).max(1)),
                            hello: ClientId::default(),
                        };
                        return Ok(Mailer::Pooled(Box::new(pool), deadline));
                    }
                    TlsMode::Tls => Tls::Wrapper(params),
                };
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(*port)
                    .tls(tls)
                    .timeout(Some(*timeout))
                    .pool_config(lettre::transport::smtp::PoolConfig::new().max_size(*pool_size));
                if let Some(c) = credentials {
                    b = b.credentials(c).authentication(vec![Mechanism::Plain, Mechanism::Login]);
                }
                // lettre's timeout covers single socket operations; this bounds the whole
                // exchange (connect, TLS, AUTH, DATA) so a stalled server cannot hold a worker.
                Ok(Mailer::Smtp(b.build(), deadline))
            }
        }
    }

    /// Send one rendered alert to `to` from `from`.
    pub async fn send(&self, from: &Mailbox, to: &str, r: &Rendered) -> Result<(), DeliveryError> {
        let msg = build(from, to, r)?;
        match self {
            Mailer::File(t, _) => t
                .send(msg)
                .await
                .map(|_| ())
                .map_err(|e| DeliveryError::transient(format!("writing mail file: {e}"))),
            Mailer::Pooled(pool, deadline) => match tokio::time::timeout(*deadline, pool.send(&msg)).await {
                Ok(r) => r,
                Err(_) => Err(DeliveryError::transient(format!(
                    "SMTP exchange took longer than {}s",
                    deadline.as_secs()
                ))),
            },
            Mailer::Smtp(t, deadline) => match tokio::time::timeout(*deadline, t.send(msg)).await {
                Ok(r) => r.map(|_| ()).map_err(classify),
                Err(_) => Err(DeliveryError::transient(format!(
                    "SMTP exchange took longer than {}s",
                    deadline.as_secs()
                ))),
            },
        }
    }
}

/// A timeout bound for callers that want one beyond lettre's own.
pub const SEND_DEADLINE: Duration = Duration::from_secs(120);

fn classify(e: lettre::transport::smtp::Error) -> DeliveryError {
    let text = one_line(&e.to_string());
    // Refused credentials (530, 534, 535, 538) are the server's word on our configuration, not
    // on this message: every message would fail alike, so keep them to send once an operator
    // has fixed the password.
    let code = e.status().map(|c| c.to_string());
    if matches!(code.as_deref(), Some("530" | "534" | "535" | "538")) {
        return DeliveryError::transient(format!(
            "SMTP authentication refused (check email.username and the password): {text}"
        ));
    }
    if e.is_permanent() {
        DeliveryError::permanent(format!("SMTP {text}"))
    } else {
        // 4xx, timeouts, refused or dropped connections, TLS hiccups: try again later.
        DeliveryError::transient(format!("SMTP {text}"))
    }
}

fn header(name: &'static str, value: &str) -> Result<lettre::message::header::HeaderValue, DeliveryError> {
    if value.chars().any(|c| c.is_control()) {
        return Err(DeliveryError::permanent(format!("refusing a control character in the {name} header")));
    }
    Ok(HeaderValue::new(HeaderName::new_from_ascii_str(name), value.to_owned()))
}

fn build(from: &Mailbox, to: &str, r: &Rendered) -> Result<Message, DeliveryError> {
    let to_addr = to.parse().map_err(|_| DeliveryError::permanent("recipient address is not valid"))?;
    let name = one_line(&r.recipient_name);
    let to = Mailbox::new(if name.is_empty() { None } else { Some(name) }, to_addr);
    let mut b = Message::builder().from(from.clone()).to(to).subject(one_line(&r.subject));
    b = b.raw_header(header("Message-ID", &r.message_id)?);
    if let Some(parent) = &r.in_reply_to {
        b = b.raw_header(header("In-Reply-To", parent)?).raw_header(header("References", parent)?);
    }
    b = b.raw_header(header("Auto-Submitted", "auto-generated")?);
    b.multipart(MultiPart::alternative_plain_html(r.text.clone(), r.html.clone()))
        .map_err(|e| DeliveryError::permanent(format!("building the message: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_failures_are_typed_and_name_the_setting() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("plain-file");
        std::fs::write(&file, "x").expect("write");
        let cfg = EmailConfig {
            from: "a@example.org".into(),
            transport: EmailTransport::File { dir: file.join("mail") },
        };
        let Err(err) = Mailer::new(&cfg) else { panic!("a file is no directory") };
        assert!(matches!(&err, MailerError::MailDir { dir, .. } if dir.ends_with("mail")), "{err}");
        assert!(std::error::Error::source(&err).is_some(), "the io error is kept as the source");
        assert!(err.to_string().starts_with("mail directory "), "{err}");
    }

    #[test]
    fn headers_cannot_be_injected() {
        let r = Rendered {
            subject: "Alert\r\nBcc: evil@example.org".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            message_id: "<alert-1.x@tripwatch.invalid>".into(),
            in_reply_to: None,
            recipient_name: "Ann\r\nBcc: evil@example.org".into(),
            facts: serde_json::Value::Null,
        };
        let from: Mailbox = "Tripwatch <alerts@example.org>".parse().expect("from");
        let msg = build(&from, "ann@example.org", &r).expect("builds");
        let raw = String::from_utf8(msg.formatted()).expect("utf8");
        let headers = raw.split("\r\n\r\n").next().expect("headers");
        assert!(!headers.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{headers}");
        assert!(headers.contains("Message-ID: <alert-1.x@tripwatch.invalid>"), "{headers}");
        let bad = Rendered { in_reply_to: Some("<a>\r\nBcc: x@y.z".into()), ..r };
        assert!(build(&from, "ann@example.org", &bad).is_err());
    }
}
