//! The bodies the JSON API answers with, as types. Handlers build these (never an ad hoc
//! `json!`), and the OpenAPI document's response schemas are generated from the same types,
//! so the document cannot drift from what is sent.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::route::model::Trip;
use crate::store::{Exposed, StandingRisk};

/// Any refused request: a reason, and for an import every row error.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<String>>,
}

/// `202` for a pushed advisory: its id (one advisory) or every item's id (a feed).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Accepted {
    /// The advisory's id (absent for a feed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Every item's id (a feed only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<String>>,
    /// How many items a feed held (a feed only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<usize>,
    /// Always `accepted`.
    pub status: &'static str,
}

/// The outcome of a change, in one sentence ("removed", "trip 3 added …").
#[derive(Debug, Serialize, JsonSchema)]
pub struct Saved {
    pub result: String,
}

/// A trip as listed: with its traveller's email and name.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListedTrip {
    #[serde(flatten)]
    pub trip: Trip,
    pub traveller_email: Option<String>,
    pub traveller_name: Option<String>,
}

/// One advisory's preview: its state against the store, the detections and the plan.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PreviewItem {
    pub id: String,
    /// `new`, `unchanged` or `updated`.
    pub state: &'static str,
    pub analysis: crate::detect::Analysis,
    pub plan: crate::route::plan::Plan,
}

/// The preview of a feed: one entry per item.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PreviewFeed {
    pub items: Vec<PreviewItem>,
}

/// A preview answers one item for one advisory, a list for a feed.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Preview {
    One(Box<PreviewItem>),
    Feed(PreviewFeed),
}

/// A review decided: how many deliveries it released (approved) or withdrew (rejected).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Decided {
    pub advisory_id: String,
    /// `approved` or `rejected`.
    pub decision: String,
    pub deliveries: usize,
}

/// A decision's body: a note (approval, optional) or the reason (rejection, required).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub note: Option<String>,
    pub reason: Option<String>,
}

/// How many deliveries a retry queued.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Queued {
    pub queued: usize,
}

/// A loaded trigger.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TriggerInfo {
    pub id: String,
    pub name: String,
    pub severity: crate::detect::Severity,
    /// The trigger this one is the all-clear of.
    pub clears: Option<String>,
}

/// Who is in a place, and the standing risk there.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Exposure {
    pub travellers: Vec<Exposed>,
    pub standing_risk: StandingRisk,
}

/// Alerts to travellers with their answers, and counts per advisory and place.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Accountability {
    pub summary: Vec<crate::store::accountability::AccountSummary>,
    pub alerts: Vec<crate::store::accountability::AccountRow>,
}

/// A manager's mark, as recorded.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Marked {
    pub alert_id: i64,
    pub answer: String,
    /// `manager:TOKEN-NAME`.
    pub by: String,
    /// Escalations created by this mark (a `help` escalates at once).
    pub escalations: usize,
}

/// A request that the daemon will carry out shortly (a poll, a reload).
#[derive(Debug, Serialize, JsonSchema)]
pub struct Requested {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub result: &'static str,
}
