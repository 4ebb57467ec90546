//! CLI-side handling of travellers, trips and subscriptions: raw arguments in, validated
//! store calls out, a printable line back.

use crate::detect::Severity;
use crate::route::cron::Cron;
use crate::route::model::{Channel, Email, Mode, Place, Recipient, Scope, Zone, parse_date, parse_name};
use crate::store::{NewSubscription, NewTraveller, NewTrip, Store};

/// Raw `traveller add` arguments.
pub struct TravellerArgs {
    pub name: String,
    pub email: String,
    pub timezone: Option<String>,
    pub language: Option<String>,
    pub manager: Option<String>,
    pub webhooks: Vec<String>,
}

pub fn add_traveller(store: &mut Store, a: &TravellerArgs) -> anyhow::Result<String> {
    let t = NewTraveller {
        name: parse_name(&a.name)?,
        email: Email::parse(&a.email)?,
        timezone: a.timezone.as_deref().map(Zone::parse).transpose()?.unwrap_or_else(Zone::utc),
        language: a.language.clone().unwrap_or_else(|| "en".into()),
        manager: a.manager.as_deref().map(Email::parse).transpose()?,
        webhooks: a.webhooks.clone(),
    };
    let id = store.upsert_traveller(&t)?;
    Ok(format!("traveller {id} saved"))
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

pub fn add_trip(
    store: &mut Store,
    email: &str,
    country: &str,
    city: Option<&str>,
    start: &str,
    end: &str,
) -> anyhow::Result<String> {
    let trip = NewTrip {
        email: Email::parse(email)?,
        place: Place::parse(country, city)?,
        start: parse_date("start", start)?,
        end: parse_date("end", end)?,
    };
    let id = store.add_trip(&trip)?;
    Ok(format!("trip {id} saved"))
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
}

pub fn add_subscription(
    store: &mut Store,
    known_triggers: &[&str],
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
    let scope = match (a.follow_trips, a.places.is_empty()) {
        (true, true) => {
            if traveller.is_none() {
                anyhow::bail!("--follow-trips needs a traveller with this email");
            }
            Scope::FollowTrips
        }
        (false, false) => Scope::Places(
            a.places
                .iter()
                .map(|p| match p.split_once(':') {
                    Some((c, city)) => Place::parse(c, Some(city)),
                    None => Place::parse(p, None),
                })
                .collect::<Result<_, _>>()?,
        ),
        _ => anyhow::bail!("give either --follow-trips or at least one --place"),
    };
    for t in &a.triggers {
        if !known_triggers.contains(&t.as_str()) {
            anyhow::bail!("unknown trigger {t:?} (known: {})", known_triggers.join(", "));
        }
    }
    let channels = if a.channels.is_empty() {
        vec![Channel::Email]
    } else {
        a.channels.iter().map(|c| Channel::parse(c)).collect::<Result<_, _>>()?
    };
    let mode = match &a.digest {
        Some(c) => Mode::Digest(Cron::parse(c)?),
        None => Mode::Immediate,
    };
    let min_severity: Severity = match &a.min_severity {
        Some(s) => s.parse().map_err(anyhow::Error::msg)?,
        None => Severity::Medium,
    };
    let sub = NewSubscription {
        recipient: Recipient { email, name, timezone },
        scope,
        triggers: a.triggers.clone(),
        min_severity,
        channels,
        mode,
    };
    let id = store.add_subscription(&sub)?;
    Ok(format!("subscription {id} saved"))
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
