//! Routing policy tests with a controlled clock: each rule at its edges.

use jiff::{SignedDuration, Timestamp};

use super::cron::Cron;
use super::model::*;
use super::policy::*;
use crate::detect::Severity;
use crate::detect::places::CountryCode;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn email(s: &str) -> Email {
    Email::parse(s).expect("email")
}

fn traveller(id: i64, name: &str, manager: Option<&str>) -> Traveller {
    Traveller {
        id,
        name: name.into(),
        email: email(&format!("{}@example.org", name.to_lowercase())),
        timezone: Zone::parse("Asia/Almaty").expect("zone"),
        language: "en".into(),
        manager: manager.map(email),
        webhooks: vec![],
    }
}

fn trip(id: i64, traveller_id: i64, country: &str, city: Option<&str>, start: &str, end: &str) -> Trip {
    Trip {
        id,
        traveller_id,
        place: Place::parse(country, city).expect("place"),
        start: start.parse().expect("date"),
        end: end.parse().expect("date"),
    }
}

fn det(trigger: &str, severity: Severity, country: &str, city: Option<&str>) -> RouteDetection {
    RouteDetection {
        trigger: trigger.into(),
        name: trigger.into(),
        severity,
        country: CountryCode::parse(country).expect("cc"),
        city: city.map(String::from),
        regions: Vec::new(),
        subnational: city.is_some(),
        evidence: format!("{trigger} evidence.").into(),
        all_clear: trigger.ends_with("_lifted"),
    }
}

fn run(
    people: &People,
    history: &History,
    dets: &[RouteDetection],
    when: &str,
    now: &str,
    previous: &[(String, CountryCode)],
) -> Plan {
    let input = RouteInput { advisory_time: ts(when), now: ts(now), detections: dets, previous };
    route(&input, people, history, &Policy::default())
}

/// (recipient, triggers) of immediate messages.
fn sent(plan: &Plan) -> Vec<(String, Vec<String>)> {
    plan.messages
        .iter()
        .filter(|m| m.delivery == Delivery::Now)
        .map(|m| (m.recipient.email.to_string(), m.items.iter().map(|i| i.trigger.to_string()).collect()))
        .collect()
}

fn one_trip_people(city: Option<&str>) -> People {
    People {
        travellers: vec![traveller(1, "Ann", Some("boss@example.org"))],
        trips: vec![trip(10, 1, "KZ", city, "2022-01-10", "2022-01-20")],
        subscriptions: vec![],
    }
}

#[test]
fn dedup_keys_on_the_city_and_every_city_is_an_item() {
    let when = "2022-01-12T12:00:00Z";
    let ann = email("ann@example.org");
    let kz = CountryCode::parse("KZ").expect("cc");
    let told = |place: &str| {
        let mut h = History::default();
        h.last.insert(
            (ann.clone(), "curfew".into(), kz, place.into()),
            (ts("2022-01-12T10:00:00Z"), Severity::High),
        );
        h.recipients.insert(ann.clone());
        h
    };
    let in_city = |c: &str| [det("curfew", Severity::High, "KZ", Some(c))];
    // A trip anywhere in the country: a curfew in Almaty, then one in Astana, is news twice.
    let country_trip = one_trip_people(None);
    assert_eq!(sent(&run(&country_trip, &told("Almaty"), &in_city("Astana"), when, when, &[])).len(), 1);
    // The same city again within the interval is not.
    let plan = run(&country_trip, &told("Almaty"), &in_city("Almaty"), when, when, &[]);
    assert!(sent(&plan).is_empty());
    assert!(plan.decisions.iter().any(|d| d.outcome.starts_with("deduplicated")));
    // A country-wide curfew already told covers its cities; a city one does not cover the country.
    assert!(sent(&run(&country_trip, &told(""), &in_city("Almaty"), when, when, &[])).is_empty());
    let nationwide = [det("curfew", Severity::High, "KZ", None)];
    assert_eq!(sent(&run(&country_trip, &told("Almaty"), &nationwide, when, when, &[])).len(), 1);
    // One advisory naming two cities: two items for the country trip, each with its city.
    let both = [
        det("curfew", Severity::High, "KZ", Some("Almaty")),
        det("curfew", Severity::High, "KZ", Some("Astana")),
    ];
    let plan = run(&country_trip, &History::default(), &both, when, when, &[]);
    let cities: Vec<_> = plan.messages[0].items.iter().map(|i| i.city.as_deref()).collect();
    assert_eq!(cities, [Some("Almaty"), Some("Astana")]);
    // The Almaty traveller gets the Almaty item only.
    let plan = run(&one_trip_people(Some("Almaty")), &History::default(), &both, when, when, &[]);
    let cities: Vec<_> = plan.messages[0].items.iter().map(|i| i.city.as_deref()).collect();
    assert_eq!(cities, [Some("Almaty")]);
}

