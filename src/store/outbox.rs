//! The outbox tables: claiming deliveries under a lease, and recording what happened.
//! Each claim is one statement (`UPDATE … WHERE id = (SELECT … LIMIT 1) RETURNING …`), the
//! shape that maps onto PostgreSQL's `FOR UPDATE SKIP LOCKED`.

use super::db::params;
use jiff::Timestamp;
use serde::Serialize;

use crate::channels::payload::Payload;
use crate::channels::render::{AdvisoryInfo, Job, JobKind};
use crate::route::model::Channel;

use super::db::{Db, Engine};
use super::{Store, StoreError};

/// A delivery claimed by a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub alert_id: i64,
    pub channel: Channel,
    pub attempts: i64,
}

/// Which deliveries a claim takes. The daemon gives email and webhooks their own workers, so
/// a channel that is slow or backed up (an SMTP relay taking seconds per message, a mail
/// folder on a slow disk) does not hold up the other; one-shot drains take both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    Any,
    Email,
    Webhooks,
}

impl Lane {
    fn filter(self) -> &'static str {
        match self {
            Lane::Any => "",
            Lane::Email => " AND channel = 'email'",
            Lane::Webhooks => " AND channel <> 'email'",
        }
    }
}

/// A delivery row, for `deliveries list`.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct DeliveryRow {
    pub id: i64,
    pub alert_id: i64,
    pub channel: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub recipient: String,
    pub kind: String,
}

/// What happened to one delivery, for [`Store::record_many`].
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    Sent { id: i64, message_id: &'a str },
    Retry { id: i64, next: Timestamp, error: &'a str },
    Dead { id: i64, error: &'a str },
}

/// SQLite's `synchronous=NORMAL` until dropped (nothing on PostgreSQL).
struct Relaxed<'a>(&'a Db);

impl Drop for Relaxed<'_> {
    fn drop(&mut self) {
        // Prepared once and cached: these run twice per outbox statement.
        if self.0.engine() == Engine::Sqlite {
            let _ = self.0.execute("PRAGMA synchronous = FULL", &[]);
        }
    }
}

