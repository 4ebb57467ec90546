//! The processing pipeline for one advisory: detect → route → commit, in that order, with the
//! commit a single transaction. Re-processing the same content is a no-op; an updated version
//! alerts only on what is new.

use jiff::Timestamp;

use crate::advisory::{Advisory, CapMsgType, CapStatus};
use crate::detect::{Analysis, Detection, Engine, Polarity};
use crate::route::policy::{self, People, Plan, Policy, RouteDetection, RouteInput};
use crate::store::{AdvisoryState, Committed, Store, StoreError};
use crate::telemetry::metrics;

/// Environment variable naming a failpoint, for crash tests: `before_commit` aborts the
/// process after detection and routing, before the transaction commits. Failpoints exist only
/// in builds with the `failpoints` feature (the test command's), never in a release build.
pub use crate::clock::FAILPOINT_ENV;

/// Everything decided about one advisory.
#[derive(Debug)]
pub struct Outcome {
    pub id: String,
    pub state: AdvisoryState,
    pub analysis: Analysis,
    pub plan: Plan,
    pub committed: Option<Committed>,
}

/// The advisory's time for trip windows: its published date (midday UTC), else its arrival.
pub fn advisory_time(adv: &Advisory, received_at: Timestamp) -> Timestamp {
    adv.published
        .and_then(|d| {
            jiff::civil::date(d.year as i16, d.month.unwrap_or(1) as i8, d.day.unwrap_or(1) as i8)
                .at(12, 0, 0, 0)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
        })
        .map(|z| z.timestamp())
        .unwrap_or(received_at)
}

/// Why an advisory is too old to alert anyone, if it is: its event time (the date it carries)
/// lies further back than the policy's maximum event age. An undated advisory's event time is
/// its arrival, which is never too old.
pub fn stale(adv: &Advisory, when: Timestamp, now: Timestamp, policy: &Policy) -> Option<String> {
    let max = policy.max_event_age?;
    let date = adv.published?;
    (now.duration_since(when) > max).then(|| {
        format!(
            "event dated {date} is older than the maximum event age ({} h): stored, not alerted",
            max.as_hours()
        )
    })
}

/// Affirmed detections with a country, in routing's shape.
pub fn route_detections(engine: &Engine, analysis: &Analysis) -> Vec<RouteDetection> {
    analysis
        .detections
        .iter()
        .filter(|d| d.polarity == Polarity::Affirmed)
        .filter_map(|d| {
            let country = d.country?;
            let all_clear = engine.triggers().get(d.trigger.as_str()).is_some_and(|t| t.clears.is_some());
            Some(RouteDetection {
                trigger: d.trigger.shared(),
                name: d.name.clone(),
                severity: d.severity,
                country,
                city: d.city.clone(),
                regions: d.regions.clone(),
                subnational: d.subnational,
                evidence: d.evidence.as_str().into(),
                all_clear,
            })
        })
        .collect()
}

/// The advisory level in a travel-advice title ("Kazakhstan - Level 3: Reconsider Travel").
pub fn title_level(title: &str) -> Option<u8> {
    let rest = &title[title.find("Level ")? + "Level ".len()..];
    rest.chars().next()?.to_digit(10).and_then(|d| u8::try_from(d).ok()).filter(|d| (1..=4).contains(d))
}

/// A detection when a travel-advice feed moves a country to another level than the previous
/// item from the same source said. Needs the `travel_advisory_level_change` trigger.
fn level_change(store: &Store, engine: &Engine, adv: &Advisory) -> Result<Option<Detection>, StoreError> {
    let (Some(level), Some(country)) = (title_level(&adv.title), adv.countries.first().copied()) else {
        return Ok(None);
    };
    let Some(trigger) = engine.triggers().get("travel_advisory_level_change") else { return Ok(None) };
    let previous = store.recent_titles(&adv.source, country.as_str(), 1)?;
    let Some(before) = previous.first().and_then(|t| title_level(t)) else { return Ok(None) };
    if before == level {
        return Ok(None);
    }
    let direction = if level > before { "raised" } else { "lowered" };
    Ok(Some(Detection {
        trigger: trigger.id.clone(),
        name: trigger.name.clone(),
        severity: if level > before { trigger.severity } else { crate::detect::Severity::Low },
        country: Some(country),
        city: None,
        regions: Vec::new(),
        subnational: false,
        polarity: Polarity::Affirmed,
        evidence: format!(
            "Travel advisory level {direction} from Level {before} to Level {level}: {}",
            adv.title
        ),
        section: crate::detect::Section::Title,
        span: (0, adv.title.len()),
        matched: (0, adv.title.len()),
        confidence: 1.0,
    }))
}