#[test]
fn trip_window_edges() {
    let p = one_trip_people(None);
    let d = [det("curfew", Severity::High, "KZ", None)];
    for (day, want) in [
        ("2022-01-02T12:00:00Z", false), // 8 days before departure
        ("2022-01-03T00:00:00Z", true),  // exactly 7 days before
        ("2022-01-15T12:00:00Z", true),
        ("2022-01-21T23:59:59Z", true), // 1 day of grace after return
        ("2022-01-22T00:00:00Z", false),
    ] {
        let plan = run(&p, &History::default(), &d, day, day, &[]);
        assert_eq!(!sent(&plan).is_empty(), want, "advisory at {day}");
    }
}

#[test]
fn city_and_country_trips() {
    let when = "2022-01-12T00:00:00Z";
    // A city trip: country-wide detections and the same city concern it, another city does not.
    let p = one_trip_people(Some("Almaty"));
    assert_eq!(
        sent(&run(&p, &History::default(), &[det("curfew", Severity::High, "KZ", None)], when, when, &[]))
            .len(),
        1
    );
    assert_eq!(
        sent(&run(
            &p,
            &History::default(),
            &[det("curfew", Severity::High, "KZ", Some("Almaty"))],
            when,
            when,
            &[]
        ))
        .len(),
        1
    );
    assert!(
        sent(&run(
            &p,
            &History::default(),
            &[det("curfew", Severity::High, "KZ", Some("Astana"))],
            when,
            when,
            &[]
        ))
        .is_empty()
    );
    // A country trip is concerned by a detection in any of its cities; another country is not.
    let p = one_trip_people(None);
    assert_eq!(
        sent(&run(
            &p,
            &History::default(),
            &[det("curfew", Severity::High, "KZ", Some("Astana"))],
            when,
            when,
            &[]
        ))
        .len(),
        1
    );
    assert!(
        sent(&run(&p, &History::default(), &[det("curfew", Severity::High, "UZ", None)], when, when, &[]))
            .is_empty()
    );
}

#[test]
fn grouping_severity_and_rollups() {
    let p = People {
        travellers: vec![
            traveller(1, "Ann", Some("boss@example.org")),
            traveller(2, "Bob", Some("boss@example.org")),
        ],
        trips: vec![
            trip(10, 1, "KZ", Some("Almaty"), "2022-01-01", "2022-01-30"),
            trip(11, 2, "KZ", None, "2022-01-05", "2022-01-08"),
        ],
        subscriptions: vec![],
    };
    let dets = [
        det("state_of_emergency", Severity::High, "KZ", None),
        det("live_ammunition", Severity::Critical, "KZ", Some("Almaty")),
        det("civil_unrest", Severity::Low, "KZ", None),
    ];
    let plan = run(&p, &History::default(), &dets, "2022-01-06T10:00:00Z", "2022-01-06T10:00:00Z", &[]);
    let s = sent(&plan);
    // One message per traveller with every detection at medium or above; low is dropped.
    assert_eq!(s.len(), 2);
    for (_, triggers) in &s {
        assert_eq!(triggers, &["state_of_emergency", "live_ammunition"]);
    }
    assert!(plan.messages.iter().all(|m| m.severity == Severity::Critical));
    assert!(
        plan.decisions
            .iter()
            .any(|d| d.trigger == "civil_unrest" && d.outcome.starts_with("below minimum severity"))
    );
    // One roll-up for the shared manager, listing both travellers.
    assert_eq!(plan.rollups.len(), 1);
    let r = &plan.rollups[0];
    assert_eq!(r.manager.as_str(), "boss@example.org");
    let names: Vec<&str> = r.entries.iter().map(|e| e.traveller.as_str()).collect();
    assert_eq!(names, ["Ann", "Bob"]);
    assert_eq!(r.severity, Severity::Critical);
    // The manager sees the sentence behind each measure, once per measure.
    assert!(
        !r.evidence.is_empty() && r.evidence.iter().all(|e| e.evidence.ends_with("evidence.")),
        "{:?}",
        r.evidence
    );
    let mut triggers: Vec<&str> = r.evidence.iter().map(|e| &*e.trigger).collect();
    triggers.dedup();
    assert_eq!(triggers.len(), r.evidence.len());
}

