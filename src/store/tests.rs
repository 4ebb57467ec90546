//! Store tests, each run on a real SQLite database in a temporary directory and on a fresh
//! schema of a real PostgreSQL server (`testdb`).

use jiff::Timestamp;

use super::*;
use crate::app::{import, process};
use crate::config::triggers::default_set;
use crate::detect::Engine;
use crate::route::model::{Email, Place, Zone};
use crate::route::policy::Policy;
use crate::sources;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn csv(rows: &str) -> import::Rows {
    import::parse_csv(&format!("name,email,country,city,start,end,manager,timezone\n{rows}"))
        .expect("valid csv")
}

fn engine() -> Engine {
    Engine::new(default_set()).expect("engine")
}

const PEOPLE: &str = "Ann Lee,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20,boss@example.org,\n\
                      Bob Roe,bob@example.org,KZ,,2022-01-05,2022-01-09,boss@example.org,Europe/Berlin\n";

#[test]
fn opens_migrates_and_reopens() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = Store::open(&dir.path().join("state")).expect("open");
    assert_eq!(s.schema_version().expect("version"), schema::MIGRATIONS.len() as i64);
    drop(s);
    let s = Store::open(&dir.path().join("state")).expect("reopen");
    assert_eq!(s.schema_version().expect("version"), schema::MIGRATIONS.len() as i64);
    let Db::Sqlite(conn) = &s.db else { unreachable!("opened SQLite") };
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).expect("pragma");
    assert_eq!(mode, "wal");
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).expect("pragma");
    assert_eq!(sync, 2, "synchronous=FULL");
    // Outbox bookkeeping relaxes it for its own statements only.
    let mut s = s;
    let t = jiff::Timestamp::from_second(1_700_000_000).expect("ts");
    assert!(s.claim(t, t).expect("claim").is_none());
    s.record_many(&[Record::Retry { id: 1, next: t, error: "x" }], t).expect("retry of no row");
    let sync: i64 = s.db.query_row("PRAGMA synchronous", &[], |r| r.get(0)).expect("pragma");
    assert_eq!(sync, 2, "outbox work must not leave synchronous=NORMAL behind for later writes");
}

#[test]
fn import_is_idempotent_and_all_or_nothing() {
    testdb::on_both(import_is_idempotent_and_all_or_nothing_on);
}

fn import_is_idempotent_and_all_or_nothing_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("store");
    let rows = csv(PEOPLE);
    let first = s.import(&rows.travellers, &rows.trips).expect("import");
    assert_eq!((first.travellers_created, first.trips_created), (2, 2));
    let again = s.import(&rows.travellers, &rows.trips).expect("import");
    assert_eq!(
        (again.travellers_created, again.travellers_updated, again.trips_created, again.unchanged),
        (0, 0, 0, 4)
    );
    assert_eq!(s.trips(None).expect("trips").len(), 2);
    // A trip for an unknown traveller fails the whole batch: the new traveller is not kept.
    let mut rows = csv("Cy Doe,cy@example.org,FR,Paris,2022-01-01,2022-01-10,,\n");
    rows.trips.push(crate::store::NewTrip {
        email: Email::parse("nobody@example.org").expect("email"),
        place: Place::parse("FR", None).expect("place"),
        start: "2022-01-01".parse().expect("date"),
        end: "2022-01-02".parse().expect("date"),
    });
    assert!(s.import(&rows.travellers, &rows.trips).is_err());
    assert!(s.traveller_by_email(&Email::parse("cy@example.org").expect("e")).expect("query").is_none());
    // An update changes the row, not the count.
    let rows =
        csv("Ann Lee-Smith,ann@example.org,KZ,Almaty,2022-01-03,2022-01-20,boss@example.org,Asia/Almaty\n");
    let r = s.import(&rows.travellers, &rows.trips).expect("import");
    assert_eq!(r.travellers_updated, 1);
    let ann = s.traveller_by_email(&Email::parse("ann@example.org").expect("e")).expect("q").expect("ann");
    assert_eq!((ann.name.as_str(), &*ann.timezone.name), ("Ann Lee-Smith", "Asia/Almaty"));
}

#[test]
fn people_for_uses_the_widened_window() {
    testdb::on_both(people_for_uses_the_widened_window_on);
}