/// Detections from a hazard item's structured fields (GDACS event type and alert level, a CAP
/// event): each trigger with that `hazard` code fires once per declared country, with the
/// severity the alert level implies (a CAP issuer's severity is applied after, by
/// [`CapFacts::apply`](crate::advisory::CapFacts::apply)). A measure the text already affirmed for that country is not doubled;
/// an item its feed marks as no longer current is historical.
pub fn hazard_detections(engine: &Engine, adv: &Advisory, analysis: &Analysis) -> Vec<Detection> {
    let Some(h) = &adv.hazard else { return Vec::new() };
    let (code, level) = (&h.code, h.level.as_deref());
    let polarity = if h.current { Polarity::Affirmed } else { Polarity::Historical };
    let mut out = Vec::new();
    for t in engine.triggers().triggers().iter().filter(|t| t.hazard.as_deref() == Some(code.as_str())) {
        let severity = level.and_then(crate::detect::hazards::severity_of_level).unwrap_or(t.severity);
        for &country in &adv.countries {
            let known = analysis
                .detections
                .iter()
                .any(|d| d.trigger == t.id && d.country == Some(country) && d.polarity == Polarity::Affirmed);
            if known {
                continue;
            }
            let what = h.name.as_ref().map_or(t.name.to_string(), |n| format!("{} {n}", t.name));
            let evidence = match level {
                Some(l) => format!("{l} alert: {what} — {}", adv.title),
                None => format!("{what} — {}", adv.title),
            };
            out.push(Detection {
                trigger: t.id.clone(),
                name: t.name.clone(),
                severity,
                country: Some(country),
                city: None,
                regions: Vec::new(),
                subnational: false,
                polarity,
                evidence,
                section: crate::detect::Section::Title,
                span: (0, adv.title.len()),
                matched: (0, adv.title.len()),
                confidence: 1.0,
            });
        }
    }
    out
}

/// The pipeline as a source's intake: each polled item is detected, routed and committed
/// here (see [`crate::sources::poll::Intake`]).
pub struct Pipeline {
    pub engine: std::sync::Arc<Engine>,
    pub policy: Policy,
}

impl crate::sources::poll::Intake for Pipeline {
    fn take(
        &self,
        store: &mut Store,
        adv: &Advisory,
        now: Timestamp,
        hold: Option<&str>,
    ) -> Result<bool, StoreError> {
        process_held(store, &self.engine, &self.policy, adv, now, now, hold).map(|o| o.committed.is_some())
    }
}

/// Detect and route without writing anything (what `preview` shows).
pub fn plan(
    store: &Store,
    engine: &Engine,
    policy: &Policy,
    adv: &Advisory,
    received_at: Timestamp,
    now: Timestamp,
) -> Result<Outcome, StoreError> {
    let state = store.advisory_state(adv)?;
    let mut analysis = engine.analyze(&adv.detect_input());
    if let Some(d) = level_change(store, engine, adv)? {
        analysis.detections.push(d);
    }
    let hazards = hazard_detections(engine, adv, &analysis);
    analysis.detections.extend(hazards);
    if let Some(cap) = &adv.cap {
        cap.apply(&mut analysis);
    }
    if let AdvisoryState::Unchanged { .. } = state {
        return Ok(Outcome { id: adv.id(), state, analysis, plan: Plan::default(), committed: None });
    }
    let detections = route_detections(engine, &analysis);
    let previous = match &state {
        AdvisoryState::Updated { previous, .. } => previous.clone(),
        _ => Vec::new(),
    };
    let when = advisory_time(adv, received_at);
    let mut countries: Vec<_> = detections.iter().map(|d| d.country).collect();
    countries.sort();
    countries.dedup();
    let people: People = if countries.is_empty() {
        People::default()
    } else {
        store.people_for(&countries, when.to_zoned(jiff::tz::TimeZone::UTC).date(), policy)?
    };
    let mut recipients: Vec<_> = people.travellers.iter().map(|t| t.email.clone()).collect();
    recipients.extend(people.subscriptions.iter().map(|s| s.recipient.email.clone()));
    recipients.sort();
    recipients.dedup();
    let history = store.history_for(&recipients, &countries, &adv.id())?;
    let input = RouteInput { advisory_time: when, now, detections: &detections, previous: &previous };
    let mut plan = policy::route(&input, &people, &history, policy);
    if let Some(reason) = stale(adv, when, now, policy) {
        plan.hold(&reason);
    }
    // What `preview` shows: these alerts would wait for a manager (decided again at commit,
    // after any other hold).
    if plan.held.is_none() {
        plan.review = review_needed(&analysis, &plan, policy);
    }
    Ok(Outcome { id: adv.id(), state, analysis, plan, committed: None })
}

