//! Accounting for travellers: their answers to alerts ("I'm safe", "I need help", or a
//! manager's mark), escalation to their manager when no answer comes in time, and the view of
//! who answered what.
//!
//! Escalation is state in the database, not a timer in memory: an alert to a traveller whose
//! severity escalates becomes due `minutes` after it was created; a pass (`escalate_due`) turns
//! each due, unanswered alert into one `escalation` alert to the manager, in one transaction,
//! guarded by "no escalation exists yet for this advisory and traveller" (and a unique index).
//! So a restart, or two passes, never escalate twice, and an answer stops it. One answer per
//! traveller and advisory counts, whichever of that advisory's alerts it came from.

use std::collections::BTreeMap;

use super::db::params;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Store, StoreError};
use crate::channels::payload::{AlertPayload, EscalationPayload, EscalationTraveller};
use crate::detect::Severity;

/// What an escalation pass does.
#[derive(Debug, Clone, Default)]
pub struct EscalationPolicy {
    /// Minutes to wait for an answer, per severity that escalates.
    pub no_answer: BTreeMap<Severity, u64>,
    /// Also send the traveller the alert again.
    pub remind_traveller: bool,
    /// Channels of the escalation besides the manager's email (`webhook:NAME`).
    pub webhooks: Vec<String>,
    /// Alerts older than this are not looked at any more (the answer links' lifetime).
    pub window_secs: i64,
}

impl From<&crate::config::Accountability> for EscalationPolicy {
    /// The `[accountability]` settings as an escalation pass reads them.
    fn from(a: &crate::config::Accountability) -> Self {
        EscalationPolicy {
            no_answer: a.no_answer.clone(),
            remind_traveller: a.remind_traveller,
            webhooks: a.escalation_webhooks.iter().map(|w| format!("webhook:{w}")).collect(),
            window_secs: a.link_ttl.as_secs() as i64,
        }
    }
}

/// One alert to a traveller with its answer, for the accountability view.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct AccountRow {
    pub alert_id: i64,
    pub advisory_id: String,
    pub advisory_title: Option<String>,
    pub traveller_id: i64,
    pub traveller: String,
    pub email: String,
    pub severity: String,
    pub places: Vec<String>,
    pub alerted_at: String,
    /// `safe`, `help`, or `none` (no answer yet).
    pub answer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
    /// `traveller`, or `manager:NAME` for a mark by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_by: Option<String>,
    /// Whether the manager was escalated to.
    pub escalated: bool,
}

/// Counts per advisory and place.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct AccountSummary {
    pub advisory_id: String,
    pub place: String,
    pub alerted: usize,
    pub safe: usize,
    pub help: usize,
    pub no_answer: usize,
}

/// An answer as given: to which alert, by which traveller, what, and who recorded it
/// (`traveller`, or `manager:NAME`).
#[derive(Debug, Clone, Copy)]
pub struct GivenAnswer<'a> {
    pub alert_id: i64,
    pub traveller_id: i64,
    pub answer: &'a str,
    pub message: Option<&'a str>,
    pub by: &'a str,
}

/// Which alert a traveller answered: its advisory and traveller.
#[derive(Debug, Clone)]
pub struct AnsweredAlert {
    pub advisory_id: String,
    pub advisory_title: Option<String>,
    pub traveller_id: i64,
    pub traveller: String,
}

fn iso(t: i64) -> String {
    Timestamp::from_second(t).map(|t| t.to_string()).unwrap_or_default()
}

