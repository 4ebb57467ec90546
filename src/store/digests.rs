//! Releasing digests: held alerts whose release time has come are merged, per recipient,
//! release time and channel set, into one `digest` alert with one delivery per channel, so a
//! digest subscriber gets one message listing everything collected since the last release.
//! A lone held alert is released as it is.

use super::db::params;
use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Store, StoreError};

/// One held alert due for release.
struct Held {
    id: i64,
    recipient: String,
    release_at: i64,
    severity: String,
    payload: Value,
    channels: Vec<String>,
    advisory: Value,
}

const SEVERITIES: [&str; 5] = ["info", "low", "medium", "high", "critical"];

fn rank(s: &str) -> usize {
    SEVERITIES.iter().position(|x| *x == s).unwrap_or(0)
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
                    advisory: json!({
                        "id": advisory_id, "title": r.get::<Option<String>>(7)?, "url": r.get::<Option<String>>(8)?,
                        "source": r.get::<Option<String>>(9)?, "published": r.get::<Option<String>>(10)?,
                    }),
                    severity: r.get(5)?,
                    payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
                    channels: Vec::new(),
                })
            })?
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
            let severity =
                group.iter().map(|h| h.severity.as_str()).max_by_key(|s| rank(s)).unwrap_or("info");
            let alerts: Vec<Value> = group
                .iter()
                .map(|h| json!({"alert_id": h.id, "advisory": h.advisory, "severity": h.severity, "items": h.payload["items"]}))
                .collect();
            let payload = json!({
                "recipient": first.payload["recipient"], "severity": severity,
                "schedule": first.payload["delivery"]["schedule"], "release_at": first.release_at, "alerts": alerts,
            });
            let digest_id: i64 = tx.query_row(
                "INSERT INTO alerts (advisory_id, version, kind, recipient, traveller_id, severity, status, release_at, payload, created_at)
                 SELECT advisory_id, version, 'digest', recipient, traveller_id, ?2, 'released', release_at, ?3, ?4 FROM alerts WHERE id = ?1
                 RETURNING id",
                &params![first.id, severity, payload.to_string(), now.as_second()],
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