fn people_for_uses_the_widened_window_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("store");
    let rows = csv(PEOPLE);
    s.import(&rows.travellers, &rows.trips).expect("import");
    let kz = crate::detect::places::CountryCode::parse("KZ").expect("cc");
    let p = Policy::default();
    let count = |day: &str| s.people_for(&[kz], day.parse().expect("date"), &p).expect("query").trips.len();
    assert_eq!(count("2021-12-26"), 0);
    assert_eq!(count("2021-12-27"), 1, "Ann, 7 days before departure");
    assert_eq!(count("2022-01-06"), 2);
    assert_eq!(count("2022-01-10"), 2, "Bob, 1 grace day");
    assert_eq!(count("2022-01-11"), 1);
    assert_eq!(count("2022-01-22"), 0);
}

fn advisory(guid: &str, body: &str) -> crate::advisory::Advisory {
    let text = format!("id: {guid}\nsource: test\ndate: 2022-01-06\ncountry: KZ\n\n{body}");
    sources::parse_bytes(text.as_bytes(), "test").expect("parses")
}

#[test]
fn processing_commits_alerts_once_and_updates_add_only_what_is_new() {
    testdb::on_both(processing_commits_alerts_once_and_updates_add_only_what_is_new_on);
}

fn processing_commits_alerts_once_and_updates_add_only_what_is_new_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("store");
    let rows = csv(PEOPLE);
    s.import(&rows.travellers, &rows.trips).expect("import");
    s.add_subscription(&NewSubscription {
        recipient: crate::route::model::Recipient {
            email: Email::parse("soc@example.org").expect("e"),
            name: "SOC".into(),
            timezone: Zone::utc(),
        },
        scope: crate::route::model::Scope::Places(vec![Place::parse("KZ", None).expect("p")]),
        triggers: vec![],
        min_severity: crate::detect::Severity::High,
        channels: vec![
            crate::route::model::Channel::Email,
            crate::route::model::Channel::Webhook("soc".into()),
        ],
        mode: crate::route::model::Mode::Immediate,
        digest_critical: false,
    })
    .expect("subscription");
    let e = engine();
    let p = Policy::default();
    let now = ts("2022-01-06T12:00:00Z");
    let v1 = advisory("kz-1", "A state of emergency is in force nationwide.");
    let o = process::process(&mut s, &e, &p, &v1, now, now).expect("process");
    let c = o.committed.expect("committed");
    assert_eq!((c.version, c.alerts, c.rollups), (1, 3, 1));
    // Alert × channel rows: Ann email, Bob email, SOC email + webhook, boss roll-up email.
    assert_eq!(c.deliveries, 5);
    // Same content again: a no-op.
    let o = process::process(&mut s, &e, &p, &v1, now, now).expect("process");
    assert!(o.committed.is_none());
    assert_eq!(s.alerts(None).expect("alerts").len(), 4);
    // An updated version adds a curfew: only the curfew goes out, threaded as a correction.
    let later = ts("2022-01-06T14:00:00Z");
    let v2 = advisory(
        "kz-1",
        "A state of emergency is in force nationwide. A curfew applies in Almaty from 11pm.",
    );
    let o = process::process(&mut s, &e, &p, &v2, later, later).expect("process");
    let c = o.committed.expect("committed");
    assert_eq!(c.version, 2);
    let new: Vec<_> = s
        .alerts(Some(&v2.id()))
        .expect("alerts")
        .into_iter()
        .filter(|a| a.version == 2 && a.kind == "alert")
        .collect();
    assert_eq!(new.len(), 3);
    for a in &new {
        let items = a.payload["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{}", a.payload);
        assert_eq!(items[0]["trigger"], "curfew");
        assert_eq!(items[0]["bypass"], "correction");
    }
    assert_eq!(s.advisory_versions(&v2.id()).expect("versions"), 2);
    assert_eq!(s.affirmed_pairs(&v2.id(), 2).expect("pairs").len(), 2);
}

#[test]
fn a_travel_advisory_level_change_is_detected() {
    testdb::on_both(a_travel_advisory_level_change_is_detected_on);
}

