//! Travellers, trips and subscriptions as the CLI and the admin API see them: raw arguments
//! in (the same structs deserialise from API JSON), validated store calls out, a printable
//! line back. Adds and changes share one set of field parsers, so both validate alike.

use serde::Deserialize;

use crate::detect::Severity;
use crate::route::cron::Cron;
use crate::route::model::{
    Channel, Email, Mode, Place, Recipient, Scope, Subscription, Zone, parse_date, parse_name,
};
use crate::store::{NewSubscription, NewTraveller, NewTrip, Store};

/// Raw `traveller add` arguments.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TravellerArgs {
    pub name: String,
    pub email: String,
    pub timezone: Option<String>,
    pub language: Option<String>,
    pub manager: Option<String>,
    #[serde(default)]
    pub webhooks: Vec<String>,
}

/// Refuse webhook names that are not configured, listing the ones that are: a typo must fail
/// when it is typed, not at delivery.
fn check_webhooks(names: &[String], known: &[&str]) -> anyhow::Result<()> {
    for n in names {
        if !known.contains(&n.as_str()) {
            anyhow::bail!(
                "unknown webhook {n:?} (configured: {})",
                if known.is_empty() { "none".to_owned() } else { known.join(", ") }
            );
        }
    }
    Ok(())
}

/// Every webhook an import names must be configured.
pub fn check_imported_webhooks(travellers: &[NewTraveller], known: &[&str]) -> anyhow::Result<()> {
    for t in travellers {
        check_webhooks(&t.webhooks, known).map_err(|e| {
            anyhow::anyhow!("traveller {}: {e}", crate::route::model::redact(t.email.as_str()))
        })?;
    }
    Ok(())
}

pub fn add_traveller(
    store: &mut Store,
    a: &TravellerArgs,
    known_webhooks: &[&str],
) -> anyhow::Result<String> {
    check_webhooks(&a.webhooks, known_webhooks)?;
    let t = NewTraveller {
        name: parse_name(&a.name)?,
        email: Email::parse(&a.email)?,
        timezone: a.timezone.as_deref().map(Zone::parse).transpose()?.unwrap_or_else(Zone::utc),
        language: parse_language(a.language.as_deref().unwrap_or("en"))?,
        manager: a.manager.as_deref().map(Email::parse).transpose()?,
        webhooks: a.webhooks.clone(),
    };
    let id = store.upsert_traveller(&t)?;
    Ok(format!("traveller {id} saved"))
}

/// What `traveller change` may alter; `None` keeps the stored value.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TravellerChange {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub language: Option<String>,
    /// A new manager; an empty string removes the manager.
    pub manager: Option<String>,
    /// The complete new list of webhook names.
    pub webhooks: Option<Vec<String>>,
}

pub fn change_traveller(
    store: &mut Store,
    email: &str,
    c: &TravellerChange,
    known_webhooks: &[&str],
) -> anyhow::Result<String> {
    if let Some(w) = &c.webhooks {
        check_webhooks(w, known_webhooks)?;
    }
    let email = Email::parse(email)?;
    let Some(old) = store.traveller_by_email(&email)? else {
        anyhow::bail!("no traveller with email {}", crate::route::model::redact(email.as_str()));
    };
    let t = NewTraveller {
        name: c.name.as_deref().map(parse_name).transpose()?.unwrap_or(old.name),
        email,
        timezone: c.timezone.as_deref().map(Zone::parse).transpose()?.unwrap_or(old.timezone),
        language: c.language.as_deref().map(parse_language).transpose()?.unwrap_or(old.language),
        manager: match c.manager.as_deref().map(str::trim) {
            None => old.manager,
            Some("") => None,
            Some(m) => Some(Email::parse(m)?),
        },
        webhooks: c.webhooks.clone().unwrap_or(old.webhooks),
    };
    let id = store.upsert_traveller(&t)?;
    Ok(format!("traveller {id} changed"))
}

/// A language tag such as `en` or `pt-BR`: letters, digits and hyphens, at most 35 characters.
fn parse_language(s: &str) -> anyhow::Result<String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 35 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        anyhow::bail!("language: {s:?} is not a language tag such as en or pt-BR");
    }
    Ok(s.to_owned())
}

