//! Routing policy: who is told what about one advisory's affirmed detections.
//!
//! Pure: a function of the detections, the relevant people (trips, travellers, subscriptions),
//! the alert history and `now`. The store loads those inputs; this decides; the store commits.

use std::collections::BTreeMap;

use crate::detect::matcher::FastMap;

use jiff::SignedDuration;
use jiff::civil::Date;

use crate::detect::Severity;

use super::model::{Channel, Email, Mode, Recipient, Scope, Subscription, Traveller, Trip};
pub use super::plan::{
    Decision, Delivery, Elsewhere, History, Item, Message, People, Plan, Policy, Reason, Rollup, RollupEntry,
    RollupEvidence, RouteDetection, RouteInput,
};

/// How one recipient is reached for one hit: an explicit subscription, or the no-setup
/// default for a traveller. Borrowed, so routing thousands of trips allocates nothing per hit.
#[derive(Clone, Copy)]
enum RouteRef<'a> {
    Sub(&'a Subscription),
    /// The default: own trips, immediately, by email and the traveller's named webhooks, every
    /// trigger at the policy's default minimum severity.
    Default(&'a Traveller),
}

impl<'a> RouteRef<'a> {
    fn triggers(self) -> &'a [String] {
        match self {
            RouteRef::Sub(s) => &s.triggers,
            RouteRef::Default(_) => &[],
        }
    }
    fn min_severity(self, policy: &Policy) -> Severity {
        match self {
            RouteRef::Sub(s) => s.min_severity,
            RouteRef::Default(_) => policy.default_min_severity,
        }
    }
    fn digest(self) -> Option<&'a super::cron::Cron> {
        match self {
            RouteRef::Sub(Subscription { mode: Mode::Digest(c), .. }) => Some(c),
            _ => None,
        }
    }
    /// Whether critical alerts wait for this subscription's digest too.
    fn digest_critical(self) -> bool {
        matches!(self, RouteRef::Sub(Subscription { digest_critical: true, .. }))
    }
    /// The zone digest schedules are evaluated in.
    fn timezone(self) -> &'a super::model::Zone {
        match self {
            RouteRef::Sub(s) => &s.recipient.timezone,
            RouteRef::Default(t) => &t.timezone,
        }
    }
    fn add_channels(self, to: &mut Vec<Channel>) {
        let mut add = |c: &Channel| {
            if !to.contains(c) {
                to.push(c.clone());
            }
        };
        match self {
            RouteRef::Sub(s) => s.channels.iter().for_each(add),
            RouteRef::Default(t) => {
                add(&Channel::Email);
                for w in &t.webhooks {
                    add(&Channel::Webhook(w.clone()));
                }
            }
        }
    }
}

/// Why a hit happened, borrowed until it becomes a [`Reason`] in an item.
#[derive(Clone, Copy, PartialEq)]
enum ReasonRef<'a> {
    Trip(&'a Trip),
    Sub(i64),
}

impl ReasonRef<'_> {
    fn owned(self) -> Reason {
        match self {
            ReasonRef::Trip(t) => {
                Reason::Trip { trip_id: t.id, place: t.place.clone(), start: t.start, end: t.end }
            }
            ReasonRef::Sub(id) => Reason::Subscription { subscription_id: id },
        }
    }
}

/// A recipient being assembled.
struct Slot<'a> {
    email: &'a Email,
    name: &'a str,
    timezone: &'a super::model::Zone,
    traveller_id: Option<i64>,
}

/// One (recipient slot, detection index, route, reason) found in the first pass.
/// (recipient slot, detection, route, reason, the measure is elsewhere in the country).
type Hit<'a> = (u32, usize, RouteRef<'a>, ReasonRef<'a>, bool);

/// One outgoing message being assembled: when, over which channels, which items, and the
/// detection index of the last item (a recipient's hits arrive in detection order, so an item
/// for the same detection can only be the last one).
type Bucket = (Delivery, Vec<Channel>, Vec<Item>, Option<usize>);

/// The trips whose window (widened by the policy) covers `day` start no later than the first
/// date and end no earlier than the second.
pub fn window_bounds(day: Date, policy: &Policy) -> (Date, Date) {
    let latest_start = day.checked_add(jiff::Span::new().days(policy.pre_trip_days)).unwrap_or(day);
    let earliest_end = day.checked_sub(jiff::Span::new().days(policy.grace_days)).unwrap_or(day);
    (latest_start, earliest_end)
}

