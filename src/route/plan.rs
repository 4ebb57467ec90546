//! What routing reads and decides: the policy's tunables, its inputs (detections, the people
//! they may concern, alert history) and its output, the [`Plan`] of messages, roll-ups and
//! per-recipient decisions. Plain data; the deciding is in `policy`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::detect::Severity;
use crate::detect::places::CountryCode;

use super::model::{Channel, Email, Place, Recipient, Subscription, Traveller, Trip};

/// Tunables, with the defaults of DESIGN.md.
#[derive(Debug, Clone)]
pub struct Policy {
    /// A trip concerns an advisory this many days before departure…
    pub pre_trip_days: i64,
    /// …and this many days after return.
    pub grace_days: i64,
    /// Minimum time between two alerts for the same recipient, trigger and country.
    pub realert: BTreeMap<Severity, SignedDuration>,
    /// Severity at or above which the no-setup defaults alert immediately.
    pub default_min_severity: Severity,
    /// What a traveller whose trip city lies outside a sub-national measure's named cities or
    /// regions is told.
    pub elsewhere: Elsewhere,
    /// Events older than this alert nobody (`None`: no limit).
    pub max_event_age: Option<SignedDuration>,
    /// Critical alerts wait for a subscription's digest too (default: they go at once).
    pub digest_critical: bool,
    /// Triggers whose alerts wait for a manager's approval (the review queue).
    pub review_triggers: Vec<String>,
    /// Detections below this confidence wait for approval too.
    pub review_below: Option<f32>,
}

/// Policy for a measure that applies elsewhere in the traveller's country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Elsewhere {
    /// Alert as if it were where they are.
    Alert,
    /// Alert one severity lower, saying it is elsewhere in the country.
    Lower,
    /// Do not alert the traveller; their manager's roll-up lists it.
    #[default]
    Rollup,
}

impl std::str::FromStr for Elsewhere {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "alert" => Ok(Elsewhere::Alert),
            "lower" => Ok(Elsewhere::Lower),
            "rollup" => Ok(Elsewhere::Rollup),
            other => Err(format!("unknown value {other:?} (expected alert, lower or rollup)")),
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        let day = SignedDuration::from_hours(24);
        let realert = [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical]
            .into_iter()
            .map(|s| (s, day))
            .collect();
        Policy {
            pre_trip_days: 7,
            grace_days: 1,
            realert,
            default_min_severity: Severity::Medium,
            elsewhere: Elsewhere::default(),
            max_event_age: Some(SignedDuration::from_hours(72)),
            digest_critical: false,
            review_triggers: Vec::new(),
            review_below: None,
        }
    }
}

/// One affirmed detection, as routing needs it.
#[derive(Debug, Clone, Serialize)]
pub struct RouteDetection {
    // Shared (`Arc`): every recipient's item quotes the same trigger, name and evidence.
    pub trigger: Arc<str>,
    pub name: Arc<str>,
    pub severity: Severity,
    pub country: CountryCode,
    pub city: Option<String>,
    /// Regions the measure is said to apply in (GeoNames admin1 names of `country`).
    pub regions: Vec<String>,
    /// The measure covers part of the country only.
    pub subnational: bool,
    pub evidence: Arc<str>,
    /// This trigger is an all-clear (it `clears` another); all-clears always pass dedup.
    pub all_clear: bool,
}

/// The people an advisory could concern (loaded by the store for the detections' countries).
#[derive(Debug, Clone, Default)]
pub struct People {
    pub travellers: Vec<Traveller>,
    pub trips: Vec<Trip>,
    pub subscriptions: Vec<Subscription>,
}

/// What was sent before.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Last alert per (recipient, trigger, country, place): when and at what severity. The
    /// place is the city the measure was found for, empty for the whole country.
    pub last: HashMap<(Email, String, CountryCode, String), (Timestamp, Severity)>,
    /// Recipients that appear in `last` (lets routing skip the lookup for everyone else).
    pub recipients: HashSet<Email>,
    /// Recipients already alerted about earlier versions of this advisory.
    pub alerted_on_advisory: HashSet<Email>,
}