pub fn list_travellers(store: &Store) -> anyhow::Result<String> {
    let mut out = String::new();
    for t in store.travellers()? {
        let manager = t.manager.as_ref().map_or("-".to_owned(), |m| m.to_string());
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\tmanager {}\n",
            t.id, t.name, t.email, t.timezone.name, manager
        ));
    }
    Ok(out)
}

/// Raw `trip add` arguments.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TripArgs {
    pub email: String,
    pub country: String,
    pub city: Option<String>,
    pub start: String,
    pub end: String,
}

pub fn add_trip(store: &mut Store, a: &TripArgs) -> anyhow::Result<String> {
    let trip = NewTrip {
        email: Email::parse(&a.email)?,
        place: Place::parse(&a.country, a.city.as_deref())?,
        start: parse_date("start", &a.start)?,
        end: parse_date("end", &a.end)?,
    };
    let id = store.add_trip(&trip)?;
    let mut out = format!("trip {id} saved");
    // The question a manager asks next: what is the destination like now?
    let now = crate::app::now().unwrap_or_else(|_| jiff::Timestamp::now());
    let risk =
        store.standing_risk(trip.place.country.as_str(), now.as_second() - STANDING_RISK_DAYS * 86400)?;
    out.push_str(&standing_risk_text(&risk));
    Ok(out)
}

/// How far back `standing_risk` looks for active triggers.
pub const STANDING_RISK_DAYS: i64 = 14;

/// The standing risk of a destination as a few lines of text.
pub fn standing_risk_text(r: &crate::store::StandingRisk) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = write!(out, "\n{}: ", r.country);
    match &r.level {
        Some(l) => {
            let _ = write!(out, "travel advisory {l}");
        }
        None => out.push_str("no travel advisory level on record"),
    }
    if r.active.is_empty() {
        let _ = write!(out, "; nothing affirmed there in the last {STANDING_RISK_DAYS} days");
    }
    for a in &r.active {
        let place = a.city.as_deref().map(|c| format!(" in {c}")).unwrap_or_default();
        let _ = write!(out, "\n  {} ({}){place}: {:?}, seen {}", a.trigger, a.severity, a.title, a.seen);
    }
    out
}

/// Travellers in a place at `at`, or on any day up to `until` (dates `YYYY-MM-DD`).
pub fn exposure(
    store: &Store,
    country: &str,
    city: Option<&str>,
    at: &str,
    until: Option<&str>,
) -> anyhow::Result<Vec<crate::store::Exposed>> {
    let place = Place::parse(country, city)?;
    let from = parse_date("at", at)?;
    let until = until.map(|u| parse_date("until", u)).transpose()?.unwrap_or(from);
    if until < from {
        anyhow::bail!("until ({until}) is before at ({from})");
    }
    Ok(store.exposure(
        place.country.as_str(),
        place.city.as_deref(),
        &from.to_string(),
        &until.to_string(),
    )?)
}

/// What `trip change` may alter; `None` keeps the stored value. A new country drops the old
/// city unless a city is given too; an empty city makes the trip country-wide.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TripChange {
    pub country: Option<String>,
    pub city: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
}

pub fn change_trip(store: &mut Store, id: i64, c: &TripChange) -> anyhow::Result<String> {
    let Some(old) = store.trip(id)? else {
        anyhow::bail!(crate::store::StoreError::NotFound(format!("trip {id}")))
    };
    let city = match (c.city.as_deref().map(str::trim), &c.country) {
        (Some(""), _) => None,
        (Some(city), _) => Some(city.to_owned()),
        (None, Some(_)) => None,
        (None, None) => old.place.city.clone(),
    };
    let place = match (&c.country, &city) {
        (None, _) if city == old.place.city => old.place.clone(),
        _ => Place::parse(c.country.as_deref().unwrap_or(old.place.country.as_str()), city.as_deref())?,
    };
    let start = c.start.as_deref().map(|s| parse_date("start", s)).transpose()?.unwrap_or(old.start);
    let end = c.end.as_deref().map(|s| parse_date("end", s)).transpose()?.unwrap_or(old.end);
    store.update_trip(id, &place, start, end)?;
    Ok(format!("trip {id} changed: {place} {start}..{end}"))
}