/// Whether a trip's place lies outside a sub-national measure: the detection names cities or
/// regions of the country and the trip's city is none of them (nor inside a named region).
/// A trip without a city, a national measure, or one whose extent is not named is inside.
pub fn outside_scope(d: &RouteDetection, trip_city: Option<&str>) -> bool {
    let Some(city) = trip_city else { return false };
    if !d.subnational || (d.city.is_none() && d.regions.is_empty()) {
        return false;
    }
    if d.city.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(city)) {
        return false;
    }
    if d.regions.is_empty() {
        return true;
    }
    let g = crate::detect::places::Gazetteer::get();
    let named: Vec<&str> = crate::detect::places::regions::of(d.country)
        .iter()
        .filter(|r| d.regions.iter().any(|n| n == r.name))
        .map(|r| r.admin1)
        .collect();
    let in_region = g.find_cities(city, Some(d.country)).iter().any(|&i| {
        let c = g.city(i);
        c.country == d.country && named.contains(&c.admin1)
    });
    // A region that shares the trip city's name ("Bangkok") is the city's own region.
    let same_name = d.regions.iter().any(|r| r.eq_ignore_ascii_case(city));
    !(in_region || same_name)
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
    let day = input.advisory_time.to_zoned(jiff::tz::TimeZone::UTC).date();
    let (latest_start, earliest_end) = window_bounds(day, policy);
    let travellers: FastMap<i64, &Traveller> = people.travellers.iter().map(|t| (t.id, t)).collect();
    let mut follow_subs: FastMap<&Email, Vec<&Subscription>> = FastMap::default();
    for s in people.subscriptions.iter().filter(|s| s.scope == Scope::FollowTrips) {
        follow_subs.entry(&s.recipient.email).or_default().push(s);
    }
    let mut slots: Vec<Slot<'_>> = Vec::new();
    let mut slot_of: FastMap<&Email, u32> = FastMap::default();
    slot_of.reserve(people.trips.len().min(1 << 20));
    let mut hits: Vec<Hit<'_>> = Vec::with_capacity(people.trips.len());
    // Roll-ups by manager: an index into a list, sorted by manager once at the end.
    let mut rollups: Vec<(&Email, Vec<RollupEntry>)> = Vec::new();
    let mut rollup_of: FastMap<&Email, usize> = FastMap::default();
    let mut traveller_by_email: Option<FastMap<&Email, i64>> = None;
    // Decisions made before recipients are grouped (a trip elsewhere in the country).
    let mut plan_notes: Vec<Decision> = Vec::new();

    for (di, d) in input.detections.iter().enumerate() {
        if input.previous.iter().any(|(t, c)| **t == *d.trigger && *c == d.country) {
            continue;
        }
        for trip in people.trips.iter().filter(|t| t.place.country == d.country) {
            let covered = trip.start <= latest_start && trip.end >= earliest_end;
            if !covered {
                continue;
            }
            let Some(&t) = travellers.get(&trip.traveller_id) else { continue };
            let elsewhere = outside_scope(d, trip.place.city.as_deref());
            if elsewhere && policy.elsewhere == Elsewhere::Rollup {
                // Not the traveller's own place: their manager's roll-up says it happened
                // elsewhere in the country.
                let at: Vec<&str> =
                    d.city.iter().map(String::as_str).chain(d.regions.iter().map(String::as_str)).collect();
                plan_notes.push(Decision {
                    recipient: t.email.clone(),
                    trigger: d.trigger.to_string(),
                    country: d.country,
                    outcome: format!(
                        "elsewhere in the country: applies in {}, trip is in {} (routing.elsewhere_in_country = rollup)",
                        at.join(", "),
                        trip.place.city.as_deref().unwrap_or("?")
                    ),
                });
                if let Some(m) = &t.manager
                    && d.severity >= policy.default_min_severity
                {
                    let note = format!("{} (elsewhere in the country)", d.trigger);
                    add_to_rollup(&mut rollups, &mut rollup_of, m, t, trip, note);
                }
                continue;
            }
            let at = slot_for(&mut slots, &mut slot_of, || Slot {
                email: &t.email,
                name: &t.name,
                timezone: &t.timezone,
                traveller_id: Some(t.id),
            });
            match follow_subs.get(&t.email) {
                Some(subs) => {
                    hits.extend(
                        subs.iter().map(|s| (at, di, RouteRef::Sub(s), ReasonRef::Trip(trip), elsewhere)),
                    );
                }
                None => hits.push((at, di, RouteRef::Default(t), ReasonRef::Trip(trip), elsewhere)),
            }
            if let Some(m) = &t.manager
                && d.severity >= policy.default_min_severity
            {
                add_to_rollup(&mut rollups, &mut rollup_of, m, t, trip, d.trigger.to_string());
            }
        }
        for s in &people.subscriptions {
            let Scope::Places(places) = &s.scope else { continue };
            if !places.iter().any(|p| p.country == d.country && city_matches(&p.city, &d.city)) {
                continue;
            }
            let by_email = traveller_by_email
                .get_or_insert_with(|| people.travellers.iter().map(|t| (&t.email, t.id)).collect());
            let traveller_id = by_email.get(&s.recipient.email).copied();
            let at = slot_for(&mut slots, &mut slot_of, || Slot {
                email: &s.recipient.email,
                name: &s.recipient.name,
                timezone: &s.recipient.timezone,
                traveller_id,
            });
            hits.push((at, di, RouteRef::Sub(s), ReasonRef::Sub(s.id), false));
        }
    }

    // Recipients in email order; each one's hits in the order found (stable sort).
    let mut order: Vec<u32> = (0..slots.len() as u32).collect();
    order.sort_unstable_by(|a, b| slots[*a as usize].email.cmp(slots[*b as usize].email));
    let mut rank = vec![0u32; slots.len()];
    for (r, s) in order.iter().enumerate() {
        rank[*s as usize] = r as u32;
    }
    hits.sort_by_key(|h| rank[h.0 as usize]);
    let mut plan = Plan { decisions: plan_notes, ..Plan::default() };
    plan.messages.reserve(slots.len());
    for group in hits.chunk_by(|a, b| a.0 == b.0) {
        decide_recipient(&slots[group[0].0 as usize], group, input, history, policy, &mut plan);
    }
    rollups.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (manager, entries) in rollups {
        let severity = input
            .detections
            .iter()
            .filter(|d| {
                entries.iter().any(|e| e.triggers.iter().any(|t| t.split(' ').next() == Some(&*d.trigger)))
            })
            .map(|d| d.severity)
            .max()
            .unwrap_or(Severity::Info);
        // The sentence behind each measure the roll-up reports (one per measure and place,
        // at most a handful), so a manager can judge it without opening the advisory.
        let mut evidence: Vec<RollupEvidence> = Vec::new();
        for d in input.detections {
            let reported = entries.iter().any(|e| {
                e.place.country == d.country
                    && e.triggers.iter().any(|t| t.split(' ').next() == Some(&*d.trigger))
            });
            let seen = evidence.iter().any(|x| x.trigger == d.trigger && x.evidence == d.evidence);
            if reported && !seen && evidence.len() < MAX_ROLLUP_EVIDENCE {
                evidence.push(RollupEvidence {
                    trigger: d.trigger.clone(),
                    name: d.name.clone(),
                    country: d.country,
                    city: d.city.clone(),
                    evidence: d.evidence.clone(),
                });
            }
        }
        plan.rollups.push(Rollup { manager: manager.clone(), severity, entries, evidence });
    }
    plan
}