/// One advisory to route.
#[derive(Debug, Clone)]
pub struct RouteInput<'a> {
    /// The advisory's time: published, else received. Trip windows are checked against it.
    pub advisory_time: Timestamp,
    pub now: Timestamp,
    pub detections: &'a [RouteDetection],
    /// (trigger, country) pairs already affirmed by the previous version (empty if none).
    pub previous: &'a [(String, CountryCode)],
}

/// Why a recipient is concerned.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    Trip { trip_id: i64, place: Place, start: Date, end: Date },
    Subscription { subscription_id: i64 },
}

/// One detection inside a message.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Item {
    pub trigger: Arc<str>,
    pub name: Arc<str>,
    pub severity: Severity,
    pub country: CountryCode,
    pub city: Option<String>,
    /// Where in the country the measure applies, when the advisory names regions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// The measure applies elsewhere in the country than this recipient's trip.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub elsewhere: bool,
    pub evidence: Arc<str>,
    pub reasons: Vec<Reason>,
    /// Passed dedup because it is an escalation, an all-clear or a correction.
    pub bypass: Option<&'static str>,
}

/// When a message goes out.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Delivery {
    Now,
    Digest { release_at: Timestamp, schedule: String },
}

/// One message to one recipient (all of one advisory's detections for them, grouped).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Message {
    pub recipient: Recipient,
    pub traveller_id: Option<i64>,
    pub channels: Vec<Channel>,
    pub delivery: Delivery,
    pub severity: Severity,
    pub items: Vec<Item>,
}

/// A line of a manager's roll-up.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RollupEntry {
    pub traveller: String,
    pub traveller_id: i64,
    pub place: Place,
    pub start: Date,
    pub end: Date,
    pub triggers: Vec<String>,
}

/// One roll-up per manager per advisory.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Rollup {
    pub manager: Email,
    pub severity: Severity,
    pub entries: Vec<RollupEntry>,
    /// What the advisory says: the evidence sentence of each measure in the roll-up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<RollupEvidence>,
}

/// One measure a roll-up reports and the sentence it was found in.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RollupEvidence {
    pub trigger: Arc<str>,
    pub name: Arc<str>,
    pub country: CountryCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    pub evidence: Arc<str>,
}

/// Why one (recipient, detection) pair was not sent, for `preview` and the logs.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Decision {
    pub recipient: Email,
    pub trigger: String,
    pub country: CountryCode,
    pub outcome: String,
}

impl Decision {
    /// Whether this pair was sent (at once or in a digest) rather than passed over.
    pub fn alerted(&self) -> bool {
        self.outcome.starts_with("alert now") || self.outcome.starts_with("digest")
    }
}

/// The routing result.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Plan {
    pub messages: Vec<Message>,
    pub rollups: Vec<Rollup>,
    pub decisions: Vec<Decision>,
    /// Why nothing of this plan is sent (an old event, a source's baseline poll, a CAP test
    /// message), when something holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
    /// Why this plan's alerts wait for a manager's approval (the review queue), and the
    /// detections ("trigger/CC") under review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
}

/// A plan held for review: stored, sent only once a manager approves it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Review {
    pub reason: String,
    pub detections: Vec<String>,
}

impl Plan {
    /// Send nothing: every message and roll-up becomes a decision with `reason`, so `preview`
    /// and the advisory's record say who would have been told and why they were not.
    pub fn hold(&mut self, reason: &str) {
        for m in self.messages.drain(..) {
            for i in &m.items {
                self.decisions.push(Decision {
                    recipient: m.recipient.email.clone(),
                    trigger: i.trigger.to_string(),
                    country: i.country,
                    outcome: reason.to_owned(),
                });
            }
        }
        for r in self.rollups.drain(..) {
            for e in &r.entries {
                for t in &e.triggers {
                    self.decisions.push(Decision {
                        recipient: r.manager.clone(),
                        trigger: t.clone(),
                        country: e.place.country,
                        outcome: format!("{reason} (roll-up)"),
                    });
                }
            }
        }
        self.held = Some(reason.to_owned());
    }
}
