//! Telemetry: the log (`tracing` events and spans, written by our own layer), the metrics
//! (`metrics`, counters and a histogram that `/metrics` renders), and systemd's notify socket.
//!
//! Every event is one line. In the journal (`JOURNAL_STREAM` set, or `[log] format = "json"`)
//! it is a JSON object: `ts`, `level`, `msg`, `span` (the innermost span's name, e.g.
//! `advisory` or `delivery`), then the fields of every enclosing span and of the event itself,
//! as typed JSON values. On a terminal it is `TS LEVEL tripwatch: msg key=value …`, info and
//! debug on stdout, warnings and errors on stderr.
//!
//! Every string that reaches a line — the message and every field — goes through the same
//! redaction: email addresses are masked and URLs keep only their origin (webhook URLs and
//! feed keys are credentials). The filter is `RUST_LOG` when set, else `[log] level`, and a
//! reload swaps it.

use std::io::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use serde_json::Value;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry, reload};

use crate::config::LogConfig;

pub mod metrics;

/// 0: decide by `JOURNAL_STREAM`; 1: JSON; 2: text.
static FORMAT: AtomicU8 = AtomicU8::new(0);
static FILTER: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// Install the logger (once per process; later calls do nothing). Until [`configure`] runs
/// (the daemon does, with its `[log]` table), the filter is `RUST_LOG` or `warn`: a command's
/// own output stays what it prints, with warnings beside it.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let (filter, handle) = reload::Layer::new(filter);
    if tracing_subscriber::registry().with(filter).with(Lines).try_init().is_ok() {
        let _ = FILTER.set(handle);
    }
}

/// Apply a configuration's `[log]` table: the format, and the level unless `RUST_LOG` is set.
pub fn configure(cfg: &LogConfig) {
    FORMAT.store(
        match cfg.json {
            None => 0,
            Some(true) => 1,
            Some(false) => 2,
        },
        Ordering::Relaxed,
    );
    if std::env::var_os("RUST_LOG").is_some() {
        return;
    }
    if let (Some(handle), Ok(filter)) = (FILTER.get(), EnvFilter::try_new(&cfg.level)) {
        let _ = handle.reload(filter);
    }
}

fn json_lines() -> bool {
    match FORMAT.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => std::env::var_os("JOURNAL_STREAM").is_some(),
    }
}

/// A string as it may appear in the log.
pub fn redact(text: &str) -> String {
    redact_emails(&crate::channels::ssrf::redact_urls(text))
}

/// Fields in the order they were recorded (a later value for a name replaces the earlier).
type Fields = Vec<(String, Value)>;

fn put(fields: &mut Fields, name: String, v: Value) {
    match fields.iter_mut().find(|(k, _)| *k == name) {
        Some(slot) => slot.1 = v,
        None => fields.push((name, v)),
    }
}

/// Fields recorded on a span, kept in its extensions until it closes.
struct SpanFields(Fields);

/// Collects fields as JSON values (strings redacted); `message` becomes `msg`.
struct Collect<'a>(&'a mut Fields);

impl Visit for Collect<'_> {
    fn record_i64(&mut self, f: &Field, v: i64) {
        put(self.0, name_of(f), v.into());
    }
    fn record_u64(&mut self, f: &Field, v: u64) {
        put(self.0, name_of(f), v.into());
    }
    fn record_f64(&mut self, f: &Field, v: f64) {
        put(self.0, name_of(f), v.into());
    }
    fn record_bool(&mut self, f: &Field, v: bool) {
        put(self.0, name_of(f), v.into());
    }
    fn record_str(&mut self, f: &Field, v: &str) {
        put(self.0, name_of(f), redact(v).into());
    }
    fn record_debug(&mut self, f: &Field, v: &dyn std::fmt::Debug) {
        put(self.0, name_of(f), redact(&format!("{v:?}")).into());
    }
}

fn name_of(f: &Field) -> String {
    if f.name() == "message" { "msg".to_owned() } else { f.name().to_owned() }
}

