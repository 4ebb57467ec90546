//! The stored payload of an alert row, read back typed before rendering.
//!
//! Alert rows keep their payload as JSON (written by the store from the router's `Message`
//! and `Rollup`, by the digest release and by escalation). A job is rendered from these
//! types, never from untyped JSON: a row whose payload does not match its kind is refused when
//! its job is made, once, rather than rendered with holes. The types read only the fields a
//! message uses and write them back unchanged into a webhook's facts (the `detections`,
//! `entries` and `evidence` of the webhook contract keep their shape).

use serde::{Deserialize, Serialize};

use super::render::JobKind;
use crate::detect::trigger::Severity;

/// A country code and optionally a city, as routing stored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub country: String,
    #[serde(default)]
    pub city: Option<String>,
}

/// Why a recipient is concerned by an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    Trip { trip_id: i64, place: Place, start: String, end: String },
    Subscription { subscription_id: i64 },
}

/// One detection in a message (the router's `Item`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub trigger: String,
    pub name: String,
    pub severity: Severity,
    pub country: String,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub elsewhere: bool,
    pub evidence: String,
    #[serde(default)]
    pub reasons: Vec<Reason>,
    /// Why it passed dedup: an escalation, an all-clear or a correction.
    #[serde(default)]
    pub bypass: Option<String>,
}

/// Who a message is addressed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    /// IANA zone the message's times are written in.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// When a held message goes out (only a digest's schedule is read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    #[serde(default)]
    pub schedule: Option<String>,
}

/// An alert (and its reminder): one advisory's items for one recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertPayload {
    pub recipient: Recipient,
    pub severity: Severity,
    pub items: Vec<Item>,
    #[serde(default)]
    pub delivery: Delivery,
}

/// A line of a manager's roll-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupEntry {
    pub traveller: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traveller_id: Option<i64>,
    pub place: Place,
    pub start: String,
    pub end: String,
    pub triggers: Vec<String>,
}

/// A measure a roll-up reports and the sentence it was found in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupEvidence {
    pub trigger: String,
    pub name: String,
    pub country: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    pub evidence: String,
}

/// One roll-up to a manager about one advisory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupPayload {
    pub severity: Severity,
    pub entries: Vec<RollupEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<RollupEvidence>,
}

/// The advisory of one part of a digest (absent fields when its version is gone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestAdvisory {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub published: Option<String>,
}

/// One held alert merged into a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestPart {
    /// The alert it merged (answer links and accountability count that one).
    #[serde(default)]
    pub alert_id: Option<i64>,
    pub advisory: DigestAdvisory,
    pub severity: Severity,
    pub items: Vec<Item>,
}

/// Several held alerts to one recipient, released together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestPayload {
    pub recipient: Recipient,
    pub severity: Severity,
    #[serde(default)]
    pub schedule: Option<String>,
    #[serde(default)]
    pub release_at: Option<i64>,
    pub alerts: Vec<DigestPart>,
}

/// The traveller an escalation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationTraveller {
    pub name: String,
    pub email: String,
}

/// To a manager: a traveller asked for help or did not answer an alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationPayload {
    pub traveller: EscalationTraveller,
    /// "help", "safe" or "none".
    pub answer: String,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub help: bool,
    /// The alert that was not answered.
    pub alert_id: i64,
    pub alerted_at: String,
    pub severity: Severity,
    pub items: Vec<Item>,
}

/// A job's payload, by kind (a reminder repeats its alert's payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    Alert(AlertPayload),
    Rollup(RollupPayload),
    Digest(DigestPayload),
    Escalation(EscalationPayload),
}

impl Payload {
    /// Read a stored payload as the shape its kind has.
    pub fn parse(kind: JobKind, json: &str) -> Result<Payload, serde_json::Error> {
        Ok(match kind {
            JobKind::Alert | JobKind::Reminder => Payload::Alert(serde_json::from_str(json)?),
            JobKind::Rollup => Payload::Rollup(serde_json::from_str(json)?),
            JobKind::Digest => Payload::Digest(serde_json::from_str(json)?),
            JobKind::Escalation => Payload::Escalation(serde_json::from_str(json)?),
        })
    }
}

/// Helpers for tests: a payload from a JSON value, and whether it is the shape a kind needs.
#[cfg(test)]
impl Payload {
    pub fn from_value(kind: JobKind, v: serde_json::Value) -> Result<Payload, serde_json::Error> {
        Payload::parse(kind, &v.to_string())
    }

    pub fn fits(&self, kind: JobKind) -> bool {
        matches!(
            (kind, self),
            (JobKind::Alert | JobKind::Reminder, Payload::Alert(_))
                | (JobKind::Rollup, Payload::Rollup(_))
                | (JobKind::Digest, Payload::Digest(_))
                | (JobKind::Escalation, Payload::Escalation(_))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::plan::{self, Delivery as RouteDelivery};

    /// What the router writes reads back, and an item writes back exactly as stored: the
    /// webhook's `detections` keep the router's shape.
    #[test]
    fn the_routers_message_reads_back_and_its_items_round_trip() {
        let email = crate::route::model::Email::parse("ann@example.org").expect("email");
        let place = crate::route::model::Place::parse("KZ", Some("Almaty")).expect("place");
        let m = plan::Message {
            recipient: crate::route::model::Recipient {
                email: email.clone(),
                name: "Ann Lee".into(),
                timezone: crate::route::model::Zone::parse("Asia/Almaty").expect("zone"),
            },
            traveller_id: Some(3),
            channels: vec![crate::route::model::Channel::Email],
            delivery: RouteDelivery::Now,
            severity: Severity::Critical,
            items: vec![plan::Item {
                trigger: "curfew".into(),
                name: "Curfew".into(),
                severity: Severity::High,
                country: place.country,
                city: Some("Almaty".into()),
                regions: vec!["Almaty Region".into()],
                elsewhere: true,
                evidence: "A curfew is in force.".into(),
                reasons: vec![
                    plan::Reason::Trip {
                        trip_id: 9,
                        place: place.clone(),
                        start: "2022-01-03".parse().expect("date"),
                        end: "2022-01-20".parse().expect("date"),
                    },
                    plan::Reason::Subscription { subscription_id: 4 },
                ],
                bypass: Some("correction"),
            }],
        };
        let stored = serde_json::to_string(&m).expect("json");
        let Payload::Alert(p) = Payload::parse(JobKind::Alert, &stored).expect("reads") else {
            panic!("an alert")
        };
        assert_eq!(p.recipient.timezone.as_deref(), Some("Asia/Almaty"));
        assert_eq!(p.severity, Severity::Critical);
        let original: serde_json::Value = serde_json::from_str(&stored).expect("value");
        assert_eq!(serde_json::to_value(&p.items).expect("items"), original["items"]);
        assert!(Payload::parse(JobKind::Rollup, &stored).is_err(), "an alert is no roll-up");
    }

    #[test]
    fn a_payload_of_the_wrong_shape_is_refused() {
        assert!(
            Payload::parse(JobKind::Alert, r#"{"recipient": {}, "severity": "urgent", "items": []}"#)
                .is_err()
        );
        assert!(Payload::parse(JobKind::Digest, r#"{"alerts": "none"}"#).is_err());
        assert!(Payload::parse(JobKind::Escalation, "not json").is_err());
        let ok = Payload::parse(JobKind::Reminder, r#"{"recipient": {}, "severity": "low", "items": []}"#)
            .expect("a reminder reads as its alert");
        assert!(ok.fits(JobKind::Reminder) && ok.fits(JobKind::Alert) && !ok.fits(JobKind::Digest));
    }
}
