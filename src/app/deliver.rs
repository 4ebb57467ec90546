//! Delivery commands: draining the outbox, `deliveries list|retry`, `send-test`.

use std::sync::{Arc, Mutex};

use jiff::Timestamp;

use crate::channels::email::Mailer;
use crate::channels::payload::{AlertPayload, Item, Payload, Recipient};
use crate::channels::render::{AdvisoryInfo, Job, Templates};
use crate::channels::ssrf::Guard;
use crate::channels::webhook::Endpoint;
use crate::config::Config;
use crate::detect::trigger::Severity;
use crate::outbox::{DrainReport, Outbox};
use crate::store::Store;

/// A runtime for the commands that do network IO.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

/// Deliver everything due now.
pub fn drain(cfg: &Config, store: Store, now: Timestamp) -> anyhow::Result<(DrainReport, Store)> {
    let shared = Arc::new(Mutex::new(store));
    // The SMTP pool lives on the runtime: build, use and drop it inside.
    let report = runtime()?.block_on(async {
        let outbox = Arc::new(Outbox::new(cfg, shared.clone())?);
        let report = outbox.drain(now).await;
        drop(outbox);
        report.map_err(anyhow::Error::from)
    })?;
    let store = Arc::try_unwrap(shared)
        .map_err(|_| anyhow::anyhow!("outbox still running"))?
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    Ok((report, store))
}

fn test_job(recipient: &str, now: Timestamp) -> Job {
    Job {
        traveller_id: None,
        delivery_id: 0,
        alert_id: 0,
        kind: crate::channels::render::JobKind::Alert,
        recipient: recipient.into(),
        payload: Payload::Alert(AlertPayload {
            recipient: Recipient {
                email: recipient.into(),
                name: "tripwatch test".into(),
                timezone: Some("UTC".into()),
            },
            severity: Severity::Info,
            items: vec![Item {
                trigger: "test".into(),
                name: "Test message".into(),
                severity: Severity::Info,
                country: "ZZ".into(),
                city: None,
                regions: Vec::new(),
                elsewhere: false,
                evidence: "This is a test message from tripwatch; no action is needed.".into(),
                reasons: Vec::new(),
                bypass: None,
            }],
            delivery: Default::default(),
        }),
        advisory: AdvisoryInfo {
            id: "test".into(),
            title: "tripwatch send-test".into(),
            url: None,
            source: "tripwatch".into(),
            published: None,
        },
        thread: None,
        created_at: now,
    }
}

/// `send-test --email ADDR`.
pub fn send_test_email(cfg: &Config, to: &str, now: Timestamp) -> anyhow::Result<String> {
    let to = crate::route::model::Email::parse(to)?;
    let rendered = Templates::load(cfg.templates_dir.as_deref())?
        .with_domain_of(&cfg.email.from)
        .render_job(&test_job(to.as_str(), now))?;
    let from = cfg.email.from.parse()?;
    runtime()?.block_on(async {
        let mailer = Mailer::new(&cfg.email)?;
        mailer.send(&from, to.as_str(), &rendered).await?;
        Ok(format!("test email sent via {mailer:?}"))
    })
}

/// `send-test --webhook NAME`.
pub fn send_test_webhook(cfg: &Config, name: &str, now: Timestamp) -> anyhow::Result<String> {
    let w = cfg.webhooks.iter().find(|w| w.name == name).ok_or_else(|| {
        let names: Vec<&str> = cfg.webhooks.iter().map(|w| w.name.as_str()).collect();
        anyhow::anyhow!("no webhook named {name:?} (configured: {})", names.join(", "))
    })?;
    let ep = Endpoint::new(w.clone(), Arc::new(Guard::new(cfg.allow_private.clone())))?;
    let rendered = Templates::load(cfg.templates_dir.as_deref())?
        .render_job(&test_job("test@tripwatch.invalid", now))?;
    runtime()?.block_on(ep.send(&format!("msg_test_{}", now.as_second()), &rendered, now.as_second()))?;
    Ok(format!("test webhook delivered to {name}"))
}
