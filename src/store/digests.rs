//! Releasing digests: held alerts whose release time has come are merged, per recipient,
//! release time and channel set, into one `digest` alert with one delivery per channel, so a
//! digest subscriber gets one message listing everything collected since the last release.
//! A lone held alert is released as it is.

use super::db::params;
use jiff::Timestamp;

use super::{Store, StoreError};
use crate::channels::payload::{AlertPayload, DigestAdvisory, DigestPart, DigestPayload};
use crate::detect::trigger::Severity;

/// One held alert due for release.
struct Held {
    id: i64,
    recipient: String,
    release_at: i64,
    severity: Severity,
    /// `None` when the stored payload is not an alert's: such a row is released alone, and
    /// its delivery reports the payload error.
    payload: Option<AlertPayload>,
    channels: Vec<String>,
    advisory: DigestAdvisory,
}

impl Store {
    /// Release held digest alerts due at `now`, merging each recipient's into one message.
    /// Returns how many deliveries became due.
    pub fn release_digests(&mut self, now: Timestamp) -> Result<usize, StoreError> {
        let tx = self.db.begin()?;
        tx.exclusive(super::db::LOCK_DIGESTS)?;
        let mut held: Vec<Held> = {
            tx.query_map(
                "SELECT a.id, a.recipient, a.release_at, a.advisory_id, a.version, a.severity, a.payload,
                        v.title, v.url, v.source, v.published
                 FROM alerts a LEFT JOIN advisories v ON v.id = a.advisory_id AND v.version = a.version
                 WHERE a.status = 'digest' AND a.release_at <= ?1 ORDER BY a.recipient, a.release_at, a.id",
                &params![now.as_second()],
                |r| {
                    let payload: String = r.get(6)?;
                    let advisory_id: String = r.get(3)?;
                    Ok(Held {
                        id: r.get(0)?,
                        recipient: r.get(1)?,
                        release_at: r.get(2)?,
                        advisory: DigestAdvisory {
                            id: Some(advisory_id),
                            title: r.get(7)?,
                            url: r.get(8)?,
                            source: r.get(9)?,
                            published: r.get(10)?,
                        },
                        severity: r.get::<String>(5)?.parse().unwrap_or(Severity::Info),
                        payload: serde_json::from_str(&payload).ok(),
                        channels: Vec::new(),
                    })
                },
            )?
        };
        for h in &mut held {
            h.channels = tx.query_map(
                "SELECT channel FROM deliveries WHERE alert_id = ?1 AND status = 'held' ORDER BY channel",
                &params![h.id],
                |r| r.get(0),
            )?;
        }
        held.sort_by(|a, b| {
            (&a.recipient, a.release_at, &a.channels, a.id).cmp(&(
                &b.recipient,
                b.release_at,
                &b.channels,
                b.id,
            ))
        });
        let mut due = 0;
        for group in held.chunk_by(|a, b| {
            (&a.recipient, a.release_at, &a.channels) == (&b.recipient, b.release_at, &b.channels)
                && a.payload.is_some()
                && b.payload.is_some()
        }) {
            if let [one] = group {
                due += tx.execute(
                    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?2 WHERE alert_id = ?1 AND status = 'held'",
                    &params![one.id, now.as_second()],
                )?;
                tx.execute("UPDATE alerts SET status = 'released' WHERE id = ?1", &params![one.id])?;
                continue;
            }
            let first = &group[0];
            let severity = group.iter().map(|h| h.severity).max().unwrap_or(Severity::Info);
            let parts: Vec<(&Held, &AlertPayload)> =
                group.iter().filter_map(|h| h.payload.as_ref().map(|p| (h, p))).collect();
            let Some(&(_, lead)) = parts.first() else { continue };
            let payload = DigestPayload {
                recipient: lead.recipient.clone(),
                severity,
                schedule: lead.delivery.schedule.clone(),
                release_at: Some(first.release_at),
                alerts: parts
                    .iter()
                    .map(|(h, p)| DigestPart {
                        alert_id: Some(h.id),
                        advisory: h.advisory.clone(),
                        severity: h.severity,
                        items: p.items.clone(),
                    })
                    .collect(),
            };
            let payload = serde_json::to_string(&payload).map_err(|e| StoreError::invalid(e.to_string()))?;
            let severity = severity.as_str();
            let digest_id: i64 = tx.query_row(
                "INSERT INTO alerts (advisory_id, version, kind, recipient, traveller_id, severity, status, release_at, payload, created_at)
                 SELECT advisory_id, version, 'digest', recipient, traveller_id, ?2, 'released', release_at, ?3, ?4 FROM alerts WHERE id = ?1
                 RETURNING id",
                &params![first.id, severity, payload, now.as_second()],
                |r| r.get(0),
            )?;
            for c in &first.channels {
                tx.execute(
                    "INSERT INTO deliveries (alert_id, channel, status, next_attempt_at) VALUES (?1, ?2, 'pending', ?3)",
                    &params![digest_id, c, now.as_second()],
                )?;
                due += 1;
            }
            for h in group {
                tx.execute(
                    "UPDATE deliveries SET status = 'merged' WHERE alert_id = ?1 AND status = 'held'",
                    &params![h.id],
                )?;
                tx.execute("UPDATE alerts SET status = 'merged' WHERE id = ?1", &params![h.id])?;
            }
        }
        tx.commit()?;
        Ok(due)
    }
}