fn places_of(payload: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in payload["items"].as_array().into_iter().flatten() {
        let p = match (i["country"].as_str(), i["city"].as_str()) {
            (Some(c), Some(city)) => format!("{c}:{city}"),
            (Some(c), None) => c.to_owned(),
            _ => continue,
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    // A traveller is counted once per place: the country alone goes when a city of it is named.
    let cities: Vec<String> =
        out.iter().filter_map(|p| p.split_once(':').map(|(c, _)| c.to_owned())).collect();
    out.retain(|p| p.contains(':') || !cities.contains(p));
    out
}

impl Store {
    /// The traveller an alert went to, if it went to a traveller.
    pub fn traveller_of_alert(&self, alert_id: i64) -> Result<Option<i64>, StoreError> {
        Ok(self
            .db
            .query_opt(
                "SELECT traveller_id FROM alerts WHERE id = ?1 AND kind IN ('alert', 'reminder')",
                &params![alert_id],
                |r| r.get::<Option<i64>>(0),
            )?
            .flatten())
    }

    /// The alert an answer link names, if it is an alert to that traveller.
    pub fn answered_alert(
        &self,
        alert_id: i64,
        traveller_id: i64,
    ) -> Result<Option<AnsweredAlert>, StoreError> {
        self.db.query_opt(
            "SELECT a.advisory_id, v.title, t.id, t.name FROM alerts a
                 JOIN travellers t ON t.id = a.traveller_id
                 LEFT JOIN advisories v ON v.id = a.advisory_id AND v.version = a.version
                 WHERE a.id = ?1 AND a.traveller_id = ?2 AND a.kind IN ('alert', 'reminder')",
            &params![alert_id, traveller_id],
            |r| {
                Ok(AnsweredAlert {
                    advisory_id: r.get(0)?,
                    advisory_title: r.get(1)?,
                    traveller_id: r.get(2)?,
                    traveller: r.get(3)?,
                })
            },
        )
    }

    /// Record an answer to one alert (the latest answer per traveller and advisory counts),
    /// with an audit line. "help" escalates at once: the manager's escalation is created now
    /// (unless one went out already), whatever the severity. Returns the escalations created.
    pub fn record_answer(
        &mut self,
        given: &GivenAnswer<'_>,
        now: Timestamp,
        policy: &EscalationPolicy,
    ) -> Result<usize, StoreError> {
        let GivenAnswer { alert_id, traveller_id, answer, message, by } = *given;
        if !matches!(answer, "safe" | "help") {
            return Err(StoreError::invalid(format!("answer must be safe or help, not {answer:?}")));
        }
        let Some(a) = self.answered_alert(alert_id, traveller_id)? else {
            return Err(StoreError::NotFound(format!("alert {alert_id} to traveller {traveller_id}")));
        };
        let message = message
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(|m| m.chars().take(2000).collect::<String>());
        let tx = self.db.begin()?;
        tx.execute(
            "INSERT INTO responses (advisory_id, traveller_id, alert_id, answer, message, answered_at, answered_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (advisory_id, traveller_id) DO UPDATE SET alert_id = excluded.alert_id, answer = excluded.answer,
                 message = excluded.message, answered_at = excluded.answered_at, answered_by = excluded.answered_by",
            &params![a.advisory_id, traveller_id, alert_id, answer, message, now.as_second(), by],
        )?;
        tx.execute(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
            &params![
                now.as_second(),
                by,
                format!("answer:{answer}"),
                json!({"alert_id": alert_id, "traveller_id": traveller_id, "advisory_id": a.advisory_id})
                    .to_string()
            ],
        )?;
        let created = if answer == "help" { escalate(&tx, alert_id, now, policy, true)? } else { 0 };
        tx.commit()?;
        Ok(created)
    }

    /// Escalate every alert whose answer time has passed without an answer: one escalation
    /// to the manager per traveller and advisory, ever. Returns how many were created.
    pub fn escalate_due(&mut self, now: Timestamp, policy: &EscalationPolicy) -> Result<usize, StoreError> {
        if policy.no_answer.is_empty() {
            return Ok(0);
        }
        let shortest = policy.no_answer.values().min().copied().unwrap_or(0) as i64 * 60;
        let tx = self.db.begin()?;
        tx.exclusive(super::db::LOCK_ESCALATIONS)?;
        let due: Vec<(i64, String, i64)> = {
            tx.query_map(
                "SELECT a.id, a.severity, a.created_at FROM alerts a JOIN travellers t ON t.id = a.traveller_id
                 WHERE a.kind = 'alert' AND a.status IN ('ready', 'released') AND t.manager IS NOT NULL
                   AND a.created_at >= ?1 AND a.created_at <= ?2
                   AND NOT EXISTS (SELECT 1 FROM alerts e WHERE e.kind = 'escalation'
                                   AND e.advisory_id = a.advisory_id AND e.traveller_id = a.traveller_id)
                   AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.advisory_id = a.advisory_id
                                   AND r.traveller_id = a.traveller_id)
                 ORDER BY a.id",
                &params![now.as_second() - policy.window_secs, now.as_second() - shortest],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
        };
        let mut created = 0;
        for (id, severity, at) in due {
            let Ok(sev) = severity.parse::<Severity>() else { continue };
            let Some(minutes) = policy.no_answer.get(&sev) else { continue };
            if at + *minutes as i64 * 60 <= now.as_second() {
                created += escalate(&tx, id, now, policy, false)?;
            }
        }
        tx.commit()?;
        Ok(created)
    }

    /// Each alert to a traveller (newest first, since `since`), with the answer.
    pub fn accountability(&self, advisory: Option<&str>, since: i64) -> Result<Vec<AccountRow>, StoreError> {
        self.db.query_map(
            "SELECT a.id, a.advisory_id, v.title, t.id, t.name, t.email, a.severity, a.payload, a.created_at,
                    r.answer, r.message, r.answered_at, r.answered_by,
                    EXISTS (SELECT 1 FROM alerts e WHERE e.kind = 'escalation' AND e.advisory_id = a.advisory_id
                            AND e.traveller_id = a.traveller_id)
             FROM alerts a JOIN travellers t ON t.id = a.traveller_id
             LEFT JOIN advisories v ON v.id = a.advisory_id AND v.version = a.version
             LEFT JOIN responses r ON r.advisory_id = a.advisory_id AND r.traveller_id = a.traveller_id
             WHERE a.kind = 'alert' AND (CAST(?1 AS TEXT) IS NULL OR a.advisory_id = ?1) AND a.created_at >= ?2
             ORDER BY a.created_at DESC, a.id DESC",
            &params![advisory, since],
            |r| {
            let payload: Value = serde_json::from_str(r.text(7)?).unwrap_or(Value::Null);
            Ok(AccountRow {
                alert_id: r.get(0)?,
                advisory_id: r.get(1)?,
                advisory_title: r.get(2)?,
                traveller_id: r.get(3)?,
                traveller: r.get(4)?,
                email: r.get(5)?,
                severity: r.get(6)?,
                places: places_of(&payload),
                alerted_at: iso(r.get(8)?),
                answer: r.get::<Option<String>>(9)?.unwrap_or_else(|| "none".into()),
                message: r.get(10)?,
                answered_at: r.get::<Option<i64>>(11)?.map(iso),
                answered_by: r.get(12)?,
                escalated: r.get(13)?,
            })
        })
    }
}

/// Counts per advisory and place: each traveller once per advisory and place.
pub fn summarize(rows: &[AccountRow]) -> Vec<AccountSummary> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<AccountSummary> = Vec::new();
    for r in rows {
        for place in &r.places {
            if !seen.insert((r.advisory_id.clone(), place.clone(), r.traveller_id)) {
                continue;
            }
            let at = match out.iter().position(|s| s.advisory_id == r.advisory_id && s.place == *place) {
                Some(i) => i,
                None => {
                    out.push(AccountSummary {
                        advisory_id: r.advisory_id.clone(),
                        place: place.clone(),
                        alerted: 0,
                        safe: 0,
                        help: 0,
                        no_answer: 0,
                    });
                    out.len() - 1
                }
            };
            let s = &mut out[at];
            s.alerted += 1;
            match r.answer.as_str() {
                "safe" => s.safe += 1,
                "help" => s.help += 1,
                _ => s.no_answer += 1,
            }
        }
    }
    out
}

/// Create the escalation of one alert (and the reminder, when asked), unless one exists for
/// its advisory and traveller. `now_help`: the traveller asked for help.
fn escalate(
    tx: &super::db::Db,
    alert_id: i64,
    now: Timestamp,
    policy: &EscalationPolicy,
    now_help: bool,
) -> Result<usize, StoreError> {
    let row = tx
        .query_opt(
            "SELECT a.advisory_id, a.version, a.traveller_id, a.severity, a.payload, a.created_at, t.name, t.email, t.manager
             FROM alerts a JOIN travellers t ON t.id = a.traveller_id WHERE a.id = ?1",
            &params![alert_id],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<i64>(1)?,
                    r.get::<i64>(2)?,
                    r.get::<String>(3)?,
                    r.get::<String>(4)?,
                    r.get::<i64>(5)?,
                    r.get::<String>(6)?,
                    r.get::<String>(7)?,
                    r.get::<Option<String>>(8)?,
                ))
            },
        )?;
    let Some((advisory_id, version, traveller_id, severity, payload, created, name, email, manager)) = row
    else {
        return Ok(0);
    };
    let Some(manager) = manager else { return Ok(0) };
    let exists: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM alerts WHERE kind = 'escalation' AND advisory_id = ?1 AND traveller_id = ?2)",
        &params![advisory_id, traveller_id],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(0);
    }
    // The items the traveller was alerted about (none if the alert's payload is unreadable).
    let items = serde_json::from_str::<AlertPayload>(&payload).map(|p| p.items).unwrap_or_default();
    let (answer, message): (Option<String>, Option<Option<String>>) = tx
        .query_opt(
            "SELECT answer, message FROM responses WHERE advisory_id = ?1 AND traveller_id = ?2",
            &params![advisory_id, traveller_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?
        .unzip();
    let payload = EscalationPayload {
        traveller: EscalationTraveller { name, email },
        answer: answer.unwrap_or_else(|| "none".into()),
        message: message.flatten(),
        help: now_help,
        alert_id,
        alerted_at: iso(created),
        severity: severity.parse().unwrap_or(Severity::Info),
        items,
    };
    let payload = serde_json::to_string(&payload).map_err(|e| StoreError::invalid(e.to_string()))?;
    let escalation: i64 = tx.query_row(
        "INSERT INTO alerts (advisory_id, version, kind, recipient, traveller_id, severity, status, release_at, payload, created_at, parent_id)
         VALUES (?1, ?2, 'escalation', ?3, ?4, ?5, 'released', NULL, ?6, ?7, ?8) RETURNING id",
        &params![advisory_id, version, manager, traveller_id, severity, payload, now.as_second(), alert_id],
        |r| r.get(0),
    )?;
    let delivery = |p: &[super::db::Value]| {
        tx.execute(
            "INSERT INTO deliveries (alert_id, channel, status, next_attempt_at) VALUES (?1, ?2, 'pending', ?3)",
            p,
        )
    };
    delivery(&params![escalation, "email", now.as_second()])?;
    for w in &policy.webhooks {
        delivery(&params![escalation, w, now.as_second()])?;
    }
    // A second alert to a traveller who has not answered.
    if policy.remind_traveller && !now_help {
        let reminder: i64 = tx.query_row(
            "INSERT INTO alerts (advisory_id, version, kind, recipient, traveller_id, severity, status, release_at, payload, created_at, parent_id)
             SELECT advisory_id, version, 'reminder', recipient, traveller_id, severity, 'released', NULL, payload, ?2, id
             FROM alerts WHERE id = ?1 RETURNING id",
            &params![alert_id, now.as_second()],
            |r| r.get(0),
        )?;
        delivery(&params![reminder, "email", now.as_second()])?;
    }
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_traveller_counts_once_per_place() {
        let payload = json!({"items": [
            {"country": "KZ", "city": null}, {"country": "KZ", "city": "Almaty"}, {"country": "KG", "city": null}
        ]});
        assert_eq!(places_of(&payload), ["KZ:Almaty", "KG"]);
    }
}