pub fn list_trips(store: &Store, email: Option<&str>) -> anyhow::Result<String> {
    let email = email.map(Email::parse).transpose()?;
    let mut out = String::new();
    for t in store.trips(email.as_ref())? {
        out.push_str(&format!(
            "{}\ttraveller {}\t{}\t{}..{}\n",
            t.id, t.traveller_id, t.place, t.start, t.end
        ));
    }
    Ok(out)
}

/// Raw `subscription add` arguments.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SubscriptionArgs {
    pub email: String,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub follow_trips: bool,
    /// `CC` or `CC:City`.
    pub places: Vec<String>,
    pub triggers: Vec<String>,
    pub min_severity: Option<String>,
    pub channels: Vec<String>,
    pub digest: Option<String>,
    /// Critical alerts wait for the digest too (default: they go out at once).
    #[serde(default)]
    pub digest_critical: bool,
}

fn parse_scope(follow_trips: bool, places: &[String], is_traveller: bool) -> anyhow::Result<Scope> {
    match (follow_trips, places.is_empty()) {
        (true, true) if !is_traveller => anyhow::bail!("follow_trips needs a traveller with this email"),
        (true, true) => Ok(Scope::FollowTrips),
        (false, false) => Ok(Scope::Places(
            places
                .iter()
                .map(|p| match p.split_once(':') {
                    Some((c, city)) => Place::parse(c, Some(city)),
                    None => Place::parse(p, None),
                })
                .collect::<Result<_, _>>()?,
        )),
        _ => anyhow::bail!("give either follow_trips or at least one place"),
    }
}

fn check_triggers(triggers: &[String], known: &[&str]) -> anyhow::Result<()> {
    for t in triggers {
        if !known.contains(&t.as_str()) {
            anyhow::bail!("unknown trigger {t:?} (known: {})", known.join(", "));
        }
    }
    Ok(())
}

fn parse_channels(channels: &[String], known_webhooks: &[&str]) -> anyhow::Result<Vec<Channel>> {
    if channels.is_empty() {
        anyhow::bail!("channels: give at least one (email or webhook:NAME)");
    }
    let named: Vec<String> =
        channels.iter().filter_map(|c| c.trim().strip_prefix("webhook:")).map(str::to_owned).collect();
    check_webhooks(&named, known_webhooks)?;
    Ok(channels.iter().map(|c| Channel::parse(c)).collect::<Result<_, _>>()?)
}

fn parse_severity(s: &str) -> anyhow::Result<Severity> {
    s.parse().map_err(|e: String| anyhow::anyhow!("min_severity: {e}"))
}

pub fn add_subscription(
    store: &mut Store,
    known_triggers: &[&str],
    known_webhooks: &[&str],
    a: &SubscriptionArgs,
) -> anyhow::Result<String> {
    let email = Email::parse(&a.email)?;
    let traveller = store.traveller_by_email(&email)?;
    let timezone = match (&a.timezone, &traveller) {
        (Some(tz), _) => Zone::parse(tz)?,
        (None, Some(t)) => t.timezone.clone(),
        (None, None) => Zone::utc(),
    };
    let name = match (&a.name, &traveller) {
        (Some(n), _) => parse_name(n)?,
        (None, Some(t)) => t.name.clone(),
        (None, None) => email.as_str().split('@').next().unwrap_or("recipient").to_owned(),
    };
    let scope = parse_scope(a.follow_trips, &a.places, traveller.is_some())?;
    check_triggers(&a.triggers, known_triggers)?;
    let channels = if a.channels.is_empty() {
        vec![Channel::Email]
    } else {
        parse_channels(&a.channels, known_webhooks)?
    };
    let mode = match &a.digest {
        Some(c) => Mode::Digest(Cron::parse(c)?),
        None => Mode::Immediate,
    };
    let min_severity = a.min_severity.as_deref().map(parse_severity).transpose()?.unwrap_or(Severity::Medium);
    let sub = NewSubscription {
        recipient: Recipient { email, name, timezone },
        scope,
        triggers: a.triggers.clone(),
        min_severity,
        channels,
        digest_critical: a.digest_critical && matches!(mode, Mode::Digest(_)),
        mode,
    };
    let id = store.add_subscription(&sub)?;
    Ok(format!("subscription {id} saved"))
}

