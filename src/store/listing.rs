//! Read-only views of stored advisories for the admin API: a newest-first list, and one
//! advisory with every stored version, its detections, and the alerts they caused.

use super::db::{Row, params};
use serde::Serialize;

use super::{Store, StoreError, StoredAlert};

/// One advisory version in a list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AdvisorySummary {
    pub id: String,
    pub version: i64,
    pub source: String,
    pub title: String,
    pub url: Option<String>,
    pub published: Option<String>,
    pub countries: Vec<String>,
    pub received_at: i64,
    pub processed_at: i64,
    pub detections: i64,
    pub alerts: i64,
    /// Why this version alerted nobody (old event, baseline poll, CAP test), if held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
}

/// A stored detection.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StoredDetection {
    pub trigger: String,
    pub country: Option<String>,
    pub city: Option<String>,
    pub polarity: String,
    pub severity: String,
    pub evidence: String,
    pub span: (i64, i64),
    pub confidence: f64,
}

/// One stored version with its text and detections.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AdvisoryVersion {
    #[serde(flatten)]
    pub summary: AdvisorySummary,
    pub body: String,
    pub detection_list: Vec<StoredDetection>,
}

/// An advisory: every version, oldest first, and every alert it caused.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AdvisoryDetail {
    pub id: String,
    pub versions: Vec<AdvisoryVersion>,
    pub alerts: Vec<StoredAlert>,
    /// Recipients routing passed over, and why (below a threshold, deduplicated, elsewhere
    /// in the country, …), per version.
    pub not_alerted: Vec<PassedOver>,
}

/// One (recipient, detection) pair that was not alerted, with routing's reason.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PassedOver {
    pub version: i64,
    pub recipient: String,
    pub trigger: String,
    pub country: String,
    pub reason: String,
}

const SUMMARY_COLS: &str =
    "a.id, a.version, a.source, a.title, a.url, a.published, a.countries, a.received_at, a.processed_at,
     (SELECT COUNT(*) FROM detections d WHERE d.advisory_id = a.id AND d.version = a.version),
     (SELECT COUNT(*) FROM alerts l WHERE l.advisory_id = a.id AND l.version = a.version), a.held";

fn summary(r: &Row<'_>) -> Result<AdvisorySummary, StoreError> {
    let countries: String = r.get(6)?;
    Ok(AdvisorySummary {
        id: r.get(0)?,
        version: r.get(1)?,
        source: r.get(2)?,
        title: r.get(3)?,
        url: r.get(4)?,
        published: r.get(5)?,
        countries: countries.split(',').filter(|c| !c.is_empty()).map(str::to_owned).collect(),
        received_at: r.get(7)?,
        processed_at: r.get(8)?,
        detections: r.get(9)?,
        alerts: r.get(10)?,
        held: r.get(11)?,
    })
}

impl Store {
    /// The latest `limit` advisory versions, newest first, optionally only those from
    /// `source`, and those that declare `country` or have a detection there.
    pub fn advisories(
        &self,
        limit: usize,
        source: Option<&str>,
        country: Option<&str>,
    ) -> Result<Vec<AdvisorySummary>, StoreError> {
        self.db.query_map(
            &format!(
                "SELECT {SUMMARY_COLS} FROM advisories a
             WHERE (CAST(?1 AS TEXT) IS NULL OR a.source = ?1)
               AND (CAST(?2 AS TEXT) IS NULL OR (',' || a.countries || ',') LIKE ('%,' || ?2 || ',%')
                    OR EXISTS (SELECT 1 FROM detections d
                               WHERE d.advisory_id = a.id AND d.version = a.version AND d.country = ?2))
             ORDER BY a.processed_at DESC, a.id, a.version DESC LIMIT ?3"
            ),
            &params![source, country, limit as i64],
            summary,
        )
    }

    /// One advisory with all its versions, detections and alerts; `None` if unknown.
    pub fn advisory(&self, id: &str) -> Result<Option<AdvisoryDetail>, StoreError> {
        let versions: Vec<(AdvisorySummary, String)> = self.db.query_map(
            &format!("SELECT {SUMMARY_COLS}, a.body FROM advisories a WHERE a.id = ?1 ORDER BY a.version"),
            &params![id],
            |r| Ok((summary(r)?, r.get(12)?)),
        )?;
        if versions.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(versions.len());
        for (summary, body) in versions {
            let detection_list = self.db.query_map(
                "SELECT trigger, country, city, polarity, severity, evidence, span_start, span_end, confidence
                 FROM detections WHERE advisory_id = ?1 AND version = ?2 ORDER BY span_start, trigger",
                &params![id, summary.version],
                |r| {
                    Ok(StoredDetection {
                        trigger: r.get(0)?,
                        country: r.get(1)?,
                        city: r.get(2)?,
                        polarity: r.get(3)?,
                        severity: r.get(4)?,
                        evidence: r.get(5)?,
                        span: (r.get(6)?, r.get(7)?),
                        confidence: r.get(8)?,
                    })
                },
            )?;
            out.push(AdvisoryVersion { summary, body, detection_list });
        }
        let not_alerted = self.db.query_map(
            "SELECT version, recipient, trigger, country, reason FROM passed_over
             WHERE advisory_id = ?1 ORDER BY version, rowid",
            &params![id],
            |r| {
                Ok(PassedOver {
                    version: r.get(0)?,
                    recipient: r.get(1)?,
                    trigger: r.get(2)?,
                    country: r.get(3)?,
                    reason: r.get(4)?,
                })
            },
        )?;
        Ok(Some(AdvisoryDetail {
            id: id.to_owned(),
            versions: out,
            alerts: self.alerts(Some(id))?,
            not_alerted,
        }))
    }
}
