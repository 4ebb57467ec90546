//! Routing policy: who is told what about one advisory's affirmed detections.
//!
//! Pure: a function of the detections, the relevant people (trips, travellers, subscriptions),
//! the alert history and `now`. The store loads those inputs; this decides; the store commits.

use std::collections::{BTreeMap, HashMap, HashSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::detect::Severity;
use crate::detect::places::CountryCode;

use super::model::{Channel, Email, Mode, Place, Recipient, Scope, Subscription, Traveller, Trip};

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
}

impl Default for Policy {
    fn default() -> Self {
        let day = SignedDuration::from_hours(24);
        let realert = [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical]
            .into_iter()
            .map(|s| (s, day))
            .collect();
        Policy { pre_trip_days: 7, grace_days: 1, realert, default_min_severity: Severity::Medium }
    }
}

/// One affirmed detection, as routing needs it.
#[derive(Debug, Clone, Serialize)]
pub struct RouteDetection {
    pub trigger: String,
    pub name: String,
    pub severity: Severity,
    pub country: CountryCode,
    pub city: Option<String>,
    pub evidence: String,
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
    /// Last alert per (recipient, trigger, country): when and at what severity.
    pub last: HashMap<(Email, String, CountryCode), (Timestamp, Severity)>,
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    Trip { trip_id: i64, place: Place, start: Date, end: Date },
    Subscription { subscription_id: i64 },
}

/// One detection inside a message.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub trigger: String,
    pub name: String,
    pub severity: Severity,
    pub country: CountryCode,
    pub city: Option<String>,
    pub evidence: String,
    pub reasons: Vec<Reason>,
    /// Passed dedup because it is an escalation, an all-clear or a correction.
    pub bypass: Option<&'static str>,
}

/// When a message goes out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Delivery {
    Now,
    Digest { release_at: Timestamp, schedule: String },
}

/// One message to one recipient (all of one advisory's detections for them, grouped).
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub recipient: Recipient,
    pub traveller_id: Option<i64>,
    pub channels: Vec<Channel>,
    pub delivery: Delivery,
    pub severity: Severity,
    pub items: Vec<Item>,
}

/// A line of a manager's roll-up.
#[derive(Debug, Clone, Serialize)]
pub struct RollupEntry {
    pub traveller: String,
    pub traveller_id: i64,
    pub place: Place,
    pub start: Date,
    pub end: Date,
    pub triggers: Vec<String>,
}

/// One roll-up per manager per advisory.
#[derive(Debug, Clone, Serialize)]
pub struct Rollup {
    pub manager: Email,
    pub severity: Severity,
    pub entries: Vec<RollupEntry>,
}

/// Why one (recipient, detection) pair was not sent, for `preview` and the logs.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    pub recipient: Email,
    pub trigger: String,
    pub country: CountryCode,
    pub outcome: String,
}

/// The routing result.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    pub messages: Vec<Message>,
    pub rollups: Vec<Rollup>,
    pub decisions: Vec<Decision>,
}

/// How one subscription (explicit or default) delivers.
#[derive(Debug, Clone)]
struct Route {
    triggers: Vec<String>,
    min_severity: Severity,
    channels: Vec<Channel>,
    mode: Mode,
    /// The zone digest schedules are evaluated in.
    timezone: super::model::Zone,
}

/// One outgoing message being assembled: when, over which channels, which items.
type Bucket = (Delivery, Vec<Channel>, BTreeMap<usize, Item>);

/// The trips whose window (widened by the policy) covers `day` start no later than the first
/// date and end no earlier than the second.
pub fn window_bounds(day: Date, policy: &Policy) -> (Date, Date) {
    let latest_start = day.checked_add(jiff::Span::new().days(policy.pre_trip_days)).unwrap_or(day);
    let earliest_end = day.checked_sub(jiff::Span::new().days(policy.grace_days)).unwrap_or(day);
    (latest_start, earliest_end)
}

fn city_matches(want: &Option<String>, got: &Option<String>) -> bool {
    match (want, got) {
        (Some(w), Some(g)) => w.eq_ignore_ascii_case(g),
        // A city trip is concerned by a country-wide detection; a country trip by any city.
        _ => true,
    }
}