#[test]
fn dedup_interval_escalation_all_clear_correction() {
    let p = one_trip_people(None);
    let ann = email("ann@example.org");
    let kz = CountryCode::parse("KZ").expect("cc");
    let now = "2022-01-12T12:00:00Z";
    let hist = |at: &str, sev: Severity| {
        let mut h = History::default();
        h.last.insert((ann.clone(), "curfew".into(), kz, String::new()), (ts(at), sev));
        h.recipients.insert(ann.clone());
        h
    };
    let high = [det("curfew", Severity::High, "KZ", None)];
    // Within 24 h: suppressed, with the reason.
    let plan = run(&p, &hist("2022-01-11T13:00:00Z", Severity::High), &high, now, now, &[]);
    assert!(sent(&plan).is_empty());
    assert!(plan.decisions.iter().any(|d| d.outcome.starts_with("deduplicated")));
    // After the interval: alerted again.
    assert_eq!(sent(&run(&p, &hist("2022-01-11T11:59:59Z", Severity::High), &high, now, now, &[])).len(), 1);
    // Escalation inside the interval passes.
    let plan = run(&p, &hist("2022-01-12T11:00:00Z", Severity::Medium), &high, now, now, &[]);
    assert_eq!(plan.messages[0].items[0].bypass, Some("escalation"));
    // An all-clear always passes.
    let mut h = hist("2022-01-12T11:00:00Z", Severity::High);
    h.last.insert(
        (ann.clone(), "state_of_emergency_lifted".into(), kz, String::new()),
        (ts("2022-01-12T11:00:00Z"), Severity::Medium),
    );
    let plan = run(&p, &h, &[det("state_of_emergency_lifted", Severity::Medium, "KZ", None)], now, now, &[]);
    assert_eq!(plan.messages[0].items[0].bypass, Some("all-clear"));
    // A correction to an advisory this recipient was alerted about passes.
    let mut h = hist("2022-01-12T11:00:00Z", Severity::High);
    h.alerted_on_advisory.insert(ann.clone());
    let plan = run(&p, &h, &high, now, now, &[]);
    assert_eq!(plan.messages[0].items[0].bypass, Some("correction"));
    // A per-severity interval.
    let mut policy = Policy::default();
    policy.realert.insert(Severity::High, SignedDuration::from_hours(1));
    let input = RouteInput { advisory_time: ts(now), now: ts(now), detections: &high, previous: &[] };
    assert_eq!(sent(&route(&input, &p, &hist("2022-01-12T10:30:00Z", Severity::High), &policy)).len(), 1);
}

#[test]
fn updated_advisory_alerts_only_what_is_new() {
    let p = one_trip_people(None);
    let kz = CountryCode::parse("KZ").expect("cc");
    let now = "2022-01-12T12:00:00Z";
    let dets =
        [det("state_of_emergency", Severity::High, "KZ", None), det("curfew", Severity::High, "KZ", None)];
    let plan = run(&p, &History::default(), &dets, now, now, &[("state_of_emergency".into(), kz)]);
    assert_eq!(sent(&plan), [("ann@example.org".to_string(), vec!["curfew".to_string()])]);
}

