//! People and plans: travellers, trips, subscriptions. Every type here is built only by
//! parsing, so a value that exists is valid (email syntax, ISO country, IANA zone, dates).

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::detect::Severity;
use crate::detect::places::{CountryCode, Gazetteer};

use super::cron::Cron;

/// A validation failure, phrased for the person who typed the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: String,
    pub message: String,
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> Invalid {
    Invalid { field: field.to_owned(), message: message.into() }
}

/// An email address: one `@`, a dotted domain, no spaces, quotes, angle brackets or control
/// characters (so it can never inject a header), at most 254 bytes. Stored lower-cased.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let bad = |m: &str| invalid("email", format!("{m} in {:?}", redact(s)));
        if s.is_empty() || s.len() > 254 {
            return Err(bad("missing or too long"));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace() || "<>\"(),;:[]\\".contains(c)) {
            return Err(bad("forbidden character"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else { return Err(bad("no @")) };
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || local.starts_with('.')
            || local.ends_with('.')
        {
            return Err(bad("bad local part"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |l: &&str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if labels.len() < 2 || !labels.iter().all(label_ok) {
            return Err(bad("bad domain"));
        }
        Ok(Email(s.to_lowercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An address read back from the store, where only parsed addresses are written.
    pub(crate) fn from_store(s: String) -> Self {
        Email(s)
    }
}

/// `a***@example.org`: enough to recognise, not enough to harvest.
pub fn redact(email: &str) -> String {
    match email.split_once('@') {
        Some((l, d)) => format!("{}***@{d}", l.chars().next().unwrap_or('?')),
        None => "***".into(),
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", redact(&self.0))
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IANA time zone by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    /// Shared: thousands of travellers carry the same few zones, and routing copies them.
    pub name: std::sync::Arc<str>,
    pub tz: TimeZone,
}

impl Zone {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let tz =
            TimeZone::get(s).map_err(|_| invalid("timezone", format!("unknown IANA time zone {s:?}")))?;
        Ok(Zone { name: s.into(), tz })
    }
    pub fn utc() -> Self {
        Zone { name: "UTC".into(), tz: TimeZone::UTC }
    }
}

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl schemars::JsonSchema for Zone {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Zone".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "string", "description": "IANA time zone name"})
    }
}

/// A country, and optionally a city in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, schemars::JsonSchema)]
pub struct Place {
    pub country: CountryCode,
    pub city: Option<String>,
}

impl Place {
    /// Parse a country (code or English name) and an optional city, checking the city exists
    /// in that country's gazetteer.
    pub fn parse(country: &str, city: Option<&str>) -> Result<Self, Invalid> {
        let g = Gazetteer::get();
        let country = g.resolve_country(country).ok_or_else(|| {
            invalid(
                "country",
                format!("unknown country {:?} (use ISO 3166-1 alpha-2 or an English name)", country.trim()),
            )
        })?;
        let city = match city.map(str::trim).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => {
                let ids = g.find_cities(c, Some(country));
                let id = ids.first().ok_or_else(|| invalid("city", format!("no city {c:?} in {country}")))?;
                Some(g.city(*id).name.to_owned())
            }
        };
        Ok(Place { country, city })
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.city {
            Some(c) => write!(f, "{c}, {}", self.country),
            None => write!(f, "{}", self.country),
        }
    }
}

/// A date `YYYY-MM-DD`.
pub fn parse_date(field: &str, s: &str) -> Result<Date, Invalid> {
    s.trim().parse::<Date>().map_err(|_| invalid(field, format!("{:?} is not a date (YYYY-MM-DD)", s.trim())))
}

/// A traveller.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Traveller {
    pub id: i64,
    pub name: String,
    pub email: Email,
    pub timezone: Zone,
    pub language: String,
    pub manager: Option<Email>,
    /// Names of configured webhooks this traveller's alerts also go to.
    pub webhooks: Vec<String>,
}

/// Validate a person's name: one line, 1–200 characters.
pub fn parse_name(s: &str) -> Result<String, Invalid> {
    let s = s.trim();
    if s.is_empty() || s.chars().count() > 200 || s.chars().any(char::is_control) {
        return Err(invalid("name", "must be one line of 1 to 200 characters"));
    }
    Ok(s.to_owned())
}

/// A trip: where and when a traveller will be.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Trip {
    pub id: i64,
    pub traveller_id: i64,
    pub place: Place,
    pub start: Date,
    pub end: Date,
}

impl Trip {
    pub fn check_dates(start: Date, end: Date) -> Result<(), Invalid> {
        if end < start {
            return Err(invalid("end", format!("end {end} is before start {start}")));
        }
        Ok(())
    }
}

/// Who a subscription delivers to.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Recipient {
    pub email: Email,
    pub name: String,
    pub timezone: Zone,
}

/// Where a subscription looks.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "places")]
pub enum Scope {
    /// The recipient's own trips (the recipient must be a traveller).
    FollowTrips,
    /// These places, with or without trips.
    Places(Vec<Place>),
}

/// Immediate delivery or a digest released on a schedule in the recipient's zone.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Immediate,
    Digest(Cron),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::FollowTrips => f.write_str("their own trips"),
            Scope::Places(places) => {
                for (i, p) in places.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Immediate => f.write_str("at once"),
            Mode::Digest(cron) => write!(f, "digest {cron}"),
        }
    }
}