fn a_travel_advisory_level_change_is_detected_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("store");
    let rows = csv(PEOPLE);
    s.import(&rows.travellers, &rows.trips).expect("import");
    let e = engine();
    let p = Policy::default();
    let item = |guid: &str, level: u8| {
        let text = format!(
            "id: {guid}\nsource: state-dept\ndate: 2022-01-06\ntitle: Kazakhstan - Level {level}: Reconsider Travel\n\nExercise caution."
        );
        sources::parse_bytes(text.as_bytes(), "feed").expect("parses")
    };
    let now = ts("2022-01-06T12:00:00Z");
    let levels = |o: &process::Outcome| -> Vec<String> {
        o.analysis
            .affirmed()
            .filter(|d| d.trigger.as_str() == "travel_advisory_level_change")
            .map(|d| d.evidence.clone())
            .collect()
    };
    let first = process::process(&mut s, &e, &p, &item("kz-a", 2), now, now).expect("first");
    assert!(levels(&first).is_empty(), "nothing to compare the first item with");
    let later = ts("2022-01-06T13:00:00Z");
    let second = process::process(&mut s, &e, &p, &item("kz-b", 3), later, later).expect("second");
    assert_eq!(
        levels(&second),
        ["Travel advisory level raised from Level 2 to Level 3: Kazakhstan - Level 3: Reconsider Travel"]
    );
    assert!(
        second
            .plan
            .messages
            .iter()
            .any(|m| m.items.iter().any(|i| &*i.trigger == "travel_advisory_level_change")),
        "travellers are told"
    );
    let same = process::process(
        &mut s,
        &e,
        &p,
        &item("kz-c", 3),
        ts("2022-01-06T14:00:00Z"),
        ts("2022-01-06T14:00:00Z"),
    )
    .expect("third");
    assert!(levels(&same).is_empty(), "no change, no detection");
    assert_eq!(process::title_level("Sudan - Level 4: Do Not Travel"), Some(4));
    assert_eq!(process::title_level("Curfew in Lima"), None);
}

/// Two advisories collected for a weekday-morning digest are released at 08:00 in the
/// recipient's zone as one message listing both; nothing is released before then.
#[test]
fn a_digest_releases_everything_collected_as_one_message() {
    testdb::on_both(a_digest_releases_everything_collected_as_one_message_on);
}

fn a_digest_releases_everything_collected_as_one_message_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("store");
    s.add_subscription(&NewSubscription {
        recipient: crate::route::model::Recipient {
            email: Email::parse("desk@example.org").expect("e"),
            name: "Desk".into(),
            timezone: Zone::parse("Asia/Almaty").expect("zone"),
        },
        scope: crate::route::model::Scope::Places(vec![Place::parse("KZ", None).expect("p")]),
        triggers: vec![],
        min_severity: crate::detect::Severity::Medium,
        channels: vec![crate::route::model::Channel::Email],
        mode: crate::route::model::Mode::Digest(
            crate::route::cron::Cron::parse("0 8 * * 1-5").expect("cron"),
        ),
        digest_critical: false,
    })
    .expect("subscription");
    let (e, p) = (engine(), Policy::default());
    let now = ts("2022-01-06T12:00:00Z"); // Thursday 18:00 in Almaty (UTC+6)
    for (guid, body) in [
        ("kz-a", "A state of emergency is in force nationwide."),
        ("kz-b", "A curfew applies in Almaty from 11pm to 7am."),
    ] {
        let o = process::process(&mut s, &e, &p, &advisory(guid, body), now, now).expect("process");
        assert_eq!(o.committed.expect("committed").alerts, 1);
    }
    // Friday 08:00 in Almaty is 02:00 UTC.
    assert_eq!(s.release_digests(ts("2022-01-07T01:59:00Z")).expect("release"), 0);
    assert!(s.claim(ts("2022-01-07T01:59:00Z"), ts("2022-01-07T02:09:00Z")).expect("claim").is_none());
    let release = ts("2022-01-07T02:00:00Z");
    // On PostgreSQL two instances release at the same moment: the digest is made once.
    let released = if db.name() == "postgres" {
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let mut other = db.open().expect("another instance's connection");
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    other.release_digests(release).expect("release")
                })
            })
            .collect();
        racers.into_iter().map(|t| t.join().expect("thread")).sum::<usize>()
    } else {
        s.release_digests(release).expect("release")
    };
    assert_eq!(released, 1, "one delivery for the merged digest");
    let c = s.claim(release, ts("2022-01-07T02:10:00Z")).expect("claim").expect("a digest is due");
    assert!(s.claim(release, ts("2022-01-07T02:10:00Z")).expect("claim").is_none(), "the parts are not sent");
    let job = s.job(&c).expect("job");
    assert_eq!(job.kind, crate::channels::render::JobKind::Digest);
    let r =
        crate::channels::render::Templates::load(None).expect("templates").render_job(&job).expect("render");
    assert!(r.subject.starts_with("[HIGH] Digest: 2 alerts — Kazakhstan"), "{}", r.subject);
    assert!(r.text.contains("State of emergency") && r.text.contains("Curfew"), "{}", r.text);
    assert!(r.text.contains("Your digest (0 8 * * 1-5)"), "{}", r.text);
    assert_eq!(r.facts["kind"], "digest");
    assert_eq!(r.facts["alerts"].as_array().map(Vec::len), Some(2));
    let statuses: Vec<String> = s.alerts(None).expect("alerts").into_iter().map(|a| a.status).collect();
    assert_eq!(statuses, ["merged", "merged", "released"]);
    assert_eq!(s.release_digests(ts("2022-01-10T02:00:00Z")).expect("release"), 0, "released once");
}