#[test]
fn subscriptions_by_place_filters_and_follow_trips() {
    let boss = Recipient { email: email("boss@example.org"), name: "Boss".into(), timezone: Zone::utc() };
    let ann = traveller(1, "Ann", None);
    let mut p = one_trip_people(None);
    p.travellers = vec![ann.clone()];
    p.subscriptions = vec![
        // A place subscription: no trip needed; only entry bans; webhook too.
        Subscription {
            id: 7,
            recipient: boss.clone(),
            scope: Scope::Places(vec![Place::parse("KZ", None).expect("place")]),
            triggers: vec!["entry_ban".into()],
            min_severity: Severity::Low,
            channels: vec![Channel::Email, Channel::Webhook("soc".into())],
            mode: Mode::Immediate,
            digest_critical: false,
        },
        // Ann narrows her own trips to critical only.
        Subscription {
            id: 8,
            recipient: Recipient {
                email: ann.email.clone(),
                name: ann.name.clone(),
                timezone: ann.timezone.clone(),
            },
            scope: Scope::FollowTrips,
            triggers: vec![],
            min_severity: Severity::Critical,
            channels: vec![Channel::Email],
            mode: Mode::Immediate,
            digest_critical: false,
        },
    ];
    let now = "2022-01-12T12:00:00Z";
    let dets = [det("entry_ban", Severity::High, "KZ", None), det("curfew", Severity::High, "KZ", None)];
    let plan = run(&p, &History::default(), &dets, now, now, &[]);
    assert_eq!(sent(&plan), [("boss@example.org".to_string(), vec!["entry_ban".to_string()])]);
    let boss_msg = &plan.messages[0];
    assert_eq!(boss_msg.channels, [Channel::Email, Channel::Webhook("soc".into())]);
    assert_eq!(boss_msg.items[0].reasons, [Reason::Subscription { subscription_id: 7 }]);
}

#[test]
fn digest_release_across_dst() {
    let mut p = one_trip_people(None);
    let ann = p.travellers[0].clone();
    p.trips = vec![trip(10, 1, "DE", None, "2026-03-20", "2026-04-05")];
    p.subscriptions = vec![Subscription {
        id: 9,
        recipient: Recipient {
            email: ann.email.clone(),
            name: ann.name.clone(),
            timezone: Zone::parse("Europe/Berlin").expect("zone"),
        },
        scope: Scope::FollowTrips,
        triggers: vec![],
        min_severity: Severity::Low,
        channels: vec![Channel::Email],
        mode: Mode::Digest(Cron::parse("0 8 * * 1-5").expect("cron")),
        digest_critical: false,
    }];
    // Friday 2026-03-27 10:00 UTC; clocks go forward on Sunday 29 March; Monday 08:00 is CEST.
    let now = "2026-03-27T10:00:00Z";
    let plan = run(&p, &History::default(), &[det("curfew", Severity::Low, "DE", None)], now, now, &[]);
    assert_eq!(plan.messages.len(), 1);
    match &plan.messages[0].delivery {
        Delivery::Digest { release_at, schedule } => {
            assert_eq!(schedule, "0 8 * * 1-5");
            assert_eq!(*release_at, ts("2026-03-30T06:00:00Z"), "08:00 CEST on Monday");
        }
        other => panic!("expected a digest, got {other:?}"),
    }
    // The week before, in CET, the same schedule is 07:00 UTC.
    let now = "2026-03-20T10:00:00Z";
    let plan = run(&p, &History::default(), &[det("curfew", Severity::Low, "DE", None)], now, now, &[]);
    assert!(
        matches!(&plan.messages[0].delivery, Delivery::Digest { release_at, .. } if *release_at == ts("2026-03-23T07:00:00Z"))
    );
    // A critical alert does not wait for the digest …
    let plan = run(
        &p,
        &History::default(),
        &[det("live_ammunition", Severity::Critical, "DE", None)],
        now,
        now,
        &[],
    );
    assert!(matches!(plan.messages[0].delivery, Delivery::Now), "{:?}", plan.messages[0].delivery);
    // … unless the policy lets it.
    let policy = Policy { digest_critical: true, ..Policy::default() };
    let dets = [det("live_ammunition", Severity::Critical, "DE", None)];
    let input = RouteInput { advisory_time: ts(now), now: ts(now), detections: &dets, previous: &[] };
    let plan = route(&input, &p, &History::default(), &policy);
    assert!(matches!(plan.messages[0].delivery, Delivery::Digest { .. }), "{:?}", plan.messages[0].delivery);
    // … or the subscription itself does.
    let mut p = p;
    p.subscriptions[0].digest_critical = true;
    let plan = route(&input, &p, &History::default(), &Policy::default());
    assert!(matches!(plan.messages[0].delivery, Delivery::Digest { .. }), "{:?}", plan.messages[0].delivery);
}