/// A delivery channel: email, or a configured webhook by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Webhook(String),
}

impl Channel {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s == "email" {
            return Ok(Channel::Email);
        }
        match s.strip_prefix("webhook:") {
            Some(name)
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) =>
            {
                Ok(Channel::Webhook(name.to_owned()))
            }
            _ => Err(invalid("channels", format!("unknown channel {s:?} (use email or webhook:NAME)"))),
        }
    }
    pub fn key(&self) -> String {
        match self {
            Channel::Email => "email".into(),
            Channel::Webhook(n) => format!("webhook:{n}"),
        }
    }
}

impl std::fmt::Display for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Channel::Email => f.write_str("email"),
            Channel::Webhook(n) => write!(f, "webhook:{n}"),
        }
    }
}

/// An explicit subscription.
#[derive(Clone, Debug, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Subscription {
    pub id: i64,
    pub recipient: Recipient,
    pub scope: Scope,
    /// Trigger ids; empty means all.
    pub triggers: Vec<String>,
    pub min_severity: Severity,
    pub channels: Vec<Channel>,
    pub mode: Mode,
    /// A digest subscription that also collects critical alerts (by default they go out at once).
    pub digest_critical: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@example.org", "First.Last+tag@sub.example.co.uk", "x@xn--bcher-kva.example"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(Email::parse(" A@Example.ORG ").expect("ok").as_str(), "a@example.org");
        for bad in [
            "",
            "no-at",
            "a@b",
            "a b@example.org",
            "a@example.org\r\nBcc: x@y.z",
            "<a@example.org>",
            "a@-x.org",
            "a@@example.org",
            ".a@example.org",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        let e = Email::parse("secret.person@example.org").expect("ok");
        assert!(!format!("{e:?}").contains("secret.person"), "Debug must redact");
    }

    #[test]
    fn places_zones_dates_channels() {
        assert_eq!(Place::parse("kz", Some("almaty")).expect("ok").to_string(), "Almaty, KZ");
        assert_eq!(Place::parse("Kazakhstan", None).expect("ok").to_string(), "KZ");
        assert_eq!(Place::parse("KZ", Some("Paris")).expect_err("not in KZ").field, "city");
        assert_eq!(Place::parse("XX", None).expect_err("bad").field, "country");
        assert!(Zone::parse("Asia/Almaty").is_ok());
        assert_eq!(Zone::parse("Mars/Olympus").expect_err("bad").field, "timezone");
        assert!(parse_date("start", "2022-01-06").is_ok());
        assert!(parse_date("start", "06/01/2022").is_err());
        assert!(
            Trip::check_dates(
                parse_date("s", "2022-01-06").expect("d"),
                parse_date("e", "2022-01-05").expect("d")
            )
            .is_err()
        );
        assert_eq!(Channel::parse("webhook:soc").expect("ok"), Channel::Webhook("soc".into()));
        assert!(Channel::parse("sms").is_err());
        assert!(parse_name("A\nB").is_err());
    }
}