/// The all-clear for a cancelled CAP alert: one message to each of its original recipients,
/// on the channels they were alerted on, threaded onto the original.
fn cancel_plan(store: &Store, adv: &Advisory, _now: Timestamp) -> Result<Plan, StoreError> {
    use crate::detect::Severity;
    use crate::route::model::{Channel, Email, Recipient, Zone};
    use crate::route::policy::{Delivery, Item, Message};
    let mut plan = Plan::default();
    let country = adv.countries.first().copied().or_else(|| crate::detect::places::CountryCode::parse("ZZ"));
    let Some(country) = country else { return Ok(plan) };
    for (r, channels) in store.alert_recipients(&adv.id())? {
        let Ok(email) = Email::parse(r["email"].as_str().unwrap_or("")) else { continue };
        let recipient = Recipient {
            email,
            name: r["name"].as_str().unwrap_or("").to_owned(),
            timezone: Zone::parse(r["timezone"].as_str().unwrap_or("UTC")).unwrap_or_else(|_| Zone::utc()),
        };
        plan.messages.push(Message {
            recipient,
            traveller_id: None,
            channels: channels.iter().filter_map(|c| Channel::parse(c).ok()).collect(),
            delivery: Delivery::Now,
            severity: Severity::Info,
            items: vec![Item {
                trigger: "cap_cancel".into(),
                name: "Alert cancelled".into(),
                severity: Severity::Info,
                country,
                city: None,
                regions: Vec::new(),
                elsewhere: false,
                evidence: format!("The issuer cancelled this alert: {}", adv.title).into(),
                reasons: vec![],
                bypass: Some("all-clear"),
            }],
        });
    }
    Ok(plan)
}

fn record_metrics(adv: &Advisory, o: &Outcome, c: &Committed) {
    let outcome = if matches!(o.state, AdvisoryState::Updated { .. }) { "updated" } else { "new" };
    metrics::add("tripwatch_advisories_total", &[("source", &adv.source), ("outcome", outcome)], 1);
    for d in o.analysis.affirmed() {
        metrics::add("tripwatch_detections_total", &[("trigger", d.trigger.as_str())], 1);
    }
    metrics::add("tripwatch_alerts_total", &[("kind", "alert")], c.alerts as u64);
    metrics::add("tripwatch_alerts_total", &[("kind", "rollup")], c.rollups as u64);
}