/// Decide who gets what.
pub fn route(input: &RouteInput<'_>, people: &People, history: &History, policy: &Policy) -> Plan {
    let mut plan = Plan::default();
    let day = input.advisory_time.to_zoned(jiff::tz::TimeZone::UTC).date();
    let (latest_start, earliest_end) = window_bounds(day, policy);
    let travellers: HashMap<i64, &Traveller> = people.travellers.iter().map(|t| (t.id, t)).collect();
    let follow_subs: HashMap<&Email, Vec<&Subscription>> = {
        let mut m: HashMap<&Email, Vec<&Subscription>> = HashMap::new();
        for s in people.subscriptions.iter().filter(|s| s.scope == Scope::FollowTrips) {
            m.entry(&s.recipient.email).or_default().push(s);
        }
        m
    };
    // (recipient) -> (recipient, traveller id, routes hit, items by detection index)
    type Pending = (Recipient, Option<i64>, Vec<(usize, Route, Reason)>);
    // Boxed: the entries are large and get moved when the map grows and when sorted.
    let mut pending: HashMap<Email, Box<Pending>> = HashMap::new();
    let mut rollups: BTreeMap<Email, Vec<RollupEntry>> = BTreeMap::new();

    for (di, d) in input.detections.iter().enumerate() {
        if input.previous.iter().any(|(t, c)| *t == d.trigger && *c == d.country) {
            continue;
        }
        for trip in people.trips.iter().filter(|t| t.place.country == d.country) {
            let covered = trip.start <= latest_start && trip.end >= earliest_end;
            if !covered || !city_matches(&trip.place.city, &d.city) {
                continue;
            }
            let Some(t) = travellers.get(&trip.traveller_id) else { continue };
            let reason = Reason::Trip {
                trip_id: trip.id,
                place: trip.place.clone(),
                start: trip.start,
                end: trip.end,
            };
            let routes: Vec<Route> = match follow_subs.get(&t.email) {
                Some(subs) => subs.iter().map(|s| route_of(s)).collect(),
                None => vec![default_route(t, policy)],
            };
            let entry = pending.entry(t.email.clone()).or_insert_with(|| {
                Box::new((
                    Recipient { email: t.email.clone(), name: t.name.clone(), timezone: t.timezone.clone() },
                    Some(t.id),
                    Vec::new(),
                ))
            });
            for r in routes {
                entry.2.push((di, r, reason.clone()));
            }
            if let Some(m) = &t.manager
                && d.severity >= policy.default_min_severity
            {
                if !rollups.contains_key(m) {
                    rollups.insert(m.clone(), Vec::new());
                }
                let Some(list) = rollups.get_mut(m) else { continue };
                match list.iter_mut().find(|e| e.traveller_id == t.id && e.place == trip.place) {
                    Some(e) if !e.triggers.contains(&d.trigger) => e.triggers.push(d.trigger.clone()),
                    Some(_) => {}
                    None => list.push(RollupEntry {
                        traveller: t.name.clone(),
                        traveller_id: t.id,
                        place: trip.place.clone(),
                        start: trip.start,
                        end: trip.end,
                        triggers: vec![d.trigger.clone()],
                    }),
                }
            }
        }
        for s in &people.subscriptions {
            let Scope::Places(places) = &s.scope else { continue };
            if !places.iter().any(|p| p.country == d.country && city_matches(&p.city, &d.city)) {
                continue;
            }
            let traveller_id = people.travellers.iter().find(|t| t.email == s.recipient.email).map(|t| t.id);
            let entry = pending
                .entry(s.recipient.email.clone())
                .or_insert_with(|| Box::new((s.recipient.clone(), traveller_id, Vec::new())));
            entry.2.push((di, route_of(s), Reason::Subscription { subscription_id: s.id }));
        }
    }

    let mut pending: Vec<(Email, Box<Pending>)> = pending.into_iter().collect();
    pending.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    plan.messages.reserve(pending.len());
    for (email, boxed) in pending {
        let (recipient, traveller_id, hits) = *boxed;
        let mut now_items: BTreeMap<usize, Item> = BTreeMap::new();
        let mut now_channels: Vec<Channel> = Vec::new();
        let mut digests: BTreeMap<String, Bucket> = BTreeMap::new();
        for (di, r, reason) in hits {
            let d = &input.detections[di];
            let decide = |outcome: String| Decision {
                recipient: email.clone(),
                trigger: d.trigger.clone(),
                country: d.country,
                outcome,
            };
            if !r.triggers.is_empty() && !r.triggers.contains(&d.trigger) {
                plan.decisions.push(decide(format!("filtered: subscription does not include {}", d.trigger)));
                continue;
            }
            if d.severity < r.min_severity {
                plan.decisions
                    .push(decide(format!("below minimum severity {} ({})", r.min_severity, d.severity)));
                continue;
            }
            let bypass = bypass_reason(d, &email, history);
            let last_alert = if history.recipients.contains(&email) {
                history.last.get(&(email.clone(), d.trigger.clone(), d.country)).copied()
            } else {
                None
            };
            if bypass.is_none()
                && let Some((last, sev)) = &last_alert
            {
                let interval =
                    policy.realert.get(&d.severity).copied().unwrap_or(SignedDuration::from_hours(24));
                let escalated = d.severity > *sev;
                if !escalated && input.now.duration_since(*last) < interval {
                    plan.decisions.push(decide(format!(
                        "deduplicated: already alerted at {last} (re-alert after {interval:#})"
                    )));
                    continue;
                }
            }
            let bypass =
                bypass.or_else(|| last_alert.filter(|(_, sev)| d.severity > *sev).map(|_| "escalation"));
            let item = Item {
                trigger: d.trigger.clone(),
                name: d.name.clone(),
                severity: d.severity,
                country: d.country,
                city: d.city.clone(),
                evidence: d.evidence.clone(),
                reasons: vec![reason.clone()],
                bypass,
            };
            let (items, channels) = match &r.mode {
                Mode::Immediate => (&mut now_items, &mut now_channels),
                Mode::Digest(cron) => {
                    let release = cron.next_after(input.now, &r.timezone.tz).unwrap_or(input.now);
                    let e = digests.entry(cron.to_string()).or_insert_with(|| {
                        (
                            Delivery::Digest { release_at: release, schedule: cron.to_string() },
                            Vec::new(),
                            BTreeMap::new(),
                        )
                    });
                    (&mut e.2, &mut e.1)
                }
            };
            match items.get_mut(&di) {
                Some(existing) => {
                    if !existing.reasons.contains(&reason) {
                        existing.reasons.push(reason);
                    }
                }
                None => {
                    items.insert(di, item);
                }
            }
            for c in r.channels {
                if !channels.contains(&c) {
                    channels.push(c);
                }
            }
        }
        let mut push = |delivery: Delivery, channels: Vec<Channel>, items: BTreeMap<usize, Item>| {
            if items.is_empty() {
                return;
            }
            let items: Vec<Item> = items.into_values().collect();
            let severity = items.iter().map(|i| i.severity).max().unwrap_or(Severity::Info);
            plan.messages.push(Message {
                recipient: recipient.clone(),
                traveller_id,
                channels,
                delivery,
                severity,
                items,
            });
        };
        push(Delivery::Now, now_channels, now_items);
        for (_, (delivery, channels, items)) in digests {
            push(delivery, channels, items);
        }
    }
    for (manager, entries) in rollups {
        let severity = input
            .detections
            .iter()
            .filter(|d| entries.iter().any(|e| e.triggers.contains(&d.trigger)))
            .map(|d| d.severity)
            .max()
            .unwrap_or(Severity::Info);
        plan.rollups.push(Rollup { manager, severity, entries });
    }
    plan
}

fn bypass_reason(d: &RouteDetection, email: &Email, history: &History) -> Option<&'static str> {
    if d.all_clear {
        Some("all-clear")
    } else if history.alerted_on_advisory.contains(email) {
        Some("correction")
    } else {
        None
    }
}

fn route_of(s: &Subscription) -> Route {
    Route {
        triggers: s.triggers.clone(),
        min_severity: s.min_severity,
        channels: s.channels.clone(),
        mode: s.mode.clone(),
        timezone: s.recipient.timezone.clone(),
    }
}

/// The no-setup default: a traveller follows their own trips, immediately, by email (and their
/// named webhooks), every trigger at the default minimum severity.
fn default_route(t: &Traveller, policy: &Policy) -> Route {
    let mut channels = vec![Channel::Email];
    channels.extend(t.webhooks.iter().map(|w| Channel::Webhook(w.clone())));
    Route {
        triggers: Vec::new(),
        min_severity: policy.default_min_severity,
        channels,
        mode: Mode::Immediate,
        timezone: t.timezone.clone(),
    }
}