#[test]
fn a_linked_alert_that_keeps_failing_is_given_up_after_the_limit() {
    testdb::on_both(a_linked_alert_that_keeps_failing_is_given_up_after_the_limit_on);
}

fn a_linked_alert_that_keeps_failing_is_given_up_after_the_limit_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("open");
    let now = ts("2024-03-01T00:00:00Z");
    let key = "urn:alert:1|2024-03-01T00:00:00Z";
    for attempt in 1..5 {
        assert!(!s.source_item_failed("nws", key, "HTTP 404", 5, now).expect("count"), "attempt {attempt}");
        assert!(!s.source_item_seen("nws", key).expect("seen"), "still fetched on the next poll");
    }
    assert!(
        s.source_item_failed("nws", key, "HTTP 404", 5, now).expect("count"),
        "the fifth failure gives up"
    );
    assert!(s.source_item_seen("nws", key).expect("seen"), "not fetched again");
    // Counted per source and item: another source's item with the same key is untouched.
    assert!(!s.source_item_seen("other", key).expect("seen"));
    assert!(!s.source_item_failed("other", key, "timeout", 5, now).expect("count"));
}

/// Duty of care: no answer → the manager is escalated to exactly once (also across a
/// restart); an answer before the deadline stops it; "help" escalates at once.
#[test]
fn escalation_fires_once_stops_on_an_answer_and_help_is_immediate() {
    use crate::store::accountability::GivenAnswer;
    let given = |a: &crate::store::accountability::AccountRow, traveller_id: i64, answer: &'static str| {
        GivenAnswer { alert_id: a.alert_id, traveller_id, answer, message: None, by: "traveller" }
    };
    testdb::on_both(|db| escalation_on(db, &given));
}