/// Whether the plan's alerts wait for a manager (the review queue): a detection that routes
/// to someone and whose trigger is set to review, or whose confidence is below the threshold.
pub fn review_needed(
    analysis: &Analysis,
    plan: &Plan,
    policy: &Policy,
) -> Option<crate::route::plan::Review> {
    if policy.review_triggers.is_empty() && policy.review_below.is_none() {
        return None;
    }
    let routed = |trigger: &str, country: crate::detect::places::CountryCode| {
        plan.messages.iter().flat_map(|m| &m.items).any(|i| &*i.trigger == trigger && i.country == country)
            || plan
                .rollups
                .iter()
                .flat_map(|r| &r.entries)
                .any(|e| e.place.country == country && e.triggers.iter().any(|t| t == trigger))
    };
    let mut reasons: Vec<String> = Vec::new();
    let mut detections: Vec<String> = Vec::new();
    for d in analysis.affirmed() {
        let Some(country) = d.country else { continue };
        if !routed(d.trigger.as_str(), country) {
            continue;
        }
        let by_trigger = policy.review_triggers.iter().any(|t| t == d.trigger.as_str());
        let by_confidence = policy.review_below.filter(|&b| d.confidence < b);
        let reason = match (by_trigger, by_confidence) {
            (true, _) => format!("{} is set to review", d.trigger),
            (false, Some(b)) => format!("{} confidence {:.2} below {b:.2}", d.trigger, d.confidence),
            (false, None) => continue,
        };
        let key = format!("{}/{}", d.trigger, country);
        if !detections.contains(&key) {
            detections.push(key);
        }
        if !reasons.contains(&reason) {
            reasons.push(reason);
        }
    }
    if detections.is_empty() {
        return None;
    }
    Some(crate::route::plan::Review { reason: reasons.join("; "), detections })
}

/// Detect, route and commit one advisory.
pub fn process(
    store: &mut Store,
    engine: &Engine,
    policy: &Policy,
    adv: &Advisory,
    received_at: Timestamp,
    now: Timestamp,
) -> Result<Outcome, StoreError> {
    process_held(store, engine, policy, adv, received_at, now, None)
}

/// `process`, with everything held (stored and evaluated, nobody alerted) for `hold`'s
/// reason when one is given — a source's baseline poll.
pub fn process_held(
    store: &mut Store,
    engine: &Engine,
    policy: &Policy,
    adv: &Advisory,
    received_at: Timestamp,
    now: Timestamp,
    hold: Option<&str>,
) -> Result<Outcome, StoreError> {
    let span = tracing::info_span!("advisory", source = %adv.source, id = %adv.id());
    let _entered = span.enter();
    let started = std::time::Instant::now();
    let mut outcome = plan(store, engine, policy, adv, received_at, now)?;
    let planned = started.elapsed();
    if let AdvisoryState::Unchanged { .. } = outcome.state {
        metrics::add("tripwatch_advisories_total", &[("source", &adv.source), ("outcome", "unchanged")], 1);
        tracing::debug!("advisory unchanged");
        return Ok(outcome);
    }
    let cap = adv.cap.as_ref();
    if cap.is_some_and(|c| c.msg_type == CapMsgType::Cancel) {
        match outcome.state {
            AdvisoryState::Updated { .. } => outcome.plan = cancel_plan(store, adv, now)?,
            _ => {
                return Err(StoreError::invalid(format!(
                    "CAP Cancel for an unknown alert {}",
                    adv.guid.as_deref().unwrap_or("?")
                )));
            }
        }
    }
    // CAP Exercise, Test, Draft and System messages are stored, never alerted.
    if let Some(status) = cap.map(|c| c.status).filter(|s| *s != CapStatus::Actual) {
        outcome.plan.hold(&format!("CAP status {}: stored, not alerted", status.as_str()));
    }
    if let Some(reason) = hold {
        outcome.plan.hold(reason);
    }
    outcome.plan.review = if outcome.plan.held.is_none() {
        review_needed(&outcome.analysis, &outcome.plan, policy)
    } else {
        None
    };
    #[cfg(feature = "failpoints")]
    if std::env::var(FAILPOINT_ENV).as_deref() == Ok("before_commit") {
        // A crash between detection and commit: nothing may have been written.
        std::process::abort();
    }
    let committed =
        store.commit_processed(adv, &outcome.state, &outcome.analysis, &outcome.plan, received_at, now)?;
    let took = started.elapsed();
    record_metrics(adv, &outcome, &committed);
    tracing::info!(
        version = committed.version,
        affirmed = outcome.analysis.affirmed().count(),
        alerts = committed.alerts,
        rollups = committed.rollups,
        deliveries = committed.deliveries,
        held = outcome.plan.held.as_deref(),
        review = outcome.plan.review.as_ref().map(|r| r.reason.as_str()),
        plan_ms = planned.as_millis() as u64,
        commit_ms = (took - planned).as_millis() as u64,
        "advisory processed"
    );
    outcome.committed = Some(committed);
    Ok(outcome)
}
