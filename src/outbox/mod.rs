//! The outbox: the only code that changes delivery state. Workers claim due deliveries under
//! a lease, render them, hand them to a channel, and record the outcome: sent; retried later
//! with exponential backoff and jitter (or the server's `Retry-After`) up to a cap; or dead
//! after a permanent failure or when failures outlast the maximum age. A crash loses nothing:
//! an expired lease is claimed again.
//!
//! Work is stepped with [`Outbox::try_execute_batch`] (one `Step` per delivery, none when
//! nothing is due), so tests and `run --once` can drain it deterministically; [`Outbox::drain`]
//! runs several workers' steps at once, bounded overall and per destination.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::Timestamp;
use lettre::message::Mailbox;
use tokio::sync::Semaphore;

use crate::channels::DeliveryError;
use crate::channels::email::Mailer;
use crate::channels::render::{TemplateError, Templates};
use crate::channels::ssrf::Guard;
use crate::channels::webhook::Endpoint;
use crate::config::{Config, OutboxConfig};
use crate::route::model::Channel;
use crate::store::{Claimed, Store, StoreError};

/// What was done with one delivery (the channel, never the recipient).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub delivery: i64,
    pub channel: Channel,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Retry { at: Timestamp, error: String },
    Dead { error: String },
}

/// Totals of a drain.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DrainReport {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
    pub released_digests: usize,
    /// Escalations to managers created (travellers who did not answer in time).
    pub escalations: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mailer(#[from] crate::channels::email::MailerError),
    #[error(transparent)]
    Endpoint(#[from] crate::channels::webhook::EndpointError),
    #[error(transparent)]
    LinkKey(#[from] crate::channels::links::KeyError),
    #[error("email.from: {0}")]
    From(#[from] lettre::address::AddressError),
    /// A delivery task or worker panicked or was cancelled.
    #[error("delivery task: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// The delivery engine for one configuration.
pub struct Outbox {
    store: Arc<Mutex<Store>>,
    mailer: Mailer,
    from: Mailbox,
    /// Webhook endpoints and their concurrency limits, by webhook name.
    endpoints: HashMap<String, Arc<Endpoint>>,
    limits: HashMap<String, Arc<Semaphore>>,
    email_limit: Arc<Semaphore>,
    templates: Templates,
    cfg: OutboxConfig,
    escalation: crate::store::accountability::EscalationPolicy,
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    // A panic while holding the lock leaves SQLite consistent (transactions roll back), so a
    // poisoned lock is still usable.
    store.lock().unwrap_or_else(|p| p.into_inner())
}

/// Crash tests: `TRIPWATCH_FAILPOINT=abort_after_send:N` aborts the process right after the
/// Nth successful send, before it is recorded — the moment a crash duplicates work.
#[cfg(not(feature = "failpoints"))]
fn failpoint_after_send() {}

#[cfg(feature = "failpoints")]
fn failpoint_after_send() {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static LIMIT: OnceLock<Option<usize>> = OnceLock::new();
    static SENT: AtomicUsize = AtomicUsize::new(0);
    let limit = LIMIT.get_or_init(|| {
        std::env::var(crate::clock::FAILPOINT_ENV)
            .ok()
            .and_then(|v| v.strip_prefix("abort_after_send:").and_then(|n| n.parse().ok()))
    });
    if let Some(n) = limit
        && SENT.fetch_add(1, Ordering::SeqCst) + 1 >= *n
    {
        std::process::abort();
    }
}

/// Exponential backoff with deterministic jitter (±25%, from the delivery id and attempt).
pub fn backoff(cfg: &OutboxConfig, delivery: i64, attempts: i64) -> Duration {
    let exp = (attempts.max(1) - 1).min(30) as u32;
    let base = cfg.backoff_base.saturating_mul(2u32.saturating_pow(exp)).min(cfg.backoff_max);
    let mut h = (delivery as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (attempts as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 29;
    let jitter = (h % 501) as f64 / 1000.0 - 0.25; // -0.25 ..= +0.25
    base.mul_f64(1.0 + jitter).min(cfg.backoff_max)
}

use crate::store::blocking;

/// The span a delivery's log lines carry: ids and channel, never the recipient.
fn delivery_span(c: &Claimed) -> tracing::Span {
    tracing::info_span!("delivery", delivery = c.id, alert = c.alert_id, channel = %c.channel, attempt = c.attempts)
}

/// The store's record of a decided outcome.
fn record_of<'a>(
    c: &Claimed,
    outcome: &'a Outcome,
    result: &'a Result<(String, Timestamp), DeliveryError>,
) -> crate::store::Record<'a> {
    match outcome {
        Outcome::Sent => crate::store::Record::Sent {
            id: c.id,
            message_id: result.as_ref().map(|(m, _)| m.as_str()).unwrap_or(""),
        },
        Outcome::Retry { at, error } => crate::store::Record::Retry { id: c.id, next: *at, error },
        Outcome::Dead { error } => crate::store::Record::Dead { id: c.id, error },
    }
}

/// A job that cannot be made (an unknown kind, a payload that does not parse) never will be;
/// a database that did not answer (PostgreSQL away) may next time.
fn job_error(e: StoreError) -> DeliveryError {
    match e {
        StoreError::Invalid(_) => DeliveryError::permanent(e.to_string()),
        other => DeliveryError::transient(other.to_string()),
    }
}

impl Outbox {
    pub fn new(cfg: &Config, store: Arc<Mutex<Store>>) -> Result<Outbox, OutboxError> {
        let mailer = Mailer::new(&cfg.email)?;
        let from: Mailbox = cfg.email.from.parse()?;
        let guard = Arc::new(Guard::new(cfg.allow_private.clone()));
        let mut endpoints = HashMap::new();
        let mut limits = HashMap::new();
        for w in &cfg.webhooks {
            limits.insert(w.name.clone(), Arc::new(Semaphore::new(w.max_concurrency)));
            endpoints.insert(w.name.clone(), Arc::new(Endpoint::new(w.clone(), guard.clone())?));
        }
        // Mail files are written one at a time: creating files in one directory side by side
        // only makes the writers wait on the directory's lock (and spin on it, on ext4).
        let email_sessions = match mailer {
            Mailer::File(..) => 1,
            _ => cfg.outbox.concurrency,
        };
        let email_limit = Arc::new(Semaphore::new(email_sessions));
        let links = crate::channels::links::LinkMaker::from_config(cfg)?;
        let templates =
            Templates::load(cfg.templates_dir.as_deref())?.with_domain_of(&cfg.email.from).with_links(links);
        let escalation = crate::store::accountability::EscalationPolicy::from(&cfg.accountability);
        Ok(Outbox {
            store,
            mailer,
            from,
            endpoints,
            limits,
            email_limit,
            templates,
            cfg: cfg.outbox.clone(),
            escalation,
        })
    }

    pub fn store(&self) -> &Arc<Mutex<Store>> {
        &self.store
    }

    /// Send a delivery whose job has been read; `disabled` is the endpoint's disabled reason.
    async fn send_job(
        &self,
        c: &Claimed,
        job: crate::channels::render::Job,
        disabled: Option<String>,
        now: Timestamp,
    ) -> Result<(String, Timestamp), DeliveryError> {
        // "Sent:" in the message is when it is sent, not when the alert was queued.
        let sent = crate::clock::now().unwrap_or(now);
        // A JSON webhook carries only the facts: the templates are not rendered for it.
        let endpoint = match &c.channel {
            Channel::Email => None,
            Channel::Webhook(name) => Some(
                self.endpoints
                    .get(name)
                    .ok_or_else(|| DeliveryError::permanent(format!("no configured webhook {name:?}")))?,
            ),
        };
        let facts_only = endpoint.is_some_and(|ep| ep.cfg.format == crate::config::WebhookFormat::Json);
        let rendered = if facts_only {
            self.templates.render_facts(&job)
        } else if endpoint.is_none() {
            self.templates
                .render_message_at(&job, sent)
                .map_err(|e| DeliveryError::permanent(e.to_string()))?
        } else {
            self.templates.render_job_at(&job, sent).map_err(|e| DeliveryError::permanent(e.to_string()))?
        };
        let limit = match &c.channel {
            Channel::Email => Some(&self.email_limit),
            Channel::Webhook(name) => self.limits.get(name),
        };
        let _permit = match limit {
            Some(s) => {
                Some(s.clone().acquire_owned().await.map_err(|_| DeliveryError::transient("shutting down"))?)
            }
            None => None,
        };
        let Some(ep) = endpoint else {
            let send = self.mailer.send(&self.from, &job.recipient, &rendered);
            match tokio::time::timeout(crate::channels::email::SEND_DEADLINE, send).await {
                Ok(r) => r?,
                Err(_) => return Err(DeliveryError::transient("SMTP send timed out")),
            }
            return Ok((rendered.message_id, job.created_at));
        };
        if let Some(reason) = disabled {
            return Err(DeliveryError::permanent(format!("endpoint disabled: {reason}")));
        }
        let id = format!("msg_{}_{}", c.alert_id, ep.cfg.name);
        ep.send(&id, &rendered, now.as_second()).await?;
        Ok((id, job.created_at))
    }

    /// Claim up to `max` due deliveries, send them side by side (each under its channel's
    /// concurrency limit), and record every outcome in one transaction. The store is visited
    /// twice per batch instead of four times per delivery; the lease covers the whole batch.
    pub async fn try_execute_batch(
        self: &Arc<Self>,
        now: Timestamp,
        max: usize,
        lane: crate::store::Lane,
    ) -> Result<Vec<Step>, OutboxError> {
        let lease_until = now.checked_add(self.cfg.lease).unwrap_or(now);
        type Prepared = (Claimed, Result<crate::channels::render::Job, DeliveryError>, Option<String>);
        let prepared: Vec<Prepared> = blocking(|| -> Result<Vec<Prepared>, StoreError> {
            let mut store = lock(&self.store);
            let claimed = store.claim_batch(now, lease_until, max, lane)?;
            let mut disabled: HashMap<&str, Option<String>> = HashMap::new();
            for c in &claimed {
                if let Channel::Webhook(name) = &c.channel
                    && !disabled.contains_key(name.as_str())
                {
                    disabled.insert(name, store.endpoint_disabled(name)?);
                }
            }
            // An alert's channels (email and webhooks) share one job: read it once.
            let mut jobs: HashMap<i64, Result<crate::channels::render::Job, DeliveryError>> = HashMap::new();
            Ok(claimed
                .iter()
                .map(|c| {
                    let off = match &c.channel {
                        Channel::Webhook(name) => disabled.get(name.as_str()).cloned().flatten(),
                        Channel::Email => None,
                    };
                    let job =
                        jobs.entry(c.alert_id).or_insert_with(|| store.job(c).map_err(job_error)).clone();
                    let job = job.map(|mut j| {
                        j.delivery_id = c.id;
                        j
                    });
                    (c.clone(), job, off)
                })
                .collect())
        })?;
        if prepared.is_empty() {
            return Ok(Vec::new());
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (c, job, off)) in prepared.into_iter().enumerate() {
            let me = self.clone();
            tasks.spawn(async move {
                let span = delivery_span(&c);
                let created = job.as_ref().ok().map(|j| j.created_at);
                let result = match job {
                    Ok(job) => {
                        tracing::Instrument::instrument(me.send_job(&c, job, off, now), span.clone()).await
                    }
                    Err(e) => Err(e),
                };
                (i, c, created, result, span)
            });
        }
        let mut done = Vec::new();
        while let Some(r) = tasks.join_next().await {
            done.push(r?);
        }
        done.sort_by_key(|d| d.0);
        for _ in done.iter().filter(|d| d.3.is_ok()) {
            failpoint_after_send();
        }
        let decided: Vec<(Outcome, Option<String>)> =
            done.iter().map(|(_, c, created, result, _)| self.decide(c, result, *created, now)).collect();
        blocking(|| -> Result<(), StoreError> {
            let mut store = lock(&self.store);
            let mut records = Vec::with_capacity(done.len());
            for ((_, c, _, result, _), (outcome, disable)) in done.iter().zip(&decided) {
                if let (Some(reason), Channel::Webhook(name)) = (disable, &c.channel) {
                    store.disable_endpoint(name, reason, now)?;
                }
                records.push(record_of(c, outcome, result));
            }
            store.record_many(&records, now)
        })?;
        let mut steps = Vec::with_capacity(done.len());
        for ((_, c, created, _, span), (outcome, _)) in done.into_iter().zip(decided) {
            if let (Outcome::Sent, Some(created)) = (&outcome, created) {
                crate::telemetry::metrics::observe_latency(
                    now.duration_since(created).as_secs_f64().max(0.0),
                );
            }
            steps.push(self.report(c, outcome, &span));
        }
        Ok(steps)
    }

    /// What a result means for a delivery, and whether its endpoint is to be disabled (the
    /// reason). `created` is when its alert was made, when known.
    fn decide(
        &self,
        c: &Claimed,
        result: &Result<(String, Timestamp), DeliveryError>,
        created: Option<Timestamp>,
        now: Timestamp,
    ) -> (Outcome, Option<String>) {
        match result {
            Ok(_) => (Outcome::Sent, None),
            Err(DeliveryError::Gone { message }) => {
                (Outcome::Dead { error: message.clone() }, Some(message.clone()))
            }
            Err(DeliveryError::Permanent { message }) => (Outcome::Dead { error: message.clone() }, None),
            Err(DeliveryError::Transient { message, retry_after }) => {
                let age = now.duration_since(created.unwrap_or(now)).unsigned_abs();
                if age >= self.cfg.max_age {
                    let error =
                        format!("{message} (giving up after {} h)", self.cfg.max_age.as_secs() / 3600);
                    (Outcome::Dead { error }, None)
                } else {
                    let wait = retry_after.map_or_else(
                        || backoff(&self.cfg, c.id, c.attempts),
                        |r| r.min(self.cfg.backoff_max),
                    );
                    let at = now.checked_add(wait).unwrap_or(now);
                    (Outcome::Retry { at, error: message.clone() }, None)
                }
            }
        }
    }

    /// Log and count one recorded outcome.
    fn report(&self, c: Claimed, outcome: Outcome, span: &tracing::Span) -> Step {
        span.in_scope(|| match &outcome {
            // Why a delivery failed: the server's reply or the refusal, never the recipient
            // (addresses and URL paths in replies are masked by the log).
            Outcome::Retry { at, error } => {
                tracing::warn!(retry_at = %at, error = %error, "delivery failed; will retry")
            }
            Outcome::Dead { error } => tracing::warn!(error = %error, "delivery given up"),
            Outcome::Sent => tracing::debug!("delivery sent"),
        });
        let label = match &outcome {
            Outcome::Sent => "sent",
            Outcome::Retry { .. } => "retry",
            Outcome::Dead { .. } => "dead",
        };
        crate::telemetry::metrics::add(
            "tripwatch_deliveries_total",
            &[("channel", &c.channel.to_string()), ("outcome", label)],
            1,
        );
        Step { delivery: c.id, channel: c.channel, outcome }
    }

    /// What the answer pages need: the link key and the escalation settings.
    pub fn respond_config(&self) -> Option<crate::channels::links::RespondConfig> {
        Some(crate::channels::links::RespondConfig {
            key: self.templates.link_key()?.clone(),
            escalation: self.escalation.clone(),
        })
    }

    /// Escalate every alert whose answer time has passed unanswered (see
    /// [`Store::escalate_due`]); returns how many escalations were created.
    pub fn escalate(&self, now: Timestamp) -> Result<usize, OutboxError> {
        Ok(blocking(|| lock(&self.store).escalate_due(now, &self.escalation))?)
    }

    /// Release due digests, then carry out every delivery due at `now`, `concurrency` at a
    /// time, until none is left.
    pub async fn drain(self: &Arc<Self>, now: Timestamp) -> Result<DrainReport, OutboxError> {
        self.drain_until(now, &std::sync::atomic::AtomicBool::new(false)).await
    }

    /// `drain`, stopping between rounds once `stop` is set: deliveries in flight finish and
    /// are recorded; nothing new is claimed.
    pub async fn drain_until(
        self: &Arc<Self>,
        now: Timestamp,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<DrainReport, OutboxError> {
        let mut report = DrainReport {
            released_digests: blocking(|| lock(&self.store).release_digests(now))?,
            escalations: self.escalate(now)?,
            ..Default::default()
        };
        loop {
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return Ok(report);
            }
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..self.cfg.concurrency {
                let me = self.clone();
                let batch = self.cfg.batch;
                tasks.spawn(async move { me.try_execute_batch(now, batch, crate::store::Lane::Any).await });
            }
            let mut empty = 0;
            while let Some(res) = tasks.join_next().await {
                let steps = res??;
                if steps.is_empty() {
                    empty += 1;
                }
                for step in steps {
                    match step.outcome {
                        Outcome::Sent => report.sent += 1,
                        Outcome::Retry { .. } => report.retried += 1,
                        Outcome::Dead { .. } => report.dead += 1,
                    }
                }
            }
            if empty == self.cfg.concurrency {
                return Ok(report);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_jittered_and_capped() {
        let cfg = OutboxConfig::default();
        let b1 = backoff(&cfg, 1, 1);
        let b2 = backoff(&cfg, 1, 2);
        let b5 = backoff(&cfg, 1, 5);
        assert!(b1 >= Duration::from_secs_f64(7.5) && b1 <= Duration::from_secs_f64(12.5), "{b1:?}");
        assert!(b2 >= Duration::from_secs(15) && b2 <= Duration::from_secs(25), "{b2:?}");
        assert!(b5 >= Duration::from_secs(120) && b5 <= Duration::from_secs(200), "{b5:?}");
        assert!(backoff(&cfg, 1, 40) <= cfg.backoff_max);
        assert_ne!(backoff(&cfg, 1, 3), backoff(&cfg, 2, 3), "jitter spreads deliveries");
        assert_eq!(backoff(&cfg, 9, 3), backoff(&cfg, 9, 3), "and is deterministic");
    }
}
