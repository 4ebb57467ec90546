//! Advisories, their detections, and the alerts they cause, committed in one transaction.

use std::collections::HashSet;

use super::db::params;
use jiff::Timestamp;
use serde::Serialize;

use crate::advisory::Advisory;
use crate::detect::places::CountryCode;
use crate::detect::{Analysis, Polarity, Severity};
use crate::route::model::Email;
use crate::route::policy::{Delivery, History, Plan};

use super::{Store, StoreError};

/// Whether an advisory is new, already stored unchanged, or an update of a stored one.
#[derive(Debug, Clone, PartialEq)]
pub enum AdvisoryState {
    New,
    Unchanged { version: i64 },
    Updated { previous_version: i64, previous: Vec<(String, CountryCode)> },
}

/// What a commit wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Committed {
    pub version: i64,
    pub alerts: usize,
    pub rollups: usize,
    pub deliveries: usize,
}

/// An alert row, for listing.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoredAlert {
    pub id: i64,
    pub advisory_id: String,
    pub version: i64,
    pub kind: String,
    pub recipient: String,
    pub severity: String,
    pub status: String,
    pub release_at: Option<i64>,
    pub channels: Vec<String>,
    pub payload: serde_json::Value,
}

/// At most this many "passed over" rows are kept per advisory version.
pub const MAX_PASSED_OVER: usize = 2000;

impl Store {
    /// Compare an incoming advisory with what is stored under its id.
    pub fn advisory_state(&self, adv: &Advisory) -> Result<AdvisoryState, StoreError> {
        let id = adv.id();
        let same: Option<i64> = self.db.query_opt(
            "SELECT version FROM advisories WHERE id = ?1 AND content_hash = ?2",
            &params![id, adv.content_hash()],
            |r| r.get(0),
        )?;
        if let Some(version) = same {
            return Ok(AdvisoryState::Unchanged { version });
        }
        let latest: Option<i64> =
            self.db
                .query_row("SELECT MAX(version) FROM advisories WHERE id = ?1", &params![id], |r| r.get(0))?;
        let Some(previous_version) = latest else { return Ok(AdvisoryState::New) };
        let previous = self
            .db
            .query_map(
                "SELECT DISTINCT trigger, country FROM detections WHERE advisory_id = ?1 AND version = ?2 AND polarity = 'affirmed' AND country IS NOT NULL",
                &params![id, previous_version],
                |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
            )?
            .into_iter()
            .filter_map(|(t, c)| CountryCode::parse(&c).map(|c| (t, c)))
            .collect();
        Ok(AdvisoryState::Updated { previous_version, previous })
    }

    /// Alert history for these recipients in these countries, plus who was already alerted
    /// about this advisory. One query per country, not per recipient.
    pub fn history_for(
        &self,
        recipients: &[Email],
        countries: &[CountryCode],
        advisory_id: &str,
    ) -> Result<History, StoreError> {
        let mut h = History::default();
        let wanted: HashSet<&str> = recipients.iter().map(Email::as_str).collect();
        for c in countries {
            self.db.for_each(
                "SELECT recipient, trigger, last_at, severity, place FROM alert_history WHERE country = ?1",
                &params![c.as_str()],
                |row| {
                    let recipient = row.text(0)?;
                    if !wanted.contains(recipient) {
                        return Ok(());
                    }
                    let (trigger, at, sev, place): (String, i64, String, String) =
                        (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?);
                    let (Ok(email), Ok(at), Ok(sev)) =
                        (Email::parse(recipient), Timestamp::from_second(at), sev.parse::<Severity>())
                    else {
                        return Ok(());
                    };
                    h.recipients.insert(email.clone());
                    h.last.insert((email, trigger, *c, place), (at, sev));
                    Ok(())
                },
            )?;
        }
        let already: HashSet<String> = self
            .db
            .query_map(
                "SELECT DISTINCT recipient FROM alerts WHERE advisory_id = ?1",
                &params![advisory_id],
                |r| r.get(0),
            )?
            .into_iter()
            .collect();
        h.alerted_on_advisory = already.iter().filter_map(|e| Email::parse(e).ok()).collect();
        Ok(h)
    }