fn escalation_on(
    db: &testdb::TestDb,
    given: &dyn Fn(
        &crate::store::accountability::AccountRow,
        i64,
        &'static str,
    ) -> crate::store::accountability::GivenAnswer<'static>,
) {
    use crate::store::accountability::{EscalationPolicy, summarize};
    let mut s = db.open().expect("open");
    let rows = csv(PEOPLE);
    s.import(&rows.travellers, &rows.trips).expect("import");
    let policy = EscalationPolicy {
        no_answer: [(crate::detect::Severity::Critical, 60), (crate::detect::Severity::High, 240)]
            .into_iter()
            .collect(),
        remind_traveller: true,
        webhooks: vec!["webhook:soc".into()],
        window_secs: 7 * 86400,
    };
    let t0 = ts("2022-01-06T12:00:00Z");
    let adv = advisory("kz-esc", "Security forces used live ammunition against protesters in Almaty.");
    let c = process::process(&mut s, &engine(), &Policy::default(), &adv, t0, t0)
        .expect("process")
        .committed
        .expect("c");
    assert_eq!(c.alerts, 2, "Ann and Bob");
    let alerts = s.accountability(None, 0).expect("view");
    assert_eq!(alerts.len(), 2);
    assert!(
        alerts.iter().all(|a| a.answer == "none" && !a.escalated && a.severity == "critical"),
        "{alerts:?}"
    );
    let ann = alerts.iter().find(|a| a.email == "ann@example.org").expect("ann").clone();
    // Ann answers within the hour.
    let mut safe = given(&ann, ann.traveller_id, "safe");
    safe.message = Some("At the hotel");
    s.record_answer(&safe, ts("2022-01-06T12:30:00Z"), &policy).expect("answer");
    // Before the deadline nothing; at it, Bob (no answer) is escalated, Ann is not.
    assert_eq!(s.escalate_due(ts("2022-01-06T12:59:59Z"), &policy).expect("pass"), 0);
    assert_eq!(s.escalate_due(ts("2022-01-06T13:00:00Z"), &policy).expect("pass"), 1);
    assert_eq!(s.escalate_due(ts("2022-01-06T13:05:00Z"), &policy).expect("pass"), 0, "once");
    drop(s);
    let mut s = db.open().expect("reopen");
    assert_eq!(
        s.escalate_due(ts("2022-01-06T14:00:00Z"), &policy).expect("pass"),
        0,
        "once, after a restart too"
    );
    let esc: Vec<(String, String, i64)> = s
        .db
        .query_map("SELECT a.recipient, a.payload, (SELECT COUNT(*) FROM deliveries d WHERE d.alert_id = a.id) FROM alerts a WHERE a.kind = 'escalation'", &[], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("rows");
    assert_eq!(esc.len(), 1);
    assert_eq!(esc[0].0, "boss@example.org");
    assert!(esc[0].1.contains("bob@example.org") && esc[0].1.contains("\"answer\":\"none\""), "{}", esc[0].1);
    assert_eq!(esc[0].2, 2, "email and the configured webhook");
    let reminders: i64 =
        s.db.query_row("SELECT COUNT(*) FROM alerts WHERE kind = 'reminder'", &[], |r| r.get(0)).expect("q");
    assert_eq!(reminders, 1, "Bob is reminded");
    // The view: Ann safe with her message, Bob no answer and escalated.
    let view = s.accountability(Some(&adv.id()), 0).expect("view");
    let a = view.iter().find(|r| r.email == "ann@example.org").expect("ann");
    assert_eq!((a.answer.as_str(), a.message.as_deref(), a.escalated), ("safe", Some("At the hotel"), false));
    let b = view.iter().find(|r| r.email == "bob@example.org").expect("bob");
    assert_eq!((b.answer.as_str(), b.escalated), ("none", true));
    let sum = summarize(&view);
    assert_eq!(sum.iter().map(|s| s.alerted).sum::<usize>(), 2);
    assert_eq!(sum.iter().map(|s| s.safe).sum::<usize>(), 1);
    // A second advisory: Ann asks for help at once, which escalates without waiting.
    let adv2 = advisory("kz-esc-2", "A curfew is in force in Almaty from 22:00.");
    process::process(&mut s, &engine(), &Policy::default(), &adv2, t0, t0).expect("process");
    let view = s.accountability(Some(&adv2.id()), 0).expect("view");
    let a = view.iter().find(|r| r.email == "ann@example.org").expect("ann");
    assert_eq!(s.record_answer(&given(a, a.traveller_id, "help"), t0, &policy).expect("help"), 1);
    assert_eq!(s.record_answer(&given(a, a.traveller_id, "help"), t0, &policy).expect("help"), 0, "once");
    // An alert is answerable only by its own traveller; "maybe" is no answer.
    assert!(s.record_answer(&given(a, b.traveller_id, "safe"), t0, &policy).is_err());
    assert!(s.record_answer(&given(a, a.traveller_id, "maybe"), t0, &policy).is_err());
    let audit: i64 = s.db.query_row("SELECT COUNT(*) FROM audit", &[], |r| r.get(0)).expect("q");
    assert_eq!(audit, 3);
}

#[test]
fn a_delivery_on_an_unknown_channel_is_given_up_not_handed_on() {
    testdb::on_both(a_delivery_on_an_unknown_channel_is_given_up_not_handed_on_on);
}

/// A store with the test people and one committed KZ advisory at `now`: three deliveries due.
fn store_with_three_due(db: &testdb::TestDb, now: Timestamp) -> Store {
    let mut s = db.open().expect("store");
    let rows = csv(PEOPLE);
    s.import(&rows.travellers, &rows.trips).expect("import");
    let (e, p) = (engine(), Policy::default());
    let adv = advisory("kz-1", "A state of emergency is in force nationwide.");
    let c = process::process(&mut s, &e, &p, &adv, now, now).expect("process").committed.expect("committed");
    assert_eq!(c.deliveries, 3);
    s
}

fn a_delivery_on_an_unknown_channel_is_given_up_not_handed_on_on(db: &testdb::TestDb) {
    let now = ts("2022-01-06T12:00:00Z");
    let mut s = store_with_three_due(db, now);
    s.db.execute(
        "UPDATE deliveries SET channel = 'pager:ops' WHERE id = (SELECT min(id) FROM deliveries)",
        &[],
    )
    .expect("update");
    let mut claimed = Vec::new();
    while let Some(c) = s.claim(now, ts("2022-01-06T12:10:00Z")).expect("claim") {
        claimed.push(c.channel);
    }
    assert_eq!(claimed, [crate::route::model::Channel::Email, crate::route::model::Channel::Email]);
    let (status, error): (String, String) =
        s.db.query_row("SELECT status, last_error FROM deliveries ORDER BY id LIMIT 1", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("row");
    assert_eq!(status, "dead");
    assert!(error.contains("pager:ops"), "{error}");
}

#[test]
fn who_was_passed_over_is_kept_with_the_reason() {
    testdb::on_both(who_was_passed_over_is_kept_with_the_reason_on);
}

fn who_was_passed_over_is_kept_with_the_reason_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("store");
    let rows = csv(PEOPLE);
    s.import(&rows.travellers, &rows.trips).expect("import");
    let (e, p) = (engine(), Policy::default());
    let now = ts("2022-01-06T12:00:00Z");
    let adv = advisory("kz-1", "A state of emergency is in force nationwide. Unrest continued in Almaty.");
    process::process(&mut s, &e, &p, &adv, now, now).expect("process");
    let detail = s.advisory(&adv.id()).expect("read").expect("stored");
    let ann: Vec<&PassedOver> =
        detail.not_alerted.iter().filter(|d| d.recipient == "ann@example.org").collect();
    assert!(
        ann.iter().any(|d| d.trigger == "civil_unrest" && d.reason.starts_with("below minimum severity")),
        "{:?}",
        detail.not_alerted
    );
    assert!(detail.not_alerted.iter().all(|d| d.version == 1 && d.country == "KZ"));
    assert!(
        !detail.not_alerted.iter().any(|d| d.trigger == "state_of_emergency"),
        "alerted pairs are not listed: {:?}",
        detail.not_alerted
    );
}

#[test]
fn the_console_traveller_page_searches_and_limits_in_sql() {
    testdb::on_both(the_console_traveller_page_searches_and_limits_in_sql_on);
}

fn the_console_traveller_page_searches_and_limits_in_sql_on(db: &testdb::TestDb) {
    let mut s = db.open().expect("store");
    let rows = csv(PEOPLE);
    s.import(&rows.travellers, &rows.trips).expect("import");
    let (all, total) = s.traveller_page("", 500).expect("page");
    assert_eq!((all.len(), total), (2, 2));
    assert_eq!(all[0].email, "ann@example.org");
    assert_eq!(all[0].trips, ["Almaty, KZ 2022-01-03 to 2022-01-20"]);
    let (one, total) = s.traveller_page("ROE", 500).expect("page");
    assert_eq!((one.len(), total, one[0].name.as_str()), (1, 1, "Bob Roe"));
    let (first, total) = s.traveller_page("example.org", 1).expect("page");
    assert_eq!((first.len(), total), (1, 2), "limited, with the full count");
    assert_eq!(s.traveller_page("%", 500).expect("page").1, 0, "% is a character, not a wildcard");
    assert_eq!(s.traveller_page("_", 500).expect("page").1, 0);
}

#[test]
fn each_lane_claims_only_its_own_channel() {
    testdb::on_both(each_lane_claims_only_its_own_channel_on);
}

fn each_lane_claims_only_its_own_channel_on(db: &testdb::TestDb) {
    use crate::route::model::Channel;
    use crate::store::Lane;
    let now = ts("2022-01-06T12:00:00Z");
    let lease = ts("2022-01-06T12:02:00Z");
    let mut s = store_with_three_due(db, now);
    // The last-due delivery becomes a webhook's; it is not first in due order.
    s.db.execute(
        "UPDATE deliveries SET channel = 'webhook:soc' WHERE id = (SELECT max(id) FROM deliveries)",
        &[],
    )
    .expect("update");
    let hooks = s.claim_batch(now, lease, 10, Lane::Webhooks).expect("claim");
    assert_eq!(hooks.iter().map(|c| c.channel.clone()).collect::<Vec<_>>(), [Channel::Webhook("soc".into())]);
    assert!(s.claim_batch(now, lease, 10, Lane::Webhooks).expect("claim").is_empty());
    let mail = s.claim_batch(now, lease, 1, Lane::Email).expect("claim");
    assert_eq!(mail.len(), 1);
    let rest = s.claim_batch(now, lease, 10, Lane::Email).expect("claim");
    assert_eq!(rest.len(), 1);
    assert!(mail[0].id < rest[0].id && rest[0].id < hooks[0].id);
    assert!(mail.iter().chain(&rest).all(|c| c.channel == Channel::Email));
    assert!(s.claim_batch(now, lease, 10, Lane::Any).expect("claim").is_empty(), "all three leased");
}

#[test]
fn a_batch_is_claimed_in_due_order_leased_and_recorded_together() {
    testdb::on_both(a_batch_is_claimed_in_due_order_leased_and_recorded_together_on);
}

fn a_batch_is_claimed_in_due_order_leased_and_recorded_together_on(db: &testdb::TestDb) {
    let now = ts("2022-01-06T12:00:00Z");
    let lease = ts("2022-01-06T12:02:00Z");
    let mut s = store_with_three_due(db, now);
    let first = s.claim_batch(now, lease, 2, crate::store::Lane::Any).expect("claim");
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first[0].id < first[1].id && first.iter().all(|c| c.attempts == 1));
    // Leased rows are not handed out again; the rest is.
    let second = s.claim_batch(now, lease, 10, crate::store::Lane::Any).expect("claim");
    assert_eq!(second.len(), 1);
    assert!(second[0].id > first[1].id);
    assert!(s.claim_batch(now, lease, 10, crate::store::Lane::Any).expect("claim").is_empty());
    let retry_at = ts("2022-01-06T12:05:00Z");
    s.record_many(
        &[
            Record::Sent { id: first[0].id, message_id: "<m1@x>" },
            Record::Retry {
                id: first[1].id,
                next: retry_at,
                error: "503 from https://hooks.example/T0/secret",
            },
            Record::Dead { id: second[0].id, error: "550 no such user" },
        ],
        now,
    )
    .expect("record");
    let rows: Vec<(String, Option<String>, Option<i64>)> =
        s.db.query_map("SELECT status, last_error, lease_until FROM deliveries ORDER BY id", &[], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("rows");
    assert_eq!(rows[0], ("sent".into(), None, None));
    assert_eq!(rows[1].0, "pending");
    assert!(!rows[1].1.as_deref().unwrap_or("").contains("secret"), "{rows:?}");
    assert_eq!(rows[1].2, None);
    assert_eq!(rows[2].0, "dead");
    // The retry comes due at its time, not before.
    assert!(
        s.claim_batch(ts("2022-01-06T12:04:59Z"), lease, 10, crate::store::Lane::Any)
            .expect("claim")
            .is_empty()
    );
    assert_eq!(
        s.claim_batch(retry_at, ts("2022-01-06T12:07:00Z"), 10, crate::store::Lane::Any)
            .expect("claim")
            .len(),
        1
    );
}

#[test]
fn a_stored_payload_of_the_wrong_shape_is_refused_when_its_job_is_made() {
    testdb::on_both(a_stored_payload_of_the_wrong_shape_is_refused_when_its_job_is_made_on);
}

fn a_stored_payload_of_the_wrong_shape_is_refused_when_its_job_is_made_on(db: &testdb::TestDb) {
    let now = ts("2022-01-06T12:00:00Z");
    let mut s = store_with_three_due(db, now);
    let c = s.claim(now, ts("2022-01-06T12:10:00Z")).expect("claim").expect("one due");
    let job = s.job(&c).expect("an alert's job is made");
    assert!(matches!(job.payload, crate::channels::payload::Payload::Alert(ref p) if !p.items.is_empty()));
    // The same row read as a roll-up (a manager's message) has the wrong shape: refused as
    // invalid (the outbox gives such a delivery up at once), never rendered with holes.
    s.db.execute("UPDATE alerts SET kind = 'rollup' WHERE id = ?1", &params![c.alert_id]).expect("update");
    match s.job(&c) {
        Err(StoreError::Invalid(m)) => assert!(m.contains("(rollup) payload"), "{m}"),
        other => panic!("expected an invalid payload, got {other:?}"),
    }
}