impl Store {
    /// Outbox bookkeeping runs with `synchronous=NORMAL`: in WAL mode that survives a process
    /// crash; a power loss can forget the last few "sent" marks, which means a resend
    /// (at-least-once), never a lost alert — alerts and their delivery rows were committed with
    /// `synchronous=FULL` by `commit_processed`.
    /// The setting holds while the returned guard lives; dropping it restores `FULL`, so no
    /// later write on the same connection inherits the weaker setting.
    fn outbox_durability(&self) -> Result<Relaxed<'_>, StoreError> {
        if self.db.engine() == Engine::Sqlite {
            self.db.execute("PRAGMA synchronous = NORMAL", &[])?;
        }
        Ok(Relaxed(&self.db))
    }

    /// Claim the next due delivery, leasing it until `lease_until`. A row whose channel is
    /// not one tripwatch knows (written by hand, or by a future version) is given up with
    /// that reason rather than handed on.
    pub fn claim(&mut self, now: Timestamp, lease_until: Timestamp) -> Result<Option<Claimed>, StoreError> {
        loop {
            let row = {
                let _relaxed = self.outbox_durability()?;
                // PostgreSQL: instances claim side by side; a row another one holds locked is
                // skipped, not waited for.
                let sql = match self.db.engine() {
                    Engine::Sqlite => {
                        "UPDATE deliveries SET lease_until = ?2, attempts = attempts + 1
                         WHERE id = (SELECT id FROM deliveries
                                     WHERE status = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)
                                     ORDER BY next_attempt_at, id LIMIT 1)
                         RETURNING id, alert_id, channel, attempts"
                    }
                    Engine::Postgres => {
                        "UPDATE deliveries SET lease_until = ?2, attempts = attempts + 1
                         WHERE id = (SELECT id FROM deliveries
                                     WHERE status = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1)
                                     ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                         RETURNING id, alert_id, channel, attempts"
                    }
                };
                self.db.query_opt(sql, &params![now.as_second(), lease_until.as_second()], |r| {
                    Ok((r.get::<i64>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?, r.get::<i64>(3)?))
                })?
            };
            let Some((id, alert_id, channel, attempts)) = row else { return Ok(None) };
            match Channel::parse(&channel) {
                Ok(channel) => return Ok(Some(Claimed { id, alert_id, channel, attempts })),
                Err(e) => self.record_dead(id, &e.to_string())?,
            }
        }
    }

    /// Claim up to `limit` due deliveries in one statement, oldest due first (see [`claim`]).
    /// A worker that sends a batch records it in one transaction ([`record_many`]): two
    /// statements for the batch instead of two per delivery.
    ///
    /// [`claim`]: Store::claim
    /// [`record_many`]: Store::record_many
    pub fn claim_batch(
        &mut self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: usize,
        lane: Lane,
    ) -> Result<Vec<Claimed>, StoreError> {
        let limit = i64::try_from(limit.max(1)).unwrap_or(i64::MAX);
        let rows = {
            let _relaxed = self.outbox_durability()?;
            let lock = match self.db.engine() {
                Engine::Sqlite => "",
                Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            };
            let sql = format!(
                "UPDATE deliveries SET lease_until = ?2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM deliveries
                              WHERE status = 'pending' AND next_attempt_at <= ?1 AND (lease_until IS NULL OR lease_until <= ?1){}
                              ORDER BY next_attempt_at, id LIMIT ?3{lock})
                 RETURNING id, alert_id, channel, attempts",
                lane.filter()
            );
            self.db.query_map(&sql, &params![now.as_second(), lease_until.as_second(), limit], |r| {
                Ok((r.get::<i64>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?, r.get::<i64>(3)?))
            })?
        };
        let mut out = Vec::with_capacity(rows.len());
        for (id, alert_id, channel, attempts) in rows {
            match Channel::parse(&channel) {
                Ok(channel) => out.push(Claimed { id, alert_id, channel, attempts }),
                Err(e) => self.record_dead(id, &e.to_string())?,
            }
        }
        out.sort_by_key(|c| c.id);
        Ok(out)
    }

    /// Record what happened to several deliveries in one transaction.
    pub fn record_many(&mut self, items: &[Record<'_>], now: Timestamp) -> Result<(), StoreError> {
        let _relaxed = self.outbox_durability()?;
        let tx = self.db.begin()?;
        for item in items {
            match *item {
                Record::Sent { id, message_id } => tx.execute(
                    "UPDATE deliveries SET status = 'sent', sent_at = ?2, message_id = ?3, lease_until = NULL, last_error = NULL WHERE id = ?1",
                    &params![id, now.as_second(), message_id],
                )?,
                Record::Retry { id, next, error } => tx.execute(
                    "UPDATE deliveries SET next_attempt_at = ?2, lease_until = NULL, last_error = ?3 WHERE id = ?1",
                    &params![id, next.as_second(), crate::channels::ssrf::redact_urls(error)],
                )?,
                Record::Dead { id, error } => tx.execute(
                    "UPDATE deliveries SET status = 'dead', lease_until = NULL, last_error = ?2 WHERE id = ?1",
                    &params![id, crate::channels::ssrf::redact_urls(error)],
                )?,
            };
        }
        tx.commit()
    }

    /// Everything a channel needs to send a claimed delivery.
    pub fn job(&self, c: &Claimed) -> Result<Job, StoreError> {
        // One statement (one round trip to PostgreSQL): the alert, its advisory version if
        // stored, and the first alert of its thread.
        type Row = (String, String, String, i64, String, Option<i64>, Option<AdvisoryInfo>, Option<i64>);
        let (kind, recipient, payload, created, adv_id, traveller_id, advisory, first): Row =
            self.db.query_row(
                "SELECT a.kind, a.recipient, a.payload, a.created_at, a.advisory_id, a.traveller_id,
                    v.title, v.url, v.source, v.published,
                    (SELECT MIN(f.id) FROM alerts f
                     WHERE f.advisory_id = a.advisory_id AND f.recipient = a.recipient AND f.kind = a.kind)
             FROM alerts a LEFT JOIN advisories v ON v.id = a.advisory_id AND v.version = a.version
             WHERE a.id = ?1",
                &params![c.alert_id],
                |r| {
                    let adv_id: String = r.get(4)?;
                    let advisory = match r.get::<Option<String>>(6)? {
                        Some(title) => Some(AdvisoryInfo {
                            id: adv_id.clone(),
                            title,
                            url: r.get(7)?,
                            source: r.get(8)?,
                            published: r.get(9)?,
                        }),
                        None => None,
                    };
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, adv_id, r.get(5)?, advisory, r.get(10)?))
                },
            )?;
        let advisory = advisory.unwrap_or_else(|| AdvisoryInfo { id: adv_id.clone(), ..Default::default() });
        let kind = JobKind::parse(&kind).ok_or_else(|| {
            StoreError::invalid(format!("alert {} has an unknown kind {kind:?}", c.alert_id))
        })?;
        Ok(Job {
            traveller_id,
            delivery_id: c.id,
            alert_id: c.alert_id,
            kind,
            recipient,
            payload: Payload::parse(kind, &payload).map_err(|e| {
                StoreError::invalid(format!("alert {} ({}) payload: {e}", c.alert_id, kind.as_str()))
            })?,
            thread: first.filter(|f| *f < c.alert_id),
            advisory,
            created_at: Timestamp::from_second(created).unwrap_or(Timestamp::UNIX_EPOCH),
        })
    }

    pub fn record_dead(&mut self, id: i64, error: &str) -> Result<(), StoreError> {
        let _relaxed = self.outbox_durability()?;
        self.db.execute(
            "UPDATE deliveries SET status = 'dead', lease_until = NULL, last_error = ?2 WHERE id = ?1",
            &params![id, crate::channels::ssrf::redact_urls(error)],
        )?;
        Ok(())
    }

    /// Give claimed deliveries back (clean shutdown) without counting the attempt.
    pub fn release_lease(&mut self, id: i64) -> Result<(), StoreError> {
        let _relaxed = self.outbox_durability()?;
        self.db.execute(
            "UPDATE deliveries SET lease_until = NULL, attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
             WHERE id = ?1 AND status = 'pending'",
            &params![id],
        )?;
        Ok(())
    }

    pub fn disable_endpoint(&mut self, name: &str, reason: &str, now: Timestamp) -> Result<(), StoreError> {
        self.db.execute(
            "INSERT INTO endpoints (name, disabled_at, reason) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET disabled_at = excluded.disabled_at, reason = excluded.reason",
            &params![name, now.as_second(), reason],
        )?;
        Ok(())
    }

    pub fn endpoint_disabled(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.db.query_opt("SELECT reason FROM endpoints WHERE name = ?1", &params![name], |r| r.get(0))
    }

    /// Deliveries, optionally of one status (`pending`, `held`, `review`, `rejected`, `sent`,
    /// `dead`, or `failed`:
    /// pending with at least one failed attempt).
    pub fn deliveries(&self, status: Option<&str>) -> Result<Vec<DeliveryRow>, StoreError> {
        let filter = match status {
            None => "1 = 1",
            Some("failed") => "d.status = 'pending' AND d.last_error IS NOT NULL",
            Some("pending") => "d.status = 'pending'",
            Some("held") => "d.status = 'held'",
            Some("sent") => "d.status = 'sent'",
            Some("dead") => "d.status = 'dead'",
            Some("review") => "d.status = 'review'",
            Some("rejected") => "d.status = 'rejected'",
            Some(other) => {
                return Err(StoreError::invalid(format!(
                    "unknown status {other:?} (pending, failed, held, review, rejected, sent, dead)"
                )));
            }
        };
        let sql = format!(
            "SELECT d.id, d.alert_id, d.channel, d.status, d.attempts, d.next_attempt_at, d.last_error, a.recipient, a.kind
             FROM deliveries d JOIN alerts a ON a.id = d.alert_id WHERE {filter} ORDER BY d.id"
        );
        self.db.query_map(&sql, &[], |r| {
            Ok(DeliveryRow {
                id: r.get(0)?,
                alert_id: r.get(1)?,
                channel: r.get(2)?,
                status: r.get(3)?,
                attempts: r.get(4)?,
                next_attempt_at: r.get(5)?,
                last_error: r.get(6)?,
                recipient: r.get(7)?,
                kind: r.get(8)?,
            })
        })
    }

    /// Queue a dead or failed delivery again, now. Returns how many rows changed.
    pub fn retry_delivery(&mut self, id: Option<i64>, now: Timestamp) -> Result<usize, StoreError> {
        let n = match id {
            Some(id) => self.db.execute(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2, lease_until = NULL WHERE id = ?1 AND status IN ('dead', 'pending')",
                &params![id, now.as_second()],
            )?,
            None => self.db.execute(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = ?1, lease_until = NULL WHERE status = 'dead'",
                &params![now.as_second()],
            )?,
        };
        Ok(n)
    }

    /// Count deliveries by status.
    pub fn delivery_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        self.db.query_map(
            "SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }
}