/// The layer that writes lines.
struct Lines;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Lines {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = Fields::new();
        attrs.record(&mut Collect(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(fields));
        }
    }

    fn on_record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(f) = span.extensions_mut().get_mut::<SpanFields>()
        {
            values.record(&mut Collect(&mut f.0));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        let ts = jiff::Timestamp::now();
        let mut line: Fields = vec![
            ("ts".into(), ts.round(jiff::Unit::Millisecond).unwrap_or(ts).to_string().into()),
            ("level".into(), level.as_str().to_ascii_lowercase().into()),
            ("msg".into(), Value::String(String::new())),
        ];
        let mut fields = Fields::new();
        if let Some(scope) = ctx.event_scope(event) {
            let mut innermost = None;
            for span in scope.from_root() {
                innermost = Some(span.name());
                if let Some(f) = span.extensions().get::<SpanFields>() {
                    for (k, v) in &f.0 {
                        put(&mut fields, k.clone(), v.clone());
                    }
                }
            }
            if let Some(name) = innermost {
                line.push(("span".into(), name.into()));
            }
        }
        event.record(&mut Collect(&mut fields));
        for (k, v) in fields {
            put(&mut line, k, v);
        }
        write_line(level, &line);
    }
}

fn write_line(level: Level, line: &Fields) {
    if json_lines() {
        let mut text = String::from("{");
        for (i, (k, v)) in line.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&Value::String(k.clone()).to_string());
            text.push(':');
            text.push_str(&v.to_string());
        }
        text.push('}');
        let _ = writeln!(std::io::stdout().lock(), "{text}");
        return;
    }
    let get = |name: &str| line.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_str()).unwrap_or("");
    let mut text = format!("{} {} tripwatch: {}", get("ts"), level.as_str(), get("msg"));
    for (k, v) in line.iter().filter(|(k, _)| !matches!(k.as_str(), "ts" | "level" | "msg" | "span")) {
        match v {
            Value::String(s) if !s.is_empty() && !s.contains([' ', '"', '=']) => {
                text.push_str(&format!(" {k}={s}"))
            }
            Value::String(s) => text.push_str(&format!(" {k}={s:?}")),
            other => text.push_str(&format!(" {k}={other}")),
        }
    }
    if level <= Level::WARN {
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    } else {
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    }
}

/// Mask every email address in `text` (`ann@example.org` → `a***@example.org`): server
/// replies quote recipients, and traveller addresses never go to the log.
pub fn redact_emails(text: &str) -> String {
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    let domain = |c: u8| c.is_ascii_alphanumeric() || c == b'.' || c == b'-';
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in text.match_indices('@') {
        let start = (0..at).rev().take_while(|&i| local(b[i])).last();
        let has_domain = b.get(at + 1).is_some_and(|&c| domain(c));
        let (Some(start), true) = (start, has_domain) else { continue };
        if start < last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(&text[start..start + 1]);
        out.push_str("***");
        last = at;
    }
    out.push_str(&text[last..]);
    out
}

/// Send a state line to systemd's notify socket, if there is one.
pub fn sd_notify(state: &str) {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else { return };
    let Ok(sock) = std::os::unix::net::UnixDatagram::unbound() else { return };
    let path = std::path::PathBuf::from(path);
    let bytes = path.as_os_str().as_encoded_bytes();
    let _ = if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(name)
            .and_then(|a| sock.send_to_addr(state.as_bytes(), &a))
    } else {
        sock.send_to(state.as_bytes(), &path)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked_in_log_lines() {
        assert_eq!(
            redact_emails("SMTP 550 5.1.1 <ann.lee@example.org>: Recipient address rejected"),
            "SMTP 550 5.1.1 <a***@example.org>: Recipient address rejected"
        );
        assert_eq!(redact_emails("a@b.c and bob+x@d.e"), "a***@b.c and b***@d.e");
        assert_eq!(redact_emails("no address @ here, user@"), "no address @ here, user@");
    }

    #[test]
    fn every_string_field_is_redacted_and_numbers_stay_numbers() {
        let mut f = Fields::new();
        put(
            &mut f,
            "error".into(),
            redact("POST https://hooks.example.com/T0/B1/s3cr3t?k=v to bob@example.org failed").into(),
        );
        put(&mut f, "delivery".into(), 7.into());
        put(&mut f, "delivery".into(), 8.into());
        assert_eq!(f.len(), 2, "a later value replaces the earlier");
        let error = f[0].1.as_str().unwrap_or("");
        assert!(!error.contains("s3cr3t") && !error.contains("bob@"), "{error}");
        assert!(error.contains("hooks.example.com"), "{error}");
        assert_eq!(f[1].1, 8);
    }
}