    /// Store the advisory version, its detections, the planned alerts and their delivery rows,
    /// and the dedup history — all in one transaction. Nothing is half-written.
    pub fn commit_processed(
        &mut self,
        adv: &Advisory,
        state: &AdvisoryState,
        analysis: &Analysis,
        plan: &Plan,
        received_at: Timestamp,
        now: Timestamp,
    ) -> Result<Committed, StoreError> {
        let version = match state {
            AdvisoryState::New => 1,
            AdvisoryState::Updated { previous_version, .. } => previous_version + 1,
            AdvisoryState::Unchanged { version } => {
                return Ok(Committed { version: *version, ..Default::default() });
            }
        };
        let id = adv.id();
        // Alerts and their delivery rows are acknowledged work: fully durable.
        let tx = self.db.begin()?;
        let countries: Vec<&str> = adv.countries.iter().map(|c| c.as_str()).collect();
        tx.execute(
            "INSERT INTO advisories (id, version, source, guid, title, body, url, published, countries, content_hash, received_at, processed_at, held)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            &params![
                id,
                version,
                adv.source,
                adv.guid,
                adv.title,
                adv.body,
                adv.url,
                adv.published.map(|d| d.to_string()),
                countries.join(","),
                adv.content_hash(),
                received_at.as_second(),
                now.as_second(),
                plan.held
            ],
        )?;
        let detection_rows = analysis
            .detections
            .iter()
            .map(|d| {
                params![
                    id,
                    version,
                    d.trigger.as_str(),
                    d.country.map(|c| c.as_str().to_owned()),
                    d.city,
                    d.polarity.as_str(),
                    d.severity.as_str(),
                    d.evidence,
                    d.span.0 as i64,
                    d.span.1 as i64,
                    f64::from(d.confidence)
                ]
                .to_vec()
            })
            .collect();
        tx.execute_many(
            "INSERT INTO detections (advisory_id, version, trigger, country, city, polarity, severity, evidence, span_start, span_end, confidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            detection_rows,
        )?;
        let mut out = Committed { version, ..Default::default() };
        {
            const ALERT: &str = "INSERT INTO alerts (advisory_id, version, kind, recipient, traveller_id, severity, status, release_at, payload, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id";
            const DELIVERY: &str =
                "INSERT INTO deliveries (alert_id, channel, status, next_attempt_at) VALUES (?1, ?2, ?3, ?4)";
            const HISTORY: &str = "INSERT INTO alert_history (recipient, trigger, country, place, last_at, severity) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (recipient, trigger, country, place) DO UPDATE SET last_at = excluded.last_at, severity = excluded.severity";
            // Rows are gathered first and written in bulk (pipelined on PostgreSQL): an
            // advisory for 10,000 travellers writes tens of thousands of rows.
            // Under review, alerts and deliveries wait ("review", "review-digest"); the dedup
            // history is kept with the review and recorded only when a manager approves.
            let review = plan.review.is_some();
            let mut pending_history: Vec<serde_json::Value> = Vec::new();
            let mut alert_rows = Vec::with_capacity(plan.messages.len() + plan.rollups.len());
            // Per alert row: its deliveries as (channel, status, due).
            let mut alert_deliveries: Vec<Vec<(String, &'static str, i64)>> =
                Vec::with_capacity(alert_rows.capacity());
            let mut history_rows = Vec::new();
            for m in &plan.messages {
                let (status, release) = match (&m.delivery, review) {
                    (Delivery::Now, false) => ("ready", None),
                    (Delivery::Digest { release_at, .. }, false) => ("digest", Some(release_at.as_second())),
                    (Delivery::Now, true) => ("review", None),
                    (Delivery::Digest { release_at, .. }, true) => {
                        ("review-digest", Some(release_at.as_second()))
                    }
                };
                let payload = serde_json::to_string(m).map_err(|e| StoreError::invalid(e.to_string()))?;
                alert_rows.push(
                    params![
                        id,
                        version,
                        "alert",
                        m.recipient.email.as_str(),
                        m.traveller_id,
                        m.severity.as_str(),
                        status,
                        release,
                        payload,
                        now.as_second()
                    ]
                    .to_vec(),
                );
                out.alerts += 1;
                let delivery_status = match status {
                    "ready" => "pending",
                    "review" | "review-digest" => "review",
                    _ => "held",
                };
                let due = release.unwrap_or(now.as_second());
                alert_deliveries.push(m.channels.iter().map(|c| (c.key(), delivery_status, due)).collect());
                out.deliveries += m.channels.len();
                for item in &m.items {
                    if review {
                        pending_history.push(serde_json::json!([
                            m.recipient.email.as_str(),
                            &*item.trigger,
                            item.country.as_str(),
                            item.city.as_deref().unwrap_or(""),
                            item.severity.as_str()
                        ]));
                        continue;
                    }
                    history_rows.push(
                        params![
                            m.recipient.email.as_str(),
                            item.trigger,
                            item.country.as_str(),
                            item.city.as_deref().unwrap_or(""),
                            now.as_second(),
                            item.severity.as_str()
                        ]
                        .to_vec(),
                    );
                }
            }
            for r in &plan.rollups {
                let payload = serde_json::to_string(r).map_err(|e| StoreError::invalid(e.to_string()))?;
                alert_rows.push(
                    params![
                        id,
                        version,
                        "rollup",
                        r.manager.as_str(),
                        Option::<i64>::None,
                        r.severity.as_str(),
                        if review { "review" } else { "ready" },
                        Option::<i64>::None,
                        payload,
                        now.as_second()
                    ]
                    .to_vec(),
                );
                alert_deliveries.push(vec![(
                    "email".to_owned(),
                    if review { "review" } else { "pending" },
                    now.as_second(),
                )]);
                out.rollups += 1;
                out.deliveries += 1;
            }
            let alert_ids = tx.insert_many_returning(ALERT, alert_rows)?;
            let delivery_rows: Vec<Vec<super::db::Value>> = alert_ids
                .iter()
                .zip(&alert_deliveries)
                .flat_map(|(alert_id, ds)| {
                    ds.iter()
                        .map(move |(channel, status, due)| params![alert_id, channel, status, due].to_vec())
                })
                .collect();
            tx.execute_many(DELIVERY, delivery_rows)?;
            tx.execute_many(HISTORY, history_rows)?;
            if let Some(r) = &plan.review {
                tx.execute(
                    "INSERT INTO reviews (advisory_id, version, reason, detections, history, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    &params![
                        id,
                        version,
                        r.reason,
                        serde_json::to_string(&r.detections)
                            .map_err(|e| StoreError::invalid(e.to_string()))?,
                        serde_json::Value::Array(pending_history).to_string(),
                        now.as_second()
                    ],
                )?;
            }
        }
        {
            // Who was passed over and why; bounded, so a country-wide advisory with many
            // travellers below a threshold does not write a row for each.
            let rows = plan
                .decisions
                .iter()
                .filter(|d| !d.alerted())
                .take(MAX_PASSED_OVER)
                .map(|d| {
                    params![id, version, d.recipient.as_str(), d.trigger, d.country.as_str(), d.outcome]
                        .to_vec()
                })
                .collect();
            tx.execute_many(
                "INSERT INTO passed_over (advisory_id, version, recipient, trigger, country, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rows,
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    /// Stored alerts, newest first (all, or one advisory's).
    pub fn alerts(&self, advisory_id: Option<&str>) -> Result<Vec<StoredAlert>, StoreError> {
        let sql = "SELECT id, advisory_id, version, kind, recipient, severity, status, release_at, payload FROM alerts
                   WHERE (CAST(?1 AS TEXT) IS NULL OR advisory_id = ?1) ORDER BY id";
        let mut out = self.db.query_map(sql, &params![advisory_id], |r| {
            Ok(StoredAlert {
                id: r.get(0)?,
                advisory_id: r.get(1)?,
                version: r.get(2)?,
                kind: r.get(3)?,
                recipient: r.get(4)?,
                severity: r.get(5)?,
                status: r.get(6)?,
                release_at: r.get(7)?,
                channels: Vec::new(),
                payload: serde_json::from_str(r.text(8)?).unwrap_or(serde_json::Value::Null),
            })
        })?;
        for a in &mut out {
            a.channels = self.db.query_map(
                "SELECT channel FROM deliveries WHERE alert_id = ?1 ORDER BY channel",
                &params![a.id],
                |r| r.get(0),
            )?;
        }
        Ok(out)
    }

    /// Recipients of an advisory's alerts (not roll-ups), with the channels they got.
    pub fn alert_recipients(
        &self,
        advisory_id: &str,
    ) -> Result<Vec<(serde_json::Value, Vec<String>)>, StoreError> {
        let mut out: Vec<(serde_json::Value, Vec<String>)> = Vec::new();
        for a in self.alerts(Some(advisory_id))?.into_iter().filter(|a| a.kind == "alert") {
            let r = a.payload["recipient"].clone();
            match out.iter_mut().find(|(x, _)| x["email"] == r["email"]) {
                Some((_, ch)) => {
                    for c in a.channels {
                        if !ch.contains(&c) {
                            ch.push(c);
                        }
                    }
                }
                None => out.push((r, a.channels)),
            }
        }
        Ok(out)
    }

    /// Titles of the latest stored advisories from `source` that declare `country`, newest first
    /// (at most `limit`). Earlier versions of the advisory being processed count: a feed that
    /// keeps one item per country (a stable guid) changes its level as a new version.
    pub fn recent_titles(
        &self,
        source: &str,
        country: &str,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        self.db.query_map(
            "SELECT title FROM advisories WHERE source = ?1 AND (',' || countries || ',') LIKE ('%,' || ?2 || ',%')
             ORDER BY received_at DESC, processed_at DESC, version DESC LIMIT ?3",
            &params![source, country, limit as i64],
            |r| r.get(0),
        )
    }

    /// Number of stored versions of an advisory.
    pub fn advisory_versions(&self, id: &str) -> Result<i64, StoreError> {
        self.db.query_row("SELECT COUNT(*) FROM advisories WHERE id = ?1", &params![id], |r| r.get(0))
    }

    /// Affirmed detections stored for an advisory version.
    pub fn affirmed_pairs(&self, id: &str, version: i64) -> Result<Vec<(String, String)>, StoreError> {
        self.db.query_map(
            "SELECT DISTINCT trigger, country FROM detections WHERE advisory_id = ?1 AND version = ?2 AND polarity = ?3 ORDER BY 1, 2",
            &params![id, version, Polarity::Affirmed.as_str()],
            |r| Ok((r.get(0)?, r.get::<Option<String>>(1)?.unwrap_or_default())),
        )
    }
}
