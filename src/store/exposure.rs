//! "Who is there?": travellers whose trips put them in a country (optionally a city) at a
//! moment or within a window, and the standing risk of a destination (its latest travel
//! advisory level and the triggers recently affirmed there).

use super::db::params;
use serde::Serialize;

use super::{Store, StoreError};

/// One traveller exposed in a place.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Exposed {
    pub name: String,
    pub email: String,
    pub manager: Option<String>,
    pub trip_id: i64,
    pub country: String,
    pub city: Option<String>,
    pub start: String,
    pub end: String,
}

/// A trigger affirmed in a country recently.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct ActiveTrigger {
    pub trigger: String,
    pub severity: String,
    pub city: Option<String>,
    pub advisory_id: String,
    pub title: String,
    /// When tripwatch processed it (RFC 3339).
    pub seen: String,
}

/// What is known about a destination now.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct StandingRisk {
    pub country: String,
    /// The latest travel-advisory level a feed gave ("Level 3: Reconsider Travel"), if any.
    pub level: Option<String>,
    pub active: Vec<ActiveTrigger>,
}

impl Store {
    /// Travellers in `country` (and `city`, when given) on any day from `from` to `until`
    /// (inclusive, `YYYY-MM-DD`), by trip, ordered by name.
    pub fn exposure(
        &self,
        country: &str,
        city: Option<&str>,
        from: &str,
        until: &str,
    ) -> Result<Vec<Exposed>, StoreError> {
        self.db.query_map(
            "SELECT t.name, t.email, t.manager, p.id, p.country, p.city, p.start_date, p.end_date
             FROM trips p JOIN travellers t ON t.id = p.traveller_id
             WHERE p.country = ?1 AND p.start_date <= ?4 AND p.end_date >= ?3
               AND (CAST(?2 AS TEXT) IS NULL OR lower(p.city) = lower(CAST(?2 AS TEXT)))
             ORDER BY t.name, p.start_date",
            &params![country, city, from, until],
            |r| {
                let city: String = r.get(5)?;
                Ok(Exposed {
                    name: r.get(0)?,
                    email: r.get(1)?,
                    manager: r.get(2)?,
                    trip_id: r.get(3)?,
                    country: r.get(4)?,
                    city: Some(city).filter(|c| !c.is_empty()),
                    start: r.get(6)?,
                    end: r.get(7)?,
                })
            },
        )
    }

    /// The latest advisory level and the triggers affirmed in `country` by advisories
    /// processed since `since` (unix seconds), most severe first.
    pub fn standing_risk(&self, country: &str, since: i64) -> Result<StandingRisk, StoreError> {
        let titles: Vec<String> = self.db.query_map(
            "SELECT title FROM advisories WHERE (',' || countries || ',') LIKE ('%,' || ?1 || ',%')
             AND title LIKE '%Level _:%' ORDER BY processed_at DESC, version DESC LIMIT 1",
            &params![country],
            |r| r.get(0),
        )?;
        let level = titles.first().and_then(|t| t.find("Level ").map(|i| t[i..].trim().to_owned()));
        let rows = self.db.query_map(
            "SELECT d.trigger, d.severity, d.city, a.id, a.title, a.processed_at
             FROM detections d JOIN advisories a ON a.id = d.advisory_id AND a.version = d.version
             WHERE d.country = ?1 AND d.polarity = 'affirmed' AND a.processed_at >= ?2
               AND a.version = (SELECT MAX(version) FROM advisories b WHERE b.id = a.id)
             ORDER BY a.processed_at DESC",
            &params![country, since],
            |r| {
                let seen: i64 = r.get(5)?;
                Ok(ActiveTrigger {
                    trigger: r.get(0)?,
                    severity: r.get(1)?,
                    city: r.get(2)?,
                    advisory_id: r.get(3)?,
                    title: r.get(4)?,
                    seen: jiff::Timestamp::from_second(seen).map(|t| t.to_string()).unwrap_or_default(),
                })
            },
        )?;
        let mut active: Vec<ActiveTrigger> = Vec::new();
        for t in rows {
            // The newest mention of each trigger (and city) stands for it.
            if !active.iter().any(|a| a.trigger == t.trigger && a.city == t.city) {
                active.push(t);
            }
        }
        let rank =
            |s: &str| ["critical", "high", "medium", "low", "info"].iter().position(|x| *x == s).unwrap_or(5);
        active.sort_by_key(|a| rank(&a.severity));
        Ok(StandingRisk { country: country.to_owned(), level, active })
    }
}