/// Evidence sentences quoted in one roll-up at most.
const MAX_ROLLUP_EVIDENCE: usize = 6;

/// The slot of the recipient `make` describes, created on first sight.
fn slot_for<'a>(
    slots: &mut Vec<Slot<'a>>,
    slot_of: &mut FastMap<&'a Email, u32>,
    make: impl FnOnce() -> Slot<'a>,
) -> u32 {
    let s = make();
    *slot_of.entry(s.email).or_insert_with(|| {
        slots.push(s);
        (slots.len() - 1) as u32
    })
}

/// Filters, dedup and grouping for one recipient's hits: at most one immediate message and
/// one per digest schedule.
fn decide_recipient(
    slot: &Slot<'_>,
    hits: &[Hit<'_>],
    input: &RouteInput<'_>,
    history: &History,
    policy: &Policy,
    plan: &mut Plan,
) {
    let email = slot.email;
    let mut now_bucket: Bucket = (Delivery::Now, Vec::new(), Vec::new(), None);
    let mut digests: BTreeMap<&str, Bucket> = BTreeMap::new();
    let has_history = history.recipients.contains(email);
    for &(_, di, r, reason, elsewhere) in hits {
        let d = &input.detections[di];
        // Elsewhere in the country, under the "lower" policy: one step less severe.
        let severity =
            if elsewhere && policy.elsewhere == Elsewhere::Lower { lower(d.severity) } else { d.severity };
        let decide = |outcome: String| Decision {
            recipient: email.clone(),
            trigger: d.trigger.to_string(),
            country: d.country,
            outcome,
        };
        if !r.triggers().is_empty() && !r.triggers().iter().any(|t| **t == *d.trigger) {
            plan.decisions.push(decide(format!("filtered: subscription does not include {}", d.trigger)));
            continue;
        }
        let min = r.min_severity(policy);
        if severity < min {
            let note = if elsewhere { ", lowered: elsewhere in the country" } else { "" };
            plan.decisions.push(decide(format!("below minimum severity {min} ({severity}{note})")));
            continue;
        }
        let bypass = bypass_reason(d, email, history);
        let last_alert = if has_history { last_alerted(history, email, d) } else { None };
        if bypass.is_none()
            && let Some((last, sev)) = &last_alert
        {
            let interval = policy.realert.get(&severity).copied().unwrap_or(SignedDuration::from_hours(24));
            let escalated = severity > *sev;
            if !escalated && input.now.duration_since(*last) < interval {
                plan.decisions.push(decide(format!(
                    "deduplicated: already alerted at {last} (re-alert after {interval:#})"
                )));
                continue;
            }
        }
        let bypass = bypass.or_else(|| last_alert.filter(|(_, sev)| severity > *sev).map(|_| "escalation"));
        // A critical alert does not wait for a digest unless the subscription or the policy
        // says it may.
        let digest = r
            .digest()
            .filter(|_| severity < Severity::Critical || policy.digest_critical || r.digest_critical());
        let bucket = match digest {
            None => &mut now_bucket,
            Some(cron) => digests.entry(cron.as_str()).or_insert_with(|| {
                let release = cron.next_after(input.now, &r.timezone().tz).unwrap_or(input.now);
                (
                    Delivery::Digest { release_at: release, schedule: cron.to_string() },
                    Vec::new(),
                    Vec::new(),
                    None,
                )
            }),
        };
        // One item per trigger and place in a message: the same measure found twice (in the
        // country and in the trip's city) is one item, with the more specific place; the same
        // measure in two cities is two items.
        let same = if bucket.3 == Some(di) {
            bucket.2.len().checked_sub(1)
        } else {
            bucket.2.iter().position(|i| {
                *i.trigger == *d.trigger
                    && i.country == d.country
                    && (i.city.is_none() || d.city.is_none() || i.city == d.city)
            })
        };
        match same.and_then(|k| bucket.2.get_mut(k)) {
            Some(existing) => {
                let reason = reason.owned();
                if !existing.reasons.contains(&reason) {
                    existing.reasons.push(reason);
                }
                if existing.city.is_none() && d.city.is_some() && !elsewhere {
                    existing.city = d.city.clone();
                    existing.regions = d.regions.clone();
                    existing.evidence = d.evidence.clone();
                }
                existing.severity = existing.severity.max(severity);
            }
            None => bucket.2.push(Item {
                trigger: d.trigger.clone(),
                name: d.name.clone(),
                severity,
                country: d.country,
                city: d.city.clone(),
                regions: d.regions.clone(),
                elsewhere,
                evidence: d.evidence.clone(),
                reasons: vec![reason.owned()],
                bypass,
            }),
        }
        bucket.3 = Some(di);
        r.add_channels(&mut bucket.1);
    }
    for (delivery, channels, items, _) in std::iter::once(now_bucket).chain(digests.into_values()) {
        if items.is_empty() {
            continue;
        }
        let severity = items.iter().map(|i| i.severity).max().unwrap_or(Severity::Info);
        plan.messages.push(Message {
            recipient: Recipient {
                email: email.clone(),
                name: slot.name.to_owned(),
                timezone: slot.timezone.clone(),
            },
            traveller_id: slot.traveller_id,
            channels,
            delivery,
            severity,
            items,
        });
    }
}

/// A manager's roll-up lists each traveller's trip once, with every trigger (or note) that
/// concerns it.
fn add_to_rollup<'a>(
    rollups: &mut Vec<(&'a Email, Vec<RollupEntry>)>,
    rollup_of: &mut FastMap<&'a Email, usize>,
    manager: &'a Email,
    t: &Traveller,
    trip: &Trip,
    trigger: String,
) {
    let at = *rollup_of.entry(manager).or_insert_with(|| {
        rollups.push((manager, Vec::new()));
        rollups.len() - 1
    });
    let list = &mut rollups[at].1;
    match list.iter_mut().find(|e| e.traveller_id == t.id && e.place == trip.place) {
        Some(e) if !e.triggers.contains(&trigger) => e.triggers.push(trigger),
        Some(_) => {}
        None => list.push(RollupEntry {
            traveller: t.name.clone(),
            traveller_id: t.id,
            place: trip.place.clone(),
            start: trip.start,
            end: trip.end,
            triggers: vec![trigger],
        }),
    }
}

/// One severity step down (info stays info).
fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// The last alert this recipient had about this trigger in the detection's place: the same
/// city, or the whole country (a country-wide measure covers its cities; a measure found for
/// one city does not cover the country or another city). The most recent one counts.
fn last_alerted(history: &History, email: &Email, d: &RouteDetection) -> Option<(jiff::Timestamp, Severity)> {
    let key = |place: &str| (email.clone(), d.trigger.to_string(), d.country, place.to_owned());
    let country_wide = history.last.get(&key("")).copied();
    let in_city = d.city.as_deref().and_then(|c| history.last.get(&key(c)).copied());
    match (country_wide, in_city) {
        (Some(a), Some(b)) => Some(if a.0 >= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
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