#[test]
fn a_measure_elsewhere_in_the_country_follows_the_policy() {
    let when = "2024-03-05T00:00:00Z";
    let th_trip = |city: &str| People {
        travellers: vec![traveller(1, "Ann", Some("boss@example.org"))],
        trips: vec![trip(10, 1, "TH", Some(city), "2024-03-01", "2024-03-20")],
        subscriptions: vec![],
    };
    // A state of emergency the advisory places in three southern provinces.
    let soe = RouteDetection {
        regions: vec!["Pattani".into(), "Yala".into(), "Narathiwat".into()],
        subnational: true,
        ..det("state_of_emergency", Severity::High, "TH", None)
    };
    let input = RouteInput {
        advisory_time: ts(when),
        now: ts(when),
        detections: std::slice::from_ref(&soe),
        previous: &[],
    };
    let with = |e: Elsewhere| Policy { elsewhere: e, ..Policy::default() };

    // Inside a named region (the city of Yala lies in Yala province): a normal alert.
    let plan = route(&input, &th_trip("Yala"), &History::default(), &with(Elsewhere::Rollup));
    assert_eq!(plan.messages.len(), 1);
    assert_eq!(plan.messages[0].items[0].severity, Severity::High);
    assert!(!plan.messages[0].items[0].elsewhere);

    // Bangkok is elsewhere: rollup (the default) tells the manager, not the traveller, and
    // says why in the decisions.
    let plan = route(&input, &th_trip("Bangkok"), &History::default(), &Policy::default());
    assert!(plan.messages.is_empty());
    assert_eq!(plan.rollups.len(), 1);
    assert_eq!(plan.rollups[0].entries[0].triggers, ["state_of_emergency (elsewhere in the country)"]);
    assert_eq!(plan.rollups[0].severity, Severity::High);
    assert!(
        plan.decisions.iter().any(|d| d.outcome.starts_with("elsewhere in the country: applies in Pattani"))
    );

    // "lower": the traveller hears of it one step down, marked as elsewhere.
    let plan = route(&input, &th_trip("Bangkok"), &History::default(), &with(Elsewhere::Lower));
    assert_eq!(plan.messages.len(), 1);
    assert_eq!(plan.messages[0].items[0].severity, Severity::Medium);
    assert!(plan.messages[0].items[0].elsewhere);

    // "alert": as if it were theirs.
    let plan = route(&input, &th_trip("Bangkok"), &History::default(), &with(Elsewhere::Alert));
    assert_eq!(plan.messages[0].items[0].severity, Severity::High);

    // A sub-national measure whose extent is not named ("districts in the far south") cannot be
    // placed: it alerts as usual.
    let vague = RouteDetection { subnational: true, ..det("state_of_emergency", Severity::High, "TH", None) };
    assert!(!outside_scope(&vague, Some("Bangkok")));
    // A trip with no city is never outside.
    assert!(!outside_scope(&soe, None));
}

#[test]
fn one_item_per_trigger_and_country_in_a_message() {
    // The same measure found country-wide and in the trip's city is one item, placed in the city.
    let when = "2022-01-12T00:00:00Z";
    let p = one_trip_people(Some("Almaty"));
    let plan = run(
        &p,
        &History::default(),
        &[
            det("live_ammunition", Severity::Critical, "KZ", None),
            det("live_ammunition", Severity::Critical, "KZ", Some("Almaty")),
        ],
        when,
        when,
        &[],
    );
    assert_eq!(plan.messages.len(), 1);
    assert_eq!(plan.messages[0].items.len(), 1);
    assert_eq!(plan.messages[0].items[0].city.as_deref(), Some("Almaty"));
}
