//! The review queue: advisories whose alerts wait for a manager's approval.
//!
//! `commit_processed` stores a plan under review with its alerts in status `review` (or
//! `review-digest`) and their deliveries in `review`, which neither the outbox nor the digest
//! release looks at, plus one `reviews` row. A decision moves them on in one transaction:
//! approved, alerts become `ready`/`digest` and deliveries `pending`/`held` (due when they
//! were due: at once, or at their digest's release) and the dedup history is recorded; rejected, both become `rejected` and nothing
//! is sent. Each decision is written to the audit log. Decided reviews are the labelled
//! examples `tripwatch review export` writes for `tripwatch eval`.

use super::db::params;
use jiff::Timestamp;
use serde::Serialize;

use super::{Store, StoreError};

/// One review, waiting or decided.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ReviewRow {
    pub advisory_id: String,
    pub version: i64,
    pub title: Option<String>,
    pub reason: String,
    /// "trigger/CC" pairs under review.
    pub detections: Vec<String>,
    pub alerts: i64,
    pub created_at: i64,
    /// `approved`, `rejected`, or none while waiting.
    pub decision: Option<String>,
    pub note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
}

/// A decided review with what an example needs: the advisory's text and countries.
#[derive(Debug, Clone)]
pub struct DecidedExample {
    pub review: ReviewRow,
    pub body: String,
    pub published: Option<String>,
    pub countries: Vec<String>,
}

/// A manager's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

impl Store {
    /// Reviews, newest first: only those waiting, or all.
    pub fn reviews(&self, waiting_only: bool) -> Result<Vec<ReviewRow>, StoreError> {
        let sql = format!(
            "SELECT r.advisory_id, r.version, a.title, r.reason, r.detections, r.created_at, r.decision, r.note,
                    r.decided_by, r.decided_at,
                    (SELECT COUNT(*) FROM alerts x WHERE x.advisory_id = r.advisory_id AND x.version = r.version)
             FROM reviews r JOIN advisories a ON a.id = r.advisory_id AND a.version = r.version
             {} ORDER BY r.created_at DESC, r.advisory_id",
            if waiting_only { "WHERE r.decision IS NULL" } else { "" }
        );
        self.db.query_map(&sql, &[], |r| {
            let detections: String = r.get(4)?;
            Ok(ReviewRow {
                advisory_id: r.get(0)?,
                version: r.get(1)?,
                title: r.get(2)?,
                reason: r.get(3)?,
                detections: serde_json::from_str(&detections).unwrap_or_default(),
                created_at: r.get(5)?,
                decision: r.get(6)?,
                note: r.get(7)?,
                decided_by: r.get(8)?,
                decided_at: r.get(9)?,
                alerts: r.get(10)?,
            })
        })
    }

    /// Decide the waiting review of an advisory (its latest waiting version). Returns the
    /// number of deliveries released (approve) or withdrawn (reject).
    pub fn decide_review(
        &mut self,
        advisory_id: &str,
        decision: Decision,
        note: Option<&str>,
        by: &str,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        if decision == Decision::Reject && note.is_none_or(|n| n.trim().is_empty()) {
            return Err(StoreError::invalid("a rejection needs a reason".to_owned()));
        }
        let tx = self.db.begin()?;
        let found: Option<(i64, String)> = tx.query_opt(
            "SELECT version, history FROM reviews WHERE advisory_id = ?1 AND decision IS NULL
                 ORDER BY version DESC LIMIT 1",
            &params![advisory_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let Some((version, history)) = found else {
            return Err(StoreError::NotFound(format!("no review is waiting for advisory {advisory_id:?}")));
        };
        let at = now.as_second();
        let moved = match decision {
            Decision::Approve => {
                let d = tx.execute(
                    "UPDATE deliveries SET
                        status = CASE (SELECT a.status FROM alerts a WHERE a.id = deliveries.alert_id)
                                   WHEN 'review-digest' THEN 'held' ELSE 'pending' END
                     WHERE status = 'review' AND alert_id IN
                        (SELECT id FROM alerts WHERE advisory_id = ?1 AND version = ?2)",
                    &params![advisory_id, version],
                )?;
                tx.execute(
                    "UPDATE alerts SET status = CASE status WHEN 'review-digest' THEN 'digest' ELSE 'ready' END
                     WHERE advisory_id = ?1 AND version = ?2 AND status IN ('review', 'review-digest')",
                    &params![advisory_id, version],
                )?;
                let rows: Vec<(String, String, String, String, String)> =
                    serde_json::from_str(&history).map_err(|e| StoreError::invalid(e.to_string()))?;
                for (recipient, trigger, country, place, severity) in rows {
                    tx.execute(
                        "INSERT INTO alert_history (recipient, trigger, country, place, last_at, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (recipient, trigger, country, place) DO UPDATE SET last_at = excluded.last_at, severity = excluded.severity",
                        &params![recipient, trigger, country, place, at, severity],
                    )?;
                }
                d
            }
            Decision::Reject => {
                let d = tx.execute(
                    "UPDATE deliveries SET status = 'rejected' WHERE status = 'review' AND alert_id IN
                        (SELECT id FROM alerts WHERE advisory_id = ?1 AND version = ?2)",
                    &params![advisory_id, version],
                )?;
                tx.execute(
                    "UPDATE alerts SET status = 'rejected'
                     WHERE advisory_id = ?1 AND version = ?2 AND status IN ('review', 'review-digest')",
                    &params![advisory_id, version],
                )?;
                d
            }
        };
        let word = if decision == Decision::Approve { "approved" } else { "rejected" };
        tx.execute(
            "UPDATE reviews SET decision = ?3, note = ?4, decided_by = ?5, decided_at = ?6
             WHERE advisory_id = ?1 AND version = ?2",
            &params![advisory_id, version, word, note, by, at],
        )?;
        tx.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            &params![
                at,
                by,
                format!("review.{}", if decision == Decision::Approve { "approve" } else { "reject" }),
                format!(
                    "{advisory_id} v{version}: {moved} deliveries{}",
                    note.map(|n| format!(" ({n})")).unwrap_or_default()
                )
            ],
        )?;
        tx.commit()?;
        Ok(moved)
    }

    /// Decided reviews with their advisories' text, oldest first, for the labels export.
    pub fn decided_examples(&self) -> Result<Vec<DecidedExample>, StoreError> {
        let mut out = Vec::new();
        for review in self.reviews(false)?.into_iter().rev().filter(|r| r.decision.is_some()) {
            let (body, published, countries): (String, Option<String>, Option<String>) = self.db.query_row(
                "SELECT body, published, countries FROM advisories WHERE id = ?1 AND version = ?2",
                &params![review.advisory_id, review.version],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let countries = countries
                .map(|c| c.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            out.push(DecidedExample { review, body, published, countries });
        }
        Ok(out)
    }
}
