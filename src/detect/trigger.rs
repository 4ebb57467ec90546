//! Validated trigger definitions: what the engine looks for.
//!
//! Built only by `config::triggers` (which parses and validates trigger files), consumed by
//! the matcher. Nothing here does IO.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How much an alert matters. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            other => {
                return Err(format!(
                    "unknown severity {other:?} (expected critical, high, medium, low or info)"
                ));
            }
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A trigger id: lower_snake_case ASCII, 1–64 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct TriggerId(std::sync::Arc<str>);

impl TriggerId {
    pub fn parse(s: &str) -> Result<Self, String> {
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if ok {
            Ok(TriggerId(s.into()))
        } else {
            Err(format!("invalid trigger id {s:?}: use lower_snake_case letters, digits and _ (max 64)"))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The id as a shared string (no copy).
    pub fn shared(&self) -> std::sync::Arc<str> {
        self.0.clone()
    }
}

impl fmt::Display for TriggerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why an otherwise matching trigger does not hold (or `Affirmed` when it does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    Affirmed,
    Negated,
    Hypothetical,
    Habitual,
    Historical,
    Lifted,
    Advice,
    StaffOnly,
    Attributed,
}

impl Polarity {
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::Affirmed => "affirmed",
            Polarity::Negated => "negated",
            Polarity::Hypothetical => "hypothetical",
            Polarity::Habitual => "habitual",
            Polarity::Historical => "historical",
            Polarity::Lifted => "lifted",
            Polarity::Advice => "advice",
            Polarity::StaffOnly => "staff_only",
            Polarity::Attributed => "attributed",
        }
    }

    /// Parse a modifier name as written in `ignore_modifiers`.
    pub fn parse_modifier(s: &str) -> Result<Self, String> {
        let all = [
            Polarity::Negated,
            Polarity::Hypothetical,
            Polarity::Habitual,
            Polarity::Historical,
            Polarity::Lifted,
            Polarity::Advice,
            Polarity::StaffOnly,
            Polarity::Attributed,
        ];
        all.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            format!(
                "unknown modifier {s:?} (expected one of: negated, hypothetical, habitual, \
                 historical, lifted, advice, staff_only, attributed)"
            )
        })
    }
}

impl fmt::Display for Polarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A literal term: folded, lower-case text, optionally a word prefix (`evacuat*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Term {
    pub text: String,
    pub prefix: bool,
}

/// Some term of `a` within `within` words of some term of `b`, in one clause.
#[derive(Debug, Clone)]
pub struct Near {
    pub a: Vec<Term>,
    pub b: Vec<Term>,
    pub within: usize,
    /// Whether an `a` term alone beside a lift word reports the measure ended ("access to
    /// social media was restored"). Off for rules whose `a` terms are common verbs ("getting
    /// ready to remove the president" ends no evacuation).
    pub lift_alone: bool,
}

/// How a trigger treats places introduced by "from" ("evacuated from Sudan", "travellers
/// from South Africa").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FromPlaces {
    /// No special treatment.
    #[default]
    Neutral,
    /// Places after "from"/"out of" are the affected ones (evacuations leave a country).
    Prefer,
    /// Places after "from" are origins, not where the measure holds (entry bans).
    Exclude,
}

/// One validated trigger.
#[derive(Debug, Clone)]
pub struct Trigger {
    pub id: TriggerId,
    /// Shared: every detection of this trigger quotes it.
    pub name: std::sync::Arc<str>,
    pub severity: Severity,
    pub phrases: Vec<Term>,
    pub near: Vec<Near>,
    pub regex: Vec<String>,
    pub exclude: Vec<Term>,
    pub clears: Option<TriggerId>,
    pub ignore_modifiers: Vec<Polarity>,
    pub from_places: FromPlaces,
    /// Flights stopped on routes to or from named countries ("suspended flights to and from
    /// Panama") are not this trigger (an airport or airspace closing).
    pub routes_excluded: bool,
    /// A one-off event (shots fired, an evacuation), not a state that lasts: told as on a day
    /// weeks before the advisory's date, it is history.
    pub event: bool,
    /// A natural-hazard code (`EQ`, `TC`, `FL`, `VO`, `TS`, `WF`, `DR`): the trigger is (also)
    /// fired by structured fields — a GDACS event type and alert level, a CAP `event` — not
    /// only by phrases.
    pub hazard: Option<String>,
}

/// A validated, internally consistent set of triggers (ids unique, `clears` targets exist).
#[derive(Debug, Clone, Default)]
pub struct TriggerSet {
    triggers: Vec<Trigger>,
}

impl TriggerSet {
    /// Build from triggers that have already passed per-field validation.
    /// Callers (`config::triggers`) check uniqueness and `clears` targets with locations.
    pub(crate) fn from_validated(triggers: Vec<Trigger>) -> Self {
        TriggerSet { triggers }
    }
    pub fn triggers(&self) -> &[Trigger] {
        &self.triggers
    }
    pub fn get(&self, id: &str) -> Option<&Trigger> {
        self.triggers.iter().find(|t| t.id.as_str() == id)
    }
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.triggers.iter().position(|t| t.id.as_str() == id)
    }
    /// The trigger that clears `idx`, if any (`clears = "<id of idx>"`).
    pub fn clearer_of(&self, idx: usize) -> Option<usize> {
        let id = &self.triggers[idx].id;
        self.triggers.iter().position(|t| t.clears.as_ref() == Some(id))
    }
    pub fn len(&self) -> usize {
        self.triggers.len()
    }
    pub fn is_empty(&self) -> bool {
        self.triggers.is_empty()
    }
}