/// What `subscription change` may alter; `None` keeps the stored value. Lists replace the
/// stored list; an empty trigger list means all triggers; `digest: ""` makes it immediate.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SubscriptionChange {
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub follow_trips: Option<bool>,
    pub places: Option<Vec<String>>,
    pub triggers: Option<Vec<String>>,
    pub min_severity: Option<String>,
    pub channels: Option<Vec<String>>,
    pub digest: Option<String>,
    pub digest_critical: Option<bool>,
}

pub fn change_subscription(
    store: &mut Store,
    known_triggers: &[&str],
    known_webhooks: &[&str],
    id: i64,
    c: &SubscriptionChange,
) -> anyhow::Result<String> {
    let Some(old) = store.subscription(id)? else {
        anyhow::bail!(crate::store::StoreError::NotFound(format!("subscription {id}")))
    };
    let Subscription { recipient, scope, triggers, min_severity, channels, mode, digest_critical, .. } = old;
    let scope = match (c.follow_trips, &c.places) {
        (None, None) => scope,
        (follow, places) => {
            let places = places.clone().unwrap_or_default();
            let follow = follow.unwrap_or(places.is_empty() && scope == Scope::FollowTrips);
            let is_traveller = store.traveller_by_email(&recipient.email)?.is_some();
            parse_scope(follow, &places, is_traveller)?
        }
    };
    if let Some(t) = &c.triggers {
        check_triggers(t, known_triggers)?;
    }
    let sub = NewSubscription {
        recipient: Recipient {
            name: c.name.as_deref().map(parse_name).transpose()?.unwrap_or(recipient.name),
            timezone: c.timezone.as_deref().map(Zone::parse).transpose()?.unwrap_or(recipient.timezone),
            email: recipient.email,
        },
        scope,
        triggers: c.triggers.clone().unwrap_or(triggers),
        min_severity: c.min_severity.as_deref().map(parse_severity).transpose()?.unwrap_or(min_severity),
        channels: c
            .channels
            .as_deref()
            .map(|c| parse_channels(c, known_webhooks))
            .transpose()?
            .unwrap_or(channels),
        mode: match c.digest.as_deref().map(str::trim) {
            None => mode,
            Some("") => Mode::Immediate,
            Some(cron) => Mode::Digest(Cron::parse(cron)?),
        },
        digest_critical: c.digest_critical.unwrap_or(digest_critical),
    };
    let sub = NewSubscription {
        digest_critical: sub.digest_critical && matches!(sub.mode, Mode::Digest(_)),
        ..sub
    };
    store.update_subscription(id, &sub)?;
    Ok(format!("subscription {id} changed"))
}

pub fn list_subscriptions(store: &Store) -> anyhow::Result<String> {
    let mut out = String::new();
    for s in store.subscriptions()? {
        let scope = match &s.scope {
            Scope::FollowTrips => "follow_trips".to_owned(),
            Scope::Places(p) => p.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" + "),
        };
        let mode = match &s.mode {
            Mode::Immediate => "immediate".to_owned(),
            Mode::Digest(c) if s.digest_critical => format!("digest \"{c}\" (critical too)"),
            Mode::Digest(c) => format!("digest \"{c}\""),
        };
        let triggers = if s.triggers.is_empty() { "all triggers".to_owned() } else { s.triggers.join(",") };
        let channels: Vec<String> = s.channels.iter().map(|c| c.key()).collect();
        out.push_str(&format!(
            "{}\t{}\t{scope}\t{triggers}\t>= {}\t{}\t{mode}\n",
            s.id,
            s.recipient.email,
            s.min_severity,
            channels.join(",")
        ));
    }
    Ok(out)
}
